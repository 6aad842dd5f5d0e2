#include "scratch.h"

#include <check.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char root[256];

int scratch_begin(void)
{
	const char *base = getenv("TMPDIR");
	if (base == NULL || *base == '\0')
		base = "/tmp";
	if (snprintf(root, sizeof(root), "%s/tlsvpn-unit.XXXXXX", base) >= (int)sizeof(root))
		return -ENAMETOOLONG;
	if (mkdtemp(root) == NULL) {
		int e = -errno;
		root[0] = '\0';
		return e;
	}
	return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	if (remove(path) != 0)
		fprintf(stderr, "could not remove %s\n", path);
	return 0; /* go on with the rest */
}

void scratch_end(void)
{
	if (root[0] != '\0')
		nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	root[0] = '\0';
}

const char *scratch_root(void)
{
	return root;
}

int scratch_run_suite(Suite *suite)
{
	if (scratch_begin() != 0) {
		printf("1..0 # SKIP cannot make a scratch directory\n");
		return 0;
	}
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_ENV);
	srunner_free(sr);
	scratch_end();
	return 0;
}

static void name_in_root(char *buf, size_t len, const char *name)
{
	ck_assert_msg(root[0] != '\0', "scratch_begin was not called");
	int n = snprintf(buf, len, "%s/%s-XXXXXX", root, name);
	ck_assert_msg(n > 0 && (size_t)n < len, "scratch path for %s too long", name);
}

void scratch_mkdtemp(char *buf, size_t len, const char *name)
{
	name_in_root(buf, len, name);
	ck_assert_msg(mkdtemp(buf) != NULL, "mkdtemp %s failed", buf);
}

int scratch_mkstemp(char *buf, size_t len, const char *name)
{
	name_in_root(buf, len, name);
	int fd = mkstemp(buf);
	ck_assert_msg(fd >= 0, "mkstemp %s failed", buf);
	return fd;
}
