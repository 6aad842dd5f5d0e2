/* The CRL writer and certificate extensions, checked by parsing them back with mbedTLS
 * (the server's own CRL check), including chain verification against the CRL. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/oid.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#include "crl.h"
#include "issue.h"
#include "keys.h"
#include "timestamp.h"
#include "x509ext.h"

static struct keys_rng rng;

struct ca {
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	uint8_t key_id[20];
};

static void rng_setup(void)
{
	ck_assert_int_eq(keys_rng_init(&rng), 0);
}

static void rng_teardown(void)
{
	keys_rng_free(&rng);
}

static void parse_pem_crt(mbedtls_x509_crt *crt, char *pem)
{
	ck_assert_int_eq(mbedtls_x509_crt_parse(crt, (unsigned char *)pem, strlen(pem) + 1), 0);
	free(pem);
}

static void make_ca(struct ca *ca, enum keys_type type)
{
	struct issue_request req = {.kind = ISSUE_CA,
				    .cn = "Unit Test CA",
				    .not_before = time(NULL) - 60,
				    .not_after = time(NULL) + 86400,
				    .subject_key = &ca->key,
				    .issuer_key = &ca->key};
	char *pem;

	mbedtls_pk_init(&ca->key);
	mbedtls_x509_crt_init(&ca->crt);
	ck_assert_int_eq(keys_generate(&ca->key, type, &rng), 0);
	ck_assert_int_eq(issue_random_serial(req.serial, &rng), 0);
	ck_assert_int_eq(issue_cert_pem(&req, &rng, &pem), 0);
	parse_pem_crt(&ca->crt, pem);
	ck_assert_int_eq(keys_key_id(&ca->key, ca->key_id), 0);
}

static void free_ca(struct ca *ca)
{
	mbedtls_pk_free(&ca->key);
	mbedtls_x509_crt_free(&ca->crt);
}

static void make_leaf(struct ca *ca, enum issue_kind kind, const struct x509ext_san *sans,
		      size_t n_sans, mbedtls_x509_crt *crt, uint8_t serial[ISSUE_SERIAL_LEN])
{
	mbedtls_pk_context key;
	struct issue_request req = {.kind = kind,
				    .cn = "alice",
				    .not_before = time(NULL) - 60,
				    .not_after = time(NULL) + 3600,
				    .sans = sans,
				    .n_sans = n_sans,
				    .subject_key = &key,
				    .issuer_key = &ca->key,
				    .issuer_cert = &ca->crt};
	char *pem;

	mbedtls_pk_init(&key);
	ck_assert_int_eq(keys_generate(&key, KEYS_EC_P256, &rng), 0);
	ck_assert_int_eq(issue_random_serial(req.serial, &rng), 0);
	memcpy(serial, req.serial, ISSUE_SERIAL_LEN);
	ck_assert_int_eq(issue_cert_pem(&req, &rng, &pem), 0);
	mbedtls_x509_crt_init(crt);
	parse_pem_crt(crt, pem);
	mbedtls_pk_free(&key);
}

static void write_crl(struct ca *ca, const struct crl_entry *e, size_t n, time_t next,
		      mbedtls_x509_crl *crl)
{
	struct crl_params cp = {.issuer_der = ca->crt.subject_raw.p,
				.issuer_der_len = ca->crt.subject_raw.len,
				.key_id = ca->key_id,
				.key_id_len = 20,
				.number = 7,
				.this_update = time(NULL) - 60,
				.next_update = next,
				.entries = e,
				.n_entries = n};
	char *pem = NULL;

	ck_assert_int_eq(crl_write_pem(&cp, &ca->key, keys_rng_random, &rng, &pem), 0);
	ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN X509 CRL-----"));
	mbedtls_x509_crl_init(crl);
	ck_assert_int_eq(mbedtls_x509_crl_parse(crl, (unsigned char *)pem, strlen(pem) + 1), 0);
	free(pem);
}

static uint32_t verify(struct ca *ca, mbedtls_x509_crt *leaf, mbedtls_x509_crl *crl)
{
	uint32_t flags = 0;

	mbedtls_x509_crt_verify(leaf, &ca->crt, crl, NULL, &flags, NULL, NULL);
	return flags;
}

START_TEST(empty_crl_parses_and_passes)
{
	struct ca ca;
	mbedtls_x509_crt leaf;
	mbedtls_x509_crl crl;
	uint8_t serial[ISSUE_SERIAL_LEN];

	make_ca(&ca, KEYS_EC_P256);
	make_leaf(&ca, ISSUE_CLIENT, NULL, 0, &leaf, serial);
	write_crl(&ca, NULL, 0, time(NULL) + 86400, &crl);
	ck_assert_int_eq(crl.version, 2);
	ck_assert_int_eq(crl.entry.serial.len, 0);
	ck_assert_int_eq(crl.sig_md, MBEDTLS_MD_SHA256);
	ck_assert_uint_eq(verify(&ca, &leaf, &crl), 0);
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crt_free(&leaf);
	free_ca(&ca);
}
END_TEST

static void check_revokes(enum keys_type type)
{
	struct ca ca;
	mbedtls_x509_crt leaf, other;
	mbedtls_x509_crl crl;
	struct crl_entry e[2] = {0};
	uint8_t serial[ISSUE_SERIAL_LEN], serial2[ISSUE_SERIAL_LEN];

	make_ca(&ca, type);
	make_leaf(&ca, ISSUE_CLIENT, NULL, 0, &leaf, serial);
	make_leaf(&ca, ISSUE_CLIENT, NULL, 0, &other, serial2);
	/* An unrelated serial with the top bit set exercises the sign byte. */
	memset(e[0].serial, 0xff, 16);
	e[0].serial_len = 16;
	e[0].revoked_at = time(NULL) - 30;
	e[0].reason = CRL_REASON_UNSPECIFIED;
	memcpy(e[1].serial, serial, sizeof(serial));
	e[1].serial_len = sizeof(serial);
	e[1].revoked_at = time(NULL) - 30;
	e[1].reason = CRL_REASON_KEY_COMPROMISE;
	write_crl(&ca, e, 2, time(NULL) + 86400, &crl);
	ck_assert_uint_eq(verify(&ca, &leaf, &crl) & MBEDTLS_X509_BADCERT_REVOKED,
			  MBEDTLS_X509_BADCERT_REVOKED);
	ck_assert_uint_eq(verify(&ca, &other, &crl), 0);
	ck_assert_int_eq(crl.entry.serial.len, 17); /* 0x00 then sixteen 0xff */
	ck_assert_int_eq(crl.entry.serial.p[0], 0);
	ck_assert_ptr_nonnull(crl.entry.next);
	ck_assert_int_ne(crl.entry.next->entry_ext.len, 0); /* the reasonCode */
	ck_assert_int_eq(crl.entry.entry_ext.len, 0);	    /* unspecified: no extension */
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crt_free(&leaf);
	mbedtls_x509_crt_free(&other);
	free_ca(&ca);
}

START_TEST(revoked_serial_is_rejected_ec)
{
	check_revokes(KEYS_EC_P256);
}
END_TEST

START_TEST(revoked_serial_is_rejected_rsa)
{
	check_revokes(KEYS_RSA_3072);
}
END_TEST

START_TEST(expired_crl_is_flagged)
{
	struct ca ca;
	mbedtls_x509_crt leaf;
	mbedtls_x509_crl crl;
	uint8_t serial[ISSUE_SERIAL_LEN];
	struct crl_params cp;
	char *pem = NULL;

	make_ca(&ca, KEYS_EC_P256);
	make_leaf(&ca, ISSUE_CLIENT, NULL, 0, &leaf, serial);
	memset(&cp, 0, sizeof(cp));
	cp.issuer_der = ca.crt.subject_raw.p;
	cp.issuer_der_len = ca.crt.subject_raw.len;
	cp.key_id = ca.key_id;
	cp.key_id_len = 20;
	cp.number = 1;
	cp.this_update = time(NULL) - 7200;
	cp.next_update = time(NULL) - 3600;
	ck_assert_int_eq(crl_write_pem(&cp, &ca.key, keys_rng_random, &rng, &pem), 0);
	mbedtls_x509_crl_init(&crl);
	ck_assert_int_eq(mbedtls_x509_crl_parse(&crl, (unsigned char *)pem, strlen(pem) + 1), 0);
	ck_assert_uint_eq(verify(&ca, &leaf, &crl) & MBEDTLS_X509_BADCRL_EXPIRED,
			  MBEDTLS_X509_BADCRL_EXPIRED);
	free(pem);
	mbedtls_x509_crl_free(&crl);
	mbedtls_x509_crt_free(&leaf);
	free_ca(&ca);
}
END_TEST

START_TEST(generalized_time_after_2049)
{
	struct ca ca;
	mbedtls_x509_crl crl;
	time_t next;

	ck_assert_int_eq(timestamp_parse("20610101000000", &next), 0);
	make_ca(&ca, KEYS_EC_P256);
	write_crl(&ca, NULL, 0, next, &crl);
	ck_assert_int_eq(crl.next_update.year, 2061);
	mbedtls_x509_crl_free(&crl);
	free_ca(&ca);
}
END_TEST

START_TEST(bad_params_are_refused)
{
	struct ca ca;
	struct crl_params cp;
	uint8_t *der = NULL;
	size_t len;

	make_ca(&ca, KEYS_EC_P256);
	memset(&cp, 0, sizeof(cp));
	cp.issuer_der = ca.crt.subject_raw.p;
	cp.issuer_der_len = ca.crt.subject_raw.len;
	cp.key_id = ca.key_id;
	cp.key_id_len = 20;
	cp.this_update = 2000000000;
	cp.next_update = 1000000000; /* before this_update */
	ck_assert_int_eq(crl_write_der(&cp, &ca.key, keys_rng_random, &rng, &der, &len), -EINVAL);
	cp.next_update = 2100000000;
	cp.n_entries = 1; /* without entries */
	ck_assert_int_eq(crl_write_der(&cp, &ca.key, keys_rng_random, &rng, &der, &len), -EINVAL);
	ck_assert_ptr_null(der);
	free_ca(&ca);
}
END_TEST

START_TEST(reason_names_round_trip)
{
	ck_assert_int_eq(crl_reason_from_name("keyCompromise"), CRL_REASON_KEY_COMPROMISE);
	ck_assert_int_eq(crl_reason_from_name("superseded"), CRL_REASON_SUPERSEDED);
	ck_assert_int_eq(crl_reason_from_name("privilegeWithdrawn"), 9);
	ck_assert_int_lt(crl_reason_from_name("certificateHold"), 0);
	ck_assert_int_lt(crl_reason_from_name("KeyCompromise"), 0);
	ck_assert_str_eq(crl_reason_name(CRL_REASON_CA_COMPROMISE), "cACompromise");
	ck_assert_ptr_null(crl_reason_name(6));
}
END_TEST

START_TEST(server_cert_has_san_and_eku)
{
	struct ca ca;
	mbedtls_x509_crt leaf;
	struct x509ext_san sans[3];
	uint8_t serial[ISSUE_SERIAL_LEN];
	const mbedtls_x509_sequence *cur;
	int dns = 0;

	make_ca(&ca, KEYS_EC_P256);
	ck_assert_int_eq(x509ext_san_parse("DNS:vpn.example.com", &sans[0]), 0);
	ck_assert_int_eq(x509ext_san_parse("IP:198.18.1.1", &sans[1]), 0);
	ck_assert_int_eq(x509ext_san_parse("IP:fd00:18::1", &sans[2]), 0);
	ck_assert_int_eq(sans[1].ip_len, 4);
	ck_assert_int_eq(sans[2].ip_len, 16);
	make_leaf(&ca, ISSUE_SERVER, sans, 3, &leaf, serial);
	ck_assert_int_eq(
	    mbedtls_x509_crt_check_extended_key_usage(&leaf, MBEDTLS_OID_SERVER_AUTH,
						      MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
	    0);
	ck_assert_int_ne(
	    mbedtls_x509_crt_check_extended_key_usage(&leaf, MBEDTLS_OID_CLIENT_AUTH,
						      MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)),
	    0);
	for (cur = &leaf.subject_alt_names; cur != NULL; cur = cur->next)
		if (cur->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | 2) && cur->buf.len == 15 &&
		    memcmp(cur->buf.p, "vpn.example.com", 15) == 0)
			dns++;
	ck_assert_int_eq(dns, 1);
	ck_assert_uint_eq(verify(&ca, &leaf, NULL), 0);
	ck_assert_int_eq(leaf.ca_istrue, 0);
	ck_assert_int_eq(ca.crt.ca_istrue, 1);
	mbedtls_x509_crt_free(&leaf);
	free_ca(&ca);
}
END_TEST

START_TEST(client_cert_has_client_eku)
{
	struct ca ca;
	mbedtls_x509_crt leaf;
	uint8_t serial[ISSUE_SERIAL_LEN];

	make_ca(&ca, KEYS_EC_P256);
	make_leaf(&ca, ISSUE_CLIENT, NULL, 0, &leaf, serial);
	ck_assert_int_eq(
	    mbedtls_x509_crt_check_extended_key_usage(&leaf, MBEDTLS_OID_CLIENT_AUTH,
						      MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)),
	    0);
	ck_assert_int_ne(
	    mbedtls_x509_crt_check_extended_key_usage(&leaf, MBEDTLS_OID_SERVER_AUTH,
						      MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)),
	    0);
	ck_assert_int_eq(leaf.serial.len >= 16, 1);
	mbedtls_x509_crt_free(&leaf);
	free_ca(&ca);
}
END_TEST

START_TEST(san_parse_refuses_junk)
{
	struct x509ext_san s;

	ck_assert_int_lt(x509ext_san_parse("dns:x.example", &s), 0);
	ck_assert_int_lt(x509ext_san_parse("DNS:", &s), 0);
	ck_assert_int_lt(x509ext_san_parse("DNS:a..b", &s), 0);
	ck_assert_int_lt(x509ext_san_parse("DNS:a b", &s), 0);
	ck_assert_int_lt(x509ext_san_parse("IP:198.18.1.256", &s), 0);
	ck_assert_int_lt(x509ext_san_parse("URI:http://x", &s), 0);
	ck_assert_int_eq(x509ext_san_parse("DNS:*.example.com", &s), 0);
}
END_TEST

START_TEST(cn_validation)
{
	ck_assert(issue_cn_valid("Example VPN CA"));
	ck_assert(!issue_cn_valid(""));
	ck_assert(!issue_cn_valid("A, Inc"));
	ck_assert(!issue_cn_valid("a=b"));
	ck_assert(!issue_cn_valid(" lead"));
	ck_assert(
	    !issue_cn_valid("12345678901234567890123456789012345678901234567890123456789012345"));
}
END_TEST

static Suite *certs_crl_suite(void)
{
	Suite *s = suite_create("certs-crl");
	TCase *tc = tcase_create("crl");

	tcase_add_checked_fixture(tc, rng_setup, rng_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, empty_crl_parses_and_passes);
	tcase_add_test(tc, revoked_serial_is_rejected_ec);
	tcase_add_test(tc, revoked_serial_is_rejected_rsa);
	tcase_add_test(tc, expired_crl_is_flagged);
	tcase_add_test(tc, generalized_time_after_2049);
	tcase_add_test(tc, bad_params_are_refused);
	tcase_add_test(tc, reason_names_round_trip);
	tcase_add_test(tc, server_cert_has_san_and_eku);
	tcase_add_test(tc, client_cert_has_client_eku);
	tcase_add_test(tc, san_parse_refuses_junk);
	tcase_add_test(tc, cn_validation);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(certs_crl_suite());

	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
