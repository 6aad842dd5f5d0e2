/*
 * The undo journal: every change the client makes to the host (addresses,
 * routes, nftables tables, the resolver) is written to a state file in
 * /run/tlsvpn-client/ BEFORE it is made, so that after a kill -9 the next
 * start, or `tlsvpn-client --cleanup`, can undo what was left behind.
 *
 * The file is named <netns>-<tun>.json, where <netns> is the inode of the
 * client's network namespace: /run is shared by all namespaces (ip netns exec
 * does not remount it), so two clients in two namespaces may both own a
 * "tlsvpn0". A state file is stale when its TUN device no longer exists in
 * that namespace: the device lives exactly as long as its owner's fd.
 *
 * Undoing tolerates changes that are already gone (the kernel removes a TUN's
 * addresses and routes with it). The resolver is restored only if it still
 * holds what we wrote; otherwise somebody changed it since and it is left
 * alone, with a warning.
 *
 * Ownership: struct undo owns its state and path; it borrows nothing.
 */
#ifndef TLSVPN_CLIENT_UNDO_H
#define TLSVPN_CLIENT_UNDO_H

#include <stdbool.h>
#include <stddef.h>

#include "undo-state.h"

#define UNDO_DIR_DEFAULT "/run/tlsvpn-client"

struct netlink;
struct undo;

/* Creates dir (0700) if needed and an empty journal for tun in it. NULL on
 * failure with err set. */
struct undo *undo_new(const char *dir, const char *tun, char *err, size_t err_len);
/* Frees the journal; undoes nothing and leaves the file (see undo_finish). NULL ok. */
void undo_free(struct undo *u);

/* Records a change about to be made and saves the file. 0 or -errno. */
int undo_record(struct undo *u, const struct undo_change *c, char *err, size_t err_len);
/* The last recorded change was not made after all (it failed or was there
 * already and is not ours): forget it. */
void undo_forget_last(struct undo *u);
/* Number of changes recorded. */
size_t undo_count(const struct undo *u);

/* Undoes changes in reverse order until only `keep` remain, and saves. Returns
 * the number of changes that could not be undone (each logged). */
size_t undo_revert_to(struct undo *u, struct netlink *nl, size_t keep);
/* Undoes everything and removes the file. Returns as undo_revert_to. */
size_t undo_finish(struct undo *u, struct netlink *nl);

/*
 * Undoes the stale journals in dir that belong to this network namespace
 * (their TUN device is gone) and removes them. Journals of live clients are
 * left alone. Returns the number of journals cleaned, or -errno when dir cannot
 * be read (a missing dir is 0). *failures counts changes that could not be
 * undone.
 */
int undo_cleanup_stale(const char *dir, struct netlink *nl, size_t *failures);

/* Inode of the caller's network namespace (0 if /proc is not mounted). */
unsigned long undo_netns_id(void);

#endif
