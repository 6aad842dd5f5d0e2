/*
 * Fuzzes what the verify callback does with a peer's certificate once mbedTLS
 * has parsed it: tls_ready_peer_key (type an EC key ECDSA, check its curve,
 * lend it our key's base-point table) and the drop of that table after the
 * handshake, on every certificate of a DER chain mbedTLS accepts. Our side is
 * a server with the throwaway P-256 PKI below (made with openssl for this
 * harness only; valid until 2126).
 */
#include <stdint.h>
#include <stdlib.h>

#include <mbedtls/x509_crt.h>

#include "tls.h"
#include "tls-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char ca_pem[] = "-----BEGIN CERTIFICATE-----\n"
			     "MIIBazCCARCgAwIBAgIUJiTuOCbe5d37NgO5O4pnY46Bl/8wCgYIKoZIzj0EAwIw\n"
			     "EjEQMA4GA1UEAwwHZnV6eiBDQTAgFw0yNjExMjQxNjEwNTRaGA8yMTI2MTAzMTE2\n"
			     "MTA1NFowEjEQMA4GA1UEAwwHZnV6eiBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEH\n"
			     "A0IABCCWeMM1jEGSjGZXv/9tXjJ4YN0PNpQ5d5lNv+5FJYhgmcWizjTa7euqRuM/\n"
			     "JMRJO53z6R9ICkBULHvg5YhmD82jQjBAMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0P\n"
			     "AQH/BAQDAgEGMB0GA1UdDgQWBBSUqrt9O0UOWbFjxpFLcY6NSa0kFTAKBggqhkjO\n"
			     "PQQDAgNJADBGAiEAwkvTfwUv8bLPdsNZVhXHnvga3tdyfHc+ZB7qWGUo9LYCIQD8\n"
			     "9KG+OUY6guc1/rASKy4jtXHnbloqEhjlI137mt/FUA==\n"
			     "-----END CERTIFICATE-----\n";

static const char cert_pem[] = "-----BEGIN CERTIFICATE-----\n"
			       "MIIBpjCCAUugAwIBAgIUW/AoP48318nM0qA421m7cEiyxv0wCgYIKoZIzj0EAwIw\n"
			       "EjEQMA4GA1UEAwwHZnV6eiBDQTAgFw0yNjExMjQxNjEwNTRaGA8yMTI2MTAzMTE2\n"
			       "MTA1NFowGjEYMBYGA1UEAwwPdnBuLmV4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYI\n"
			       "KoZIzj0DAQcDQgAE9RFihOzx7KI8ixxLuVwj9PqCTgHKecNnnPTP4fsz8S+5DOWN\n"
			       "tFIehY1W799QY6BdgLLdPgdj2ONDEKW41AFkE6N1MHMwDAYDVR0TAQH/BAIwADAO\n"
			       "BgNVHQ8BAf8EBAMCB4AwEwYDVR0lBAwwCgYIKwYBBQUHAwEwHQYDVR0OBBYEFGwr\n"
			       "l2PRKCwj96yiMzxz+gtIUIlNMB8GA1UdIwQYMBaAFJSqu307RQ5ZsWPGkUtxjo1J\n"
			       "rSQVMAoGCCqGSM49BAMCA0kAMEYCIQCXgZBWnnifs9+AlXEf3Lqta2j4pah6Y7kE\n"
			       "pvL8hMdONwIhAIHbrkg8djyPgn11jnpSKq2Hhltladh7NLWBsUN1WeXV\n"
			       "-----END CERTIFICATE-----\n";

static const char key_pem[] = "-----BEGIN PRIVATE KEY-----\n"
			      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgH3m2/CsIwABCTqaw\n"
			      "0owcuTL8M2jiyKX7NLyBeH+G+ZahRANCAAT1EWKE7PHsojyLHEu5XCP0+oJOAcp5\n"
			      "w2ec9M/h+zPxL7kM5Y20Uh6FjVbv31BjoF2Ast0+B2PY40MQpbjUAWQT\n"
			      "-----END PRIVATE KEY-----\n";

static struct tls_config *server(void)
{
	static struct tls_config *cfg;
	if (cfg == NULL) {
		struct tls_options o = {.ca_pem = ca_pem, .cert_pem = cert_pem, .key_pem = key_pem};
		char err[256];
		if (tls_config_new(TLS_SERVER, &o, &cfg, err, sizeof(err)) != 0)
			abort(); /* the harness's own PKI must load */
	}
	return cfg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Certificate chains from a peer are a few KiB. */
	if (size > 16 * 1024)
		return 0;
	struct tls_config *cfg = server();
	const mbedtls_ecp_group *own = &mbedtls_pk_ec(cfg->key)->grp;
	mbedtls_x509_crt chain;
	mbedtls_x509_crt_init(&chain);
	if (mbedtls_x509_crt_parse_der(&chain, data, size) == 0) {
		for (mbedtls_x509_crt *c = &chain; c != NULL && c->raw.p != NULL; c = c->next) {
			bool was_ec = mbedtls_pk_get_type(&c->pk) == MBEDTLS_PK_ECKEY;
			if (!tls_ready_peer_key(cfg, c) ||
			    mbedtls_pk_get_type(&c->pk) != MBEDTLS_PK_ECDSA)
				continue;
			mbedtls_ecp_group *grp = &mbedtls_pk_ec(c->pk)->grp;
			/* A key on our curve leaves with our table, copied. */
			if (was_ec && grp->id == own->id && (grp->T == NULL || grp->T == own->T))
				abort();
			tls_drop_base_table(grp);
		}
	}
	mbedtls_x509_crt_free(&chain);
	return 0;
}
