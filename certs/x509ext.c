#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <mbedtls/asn1write.h>

#include "x509ext.h"

/* GeneralName CHOICE tags (RFC 5280 4.2.1.6), implicitly tagged primitives. */
#define GN_DNS_NAME (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2)
#define GN_IP_ADDR  (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 7)

static bool label_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_';
}

bool x509ext_dns_valid(const char *s)
{
	size_t len = strlen(s), label = 0;

	if (len == 0 || len > X509EXT_DNS_MAX)
		return false;
	if (strncmp(s, "*.", 2) == 0)
		s += 2;
	for (; *s != '\0'; s++) {
		if (*s == '.') {
			if (label == 0)
				return false;
			label = 0;
		} else if (label_char(*s) && label < 63) {
			label++;
		} else {
			return false;
		}
	}
	return label != 0;
}

int x509ext_san_parse(const char *spec, struct x509ext_san *out)
{
	memset(out, 0, sizeof(*out));
	if (strncmp(spec, "DNS:", 4) == 0) {
		if (!x509ext_dns_valid(spec + 4))
			return -EINVAL;
		out->type = X509EXT_SAN_DNS;
		memcpy(out->dns, spec + 4, strlen(spec + 4) + 1);
		return 0;
	}
	if (strncmp(spec, "IP:", 3) == 0) {
		out->type = X509EXT_SAN_IP;
		if (inet_pton(AF_INET, spec + 3, out->ip) == 1) {
			out->ip_len = 4;
			return 0;
		}
		if (inet_pton(AF_INET6, spec + 3, out->ip) == 1) {
			out->ip_len = 16;
			return 0;
		}
	}
	return -EINVAL;
}

/* mbedTLS returns a negative length on failure; fold every failure into one code so the
 * caller reports a size problem rather than an mbedTLS number. */
#define CHK(len, call)                                                                             \
	do {                                                                                       \
		int r_ = (call);                                                                   \
		if (r_ < 0)                                                                        \
			return -ENOSPC;                                                            \
		(len) += (size_t)r_;                                                               \
	} while (0)

int x509ext_write_san(const struct x509ext_san *sans, size_t n, uint8_t *buf, size_t size,
		      const uint8_t **der, size_t *der_len)
{
	unsigned char *p = buf + size;
	size_t len = 0;

	if (n == 0)
		return -EINVAL;
	/* Backwards, so the names come out in the order given. */
	for (size_t i = n; i-- > 0;) {
		const struct x509ext_san *s = &sans[i];
		size_t one = 0;

		if (s->type == X509EXT_SAN_DNS) {
			CHK(one, mbedtls_asn1_write_raw_buffer(
				     &p, buf, (const unsigned char *)s->dns, strlen(s->dns)));
		} else if (s->ip_len == 4 || s->ip_len == 16) {
			CHK(one, mbedtls_asn1_write_raw_buffer(&p, buf, s->ip, s->ip_len));
		} else {
			return -EINVAL;
		}
		CHK(one, mbedtls_asn1_write_len(&p, buf, one));
		CHK(one, mbedtls_asn1_write_tag(
			     &p, buf, s->type == X509EXT_SAN_DNS ? GN_DNS_NAME : GN_IP_ADDR));
		len += one;
	}
	CHK(len, mbedtls_asn1_write_len(&p, buf, len));
	CHK(len, mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*der = p;
	*der_len = len;
	return 0;
}

int x509ext_write_eku(const char *oid, size_t oid_len, uint8_t *buf, size_t size,
		      const uint8_t **der, size_t *der_len)
{
	unsigned char *p = buf + size;
	size_t len = 0;

	CHK(len, mbedtls_asn1_write_oid(&p, buf, oid, oid_len));
	CHK(len, mbedtls_asn1_write_len(&p, buf, len));
	CHK(len, mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	*der = p;
	*der_len = len;
	return 0;
}
