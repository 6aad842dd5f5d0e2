/* Unit tests for the server's address pool and lease file (server/pool.c). */
#include <check.h>
#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../server/pool.h"
#include "scratch.h"

static struct ip_prefix prefix(const char *s)
{
	struct ip_prefix p;
	ck_assert_msg(addr_prefix_parse(s, &p), "bad test prefix %s", s);
	return p;
}

static struct ip_addr addr(const char *s)
{
	struct ip_addr a;
	ck_assert_msg(addr_parse(s, &a), "bad test address %s", s);
	return a;
}

static const char *fmt(const struct ip_addr *a)
{
	static char buf[4][ADDR_STRLEN];
	static int i;
	i = (i + 1) % 4;
	return addr_format(a, buf[i], sizeof(buf[i]));
}

static char tmpdir[128];
static char leases[160];

static void setup_dir(void)
{
	scratch_mkdtemp(tmpdir, sizeof(tmpdir), "pool");
	snprintf(leases, sizeof(leases), "%s/leases.json", tmpdir);
}

START_TEST(gateway_and_first_lease)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(fmt(pool_gateway4(p)), "10.8.0.1");
	ck_assert_ptr_null(pool_gateway6(p));
	struct ip_addr a4, a6 = {0};
	ck_assert_int_eq(pool_lease(p, "alice", &a4, &a6), 0);
	ck_assert_str_eq(fmt(&a4), "10.8.0.2");
	ck_assert_int_eq(a6.family, 0);
	pool_free(p);
}
END_TEST

START_TEST(same_cn_same_address_distinct_otherwise)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24"), v6 = prefix("fd00:8::/64");
	struct pool *p = pool_new(&v4, &v6, NULL, NULL, 0);
	ck_assert_ptr_nonnull(p);
	struct ip_addr a, a6, b, b6, again, again6;
	ck_assert_int_eq(pool_lease(p, "alice", &a, &a6), 0);
	ck_assert_int_eq(pool_lease(p, "bob", &b, &b6), 0);
	ck_assert(!addr_equal(&a, &b));
	ck_assert(!addr_equal(&a6, &b6));
	ck_assert_str_eq(fmt(&a6), "fd00:8::2");
	ck_assert_str_eq(fmt(&b6), "fd00:8::3");
	pool_release(p, "alice");
	ck_assert_int_eq(pool_lease(p, "alice", &again, &again6), 0);
	ck_assert(addr_equal(&a, &again));
	ck_assert(addr_equal(&a6, &again6));
	pool_free(p);
}
END_TEST

START_TEST(exhaustion_and_reuse_of_disconnected)
{
	struct ip_prefix v4 = prefix("10.9.0.0/30"); /* offsets 1 (gateway) and 2 only */
	struct pool *p = pool_new(&v4, NULL, NULL, NULL, 0);
	ck_assert_ptr_nonnull(p);
	struct ip_addr a, b;
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.9.0.2");
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), -ENOSPC);
	pool_release(p, "alice");
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), 0);
	ck_assert_str_eq(fmt(&b), "10.9.0.2");
	ck_assert_int_eq(pool_lease_count(p), 1);
	pool_free(p);
}
END_TEST

START_TEST(pinned_address_is_reserved)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	struct ip_addr pin = addr("10.8.0.2"), a, b;
	ck_assert_int_eq(pool_pin(p, "alice", &pin, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), 0);
	ck_assert_str_eq(fmt(&b), "10.8.0.3");
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.2");
	pool_free(p);
}
END_TEST

START_TEST(pin_refusals)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	struct ip_addr outside = addr("10.9.0.5"), gw = addr("10.8.0.1"),
		       bcast = addr("10.8.0.255"), v6 = addr("fd00::5"), ok = addr("10.8.0.7");
	ck_assert_int_eq(pool_pin(p, "a", &outside, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "clients.a.ipv4: 10.9.0.5 is not a client address of pool.ipv4");
	ck_assert_int_eq(pool_pin(p, "a", &gw, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(pool_pin(p, "a", &bcast, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(pool_pin(p, "a", &v6, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(pool_pin(p, "a", &ok, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_pin(p, "b", &ok, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "clients.b.ipv4: 10.8.0.7 is already pinned to another client");
	ck_assert_int_eq(pool_pin(p, "", &ok, err, sizeof(err)), -EINVAL);
	pool_free(p);
}
END_TEST

START_TEST(prefix_refusals)
{
	char err[256];
	struct ip_prefix host = prefix("10.8.0.1/24"), tiny = prefix("10.8.0.0/31"),
			 v4 = prefix("10.8.0.0/16"), v6small = prefix("fd00:8::/120");
	ck_assert_ptr_null(pool_new(&host, NULL, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "pool.ipv4: expected a network prefix /8 to /30, got 10.8.0.1/24");
	ck_assert_ptr_null(pool_new(&tiny, NULL, NULL, err, sizeof(err)));
	ck_assert_ptr_null(pool_new(&v4, &v6small, NULL, err, sizeof(err)));
	ck_assert_str_eq(err, "pool.ipv6: fd00:8::/120 has fewer addresses than pool.ipv4");
	ck_assert_ptr_null(pool_new(&v4, &v4, NULL, err, sizeof(err)));
}
END_TEST

START_TEST(cn_limits)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	struct pool *p = pool_new(&v4, NULL, NULL, NULL, 0);
	char long_cn[POOL_MAX_CN + 2];
	memset(long_cn, 'x', sizeof(long_cn) - 1);
	long_cn[sizeof(long_cn) - 1] = '\0';
	struct ip_addr a;
	ck_assert_int_eq(pool_lease(p, long_cn, &a, NULL), -EINVAL);
	ck_assert_int_eq(pool_lease(p, "", &a, NULL), -EINVAL);
	long_cn[POOL_MAX_CN] = '\0';
	ck_assert_int_eq(pool_lease(p, long_cn, &a, NULL), 0);
	pool_free(p);
}
END_TEST

START_TEST(leases_survive_restart)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct ip_addr a, b, a2, b2;
	struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), 0); /* absent file: fine */
	ck_assert_int_eq(pool_lease(p, "bob", &b, NULL), 0);
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_int_eq(pool_save(p, err, sizeof(err)), 0);
	pool_free(p);

	struct stat st;
	ck_assert_int_eq(stat(leases, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);

	p = pool_new(&v4, NULL, leases, err, sizeof(err));
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease(p, "alice", &a2, NULL), 0); /* asks first this time */
	ck_assert_int_eq(pool_lease(p, "bob", &b2, NULL), 0);
	ck_assert(addr_equal(&a, &a2));
	ck_assert(addr_equal(&b, &b2));
	pool_free(p);
}
END_TEST

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

START_TEST(lease_file_hostile)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	static const char *bad[] = {
	    "{",
	    "[]",
	    "{\"version\": 2, \"leases\": []}",
	    "{\"version\": 1, \"leases\": {}}",
	    "{\"version\": 1, \"leases\": [1]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"a\", \"ipv4\": \"10.8.0.300\"}]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"\", \"ipv4\": \"10.8.0.3\"}]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": 5, \"ipv4\": \"10.8.0.3\"}]}",
	    "{\"version\": 1, \"version\": 1, \"leases\": []}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		write_file(leases, bad[i]);
		struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
		err[0] = '\0';
		ck_assert_int_eq(pool_load(p, err, sizeof(err)), -EINVAL);
		ck_assert_msg(strncmp(err, leases, strlen(leases)) == 0,
			      "error does not name the file: %s", err);
		pool_free(p);
	}
}
END_TEST

START_TEST(lease_file_stale_entries_dropped)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	write_file(leases, "{\"version\": 1, \"leases\": ["
			   "{\"cn\": \"old\", \"ipv4\": \"10.7.0.9\"},"
			   "{\"cn\": \"taken\", \"ipv4\": \"10.8.0.5\"},"
			   "{\"cn\": \"twice\", \"ipv4\": \"10.8.0.6\"},"
			   "{\"cn\": \"twice\", \"ipv4\": \"10.8.0.7\"},"
			   "{\"cn\": \"dup\", \"ipv4\": \"10.8.0.6\"},"
			   "{\"cn\": \"gw\", \"ipv4\": \"10.8.0.1\"}]}");
	struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
	struct ip_addr pin = addr("10.8.0.5"), a;
	ck_assert_int_eq(pool_pin(p, "alice", &pin, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease_count(p), 2); /* alice's pin and twice@.6 */
	ck_assert_int_eq(pool_lease(p, "twice", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.6");
	ck_assert_int_eq(pool_lease(p, "taken", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.2");
	pool_free(p);
}
END_TEST

/* pool_load_buffer: the lease file's parser, fed from memory. */
static int load_text(struct pool *p, const char *text, char *err, size_t err_len)
{
	return pool_load_buffer(p, text, strlen(text), err, err_len);
}

START_TEST(buffer_hostile_refused)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	char deep[8192];
	size_t n = (size_t)snprintf(deep, sizeof(deep), "{\"version\": 1, \"leases\": [");
	for (size_t i = 0; i < 6000; i++) /* nested deeper than jansson allows */
		deep[n++] = i < 3000 ? '[' : ']';
	snprintf(deep + n, sizeof(deep) - n, "]}");
	const char *bad[] = {
	    "",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"a\", \"ipv4\": \"10.8.0.5\"}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"a\", \"ipv4\": \"10.8.0.5\", \"last_seen\": "
	    "99999999999999999999999}]}",
	    "{\"version\": 99999999999999999999, \"leases\": []}",
	    "{\"version\": 1.0, \"leases\": []}",
	    "{\"version\": \"1\", \"leases\": []}",
	    "{\"version\": 1, \"leases\": null}",
	    "{\"version\": 1, \"leases\": [{\"cn\": [\"a\"], \"ipv4\": \"10.8.0.5\"}]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"a\", \"ipv4\": 168296453}]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"a\", \"ipv4\": \"10.8.0.5/32\"}]}",
	    "{\"version\": 1, \"leases\": [{\"cn\": \"a\\u0000b\", \"ipv4\": \"10.8.0.5\"}]}",
	    "{\"version\": 1, \"leases\": [], \"leases\": []}",
	    deep,
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
		err[0] = '\0';
		ck_assert_msg(load_text(p, bad[i], err, sizeof(err)) == -EINVAL, "accepted: %.80s",
			      bad[i]);
		ck_assert_msg(strncmp(err, leases, strlen(leases)) == 0,
			      "error does not name the file: %s", err);
		pool_free(p);
	}
	/* Without a leases path, messages say "leases". */
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	ck_assert_int_eq(load_text(p, "[]", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "leases: expected {\"version\": 1, \"leases\": [...]}");
	ck_assert_int_eq(
	    load_text(p, "{\"version\": 1, \"leases\": [{\"cn\": 5, \"ipv4\": \"10.8.0.3\"}]}", err,
		      sizeof(err)),
	    -EINVAL);
	ck_assert_str_eq(err, "leases: leases[0]: expected {\"cn\": NAME, \"ipv4\": ADDRESS}");
	ck_assert_int_eq(load_text(p, "{", err, sizeof(err)), -EINVAL);
	ck_assert_msg(strncmp(err, "leases:1:", 9) == 0, "%s", err);
	pool_free(p);
}
END_TEST

START_TEST(buffer_not_nul_terminated)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	static const char text[] = "{\"version\": 1, \"leases\": [{\"cn\": \"a\", \"ipv4\": "
				   "\"10.8.0.5\"}]}garbage";
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	ck_assert_int_eq(pool_load_buffer(p, text, strlen(text) - 7, err, sizeof(err)), 0);
	struct ip_addr a;
	ck_assert_int_eq(pool_lease(p, "a", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.5");
	pool_free(p);
}
END_TEST

START_TEST(buffer_cn_limits_and_duplicates)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256], text[512], cn[POOL_MAX_CN + 2];
	memset(cn, 'c', sizeof(cn) - 1);
	cn[sizeof(cn) - 1] = '\0'; /* 65 bytes: refused */
	snprintf(text, sizeof(text),
		 "{\"version\": 1, \"leases\": [{\"cn\": \"%s\", \"ipv4\": "
		 "\"10.8.0.4\"}]}",
		 cn);
	struct pool *p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	ck_assert_int_eq(load_text(p, text, err, sizeof(err)), -EINVAL);
	pool_free(p);

	cn[POOL_MAX_CN] = '\0'; /* 64 bytes: fine */
	snprintf(text, sizeof(text),
		 "{\"version\": 1, \"leases\": [{\"cn\": \"%s\", \"ipv4\": "
		 "\"10.8.0.4\"}, {\"cn\": \"%s\", \"ipv4\": \"10.8.0.5\"}, "
		 "{\"cn\": \"other\", \"ipv4\": \"10.8.0.4\"}]}",
		 cn, cn);
	p = pool_new(&v4, NULL, NULL, err, sizeof(err));
	ck_assert_int_eq(load_text(p, text, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease_count(p), 1); /* the second of each duplicate dropped */
	struct ip_addr a;
	ck_assert_int_eq(pool_lease(p, cn, &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.4");
	ck_assert_int_eq(pool_lease(p, "other", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.2");
	pool_free(p);
}
END_TEST

START_TEST(buffer_outside_pool_dropped)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24"), v6 = prefix("fd00:8::/64");
	char err[256];
	struct pool *p = pool_new(&v4, &v6, NULL, err, sizeof(err));
	struct ip_addr pin = addr("10.8.0.9"), a;
	ck_assert_int_eq(pool_pin(p, "pinned", &pin, err, sizeof(err)), 0);
	ck_assert_int_eq(load_text(p,
				   "{\"version\": 1, \"leases\": ["
				   "{\"cn\": \"net\", \"ipv4\": \"10.8.0.0\"},"
				   "{\"cn\": \"gw\", \"ipv4\": \"10.8.0.1\"},"
				   "{\"cn\": \"bcast\", \"ipv4\": \"10.8.0.255\"},"
				   "{\"cn\": \"other\", \"ipv4\": \"10.9.0.5\"},"
				   "{\"cn\": \"six\", \"ipv4\": \"fd00:8::5\"},"
				   "{\"cn\": \"thief\", \"ipv4\": \"10.8.0.9\"},"
				   "{\"cn\": \"pinned\", \"ipv4\": \"10.8.0.7\"},"
				   "{\"cn\": \"ok\", \"ipv4\": \"10.8.0.3\", \"last_seen\": "
				   "-9223372036854775808}]}",
				   err, sizeof(err)),
			 0);
	ck_assert_int_eq(pool_lease_count(p), 2); /* the pin and "ok" */
	ck_assert_int_eq(pool_lease(p, "pinned", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.9");
	ck_assert_int_eq(pool_lease(p, "ok", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.3");
	ck_assert_int_eq(pool_lease(p, "thief", &a, NULL), 0);
	ck_assert_str_eq(fmt(&a), "10.8.0.2");
	pool_free(p);
}
END_TEST

START_TEST(buffer_size_cap)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
	size_t big = (16u << 20) + 1;
	char *text = malloc(big);
	ck_assert_ptr_nonnull(text);
	memset(text, ' ', big);
	ck_assert_int_eq(pool_load_buffer(p, text, big, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strstr(err, "larger than 16 MiB") != NULL, "%s", err);
	/* The same through the file. */
	FILE *f = fopen(leases, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, big, f), big);
	fclose(f);
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strncmp(err, leases, strlen(leases)) == 0 &&
			  strstr(err, "larger than 16 MiB") != NULL,
		      "%s", err);
	free(text);
	pool_free(p);
}
END_TEST

START_TEST(load_unreadable_names_file)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, tmpdir, err, sizeof(err)); /* a directory */
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), -EINVAL);
	ck_assert_msg(strncmp(err, tmpdir, strlen(tmpdir)) == 0, "%s", err);
	pool_free(p);
}
END_TEST

START_TEST(save_to_unwritable_place_reports)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct pool *p = pool_new(&v4, NULL, "/nonexistent-dir/leases.json", err, sizeof(err));
	struct ip_addr a;
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert_int_lt(pool_save(p, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "/nonexistent-dir/leases.json: cannot write leases: No such file "
			      "or directory");
	ck_assert(pool_dirty(p)); /* so that the next lease saves again */
	pool_free(p);
}
END_TEST

START_TEST(dirty_only_when_leases_change)
{
	struct ip_prefix v4 = prefix("10.8.0.0/30");
	char err[256];
	struct ip_addr a;
	struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
	ck_assert(!pool_dirty(p));
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert(pool_dirty(p)); /* a new lease */
	ck_assert_int_eq(pool_save(p, err, sizeof(err)), 0);
	ck_assert(!pool_dirty(p));
	pool_release(p, "alice");
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert(!pool_dirty(p)); /* the same lease again */
	pool_release(p, "alice");
	ck_assert_int_eq(pool_lease(p, "bob", &a, NULL), 0);
	ck_assert(pool_dirty(p)); /* alice's address passed to bob */
	pool_free(p);
}
END_TEST

/* The whole file as a NUL-terminated string (the caller frees it); NULL if absent. */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return NULL;
	static char buf[1 << 16];
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strdup(buf);
}

START_TEST(serialize_matches_save_and_clears_dirty)
{
	struct ip_prefix v4 = prefix("10.8.0.0/24");
	char err[256];
	struct ip_addr a, again;
	struct pool *p = pool_new(&v4, NULL, leases, err, sizeof(err));
	ck_assert_int_eq(pool_lease(p, "bob", &a, NULL), 0);
	ck_assert_int_eq(pool_lease(p, "alice", &a, NULL), 0);
	ck_assert(pool_dirty(p));
	char *text = pool_serialize(p, err, sizeof(err));
	ck_assert_ptr_nonnull(text);
	ck_assert(!pool_dirty(p));
	ck_assert_msg(strstr(text, "\"alice\"") != NULL && text[strlen(text) - 1] == '\n', "%s",
		      text);

	/* pool_save writes exactly what pool_serialize returns. */
	ck_assert_int_eq(pool_save(p, err, sizeof(err)), 0);
	char *saved = slurp(leases);
	ck_assert_ptr_nonnull(saved);
	ck_assert_str_eq(saved, text);
	free(saved);
	unlink(leases);

	/* And pool_write_leases alone makes a file the next start loads. */
	ck_assert_int_eq(pool_write_leases(leases, text, strlen(text), err, sizeof(err)), 0);
	free(text);
	pool_free(p);
	p = pool_new(&v4, NULL, leases, err, sizeof(err));
	ck_assert_int_eq(pool_load(p, err, sizeof(err)), 0);
	ck_assert_int_eq(pool_lease(p, "alice", &again, NULL), 0);
	ck_assert(addr_equal(&a, &again));
	pool_free(p);
}
END_TEST

START_TEST(write_leases_refusals_name_the_path)
{
	char err[256], path[256], tmp[264];
	struct stat st;
	/* Root ignores permission bits: use places no one can create a file in. */
	snprintf(path, sizeof(path), "%s/missing/leases.json", tmpdir);
	ck_assert_int_eq(pool_write_leases(path, "{}\n", 3, err, sizeof(err)), -ENOENT);
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);

	snprintf(path, sizeof(path), "%s/leases.json/leases.json", tmpdir);
	write_file(leases, "a regular file"); /* the parent of path */
	ck_assert_int_eq(pool_write_leases(path, "{}\n", 3, err, sizeof(err)), -ENOTDIR);
	ck_assert_str_eq(err + strlen(path), ": cannot write leases: Not a directory");
	ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "%s", err);

	/* A rename that fails leaves no temporary file behind. */
	snprintf(path, sizeof(path), "%s/adir", tmpdir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	char inside[280];
	snprintf(inside, sizeof(inside), "%s/x", path);
	write_file(inside, "keeps adir non-empty");
	ck_assert_int_lt(pool_write_leases(path, "{}\n", 3, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(tmp, &st), -1);
	unlink(inside);
	rmdir(path);
}
END_TEST

/* A directory that may be written but not read: the new file goes in, the
 * directory cannot be opened to sync it. Root has its capabilities dropped for
 * the mode to count, in a child, so the rest of the suite keeps them. */
START_TEST(write_leases_reports_a_failed_directory_sync)
{
	char dir[160], path[192], want[320];
	snprintf(dir, sizeof(dir), "%s/write-only", tmpdir);
	ck_assert_int_eq(mkdir(dir, 0300), 0);
	snprintf(path, sizeof(path), "%s/leases.json", dir);
	snprintf(want, sizeof(want),
		 "%s: leases written, but syncing their directory failed: Permission denied", path);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
		struct __user_cap_data_struct none[2] = {{0, 0, 0}, {0, 0, 0}};
		char err[256] = "";
		if (syscall(SYS_capset, &hdr, none) != 0)
			_exit(2);
		int rc = pool_write_leases(path, "{}\n", 3, err, sizeof(err));
		if (rc != -EACCES || strcmp(err, want) != 0) {
			fprintf(stderr, "rc %d, err \"%s\"\n", rc, err);
			_exit(1);
		}
		_exit(0);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
	struct stat st; /* the file is in place all the same */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_size, 3);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *pool_suite(void)
{
	Suite *s = suite_create("pool");
	TCase *tc = tcase_create("pool");
	tcase_add_checked_fixture(tc, setup_dir, NULL);
	tcase_add_test(tc, gateway_and_first_lease);
	tcase_add_test(tc, same_cn_same_address_distinct_otherwise);
	tcase_add_test(tc, exhaustion_and_reuse_of_disconnected);
	tcase_add_test(tc, pinned_address_is_reserved);
	tcase_add_test(tc, pin_refusals);
	tcase_add_test(tc, prefix_refusals);
	tcase_add_test(tc, cn_limits);
	tcase_add_test(tc, leases_survive_restart);
	tcase_add_test(tc, lease_file_hostile);
	tcase_add_test(tc, lease_file_stale_entries_dropped);
	tcase_add_test(tc, save_to_unwritable_place_reports);
	tcase_add_test(tc, dirty_only_when_leases_change);
	tcase_add_test(tc, serialize_matches_save_and_clears_dirty);
	tcase_add_test(tc, write_leases_refusals_name_the_path);
	tcase_add_test(tc, write_leases_reports_a_failed_directory_sync);
	tcase_add_test(tc, buffer_hostile_refused);
	tcase_add_test(tc, buffer_not_nul_terminated);
	tcase_add_test(tc, buffer_cn_limits_and_duplicates);
	tcase_add_test(tc, buffer_outside_pool_dropped);
	tcase_add_test(tc, buffer_size_cap);
	tcase_add_test(tc, load_unreadable_names_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return scratch_run_suite(pool_suite());
}
