/*
 * libFuzzer harness for the server's lease file (pool_load_buffer in
 * server/pool.c). The pool is 10.8.0.0/24 with fd00:8::/64 and one pin, as a
 * server would have it. Whatever the input, loaded or refused, the pool must
 * still work: a few clients get distinct addresses inside the pool (the pin
 * its own), and the leases can be saved.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pool.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static const char *const clients[] = {"pinned", "alice", "bob", "carol", "dave"};
#define N_CLIENTS (sizeof(clients) / sizeof(clients[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ip_prefix v4, v6;
	struct ip_addr pin;
	CHECK(addr_prefix_parse("10.8.0.0/24", &v4) && addr_prefix_parse("fd00:8::/64", &v6));
	CHECK(addr_parse("10.8.0.9", &pin));

	/* tmpfs when there is one: pool_save fsyncs, which is slow on a disk. */
	char dir[64];
	snprintf(dir, sizeof(dir), "%s/fuzz-leases-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	CHECK(mkdtemp(dir) != NULL);
	char path[sizeof(dir) + 16], tmp[sizeof(path) + 8];
	snprintf(path, sizeof(path), "%s/leases.json", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);

	char err[512] = "";
	struct pool *pool = pool_new(&v4, &v6, path, err, sizeof(err));
	CHECK(pool != NULL);
	CHECK(pool_pin(pool, "pinned", &pin, err, sizeof(err)) == 0);

	/* Its own allocation, so that ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	CHECK(text != NULL);
	memcpy(text, data, size);
	err[0] = '\0';
	int rc = pool_load_buffer(pool, text, size, err, sizeof(err));
	free(text);
	CHECK(rc == 0 || rc == -EINVAL);
	if (rc != 0)
		CHECK(strncmp(err, path, strlen(path)) == 0);
	CHECK(pool_lease_count(pool) >= 1 && pool_lease_count(pool) <= 253);

	struct ip_addr a4[N_CLIENTS], a6[N_CLIENTS];
	for (size_t i = 0; i < N_CLIENTS; i++) {
		CHECK(pool_lease(pool, clients[i], &a4[i], &a6[i]) == 0);
		CHECK(addr_prefix_contains(&v4, &a4[i]) && addr_prefix_contains(&v6, &a6[i]));
		uint64_t off = addr_prefix_offset(&v4, &a4[i]);
		CHECK(off >= 2 && off <= 254);
		CHECK(addr_prefix_offset(&v6, &a6[i]) == off);
		for (size_t j = 0; j < i; j++)
			CHECK(!addr_equal(&a4[i], &a4[j]) && !addr_equal(&a6[i], &a6[j]));
	}
	CHECK(addr_equal(&a4[0], &pin));

	CHECK(pool_save(pool, err, sizeof(err)) == 0);
	pool_free(pool);

	/* What was saved loads back, and gives the same clients the same addresses. */
	pool = pool_new(&v4, &v6, path, err, sizeof(err));
	CHECK(pool != NULL);
	CHECK(pool_pin(pool, "pinned", &pin, err, sizeof(err)) == 0);
	CHECK(pool_load(pool, err, sizeof(err)) == 0);
	for (size_t i = 0; i < N_CLIENTS; i++) {
		struct ip_addr b4, b6;
		CHECK(pool_lease(pool, clients[i], &b4, &b6) == 0);
		CHECK(addr_equal(&a4[i], &b4) && addr_equal(&a6[i], &b6));
	}
	pool_free(pool);

	unlink(tmp);
	CHECK(unlink(path) == 0);
	CHECK(rmdir(dir) == 0);
	return 0;
}
