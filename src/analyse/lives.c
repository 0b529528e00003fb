/* The store and the dump meet by cookie: the store is sorted, each TCP row
 * is one binary search. Strings go to the snapshot's strtab once per
 * process (holders) or once per distinct maker (a small cache), not once
 * per row: a million rows of one server name one process. */
#include <config.h>

#include "analyse/lives.h"

#include <errno.h>
#include <string.h>

#include "analyse/persist.h"
#include "util/escape.h"

#define COMM_CACHE 256 /* distinct makers remembered per refresh */

struct comm_slot {
	char raw[SK_LIFE_COMM_LEN];
	uint32_t off;
};

struct fill {
	struct sk_snapshot *s;
	const sk_lifevec *store;
	uint64_t now_ns;
	uint32_t *holder_comm; /* per process: strtab offset + 1, 0 not added yet */
	struct comm_slot cache[COMM_CACHE];
	int rc;
};

static uint32_t add_comm(struct fill *f, const char *raw, size_t len)
{
	char esc[SK_LIFE_COMM_LEN * 4 + 1];
	size_t n = sk_escape(raw, strnlen(raw, len), esc, sizeof(esc));

	return sk_strtab_add(&f->s->strs, esc, n, &f->rc);
}

static uint32_t maker_comm(struct fill *f, const char *raw)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < SK_LIFE_COMM_LEN && raw[i]; i++)
		h = (h ^ (unsigned char)raw[i]) * 16777619u;
	struct comm_slot *c = &f->cache[h % COMM_CACHE];

	if (c->off && strncmp(c->raw, raw, SK_LIFE_COMM_LEN) == 0)
		return c->off;
	memcpy(c->raw, raw, SK_LIFE_COMM_LEN);
	c->off = add_comm(f, raw, SK_LIFE_COMM_LEN);
	return c->off;
}

static const struct sk_life_entry *find(const sk_lifevec *store, uint64_t cookie)
{
	size_t lo = 0, hi = store ? store->n : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (store->v[mid].cookie < cookie)
			lo = mid + 1;
		else
			hi = mid;
	}
	return store && lo < store->n && store->v[lo].cookie == cookie ? &store->v[lo] : NULL;
}

/* The first process holding the row's socket, if any. */
static void holder_as_creator(struct fill *f, const struct sk_socket *k, struct sk_life *l)
{
	const struct sk_snapshot *s = f->s;

	if (!k->owners_count)
		return;
	uint32_t p = s->fdrefs.v[s->owner_index.v[k->owners_start]].proc;
	const struct sk_process *proc = &s->procs.v[p];

	if (!f->holder_comm[p])
		f->holder_comm[p] = add_comm(f, proc->comm, sizeof(proc->comm)) + 1;
	l->creator_pid = proc->pid;
	l->creator_comm = f->holder_comm[p] - 1;
	l->creator_cgroup = k->cgroup_id; /* the socket's cgroup is its maker's */
	l->creator_is_holder = true;
}

/* What tcp_info bounds from below: the state age persist.c uses, and for
 * the age, the last receive and last ACK (both start at the handshake).
 * States before the handshake, and listeners, have no such bound. */
static void estimate_ages(const struct sk_socket *k, struct sk_life *l, bool want_age,
			  bool want_state)
{
	uint32_t state_ms = sk_persist_tcpinfo_age_ms(k);
	uint32_t age_ms = state_ms;

	if (want_state && state_ms) {
		l->state_age_ms = state_ms;
		l->estimated = true;
	}
	if (!want_age || k->proto != SK_PROTO_TCP || k->state == SK_TCP_LISTEN ||
	    k->state == SK_TCP_SYN_SENT || k->state == SK_TCP_CLOSE)
		return;
	if (k->flags & SK_SOCK_HAS_TCPINFO) {
		if (k->tcp.last_data_recv_ms > age_ms)
			age_ms = k->tcp.last_data_recv_ms;
		if (k->tcp.last_ack_recv_ms > age_ms)
			age_ms = k->tcp.last_ack_recv_ms;
	}
	if (age_ms) {
		l->age_ms = age_ms;
		l->estimated = true;
	}
}

static int64_t since(uint64_t now_ns, uint64_t then_ns)
{
	return then_ns >= now_ns ? 0 : (int64_t)((now_ns - then_ns) / 1000000u);
}

/* Whether the entry's last event is the state the dump shows: a closed
 * socket's cookie lives on in its mini socket, born TIME_WAIT when the
 * peer's FIN was in, else FIN_WAIT2 (which turns TIME_WAIT with no event:
 * then the timer tells the age instead). */
static bool state_matches(const struct sk_life_entry *e, const struct sk_socket *k)
{
	if (!e->state_ns)
		return false;
	if (e->flags & SK_LIFE_F_AFTERLIFE)
		return k->state == ((e->flags & SK_LIFE_F_FIN_IN) ? SK_TCP_TIME_WAIT
								  : SK_TCP_FIN_WAIT2);
	return e->state == k->state;
}

static void from_store(struct fill *f, const struct sk_life_entry *e, const struct sk_socket *k,
		       struct sk_life *l, struct sk_age *age)
{
	bool age_known = e->flags & SK_LIFE_F_CREATED;
	bool state_known = state_matches(e, k);

	if ((e->flags & (SK_LIFE_F_CREATOR | SK_LIFE_F_CLOSER)) && e->tgid > 0) {
		l->creator_pid = e->tgid;
		l->creator_comm = maker_comm(f, e->comm);
		l->creator_cgroup = e->cgroup_id;
		l->creator_is_holder = (e->flags & SK_LIFE_F_CLOSER) != 0;
	} else {
		holder_as_creator(f, k, l);
	}
	if (age_known)
		l->age_ms = since(f->now_ns, e->created_ns);
	if (state_known) {
		l->state_age_ms = since(f->now_ns, e->state_ns);
		age->state_ms = l->state_age_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)l->state_age_ms;
		age->looks = 1;
		age->source = SK_AGE_KERNEL;
	}
	estimate_ages(k, l, !age_known, !state_known);
}

static int prepare(struct fill *f)
{
	struct sk_snapshot *s = f->s;
	size_t n = s->socks.n;

	if (sk_vec_reserve((void **)&s->lives.v, &s->lives.cap, n, sizeof(*s->lives.v)) ||
	    sk_vec_reserve((void **)&s->ages.v, &s->ages.cap, n, sizeof(*s->ages.v)))
		return -ENOMEM;
	f->holder_comm = calloc(s->procs.n ? s->procs.n : 1, sizeof(*f->holder_comm));
	if (!f->holder_comm)
		return -ENOMEM;
	if (f->store && n) { /* no sockets: ages.v may still be NULL */
		memset(s->ages.v, 0, n * sizeof(*s->ages.v));
		s->ages.n = n;
	}
	s->lives.n = n;
	return 0;
}

int sk_lives_fill(struct sk_snapshot *s, const sk_lifevec *store, uint64_t now_ns)
{
	struct fill f = {.s = s, .store = store, .now_ns = now_ns};
	int rc = prepare(&f);

	for (size_t i = 0; rc == 0 && i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		const struct sk_life_entry *e = NULL;
		struct sk_life *l = &s->lives.v[i];

		memset(l, 0, sizeof(*l));
		l->age_ms = l->state_age_ms = SK_LIFE_AGE_UNKNOWN;
		if (store && i < s->dumped_rows && k->proto == SK_PROTO_TCP && k->cookie)
			e = find(store, k->cookie);
		if (e) {
			from_store(&f, e, k, l, &s->ages.v[i]);
		} else {
			holder_as_creator(&f, k, l);
			estimate_ages(k, l, true, true);
		}
		rc = f.rc;
	}
	free(f.holder_comm);
	if (rc) {
		s->lives.n = 0;
		if (store)
			s->ages.n = 0;
	}
	return rc;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int sk_lives_stale(const struct sk_snapshot *s, const sk_lifevec *store, uint64_t before_ns,
		   sk_cookievec *out)
{
	sk_cookievec dumped = {0};
	size_t j = 0;
	int rc = 0;

	out->n = 0;
	for (size_t i = 0; i < s->dumped_rows && rc == 0; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		uint64_t *c;

		if (k->proto != SK_PROTO_TCP || !k->cookie)
			continue;
		c = SK_VEC_PUSH(&dumped);
		if (!c)
			rc = -ENOMEM;
		else
			*c = k->cookie;
	}
	sk_qsort(dumped.v, dumped.n, sizeof(*dumped.v), cmp_u64);
	for (size_t i = 0; i < store->n && rc == 0; i++) {
		const struct sk_life_entry *e = &store->v[i];
		uint64_t *c;

		while (j < dumped.n && dumped.v[j] < e->cookie)
			j++;
		if ((j < dumped.n && dumped.v[j] == e->cookie) || e->state_ns >= before_ns ||
		    e->created_ns >= before_ns)
			continue;
		c = SK_VEC_PUSH(out);
		if (!c)
			rc = -ENOMEM;
		else
			*c = e->cookie;
	}
	free(dumped.v);
	return rc;
}
