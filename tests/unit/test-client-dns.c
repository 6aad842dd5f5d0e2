/* resolv.conf rendering and the in-place rewrite (the inode must not change:
 * under ip netns exec the file is a bind mount). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dns.h"
#include "scratch.h"

static struct ip_addr ip(const char *s)
{
	struct ip_addr a;
	ck_assert(addr_parse(s, &a));
	return a;
}

START_TEST(render_servers)
{
	struct ip_addr s[2] = {ip("198.18.2.2"), ip("fd00:8::1")};
	char out[256];
	int n = dns_render(s, 2, "tlsvpn0", out, sizeof(out));
	const char *expected = "# Written by tlsvpn-client for tlsvpn0; the original is restored "
			       "when it exits.\n"
			       "nameserver 198.18.2.2\n"
			       "nameserver fd00:8::1\n";
	ck_assert_str_eq(out, expected);
	ck_assert_int_eq(n, (int)strlen(expected));
}
END_TEST

START_TEST(render_refusals)
{
	struct ip_addr s[1] = {ip("10.8.0.1")};
	char out[256];
	ck_assert_int_eq(dns_render(s, 0, "tlsvpn0", out, sizeof(out)), -EINVAL);
	ck_assert_int_eq(dns_render(s, 1, "tlsvpn0", out, 20), -ENOSPC);
	ck_assert_int_eq(dns_render(s, 1, "tlsvpn0", out, 90), -ENOSPC);
	struct ip_addr bad = {.family = AF_UNIX};
	ck_assert_int_eq(dns_render(&bad, 1, "tlsvpn0", out, sizeof(out)), -EINVAL);
}
END_TEST

START_TEST(rewrite_in_place)
{
	char path[160];
	int fd = scratch_mkstemp(path, sizeof(path), "resolv");
	const char *orig = "nameserver 192.0.2.53\nsearch example.org\n";
	ck_assert_int_eq(write(fd, orig, strlen(orig)), (int)strlen(orig));
	close(fd);
	struct stat before, after;
	ck_assert_int_eq(stat(path, &before), 0);

	char err[256], *text = NULL;
	ck_assert_int_eq(dns_read(path, &text, err, sizeof(err)), 0);
	ck_assert_str_eq(text, orig);
	free(text);
	ck_assert_int_eq(dns_write_in_place(path, "nameserver 10.8.0.1\n", err, sizeof(err)), 0);
	ck_assert_int_eq(stat(path, &after), 0);
	ck_assert_uint_eq(before.st_ino, after.st_ino);
	ck_assert_int_eq(dns_read(path, &text, err, sizeof(err)), 0);
	ck_assert_str_eq(text, "nameserver 10.8.0.1\n");
	free(text);
	/* Shorter content than before: no stale tail left. */
	ck_assert_int_eq(dns_write_in_place(path, "", err, sizeof(err)), 0);
	ck_assert_int_eq(dns_read(path, &text, err, sizeof(err)), 0);
	ck_assert_str_eq(text, "");
	free(text);
	unlink(path);

	/* A missing file reads as empty. */
	ck_assert_int_eq(dns_read(path, &text, err, sizeof(err)), 0);
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_lt(dns_write_in_place("/nonexistent/dir/resolv.conf", "x", err, sizeof(err)),
			 0);
	ck_assert_str_eq(err, "/nonexistent/dir/resolv.conf: No such file or directory");
}
END_TEST

START_TEST(read_refuses_hostile_files)
{
	char path[160];
	int fd = scratch_mkstemp(path, sizeof(path), "resolv");
	ck_assert_int_eq(write(fd, "a\0b", 3), 3);
	char err[512], *text = NULL;
	ck_assert_int_eq(dns_read(path, &text, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "contains a NUL byte"));
	ck_assert_int_eq(ftruncate(fd, DNS_FILE_MAX + 1), 0);
	close(fd);
	ck_assert_int_eq(dns_read(path, &text, err, sizeof(err)), -EFBIG);
	ck_assert_ptr_nonnull(strstr(err, "larger than 65536 bytes"));
	ck_assert_ptr_null(text);
	unlink(path);
}
END_TEST

static Suite *dns_suite(void)
{
	Suite *s = suite_create("client-dns");
	TCase *tc = tcase_create("dns");
	tcase_add_test(tc, render_servers);
	tcase_add_test(tc, render_refusals);
	tcase_add_test(tc, rewrite_in_place);
	tcase_add_test(tc, read_refuses_hostile_files);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return scratch_run_suite(dns_suite());
}
