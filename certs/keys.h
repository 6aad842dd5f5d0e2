/*
 * keys: randomness and key pairs for tlsvpn-certs.
 *
 * The DRBG is mbedTLS's CTR_DRBG seeded (and reseeded) from /dev/urandom only, so the
 * tool's randomness has one source that is easy to audit. Key material handed out as
 * PEM is owned by the caller and must be released with keys_pem_free, which wipes it.
 */
#ifndef TLSVPN_CERTS_KEYS_H
#define TLSVPN_CERTS_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>

struct keys_rng {
	mbedtls_ctr_drbg_context drbg;
	int urandom_fd;
};

/* Opens /dev/urandom and seeds the DRBG. Returns 0 or a negative errno. */
int keys_rng_init(struct keys_rng *rng);
/* Releases what keys_rng_init acquired; safe on a zeroed or already freed struct. */
void keys_rng_free(struct keys_rng *rng);
/* mbedTLS-style f_rng: p_rng is a struct keys_rng *. */
int keys_rng_random(void *p_rng, unsigned char *out, size_t len);

enum keys_type { KEYS_EC_P256, KEYS_RSA_3072 };

/* Parses "ec" or "rsa". Returns 0 or -EINVAL. */
int keys_type_parse(const char *s, enum keys_type *out);

/* Generates a key pair into pk (initialised by the caller with mbedtls_pk_init). */
int keys_generate(mbedtls_pk_context *pk, enum keys_type type, struct keys_rng *rng);

/* The key's identifier as mbedTLS writes subjectKeyIdentifier: SHA-1 of the
 * subjectPublicKey bits (RFC 5280 4.2.1.2 method 1). id must hold 20 bytes. */
int keys_key_id(mbedtls_pk_context *pk, uint8_t id[20]);

/* Writes the private key as PEM ("EC PRIVATE KEY" / "RSA PRIVATE KEY"); *pem is
 * NUL-terminated, to be released with keys_pem_free. */
int keys_write_pem(mbedtls_pk_context *pk, char **pem);

/* Wipes and frees a PEM buffer from keys_write_pem; keys_pem_free(NULL) is a no-op. */
void keys_pem_free(char *pem);

#endif
