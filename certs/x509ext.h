/*
 * x509ext: DER for the certificate extensions mbedTLS 2.28 cannot write itself,
 * subjectAltName and extendedKeyUsage, ready for mbedtls_x509write_crt_set_extension.
 *
 * Pure: bytes in, bytes out. The writers fill the END of the caller's buffer (the
 * mbedTLS ASN.1 writer works backwards) and return where the DER starts inside it; the
 * caller owns the buffer and the result points into it.
 */
#ifndef TLSVPN_CERTS_X509EXT_H
#define TLSVPN_CERTS_X509EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define X509EXT_DNS_MAX 253 /* longest DNS name, RFC 1035 */

enum x509ext_san_type { X509EXT_SAN_DNS, X509EXT_SAN_IP };

struct x509ext_san {
	enum x509ext_san_type type;
	char dns[X509EXT_DNS_MAX + 1]; /* X509EXT_SAN_DNS */
	uint8_t ip[16];		       /* X509EXT_SAN_IP: 4 or 16 bytes, network order */
	size_t ip_len;
};

/* Parses one "DNS:name" or "IP:address" (IPv4 or IPv6). Returns 0 or -EINVAL. */
int x509ext_san_parse(const char *spec, struct x509ext_san *out);

/* True when s is a DNS name we are willing to put in a certificate: labels of
 * letters, digits, '-' and '_' (and a leading "*." wildcard), 1..253 characters. */
bool x509ext_dns_valid(const char *s);

/* Writes GeneralNames (the subjectAltName extension value) for sans[0..n-1].
 * Returns 0 and sets *der and *der_len inside buf, or -ENOSPC / -EINVAL. */
int x509ext_write_san(const struct x509ext_san *sans, size_t n, uint8_t *buf, size_t size,
		      const uint8_t **der, size_t *der_len);

/* Writes ExtKeyUsageSyntax holding the one key purpose OID given (raw OID bytes, e.g.
 * MBEDTLS_OID_SERVER_AUTH). Returns 0 and sets *der and *der_len inside buf, or -ENOSPC. */
int x509ext_write_eku(const char *oid, size_t oid_len, uint8_t *buf, size_t size,
		      const uint8_t **der, size_t *der_len);

#endif
