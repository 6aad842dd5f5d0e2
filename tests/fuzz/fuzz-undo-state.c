/*
 * libFuzzer harness for the client's undo journal (client/undo-state.c), the
 * file in /run/tlsvpn-client/ that the client reads at start and --cleanup
 * reads: any bytes either parse into a state whose every change is valid, or
 * are refused with a message naming the file. What parses must render and
 * parse back to the same state, and render to the same text again.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "undo-state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

#define FILE_NAME "/run/tlsvpn-client/fuzz.json"

static bool same_prefix(const struct ip_prefix *a, const struct ip_prefix *b)
{
	return addr_equal(&a->addr, &b->addr) && a->len == b->len;
}

static bool same_change(const struct undo_change *a, const struct undo_change *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case UNDO_ADDR:
		return strcmp(a->dev, b->dev) == 0 && same_prefix(&a->prefix, &b->prefix);
	case UNDO_ROUTE:
		return strcmp(a->dev, b->dev) == 0 && same_prefix(&a->prefix, &b->prefix) &&
		       a->has_gw == b->has_gw && (!a->has_gw || addr_equal(&a->gw, &b->gw)) &&
		       a->metric == b->metric;
	case UNDO_NFT:
		return strcmp(a->table, b->table) == 0;
	case UNDO_RESOLV:
		return strcmp(a->path, b->path) == 0 && strcmp(a->original, b->original) == 0 &&
		       strcmp(a->written, b->written) == 0;
	}
	return false;
}

static bool same_state(const struct undo_state *a, const struct undo_state *b)
{
	if (a->pid != b->pid || a->netns != b->netns || strcmp(a->tun, b->tun) != 0 || a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!same_change(&a->changes[i], &b->changes[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Its own allocation, so that ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	CHECK(text != NULL);
	memcpy(text, data, size);

	struct undo_state s;
	char err[512] = "";
	int rc = undo_state_parse(FILE_NAME, text, size, &s, err, sizeof(err));
	free(text);
	if (rc != 0) {
		CHECK(rc == -EINVAL && err[0] != '\0');
		CHECK(strncmp(err, FILE_NAME, strlen(FILE_NAME)) == 0);
		CHECK(s.n == 0 && s.changes == NULL);
		return 0;
	}
	CHECK(s.pid >= 1 && s.tun[0] != '\0' && s.n <= UNDO_MAX_CHANGES);
	for (size_t i = 0; i < s.n; i++) {
		char line[512];
		CHECK(undo_change_invalid(&s.changes[i]) == NULL);
		CHECK(undo_change_describe(&s.changes[i], line, sizeof(line)) == line);
	}

	char *out = undo_state_render(&s);
	CHECK(out != NULL);
	struct undo_state again;
	CHECK(undo_state_parse(FILE_NAME, out, strlen(out), &again, err, sizeof(err)) == 0);
	CHECK(same_state(&s, &again));
	char *out2 = undo_state_render(&again);
	CHECK(out2 != NULL && strcmp(out, out2) == 0);

	/* Dropping the last change and pushing it back is the identity. */
	if (s.n > 0) {
		struct undo_change last = again.changes[again.n - 1];
		last.original = last.original ? strdup(last.original) : NULL;
		last.written = last.written ? strdup(last.written) : NULL;
		undo_state_pop(&again);
		CHECK(undo_state_push(&again, &last) == 0);
		free(last.original);
		free(last.written);
		CHECK(same_state(&s, &again));
	}

	free(out2);
	free(out);
	undo_state_clear(&again);
	undo_state_clear(&s);
	return 0;
}
