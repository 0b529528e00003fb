/* The store and the dump meet by cookie: the store is sorted, each TCP row
 * is one binary search, and the entries met are marked for the sweep. Strings go to the snapshot's strtab once per
 * process (holders) or once per distinct maker (a small cache), not once
 * per row: a million rows of one server name one process. */
#include <config.h>

#include "analyse/lives.h"

#include <errno.h>
#include <string.h>

#include "analyse/persist.h"
#include "util/escape.h"
#include "util/hash.h"
#include "util/vec.h"

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
	uint64_t w[2] = {0, 0};

	_Static_assert(sizeof(w) >= SK_LIFE_COMM_LEN, "a comm fits two words");
	memcpy(w, raw, strnlen(raw, SK_LIFE_COMM_LEN));
	struct comm_slot *c = &f->cache[sk_mix64(w[0] ^ sk_mix64(w[1])) % COMM_CACHE];

	if (c->off && strncmp(c->raw, raw, SK_LIFE_COMM_LEN) == 0)
		return c->off;
	memcpy(c->raw, raw, SK_LIFE_COMM_LEN);
	c->off = add_comm(f, raw, SK_LIFE_COMM_LEN);
	return c->off;
}

SK_LOWER_BOUND_BY(entry_at, struct sk_life_entry, cookie, uint64_t)

/* The store's index of cookie, or SIZE_MAX. */
static size_t find(const sk_lifevec *store, uint64_t cookie)
{
	size_t i = entry_at(store->v, 0, store->n, cookie);

	return i < store->n && store->v[i].cookie == cookie ? i : SIZE_MAX;
}

/* The first process holding the row's socket, if any. */
static void holder_as_creator(struct fill *f, const struct sk_socket *k, struct sk_life *l)
{
	const struct sk_snapshot *s = f->s;
	const struct sk_fdref *ref = sk_snapshot_first_ref(s, k);

	if (!ref)
		return;
	uint32_t p = ref->proc;
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
	if (sk_socket_last_heard_ms(k) > age_ms)
		age_ms = sk_socket_last_heard_ms(k);
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
	if (f->store && n) { /* no sockets: ages.v may still be NULL */
		memset(s->ages.v, 0, n * sizeof(*s->ages.v));
		s->ages.n = n;
	}
	s->lives.n = n;
	return 0;
}

int sk_lives_fill(struct sk_snapshot *s, const sk_lifevec *store, uint64_t now_ns,
		  uint8_t *dumped)
{
	/* Owned by this function, not through f: scan-build lost track of it
	 * through the struct and reported a leak. */
	uint32_t *holder_comm = calloc(s->procs.n ? s->procs.n : 1, sizeof(*holder_comm));
	struct fill f = {.s = s, .store = store, .now_ns = now_ns, .holder_comm = holder_comm};
	int rc = holder_comm ? prepare(&f) : -ENOMEM;

	if (store && dumped && store->n)
		memset(dumped, 0, store->n);
	for (size_t i = 0; rc == 0 && i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		size_t at = SIZE_MAX;
		struct sk_life *l = &s->lives.v[i];

		memset(l, 0, sizeof(*l));
		l->age_ms = l->state_age_ms = SK_LIFE_AGE_UNKNOWN;
		if (store && i < s->dumped_rows && k->proto == SK_PROTO_TCP && k->cookie)
			at = find(store, k->cookie);
		if (at != SIZE_MAX) {
			if (dumped)
				dumped[at] = 1;
			from_store(&f, &store->v[at], k, l, &s->ages.v[i]);
		} else {
			holder_as_creator(&f, k, l);
			estimate_ages(k, l, true, true);
		}
		rc = f.rc;
	}
	free(holder_comm);
	if (rc) {
		s->lives.n = 0;
		if (store)
			s->ages.n = 0;
	}
	return rc;
}

int sk_lives_stale(const sk_lifevec *store, const uint8_t *dumped, uint64_t before_ns,
		   sk_cookievec *out)
{
	out->n = 0;
	for (size_t i = 0; i < store->n; i++) {
		const struct sk_life_entry *e = &store->v[i];
		uint64_t *c;

		if (dumped[i] || e->state_ns >= before_ns || e->created_ns >= before_ns)
			continue;
		c = SK_VEC_PUSH(out);
		if (!c)
			return -ENOMEM;
		*c = e->cookie;
	}
	return 0;
}
