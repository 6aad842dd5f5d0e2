/*
 * channel: a framed, TLS-protected byte stream over one non-blocking TCP
 * socket, driven by libevent readiness. Used by both the server (one per
 * client) and the client (one per connection).
 *
 * Ownership: a channel owns its fd and its tls_conn from channel_new() on
 * (also when channel_new fails: both are then released). channel_free()
 * frees the tls_conn and closes the fd.
 *
 * Write side: plaintext `len | payload` frames are appended, without any
 * allocation per packet, to one out-queue whose memory is allocated on first
 * need and reused. IP packets are refused (dropped and counted) once the
 * queued bytes would exceed queue_cap, as a router's tail-drop queue does;
 * a control frame may exceed the cap by one control frame. The queue is
 * sealed with one tls_conn_write() per up to 16 KiB (one TLS record carries
 * many packets) when channel_flush() is called after a batch, when 16 KiB
 * are queued, or when the socket becomes writable again. EV_WRITE is armed
 * only while output is pending. mbedTLS's rule that a write answered with
 * WANT_READ/WANT_WRITE must be retried with the same buffer is honoured:
 * the in-flight bytes are never moved or dropped.
 *
 * Read side: tls_conn_read() into a per-thread 16 KiB buffer (mbedTLS never
 * returns more than one record per call), an incremental frame_decoder, one
 * on_frame callback per frame, a per-event budget of records so one peer
 * cannot starve the others, and rescheduling while tls_conn_bytes_avail()
 * > 0 (mbedTLS may hold decrypted bytes the socket no longer signals).
 *
 * The TLS handshake is driven here too; it starts from the event loop after
 * channel_new() returns. A frame that is not an IPv4/IPv6 packet or a
 * control message (or exceeds max_frame) is a protocol error: the peer is
 * sent `bye protocol_error` naming the problem and the channel closes.
 *
 * Callbacks are never called from inside a channel_* function the owner
 * calls, only from the event loop, so the owner need not guard against
 * re-entrance. on_closed is called exactly once per channel (unless the
 * owner frees it first). The owner must not free the channel inside a
 * channel callback: it schedules the free (e.g. event_active on a one-shot
 * event or a deferred free list), as tmux does.
 */
#ifndef TLSVPN_CHANNEL_H
#define TLSVPN_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/time.h>

struct channel;
struct event_base;
struct frame;
struct gso_packet;
struct control_msg;
struct tls_conn;

/* Largest plaintext handed to one tls_conn_write(): one TLS record. */
#define CHANNEL_RECORD_MAX 16384
/* Records read per readiness event before yielding to other peers. */
#define CHANNEL_READ_BUDGET 16
/* How long a graceful close may wait for the peer (flush, then peer's EOF). */
#define CHANNEL_LINGER_SECONDS 3

struct channel_callbacks {
	/* TLS handshake complete: tls_conn_peer_cn() etc. are valid now. */
	void (*on_ready)(struct channel *ch, void *arg);
	/* One frame; f->payload is valid only during the call. */
	void (*on_frame)(struct channel *ch, const struct frame *f, void *arg);
	/* Optional: every frame of one record has been through on_frame, so
	 * whatever the owner batches across frames may be written now. */
	void (*on_frames_end)(struct channel *ch, void *arg);
	/* The stream is dead. err: 0 for an orderly end (peer closed, or a
	 * graceful channel_close finished), else a negative errno (-EPROTO
	 * protocol error or failed handshake, -ETIMEDOUT, -ECONNRESET, -EIO TLS
	 * error...). why: one line for the log, valid during the call. */
	void (*on_closed)(struct channel *ch, int err, const char *why, void *arg);
};

struct channel_stats {
	uint64_t rx_bytes;	   /* plaintext bytes read from TLS (frames incl. headers) */
	uint64_t tx_bytes;	   /* plaintext bytes accepted by TLS */
	uint64_t rx_packets;	   /* IP packet and GSO frames received */
	uint64_t tx_packets;	   /* IP packet and GSO frames queued */
	uint64_t tx_gso;	   /* GSO frames queued */
	uint64_t tx_segmented;	   /* super-packets cut into ordinary packets here */
	uint64_t drops_queue_full; /* IP packets refused because the queue was at its cap */
};

/* Takes ownership of fd (non-blocking, connected TCP) and tls (created on that
 * fd). queue_cap: out-queue byte cap (>= 2 + max_frame is sensible); max_frame:
 * largest frame payload accepted from the peer (1..65535). cb and arg are
 * copied/kept. NULL on allocation failure (fd closed, tls freed). */
struct channel *channel_new(struct event_base *base, int fd, struct tls_conn *tls,
			    const struct channel_callbacks *cb, void *arg, size_t queue_cap,
			    size_t max_frame);

/* Handshake deadline, counted from now; NULL or {0,0} removes it. On expiry
 * the channel closes with -ETIMEDOUT "TLS handshake timeout". 0 or -errno. */
int channel_set_handshake_timeout(struct channel *ch, const struct timeval *tv);

/* Queue one IP packet. 0; -ENOBUFS when the queue is at its cap (the packet
 * is dropped and counted); -EMSGSIZE for len 0 or > 65535; -EPIPE when the
 * channel is not open (handshake not done, closing or closed); -ENOMEM. */
int channel_send_packet(struct channel *ch, const uint8_t *pkt, size_t len);

/* Queue one TCP super-packet (gso.h): as one GSO frame once
 * channel_enable_gso was called and gso_frame_fits allows, else cut into
 * ordinary packet frames here (counted in tx_segmented). Errors as
 * channel_send_packet; segments queued before a full queue stay queued. */
int channel_send_gso(struct channel *ch, const struct gso_packet *g);

/* Both peers named the "gso" feature and mtu is the tunnel MTU: from now on
 * GSO frames are sent, and accepted from the peer (delivered to on_frame as
 * FRAME_GSO, up to FRAME_MAX_PAYLOAD bytes). Before, a GSO frame from the peer
 * is a protocol error. 0 or -errno (-EINVAL, -EBUSY, -ENOMEM). */
int channel_enable_gso(struct channel *ch, size_t mtu);

/* Queue one control message (encoded in place with control_encode). May
 * exceed the cap by one control frame. 0, -ENOBUFS, -EPIPE, -EINVAL, -ENOMEM. */
int channel_send_control(struct channel *ch, const struct control_msg *m);

/* Seal and send what is queued now (call after a batch). Errors close the
 * channel (reported through on_closed later). */
void channel_flush(struct channel *ch);

/* graceful: stop delivering frames, flush the queued frames, send
 * close_notify and shut down the write side, then wait (bounded by
 * CHANNEL_LINGER_SECONDS) for the peer to close, then on_closed(0). Not
 * graceful: stop all I/O now, then on_closed(0, "closed locally") from the
 * loop. Calling it again, or after the stream died, does nothing. */
void channel_close(struct channel *ch, bool graceful);

/* Returns the out-queue and partial-frame buffers to the allocator if they
 * hold nothing (call it from a periodic timer: an idle session then costs
 * little more than its TLS context). They come back on the next need. */
void channel_trim(struct channel *ch);

/* NULL ok. Frees the tls_conn, closes the fd, removes every event. */
void channel_free(struct channel *ch);

const struct channel_stats *channel_stats(const struct channel *ch);
struct tls_conn *channel_tls(struct channel *ch);
int channel_fd(const struct channel *ch);
/* Handshake done and not closing: packets may be sent. */
bool channel_is_open(const struct channel *ch);
/* Bytes queued and not yet accepted by TLS. */
size_t channel_queued(const struct channel *ch);

#endif
