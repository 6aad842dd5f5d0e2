/* Unit tests of cfg: loading, typed getters and the exact text of their error messages. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "scratch.h"

static struct cfg c;
static json_t *root;

static json_t *load(const char *text)
{
	c = (struct cfg){.file = "server.json"};
	json_decref(root);
	root = cfg_load_buffer(&c, text, strlen(text));
	return root;
}

static void teardown(void)
{
	json_decref(root);
	root = NULL;
}

static const char *server_json =
    "{\n"
    "  \"listen\": \"198.18.1.1:443\",\n"
    "  \"mtu\": 1500,\n"
    "  \"client_to_client\": false,\n"
    "  \"name\": \"vpn\",\n"
    "  \"pool\": { \"ipv4\": \"10.8.0.0/24\", \"ipv6\": \"fd00:8::/64\" },\n"
    "  \"dns\": [\"10.8.0.1\", \"fd00:8::1\"],\n"
    "  \"gateway\": \"10.8.0.1\"\n"
    "}\n";

/* ---- loading ---- */

START_TEST(load_ok)
{
	ck_assert_ptr_nonnull(load(server_json));
	ck_assert_str_eq(c.err, "");
}
END_TEST

START_TEST(load_syntax_error)
{
	ck_assert_ptr_null(load("{\n  \"mtu\": 1500,\n  \"x\": }\n"));
	ck_assert_str_eq(c.err, "server.json:3:8: unexpected token near '}'");
	ck_assert_ptr_null(load("{\"mtu\": 1500, \"mtu\": 1400}"));
	ck_assert_str_eq(c.err, "server.json:1:19: duplicate object key near '\"mtu\"'");
	ck_assert_ptr_null(load(""));
	ck_assert_ptr_nonnull(strstr(c.err, "server.json:"));
	ck_assert_ptr_null(load("[1, 2]"));
	ck_assert_str_eq(c.err, "server.json: expected a JSON object at the top level");
	ck_assert_ptr_null(load("{} {}"));
	ck_assert_ptr_nonnull(strstr(c.err, "end of file expected"));
	/* A file name is optional. */
	c = (struct cfg){0};
	ck_assert_ptr_null(cfg_load_buffer(&c, "[", 1));
	ck_assert_ptr_nonnull(strstr(c.err, "config:1:"));
}
END_TEST

START_TEST(load_buffer_size_cap)
{
	c = (struct cfg){.file = "big.json"};
	ck_assert_ptr_null(cfg_load_buffer(&c, "{}", CFG_MAX_FILE_SIZE + 1));
	ck_assert_str_eq(c.err, "big.json: larger than 1048576 bytes");
}
END_TEST

static char tmpdir[128];

static void tmp_setup(void)
{
	scratch_mkdtemp(tmpdir, sizeof(tmpdir), "cfg");
}

static const char *write_tmp(const char *name, const char *text, size_t len, mode_t mode)
{
	static char path[192];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path); /* a read-only earlier version cannot be reopened (unless root) */
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

START_TEST(load_file)
{
	const char *p = write_tmp("server.json", server_json, strlen(server_json), 0644);
	c = (struct cfg){0};
	root = cfg_load_file(&c, p);
	ck_assert_ptr_nonnull(root);
	ck_assert_ptr_eq(c.file, p);

	c = (struct cfg){.file = "server.json"};
	json_t *r = cfg_load_file(&c, "/nonexistent/server.json");
	ck_assert_ptr_null(r);
	ck_assert_str_eq(c.err, "server.json: cannot open: No such file or directory");

	c = (struct cfg){.file = "dir.json"};
	ck_assert_ptr_null(cfg_load_file(&c, tmpdir));
	ck_assert_str_eq(c.err, "dir.json: not a regular file");

	/* Exactly the cap loads (whitespace padding), one byte more does not. */
	char *big = malloc(CFG_MAX_FILE_SIZE + 1);
	ck_assert_ptr_nonnull(big);
	memset(big, ' ', CFG_MAX_FILE_SIZE + 1);
	big[0] = '{';
	big[CFG_MAX_FILE_SIZE - 1] = '}';
	p = write_tmp("max.json", big, CFG_MAX_FILE_SIZE, 0600);
	c = (struct cfg){.file = "max.json"};
	r = cfg_load_file(&c, p);
	ck_assert_msg(r != NULL, "%s", c.err);
	json_decref(r);
	p = write_tmp("big.json", big, CFG_MAX_FILE_SIZE + 1, 0600);
	c = (struct cfg){.file = "big.json"};
	ck_assert_ptr_null(cfg_load_file(&c, p));
	ck_assert_str_eq(c.err, "big.json: larger than 1048576 bytes");
	free(big);
}
END_TEST

/* ---- getters ---- */

START_TEST(get_string)
{
	load(server_json);
	const char *s = NULL;
	ck_assert_int_eq(cfg_string(&c, root, "", "name", true, &s), 0);
	ck_assert_str_eq(s, "vpn");
	s = "untouched";
	ck_assert_int_eq(cfg_string(&c, root, "", "absent", false, &s), 1);
	ck_assert_str_eq(s, "untouched");
	ck_assert_int_eq(cfg_string(&c, root, "", "absent", true, &s), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: absent: required key is missing");
	ck_assert_int_eq(cfg_string(&c, root, "", "mtu", true, &s), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: mtu: expected a string, got 1500");
	json_t *pool = NULL;
	ck_assert_int_eq(cfg_object(&c, root, "", "pool", true, &pool), 0);
	ck_assert_int_eq(cfg_string(&c, pool, "pool", "ipv9", true, &s), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: pool.ipv9: required key is missing");
	/* null is present, of the wrong type. */
	load("{\"name\": null}");
	ck_assert_int_eq(cfg_string(&c, root, "", "name", false, &s), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: name: expected a string, got null");
	/* Embedded NUL would cut the string short silently. */
	load("{\"name\": \"a\\u0000b\"}");
	ck_assert_ptr_null(root); /* jansson refuses it by default */
}
END_TEST

START_TEST(get_uint)
{
	load("{\"mtu\": 1500, \"big\": 70000, \"neg\": -1, \"real\": 1500.0, \"str\": \"1500\","
	     " \"huge\": 18446744073709551616}");
	ck_assert_ptr_null(root); /* integer overflow is a syntax error in jansson */
	ck_assert_ptr_nonnull(strstr(c.err, "server.json:1:"));
	load("{\"mtu\": 1500, \"big\": 70000, \"neg\": -1, \"real\": 1500.0, \"str\": \"1500\"}");
	unsigned long v = 7;
	ck_assert_int_eq(cfg_uint(&c, root, "", "mtu", true, 576, 65535, &v), 0);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_eq(cfg_uint(&c, root, "", "mtu", true, 1500, 1500, &v), 0);
	ck_assert_int_eq(cfg_uint(&c, root, "", "absent", false, 0, 1, &v), 1);
	ck_assert_uint_eq(v, 1500);
	ck_assert_int_eq(cfg_uint(&c, root, "", "big", true, 576, 65535, &v), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: big: expected an integer 576..65535, got 70000");
	ck_assert_int_eq(cfg_uint(&c, root, "", "mtu", true, 1501, 65535, &v), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: mtu: expected an integer 1501..65535, got 1500");
	ck_assert_int_eq(cfg_uint(&c, root, "", "mtu", true, 0, 1499, &v), -EINVAL);
	ck_assert_int_eq(cfg_uint(&c, root, "", "neg", true, 0, 10, &v), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: neg: expected an integer 0..10, got -1");
	ck_assert_int_eq(cfg_uint(&c, root, "", "real", true, 0, 65535, &v), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: real: expected an integer 0..65535, got 1500.0");
	ck_assert_int_eq(cfg_uint(&c, root, "", "str", true, 0, 65535, &v), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: str: expected an integer 0..65535, got \"1500\"");
	ck_assert_uint_eq(v, 1500);
}
END_TEST

START_TEST(get_bool_object_array)
{
	load(server_json);
	bool b = true;
	ck_assert_int_eq(cfg_bool(&c, root, "", "client_to_client", true, &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(cfg_bool(&c, root, "", "mtu", true, &b), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: mtu: expected true or false, got 1500");
	json_t *o = NULL;
	ck_assert_int_eq(cfg_object(&c, root, "", "dns", true, &o), -EINVAL);
	ck_assert_str_eq(c.err,
			 "server.json: dns: expected an object, got [\"10.8.0.1\",\"fd00:8::1\"]");
	ck_assert_int_eq(cfg_object(&c, root, "", "nothing", false, &o), 1);
	ck_assert_ptr_null(o);
	ck_assert_int_eq(cfg_array(&c, root, "", "dns", true, &o), 0);
	ck_assert_uint_eq(json_array_size(o), 2);
	ck_assert_int_eq(cfg_array(&c, root, "", "pool", true, &o), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: pool: expected an array, got "
				"{\"ipv4\":\"10.8.0.0/24\",\"ipv6\":\"fd00:8::/64\"}");
	/* Long values are cut in the message. */
	load("{\"k\": \"0123456789012345678901234567890123456789012345678901234567890123456789\"}");
	ck_assert_int_eq(cfg_bool(&c, root, "", "k", true, &b), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: k: expected true or false, got "
				"\"01234567890123456789012345678901234567890123456789012345678...");
}
END_TEST

START_TEST(get_addr_prefix)
{
	load(
	    "{\"pool\": {\"ipv4\": \"10.8.0.300/24\", \"host\": \"10.8.0.1/24\", \"net\": "
	    "\"10.8.0.0/24\", \"v6\": \"fd00:8::/64\"}, \"gw\": \"10.8.0.1\", \"gw6\": \"fd00::1\","
	    " \"bad\": \"10.8.1\", \"name\": \"vpn.example.com\"}");
	json_t *pool = NULL;
	ck_assert_int_eq(cfg_object(&c, root, "", "pool", true, &pool), 0);
	struct ip_prefix p;
	ck_assert_int_eq(cfg_prefix(&c, pool, "pool", "ipv4", true, &p, true), -EINVAL);
	ck_assert_str_eq(
	    c.err,
	    "server.json: pool.ipv4: expected a prefix like 10.8.0.0/24, got \"10.8.0.300/24\"");
	ck_assert_int_eq(cfg_prefix(&c, pool, "pool", "host", true, &p, true), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: pool.host: expected a network prefix with no host "
				"bits set, like 10.8.0.0/24, got \"10.8.0.1/24\"");
	ck_assert_int_eq(cfg_prefix(&c, pool, "pool", "host", true, &p, false), 0);
	ck_assert_uint_eq(p.len, 24);
	ck_assert_int_eq(cfg_prefix(&c, pool, "pool", "net", true, &p, true), 0);
	ck_assert_int_eq(cfg_prefix(&c, pool, "pool", "v6", true, &p, true), 0);
	ck_assert_int_eq(p.addr.family, AF_INET6);
	ck_assert_int_eq(cfg_prefix(&c, pool, "pool", "none", false, &p, true), 1);

	struct ip_addr a;
	ck_assert_int_eq(cfg_addr(&c, root, "", "gw", true, &a), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(cfg_addr(&c, root, "", "gw6", true, &a), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(cfg_addr(&c, root, "", "bad", true, &a), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: bad: expected an IP address like 10.8.0.1 or "
				"fd00:8::1, got \"10.8.1\"");
	ck_assert_int_eq(cfg_addr(&c, root, "", "name", true, &a), -EINVAL);
	ck_assert_int_eq(cfg_addr(&c, root, "", "pool", true, &a), -EINVAL);
	ck_assert_int_eq(a.family, AF_INET6); /* untouched on failure */
}
END_TEST

START_TEST(value_getters)
{
	load(server_json);
	load("{\"routes\": [\"10.0.0.0/8\", \"192.168.1.1/24\", 5]}");
	json_t *routes = NULL, *v;
	ck_assert_int_eq(cfg_array(&c, root, "", "routes", true, &routes), 0);
	size_t i;
	int fails = 0;
	json_array_foreach(routes, i, v)
	{
		char path[32];
		snprintf(path, sizeof(path), "routes[%zu]", i);
		struct ip_prefix p;
		if (cfg_prefix_value(&c, v, path, NULL, &p, true) < 0) {
			fails++;
			if (i == 1)
				ck_assert_str_eq(
				    c.err, "server.json: routes[1]: expected a network prefix "
					   "with no host bits set, like 10.8.0.0/24, got "
					   "\"192.168.1.1/24\"");
			else
				ck_assert_str_eq(c.err,
						 "server.json: routes[2]: expected a prefix like "
						 "10.8.0.0/24, got 5");
		}
	}
	ck_assert_int_eq(fails, 2);
	const char *s;
	struct ip_addr a;
	ck_assert_int_eq(cfg_string_value(&c, json_array_get(routes, 2), "routes[2]", NULL, &s),
			 -EINVAL);
	ck_assert_str_eq(c.err, "server.json: routes[2]: expected a string, got 5");
	ck_assert_int_eq(cfg_addr_value(&c, json_array_get(routes, 0), "routes", "x", &a), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: routes.x: expected an IP address like 10.8.0.1 or "
				"fd00:8::1, got \"10.0.0.0/8\"");
}
END_TEST

START_TEST(get_hostport)
{
	load("{\"listen\": \"198.18.1.1:443\", \"v6\": \"[fd00:18::1]:8443\", \"bare\": "
	     "\"vpn.example.com\", \"bad\": \"host:99999\", \"num\": 443}");
	char host[ADDR_HOSTLEN];
	uint16_t port = 0;
	ck_assert_int_eq(cfg_hostport(&c, root, "", "listen", true, 443, host, sizeof(host), &port),
			 0);
	ck_assert_str_eq(host, "198.18.1.1");
	ck_assert_uint_eq(port, 443);
	ck_assert_int_eq(cfg_hostport(&c, root, "", "v6", true, 443, host, sizeof(host), &port), 0);
	ck_assert_str_eq(host, "fd00:18::1");
	ck_assert_uint_eq(port, 8443);
	ck_assert_int_eq(cfg_hostport(&c, root, "", "bare", true, 443, host, sizeof(host), &port),
			 0);
	ck_assert_str_eq(host, "vpn.example.com");
	ck_assert_uint_eq(port, 443);
	ck_assert_int_eq(cfg_hostport(&c, root, "", "bad", true, 443, host, sizeof(host), &port),
			 -EINVAL);
	ck_assert_str_eq(c.err, "server.json: bad: expected host:port like vpn.example.com:443 or "
				"[fd00::1]:443, got \"host:99999\"");
	ck_assert_int_eq(cfg_hostport(&c, root, "", "num", true, 443, host, sizeof(host), &port),
			 -EINVAL);
	ck_assert_int_eq(cfg_hostport(&c, root, "", "none", false, 443, host, sizeof(host), &port),
			 1);
	ck_assert_int_eq(
	    cfg_hostport(&c, root, "remote", "none", true, 443, host, sizeof(host), &port),
	    -EINVAL);
	ck_assert_str_eq(c.err, "server.json: remote.none: required key is missing");
}
END_TEST

START_TEST(reject_unknown)
{
	load("{\"pool\": {\"ipv4\": \"10.8.0.0/24\", \"ipv44\": \"x\"}, \"mtu\": 1,"
	     " \"a b\\n\": 1}");
	static const char *const pool_keys[] = {"ipv4", "ipv6", NULL};
	static const char *const top_keys[] = {"pool", "mtu", NULL};
	json_t *pool = NULL;
	ck_assert_int_eq(cfg_object(&c, root, "", "pool", true, &pool), 0);
	ck_assert_int_eq(cfg_reject_unknown(&c, pool, "pool", pool_keys), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: pool.ipv44: unknown key (allowed: ipv4, ipv6)");
	/* A key with odd characters is shown escaped, so it cannot forge the message. */
	ck_assert_int_eq(cfg_reject_unknown(&c, root, "", top_keys), -EINVAL);
	ck_assert_str_eq(c.err, "server.json: \"a b\\n\": unknown key (allowed: pool, mtu)");
	static const char *const all[] = {"ipv4", "ipv44", NULL};
	ck_assert_int_eq(cfg_reject_unknown(&c, pool, "pool", all), 0);
	static const char *const none[] = {NULL};
	load("{}");
	ck_assert_int_eq(cfg_reject_unknown(&c, root, "", none), 0);
}
END_TEST

START_TEST(error_format)
{
	c = (struct cfg){.file = "client.json"};
	ck_assert_int_eq(cfg_error(&c, "remotes[1]", "port", "expected %d", 5), -EINVAL);
	ck_assert_str_eq(c.err, "client.json: remotes[1].port: expected 5");
	cfg_error(&c, "", "port", "x");
	ck_assert_str_eq(c.err, "client.json: port: x");
	cfg_error(&c, "remotes", NULL, "x");
	ck_assert_str_eq(c.err, "client.json: remotes: x");
	cfg_error(&c, NULL, NULL, "x");
	ck_assert_str_eq(c.err, "client.json: x");
	c.file = NULL;
	cfg_error(&c, NULL, "k", "x");
	ck_assert_str_eq(c.err, "config: k: x");
	/* Overlong messages are cut, not overflowed. */
	char big[2000];
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	cfg_error(&c, big, big, "%s", big);
	ck_assert_uint_eq(strlen(c.err), sizeof(c.err) - 1);
}
END_TEST

/* ---- paths and files ---- */

static void assert_resolved(const char *file, const char *rel, const char *want)
{
	char *p = cfg_resolve_path(file, rel);
	if (want == NULL) {
		ck_assert_ptr_null(p);
		return;
	}
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p, want);
	free(p);
}

START_TEST(resolve_path)
{
	assert_resolved("/etc/tlsvpn/server.json", "ca.crt", "/etc/tlsvpn/ca.crt");
	assert_resolved("/etc/tlsvpn/server.json", "pki/ca.crt", "/etc/tlsvpn/pki/ca.crt");
	assert_resolved("/etc/tlsvpn/server.json", "/var/lib/ca.crt", "/var/lib/ca.crt");
	assert_resolved("server.json", "ca.crt", "ca.crt");
	assert_resolved("conf/server.json", "ca.crt", "conf/ca.crt");
	assert_resolved("/server.json", "ca.crt", "/ca.crt");
	assert_resolved("/etc/tlsvpn/", "ca.crt", "/etc/tlsvpn/ca.crt");
	assert_resolved("/etc/tlsvpn/server.json", "", NULL);
	assert_resolved("/etc/tlsvpn/server.json", NULL, NULL);
	assert_resolved(NULL, "ca.crt", NULL);
}
END_TEST

START_TEST(private_file)
{
	char err[256];
	const char *p = write_tmp("key.pem", "k", 1, 0600);
	ck_assert_int_eq(cfg_check_private_file(p, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	p = write_tmp("key.pem", "k", 1, 0400);
	ck_assert_int_eq(cfg_check_private_file(p, err, sizeof(err)), 0);

	static const mode_t bad[] = {0644, 0640, 0604, 0601, 0610, 0660, 0666, 0700 | 0070};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = write_tmp("key.pem", "k", 1, bad[i]);
		ck_assert_int_eq(cfg_check_private_file(p, err, sizeof(err)), -EPERM);
		char want[256];
		snprintf(want, sizeof(want),
			 "%s: mode %04o allows access by group or others; chmod 600 it", p,
			 (unsigned)bad[i]);
		ck_assert_str_eq(err, want);
	}
	ck_assert_int_eq(cfg_check_private_file(p, NULL, 0), -EPERM);

	char want[256];
	snprintf(want, sizeof(want), "%s/none.pem: No such file or directory", tmpdir);
	char missing[160];
	snprintf(missing, sizeof(missing), "%s/none.pem", tmpdir);
	ck_assert_int_eq(cfg_check_private_file(missing, err, sizeof(err)), -ENOENT);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(chmod(tmpdir, 0700), 0);
	ck_assert_int_eq(cfg_check_private_file(tmpdir, err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	ck_assert_str_eq(err, want);

	/* Exact example from the docs, with a relative path. */
	char cwd[256];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	ck_assert_int_eq(chdir(tmpdir), 0);
	write_tmp("key.pem", "k", 1, 0644);
	ck_assert_int_eq(cfg_check_private_file("key.pem", err, sizeof(err)), -EPERM);
	ck_assert_str_eq(err, "key.pem: mode 0644 allows access by group or others; chmod 600 it");
	ck_assert_int_eq(chdir(cwd), 0);
}
END_TEST

static Suite *cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("getters");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, load_ok);
	tcase_add_test(tc, load_syntax_error);
	tcase_add_test(tc, load_buffer_size_cap);
	tcase_add_test(tc, get_string);
	tcase_add_test(tc, get_uint);
	tcase_add_test(tc, get_bool_object_array);
	tcase_add_test(tc, get_addr_prefix);
	tcase_add_test(tc, value_getters);
	tcase_add_test(tc, get_hostport);
	tcase_add_test(tc, reject_unknown);
	tcase_add_test(tc, error_format);
	tcase_add_test(tc, resolve_path);
	suite_add_tcase(s, tc);
	tc = tcase_create("files");
	tcase_add_checked_fixture(tc, tmp_setup, teardown);
	tcase_add_test(tc, load_file);
	tcase_add_test(tc, private_file);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return scratch_run_suite(cfg_suite());
}
