/*
 * sessions: two open-addressing hash tables with linear probing and
 * backward-shift deletion (no tombstones, so lookups stay short however
 * long the server runs).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sessions.h"

struct addr_slot {
	struct session *s; /* NULL: empty */
	struct ip_addr a;
};

struct cn_slot {
	struct session *s;
	const char *cn;
	uint32_t hash;
};

struct sessions {
	struct addr_slot *addrs;
	struct cn_slot *cns;
	size_t addr_mask, cn_mask; /* capacity - 1, capacities are powers of two */
	size_t n_addrs, n_cns, max_fill_addrs, max_fill_cns;
};

static size_t pow2_at_least(size_t n)
{
	size_t p = 16;
	while (p < n)
		p <<= 1;
	return p;
}

struct sessions *sessions_new(size_t max_sessions)
{
	struct sessions *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	/* 2 addresses per session, twice that during replacements, load <= 1/2 */
	size_t na = pow2_at_least(max_sessions * 8);
	size_t nc = pow2_at_least(max_sessions * 4);
	t->addrs = calloc(na, sizeof *t->addrs);
	t->cns = calloc(nc, sizeof *t->cns);
	if (t->addrs == NULL || t->cns == NULL) {
		sessions_free(t);
		return NULL;
	}
	t->addr_mask = na - 1;
	t->cn_mask = nc - 1;
	t->max_fill_addrs = na / 2;
	t->max_fill_cns = nc / 2;
	return t;
}

void sessions_free(struct sessions *t)
{
	if (t == NULL)
		return;
	free(t->addrs);
	free(t->cns);
	free(t);
}

static size_t addr_find_slot(const struct sessions *t, const struct ip_addr *a)
{
	size_t i = addr_hash(a) & t->addr_mask;
	while (t->addrs[i].s != NULL && !addr_equal(&t->addrs[i].a, a))
		i = (i + 1) & t->addr_mask;
	return i;
}

int sessions_add_addr(struct sessions *t, const struct ip_addr *a, struct session *s)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	size_t i = addr_find_slot(t, a);
	if (t->addrs[i].s != NULL)
		return -EEXIST;
	if (t->n_addrs >= t->max_fill_addrs)
		return -ENOSPC;
	t->addrs[i].s = s;
	t->addrs[i].a = *a;
	t->n_addrs++;
	return 0;
}

struct session *sessions_find_addr(const struct sessions *t, const struct ip_addr *a)
{
	return t->addrs[addr_find_slot(t, a)].s;
}

/* Backward-shift deletion: move later members of the probe run into the
 * hole when their home slot does not lie cyclically in (hole, j]. */
void sessions_del_addr(struct sessions *t, const struct ip_addr *a, const struct session *s)
{
	size_t i = addr_find_slot(t, a);
	if (t->addrs[i].s == NULL || t->addrs[i].s != s)
		return;
	t->addrs[i].s = NULL;
	t->n_addrs--;
	size_t j = i;
	for (;;) {
		j = (j + 1) & t->addr_mask;
		if (t->addrs[j].s == NULL)
			return;
		size_t home = addr_hash(&t->addrs[j].a) & t->addr_mask;
		bool in_run = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
		if (in_run)
			continue;
		t->addrs[i] = t->addrs[j];
		t->addrs[j].s = NULL;
		i = j;
	}
}

/* FNV-1a: CNs are short and chosen by the CA, not by the network. */
static uint32_t cn_hash(const char *cn)
{
	uint32_t h = 2166136261u;
	for (const unsigned char *p = (const unsigned char *)cn; *p; p++) {
		h ^= *p;
		h *= 16777619u;
	}
	return h;
}

static size_t cn_find_slot(const struct sessions *t, const char *cn, uint32_t h)
{
	size_t i = h & t->cn_mask;
	while (t->cns[i].s != NULL && (t->cns[i].hash != h || strcmp(t->cns[i].cn, cn) != 0))
		i = (i + 1) & t->cn_mask;
	return i;
}

int sessions_add_cn(struct sessions *t, const char *cn, struct session *s)
{
	uint32_t h = cn_hash(cn);
	size_t i = cn_find_slot(t, cn, h);
	if (t->cns[i].s != NULL)
		return -EEXIST;
	if (t->n_cns >= t->max_fill_cns)
		return -ENOSPC;
	t->cns[i] = (struct cn_slot){.s = s, .cn = cn, .hash = h};
	t->n_cns++;
	return 0;
}

struct session *sessions_find_cn(const struct sessions *t, const char *cn)
{
	return t->cns[cn_find_slot(t, cn, cn_hash(cn))].s;
}

void sessions_del_cn(struct sessions *t, const char *cn, const struct session *s)
{
	size_t i = cn_find_slot(t, cn, cn_hash(cn));
	if (t->cns[i].s == NULL || t->cns[i].s != s)
		return;
	t->cns[i].s = NULL;
	t->n_cns--;
	size_t j = i;
	for (;;) {
		j = (j + 1) & t->cn_mask;
		if (t->cns[j].s == NULL)
			return;
		size_t home = t->cns[j].hash & t->cn_mask;
		bool in_run = (i <= j) ? (i < home && home <= j) : (i < home || home <= j);
		if (in_run)
			continue;
		t->cns[i] = t->cns[j];
		t->cns[j].s = NULL;
		i = j;
	}
}
