/* `tlsvpn-certs revoke` and `crl`: the index's revocations, signed into crl.pem. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "crl.h"
#include "msg.h"
#include "timestamp.h"

void cmd_revoke_entry(struct index_entry *e, int reason, time_t now)
{
	e->revoked = true;
	e->revoked_at = now;
	e->reason = reason;
}

int cmd_crl_sign(struct index *idx, const mbedtls_x509_crt *ca_crt, mbedtls_pk_context *ca_key,
		 const uint8_t key_id[20], long crl_days, time_t now, struct keys_rng *rng,
		 char **pem)
{
	struct crl_entry *entries = NULL;
	struct crl_params cp = {
	    .issuer_der = ca_crt->subject_raw.p,
	    .issuer_der_len = ca_crt->subject_raw.len,
	    .key_id = key_id,
	    .key_id_len = 20,
	    .number = idx->crl_number + 1,
	    .this_update = now - CMD_BACKDATE_SECONDS,
	    .next_update = now + crl_days * 86400,
	};
	size_t n = 0;
	int ret;

	for (size_t i = 0; i < idx->n_entries; i++)
		n += idx->entries[i].revoked;
	if (n > 0 && (entries = calloc(n, sizeof(*entries))) == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	n = 0;
	for (size_t i = 0; i < idx->n_entries; i++) {
		const struct index_entry *e = &idx->entries[i];

		if (!e->revoked)
			continue;
		memcpy(entries[n].serial, e->serial, e->serial_len);
		entries[n].serial_len = e->serial_len;
		entries[n].revoked_at = e->revoked_at;
		entries[n].reason = e->reason;
		n++;
	}
	cp.entries = entries;
	cp.n_entries = n;
	ret = crl_write_pem(&cp, ca_key, keys_rng_random, rng, pem);
	free(entries);
	if (ret < 0) {
		msg_err("signing the CRL failed: %s", strerror(-ret));
		return ret;
	}
	idx->crl_number = cp.number;
	idx->crl_this_update = cp.this_update;
	idx->crl_next_update = cp.next_update;
	return 0;
}

/* Loads the PKI and CA, lets change() edit the index, then re-signs the CRL and commits
 * crl.pem and index.json together. */
static int recrl(const struct cmd_opts *o, int (*change)(struct index *, const struct cmd_opts *))
{
	struct keys_rng rng = {.urandom_fd = -1};
	struct pki *pki = NULL;
	struct pki_ca ca;
	struct index *idx = NULL;
	struct pki_txn *txn = NULL;
	char *crl = NULL, *json = NULL, path[4096];
	bool have_ca = false;
	int ret;

	mbedtls_ctr_drbg_init(&rng.drbg);
	if ((ret = pki_open(o->dir, &pki)) < 0 || (ret = pki_load_index(pki, &idx)) < 0 ||
	    (ret = change(idx, o)) < 0)
		goto out;
	have_ca = true; /* pki_load_ca initialises ca before anything can fail */
	if ((ret = pki_load_ca(pki, &ca)) < 0)
		goto out_ca;
	if ((ret = keys_rng_init(&rng)) < 0) {
		msg_err("/dev/urandom: %s", strerror(-ret));
		goto out_ca;
	}
	if ((ret = cmd_crl_sign(idx, &ca.crt, &ca.key, ca.key_id, o->crl_days, o->now, &rng,
				&crl)) < 0)
		goto out_ca;
	ret = -ENOMEM;
	if ((txn = pki_txn_new()) == NULL)
		goto out_ca;
	if ((json = index_dump(idx)) == NULL) {
		msg_err("out of memory");
		goto out_ca;
	}
	if ((ret = pki_path(pki, "crl.pem", path, sizeof(path))) < 0 ||
	    (ret = pki_txn_stage(txn, path, crl, strlen(crl), 0644)) < 0 ||
	    (ret = pki_path(pki, "index.json", path, sizeof(path))) < 0 ||
	    (ret = pki_txn_stage(txn, path, json, strlen(json), 0644)) < 0 ||
	    (ret = pki_txn_commit(txn)) < 0)
		goto out_ca;
	{
		char next[24];
		size_t n = 0;

		for (size_t i = 0; i < idx->n_entries; i++)
			n += idx->entries[i].revoked;
		timestamp_format_iso(idx->crl_next_update, next, sizeof(next));
		printf("wrote %s/crl.pem (number %llu, %zu revoked, next update %s)\n", pki->dir,
		       (unsigned long long)idx->crl_number, n, next);
	}
out_ca:
	if (have_ca)
		pki_ca_free(&ca);
out:
	pki_txn_free(txn);
	free(crl);
	free(json);
	index_free(idx);
	keys_rng_free(&rng);
	pki_close(pki);
	return ret;
}

static int revoke_change(struct index *idx, const struct cmd_opts *o)
{
	size_t n = 0;
	bool known = false;

	if (!index_name_valid(o->name)) {
		msg_err("NAME \"%s\": use 1-64 letters, digits, '.', '_', '-'", o->name);
		return -EINVAL;
	}
	for (size_t i = 0; i < idx->n_entries; i++) {
		struct index_entry *e = &idx->entries[i];

		if (strcmp(e->name, o->name) != 0)
			continue;
		known = true;
		if (!e->revoked) {
			cmd_revoke_entry(e, o->reason, o->now);
			n++;
		}
	}
	if (!known) {
		msg_err("%s: no certificate of that name in %s/index.json", o->name, o->dir);
		return -ENOENT;
	}
	if (n == 0) {
		msg_err("%s: already revoked", o->name);
		return -EALREADY;
	}
	return 0;
}

static int no_change(struct index *idx, const struct cmd_opts *o)
{
	(void)idx;
	(void)o;
	return 0;
}

int cmd_revoke(const struct cmd_opts *o)
{
	int ret = recrl(o, revoke_change);

	if (ret == 0)
		printf("revoked %s (reason %s)\n", o->name, crl_reason_name(o->reason));
	return ret;
}

int cmd_crl(const struct cmd_opts *o)
{
	return recrl(o, no_change);
}
