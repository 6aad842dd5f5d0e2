#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crt.h>

#include "issue.h"
#include "timestamp.h"

#define CERT_PEM_MAX 8192
#define DN_MAX	     (ISSUE_CN_MAX + 4)

bool issue_cn_valid(const char *cn)
{
	size_t len = strlen(cn);

	if (len == 0 || len > ISSUE_CN_MAX || cn[0] == ' ' || cn[len - 1] == ' ')
		return false;
	for (const char *c = cn; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e || strchr(",+=\"\\<>;#", *c) != NULL)
			return false;
	return true;
}

int issue_random_serial(uint8_t serial[ISSUE_SERIAL_LEN], struct keys_rng *rng)
{
	for (;;) {
		if (keys_rng_random(rng, serial, ISSUE_SERIAL_LEN) != 0)
			return -EIO;
		for (size_t i = 0; i < ISSUE_SERIAL_LEN; i++)
			if (serial[i] != 0)
				return 0;
	}
}

static int set_dates(mbedtls_x509write_cert *crt, const struct issue_request *req)
{
	char nb[TIMESTAMP_LEN + 1], na[TIMESTAMP_LEN + 1];

	if (req->not_after <= req->not_before || timestamp_format(req->not_before, nb) < 0 ||
	    timestamp_format(req->not_after, na) < 0)
		return -EINVAL;
	return mbedtls_x509write_crt_set_validity(crt, nb, na) == 0 ? 0 : -EINVAL;
}

static int set_names(mbedtls_x509write_cert *crt, const struct issue_request *req)
{
	char subject[DN_MAX + 1], issuer[256];

	if (!issue_cn_valid(req->cn))
		return -EINVAL;
	snprintf(subject, sizeof(subject), "CN=%s", req->cn);
	if (mbedtls_x509write_crt_set_subject_name(crt, subject) != 0)
		return -EINVAL;
	if (req->issuer_cert == NULL)
		return mbedtls_x509write_crt_set_issuer_name(crt, subject) == 0 ? 0 : -EINVAL;
	/* Our CA's subject is "CN=<valid cn>", which prints back to the same string. */
	if (mbedtls_x509_dn_gets(issuer, sizeof(issuer), &req->issuer_cert->subject) < 0 ||
	    mbedtls_x509write_crt_set_issuer_name(crt, issuer) != 0)
		return -EINVAL;
	return 0;
}

static int set_leaf_extensions(mbedtls_x509write_cert *crt, const struct issue_request *req)
{
	uint8_t buf[4096];
	const uint8_t *der;
	size_t der_len;
	const char *eku =
	    req->kind == ISSUE_SERVER ? MBEDTLS_OID_SERVER_AUTH : MBEDTLS_OID_CLIENT_AUTH;
	unsigned int ku = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;

	/* TLS 1.2 RSA key exchange encrypts to the server key; ECDHE needs signing only. */
	if (req->kind == ISSUE_SERVER && mbedtls_pk_can_do(req->subject_key, MBEDTLS_PK_RSA))
		ku |= MBEDTLS_X509_KU_KEY_ENCIPHERMENT;
	if (mbedtls_x509write_crt_set_basic_constraints(crt, 0, -1) != 0 ||
	    mbedtls_x509write_crt_set_key_usage(crt, ku) != 0)
		return -EIO;
	if (x509ext_write_eku(eku, MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH), buf, sizeof(buf),
			      &der, &der_len) < 0 ||
	    mbedtls_x509write_crt_set_extension(crt, MBEDTLS_OID_EXTENDED_KEY_USAGE,
						MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0,
						der, der_len) != 0)
		return -EIO;
	if (req->kind == ISSUE_SERVER && req->n_sans > 0) {
		if (x509ext_write_san(req->sans, req->n_sans, buf, sizeof(buf), &der, &der_len) < 0)
			return -EINVAL;
		/* Critical only when the subject is empty (RFC 5280 4.2.1.6); ours has a CN. */
		if (mbedtls_x509write_crt_set_extension(
			crt, MBEDTLS_OID_SUBJECT_ALT_NAME,
			MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, der, der_len) != 0)
			return -EIO;
	}
	return 0;
}

int issue_cert_pem(const struct issue_request *req, struct keys_rng *rng, char **pem)
{
	mbedtls_x509write_cert crt;
	mbedtls_mpi serial;
	unsigned char *buf = NULL;
	int ret = -EINVAL;

	mbedtls_x509write_crt_init(&crt);
	mbedtls_mpi_init(&serial);
	if ((req->kind == ISSUE_CA) != (req->issuer_cert == NULL))
		goto out;
	mbedtls_x509write_crt_set_version(&crt, MBEDTLS_X509_CRT_VERSION_3);
	mbedtls_x509write_crt_set_md_alg(&crt, MBEDTLS_MD_SHA256);
	mbedtls_x509write_crt_set_subject_key(&crt, req->subject_key);
	mbedtls_x509write_crt_set_issuer_key(&crt, req->issuer_key);
	if ((ret = set_names(&crt, req)) < 0 || (ret = set_dates(&crt, req)) < 0)
		goto out;
	ret = -EIO;
	if (mbedtls_mpi_read_binary(&serial, req->serial, ISSUE_SERIAL_LEN) != 0 ||
	    mbedtls_x509write_crt_set_serial(&crt, &serial) != 0 ||
	    mbedtls_x509write_crt_set_subject_key_identifier(&crt) != 0)
		goto out;
	if (req->kind == ISSUE_CA) {
		if (mbedtls_x509write_crt_set_basic_constraints(&crt, 1, 0) != 0 ||
		    mbedtls_x509write_crt_set_key_usage(&crt, MBEDTLS_X509_KU_KEY_CERT_SIGN |
								  MBEDTLS_X509_KU_CRL_SIGN) != 0)
			goto out;
	} else {
		if (mbedtls_x509write_crt_set_authority_key_identifier(&crt) != 0 ||
		    (ret = set_leaf_extensions(&crt, req)) < 0)
			goto out;
	}
	ret = -ENOMEM;
	if ((buf = calloc(1, CERT_PEM_MAX)) == NULL)
		goto out;
	ret = -EIO;
	if (mbedtls_x509write_crt_pem(&crt, buf, CERT_PEM_MAX, keys_rng_random, rng) != 0)
		goto out;
	*pem = (char *)buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	mbedtls_mpi_free(&serial);
	mbedtls_x509write_crt_free(&crt);
	return ret;
}
