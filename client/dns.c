#include "fileio.h"
#include "dns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int dns_render(const struct ip_addr *servers, size_t n, const char *tun, char *out, size_t cap)
{
	if (n == 0 || cap == 0)
		return -EINVAL;
	int w = snprintf(out, cap,
			 "# Written by tlsvpn-client for %s; the original is restored when it "
			 "exits.\n",
			 tun);
	if (w < 0 || (size_t)w >= cap)
		return -ENOSPC;
	size_t used = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		char a[ADDR_STRLEN];
		if (servers[i].family != AF_INET && servers[i].family != AF_INET6)
			return -EINVAL;
		w = snprintf(out + used, cap - used, "nameserver %s\n",
			     addr_format(&servers[i], a, sizeof(a)));
		if (w < 0 || (size_t)w >= cap - used)
			return -ENOSPC;
		used += (size_t)w;
	}
	return used > (size_t)INT32_MAX ? -ENOSPC : (int)used;
}

int dns_read(const char *path, char **out, char *err, size_t err_len)
{
	*out = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		*out = strdup("");
		return *out == NULL ? -ENOMEM : 0;
	}
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	char *text = NULL;
	size_t len = 0;
	int rc = fileio_read_fd(fd, DNS_FILE_MAX, &text, &len);
	close(fd);
	if (rc == -EFBIG)
		snprintf(err, err_len, "%s: larger than %d bytes", path, DNS_FILE_MAX);
	else if (rc < 0)
		snprintf(err, err_len, "%s: %s", path, strerror(-rc));
	else if (memchr(text, '\0', len) != NULL) {
		rc = -EINVAL;
		snprintf(err, err_len, "%s: contains a NUL byte", path);
		free(text);
	}
	if (rc == 0)
		*out = text;
	return rc;
}

/*
 * Overwrites, then cuts the file to length. Truncating to zero first (O_TRUNC)
 * would make ext4 write the file out when it is closed (its auto_da_alloc
 * guard for programs that rewrite files that way): 1-1.5 ms on average on
 * the test machine, 15-27 ms at worst, on the way to the tunnel's first
 * packet. When the old content is longer, newlines cover the rest of it until
 * the cut, so a resolver reading meanwhile never sees old lines after new ones.
 */
int dns_write_in_place(const char *path, const char *text, char *err, size_t err_len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		int rc = -errno;
		snprintf(err, err_len, "%s: %s", path, strerror(errno));
		return rc;
	}
	size_t len = strlen(text), total = len;
	struct stat sb;
	if (fstat(fd, &sb) == 0 && sb.st_size > (off_t)len && sb.st_size <= DNS_FILE_MAX)
		total = (size_t)sb.st_size;
	char *buf = malloc(total > 0 ? total : 1);
	if (buf == NULL) {
		close(fd);
		snprintf(err, err_len, "%s: out of memory", path);
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	memset(buf + len, '\n', total - len);
	int rc = fileio_write_all(fd, buf, total);
	free(buf);
	if (rc == 0 && ftruncate(fd, (off_t)len) != 0)
		rc = -errno;
	if (close(fd) != 0 && rc == 0)
		rc = -errno;
	if (rc < 0)
		snprintf(err, err_len, "%s: %s", path, strerror(-rc));
	return rc;
}

static bool is_mount_point(const char *path)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (f == NULL)
		return false;
	char line[4096];
	bool found = false;
	/* Field 5 is the mount point (octal escapes for spaces; none in ours). */
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		for (int i = 1; tok != NULL && i < 5; i++)
			tok = strtok_r(NULL, " ", &save);
		found = tok != NULL && strcmp(tok, path) == 0;
	}
	fclose(f);
	return found;
}

/* Whether the caller's network namespace is one that `ip netns add` named. */
static bool in_named_netns(const struct stat *self)
{
	DIR *d = opendir("/run/netns");
	if (d == NULL)
		return false;
	bool found = false;
	struct dirent *de;
	while (!found && (de = readdir(d)) != NULL) {
		struct stat sb;
		if (de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &sb, 0) == 0)
			found = sb.st_ino == self->st_ino && sb.st_dev == self->st_dev;
	}
	closedir(d);
	return found;
}

bool dns_resolver_is_shared(const char *path)
{
	struct stat self, init;
	if (stat("/proc/self/ns/net", &self) != 0)
		return false; /* no /proc: cannot tell */
	/* PID 1's namespace may be unreadable (containers): then only the
	 * namespaces ip netns named are known not to be the host's. */
	bool other = stat("/proc/1/ns/net", &init) == 0
			 ? self.st_ino != init.st_ino || self.st_dev != init.st_dev
			 : in_named_netns(&self);
	return other && !is_mount_point(path);
}
