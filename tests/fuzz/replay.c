/*
 * Runs a libFuzzer harness over its seed corpus without libFuzzer, so that the
 * ordinary (gcc, ASan+UBSan) test suite keeps every harness compiling and every
 * seed input clean. The corpus is tests/fuzz/corpus/<harness>/ where <harness>
 * is the program name without its "fuzz-" prefix. Prints one TAP result.
 */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		printf("# cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t *data = NULL;
	size_t len = 0, cap = 0;
	for (;;) {
		if (len == cap) {
			cap = cap ? cap * 2 : 4096;
			uint8_t *grown = realloc(data, cap);
			if (grown == NULL) {
				free(data);
				fclose(f);
				return -1;
			}
			data = grown;
		}
		size_t n = fread(data + len, 1, cap - len, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	return 0;
}

int main(int argc, char **argv)
{
	char progbuf[PATH_MAX];
	snprintf(progbuf, sizeof(progbuf), "%s", argv[0]);
	const char *prog = basename(progbuf);
	const char *name = strncmp(prog, "fuzz-", 5) == 0 ? prog + 5 : prog;
	const char *srcdir = getenv("top_srcdir");

	char dir[PATH_MAX];
	if (argc > 1)
		snprintf(dir, sizeof(dir), "%s", argv[1]);
	else
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", srcdir ? srcdir : ".", name);

	printf("1..1\n");
	DIR *d = opendir(dir);
	if (d == NULL) {
		printf("not ok 1 - %s corpus: cannot open %s: %s\n", name, dir, strerror(errno));
		return 0;
	}
	size_t files = 0, failures = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX * 2];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (run_file(path) < 0)
			failures++;
		files++;
	}
	closedir(d);
	if (files == 0 || failures > 0)
		printf("not ok 1 - %s corpus: %zu inputs, %zu unreadable\n", name, files, failures);
	else
		printf("ok 1 - %s corpus: %zu inputs replayed clean\n", name, files);
	return 0;
}
