/* `tlsvpn-certs init`: a new CA, its empty CRL and index, built aside and renamed in. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/x509_crt.h>

#include "cmd.h"
#include "issue.h"
#include "msg.h"

struct init_state {
	struct keys_rng rng;
	mbedtls_pk_context key;
	mbedtls_x509_crt crt;
	char *key_pem, *crt_pem, *crl_pem, *index_json;
	struct index *idx;
	struct pki_init *pi;
};

static int make_ca(struct init_state *s, const struct cmd_opts *o, long days)
{
	struct issue_request req = {
	    .kind = ISSUE_CA,
	    .cn = o->ca_name,
	    .not_before = o->now - CMD_BACKDATE_SECONDS,
	    .not_after = o->now + days * 86400,
	    .subject_key = &s->key,
	    .issuer_key = &s->key,
	};
	int r;

	if (keys_generate(&s->key, o->key, &s->rng) < 0 ||
	    keys_write_pem(&s->key, &s->key_pem) < 0 ||
	    issue_random_serial(req.serial, &s->rng) < 0) {
		msg_err("generating the CA key failed");
		return -EIO;
	}
	if (issue_cert_pem(&req, &s->rng, &s->crt_pem) < 0) {
		msg_err("writing the CA certificate failed");
		return -EIO;
	}
	if ((r = mbedtls_x509_crt_parse(&s->crt, (unsigned char *)s->crt_pem,
					strlen(s->crt_pem) + 1)) != 0) {
		msg_err("the CA certificate just written does not parse: %s", msg_mbedtls(r));
		return -EIO;
	}
	memcpy(s->idx->ca_name, o->ca_name, strlen(o->ca_name) + 1);
	memcpy(s->idx->ca_serial, req.serial, ISSUE_SERIAL_LEN);
	s->idx->ca_serial_len = ISSUE_SERIAL_LEN;
	s->idx->ca_not_after = req.not_after;
	return 0;
}

static int build(struct init_state *s, const struct cmd_opts *o, long days)
{
	uint8_t key_id[20];
	int ret;

	if ((ret = keys_rng_init(&s->rng)) < 0) {
		msg_err("/dev/urandom: %s", strerror(-ret));
		return ret;
	}
	if ((s->idx = index_new()) == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	if ((ret = make_ca(s, o, days)) < 0)
		return ret;
	if (keys_key_id(&s->key, key_id) < 0) {
		msg_err("computing the CA key identifier failed");
		return -EIO;
	}
	if ((ret = cmd_crl_sign(s->idx, &s->crt, &s->key, key_id, o->crl_days, o->now, &s->rng,
				&s->crl_pem)) < 0)
		return ret;
	if ((s->index_json = index_dump(s->idx)) == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	if ((ret = pki_init_write(s->pi, "ca.key", s->key_pem, strlen(s->key_pem), 0600)) < 0 ||
	    (ret = pki_init_write(s->pi, "ca.crt", s->crt_pem, strlen(s->crt_pem), 0644)) < 0 ||
	    (ret = pki_init_write(s->pi, "crl.pem", s->crl_pem, strlen(s->crl_pem), 0644)) < 0 ||
	    (ret = pki_init_write(s->pi, "index.json", s->index_json, strlen(s->index_json),
				  0644)) < 0)
		return ret;
	return pki_init_commit(s->pi);
}

int cmd_init(const struct cmd_opts *o)
{
	struct init_state s;
	long days = o->days ? o->days : CMD_DEFAULT_CA_DAYS;
	int ret;

	memset(&s, 0, sizeof(s));
	s.rng.urandom_fd = -1;
	if (!issue_cn_valid(o->ca_name)) {
		msg_err("--name \"%s\": use 1-64 printable characters without , + = \" \\ < > ; #",
			o->ca_name);
		return -EINVAL;
	}
	/* Check the target before spending time on key generation. */
	if ((ret = pki_init_begin(o->dir, &s.pi)) < 0)
		return ret;
	mbedtls_pk_init(&s.key);
	mbedtls_x509_crt_init(&s.crt);
	ret = build(&s, o, days);
	if (ret == 0)
		printf("created CA \"%s\" in %s (ca.crt, ca.key, crl.pem, index.json)\n",
		       o->ca_name, o->dir);
	pki_init_free(s.pi);
	keys_pem_free(s.key_pem);
	free(s.crt_pem);
	free(s.crl_pem);
	free(s.index_json);
	index_free(s.idx);
	mbedtls_x509_crt_free(&s.crt);
	mbedtls_pk_free(&s.key);
	keys_rng_free(&s.rng);
	return ret;
}
