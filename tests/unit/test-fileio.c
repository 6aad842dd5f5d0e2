/* Unit tests for common/fileio.c: reading a whole file under a size cap,
 * writing a buffer whole, syncing a file's directory. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fileio.h"
#include "scratch.h"

/* A pipe holding n bytes of 'x', write end closed: read() sees them, then EOF. */
static int pipe_with(size_t n)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(fcntl(p[1], F_SETPIPE_SZ, 1 << 20) >= 0, 1);
	char chunk[4096];
	memset(chunk, 'x', sizeof(chunk));
	while (n > 0) {
		size_t k = n < sizeof(chunk) ? n : sizeof(chunk);
		ck_assert_int_eq(write(p[1], chunk, k), (ssize_t)k);
		n -= k;
	}
	close(p[1]);
	return p[0];
}

START_TEST(sizes_around_the_cap)
{
	static const size_t max = 10000;
	static const struct {
		size_t n;
		int rc;
	} cases[] = {{0, 0},	{1, 0},	    {4094, 0},	     {4095, 0},	      {4096, 0},
		     {9999, 0}, {10000, 0}, {10001, -EFBIG}, {300000, -EFBIG}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int fd = pipe_with(cases[i].n);
		char *text = NULL;
		size_t len = 99;
		int rc = fileio_read_fd(fd, max, &text, &len);
		close(fd);
		ck_assert_msg(rc == cases[i].rc, "%zu bytes: rc %d", cases[i].n, rc);
		if (rc == 0) {
			ck_assert_uint_eq(len, cases[i].n);
			ck_assert_uint_eq(strlen(text), cases[i].n); /* NUL-terminated */
			free(text);
		}
	}
}
END_TEST

START_TEST(small_caps)
{
	char *text;
	size_t len;
	int fd = pipe_with(1);
	ck_assert_int_eq(fileio_read_fd(fd, 0, &text, &len), -EFBIG);
	close(fd);
	fd = pipe_with(0);
	ck_assert_int_eq(fileio_read_fd(fd, 0, &text, &len), 0);
	ck_assert_str_eq(text, "");
	free(text);
	close(fd);
}
END_TEST

START_TEST(read_error)
{
	char *text;
	size_t len;
	ck_assert_int_eq(fileio_read_fd(-1, 10, &text, &len), -EBADF);
}
END_TEST

START_TEST(write_all_and_error)
{
	char path[160];
	int fd = scratch_mkstemp(path, sizeof(path), "fileio");
	unlink(path);
	static char buf[300000];
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('a' + i % 26);
	ck_assert_int_eq(fileio_write_all(fd, buf, sizeof(buf)), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	char *text;
	size_t len;
	ck_assert_int_eq(fileio_read_fd(fd, sizeof(buf), &text, &len), 0);
	ck_assert_uint_eq(len, sizeof(buf));
	ck_assert(memcmp(text, buf, len) == 0);
	free(text);
	close(fd);
	ck_assert_int_eq(fileio_write_all(-1, "x", 1), -EBADF);
}
END_TEST

START_TEST(sync_parent_dir)
{
	char dir[160], path[192];
	scratch_mkdtemp(dir, sizeof(dir), "fileio");
	snprintf(path, sizeof(path), "%s/file", dir);
	ck_assert_int_eq(fileio_sync_parent_dir(path), 0);	      /* the file need not exist */
	ck_assert_int_eq(fileio_sync_parent_dir("relative-name"), 0); /* "." */
	snprintf(path, sizeof(path), "%s/missing/file", dir);
	ck_assert_int_eq(fileio_sync_parent_dir(path), -ENOENT);
}
END_TEST

static Suite *fileio_suite(void)
{
	Suite *s = suite_create("fileio");
	TCase *tc = tcase_create("fileio");
	tcase_add_test(tc, sizes_around_the_cap);
	tcase_add_test(tc, small_caps);
	tcase_add_test(tc, write_all_and_error);
	tcase_add_test(tc, read_error);
	tcase_add_test(tc, sync_parent_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return scratch_run_suite(fileio_suite());
}
