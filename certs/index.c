#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "crl.h"
#include "index.h"
#include "timestamp.h"

#define INDEX_VERSION 1

struct index *index_new(void)
{
	return calloc(1, sizeof(struct index));
}

void index_free(struct index *idx)
{
	if (idx == NULL)
		return;
	free(idx->entries);
	free(idx);
}

bool index_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > INDEX_NAME_MAX || name[0] == '.')
		return false;
	for (const char *c = name; *c != '\0'; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' || *c == '-'))
			return false;
	return strcmp(name, "ca") != 0 && strcmp(name, "crl") != 0 && strcmp(name, "index") != 0;
}

void index_serial_hex(const uint8_t *serial, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[serial[i] >> 4];
		out[2 * i + 1] = hex[serial[i] & 15];
	}
	out[2 * len] = '\0';
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool serial_parse(const char *s, uint8_t *out, size_t *len)
{
	size_t n = strlen(s);

	if (n == 0 || n % 2 != 0 || n / 2 > INDEX_SERIAL_MAX)
		return false;
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return true;
}

int index_add(struct index *idx, const struct index_entry *e)
{
	if (idx->n_entries == idx->cap) {
		size_t cap = idx->cap ? idx->cap * 2 : 16;
		struct index_entry *n;

		if (idx->cap >= INDEX_ENTRIES_MAX)
			return -E2BIG;
		n = reallocarray(idx->entries, cap, sizeof(*n));
		if (n == NULL)
			return -ENOMEM;
		idx->entries = n;
		idx->cap = cap;
	}
	idx->entries[idx->n_entries++] = *e;
	return 0;
}

struct index_entry *index_find_live(struct index *idx, const char *name, time_t now)
{
	for (size_t i = idx->n_entries; i-- > 0;) {
		struct index_entry *e = &idx->entries[i];

		if (strcmp(e->name, name) == 0 && !e->revoked && e->not_after > now)
			return e;
	}
	return NULL;
}

enum index_state index_state(const struct index_entry *e, time_t now)
{
	if (e->revoked)
		return INDEX_STATE_REVOKED;
	if (e->not_after <= now)
		return INDEX_STATE_EXPIRED;
	if (e->not_after - now <= (time_t)INDEX_EXPIRING_DAYS * 86400)
		return INDEX_STATE_EXPIRING;
	return INDEX_STATE_VALID;
}

const char *index_state_name(enum index_state s)
{
	switch (s) {
	case INDEX_STATE_VALID:
		return "valid";
	case INDEX_STATE_EXPIRING:
		return "expiring";
	case INDEX_STATE_EXPIRED:
		return "expired";
	case INDEX_STATE_REVOKED:
		return "revoked";
	}
	return "?";
}

const char *index_kind_name(enum index_kind k)
{
	return k == INDEX_SERVER ? "server" : "client";
}

/* ---- parsing: every getter names the key it refused ---- */

struct perr {
	char *buf;
	size_t size;
};

__attribute__((format(printf, 2, 3))) static int fail(struct perr *pe, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pe->buf, pe->size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int get_string(json_t *obj, const char *what, const char *key, const char **out,
		      struct perr *pe)
{
	json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return fail(pe, "%s: \"%s\" missing or not a string", what, key);
	*out = json_string_value(v);
	return 0;
}

static int get_time(json_t *obj, const char *what, const char *key, time_t *out, struct perr *pe)
{
	const char *s = NULL;

	if (get_string(obj, what, key, &s, pe) < 0)
		return -EINVAL;
	if (timestamp_parse(s, out) < 0)
		return fail(pe, "%s: \"%s\" is not a YYYYMMDDhhmmss time", what, key);
	return 0;
}

static int get_serial(json_t *obj, const char *what, uint8_t *out, size_t *len, struct perr *pe)
{
	const char *s = NULL;

	if (get_string(obj, what, "serial", &s, pe) < 0)
		return -EINVAL;
	if (!serial_parse(s, out, len))
		return fail(pe, "%s: \"%s\" is not a hex serial of at most 20 bytes", what,
			    "serial");
	return 0;
}

static int parse_entry(json_t *o, struct index_entry *e, struct perr *pe)
{
	const char *s = NULL;
	char what[80];

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return fail(pe, "%s%s: entry is not an object", "certs", "");
	if (get_string(o, "certs[]", "name", &s, pe) < 0)
		return -EINVAL;
	if (!index_name_valid(s))
		return fail(pe, "%s: \"%s\" is not a valid name", "certs[]", "name");
	memcpy(e->name, s, strlen(s) + 1);
	snprintf(what, sizeof(what), "certs[\"%s\"]", e->name);
	if (get_string(o, what, "kind", &s, pe) < 0)
		return -EINVAL;
	if (strcmp(s, "server") == 0)
		e->kind = INDEX_SERVER;
	else if (strcmp(s, "client") == 0)
		e->kind = INDEX_CLIENT;
	else
		return fail(pe, "%s: \"%s\" is neither server nor client", what, "kind");
	if (get_serial(o, what, e->serial, &e->serial_len, pe) < 0 ||
	    get_time(o, what, "not_before", &e->not_before, pe) < 0 ||
	    get_time(o, what, "not_after", &e->not_after, pe) < 0 ||
	    get_string(o, what, "status", &s, pe) < 0)
		return -EINVAL;
	if (strcmp(s, "valid") == 0)
		return 0;
	if (strcmp(s, "revoked") != 0)
		return fail(pe, "%s: \"%s\" is neither valid nor revoked", what, "status");
	e->revoked = true;
	if (get_time(o, what, "revoked_at", &e->revoked_at, pe) < 0 ||
	    get_string(o, what, "reason", &s, pe) < 0)
		return -EINVAL;
	if ((e->reason = crl_reason_from_name(s)) < 0)
		return fail(pe, "%s: \"%s\" is not a known revocation reason", what, "reason");
	return 0;
}

static int parse_root(json_t *root, struct index *idx, struct perr *pe)
{
	json_t *ca, *crl, *certs, *v;
	const char *s = NULL;
	size_t i;

	if (!json_is_object(root))
		return fail(pe, "%s%s: top level is not an object", "", "");
	v = json_object_get(root, "version");
	if (!json_is_integer(v) || json_integer_value(v) != INDEX_VERSION)
		return fail(pe, "%s: \"%s\" missing or not 1", "index", "version");
	ca = json_object_get(root, "ca");
	crl = json_object_get(root, "crl");
	certs = json_object_get(root, "certs");
	if (!json_is_object(ca))
		return fail(pe, "%s: \"%s\" missing or not an object", "index", "ca");
	if (!json_is_object(crl))
		return fail(pe, "%s: \"%s\" missing or not an object", "index", "crl");
	if (!json_is_array(certs))
		return fail(pe, "%s: \"%s\" missing or not an array", "index", "certs");
	if (get_string(ca, "ca", "name", &s, pe) < 0)
		return -EINVAL;
	if (strlen(s) == 0 || strlen(s) > INDEX_NAME_MAX)
		return fail(pe, "%s: \"%s\" is empty or longer than 64", "ca", "name");
	memcpy(idx->ca_name, s, strlen(s) + 1);
	if (get_serial(ca, "ca", idx->ca_serial, &idx->ca_serial_len, pe) < 0 ||
	    get_time(ca, "ca", "not_after", &idx->ca_not_after, pe) < 0 ||
	    get_time(crl, "crl", "this_update", &idx->crl_this_update, pe) < 0 ||
	    get_time(crl, "crl", "next_update", &idx->crl_next_update, pe) < 0)
		return -EINVAL;
	v = json_object_get(crl, "number");
	if (!json_is_integer(v) || json_integer_value(v) < 1)
		return fail(pe, "%s: \"%s\" missing or not a positive integer", "crl", "number");
	idx->crl_number = (uint64_t)json_integer_value(v);
	json_array_foreach(certs, i, v)
	{
		struct index_entry e;
		int r;

		if (parse_entry(v, &e, pe) < 0)
			return -EINVAL;
		if ((r = index_add(idx, &e)) < 0)
			return r == -ENOMEM
				   ? -ENOMEM
				   : fail(pe, "%s: \"%s\" has too many entries", "index", "certs");
	}
	return 0;
}

int index_parse(const char *text, size_t len, struct index **out, char *err, size_t err_size)
{
	struct perr pe = {err, err_size};
	json_error_t je;
	json_t *root;
	struct index *idx;
	int ret;

	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL) {
		snprintf(err, err_size, "line %d column %d: %s", je.line, je.column, je.text);
		return -EINVAL;
	}
	idx = index_new();
	if (idx == NULL) {
		json_decref(root);
		return -ENOMEM;
	}
	ret = parse_root(root, idx, &pe);
	json_decref(root);
	if (ret < 0) {
		index_free(idx);
		return ret;
	}
	*out = idx;
	return 0;
}

/* ---- dumping ---- */

static json_t *time_string(time_t t)
{
	char ts[TIMESTAMP_LEN + 1];

	if (timestamp_format(t, ts) < 0)
		return NULL;
	return json_string(ts);
}

static json_t *serial_string(const uint8_t *serial, size_t len)
{
	char hex[2 * INDEX_SERIAL_MAX + 1];

	index_serial_hex(serial, len, hex);
	return json_string(hex);
}

static json_t *dump_entry(const struct index_entry *e)
{
	json_t *o =
	    json_pack("{s:s, s:s, s:o*, s:o*, s:o*, s:s}", "name", e->name, "kind",
		      index_kind_name(e->kind), "serial", serial_string(e->serial, e->serial_len),
		      "not_before", time_string(e->not_before), "not_after",
		      time_string(e->not_after), "status", e->revoked ? "revoked" : "valid");

	if (o != NULL && e->revoked &&
	    (json_object_set_new(o, "revoked_at", time_string(e->revoked_at)) < 0 ||
	     json_object_set_new(o, "reason", json_string(crl_reason_name(e->reason))) < 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

char *index_dump(const struct index *idx)
{
	json_t *root, *certs = json_array();
	char *text = NULL;

	if (certs == NULL)
		return NULL;
	for (size_t i = 0; i < idx->n_entries; i++) {
		json_t *e = dump_entry(&idx->entries[i]);

		if (e == NULL || json_array_append_new(certs, e) < 0) {
			json_decref(certs);
			return NULL;
		}
	}
	root = json_pack(
	    "{s:i, s:{s:s, s:o*, s:o*}, s:{s:I, s:o*, s:o*}, s:o}", "version", INDEX_VERSION, "ca",
	    "name", idx->ca_name, "serial", serial_string(idx->ca_serial, idx->ca_serial_len),
	    "not_after", time_string(idx->ca_not_after), "crl", "number",
	    (json_int_t)idx->crl_number, "this_update", time_string(idx->crl_this_update),
	    "next_update", time_string(idx->crl_next_update), "certs", certs);
	if (root == NULL)
		return NULL;
	text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(root);
	return text;
}
