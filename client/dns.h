/*
 * The resolver: the servers the VPN pushes become /etc/resolv.conf while the
 * tunnel is up. The file is rewritten IN PLACE (overwrite and cut to
 * length, never a rename over it): under `ip netns exec` /etc/resolv.conf is
 * a bind mount of /etc/netns/NAME/resolv.conf, and a rename would fail
 * (EBUSY) or, on a host without the bind mount, would replace the host's own
 * file. The original content is saved by the caller (undo.h) and written
 * back the same way.
 * (A resolver managed by systemd-resolved is a later issue.)
 */
#ifndef TLSVPN_CLIENT_DNS_H
#define TLSVPN_CLIENT_DNS_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

#define DNS_RESOLV_CONF "/etc/resolv.conf"
#define DNS_FILE_MAX	(64 * 1024)

/*
 * Renders a resolv.conf naming the n servers (1..CONTROL_MAX_DNS, or at most
 * the resolver's limit of 3 used; the rest are listed too, glibc ignores
 * them). tun names the interface in the header comment. Writes a NUL-terminated
 * text to out and returns its length, -EINVAL (no servers, bad address) or
 * -ENOSPC.
 */
int dns_render(const struct ip_addr *servers, size_t n, const char *tun, char *out, size_t cap);

/*
 * Reads the whole file (at most DNS_FILE_MAX bytes) into a malloc'd
 * NUL-terminated string. A missing file reads as "". 0 or -errno / -EFBIG /
 * -EINVAL (a NUL byte inside) with err naming the file.
 */
int dns_read(const char *path, char **out, char *err, size_t err_len);

/* Replaces the file's content in place (overwrite, then cut to length; no
 * rename). 0 or -errno with err naming the file. */
int dns_write_in_place(const char *path, const char *text, char *err, size_t err_len);

/*
 * Whether rewriting path would change a resolver shared with another network
 * namespace: true when this process is not in PID 1's network namespace and
 * path is not a mount point of its own (ip netns exec bind-mounts
 * /etc/netns/NAME/resolv.conf over it only when that file exists). Then the
 * file is the host's, and a client in a test namespace must leave it alone.
 */
bool dns_resolver_is_shared(const char *path);

#endif
