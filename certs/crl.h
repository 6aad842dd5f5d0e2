/*
 * crl: writes an X.509 v2 certificate revocation list (RFC 5280 section 5), which
 * mbedTLS 2.28 cannot: the ASN.1 is built with mbedTLS's writer and signed with the
 * CA key (SHA-256; ECDSA or RSA PKCS#1 v1.5, whichever the key is).
 *
 * The list carries the authorityKeyIdentifier and cRLNumber extensions, and each entry
 * a reasonCode unless the reason is unspecified (RFC 5280 5.3.1 asks for absence then).
 * No I/O: the caller reads the CA and writes the result.
 */
#ifndef TLSVPN_CERTS_CRL_H
#define TLSVPN_CERTS_CRL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <mbedtls/pk.h>

/* CRLReason codes (RFC 5280 5.3.1). certificateHold/removeFromCRL are left out on
 * purpose: tlsvpn-certs never un-revokes. */
enum crl_reason {
	CRL_REASON_UNSPECIFIED = 0,
	CRL_REASON_KEY_COMPROMISE = 1,
	CRL_REASON_CA_COMPROMISE = 2,
	CRL_REASON_AFFILIATION_CHANGED = 3,
	CRL_REASON_SUPERSEDED = 4,
	CRL_REASON_CESSATION_OF_OPERATION = 5,
	CRL_REASON_PRIVILEGE_WITHDRAWN = 9,
};

/* Name <-> code: "keyCompromise" etc. as in RFC 5280. Returns the code or -EINVAL. */
int crl_reason_from_name(const char *name);
/* Returns the RFC name of a supported code, or NULL. */
const char *crl_reason_name(int reason);
/* All supported names, comma-separated, for messages and --help. */
const char *crl_reason_list(void);

#define CRL_SERIAL_MAX 20 /* RFC 5280 4.1.2.2 */

struct crl_entry {
	uint8_t serial[CRL_SERIAL_MAX]; /* big-endian magnitude, positive */
	size_t serial_len;		/* 1..CRL_SERIAL_MAX */
	time_t revoked_at;
	int reason; /* enum crl_reason */
};

struct crl_params {
	const uint8_t *issuer_der; /* the CA's subject Name, DER, tag included (borrowed) */
	size_t issuer_der_len;
	const uint8_t *key_id; /* the CA's subjectKeyIdentifier (borrowed) */
	size_t key_id_len;
	uint64_t number; /* cRLNumber, increasing with every CRL issued */
	time_t this_update, next_update;
	const struct crl_entry *entries; /* borrowed, n_entries long; may be NULL if 0 */
	size_t n_entries;
};

/* Builds and signs the CRL. On success returns 0 and *pem is a NUL-terminated
 * "-----BEGIN X509 CRL-----" block the caller frees with free(). Returns -EINVAL for a
 * bad parameter, -ENOMEM, or -EIO when signing fails. */
int crl_write_pem(const struct crl_params *params, mbedtls_pk_context *ca_key,
		  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, char **pem);

/* The same, DER; *der is malloc'd, *der_len its length. */
int crl_write_der(const struct crl_params *params, mbedtls_pk_context *ca_key,
		  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, uint8_t **der,
		  size_t *der_len);

#endif
