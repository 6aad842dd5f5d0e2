/*
 * bench-force-suite.so: an LD_PRELOAD shim for tests/bench/run's "tlsvpn
 * AES-256-GCM" runs. tlsvpn's server config and client profile have no
 * ciphersuite setting, so the benchmark narrows every list handed to
 * mbedtls_ssl_conf_ciphersuites() to the ECDHE AES-256-GCM suites, like for
 * like with OpenVPN's data-ciphers AES-256-GCM. Nothing else changes.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, ppoll, RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <stddef.h>

#include <mbedtls/ssl.h>

static const int aes256gcm[] = {
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    0,
};

void mbedtls_ssl_conf_ciphersuites(mbedtls_ssl_config *conf, const int *ciphersuites)
{
	static void (*real)(mbedtls_ssl_config *, const int *);
	(void)ciphersuites;
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "mbedtls_ssl_conf_ciphersuites");
	if (real != NULL)
		real(conf, aes256gcm);
}
