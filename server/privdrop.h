/*
 * privdrop: switch the server to an unprivileged user after start-up while
 * keeping CAP_NET_ADMIN, which is all it still needs: removing its nftables
 * NAT table at exit (and its TUN device goes away with the fd, which needs
 * nothing). prctl(PR_SET_KEEPCAPS) keeps the permitted set across setuid,
 * then capset() narrows it to CAP_NET_ADMIN alone, and PR_SET_NO_NEW_PRIVS
 * stops any exec from regaining more.
 *
 * What the unprivileged server can no longer do, by design: read files its
 * user cannot read. So the CRL re-read on SIGHUP works only if the CRL is
 * readable by that user (it is public data: mode 0644 is fine), and the
 * leases file is written by temp file + rename, so its DIRECTORY must be
 * writable by the user (main chowns the leases file; give the server a
 * directory of its own such as /var/lib/tlsvpn). The private key is read
 * once, before the switch, and is never needed again.
 */
#ifndef TLSVPN_SERVER_PRIVDROP_H
#define TLSVPN_SERVER_PRIVDROP_H

#include <stddef.h>
#include <sys/types.h>

/* Looks up user (and group, or the user's primary group when NULL).
 * 0, or -ENOENT with err naming the unknown user or group. */
int privdrop_lookup(const char *user, const char *group, uid_t *uid, gid_t *gid, char *err,
		    size_t len);

/* setgroups + setgid + setuid keeping only CAP_NET_ADMIN. Must run as root.
 * 0, or -errno with err naming the step that failed. */
int privdrop_apply(uid_t uid, gid_t gid, char *err, size_t len);

#endif
