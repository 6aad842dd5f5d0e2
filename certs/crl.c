#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/sha256.h>

#include "crl.h"
#include "timestamp.h"

/* id-ce-cRLReasons (2.5.29.21); mbedTLS 2.28 has no name for it. */
#define OID_CRL_REASON MBEDTLS_OID_ID_CE "\x15"

static const struct {
	int code;
	const char *name;
} reasons[] = {
    {CRL_REASON_UNSPECIFIED, "unspecified"},
    {CRL_REASON_KEY_COMPROMISE, "keyCompromise"},
    {CRL_REASON_CA_COMPROMISE, "cACompromise"},
    {CRL_REASON_AFFILIATION_CHANGED, "affiliationChanged"},
    {CRL_REASON_SUPERSEDED, "superseded"},
    {CRL_REASON_CESSATION_OF_OPERATION, "cessationOfOperation"},
    {CRL_REASON_PRIVILEGE_WITHDRAWN, "privilegeWithdrawn"},
};

int crl_reason_from_name(const char *name)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strcmp(name, reasons[i].name) == 0)
			return reasons[i].code;
	return -EINVAL;
}

const char *crl_reason_name(int reason)
{
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (reasons[i].code == reason)
			return reasons[i].name;
	return NULL;
}

const char *crl_reason_list(void)
{
	return "unspecified, keyCompromise, cACompromise, affiliationChanged, superseded, "
	       "cessationOfOperation, privilegeWithdrawn";
}

/* Every mbedTLS writer failure here means the buffer we sized was too small. */
#define CHK(len, call)                                                                             \
	do {                                                                                       \
		int r_ = (call);                                                                   \
		if (r_ < 0)                                                                        \
			return -ENOSPC;                                                            \
		(len) += (size_t)r_;                                                               \
	} while (0)

/* RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
static int write_time(unsigned char **p, unsigned char *start, time_t t)
{
	char ts[TIMESTAMP_LEN + 2];
	size_t len = 0;

	if (timestamp_format(t, ts) < 0)
		return -EINVAL;
	ts[TIMESTAMP_LEN] = 'Z';
	ts[TIMESTAMP_LEN + 1] = '\0';
	if (strncmp(ts, "2050", 4) < 0 && strncmp(ts, "1950", 4) >= 0)
		CHK(len, mbedtls_asn1_write_tagged_string(p, start, MBEDTLS_ASN1_UTC_TIME, ts + 2,
							  TIMESTAMP_LEN - 1));
	else
		CHK(len, mbedtls_asn1_write_tagged_string(p, start, MBEDTLS_ASN1_GENERALIZED_TIME,
							  ts, TIMESTAMP_LEN + 1));
	return (int)len;
}

/* A positive INTEGER from a big-endian magnitude: leading zeros dropped, a zero byte
 * prepended when the top bit is set so the value stays positive. */
static int write_uint(unsigned char **p, unsigned char *start, const uint8_t *v, size_t n)
{
	size_t len = 0;

	while (n > 1 && v[0] == 0) {
		v++;
		n--;
	}
	CHK(len, mbedtls_asn1_write_raw_buffer(p, start, v, n));
	if (v[0] & 0x80) {
		if (*p - start < 1)
			return -ENOSPC;
		*--(*p) = 0x00;
		len++;
	}
	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_INTEGER));
	return (int)len;
}

/* Extension ::= SEQUENCE { extnID, critical DEFAULT FALSE, extnValue OCTET STRING }, the
 * value already written just before *p with length value_len. */
static int wrap_extension(unsigned char **p, unsigned char *start, const char *oid, size_t oid_len,
			  size_t value_len)
{
	size_t len = value_len;

	CHK(len, mbedtls_asn1_write_len(p, start, value_len));
	CHK(len, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_OCTET_STRING));
	CHK(len, mbedtls_asn1_write_oid(p, start, oid, oid_len));
	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len,
	    mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
}

static int write_entry(unsigned char **p, unsigned char *start, const struct crl_entry *e)
{
	size_t len = 0;

	if (e->serial_len == 0 || e->serial_len > CRL_SERIAL_MAX)
		return -EINVAL;
	if (e->reason != CRL_REASON_UNSPECIFIED) {
		size_t ext = 0, val = 0;

		if (crl_reason_name(e->reason) == NULL)
			return -EINVAL;
		CHK(val, mbedtls_asn1_write_int(p, start, e->reason));
		(*p)[0] = MBEDTLS_ASN1_ENUMERATED; /* same encoding as INTEGER but the tag */
		CHK(ext, wrap_extension(p, start, OID_CRL_REASON, MBEDTLS_OID_SIZE(OID_CRL_REASON),
					val));
		CHK(ext, mbedtls_asn1_write_len(p, start, ext));
		CHK(ext, mbedtls_asn1_write_tag(p, start,
						MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		len += ext;
	}
	CHK(len, write_time(p, start, e->revoked_at));
	CHK(len, write_uint(p, start, e->serial, e->serial_len));
	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len,
	    mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
}

/* crlExtensions [0] EXPLICIT: authorityKeyIdentifier and cRLNumber, both required of a
 * conforming CA (RFC 5280 5.2.1, 5.2.3). */
static int write_crl_extensions(unsigned char **p, unsigned char *start,
				const struct crl_params *cp)
{
	size_t len = 0, val = 0;
	uint8_t num[8];

	for (size_t i = 0; i < 8; i++)
		num[i] = (uint8_t)(cp->number >> (56 - 8 * i));
	CHK(val, write_uint(p, start, num, sizeof(num)));
	CHK(len, wrap_extension(p, start, MBEDTLS_OID_CRL_NUMBER,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_CRL_NUMBER), val));

	val = 0;
	CHK(val, mbedtls_asn1_write_raw_buffer(p, start, cp->key_id, cp->key_id_len));
	CHK(val, mbedtls_asn1_write_len(p, start, cp->key_id_len));
	CHK(val, mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | 0));
	CHK(val, mbedtls_asn1_write_len(p, start, val));
	CHK(val,
	    mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(len, wrap_extension(p, start, MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER,
				MBEDTLS_OID_SIZE(MBEDTLS_OID_AUTHORITY_KEY_IDENTIFIER), val));

	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len,
	    mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len, mbedtls_asn1_write_tag(
		     p, start, MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_ASN1_CONSTRUCTED | 0));
	return (int)len;
}

/* AlgorithmIdentifier for SHA-256 with the key's algorithm. RFC 5758 3.2: ECDSA has no
 * parameters at all; RFC 4055: RSA has an explicit NULL. */
static int write_sig_alg(unsigned char **p, unsigned char *start, mbedtls_pk_context *key)
{
	mbedtls_pk_type_t type =
	    mbedtls_pk_can_do(key, MBEDTLS_PK_ECDSA) ? MBEDTLS_PK_ECDSA : MBEDTLS_PK_RSA;
	const char *oid;
	size_t oid_len, len = 0;

	if (mbedtls_oid_get_oid_by_sig_alg(type, MBEDTLS_MD_SHA256, &oid, &oid_len) != 0)
		return -EINVAL;
	if (type == MBEDTLS_PK_RSA)
		CHK(len, mbedtls_asn1_write_null(p, start));
	CHK(len, mbedtls_asn1_write_oid(p, start, oid, oid_len));
	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len,
	    mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
}

static int write_tbs(unsigned char **p, unsigned char *start, const struct crl_params *cp,
		     mbedtls_pk_context *key)
{
	size_t len = 0;

	CHK(len, write_crl_extensions(p, start, cp));
	if (cp->n_entries > 0) {
		size_t list = 0;

		for (size_t i = cp->n_entries; i-- > 0;)
			CHK(list, write_entry(p, start, &cp->entries[i]));
		CHK(list, mbedtls_asn1_write_len(p, start, list));
		CHK(list, mbedtls_asn1_write_tag(p, start,
						 MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
		len += list;
	}
	CHK(len, write_time(p, start, cp->next_update));
	CHK(len, write_time(p, start, cp->this_update));
	CHK(len, mbedtls_asn1_write_raw_buffer(p, start, cp->issuer_der, cp->issuer_der_len));
	CHK(len, write_sig_alg(p, start, key));
	CHK(len, mbedtls_asn1_write_int(p, start, 1)); /* v2 */
	CHK(len, mbedtls_asn1_write_len(p, start, len));
	CHK(len,
	    mbedtls_asn1_write_tag(p, start, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
	return (int)len;
}

static bool params_valid(const struct crl_params *cp, mbedtls_pk_context *key)
{
	return cp->issuer_der != NULL && cp->issuer_der_len > 0 && cp->key_id != NULL &&
	       cp->key_id_len > 0 && cp->key_id_len <= 64 && cp->next_update > cp->this_update &&
	       (cp->n_entries == 0 || cp->entries != NULL) &&
	       (mbedtls_pk_can_do(key, MBEDTLS_PK_ECDSA) || mbedtls_pk_can_do(key, MBEDTLS_PK_RSA));
}

int crl_write_der(const struct crl_params *cp, mbedtls_pk_context *key,
		  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, uint8_t **der,
		  size_t *der_len)
{
	unsigned char hash[32], sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
	unsigned char *tbs = NULL, *out = NULL, *p;
	size_t size, sig_len = 0, len = 0;
	int tbs_len, r, ret = -ENOMEM;

	if (!params_valid(cp, key))
		return -EINVAL;
	/* An entry takes under 70 bytes; the rest is a fixed few hundred plus the name. */
	if (cp->n_entries > (SIZE_MAX - 4096 - cp->issuer_der_len) / 96)
		return -EINVAL;
	size = 1024 + cp->issuer_der_len + cp->key_id_len + cp->n_entries * 96;
	tbs = malloc(size);
	out = malloc(size + sizeof(sig) + 64);
	if (tbs == NULL || out == NULL)
		goto out;

	p = tbs + size;
	tbs_len = write_tbs(&p, tbs, cp, key);
	if (tbs_len < 0) {
		ret = tbs_len == -ENOSPC ? -ENOMEM : tbs_len;
		goto out;
	}
	ret = -EIO;
	if (mbedtls_sha256_ret(p, (size_t)tbs_len, hash, 0) != 0 ||
	    mbedtls_pk_sign(key, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sig_len, f_rng,
			    p_rng) != 0)
		goto out;

	size += sizeof(sig) + 64;
	ret = -ENOMEM;
	{
		unsigned char *q = out + size;

		if ((r = mbedtls_asn1_write_bitstring(&q, out, sig, sig_len * 8)) < 0)
			goto out;
		len += (size_t)r;
		if ((r = write_sig_alg(&q, out, key)) < 0)
			goto out;
		len += (size_t)r;
		if ((r = mbedtls_asn1_write_raw_buffer(&q, out, p, (size_t)tbs_len)) < 0)
			goto out;
		len += (size_t)r;
		if ((r = mbedtls_asn1_write_len(&q, out, len)) < 0)
			goto out;
		len += (size_t)r;
		if ((r = mbedtls_asn1_write_tag(
			 &q, out, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) < 0)
			goto out;
		len += (size_t)r;
		memmove(out, q, len);
	}
	*der = out;
	*der_len = len;
	out = NULL;
	ret = 0;
out:
	free(tbs);
	free(out);
	return ret;
}

int crl_write_pem(const struct crl_params *cp, mbedtls_pk_context *key,
		  int (*f_rng)(void *, unsigned char *, size_t), void *p_rng, char **pem)
{
	uint8_t *der = NULL;
	size_t der_len = 0, size, olen = 0;
	char *buf;
	int ret;

	if ((ret = crl_write_der(cp, key, f_rng, p_rng, &der, &der_len)) < 0)
		return ret;
	/* base64 grows by 4/3, plus a newline per 64 characters, plus the two lines. */
	size = der_len / 3 * 4 + der_len / 48 + 128;
	buf = malloc(size);
	if (buf == NULL) {
		free(der);
		return -ENOMEM;
	}
	if (mbedtls_pem_write_buffer("-----BEGIN X509 CRL-----\n", "-----END X509 CRL-----\n", der,
				     der_len, (unsigned char *)buf, size, &olen) != 0) {
		free(der);
		free(buf);
		return -ENOMEM;
	}
	free(der);
	*pem = buf;
	return 0;
}
