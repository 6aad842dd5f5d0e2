/*
 * The insides of struct tls_config and struct tls_conn, shared by the files
 * that make up the TLS glue (tls.c, tls-explain.c) and by nothing else.
 */
#ifndef TLSVPN_TLS_PRIVATE_H
#define TLSVPN_TLS_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "tls.h"

#define TLS_MAX_SUITES 16
#define TLS_MAX_CN     64

struct tls_config {
	enum tls_role role;
	mbedtls_ssl_config conf;
	mbedtls_ctr_drbg_context drbg;
	mbedtls_x509_crt ca;
	mbedtls_x509_crt cert;
	mbedtls_pk_context key;
	mbedtls_x509_crl *crl; /* NULL: none; swapped whole on reload */
	char *crl_file;
	mbedtls_ssl_ticket_context ticket;
	int suites[TLS_MAX_SUITES + 1];
	const char *alpn[2];
	/* client */
	char *server_name;
	bool server_is_ip;
	unsigned char server_ip[16];
	size_t server_ip_len;
	mbedtls_ssl_session session;
	bool have_session;
};

struct tls_conn {
	struct tls_config *cfg;
	mbedtls_ssl_context ssl;
	int fd;
	int sys_errno;	/* errno of the last failed send/recv */
	int hs_err;	/* what the failed handshake returned */
	int last_err;	/* the last failure of read/write/close_notify */
	uint32_t flags; /* verification flags after our callback */
	bool verified;	/* the verify callback ran: a full handshake */
	bool established;
	bool resumed;
	const char *reason; /* our own refusal, when we set BADCERT_OTHER */
	char peer_cn[TLS_MAX_CN + 1];
	bool have_cn;
};

/*
 * Verify callback, depth 0: types an EC peer key ECDSA and lends it our key's
 * base-point table for its one signature check (tls.c says why). False for a
 * curve we do not offer. Exposed for the unit tests.
 */
bool tls_ready_peer_key(const struct tls_config *cfg, mbedtls_x509_crt *crt);

/* Frees a group's table of base-point multiples, as if never built. */
void tls_drop_base_table(mbedtls_ecp_group *grp);

#endif
