/* The set of sockets to destroy (killset.h). */
#include <config.h>

#include "act/killset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sk_killset_init(struct sk_killset *ks)
{
	memset(ks, 0, sizeof(*ks));
}

void sk_killset_free(struct sk_killset *ks)
{
	free(ks->rows.v);
	free(ks->owners.v);
	free(ks->scratch.v);
	free(ks->row_owner.v);
	sk_killset_init(ks);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static int cmp_owner(const void *a, const void *b)
{
	const struct sk_killset_owner *x = a, *y = b;

	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* The process a row is shown with: its first holder, else its likely owner. */
static uint32_t owner_of(const struct sk_snapshot *s, const struct sk_socket *k)
{
	uint32_t best = SK_NONE;

	for (uint32_t i = 0; i < k->owners_count; i++) {
		uint32_t oi = k->owners_start + i, f;

		if (oi < s->owner_index.n && (f = s->owner_index.v[oi]) < s->fdrefs.n &&
		    s->fdrefs.v[f].proc < best)
			best = s->fdrefs.v[f].proc;
	}
	if (best == SK_NONE && k->likely_owner < s->procs.n)
		best = k->likely_owner;
	return best < s->procs.n ? best : SK_NONE;
}

/* Owners counted from the sorted process index of every row. */
static int count_owners(struct sk_killset *ks, const struct sk_snapshot *s)
{
	size_t n = ks->row_owner.n;
	uint32_t *p;

	if (sk_vec_reserve((void **)&ks->scratch.v, &ks->scratch.cap, n, sizeof(uint32_t)))
		return -ENOMEM;
	p = ks->scratch.v;
	if (n)
		memcpy(p, ks->row_owner.v, n * sizeof(*p));
	sk_qsort(p, n, sizeof(*p), cmp_u32);
	for (size_t i = 0; i < n;) {
		size_t j = i;

		while (j < n && p[j] == p[i])
			j++;
		if (p[i] == SK_NONE) {
			ks->unowned += (uint32_t)(j - i);
		} else {
			struct sk_killset_owner *o = SK_VEC_PUSH(&ks->owners);

			if (!o)
				return -ENOMEM;
			o->proc = p[i];
			o->pid = s->procs.v[p[i]].pid;
			snprintf(o->comm, sizeof(o->comm), "%s", s->procs.v[p[i]].comm);
			o->count = (uint32_t)(j - i);
		}
		i = j;
	}
	sk_qsort(ks->owners.v, ks->owners.n, sizeof(*ks->owners.v), cmp_owner);
	return 0;
}

int sk_killset_build(struct sk_killset *ks, const struct sk_snapshot *s, uint32_t *idx,
		     size_t n)
{
	size_t out = 0;

	ks->rows.n = ks->owners.n = ks->row_owner.n = 0;
	memset(ks->by_state, 0, sizeof(ks->by_state));
	ks->unowned = ks->skipped = 0;
	sk_qsort(idx, n, sizeof(*idx), cmp_u32);
	for (size_t i = 0; i < n; i++)
		if (idx[i] < s->socks.n && (out == 0 || idx[out - 1] != idx[i]))
			idx[out++] = idx[i];
	for (size_t i = 0; i < out; i++) {
		const struct sk_socket *k = &s->socks.v[idx[i]];
		struct sk_socket *row;
		uint32_t *own;

		if ((k->flags & SK_SOCK_UNDUMPED) || k->proto == SK_PROTO_UNIX) {
			ks->skipped++;
			continue;
		}
		row = SK_VEC_PUSH(&ks->rows);
		own = SK_VEC_PUSH(&ks->row_owner);
		if (!row || !own)
			return -ENOMEM;
		*row = *k;
		*own = owner_of(s, k);
		ks->by_state[sk_dstate_of(k)]++;
	}
	return count_owners(ks, s);
}

void sk_killset_states(const struct sk_killset *ks, char *buf, size_t size)
{
	size_t len = 0;

	if (size)
		buf[0] = '\0';
	for (unsigned ds = 0; ds < SK_DS_LAST && len < size; ds++) {
		if (!ks->by_state[ds])
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s %u", len ? ", " : "",
					sk_dstate_name(ds), ks->by_state[ds]);
	}
}

void sk_killset_owners(const struct sk_killset *ks, size_t max, char *buf, size_t size)
{
	size_t len = 0, named = ks->owners.n < max ? ks->owners.n : max;

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < named && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len, "%s%s[%d] %u", i ? ", " : "",
					ks->owners.v[i].comm, (int)ks->owners.v[i].pid,
					ks->owners.v[i].count);
	if (ks->owners.n > named && len < size)
		len += (size_t)snprintf(buf + len, size - len, " and %zu more", ks->owners.n - named);
	if (ks->unowned && len < size)
		snprintf(buf + len, size - len, "%s%u without a process", len ? ", " : "",
			 ks->unowned);
}
