#include "undo-state.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

static const char *const kind_names[] = {
    [UNDO_ADDR] = "addr",
    [UNDO_ROUTE] = "route",
    [UNDO_NFT] = "nft",
    [UNDO_RESOLV] = "resolv",
};

void undo_state_init(struct undo_state *s)
{
	memset(s, 0, sizeof(*s));
}

static void change_free_strings(struct undo_change *c)
{
	free(c->original);
	free(c->written);
	c->original = c->written = NULL;
}

void undo_state_clear(struct undo_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		change_free_strings(&s->changes[i]);
	free(s->changes);
	s->changes = NULL;
	s->n = s->cap = 0;
}

int undo_state_push(struct undo_state *s, const struct undo_change *c)
{
	if (s->n >= UNDO_MAX_CHANGES)
		return -E2BIG;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct undo_change *grown = realloc(s->changes, cap * sizeof(*grown));
		if (grown == NULL)
			return -ENOMEM;
		s->changes = grown;
		s->cap = cap;
	}
	struct undo_change copy = *c;
	copy.original = copy.written = NULL;
	if (c->original != NULL && (copy.original = strdup(c->original)) == NULL)
		return -ENOMEM;
	if (c->written != NULL && (copy.written = strdup(c->written)) == NULL) {
		free(copy.original);
		return -ENOMEM;
	}
	s->changes[s->n++] = copy;
	return 0;
}

void undo_state_pop(struct undo_state *s)
{
	if (s->n > 0)
		change_free_strings(&s->changes[--s->n]);
}

static bool ifname_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= IFNAMSIZ)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch <= 0x20 || ch >= 0x7f || ch == '/' || ch == ':' || ch == '%')
			return false;
	}
	return strcmp(s, ".") != 0 && strcmp(s, "..") != 0;
}

static bool table_valid(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= UNDO_TABLE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
			  (i > 0 && ch >= '0' && ch <= '9');
		if (!ok)
			return false;
	}
	return true;
}

static bool path_valid(const char *s)
{
	size_t n = strlen(s);
	return n > 1 && n < UNDO_PATH_MAX && s[0] == '/' && strstr(s, "/../") == NULL &&
	       (n < 3 || strcmp(s + n - 3, "/..") != 0);
}

const char *undo_change_invalid(const struct undo_change *c)
{
	switch (c->kind) {
	case UNDO_ADDR:
	case UNDO_ROUTE:
		if (!ifname_valid(c->dev))
			return "bad interface name";
		if (c->prefix.addr.family != AF_INET && c->prefix.addr.family != AF_INET6)
			return "no address";
		if (c->has_gw && c->gw.family != c->prefix.addr.family)
			return "gateway of another address family";
		return NULL;
	case UNDO_NFT:
		return table_valid(c->table) ? NULL : "bad nftables table name";
	case UNDO_RESOLV:
		if (!path_valid(c->path))
			return "bad resolver path";
		if (c->original == NULL || c->written == NULL)
			return "missing resolver contents";
		if (strlen(c->original) > UNDO_RESOLV_MAX || strlen(c->written) > UNDO_RESOLV_MAX)
			return "resolver contents too long";
		return NULL;
	}
	return "unknown kind";
}

/* ---- parsing ---- */

static int get_text(struct cfg *c, json_t *o, const char *path, const char *key, size_t max,
		    bool (*valid)(const char *), char *out, size_t out_len, const char *what)
{
	const char *s = NULL;
	int rc = cfg_string(c, o, path, key, true, &s);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	if (strlen(s) > max || strlen(s) >= out_len || !valid(s))
		return cfg_error(c, path, key, "expected %s", what);
	snprintf(out, out_len, "%s", s);
	return 0;
}

static int get_blob(struct cfg *c, json_t *o, const char *path, const char *key, char **out)
{
	json_t *v = json_object_get(o, key);
	if (!json_is_string(v))
		return cfg_error(c, path, key, "expected a string");
	size_t n = json_string_length(v);
	if (n > UNDO_RESOLV_MAX)
		return cfg_error(c, path, key, "longer than %d bytes", UNDO_RESOLV_MAX);
	const char *s = json_string_value(v);
	if (memchr(s, '\0', n) != NULL)
		return cfg_error(c, path, key, "contains a NUL byte");
	*out = strdup(s);
	return *out == NULL ? -ENOMEM : 0;
}

static int parse_route(struct cfg *c, json_t *o, const char *path, struct undo_change *ch)
{
	int rc = cfg_prefix(c, o, path, "dst", true, &ch->prefix, true);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	rc = cfg_addr(c, o, path, "gw", false, &ch->gw);
	if (rc < 0)
		return rc;
	ch->has_gw = rc == 0;
	if (ch->has_gw && ch->gw.family != ch->prefix.addr.family)
		return cfg_error(c, path, "gw", "address family differs from dst");
	unsigned long metric = 0;
	rc = cfg_uint(c, o, path, "metric", false, 0, UINT32_MAX, &metric);
	if (rc < 0)
		return rc;
	ch->metric = (uint32_t)metric;
	return 0;
}

static int parse_change(struct cfg *c, json_t *o, const char *path, struct undo_change *ch)
{
	const char *kind = NULL;
	if (!json_is_object(o))
		return cfg_error(c, path, NULL, "expected an object");
	int rc = cfg_string(c, o, path, "kind", true, &kind);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	size_t k = 0;
	while (k < sizeof(kind_names) / sizeof(kind_names[0]) && strcmp(kind_names[k], kind) != 0)
		k++;
	if (k == sizeof(kind_names) / sizeof(kind_names[0]))
		return cfg_error(c, path, "kind", "expected addr, route, nft or resolv");
	ch->kind = (enum undo_kind)k;
	switch (ch->kind) {
	case UNDO_ADDR:
		rc = get_text(c, o, path, "dev", IFNAMSIZ - 1, ifname_valid, ch->dev,
			      sizeof(ch->dev), "an interface name");
		if (rc == 0 &&
		    (rc = cfg_prefix(c, o, path, "prefix", true, &ch->prefix, false)) > 0)
			rc = -EINVAL;
		return rc;
	case UNDO_ROUTE:
		rc = get_text(c, o, path, "dev", IFNAMSIZ - 1, ifname_valid, ch->dev,
			      sizeof(ch->dev), "an interface name");
		return rc != 0 ? rc : parse_route(c, o, path, ch);
	case UNDO_NFT:
		return get_text(c, o, path, "table", UNDO_TABLE_MAX - 1, table_valid, ch->table,
				sizeof(ch->table), "an nftables table name");
	case UNDO_RESOLV:
		rc = get_text(c, o, path, "path", UNDO_PATH_MAX - 1, path_valid, ch->path,
			      sizeof(ch->path), "an absolute path");
		if (rc == 0)
			rc = get_blob(c, o, path, "original", &ch->original);
		if (rc == 0)
			rc = get_blob(c, o, path, "written", &ch->written);
		return rc;
	}
	return -EINVAL;
}

static int parse_changes(struct cfg *c, json_t *root, struct undo_state *s)
{
	json_t *arr = NULL;
	int rc = cfg_array(c, root, "", "changes", true, &arr);
	if (rc != 0)
		return rc < 0 ? rc : -EINVAL;
	if (json_array_size(arr) > UNDO_MAX_CHANGES)
		return cfg_error(c, "", "changes", "more than %d changes", UNDO_MAX_CHANGES);
	for (size_t i = 0; i < json_array_size(arr); i++) {
		char path[32];
		struct undo_change ch = {0};
		snprintf(path, sizeof(path), "changes[%zu]", i);
		rc = parse_change(c, json_array_get(arr, i), path, &ch);
		if (rc == 0)
			rc = undo_state_push(s, &ch);
		change_free_strings(&ch);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int undo_state_parse(const char *file, const char *text, size_t len, struct undo_state *out,
		     char *err, size_t err_len)
{
	struct cfg c = {.file = file};
	undo_state_init(out);
	json_t *root = cfg_load_buffer(&c, text, len);
	if (root == NULL) {
		snprintf(err, err_len, "%s", c.err);
		return -EINVAL;
	}
	unsigned long version = 0, pid = 0, netns = 0;
	int rc = cfg_uint(&c, root, "", "version", true, 0, UINT32_MAX, &version);
	if (rc == 0 && version != UNDO_STATE_VERSION)
		rc = cfg_error(&c, "", "version", "expected %d, got %lu", UNDO_STATE_VERSION,
			       version);
	if (rc == 0)
		rc = cfg_uint(&c, root, "", "pid", true, 1, INT_MAX, &pid);
	if (rc == 0)
		rc = cfg_uint(&c, root, "", "netns", true, 0, ULONG_MAX, &netns);
	if (rc == 0)
		rc = get_text(&c, root, "", "tun", IFNAMSIZ - 1, ifname_valid, out->tun,
			      sizeof(out->tun), "an interface name");
	if (rc == 0)
		rc = parse_changes(&c, root, out);
	json_decref(root);
	if (rc != 0) {
		if (rc == -ENOMEM)
			snprintf(err, err_len, "%s: out of memory", file);
		else
			snprintf(err, err_len, "%s", c.err);
		undo_state_clear(out);
		return rc == -ENOMEM ? rc : -EINVAL;
	}
	out->pid = (long)pid;
	out->netns = netns;
	return 0;
}

/* ---- rendering ---- */

static json_t *render_change(const struct undo_change *c)
{
	char a[PREFIX_STRLEN], g[ADDR_STRLEN];
	switch (c->kind) {
	case UNDO_ADDR:
		return json_pack("{s:s, s:s, s:s}", "kind", "addr", "dev", c->dev, "prefix",
				 addr_prefix_format(&c->prefix, a, sizeof(a)));
	case UNDO_ROUTE: {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "kind", "route", "dev", c->dev, "dst",
				      addr_prefix_format(&c->prefix, a, sizeof(a)), "metric",
				      (json_int_t)c->metric);
		if (o != NULL && c->has_gw &&
		    json_object_set_new(o, "gw", json_string(addr_format(&c->gw, g, sizeof(g)))) !=
			0) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	case UNDO_NFT:
		return json_pack("{s:s, s:s}", "kind", "nft", "table", c->table);
	case UNDO_RESOLV:
		return json_pack("{s:s, s:s, s:s, s:s}", "kind", "resolv", "path", c->path,
				 "original", c->original ? c->original : "", "written",
				 c->written ? c->written : "");
	}
	return NULL;
}

char *undo_state_render(const struct undo_state *s)
{
	json_t *changes = json_array();
	json_t *root = json_pack("{s:i, s:I, s:I, s:s, s:o}", "version", UNDO_STATE_VERSION, "pid",
				 (json_int_t)s->pid, "netns", (json_int_t)s->netns, "tun", s->tun,
				 "changes", changes);
	if (root == NULL)
		return NULL;
	for (size_t i = 0; i < s->n; i++) {
		json_t *o = render_change(&s->changes[i]);
		if (o == NULL || json_array_append_new(changes, o) != 0) {
			json_decref(root);
			return NULL;
		}
	}
	char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}

const char *undo_change_describe(const struct undo_change *c, char *buf, size_t len)
{
	char a[PREFIX_STRLEN], g[ADDR_STRLEN];
	switch (c->kind) {
	case UNDO_ADDR:
		snprintf(buf, len, "address %s dev %s",
			 addr_prefix_format(&c->prefix, a, sizeof(a)), c->dev);
		break;
	case UNDO_ROUTE:
		snprintf(buf, len, "route %s%s%s dev %s",
			 addr_prefix_format(&c->prefix, a, sizeof(a)), c->has_gw ? " via " : "",
			 c->has_gw ? addr_format(&c->gw, g, sizeof(g)) : "", c->dev);
		break;
	case UNDO_NFT:
		snprintf(buf, len, "nftables table %s", c->table);
		break;
	case UNDO_RESOLV:
		snprintf(buf, len, "resolver %s", c->path);
		break;
	default:
		snprintf(buf, len, "unknown change");
	}
	return buf;
}
