/* The client profile parser: a good profile, every refusal with its exact
 * message, --remote selection, and the file mode check. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"
#include "scratch.h"

#define PEM_CA	"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"
#define PEM_KEY "-----BEGIN PRIVATE KEY-----\\nBBBB\\n-----END PRIVATE KEY-----\\n"
#define PEMS	"\"ca\": \"" PEM_CA "\", \"cert\": \"" PEM_CA "\", \"key\": \"" PEM_KEY "\""
#define REMOTES                                                                                    \
	"\"remotes\": [{\"host\": \"198.18.1.1\", \"port\": 443, \"name\": \"de\"}, "              \
	"{\"host\": \"vpn2.example.com\"}]"
#define GOOD                                                                                       \
	"{\"version\": 1, \"name\": \"alice\", " REMOTES ", \"server_name\": "                     \
	"\"vpn.example.com\", " PEMS "}"

static struct profile *parse_ok(const char *text)
{
	struct profile *p = NULL;
	char err[512] = "";
	int rc = profile_parse("alice.json", text, strlen(text), &p, err, sizeof(err));
	ck_assert_msg(rc == 0, "unexpected error: %s", err);
	ck_assert_ptr_nonnull(p);
	return p;
}

static void parse_err(const char *text, const char *expected)
{
	struct profile *p = (struct profile *)1;
	char err[512] = "";
	int rc = profile_parse("alice.json", text, strlen(text), &p, err, sizeof(err));
	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(p);
	ck_assert_str_eq(err, expected);
}

START_TEST(good_profile)
{
	struct profile *p = parse_ok(GOOD);
	ck_assert_str_eq(p->name, "alice");
	ck_assert_uint_eq(p->n_remotes, 2);
	ck_assert_str_eq(p->remotes[0].host, "198.18.1.1");
	ck_assert_uint_eq(p->remotes[0].port, 443);
	ck_assert_str_eq(p->remotes[0].name, "de");
	ck_assert_str_eq(p->remotes[1].host, "vpn2.example.com");
	ck_assert_uint_eq(p->remotes[1].port, 443); /* default */
	ck_assert_str_eq(p->remotes[1].name, "");
	ck_assert_str_eq(p->server_name, "vpn.example.com");
	ck_assert_ptr_nonnull(strstr(p->ca_pem, "BEGIN CERTIFICATE"));
	ck_assert_ptr_nonnull(strstr(p->key_pem, "BEGIN PRIVATE KEY"));
	profile_free(p);
	profile_free(NULL);
}
END_TEST

START_TEST(unknown_keys_ignored_and_ipv6_remote)
{
	struct profile *p =
	    parse_ok("{\"version\": 1, \"name\": \"bob\", \"comment\": \"x\", \"remotes\": "
		     "[{\"host\": \"fd00:18:1::1\", \"port\": 8443, \"extra\": 1}], "
		     "\"server_name\": \"198.18.1.1\", " PEMS "}");
	ck_assert_str_eq(p->remotes[0].host, "fd00:18:1::1");
	ck_assert_uint_eq(p->remotes[0].port, 8443);
	ck_assert_str_eq(p->server_name, "198.18.1.1");
	profile_free(p);
}
END_TEST

struct bad {
	const char *text, *err;
};

#define P(v, name, remotes, sn, pems)                                                              \
	"{" v "\"name\": " name ", " remotes ", \"server_name\": " sn ", " pems "}"
#define V1 "\"version\": 1, "

static const struct bad bads[] = {
    {"", "alice.json:1:0: '[' or '{' expected near end of file"},
    {"[1]", "alice.json: expected a JSON object at the top level"},
    {"{\"version\": 1, \"version\": 1}",
     "alice.json:1:24: duplicate object key near '\"version\"'"},
    {P("", "\"alice\"", REMOTES, "\"vpn.example.com\"", PEMS),
     "alice.json: version: required key is missing"},
    {P("\"version\": 2, ", "\"alice\"", REMOTES, "\"vpn.example.com\"", PEMS),
     "alice.json: version: profile version 2 is not supported (this client reads 1)"},
    {P("\"version\": \"1\", ", "\"alice\"", REMOTES, "\"vpn.example.com\"", PEMS),
     "alice.json: version: expected an integer 0..4294967295, got \"1\""},
    {P(V1, "17", REMOTES, "\"vpn.example.com\"", PEMS),
     "alice.json: name: expected a string, got 17"},
    {P(V1, "\"\"", REMOTES, "\"vpn.example.com\"", PEMS),
     "alice.json: name: expected a name of 1..63 characters"},
    {P(V1, "\"a\\nb\"", REMOTES, "\"vpn.example.com\"", PEMS),
     "alice.json: name: control character in name"},
    {P(V1, "\"alice\"", "\"remotes\": {}", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes: expected an array, got {}"},
    {P(V1, "\"alice\"", "\"remotes\": []", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes: expected 1..32 remotes, got 0"},
    {P(V1, "\"alice\"", "\"remotes\": [\"198.18.1.1\"]", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes: element 0: expected an object"},
    {P(V1, "\"alice\"", "\"remotes\": [{\"port\": 443}]", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].host: required key is missing"},
    {P(V1, "\"alice\"", "\"remotes\": [{\"host\": \"bad host\"}]", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].host: expected an IP address or a DNS name, got \"bad host\""},
    {P(V1, "\"alice\"", "\"remotes\": [{\"host\": \"a..b\"}]", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].host: expected an IP address or a DNS name, got \"a..b\""},
    {P(V1, "\"alice\"", "\"remotes\": [{\"host\": \"-a.b\"}]", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].host: expected an IP address or a DNS name, got \"-a.b\""},
    {P(V1, "\"alice\"", "\"remotes\": [{\"host\": \"h\\\"x\"}]", "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].host: expected an IP address or a DNS name, got \"h?x\""},
    {P(V1, "\"alice\"", "\"remotes\": [{\"host\": \"1.2.3.4\", \"port\": 0}]",
       "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].port: expected an integer 1..65535, got 0"},
    {P(V1, "\"alice\"", "\"remotes\": [{\"host\": \"1.2.3.4\", \"port\": 65536}]",
       "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].port: expected an integer 1..65535, got 65536"},
    {P(V1, "\"alice\"", "\"remotes\": [{\"host\": \"1.2.3.4\", \"port\": \"443\"}]",
       "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[0].port: expected an integer 1..65535, got \"443\""},
    {P(V1, "\"alice\"",
       "\"remotes\": [{\"host\": \"1.2.3.4\", \"name\": \"de\"}, {\"host\": \"1.2.3.5\", "
       "\"name\": \"de\"}]",
       "\"vpn.example.com\"", PEMS),
     "alice.json: remotes[1].name: duplicate remote name \"de\""},
    {P(V1, "\"alice\"", REMOTES, "\"vpn_example\"", PEMS),
     "alice.json: server_name: expected an IP address or a DNS name, got \"vpn_example\""},
    {"{\"version\": 1, \"name\": \"alice\", " REMOTES ", " PEMS "}",
     "alice.json: server_name: required key is missing"},
    {"{\"version\": 1, \"name\": \"alice\", " REMOTES ", \"server_name\": \"v.example\", "
     "\"cert\": \"" PEM_CA "\", \"key\": \"" PEM_KEY "\"}",
     "alice.json: ca: required key is missing"},
    {"{\"version\": 1, \"name\": \"alice\", " REMOTES ", \"server_name\": \"v.example\", "
     "\"ca\": \"not pem\", \"cert\": \"" PEM_CA "\", \"key\": \"" PEM_KEY "\"}",
     "alice.json: ca: expected PEM text (\"-----BEGIN ...\")"},
    {"{\"version\": 1, \"name\": \"alice\", " REMOTES ", \"server_name\": \"v.example\", "
     "\"ca\": \"" PEM_CA "\", \"cert\": 5, \"key\": \"" PEM_KEY "\"}",
     "alice.json: cert: expected a string, got 5"},
    {"{\"version\": 1, \"name\": \"alice\", " REMOTES ", \"server_name\": \"v.example\", "
     "\"ca\": \"" PEM_CA "\", \"cert\": \"" PEM_CA "\"}",
     "alice.json: key: required key is missing"},
};

START_TEST(refusals)
{
	parse_err(bads[_i].text, bads[_i].err);
}
END_TEST

START_TEST(too_many_remotes)
{
	char text[8192];
	size_t n = (size_t)snprintf(text, sizeof(text),
				    "{\"version\": 1, \"name\": \"a\", "
				    "\"remotes\": [");
	for (int i = 0; i < PROFILE_MAX_REMOTES + 1; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s{\"host\": \"10.0.0.%d\"}",
				      i ? ", " : "", i + 1);
	snprintf(text + n, sizeof(text) - n, "], \"server_name\": \"v.example\", " PEMS "}");
	parse_err(text, "alice.json: remotes: expected 1..32 remotes, got 33");
}
END_TEST

START_TEST(overlong_host_and_pem)
{
	char host[300], text[8192];
	memset(host, 'a', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(text, sizeof(text),
		 "{\"version\": 1, \"name\": \"a\", \"remotes\": [{\"host\": \"%s\"}], "
		 "\"server_name\": \"v.example\", " PEMS "}",
		 host);
	parse_err(text,
		  "alice.json: remotes[0].host: expected an IP address or a DNS name, got "
		  "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		  "aaaaa\"");

	size_t big = PROFILE_PEM_MAX + 100;
	char *t = malloc(big + 512);
	ck_assert_ptr_nonnull(t);
	int m = snprintf(t, 512,
			 "{\"version\": 1, \"name\": \"a\", \"remotes\": [{\"host\": "
			 "\"1.2.3.4\"}], \"server_name\": \"v.example\", \"ca\": \"");
	memset(t + m, 'x', big);
	snprintf(t + m + big, 400, "\", \"cert\": \"" PEM_CA "\", \"key\": \"" PEM_KEY "\"}");
	parse_err(t, "alice.json: ca: PEM text longer than 65536 bytes");
	free(t);
}
END_TEST

START_TEST(select_remote)
{
	char err[256];
	struct profile *p = parse_ok(GOOD);
	ck_assert_int_eq(profile_select_remote(p, "de", err, sizeof(err)), 0);
	ck_assert_uint_eq(p->n_remotes, 1);
	ck_assert_str_eq(p->remotes[0].host, "198.18.1.1");
	profile_free(p);

	p = parse_ok(GOOD);
	ck_assert_int_eq(profile_select_remote(p, "vpn2.example.com", err, sizeof(err)), 0);
	ck_assert_uint_eq(p->n_remotes, 1);
	ck_assert_str_eq(p->remotes[0].host, "vpn2.example.com");
	profile_free(p);

	p = parse_ok(GOOD);
	ck_assert_int_eq(profile_select_remote(p, "[fd00::1]:8443", err, sizeof(err)), 0);
	ck_assert_uint_eq(p->n_remotes, 1);
	ck_assert_str_eq(p->remotes[0].host, "fd00::1");
	ck_assert_uint_eq(p->remotes[0].port, 8443);
	ck_assert_str_eq(p->remotes[0].name, "");
	profile_free(p);

	p = parse_ok(GOOD);
	ck_assert_int_eq(profile_select_remote(p, "no such;host", err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "--remote no such;host: not a remote name in the profile, nor a "
			      "host[:port]");
	ck_assert_uint_eq(p->n_remotes, 2);
	profile_free(p);
}
END_TEST

START_TEST(load_checks_mode)
{
	char path[160];
	int fd = scratch_mkstemp(path, sizeof(path), "profile");
	ck_assert_int_eq(write(fd, GOOD, strlen(GOOD)), (int)strlen(GOOD));
	close(fd);
	struct profile *p = NULL;
	char err[512];
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(profile_load(path, &p, err, sizeof(err)), 0);
	ck_assert_str_eq(p->name, "alice");
	profile_free(p);

	ck_assert_int_eq(chmod(path, 0640), 0);
	ck_assert_int_eq(profile_load(path, &p, err, sizeof(err)), -EPERM);
	ck_assert_ptr_null(p);
	char expected[600];
	snprintf(expected, sizeof(expected),
		 "%s: mode 0640 allows access by group or others; chmod 600 it", path);
	ck_assert_str_eq(err, expected);
	unlink(path);

	ck_assert_int_lt(profile_load("/nonexistent/alice.json", &p, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/alice.json"));
}
END_TEST

static Suite *profile_suite(void)
{
	Suite *s = suite_create("client-profile");
	TCase *tc = tcase_create("parse");
	tcase_add_test(tc, good_profile);
	tcase_add_test(tc, unknown_keys_ignored_and_ipv6_remote);
	tcase_add_loop_test(tc, refusals, 0, (int)(sizeof(bads) / sizeof(bads[0])));
	tcase_add_test(tc, too_many_remotes);
	tcase_add_test(tc, overlong_host_and_pem);
	tcase_add_test(tc, select_remote);
	tcase_add_test(tc, load_checks_mode);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return scratch_run_suite(profile_suite());
}
