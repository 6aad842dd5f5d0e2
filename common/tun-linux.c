/* TUN on Linux: /dev/net/tun with TUNSETIFF. See tun.h. */
#include "errbuf.h"
#include "tun.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <net/if.h>
#include <linux/if_tun.h>
#include <sys/ioctl.h>

#define TUN_DEFAULT_TEMPLATE "tlsvpn%d"

bool tun_name_valid(const char *name, bool allow_template)
{
	size_t n = 0;
	bool seen_template = false;

	if (!name)
		return false;
	for (const char *p = name; *p; p++, n++) {
		if (n >= TUN_NAME_MAX)
			return false;
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' || *p == '-')
			continue;
		if (allow_template && !seen_template && p[0] == '%' && p[1] == 'd') {
			seen_template = true;
			p++;
			n++;
			continue;
		}
		return false;
	}
	/* "." and ".." are refused by the kernel (dev_valid_name) too. */
	if (n == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	return true;
}

int tun_open(const char *name, char *actual, size_t actual_len, char *err, size_t err_len)
{
	struct ifreq ifr;
	int fd, e;

	if (!name || !*name)
		name = TUN_DEFAULT_TEMPLATE;
	if (!tun_name_valid(name, true)) {
		errbuf_set(err, err_len,
			   "tun: invalid device name \"%.40s\" (want 1-15 of [A-Za-z0-9_.-], "
			   "optionally one %%d)",
			   name);
		return -EINVAL;
	}
	if (actual && actual_len < TUN_NAME_MAX + 1) {
		errbuf_set(err, err_len, "tun: name buffer too small (%zu bytes)", actual_len);
		return -EINVAL;
	}

	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		errbuf_set(err, err_len, "tun: open /dev/net/tun for %s: %s", name, strerror(e));
		return -e;
	}

	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	/* Validated above: at most 15 chars, so it fits with its NUL. */
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		e = errno;
		close(fd);
		errbuf_set(err, err_len, "tun: TUNSETIFF %s: %s", name, strerror(e));
		return -e;
	}
	if (actual) {
		memcpy(actual, ifr.ifr_name, IFNAMSIZ);
		actual[IFNAMSIZ - 1] = '\0';
	}
	return fd;
}
