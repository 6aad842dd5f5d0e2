/*
 * channel: framed TLS stream over a non-blocking socket (see channel.h).
 *
 * States: HANDSHAKE -> OPEN -> (CLOSING -> LINGER) -> DEAD. DEAD means the
 * stream is finished and on_closed is scheduled (or delivered); nothing but
 * channel_free happens after it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include <mbedtls/net_sockets.h>

#include "channel.h"
#include "control.h"
#include "frame.h"
#include "gso.h"
#include "tls.h"

enum ch_state { CH_HANDSHAKE, CH_OPEN, CH_CLOSING, CH_LINGER, CH_DEAD };

/* Room beyond queue_cap so that one control frame always fits. */
#define CONTROL_SLACK (FRAME_HEADER_LEN + CONTROL_MAX_PAYLOAD)

struct channel {
	struct event_base *base;
	int fd;
	struct tls_conn *tls;
	struct channel_callbacks cb;
	void *arg;

	struct event *ev_read;	 /* EV_READ|EV_PERSIST, added while not DEAD */
	struct event *ev_write;	 /* EV_WRITE|EV_PERSIST, added only while output pends */
	struct event *ev_timer;	 /* handshake deadline, then the linger deadline */
	struct event *ev_notify; /* fires on_closed from the loop */
	enum ch_state state;
	bool write_armed;
	bool hs_wants_write;   /* handshake returned WANT_WRITE */
	bool read_wants_write; /* tls read returned WANT_WRITE */
	bool close_wants_write;
	bool notified;
	bool raw_linger; /* TLS is dead: discard raw bytes until the peer closes */

	/* Out-queue: frames in out[out_off..out_len). inflight > 0 is the length
	 * of a tls_conn_write that returned WANT_*: those bytes at out_off must
	 * be offered again unchanged, so nothing moves while it is set. */
	uint8_t *out;
	size_t out_alloc, out_off, out_len, inflight;
	size_t queue_cap;
	size_t gso_mtu; /* 0, or the tunnel MTU once GSO frames are agreed */

	struct frame_decoder dec;
	int close_err;
	char close_why[200];
	struct channel_stats stats;
};

/* mbedTLS hands out at most one record's plaintext per read, so one record's
 * worth is enough; shared by every channel of the thread because frames are
 * delivered before the next read reuses it. */
static _Thread_local uint8_t read_buf[CHANNEL_RECORD_MAX];

static void step(struct channel *ch, short what);

static size_t queued(const struct channel *ch)
{
	return ch->out_len - ch->out_off;
}

__attribute__((format(printf, 3, 0))) static void set_reason(struct channel *ch, int err,
							     const char *fmt, va_list ap)
{
	ch->close_err = err;
	vsnprintf(ch->close_why, sizeof ch->close_why, fmt, ap);
}

/* The stream is over: stop I/O and schedule on_closed with the stored reason. */
static void finish(struct channel *ch)
{
	if (ch->state == CH_DEAD)
		return;
	ch->state = CH_DEAD;
	event_del(ch->ev_read);
	event_del(ch->ev_write);
	event_del(ch->ev_timer);
	ch->write_armed = false;
	event_active(ch->ev_notify, EV_TIMEOUT, 0);
}

/* A fatal error. During a close the owner's reason is kept: it says more
 * than the reset that may follow a bye. */
__attribute__((format(printf, 3, 4))) static void fail(struct channel *ch, int err, const char *fmt,
						       ...)
{
	if (ch->state == CH_DEAD)
		return;
	if (ch->state != CH_CLOSING && ch->state != CH_LINGER) {
		va_list ap;
		va_start(ap, fmt);
		set_reason(ch, err, fmt, ap);
		va_end(ap);
	}
	finish(ch);
}

static void update_write_interest(struct channel *ch)
{
	if (ch->state == CH_DEAD)
		return;
	bool want = !ch->raw_linger &&
		    (ch->hs_wants_write || ch->read_wants_write || ch->close_wants_write ||
		     ch->inflight > 0 || tls_conn_write_pending(ch->tls));
	if (ch->state == CH_OPEN || ch->state == CH_CLOSING)
		want = want || queued(ch) > 0;
	if (want && !ch->write_armed) {
		if (event_add(ch->ev_write, NULL) == 0)
			ch->write_armed = true;
	} else if (!want && ch->write_armed) {
		event_del(ch->ev_write);
		ch->write_armed = false;
	}
}

static const char *tls_error_text(int r, char *buf, size_t len)
{
	tls_strerror(r, buf, len);
	return buf;
}

/* Sends out[out_off..] in records of up to CHANNEL_RECORD_MAX. 0, or -1
 * after failing the channel. */
static int flush_out(struct channel *ch)
{
	while (queued(ch) > 0) {
		size_t n = ch->inflight;
		if (n == 0)
			n = queued(ch) < CHANNEL_RECORD_MAX ? queued(ch) : CHANNEL_RECORD_MAX;
		int r = tls_conn_write(ch->tls, ch->out + ch->out_off, n);
		if (r == TLS_WANT_WRITE || r == TLS_WANT_READ) {
			ch->inflight = n;
			break;
		}
		if (r <= 0) {
			char e[128];
			fail(ch, -EIO, "TLS write failed: %s", tls_error_text(r, e, sizeof e));
			return -1;
		}
		ch->inflight = 0;
		ch->out_off += (size_t)r;
		ch->stats.tx_bytes += (uint64_t)r;
	}
	if (queued(ch) == 0)
		ch->out_off = ch->out_len = 0;
	return 0;
}

/* Makes room for need bytes at out_len. control frames may use the slack
 * above queue_cap. 0, -ENOBUFS or -ENOMEM. */
static int reserve(struct channel *ch, size_t need, bool control)
{
	if (ch->out == NULL) {
		ch->out_alloc = ch->queue_cap + CONTROL_SLACK;
		ch->out = malloc(ch->out_alloc);
		if (ch->out == NULL) {
			ch->out_alloc = 0;
			return -ENOMEM;
		}
	}
	if (!control && queued(ch) + need > ch->queue_cap)
		return -ENOBUFS;
	if (ch->out_len + need > ch->out_alloc && ch->inflight == 0 && ch->out_off > 0) {
		size_t q = queued(ch);
		memmove(ch->out, ch->out + ch->out_off, q);
		ch->out_off = 0;
		ch->out_len = q;
	}
	/* With a write in flight the queue cannot move; a full tail then drops,
	 * which happens only while the peer is not reading anyway. */
	if (ch->out_len + need > ch->out_alloc)
		return -ENOBUFS;
	return 0;
}

/* Many small writes into one record: seal once a record's worth is queued
 * even inside a batch, so that a long batch does not hit the cap. */
static void maybe_flush(struct channel *ch)
{
	if (queued(ch) >= CHANNEL_RECORD_MAX && ch->inflight == 0) {
		if (flush_out(ch) == 0)
			update_write_interest(ch);
	}
}

static void begin_close(struct channel *ch, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void begin_close(struct channel *ch, int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_reason(ch, err, fmt, ap);
	va_end(ap);
	ch->state = CH_CLOSING;
	struct timeval tv = {CHANNEL_LINGER_SECONDS, 0};
	event_del(ch->ev_timer);
	event_add(ch->ev_timer, &tv);
	/* continue from the loop, never inside the caller */
	event_active(ch->ev_read, EV_WRITE, 0);
}

static void protocol_error(struct channel *ch, const char *why)
{
	struct control_msg m;
	control_bye_init(&m, BYE_PROTOCOL_ERROR, why);
	channel_send_control(ch, &m);
	begin_close(ch, -EPROTO, "protocol error: %s", why);
}

static void deliver(struct channel *ch, const uint8_t *data, size_t len)
{
	struct frame f;
	while (ch->state == CH_OPEN) {
		int r = frame_decoder_next(&ch->dec, &data, &len, &f);
		if (r == 0)
			break;
		if (r < 0) {
			if (r == -ENOMEM)
				fail(ch, -ENOMEM, "out of memory for a frame");
			else
				protocol_error(ch, frame_decoder_error(&ch->dec));
			break;
		}
		if (f.kind == FRAME_GSO && ch->gso_mtu == 0) {
			protocol_error(ch, "GSO frame, but the gso feature was not agreed");
			break;
		}
		if (f.kind != FRAME_CONTROL)
			ch->stats.rx_packets++;
		ch->cb.on_frame(ch, &f, ch->arg);
	}
	if (ch->cb.on_frames_end != NULL)
		ch->cb.on_frames_end(ch, ch->arg);
}

static void do_read(struct channel *ch)
{
	ch->read_wants_write = false;
	for (int i = 0; i < CHANNEL_READ_BUDGET; i++) {
		if (ch->state == CH_DEAD)
			return;
		int r = tls_conn_read(ch->tls, read_buf, sizeof read_buf);
		if (r > 0) {
			ch->stats.rx_bytes += (uint64_t)r;
			if (ch->state == CH_OPEN)
				deliver(ch, read_buf, (size_t)r);
			continue;
		}
		if (r == TLS_WANT_READ)
			return;
		if (r == TLS_WANT_WRITE) {
			ch->read_wants_write = true;
			return;
		}
		if (r == 0) {
			if (ch->state == CH_CLOSING || ch->state == CH_LINGER)
				finish(ch);
			else
				fail(ch, 0, "peer closed the connection");
			return;
		}
		char e[128];
		tls_error_text(r, e, sizeof e);
		fail(ch, r == MBEDTLS_ERR_NET_CONN_RESET ? -ECONNRESET : -EIO,
		     "TLS read failed: %s", e);
		return;
	}
	/* Budget spent: yield to other peers, come back on the next loop pass
	 * (the socket may no longer signal what mbedTLS or the kernel holds). */
	if (ch->state != CH_DEAD)
		event_active(ch->ev_read, EV_READ, 0);
}

/* After a failed handshake mbedTLS has queued its alert; closing at once
 * with unread input would turn our FIN into a RST that can overtake the
 * alert, and the peer would see "connection reset" instead of the reason.
 * So: shut down our side, discard what arrives, close when the peer does or
 * after CHANNEL_LINGER_SECONDS. */
__attribute__((format(printf, 2, 3))) static void linger_raw(struct channel *ch, const char *fmt,
							     ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_reason(ch, -EPROTO, fmt, ap);
	va_end(ap);
	ch->raw_linger = true;
	ch->state = CH_LINGER;
	ch->hs_wants_write = false;
	shutdown(ch->fd, SHUT_WR);
	struct timeval tv = {CHANNEL_LINGER_SECONDS, 0};
	event_del(ch->ev_timer);
	event_add(ch->ev_timer, &tv);
}

static void discard_raw(struct channel *ch)
{
	for (int i = 0; i < CHANNEL_READ_BUDGET; i++) {
		ssize_t n = recv(ch->fd, read_buf, sizeof read_buf, MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return;
		finish(ch); /* EOF or error: the peer is gone */
		return;
	}
}

static void do_handshake(struct channel *ch)
{
	int r = tls_conn_handshake(ch->tls);
	ch->hs_wants_write = false;
	if (r == TLS_WANT_READ)
		return;
	if (r == TLS_WANT_WRITE) {
		ch->hs_wants_write = true;
		return;
	}
	if (r < 0) {
		char e[160];
		tls_conn_verify_error(ch->tls, e, sizeof e);
		linger_raw(ch, "TLS handshake failed: %s", e);
		return;
	}
	ch->state = CH_OPEN;
	event_del(ch->ev_timer);
	ch->cb.on_ready(ch, ch->arg);
}

static void do_close_notify(struct channel *ch)
{
	ch->close_wants_write = false;
	if (queued(ch) > 0 || ch->inflight > 0)
		return;
	int r = tls_conn_close_notify(ch->tls);
	if (r == TLS_WANT_WRITE || r == TLS_WANT_READ) {
		ch->close_wants_write = r == TLS_WANT_WRITE;
		return;
	}
	if (r < 0) {
		finish(ch);
		return;
	}
	shutdown(ch->fd, SHUT_WR);
	ch->state = CH_LINGER;
}

static void step(struct channel *ch, short what)
{
	if (ch->state == CH_HANDSHAKE) {
		do_handshake(ch);
		if (ch->state != CH_OPEN)
			goto out;
		/* the peer's first frames may have come with its last flight */
		what |= EV_READ;
	}
	if (ch->state == CH_DEAD)
		return;
	if (ch->raw_linger) {
		if (what & EV_READ)
			discard_raw(ch);
		goto out;
	}
	if ((what & EV_READ) || ch->read_wants_write || tls_conn_bytes_avail(ch->tls) > 0)
		do_read(ch);
	if (ch->state == CH_OPEN || ch->state == CH_CLOSING) {
		if (flush_out(ch) < 0)
			return;
	}
	if (ch->state == CH_CLOSING)
		do_close_notify(ch);
out:
	update_write_interest(ch);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	step(arg, what);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	step(arg, EV_WRITE);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct channel *ch = arg;
	if (ch->state == CH_HANDSHAKE)
		fail(ch, -ETIMEDOUT, "TLS handshake timeout");
	else if (ch->state == CH_CLOSING || ch->state == CH_LINGER)
		finish(ch);
}

static void on_notify(evutil_socket_t fd, short what, void *arg)
{
	struct channel *ch = arg;
	if (ch->notified)
		return;
	ch->notified = true;
	ch->cb.on_closed(ch, ch->close_err, ch->close_why, ch->arg);
}

struct channel *channel_new(struct event_base *base, int fd, struct tls_conn *tls,
			    const struct channel_callbacks *cb, void *arg, size_t queue_cap,
			    size_t max_frame)
{
	struct channel *ch = calloc(1, sizeof *ch);
	if (ch == NULL)
		goto fail;
	ch->base = base;
	ch->fd = fd;
	ch->tls = tls;
	ch->cb = *cb;
	ch->arg = arg;
	ch->queue_cap = queue_cap;
	if (max_frame == 0 || max_frame > FRAME_MAX_PAYLOAD ||
	    frame_decoder_init(&ch->dec, max_frame) < 0)
		goto fail;
	ch->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, on_read, ch);
	ch->ev_write = event_new(base, fd, EV_WRITE | EV_PERSIST, on_write, ch);
	ch->ev_timer = evtimer_new(base, on_timer, ch);
	ch->ev_notify = event_new(base, -1, 0, on_notify, ch);
	if (!ch->ev_read || !ch->ev_write || !ch->ev_timer || !ch->ev_notify)
		goto fail;
	if (event_add(ch->ev_read, NULL) < 0)
		goto fail;
	/* start the handshake from the loop (a client speaks first) */
	event_active(ch->ev_read, EV_WRITE, 0);
	return ch;
fail:
	if (ch != NULL) {
		ch->fd = fd;
		ch->tls = tls;
		channel_free(ch);
	} else {
		tls_conn_free(tls);
		if (fd >= 0)
			close(fd);
	}
	return NULL;
}

int channel_set_handshake_timeout(struct channel *ch, const struct timeval *tv)
{
	event_del(ch->ev_timer);
	if (tv == NULL || (tv->tv_sec == 0 && tv->tv_usec == 0) || ch->state != CH_HANDSHAKE)
		return 0;
	return event_add(ch->ev_timer, tv) == 0 ? 0 : -EIO;
}

/* Queues one data frame: head[0..head_len) (a GSO frame's header, or
 * nothing) then body[0..body_len). 0, -ENOBUFS (counted) or -ENOMEM. */
static int queue_data(struct channel *ch, const uint8_t *head, size_t head_len, const uint8_t *body,
		      size_t body_len)
{
	size_t len = head_len + body_len;
	int r = reserve(ch, FRAME_HEADER_LEN + len, false);
	if (r < 0) {
		if (r == -ENOBUFS)
			ch->stats.drops_queue_full++;
		return r;
	}
	uint8_t *w = ch->out + ch->out_len;
	frame_put_header(w, len);
	if (head_len > 0) /* memcpy from NULL is undefined even for 0 bytes */
		memcpy(w + FRAME_HEADER_LEN, head, head_len);
	memcpy(w + FRAME_HEADER_LEN + head_len, body, body_len);
	ch->out_len += FRAME_HEADER_LEN + len;
	ch->stats.tx_packets++;
	maybe_flush(ch);
	return 0;
}

int channel_send_packet(struct channel *ch, const uint8_t *pkt, size_t len)
{
	if (len == 0 || len > FRAME_MAX_PAYLOAD)
		return -EMSGSIZE;
	if (ch->state != CH_OPEN)
		return -EPIPE;
	return queue_data(ch, NULL, 0, pkt, len);
}

/* gso_segment's emit: each segment is an ordinary packet frame. */
static int queue_segment(const uint8_t *seg, size_t len, void *arg)
{
	return channel_send_packet(arg, seg, len);
}

int channel_send_gso(struct channel *ch, const struct gso_packet *g)
{
	if (ch->state != CH_OPEN)
		return -EPIPE;
	if (ch->gso_mtu == 0 || !gso_frame_fits(g, ch->gso_mtu) ||
	    FRAME_HEADER_LEN + GSO_FRAME_HEADER + g->len > ch->queue_cap) {
		/* the peer takes only ordinary packets, this one is too odd for
		 * a frame, or the queue is too small ever to hold it: cut it
		 * here, as the kernel would have */
		static _Thread_local uint8_t scratch[FRAME_MAX_PAYLOAD];
		ch->stats.tx_segmented++;
		return gso_segment(g, scratch, sizeof scratch, queue_segment, ch);
	}
	uint8_t head[GSO_FRAME_HEADER];
	gso_frame_header(g, head);
	int r = queue_data(ch, head, sizeof head, g->pkt, g->len);
	if (r == 0)
		ch->stats.tx_gso++;
	return r;
}

int channel_enable_gso(struct channel *ch, size_t mtu)
{
	if (mtu == 0 || mtu > FRAME_MAX_PAYLOAD)
		return -EINVAL;
	int r = frame_decoder_set_max(&ch->dec, FRAME_MAX_PAYLOAD);
	if (r < 0)
		return r;
	ch->gso_mtu = mtu;
	return 0;
}

int channel_send_control(struct channel *ch, const struct control_msg *m)
{
	if (ch->state != CH_OPEN)
		return -EPIPE;
	int r = reserve(ch, CONTROL_SLACK, true);
	if (r < 0)
		return r;
	uint8_t *w = ch->out + ch->out_len;
	int n = control_encode(m, w + FRAME_HEADER_LEN, CONTROL_MAX_PAYLOAD);
	if (n < 0)
		return n;
	if (frame_put_header(w, (size_t)n) < 0)
		return -EINVAL;
	ch->out_len += FRAME_HEADER_LEN + (size_t)n;
	maybe_flush(ch);
	return 0;
}

void channel_flush(struct channel *ch)
{
	if (ch->state != CH_OPEN && ch->state != CH_CLOSING)
		return;
	if (ch->inflight > 0)
		return; /* EV_WRITE is armed and will retry */
	if (flush_out(ch) == 0)
		update_write_interest(ch);
}

void channel_close(struct channel *ch, bool graceful)
{
	switch (ch->state) {
	case CH_DEAD:
		return;
	case CH_CLOSING:
	case CH_LINGER:
		if (!graceful)
			finish(ch);
		return;
	case CH_HANDSHAKE:
		ch->close_err = 0;
		snprintf(ch->close_why, sizeof ch->close_why, "closed locally");
		finish(ch);
		return;
	case CH_OPEN:
		if (graceful) {
			begin_close(ch, 0, "closed locally");
		} else {
			ch->close_err = 0;
			snprintf(ch->close_why, sizeof ch->close_why, "closed locally");
			finish(ch);
		}
		return;
	}
}

void channel_trim(struct channel *ch)
{
	if (ch->out != NULL && queued(ch) == 0 && ch->inflight == 0) {
		free(ch->out);
		ch->out = NULL;
		ch->out_alloc = ch->out_off = ch->out_len = 0;
	}
	frame_decoder_trim(&ch->dec);
}

void channel_free(struct channel *ch)
{
	if (ch == NULL)
		return;
	if (ch->ev_read)
		event_free(ch->ev_read);
	if (ch->ev_write)
		event_free(ch->ev_write);
	if (ch->ev_timer)
		event_free(ch->ev_timer);
	if (ch->ev_notify)
		event_free(ch->ev_notify);
	frame_decoder_free(&ch->dec);
	free(ch->out);
	tls_conn_free(ch->tls);
	if (ch->fd >= 0) {
		/* unread input would make close() send a RST instead of a FIN */
		for (int i = 0; i < 4; i++)
			if (recv(ch->fd, read_buf, sizeof read_buf, MSG_DONTWAIT) <= 0)
				break;
		close(ch->fd);
	}
	free(ch);
}

const struct channel_stats *channel_stats(const struct channel *ch)
{
	return &ch->stats;
}

struct tls_conn *channel_tls(struct channel *ch)
{
	return ch->tls;
}

int channel_fd(const struct channel *ch)
{
	return ch->fd;
}

bool channel_is_open(const struct channel *ch)
{
	return ch->state == CH_OPEN;
}

size_t channel_queued(const struct channel *ch)
{
	return queued(ch);
}
