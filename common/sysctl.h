/* sysctl through /proc/sys, for the few knobs the VPN needs (ip_forward,
 * disable_ipv6 on an interface).
 *
 * key is the path below /proc/sys with '/' separators ("net/ipv4/ip_forward");
 * '.' separators ("net.ipv4.ip_forward") are accepted too when the key has no
 * '/' (then an interface name cannot contain '.'). Keys are checked before any
 * file is opened: [A-Za-z0-9_.-] components, no empty, "." or ".." component,
 * at most SYSCTL_KEY_MAX chars; -EINVAL otherwise. */
#ifndef TLSVPN_SYSCTL_H
#define TLSVPN_SYSCTL_H

#include <stdbool.h>
#include <stddef.h>

#define SYSCTL_KEY_MAX 200

/* Writes value (a short string, no newline needed) to the key. 0 or -errno. */
int sysctl_write(const char *key, const char *value);

/* Reads the key into buf (NUL-terminated, trailing newline removed). -ENOSPC
 * when the value does not fit in len. 0 or -errno. */
int sysctl_read(const char *key, char *buf, size_t len);

/* True if key passes the check above. */
bool sysctl_key_valid(const char *key);

#endif
