/*
 * bench-tls: the TLS load of tests/bench/run (issue 5), straight on mbedTLS
 * 2.28 with the settings tlsvpn uses (TLS 1.2, ECDHE AEAD suites with
 * ChaCha20-Poly1305 first, X25519/P-256/P-384, mutual certificate
 * authentication, ALPN "tlsvpn/1", session tickets on the server).
 *
 *   bench-tls handshakes --connect IP:PORT --ca F --cert F --key F
 *                        [--conc N] [--seconds S] [--max N]
 *       Many short connections, each a full handshake (no session is ever
 *       offered), closed at once. Prints "handshakes=N errors=E seconds=T
 *       rate=R suite=S".
 *   bench-tls idle --connect IP:PORT --ca F --certs DIR --n N [--conc C]
 *                  [--seconds S] [--hold S]
 *       N sessions with the certificates DIR/cI.crt, DIR/cI.key (I = 0..N-1),
 *       each sends hello and waits for config; prints "ready=N failed=F
 *       seconds=T" once all are settled, then holds them open (reading and
 *       discarding) until SIGTERM or --hold seconds.
 *   bench-tls bare-server --listen IP:PORT --ca F --srv-cert F --srv-key F
 *                         [--crl F] [--conc N] [--seconds S]
 *       The ceiling for the handshakes mode: mbedTLS alone as a server, one
 *       thread polling up to N connections (default 16), each closed once its
 *       handshake completes. Prints "listening" when ready and, on SIGTERM or
 *       after S seconds, "handshakes=N errors=E seconds=T rate=R server_ms=M"
 *       (T from the first accept to the last completed handshake; M the
 *       process's CPU per handshake over T).
 *   bench-tls bare --ca F --srv-cert F --srv-key F --cert F --key F [--crl F]
 *                  [--seconds S]
 *       mbedTLS's own cost, without a network: server and client handshakes
 *       over socketpairs in this one thread; the server side's thread CPU time
 *       is measured alone, so "server_rate" is the full handshakes one core
 *       completes as a server when no TCP stack, no second process and no
 *       load generator share the machine.
 *
 * Bounded: every mode stops after --seconds (and handshakes after --max).
 * Exit status 0 when the mode ran, 1 on set-up errors, 2 on usage errors.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, ppoll, RTLD_NEXT */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/platform.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crl.h>

/* The same lists as common/tls.c: the load must cost what tlsvpn's costs. */
static const int suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    0,
};
static const mbedtls_ecp_group_id groups[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};
static const int sig_hashes[] = {MBEDTLS_MD_SHA512, MBEDTLS_MD_SHA384, MBEDTLS_MD_SHA256,
				 MBEDTLS_MD_NONE};
static const char *alpn[] = {"tlsvpn/1", NULL};

#define MAX_CONNS    4096
#define CONN_TIMEOUT 10.0
#define RXBUF	     16384

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static volatile sig_atomic_t stop;

struct opts {
	const char *mode, *connect, *listen, *ca, *cert, *key, *srv_cert, *srv_key, *crl, *certs;
	unsigned conc, n;
	unsigned long max;
	double seconds, hold;
};

/* One endpoint's configuration and the credentials it borrows. */
struct peer {
	mbedtls_ssl_config conf;
	mbedtls_x509_crt ca, cert;
	mbedtls_x509_crl crl;
	mbedtls_pk_context key;
	mbedtls_ssl_ticket_context ticket;
	bool has_crl, has_ticket;
};

static double now(clockid_t clk)
{
	struct timespec ts;
	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void tls_err(const char *what, int ret)
{
	char buf[160];
	mbedtls_strerror(ret, buf, sizeof(buf));
	fprintf(stderr, "bench-tls: %s: -0x%04x %s\n", what, (unsigned)-ret, buf);
}

/* An ECDSA-typed copy of an EC key, which keeps its base-point table between
 * signatures, as common/tls.c keep_ec_tables() gives tlsvpn: the ceiling
 * gets every trick tlsvpn uses. */
static int keep_ec_tables(mbedtls_pk_context *pk)
{
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
		return 0;
	mbedtls_pk_context ecdsa;
	mbedtls_pk_init(&ecdsa);
	int ret = mbedtls_pk_setup(&ecdsa, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA));
	if (ret == 0)
		ret = mbedtls_ecdsa_from_keypair(mbedtls_pk_ec(ecdsa), mbedtls_pk_ec(*pk));
	if (ret != 0) {
		mbedtls_pk_free(&ecdsa);
		return ret;
	}
	mbedtls_pk_free(pk);
	*pk = ecdsa;
	return 0;
}

/* As common/tls.c copy_base_table: dst gets a copy of src's table of
 * base-point multiples (the curve's, whoever's key), best effort. */
static void copy_base_table(mbedtls_ecp_group *dst, const mbedtls_ecp_group *src)
{
	if (dst->id != src->id || dst->T != NULL || src->T == NULL || src->T_size == 0)
		return;
	mbedtls_ecp_point *t = mbedtls_calloc(src->T_size, sizeof(*t));
	if (t == NULL)
		return;
	size_t i = 0;
	for (; i < src->T_size; i++) {
		mbedtls_ecp_point_init(&t[i]);
		if (mbedtls_ecp_copy(&t[i], &src->T[i]) != 0)
			break;
	}
	if (i < src->T_size) {
		for (size_t j = 0; j <= i; j++)
			mbedtls_ecp_point_free(&t[j]);
		mbedtls_free(t);
		return;
	}
	dst->T = t;
	dst->T_size = src->T_size;
}

/* As common/tls.c tls_ready_peer_key: the peer's EC key typed ECDSA, with our
 * key's table, before its one signature check; the curve check mbedTLS then
 * skips is made here. */
static bool ready_peer_key(mbedtls_pk_context *own, mbedtls_x509_crt *crt)
{
	if (mbedtls_pk_get_type(&crt->pk) != MBEDTLS_PK_ECKEY)
		return true;
	bool offered = false;
	for (size_t i = 0; groups[i] != MBEDTLS_ECP_DP_NONE; i++)
		offered |= groups[i] == mbedtls_pk_ec(crt->pk)->grp.id;
	if (!offered)
		return false;
	if (keep_ec_tables(&crt->pk) == 0 && mbedtls_pk_get_type(own) == MBEDTLS_PK_ECDSA)
		copy_base_table(&mbedtls_pk_ec(crt->pk)->grp, &mbedtls_pk_ec(*own)->grp);
	return true;
}

/* As common/tls.c verify_cb: the CRL's signature is checked once when it is
 * loaded, not by mbedTLS on every handshake; each handshake only looks the
 * peer's serial up in it. */
static int verify_cb(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct peer *p = arg;
	if (p->has_crl && mbedtls_x509_crt_is_revoked(crt, &p->crl))
		*flags |= MBEDTLS_X509_BADCERT_REVOKED;
	if (depth == 0 && !ready_peer_key(&p->key, crt))
		*flags |= MBEDTLS_X509_BADCERT_BAD_KEY;
	return 0;
}

static int peer_init(struct peer *p, int endpoint, const char *ca, const char *cert,
		     const char *key, const char *crl)
{
	int ret;
	memset(p, 0, sizeof(*p));
	mbedtls_ssl_config_init(&p->conf);
	mbedtls_x509_crt_init(&p->ca);
	mbedtls_x509_crt_init(&p->cert);
	mbedtls_x509_crl_init(&p->crl);
	mbedtls_pk_init(&p->key);
	mbedtls_ssl_ticket_init(&p->ticket);
	if ((ret = mbedtls_x509_crt_parse_file(&p->ca, ca)) != 0) {
		tls_err(ca, ret);
		return -1;
	}
	if ((ret = mbedtls_x509_crt_parse_file(&p->cert, cert)) != 0) {
		tls_err(cert, ret);
		return -1;
	}
	if ((ret = mbedtls_pk_parse_keyfile(&p->key, key, NULL)) != 0) {
		tls_err(key, ret);
		return -1;
	}
	ret = keep_ec_tables(&p->key);
	for (mbedtls_x509_crt *c = &p->ca; ret == 0 && c != NULL && c->raw.p != NULL; c = c->next)
		ret = keep_ec_tables(&c->pk);
	if (ret != 0) {
		tls_err("ECDSA key copy", ret);
		return -1;
	}
	if (crl != NULL) {
		if ((ret = mbedtls_x509_crl_parse_file(&p->crl, crl)) != 0) {
			tls_err(crl, ret);
			return -1;
		}
		p->has_crl = true;
	}
	ret = mbedtls_ssl_config_defaults(&p->conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
					  MBEDTLS_SSL_PRESET_DEFAULT);
	if (ret != 0) {
		tls_err("ssl_config_defaults", ret);
		return -1;
	}
	mbedtls_ssl_conf_min_version(&p->conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(&p->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_rng(&p->conf, mbedtls_ctr_drbg_random, &drbg);
	mbedtls_ssl_conf_ca_chain(&p->conf, &p->ca, NULL);
	mbedtls_ssl_conf_verify(&p->conf, verify_cb, p);
	if ((ret = mbedtls_ssl_conf_own_cert(&p->conf, &p->cert, &p->key)) != 0) {
		tls_err("conf_own_cert", ret);
		return -1;
	}
	mbedtls_ssl_conf_ciphersuites(&p->conf, suites);
	mbedtls_ssl_conf_curves(&p->conf, groups);
	mbedtls_ssl_conf_sig_hashes(&p->conf, sig_hashes);
	mbedtls_ssl_conf_alpn_protocols(&p->conf, alpn);
	mbedtls_ssl_conf_renegotiation(&p->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	if (endpoint == MBEDTLS_SSL_IS_SERVER) {
		/* tlsvpn's server issues a ticket on every full handshake. */
		ret = mbedtls_ssl_ticket_setup(&p->ticket, mbedtls_ctr_drbg_random, &drbg,
					       MBEDTLS_CIPHER_AES_256_GCM, 6 * 3600);
		if (ret != 0) {
			tls_err("ticket_setup", ret);
			return -1;
		}
		p->has_ticket = true;
		mbedtls_ssl_conf_session_tickets_cb(&p->conf, mbedtls_ssl_ticket_write,
						    mbedtls_ssl_ticket_parse, &p->ticket);
	}
	return 0;
}

static void peer_free(struct peer *p)
{
	mbedtls_ssl_config_free(&p->conf);
	mbedtls_x509_crt_free(&p->ca);
	mbedtls_x509_crt_free(&p->cert);
	mbedtls_x509_crl_free(&p->crl);
	mbedtls_pk_free(&p->key);
	mbedtls_ssl_ticket_free(&p->ticket);
}

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	if (colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	char *end;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

/* --- client connections (handshakes and idle modes) ------------------------ */

enum cstate { C_FREE, C_CONNECTING, C_HANDSHAKE, C_HELLO, C_WAIT_CONFIG, C_IDLE, C_DEAD };

struct conn {
	enum cstate st;
	mbedtls_net_context net;
	mbedtls_ssl_context ssl;
	bool ssl_ready;
	double started;
	size_t rxlen;
	uint8_t rx[RXBUF];
	size_t txoff, txlen;
	uint8_t tx[256];
};

static struct conn *conns;
static struct pollfd *pfds;

static int conn_open(struct conn *c, const struct sockaddr_in *sa, mbedtls_ssl_config *conf)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		perror("bench-tls: socket");
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0 && errno != EINPROGRESS) {
		close(fd);
		return -1;
	}
	c->net.fd = fd;
	if (!c->ssl_ready) {
		mbedtls_ssl_init(&c->ssl);
		if (mbedtls_ssl_setup(&c->ssl, conf) != 0) {
			close(fd);
			return -1;
		}
		c->ssl_ready = true;
	} else {
		/* A fresh session: nothing to resume, so a full handshake. */
		mbedtls_ssl_session_reset(&c->ssl);
	}
	mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, mbedtls_net_recv, NULL);
	c->st = C_CONNECTING;
	c->started = now(CLOCK_MONOTONIC);
	c->rxlen = 0;
	c->txoff = c->txlen = 0;
	return 0;
}

static void conn_close(struct conn *c)
{
	if (c->net.fd >= 0)
		close(c->net.fd);
	c->net.fd = -1;
	c->st = C_FREE;
}

/* Closes and frees the n connections and their poll slots. */
static void conns_free(unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		conn_close(&conns[i]);
		if (conns[i].ssl_ready)
			mbedtls_ssl_free(&conns[i].ssl);
	}
	free(conns);
	free(pfds);
}

/* The first frame: a control message "hello" (PROTOCOL.md 4.2). */
static void queue_hello(struct conn *c)
{
	static const char json[] =
	    "{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"software\":\"bench-tls\","
	    "\"features\":[]}";
	size_t plen = 1 + sizeof(json) - 1;
	c->tx[0] = (uint8_t)(plen >> 8);
	c->tx[1] = (uint8_t)plen;
	c->tx[2] = 0x01;
	memcpy(c->tx + 3, json, sizeof(json) - 1);
	c->txlen = 2 + plen;
	c->txoff = 0;
}

/* Looks through whole frames received so far: 1 config seen, -1 bye or a
 * broken stream, 0 need more. Frames are consumed. */
static int scan_frames(struct conn *c)
{
	for (;;) {
		if (c->rxlen < 2)
			return 0;
		size_t flen = (size_t)c->rx[0] << 8 | c->rx[1];
		if (flen == 0 || flen + 2 > sizeof(c->rx))
			return -1;
		if (c->rxlen < flen + 2)
			return 0;
		int r = 0;
		if (c->rx[2] == 0x01) {
			if (memmem(c->rx + 3, flen - 1, "\"config\"", 8) != NULL)
				r = 1;
			else if (memmem(c->rx + 3, flen - 1, "\"bye\"", 5) != NULL) {
				fprintf(stderr, "bench-tls: server said %.*s\n", (int)flen - 1,
					(const char *)c->rx + 3);
				r = -1;
			}
		}
		memmove(c->rx, c->rx + flen + 2, c->rxlen - flen - 2);
		c->rxlen -= flen + 2;
		if (r != 0)
			return r;
	}
}

/* Reads whatever is there; -1 on close or error. */
static int drain(struct conn *c)
{
	for (;;) {
		if (c->rxlen == sizeof(c->rx))
			c->rxlen = 0; /* idle: content no longer matters */
		int r = mbedtls_ssl_read(&c->ssl, c->rx + c->rxlen, sizeof(c->rx) - c->rxlen);
		if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
			return 0;
		if (r <= 0)
			return -1;
		c->rxlen += (size_t)r;
	}
}

/* Advances one connection; returns 1 when it reached its goal (handshake done,
 * or config received), -1 on failure, 0 to wait. */
static int conn_step(struct conn *c, short revents, bool want_config)
{
	int r;
	switch (c->st) {
	case C_CONNECTING: {
		if (!(revents & (POLLOUT | POLLERR | POLLHUP)))
			return 0;
		int err = 0;
		socklen_t sl = sizeof(err);
		getsockopt(c->net.fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err != 0)
			return -1;
		c->st = C_HANDSHAKE;
	}
	/* fall through */
	case C_HANDSHAKE:
		r = mbedtls_ssl_handshake(&c->ssl);
		if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
			return 0;
		if (r != 0) {
			static int logged;
			if (logged++ < 5)
				tls_err("handshake", r);
			return -1;
		}
		if (!want_config)
			return 1;
		queue_hello(c);
		c->st = C_HELLO;
	/* fall through */
	case C_HELLO:
		while (c->txoff < c->txlen) {
			r = mbedtls_ssl_write(&c->ssl, c->tx + c->txoff, c->txlen - c->txoff);
			if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
				return 0;
			if (r <= 0)
				return -1;
			c->txoff += (size_t)r;
		}
		c->st = C_WAIT_CONFIG;
	/* fall through */
	case C_WAIT_CONFIG:
		if (drain(c) < 0)
			return -1;
		r = scan_frames(c);
		if (r != 0)
			return r;
		return 0;
	case C_IDLE:
		return drain(c) < 0 ? -1 : 0;
	default:
		return 0;
	}
}

static short want_events(const struct conn *c)
{
	if (c->st == C_CONNECTING)
		return POLLOUT;
	if (c->st == C_FREE || c->st == C_DEAD)
		return 0;
	return POLLIN;
}

static int run_handshakes(const struct opts *o)
{
	struct sockaddr_in sa;
	struct peer p;
	if (parse_addr(o->connect, &sa) != 0) {
		fprintf(stderr, "bench-tls: bad --connect %s\n", o->connect);
		return 2;
	}
	if (peer_init(&p, MBEDTLS_SSL_IS_CLIENT, o->ca, o->cert, o->key, NULL) != 0)
		return 1;
	/* Never resume: a session is never set, and tickets are not asked for.
	 * The generator skips checking the server's chain (two ECDSA
	 * verifications) so that on a small machine it can outrun the server;
	 * the server's side of the handshake is unchanged. */
	mbedtls_ssl_conf_session_tickets(&p.conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
	mbedtls_ssl_conf_authmode(&p.conf, MBEDTLS_SSL_VERIFY_NONE);
	unsigned n = o->conc;
	conns = calloc(n, sizeof(*conns));
	pfds = calloc(n, sizeof(*pfds));
	if (conns == NULL || pfds == NULL)
		return 1;
	for (unsigned i = 0; i < n; i++)
		conns[i].net.fd = -1;
	unsigned long done = 0, errors = 0, started = 0;
	char suite[80] = "";
	double t0 = now(CLOCK_MONOTONIC), end = t0 + o->seconds;
	while (!stop) {
		double t = now(CLOCK_MONOTONIC);
		if (t >= end || done >= o->max)
			break;
		for (unsigned i = 0; i < n; i++) {
			struct conn *c = &conns[i];
			if (c->st == C_FREE && started < o->max) {
				if (conn_open(c, &sa, &p.conf) != 0) {
					errors++;
					continue;
				}
				started++;
			} else if (c->st != C_FREE && t - c->started > CONN_TIMEOUT) {
				errors++;
				conn_close(c);
			}
			pfds[i].fd = c->net.fd;
			pfds[i].events = want_events(c);
			pfds[i].revents = 0;
		}
		if (poll(pfds, n, 50) < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; i < n; i++) {
			struct conn *c = &conns[i];
			if (c->st == C_FREE || pfds[i].revents == 0)
				continue;
			int r = conn_step(c, pfds[i].revents, false);
			if (r == 0)
				continue;
			if (r > 0) {
				done++;
				if (suite[0] == '\0')
					snprintf(suite, sizeof(suite), "%s",
						 mbedtls_ssl_get_ciphersuite(&c->ssl));
				mbedtls_ssl_close_notify(&c->ssl);
			} else {
				errors++;
			}
			conn_close(c);
		}
	}
	double el = now(CLOCK_MONOTONIC) - t0;
	printf("handshakes=%lu errors=%lu seconds=%.3f rate=%.1f suite=%s\n", done, errors, el,
	       el > 0 ? (double)done / el : 0.0, suite[0] ? suite : "none");
	conns_free(n);
	peer_free(&p);
	return 0;
}

static int run_idle(const struct opts *o)
{
	struct sockaddr_in sa;
	if (parse_addr(o->connect, &sa) != 0) {
		fprintf(stderr, "bench-tls: bad --connect %s\n", o->connect);
		return 2;
	}
	unsigned n = o->n;
	struct peer *peers = calloc(n, sizeof(*peers));
	conns = calloc(n, sizeof(*conns));
	pfds = calloc(n, sizeof(*pfds));
	if (peers == NULL || conns == NULL || pfds == NULL)
		return 1;
	/* One configuration per client: mbedTLS 2.28 binds the client's own
	 * certificate to the config, and every client has its own. */
	for (unsigned i = 0; i < n; i++) {
		char crt[4096], key[4096];
		snprintf(crt, sizeof(crt), "%s/c%u.crt", o->certs, i);
		snprintf(key, sizeof(key), "%s/c%u.key", o->certs, i);
		if (peer_init(&peers[i], MBEDTLS_SSL_IS_CLIENT, o->ca, crt, key, NULL) != 0)
			return 1;
		mbedtls_ssl_conf_session_tickets(&peers[i].conf,
						 MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
		conns[i].net.fd = -1;
	}
	unsigned next = 0, inflight = 0, ready = 0, failed = 0;
	double t0 = now(CLOCK_MONOTONIC), end = t0 + o->seconds;
	bool reported = false;
	double hold_end = 0;
	while (!stop) {
		double t = now(CLOCK_MONOTONIC);
		if (!reported && (t >= end || ready + failed == n)) {
			printf("ready=%u failed=%u seconds=%.3f\n", ready, failed, t - t0);
			fflush(stdout);
			reported = true;
			hold_end = t + o->hold;
		}
		if (reported && t >= hold_end)
			break;
		while (!reported && next < n && inflight < o->conc) {
			if (conn_open(&conns[next], &sa, &peers[next].conf) != 0) {
				failed++;
				conns[next].st = C_DEAD;
			} else {
				inflight++;
			}
			next++;
		}
		for (unsigned i = 0; i < next; i++) {
			struct conn *c = &conns[i];
			if (c->st != C_IDLE && c->st != C_DEAD && t - c->started > CONN_TIMEOUT) {
				failed++;
				inflight--;
				conn_close(c);
				c->st = C_DEAD;
			}
			pfds[i].fd = c->net.fd;
			pfds[i].events = want_events(c);
			pfds[i].revents = 0;
		}
		if (poll(pfds, next, 100) < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; i < next; i++) {
			struct conn *c = &conns[i];
			if (pfds[i].revents == 0 || c->st == C_DEAD)
				continue;
			int r = conn_step(c, pfds[i].revents, true);
			if (r > 0) {
				c->st = C_IDLE;
				ready++;
				inflight--;
			} else if (r < 0) {
				if (c->st == C_IDLE) {
					ready--;
					fprintf(stderr, "bench-tls: idle client %u lost\n", i);
				} else {
					inflight--;
				}
				failed++;
				conn_close(c);
				c->st = C_DEAD;
			}
		}
	}
	if (!reported)
		printf("ready=%u failed=%u seconds=%.3f\n", ready, failed,
		       now(CLOCK_MONOTONIC) - t0);
	fflush(stdout);
	for (unsigned i = 0; i < n; i++) {
		conn_close(&conns[i]);
		if (conns[i].ssl_ready)
			mbedtls_ssl_free(&conns[i].ssl);
		peer_free(&peers[i]);
	}
	free(peers);
	free(conns);
	free(pfds);
	return 0;
}

/* --- the bare loop ---------------------------------------------------------- */

static int run_bare(const struct opts *o)
{
	struct peer srv, cli;
	if (peer_init(&srv, MBEDTLS_SSL_IS_SERVER, o->ca, o->srv_cert, o->srv_key, o->crl) != 0 ||
	    peer_init(&cli, MBEDTLS_SSL_IS_CLIENT, o->ca, o->cert, o->key, NULL) != 0)
		return 1;
	mbedtls_ssl_conf_session_tickets(&cli.conf, MBEDTLS_SSL_SESSION_TICKETS_DISABLED);
	mbedtls_ssl_context s, c;
	mbedtls_ssl_init(&s);
	mbedtls_ssl_init(&c);
	if (mbedtls_ssl_setup(&s, &srv.conf) != 0 || mbedtls_ssl_setup(&c, &cli.conf) != 0)
		return 1;
	unsigned long done = 0;
	double srv_cpu = 0, t0 = now(CLOCK_MONOTONIC), cpu0 = now(CLOCK_THREAD_CPUTIME_ID);
	char suite[80] = "none";
	while (!stop && now(CLOCK_MONOTONIC) - t0 < o->seconds && done < o->max) {
		int sv[2];
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
			return 1;
		mbedtls_net_context ns = {.fd = sv[0]}, nc = {.fd = sv[1]};
		mbedtls_ssl_session_reset(&s);
		mbedtls_ssl_session_reset(&c);
		mbedtls_ssl_set_bio(&s, &ns, mbedtls_net_send, mbedtls_net_recv, NULL);
		mbedtls_ssl_set_bio(&c, &nc, mbedtls_net_send, mbedtls_net_recv, NULL);
		bool sdone = false, cdone = false;
		while (!sdone || !cdone) {
			if (!cdone) {
				int r = mbedtls_ssl_handshake(&c);
				if (r == 0)
					cdone = true;
				else if (r != MBEDTLS_ERR_SSL_WANT_READ &&
					 r != MBEDTLS_ERR_SSL_WANT_WRITE) {
					tls_err("bare client handshake", r);
					return 1;
				}
			}
			if (!sdone) {
				double a = now(CLOCK_THREAD_CPUTIME_ID);
				int r = mbedtls_ssl_handshake(&s);
				srv_cpu += now(CLOCK_THREAD_CPUTIME_ID) - a;
				if (r == 0)
					sdone = true;
				else if (r != MBEDTLS_ERR_SSL_WANT_READ &&
					 r != MBEDTLS_ERR_SSL_WANT_WRITE) {
					tls_err("bare server handshake", r);
					return 1;
				}
			}
		}
		if (done == 0)
			snprintf(suite, sizeof(suite), "%s", mbedtls_ssl_get_ciphersuite(&s));
		done++;
		close(sv[0]);
		close(sv[1]);
	}
	double wall = now(CLOCK_MONOTONIC) - t0, cpu = now(CLOCK_THREAD_CPUTIME_ID) - cpu0;
	printf("handshakes=%lu seconds=%.3f server_cpu=%.3f client_cpu=%.3f server_rate=%.1f "
	       "server_ms=%.3f suite=%s\n",
	       done, wall, srv_cpu, cpu - srv_cpu, srv_cpu > 0 ? (double)done / srv_cpu : 0.0,
	       done ? srv_cpu * 1000 / (double)done : 0.0, suite);
	mbedtls_ssl_free(&s);
	mbedtls_ssl_free(&c);
	peer_free(&srv);
	peer_free(&cli);
	return 0;
}

/* --- the bare server -------------------------------------------------------- */

/*
 * mbedTLS alone as a server on real sockets: one thread polls the listening
 * socket and up to --conc connections, steps each handshake as its bytes
 * arrive and closes the connection once it completes. What tlsvpn-server
 * does for a handshake, minus everything of its own (libevent, logs, limits,
 * sessions), so the same load generator against both compares like with like.
 */
static int run_bare_server(const struct opts *o)
{
	struct sockaddr_in sa;
	struct peer srv;
	if (parse_addr(o->listen, &sa) != 0) {
		fprintf(stderr, "bench-tls: bad --listen %s\n", o->listen);
		return 2;
	}
	if (peer_init(&srv, MBEDTLS_SSL_IS_SERVER, o->ca, o->srv_cert, o->srv_key, o->crl) != 0)
		return 1;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(lfd, (const struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(lfd, 512) != 0) {
		perror("bench-tls: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	unsigned n = o->conc;
	conns = calloc(n, sizeof(*conns));
	pfds = calloc(n + 1, sizeof(*pfds));
	if (conns == NULL || pfds == NULL)
		return 1;
	for (unsigned i = 0; i < n; i++)
		conns[i].net.fd = -1;
	unsigned long done = 0, errors = 0;
	double t0 = 0, cpu0 = 0, t1 = 0, cpu1 = 0;
	double end = now(CLOCK_MONOTONIC) + o->seconds;
	while (!stop && now(CLOCK_MONOTONIC) < end) {
		unsigned used = 0;
		for (unsigned i = 0; i < n; i++) {
			pfds[i].fd = conns[i].net.fd;
			pfds[i].events = POLLIN;
			pfds[i].revents = 0;
			used += conns[i].st != C_FREE;
		}
		pfds[n].fd = used < n ? lfd : -1;
		pfds[n].events = POLLIN;
		pfds[n].revents = 0;
		if (poll(pfds, n + 1, 50) < 0 && errno != EINTR)
			break;
		for (unsigned i = 0; i < n; i++) {
			struct conn *c = &conns[i];
			if (c->st == C_FREE || pfds[i].revents == 0)
				continue;
			int r = mbedtls_ssl_handshake(&c->ssl);
			if (r == MBEDTLS_ERR_SSL_WANT_READ || r == MBEDTLS_ERR_SSL_WANT_WRITE)
				continue;
			if (r == 0) {
				done++;
				t1 = now(CLOCK_MONOTONIC);
				cpu1 = now(CLOCK_PROCESS_CPUTIME_ID);
			} else {
				errors++;
			}
			conn_close(c);
		}
		if (!(pfds[n].revents & POLLIN))
			continue;
		for (unsigned i = 0; i < n; i++) {
			struct conn *c = &conns[i];
			if (c->st != C_FREE)
				continue;
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd < 0)
				break;
			if (t0 == 0) {
				t0 = now(CLOCK_MONOTONIC);
				cpu0 = now(CLOCK_PROCESS_CPUTIME_ID);
			}
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			if (!c->ssl_ready) {
				mbedtls_ssl_init(&c->ssl);
				if (mbedtls_ssl_setup(&c->ssl, &srv.conf) != 0) {
					close(fd);
					return 1;
				}
				c->ssl_ready = true;
			} else {
				mbedtls_ssl_session_reset(&c->ssl);
			}
			c->net.fd = fd;
			mbedtls_ssl_set_bio(&c->ssl, &c->net, mbedtls_net_send, mbedtls_net_recv,
					    NULL);
			c->st = C_HANDSHAKE;
		}
	}
	double wall = t1 - t0, cpu = cpu1 - cpu0;
	printf("handshakes=%lu errors=%lu seconds=%.3f rate=%.1f server_ms=%.3f\n", done, errors,
	       wall, wall > 0 ? (double)done / wall : 0.0, done ? cpu * 1000 / (double)done : 0.0);
	conns_free(n);
	peer_free(&srv);
	close(lfd);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench-tls handshakes|idle|bare [options] (see the source)\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.conc = 16, .n = 1000, .max = 1000000, .seconds = 10, .hold = 600};
	if (argc < 2)
		usage();
	o.mode = argv[1];
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i];
		if (i + 1 >= argc)
			usage();
		const char *v = argv[++i];
		if (!strcmp(a, "--connect"))
			o.connect = v;
		else if (!strcmp(a, "--listen"))
			o.listen = v;
		else if (!strcmp(a, "--ca"))
			o.ca = v;
		else if (!strcmp(a, "--cert"))
			o.cert = v;
		else if (!strcmp(a, "--key"))
			o.key = v;
		else if (!strcmp(a, "--srv-cert"))
			o.srv_cert = v;
		else if (!strcmp(a, "--srv-key"))
			o.srv_key = v;
		else if (!strcmp(a, "--crl"))
			o.crl = v;
		else if (!strcmp(a, "--certs"))
			o.certs = v;
		else if (!strcmp(a, "--conc"))
			o.conc = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--n"))
			o.n = (unsigned)strtoul(v, NULL, 10);
		else if (!strcmp(a, "--max"))
			o.max = strtoul(v, NULL, 10);
		else if (!strcmp(a, "--seconds"))
			o.seconds = strtod(v, NULL);
		else if (!strcmp(a, "--hold"))
			o.hold = strtod(v, NULL);
		else
			usage();
	}
	if (o.conc == 0 || o.conc > MAX_CONNS || o.n == 0 || o.n > 65536 || o.seconds <= 0)
		usage();
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	mbedtls_entropy_init(&entropy);
	mbedtls_ctr_drbg_init(&drbg);
	if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
				  (const unsigned char *)"bench-tls", 9) != 0)
		return 1;
	int ret = 2; /* usage() exits; this keeps the compiler sure of it */
	if (!strcmp(o.mode, "handshakes") && o.connect && o.ca && o.cert && o.key)
		ret = run_handshakes(&o);
	else if (!strcmp(o.mode, "idle") && o.connect && o.ca && o.certs)
		ret = run_idle(&o);
	else if (!strcmp(o.mode, "bare") && o.ca && o.cert && o.key && o.srv_cert && o.srv_key)
		ret = run_bare(&o);
	else if (!strcmp(o.mode, "bare-server") && o.listen && o.ca && o.srv_cert && o.srv_key)
		ret = run_bare_server(&o);
	else
		usage();
	mbedtls_ctr_drbg_free(&drbg);
	mbedtls_entropy_free(&entropy);
	return ret;
}
