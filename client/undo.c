#include "fileio.h"
#include "undo.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns.h"
#include "leakguard.h"
#include "log.h"
#include "netlink.h"

struct undo {
	struct undo_state st;
	char path[UNDO_PATH_MAX + 64];
	char tmp[UNDO_PATH_MAX + 64];
};

unsigned long undo_netns_id(void)
{
	struct stat sb;
	return stat("/proc/self/ns/net", &sb) == 0 ? (unsigned long)sb.st_ino : 0;
}

static int ensure_dir(const char *dir, char *err, size_t err_len)
{
	if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
		int rc = -errno;
		snprintf(err, err_len, "%s: cannot create: %s", dir, strerror(errno));
		return rc;
	}
	struct stat sb;
	if (lstat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		snprintf(err, err_len, "%s: not a directory", dir);
		return -ENOTDIR;
	}
	/* The journal names files the next start will rewrite as root: nobody
	 * else may plant one. */
	if (sb.st_uid != geteuid() || (sb.st_mode & 022) != 0) {
		snprintf(err, err_len, "%s: owned by uid %u with mode %04o; expected ours, 0700",
			 dir, (unsigned)sb.st_uid, (unsigned)(sb.st_mode & 07777));
		return -EPERM;
	}
	return 0;
}

static int save(struct undo *u, char *err, size_t err_len)
{
	char *text = undo_state_render(&u->st);
	if (text == NULL) {
		snprintf(err, err_len, "%s: out of memory", u->path);
		return -ENOMEM;
	}
	int rc = 0;
	int fd = open(u->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, err_len, "%s: %s", u->tmp, strerror(errno));
		free(text);
		return rc;
	}
	rc = fileio_write_all(fd, text, strlen(text));
	free(text);
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	/* Renamed into place: a kill -9 mid-write must leave the old journal
	 * whole. (This is /run, not a bind mount.) */
	if (rc == 0 && rename(u->tmp, u->path) != 0)
		rc = -errno;
	if (rc != 0) {
		snprintf(err, err_len, "%s: %s", u->path, strerror(-rc));
		unlink(u->tmp);
	}
	return rc;
}

struct undo *undo_new(const char *dir, const char *tun, char *err, size_t err_len)
{
	if (ensure_dir(dir, err, err_len) != 0)
		return NULL;
	struct undo *u = calloc(1, sizeof(*u));
	if (u == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	undo_state_init(&u->st);
	u->st.pid = (long)getpid();
	u->st.netns = undo_netns_id();
	snprintf(u->st.tun, sizeof(u->st.tun), "%s", tun);
	int n = snprintf(u->path, sizeof(u->path), "%s/%lu-%s.json", dir,
			 (unsigned long)u->st.netns, tun);
	int m = snprintf(u->tmp, sizeof(u->tmp), "%s/.%lu-%s.json.tmp", dir,
			 (unsigned long)u->st.netns, tun);
	if (n < 0 || (size_t)n >= sizeof(u->path) || m < 0 || (size_t)m >= sizeof(u->tmp)) {
		snprintf(err, err_len, "%s: path too long", dir);
		free(u);
		return NULL;
	}
	if (save(u, err, err_len) != 0) {
		free(u);
		return NULL;
	}
	return u;
}

void undo_free(struct undo *u)
{
	if (u == NULL)
		return;
	undo_state_clear(&u->st);
	free(u);
}

int undo_record(struct undo *u, const struct undo_change *c, char *err, size_t err_len)
{
	const char *why = undo_change_invalid(c);
	if (why != NULL) {
		snprintf(err, err_len, "%s: refusing to record a change: %s", u->path, why);
		return -EINVAL;
	}
	int rc = undo_state_push(&u->st, c);
	if (rc != 0) {
		snprintf(err, err_len, "%s: %s", u->path, strerror(-rc));
		return rc;
	}
	rc = save(u, err, err_len);
	if (rc != 0)
		undo_state_pop(&u->st);
	return rc;
}

void undo_forget_last(struct undo *u)
{
	char err[256];
	undo_state_pop(&u->st);
	if (save(u, err, sizeof(err)) != 0)
		log_warn("event=undo_save_failed error=%s", err);
}

size_t undo_count(const struct undo *u)
{
	return u->st.n;
}

static bool gone(int rc)
{
	return rc == -ESRCH || rc == -ENOENT || rc == -ENODEV || rc == -EADDRNOTAVAIL;
}

/* What a rewrite of text (dns_write_in_place) leaves when killed before its
 * cut: text, then newlines. */
static bool text_then_newlines(const char *cur, const char *text)
{
	size_t n = strlen(text);
	return strncmp(cur, text, n) == 0 && strspn(cur + n, "\n") == strlen(cur + n);
}

static int revert_resolv(const struct undo_change *c, char *err, size_t err_len)
{
	char *cur = NULL;
	int rc = dns_read(c->path, &cur, err, err_len);
	if (rc != 0)
		return rc;
	/* Ours too, after a kill -9: our text before its cut, and a prefix of it
	 * (even an empty file), which clients that truncated first could leave.
	 * The original before its cut is a restore that did not finish. */
	bool ours =
	    strncmp(cur, c->written, strlen(cur)) == 0 || text_then_newlines(cur, c->written);
	bool restored = strcmp(cur, c->original) == 0;
	if (ours || (!restored && text_then_newlines(cur, c->original))) {
		rc = dns_write_in_place(c->path, c->original, err, err_len);
	} else if (!restored) {
		char q[LOG_QUOTE_MAX(UNDO_PATH_MAX)];
		log_warn("event=resolver_not_restored path=%s reason=\"changed by someone else "
			 "since we wrote it\"",
			 log_quote(c->path, q, sizeof(q)));
	}
	free(cur);
	return rc;
}

/* Undoes one change. 0 when it is undone or already gone. */
static int revert(struct netlink *nl, const struct undo_change *c, char *err, size_t err_len)
{
	int ifindex, rc;
	err[0] = '\0';
	switch (c->kind) {
	case UNDO_ADDR:
	case UNDO_ROUTE:
		ifindex = netlink_link_index(c->dev);
		if (ifindex < 0)
			return 0; /* the device, and with it this change, is gone */
		if (nl == NULL)
			return -ENOTCONN;
		if (c->kind == UNDO_ADDR)
			rc = netlink_addr_del(nl, ifindex, &c->prefix);
		else
			rc = netlink_route_del(nl, &c->prefix, c->has_gw ? &c->gw : NULL, ifindex,
					       c->metric);
		return gone(rc) ? 0 : rc;
	case UNDO_NFT:
		return leakguard_remove(c->table, err, err_len);
	case UNDO_RESOLV:
		return revert_resolv(c, err, err_len);
	}
	return -EINVAL;
}

static size_t revert_state(struct undo_state *st, struct netlink *nl, size_t keep)
{
	size_t failed = 0;
	while (st->n > keep) {
		const struct undo_change *c = &st->changes[st->n - 1];
		char desc[128], q[LOG_QUOTE_MAX(128)], err[512], qe[LOG_QUOTE_MAX(512)];
		undo_change_describe(c, desc, sizeof(desc));
		int rc = revert(nl, c, err, sizeof(err));
		if (rc != 0) {
			if (err[0] == '\0')
				snprintf(err, sizeof(err), "%s", strerror(-rc));
			log_warn("event=undo_failed change=%s error=%s",
				 log_quote(desc, q, sizeof(q)), log_quote(err, qe, sizeof(qe)));
			failed++;
		} else {
			log_debug("event=undone change=%s", log_quote(desc, q, sizeof(q)));
		}
		undo_state_pop(st);
	}
	return failed;
}

size_t undo_revert_to(struct undo *u, struct netlink *nl, size_t keep)
{
	char err[256];
	size_t failed = revert_state(&u->st, nl, keep);
	if (save(u, err, sizeof(err)) != 0)
		log_warn("event=undo_save_failed error=%s", err);
	return failed;
}

size_t undo_finish(struct undo *u, struct netlink *nl)
{
	size_t failed = revert_state(&u->st, nl, 0);
	if (unlink(u->path) != 0 && errno != ENOENT)
		log_warn("event=undo_remove_failed path=%s error=%s", u->path, strerror(errno));
	return failed;
}

/* A journal: at most a few resolv.conf copies and some routes. */
#define JOURNAL_MAX (4 * UNDO_RESOLV_MAX + 64 * 1024)

static int read_journal(const char *path, char **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = fileio_read_fd(fd, JOURNAL_MAX, out, len);
	close(fd);
	return rc;
}

static int cleanup_one(const char *dir, const char *name, struct netlink *nl, size_t *failures)
{
	char path[UNDO_PATH_MAX + 64], err[512], q[LOG_QUOTE_MAX(512)];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	char *text = NULL;
	size_t len = 0;
	int rc = read_journal(path, &text, &len);
	if (rc == -ENOENT)
		return 0;
	if (rc < 0) {
		log_warn("event=cleanup_skipped path=%s error=\"%s\"",
			 log_quote(path, q, sizeof(q)), strerror(-rc));
		return 0;
	}
	struct undo_state st;
	rc = undo_state_parse(path, text, len, &st, err, sizeof(err));
	free(text);
	if (rc != 0) {
		log_warn("event=cleanup_skipped error=%s", log_quote(err, q, sizeof(q)));
		return 0;
	}
	if (st.netns != undo_netns_id() || netlink_link_index(st.tun) >= 0) {
		/* Another namespace's, or its client is alive. */
		undo_state_clear(&st);
		return 0;
	}
	log_info("event=cleanup_stale file=%s pid=%ld changes=%zu", log_quote(path, q, sizeof(q)),
		 st.pid, st.n);
	*failures += revert_state(&st, nl, 0);
	undo_state_clear(&st);
	if (unlink(path) != 0 && errno != ENOENT)
		log_warn("event=cleanup_remove_failed file=%s error=%s", path, strerror(errno));
	return 1;
}

int undo_cleanup_stale(const char *dir, struct netlink *nl, size_t *failures)
{
	*failures = 0;
	struct stat sb;
	if (lstat(dir, &sb) != 0)
		return errno == ENOENT ? 0 : -errno;
	/* Journals are obeyed as root: only ones nobody else could plant. */
	if (!S_ISDIR(sb.st_mode) || sb.st_uid != geteuid() || (sb.st_mode & 022) != 0) {
		log_error("event=cleanup_refused dir=%s reason=\"not a directory of ours with mode "
			  "0700\" uid=%u mode=%04o",
			  dir, (unsigned)sb.st_uid, (unsigned)(sb.st_mode & 07777));
		return -EPERM;
	}
	DIR *d = opendir(dir);
	if (d == NULL)
		return -errno;
	char prefix[32];
	snprintf(prefix, sizeof(prefix), "%lu-", undo_netns_id());
	int cleaned = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t n = strlen(de->d_name);
		if (strncmp(de->d_name, prefix, strlen(prefix)) != 0 || n < 6 ||
		    strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		cleaned += cleanup_one(dir, de->d_name, nl, failures);
	}
	closedir(d);
	return cleaned;
}
