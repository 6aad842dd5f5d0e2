/*
 * mbedTLS 2.28 glue: see tls.h. Everything that depends on the mbedTLS version
 * (struct fields read directly, 2.x function signatures) lives in this file.
 */
#include "errbuf.h"
#include "tls.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <mbedtls/version.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecdsa.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/ssl_ticket.h>
#include <mbedtls/x509_crl.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_MAJOR != 2
#error "tls.c is written for mbedTLS 2.x (Debian 12 ships 2.28)"
#endif

/* Ticket keys rotate every lifetime; a ticket older than that is refused and
 * the client falls back to a full handshake. Six hours bounds how long a
 * stolen ticket key is useful while sparing reconnecting laptops. */
#define TICKET_LIFETIME (6 * 3600)
/* PKI files are small; anything bigger is a mistake, not a certificate. */
#define MAX_PKI_FILE (1024 * 1024)

static const int default_suites[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    0,
};

static const mbedtls_ecp_group_id groups[] = {
    MBEDTLS_ECP_DP_CURVE25519,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_NONE,
};

static const int sig_hashes[] = {
    MBEDTLS_MD_SHA512,
    MBEDTLS_MD_SHA384,
    MBEDTLS_MD_SHA256,
    MBEDTLS_MD_NONE,
};

#include "tls-private.h"

static void mbed_text(int ret, char *buf, size_t len)
{
	mbedtls_strerror(ret, buf, len);
}

/*
 * Reads a whole PKI file, NUL-terminated (mbedTLS wants the terminator counted
 * for PEM). A secret file with any group or other permission bit is refused:
 * checked on the open fd so the file checked is the file read.
 */
static int read_pki_file(const char *path, bool secret, unsigned char **out, size_t *outlen,
			 char *err, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		errbuf_set(err, len, "%s: cannot open: %s", path, strerror(e));
		return -e;
	}
	struct stat st;
	int ret = 0;
	unsigned char *buf = NULL;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		errbuf_set(err, len, "%s: cannot stat: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		errbuf_set(err, len, "%s: not a regular file", path);
		goto out;
	}
	if (secret && (st.st_mode & 077) != 0) {
		ret = -EACCES;
		errbuf_set(err, len, "%s: private key file has mode %04o, refusing: chmod 600 %s",
			   path, (unsigned)(st.st_mode & 07777), path);
		goto out;
	}
	if (st.st_size > MAX_PKI_FILE) {
		ret = -EFBIG;
		errbuf_set(err, len, "%s: %lld bytes, more than %d", path, (long long)st.st_size,
			   MAX_PKI_FILE);
		goto out;
	}
	size_t cap = (size_t)st.st_size + 1, used = 0;
	buf = malloc(cap);
	if (buf == NULL) {
		ret = -ENOMEM;
		errbuf_set(err, len, "%s: out of memory", path);
		goto out;
	}
	/* The file may shrink under us; it may not grow past what we stat'ed. */
	while (used < cap - 1) {
		ssize_t n = read(fd, buf + used, cap - 1 - used);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			errbuf_set(err, len, "%s: read failed: %s", path, strerror(-ret));
			goto out;
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	buf[used] = '\0';
	*out = buf;
	*outlen = used + 1;
	buf = NULL;
out:
	if (buf != NULL) {
		mbedtls_platform_zeroize(buf, (size_t)st.st_size + 1);
		free(buf);
	}
	close(fd);
	return ret;
}

/* Either the file at path or the inline PEM; name says which in messages. */
struct pki_source {
	const char *path;
	const char *pem;
	const char *name;
	bool secret;
};

static int source_load(const struct pki_source *src, unsigned char **buf, size_t *buflen,
		       bool *owned, char *err, size_t len)
{
	if (src->path != NULL) {
		*owned = true;
		return read_pki_file(src->path, src->secret, buf, buflen, err, len);
	}
	*owned = false;
	*buf = (unsigned char *)src->pem;
	*buflen = strlen(src->pem) + 1;
	return 0;
}

/* mbedTLS takes PEM with its NUL counted, DER without a stray trailing byte. */
static size_t parse_len(const unsigned char *buf, size_t buflen)
{
	if (buflen > 0 && memmem(buf, buflen, "-----BEGIN", 10) == NULL)
		return buflen - 1;
	return buflen;
}

static void source_release(const struct pki_source *src, unsigned char *buf, size_t buflen,
			   bool owned)
{
	if (!owned || buf == NULL)
		return;
	if (src->secret)
		mbedtls_platform_zeroize(buf, buflen);
	free(buf);
}

static int load_certs(mbedtls_x509_crt *crt, const struct pki_source *src, const char *what,
		      char *err, size_t len)
{
	unsigned char *buf;
	size_t buflen;
	bool owned;
	int ret = source_load(src, &buf, &buflen, &owned, err, len);
	if (ret < 0)
		return ret;
	int r = mbedtls_x509_crt_parse(crt, buf, parse_len(buf, buflen));
	source_release(src, buf, buflen, owned);
	if (r < 0) {
		char text[160];
		mbed_text(r, text, sizeof(text));
		errbuf_set(err, len, "%s: cannot parse %s: %s", src->name, what, text);
		return -EINVAL;
	}
	if (r > 0) {
		errbuf_set(err, len, "%s: %d of the %ss cannot be parsed", src->name, r, what);
		return -EINVAL;
	}
	return 0;
}

static int load_key(mbedtls_pk_context *key, const struct pki_source *src, char *err, size_t len)
{
	unsigned char *buf;
	size_t buflen;
	bool owned;
	int ret = source_load(src, &buf, &buflen, &owned, err, len);
	if (ret < 0)
		return ret;
	int r = mbedtls_pk_parse_key(key, buf, parse_len(buf, buflen), NULL, 0);
	source_release(src, buf, buflen, owned);
	if (r < 0) {
		char text[160];
		mbed_text(r, text, sizeof(text));
		errbuf_set(err, len, "%s: cannot parse private key: %s", src->name, text);
		return -EINVAL;
	}
	return 0;
}

/*
 * 0 if key is the private half of cert's public key, else an mbedTLS error.
 * For EC keys the public point stored with the private key is compared with
 * the certificate's: mbedtls_pk_check_pair would recompute it (d*G, 1.1 ms
 * of every start-up). A key file whose two halves disagree is then caught
 * by the peer at the first handshake instead of here.
 */
static int key_matches_cert(const mbedtls_pk_context *cert_pk, const mbedtls_pk_context *key)
{
	if (mbedtls_pk_get_type(cert_pk) != MBEDTLS_PK_ECKEY ||
	    mbedtls_pk_get_type(key) != MBEDTLS_PK_ECKEY)
		return mbedtls_pk_check_pair(cert_pk, key);
	const mbedtls_ecp_keypair *pub = mbedtls_pk_ec(*cert_pk), *prv = mbedtls_pk_ec(*key);
	if (pub->grp.id == MBEDTLS_ECP_DP_NONE || pub->grp.id != prv->grp.id ||
	    mbedtls_ecp_point_cmp(&pub->Q, &prv->Q) != 0)
		return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
	return 0;
}

/*
 * mbedTLS 2.28 signs and verifies with an EC key typed ECKEY (what it parses
 * from key files and certificates) through a throwaway ECDSA context, so it
 * rebuilds the key's table of base-point multiples every time: a P-256
 * signature costs 1.5 ms instead of 0.66, a verification 3.0 instead of 2.2.
 * The same key typed ECDSA keeps its table. A server signs with its key and
 * checks a client chain with its CA's key on every full handshake.
 */
static int keep_ec_tables(mbedtls_pk_context *pk)
{
	if (mbedtls_pk_get_type(pk) != MBEDTLS_PK_ECKEY)
		return 0;
	mbedtls_pk_context ecdsa;
	mbedtls_pk_init(&ecdsa);
	int r = mbedtls_pk_setup(&ecdsa, mbedtls_pk_info_from_type(MBEDTLS_PK_ECDSA));
	if (r == 0)
		r = mbedtls_ecdsa_from_keypair(mbedtls_pk_ec(ecdsa), mbedtls_pk_ec(*pk));
	if (r != 0) {
		mbedtls_pk_free(&ecdsa);
		return r;
	}
	mbedtls_pk_free(pk);
	*pk = ecdsa;
	return 0;
}

/*
 * A server signs with its key on every full handshake, and mbedTLS builds
 * that table on the key's first signature: 0.6 ms of a 1.0 ms P-256
 * signature here. One signature at start-up builds it before the first
 * client waits on it (after a restart, every client reconnects at once).
 */
static int warm_signing_table(struct tls_config *cfg)
{
	if (mbedtls_pk_get_type(&cfg->key) != MBEDTLS_PK_ECDSA ||
	    mbedtls_pk_ec(cfg->key)->grp.T != NULL)
		return 0;
	const unsigned char digest[32] = {0};
	unsigned char sig[MBEDTLS_ECDSA_MAX_LEN];
	size_t sig_len;
	return mbedtls_pk_sign(&cfg->key, MBEDTLS_MD_SHA256, digest, sizeof(digest), sig, &sig_len,
			       mbedtls_ctr_drbg_random, &cfg->drbg);
}

/*
 * Gives dst, when it has none, a copy of src's table of base-point
 * multiples. The table depends on the curve only, not on the key. mbedTLS
 * 2.28 keeps it in the group's public fields T and T_size and frees it with
 * the group. Best effort: without a copy, mbedTLS builds its own.
 */
static void copy_base_table(mbedtls_ecp_group *dst, const mbedtls_ecp_group *src)
{
	if (dst->id != src->id || dst->T != NULL || src->T == NULL || src->T_size == 0)
		return;
	mbedtls_ecp_point *t = mbedtls_calloc(src->T_size, sizeof(*t));
	if (t == NULL)
		return;
	size_t i = 0;
	for (; i < src->T_size; i++) {
		mbedtls_ecp_point_init(&t[i]);
		if (mbedtls_ecp_copy(&t[i], &src->T[i]) != 0)
			break;
	}
	if (i < src->T_size) {
		mbedtls_ecp_group partial = {.T = t, .T_size = i + 1};
		tls_drop_base_table(&partial);
		return;
	}
	dst->T = t;
	dst->T_size = src->T_size;
}

void tls_drop_base_table(mbedtls_ecp_group *grp)
{
	if (grp->T_size == 0) /* none, or (in later mbedTLS) a static one */
		return;
	for (size_t i = 0; i < grp->T_size; i++)
		mbedtls_ecp_point_free(&grp->T[i]);
	mbedtls_free(grp->T);
	grp->T = NULL;
	grp->T_size = 0;
}

static bool curve_offered(mbedtls_ecp_group_id id)
{
	for (size_t i = 0; groups[i] != MBEDTLS_ECP_DP_NONE; i++)
		if (groups[i] == id)
			return true;
	return false;
}

/*
 * The peer certificate's key checks one signature per full handshake (the
 * server's key exchange, or the client's CertificateVerify). Typed ECKEY, as
 * parsed, it would rebuild the curve's base-point table for that check:
 * 0.55 ms of a 2.0 ms P-256 check here. Typed ECDSA, with a copy of our own
 * key's table, it does not. mbedTLS checks the curve of an ECKEY peer key
 * against our list after the verify callback, but not of one typed ECDSA,
 * so that check is made here. False for a curve we do not offer.
 */
bool tls_ready_peer_key(const struct tls_config *cfg, mbedtls_x509_crt *crt)
{
	if (mbedtls_pk_get_type(&crt->pk) != MBEDTLS_PK_ECKEY)
		return true;
	if (!curve_offered(mbedtls_pk_ec(crt->pk)->grp.id))
		return false;
	if (keep_ec_tables(&crt->pk) != 0)
		return true; /* out of memory: still ECKEY, which mbedTLS checks */
	if (mbedtls_pk_get_type(&cfg->key) == MBEDTLS_PK_ECDSA)
		copy_base_table(&mbedtls_pk_ec(crt->pk)->grp, &mbedtls_pk_ec(cfg->key)->grp);
	return true;
}

/* The CRL's signature verifies with ca's key, and ca may sign CRLs. */
static bool crl_signed_by(const mbedtls_x509_crl *crl, const mbedtls_x509_crt *ca)
{
	if (mbedtls_x509_crt_check_key_usage(ca, MBEDTLS_X509_KU_CRL_SIGN) != 0)
		return false;
	const mbedtls_md_info_t *md = mbedtls_md_info_from_type(crl->sig_md);
	unsigned char hash[MBEDTLS_MD_MAX_SIZE];
	if (md == NULL || mbedtls_md(md, crl->tbs.p, crl->tbs.len, hash) != 0)
		return false;
	if (!mbedtls_pk_can_do(&ca->pk, crl->sig_pk))
		return false;
	return mbedtls_pk_verify_ext(crl->sig_pk, crl->sig_opts, (mbedtls_pk_context *)&ca->pk,
				     crl->sig_md, hash, mbedtls_md_get_size(md), crl->sig.p,
				     crl->sig.len) == 0;
}

/* A fresh heap CRL from path, checked to come from our CA. */
static int load_crl(const struct tls_config *cfg, const char *path, mbedtls_x509_crl **out,
		    char *err, size_t len)
{
	unsigned char *buf;
	size_t buflen;
	int ret = read_pki_file(path, false, &buf, &buflen, err, len);
	if (ret < 0)
		return ret;
	mbedtls_x509_crl *crl = calloc(1, sizeof(*crl));
	if (crl == NULL) {
		free(buf);
		errbuf_set(err, len, "%s: out of memory", path);
		return -ENOMEM;
	}
	mbedtls_x509_crl_init(crl);
	int r = mbedtls_x509_crl_parse(crl, buf, parse_len(buf, buflen));
	free(buf);
	if (r != 0) {
		char text[160];
		mbed_text(r, text, sizeof(text));
		errbuf_set(err, len, "%s: cannot parse CRL: %s", path, text);
		ret = -EINVAL;
		goto fail;
	}
	/* A CRL from another CA would revoke nothing: refuse it here where the
	 * admin sees it. Its signature is checked once, here, and not on every
	 * handshake (mbedTLS would re-verify it for each client: 2.5 ms of
	 * ECDSA each time); verify_cb then looks serials up in it. */
	for (const mbedtls_x509_crl *c = crl; c != NULL; c = c->next) {
		const mbedtls_x509_crt *issuer = NULL;
		for (const mbedtls_x509_crt *ca = &cfg->ca; ca != NULL && ca->raw.p; ca = ca->next)
			if (c->issuer_raw.len == ca->subject_raw.len &&
			    memcmp(c->issuer_raw.p, ca->subject_raw.p, c->issuer_raw.len) == 0)
				issuer = ca;
		if (issuer == NULL) {
			errbuf_set(err, len, "%s: CRL is not issued by the configured CA", path);
			ret = -EINVAL;
			goto fail;
		}
		if (!crl_signed_by(c, issuer)) {
			errbuf_set(err, len,
				   "%s: CRL signature does not verify with the configured CA's key",
				   path);
			ret = -EINVAL;
			goto fail;
		}
	}
	*out = crl;
	return 0;
fail:
	mbedtls_x509_crl_free(crl);
	free(crl);
	return ret;
}

static bool has_eku(const mbedtls_x509_crt *crt, const char *oid, size_t oidlen)
{
	/* mbedTLS accepts a certificate without the extension for any use; we
	 * do not, or a client certificate could pose as the server. */
	if ((crt->ext_types & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) == 0)
		return false;
	return mbedtls_x509_crt_check_extended_key_usage(crt, oid, oidlen) == 0;
}

static bool role_eku(const mbedtls_x509_crt *crt, enum tls_role peer_role)
{
	if (peer_role == TLS_SERVER)
		return has_eku(crt, MBEDTLS_OID_SERVER_AUTH,
			       MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH));
	return has_eku(crt, MBEDTLS_OID_CLIENT_AUTH, MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH));
}

static int set_suites(struct tls_config *cfg, const int *wanted, char *err, size_t len)
{
	if (wanted == NULL)
		wanted = default_suites;
	size_t n = 0;
	for (; wanted[n] != 0; n++) {
		if (n >= TLS_MAX_SUITES) {
			errbuf_set(err, len, "more than %d ciphersuites", TLS_MAX_SUITES);
			return -EINVAL;
		}
		bool allowed = false;
		for (size_t i = 0; default_suites[i] != 0; i++)
			allowed |= default_suites[i] == wanted[n];
		if (!allowed) {
			const char *name = mbedtls_ssl_get_ciphersuite_name(wanted[n]);
			errbuf_set(err, len,
				   "ciphersuite %s (0x%04x) is not an ECDHE AEAD suite we allow",
				   name ? name : "unknown", (unsigned)wanted[n]);
			return -EINVAL;
		}
		cfg->suites[n] = wanted[n];
	}
	if (n == 0) {
		errbuf_set(err, len, "empty ciphersuite list");
		return -EINVAL;
	}
	cfg->suites[n] = 0;
	return 0;
}

static int set_server_name(struct tls_config *cfg, const char *name, char *err, size_t len)
{
	if (name == NULL || name[0] == '\0') {
		errbuf_set(err, len, "client needs the server name to verify");
		return -EINVAL;
	}
	cfg->server_name = strdup(name);
	if (cfg->server_name == NULL) {
		errbuf_set(err, len, "out of memory");
		return -ENOMEM;
	}
	if (inet_pton(AF_INET, name, cfg->server_ip) == 1) {
		cfg->server_is_ip = true;
		cfg->server_ip_len = 4;
	} else if (inet_pton(AF_INET6, name, cfg->server_ip) == 1) {
		cfg->server_is_ip = true;
		cfg->server_ip_len = 16;
	}
	return 0;
}

static int load_pki(struct tls_config *cfg, const struct tls_options *opt, char *err, size_t len)
{
	if ((opt->ca_file == NULL && opt->ca_pem == NULL) ||
	    (opt->cert_file == NULL && opt->cert_pem == NULL) ||
	    (opt->key_file == NULL && opt->key_pem == NULL)) {
		errbuf_set(err, len, "CA, certificate and key are all required");
		return -EINVAL;
	}
	const struct pki_source ca = {opt->ca_file, opt->ca_pem,
				      opt->ca_file ? opt->ca_file : "inline ca", false};
	const struct pki_source cert = {opt->cert_file, opt->cert_pem,
					opt->cert_file ? opt->cert_file : "inline cert", false};
	const struct pki_source key = {opt->key_file, opt->key_pem,
				       opt->key_file ? opt->key_file : "inline key", true};
	int ret = load_certs(&cfg->ca, &ca, "CA certificate", err, len);
	if (ret < 0)
		return ret;
	ret = load_certs(&cfg->cert, &cert, "certificate", err, len);
	if (ret < 0)
		return ret;
	ret = load_key(&cfg->key, &key, err, len);
	if (ret < 0)
		return ret;
	int r = key_matches_cert(&cfg->cert.pk, &cfg->key);
	if (r != 0) {
		char text[160];
		mbed_text(r, text, sizeof(text));
		errbuf_set(err, len, "%s does not match the certificate in %s: %s", key.name,
			   cert.name, text);
		return -EINVAL;
	}
	r = keep_ec_tables(&cfg->key);
	for (mbedtls_x509_crt *c = &cfg->ca; r == 0 && c != NULL && c->raw.p != NULL; c = c->next)
		r = keep_ec_tables(&c->pk);
	if (r != 0) {
		errbuf_set(err, len, "out of memory");
		return -ENOMEM;
	}
	/* A certificate the peer will refuse is better reported now. */
	if (!role_eku(&cfg->cert, cfg->role)) {
		errbuf_set(err, len, "%s: certificate lacks extendedKeyUsage %s", cert.name,
			   cfg->role == TLS_SERVER ? "serverAuth" : "clientAuth");
		return -EINVAL;
	}
	if (opt->crl_file != NULL && cfg->role == TLS_SERVER) {
		cfg->crl_file = strdup(opt->crl_file);
		if (cfg->crl_file == NULL) {
			errbuf_set(err, len, "out of memory");
			return -ENOMEM;
		}
		ret = load_crl(cfg, cfg->crl_file, &cfg->crl, err, len);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/*
 * The DRBG's entropy source: the kernel's random pool. Not mbedtls_entropy:
 * Debian's build includes HAVEGE, whose set-up alone reads the CPU clock for
 * about 0.3 ms in every tls_config_new (on the way to a client's first
 * packet), for a source no stronger than the kernel's. The DRBG asks for at
 * most MBEDTLS_CTR_DRBG_ENTROPY_LEN (48) bytes at a time, and getrandom
 * returns requests of up to 256 bytes whole.
 */
static int kernel_entropy(void *ctx, unsigned char *out, size_t len)
{
	(void)ctx;
	if (len > 256 || getrandom(out, len, 0) != (ssize_t)len)
		return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
	return 0;
}

static int setup_conf(struct tls_config *cfg, char *err, size_t len)
{
	mbedtls_ssl_config *conf = &cfg->conf;
	int endpoint = cfg->role == TLS_SERVER ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT;
	int r = mbedtls_ctr_drbg_seed(&cfg->drbg, kernel_entropy, NULL,
				      (const unsigned char *)"tlsvpn", 6);
	if (r == 0)
		r = mbedtls_ssl_config_defaults(conf, endpoint, MBEDTLS_SSL_TRANSPORT_STREAM,
						MBEDTLS_SSL_PRESET_DEFAULT);
	if (r != 0)
		goto fail;
	mbedtls_ssl_conf_rng(conf, mbedtls_ctr_drbg_random, &cfg->drbg);
	/* Debian's build still allows TLS 1.0/1.1 by default. */
	mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3,
				     MBEDTLS_SSL_MINOR_VERSION_3);
	mbedtls_ssl_conf_authmode(conf, MBEDTLS_SSL_VERIFY_REQUIRED);
	mbedtls_ssl_conf_ciphersuites(conf, cfg->suites);
	mbedtls_ssl_conf_curves(conf, groups);
	mbedtls_ssl_conf_sig_hashes(conf, sig_hashes);
	mbedtls_ssl_conf_renegotiation(conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
	/* no CRL for mbedTLS: load_crl checked it once, verify_cb consults it */
	mbedtls_ssl_conf_ca_chain(conf, &cfg->ca, NULL);
	r = mbedtls_ssl_conf_own_cert(conf, &cfg->cert, &cfg->key);
	if (r != 0)
		goto fail;
	cfg->alpn[0] = TLS_ALPN;
	cfg->alpn[1] = NULL;
	r = mbedtls_ssl_conf_alpn_protocols(conf, cfg->alpn);
	if (r != 0)
		goto fail;
	if (cfg->role == TLS_SERVER) {
		r = mbedtls_ssl_ticket_setup(&cfg->ticket, mbedtls_ctr_drbg_random, &cfg->drbg,
					     MBEDTLS_CIPHER_AES_256_GCM, TICKET_LIFETIME);
		if (r != 0)
			goto fail;
		mbedtls_ssl_conf_session_tickets_cb(conf, mbedtls_ssl_ticket_write,
						    mbedtls_ssl_ticket_parse, &cfg->ticket);
		r = warm_signing_table(cfg);
		if (r != 0)
			goto fail;
	} else {
		mbedtls_ssl_conf_session_tickets(conf, MBEDTLS_SSL_SESSION_TICKETS_ENABLED);
	}
	return 0;
fail:;
	char text[160];
	mbed_text(r, text, sizeof(text));
	errbuf_set(err, len, "TLS setup failed: %s", text);
	return -EINVAL;
}

int tls_config_new(enum tls_role role, const struct tls_options *opt, struct tls_config **out,
		   char *err, size_t len)
{
	errbuf_set(err, len, "no error");
	if (opt == NULL || out == NULL || (role != TLS_SERVER && role != TLS_CLIENT)) {
		errbuf_set(err, len, "bad arguments");
		return -EINVAL;
	}
	struct tls_config *cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL) {
		errbuf_set(err, len, "out of memory");
		return -ENOMEM;
	}
	cfg->role = role;
	mbedtls_ssl_config_init(&cfg->conf);
	mbedtls_ctr_drbg_init(&cfg->drbg);
	mbedtls_x509_crt_init(&cfg->ca);
	mbedtls_x509_crt_init(&cfg->cert);
	mbedtls_pk_init(&cfg->key);
	mbedtls_ssl_ticket_init(&cfg->ticket);
	mbedtls_ssl_session_init(&cfg->session);

	int ret = set_suites(cfg, opt->ciphersuites, err, len);
	if (ret == 0 && role == TLS_CLIENT)
		ret = set_server_name(cfg, opt->server_name, err, len);
	if (ret == 0)
		ret = load_pki(cfg, opt, err, len);
	if (ret == 0)
		ret = setup_conf(cfg, err, len);
	if (ret < 0) {
		tls_config_free(cfg);
		return ret;
	}
	*out = cfg;
	return 0;
}

void tls_config_free(struct tls_config *cfg)
{
	if (cfg == NULL)
		return;
	mbedtls_ssl_config_free(&cfg->conf);
	mbedtls_ssl_ticket_free(&cfg->ticket);
	mbedtls_ssl_session_free(&cfg->session);
	mbedtls_x509_crt_free(&cfg->ca);
	mbedtls_x509_crt_free(&cfg->cert);
	mbedtls_pk_free(&cfg->key);
	if (cfg->crl != NULL) {
		mbedtls_x509_crl_free(cfg->crl);
		free(cfg->crl);
	}
	mbedtls_ctr_drbg_free(&cfg->drbg);
	free(cfg->crl_file);
	free(cfg->server_name);
	free(cfg);
}

int tls_config_reload_crl(struct tls_config *cfg, char *err, size_t len)
{
	if (cfg == NULL || cfg->crl_file == NULL) {
		errbuf_set(err, len, "no CRL file configured");
		return -ENOENT;
	}
	mbedtls_x509_crl *crl = NULL;
	int ret = load_crl(cfg, cfg->crl_file, &crl, err, len);
	if (ret < 0)
		return ret;
	/* Handshakes verify synchronously inside one call, so no handshake in
	 * progress can still hold the old list. */
	if (cfg->crl != NULL) {
		mbedtls_x509_crl_free(cfg->crl);
		free(cfg->crl);
	}
	cfg->crl = crl;
	return 0;
}

bool tls_config_crl_next_update(const struct tls_config *cfg, time_t *out)
{
	if (cfg == NULL || cfg->crl == NULL)
		return false;
	const mbedtls_x509_time *t = &cfg->crl->next_update;
	if (t->year == 0) /* nextUpdate is optional in a CRL */
		return false;
	struct tm tm = {
	    .tm_year = t->year - 1900,
	    .tm_mon = t->mon - 1,
	    .tm_mday = t->day,
	    .tm_hour = t->hour,
	    .tm_min = t->min,
	    .tm_sec = t->sec,
	};
	if (out != NULL)
		*out = timegm(&tm);
	return true;
}

bool tls_config_cert_revoked(const struct tls_config *cfg, const mbedtls_x509_crt *peer)
{
	if (cfg == NULL || cfg->crl == NULL || peer == NULL)
		return false;
	for (mbedtls_x509_crl *crl = cfg->crl; crl != NULL; crl = crl->next) {
		if (crl->issuer_raw.len != peer->issuer_raw.len ||
		    memcmp(crl->issuer_raw.p, peer->issuer_raw.p, crl->issuer_raw.len) != 0)
			continue;
		/* is_revoked walks the chain from its argument: pass one CRL. */
		mbedtls_x509_crl *next = crl->next;
		crl->next = NULL;
		int r = mbedtls_x509_crt_is_revoked(peer, crl);
		crl->next = next;
		if (r)
			return true;
	}
	return false;
}

int tls_config_save_session(struct tls_config *cfg, struct tls_conn *conn)
{
	if (cfg == NULL || conn == NULL || cfg->role != TLS_CLIENT)
		return 0;
	tls_config_forget_session(cfg);
	int r = mbedtls_ssl_get_session(&conn->ssl, &cfg->session);
	if (r != 0) {
		tls_config_forget_session(cfg);
		return r;
	}
	cfg->have_session = true;
	return 0;
}

void tls_config_forget_session(struct tls_config *cfg)
{
	if (cfg == NULL)
		return;
	mbedtls_ssl_session_free(&cfg->session);
	mbedtls_ssl_session_init(&cfg->session);
	cfg->have_session = false;
}

/* ---- connections ---- */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n >= 0)
			return (int)n;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_WRITE;
		c->sys_errno = errno;
		return errno == EPIPE || errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
							     : MBEDTLS_ERR_NET_SEND_FAILED;
	}
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
	struct tls_conn *c = ctx;
	if (len > INT_MAX)
		len = INT_MAX;
	for (;;) {
		ssize_t n = recv(c->fd, buf, len, 0);
		if (n >= 0)
			return (int)n; /* 0: EOF, which mbedTLS reports as CONN_EOF */
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return MBEDTLS_ERR_SSL_WANT_READ;
		c->sys_errno = errno;
		return errno == ECONNRESET ? MBEDTLS_ERR_NET_CONN_RESET
					   : MBEDTLS_ERR_NET_RECV_FAILED;
	}
}

static bool ip_san_matches(const struct tls_config *cfg, const mbedtls_x509_crt *crt)
{
	const unsigned char tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS;
	if ((crt->ext_types & MBEDTLS_X509_EXT_SUBJECT_ALT_NAME) == 0)
		return false;
	for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s != NULL; s = s->next)
		if (s->buf.tag == tag && s->buf.len == cfg->server_ip_len &&
		    memcmp(s->buf.p, cfg->server_ip, cfg->server_ip_len) == 0)
			return true;
	return false;
}

/* The subject's single CN when it is usable as an identity. */
static bool extract_cn(const mbedtls_x509_crt *crt, char *out, size_t outlen)
{
	const mbedtls_x509_buf *val = NULL;
	for (const mbedtls_x509_name *n = &crt->subject; n != NULL; n = n->next) {
		if (n->oid.p == NULL || MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) != 0)
			continue;
		if (val != NULL) /* two CNs: which one is the identity? */
			return false;
		val = &n->val;
	}
	if (val == NULL || val->len == 0 || val->len > TLS_MAX_CN || val->len >= outlen)
		return false;
	for (size_t i = 0; i < val->len; i++)
		if (val->p[i] < 0x20 || val->p[i] > 0x7e)
			return false;
	memcpy(out, val->p, val->len);
	out[val->len] = '\0';
	return true;
}

static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
	struct tls_conn *c = ctx;
	const struct tls_config *cfg = c->cfg;
	c->verified = true;
	/* Every certificate of the chain is looked up in the CRL of its issuer.
	 * An overdue CRL still lists what it revoked, but must not lock every
	 * client out: the server warns about it instead
	 * (tls_config_crl_next_update). */
	if (cfg->role == TLS_SERVER && tls_config_cert_revoked(cfg, crt))
		*flags |= MBEDTLS_X509_BADCERT_REVOKED;
	if (depth == 0) {
		enum tls_role peer = cfg->role == TLS_SERVER ? TLS_CLIENT : TLS_SERVER;
		if (!role_eku(crt, peer))
			*flags |= MBEDTLS_X509_BADCERT_EXT_KEY_USAGE;
		if (cfg->role == TLS_CLIENT && cfg->server_is_ip && !ip_san_matches(cfg, crt))
			*flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
		/* The client's table is built in its first wait (tls_conn_handshake),
		 * but the server's first flight can arrive before that wait: the
		 * server, woken on the client's vCPU, sends it before the client
		 * reads. Then build the table here, so the key check below borrows
		 * it (0.55 ms less) instead of mbedTLS building another. */
		if (cfg->role == TLS_CLIENT)
			(void)warm_signing_table(c->cfg); /* on failure, mbedTLS builds it later */
		if (!tls_ready_peer_key(cfg, crt))
			*flags |= MBEDTLS_X509_BADCERT_BAD_KEY;
		if (cfg->role == TLS_SERVER && !extract_cn(crt, c->peer_cn, sizeof(c->peer_cn))) {
			*flags |= MBEDTLS_X509_BADCERT_OTHER;
			c->reason = "client certificate has no usable CN (one CN, 1-64 printable "
				    "ASCII characters)";
		}
	}
	c->flags |= *flags;
	return 0;
}

int tls_conn_new(struct tls_config *cfg, int fd, struct tls_conn **out)
{
	if (cfg == NULL || out == NULL || fd < 0)
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	struct tls_conn *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return TLS_ERR_ALLOC;
	c->cfg = cfg;
	c->fd = fd;
	mbedtls_ssl_init(&c->ssl);
	int r = mbedtls_ssl_setup(&c->ssl, &cfg->conf);
	/* No SNI for an IP literal (RFC 6066); verify_cb matches it instead. */
	if (r == 0 && cfg->role == TLS_CLIENT && !cfg->server_is_ip)
		r = mbedtls_ssl_set_hostname(&c->ssl, cfg->server_name);
	if (r == 0 && cfg->role == TLS_CLIENT && cfg->have_session)
		r = mbedtls_ssl_set_session(&c->ssl, &cfg->session);
	if (r != 0) {
		tls_conn_free(c);
		return r;
	}
	mbedtls_ssl_set_verify(&c->ssl, verify_cb, c);
	mbedtls_ssl_set_bio(&c->ssl, c, bio_send, bio_recv, NULL);
	*out = c;
	return 0;
}

void tls_conn_free(struct tls_conn *conn)
{
	if (conn == NULL)
		return;
	mbedtls_ssl_free(&conn->ssl);
	free(conn);
}

static int map_want(int r)
{
	if (r == MBEDTLS_ERR_SSL_WANT_READ)
		return TLS_WANT_READ;
	if (r == MBEDTLS_ERR_SSL_WANT_WRITE)
		return TLS_WANT_WRITE;
	return r;
}

/* Maps WANT codes and remembers a real failure for tls_conn_verify_error(). */
static int io_result(struct tls_conn *c, int r)
{
	r = map_want(r);
	if (r < 0 && r != TLS_WANT_READ && r != TLS_WANT_WRITE)
		c->last_err = r;
	return r;
}

/* Refuses the session after mbedTLS accepted it; the alert is best effort. */
static int refuse(struct tls_conn *c, int err, unsigned char alert, const char *reason)
{
	c->hs_err = err;
	c->reason = reason;
	mbedtls_ssl_send_alert_message(&c->ssl, MBEDTLS_SSL_ALERT_LEVEL_FATAL, alert);
	return err;
}

/* A resumed session skips verification; the CRL or the clock may have moved
 * since the ticket was issued. */
static int recheck_resumed(struct tls_conn *c)
{
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&c->ssl);
	if (peer == NULL)
		return refuse(c, TLS_ERR_RESUMED_CERT, MBEDTLS_SSL_ALERT_MSG_CERT_UNKNOWN,
			      "resumed session has no client certificate");
	if (tls_config_cert_revoked(c->cfg, peer))
		return refuse(c, TLS_ERR_RESUMED_CERT, MBEDTLS_SSL_ALERT_MSG_CERT_REVOKED,
			      "certificate revoked");
	if (mbedtls_x509_time_is_past(&peer->valid_to))
		return refuse(c, TLS_ERR_RESUMED_CERT, MBEDTLS_SSL_ALERT_MSG_CERT_EXPIRED,
			      "certificate expired");
	if (!extract_cn(peer, c->peer_cn, sizeof(c->peer_cn)))
		return refuse(c, TLS_ERR_RESUMED_CERT, MBEDTLS_SSL_ALERT_MSG_ACCESS_DENIED,
			      "client certificate has no usable CN");
	return 0;
}

int tls_conn_handshake(struct tls_conn *conn)
{
	if (conn->established)
		return 0;
	if (conn->hs_err != 0)
		return conn->hs_err;
	int r = map_want(mbedtls_ssl_handshake(&conn->ssl));
	/* A client's first wait is for the server's first flight: a round trip
	 * plus the server's key exchange and signature. A client that offers no
	 * session will sign, and builds its key's table in that wait instead of
	 * on the way to its signature; tls_ready_peer_key lends it to the check of
	 * the server's signature too. A resumption would not need it. */
	if (r == TLS_WANT_READ && conn->cfg->role == TLS_CLIENT && !conn->cfg->have_session)
		(void)warm_signing_table(conn->cfg); /* on failure, mbedTLS builds it later */
	if (r == TLS_WANT_READ || r == TLS_WANT_WRITE)
		return r;
	if (r != 0) {
		conn->hs_err = r;
		return r;
	}
	const char *alpn = mbedtls_ssl_get_alpn_protocol(&conn->ssl);
	if (alpn == NULL || strcmp(alpn, TLS_ALPN) != 0)
		return refuse(conn, TLS_ERR_NO_ALPN, MBEDTLS_SSL_ALERT_MSG_NO_APPLICATION_PROTOCOL,
			      conn->cfg->role == TLS_SERVER
				  ? "peer did not offer ALPN " TLS_ALPN
				  : "server did not select ALPN " TLS_ALPN);
	/* Both sides always verify on a full handshake; no callback, no
	 * verification: the session was resumed. */
	conn->resumed = !conn->verified;
	if (conn->resumed && conn->cfg->role == TLS_SERVER) {
		r = recheck_resumed(conn);
		if (r != 0)
			return r;
	}
	const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&conn->ssl);
	conn->have_cn = peer != NULL && extract_cn(peer, conn->peer_cn, sizeof(conn->peer_cn));
	/* The peer key's table served its one check; a session keeps the peer's
	 * certificate for its lifetime, and 1,000 idle clients would keep 1.7 MB
	 * of tables. mbedTLS hands the certificate out const, but owns it and
	 * never reads the table again. */
	if (peer != NULL && mbedtls_pk_get_type(&peer->pk) == MBEDTLS_PK_ECDSA)
		tls_drop_base_table(&mbedtls_pk_ec(peer->pk)->grp);
	conn->established = true;
	return 0;
}

int tls_conn_read(struct tls_conn *conn, uint8_t *buf, size_t len)
{
	if (len == 0)
		return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
	if (len > INT_MAX)
		len = INT_MAX;
	int r = mbedtls_ssl_read(&conn->ssl, buf, len);
	if (r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || r == MBEDTLS_ERR_SSL_CONN_EOF)
		return 0;
	return io_result(conn, r);
}

int tls_conn_write(struct tls_conn *conn, const uint8_t *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (len > TLS_MAX_RECORD)
		len = TLS_MAX_RECORD;
	return io_result(conn, mbedtls_ssl_write(&conn->ssl, buf, len));
}

bool tls_conn_write_pending(const struct tls_conn *conn)
{
	return conn->ssl.out_left > 0;
}

size_t tls_conn_bytes_avail(const struct tls_conn *conn)
{
	return mbedtls_ssl_get_bytes_avail(&conn->ssl);
}

int tls_conn_close_notify(struct tls_conn *conn)
{
	return io_result(conn, mbedtls_ssl_close_notify(&conn->ssl));
}

const char *tls_conn_peer_cn(const struct tls_conn *conn)
{
	return conn->established && conn->have_cn ? conn->peer_cn : NULL;
}

const mbedtls_x509_crt *tls_conn_peer_cert(const struct tls_conn *conn)
{
	return conn->established ? mbedtls_ssl_get_peer_cert(&conn->ssl) : NULL;
}

const char *tls_conn_ciphersuite(const struct tls_conn *conn)
{
	const char *s = conn->established ? mbedtls_ssl_get_ciphersuite(&conn->ssl) : NULL;
	return s ? s : "unknown";
}

const char *tls_conn_version(const struct tls_conn *conn)
{
	return conn->established ? mbedtls_ssl_get_version(&conn->ssl) : "unknown";
}

const char *tls_conn_alpn(const struct tls_conn *conn)
{
	return mbedtls_ssl_get_alpn_protocol(&conn->ssl);
}

bool tls_conn_resumed(const struct tls_conn *conn)
{
	return conn->established && conn->resumed;
}
