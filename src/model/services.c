#include <config.h>

#include "model/services.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool has(const struct sk_snapshot *s, uint32_t off, const char *pattern)
{
	return off && strcasestr(sk_strtab_get(&s->strs, off), pattern) != NULL;
}

bool sk_service_matches(const struct sk_snapshot *s, const struct sk_service *sv,
			const char *pattern)
{
	char nspod[2 * 4096 + 2];

	if (!sv)
		return false;
	if (!*pattern)
		return true;
	if (has(s, sv->name, pattern) || has(s, sv->pod, pattern) ||
	    has(s, sv->container, pattern) || has(s, sv->unit, pattern) ||
	    has(s, sv->id, pattern) || has(s, sv->cgroup, pattern))
		return true;
	if (!sv->ns || !sv->pod)
		return false;
	snprintf(nspod, sizeof(nspod), "%s/%s", sk_strtab_get(&s->strs, sv->ns),
		 sk_strtab_get(&s->strs, sv->pod));
	return strcasestr(nspod, pattern) != NULL;
}

int sk_service_cmp(const struct sk_snapshot *s, const struct sk_service *a,
		   const struct sk_service *b)
{
	if (!a || !b)
		return (!a) - (!b);
	return strcmp(sk_strtab_get(&s->strs, a->name), sk_strtab_get(&s->strs, b->name));
}

void sk_service_totals_free(struct sk_service_totals *t)
{
	free(t->v.v);
	free(t->seen.v);
	memset(t, 0, sizeof(*t));
}

static void count_row(struct sk_service_total *t, const struct sk_socket *k)
{
	sk_agg_count_row(&t->agg, k);
	if (k->owners_count == 0)
		t->fdless++;
}

/* The services holding socket i through an fd, each once. */
static void count_owners(struct sk_service_totals *t, const struct sk_snapshot *s, size_t i)
{
	const struct sk_socket *k = &s->socks.v[i];

	for (uint32_t j = 0; j < k->owners_count; j++) {
		uint32_t f = s->owner_index.v[k->owners_start + j];
		uint32_t sv = s->procs.v[s->fdrefs.v[f].proc].service;

		if (!sv || sv > t->v.n || t->seen.v[sv - 1] == (uint32_t)i + 1)
			continue;
		t->seen.v[sv - 1] = (uint32_t)i + 1;
		count_row(&t->v.v[sv - 1], k);
	}
}

int sk_service_totals_compute(struct sk_service_totals *t, const struct sk_snapshot *s)
{
	size_t n = s->services.n;

	if (sk_vec_reserve((void **)&t->v.v, &t->v.cap, n, sizeof(*t->v.v)) ||
	    sk_vec_reserve((void **)&t->seen.v, &t->seen.cap, n, sizeof(*t->seen.v)))
		return -ENOMEM;
	t->v.n = t->seen.n = n;
	if (n) {
		memset(t->v.v, 0, n * sizeof(*t->v.v));
		memset(t->seen.v, 0, n * sizeof(*t->seen.v));
	}
	for (size_t i = 0; i < s->procs.n; i++) {
		uint32_t sv = s->procs.v[i].service;

		if (sv && sv <= n)
			t->v.v[sv - 1].nprocs++;
	}
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		uint32_t own = i < s->sock_service.n ? s->sock_service.v[i] : 0;
		uint32_t orphan_to = own;

		if (k->owners_count && s->owner_index.n)
			count_owners(t, s, i);
		else if (own && own <= n)
			count_row(&t->v.v[own - 1], k);
		if (!(k->flags & SK_SOCK_ORPHAN))
			continue;
		if (k->likely_owner != SK_NONE && k->likely_owner < s->procs.n)
			orphan_to = s->procs.v[k->likely_owner].service;
		if (orphan_to && orphan_to <= n)
			t->v.v[orphan_to - 1].agg.orphans++;
	}
	return 0;
}
