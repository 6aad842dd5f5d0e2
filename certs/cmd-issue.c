/* `tlsvpn-certs server` and `client`: a key pair and certificate signed by the CA, and
 * for clients the profile; committed with the index in one transaction. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/platform_util.h>

#include "cmd.h"
#include "crl.h"
#include "issue.h"
#include "msg.h"
#include "profile.h"
#include "timestamp.h"

#define SANS_MAX 64

struct issued {
	struct keys_rng rng;
	struct pki *pki;
	struct pki_ca ca;
	struct index *idx;
	struct pki_txn *txn;
	mbedtls_pk_context key;
	char *key_pem, *crt_pem, *crl_pem, *index_json;
	bool have_ca;
};

/* Validity from --days or --not-before/--not-after, checked against the CA's own. */
static int validity(const struct cmd_opts *o, long default_days, const struct index *idx,
		    time_t *nb, time_t *na)
{
	char until[24];

	*nb = o->now - CMD_BACKDATE_SECONDS;
	if (o->not_before != NULL && timestamp_parse(o->not_before, nb) < 0) {
		msg_err("--not-before \"%s\" is not YYYYMMDDhhmmss (UTC)", o->not_before);
		return -EINVAL;
	}
	if (o->not_after != NULL && o->days != 0) {
		msg_err("--days and --not-after exclude each other");
		return -EINVAL;
	}
	if (o->not_after != NULL) {
		if (timestamp_parse(o->not_after, na) < 0) {
			msg_err("--not-after \"%s\" is not YYYYMMDDhhmmss (UTC)", o->not_after);
			return -EINVAL;
		}
	} else {
		*na = (o->not_before != NULL ? *nb : o->now) +
		      (o->days ? o->days : default_days) * 86400;
	}
	if (*na <= *nb) {
		msg_err("the certificate would end before it starts (--not-before/--not-after)");
		return -EINVAL;
	}
	if (*na > idx->ca_not_after) {
		timestamp_format_iso(idx->ca_not_after, until, sizeof(until));
		msg_err("the certificate would outlive the CA, which expires %s; use a smaller "
			"--days",
			until);
		return -EINVAL;
	}
	return 0;
}

static int parse_sans(const struct cmd_opts *o, struct x509ext_san *sans, size_t *n)
{
	char *copy, *save = NULL, *item;
	int ret = 0;

	/* The server's own name first: clients connecting by name match it. */
	*n = 0;
	if (x509ext_dns_valid(o->name)) {
		memset(&sans[0], 0, sizeof(sans[0]));
		sans[0].type = X509EXT_SAN_DNS;
		memcpy(sans[0].dns, o->name, strlen(o->name) + 1);
		*n = 1;
	}
	if (o->san == NULL)
		return 0;
	if ((copy = strdup(o->san)) == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	for (item = strtok_r(copy, ",", &save); item != NULL; item = strtok_r(NULL, ",", &save)) {
		if (*n == SANS_MAX) {
			msg_err("--san: more than %d names", SANS_MAX);
			ret = -EINVAL;
			break;
		}
		if (x509ext_san_parse(item, &sans[*n]) < 0) {
			msg_err("--san \"%s\": expected DNS:name or IP:address", item);
			ret = -EINVAL;
			break;
		}
		(*n)++;
	}
	free(copy);
	return ret;
}

static int open_all(struct issued *s, const struct cmd_opts *o)
{
	int ret;

	if (!index_name_valid(o->name)) {
		msg_err("NAME \"%s\": use 1-64 letters, digits, '.', '_', '-' (not starting "
			"with '.'; not ca, crl or index)",
			o->name);
		return -EINVAL;
	}
	if ((ret = pki_open(o->dir, &s->pki)) < 0 || (ret = pki_load_index(s->pki, &s->idx)) < 0)
		return ret;
	s->have_ca = true; /* pki_load_ca initialises ca before anything can fail */
	if ((ret = pki_load_ca(s->pki, &s->ca)) < 0)
		return ret;
	if ((ret = keys_rng_init(&s->rng)) < 0) {
		msg_err("/dev/urandom: %s", strerror(-ret));
		return ret;
	}
	if ((s->txn = pki_txn_new()) == NULL)
		return -ENOMEM;
	return 0;
}

/* Refuses a NAME with a live certificate, or revokes it (superseded) with --renew. */
static int check_existing(struct issued *s, const struct cmd_opts *o, bool *crl_changed)
{
	struct index_entry *old;

	*crl_changed = false;
	while ((old = index_find_live(s->idx, o->name, o->now)) != NULL) {
		if (!o->renew) {
			char until[24];

			timestamp_format_iso(old->not_after, until, sizeof(until));
			msg_err("%s already has a valid %s certificate (until %s); use --renew "
				"to replace and revoke it",
				o->name, index_kind_name(old->kind), until);
			return -EEXIST;
		}
		cmd_revoke_entry(old, CRL_REASON_SUPERSEDED, o->now);
		*crl_changed = true;
	}
	return 0;
}

static int sign_leaf(struct issued *s, const struct cmd_opts *o, enum index_kind kind,
		     const struct x509ext_san *sans, size_t n_sans, struct index_entry *e)
{
	struct issue_request req = {
	    .kind = kind == INDEX_SERVER ? ISSUE_SERVER : ISSUE_CLIENT,
	    .cn = o->name,
	    .sans = sans,
	    .n_sans = n_sans,
	    .subject_key = &s->key,
	    .issuer_key = &s->ca.key,
	    .issuer_cert = &s->ca.crt,
	};
	int ret;

	if ((ret = validity(
		 o, kind == INDEX_SERVER ? CMD_DEFAULT_SERVER_DAYS : CMD_DEFAULT_CLIENT_DAYS,
		 s->idx, &req.not_before, &req.not_after)) < 0)
		return ret;
	if (keys_generate(&s->key, o->key, &s->rng) < 0 ||
	    keys_write_pem(&s->key, &s->key_pem) < 0 ||
	    issue_random_serial(req.serial, &s->rng) < 0) {
		msg_err("generating the key for %s failed", o->name);
		return -EIO;
	}
	if (issue_cert_pem(&req, &s->rng, &s->crt_pem) < 0) {
		msg_err("writing the certificate for %s failed", o->name);
		return -EIO;
	}
	memset(e, 0, sizeof(*e));
	memcpy(e->name, o->name, strlen(o->name) + 1);
	e->kind = kind;
	memcpy(e->serial, req.serial, ISSUE_SERIAL_LEN);
	e->serial_len = ISSUE_SERIAL_LEN;
	e->not_before = req.not_before;
	e->not_after = req.not_after;
	return 0;
}

static int stage_pair(struct issued *s, const struct cmd_opts *o)
{
	char path[4096], file[INDEX_NAME_MAX + 8];
	int ret;

	snprintf(file, sizeof(file), "%s.key", o->name);
	if ((ret = pki_path(s->pki, file, path, sizeof(path))) < 0 ||
	    (ret = pki_txn_stage(s->txn, path, s->key_pem, strlen(s->key_pem), 0600)) < 0)
		return ret;
	snprintf(file, sizeof(file), "%s.crt", o->name);
	if ((ret = pki_path(s->pki, file, path, sizeof(path))) < 0 ||
	    (ret = pki_txn_stage(s->txn, path, s->crt_pem, strlen(s->crt_pem), 0644)) < 0)
		return ret;
	return 0;
}

/* CRL (when --renew revoked something) and index.json, index last: the commit point. */
static int stage_tail_and_commit(struct issued *s, const struct cmd_opts *o, bool crl_changed)
{
	char path[4096];
	int ret;

	if (crl_changed) {
		if ((ret = cmd_crl_sign(s->idx, &s->ca.crt, &s->ca.key, s->ca.key_id, o->crl_days,
					o->now, &s->rng, &s->crl_pem)) < 0 ||
		    (ret = pki_path(s->pki, "crl.pem", path, sizeof(path))) < 0 ||
		    (ret = pki_txn_stage(s->txn, path, s->crl_pem, strlen(s->crl_pem), 0644)) < 0)
			return ret;
	}
	if ((s->index_json = index_dump(s->idx)) == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	if ((ret = pki_path(s->pki, "index.json", path, sizeof(path))) < 0 ||
	    (ret = pki_txn_stage(s->txn, path, s->index_json, strlen(s->index_json), 0644)) < 0)
		return ret;
	return pki_txn_commit(s->txn);
}

static void issued_free(struct issued *s)
{
	pki_txn_free(s->txn);
	keys_pem_free(s->key_pem);
	free(s->crt_pem);
	free(s->crl_pem);
	free(s->index_json);
	mbedtls_pk_free(&s->key);
	if (s->have_ca)
		pki_ca_free(&s->ca);
	index_free(s->idx);
	keys_rng_free(&s->rng);
	pki_close(s->pki);
}

static void issued_init(struct issued *s)
{
	memset(s, 0, sizeof(*s));
	s->rng.urandom_fd = -1;
	mbedtls_ctr_drbg_init(&s->rng.drbg);
	mbedtls_pk_init(&s->key);
}

int cmd_server(const struct cmd_opts *o)
{
	struct x509ext_san sans[SANS_MAX];
	struct index_entry e;
	struct issued s;
	size_t n_sans = 0;
	bool crl_changed;
	int ret;

	issued_init(&s);
	if ((ret = open_all(&s, o)) < 0 || (ret = parse_sans(o, sans, &n_sans)) < 0 ||
	    (ret = check_existing(&s, o, &crl_changed)) < 0 ||
	    (ret = sign_leaf(&s, o, INDEX_SERVER, sans, n_sans, &e)) < 0 ||
	    (ret = stage_pair(&s, o)) < 0)
		goto out;
	if ((ret = index_add(s.idx, &e)) < 0) {
		msg_err("index.json: cannot add %s: %s", o->name, strerror(-ret));
		goto out;
	}
	if ((ret = stage_tail_and_commit(&s, o, crl_changed)) < 0)
		goto out;
	printf("issued server certificate %s: %s/%s.crt, %s/%s.key\n", o->name, s.pki->dir, o->name,
	       s.pki->dir, o->name);
out:
	issued_free(&s);
	return ret;
}

static int stage_profile(struct issued *s, const struct cmd_opts *o,
			 const struct profile_remote *remotes, size_t n, char *out_path,
			 size_t out_size)
{
	struct profile p = {
	    .name = o->name,
	    .remotes = remotes,
	    .n_remotes = n,
	    .server_name = o->server_name != NULL ? o->server_name : remotes[0].host,
	    .ca_pem = s->ca.cert_pem,
	    .cert_pem = s->crt_pem,
	    .key_pem = s->key_pem,
	};
	char file[INDEX_NAME_MAX + 8];
	char *text;
	int ret;

	if (o->output != NULL) {
		snprintf(out_path, out_size, "%s", o->output);
	} else {
		snprintf(file, sizeof(file), "%s.json", o->name);
		if ((ret = pki_path(s->pki, file, out_path, out_size)) < 0)
			return ret;
	}
	if ((text = profile_dump(&p)) == NULL) {
		msg_err("out of memory");
		return -ENOMEM;
	}
	ret = pki_txn_stage(s->txn, out_path, text, strlen(text), 0600);
	mbedtls_platform_zeroize(text, strlen(text));
	free(text);
	return ret;
}

int cmd_client(const struct cmd_opts *o)
{
	struct profile_remote remotes[PROFILE_REMOTES_MAX];
	char err[512], out_path[4096];
	struct index_entry e;
	struct issued s;
	bool crl_changed;
	int n, ret;

	issued_init(&s);
	if (o->remote == NULL) {
		msg_err("client: --remote HOST[:PORT] is required (where the user connects)");
		ret = -EINVAL;
		goto out;
	}
	if ((n = profile_parse_remotes(o->remote, remotes, PROFILE_REMOTES_MAX, err, sizeof(err))) <
	    0) {
		msg_err("--remote: %s", err);
		ret = n;
		goto out;
	}
	if (o->server_name != NULL && !profile_host_valid(o->server_name)) {
		msg_err("--server-name \"%s\" is not a DNS name or IP address", o->server_name);
		ret = -EINVAL;
		goto out;
	}
	if ((ret = open_all(&s, o)) < 0 || (ret = check_existing(&s, o, &crl_changed)) < 0 ||
	    (ret = sign_leaf(&s, o, INDEX_CLIENT, NULL, 0, &e)) < 0 ||
	    (ret = stage_pair(&s, o)) < 0 ||
	    (ret = stage_profile(&s, o, remotes, (size_t)n, out_path, sizeof(out_path))) < 0)
		goto out;
	if ((ret = index_add(s.idx, &e)) < 0) {
		msg_err("index.json: cannot add %s: %s", o->name, strerror(-ret));
		goto out;
	}
	if ((ret = stage_tail_and_commit(&s, o, crl_changed)) < 0)
		goto out;
	printf("issued client certificate %s; give the user %s (it holds their private key)\n",
	       o->name, out_path);
out:
	issued_free(&s);
	return ret;
}
