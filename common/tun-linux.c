/* TUN on Linux: /dev/net/tun with TUNSETIFF. See tun.h. */
#include "errbuf.h"
#include "gso.h"
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
#include <sys/uio.h>

#define TUN_DEFAULT_TEMPLATE "tlsvpn%d"
#define TUN_OFFLOADS	     (TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN)

/* Linux 6.2 names them; Debian 12's kernel headers (6.1) do not. */
#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

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

/* TUNSETIFF with the given flags; the fd or -errno with err set. */
static int open_flags(const char *name, short flags, char *actual, size_t actual_len, char *err,
		      size_t err_len)
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
	ifr.ifr_flags = flags;
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

int tun_open(const char *name, char *actual, size_t actual_len, char *err, size_t err_len)
{
	return open_flags(name, IFF_TUN | IFF_NO_PI, actual, actual_len, err, err_len);
}

int tun_open_offload(const char *name, char *actual, size_t actual_len, bool *offload, char *err,
		     size_t err_len)
{
	*offload = false;
	int fd =
	    open_flags(name, IFF_TUN | IFF_NO_PI | IFF_VNET_HDR, actual, actual_len, err, err_len);
	if (fd < 0)
		return fd;
	int hdr_len = (int)sizeof(struct virtio_net_hdr);
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr_len) == 0 &&
	    ioctl(fd, TUNSETOFFLOAD, (unsigned long)TUN_OFFLOADS) == 0) {
		*offload = true;
		return fd;
	}
	/* An old or unusual kernel: the plain device works the same, only slower.
	 * Closing the fd removes the device, so the name is free again. */
	close(fd);
	return tun_open(name, actual, actual_len, err, err_len);
}

bool tun_uso_supported(int fd)
{
	if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)(TUN_OFFLOADS | TUN_F_USO4 | TUN_F_USO6)) < 0)
		return false;
	/* gso_from_tun takes no UDP super-packets: reads go back to TCP only */
	return ioctl(fd, TUNSETOFFLOAD, (unsigned long)TUN_OFFLOADS) == 0;
}

int tun_write(int fd, bool offload, const uint8_t *pkt, size_t len)
{
	static const struct virtio_net_hdr plain;
	struct iovec iov[2] = {
	    {.iov_base = (void *)&plain, .iov_len = sizeof plain},
	    {.iov_base = (void *)pkt, .iov_len = len},
	};
	ssize_t n = offload ? writev(fd, iov, 2) : write(fd, pkt, len);
	if (n < 0)
		return -errno;
	return 0;
}

static int write_segment(const uint8_t *seg, size_t len, void *arg)
{
	const int *fd = arg;
	/* a segment lost is a packet lost, as on any link: go on with the rest */
	ssize_t n = write(*fd, seg, len);
	(void)n;
	return 0;
}

int tun_write_gso(int fd, bool offload, const struct gso_packet *g)
{
	if (!offload) {
		static _Thread_local uint8_t scratch[65535];
		return gso_segment(g, scratch, sizeof scratch, write_segment, &fd);
	}
	struct virtio_net_hdr hdr;
	uint8_t check[2];
	gso_tun_header(g, &hdr, check);
	/* the packet is borrowed and read-only: the checksum field is swapped
	 * in by the iovec rather than written into it */
	size_t at = (size_t)hdr.csum_start + hdr.csum_offset;
	struct iovec iov[4] = {
	    {.iov_base = &hdr, .iov_len = sizeof hdr},
	    {.iov_base = (void *)g->pkt, .iov_len = at},
	    {.iov_base = check, .iov_len = sizeof check},
	    {.iov_base = (void *)(g->pkt + at + sizeof check),
	     .iov_len = g->len - at - sizeof check},
	};
	if (writev(fd, iov, 4) < 0)
		return -errno;
	return 0;
}
