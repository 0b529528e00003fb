/* Socket rows grouped by peer address or local port: the groups, their
 * sums and owners, and their order (vrows.h). */
#include <config.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "columns.h"
#include "util/hash.h"
#include "view.h"
#include "vrows.h"
#include "vsort.h"

struct group_key {
	const struct sk_view *v;
	const struct sk_gkey *g;
};

static uint64_t group_hash(const struct sk_gkey *g)
{
	uint64_t a, b;

	memcpy(&a, g->addr, 8);
	memcpy(&b, g->addr + 8, 8);
	uint64_t small = (uint64_t)g->dstate << 32 | (uint64_t)g->family << 16 | g->port;

	return sk_mix64(a ^ sk_mix64(b ^ small));
}

static uint64_t group_rehash(const void *ctx, uint32_t i)
{
	const struct sk_view *v = ctx;

	return group_hash(&v->groups.v[i].key);
}

static inline bool group_is(const void *ctx, uint32_t i)
{
	const struct group_key *k = ctx;

	return sk_gkey_eq(&k->v->groups.v[i].key, k->g);
}

/* The slot of key g in v->gtab: its group, or where it would go. */
static size_t group_slot(const struct sk_view *v, const struct sk_gkey *g)
{
	struct group_key k = {v, g};

	return sk_itab_find(&v->gtab, group_hash(g), group_is, &k);
}

/* The index of key's group, added empty when new; SK_NONE: no memory. */
static uint32_t group_of(struct sk_view *v, const struct sk_gkey *key)
{
	size_t i = group_slot(v, key);

	if (v->gtab.slot[i])
		return v->gtab.slot[i] - 1;
	if (sk_itab_full(&v->gtab, v->groups.n)) {
		if (sk_itab_resize(&v->gtab, 2 * v->gtab.cap, v->groups.n, group_rehash, v))
			return SK_NONE;
		i = group_slot(v, key);
	}
	struct sk_vgroup *g = SK_VEC_PUSH(&v->groups);

	if (!g)
		return SK_NONE;
	g->key = *key;
	g->proc = SK_NONE;
	v->gtab.slot[i] = (uint32_t)v->groups.n;
	return (uint32_t)(v->groups.n - 1);
}

/* Groups of the member rows, their counts and sums made in one pass in
 * table order, their owners (how many, the lowest) from the members
 * sorted by group, then by process. Members are sorted like sockets, by
 * radix on a byte-string key: dstate, family, port, the address (4 bytes
 * for IPv4: sk_gkey_of zeroes the rest), the process; members equal on all of
 * it stay in table order. qsort with a comparator that fetched both
 * sockets took 0.8-1.2 s for a million members, and the sweep after it
 * another random read of each socket. */
static int make_groups(struct sk_view *v, const struct sk_snapshot *s, unsigned mode)
{
	size_t n = v->socks.n;
	struct sk_rsort rs;
	uint32_t *gid, last_gid = SK_NONE, last_proc = SK_NONE;

	_Static_assert(1 + 1 + 2 + 16 + 4 <= 8 * SKEY_PRE, "a member's key is in the first words");
	v->groups.n = 0;
	if (sk_vsort_scratch(v, n, &rs, &gid) || sk_itab_resize(&v->gtab, 64, 0, group_rehash, v))
		return -ENOMEM;
	rs.nwords = SKEY_PRE;
	for (size_t i = 0; i < n; i++) {
		const struct sk_vsock *r = &v->socks.v[i];
		const struct sk_socket *k = &s->socks.v[r->sock];
		struct sk_gkey key = sk_gkey_of(k, mode, r->dstate);
		struct sk_kw kw = {.len = 0};

		sk_kw_put(&kw, key.dstate, 1);
		sk_kw_put(&kw, key.family, 1);
		sk_kw_put(&kw, key.port, 2);
		if (key.family == AF_INET) {
			sk_kw_put(&kw, sk_load_be(key.addr, 4), 4);
		} else if (key.family == AF_INET6) {
			sk_kw_put(&kw, sk_load_be(key.addr, 8), 8);
			sk_kw_put(&kw, sk_load_be(key.addr + 8, 8), 8);
		}
		sk_kw_put(&kw, r->proc, 4);
		rs.key[i] = sk_kw_word(&kw, 0);
		for (unsigned w = 1; w < SKEY_PRE; w++)
			rs.pre[w][i] = sk_kw_word(&kw, w);
		rs.idx[i] = (uint32_t)i;

		if ((gid[i] = group_of(v, &key)) == SK_NONE)
			return -ENOMEM;
		struct sk_vgroup *g = &v->groups.v[gid[i]];

		g->count++;
		if (k->state != SK_TCP_LISTEN) {
			g->recv_q += k->recv_q;
			g->send_q += k->send_q;
		}
		g->rmem += sk_socket_rmem(k);
		g->wmem += sk_socket_wmem(k);
		if (sk_vsock_timer(k) > g->timer_max_ms)
			g->timer_max_ms = sk_vsock_timer(k);
	}
	sk_vsort_run(&rs, 0, n, 0);
	/* Members come sorted by process within a group, so owner changes
	 * count distinct owners, and the first is the lowest. */
	for (size_t i = 0; i < n; i++) {
		uint32_t at = rs.idx[i], proc = v->socks.v[at].proc;
		struct sk_vgroup *g = &v->groups.v[gid[at]];

		if (gid[at] != last_gid) {
			last_gid = gid[at];
			last_proc = SK_NONE;
		}
		if (proc != SK_NONE && proc != last_proc) {
			if (g->proc == SK_NONE)
				g->proc = proc;
			g->nprocs++;
			last_proc = proc;
		}
	}
	sk_vsort_gather(v, &rs, n);
	return 0;
}

static int cmp_group(const void *pa, const void *pb, void *arg)
{
	const struct scmp_ctx *c = arg;
	const struct sk_vgroup *a = pa, *b = pb;
	int r = 0;

	switch (c->col) {
	case SK_GCOL_COUNT: r = sk_cmp_u64(a->count, b->count); break;
	case SK_GCOL_STATE:
		r = sk_dstate_badness(a->key.dstate) - sk_dstate_badness(b->key.dstate);
		break;
	case SK_GCOL_ADDR: r = sk_gkey_cmp(&a->key, &b->key); break;
	case SK_GCOL_PROCS: r = sk_cmp_u64(a->nprocs, b->nprocs); break;
	case SK_GCOL_RECVQ: r = sk_cmp_u64(a->recv_q, b->recv_q); break;
	case SK_GCOL_SENDQ: r = sk_cmp_u64(a->send_q, b->send_q); break;
	case SK_GCOL_RMEM: r = sk_cmp_u64(a->rmem, b->rmem); break;
	case SK_GCOL_WMEM: r = sk_cmp_u64(a->wmem, b->wmem); break;
	case SK_GCOL_TIMER: r = sk_cmp_u64(a->timer_max_ms, b->timer_max_ms); break;
	default: break;
	}
	if (c->descending)
		r = -r;
	if (r == 0) {
		/* Ties: the bigger pile first, then by address, always total. */
		r = -sk_cmp_u64(a->count, b->count);
		if (r == 0)
			r = sk_gkey_cmp(&a->key, &b->key);
	}
	return r;
}

static struct sk_vkey group_key(const struct sk_snapshot *s, const void *row)
{
	(void)s;
	return sk_vkey_group(&((const struct sk_vgroup *)row)->key);
}

int sk_vpane_groups(struct sk_view *v, const struct sk_snapshot *s, unsigned mode)
{
	int rc = make_groups(v, s, mode);

	if (rc)
		return rc;
	struct scmp_ctx c = {s, v, v->gsort.col,
			     sk_col_descending(sk_gcols, v->gsort.col, v->gsort.invert)};

	sk_qsort_r(v->groups.v, v->groups.n, sizeof(struct sk_vgroup), cmp_group, &c);
	v->grouped = true;
	return sk_vrows_identify(v, s, v->groups.v, v->groups.n, sizeof(struct sk_vgroup),
				 group_key);
}
