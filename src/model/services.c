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

bool sk_proc_service_matches(const struct sk_snapshot *s, const struct sk_process *p,
			     const char *pattern)
{
	return sk_service_matches(s, sk_snapshot_service(s, p->service), pattern);
}

bool sk_sock_service_matches(const struct sk_snapshot *s, size_t k, const char *pattern)
{
	const struct sk_socket *sk = &s->socks.v[k];

	if (sk_service_matches(s, sk_snapshot_sock_service(s, k), pattern))
		return true;
	for (uint32_t j = 0; j < sk->owners_count && s->owner_index.n; j++) {
		uint32_t f = s->owner_index.v[sk->owners_start + j];

		if (sk_proc_service_matches(s, &s->procs.v[s->fdrefs.v[f].proc], pattern))
			return true;
	}
	return (sk->flags & SK_SOCK_ORPHAN) && sk->likely_owner < s->procs.n &&
	       sk_proc_service_matches(s, &s->procs.v[sk->likely_owner], pattern);
}

static const char *str(const struct sk_snapshot *s, uint32_t off)
{
	return sk_strtab_get(&s->strs, off);
}

bool sk_service_subject(const struct sk_snapshot *s, const struct sk_service *sv, int32_t pid,
			char *buf, size_t size)
{
	if (!sv)
		return false;
	if (sv->kind == SK_SERVICE_K8S && sv->pod && sv->container)
		snprintf(buf, size, "pod %s%s%s (container %s, pid %d)", str(s, sv->ns),
			 sv->ns ? "/" : "", str(s, sv->pod), str(s, sv->container), (int)pid);
	else if (sv->kind == SK_SERVICE_K8S && sv->pod)
		snprintf(buf, size, "pod %s%s%s (pid %d)", str(s, sv->ns), sv->ns ? "/" : "",
			 str(s, sv->pod), (int)pid);
	else if ((sv->kind == SK_SERVICE_K8S || sv->kind == SK_SERVICE_DOCKER ||
		  sv->kind == SK_SERVICE_PODMAN) && sv->name)
		snprintf(buf, size, "container %s (pid %d)", str(s, sv->name), (int)pid);
	else if (sv->unit)
		snprintf(buf, size, "unit %s (pid %d)", str(s, sv->unit), (int)pid);
	else
		return false;
	return true;
}

bool sk_service_group(const struct sk_snapshot *s, const struct sk_service *sv, char *buf,
		      size_t size)
{
	if (!sv)
		return false;
	if (sv->kind == SK_SERVICE_K8S && sv->pod)
		snprintf(buf, size, "%s%s%s", str(s, sv->ns), sv->ns ? "/" : "", str(s, sv->pod));
	else if (sv->container)
		snprintf(buf, size, "%s", str(s, sv->container));
	else if (sv->unit)
		snprintf(buf, size, "%s", str(s, sv->unit));
	else if (sv->kind != SK_SERVICE_CGROUP && sv->name)
		snprintf(buf, size, "%s", str(s, sv->name));
	else
		return false;
	return true;
}

void sk_service_selection_free(struct sk_service_selection *sel)
{
	free(sel->procs);
	free(sel->socks);
	sel->procs = sel->socks = NULL;
}

static void mark_holders(struct sk_service_selection *sel, const struct sk_snapshot *s, size_t k)
{
	const struct sk_socket *sk = &s->socks.v[k];

	for (uint32_t j = 0; j < sk->owners_count && s->owner_index.n; j++)
		sel->procs[s->fdrefs.v[s->owner_index.v[sk->owners_start + j]].proc] |= SK_SEL_HOLDER;
	if (sk->likely_owner < s->procs.n)
		sel->procs[sk->likely_owner] |= SK_SEL_HOLDER;
}

int sk_service_select(struct sk_service_selection *sel, const struct sk_snapshot *s,
		      const char *pattern)
{
	sel->procs = calloc(s->procs.n + 1, 1);
	sel->socks = calloc(s->socks.n + 1, 1);
	if (!sel->procs || !sel->socks) {
		sk_service_selection_free(sel);
		return -ENOMEM;
	}
	sel->nprocs = s->procs.n;
	sel->nsocks = s->socks.n;
	for (size_t i = 0; i < s->procs.n; i++)
		if (sk_proc_service_matches(s, &s->procs.v[i], pattern))
			sel->procs[i] = SK_SEL_MATCH;
	for (size_t k = 0; k < s->socks.n; k++)
		if (sk_sock_service_matches(s, k, pattern)) {
			sel->socks[k] = 1;
			mark_holders(sel, s, k);
		}
	return 0;
}

bool sk_service_selection_keeps(const struct sk_service_selection *sel, uint32_t proc,
				const uint32_t *socks, size_t n)
{
	if (proc < sel->nprocs && (sel->procs[proc] & SK_SEL_MATCH))
		return true;
	for (size_t i = 0; i < n; i++)
		if (socks[i] < sel->nsocks && sel->socks[socks[i]])
			return true;
	return false;
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
