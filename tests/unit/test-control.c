/* Unit tests of control: parse every message and its boundaries, hostile input, round trips. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control.h"

static char err[256];
static struct control_msg msg;

/* Parses a JSON text as the payload of a control frame (0x01 prepended). */
static int parse_json(const char *json)
{
	size_t n = strlen(json);
	uint8_t *p = malloc(n + 1);
	ck_assert_ptr_nonnull(p);
	p[0] = 0x01;
	memcpy(p + 1, json, n);
	memset(&msg, 0xa5, sizeof(msg));
	int rc = control_parse(p, n + 1, &msg, err, sizeof(err));
	free(p);
	return rc;
}

static void assert_error(const char *json, int code, const char *text)
{
	int rc = parse_json(json);
	ck_assert_msg(rc == code, "%s: rc %d, expected %d (%s)", json, rc, code, err);
	ck_assert_str_eq(err, text);
}

static void assert_ok(const char *json)
{
	int rc = parse_json(json);
	ck_assert_msg(rc == 0, "%s: rc %d: %s", json, rc, err);
}

#define CONFIG_HEAD "{\"type\":\"config\",\"version\":1,"
#define CONFIG_V4   "\"ipv4\":\"10.8.0.2/24\",\"gateway4\":\"10.8.0.1\","
#define CONFIG_KA   "\"keepalive_interval\":10,\"keepalive_timeout\":60"
#define CONFIG_MIN  CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA "}"

/* ---- framing and JSON ---- */

START_TEST(frame_byte)
{
	uint8_t p[] = "{\"type\":\"ping\"}";
	ck_assert_int_eq(control_parse(p, sizeof(p) - 1, &msg, err, sizeof(err)), -EPROTO);
	ck_assert_str_eq(err, "control message: payload starts with 0x7b, not 0x01");
	ck_assert_int_eq(control_parse(p, 0, &msg, err, sizeof(err)), -EPROTO);
	ck_assert_str_eq(err, "control message: empty payload");
	ck_assert_int_eq(control_parse(NULL, 0, &msg, NULL, 0), -EPROTO);
	uint8_t one = 0x01;
	ck_assert_int_eq(control_parse(&one, 1, &msg, err, sizeof(err)), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "invalid JSON"));
}
END_TEST

START_TEST(malformed_json)
{
	ck_assert_int_eq(parse_json("{"), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "control message: invalid JSON at byte"));
	ck_assert_int_eq(parse_json("{\"type\":\"ping\",}"), -EPROTO);
	ck_assert_int_eq(parse_json("{\"type\":'ping'}"), -EPROTO);
	/* Trailing data after the object. */
	ck_assert_int_eq(parse_json("{\"type\":\"x\"} {}"), -EPROTO);
	/* Duplicate keys could make two parsers disagree. */
	ck_assert_int_eq(parse_json("{\"type\":\"ping\",\"type\":\"bye\"}"), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "duplicate"));
	/* NUL inside a string, invalid UTF-8. */
	ck_assert_int_eq(parse_json("{\"type\":\"pi\\u0000ng\"}"), -EPROTO);
	ck_assert_int_eq(parse_json("{\"type\":\"\xff\xfe\"}"), -EPROTO);
	assert_error("[]", -EPROTO, "control message: expected a JSON object");
	assert_error("42", -EPROTO, "control message: expected a JSON object");
	assert_error("\"hello\"", -EPROTO, "control message: expected a JSON object");
}
END_TEST

START_TEST(depth_cap)
{
	/* Depth 4 in an unknown field is ignored; depth 5 is refused before parsing. */
	assert_ok("{\"type\":\"ping\",\"seq\":1,\"time_us\":2,\"x\":[[{\"y\":1}]]}");
	ck_assert_int_eq(msg.type, CONTROL_PING);
	assert_error("{\"type\":\"ping\",\"seq\":1,\"time_us\":2,\"x\":[[[{}]]]}", -EPROTO,
		     "control message: JSON nested deeper than 4 levels");
	/* Brackets inside strings do not count, escaped quotes do not end strings. */
	assert_ok("{\"type\":\"ping\",\"seq\":1,\"time_us\":2,\"x\":\"[[[[[[\\\"[[[[\"}");

	char deep[CONTROL_MAX_JSON + 1];
	memset(deep, '[', CONTROL_MAX_JSON);
	deep[CONTROL_MAX_JSON] = '\0';
	assert_error(deep, -EPROTO, "control message: JSON nested deeper than 4 levels");
}
END_TEST

START_TEST(size_cap)
{
	/* Exactly CONTROL_MAX_JSON bytes is fine; one more is -EMSGSIZE. */
	const char *head = "{\"type\":\"ping\",\"seq\":1,\"time_us\":2,\"pad\":\"";
	char *j = malloc(CONTROL_MAX_JSON + 2);
	ck_assert_ptr_nonnull(j);
	size_t h = strlen(head);
	memcpy(j, head, h);
	memset(j + h, 'x', CONTROL_MAX_JSON - h - 2);
	memcpy(j + CONTROL_MAX_JSON - 2, "\"}", 3);
	ck_assert_uint_eq(strlen(j), CONTROL_MAX_JSON);
	assert_ok(j);
	memmove(j + h + 1, j + h, CONTROL_MAX_JSON - h + 1);
	ck_assert_uint_eq(strlen(j), CONTROL_MAX_JSON + 1);
	assert_error(j, -EMSGSIZE, "control message: JSON of 8193 bytes exceeds the limit of 8192");
	free(j);
}
END_TEST

START_TEST(type_field)
{
	assert_error("{}", -EPROTO, "control message: type: missing");
	assert_error("{\"type\":42}", -EPROTO,
		     "control message: type: expected a name of letters, digits, '.', '_' or '-' "
		     "of at most 31 bytes, got 42");
	ck_assert_int_eq(parse_json("{\"type\":\"\"}"), -EPROTO);
	ck_assert_int_eq(parse_json("{\"type\":\"a b\"}"), -EPROTO);
	ck_assert_int_eq(parse_json("{\"type\":null}"), -EPROTO);
	/* Unknown types parse, so that the receiver can ignore them. */
	assert_ok("{\"type\":\"stats\",\"whatever\":{\"a\":[1,2]}}");
	ck_assert_int_eq(msg.type, CONTROL_UNKNOWN);
	ck_assert_str_eq(msg.type_name, "stats");
	assert_ok("{\"type\":\"abcdefghijklmnopqrstuvwxyz01234\"}"); /* 31 bytes */
	ck_assert_str_eq(msg.type_name, "abcdefghijklmnopqrstuvwxyz01234");
	ck_assert_int_eq(parse_json("{\"type\":\"abcdefghijklmnopqrstuvwxyz012345\"}"), -EPROTO);
	/* Types are case-sensitive. */
	assert_ok("{\"type\":\"PING\"}");
	ck_assert_int_eq(msg.type, CONTROL_UNKNOWN);
}
END_TEST

/* ---- hello ---- */

START_TEST(hello_ok)
{
	assert_ok("{\"type\":\"hello\",\"version\":3,\"min_version\":1,"
		  "\"software\":\"tlsvpn-client 0.1.0\",\"features\":[\"ipv6\",\"tickets\"],"
		  "\"future\":{\"x\":true}}");
	ck_assert_int_eq(msg.type, CONTROL_HELLO);
	ck_assert_str_eq(msg.type_name, "hello");
	ck_assert_uint_eq(msg.u.hello.version, 3);
	ck_assert_uint_eq(msg.u.hello.min_version, 1);
	ck_assert_str_eq(msg.u.hello.software, "tlsvpn-client 0.1.0");
	ck_assert_uint_eq(msg.u.hello.n_features, 2);
	ck_assert_str_eq(msg.u.hello.features[0], "ipv6");
	ck_assert_str_eq(msg.u.hello.features[1], "tickets");

	/* software and features are optional. */
	assert_ok("{\"type\":\"hello\",\"version\":1,\"min_version\":1}");
	ck_assert_str_eq(msg.u.hello.software, "");
	ck_assert_uint_eq(msg.u.hello.n_features, 0);
	assert_ok("{\"type\":\"hello\",\"version\":4294967295,\"min_version\":4294967295,"
		  "\"features\":[]}");
	ck_assert_uint_eq(msg.u.hello.version, 4294967295u);
}
END_TEST

START_TEST(hello_versions)
{
	assert_error("{\"type\":\"hello\",\"min_version\":1}", -EPROTO,
		     "control message: hello.version: missing");
	assert_error("{\"type\":\"hello\",\"version\":1}", -EPROTO,
		     "control message: hello.min_version: missing");
	assert_error("{\"type\":\"hello\",\"version\":0,\"min_version\":1}", -EPROTO,
		     "control message: hello.version: expected an integer 1..4294967295, got 0");
	assert_error("{\"type\":\"hello\",\"version\":4294967296,\"min_version\":1}", -EPROTO,
		     "control message: hello.version: expected an integer 1..4294967295, got "
		     "4294967296");
	assert_error("{\"type\":\"hello\",\"version\":-1,\"min_version\":1}", -EPROTO,
		     "control message: hello.version: expected an integer 1..4294967295, got -1");
	assert_error("{\"type\":\"hello\",\"version\":\"1\",\"min_version\":1}", -EPROTO,
		     "control message: hello.version: expected an integer 1..4294967295, got "
		     "\"1\"");
	assert_error("{\"type\":\"hello\",\"version\":1.0,\"min_version\":1}", -EPROTO,
		     "control message: hello.version: expected an integer 1..4294967295, got 1.0");
	assert_error("{\"type\":\"hello\",\"version\":2,\"min_version\":3}", -EPROTO,
		     "control message: hello.min_version: expected an integer 1..2, got 3");
	ck_assert_int_eq(parse_json("{\"type\":\"hello\",\"version\":1e3,\"min_version\":1}"),
			 -EPROTO);
	ck_assert_int_eq(
	    parse_json(
		"{\"type\":\"hello\",\"version\":99999999999999999999999,\"min_version\":1}"),
	    -EPROTO);
}
END_TEST

START_TEST(hello_strings)
{
	char j[512];
	char s63[64], s64[65];
	memset(s63, 'v', 63);
	s63[63] = '\0';
	memset(s64, 'v', 64);
	s64[64] = '\0';
	snprintf(j, sizeof(j),
		 "{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"software\":\"%s\"}", s63);
	assert_ok(j);
	ck_assert_str_eq(msg.u.hello.software, s63);
	snprintf(j, sizeof(j),
		 "{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"software\":\"%s\"}", s64);
	ck_assert_int_eq(parse_json(j), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "hello.software: expected a string without control "
					  "characters of at most 63 bytes, got \"vvv"));
	/* UTF-8 is fine, control characters are not. */
	assert_ok(
	    "{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"software\":\"caf\xc3\xa9\"}");
	assert_error("{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"software\":\"a\\nb\"}",
		     -EPROTO,
		     "control message: hello.software: expected a string without control "
		     "characters of at most 63 bytes, got \"a\\nb\"");
	assert_error("{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"software\":7}", -EPROTO,
		     "control message: hello.software: expected a string without control "
		     "characters of at most 63 bytes, got 7");
}
END_TEST

START_TEST(hello_features)
{
	char j[2048];
	int n = snprintf(j, sizeof(j),
			 "{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"features\":[");
	for (int i = 0; i < CONTROL_MAX_FEATURES; i++)
		n += snprintf(j + n, sizeof(j) - (size_t)n, "%s\"f%d\"", i ? "," : "", i);
	snprintf(j + n, sizeof(j) - (size_t)n, "]}");
	assert_ok(j);
	ck_assert_uint_eq(msg.u.hello.n_features, CONTROL_MAX_FEATURES);
	ck_assert_str_eq(msg.u.hello.features[15], "f15");
	snprintf(j + n, sizeof(j) - (size_t)n, ",\"f16\"]}");
	assert_error(j, -EPROTO, "control message: hello.features: at most 16 entries, got 17");

	assert_ok("{\"type\":\"hello\",\"version\":1,\"min_version\":1,"
		  "\"features\":[\"abcdefghijklmnopqrstuvwxyz.-_01\"]}");
	assert_error("{\"type\":\"hello\",\"version\":1,\"min_version\":1,"
		     "\"features\":[\"ok\",\"abcdefghijklmnopqrstuvwxyz.-_012\"]}",
		     -EPROTO,
		     "control message: hello.features[1]: expected a name of letters, digits, '.', "
		     "'_' or '-' of at most 31 bytes, got \"abcdefghijklmnopqrstuvwxyz.-_012\"");
	ck_assert_int_eq(parse_json("{\"type\":\"hello\",\"version\":1,\"min_version\":1,"
				    "\"features\":[\"a b\"]}"),
			 -EPROTO);
	ck_assert_int_eq(parse_json("{\"type\":\"hello\",\"version\":1,\"min_version\":1,"
				    "\"features\":[\"\"]}"),
			 -EPROTO);
	ck_assert_int_eq(parse_json("{\"type\":\"hello\",\"version\":1,\"min_version\":1,"
				    "\"features\":[[\"x\"]]}"),
			 -EPROTO);
	assert_error("{\"type\":\"hello\",\"version\":1,\"min_version\":1,\"features\":\"ipv6\"}",
		     -EPROTO, "control message: hello.features: expected an array, got \"ipv6\"");
}
END_TEST

/* ---- config ---- */

START_TEST(config_full)
{
	assert_ok(
	    "{\"type\":\"config\",\"version\":1,\"ipv4\":\"10.8.0.2/24\",\"gateway4\":\"10.8.0.1\","
	    "\"ipv6\":\"fd00:8::2/64\",\"gateway6\":\"fd00:8::1\",\"mtu\":1500,"
	    "\"routes\":[\"0.0.0.0/0\",\"::/0\",\"192.168.10.0/24\"],\"redirect_gateway\":true,"
	    "\"dns\":[\"10.8.0.1\",\"fd00:8::1\"],\"keepalive_interval\":10,"
	    "\"keepalive_timeout\":60,\"unknown\":[1]}");
	const struct control_config *c = &msg.u.config;
	ck_assert_int_eq(msg.type, CONTROL_CONFIG);
	ck_assert_uint_eq(c->version, 1);
	char b[PREFIX_STRLEN];
	ck_assert_str_eq(addr_prefix_format(&c->ipv4, b, sizeof(b)), "10.8.0.2/24");
	ck_assert_str_eq(addr_format(&c->gateway4, b, sizeof(b)), "10.8.0.1");
	ck_assert(c->has_ipv6);
	ck_assert_str_eq(addr_prefix_format(&c->ipv6, b, sizeof(b)), "fd00:8::2/64");
	ck_assert_str_eq(addr_format(&c->gateway6, b, sizeof(b)), "fd00:8::1");
	ck_assert_uint_eq(c->mtu, 1500);
	ck_assert_uint_eq(c->n_routes, 3);
	ck_assert_str_eq(addr_prefix_format(&c->routes[1], b, sizeof(b)), "::/0");
	ck_assert_str_eq(addr_prefix_format(&c->routes[2], b, sizeof(b)), "192.168.10.0/24");
	ck_assert(c->redirect_gateway);
	ck_assert_uint_eq(c->n_dns, 2);
	ck_assert_str_eq(addr_format(&c->dns[1], b, sizeof(b)), "fd00:8::1");
	ck_assert_uint_eq(c->keepalive_interval, 10);
	ck_assert_uint_eq(c->keepalive_timeout, 60);
}
END_TEST

START_TEST(config_minimal)
{
	assert_ok(CONFIG_MIN);
	const struct control_config *c = &msg.u.config;
	ck_assert(!c->has_ipv6);
	ck_assert_uint_eq(c->n_routes, 0);
	ck_assert_uint_eq(c->n_dns, 0);
	ck_assert(!c->redirect_gateway);
	/* Point-to-point and /31 client addresses are usable. */
	assert_ok(CONFIG_HEAD
		  "\"ipv4\":\"10.8.0.2/32\",\"gateway4\":\"10.8.0.1\",\"mtu\":1500," CONFIG_KA "}");
	assert_ok(CONFIG_HEAD
		  "\"ipv4\":\"10.8.0.0/31\",\"gateway4\":\"10.8.0.1\",\"mtu\":1500," CONFIG_KA "}");
}
END_TEST

START_TEST(config_mtu)
{
	assert_ok(CONFIG_HEAD CONFIG_V4 "\"mtu\":576," CONFIG_KA "}");
	assert_ok(CONFIG_HEAD CONFIG_V4 "\"mtu\":65535," CONFIG_KA "}");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":70000," CONFIG_KA "}", -EPROTO,
		     "control message: config.mtu: expected an integer 576..65535, got 70000");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":575," CONFIG_KA "}", -EPROTO,
		     "control message: config.mtu: expected an integer 576..65535, got 575");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":65536," CONFIG_KA "}", -EPROTO,
		     "control message: config.mtu: expected an integer 576..65535, got 65536");
	assert_error(CONFIG_HEAD CONFIG_V4 CONFIG_KA "}", -EPROTO,
		     "control message: config.mtu: missing");
	/* IPv6 needs 1280. */
	assert_error(CONFIG_HEAD CONFIG_V4 "\"ipv6\":\"fd00::2/64\",\"gateway6\":\"fd00::1\","
					   "\"mtu\":1279," CONFIG_KA "}",
		     -EPROTO,
		     "control message: config.mtu: expected an integer 1280..65535, got 1279");
	assert_ok(CONFIG_HEAD CONFIG_V4 "\"ipv6\":\"fd00::2/64\",\"gateway6\":\"fd00::1\","
					"\"mtu\":1280," CONFIG_KA "}");
}
END_TEST

START_TEST(config_addresses)
{
	assert_error(CONFIG_HEAD
		     "\"ipv4\":\"10.8.0.300/24\",\"gateway4\":\"10.8.0.1\",\"mtu\":1500," CONFIG_KA
		     "}",
		     -EPROTO,
		     "control message: config.ipv4: expected an IPv4 prefix like 10.8.0.2/24, got "
		     "\"10.8.0.300/24\"");
	assert_error(CONFIG_HEAD
		     "\"ipv4\":\"10.8.0.2\",\"gateway4\":\"10.8.0.1\",\"mtu\":1500," CONFIG_KA "}",
		     -EPROTO,
		     "control message: config.ipv4: expected an IPv4 prefix like 10.8.0.2/24, got "
		     "\"10.8.0.2\"");
	ck_assert_int_eq(parse_json(CONFIG_HEAD "\"ipv4\":\"fd00::2/64\",\"gateway4\":\"10.8.0.1\","
						"\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
	assert_error(
	    CONFIG_HEAD "\"ipv4\":\"10.8.0.0/24\",\"gateway4\":\"10.8.0.1\",\"mtu\":1500," CONFIG_KA
			"}",
	    -EPROTO,
	    "control message: config.ipv4: \"10.8.0.0/24\" is not a host address in its prefix");
	ck_assert_int_eq(parse_json(CONFIG_HEAD
				    "\"ipv4\":\"10.8.0.255/24\",\"gateway4\":\"10.8.0.1\","
				    "\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
	ck_assert_int_eq(parse_json(CONFIG_HEAD "\"ipv4\":\"10.8.0.2/0\",\"gateway4\":\"10.8.0.1\","
						"\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
	assert_error(CONFIG_HEAD "\"gateway4\":\"10.8.0.1\",\"mtu\":1500," CONFIG_KA "}", -EPROTO,
		     "control message: config.ipv4: missing");
	assert_error(CONFIG_HEAD "\"ipv4\":\"10.8.0.2/24\",\"mtu\":1500," CONFIG_KA "}", -EPROTO,
		     "control message: config.gateway4: missing");
	assert_error(
	    CONFIG_HEAD "\"ipv4\":\"10.8.0.2/24\",\"gateway4\":\"fd00::1\",\"mtu\":1500," CONFIG_KA
			"}",
	    -EPROTO, "control message: config.gateway4: expected an IPv4 address, got \"fd00::1\"");
	assert_error(
	    CONFIG_HEAD "\"ipv4\":\"10.8.0.2/24\",\"gateway4\":\"10.8.0.2\",\"mtu\":1500," CONFIG_KA
			"}",
	    -EPROTO, "control message: config.gateway4: same as the client address \"10.8.0.2\"");
	ck_assert_int_eq(parse_json(CONFIG_HEAD
				    "\"ipv4\":\"10.8.0.2/24\",\"gateway4\":\" 10.8.0.1\","
				    "\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
	ck_assert_int_eq(parse_json(CONFIG_HEAD "\"ipv4\":\"10.8.0.2/24\",\"gateway4\":\"10.8.1\","
						"\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
	/* IPv6 must come with its gateway, and the gateway with the address. */
	assert_error(CONFIG_HEAD CONFIG_V4 "\"gateway6\":\"fd00::1\",\"mtu\":1500," CONFIG_KA "}",
		     -EPROTO, "control message: config.gateway6: present without config.ipv6");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"ipv6\":\"fd00::2/64\",\"mtu\":1500," CONFIG_KA "}",
		     -EPROTO,
		     "control message: config.gateway6: missing (required with config.ipv6)");
	assert_error(CONFIG_HEAD CONFIG_V4
		     "\"ipv6\":\"10.9.0.2/24\",\"gateway6\":\"fd00::1\",\"mtu\":1500," CONFIG_KA
		     "}",
		     -EPROTO,
		     "control message: config.ipv6: expected an IPv6 prefix like fd00:8::2/64, got "
		     "\"10.9.0.2/24\"");
	ck_assert_int_eq(parse_json(CONFIG_HEAD CONFIG_V4
				    "\"ipv6\":\"fd00::/64\",\"gateway6\":\"fd00::1\","
				    "\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
	ck_assert_int_eq(parse_json(CONFIG_HEAD CONFIG_V4
				    "\"ipv6\":\"fd00::2/64\",\"gateway6\":\"10.8.0.1\","
				    "\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
	ck_assert_int_eq(parse_json(CONFIG_HEAD CONFIG_V4
				    "\"ipv6\":\"fd00::2/64\",\"gateway6\":\"fd00::2\","
				    "\"mtu\":1500," CONFIG_KA "}"),
			 -EPROTO);
}
END_TEST

/* A config with IPv6 and count entries in routes (10.i.0.0/16) or dns (10.8.0.i). */
static void config_with(char *j, size_t len, const char *key, int count)
{
	int n = snprintf(j, len,
			 CONFIG_HEAD CONFIG_V4 "\"ipv6\":\"fd00::2/64\",\"gateway6\":\"fd00::1\","
					       "\"mtu\":1500," CONFIG_KA ",\"%s\":[",
			 key);
	for (int i = 0; i < count; i++) {
		n += snprintf(j + n, len - (size_t)n, i ? "," : "");
		if (strcmp(key, "routes") == 0)
			n += snprintf(j + n, len - (size_t)n, "\"10.%d.0.0/16\"", i);
		else
			n += snprintf(j + n, len - (size_t)n, "\"10.8.0.%d\"", i);
	}
	snprintf(j + n, len - (size_t)n, "]}");
}

START_TEST(config_routes)
{
	char j[8192];
	config_with(j, sizeof(j), "routes", CONTROL_MAX_ROUTES);
	assert_ok(j);
	ck_assert_uint_eq(msg.u.config.n_routes, CONTROL_MAX_ROUTES);
	config_with(j, sizeof(j), "routes", CONTROL_MAX_ROUTES + 1);
	assert_error(j, -EPROTO, "control message: config.routes: at most 64 entries, got 65");
	assert_error(
	    CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"routes\":[\"10.1.2.3/8\"]}",
	    -EPROTO,
	    "control message: config.routes[0]: host bits set in \"10.1.2.3/8\" (expected a "
	    "network prefix)");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA
					   ",\"routes\":[\"10.0.0.0/8\",\"::/0\"]}",
		     -EPROTO, "control message: config.routes[1]: IPv6 route without config.ipv6");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA
					   ",\"routes\":[\"10.0.0.0/33\"]}",
		     -EPROTO,
		     "control message: config.routes[0]: expected a prefix like 10.0.0.0/8, got "
		     "\"10.0.0.0/33\"");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"routes\":\"10.0.0.0/8\"}",
		     -EPROTO,
		     "control message: config.routes: expected an array, got \"10.0.0.0/8\"");
	ck_assert_int_eq(
	    parse_json(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"routes\":[null]}"),
	    -EPROTO);
	/* An overlong string never reaches the address parser. */
	char big[600];
	int n = snprintf(big, sizeof(big),
			 CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"routes\":[\"");
	memset(big + n, '1', 200);
	snprintf(big + n + 200, sizeof(big) - (size_t)n - 200, "\"]}");
	ck_assert_int_eq(parse_json(big), -EPROTO);
}
END_TEST

START_TEST(config_dns)
{
	char j[2048];
	config_with(j, sizeof(j), "dns", CONTROL_MAX_DNS);
	assert_ok(j);
	ck_assert_uint_eq(msg.u.config.n_dns, CONTROL_MAX_DNS);
	config_with(j, sizeof(j), "dns", CONTROL_MAX_DNS + 1);
	assert_error(j, -EPROTO, "control message: config.dns: at most 4 entries, got 5");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"dns\":[\"dns.example\"]}",
		     -EPROTO,
		     "control message: config.dns[0]: expected an IP address, got \"dns.example\"");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"dns\":[\"fd00::1\"]}",
		     -EPROTO,
		     "control message: config.dns[0]: IPv6 DNS server without config.ipv6");
	assert_error(
	    CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"redirect_gateway\":\"yes\"}",
	    -EPROTO,
	    "control message: config.redirect_gateway: expected true or false, got \"yes\"");
	assert_ok(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"redirect_gateway\":false}");
	ck_assert(!msg.u.config.redirect_gateway);
}
END_TEST

START_TEST(config_keepalive)
{
	assert_ok(CONFIG_HEAD CONFIG_V4
		  "\"mtu\":1500,\"keepalive_interval\":1,\"keepalive_timeout\":2}");
	assert_ok(CONFIG_HEAD CONFIG_V4
		  "\"mtu\":1500,\"keepalive_interval\":3600,\"keepalive_timeout\":86400}");
	assert_error(
	    CONFIG_HEAD CONFIG_V4 "\"mtu\":1500,\"keepalive_interval\":0,\"keepalive_timeout\":2}",
	    -EPROTO,
	    "control message: config.keepalive_interval: expected an integer 1..3600, got 0");
	assert_error(CONFIG_HEAD CONFIG_V4
		     "\"mtu\":1500,\"keepalive_interval\":3601,\"keepalive_timeout\":86400}",
		     -EPROTO,
		     "control message: config.keepalive_interval: expected an integer 1..3600, got "
		     "3601");
	assert_error(
	    CONFIG_HEAD CONFIG_V4
	    "\"mtu\":1500,\"keepalive_interval\":10,\"keepalive_timeout\":10}",
	    -EPROTO,
	    "control message: config.keepalive_timeout: expected an integer 11..86400, got 10");
	assert_error(
	    CONFIG_HEAD CONFIG_V4
	    "\"mtu\":1500,\"keepalive_interval\":10,\"keepalive_timeout\":86401}",
	    -EPROTO,
	    "control message: config.keepalive_timeout: expected an integer 11..86400, got "
	    "86401");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500,\"keepalive_interval\":10}", -EPROTO,
		     "control message: config.keepalive_timeout: missing");
	assert_error("{\"type\":\"config\",\"version\":0," CONFIG_V4 "\"mtu\":1500," CONFIG_KA "}",
		     -EPROTO,
		     "control message: config.version: expected an integer 1..4294967295, got 0");
}
END_TEST

/* ---- ping, pong, bye ---- */

START_TEST(ping_pong)
{
	assert_ok("{\"type\":\"ping\",\"seq\":7,\"time_us\":1790000000000000}");
	ck_assert_int_eq(msg.type, CONTROL_PING);
	ck_assert_uint_eq(msg.u.ping.seq, 7);
	ck_assert_uint_eq(msg.u.ping.time_us, 1790000000000000ULL);
	assert_ok("{\"type\":\"pong\",\"seq\":0,\"time_us\":9007199254740991}");
	ck_assert_int_eq(msg.type, CONTROL_PONG);
	ck_assert_uint_eq(msg.u.ping.time_us, CONTROL_MAX_JSON_INT);
	assert_error("{\"type\":\"pong\",\"seq\":9007199254740992,\"time_us\":0}", -EPROTO,
		     "control message: pong.seq: expected an integer 0..9007199254740991, got "
		     "9007199254740992");
	assert_error("{\"type\":\"ping\",\"seq\":-1,\"time_us\":0}", -EPROTO,
		     "control message: ping.seq: expected an integer 0..9007199254740991, got -1");
	assert_error("{\"type\":\"ping\",\"seq\":1}", -EPROTO,
		     "control message: ping.time_us: missing");
	ck_assert_int_eq(parse_json("{\"type\":\"ping\",\"seq\":true,\"time_us\":0}"), -EPROTO);
}
END_TEST

START_TEST(bye)
{
	static const char *const names[] = {
	    "shutdown",
	    "revoked",
	    "kicked",
	    "replaced",
	    "idle",
	    "protocol_error",
	    "unsupported_version",
	    "server_full",
	    "pool_exhausted",
	    "client_exit",
	};
	for (int i = 0; i < 10; i++) {
		char j[128];
		snprintf(j, sizeof(j), "{\"type\":\"bye\",\"reason\":\"%s\"}", names[i]);
		assert_ok(j);
		ck_assert_int_eq(msg.u.bye.reason, i);
		ck_assert_str_eq(msg.u.bye.reason_text, names[i]);
		ck_assert_str_eq(msg.u.bye.message, "");
		ck_assert_str_eq(control_bye_reason_name((enum bye_reason)i), names[i]);
		ck_assert_int_eq(control_bye_reason_parse(names[i]), i);
	}
	ck_assert_str_eq(control_bye_reason_name(BYE_UNKNOWN), "unknown");
	ck_assert_str_eq(control_bye_reason_name((enum bye_reason)99), "unknown");
	ck_assert_int_eq(control_bye_reason_parse(NULL), BYE_UNKNOWN);

	assert_ok(
	    "{\"type\":\"bye\",\"reason\":\"maintenance-window\",\"message\":\"back at 5\\nok\"}");
	ck_assert_int_eq(msg.u.bye.reason, BYE_UNKNOWN);
	ck_assert_str_eq(msg.u.bye.reason_text, "maintenance-window");
	ck_assert_str_eq(msg.u.bye.message, "back at 5\nok");

	assert_error("{\"type\":\"bye\"}", -EPROTO, "control message: bye.reason: missing");
	ck_assert_int_eq(parse_json("{\"type\":\"bye\",\"reason\":\"shut down\"}"), -EPROTO);
	ck_assert_int_eq(parse_json("{\"type\":\"bye\",\"reason\":\"\"}"), -EPROTO);

	char j[600];
	int n = snprintf(j, sizeof(j), "{\"type\":\"bye\",\"reason\":\"idle\",\"message\":\"");
	memset(j + n, 'm', 255);
	snprintf(j + n + 255, sizeof(j) - (size_t)n - 255, "\"}");
	assert_ok(j);
	ck_assert_uint_eq(strlen(msg.u.bye.message), 255);
	memset(j + n, 'm', 256);
	snprintf(j + n + 256, sizeof(j) - (size_t)n - 256, "\"}");
	ck_assert_int_eq(parse_json(j), -EPROTO);
	ck_assert_ptr_nonnull(strstr(err, "bye.message: expected a string of at most 255 bytes"));
}
END_TEST

/* ---- encode ---- */

static int encode(const struct control_msg *m, uint8_t *out, size_t cap)
{
	return control_encode(m, out, cap);
}

static void roundtrip(const struct control_msg *m, struct control_msg *back)
{
	uint8_t buf[CONTROL_MAX_PAYLOAD];
	int n = encode(m, buf, sizeof(buf));
	ck_assert_int_gt(n, 1);
	ck_assert_uint_eq(buf[0], 0x01);
	ck_assert_int_eq(control_parse(buf, (size_t)n, back, err, sizeof(err)), 0);
	ck_assert_int_eq(back->type, m->type);
	ck_assert_str_eq(back->type_name, control_type_name(m->type));
}

static bool prefix_eq(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return a->len == b->len && addr_equal(&a->addr, &b->addr);
}

START_TEST(config_features)
{
	/* absent: none */
	assert_ok(CONFIG_MIN);
	ck_assert_uint_eq(msg.u.config.n_features, 0);
	assert_ok(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA
					",\"features\":[\"gso\",\"x.y\"]}");
	ck_assert_uint_eq(msg.u.config.n_features, 2);
	ck_assert(control_has_feature(msg.u.config.features, msg.u.config.n_features, "gso"));
	ck_assert(control_has_feature(msg.u.config.features, msg.u.config.n_features, "x.y"));
	ck_assert(!control_has_feature(msg.u.config.features, msg.u.config.n_features, "gs"));
	ck_assert(!control_has_feature(msg.u.config.features, 0, "gso"));
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"features\":[\"g so\"]}",
		     -EPROTO,
		     "control message: config.features[0]: expected a name of letters, digits, "
		     "'.', '_' or '-' of at most 31 bytes, got \"g so\"");
	assert_error(CONFIG_HEAD CONFIG_V4 "\"mtu\":1500," CONFIG_KA ",\"features\":\"gso\"}",
		     -EPROTO, "control message: config.features: expected an array, got \"gso\"");

	/* encoded only when there are some, and read back the same */
	static struct control_msg m = {.type = CONTROL_CONFIG}, b;
	uint8_t buf[CONTROL_MAX_PAYLOAD + 1];
	assert_ok(CONFIG_MIN);
	m = msg;
	int n = encode(&m, buf, sizeof(buf) - 1);
	ck_assert_int_gt(n, 0);
	buf[n] = 0;
	ck_assert_ptr_null(strstr((const char *)buf + 1, "features"));
	snprintf(m.u.config.features[0], sizeof m.u.config.features[0], "%s", CONTROL_FEATURE_GSO);
	m.u.config.n_features = 1;
	roundtrip(&m, &b);
	ck_assert_uint_eq(b.u.config.n_features, 1);
	ck_assert_str_eq(b.u.config.features[0], "gso");
}
END_TEST

START_TEST(encode_exact_bytes)
{
	struct control_msg m = {.type = CONTROL_PING, .u.ping = {.seq = 1, .time_us = 2}};
	uint8_t buf[64];
	const char want[] = "\x01{\"type\":\"ping\",\"seq\":1,\"time_us\":2}";
	int n = encode(&m, buf, sizeof(buf));
	ck_assert_int_eq(n, (int)sizeof(want) - 1);
	ck_assert_mem_eq(buf, want, sizeof(want) - 1);
	/* Exactly enough room, then one byte short. */
	ck_assert_int_eq(encode(&m, buf, (size_t)n), n);
	ck_assert_int_eq(encode(&m, buf, (size_t)n - 1), -ENOSPC);
	ck_assert_int_eq(encode(&m, buf, 0), -ENOSPC);
}
END_TEST

START_TEST(encode_roundtrip_hello)
{
	struct control_msg m = {.type = CONTROL_HELLO}, b;
	m.u.hello = (struct control_hello){.version = 2, .min_version = 1, .n_features = 2};
	strcpy(m.u.hello.software, "tlsvpn-client 0.1.0 \"quoted\" caf\xc3\xa9");
	strcpy(m.u.hello.features[0], "ipv6");
	strcpy(m.u.hello.features[1], "abcdefghijklmnopqrstuvwxyz.-_01");
	roundtrip(&m, &b);
	ck_assert_uint_eq(b.u.hello.version, 2);
	ck_assert_uint_eq(b.u.hello.min_version, 1);
	ck_assert_str_eq(b.u.hello.software, m.u.hello.software);
	ck_assert_uint_eq(b.u.hello.n_features, 2);
	ck_assert_str_eq(b.u.hello.features[1], m.u.hello.features[1]);

	/* Values the parser would refuse are not encoded. */
	m.u.hello.min_version = 3;
	uint8_t buf[CONTROL_MAX_PAYLOAD];
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	m.u.hello.min_version = 1;
	strcpy(m.u.hello.features[0], "has space");
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	strcpy(m.u.hello.features[0], "ok");
	m.u.hello.n_features = CONTROL_MAX_FEATURES + 1;
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	m.u.hello.n_features = 0;
	strcpy(m.u.hello.software, "\xff\xfe");
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
}
END_TEST

static void fill_config(struct control_config *c, bool v6)
{
	memset(c, 0, sizeof(*c));
	c->version = 1;
	ck_assert(addr_prefix_parse("10.8.0.2/24", &c->ipv4));
	ck_assert(addr_parse("10.8.0.1", &c->gateway4));
	c->has_ipv6 = v6;
	if (v6) {
		ck_assert(addr_prefix_parse("fd00:8::2/64", &c->ipv6));
		ck_assert(addr_parse("fd00:8::1", &c->gateway6));
	}
	c->mtu = 1500;
	c->keepalive_interval = 10;
	c->keepalive_timeout = 60;
}

START_TEST(encode_roundtrip_config)
{
	static struct control_msg m = {.type = CONTROL_CONFIG}, b;
	struct control_config *c = &m.u.config;
	fill_config(c, true);
	c->redirect_gateway = true;
	/* The largest config: every route the longest IPv6 text. */
	for (size_t i = 0; i < CONTROL_MAX_ROUTES; i++) {
		char s[PREFIX_STRLEN];
		snprintf(s, sizeof(s), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:%04zx/128", 0xff00 + i);
		ck_assert(addr_prefix_parse(s, &c->routes[i]));
	}
	c->n_routes = CONTROL_MAX_ROUTES;
	for (size_t i = 0; i < CONTROL_MAX_DNS; i++) {
		char s[ADDR_STRLEN];
		snprintf(s, sizeof(s), "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ff%02zx", i);
		ck_assert(addr_parse(s, &c->dns[i]));
	}
	c->n_dns = CONTROL_MAX_DNS;
	roundtrip(&m, &b);
	const struct control_config *d = &b.u.config;
	ck_assert_uint_eq(d->version, c->version);
	ck_assert(prefix_eq(&d->ipv4, &c->ipv4));
	ck_assert(addr_equal(&d->gateway4, &c->gateway4));
	ck_assert(d->has_ipv6);
	ck_assert(prefix_eq(&d->ipv6, &c->ipv6));
	ck_assert(addr_equal(&d->gateway6, &c->gateway6));
	ck_assert_uint_eq(d->mtu, c->mtu);
	ck_assert_uint_eq(d->n_routes, c->n_routes);
	for (size_t i = 0; i < c->n_routes; i++)
		ck_assert(prefix_eq(&d->routes[i], &c->routes[i]));
	ck_assert_uint_eq(d->n_dns, c->n_dns);
	for (size_t i = 0; i < c->n_dns; i++)
		ck_assert(addr_equal(&d->dns[i], &c->dns[i]));
	ck_assert(d->redirect_gateway);
	ck_assert_uint_eq(d->keepalive_interval, 10);
	ck_assert_uint_eq(d->keepalive_timeout, 60);

	/* IPv4 only: no ipv6 keys at all. */
	fill_config(c, false);
	roundtrip(&m, &b);
	ck_assert(!b.u.config.has_ipv6);
	uint8_t buf[CONTROL_MAX_PAYLOAD];
	int n = encode(&m, buf, sizeof(buf));
	ck_assert_int_gt(n, 0);
	ck_assert_ptr_null(memmem(buf, (size_t)n, "ipv6", 4));

	c->mtu = 70000;
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	c->mtu = 1500;
	c->n_routes = CONTROL_MAX_ROUTES + 1;
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	c->n_routes = 0;
	c->gateway4.family = 0;
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
}
END_TEST

START_TEST(encode_roundtrip_ping_bye)
{
	struct control_msg m = {.type = CONTROL_PONG}, b;
	m.u.ping.seq = CONTROL_MAX_JSON_INT;
	m.u.ping.time_us = 12345;
	roundtrip(&m, &b);
	ck_assert_uint_eq(b.u.ping.seq, CONTROL_MAX_JSON_INT);
	ck_assert_uint_eq(b.u.ping.time_us, 12345);
	uint8_t buf[CONTROL_MAX_PAYLOAD];
	m.u.ping.seq = CONTROL_MAX_JSON_INT + 1;
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);

	for (int r = BYE_SHUTDOWN; r < BYE_UNKNOWN; r++) {
		m = (struct control_msg){.type = CONTROL_BYE};
		m.u.bye.reason = (enum bye_reason)r;
		strcpy(m.u.bye.message, "line1\nline2 \"q\"");
		roundtrip(&m, &b);
		ck_assert_int_eq(b.u.bye.reason, r);
		ck_assert_str_eq(b.u.bye.message, m.u.bye.message);
	}
	/* A multi-byte character cut by snprintf at the end is dropped, not refused. */
	m.u.bye.reason = BYE_IDLE;
	strcpy(m.u.bye.message, "caf\xc3\xa9 \xe2\x82");
	roundtrip(&m, &b);
	ck_assert_str_eq(b.u.bye.message, "caf\xc3\xa9 ");
	strcpy(m.u.bye.message, "\xf0\x9f\x98");
	roundtrip(&m, &b);
	ck_assert_str_eq(b.u.bye.message, "");
	strcpy(m.u.bye.message, "ok \xe2\x82\xac");
	roundtrip(&m, &b);
	ck_assert_str_eq(b.u.bye.message, "ok \xe2\x82\xac");
	/* A 256-byte message (no NUL in the array) is cut to the array, never read past. */
	memset(m.u.bye.message, 'x', sizeof(m.u.bye.message));
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	strcpy(m.u.bye.message, "bad \xff in the middle");
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	m.u.bye.message[0] = '\0';
	m.u.bye.reason = BYE_UNKNOWN;
	strcpy(m.u.bye.reason_text, "future_reason");
	roundtrip(&m, &b);
	ck_assert_int_eq(b.u.bye.reason, BYE_UNKNOWN);
	ck_assert_str_eq(b.u.bye.reason_text, "future_reason");
	m.u.bye.reason_text[0] = '\0';
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);

	m = (struct control_msg){.type = CONTROL_UNKNOWN};
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
	m.type = (enum control_type)77;
	ck_assert_int_eq(encode(&m, buf, sizeof(buf)), -EINVAL);
}
END_TEST

/* ---- negotiation ---- */

START_TEST(negotiate)
{
	struct control_hello h = {.version = 1, .min_version = 1};
	uint32_t v = 0;
	ck_assert_int_eq(control_negotiate_version(&h, 1, 1, &v), 0);
	ck_assert_uint_eq(v, 1);
	h = (struct control_hello){.version = 5, .min_version = 2};
	ck_assert_int_eq(control_negotiate_version(&h, 1, 3, &v), 0);
	ck_assert_uint_eq(v, 3);
	h = (struct control_hello){.version = 2, .min_version = 1};
	ck_assert_int_eq(control_negotiate_version(&h, 1, 3, &v), 0);
	ck_assert_uint_eq(v, 2);
	/* Client too new (its minimum above our maximum), client too old. */
	v = 42;
	h = (struct control_hello){.version = 5, .min_version = 4};
	ck_assert_int_eq(control_negotiate_version(&h, 1, 3, &v), -EPROTONOSUPPORT);
	h = (struct control_hello){.version = 1, .min_version = 1};
	ck_assert_int_eq(control_negotiate_version(&h, 2, 3, &v), -EPROTONOSUPPORT);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(control_negotiate_version(&h, 3, 2, &v), -EINVAL);
	ck_assert_int_eq(control_negotiate_version(&h, 0, 2, &v), -EINVAL);
	h = (struct control_hello){.version = 0, .min_version = 0};
	ck_assert_int_eq(control_negotiate_version(&h, 1, 2, &v), -EPROTONOSUPPORT);
}
END_TEST

START_TEST(bye_init_roundtrip_and_cut)
{
	char long_msg[300];
	memset(long_msg, 'x', sizeof(long_msg) - 1);
	long_msg[sizeof(long_msg) - 1] = '\0';
	struct control_msg m, back;
	uint8_t wire[CONTROL_MAX_PAYLOAD];
	char why[256];

	control_bye_init(&m, BYE_CLIENT_EXIT, long_msg);
	int n = control_encode(&m, wire, sizeof(wire));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(control_parse(wire, (size_t)n, &back, why, sizeof(why)), 0);
	ck_assert_int_eq(back.type, CONTROL_BYE);
	ck_assert_int_eq(back.u.bye.reason, BYE_CLIENT_EXIT);
	ck_assert_str_eq(back.u.bye.reason_text, "client_exit");
	ck_assert_uint_eq(strlen(back.u.bye.message), 255);

	control_bye_init(&m, BYE_PROTOCOL_ERROR, NULL);
	n = control_encode(&m, wire, sizeof(wire));
	ck_assert_int_gt(n, 0);
	ck_assert_int_eq(control_parse(wire, (size_t)n, &back, why, sizeof(why)), 0);
	ck_assert_int_eq(back.u.bye.reason, BYE_PROTOCOL_ERROR);
	ck_assert_str_eq(back.u.bye.message, "");
}
END_TEST

static Suite *control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, frame_byte);
	tcase_add_test(tc, malformed_json);
	tcase_add_test(tc, depth_cap);
	tcase_add_test(tc, size_cap);
	tcase_add_test(tc, type_field);
	tcase_add_test(tc, hello_ok);
	tcase_add_test(tc, hello_versions);
	tcase_add_test(tc, hello_strings);
	tcase_add_test(tc, hello_features);
	tcase_add_test(tc, config_full);
	tcase_add_test(tc, config_minimal);
	tcase_add_test(tc, config_mtu);
	tcase_add_test(tc, config_addresses);
	tcase_add_test(tc, config_routes);
	tcase_add_test(tc, config_dns);
	tcase_add_test(tc, config_keepalive);
	tcase_add_test(tc, ping_pong);
	tcase_add_test(tc, bye);
	suite_add_tcase(s, tc);
	tc = tcase_create("encode");
	tcase_add_test(tc, encode_exact_bytes);
	tcase_add_test(tc, config_features);
	tcase_add_test(tc, encode_roundtrip_hello);
	tcase_add_test(tc, encode_roundtrip_config);
	tcase_add_test(tc, encode_roundtrip_ping_bye);
	tcase_add_test(tc, negotiate);
	tcase_add_test(tc, bye_init_roundtrip_and_cut);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(control_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
