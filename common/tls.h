/*
 * TLS glue shared by server and client: mbedTLS 2.28 configuration (TLS 1.2
 * minimum, ECDHE + AEAD suites only, X25519/P-256/P-384, mutual certificate
 * authentication, ALPN "tlsvpn/1", SNI, session tickets) and one non-blocking
 * TLS connection over a caller-owned socket.
 *
 * Ownership:
 * - A tls_config owns its certificates, key, CRL, RNG and ticket keys. It must
 *   outlive every tls_conn made from it. tls_config_free(NULL) is a no-op.
 * - A tls_conn borrows its config and its fd: tls_conn_free() never closes
 *   the fd. tls_conn_free(NULL) is a no-op.
 * - Strings and certificates returned by tls_conn_* getters are owned by the
 *   connection and valid until tls_conn_free().
 *
 * Return codes of tls_conn_*: 0 or a positive count on success,
 * TLS_WANT_READ / TLS_WANT_WRITE when the socket would block (arm the event and
 * call again), or another negative value: an mbedTLS error code
 * (MBEDTLS_ERR_*) or one of the TLS_ERR_* below. The TLS_* values lie outside
 * every range mbedTLS uses (low-level -0x01..-0x7F, high-level -0x1000 and
 * beyond), so they can be tested directly. tls_strerror() names any of them.
 * tls_config_* functions return 0 or a negative errno, with a message in err.
 *
 * Single-threaded: one config and its connections belong to one event loop.
 */
#ifndef TLSVPN_TLS_H
#define TLSVPN_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/x509_crt.h>

/* The only application protocol either side accepts. */
#define TLS_ALPN "tlsvpn/1"

/* Would block: wait for the fd to be readable / writable, then call again. */
#define TLS_WANT_READ  (-1001)
#define TLS_WANT_WRITE (-1002)
/* Handshake completed at the TLS level but no ALPN "tlsvpn/1" was agreed. */
#define TLS_ERR_NO_ALPN (-1003)
/* Server: a resumed session's client certificate is now revoked or expired. */
#define TLS_ERR_RESUMED_CERT (-1004)
/* Out of memory inside the glue (not inside mbedTLS). */
#define TLS_ERR_ALLOC (-1005)

/* Largest plaintext that one tls_conn_write() call turns into a record. */
#define TLS_MAX_RECORD 16384

struct tls_options {
	/* Paths (server config). The key file must not be group/other accessible. */
	const char *ca_file, *cert_file, *key_file;
	const char *crl_file; /* server only; NULL: no CRL */
	/* Inline PEM (client profile), NUL-terminated; used when the path is NULL.
	 * The caller checks the profile file's mode and wipes key_pem afterwards. */
	const char *ca_pem, *cert_pem, *key_pem;
	/* Client: the name to verify and send as SNI. A DNS name is matched by
	 * mbedTLS against dNSName SANs (or the CN); an IPv4/IPv6 literal is matched
	 * by us against iPAddress SANs only, and no SNI is sent for it (RFC 6066
	 * forbids IP literals in SNI). Required for TLS_CLIENT. */
	const char *server_name;
	/* NULL: the default preference list (ChaCha20-Poly1305, AES-256-GCM,
	 * AES-128-GCM; ECDHE with ECDSA or RSA). Else a 0-terminated list of
	 * MBEDTLS_TLS_* ids, e.g. for the benchmark's AES-256-GCM run. */
	const int *ciphersuites;
};

enum tls_role { TLS_SERVER, TLS_CLIENT };

struct tls_config;
struct tls_conn;

/*
 * Loads CA, certificate, key (and CRL on the server) and builds the mbedTLS
 * configuration. On failure returns -EINVAL (bad file content, cert/key
 * mismatch, missing option), -EACCES (key file mode), -ENOENT/-errno (file
 * unreadable) or -ENOMEM, and writes one line naming the file and the problem
 * into err, e.g. "pki/vpn.crt: cannot parse certificate: X509 - ...". *out is
 * set only on success.
 */
int tls_config_new(enum tls_role role, const struct tls_options *opt, struct tls_config **out,
		   char *err, size_t len);
void tls_config_free(struct tls_config *cfg);

/* Server: re-reads crl_file. On failure the old CRL stays in force. -ENOENT
 * when the config has no crl_file. New handshakes use the new CRL at once;
 * check live sessions with tls_config_cert_revoked(). */
int tls_config_reload_crl(struct tls_config *cfg, char *err, size_t len);

/* The loaded CRL's nextUpdate (UTC). false when no CRL is loaded. An expired
 * CRL keeps being enforced (revoked stays revoked) but no longer blocks
 * everybody else: log it loudly and renew it. */
bool tls_config_crl_next_update(const struct tls_config *cfg, time_t *out);

/* Whether the current CRL lists peer (issued by the CRL's issuer). false when
 * no CRL is loaded or peer is NULL. */
bool tls_config_cert_revoked(const struct tls_config *cfg, const mbedtls_x509_crt *peer);

/*
 * Client session cache: after a successful client handshake, keeps that
 * connection's session (with its ticket) in the config; every later
 * tls_conn_new() on this config offers it, so a reconnect resumes instead of
 * paying a full handshake. Returns 0, or a negative mbedTLS error. No-op (0)
 * for a server config. tls_config_forget_session() drops it (e.g. after the
 * server refused us for a reason a resumption would not fix).
 */
int tls_config_save_session(struct tls_config *cfg, struct tls_conn *conn);
void tls_config_forget_session(struct tls_config *cfg);

/*
 * A TLS connection over fd, which must be a connected, non-blocking stream
 * socket. The caller keeps owning (and closes) fd. Returns 0, TLS_ERR_ALLOC,
 * or a negative mbedTLS error (not an errno: those would collide with
 * mbedTLS's low-level codes). A client connection offers the session saved
 * by tls_config_save_session(), if any.
 */
int tls_conn_new(struct tls_config *cfg, int fd, struct tls_conn **out);
void tls_conn_free(struct tls_conn *conn);

/* Drives the handshake: 0 when done, TLS_WANT_*, or <0 error (then
 * tls_conn_verify_error() says why in plain words). After 0 the connection
 * has checked ALPN, and (server, resumed) re-checked the client certificate
 * against the current CRL and its dates. */
int tls_conn_handshake(struct tls_conn *conn);

/* >0 bytes read, 0 peer closed (close_notify or EOF), TLS_WANT_*, <0 error.
 * One call returns at most one record's plaintext. */
int tls_conn_read(struct tls_conn *conn, uint8_t *buf, size_t len);

/* Bytes accepted (at most TLS_MAX_RECORD per call: loop for more), TLS_WANT_*,
 * or <0 error. mbedTLS rule: after TLS_WANT_*, call again with the SAME buf
 * and len (the record is already sealed and partly sent); the bytes count as
 * accepted only when a later call returns >0. */
int tls_conn_write(struct tls_conn *conn, const uint8_t *buf, size_t len);

/* Sealed bytes still waiting for the socket (arm EV_WRITE while true). */
bool tls_conn_write_pending(const struct tls_conn *conn);

/* Decrypted bytes held inside mbedTLS: read them even if the socket is no
 * longer readable (libevent will not wake you for them). */
size_t tls_conn_bytes_avail(const struct tls_conn *conn);

/* Sends close_notify: 0, TLS_WANT_* (call again), or <0 error. */
int tls_conn_close_notify(struct tls_conn *conn);

/* After a successful handshake. The peer's CN (the identity): NULL when the
 * peer has none or it is longer than 64 bytes or holds bytes outside printable
 * ASCII (a server refuses such a client during the handshake). */
const char *tls_conn_peer_cn(const struct tls_conn *conn);
const mbedtls_x509_crt *tls_conn_peer_cert(const struct tls_conn *conn);
/* e.g. "TLS-ECDHE-ECDSA-WITH-CHACHA20-POLY1305-SHA256", "TLSv1.2"; "unknown"
 * before the handshake. */
const char *tls_conn_ciphersuite(const struct tls_conn *conn);
const char *tls_conn_version(const struct tls_conn *conn);
/* Negotiated ALPN or NULL. */
const char *tls_conn_alpn(const struct tls_conn *conn);
bool tls_conn_resumed(const struct tls_conn *conn);

/*
 * After a failed handshake: the exact check that failed, in plain words, e.g.
 * "server certificate is not valid for name vpn.example.com", "certificate
 * lacks extendedKeyUsage serverAuth", "certificate not signed by the trusted
 * CA", "certificate expired", "certificate revoked", "peer sent no
 * certificate", "peer did not offer ALPN tlsvpn/1". Falls back to the mbedTLS
 * error text. Writes into buf (always NUL-terminated) and returns buf.
 */
const char *tls_conn_verify_error(const struct tls_conn *conn, char *buf, size_t len);

/* Names any tls_conn_* return code (mbedTLS or TLS_*). */
void tls_strerror(int err, char *buf, size_t len);

#endif
