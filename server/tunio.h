/*
 * tunio: the relay between the server's TUN device and the sessions.
 *
 * With offload (tun_open_offload), a read may be a TCP super-packet of up to
 * 64 KiB (gso.h): it is routed like a packet and queued whole as a GSO frame
 * to a client that agreed to them, else cut into packets by the channel.
 *
 * TUN -> clients: on readiness, read up to TUNIO_READ_BUDGET packets; route
 * each by destination address through the session table (O(1)); queue it on
 * that session's channel; packets to unknown destinations are dropped and
 * counted. After the batch every touched channel is flushed once, so one
 * TLS record carries many packets.
 *
 * clients -> TUN: tunio_from_client() checks that the source address is the
 * client's own tunnel address (else dropped and counted as spoofed), relays
 * client-to-client packets directly only with client_to_client (else drops
 * and counts them), and writes the rest to the TUN.
 *
 * Ownership: tunio owns the TUN fd (closing it removes the device) and one
 * read buffer; it borrows the session table.
 */
#ifndef TLSVPN_SERVER_TUNIO_H
#define TLSVPN_SERVER_TUNIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct event_base;
struct session;
struct sessions;
struct tunio;

#define TUNIO_READ_BUDGET 64

struct tunio_stats {
	uint64_t rx_packets;	   /* read from the TUN */
	uint64_t tx_packets;	   /* written to the TUN */
	uint64_t drops_unknown;	   /* TUN packet for no connected client */
	uint64_t drops_malformed;  /* not a valid IP packet (either direction) */
	uint64_t drops_spoofed;	   /* client packet with another source address */
	uint64_t drops_link_local; /* client's IPv6 link-local chatter (RS, MLD): not spoofing */
	uint64_t drops_c2c;	   /* client-to-client packet while not allowed */
	uint64_t drops_queue_full; /* session queue at its cap */
	uint64_t drops_tun_write;  /* write to the TUN failed */
	uint64_t rx_gso;	   /* of rx_packets: TCP super-packets (offload) */
	uint64_t tx_gso;	   /* of tx_packets: super-packets from GSO frames */
	uint64_t segmented;	   /* GSO frames cut here: the TUN has no offload */
	uint64_t tx_uso;	   /* of tx_packets: runs of UDP datagrams merged (tunwrite.h) */
	uint64_t tx_uso_datagrams; /* datagrams those runs carried */
};

struct tunio_options {
	const struct ip_prefix *pool4, *pool6; /* pool6 NULL without IPv6 */
	bool client_to_client;
	size_t mtu;   /* the tunnel MTU: largest ordinary packet */
	bool offload; /* fd came from tun_open_offload and got its offloads */
};

/* Takes fd (non-blocking TUN). NULL on allocation failure (fd closed). */
struct tunio *tunio_new(struct event_base *base, int fd, struct sessions *table,
			const struct tunio_options *opt);
void tunio_free(struct tunio *t); /* NULL ok; closes the fd */

void tunio_from_client(struct tunio *t, struct session *s, const uint8_t *pkt, size_t len);
/* The same for a GSO frame's payload (the session agreed to the feature):
 * checked with gso_frame_parse (a bad one is dropped and counted as
 * malformed), then as above for its headers; written whole to a TUN with
 * offload, else cut into ordinary packets. */
void tunio_from_client_gso(struct tunio *t, struct session *s, const uint8_t *payload, size_t len);
/* Writes what tunio_from_client holds back (a run of UDP datagrams, see
 * tunwrite.h, and packets queued for other clients): called at the end of
 * each record of a client's frames. */
void tunio_flush(struct tunio *t);

const struct tunio_stats *tunio_stats(struct tunio *t);
/* The TUN got its offloads: super-packets may be read and written. */
bool tunio_offload(const struct tunio *t);

#endif
