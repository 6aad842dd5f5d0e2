/* Unit tests of log: level parsing, line format on stderr, quoting of hostile values. */
#include <check.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Runs fn with stderr redirected to a temporary file; returns what was written. */
static char captured[LOG_LINE_MAX * 4];

static const char *capture(void (*fn)(void))
{
	FILE *tmp = tmpfile();
	ck_assert_ptr_nonnull(tmp);
	int saved = dup(STDERR_FILENO);
	ck_assert_int_ge(saved, 0);
	ck_assert_int_ge(dup2(fileno(tmp), STDERR_FILENO), 0);
	fn();
	ck_assert_int_ge(dup2(saved, STDERR_FILENO), 0);
	close(saved);
	rewind(tmp);
	size_t n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
	return captured;
}

static void assert_matches(const char *s, const char *re)
{
	regex_t r;
	ck_assert_int_eq(regcomp(&r, re, REG_EXTENDED | REG_NOSUB), 0);
	int rc = regexec(&r, s, 0, NULL, 0);
	regfree(&r);
	ck_assert_msg(rc == 0, "\"%s\" does not match /%s/", s, re);
}

START_TEST(level_parse)
{
	enum log_level l = LOG_LEVEL_INFO;
	ck_assert_int_eq(log_level_parse("error", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_ERROR);
	ck_assert_int_eq(log_level_parse("warn", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert_int_eq(log_level_parse("info", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_INFO);
	ck_assert_int_eq(log_level_parse("debug", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_DEBUG);
	l = LOG_LEVEL_WARN;
	ck_assert_int_eq(log_level_parse("DEBUG", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse("", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse("warning", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse(NULL, &l), -EINVAL);
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert_str_eq(log_level_name(LOG_LEVEL_DEBUG), "debug");
	ck_assert_str_eq(log_level_name((enum log_level)42), "unknown");
}
END_TEST

START_TEST(enabled_levels)
{
	log_init("t", LOG_LEVEL_WARN, false);
	ck_assert(log_enabled(LOG_LEVEL_ERROR));
	ck_assert(log_enabled(LOG_LEVEL_WARN));
	ck_assert(!log_enabled(LOG_LEVEL_INFO));
	log_set_level(LOG_LEVEL_DEBUG);
	ck_assert(log_enabled(LOG_LEVEL_DEBUG));
}
END_TEST

static void write_info(void)
{
	log_init("tlsvpn-server", LOG_LEVEL_INFO, false);
	log_info("event=client_connected cn=%s peer=%s", "alice", "198.18.1.2:40000");
	log_debug("event=hidden");
}

START_TEST(line_format)
{
	const char *out = capture(write_info);
	assert_matches(out, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z "
			    "tlsvpn-server\\[[0-9]+\\]: level=info event=client_connected cn=alice "
			    "peer=198\\.18\\.1\\.2:40000\n$");
}
END_TEST

static void write_debug(void)
{
	log_init("t", LOG_LEVEL_DEBUG, false);
	log_debug("event=x n=%d", 3);
	log_error("event=y\n");
}

START_TEST(debug_adds_func)
{
	const char *out = capture(write_debug);
	assert_matches(out, "^[^\n]*: level=debug event=x n=3 func=write_debug\n"
			    "[^\n]*: level=error event=y\n$");
}
END_TEST

static void write_forged(void)
{
	log_init("t", LOG_LEVEL_INFO, false);
	log_warn("event=x cn=%s", "bob\n2026-01-01T00:00:00Z t[1]: level=error event=forged");
}

START_TEST(newline_scrubbed)
{
	const char *out = capture(write_forged);
	/* One line only: the embedded newline became '?'. */
	ck_assert_ptr_eq(strchr(out, '\n'), out + strlen(out) - 1);
	ck_assert_ptr_nonnull(strstr(out, "cn=bob?2026"));
}
END_TEST

static void write_long(void)
{
	static char big[LOG_LINE_MAX * 2];
	memset(big, 'a', sizeof(big) - 1);
	log_init("t", LOG_LEVEL_INFO, false);
	log_info("event=long v=%s", big);
}

START_TEST(long_line_truncated)
{
	const char *out = capture(write_long);
	size_t n = strlen(out);
	ck_assert_uint_eq(n, LOG_LINE_MAX - 1);
	ck_assert_str_eq(out + n - 4, "...\n");
}
END_TEST

START_TEST(quote_plain_kept)
{
	char buf[64];
	const char *s = "alice";
	ck_assert_ptr_eq(log_quote(s, buf, sizeof(buf)), s);
	ck_assert_str_eq(log_quote("198.18.1.2:40000", buf, sizeof(buf)), "198.18.1.2:40000");
}
END_TEST

START_TEST(quote_escapes)
{
	char buf[128];
	ck_assert_str_eq(log_quote("", buf, sizeof(buf)), "\"\"");
	ck_assert_str_eq(log_quote("a b", buf, sizeof(buf)), "\"a b\"");
	ck_assert_str_eq(log_quote("x=1", buf, sizeof(buf)), "\"x=1\"");
	ck_assert_str_eq(log_quote("say \"hi\"", buf, sizeof(buf)), "\"say \\\"hi\\\"\"");
	ck_assert_str_eq(log_quote("a\\b", buf, sizeof(buf)), "\"a\\\\b\"");
	ck_assert_str_eq(log_quote("l1\nl2\r\t", buf, sizeof(buf)), "\"l1\\nl2\\r\\t\"");
	ck_assert_str_eq(log_quote("\x01\x7f\xc3\xa9", buf, sizeof(buf)),
			 "\"\\x01\\x7f\\xc3\\xa9\"");
	ck_assert_str_eq(log_quote(NULL, buf, sizeof(buf)), "(null)");
	ck_assert_str_eq(log_quote("a b", NULL, 0), "\"\"");
	ck_assert_str_eq(log_quote("a b", buf, 7), "\"\"");
}
END_TEST

START_TEST(quote_truncates)
{
	char buf[12];
	/* 10 bytes of room inside: quote + up to 6 chars + ... + quote + NUL. */
	const char *q = log_quote("hello world, long", buf, sizeof(buf));
	ck_assert_str_eq(q, "\"hello ...\"");
	ck_assert_uint_le(strlen(q), sizeof(buf) - 1);
	/* An escape is never cut in half. */
	q = log_quote("ab\n\n\n\n\n", buf, sizeof(buf));
	ck_assert_str_eq(q, "\"ab\\n\\n...\"");
	/* Exactly fits. */
	char b8[8];
	ck_assert_str_eq(log_quote("a b c", b8, sizeof(b8)), "\"a b c\"");
}
END_TEST

START_TEST(quote_max_fits_everything)
{
	char s[33];
	for (size_t i = 0; i < 32; i++)
		s[i] = (char)(0x80 + i);
	s[32] = '\0';
	char buf[LOG_QUOTE_MAX(32)];
	const char *q = log_quote(s, buf, sizeof(buf));
	ck_assert_uint_eq(strlen(q), 32 * 4 + 2);
	ck_assert_ptr_null(strstr(q, "..."));
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, level_parse);
	tcase_add_test(tc, enabled_levels);
	tcase_add_test(tc, line_format);
	tcase_add_test(tc, debug_adds_func);
	tcase_add_test(tc, newline_scrubbed);
	tcase_add_test(tc, long_line_truncated);
	tcase_add_test(tc, quote_plain_kept);
	tcase_add_test(tc, quote_escapes);
	tcase_add_test(tc, quote_truncates);
	tcase_add_test(tc, quote_max_fits_everything);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(log_suite());
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	return 0;
}
