/*
 * The client's session with the VPN: connect (connect.h), TLS and framing
 * (channel.h), hello, config, then relay packets between the TUN device and
 * the channel with batching, keepalive ping/pong, and a dead server noticed
 * within its keepalive timeout. A lost session reconnects with backoff while
 * the TUN device, its addresses and routes stay in place, so applications'
 * connections survive a short outage; the same config back changes nothing
 * on the host, a different one is re-applied.
 *
 * Ownership: the tunnel borrows everything in tunnel_options (profile, TLS
 * config, netlink, undo journal, TUN fd); they must outlive it.
 */
#ifndef TLSVPN_CLIENT_TUNNEL_H
#define TLSVPN_CLIENT_TUNNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct netlink;
struct profile;
struct tls_config;
struct undo;
struct tunnel;

struct tunnel_options {
	const struct profile *profile;
	struct tls_config *tls;
	struct netlink *nl;
	struct undo *undo;
	int tun_fd;
	bool tun_offload;	  /* tun_fd has offloads: virtio_net_hdr on each read/write */
	bool gso;		  /* offer the "gso" feature (GSO frames) in hello */
	const char *tun;	  /* its interface name */
	bool no_dns;		  /* leave the resolver alone */
	const char *resolv_path;  /* normally DNS_RESOLV_CONF */
	const char *leak_table;	  /* nftables table for the IPv6 leak guard */
	unsigned connect_timeout; /* seconds per address; 0: default */
	unsigned setup_timeout;	  /* seconds from TCP up to config; 0: default 15 */
	uint64_t seed;		  /* for the backoff jitter */
	/* The tunnel gave up for good (status 1: refused by the server for a
	 * reason a retry cannot fix, host changes failed) or finished a
	 * tunnel_shutdown (status 0). Called from the event loop. */
	void (*on_stop)(int status, void *arg);
	void *arg;
};

/* NULL on failure with err set. Starts nothing yet. */
struct tunnel *tunnel_new(struct event_base *base, const struct tunnel_options *opt, char *err,
			  size_t err_len);
/* Starts connecting and reading the TUN device. */
void tunnel_start(struct tunnel *t);
/* Says bye to the server and closes (bounded by the channel's linger time),
 * then calls on_stop(0). Host changes are left to the caller (undo_finish). */
void tunnel_shutdown(struct tunnel *t);
void tunnel_free(struct tunnel *t); /* NULL ok */

#endif
