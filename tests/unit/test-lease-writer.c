/* Unit tests for the lease file's background writer (server/lease-writer.c),
 * writing real files through pool_write_leases. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../../server/lease-writer.h"
#include "scratch.h"

static char tmpdir[128];
static char leases[160], leases_tmp[168], logfile[160];

static void setup_dir(void)
{
	scratch_mkdtemp(tmpdir, sizeof(tmpdir), "lease-writer");
	snprintf(leases, sizeof(leases), "%s/leases.json", tmpdir);
	snprintf(leases_tmp, sizeof(leases_tmp), "%s.tmp", leases);
	snprintf(logfile, sizeof(logfile), "%s/log", tmpdir);
}

/* The whole file as a NUL-terminated string (the caller frees it); NULL if absent. */
static char *slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	ck_assert_ptr_nonnull(buf);
	ssize_t r;
	while ((r = read(fd, buf + n, cap - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return buf;
}

static bool exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static void assert_file_holds(const char *path, const char *want)
{
	char *got = slurp(path);
	ck_assert_msg(got != NULL, "%s: missing", path);
	ck_assert_str_eq(got, want);
	free(got);
}

/* The writer logs from its own thread: catch stderr in logfile meanwhile. */
static int saved_stderr = -1;

static void capture_stderr(void)
{
	saved_stderr = dup(STDERR_FILENO);
	int fd = open(logfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

static void restore_stderr(void)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
}

START_TEST(handoff_is_written)
{
	char err[256];
	struct lease_writer *w = lease_writer_new(leases, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	lease_writer_put(w, strdup("{\"version\": 1, \"leases\": []}\n"));
	lease_writer_stop(w); /* finishes the pending write before it returns */
	assert_file_holds(leases, "{\"version\": 1, \"leases\": []}\n");
	ck_assert(!exists(leases_tmp));
	ck_assert(!lease_writer_failed(w, err, sizeof(err)));
	struct stat st;
	ck_assert_int_eq(stat(leases, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	lease_writer_free(w);
}
END_TEST

START_TEST(last_handoff_wins)
{
	struct lease_writer *w = lease_writer_new(leases, NULL, 0);
	ck_assert_ptr_nonnull(w);
	char text[64];
	for (int i = 0; i < 200; i++) {
		snprintf(text, sizeof(text), "{\"n\": %d}\n", i);
		lease_writer_put(w, strdup(text));
	}
	lease_writer_stop(w);
	assert_file_holds(leases, "{\"n\": 199}\n");
	ck_assert(!exists(leases_tmp));
	lease_writer_free(w);
}
END_TEST

/*
 * The temporary file is made a FIFO, so the thread's first write blocks
 * until this test reads it: a stand-in for a disk that takes its time.
 * Meanwhile hand-offs and the failed flag must not wait, and only the newest
 * of them is written afterwards. A writer that held its lock while writing
 * hangs here until check's timeout fails the test.
 */
START_TEST(handoff_never_waits_for_a_write)
{
	ck_assert_int_eq(mkfifo(leases_tmp, 0600), 0);
	capture_stderr(); /* fsync on a FIFO fails: that write is logged as failed */
	struct lease_writer *w = lease_writer_new(leases, NULL, 0);
	ck_assert_ptr_nonnull(w);
	size_t big = 1 << 18; /* four times a pipe's buffer: the write blocks */
	char *first = malloc(big + 1);
	ck_assert_ptr_nonnull(first);
	memset(first, 'x', big);
	first[big] = '\0';
	lease_writer_put(w, first);
	int fd = open(leases_tmp, O_RDONLY); /* returns once the thread opened it */
	ck_assert_int_ge(fd, 0);

	lease_writer_put(w, strdup("second\n")); /* replaced before it is taken */
	lease_writer_put(w, strdup("third\n"));
	(void)lease_writer_failed(w, NULL, 0);

	size_t n = 0;
	char buf[8192];
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < r; i++)
			ck_assert_int_eq(buf[i], 'x');
		n += (size_t)r;
	}
	close(fd);
	ck_assert_uint_eq(n, big);
	lease_writer_stop(w);
	restore_stderr();
	assert_file_holds(leases, "third\n");
	ck_assert(!exists(leases_tmp));
	ck_assert(!lease_writer_failed(w, NULL, 0)); /* the last write worked */
	lease_writer_free(w);
}
END_TEST

/* Root ignores permission bits, so the unwritable places are a missing
 * directory and a parent that is a regular file. */
static void check_failure(const char *path, const char *why)
{
	char err[512], want[512], line[1024];
	snprintf(want, sizeof(want), "%s: cannot write leases: %s", path, why);
	capture_stderr();
	struct lease_writer *w = lease_writer_new(path, err, sizeof(err));
	ck_assert_msg(w != NULL, "%s", err);
	ck_assert(!lease_writer_failed(w, err, sizeof(err)));
	lease_writer_put(w, strdup("{}\n"));
	lease_writer_stop(w);
	restore_stderr();
	ck_assert(lease_writer_failed(w, err, sizeof(err)));
	ck_assert_str_eq(err, want);
	lease_writer_free(w);

	snprintf(line, sizeof(line), "level=warn event=leases_save_failed error=\"%s\"\n", want);
	char *log = slurp(logfile);
	ck_assert_ptr_nonnull(log);
	ck_assert_msg(strstr(log, line) != NULL, "no %s in the log: %s", line, log);
	free(log);
}

START_TEST(failed_write_is_flagged_and_logged)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/missing/leases.json", tmpdir);
	check_failure(path, "No such file or directory");
	FILE *f = fopen(leases, "w"); /* a regular file as the parent */
	ck_assert_ptr_nonnull(f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/leases.json", leases);
	check_failure(path, "Not a directory");
}
END_TEST

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

START_TEST(next_good_write_clears_the_flag)
{
	char dir[160], path[256];
	snprintf(dir, sizeof(dir), "%s/later", tmpdir);
	snprintf(path, sizeof(path), "%s/leases.json", dir);
	capture_stderr();
	struct lease_writer *w = lease_writer_new(path, NULL, 0);
	ck_assert_ptr_nonnull(w);
	lease_writer_put(w, strdup("lost\n"));
	for (int i = 0; i < 300 && !lease_writer_failed(w, NULL, 0); i++)
		sleep_ms(10);
	restore_stderr();
	ck_assert(lease_writer_failed(w, NULL, 0));
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	lease_writer_put(w, strdup("kept\n"));
	lease_writer_stop(w);
	ck_assert(!lease_writer_failed(w, NULL, 0));
	assert_file_holds(path, "kept\n");
	lease_writer_free(w);
}
END_TEST

START_TEST(stop_and_free_are_safe)
{
	char err[256];
	struct lease_writer *w = lease_writer_new(leases, err, sizeof(err));
	ck_assert_ptr_nonnull(w);
	lease_writer_stop(w); /* nothing pending: the thread just ends */
	lease_writer_stop(w);
	ck_assert(!exists(leases));
	lease_writer_put(w, strdup("too late\n")); /* freed unwritten */
	ck_assert(!exists(leases));
	ck_assert(!lease_writer_failed(w, err, sizeof(err)));
	lease_writer_free(w);

	w = lease_writer_new(leases, err, sizeof(err)); /* free without stop */
	ck_assert_ptr_nonnull(w);
	lease_writer_put(w, strdup("written at free\n"));
	lease_writer_free(w);
	assert_file_holds(leases, "written at free\n");
	lease_writer_stop(NULL);
	lease_writer_free(NULL);
}
END_TEST

/* The blocked-signal mask of a thread of this process, from /proc. */
static unsigned long long sigblk(pid_t tid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", (int)tid);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	unsigned long long mask = 0;
	bool found = false;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "SigBlk:", 7) == 0) {
			mask = strtoull(line + 7, NULL, 16);
			found = true;
		}
	fclose(f);
	ck_assert(found);
	return mask;
}

/* The one thread of this process other than the caller. */
static pid_t other_thread(void)
{
	DIR *d = opendir("/proc/self/task");
	ck_assert_ptr_nonnull(d);
	pid_t other = 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		pid_t tid = (pid_t)atoi(e->d_name);
		if (tid > 0 && tid != gettid()) {
			other = tid;
			n++;
		}
	}
	closedir(d);
	ck_assert_int_eq(n, 1);
	return other;
}

#define SIGBIT(s) (1ULL << ((s)-1))

START_TEST(signals_stay_with_the_loop)
{
	struct lease_writer *w = lease_writer_new(leases, NULL, 0);
	ck_assert_ptr_nonnull(w);
	/* glibc starts a thread with every signal blocked and only then sets the
	 * mask it inherits: read it once the thread has done some work. */
	lease_writer_put(w, strdup("{}\n"));
	for (int i = 0; i < 300 && !exists(leases); i++)
		sleep_ms(10);
	ck_assert(exists(leases));
	unsigned long long wanted = SIGBIT(SIGTERM) | SIGBIT(SIGINT) | SIGBIT(SIGHUP);
	unsigned long long theirs = sigblk(other_thread()), ours = sigblk(gettid());
	ck_assert_msg((theirs & wanted) == wanted, "writer thread blocks %llx", theirs);
	ck_assert_msg((ours & wanted) == 0, "caller left blocking %llx", ours);
	lease_writer_free(w);
}
END_TEST

static Suite *lease_writer_suite(void)
{
	Suite *s = suite_create("lease-writer");
	TCase *tc = tcase_create("lease-writer");
	tcase_add_checked_fixture(tc, setup_dir, NULL);
	tcase_add_test(tc, handoff_is_written);
	tcase_add_test(tc, last_handoff_wins);
	tcase_add_test(tc, handoff_never_waits_for_a_write);
	tcase_add_test(tc, failed_write_is_flagged_and_logged);
	tcase_add_test(tc, next_good_write_clears_the_flag);
	tcase_add_test(tc, stop_and_free_are_safe);
	tcase_add_test(tc, signals_stay_with_the_loop);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return scratch_run_suite(lease_writer_suite());
}
