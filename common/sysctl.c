/* sysctl through /proc/sys. See sysctl.h. */
#include "fileio.h"
#include "sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PROC_SYS "/proc/sys/"

static bool component_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.';
}

bool sysctl_key_valid(const char *key)
{
	size_t n, start = 0;
	char sep;

	if (!key)
		return false;
	n = strlen(key);
	if (n == 0 || n > SYSCTL_KEY_MAX)
		return false;
	/* A key with '/' uses '/' separators and its components may hold '.'
	 * (interface names); otherwise '.' separates, as sysctl(8) writes it. */
	sep = strchr(key, '/') ? '/' : '.';
	for (size_t i = 0; i <= n; i++) {
		if (i == n || key[i] == sep) {
			size_t clen = i - start;

			if (clen == 0)
				return false;
			if (key[start] == '.' &&
			    (clen == 1 || (clen == 2 && key[start + 1] == '.')))
				return false;
			start = i + 1;
			continue;
		}
		if (!component_char(key[i]))
			return false;
	}
	return true;
}

static int key_path(const char *key, char *path, size_t len)
{
	size_t n;

	if (!sysctl_key_valid(key))
		return -EINVAL;
	n = strlen(key);
	if (sizeof(PROC_SYS) - 1 + n + 1 > len)
		return -ENAMETOOLONG;
	memcpy(path, PROC_SYS, sizeof(PROC_SYS) - 1);
	memcpy(path + sizeof(PROC_SYS) - 1, key, n + 1);
	if (!strchr(key, '/')) {
		for (char *p = path + sizeof(PROC_SYS) - 1; *p; p++)
			if (*p == '.')
				*p = '/';
	}
	return 0;
}

int sysctl_write(const char *key, const char *value)
{
	char path[sizeof(PROC_SYS) + SYSCTL_KEY_MAX];
	size_t vlen;
	int fd, r;

	r = key_path(key, path, sizeof(path));
	if (r < 0)
		return r;
	if (!value)
		return -EINVAL;
	vlen = strlen(value);
	/* One short value; control characters would let a caller inject a second
	 * value into multi-value knobs. */
	for (size_t i = 0; i < vlen; i++)
		if ((unsigned char)value[i] < 0x20 && value[i] != '\t')
			return -EINVAL;

	fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	r = fileio_write_all(fd, value, vlen);
	if (r < 0) {
		close(fd);
		return r;
	}
	if (close(fd) < 0)
		return -errno;
	return 0;
}

int sysctl_read(const char *key, char *buf, size_t len)
{
	char path[sizeof(PROC_SYS) + SYSCTL_KEY_MAX];
	size_t off = 0;
	int fd, r;

	if (!buf || len == 0)
		return -EINVAL;
	buf[0] = '\0';
	r = key_path(key, path, sizeof(path));
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n;

		if (off == len) {
			/* Full buffer: fine only if the file ends here (checked by one
			 * more byte) -- otherwise say the value was cut. */
			char extra;

			n = read(fd, &extra, 1);
			close(fd);
			if (n != 0)
				return -ENOSPC;
			if (buf[len - 1] != '\n')
				return -ENOSPC;
			off--;
			break;
		}
		n = read(fd, buf + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		if (n == 0) {
			close(fd);
			break;
		}
		off += (size_t)n;
	}
	if (off == len)
		return -ENOSPC;
	buf[off] = '\0';
	while (off > 0 && buf[off - 1] == '\n')
		buf[--off] = '\0';
	return 0;
}
