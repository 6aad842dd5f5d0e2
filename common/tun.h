/* TUN device: open a layer-3 tunnel interface.
 *
 * The device exists only while the returned fd is open (no TUNSETPERSIST): when
 * the process exits or closes the fd, the kernel removes the interface with its
 * addresses and routes, so a crash leaves nothing behind. The caller owns the fd.
 * Each packet read or written is one bare IP packet (IFF_NO_PI). */
#ifndef TLSVPN_TUN_H
#define TLSVPN_TUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/virtio_net.h>

/* Longest interface name the kernel accepts, without the NUL (IFNAMSIZ - 1). */
#define TUN_NAME_MAX 15

/* Opens (creates) a TUN device. name is an exact name ("tun0") or a kernel
 * template with one "%d" ("tlsvpn%d"); NULL or "" means "tlsvpn%d". The name the
 * kernel chose is copied to actual (actual_len >= TUN_NAME_MAX + 1; actual may be
 * NULL). Returns the fd (O_NONBLOCK | O_CLOEXEC) or -errno; on failure err (may
 * be NULL) gets a message naming the device and the reason. */
int tun_open(const char *name, char *actual, size_t actual_len, char *err, size_t err_len);

/* Like tun_open, asking the kernel for checksum and TCP segmentation offload
 * (TUN_F_CSUM, TSO4, TSO6, TSO_ECN). When it agrees, *offload is true and every
 * read and write on the fd starts with a struct virtio_net_hdr (see gso.h):
 * reads may then return TCP super-packets of up to 64 KiB. When it refuses, a
 * plain device is opened instead and *offload is false. */
int tun_open_offload(const char *name, char *actual, size_t actual_len, bool *offload, char *err,
		     size_t err_len);

/* For an fd from tun_open_offload with offload on: true if the kernel takes
 * UDP super-packets (virtio_net_hdr gso_type UDP_L4, Linux 6.2 and later) on
 * write, told by whether it accepts the matching read offload (TUN_F_USO4/6),
 * which is then turned off again: reads stay as tun_open_offload set them. */
bool tun_uso_supported(int fd);

/* Writes one ordinary packet whose checksums are complete. With offload (the
 * fd came from tun_open_offload with *offload true) an all-zero
 * virtio_net_hdr goes first. 0 or -errno. */
int tun_write(int fd, bool offload, const uint8_t *pkt, size_t len);

/* Writes a TCP super-packet (from gso_frame_parse): with offload whole, and
 * the kernel segments it where it must; without, cut here into ordinary
 * packets written one by one. 0 or -errno. */
struct gso_packet;
int tun_write_gso(int fd, bool offload, const struct gso_packet *g);

/* True if name is a plausible interface name: 1..15 chars of [A-Za-z0-9_.-]
 * (and, when allow_template, at most one "%d"). Used before a name goes into
 * an ioctl or into nftables rule text. */
bool tun_name_valid(const char *name, bool allow_template);

#endif
