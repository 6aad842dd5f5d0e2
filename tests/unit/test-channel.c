/*
 * channel: a client and a server channel over a socketpair in ONE event loop,
 * with real TLS (the PKI comes from gen-test-pki.sh). Checks frames both ways,
 * many megabytes with flow control (WANT_WRITE paths, records carrying many
 * packets), tail drops at the queue cap, a protocol error answered with
 * bye protocol_error, a graceful close, and the handshake timeout.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "channel.h"
#include "control.h"
#include "frame.h"
#include "gso.h"
#include "scratch.h"
#include "tls.h"

static char pki[256];

static const char *pkipath(const char *name)
{
	static char buf[4][512];
	static int n;
	char *p = buf[n++ % 4];
	snprintf(p, sizeof buf[0], "%s/%s", pki, name);
	return p;
}

/* One side of the connection and what it saw. */
struct side {
	const char *name;
	struct channel *ch;
	struct event_base *base;
	bool ready, closed;
	int close_err;
	char close_why[256];
	size_t frames, packets, controls, bytes;
	size_t frames_ends;	      /* on_frames_end calls */
	size_t unended;		      /* frames since the last on_frames_end */
	size_t most_per_end;	      /* most frames one on_frames_end closed */
	size_t gso_frames, gso_len;   /* GSO frames, length of the last one */
	size_t ip_lens[8], n_ip_lens; /* lengths of the first IP frames (GSO tests) */
	bool no_seq;		      /* packets carry no sequence numbers */
	uint32_t next_seq;	      /* expected sequence number in packets */
	bool seq_error;
	struct control_msg last_control;
};

struct pair {
	struct event_base *base;
	struct tls_config *scfg, *ccfg;
	struct side srv, cli;
};

static void on_ready(struct channel *ch, void *arg)
{
	struct side *s = arg;
	s->ready = true;
}

static void on_frame(struct channel *ch, const struct frame *f, void *arg)
{
	struct side *s = arg;
	s->frames++;
	s->unended++;
	if (f->kind == FRAME_CONTROL) {
		s->controls++;
		ck_assert_int_eq(control_parse(f->payload, f->len, &s->last_control, NULL, 0), 0);
		return;
	}
	if (f->kind == FRAME_GSO) {
		s->gso_frames++;
		s->gso_len = f->len;
		return;
	}
	s->packets++;
	s->bytes += f->len;
	if (s->no_seq) {
		if (s->n_ip_lens < 8)
			s->ip_lens[s->n_ip_lens++] = f->len;
		return;
	}
	uint32_t seq;
	memcpy(&seq, f->payload + 4, sizeof seq);
	if (seq != s->next_seq || f->payload[f->len - 1] != (uint8_t)seq)
		s->seq_error = true;
	s->next_seq = seq + 1;
}

static void on_closed(struct channel *ch, int err, const char *why, void *arg)
{
	struct side *s = arg;
	ck_assert(!s->closed); /* exactly once */
	s->closed = true;
	s->close_err = err;
	snprintf(s->close_why, sizeof s->close_why, "%s", why);
	if (s->ch == NULL)
		return;
}

static void on_frames_end(struct channel *ch, void *arg)
{
	struct side *s = arg;
	s->frames_ends++;
	if (s->unended > s->most_per_end)
		s->most_per_end = s->unended;
	s->unended = 0;
}

static const struct channel_callbacks cbs = {
    .on_ready = on_ready,
    .on_frame = on_frame,
    .on_frames_end = on_frames_end,
    .on_closed = on_closed,
};

static struct tls_config *config(enum tls_role role)
{
	struct tls_options o;
	memset(&o, 0, sizeof o);
	o.ca_file = pkipath("ca.crt");
	if (role == TLS_SERVER) {
		o.cert_file = pkipath("server.crt");
		o.key_file = pkipath("server.key");
	} else {
		o.cert_file = pkipath("client.crt");
		o.key_file = pkipath("client.key");
		o.server_name = "vpn.example.com";
	}
	struct tls_config *c = NULL;
	char err[512];
	int rc = tls_config_new(role, &o, &c, err, sizeof err);
	ck_assert_msg(rc == 0, "tls_config_new: %s", err);
	return c;
}

static struct channel *side_new(struct pair *p, struct side *s, struct tls_config *cfg, int fd,
				size_t cap)
{
	struct tls_conn *conn = NULL;
	ck_assert_int_eq(tls_conn_new(cfg, fd, &conn), 0);
	s->base = p->base;
	s->ch = channel_new(p->base, fd, conn, &cbs, s, cap, FRAME_MAX_PAYLOAD);
	ck_assert_ptr_nonnull(s->ch);
	return s->ch;
}

static void pair_init(struct pair *p, size_t cap)
{
	memset(p, 0, sizeof *p);
	p->srv.name = "server";
	p->cli.name = "client";
	p->base = event_base_new();
	p->scfg = config(TLS_SERVER);
	p->ccfg = config(TLS_CLIENT);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	side_new(p, &p->srv, p->scfg, sv[0], cap);
	side_new(p, &p->cli, p->ccfg, sv[1], cap);
}

static void pair_free(struct pair *p)
{
	channel_free(p->srv.ch);
	channel_free(p->cli.ch);
	tls_config_free(p->scfg);
	tls_config_free(p->ccfg);
	event_base_free(p->base);
}

/* Runs the loop until cond(p) or a 10 s deadline. */
static bool run_until(struct pair *p, bool (*cond)(struct pair *))
{
	for (int i = 0; i < 100000 && !cond(p); i++) {
		struct timeval tv = {0, 100000};
		event_base_loopexit(p->base, &tv);
		event_base_loop(p->base, EVLOOP_ONCE);
	}
	return cond(p);
}

static bool both_ready(struct pair *p)
{
	return p->srv.ready && p->cli.ready;
}

static bool hundred_each_way(struct pair *q)
{
	return q->srv.packets == 100 && q->cli.packets == 100;
}

static bool bulk_done(struct pair *q)
{
	return q->cli.packets == 20000 || q->cli.closed;
}

static bool five_frames(struct pair *q)
{
	return q->cli.frames == 5;
}

static bool six_frames(struct pair *q)
{
	return q->cli.frames == 6;
}

static bool both_closed(struct pair *q)
{
	return q->srv.closed && q->cli.closed;
}

static bool cli_closed(struct pair *q)
{
	return q->cli.closed;
}

static bool srv_closed(struct pair *q)
{
	return q->srv.closed;
}

static void make_packet(uint8_t *pkt, size_t len, uint32_t seq)
{
	memset(pkt, 0, len);
	pkt[0] = 0x45;
	memcpy(pkt + 4, &seq, sizeof seq);
	pkt[len - 1] = (uint8_t)seq;
}

START_TEST(test_frames_both_ways)
{
	struct pair p;
	pair_init(&p, 262144);
	ck_assert(!channel_is_open(p.srv.ch));
	uint8_t pkt[1400];
	make_packet(pkt, sizeof pkt, 0);
	ck_assert_int_eq(channel_send_packet(p.srv.ch, pkt, sizeof pkt), -EPIPE);
	ck_assert(run_until(&p, both_ready));
	ck_assert(channel_is_open(p.cli.ch));

	struct control_msg m;
	memset(&m, 0, sizeof m);
	m.type = CONTROL_HELLO;
	m.u.hello.version = 1;
	m.u.hello.min_version = 1;
	snprintf(m.u.hello.software, sizeof m.u.hello.software, "test");
	ck_assert_int_eq(channel_send_control(p.cli.ch, &m), 0);
	for (uint32_t i = 0; i < 100; i++) {
		make_packet(pkt, sizeof pkt, i);
		ck_assert_int_eq(channel_send_packet(p.cli.ch, pkt, sizeof pkt), 0);
		ck_assert_int_eq(channel_send_packet(p.srv.ch, pkt, sizeof pkt), 0);
	}
	channel_flush(p.cli.ch);
	channel_flush(p.srv.ch);
	ck_assert_int_eq(channel_send_packet(p.srv.ch, pkt, 0), -EMSGSIZE);
	ck_assert_int_eq(channel_send_packet(p.srv.ch, pkt, 70000), -EMSGSIZE);

	ck_assert(run_until(&p, hundred_each_way));
	ck_assert_uint_eq(p.srv.controls, 1);
	ck_assert_int_eq(p.srv.last_control.type, CONTROL_HELLO);
	ck_assert_str_eq(p.srv.last_control.u.hello.software, "test");
	ck_assert(!p.srv.seq_error && !p.cli.seq_error);
	/* every record's frames end with on_frames_end; a 16 KiB record holds
	 * at most 11 of these 1400-byte packets (plus the hello on the server) */
	ck_assert_uint_eq(p.srv.unended, 0);
	ck_assert_uint_eq(p.cli.unended, 0);
	ck_assert_uint_ge(p.srv.frames_ends, 100 / 11);
	ck_assert_uint_le(p.srv.most_per_end, 12);
	const struct channel_stats *st = channel_stats(p.cli.ch);
	ck_assert_uint_eq(st->tx_packets, 100);
	ck_assert_uint_eq(channel_stats(p.srv.ch)->rx_packets, 100);
	ck_assert_uint_eq(channel_queued(p.cli.ch), 0);
	ck_assert(!p.srv.closed && !p.cli.closed);
	pair_free(&p);
}
END_TEST

/* A producer that keeps the server's queue half full until total packets
 * are out: drives many megabytes through TLS with the socket filling up
 * (WANT_WRITE, retry with the same buffer, EV_WRITE on and off). */
struct pump {
	struct pair *p;
	struct event *ev;
	uint32_t sent, total;
	size_t len;
};

static void pump_cb(evutil_socket_t fd, short what, void *arg)
{
	struct pump *u = arg;
	uint8_t pkt[FRAME_MAX_PAYLOAD];
	while (u->sent < u->total && channel_queued(u->p->srv.ch) < 131072) {
		size_t len = 40 + (u->sent * 7919u) % (u->len - 40); /* varied sizes */
		make_packet(pkt, len, u->sent);
		int rc = channel_send_packet(u->p->srv.ch, pkt, len);
		ck_assert_int_eq(rc, 0);
		u->sent++;
	}
	channel_flush(u->p->srv.ch);
	if (u->sent < u->total) {
		struct timeval tv = {0, 1000};
		event_add(u->ev, &tv);
	}
}

START_TEST(test_bulk_transfer)
{
	struct pair p;
	pair_init(&p, 262144);
	ck_assert(run_until(&p, both_ready));
	struct pump u = {.p = &p, .total = 20000, .len = 1500};
	u.ev = evtimer_new(p.base, pump_cb, &u);
	event_active(u.ev, EV_TIMEOUT, 0);
	ck_assert(run_until(&p, bulk_done));
	ck_assert(!p.cli.seq_error);
	ck_assert_uint_eq(channel_stats(p.srv.ch)->drops_queue_full, 0);
	/* many packets per record: far fewer records than packets is implied by
	 * the byte count matching with no error; check the totals */
	ck_assert_uint_eq(channel_stats(p.cli.ch)->rx_packets, 20000);
	event_free(u.ev);
	pair_free(&p);
}
END_TEST

START_TEST(test_queue_cap_drops)
{
	struct pair p;
	pair_init(&p, 4096);
	ck_assert(run_until(&p, both_ready));
	uint8_t pkt[1000];
	int ok = 0, dropped = 0;
	for (uint32_t i = 0; i < 10; i++) {
		make_packet(pkt, sizeof pkt, (uint32_t)ok);
		int rc = channel_send_packet(p.srv.ch, pkt, sizeof pkt);
		if (rc == 0)
			ok++;
		else if (rc == -ENOBUFS)
			dropped++;
	}
	ck_assert_int_eq(ok, 4); /* 4 x 1002 bytes fit in 4096 */
	ck_assert_int_eq(dropped, 6);
	ck_assert_uint_eq(channel_stats(p.srv.ch)->drops_queue_full, 6);
	/* a control message still fits above the cap */
	struct control_msg m;
	memset(&m, 0, sizeof m);
	m.type = CONTROL_PING;
	m.u.ping.seq = 7;
	ck_assert_int_eq(channel_send_control(p.srv.ch, &m), 0);
	channel_flush(p.srv.ch);
	ck_assert(run_until(&p, five_frames));
	ck_assert_int_eq(p.cli.last_control.type, CONTROL_PING);
	ck_assert_uint_eq(p.cli.last_control.u.ping.seq, 7);
	/* trimmed when empty, and the queue comes back on the next packet */
	ck_assert_uint_eq(channel_queued(p.srv.ch), 0);
	channel_trim(p.srv.ch);
	make_packet(pkt, sizeof pkt, 4);
	ck_assert_int_eq(channel_send_packet(p.srv.ch, pkt, sizeof pkt), 0);
	channel_flush(p.srv.ch);
	ck_assert(run_until(&p, six_frames));
	ck_assert(!p.cli.seq_error);
	pair_free(&p);
}
END_TEST

START_TEST(test_protocol_error)
{
	struct pair p;
	pair_init(&p, 65536);
	ck_assert(run_until(&p, both_ready));
	uint8_t junk[20] = {0x57, 1, 2, 3};
	/* send_packet does not classify: the receiver must refuse it */
	ck_assert_int_eq(channel_send_packet(p.cli.ch, junk, sizeof junk), 0);
	channel_flush(p.cli.ch);
	ck_assert(run_until(&p, both_closed));
	ck_assert_int_eq(p.srv.close_err, -EPROTO);
	ck_assert_str_eq(p.srv.close_why, "protocol error: unknown frame kind 0x57");
	ck_assert_int_eq(p.cli.last_control.type, CONTROL_BYE);
	ck_assert_int_eq(p.cli.last_control.u.bye.reason, BYE_PROTOCOL_ERROR);
	ck_assert_str_eq(p.cli.last_control.u.bye.message, "unknown frame kind 0x57");
	ck_assert_int_eq(p.cli.close_err, 0);
	pair_free(&p);
}
END_TEST

/* An IPv4 TCP super-packet: 40 bytes of headers and 3000 of payload, cut
 * at 1000. */
static uint8_t super_pkt[3040];

static struct gso_packet make_super(void)
{
	memset(super_pkt, 0xab, sizeof super_pkt);
	uint8_t *p = super_pkt;
	memset(p, 0, 40);
	p[0] = 0x45;
	p[2] = sizeof super_pkt >> 8;
	p[3] = sizeof super_pkt & 0xff;
	p[8] = 64;
	p[9] = 6;
	p[12] = 10, p[15] = 2, p[16] = 198, p[17] = 18, p[19] = 2;
	p[32] = 5 << 4;
	struct gso_packet g = {.pkt = super_pkt,
			       .len = sizeof super_pkt,
			       .l4_off = 20,
			       .hdr_len = 40,
			       .gso_size = 1000,
			       .family = AF_INET};
	return g;
}

static bool srv_three_packets(struct pair *q)
{
	return q->srv.packets == 3 || q->srv.closed;
}

static bool srv_one_gso(struct pair *q)
{
	return q->srv.gso_frames == 1 || q->srv.closed;
}

START_TEST(test_gso_not_agreed_segments)
{
	struct pair p;
	pair_init(&p, 262144);
	p.srv.no_seq = true;
	ck_assert(run_until(&p, both_ready));
	struct gso_packet g = make_super();
	ck_assert_int_eq(channel_send_gso(p.cli.ch, &g), 0);
	channel_flush(p.cli.ch);
	ck_assert(run_until(&p, srv_three_packets));
	ck_assert_uint_eq(p.srv.packets, 3);
	ck_assert_uint_eq(p.srv.gso_frames, 0);
	for (size_t i = 0; i < 3; i++)
		ck_assert_uint_eq(p.srv.ip_lens[i], 1040);
	ck_assert_uint_eq(channel_stats(p.cli.ch)->tx_segmented, 1);
	ck_assert_uint_eq(channel_stats(p.cli.ch)->tx_gso, 0);
	ck_assert(!p.srv.closed);
	pair_free(&p);
}
END_TEST

START_TEST(test_gso_agreed_whole)
{
	struct pair p;
	pair_init(&p, 262144);
	p.srv.no_seq = true;
	ck_assert(run_until(&p, both_ready));
	ck_assert_int_eq(channel_enable_gso(p.cli.ch, 1500), 0);
	ck_assert_int_eq(channel_enable_gso(p.srv.ch, 1500), 0);
	struct gso_packet g = make_super();
	ck_assert_int_eq(channel_send_gso(p.cli.ch, &g), 0);
	channel_flush(p.cli.ch);
	ck_assert(run_until(&p, srv_one_gso));
	ck_assert_uint_eq(p.srv.gso_frames, 1);
	ck_assert_uint_eq(p.srv.gso_len, GSO_FRAME_HEADER + sizeof super_pkt);
	ck_assert_uint_eq(p.srv.packets, 0);
	ck_assert_uint_eq(channel_stats(p.cli.ch)->tx_gso, 1);
	ck_assert_uint_eq(channel_stats(p.cli.ch)->tx_segmented, 0);
	/* segments above the MTU never travel as one frame */
	ck_assert_int_eq(channel_enable_gso(p.cli.ch, 1000), 0);
	ck_assert_int_eq(channel_send_gso(p.cli.ch, &g), 0);
	ck_assert_uint_eq(channel_stats(p.cli.ch)->tx_segmented, 1);
	ck_assert_int_eq(channel_enable_gso(p.cli.ch, 0), -EINVAL);
	pair_free(&p);
}
END_TEST

START_TEST(test_gso_queue_too_small_segments)
{
	/* a 3 KiB frame could never fit a 2 KiB queue: cut rather than drop */
	struct pair p;
	pair_init(&p, 2048);
	p.srv.no_seq = true;
	ck_assert(run_until(&p, both_ready));
	ck_assert_int_eq(channel_enable_gso(p.cli.ch, 1500), 0);
	ck_assert_int_eq(channel_enable_gso(p.srv.ch, 1500), 0);
	struct gso_packet g = make_super();
	channel_send_gso(p.cli.ch, &g);
	channel_flush(p.cli.ch);
	ck_assert_uint_eq(channel_stats(p.cli.ch)->tx_gso, 0);
	ck_assert_uint_eq(channel_stats(p.cli.ch)->tx_segmented, 1);
	pair_free(&p);
}
END_TEST

START_TEST(test_gso_frame_without_feature)
{
	struct pair p;
	pair_init(&p, 262144);
	ck_assert(run_until(&p, both_ready));
	ck_assert_int_eq(channel_enable_gso(p.cli.ch, 1500), 0);
	struct gso_packet g = make_super();
	ck_assert_int_eq(channel_send_gso(p.cli.ch, &g), 0);
	channel_flush(p.cli.ch);
	ck_assert(run_until(&p, srv_closed));
	ck_assert_int_eq(p.srv.close_err, -EPROTO);
	ck_assert_str_eq(p.srv.close_why,
			 "protocol error: GSO frame, but the gso feature was not agreed");
	ck_assert_uint_eq(p.srv.gso_frames, 0);
	pair_free(&p);
}
END_TEST

START_TEST(test_graceful_close)
{
	struct pair p;
	pair_init(&p, 65536);
	ck_assert(run_until(&p, both_ready));
	struct control_msg m;
	memset(&m, 0, sizeof m);
	m.type = CONTROL_BYE;
	m.u.bye.reason = BYE_SHUTDOWN;
	ck_assert_int_eq(channel_send_control(p.srv.ch, &m), 0);
	uint8_t pkt[100];
	make_packet(pkt, sizeof pkt, 0);
	ck_assert_int_eq(channel_send_packet(p.srv.ch, pkt, sizeof pkt), 0);
	channel_close(p.srv.ch, true);
	ck_assert(!p.srv.closed); /* never called from inside channel_close */
	ck_assert_int_eq(channel_send_packet(p.srv.ch, pkt, sizeof pkt), -EPIPE);
	ck_assert(run_until(&p, cli_closed));
	/* everything queued before the close arrived, then the orderly end */
	ck_assert_uint_eq(p.cli.packets, 1);
	ck_assert_int_eq(p.cli.last_control.type, CONTROL_BYE);
	ck_assert_int_eq(p.cli.close_err, 0);
	ck_assert_str_eq(p.cli.close_why, "peer closed the connection");
	channel_close(p.cli.ch, false); /* after death: no effect, no second call */
	ck_assert(run_until(&p, srv_closed));
	ck_assert_int_eq(p.srv.close_err, 0);
	ck_assert_str_eq(p.srv.close_why, "closed locally");
	pair_free(&p);
}
END_TEST

START_TEST(test_handshake_timeout)
{
	struct pair p;
	memset(&p, 0, sizeof p);
	p.base = event_base_new();
	p.scfg = config(TLS_SERVER);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	side_new(&p, &p.srv, p.scfg, sv[0], 65536);
	struct timeval tv = {0, 200000};
	ck_assert_int_eq(channel_set_handshake_timeout(p.srv.ch, &tv), 0);
	ck_assert(run_until(&p, srv_closed));
	ck_assert_int_eq(p.srv.close_err, -ETIMEDOUT);
	ck_assert_str_eq(p.srv.close_why, "TLS handshake timeout");
	ck_assert(!p.srv.ready);
	close(sv[1]);
	channel_free(p.srv.ch);
	tls_config_free(p.scfg);
	event_base_free(p.base);
}
END_TEST

START_TEST(test_garbage_refused)
{
	struct pair p;
	memset(&p, 0, sizeof p);
	p.base = event_base_new();
	p.scfg = config(TLS_SERVER);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
	side_new(&p, &p.srv, p.scfg, sv[0], 65536);
	const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	ck_assert_int_eq(write(sv[1], req, sizeof req - 1), (ssize_t)(sizeof req - 1));
	shutdown(sv[1], SHUT_WR); /* the prober then waits for our close */
	ck_assert(run_until(&p, srv_closed));
	ck_assert_int_eq(p.srv.close_err, -EPROTO);
	ck_assert_msg(strncmp(p.srv.close_why, "TLS handshake failed: ", 22) == 0, "%s",
		      p.srv.close_why);
	close(sv[1]);
	channel_free(p.srv.ch);
	tls_config_free(p.scfg);
	event_base_free(p.base);
}
END_TEST

static Suite *channel_suite(void)
{
	Suite *s = suite_create("channel");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_frames_both_ways);
	tcase_add_test(tc, test_bulk_transfer);
	tcase_add_test(tc, test_queue_cap_drops);
	tcase_add_test(tc, test_protocol_error);
	tcase_add_test(tc, test_graceful_close);
	tcase_add_test(tc, test_handshake_timeout);
	tcase_add_test(tc, test_garbage_refused);
	tcase_add_test(tc, test_gso_not_agreed_segments);
	tcase_add_test(tc, test_gso_agreed_whole);
	tcase_add_test(tc, test_gso_queue_too_small_segments);
	tcase_add_test(tc, test_gso_frame_without_feature);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *srcdir = getenv("top_srcdir");
	char script[512], cmd[1400];
	snprintf(script, sizeof script, "%s/tests/unit/gen-test-pki.sh", srcdir ? srcdir : ".");
	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP openssl command not found\n");
		return 0;
	}
	if (scratch_begin() != 0) {
		printf("1..0 # SKIP cannot make a scratch directory\n");
		return 0;
	}
	snprintf(pki, sizeof pki, "%s/pki", scratch_root());
	snprintf(cmd, sizeof cmd, "sh '%s' '%s' >/dev/null", script, pki);
	if (system(cmd) != 0) {
		printf("Bail out! %s failed\n", script);
		scratch_end();
		return 1;
	}
	SRunner *sr = srunner_create(channel_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	scratch_end();
	return 0;
}
