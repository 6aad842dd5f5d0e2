/*
 * Address pool and lease file. See pool.h for the model.
 *
 * Leases live in a plain array searched linearly: a lookup happens once per
 * connection, not per packet, and even 65k leases scan in well under a
 * millisecond. Which offsets are taken is kept in a bitmap so that a new
 * client finds a free address without scanning the leases.
 */
#include "errbuf.h"
#include "fileio.h"
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct lease {
	char cn[POOL_MAX_CN + 1];
	uint64_t offset;
	int64_t last_seen; /* unix seconds; for choosing which lease to reuse */
	bool connected;
	bool pinned;
};

struct pool {
	struct ip_prefix v4, v6;
	bool has_v6;
	struct ip_addr gateway4, gateway6;
	uint64_t first, last; /* assignable offsets, inclusive */
	uint8_t *taken;	      /* bitmap over offsets 0..last */
	bool dirty;	      /* leases changed since the last save */
	struct lease *leases;
	size_t n_leases, cap_leases;
	char *path;
};

#define LEASES_FILE_VERSION 1
#define LEASES_MAX_FILE	    (16u << 20)

static bool bit_get(const uint8_t *bits, uint64_t i)
{
	return bits[i / 8] & (1u << (i % 8));
}

static void bit_set(uint8_t *bits, uint64_t i, bool on)
{
	if (on)
		bits[i / 8] |= (uint8_t)(1u << (i % 8));
	else
		bits[i / 8] &= (uint8_t) ~(1u << (i % 8));
}

static bool cn_valid(const char *cn)
{
	size_t n = strnlen(cn, POOL_MAX_CN + 1);
	return n > 0 && n <= POOL_MAX_CN;
}

struct pool *pool_new(const struct ip_prefix *v4, const struct ip_prefix *v6,
		      const char *leases_path, char *err, size_t err_len)
{
	char text[PREFIX_STRLEN];

	if (v4 == NULL || v4->addr.family != AF_INET || v4->len < 8 || v4->len > 30 ||
	    !addr_prefix_is_network(v4)) {
		errbuf_set(err, err_len, "pool.ipv4: expected a network prefix /8 to /30, got %s",
			   v4 ? addr_prefix_format(v4, text, sizeof(text)) : "nothing");
		return NULL;
	}
	uint64_t size4 = UINT64_C(1) << (32 - v4->len);
	if (v6 != NULL) {
		if (v6->addr.family != AF_INET6 || v6->len < 64 || v6->len > 126 ||
		    !addr_prefix_is_network(v6)) {
			errbuf_set(err, err_len,
				   "pool.ipv6: expected a network prefix /64 to /126, got %s",
				   addr_prefix_format(v6, text, sizeof(text)));
			return NULL;
		}
		if (128 - v6->len < 32 - v4->len) {
			errbuf_set(err, err_len, "pool.ipv6: %s has fewer addresses than pool.ipv4",
				   addr_prefix_format(v6, text, sizeof(text)));
			return NULL;
		}
	}

	struct pool *pool = calloc(1, sizeof(*pool));
	if (pool == NULL)
		goto nomem;
	pool->v4 = *v4;
	pool->first = 2;
	pool->last = size4 - 2; /* size4 - 1 is the broadcast address */
	pool->taken = calloc(size4 / 8 + 1, 1);
	if (pool->taken == NULL)
		goto nomem;
	if (addr_prefix_nth(v4, 1, &pool->gateway4) < 0)
		goto nomem;
	if (v6 != NULL) {
		pool->has_v6 = true;
		pool->v6 = *v6;
		if (addr_prefix_nth(v6, 1, &pool->gateway6) < 0)
			goto nomem;
	}
	if (leases_path != NULL && (pool->path = strdup(leases_path)) == NULL)
		goto nomem;
	return pool;
nomem:
	pool_free(pool);
	errbuf_set(err, err_len, "out of memory");
	return NULL;
}

void pool_free(struct pool *pool)
{
	if (pool == NULL)
		return;
	free(pool->taken);
	free(pool->leases);
	free(pool->path);
	free(pool);
}

static struct lease *find_lease(struct pool *pool, const char *cn)
{
	for (size_t i = 0; i < pool->n_leases; i++)
		if (strcmp(pool->leases[i].cn, cn) == 0)
			return &pool->leases[i];
	return NULL;
}

static struct lease *find_offset(struct pool *pool, uint64_t offset)
{
	for (size_t i = 0; i < pool->n_leases; i++)
		if (pool->leases[i].offset == offset)
			return &pool->leases[i];
	return NULL;
}

static struct lease *add_lease(struct pool *pool, const char *cn, uint64_t offset)
{
	if (pool->n_leases == pool->cap_leases) {
		size_t cap = pool->cap_leases ? pool->cap_leases * 2 : 16;
		struct lease *grown = reallocarray(pool->leases, cap, sizeof(*grown));
		if (grown == NULL)
			return NULL;
		pool->leases = grown;
		pool->cap_leases = cap;
	}
	struct lease *l = &pool->leases[pool->n_leases++];
	memset(l, 0, sizeof(*l));
	snprintf(l->cn, sizeof(l->cn), "%s", cn);
	l->offset = offset;
	l->last_seen = (int64_t)time(NULL);
	bit_set(pool->taken, offset, true);
	return l;
}

static void remove_lease(struct pool *pool, struct lease *l)
{
	bit_set(pool->taken, l->offset, false);
	*l = pool->leases[--pool->n_leases];
}

/* The offset of a client address, or 0 when it is not assignable. */
static uint64_t assignable_offset(const struct pool *pool, const struct ip_addr *a)
{
	if (a->family != AF_INET || !addr_prefix_contains(&pool->v4, a))
		return 0;
	uint64_t off = addr_prefix_offset(&pool->v4, a);
	return off >= pool->first && off <= pool->last ? off : 0;
}

int pool_pin(struct pool *pool, const char *cn, const struct ip_addr *v4, char *err, size_t err_len)
{
	char text[ADDR_STRLEN];
	char where[POOL_MAX_CN + 32];

	if (!cn_valid(cn)) {
		errbuf_set(err, err_len, "clients: name \"%.64s\" must be 1 to 64 bytes", cn);
		return -EINVAL;
	}
	snprintf(where, sizeof(where), "clients.%s.ipv4", cn);
	uint64_t off = assignable_offset(pool, v4);
	if (off == 0) {
		errbuf_set(err, err_len, "%s: %s is not a client address of pool.ipv4", where,
			   addr_format(v4, text, sizeof(text)));
		return -EINVAL;
	}
	struct lease *other = find_offset(pool, off);
	if (other != NULL && other->pinned && strcmp(other->cn, cn) != 0) {
		errbuf_set(err, err_len, "%s: %s is already pinned to another client", where,
			   addr_format(v4, text, sizeof(text)));
		return -EINVAL;
	}
	if (find_lease(pool, cn) != NULL) {
		errbuf_set(err, err_len, "%s: client already has a pinned address", where);
		return -EINVAL;
	}
	struct lease *l = add_lease(pool, cn, off);
	if (l == NULL)
		return -ENOMEM;
	l->pinned = true;
	return 0;
}

static int load_entry(struct pool *pool, json_t *entry)
{
	const char *cn = json_string_value(json_object_get(entry, "cn"));
	const char *ip = json_string_value(json_object_get(entry, "ipv4"));
	json_t *seen = json_object_get(entry, "last_seen");
	struct ip_addr a;

	if (cn == NULL || ip == NULL || !cn_valid(cn) || !addr_parse(ip, &a))
		return -EINVAL;
	uint64_t off = assignable_offset(pool, &a);
	if (off == 0 || bit_get(pool->taken, off) || find_lease(pool, cn) != NULL)
		return 0; /* no longer fits: pool changed, or a pin owns it now */
	struct lease *l = add_lease(pool, cn, off);
	if (l == NULL)
		return -ENOMEM;
	if (json_is_integer(seen))
		l->last_seen = json_integer_value(seen);
	return 0;
}

/* The lease file's name in messages; "leases" for a pool that has none. */
static const char *source_name(const struct pool *pool)
{
	return pool->path != NULL ? pool->path : "leases";
}

int pool_load_buffer(struct pool *pool, const char *text, size_t len, char *err, size_t err_len)
{
	const char *name = source_name(pool);
	if (len > LEASES_MAX_FILE) {
		errbuf_set(err, err_len, "%s: larger than %u MiB", name, LEASES_MAX_FILE >> 20);
		return -EINVAL;
	}
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		errbuf_set(err, err_len, "%s:%d:%d: %s", name, jerr.line, jerr.column, jerr.text);
		return -EINVAL;
	}
	int rc = 0;
	json_t *version = json_object_get(root, "version");
	json_t *list = json_object_get(root, "leases");
	if (!json_is_integer(version) || json_integer_value(version) != LEASES_FILE_VERSION ||
	    !json_is_array(list)) {
		errbuf_set(err, err_len, "%s: expected {\"version\": 1, \"leases\": [...]}", name);
		rc = -EINVAL;
		goto out;
	}
	size_t i;
	json_t *entry;
	json_array_foreach(list, i, entry)
	{
		rc = json_is_object(entry) ? load_entry(pool, entry) : -EINVAL;
		if (rc == -EINVAL)
			errbuf_set(err, err_len,
				   "%s: leases[%zu]: expected {\"cn\": NAME, \"ipv4\": ADDRESS}",
				   name, i);
		else if (rc < 0)
			errbuf_set(err, err_len, "%s: out of memory", name);
		if (rc < 0)
			goto out;
	}
out:
	json_decref(root);
	return rc;
}

int pool_load(struct pool *pool, char *err, size_t err_len)
{
	if (pool->path == NULL)
		return 0;
	int fd = open(pool->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0) {
		errbuf_set(err, err_len, "%s: cannot read leases: %s", pool->path, strerror(errno));
		return -EINVAL;
	}
	char *text = NULL;
	size_t len = 0;
	int rc = fileio_read_fd(fd, LEASES_MAX_FILE, &text, &len);
	close(fd);
	if (rc == -EFBIG) {
		errbuf_set(err, err_len, "%s: larger than %u MiB", pool->path,
			   LEASES_MAX_FILE >> 20);
		return -EINVAL;
	}
	if (rc < 0) {
		errbuf_set(err, err_len, "%s: cannot read leases: %s", pool->path, strerror(-rc));
		return -EINVAL;
	}
	rc = pool_load_buffer(pool, text, len, err, err_len);
	free(text);
	return rc;
}

static uint64_t find_free_offset(const struct pool *pool)
{
	for (uint64_t off = pool->first; off <= pool->last; off++)
		if (!bit_get(pool->taken, off))
			return off;
	return 0;
}

/* The least recently seen lease of a client that is not connected. */
static struct lease *reusable_lease(struct pool *pool)
{
	struct lease *oldest = NULL;
	for (size_t i = 0; i < pool->n_leases; i++) {
		struct lease *l = &pool->leases[i];
		if (l->connected || l->pinned)
			continue;
		if (oldest == NULL || l->last_seen < oldest->last_seen)
			oldest = l;
	}
	return oldest;
}

int pool_lease(struct pool *pool, const char *cn, struct ip_addr *v4, struct ip_addr *v6)
{
	if (!cn_valid(cn))
		return -EINVAL;
	struct lease *l = find_lease(pool, cn);
	if (l == NULL) {
		uint64_t off = find_free_offset(pool);
		if (off == 0) {
			struct lease *old = reusable_lease(pool);
			if (old == NULL)
				return -ENOSPC;
			off = old->offset;
			remove_lease(pool, old);
		}
		l = add_lease(pool, cn, off);
		if (l == NULL)
			return -ENOMEM;
		pool->dirty = true;
	}
	l->connected = true;
	l->last_seen = (int64_t)time(NULL);
	if (addr_prefix_nth(&pool->v4, l->offset, v4) < 0)
		return -ERANGE;
	if (pool->has_v6 && v6 != NULL && addr_prefix_nth(&pool->v6, l->offset, v6) < 0)
		return -ERANGE;
	return 0;
}

void pool_release(struct pool *pool, const char *cn)
{
	struct lease *l = find_lease(pool, cn);
	if (l != NULL) {
		l->connected = false;
		l->last_seen = (int64_t)time(NULL);
	}
}

static json_t *leases_to_json(const struct pool *pool)
{
	json_t *list = json_array();
	json_t *root = json_pack("{s:i, s:o}", "version", LEASES_FILE_VERSION, "leases", list);
	if (root == NULL)
		return NULL;
	for (size_t i = 0; i < pool->n_leases; i++) {
		const struct lease *l = &pool->leases[i];
		struct ip_addr a;
		char text[ADDR_STRLEN];
		if (l->pinned || addr_prefix_nth(&pool->v4, l->offset, &a) < 0)
			continue; /* pins come from the config, not the file */
		json_t *e = json_pack("{s:s, s:s, s:I}", "cn", l->cn, "ipv4",
				      addr_format(&a, text, sizeof(text)), "last_seen",
				      (json_int_t)l->last_seen);
		if (e == NULL || json_array_append_new(list, e) < 0) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

/* The text of the lease file, with its final newline; NULL when out of memory. */
static char *leases_text(const struct pool *pool)
{
	json_t *root = leases_to_json(pool);
	char *text = root ? json_dumps(root, JSON_INDENT(2)) : NULL;
	json_decref(root);
	if (text == NULL)
		return NULL;
	size_t n = strlen(text);
	char *lined = realloc(text, n + 2);
	if (lined == NULL) {
		free(text);
		return NULL;
	}
	lined[n] = '\n';
	lined[n + 1] = '\0';
	return lined;
}

char *pool_serialize(struct pool *pool, char *err, size_t err_len)
{
	char *text = leases_text(pool);
	if (text == NULL) {
		errbuf_set(err, err_len, "%s: out of memory", source_name(pool));
		return NULL;
	}
	pool->dirty = false;
	return text;
}

int pool_write_leases(const char *path, const char *text, size_t len, char *err, size_t err_len)
{
	char tmp[4096], why[128]; /* strerror_r: this also runs on the lease writer's thread */
	int rc = 0;
	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp)) {
		rc = -ENAMETOOLONG;
		goto out;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = -errno;
		goto out;
	}
	rc = fileio_write_all(fd, text, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	close(fd);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = -errno;
	if (rc < 0) {
		unlink(tmp);
		goto out;
	}
	/* The rename is durable only once the directory is synced too. The new
	 * file is in place either way; reporting the failure makes the next
	 * lease save again (and the admin hears of a failing disk). */
	rc = fileio_sync_parent_dir(path);
	if (rc < 0)
		errbuf_set(err, err_len,
			   "%s: leases written, but syncing their directory failed: %s", path,
			   strerror_r(-rc, why, sizeof(why)));
	return rc;
out:
	errbuf_set(err, err_len, "%s: cannot write leases: %s", path,
		   strerror_r(-rc, why, sizeof(why)));
	return rc;
}

int pool_save(struct pool *pool, char *err, size_t err_len)
{
	if (pool->path == NULL) {
		pool->dirty = false;
		return 0;
	}
	char *text = leases_text(pool);
	if (text == NULL) {
		errbuf_set(err, err_len, "%s: out of memory", pool->path);
		return -ENOMEM;
	}
	int rc = pool_write_leases(pool->path, text, strlen(text), err, err_len);
	if (rc == 0)
		pool->dirty = false; /* a failed save leaves it set: the next lease retries */
	free(text);
	return rc;
}

bool pool_dirty(const struct pool *pool)
{
	return pool->dirty;
}

const struct ip_addr *pool_gateway4(const struct pool *pool)
{
	return &pool->gateway4;
}

const struct ip_addr *pool_gateway6(const struct pool *pool)
{
	return pool->has_v6 ? &pool->gateway6 : NULL;
}

const struct ip_prefix *pool_prefix4(const struct pool *pool)
{
	return &pool->v4;
}

const struct ip_prefix *pool_prefix6(const struct pool *pool)
{
	return pool->has_v6 ? &pool->v6 : NULL;
}

int pool_leases_chown(struct pool *pool, uid_t uid, gid_t gid)
{
	if (pool->path == NULL)
		return 0;
	if (chown(pool->path, uid, gid) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

size_t pool_lease_count(const struct pool *pool)
{
	return pool->n_leases;
}
