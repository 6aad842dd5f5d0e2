/*
 * issue: writes one X.509 v3 certificate (PEM) for the CA, a server or a client.
 *
 * What each kind carries (RFC 5280 profile; SHA-256 signature; the serial given):
 *   CA:     basicConstraints CA:TRUE (critical), keyUsage keyCertSign+cRLSign,
 *           subject key identifier; self-signed.
 *   server: basicConstraints CA:FALSE, keyUsage digitalSignature (+keyEncipherment for
 *           RSA), extendedKeyUsage serverAuth, subjectAltName, SKI and AKI.
 *   client: the same with clientAuth and no subjectAltName.
 * The request borrows every pointer; the PEM returned is the caller's to free().
 */
#ifndef TLSVPN_CERTS_ISSUE_H
#define TLSVPN_CERTS_ISSUE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "keys.h"
#include "x509ext.h"

#define ISSUE_SERIAL_LEN 16 /* 128 random bits */
#define ISSUE_CN_MAX	 64 /* ub-common-name, RFC 5280 appendix A */

enum issue_kind { ISSUE_CA, ISSUE_SERVER, ISSUE_CLIENT };

struct issue_request {
	enum issue_kind kind;
	const char *cn; /* subject commonName; see issue_cn_valid */
	time_t not_before, not_after;
	const struct x509ext_san *sans; /* ISSUE_SERVER only */
	size_t n_sans;
	uint8_t serial[ISSUE_SERIAL_LEN];
	mbedtls_pk_context *subject_key;
	mbedtls_pk_context *issuer_key;	     /* == subject_key for ISSUE_CA */
	const mbedtls_x509_crt *issuer_cert; /* NULL for ISSUE_CA */
};

/* True for a commonName we can round-trip through mbedTLS's DN string syntax:
 * 1..64 printable ASCII characters without , + = " \ < > ; # */
bool issue_cn_valid(const char *cn);

/* Fills serial with 128 random bits, never all zero. */
int issue_random_serial(uint8_t serial[ISSUE_SERIAL_LEN], struct keys_rng *rng);

/* Writes the certificate. Returns 0 and sets *pem (NUL-terminated, free() it), or
 * -EINVAL for a bad request, -ENOMEM, -EIO when mbedTLS fails. */
int issue_cert_pem(const struct issue_request *req, struct keys_rng *rng, char **pem);

#endif
