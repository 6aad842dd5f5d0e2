/*
 * libFuzzer harness for the client profile parser (client/profile.c): any
 * bytes either parse into a profile whose fields hold the documented
 * invariants, or are refused with an error message; never a crash or leak.
 * The first byte, when it is '@', also exercises --remote selection with the
 * text up to the first newline.
 */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "profile.h"

static void check(const struct profile *p)
{
	assert(p->n_remotes >= 1 && p->n_remotes <= PROFILE_MAX_REMOTES);
	assert(strlen(p->name) > 0 && strlen(p->name) < PROFILE_NAME_MAX);
	assert(strlen(p->server_name) > 0);
	for (size_t i = 0; i < p->n_remotes; i++) {
		assert(p->remotes[i].port != 0);
		assert(strlen(p->remotes[i].host) > 0);
	}
	assert(p->ca_pem && p->cert_pem && p->key_pem);
	assert(strlen(p->key_pem) <= PROFILE_PEM_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char selector[128] = "";
	if (size > 0 && data[0] == '@') {
		const uint8_t *nl = memchr(data, '\n', size);
		size_t n = nl ? (size_t)(nl - data) : size;
		if (n - 1 < sizeof(selector)) {
			memcpy(selector, data + 1, n - 1);
			selector[n - 1] = '\0';
		}
		size -= nl ? n + 1 : n;
		data += nl ? n + 1 : n;
	}
	struct profile *p = NULL;
	char err[512] = "";
	int rc = profile_parse("fuzz.json", (const char *)data, size, &p, err, sizeof(err));
	if (rc != 0) {
		assert(p == NULL);
		assert(err[0] != '\0');
		return 0;
	}
	check(p);
	if (selector[0] != '\0' && memchr(selector, '\0', sizeof(selector)) != NULL) {
		if (profile_select_remote(p, selector, err, sizeof(err)) == 0)
			check(p);
	}
	profile_free(p);
	return 0;
}
