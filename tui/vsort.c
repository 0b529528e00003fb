/* The socket rows' sort engine (vsort.h). */
#include <config.h>

#include "vsort.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/hash.h"
#include "view.h"
#include "vlife.h"
#include "vrows.h"

/* The local addresses of the rows, each with its rank in (family, address)
 * order. Local addresses are few (the machine's own and its containers',
 * wildcards, loopback), so in a key a two-byte rank stands in for the
 * address instead of 4 or 16 bytes, which keeps most keys apart within the
 * first words. Kept across builds: a build that meets an address the table
 * lacks adds it, ranks the table again and writes its keys again. */
#define LOCAL_MAX 65535
struct vlocal {
	uint8_t family;
	uint16_t rank;
	uint8_t addr[16];
};
struct sk_vlocals {
	SK_VEC(struct vlocal) ent; /* in the order they were met */
	struct sk_itab tab;        /* entries by (family, address) */
	bool dirty;                /* addresses added since the ranks were given */
	bool too_many;             /* more than LOCAL_MAX at once: no ranks from then on */
	SK_VEC(uint32_t) by;       /* ranking scratch */
};

struct local_key {
	const struct sk_vlocals *t;
	uint8_t family;
	const uint8_t *addr;
};

static inline uint64_t local_hash(uint8_t family, const uint8_t *addr)
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	return sk_mix64(a ^ sk_mix64(b ^ family));
}

static inline bool local_is(const void *ctx, uint32_t i)
{
	const struct local_key *k = ctx;
	const struct vlocal *e = &k->t->ent.v[i];

	return e->family == k->family && memcmp(e->addr, k->addr, 16) == 0;
}

static uint64_t local_rehash(const void *ctx, uint32_t i)
{
	const struct sk_vlocals *t = ctx;

	return local_hash(t->ent.v[i].family, t->ent.v[i].addr);
}

/* The slot of an address in t->tab: its entry, or where it would go. */
static inline size_t local_slot(const struct sk_vlocals *t, uint8_t family, const uint8_t *addr)
{
	struct local_key k = {t, family, addr};

	return sk_itab_find(&t->tab, local_hash(family, addr), local_is, &k);
}

static int cmp_vlocal(const void *pa, const void *pb, void *ctx)
{
	const struct vlocal *ent = ctx;
	const struct vlocal *a = &ent[*(const uint32_t *)pa], *b = &ent[*(const uint32_t *)pb];

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static void locals_rank(struct sk_vlocals *t)
{
	size_t n = t->ent.n;

	for (size_t i = 0; i < n; i++)
		t->by.v[i] = (uint32_t)i;
	sk_qsort_r(t->by.v, n, sizeof(t->by.v[0]), cmp_vlocal, t->ent.v);
	for (size_t i = 0; i < n; i++)
		t->ent.v[t->by.v[i]].rank = (uint16_t)i;
	t->dirty = false;
}

void sk_vlocals_free(struct sk_vlocals *t)
{
	if (t) {
		free(t->ent.v);
		free(t->by.v);
		sk_itab_free(&t->tab);
		free(t);
	}
}

/* Empties the table, at its smallest size. false: out of memory. */
static bool locals_reset(struct sk_vlocals *t)
{
	if (sk_itab_resize(&t->tab, 64, 0, local_rehash, t))
		return false;
	t->ent.n = 0;
	t->dirty = false;
	return true;
}

/* Adds k's local address; false when there are too many or no memory. */
static bool locals_add(struct sk_vlocals *t, const struct sk_socket *k)
{
	size_t i = local_slot(t, k->family, k->local.addr);

	if (t->tab.slot[i])
		return true;
	if (t->ent.n >= LOCAL_MAX ||
	    sk_vec_reserve((void **)&t->by.v, &t->by.cap, t->ent.n + 1, sizeof(uint32_t)))
		return false;
	if (sk_itab_full(&t->tab, t->ent.n)) {
		if (sk_itab_resize(&t->tab, 2 * t->tab.cap, t->ent.n, local_rehash, t))
			return false;
		i = local_slot(t, k->family, k->local.addr);
	}
	struct vlocal *e = SK_VEC_PUSH(&t->ent);

	if (!e)
		return false;
	e->family = k->family;
	memcpy(e->addr, k->local.addr, 16);
	t->tab.slot[i] = (uint32_t)t->ent.n;
	t->dirty = true;
	return true;
}

static inline bool addr_tail_zero(const struct sk_endpoint *ep)
{
	static const uint8_t zero[12];

	return memcmp(ep->addr + 4, zero, sizeof(zero)) == 0;
}

/* An endpoint as the key orders it: family (where asked), address, port;
 * every byte complemented when `flip`. */
static inline void put_endpoint(const struct sk_skey_ctx *c, struct sk_kw *kw, const struct sk_socket *k,
				bool peer, bool family, bool flip)
{
	const struct sk_endpoint *ep = peer ? &k->peer : &k->local;
	uint64_t f = flip ? ~(uint64_t)0 : 0;

	if (family)
		sk_kw_put(kw, k->family ^ f, 1);
	if (!peer && c->locals) {
		uint32_t e = c->locals->tab.slot[local_slot(c->locals, k->family, ep->addr)];

		if (!e)
			*c->missing = true;
		sk_kw_put(kw, (e ? c->locals->ent.v[e - 1].rank : 0) ^ f, 2);
	} else if (k->family == AF_INET && c->compact4) {
		sk_kw_put(kw, sk_load_be(ep->addr, 4) ^ f, 4);
	} else {
		sk_kw_put(kw, sk_load_be(ep->addr, 8) ^ f, 8);
		sk_kw_put(kw, sk_load_be(ep->addr + 8, 8) ^ f, 8);
	}
	sk_kw_put(kw, ep->port ^ f, 2);
}

/* The bytes a column takes in a key as a number: 0 for the endpoint
 * columns (and an unknown one). */
static inline int column_bytes(int col)
{
	switch (col) {
	case SK_SCOL_PROTO:
	case SK_SCOL_STATE: return 1;
	case SK_SCOL_INODE:
	case SK_SCOL_AGE: return 8;
	case SK_SCOL_LOCAL:
	case SK_SCOL_PEER: return 0;
	default: return col >= 0 && col < SK_SCOL_LAST ? 4 : 0;
	}
}

/* The sort column of a row as an unsigned number that orders like it. */
static inline uint64_t column_value(const struct sk_skey_ctx *c, const struct sk_vsock *r,
			     const struct sk_socket *k)
{
	switch (c->col) {
	case SK_SCOL_PROTO: return c->proto_rank[sk_proto_kind(k)];
	/* Badness comes from an int8_t table. */
	case SK_SCOL_STATE: return (uint8_t)(sk_dstate_badness(r->dstate) + 128);
	case SK_SCOL_FD: return (uint32_t)r->fd ^ 0x80000000u;
	case SK_SCOL_RECVQ: return k->recv_q;
	case SK_SCOL_SENDQ: return k->send_q;
	case SK_SCOL_RMEM: return sk_socket_rmem(k);
	case SK_SCOL_WMEM: return sk_socket_wmem(k);
	case SK_SCOL_TIMER: return sk_vsock_timer(k);
	case SK_SCOL_USER: return k->uid;
	case SK_SCOL_INODE: return k->inode;
	case SK_SCOL_AGE: {
		const struct sk_life *lf = sk_view_life(c->s, r->sock);

		/* Unknown last whichever the direction: a descending key is
		 * complemented. */
		if (!lf || lf->state_age_ms < 0)
			return c->descending ? 0 : UINT64_MAX;
		return (uint64_t)lf->state_age_ms;
	}
	case SK_SCOL_PID:
		return (uint32_t)(r->proc == SK_NONE ? 0 : c->s->procs.v[r->proc].pid) ^ 0x80000000u;
	/* No process (pid 0) before every process: pids are positive. */
	case SK_SCOL_COMMAND: return r->proc == SK_NONE ? 0 : c->cmd_rank[r->proc];
	default: return 0;
	}
}

/* The sort column's part of the key, complemented when descending;
 * nothing when it is sorted on separately (sk_skey_ctx.split). */
static inline void put_column(const struct sk_skey_ctx *c, struct sk_kw *kw, const struct sk_vsock *r,
			      const struct sk_socket *k)
{
	int bytes = column_bytes(c->col);

	if (c->split)
		return;
	if (bytes > 0)
		sk_kw_put(kw, c->descending ? ~column_value(c, r, k) : column_value(c, r, k),
		       (unsigned)bytes);
	else if (c->col == SK_SCOL_LOCAL)
		put_endpoint(c, kw, k, false, true, c->descending);
	else if (c->col == SK_SCOL_PEER && c->descending) /* ascending, it is the first tie-breaker */
		put_endpoint(c, kw, k, true, true, true);
}

/* Writes the key of row `pos`, stopping once `want` bytes are there. The
 * tie-breakers skip what the column already compared: after LOCAL the
 * peer's family, after PEER the peer, and the local family, known equal. */
static void sock_key(const struct sk_skey_ctx *c, uint32_t pos, struct sk_kw *kw, unsigned want)
{
	const struct sk_vsock *r = &c->rows[pos];
	const struct sk_socket *k = &c->s->socks.v[r->sock];

	kw->len = 0;
	put_column(c, kw, r, k);
	if (c->col == SK_SCOL_LOCAL) {
		put_endpoint(c, kw, k, true, false, false);
	} else {
		if (c->col != SK_SCOL_PEER || !c->descending)
			put_endpoint(c, kw, k, true, true, false);
		if (kw->len >= want)
			return;
		put_endpoint(c, kw, k, false, false, false);
	}
	if (kw->len >= want)
		return;
	sk_kw_put(kw, k->inode, 8);
	sk_kw_put(kw, k->cookie, 8);
	sk_kw_put(kw, r->sock, 4);
}

static inline uint64_t row_word(const struct sk_rsort *rs, uint32_t row, unsigned level)
{
	struct sk_kw kw;

	if (level > 0 && level < SKEY_PRE)
		return rs->pre[level][row];
	sock_key(rs->c, row, &kw, 8 * (level + 1));
	return sk_kw_word(&kw, level);
}

/* Stable LSD radix sort of key[0..n) with idx alongside, one byte at a
 * time, skipping the bytes every key has in common (most of them, in the
 * runs past the first word). */
static void radix_sort(uint64_t *key, uint32_t *idx, uint64_t *ktmp, uint32_t *itmp, size_t n)
{
	size_t count[8][256];
	uint64_t *ks = key, *kd = ktmp;
	uint32_t *is = idx, *id = itmp;
	uint64_t differ = 0;
	int digit[8], nd = 0;

	for (size_t i = 1; i < n; i++)
		differ |= key[i] ^ key[0];
	for (int d = 0; d < 8; d++)
		if ((differ >> (8 * d)) & 0xff)
			digit[nd++] = d;
	for (int e = 0; e < nd; e++)
		memset(count[digit[e]], 0, sizeof(count[0]));
	for (size_t i = 0; i < n; i++)
		for (int e = 0; e < nd; e++)
			count[digit[e]][(key[i] >> (8 * digit[e])) & 0xff]++;
	for (int e = 0; e < nd; e++) {
		int d = digit[e];
		size_t *cnt = count[d], sum = 0;

		for (int b = 0; b < 256; b++) {
			size_t c = cnt[b];

			cnt[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = cnt[(ks[i] >> (8 * d)) & 0xff]++;

			kd[to] = ks[i];
			id[to] = is[i];
		}
		uint64_t *kt = ks;
		uint32_t *it = is;

		ks = kd, kd = kt;
		is = id, id = it;
	}
	if (ks != key) {
		memcpy(key, ks, n * sizeof(*key));
		memcpy(idx, is, n * sizeof(*idx));
	}
}

/* Sorts positions [lo, hi), which agree on every word before `level`. */
void sk_vsort_run(struct sk_rsort *rs, size_t lo, size_t hi, unsigned level)
{
	size_t n = hi - lo;

	if (n < 2 || level >= rs->nwords)
		return;
	if (level > 0)
		for (size_t i = lo; i < hi; i++)
			rs->key[i] = row_word(rs, rs->idx[i], level);
	if (n <= SKEY_SMALL) {
		for (size_t i = lo + 1; i < hi; i++) {
			uint64_t k = rs->key[i];
			uint32_t x = rs->idx[i];
			size_t j = i;

			for (; j > lo && rs->key[j - 1] > k; j--) {
				rs->key[j] = rs->key[j - 1];
				rs->idx[j] = rs->idx[j - 1];
			}
			rs->key[j] = k;
			rs->idx[j] = x;
		}
	} else {
		radix_sort(rs->key + lo, rs->idx + lo, rs->key2 + lo, rs->idx2 + lo, n);
	}
	/* Runs of equal words: on to the next word. Each overwrites only its
	 * own key[] range, which this loop has already passed. */
	for (size_t a = lo, b; a < hi; a = b) {
		for (b = a + 1; b < hi && rs->key[b] == rs->key[a]; b++)
			;
		if (b - a > 1)
			sk_vsort_run(rs, a, b, level + 1);
	}
}

static int cmp_proc_comm(const void *pa, const void *pb, void *arg)
{
	const struct sk_process *procs = arg;
	const struct sk_process *a = &procs[*(const uint32_t *)pa], *b = &procs[*(const uint32_t *)pb];
	int r = strcmp(a->comm, b->comm);

	if (r)
		return r;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* COMMAND sorts by name, then pid: each process's rank in that order,
 * equal names and pids sharing one, from 1 (0 is "no process"). */
static int command_ranks(struct sk_view *v, const struct sk_snapshot *s)
{
	size_t n = s->procs.n;

	if (sk_vec_reserve((void **)&v->scratch.v, &v->scratch.cap, 2 * n, sizeof(uint32_t)))
		return -ENOMEM;
	uint32_t *order = v->scratch.v, *rank = v->scratch.v + n;

	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	sk_qsort_r(order, n, sizeof(uint32_t), cmp_proc_comm, s->procs.v);
	for (size_t i = 0, r = 0; i < n; i++) {
		if (i == 0 || cmp_proc_comm(&order[i - 1], &order[i], s->procs.v) != 0)
			r++;
		rank[order[i]] = (uint32_t)r;
	}
	return 0;
}

/* The sort's scratch for `cap` rows, kept across rebuilds (a fresh 40 MB
 * would be faulted in every time): per row two words (then the row's
 * identity), the early words (then the row), two row indices and a split
 * column. Rows and identities are gathered into sorted order there and the
 * buffers swapped, rather than copied back. */
int sk_vsort_scratch(struct sk_view *v, size_t cap, struct sk_rsort *rs, uint32_t **colv)
{
	_Static_assert(2 * sizeof(uint64_t) == sizeof(struct sk_vkey), "two words per identity");
	_Static_assert((SKEY_PRE - 1) * sizeof(uint64_t) == sizeof(struct sk_vsock),
		       "the early words per row");
	if (sk_vec_reserve((void **)&v->sortkeys.v, &v->sortkeys.cap, cap, sizeof(struct sk_vkey)) ||
	    sk_vec_reserve((void **)&v->sortrows.v, &v->sortrows.cap, cap, sizeof(struct sk_vsock)) ||
	    sk_vec_reserve((void **)&v->sortidx.v, &v->sortidx.cap, 3 * cap, sizeof(uint32_t)))
		return -ENOMEM;
	memset(rs, 0, sizeof(*rs));
	rs->key = (uint64_t *)(void *)v->sortkeys.v;
	rs->key2 = rs->key + cap;
	for (int w = 1; w < SKEY_PRE; w++)
		rs->pre[w] = (uint64_t *)(void *)v->sortrows.v + (size_t)(w - 1) * cap;
	rs->idx = v->sortidx.v;
	rs->idx2 = rs->idx + cap;
	*colv = rs->idx2 + cap;
	return 0;
}

/* n elements of `size` bytes into the order of idx: gathered into a spare
 * buffer that is done with, which then trades places with the live one. */
static inline void gather_swap(void **live, size_t *live_cap, void **spare, size_t *spare_cap,
			       const uint32_t *idx, size_t n, size_t size)
{
	char *to = *spare;
	const char *from = *live;
	void *t = *spare;
	size_t cap = *spare_cap;

	for (size_t i = 0; i < n; i++)
		memcpy(to + i * size, from + (size_t)idx[i] * size, size);
	*spare = *live;
	*spare_cap = *live_cap;
	*live = t;
	*live_cap = cap;
}

/* Rows into the order of rs->idx, over the early words. */
void sk_vsort_gather(struct sk_view *v, struct sk_rsort *rs, size_t n)
{
	if (n >= 2)
		gather_swap((void **)&v->socks.v, &v->socks.cap, (void **)&v->sortrows.v,
			    &v->sortrows.cap, rs->idx, n, sizeof(struct sk_vsock));
}

/* Room for `cap` rows (v->socks must not move until sk_vsort_end). */
int sk_vsort_begin(struct sk_view *v, const struct sk_snapshot *s, size_t cap, int col,
		      bool descending, struct sk_sortjob *j)
{
	memset(j, 0, sizeof(*j));
	j->c = (struct sk_skey_ctx){s, v->socks.v, col, descending, true, NULL, &j->missing, {0},
				 NULL, false};
	j->cap = cap;
	j->keyed = true;
	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, cap, sizeof(struct sk_vkey)))
		return -ENOMEM;
	if (sk_vsort_scratch(v, cap, &j->rs, &j->colv))
		return -ENOMEM;
	j->rs.c = &j->c;
	j->rs.nwords = SKEY_WORDS;

	for (int a = 0; a < SK_PK_LAST; a++)
		for (int b = 0; b < SK_PK_LAST; b++)
			j->c.proto_rank[a] += strcmp(sk_proto_kind_names[b], sk_proto_kind_names[a]) < 0;
	if (col == SK_SCOL_COMMAND) {
		if (command_ranks(v, s))
			return -ENOMEM;
		j->c.cmd_rank = v->scratch.v + s->procs.n;
	}
	/* A four-byte column is mostly ties (Recv-Q 0, a few pids): as the
	 * key's first bytes it would push the tie-breakers out of the first
	 * word. Such rows are sorted on the tie-breakers alone, then on the
	 * column by a stable radix sort, which keeps the tie-breakers' order
	 * among equal values: 15-20% faster at a million rows. */
	j->c.split = column_bytes(col) == 4;
	if (!v->locals) {
		v->locals = calloc(1, sizeof(*v->locals));
		if (v->locals && !locals_reset(v->locals)) {
			free(v->locals);
			v->locals = NULL;
		}
	}
	j->c.locals = v->locals && !v->locals->too_many ? v->locals : NULL;
	return 0;
}

/* The radix sort's scratch words, free until sk_vsort_end: collect_all_socks
 * finds first owners in them. */
uint64_t *sk_vsort_spare(struct sk_sortjob *j)
{
	return j->rs.key2;
}

/* Writes the first words, the identity and the split column of row pos.
 * false when every row must be keyed again: an IPv4 address with a
 * non-zero tail turned up (16-byte addresses from now on), or the local
 * address table had to be emptied. */
bool sk_vsort_key_row(struct sk_view *v, struct sk_sortjob *j, size_t pos)
{
	const struct sk_socket *k = &j->c.s->socks.v[v->socks.v[pos].sock];
	struct sk_kw kw;

	if (!j->keyed)
		return false;
	if (j->c.compact4 && k->family == AF_INET &&
	    !(addr_tail_zero(&k->peer) && addr_tail_zero(&k->local))) {
		j->c.compact4 = false;
		return j->keyed = false;
	}
	j->missing = false;
	sock_key(&j->c, (uint32_t)pos, &kw, 8 * SKEY_PRE);
	if (j->missing && !locals_add(v->locals, k)) {
		/* Full of what earlier builds saw: start afresh. If this
		 * build alone has too many, addresses as bytes from now on. */
		if (j->cleared || !locals_reset(v->locals)) {
			v->locals->too_many = true;
			j->c.locals = NULL;
		}
		j->cleared = true;
		return j->keyed = false;
	}
	j->rs.key[pos] = sk_kw_word(&kw, 0);
	for (unsigned w = 1; w < SKEY_PRE; w++)
		j->rs.pre[w][pos] = sk_kw_word(&kw, w);
	j->rs.idx[pos] = (uint32_t)pos;
	v->keys.v[pos] = sk_view_key_sock(k);
	if (j->c.split) {
		uint64_t x = column_value(&j->c, &v->socks.v[pos], k);

		j->colv[pos] = (uint32_t)(j->c.descending ? ~x : x);
	}
	return true;
}

/* Sorts the n rows, keying them first unless all are. */
void sk_vsort_end(struct sk_view *v, struct sk_sortjob *j, size_t n)
{
	struct sk_rsort *rs = &j->rs;

	/* Keys written before a local address was ranked are redone once
	 * the table is ranked again. */
	while (!j->keyed || (j->c.locals && j->c.locals->dirty)) {
		if (j->c.locals && j->c.locals->dirty)
			locals_rank(v->locals);
		j->keyed = true;
		for (size_t i = 0; i < n && sk_vsort_key_row(v, j, i); i++)
			;
	}
	if (n < 2)
		return;
	sk_vsort_run(rs, 0, n, 0);
	if (j->c.split) {
		for (size_t i = 0; i < n; i++)
			rs->key[i] = j->colv[rs->idx[i]];
		radix_sort(rs->key, rs->idx, rs->key2, rs->idx2, n);
	}
	/* Identities into sorted order over the words, now done with. */
	gather_swap((void **)&v->keys.v, &v->keys.cap, (void **)&v->sortkeys.v, &v->sortkeys.cap,
		    rs->idx, n, sizeof(struct sk_vkey));
	sk_vsort_gather(v, rs, n);
}
