/*
 * privdrop: setuid keeping CAP_NET_ADMIN (see privdrop.h). Uses the raw
 * capset syscall so the server needs no libcap.
 */
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "privdrop.h"

int privdrop_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
		    size_t len)
{
	struct passwd *pw = getpwnam(user);
	if (pw == NULL) {
		snprintf(err, len, "user: no such user \"%s\"", user);
		return -ENOENT;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (group != NULL) {
		struct group *gr = getgrnam(group);
		if (gr == NULL) {
			snprintf(err, len, "group: no such group \"%s\"", group);
			return -ENOENT;
		}
		*gid = gr->gr_gid;
	}
	return 0;
}

static int keep_net_admin(void)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof data);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].permitted = CAP_TO_MASK(CAP_NET_ADMIN);
	data[CAP_TO_INDEX(CAP_NET_ADMIN)].effective = CAP_TO_MASK(CAP_NET_ADMIN);
	return (int)syscall(SYS_capset, &hdr, data);
}

int privdrop_apply(uid_t uid, gid_t gid, char *err, size_t len)
{
	const char *step;
	if (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) < 0) {
		step = "prctl(PR_SET_KEEPCAPS)";
		goto fail;
	}
	if (setgroups(1, &gid) < 0) {
		step = "setgroups";
		goto fail;
	}
	if (setresgid(gid, gid, gid) < 0) {
		step = "setgid";
		goto fail;
	}
	if (setresuid(uid, uid, uid) < 0) {
		step = "setuid";
		goto fail;
	}
	/* setuid cleared the effective set; narrow permitted to CAP_NET_ADMIN
	 * and make it effective again */
	if (keep_net_admin() < 0) {
		step = "capset(CAP_NET_ADMIN)";
		goto fail;
	}
	if (prctl(PR_SET_KEEPCAPS, 0L, 0L, 0L, 0L) < 0 ||
	    prctl(PR_SET_NO_NEW_PRIVS, 1L, 0L, 0L, 0L) < 0) {
		step = "prctl";
		goto fail;
	}
	/* paranoia: regaining root must be impossible now */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, len, "privileges could be regained after dropping them");
		return -EPERM;
	}
	return 0;
fail:;
	int e = errno;
	snprintf(err, len, "dropping privileges: %s failed: %s", step, strerror(e));
	return -e;
}
