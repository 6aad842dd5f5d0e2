/*
 * libFuzzer harness for cfg_load_buffer() and the typed getters, run over a schema
 * shaped like the server's config. Every failure must leave a message naming the
 * file; nothing may crash or leak whatever the document holds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

static void check_err(const struct cfg *c, int rc)
{
	if (rc < 0 && strncmp(c->err, "fuzz.json", 9) != 0)
		abort();
}

static void walk_pool(struct cfg *c, json_t *root)
{
	static const char *const keys[] = {"ipv4", "ipv6", "lease_file", NULL};
	json_t *pool = NULL;
	int rc = cfg_object(c, root, "", "pool", false, &pool);
	check_err(c, rc);
	if (rc != 0)
		return;
	check_err(c, cfg_reject_unknown(c, pool, "pool", keys));
	struct ip_prefix p;
	check_err(c, cfg_prefix(c, pool, "pool", "ipv4", true, &p, true));
	check_err(c, cfg_prefix(c, pool, "pool", "ipv6", false, &p, true));
	const char *file = NULL;
	if (cfg_string(c, pool, "pool", "lease_file", false, &file) == 0) {
		char *path = cfg_resolve_path("/etc/tlsvpn/server.json", file);
		free(path);
	}
}

static void walk_arrays(struct cfg *c, json_t *root)
{
	json_t *a = NULL, *v;
	size_t i;
	char path[48];
	if (cfg_array(c, root, "", "dns", false, &a) == 0) {
		json_array_foreach(a, i, v)
		{
			struct ip_addr addr;
			snprintf(path, sizeof(path), "dns[%zu]", i);
			check_err(c, cfg_addr_value(c, v, path, NULL, &addr));
		}
	}
	a = NULL;
	if (cfg_array(c, root, "", "routes", false, &a) == 0) {
		json_array_foreach(a, i, v)
		{
			struct ip_prefix p;
			snprintf(path, sizeof(path), "routes[%zu]", i);
			check_err(c, cfg_prefix_value(c, v, path, NULL, &p, true));
			const char *s;
			check_err(c, cfg_string_value(c, v, path, NULL, &s));
		}
	}
	a = NULL;
	if (cfg_array(c, root, "", "remotes", false, &a) == 0) {
		json_array_foreach(a, i, v)
		{
			char host[ADDR_HOSTLEN];
			uint16_t port;
			snprintf(path, sizeof(path), "remotes[%zu]", i);
			check_err(c, cfg_hostport(c, v, path, "host", true, 443, host, sizeof(host),
						  &port));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const top[] = {
	    "listen",  "mtu",  "client_to_client", "pool",	"dns", "routes",
	    "remotes", "name", "gateway",	   "log_level", NULL};
	struct cfg c = {.file = "fuzz.json"};
	json_t *root = cfg_load_buffer(&c, (const char *)data, size);
	if (root == NULL) {
		if (strncmp(c.err, "fuzz.json", 9) != 0)
			abort();
		return 0;
	}
	check_err(&c, cfg_reject_unknown(&c, root, "", top));
	char host[ADDR_HOSTLEN];
	uint16_t port;
	check_err(&c, cfg_hostport(&c, root, "", "listen", true, 443, host, sizeof(host), &port));
	unsigned long mtu;
	check_err(&c, cfg_uint(&c, root, "", "mtu", false, 576, 65535, &mtu));
	bool b;
	check_err(&c, cfg_bool(&c, root, "", "client_to_client", false, &b));
	const char *s;
	check_err(&c, cfg_string(&c, root, "", "name", false, &s));
	struct ip_addr gw;
	check_err(&c, cfg_addr(&c, root, "", "gateway", false, &gw));
	walk_pool(&c, root);
	walk_arrays(&c, root);
	json_decref(root);
	return 0;
}
