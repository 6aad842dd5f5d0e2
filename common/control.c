/*
 * Control message codec (PROTOCOL.md, "Control messages"). Parsing goes through
 * jansson after a cheap pre-scan that bounds the nesting depth, then every field is
 * type-, length- and range-checked into the fixed-size struct control_msg. Encoding
 * builds the JSON with jansson and re-parses the result, so the encoder can never
 * emit a message that the parser (ours or a peer's) would refuse.
 */
#include "jsonfmt.h"
#include "control.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static const char *const bye_names[] = {
    [BYE_SHUTDOWN] = "shutdown",
    [BYE_REVOKED] = "revoked",
    [BYE_KICKED] = "kicked",
    [BYE_REPLACED] = "replaced",
    [BYE_IDLE] = "idle",
    [BYE_PROTOCOL_ERROR] = "protocol_error",
    [BYE_UNSUPPORTED_VERSION] = "unsupported_version",
    [BYE_SERVER_FULL] = "server_full",
    [BYE_POOL_EXHAUSTED] = "pool_exhausted",
    [BYE_CLIENT_EXIT] = "client_exit",
};

static const char *const type_names[] = {
    [CONTROL_HELLO] = "hello", [CONTROL_CONFIG] = "config", [CONTROL_PING] = "ping",
    [CONTROL_PONG] = "pong",   [CONTROL_BYE] = "bye",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *control_bye_reason_name(enum bye_reason r)
{
	if ((unsigned)r >= ARRAY_LEN(bye_names))
		return "unknown";
	return bye_names[r];
}

enum bye_reason control_bye_reason_parse(const char *s)
{
	if (s == NULL)
		return BYE_UNKNOWN;
	for (size_t i = 0; i < ARRAY_LEN(bye_names); i++)
		if (strcmp(s, bye_names[i]) == 0)
			return (enum bye_reason)i;
	return BYE_UNKNOWN;
}

const char *control_type_name(enum control_type t)
{
	if ((unsigned)t >= ARRAY_LEN(type_names))
		return "unknown";
	return type_names[t];
}

int control_negotiate_version(const struct control_hello *h, uint32_t srv_min, uint32_t srv_max,
			      uint32_t *chosen)
{
	if (srv_min == 0 || srv_min > srv_max)
		return -EINVAL;
	uint32_t v = h->version < srv_max ? h->version : srv_max;
	if (v == 0 || v < h->min_version || v < srv_min)
		return -EPROTONOSUPPORT;
	*chosen = v;
	return 0;
}

/* ---- error reporting ---- */

/* Where the parser reports to; err may be NULL. */
struct perr {
	char *buf;
	size_t len;
};

static int fail(struct perr *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(struct perr *e, int code, const char *fmt, ...)
{
	if (e->buf != NULL && e->len > 0) {
		int n = snprintf(e->buf, e->len, "control message: ");
		if (n > 0 && (size_t)n < e->len) {
			va_list ap;
			va_start(ap, fmt);
			vsnprintf(e->buf + n, e->len - (size_t)n, fmt, ap);
			va_end(ap);
		}
	}
	return code;
}

#define SHOW_LEN 64

/* ---- field getters: 0, 1 if absent and optional, or -EPROTO via fail() ---- */

static json_t *field(struct perr *e, json_t *obj, const char *path, const char *key, bool required,
		     int *rc)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		*rc = required ? fail(e, -EPROTO, "%s.%s: missing", path, key) : 1;
	else
		*rc = 0;
	return v;
}

static int get_uint(struct perr *e, json_t *obj, const char *path, const char *key, bool required,
		    uint64_t min, uint64_t max, uint64_t *out)
{
	int rc;
	json_t *v = field(e, obj, path, key, required, &rc);
	if (v == NULL)
		return rc;
	json_int_t i = json_is_integer(v) ? json_integer_value(v) : -1;
	if (!json_is_integer(v) || i < 0 || (uint64_t)i < min || (uint64_t)i > max) {
		char s[SHOW_LEN];
		return fail(e, -EPROTO, "%s.%s: expected an integer %llu..%llu, got %s", path, key,
			    (unsigned long long)min, (unsigned long long)max,
			    jsonfmt_value(v, s, sizeof(s)));
	}
	*out = (uint64_t)i;
	return 0;
}

static bool is_token_char(unsigned char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '.';
}

enum str_kind {
	STR_TOKEN, /* 1+ bytes of [A-Za-z0-9._-] */
	STR_TEXT,  /* any UTF-8 without control characters, may be empty */
	STR_ANY,   /* any UTF-8 (no NUL: jansson refuses \u0000) */
};

static bool str_ok(const char *s, size_t n, enum str_kind kind)
{
	if (kind == STR_TOKEN && n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (kind == STR_TOKEN && !is_token_char(ch))
			return false;
		if (kind == STR_TEXT && (ch < 0x20 || ch == 0x7f))
			return false;
	}
	return true;
}

static const char *kind_desc(enum str_kind kind)
{
	switch (kind) {
	case STR_TOKEN:
		return "a name of letters, digits, '.', '_' or '-'";
	case STR_TEXT:
		return "a string without control characters";
	default:
		return "a string";
	}
}

/* Checks a string value v (named path[.key]) into buf[cap] (at most cap - 1 bytes). */
static int check_string(struct perr *e, json_t *v, const char *path, const char *key,
			enum str_kind kind, char *buf, size_t cap)
{
	const char *dot = key != NULL ? "." : "";
	key = key != NULL ? key : "";
	if (!json_is_string(v) || json_string_length(v) > cap - 1 ||
	    !str_ok(json_string_value(v), json_string_length(v), kind)) {
		char s[SHOW_LEN];
		return fail(e, -EPROTO, "%s%s%s: expected %s of at most %zu bytes, got %s", path,
			    dot, key, kind_desc(kind), cap - 1, jsonfmt_value(v, s, sizeof(s)));
	}
	memcpy(buf, json_string_value(v), json_string_length(v));
	buf[json_string_length(v)] = '\0';
	return 0;
}

static int get_string(struct perr *e, json_t *obj, const char *path, const char *key, bool required,
		      enum str_kind kind, char *buf, size_t cap)
{
	int rc;
	json_t *v = field(e, obj, path, key, required, &rc);
	if (v == NULL)
		return rc;
	return check_string(e, v, path, key, kind, buf, cap);
}

static int get_bool(struct perr *e, json_t *obj, const char *path, const char *key, bool *out)
{
	int rc;
	json_t *v = field(e, obj, path, key, false, &rc);
	if (v == NULL)
		return rc;
	if (!json_is_boolean(v)) {
		char s[SHOW_LEN];
		return fail(e, -EPROTO, "%s.%s: expected true or false, got %s", path, key,
			    jsonfmt_value(v, s, sizeof(s)));
	}
	*out = json_is_true(v);
	return 0;
}

static int get_array(struct perr *e, json_t *obj, const char *path, const char *key, size_t max,
		     json_t **out)
{
	int rc;
	json_t *v = field(e, obj, path, key, false, &rc);
	if (v == NULL)
		return rc;
	if (!json_is_array(v)) {
		char s[SHOW_LEN];
		return fail(e, -EPROTO, "%s.%s: expected an array, got %s", path, key,
			    jsonfmt_value(v, s, sizeof(s)));
	}
	if (json_array_size(v) > max)
		return fail(e, -EPROTO, "%s.%s: at most %zu entries, got %zu", path, key, max,
			    json_array_size(v));
	*out = v;
	return 0;
}

/* family 0 accepts either. */
static int check_addr(struct perr *e, json_t *v, const char *where, int family, struct ip_addr *out)
{
	char s[SHOW_LEN];
	if (!json_is_string(v) || json_string_length(v) >= ADDR_STRLEN ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    !addr_parse(json_string_value(v), out) || (family != 0 && out->family != family)) {
		return fail(e, -EPROTO, "%s: expected %s address, got %s", where,
			    family == AF_INET	 ? "an IPv4"
			    : family == AF_INET6 ? "an IPv6"
						 : "an IP",
			    jsonfmt_value(v, s, sizeof(s)));
	}
	return 0;
}

static int check_prefix(struct perr *e, json_t *v, const char *where, int family,
			bool must_be_network, struct ip_prefix *out)
{
	char s[SHOW_LEN];
	const char *what = family == AF_INET	? "an IPv4 prefix like 10.8.0.2/24"
			   : family == AF_INET6 ? "an IPv6 prefix like fd00:8::2/64"
						: "a prefix like 10.0.0.0/8";
	if (!json_is_string(v) || json_string_length(v) >= PREFIX_STRLEN ||
	    strlen(json_string_value(v)) != json_string_length(v) ||
	    !addr_prefix_parse(json_string_value(v), out) ||
	    (family != 0 && out->addr.family != family))
		return fail(e, -EPROTO, "%s: expected %s, got %s", where, what,
			    jsonfmt_value(v, s, sizeof(s)));
	if (must_be_network && !addr_prefix_is_network(out))
		return fail(e, -EPROTO, "%s: host bits set in %s (expected a network prefix)",
			    where, jsonfmt_value(v, s, sizeof(s)));
	return 0;
}

/*
 * A client address must be a usable host in its prefix: not the network address and,
 * for IPv4, not the broadcast address (only meaningful below /31 and /127).
 */
static bool is_usable_host(const struct ip_prefix *p)
{
	const uint8_t *b = p->addr.family == AF_INET ? (const uint8_t *)&p->addr.u.v4
						     : (const uint8_t *)&p->addr.u.v6;
	unsigned bits = p->addr.family == AF_INET ? 32 : 128;
	if (p->len == 0 || p->len > bits)
		return false;
	if (p->len >= bits - 1)
		return true;
	bool all_zero = true, all_one = true;
	for (unsigned i = p->len; i < bits; i++) {
		bool bit = (b[i / 8] >> (7 - i % 8)) & 1;
		all_zero = all_zero && !bit;
		all_one = all_one && bit;
	}
	if (all_zero)
		return false;
	return p->addr.family == AF_INET6 || !all_one;
}

/* ---- messages ---- */

/* The optional "features" array of hello and config: names the receiver
 * may not know, each a token. */
static int parse_features(struct perr *e, json_t *o, const char *msg,
			  char (*features)[CONTROL_FEATURE_LEN], size_t *n)
{
	*n = 0;
	json_t *a = NULL;
	int rc = get_array(e, o, msg, "features", CONTROL_MAX_FEATURES, &a);
	if (rc < 0)
		return rc;
	size_t i;
	json_t *f;
	json_array_foreach(a, i, f)
	{
		char where[48];
		snprintf(where, sizeof(where), "%s.features[%zu]", msg, i);
		rc = check_string(e, f, where, NULL, STR_TOKEN, features[i], CONTROL_FEATURE_LEN);
		if (rc < 0)
			return rc;
		*n = i + 1;
	}
	return 0;
}

static int parse_hello(struct perr *e, json_t *o, struct control_hello *h)
{
	uint64_t v;
	int rc = get_uint(e, o, "hello", "version", true, 1, UINT32_MAX, &v);
	if (rc < 0)
		return rc;
	h->version = (uint32_t)v;
	rc = get_uint(e, o, "hello", "min_version", true, 1, h->version, &v);
	if (rc < 0)
		return rc;
	h->min_version = (uint32_t)v;
	h->software[0] = '\0';
	rc = get_string(e, o, "hello", "software", false, STR_TEXT, h->software,
			sizeof(h->software));
	if (rc < 0)
		return rc;
	return parse_features(e, o, "hello", h->features, &h->n_features);
}

static int parse_config_addrs(struct perr *e, json_t *o, struct control_config *c)
{
	json_t *v;
	int rc;
	if ((v = field(e, o, "config", "ipv4", true, &rc)) == NULL)
		return rc;
	if ((rc = check_prefix(e, v, "config.ipv4", AF_INET, false, &c->ipv4)) < 0)
		return rc;
	char s[SHOW_LEN];
	if (!is_usable_host(&c->ipv4))
		return fail(e, -EPROTO, "config.ipv4: %s is not a host address in its prefix",
			    jsonfmt_value(v, s, sizeof(s)));
	if ((v = field(e, o, "config", "gateway4", true, &rc)) == NULL)
		return rc;
	if ((rc = check_addr(e, v, "config.gateway4", AF_INET, &c->gateway4)) < 0)
		return rc;
	if (addr_equal(&c->gateway4, &c->ipv4.addr))
		return fail(e, -EPROTO, "config.gateway4: same as the client address %s",
			    jsonfmt_value(v, s, sizeof(s)));

	c->has_ipv6 = false;
	json_t *v6 = json_object_get(o, "ipv6");
	json_t *g6 = json_object_get(o, "gateway6");
	if (v6 == NULL && g6 == NULL)
		return 0;
	if (v6 == NULL)
		return fail(e, -EPROTO, "config.gateway6: present without config.ipv6");
	if ((rc = check_prefix(e, v6, "config.ipv6", AF_INET6, false, &c->ipv6)) < 0)
		return rc;
	if (!is_usable_host(&c->ipv6))
		return fail(e, -EPROTO, "config.ipv6: %s is not a host address in its prefix",
			    jsonfmt_value(v6, s, sizeof(s)));
	if (g6 == NULL)
		return fail(e, -EPROTO, "config.gateway6: missing (required with config.ipv6)");
	if ((rc = check_addr(e, g6, "config.gateway6", AF_INET6, &c->gateway6)) < 0)
		return rc;
	if (addr_equal(&c->gateway6, &c->ipv6.addr))
		return fail(e, -EPROTO, "config.gateway6: same as the client address %s",
			    jsonfmt_value(g6, s, sizeof(s)));
	c->has_ipv6 = true;
	return 0;
}

static int parse_config_lists(struct perr *e, json_t *o, struct control_config *c)
{
	json_t *a = NULL, *v;
	size_t i;
	char where[48];
	int rc = get_array(e, o, "config", "routes", CONTROL_MAX_ROUTES, &a);
	if (rc < 0)
		return rc;
	c->n_routes = 0;
	json_array_foreach(a, i, v)
	{
		snprintf(where, sizeof(where), "config.routes[%zu]", i);
		if ((rc = check_prefix(e, v, where, 0, true, &c->routes[i])) < 0)
			return rc;
		if (c->routes[i].addr.family == AF_INET6 && !c->has_ipv6)
			return fail(e, -EPROTO, "%s: IPv6 route without config.ipv6", where);
		c->n_routes = i + 1;
	}
	a = NULL;
	if ((rc = get_array(e, o, "config", "dns", CONTROL_MAX_DNS, &a)) < 0)
		return rc;
	c->n_dns = 0;
	json_array_foreach(a, i, v)
	{
		snprintf(where, sizeof(where), "config.dns[%zu]", i);
		if ((rc = check_addr(e, v, where, 0, &c->dns[i])) < 0)
			return rc;
		if (c->dns[i].family == AF_INET6 && !c->has_ipv6)
			return fail(e, -EPROTO, "%s: IPv6 DNS server without config.ipv6", where);
		c->n_dns = i + 1;
	}
	c->redirect_gateway = false;
	return get_bool(e, o, "config", "redirect_gateway", &c->redirect_gateway) < 0 ? -EPROTO : 0;
}

static int parse_config(struct perr *e, json_t *o, struct control_config *c)
{
	uint64_t v;
	int rc = get_uint(e, o, "config", "version", true, 1, UINT32_MAX, &v);
	if (rc < 0)
		return rc;
	c->version = (uint32_t)v;
	if ((rc = parse_config_addrs(e, o, c)) < 0)
		return rc;
	uint64_t mtu_min = c->has_ipv6 ? CONTROL_MTU_MIN_IPV6 : CONTROL_MTU_MIN;
	if ((rc = get_uint(e, o, "config", "mtu", true, mtu_min, CONTROL_MTU_MAX, &v)) < 0)
		return rc;
	c->mtu = (unsigned)v;
	if ((rc = parse_config_lists(e, o, c)) < 0)
		return rc;
	rc = get_uint(e, o, "config", "keepalive_interval", true, 1, CONTROL_KEEPALIVE_MAX, &v);
	if (rc < 0)
		return rc;
	c->keepalive_interval = (unsigned)v;
	rc = get_uint(e, o, "config", "keepalive_timeout", true, c->keepalive_interval + 1ULL,
		      CONTROL_KEEPALIVE_TO_MAX, &v);
	if (rc < 0)
		return rc;
	c->keepalive_timeout = (unsigned)v;
	return parse_features(e, o, "config", c->features, &c->n_features);
}

static int parse_ping(struct perr *e, json_t *o, const char *name, struct control_ping *p)
{
	int rc = get_uint(e, o, name, "seq", true, 0, CONTROL_MAX_JSON_INT, &p->seq);
	if (rc < 0)
		return rc;
	return get_uint(e, o, name, "time_us", true, 0, CONTROL_MAX_JSON_INT, &p->time_us);
}

static int parse_bye(struct perr *e, json_t *o, struct control_bye *b)
{
	int rc = get_string(e, o, "bye", "reason", true, STR_TOKEN, b->reason_text,
			    sizeof(b->reason_text));
	if (rc < 0)
		return rc;
	b->reason = control_bye_reason_parse(b->reason_text);
	b->message[0] = '\0';
	rc = get_string(e, o, "bye", "message", false, STR_ANY, b->message, sizeof(b->message));
	return rc < 0 ? rc : 0;
}

/*
 * Bounds nesting before jansson sees the text: its own limit (2048) is far above what
 * any message needs, and a shallow cap keeps hostile input cheap.
 */
static bool depth_ok(const uint8_t *s, size_t len, unsigned max)
{
	unsigned depth = 0;
	bool in_string = false, escaped = false;
	for (size_t i = 0; i < len; i++) {
		uint8_t ch = s[i];
		if (in_string) {
			if (escaped)
				escaped = false;
			else if (ch == '\\')
				escaped = true;
			else if (ch == '"')
				in_string = false;
		} else if (ch == '"') {
			in_string = true;
		} else if (ch == '{' || ch == '[') {
			if (++depth > max)
				return false;
		} else if ((ch == '}' || ch == ']') && depth > 0) {
			depth--;
		}
	}
	return true;
}

static int parse_body(struct perr *e, json_t *root, struct control_msg *out)
{
	json_t *t = json_object_get(root, "type");
	if (t == NULL)
		return fail(e, -EPROTO, "type: missing");
	int rc =
	    check_string(e, t, "type", NULL, STR_TOKEN, out->type_name, sizeof(out->type_name));
	if (rc < 0)
		return rc;
	out->type = CONTROL_UNKNOWN;
	for (size_t i = 0; i < ARRAY_LEN(type_names); i++)
		if (strcmp(out->type_name, type_names[i]) == 0)
			out->type = (enum control_type)i;

	switch (out->type) {
	case CONTROL_HELLO:
		return parse_hello(e, root, &out->u.hello);
	case CONTROL_CONFIG:
		return parse_config(e, root, &out->u.config);
	case CONTROL_PING:
	case CONTROL_PONG:
		return parse_ping(e, root, out->type_name, &out->u.ping);
	case CONTROL_BYE:
		return parse_bye(e, root, &out->u.bye);
	default:
		return 0; /* unknown types are ignored by the receiver */
	}
}

int control_parse(const uint8_t *payload, size_t len, struct control_msg *out, char *err,
		  size_t err_len)
{
	struct perr e = {err, err_len};
	if (err != NULL && err_len > 0)
		err[0] = '\0';
	if (payload == NULL || len == 0)
		return fail(&e, -EPROTO, "empty payload");
	if (payload[0] != CONTROL_FRAME_TYPE)
		return fail(&e, -EPROTO, "payload starts with 0x%02x, not 0x01", payload[0]);
	const uint8_t *text = payload + 1;
	size_t text_len = len - 1;
	if (text_len > CONTROL_MAX_JSON)
		return fail(&e, -EMSGSIZE, "JSON of %zu bytes exceeds the limit of %d", text_len,
			    CONTROL_MAX_JSON);
	if (!depth_ok(text, text_len, CONTROL_MAX_DEPTH))
		return fail(&e, -EPROTO, "JSON nested deeper than %d levels", CONTROL_MAX_DEPTH);

	json_error_t jerr;
	json_t *root = json_loadb((const char *)text, text_len,
				  JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (root == NULL)
		return fail(&e, -EPROTO, "invalid JSON at byte %d: %s", jerr.position, jerr.text);
	int rc;
	if (!json_is_object(root))
		rc = fail(&e, -EPROTO, "expected a JSON object");
	else
		rc = parse_body(&e, root, out);
	json_decref(root);
	return rc;
}

/* ---- encoding ---- */

/* Adds key: value to o, taking the reference; false if either is NULL or on ENOMEM. */
static bool put(json_t *o, const char *key, json_t *v)
{
	return v != NULL && json_object_set_new(o, key, v) == 0;
}

static json_t *addr_json(const struct ip_addr *a)
{
	char buf[ADDR_STRLEN];
	if (a->family != AF_INET && a->family != AF_INET6)
		return NULL;
	const char *s = addr_format(a, buf, sizeof(buf));
	return s != NULL ? json_string(s) : NULL;
}

static json_t *prefix_json(const struct ip_prefix *p)
{
	char buf[PREFIX_STRLEN];
	if (p->addr.family != AF_INET && p->addr.family != AF_INET6)
		return NULL;
	const char *s = addr_prefix_format(p, buf, sizeof(buf));
	return s != NULL ? json_string(s) : NULL;
}

/*
 * Callers fill messages with snprintf, which may cut a multi-byte UTF-8 sequence at
 * the end; drop such an incomplete tail rather than refuse the whole message. Any
 * other invalid UTF-8 still fails (json_stringn returns NULL).
 */
static json_t *text_json(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);
	size_t k = n;
	while (k > 0 && n - k < 3 && ((unsigned char)s[k - 1] & 0xc0) == 0x80)
		k--;
	if (k > 0) {
		unsigned char lead = (unsigned char)s[k - 1];
		size_t want = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
		if (want > 1 && n - (k - 1) < want)
			n = k - 1;
	}
	return json_stringn(s, n);
}

static bool put_features(json_t *o, const char (*features)[CONTROL_FEATURE_LEN], size_t n)
{
	if (n > CONTROL_MAX_FEATURES)
		return false;
	json_t *a = json_array();
	if (!put(o, "features", a))
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t len = strnlen(features[i], CONTROL_FEATURE_LEN);
		if (json_array_append_new(a, json_stringn(features[i], len)) != 0)
			return false;
	}
	return true;
}

static bool encode_hello(json_t *o, const struct control_hello *h)
{
	bool ok = put(o, "version", json_integer(h->version)) &&
		  put(o, "min_version", json_integer(h->min_version)) &&
		  put(o, "software", text_json(h->software, sizeof(h->software)));
	return ok && put_features(o, h->features, h->n_features);
}

static bool encode_config(json_t *o, const struct control_config *c)
{
	if (c->n_routes > CONTROL_MAX_ROUTES || c->n_dns > CONTROL_MAX_DNS)
		return false;
	bool ok = put(o, "version", json_integer(c->version)) &&
		  put(o, "ipv4", prefix_json(&c->ipv4)) &&
		  put(o, "gateway4", addr_json(&c->gateway4));
	if (ok && c->has_ipv6)
		ok = put(o, "ipv6", prefix_json(&c->ipv6)) &&
		     put(o, "gateway6", addr_json(&c->gateway6));
	json_t *routes = json_array(), *dns = json_array();
	ok = ok && put(o, "mtu", json_integer(c->mtu)) && put(o, "routes", routes) &&
	     put(o, "redirect_gateway", json_boolean(c->redirect_gateway)) && put(o, "dns", dns) &&
	     put(o, "keepalive_interval", json_integer(c->keepalive_interval)) &&
	     put(o, "keepalive_timeout", json_integer(c->keepalive_timeout));
	if (!ok) {
		/* put() took whichever arrays it attached; free the others. */
		if (json_object_get(o, "routes") != routes)
			json_decref(routes);
		if (json_object_get(o, "dns") != dns)
			json_decref(dns);
		return false;
	}
	for (size_t i = 0; i < c->n_routes; i++)
		if (json_array_append_new(routes, prefix_json(&c->routes[i])) != 0)
			return false;
	for (size_t i = 0; i < c->n_dns; i++)
		if (json_array_append_new(dns, addr_json(&c->dns[i])) != 0)
			return false;
	/* absent when empty: what a version-1 peer without features sends */
	return c->n_features == 0 || put_features(o, c->features, c->n_features);
}

static bool encode_body(json_t *o, const struct control_msg *m)
{
	switch (m->type) {
	case CONTROL_HELLO:
		return encode_hello(o, &m->u.hello);
	case CONTROL_CONFIG:
		return encode_config(o, &m->u.config);
	case CONTROL_PING:
	case CONTROL_PONG:
		return m->u.ping.seq <= CONTROL_MAX_JSON_INT &&
		       m->u.ping.time_us <= CONTROL_MAX_JSON_INT &&
		       put(o, "seq", json_integer((json_int_t)m->u.ping.seq)) &&
		       put(o, "time_us", json_integer((json_int_t)m->u.ping.time_us));
	case CONTROL_BYE: {
		const struct control_bye *b = &m->u.bye;
		const char *reason =
		    b->reason == BYE_UNKNOWN ? b->reason_text : control_bye_reason_name(b->reason);
		size_t rlen = strnlen(reason, sizeof(b->reason_text));
		if ((unsigned)b->reason > BYE_UNKNOWN)
			return false;
		return put(o, "reason", json_stringn(reason, rlen)) &&
		       put(o, "message", text_json(b->message, sizeof(b->message)));
	}
	default:
		return false;
	}
}

int control_encode(const struct control_msg *m, uint8_t *out, size_t cap)
{
	if (m == NULL || out == NULL)
		return -EINVAL;
	if (m->type >= CONTROL_UNKNOWN)
		return -EINVAL;
	json_t *o = json_object();
	if (o == NULL)
		return -ENOMEM;
	int rc = -EINVAL;
	if (!put(o, "type", json_string(control_type_name(m->type))) || !encode_body(o, m))
		goto out;

	/* Measure first: json_dumpb reports the full size even when it does not fit. */
	size_t need = json_dumpb(o, NULL, 0, JSON_COMPACT);
	if (need == 0 || need > CONTROL_MAX_JSON)
		goto out;
	if (cap < need + 1) {
		rc = -ENOSPC;
		goto out;
	}
	out[0] = CONTROL_FRAME_TYPE;
	if (json_dumpb(o, (char *)out + 1, need, JSON_COMPACT) != need)
		goto out;

	struct control_msg check;
	if (control_parse(out, need + 1, &check, NULL, 0) != 0)
		goto out;
	rc = (int)(need + 1);
out:
	json_decref(o);
	return rc;
}

bool control_has_feature(const char (*features)[CONTROL_FEATURE_LEN], size_t n, const char *name)
{
	for (size_t i = 0; i < n && i < CONTROL_MAX_FEATURES; i++)
		if (strncmp(features[i], name, CONTROL_FEATURE_LEN) == 0)
			return true;
	return false;
}

void control_bye_init(struct control_msg *m, enum bye_reason reason, const char *message)
{
	memset(m, 0, sizeof(*m));
	m->type = CONTROL_BYE;
	m->u.bye.reason = reason;
	snprintf(m->u.bye.message, sizeof(m->u.bye.message), "%s", message ? message : "");
}
