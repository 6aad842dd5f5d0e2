/*
 * Fuzzes the loading of a client profile's inline PEM: CA, certificate and
 * key parsing plus the cert/key pair check, through tls_config_new() exactly
 * as the client calls it. The input is "ca\0cert\0key"; a missing part reuses
 * the first, so a single PEM blob exercises all three parsers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Profiles cap what they hold; bigger inputs only slow the fuzzer. */
	if (size > 64 * 1024)
		return 0;
	char *buf = malloc(size + 1);
	if (buf == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';

	const char *part[3] = {buf, NULL, NULL};
	size_t n = 1;
	for (size_t i = 0; i < size && n < 3; i++)
		if (buf[i] == '\0')
			part[n++] = buf + i + 1;
	for (size_t i = n; i < 3; i++)
		part[i] = part[0];

	struct tls_options o = {
	    .ca_pem = part[0],
	    .cert_pem = part[1],
	    .key_pem = part[2],
	    .server_name = "vpn.example.com",
	};
	struct tls_config *cfg = NULL;
	char err[256];
	if (tls_config_new(TLS_CLIENT, &o, &cfg, err, sizeof(err)) == 0)
		tls_config_free(cfg);
	free(buf);
	return 0;
}
