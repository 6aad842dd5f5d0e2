/*
 * TLS glue tests: a client and a server (ours, or a bare mbedTLS peer where a
 * misbehaving one is needed) over a socketpair, driven by one libevent loop the
 * way the programs drive them. The PKI comes from gen-test-pki.sh.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/oid.h>
#include <mbedtls/ssl.h>

#include "tls.h"
#include "scratch.h"
#include "tls-private.h" /* the EC table tests look inside the config */

static char pki[256];

static const char *pkipath(const char *name)
{
	static char bufs[8][512];
	static unsigned next;
	char *b = bufs[next++ % 8];
	snprintf(b, 512, "%s/%s", pki, name);
	return b;
}

/* ---- a bare mbedTLS peer, for what our own glue refuses to do ---- */

struct raw_peer {
	mbedtls_ssl_config conf;
	mbedtls_ssl_context ssl;
	mbedtls_x509_crt ca, crt;
	mbedtls_pk_context key;
	mbedtls_entropy_context ent;
	mbedtls_ctr_drbg_context drbg;
	const char *alpn[2];
	int fd;
};

static int raw_send(void *ctx, const unsigned char *buf, size_t len)
{
	ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN ? MBEDTLS_ERR_SSL_WANT_WRITE
				       : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	return (int)n;
}

static int raw_recv(void *ctx, unsigned char *buf, size_t len)
{
	ssize_t n = recv(*(int *)ctx, buf, len, 0);
	if (n < 0)
		return errno == EAGAIN ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
	return (int)n;
}

/* cert NULL: present no certificate; alpn NULL: offer none. Verifies nothing. */
static struct raw_peer *raw_new(int endpoint, const char *cert, const char *key, const char *alpn,
				int fd)
{
	struct raw_peer *p = calloc(1, sizeof(*p));
	ck_assert_ptr_nonnull(p);
	mbedtls_ssl_config_init(&p->conf);
	mbedtls_ssl_init(&p->ssl);
	mbedtls_x509_crt_init(&p->ca);
	mbedtls_x509_crt_init(&p->crt);
	mbedtls_pk_init(&p->key);
	mbedtls_entropy_init(&p->ent);
	mbedtls_ctr_drbg_init(&p->drbg);
	p->fd = fd;
	ck_assert_int_eq(mbedtls_ctr_drbg_seed(&p->drbg, mbedtls_entropy_func, &p->ent, NULL, 0),
			 0);
	ck_assert_int_eq(mbedtls_ssl_config_defaults(&p->conf, endpoint,
						     MBEDTLS_SSL_TRANSPORT_STREAM,
						     MBEDTLS_SSL_PRESET_DEFAULT),
			 0);
	mbedtls_ssl_conf_rng(&p->conf, mbedtls_ctr_drbg_random, &p->drbg);
	mbedtls_ssl_conf_authmode(&p->conf, MBEDTLS_SSL_VERIFY_NONE);
	if (cert != NULL) {
		ck_assert_int_eq(mbedtls_x509_crt_parse_file(&p->crt, pkipath(cert)), 0);
		ck_assert_int_eq(mbedtls_pk_parse_keyfile(&p->key, pkipath(key), NULL), 0);
		ck_assert_int_eq(mbedtls_ssl_conf_own_cert(&p->conf, &p->crt, &p->key), 0);
	}
	/* mbedTLS will not even present a certificate without serverAuth as a
	 * server; hide the extension from its own check only (the DER sent is
	 * unchanged), so we can test that our client refuses it. */
	if (endpoint == MBEDTLS_SSL_IS_SERVER)
		p->crt.ext_types &= ~MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE;
	if (alpn != NULL) {
		p->alpn[0] = alpn;
		ck_assert_int_eq(mbedtls_ssl_conf_alpn_protocols(&p->conf, p->alpn), 0);
	}
	ck_assert_int_eq(mbedtls_ssl_setup(&p->ssl, &p->conf), 0);
	mbedtls_ssl_set_bio(&p->ssl, &p->fd, raw_send, raw_recv, NULL);
	return p;
}

static void raw_free(struct raw_peer *p)
{
	if (p == NULL)
		return;
	mbedtls_ssl_free(&p->ssl);
	mbedtls_ssl_config_free(&p->conf);
	mbedtls_x509_crt_free(&p->ca);
	mbedtls_x509_crt_free(&p->crt);
	mbedtls_pk_free(&p->key);
	mbedtls_ctr_drbg_free(&p->drbg);
	mbedtls_entropy_free(&p->ent);
	free(p);
}

/* ---- two ends in one event loop ---- */

enum phase { HANDSHAKE, DATA, DONE, FAILED };

struct side {
	struct pump *pump;
	struct tls_conn *conn; /* ours, or */
	struct raw_peer *raw;  /* a bare mbedTLS peer */
	int fd;
	struct event *rev, *wev;
	enum phase phase;
	int err;
	uint8_t *out;
	size_t out_len, out_off;
	size_t in_expect, in_got;
	unsigned char in_seed;
	bool eof;
	size_t max_read;
};

struct pump {
	struct event_base *base;
	struct side s[2]; /* [0] client, [1] server */
};

static unsigned char pattern(unsigned char seed, size_t i)
{
	return (unsigned char)(i * 7 + seed + (i >> 12));
}

static void set_output(struct side *s, size_t len, unsigned char seed)
{
	free(s->out);
	s->out = malloc(len ? len : 1);
	ck_assert_ptr_nonnull(s->out);
	for (size_t i = 0; i < len; i++)
		s->out[i] = pattern(seed, i);
	s->out_len = len;
	s->out_off = 0;
}

static int map_raw(int r)
{
	if (r == MBEDTLS_ERR_SSL_WANT_READ)
		return TLS_WANT_READ;
	if (r == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLS_WANT_WRITE;
	return r;
}

static bool terminal(const struct side *s)
{
	return s->phase == DONE || s->phase == FAILED;
}

static void fail_side(struct side *s, int err)
{
	s->phase = FAILED;
	s->err = err;
	event_del(s->rev);
	event_del(s->wev);
	/* Let the other end see the alert and then EOF instead of waiting. */
	shutdown(s->fd, SHUT_WR);
}

static void do_data(struct side *s)
{
	while (s->out_off < s->out_len) {
		/* After a WANT the same pointer and length are retried: out_off only
		 * moves once a call returns a count. */
		int r = tls_conn_write(s->conn, s->out + s->out_off, s->out_len - s->out_off);
		if (r > 0) {
			ck_assert_int_le(r, TLS_MAX_RECORD);
			s->out_off += (size_t)r;
			continue;
		}
		if (r == TLS_WANT_WRITE) {
			ck_assert(tls_conn_write_pending(s->conn));
			event_add(s->wev, NULL);
			break;
		}
		if (r == TLS_WANT_READ)
			break;
		fail_side(s, r);
		return;
	}
	if (s->out_off == s->out_len)
		event_del(s->wev);
	uint8_t buf[4096];
	size_t want = s->max_read ? s->max_read : sizeof(buf);
	for (;;) {
		int r = tls_conn_read(s->conn, buf, want);
		if (r > 0) {
			/* Plain compare: a check assertion per byte costs a syscall. */
			int bad = -1;
			for (int i = 0; i < r && bad < 0; i++)
				if (buf[i] != pattern(s->in_seed, s->in_got + (size_t)i))
					bad = i;
			ck_assert_msg(bad < 0, "byte %zu differs", s->in_got + (size_t)bad);
			s->in_got += (size_t)r;
			continue;
		}
		if (r == TLS_WANT_READ || r == TLS_WANT_WRITE) {
			/* Nothing may be left decrypted when the socket is dry. */
			ck_assert_uint_eq(tls_conn_bytes_avail(s->conn), 0);
			break;
		}
		if (r == 0) {
			s->eof = true;
			break;
		}
		fail_side(s, r);
		return;
	}
	ck_assert_uint_le(s->in_got, s->in_expect);
	if (s->out_off == s->out_len && (s->in_got == s->in_expect || s->eof)) {
		s->phase = DONE;
		event_del(s->rev);
		event_del(s->wev);
	}
}

static void drive(struct side *s)
{
	if (s->phase == HANDSHAKE) {
		int r = s->conn ? tls_conn_handshake(s->conn)
				: map_raw(mbedtls_ssl_handshake(&s->raw->ssl));
		if (r == TLS_WANT_WRITE) {
			event_add(s->wev, NULL);
			return;
		}
		if (r == TLS_WANT_READ) {
			event_del(s->wev);
			return;
		}
		if (r != 0) {
			fail_side(s, r);
			return;
		}
		event_del(s->wev);
		s->phase = DATA;
	}
	if (s->phase == DATA) {
		if (s->conn != NULL) {
			do_data(s);
		} else {
			s->phase = DONE;
			event_del(s->rev);
		}
	}
}

static void on_event(evutil_socket_t fd, short what, void *arg)
{
	struct side *s = arg;
	drive(s);
	struct pump *p = s->pump;
	if (terminal(&p->s[0]) && terminal(&p->s[1]))
		event_base_loopbreak(p->base);
}

static void pump_init(struct pump *p)
{
	memset(p, 0, sizeof(*p));
	int fds[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fds), 0);
	p->base = event_base_new();
	ck_assert_ptr_nonnull(p->base);
	for (int i = 0; i < 2; i++) {
		struct side *s = &p->s[i];
		s->pump = p;
		s->fd = fds[i];
		s->rev = event_new(p->base, s->fd, EV_READ | EV_PERSIST, on_event, s);
		s->wev = event_new(p->base, s->fd, EV_WRITE | EV_PERSIST, on_event, s);
		ck_assert_ptr_nonnull(s->rev);
		ck_assert_ptr_nonnull(s->wev);
		s->in_seed = (unsigned char)(i == 0 ? 1 : 0); /* each expects the other's */
	}
}

static void pump_run(struct pump *p)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &p->s[i];
		s->phase = HANDSHAKE;
		s->eof = false;
		event_add(s->rev, NULL);
	}
	drive(&p->s[0]); /* the client speaks first */
	struct timeval limit = {5, 0};
	event_base_loopexit(p->base, &limit);
	if (!(terminal(&p->s[0]) && terminal(&p->s[1])))
		event_base_dispatch(p->base);
	ck_assert_msg(terminal(&p->s[0]) && terminal(&p->s[1]), "loop timed out: phases %d %d",
		      p->s[0].phase, p->s[1].phase);
}

static void pump_free(struct pump *p)
{
	for (int i = 0; i < 2; i++) {
		struct side *s = &p->s[i];
		event_free(s->rev);
		event_free(s->wev);
		tls_conn_free(s->conn);
		raw_free(s->raw);
		free(s->out);
		close(s->fd);
	}
	event_base_free(p->base);
}

/* ---- configs ---- */

static struct tls_config *server_cfg_full(const char *cert, const char *crl, const int *suites)
{
	char key[64];
	snprintf(key, sizeof(key), "%.*s.key", (int)(strlen(cert) - 4), cert);
	struct tls_options o = {
	    .ca_file = pkipath("ca.crt"),
	    .cert_file = pkipath(cert),
	    .key_file = pkipath(key),
	    .crl_file = crl ? pkipath(crl) : NULL,
	    .ciphersuites = suites,
	};
	struct tls_config *cfg = NULL;
	char err[256];
	int r = tls_config_new(TLS_SERVER, &o, &cfg, err, sizeof(err));
	ck_assert_msg(r == 0, "server config: %s", err);
	return cfg;
}

static struct tls_config *server_cfg(void)
{
	return server_cfg_full("server.crt", "crl.pem", NULL);
}

static struct tls_config *client_cfg_full(const char *who, const char *name, const int *suites)
{
	char crt[64], key[64];
	snprintf(crt, sizeof(crt), "%s.crt", who);
	snprintf(key, sizeof(key), "%s.key", who);
	struct tls_options o = {
	    .ca_file = pkipath("ca.crt"),
	    .cert_file = pkipath(crt),
	    .key_file = pkipath(key),
	    .server_name = name,
	    .ciphersuites = suites,
	};
	struct tls_config *cfg = NULL;
	char err[256];
	int r = tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err));
	ck_assert_msg(r == 0, "client config: %s", err);
	return cfg;
}

static struct tls_config *client_cfg(const char *who)
{
	return client_cfg_full(who, "vpn.example.com", NULL);
}

/* One connection between two configs (either may be NULL when the matching
 * raw peer is set afterwards). */
static void connect_pair(struct pump *p, struct tls_config *ccfg, struct tls_config *scfg)
{
	pump_init(p);
	if (ccfg != NULL)
		ck_assert_int_eq(tls_conn_new(ccfg, p->s[0].fd, &p->s[0].conn), 0);
	if (scfg != NULL)
		ck_assert_int_eq(tls_conn_new(scfg, p->s[1].fd, &p->s[1].conn), 0);
}

/* Connects ccfg to scfg and runs the handshake; both sides must finish it. */
static void handshake_pair(struct pump *p, struct tls_config *ccfg, struct tls_config *scfg)
{
	connect_pair(p, ccfg, scfg);
	pump_run(p);
	ck_assert_int_eq(p->s[0].phase, DONE);
	ck_assert_int_eq(p->s[1].phase, DONE);
}

static void expect_reason(const struct side *s, const char *want)
{
	char why[320];
	ck_assert_int_eq(s->phase, FAILED);
	ck_assert_ptr_nonnull(s->conn);
	tls_conn_verify_error(s->conn, why, sizeof(why));
	ck_assert_msg(strstr(why, want) != NULL, "reason \"%s\", wanted \"%s\"", why, want);
}

/* A client config that must be refused on the server with reason. */
static void expect_server_refuses(const char *who, const char *crl, const char *reason)
{
	struct tls_config *scfg = server_cfg_full("server.crt", crl, NULL);
	struct tls_config *ccfg = client_cfg(who);
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	expect_reason(&p.s[1], reason);
	ck_assert_int_eq(p.s[0].phase, FAILED);
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}

/* ---- tests ---- */

START_TEST(test_success)
{
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg("client");
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	/* Big enough to fill the socket buffers both ways and force WANT_WRITE. */
	set_output(&p.s[0], 1 << 20, 0);
	set_output(&p.s[1], 1 << 20, 1);
	p.s[0].in_expect = p.s[1].in_expect = 1 << 20;
	pump_run(&p);
	for (int i = 0; i < 2; i++) {
		char why[256];
		ck_assert_msg(p.s[i].phase == DONE, "side %d: %s", i,
			      tls_conn_verify_error(p.s[i].conn, why, sizeof(why)));
		ck_assert_uint_eq(p.s[i].in_got, 1 << 20);
		ck_assert_str_eq(tls_conn_ciphersuite(p.s[i].conn),
				 "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256");
		ck_assert_str_eq(tls_conn_version(p.s[i].conn), "TLSv1.2");
		ck_assert_str_eq(tls_conn_alpn(p.s[i].conn), "tlsvpn/1");
		ck_assert(!tls_conn_resumed(p.s[i].conn));
		ck_assert_ptr_nonnull(tls_conn_peer_cert(p.s[i].conn));
	}
	ck_assert_str_eq(tls_conn_peer_cn(p.s[1].conn), "alice");
	ck_assert_str_eq(tls_conn_peer_cn(p.s[0].conn), "vpn.example.com");

	/* close_notify reads as 0 on the other end */
	ck_assert_int_eq(tls_conn_close_notify(p.s[0].conn), 0);
	uint8_t b[16];
	ck_assert_int_eq(tls_conn_read(p.s[1].conn, b, sizeof(b)), 0);
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}
END_TEST

/*
 * mbedTLS 2.28 keeps an EC key's base-point table only in a key typed ECDSA;
 * one typed ECKEY (as parsed) rebuilds it for every signature and check.
 * A server builds its key's table when it loads the key, before any client
 * waits on it. After a handshake, the server's key (which signed) and its
 * CA's key (which checked the client's chain) must both still hold their
 * tables.
 */
START_TEST(test_ec_tables_kept)
{
	struct tls_config *scfg = server_cfg();
	ck_assert_ptr_nonnull(mbedtls_pk_ec(scfg->key)->grp.T);
	struct tls_config *ccfg = client_cfg("client");
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[1].phase, DONE);
	ck_assert_int_eq(mbedtls_pk_get_type(&scfg->key), MBEDTLS_PK_ECDSA);
	ck_assert_int_eq(mbedtls_pk_get_type(&scfg->ca.pk), MBEDTLS_PK_ECDSA);
	ck_assert_ptr_nonnull(mbedtls_pk_ec(scfg->key)->grp.T);
	ck_assert_ptr_nonnull(mbedtls_pk_ec(scfg->ca.pk)->grp.T);
	/* Each side's view of the peer's key was readied for its one check
	 * (test_peer_key_ready) and does not keep the table after it. */
	for (int i = 0; i < 2; i++) {
		const mbedtls_x509_crt *peer = tls_conn_peer_cert(p.s[i].conn);
		ck_assert_ptr_nonnull(peer);
		ck_assert_int_eq(mbedtls_pk_get_type(&peer->pk), MBEDTLS_PK_ECDSA);
		ck_assert_ptr_null(mbedtls_pk_ec(peer->pk)->grp.T);
	}
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);

	/* An RSA key is left as it is (test_rsa_and_preference uses it). */
	scfg = server_cfg_full("server-rsa.crt", NULL, NULL);
	ck_assert_int_eq(mbedtls_pk_get_type(&scfg->key), MBEDTLS_PK_RSA);
	tls_config_free(scfg);
}
END_TEST

/*
 * Each config seeds its DRBG from the kernel: two configs made from the same
 * files must not draw the same bytes (a source that failed to fill its
 * buffer, or a fixed seed, would give both the same stream).
 */
START_TEST(test_drbg_seeded_apart)
{
	struct tls_config *a = client_cfg("client");
	struct tls_config *b = client_cfg("client");
	unsigned char ra[32], rb[32], zero[32] = {0};
	ck_assert_int_eq(mbedtls_ctr_drbg_random(&a->drbg, ra, sizeof(ra)), 0);
	ck_assert_int_eq(mbedtls_ctr_drbg_random(&b->drbg, rb, sizeof(rb)), 0);
	ck_assert_int_ne(memcmp(ra, rb, sizeof(ra)), 0);
	ck_assert_int_ne(memcmp(ra, zero, sizeof(ra)), 0);
	tls_config_free(a);
	tls_config_free(b);
}
END_TEST

static mbedtls_x509_crt *parse_crt(const char *name)
{
	mbedtls_x509_crt *crt = malloc(sizeof(*crt));
	ck_assert_ptr_nonnull(crt);
	mbedtls_x509_crt_init(crt);
	ck_assert_int_eq(mbedtls_x509_crt_parse_file(crt, pkipath(name)), 0);
	return crt;
}

static void free_crt(mbedtls_x509_crt *crt)
{
	mbedtls_x509_crt_free(crt);
	free(crt);
}

/*
 * The peer certificate's key checks one signature per full handshake. Before
 * that check it is typed ECDSA and holds a copy of our own key's base-point
 * table, so the check does not rebuild one. mbedTLS checks the curve only of
 * keys typed ECKEY, so a curve we do not offer must be refused here.
 */
START_TEST(test_peer_key_ready)
{
	struct tls_config *scfg = server_cfg();
	const mbedtls_ecp_group *own = &mbedtls_pk_ec(scfg->key)->grp;
	ck_assert_ptr_nonnull(own->T);

	mbedtls_x509_crt *crt = parse_crt("client.crt");
	ck_assert_int_eq(mbedtls_pk_get_type(&crt->pk), MBEDTLS_PK_ECKEY);
	ck_assert(tls_ready_peer_key(scfg, crt));
	ck_assert_int_eq(mbedtls_pk_get_type(&crt->pk), MBEDTLS_PK_ECDSA);
	const mbedtls_ecp_group *peer = &mbedtls_pk_ec(crt->pk)->grp;
	ck_assert_ptr_nonnull(peer->T);
	ck_assert_ptr_ne(peer->T, own->T); /* a copy: each is freed with its group */
	ck_assert_uint_eq(peer->T_size, own->T_size);
	for (size_t i = 0; i < own->T_size; i++)
		ck_assert_int_eq(mbedtls_ecp_point_cmp(&peer->T[i], &own->T[i]), 0);
	free_crt(crt);

	/* Another curve we offer: typed ECDSA, but our P-256 table is no use. */
	crt = parse_crt("client-p384.crt");
	ck_assert(tls_ready_peer_key(scfg, crt));
	ck_assert_int_eq(mbedtls_pk_get_type(&crt->pk), MBEDTLS_PK_ECDSA);
	ck_assert_ptr_null(mbedtls_pk_ec(crt->pk)->grp.T);
	free_crt(crt);

	crt = parse_crt("client-p521.crt");
	ck_assert(!tls_ready_peer_key(scfg, crt));
	free_crt(crt);

	crt = parse_crt("server-rsa.crt");
	ck_assert(tls_ready_peer_key(scfg, crt));
	ck_assert_int_eq(mbedtls_pk_get_type(&crt->pk), MBEDTLS_PK_RSA);
	free_crt(crt);
	tls_config_free(scfg);
}
END_TEST

/* Clients on P-384 get in (no table to lend); on P-521, which we do not offer,
 * they do not. */
START_TEST(test_peer_curves)
{
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg("client-p384");
	struct pump p;
	handshake_pair(&p, ccfg, scfg);
	ck_assert_str_eq(tls_conn_peer_cn(p.s[1].conn), "erin");
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);

	expect_server_refuses("client-p521", "crl.pem",
			      "certificate uses a weak or unsupported algorithm or key");
}
END_TEST

/*
 * A client builds its key's table while it waits for the server's first
 * flight, not at start-up and not on the way to its signature; a client
 * offering a session to resume does not (it will not sign).
 */
START_TEST(test_client_table_in_first_wait)
{
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg("client");
	mbedtls_ecp_group *own = &mbedtls_pk_ec(ccfg->key)->grp;
	ck_assert_ptr_null(own->T);
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	ck_assert_int_eq(tls_conn_handshake(p.s[0].conn), TLS_WANT_READ); /* hello sent */
	ck_assert_ptr_nonnull(own->T);
	pump_run(&p);
	ck_assert_int_eq(p.s[0].phase, DONE);
	ck_assert_int_eq(p.s[1].phase, DONE);
	ck_assert_int_eq(tls_config_save_session(ccfg, p.s[0].conn), 0);
	pump_free(&p);

	tls_drop_base_table(own);
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[0].phase, DONE);
	ck_assert(tls_conn_resumed(p.s[0].conn));
	ck_assert_ptr_null(own->T);
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}
END_TEST

/* Runs ssl's handshake steps until it reaches state, or fails the test. */
static void step_until(mbedtls_ssl_context *ssl, int state)
{
	for (int i = 0; i < 20 && ssl->state != state; i++) {
		int r = mbedtls_ssl_handshake_step(ssl);
		ck_assert_msg(r == 0, "handshake step in state %d: -0x%04x", ssl->state, -r);
	}
	ck_assert_int_eq(ssl->state, state);
}

/*
 * The server's first flight can be waiting when the client first reads (the
 * server ran on the client's vCPU before the client read). The client then
 * checks the server's certificate before its first wait, and must build its
 * table there, so that the server's key borrows it for its check.
 */
START_TEST(test_client_table_before_first_wait)
{
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg("client");
	ck_assert_ptr_null(mbedtls_pk_ec(ccfg->key)->grp.T);
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	step_until(&p.s[0].conn->ssl, MBEDTLS_SSL_SERVER_HELLO);	/* hello sent */
	step_until(&p.s[1].conn->ssl, MBEDTLS_SSL_SERVER_KEY_EXCHANGE); /* certificate sent */
	ck_assert_int_eq(tls_conn_handshake(p.s[0].conn), TLS_WANT_READ);
	/* mbedTLS's session in the making: the peer certificate as checked */
	const mbedtls_x509_crt *peer = p.s[0].conn->ssl.session_negotiate->peer_cert;
	ck_assert_ptr_nonnull(peer);
	ck_assert_int_eq(mbedtls_pk_get_type(&peer->pk), MBEDTLS_PK_ECDSA);
	ck_assert_ptr_nonnull(mbedtls_pk_ec(ccfg->key)->grp.T);
	ck_assert_ptr_nonnull(mbedtls_pk_ec(peer->pk)->grp.T);
	ck_assert_int_eq(tls_conn_handshake(p.s[1].conn), TLS_WANT_READ); /* first flight ends */
	pump_run(&p);
	ck_assert_int_eq(p.s[0].phase, DONE);
	ck_assert_int_eq(p.s[1].phase, DONE);
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}
END_TEST

START_TEST(test_bytes_avail)
{
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg("client");
	struct pump p;
	handshake_pair(&p, ccfg, scfg);

	/* One 10,000-byte record, read 100 bytes at a time: after the first
	 * read the socket is empty but mbedTLS holds the rest. */
	uint8_t msg[10000], buf[100];
	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = pattern(9, i);
	ck_assert_int_eq(tls_conn_write(p.s[0].conn, msg, sizeof(msg)), (int)sizeof(msg));
	ck_assert_int_eq(tls_conn_read(p.s[1].conn, buf, sizeof(buf)), 100);
	ck_assert_uint_eq(tls_conn_bytes_avail(p.s[1].conn), sizeof(msg) - 100);
	struct pollfd pfd = {.fd = p.s[1].fd, .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	size_t got = 100;
	while (tls_conn_bytes_avail(p.s[1].conn) > 0) {
		int r = tls_conn_read(p.s[1].conn, buf, sizeof(buf));
		ck_assert_int_gt(r, 0);
		int bad = -1;
		for (int i = 0; i < r && bad < 0; i++)
			if (buf[i] != pattern(9, got + (size_t)i))
				bad = i;
		ck_assert_int_lt(bad, 0);
		got += (size_t)r;
	}
	ck_assert_uint_eq(got, sizeof(msg));
	ck_assert_int_eq(tls_conn_read(p.s[1].conn, buf, sizeof(buf)), TLS_WANT_READ);

	/* More than one record per call is never taken. */
	static uint8_t big[40000];
	int r = tls_conn_write(p.s[1].conn, big, sizeof(big));
	ck_assert_int_eq(r, TLS_MAX_RECORD);
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}
END_TEST

START_TEST(test_resumption)
{
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg("client");
	for (int round = 0; round < 3; round++) {
		struct pump p;
		connect_pair(&p, ccfg, scfg);
		set_output(&p.s[0], 50000, 0);
		p.s[1].in_expect = 50000;
		pump_run(&p);
		ck_assert_int_eq(p.s[0].phase, DONE);
		ck_assert_int_eq(p.s[1].phase, DONE);
		ck_assert_uint_eq(p.s[1].in_got, 50000);
		bool resumed = round > 0;
		ck_assert_int_eq(tls_conn_resumed(p.s[0].conn), resumed);
		ck_assert_int_eq(tls_conn_resumed(p.s[1].conn), resumed);
		ck_assert_str_eq(tls_conn_peer_cn(p.s[1].conn), "alice");
		ck_assert_ptr_nonnull(tls_conn_peer_cert(p.s[1].conn));
		ck_assert_str_eq(tls_conn_ciphersuite(p.s[0].conn),
				 "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256");
		ck_assert_int_eq(tls_config_save_session(ccfg, p.s[0].conn), 0);
		pump_free(&p);
	}
	/* Forgotten: full handshake again. */
	tls_config_forget_session(ccfg);
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[0].phase, DONE);
	ck_assert(!tls_conn_resumed(p.s[0].conn));
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}
END_TEST

/* A ticket issued before a revocation must not let the client back in. */
START_TEST(test_resumption_after_revocation)
{
	char crl[600], cmd[1400], err[256];
	snprintf(crl, sizeof(crl), "%s/reload-crl.pem", pki);
	snprintf(cmd, sizeof(cmd), "cp %s %s", pkipath("crl-empty.pem"), crl);
	ck_assert_int_eq(system(cmd), 0);
	struct tls_options o = {
	    .ca_file = pkipath("ca.crt"),
	    .cert_file = pkipath("server.crt"),
	    .key_file = pkipath("server.key"),
	    .crl_file = crl,
	};
	struct tls_config *scfg = NULL;
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &o, &scfg, err, sizeof(err)), 0);
	struct tls_config *ccfg = client_cfg("revoked");
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[1].phase, DONE);
	ck_assert_str_eq(tls_conn_peer_cn(p.s[1].conn), "carol");
	ck_assert(!tls_config_cert_revoked(scfg, tls_conn_peer_cert(p.s[1].conn)));
	ck_assert_int_eq(tls_config_save_session(ccfg, p.s[0].conn), 0);

	/* Reload: carol is now revoked; the live session is found by the check. */
	snprintf(cmd, sizeof(cmd), "cp %s %s", pkipath("crl.pem"), crl);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(tls_config_reload_crl(scfg, err, sizeof(err)), 0);
	ck_assert(tls_config_cert_revoked(scfg, tls_conn_peer_cert(p.s[1].conn)));
	pump_free(&p);

	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[1].err, TLS_ERR_RESUMED_CERT);
	expect_reason(&p.s[1], "certificate revoked");
	/* The client finished its side of the resumed handshake; it learns of
	 * the refusal on its next read. */
	if (p.s[0].phase == DONE) {
		uint8_t b[16];
		int r = tls_conn_read(p.s[0].conn, b, sizeof(b));
		ck_assert_int_lt(r, 0);
		p.s[0].phase = FAILED;
	}
	expect_reason(&p.s[0], "peer refused the handshake: certificate revoked");
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}
END_TEST

START_TEST(test_rsa_and_preference)
{
	/* RSA server certificate: the ECDHE-RSA suites. */
	struct tls_config *scfg = server_cfg_full("server-rsa.crt", NULL, NULL);
	struct tls_config *ccfg = client_cfg("client");
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[0].phase, DONE);
	ck_assert_str_eq(tls_conn_ciphersuite(p.s[0].conn),
			 "TLS-ECDHE-RSA-WITH-CHACHA20-POLY1305-SHA256");
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);

	/* The server's order wins over the client's. */
	static const int client_order[] = {
	    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
	    0,
	};
	scfg = server_cfg();
	ccfg = client_cfg_full("client", "vpn.example.com", client_order);
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[0].phase, DONE);
	ck_assert_str_eq(tls_conn_ciphersuite(p.s[1].conn),
			 "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256");
	pump_free(&p);
	tls_config_free(ccfg);

	/* A client offering only AES-256-GCM (the benchmark's OpenVPN match). */
	static const int aes256[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, 0};
	ccfg = client_cfg_full("client", "vpn.example.com", aes256);
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	ck_assert_int_eq(p.s[0].phase, DONE);
	ck_assert_str_eq(tls_conn_ciphersuite(p.s[1].conn),
			 "TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384");
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);

	/* A non-AEAD suite is refused in the override. */
	static const int cbc[] = {MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384, 0};
	struct tls_options o = {.ca_file = pkipath("ca.crt"),
				.cert_file = pkipath("server.crt"),
				.key_file = pkipath("server.key"),
				.ciphersuites = cbc};
	char err[256];
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &o, &scfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "AES-256-CBC") != NULL, "%s", err);
}
END_TEST

START_TEST(test_other_ca)
{
	expect_server_refuses("other-client", "crl.pem",
			      "certificate not signed by the trusted CA");
}
END_TEST

START_TEST(test_expired_client)
{
	expect_server_refuses("expired", "crl.pem", "certificate expired");
}
END_TEST

START_TEST(test_revoked_client)
{
	expect_server_refuses("revoked", "crl.pem", "certificate revoked");
}
END_TEST

START_TEST(test_client_sees_refusal)
{
	/* What the refused client can tell its user. */
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg("revoked");
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	expect_reason(&p.s[0], "peer refused the handshake: certificate revoked");
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}
END_TEST

START_TEST(test_expired_crl)
{
	/* Still enforces what it revoked ... */
	expect_server_refuses("revoked", "crl-expired.pem", "certificate revoked");
	/* ... but lets everybody else in. */
	struct tls_config *scfg = server_cfg_full("server.crt", "crl-expired.pem", NULL);
	time_t next;
	ck_assert(tls_config_crl_next_update(scfg, &next));
	ck_assert_int_eq((long long)next, 1643673600LL); /* 2022-02-01T00:00:00Z */
	struct tls_config *ccfg = client_cfg("client");
	struct pump p;
	handshake_pair(&p, ccfg, scfg);
	ck_assert_str_eq(tls_conn_peer_cn(p.s[1].conn), "alice");
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);

	scfg = server_cfg_full("server.crt", NULL, NULL);
	ck_assert(!tls_config_crl_next_update(scfg, &next));
	tls_config_free(scfg);
}
END_TEST

START_TEST(test_server_cert_as_client)
{
	/* Our own client config refuses it outright ... */
	struct tls_options o = {
	    .ca_file = pkipath("ca.crt"),
	    .cert_file = pkipath("server.crt"),
	    .key_file = pkipath("server.key"),
	    .server_name = "vpn.example.com",
	};
	struct tls_config *cfg = NULL;
	char err[256];
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "lacks extendedKeyUsage clientAuth") != NULL, "%s", err);

	/* ... and the server refuses a peer that tries anyway. */
	struct tls_config *scfg = server_cfg();
	struct pump p;
	connect_pair(&p, NULL, scfg);
	p.s[0].raw =
	    raw_new(MBEDTLS_SSL_IS_CLIENT, "server.crt", "server.key", TLS_ALPN, p.s[0].fd);
	pump_run(&p);
	expect_reason(&p.s[1], "certificate lacks extendedKeyUsage clientAuth");
	pump_free(&p);
	tls_config_free(scfg);
}
END_TEST

START_TEST(test_client_cert_as_server)
{
	struct tls_config *ccfg = client_cfg("client");
	struct pump p;
	connect_pair(&p, ccfg, NULL);
	p.s[1].raw =
	    raw_new(MBEDTLS_SSL_IS_SERVER, "clientonly.crt", "clientonly.key", TLS_ALPN, p.s[1].fd);
	pump_run(&p);
	expect_reason(&p.s[0], "certificate lacks extendedKeyUsage serverAuth");
	pump_free(&p);
	tls_config_free(ccfg);
}
END_TEST

static void check_name(const char *name, bool ok)
{
	struct tls_config *scfg = server_cfg();
	struct tls_config *ccfg = client_cfg_full("client", name, NULL);
	struct pump p;
	connect_pair(&p, ccfg, scfg);
	pump_run(&p);
	if (ok) {
		char why[256];
		ck_assert_msg(p.s[0].phase == DONE, "%s: %s", name,
			      tls_conn_verify_error(p.s[0].conn, why, sizeof(why)));
		ck_assert_int_eq(p.s[1].phase, DONE);
	} else {
		char want[128];
		snprintf(want, sizeof(want), "server certificate is not valid for name %s", name);
		expect_reason(&p.s[0], want);
		ck_assert_int_eq(p.s[1].phase, FAILED);
	}
	pump_free(&p);
	tls_config_free(ccfg);
	tls_config_free(scfg);
}

START_TEST(test_server_name)
{
	check_name("vpn.example.com", true);
	check_name("other.example.com", false);
	check_name("198.18.1.1", true);
	check_name("fd00:18::1", true);
	check_name("198.18.1.9", false);
	check_name("fd00:18::2", false);
}
END_TEST

START_TEST(test_alpn)
{
	static const char *offers[] = {NULL, "http/1.1"};
	for (int i = 0; i < 2; i++) {
		struct tls_config *scfg = server_cfg();
		struct pump p;
		connect_pair(&p, NULL, scfg);
		p.s[0].raw = raw_new(MBEDTLS_SSL_IS_CLIENT, "client.crt", "client.key", offers[i],
				     p.s[0].fd);
		pump_run(&p);
		expect_reason(&p.s[1], "peer did not offer ALPN tlsvpn/1");
		pump_free(&p);
		tls_config_free(scfg);
	}
	/* A server that ignores ALPN is refused by our client. */
	struct tls_config *ccfg = client_cfg("client");
	struct pump p;
	connect_pair(&p, ccfg, NULL);
	p.s[1].raw = raw_new(MBEDTLS_SSL_IS_SERVER, "server.crt", "server.key", NULL, p.s[1].fd);
	pump_run(&p);
	expect_reason(&p.s[0], "server did not select ALPN tlsvpn/1");
	pump_free(&p);
	tls_config_free(ccfg);
}
END_TEST

START_TEST(test_no_client_cert)
{
	struct tls_config *scfg = server_cfg();
	struct pump p;
	connect_pair(&p, NULL, scfg);
	p.s[0].raw = raw_new(MBEDTLS_SSL_IS_CLIENT, NULL, NULL, TLS_ALPN, p.s[0].fd);
	pump_run(&p);
	expect_reason(&p.s[1], "peer sent no certificate");
	pump_free(&p);
	tls_config_free(scfg);
}
END_TEST

START_TEST(test_key_mode)
{
	char key[600], cmd[1400], err[512];
	snprintf(key, sizeof(key), "%s/loose.key", pki);
	snprintf(cmd, sizeof(cmd), "cp %s %s && chmod 644 %s", pkipath("client.key"), key, key);
	ck_assert_int_eq(system(cmd), 0);
	struct tls_options o = {
	    .ca_file = pkipath("ca.crt"),
	    .cert_file = pkipath("client.crt"),
	    .key_file = key,
	    .server_name = "vpn.example.com",
	};
	struct tls_config *cfg = NULL;
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), -EACCES);
	ck_assert_ptr_null(cfg);
	ck_assert_msg(strstr(err, key) != NULL && strstr(err, "0644") != NULL, "%s", err);
	chmod(key, 0600);
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), 0);
	tls_config_free(cfg);
	unlink(key);
}
END_TEST

START_TEST(test_mismatch)
{
	struct tls_options o = {
	    .ca_file = pkipath("ca.crt"),
	    .cert_file = pkipath("client.crt"),
	    .key_file = pkipath("expired.key"),
	    .server_name = "vpn.example.com",
	};
	struct tls_config *cfg = NULL;
	char err[512];
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "does not match") != NULL && strstr(err, "expired.key") != NULL,
		      "%s", err);
	/* an EC key for an RSA certificate, and an RSA key of another pair */
	struct tls_options r = {
	    .ca_file = pkipath("ca.crt"),
	    .cert_file = pkipath("server-rsa.crt"),
	    .key_file = pkipath("server.key"),
	};
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &r, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "does not match") != NULL, "%s", err);
	r.cert_file = pkipath("server.crt");
	r.key_file = pkipath("server-rsa.key");
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &r, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "does not match") != NULL, "%s", err);
}
END_TEST

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strdup(buf);
}

START_TEST(test_garbage_and_inline)
{
	char *ca = slurp(pkipath("ca.crt"));
	char *crt = slurp(pkipath("client.crt"));
	char *key = slurp(pkipath("client.key"));
	struct tls_options o = {
	    .ca_pem = ca, .cert_pem = crt, .key_pem = key, .server_name = "vpn.example.com"};
	struct tls_config *cfg = NULL;
	char err[512];
	/* Inline PEM, as from a client profile, works ... */
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), 0);
	tls_config_free(cfg);

	/* ... and garbage is refused, naming what. */
	o.ca_pem = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "inline ca: cannot parse CA certificate") != NULL, "%s", err);
	o.ca_pem = ca;
	o.key_pem = "hello";
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "inline key: cannot parse private key") != NULL, "%s", err);

	char path[600], cmd[1400];
	snprintf(path, sizeof(path), "%s/garbage.crt", pki);
	snprintf(cmd, sizeof(cmd), "printf 'GET / HTTP/1.1\\r\\n\\r\\n' > %s", path);
	ck_assert_int_eq(system(cmd), 0);
	struct tls_options f = {
	    .ca_file = pkipath("ca.crt"), .cert_file = path, .key_file = pkipath("server.key")};
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &f, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, path) != NULL && strstr(err, "cannot parse certificate") != NULL,
		      "%s", err);
	f.cert_file = pkipath("server.crt");
	f.crl_file = path;
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &f, &cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "cannot parse CRL") != NULL, "%s", err);
	f.crl_file = pkipath("nonexistent.pem");
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &f, &cfg, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strstr(err, "nonexistent.pem: cannot open") != NULL, "%s", err);
	snprintf(path, sizeof(path), "%s/garbage.crt", pki);
	unlink(path);

	/* DER files load too. */
	snprintf(path, sizeof(path), "%s/ca.der", pki);
	snprintf(cmd, sizeof(cmd), "openssl x509 -in %s -outform DER -out %s", pkipath("ca.crt"),
		 path);
	ck_assert_int_eq(system(cmd), 0);
	f.ca_file = path;
	f.crl_file = NULL;
	ck_assert_msg(tls_config_new(TLS_SERVER, &f, &cfg, err, sizeof(err)) == 0, "%s", err);
	tls_config_free(cfg);
	unlink(path);

	/* Client without a server name to check. */
	o.key_pem = key;
	o.server_name = NULL;
	ck_assert_int_eq(tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)), -EINVAL);
	free(ca);
	free(crt);
	free(key);
}
END_TEST

START_TEST(test_crl_reload)
{
	char crl[600], cmd[1400], err[512];
	snprintf(crl, sizeof(crl), "%s/reload2-crl.pem", pki);
	snprintf(cmd, sizeof(cmd), "cp %s %s", pkipath("crl-expired.pem"), crl);
	ck_assert_int_eq(system(cmd), 0);
	struct tls_options o = {.ca_file = pkipath("ca.crt"),
				.cert_file = pkipath("server.crt"),
				.key_file = pkipath("server.key"),
				.crl_file = crl};
	struct tls_config *cfg = NULL;
	ck_assert_int_eq(tls_config_new(TLS_SERVER, &o, &cfg, err, sizeof(err)), 0);
	time_t old, now;
	ck_assert(tls_config_crl_next_update(cfg, &old));

	mbedtls_x509_crt carol, alice;
	mbedtls_x509_crt_init(&carol);
	mbedtls_x509_crt_init(&alice);
	ck_assert_int_eq(mbedtls_x509_crt_parse_file(&carol, pkipath("revoked.crt")), 0);
	ck_assert_int_eq(mbedtls_x509_crt_parse_file(&alice, pkipath("client.crt")), 0);
	ck_assert(tls_config_cert_revoked(cfg, &carol));
	ck_assert(!tls_config_cert_revoked(cfg, &alice));

	/* A broken file leaves the old CRL in force. */
	snprintf(cmd, sizeof(cmd), "echo broken > %s", crl);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(tls_config_reload_crl(cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, crl) != NULL, "%s", err);
	ck_assert(tls_config_crl_next_update(cfg, &now));
	ck_assert_int_eq((long long)now, (long long)old);
	ck_assert(tls_config_cert_revoked(cfg, &carol));

	/* Another CA's CRL is refused too. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s/other-ca.d && openssl ca -gencrl -config ../ca.cnf -cert ../other-ca.crt "
		 "-keyfile ../other-ca.key -out %s 2>/dev/null",
		 pki, crl);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(tls_config_reload_crl(cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "not issued by the configured CA") != NULL, "%s", err);

	/* A CRL naming our CA but signed with another key is refused, and the
	 * CRL in force stays. */
	snprintf(cmd, sizeof(cmd),
		 "cd %s/impostor-ca.d && openssl ca -gencrl -config ../ca.cnf -cert "
		 "../impostor-ca.crt -keyfile ../impostor-ca.key -out %s 2>/dev/null",
		 pki, crl);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(tls_config_reload_crl(cfg, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "CRL signature does not verify with the configured CA's key") !=
			  NULL,
		      "%s", err);
	ck_assert(tls_config_cert_revoked(cfg, &carol));

	/* The current CRL: a later nextUpdate. */
	snprintf(cmd, sizeof(cmd), "cp %s %s", pkipath("crl-empty.pem"), crl);
	ck_assert_int_eq(system(cmd), 0);
	ck_assert_int_eq(tls_config_reload_crl(cfg, err, sizeof(err)), 0);
	ck_assert(tls_config_crl_next_update(cfg, &now));
	ck_assert_int_gt((long long)now, (long long)time(NULL));
	ck_assert(!tls_config_cert_revoked(cfg, &carol));

	mbedtls_x509_crt_free(&carol);
	mbedtls_x509_crt_free(&alice);
	tls_config_free(cfg);
	tls_config_free(NULL);
	tls_conn_free(NULL);
}
END_TEST

START_TEST(test_strerror)
{
	char buf[128];
	tls_strerror(TLS_WANT_READ, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "block") != NULL, "%s", buf);
	tls_strerror(TLS_ERR_NO_ALPN, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "tlsvpn/1") != NULL, "%s", buf);
	tls_strerror(MBEDTLS_ERR_SSL_CONN_EOF, buf, sizeof(buf));
	ck_assert_msg(strstr(buf, "EOF") != NULL, "%s", buf);
	tls_strerror(MBEDTLS_ERR_SSL_CONN_EOF, buf, 4);
	ck_assert_uint_eq(strlen(buf), 3);
}
END_TEST

static Suite *tls_suite(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("tls");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_success);
	tcase_add_test(tc, test_bytes_avail);
	tcase_add_test(tc, test_resumption);
	tcase_add_test(tc, test_resumption_after_revocation);
	tcase_add_test(tc, test_rsa_and_preference);
	tcase_add_test(tc, test_ec_tables_kept);
	tcase_add_test(tc, test_drbg_seeded_apart);
	tcase_add_test(tc, test_peer_key_ready);
	tcase_add_test(tc, test_peer_curves);
	tcase_add_test(tc, test_client_table_in_first_wait);
	tcase_add_test(tc, test_client_table_before_first_wait);
	tcase_add_test(tc, test_other_ca);
	tcase_add_test(tc, test_expired_client);
	tcase_add_test(tc, test_revoked_client);
	tcase_add_test(tc, test_client_sees_refusal);
	tcase_add_test(tc, test_expired_crl);
	tcase_add_test(tc, test_server_cert_as_client);
	tcase_add_test(tc, test_client_cert_as_server);
	tcase_add_test(tc, test_server_name);
	tcase_add_test(tc, test_alpn);
	tcase_add_test(tc, test_no_client_cert);
	tcase_add_test(tc, test_key_mode);
	tcase_add_test(tc, test_mismatch);
	tcase_add_test(tc, test_garbage_and_inline);
	tcase_add_test(tc, test_crl_reload);
	tcase_add_test(tc, test_strerror);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	const char *srcdir = getenv("top_srcdir");
	char script[512], cmd[1400];
	snprintf(script, sizeof(script), "%s/tests/unit/gen-test-pki.sh", srcdir ? srcdir : ".");
	if (system("command -v openssl >/dev/null 2>&1") != 0) {
		printf("1..0 # SKIP openssl command not found\n");
		return 0;
	}
	if (scratch_begin() != 0) {
		printf("1..0 # SKIP cannot make a scratch directory\n");
		return 0;
	}
	snprintf(pki, sizeof(pki), "%s/pki", scratch_root());
	snprintf(cmd, sizeof(cmd), "sh '%s' '%s'", script, pki);
	int rc = system(cmd);
	if (rc != 0) {
		printf("Bail out! %s failed (status %d)\n", script, rc);
		scratch_end();
		return 1;
	}
	SRunner *sr = srunner_create(tls_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	scratch_end();
	return 0;
}
