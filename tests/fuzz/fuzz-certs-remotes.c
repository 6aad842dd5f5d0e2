/*
 * libFuzzer harness for the --remote list of `tlsvpn-certs client`
 * (profile_parse_remotes in certs/profile.c), the input taken as a
 * NUL-terminated string. What parses must hold valid hosts, ports and distinct
 * names, and written back as "[NAME=]HOST:PORT,..." must parse to the same list.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

/* Generous for PROFILE_REMOTES_MAX items of the longest form. */
#define SPEC_MAX (PROFILE_REMOTES_MAX * (PROFILE_REMOTE_NAME_MAX + PROFILE_HOST_MAX + 16))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = malloc(size + 1);
	CHECK(spec != NULL);
	memcpy(spec, data, size);
	spec[size] = '\0';

	/* The first byte also picks a smaller limit, so that "too many" is reached. */
	size_t max = size > 0 ? 1 + data[0] % PROFILE_REMOTES_MAX : PROFILE_REMOTES_MAX;
	struct profile_remote r[PROFILE_REMOTES_MAX], again[PROFILE_REMOTES_MAX];
	char err[512] = "";
	int n = profile_parse_remotes(spec, r, max, err, sizeof(err));
	if (n < 0) {
		CHECK(n == -EINVAL && err[0] != '\0');
		free(spec);
		return 0;
	}
	CHECK(n >= 1 && (size_t)n <= max);

	char *text = malloc(SPEC_MAX);
	CHECK(text != NULL);
	size_t len = 0;
	for (int i = 0; i < n; i++) {
		CHECK(r[i].port != 0);
		CHECK(strlen(r[i].host) >= 1 && profile_host_valid(r[i].host));
		CHECK(strlen(r[i].name) <= PROFILE_REMOTE_NAME_MAX);
		for (int j = 0; j < i; j++)
			CHECK(r[i].name[0] == '\0' || strcmp(r[i].name, r[j].name) != 0);
		bool v6 = strchr(r[i].host, ':') != NULL;
		int w = snprintf(text + len, SPEC_MAX - len, v6 ? "%s%s%s[%s]:%u" : "%s%s%s%s:%u",
				 i > 0 ? "," : "", r[i].name, r[i].name[0] ? "=" : "", r[i].host,
				 (unsigned)r[i].port);
		CHECK(w > 0 && (size_t)w < SPEC_MAX - len);
		len += (size_t)w;
	}
	CHECK(profile_parse_remotes(text, again, max, err, sizeof(err)) == n);
	for (int i = 0; i < n; i++)
		CHECK(strcmp(r[i].name, again[i].name) == 0 &&
		      strcmp(r[i].host, again[i].host) == 0 && r[i].port == again[i].port);
	free(text);
	free(spec);
	return 0;
}
