/*
 * libFuzzer harness for the index.json parser of tlsvpn-certs (certs/index.c):
 * any bytes either parse or are refused with a message. What parses must dump,
 * parse again to the same index, and dump to the same text.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "index.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_entry(const struct index_entry *e)
{
	CHECK(index_name_valid(e->name));
	CHECK(e->kind == INDEX_SERVER || e->kind == INDEX_CLIENT);
	CHECK(e->serial_len >= 1 && e->serial_len <= INDEX_SERIAL_MAX);
	CHECK(index_state_name(index_state(e, 0))[0] != '?');
}

static bool same_entry(const struct index_entry *a, const struct index_entry *b)
{
	return strcmp(a->name, b->name) == 0 && a->kind == b->kind &&
	       a->serial_len == b->serial_len && memcmp(a->serial, b->serial, a->serial_len) == 0 &&
	       a->not_before == b->not_before && a->not_after == b->not_after &&
	       a->revoked == b->revoked &&
	       (!a->revoked || (a->revoked_at == b->revoked_at && a->reason == b->reason));
}

static bool same_index(const struct index *a, const struct index *b)
{
	if (strcmp(a->ca_name, b->ca_name) != 0 || a->ca_serial_len != b->ca_serial_len ||
	    memcmp(a->ca_serial, b->ca_serial, a->ca_serial_len) != 0 ||
	    a->ca_not_after != b->ca_not_after || a->crl_number != b->crl_number ||
	    a->crl_this_update != b->crl_this_update || a->crl_next_update != b->crl_next_update ||
	    a->n_entries != b->n_entries)
		return false;
	for (size_t i = 0; i < a->n_entries; i++)
		if (!same_entry(&a->entries[i], &b->entries[i]))
			return false;
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Its own allocation, so that ASan sees any read past the end. */
	char *text = malloc(size ? size : 1);
	CHECK(text != NULL);
	memcpy(text, data, size);

	struct index *idx = NULL;
	char err[256] = "";
	int rc = index_parse(text, size, &idx, err, sizeof(err));
	free(text);
	if (rc != 0) {
		CHECK(rc == -EINVAL && idx == NULL && err[0] != '\0');
		CHECK(memchr(err, '\0', sizeof(err)) != NULL);
		return 0;
	}
	CHECK(idx != NULL && idx->n_entries <= INDEX_ENTRIES_MAX);
	CHECK(strlen(idx->ca_name) >= 1 && strlen(idx->ca_name) <= INDEX_NAME_MAX);
	CHECK(idx->ca_serial_len >= 1 && idx->ca_serial_len <= INDEX_SERIAL_MAX);
	CHECK(idx->crl_number >= 1);
	for (size_t i = 0; i < idx->n_entries; i++) {
		check_entry(&idx->entries[i]);
		if (index_find_live(idx, idx->entries[i].name, 0) == NULL)
			CHECK(idx->entries[i].revoked || idx->entries[i].not_after <= 0);
	}

	char *dump = index_dump(idx);
	CHECK(dump != NULL);
	struct index *again = NULL;
	err[0] = '\0';
	CHECK(index_parse(dump, strlen(dump), &again, err, sizeof(err)) == 0);
	CHECK(same_index(idx, again));
	char *dump2 = index_dump(again);
	CHECK(dump2 != NULL && strcmp(dump, dump2) == 0);

	free(dump2);
	free(dump);
	index_free(again);
	index_free(idx);
	return 0;
}
