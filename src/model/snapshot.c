#include <config.h>

#include "model/snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

const char *const sk_life_source_names[SK_LIFE_LAST] = {"none", "estimate", "bpf"};

void sk_snapshot_init(struct sk_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	sk_strtab_init(&s->strs);
	sk_system_init(&s->sys);
}

void sk_snapshot_reset(struct sk_snapshot *s)
{
	s->socks.n = 0;
	s->procs.n = 0;
	s->fdrefs.n = 0;
	s->owner_index.n = 0;
	s->netns.n = 0;
	s->seen_by.n = 0;
	s->listeners.n = 0;
	s->proc_seen.n = 0;
	s->ages.n = 0;
	s->lives.n = 0;
	memset(&s->lifecycle, 0, sizeof(s->lifecycle));
	s->services.n = 0;
	s->sock_service.n = 0;
	sk_strtab_reset(&s->strs);
	memset(&s->totals, 0, sizeof(s->totals));
	memset(&s->klog, 0, sizeof(s->klog));
	memset(&s->diag, 0, sizeof(s->diag));
	memset(&s->procfs, 0, sizeof(s->procfs));
	s->duplicates = 0;
	s->owners_cached = 0;
	s->owners_rescanned = false;
	s->owners_bpf = false;
	s->partial = false;
	sk_system_init(&s->sys);
}

void sk_snapshot_free(struct sk_snapshot *s)
{
	free(s->socks.v);
	free(s->procs.v);
	free(s->fdrefs.v);
	free(s->owner_index.v);
	free(s->netns.v);
	free(s->seen_by.v);
	free(s->listeners.v);
	free(s->proc_seen.v);
	free(s->ages.v);
	free(s->lives.v);
	free(s->services.v);
	free(s->sock_service.v);
	free(s->inode_hash.keys);
	free(s->inode_hash.vals);
	sk_strtab_free(&s->strs);
	memset(s, 0, sizeof(*s));
}

/* --- inode -> socket index, open addressing --------------------------------
 * Inodes come from one sockfs for the whole machine, so they are unique
 * across network namespaces; 0 (TIME_WAIT, orphans, request sockets) is
 * never a key. */

static size_t hash_slot(uint64_t key, size_t mask)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	return (size_t)key & mask;
}

static int hash_prepare(struct sk_snapshot *s, size_t entries)
{
	size_t want = 64;

	/* At most three quarters full even if every fd were a synthesized row;
	 * in practice fds in no dump are few and the load stays under 0.4. */
	while (want / 4 * 3 < entries) {
		if (want > SIZE_MAX / 4)
			return -ENOMEM;
		want *= 2;
	}
	if (want > s->inode_hash.cap) {
		uint64_t *k = realloc(s->inode_hash.keys, want * sizeof(*k));

		if (!k)
			return -ENOMEM;
		s->inode_hash.keys = k;
		uint32_t *v = realloc(s->inode_hash.vals, want * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->inode_hash.vals = v;
		s->inode_hash.cap = want;
	}
	memset(s->inode_hash.keys, 0, s->inode_hash.cap * sizeof(uint64_t));
	return 0;
}

/* Returns the slot holding key, or the empty slot where it would go. */
static size_t hash_find(const struct sk_snapshot *s, uint64_t key)
{
	size_t mask = s->inode_hash.cap - 1;
	size_t i = hash_slot(key, mask);

	while (s->inode_hash.keys[i] != 0 && s->inode_hash.keys[i] != key)
		i = (i + 1) & mask;
	return i;
}

static void hash_put(struct sk_snapshot *s, size_t slot, uint64_t key, uint32_t val)
{
	s->inode_hash.keys[slot] = key;
	s->inode_hash.vals[slot] = val;
}

/* Inodes arrive in no useful order, so at 100k sockets nearly every probe
 * is a cache miss: the slot of the key a few rows ahead is fetched while
 * the current one is worked on. (A hint only; it changes no result.) A
 * macro, not a function: gcc finds a function holding only prefetches
 * free of side effects and deletes its calls. */
#define SK_PREFETCH_AHEAD 8
#if defined(__GNUC__) || defined(__clang__)
#define SK_PREFETCH(addr) __builtin_prefetch(addr)
#else
#define SK_PREFETCH(addr) ((void)(addr))
#endif
#define HASH_PREFETCH(s, key)                                                       \
	do {                                                                         \
		size_t slot_ = hash_slot((key), (s)->inode_hash.cap - 1);            \
		SK_PREFETCH(&(s)->inode_hash.keys[slot_]);                           \
		SK_PREFETCH(&(s)->inode_hash.vals[slot_]);                           \
	} while (0)

/* --- helpers ---------------------------------------------------------------- */

static struct sk_netns *netns_of(struct sk_snapshot *s, uint64_t id)
{
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == id)
			return &s->netns.v[i];
	return NULL;
}

/* Rows come grouped by namespace (one dump after another), so the last
 * answer is nearly always the next one: a host with a thousand container
 * namespaces must not pay a linear search per socket. */
static struct sk_netns *netns_of_cached(struct sk_snapshot *s, uint64_t id, struct sk_netns **last)
{
	if (!*last || (*last)->id != id)
		*last = netns_of(s, id);
	return *last;
}

static bool sockname_is_tcp(unsigned sn)
{
	return sn == SK_SN_TCP || sn == SK_SN_TCPV6;
}

static bool sockname_is_udp(unsigned sn)
{
	return sn == SK_SN_UDP || sn == SK_SN_UDPV6;
}

/* A socket row for an fd no dump reported: TCP fds of this kind are the
 * "can't identify protocol" leak, UDP ones are sockets never bound. */
static int synthesize_undumped(struct sk_snapshot *s, const struct sk_fdref *ref,
			       enum sk_sockname sn, uint64_t netns, uint32_t *index)
{
	struct sk_socket *row = SK_VEC_PUSH(&s->socks);

	if (!row)
		return -ENOMEM;
	row->inode = ref->inode;
	row->netns = netns;
	row->proto = sockname_is_tcp(sn) ? SK_PROTO_TCP
		     : sockname_is_udp(sn) ? SK_PROTO_UDP : SK_PROTO_UNIX;
	row->family = (sn == SK_SN_TCPV6 || sn == SK_SN_UDPV6) ? AF_INET6
		      : sn == SK_SN_UNIX ? AF_UNIX : AF_INET;
	row->state = SK_TCP_CLOSE;
	row->sockname = (uint8_t)sn;
	row->flags = SK_SOCK_UNDUMPED;
	row->likely_owner = SK_NONE;
	*index = (uint32_t)(s->socks.n - 1);
	return 0;
}

static bool is_wildcard(const struct sk_socket *k)
{
	static const uint8_t zero[16];

	return memcmp(k->local.addr, zero, k->family == AF_INET6 ? 16 : 4) == 0;
}

/* IPv4 address inside a v4-mapped IPv6 one (::ffff:a.b.c.d), as an accepted
 * child of a dual-stack listener carries it. */
static bool same_local_addr(const struct sk_socket *a, const struct sk_socket *b)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (a->family == b->family)
		return memcmp(a->local.addr, b->local.addr, a->family == AF_INET6 ? 16 : 4) == 0;
	const struct sk_socket *v6 = a->family == AF_INET6 ? a : b;
	const struct sk_socket *v4 = a->family == AF_INET6 ? b : a;

	return memcmp(v6->local.addr, mapped, 12) == 0 &&
	       memcmp(v6->local.addr + 12, v4->local.addr, 4) == 0;
}

static int listener_cmp(const void *pa, const void *pb, void *ctx)
{
	const struct sk_socket *socks = ctx;
	const struct sk_socket *a = &socks[*(const uint32_t *)pa];
	const struct sk_socket *b = &socks[*(const uint32_t *)pb];

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->local.port != b->local.port)
		return a->local.port < b->local.port ? -1 : 1;
	return 0;
}

/* Where row i's fdrefs start in owner_index, from the end cursors that
 * build_owner_index leaves (the rows' own fields are filled later, in the
 * same walk that needs this for rows not reached yet). */
static uint32_t owners_start_of(const uint32_t *ends, size_t i)
{
	return i ? ends[i - 1] : 0;
}

/* The LISTEN socket on the orphan's local address:port in its namespace
 * that some process holds: a server-side orphan is a connection that
 * listener's process accepted and closed. An exact address beats a
 * wildcard one. */
struct listener_key {
	const struct sk_snapshot *s;
	const struct sk_socket *orphan;
};

static bool listener_before(size_t i, const void *key)
{
	const struct listener_key *k = key;
	const struct sk_socket *l = &k->s->socks.v[k->s->listeners.v[i]];

	return l->netns < k->orphan->netns ||
	       (l->netns == k->orphan->netns && l->local.port < k->orphan->local.port);
}

static uint32_t find_listener(const struct sk_snapshot *s, const struct sk_socket *orphan,
			      const uint32_t *ends)
{
	const struct listener_key key = { s, orphan };
	size_t lo = sk_lower_bound(0, s->listeners.n, &key, listener_before);
	uint32_t wildcard = SK_NONE;

	for (size_t i = lo; i < s->listeners.n; i++) {
		uint32_t li = s->listeners.v[i];
		const struct sk_socket *l = &s->socks.v[li];

		if (l->netns != orphan->netns || l->local.port != orphan->local.port)
			break;
		if (ends[li] == owners_start_of(ends, li))
			continue; /* held by no fd */
		if (same_local_addr(l, orphan))
			return li;
		/* An AF_INET listener's children are AF_INET: it cannot own a v6 one. */
		if (l->family == AF_INET && orphan->family == AF_INET6)
			continue;
		if (is_wildcard(l) && wildcard == SK_NONE)
			wildcard = li;
	}
	return wildcard;
}

static void sort_listeners(struct sk_snapshot *s)
{
	sk_qsort_r(s->listeners.v, s->listeners.n, sizeof(uint32_t), listener_cmp, s->socks.v);
}

/* --- the join -----------------------------------------------------------------
 * At 100k sockets the join is bound by memory, not by arithmetic: a socket
 * row is 288 bytes, so the rows are walked front to back (twice) and the
 * per-fd work touches only the fdref table, the hash and one compact
 * counter per socket. Every count is a sum, so the order of the walks does
 * not change a result. */

/* Links every fd to its row, synthesizing rows for fds no dump reported,
 * and counts each row's fds in owners[] (one slot per row, reserved by the
 * caller for every row that can exist). */
static int link_fds(struct sk_snapshot *s, sk_sockname_fn sockname, void *ctx, uint32_t *owners)
{
	struct sk_netns *last_ns = NULL;

	for (size_t f = 0; f < s->fdrefs.n; f++) {
		struct sk_fdref *ref = &s->fdrefs.v[f];

		if (f + SK_PREFETCH_AHEAD < s->fdrefs.n)
			HASH_PREFETCH(s, s->fdrefs.v[f + SK_PREFETCH_AHEAD].inode);
		ref->sock = SK_NONE;
		if (ref->inode == 0)
			continue;

		size_t slot = hash_find(s, ref->inode);

		if (s->inode_hash.keys[slot] == ref->inode) {
			ref->sock = s->inode_hash.vals[slot];
			owners[ref->sock]++;
			continue;
		}
		/* Not in any dump. Only a class sktop dumped in this process's
		 * namespace can be judged; anything else is just "other". */
		const struct sk_process *p = &s->procs.v[ref->proc];
		enum sk_sockname sn = sockname(ctx, p->pid, ref->fd, ref->inode);

		/* A race is counted like an fd that vanished (one the xattr
		 * could not name): "other", and in closed_races. */
		if (sn == SK_SOCKNAME_RACED) {
			s->procfs.closed_races++;
			sn = SK_SN_OTHER;
		}
		const struct sk_netns *ns = netns_of_cached(s, p->netns, &last_ns);
		bool judged = sn < SK_SN_LAST && ns && (ns->dumped & (1u << sn)) &&
			      (sockname_is_tcp(sn) || sockname_is_udp(sn));

		if (!judged) {
			struct sk_agg *agg = &s->procs.v[ref->proc].agg;

			agg->other[sn < SK_SN_LAST ? sn : SK_SN_OTHER]++;
			s->totals.other[sn < SK_SN_LAST ? sn : SK_SN_OTHER]++;
			continue;
		}
		uint32_t idx;
		int rc = synthesize_undumped(s, ref, sn, p->netns, &idx);

		if (rc)
			return rc;
		/* The table may have grown: the hash was sized for that (see join). */
		hash_put(s, slot, ref->inode, idx);
		ref->sock = idx;
		owners[idx] = 1;
	}
	return 0;
}

/* owner_index lists, per row in row order, the fdrefs holding it in fdref
 * order. owners[] holds each row's
 * count on entry and its end in owner_index on return. */
static int build_owner_index(struct sk_snapshot *s, uint32_t *owners)
{
	uint32_t next = 0;

	for (size_t i = 0; i < s->socks.n; i++) {
		uint32_t count = owners[i];

		owners[i] = next;
		next += count;
	}
	if (sk_vec_reserve((void **)&s->owner_index.v, &s->owner_index.cap, next,
			   sizeof(uint32_t)))
		return -ENOMEM;
	s->owner_index.n = next;
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		uint32_t si = s->fdrefs.v[f].sock;

		if (si != SK_NONE)
			s->owner_index.v[owners[si]++] = (uint32_t)f;
	}
	return 0;
}

/* One row into a count of rows. A process's aggregate and the machine's
 * totals name these fields alike, and the rules must not drift apart: a
 * macro, as the two are different structs. */
#define COUNT_ROW(a, k)                                                                  \
	do {                                                                             \
		unsigned st_ = (k)->state < SK_TCP_STATE_LAST ? (k)->state : 0;          \
                                                                                         \
		(a)->sockets++;                                                          \
		(a)->by_proto[(k)->proto < SK_PROTO_LAST ? (k)->proto : SK_PROTO_TCP]++; \
		if ((k)->flags & SK_SOCK_UNDUMPED) {                                     \
			if ((k)->proto == SK_PROTO_TCP)                                  \
				(a)->closed[(k)->sockname]++;                            \
			else                                                             \
				(a)->unbound[(k)->sockname]++;                           \
			break;                                                           \
		}                                                                        \
		/* Bound but never listening or connected (dumped by kernels >=  \
		 * 6.8): the same CLOSE state as an unbound leaked socket. */            \
		if ((k)->proto == SK_PROTO_TCP) {                                        \
			(a)->tcp_states[st_]++;                                          \
			if (st_ == SK_TCP_CLOSE)                                         \
				(a)->closed[(k)->sockname]++;                            \
		}                                                                        \
		(a)->rmem += sk_socket_rmem(k);                                          \
		(a)->wmem += sk_socket_wmem(k);                                          \
		/* A listener's queues are its accept backlog, not bytes. */             \
		if ((k)->state != SK_TCP_LISTEN) {                                       \
			(a)->recv_q += (k)->recv_q;                                      \
			(a)->send_q += (k)->send_q;                                      \
		}                                                                        \
	} while (0)

static void count_row_in_agg(struct sk_agg *a, const struct sk_socket *k)
{
	COUNT_ROW(a, k);
}

/* Each process holding row i counts it once, however many fds (dup) it
 * holds it by: proc_seen[p] remembers the last row p counted. */
static void aggregate_owners(struct sk_snapshot *s, size_t i, uint32_t *proc_seen)
{
	const struct sk_socket *k = &s->socks.v[i];

	for (uint32_t j = 0; j < k->owners_count; j++) {
		uint32_t p = s->fdrefs.v[s->owner_index.v[k->owners_start + j]].proc;

		if (proc_seen[p] == (uint32_t)i)
			continue;
		proc_seen[p] = (uint32_t)i;
		count_row_in_agg(&s->procs.v[p].agg, k);
	}
}

/* ns: the namespace of a dumped row k, NULL when it has none listed. */
static void aggregate_total(struct sk_snapshot *s, const struct sk_socket *k, struct sk_netns *ns)
{
	struct sk_totals *t = &s->totals;
	unsigned st = k->state < SK_TCP_STATE_LAST ? k->state : 0;

	COUNT_ROW(t, k);
	if (k->flags & SK_SOCK_UNDUMPED)
		return;

	if (ns) {
		ns->sockets++;
		if (k->proto == SK_PROTO_TCP)
			ns->tcp_states[st]++;
	}
	if (k->flags & SK_SOCK_ORPHAN) {
		t->orphans++;
		t->orphans_by_state[st]++;
		if (ns)
			ns->orphans[st]++;
		if (k->likely_owner != SK_NONE)
			t->orphans_attributed++;
	}
}

/* Row i into every count: the machine's, its namespace's, and those of
 * the processes holding it or (an orphan) likely owning it. */
static void count_row(struct sk_snapshot *s, size_t i, struct sk_netns *ns)
{
	const struct sk_socket *k = &s->socks.v[i];

	aggregate_total(s, k, ns);
	aggregate_owners(s, i, s->proc_seen.v);
	if ((k->flags & SK_SOCK_ORPHAN) && k->likely_owner < s->procs.n) {
		struct sk_agg *a = &s->procs.v[k->likely_owner].agg;

		/* Its memory too: sorting by wmem must surface the closer. */
		a->orphans++;
		a->rmem += sk_socket_rmem(k);
		a->wmem += sk_socket_wmem(k);
	}
}

/* Sockets with inode 0 have no fd. In a closing state they are orphans
 * (the application closed them; the kernel finishes the job); established
 * or CLOSE_WAIT ones are children still in a listener's accept queue. Both
 * are attributed to the listener's process as a likely owner, and orphans
 * with no listener (client side) to their cgroup. Needs every row's owners. */
static void attribute_fdless(struct sk_snapshot *s, struct sk_socket *k, const uint32_t *ends)
{
	if (k->proto != SK_PROTO_TCP || k->inode != 0 || (k->flags & SK_SOCK_UNDUMPED))
		return;
	if (k->state == SK_TCP_TIME_WAIT || k->state == SK_TCP_NEW_SYN_RECV ||
	    k->state == SK_TCP_SYN_RECV)
		return;
	/* A closed FIN_WAIT2 the kernel keeps as a timewait socket (ss shows
	 * timer:(timewait,...)): sockstat counts it under tw, not orphan. */
	if (k->state == SK_TCP_FIN_WAIT2 && k->timer == SK_TIMER_TIMEWAIT)
		return;
	bool orphan = sk_socket_is_orphan_state(k->state);

	if (orphan)
		k->flags |= SK_SOCK_ORPHAN;
	uint32_t li = find_listener(s, k, ends);

	if (li != SK_NONE) {
		k->likely_owner = s->fdrefs.v[s->owner_index.v[owners_start_of(ends, li)]].proc;
		k->owner_kind = SK_OWNER_LISTENER;
	} else if (orphan && (k->flags & SK_SOCK_HAS_CGROUP) && k->cgroup_id) {
		k->owner_kind = SK_OWNER_CGROUP;
	}
}

static void reset_proc_seen(struct sk_snapshot *s)
{
	s->proc_seen.n = s->procs.n;
	for (size_t p = 0; p < s->procs.n; p++)
		s->proc_seen.v[p] = SK_NONE;
}

int sk_snapshot_join(struct sk_snapshot *s, sk_sockname_fn sockname, void *ctx,
		     struct sk_error *err)
{
	/* Every dumped row plus one synthesized row per fd, at most. */
	size_t max_rows = s->socks.n + s->fdrefs.n;
	int rc;

	rc = hash_prepare(s, max_rows);
	if (rc == 0)
		rc = sk_vec_reserve((void **)&s->seen_by.v, &s->seen_by.cap, max_rows,
				    sizeof(uint32_t));
	if (rc == 0)
		rc = sk_vec_reserve((void **)&s->proc_seen.v, &s->proc_seen.cap, s->procs.n,
				    sizeof(uint32_t));
	if (rc)
		return sk_error_set(err, -rc, "out of memory joining %zu sockets", s->socks.n);

	/* Index dumped rows by inode; drop exact duplicates (a socket reported
	 * twice, e.g. across a namespace race) so nothing is counted twice.
	 * Synthesized rows are CLOSE, so the listeners are all found here. */
	size_t out = 0;

	s->listeners.n = 0;
	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_socket *k = &s->socks.v[i];

		if (i + SK_PREFETCH_AHEAD < s->socks.n)
			HASH_PREFETCH(s, s->socks.v[i + SK_PREFETCH_AHEAD].inode);
		k->likely_owner = SK_NONE;
		k->owner_kind = SK_OWNER_NONE;
		k->owners_count = 0;
		if (k->inode != 0) {
			size_t slot = hash_find(s, k->inode);

			if (s->inode_hash.keys[slot] == k->inode) {
				s->duplicates++;
				continue;
			}
			hash_put(s, slot, k->inode, (uint32_t)out);
		}
		if (out != i)
			s->socks.v[out] = *k;
		if (k->proto == SK_PROTO_TCP && k->state == SK_TCP_LISTEN) {
			uint32_t *slot = SK_VEC_PUSH(&s->listeners);

			if (!slot)
				return sk_error_set(err, ENOMEM, "out of memory indexing listeners");
			*slot = (uint32_t)out;
		}
		out++;
	}
	s->socks.n = out;
	s->dumped_rows = (uint32_t)out;

	uint32_t *owners = s->seen_by.v;

	if (out)
		memset(owners, 0, out * sizeof(*owners));
	rc = link_fds(s, sockname, ctx, owners);
	if (rc == 0)
		rc = build_owner_index(s, owners);
	if (rc)
		return sk_error_set(err, -rc, "out of memory joining %zu sockets", s->socks.n);
	s->seen_by.n = s->socks.n;
	sort_listeners(s);

	s->procs_sorted = true;
	for (size_t i = 1; i < s->procs.n; i++)
		if (s->procs.v[i - 1].pid >= s->procs.v[i].pid)
			s->procs_sorted = false;

	/* From here one walk over the rows does the rest: orphans look their
	 * listener's owners up in owners[], which is complete. */
	struct sk_netns *last_ns = NULL;

	reset_proc_seen(s);
	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_socket *k = &s->socks.v[i];

		/* The fdrefs of the rows ahead: owner_index is in row order,
		 * the fdrefs it points to in no order. */
		if (owners[i] + SK_PREFETCH_AHEAD < s->owner_index.n)
			SK_PREFETCH(&s->fdrefs.v[s->owner_index.v[owners[i] + SK_PREFETCH_AHEAD]]);
		k->owners_start = owners_start_of(owners, i);
		k->owners_count = owners[i] - k->owners_start;
		if (k->owners_count)
			k->owner_kind = SK_OWNER_FD;
		attribute_fdless(s, k, owners);
		count_row(s, i, (k->flags & SK_SOCK_UNDUMPED) ? NULL
				: netns_of_cached(s, k->netns, &last_ns));
	}
	return 0;
}

static void clear_netns_counts(struct sk_snapshot *s)
{
	for (size_t i = 0; i < s->netns.n; i++) {
		struct sk_netns *ns = &s->netns.v[i];

		ns->sockets = 0;
		memset(ns->tcp_states, 0, sizeof(ns->tcp_states));
		memset(ns->orphans, 0, sizeof(ns->orphans));
	}
}

void sk_snapshot_unjoin(struct sk_snapshot *s)
{
	s->socks.n = s->dumped_rows;
	s->procs.n = 0;
	s->fdrefs.n = 0;
	s->owner_index.n = 0;
	memset(&s->totals, 0, sizeof(s->totals));
	memset(&s->procfs, 0, sizeof(s->procfs));
	clear_netns_counts(s);
}

/* The counts a row walk makes; "other" (fds of protocols with no row) is
 * counted from the fds alone and stays. */
static void clear_row_counts(struct sk_snapshot *s)
{
	struct sk_agg keep;

	memcpy(keep.other, s->totals.other, sizeof(keep.other));
	memset(&s->totals, 0, sizeof(s->totals));
	memcpy(s->totals.other, keep.other, sizeof(keep.other));
	for (size_t p = 0; p < s->procs.n; p++) {
		struct sk_agg *a = &s->procs.v[p].agg;

		memcpy(keep.other, a->other, sizeof(keep.other));
		memset(a, 0, sizeof(*a));
		memcpy(a->other, keep.other, sizeof(keep.other));
	}
	clear_netns_counts(s);
}

struct ns_key {
	uint64_t id;
	uint32_t index;
};

static int ns_key_cmp(const void *pa, const void *pb)
{
	const struct ns_key *a = pa, *b = pb;

	return a->id < b->id ? -1 : a->id > b->id;
}

/* A namespace with this id by binary search: rows from a file come in any
 * order, and a crafted one must not make every row scan a long namespace
 * list. (Ids are unique in a snapshot; a file that repeats one gets its
 * counts in one of them.) */
static struct sk_netns *netns_find(struct sk_snapshot *s, const struct ns_key *keys, uint64_t id)
{
	struct ns_key want = {id, 0};
	const struct ns_key *hit = sk_bsearch(&want, keys, s->netns.n, sizeof(*keys), ns_key_cmp);

	return hit ? &s->netns.v[hit->index] : NULL;
}

static int index_owners(struct sk_snapshot *s)
{
	uint32_t *owners;

	if (sk_vec_reserve((void **)&s->seen_by.v, &s->seen_by.cap, s->socks.n + 1,
			   sizeof(uint32_t)) ||
	    sk_vec_reserve((void **)&s->proc_seen.v, &s->proc_seen.cap, s->procs.n + 1,
			   sizeof(uint32_t)))
		return -ENOMEM;
	owners = s->seen_by.v;
	memset(owners, 0, s->socks.n * sizeof(*owners));
	for (size_t f = 0; f < s->fdrefs.n; f++)
		if (s->fdrefs.v[f].sock < s->socks.n)
			owners[s->fdrefs.v[f].sock]++;
	if (build_owner_index(s, owners))
		return -ENOMEM;
	s->seen_by.n = s->socks.n;
	return 0;
}

int sk_snapshot_recount(struct sk_snapshot *s)
{
	struct ns_key *keys = malloc((s->netns.n + 1) * sizeof(*keys));
	const uint32_t *owners;

	if (!keys || index_owners(s)) {
		free(keys);
		return -ENOMEM;
	}
	owners = s->seen_by.v;
	for (size_t i = 0; i < s->netns.n; i++)
		keys[i] = (struct ns_key){s->netns.v[i].id, (uint32_t)i};
	sk_qsort(keys, s->netns.n, sizeof(*keys), ns_key_cmp);
	clear_row_counts(s);
	reset_proc_seen(s);
	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_socket *k = &s->socks.v[i];

		k->owners_start = owners_start_of(owners, i);
		k->owners_count = owners[i] - k->owners_start;
		count_row(s, i, (k->flags & SK_SOCK_UNDUMPED) ? NULL
				: netns_find(s, keys, k->netns));
	}
	free(keys);
	return 0;
}

SK_LOWER_BOUND_BY(procs_lower_bound, struct sk_process, pid, int32_t)

const struct sk_process *sk_snapshot_find_pid(const struct sk_snapshot *s, int32_t pid)
{
	/* /proc lists pids in ascending order; a fixture tree may not. */
	size_t lo = procs_lower_bound(s->procs.v, 0, s->procs.n, pid);

	if (lo < s->procs.n && s->procs.v[lo].pid == pid)
		return &s->procs.v[lo];
	if (!s->procs_sorted)
		for (size_t i = 0; i < s->procs.n; i++)
			if (s->procs.v[i].pid == pid)
				return &s->procs.v[i];
	return NULL;
}

void sk_agg_count_row(struct sk_agg *a, const struct sk_socket *k)
{
	COUNT_ROW(a, k);
}
