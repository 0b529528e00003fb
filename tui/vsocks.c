/* The socket lists: of a process, of a state, of an orphan group, or all
 * of them, filtered and sorted by the radix sort (vsort.h) or grouped
 * (vgroups.c). */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "view.h"
#include "vrows.h"
#include "vsort.h"

uint32_t sk_vsocks_owner(const struct sk_snapshot *s, const struct sk_socket *k, int32_t *fd)
{
	uint32_t best = SK_NONE;

	*fd = -1;
	for (uint32_t i = 0; i < k->owners_count; i++) {
		uint32_t oi = k->owners_start + i;

		if (oi >= s->owner_index.n)
			break;
		const struct sk_fdref *ref = &s->fdrefs.v[s->owner_index.v[oi]];

		if (best == SK_NONE || ref->proc < best || (ref->proc == best && ref->fd < *fd)) {
			best = ref->proc;
			*fd = ref->fd;
		}
	}
	return best;
}

int sk_vsocks_push(struct sk_view *v, uint32_t sock, uint32_t proc, int32_t fd, uint32_t nfds,
		      bool likely, unsigned dstate)
{
	struct sk_vsock *r = SK_VEC_PUSH(&v->socks);

	if (!r)
		return -ENOMEM;
	r->sock = sock;
	r->proc = proc;
	r->fd = fd;
	r->nfds = (uint16_t)(nfds > UINT16_MAX ? UINT16_MAX : nfds);
	r->likely = likely;
	r->dstate = (uint8_t)dstate;
	return 0;
}

static int cmp_fdref_by_sock(const void *pa, const void *pb, void *ctx)
{
	const struct sk_fdref *refs = ctx;
	const struct sk_fdref *a = &refs[*(const uint32_t *)pa], *b = &refs[*(const uint32_t *)pb];

	if (a->sock != b->sock)
		return a->sock < b->sock ? -1 : 1;
	return a->fd < b->fd ? -1 : a->fd > b->fd;
}

/* Sockets of one process: one row per socket (dup'ed fds fold into the
 * lowest fd), plus the fd-less sockets it is the likely owner of. */
static int collect_proc_socks(struct sk_view *v, const struct sk_snapshot *s, uint32_t pi)
{
	const struct sk_process *p = &s->procs.v[pi];
	uint32_t end = p->fdrefs_start + p->fdrefs_count;

	if (end > s->fdrefs.n)
		end = (uint32_t)s->fdrefs.n;
	v->scratch.n = 0;
	for (uint32_t f = p->fdrefs_start; f < end; f++) {
		if (s->fdrefs.v[f].sock == SK_NONE || s->fdrefs.v[f].sock >= s->socks.n)
			continue;
		uint32_t *slot = SK_VEC_PUSH(&v->scratch);

		if (!slot)
			return -ENOMEM;
		*slot = f;
	}
	sk_qsort_r(v->scratch.v, v->scratch.n, sizeof(uint32_t), cmp_fdref_by_sock, s->fdrefs.v);
	for (size_t i = 0; i < v->scratch.n;) {
		const struct sk_fdref *ref = &s->fdrefs.v[v->scratch.v[i]];
		size_t j = i + 1;

		while (j < v->scratch.n && s->fdrefs.v[v->scratch.v[j]].sock == ref->sock)
			j++;
		int rc = sk_vsocks_push(v, ref->sock, pi, ref->fd, (uint32_t)(j - i), false,
				    sk_dstate_of(&s->socks.v[ref->sock]));

		if (rc)
			return rc;
		i = j;
	}
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->owners_count == 0 && k->likely_owner == pi) {
			int rc = sk_vsocks_push(v, (uint32_t)i, pi, -1, 0, true, sk_dstate_of(k));

			if (rc)
				return rc;
		}
	}
	return 0;
}

/* Each socket's first owner, as sk_vsocks_owner finds it: the lowest
 * process index, then the lowest fd, packed as proc << 32 | fd (biased) so
 * that the smallest value wins; UINT64_MAX when no fd holds it. One pass
 * over the fd table: looking each socket up through owner_index is a read
 * at a random place in it, which took 25-50 ms of building the
 * million-row list, this 3-9 ms (bench/viewsort). */
void sk_vsocks_owners(const struct sk_snapshot *s, uint64_t *own)
{
	if (s->socks.n == 0)
		return; /* own may be NULL then */
	memset(own, 0xff, s->socks.n * sizeof(*own));
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		const struct sk_fdref *ref = &s->fdrefs.v[f];
		uint64_t o = (uint64_t)ref->proc << 32 | ((uint32_t)ref->fd ^ 0x80000000u);

		if (ref->sock < s->socks.n && o < own[ref->sock])
			own[ref->sock] = o;
	}
}

/* Rows of every socket (of a state, of an orphan group). With a sort job
 * begun, each row gets its key as it is made (see sk_vpane_socks). */
static int collect_all_socks(struct sk_view *v, const struct sk_snapshot *s,
			     const struct sk_level *l, struct sk_sortjob *j)
{
	uint64_t *own = j ? sk_vsort_spare(j) : NULL;

	if (!own) {
		if (sk_vec_reserve((void **)&v->sortkeys.v, &v->sortkeys.cap, (s->socks.n + 1) / 2,
				   sizeof(struct sk_vkey)))
			return -ENOMEM;
		own = (uint64_t *)(void *)v->sortkeys.v;
	}
	sk_vsocks_owners(s, own);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		unsigned ds = sk_dstate_of(k);
		int32_t fd = -1;
		uint32_t proc = SK_NONE;
		bool likely = false;

		if (l->scope == SK_SCOPE_STATE) {
			if (l->state == SK_DS_ORPHANS ? !(k->flags & SK_SOCK_ORPHAN) : ds != l->state)
				continue;
		} else if (l->scope == SK_SCOPE_ORPHANS) {
			if (!(k->flags & SK_SOCK_ORPHAN))
				continue;
			struct sk_okey o = sk_okey_of(s, k);

			if (!sk_okey_eq(&o, &l->okey))
				continue;
		}
		if (own[i] != UINT64_MAX) {
			proc = (uint32_t)(own[i] >> 32);
			fd = (int32_t)((int64_t)(uint32_t)own[i] - 0x80000000LL);
		} else if (k->likely_owner < s->procs.n) {
			proc = k->likely_owner;
			likely = true;
		}
		if (!sk_vfilter_sock_allowed(v, s, i, proc))
			continue;
		int rc = sk_vsocks_push(v, (uint32_t)i, proc, fd, k->owners_count, likely, ds);

		if (rc)
			return rc;
		if (j)
			sk_vsort_key_row(v, j, v->socks.n - 1);
	}
	return 0;
}

/* Trades two vectors of one element type (SK_VEC's are distinct types). */
#define VEC_TRADE(a, b)                          \
	do {                                     \
		void *tv_ = (a).v;               \
		size_t tn_ = (a).n, tc_ = (a).cap; \
		(a).v = (b).v;                   \
		(a).n = (b).n;                   \
		(a).cap = (b).cap;               \
		(b).v = tv_;                     \
		(b).n = tn_;                     \
		(b).cap = tc_;                   \
	} while (0)

static void trade_lists(struct sk_view *v)
{
	VEC_TRADE(v->socks, v->sockcache.socks);
	VEC_TRADE(v->keys, v->sockcache.keys);
}

void sk_vsockcache_reclaim(struct sk_view *v)
{
	if (v->sockcache.lent) {
		trade_lists(v);
		v->sockcache.lent = false;
	}
}

void sk_vsockcache_free(struct sk_view *v)
{
	sk_vsockcache_reclaim(v);
	free(v->sockcache.socks.v);
	free(v->sockcache.keys.v);
	memset(&v->sockcache, 0, sizeof(v->sockcache));
}

/* The list of every socket from the cache when it was built on this
 * snapshot in this order (see struct sk_vsockcache); false when it must
 * be built. The buffers of a stale list (or of one handed over by
 * sk_view_take_socks) are then the new list's, so that the view never
 * holds two lists of a million rows, nor faults in fresh ones. */
static bool cache_lend(struct sk_view *v, const struct sk_snapshot *s, int col, bool descending)
{
	struct sk_vsockcache *c = &v->sockcache;

	if (c->gen && c->gen == v->snap_gen && c->s == s && c->col == col &&
	    c->descending == descending) {
		trade_lists(v);
		c->lent = true;
		return true;
	}
	if (c->socks.v || c->keys.v) {
		trade_lists(v);
		free(c->socks.v);
		free(c->keys.v);
	}
	memset(c, 0, sizeof(*c));
	return false;
}

bool sk_view_take_socks(struct sk_view *v, struct sk_view *from, const struct sk_snapshot *s)
{
	struct sk_vsockcache *c = &v->sockcache, *f = &from->sockcache;

	sk_vsockcache_reclaim(v);
	sk_vsockcache_reclaim(from);
	if (!s || !v->snap_gen || !f->gen || f->gen != from->snap_gen || f->s != s)
		return false;
	VEC_TRADE(c->socks, f->socks);
	VEC_TRADE(c->keys, f->keys);
	c->gen = v->snap_gen;
	c->s = s;
	c->col = f->col;
	c->descending = f->descending;
	/* v's old list: buffers for from's next build, never a list. */
	f->gen = 0;
	/* from sorts for v now: v's own sort scratch (44 bytes a row, 44 MB
	 * at a million) would sit unused until v sorts a list itself. */
	free(v->sortkeys.v);
	free(v->sortrows.v);
	free(v->sortidx.v);
	memset(&v->sortkeys, 0, sizeof(v->sortkeys));
	memset(&v->sortrows, 0, sizeof(v->sortrows));
	memset(&v->sortidx, 0, sizeof(v->sortidx));
	return true;
}

/* The list just built is the cache's, lent to the view. */
static void cache_keep(struct sk_view *v, const struct sk_snapshot *s, int col, bool descending)
{
	struct sk_vsockcache *c = &v->sockcache;

	if (!v->snap_gen)
		return;
	c->gen = v->snap_gen;
	c->s = s;
	c->col = col;
	c->descending = descending;
	c->lent = true;
}

int sk_vpane_socks(struct sk_view *v, const struct sk_snapshot *s, struct sk_level *l)
{
	const struct sk_sortstate *ss = &v->sort[SK_VK_SOCKS];
	bool grouping = l->group != SK_GROUP_NONE && !l->in_group;
	/* The list of every socket, unfiltered, keys each row as it makes
	 * it: one pass over the sockets instead of two (see sk_vsort_begin). */
	bool keying = l->scope == SK_SCOPE_ALL && !grouping && !l->in_group && !v->filter[0];
	bool descending = sk_col_descending(sk_scols, ss->col, ss->invert);
	struct sk_sortjob job;
	int rc = 0;

	v->groups.n = 0;
	v->grouped = false;
	if (keying && cache_lend(v, s, ss->col, descending)) {
		v->keys.n = v->nrows = v->socks.n;
		return 0;
	}
	v->socks.n = 0;
	if (keying) {
		/* Room for every row up front: the job points at them. */
		if (sk_vec_reserve((void **)&v->socks.v, &v->socks.cap, s->socks.n,
				   sizeof(struct sk_vsock)))
			return -ENOMEM;
		rc = sk_vsort_begin(v, s, s->socks.n, ss->col, descending, &job);
		if (rc)
			return rc;
	}
	if (l->scope == SK_SCOPE_PROC) {
		uint32_t pi = sk_view_level_proc(l, s);

		if (pi == SK_NONE) {
			v->stale = true;
		} else {
			rc = collect_proc_socks(v, s, pi);
		}
	} else if (l->scope == SK_SCOPE_FINDING) {
		rc = sk_vpane_finding_socks(v, s, l);
	} else {
		rc = collect_all_socks(v, s, l, keying ? &job : NULL);
	}
	if (rc)
		return rc;
	/* Filter (and the group a level drilled into) in place. */
	size_t out = 0;

	for (size_t i = 0; i < v->socks.n && !keying; i++) {
		const struct sk_vsock *r = &v->socks.v[i];

		if (l->in_group) {
			struct sk_gkey g = sk_gkey_of(&s->socks.v[r->sock], l->gkey.mode, r->dstate);

			if (!sk_gkey_eq(&g, &l->gkey))
				continue;
		}
		if (!sk_vfilter_vsock(v, s, r)) {
			v->hidden++;
			continue;
		}
		v->socks.v[out++] = *r;
	}
	if (!keying)
		v->socks.n = out;

	if (grouping)
		return sk_vpane_groups(v, s, l->group);
	if (!keying) {
		rc = sk_vsort_begin(v, s, v->socks.n, ss->col, descending, &job);
		if (rc)
			return rc;
		job.keyed = false;
	}
	sk_vsort_end(v, &job, v->socks.n);
	v->keys.n = v->nrows = v->socks.n;
	if (keying)
		cache_keep(v, s, ss->col, descending);
	return 0;
}
