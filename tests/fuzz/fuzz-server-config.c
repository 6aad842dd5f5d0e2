/*
 * libFuzzer harness for the server config loader: any bytes must give either
 * a config that satisfies the documented invariants or an error message that
 * names the file.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "server-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server_config c;
	char err[1024];
	err[0] = '\0';
	int rc = server_config_parse("fuzz.json", (const char *)data, size, &c, err, sizeof err);
	if (rc < 0) {
		assert(strncmp(err, "fuzz.json", 9) == 0);
		return 0;
	}
	assert(c.ca != NULL && c.cert != NULL && c.key != NULL);
	assert(c.pool4.addr.family == AF_INET && c.pool4.len >= 8 && c.pool4.len <= 30);
	assert(c.mtu >= 576 && c.mtu <= 65535);
	assert(c.n_routes <= CONTROL_MAX_ROUTES && c.n_dns <= CONTROL_MAX_DNS);
	assert(c.keepalive_timeout > c.keepalive_interval);
	assert(c.max_handshakes_per_source <= c.max_handshakes);
	for (size_t i = 0; i < c.n_pins; i++)
		assert(addr_prefix_contains(&c.pool4, &c.pins[i].ipv4));
	server_config_free(&c);
	return 0;
}
