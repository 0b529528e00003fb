#include <config.h>

#include "snapshot.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

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
	sk_strtab_reset(&s->strs);
	memset(&s->totals, 0, sizeof(s->totals));
	memset(&s->diag, 0, sizeof(s->diag));
	memset(&s->procfs, 0, sizeof(s->procfs));
	s->duplicates = 0;
	s->owners_cached = 0;
	s->owners_rescanned = false;
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

	while (want < entries * 2) {
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

/* --- helpers ---------------------------------------------------------------- */

static struct sk_netns *netns_of(struct sk_snapshot *s, uint64_t id)
{
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == id)
			return &s->netns.v[i];
	return NULL;
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

/* The process holding a LISTEN socket on the orphan's local address:port in
 * its namespace: a server-side orphan is a connection that listener's
 * process accepted and closed. An exact address beats a wildcard one. */
static uint32_t find_listener(const struct sk_snapshot *s, const struct sk_socket *orphan)
{
	size_t lo = 0, hi = s->listeners.n;
	uint32_t wildcard = SK_NONE;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct sk_socket *l = &s->socks.v[s->listeners.v[mid]];

		if (l->netns < orphan->netns ||
		    (l->netns == orphan->netns && l->local.port < orphan->local.port))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < s->listeners.n; i++) {
		uint32_t li = s->listeners.v[i];
		const struct sk_socket *l = &s->socks.v[li];

		if (l->netns != orphan->netns || l->local.port != orphan->local.port)
			break;
		if (l->owners_count == 0)
			continue;
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

/* --- the join ----------------------------------------------------------------- */

static int link_fds(struct sk_snapshot *s, sk_sockname_fn sockname, void *ctx)
{
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		struct sk_fdref *ref = &s->fdrefs.v[f];
		const struct sk_process *p = &s->procs.v[ref->proc];
		size_t slot = hash_find(s, ref->inode);

		ref->sock = SK_NONE;
		if (ref->inode == 0)
			continue;
		if (s->inode_hash.keys[slot] == ref->inode) {
			ref->sock = s->inode_hash.vals[slot];
			continue;
		}
		/* Not in any dump. Only a class sktop dumped in this process's
		 * namespace can be judged; anything else is just "other". */
		enum sk_sockname sn = sockname(ctx, p->pid, ref->fd);
		const struct sk_netns *ns = netns_of(s, p->netns);
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
	}
	return 0;
}

static int build_owner_index(struct sk_snapshot *s)
{
	size_t total = 0;

	for (size_t i = 0; i < s->socks.n; i++)
		s->socks.v[i].owners_count = 0;
	for (size_t f = 0; f < s->fdrefs.n; f++)
		if (s->fdrefs.v[f].sock != SK_NONE) {
			s->socks.v[s->fdrefs.v[f].sock].owners_count++;
			total++;
		}
	if (sk_vec_reserve((void **)&s->owner_index.v, &s->owner_index.cap, total,
			   sizeof(uint32_t)))
		return -ENOMEM;
	s->owner_index.n = total;
	uint32_t next = 0;

	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_socket *k = &s->socks.v[i];

		uint32_t count = k->owners_count;

		k->owners_start = next;
		next += count;
		k->owners_count = 0; /* refilled below as a cursor */
		if (count)
			k->owner_kind = SK_OWNER_FD;
	}
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		uint32_t si = s->fdrefs.v[f].sock;

		if (si == SK_NONE)
			continue;
		struct sk_socket *k = &s->socks.v[si];

		s->owner_index.v[k->owners_start + k->owners_count++] = (uint32_t)f;
	}
	return 0;
}

static void count_row_in_agg(struct sk_agg *a, const struct sk_socket *k)
{
	a->sockets++;
	a->by_proto[k->proto < SK_PROTO_LAST ? k->proto : SK_PROTO_TCP]++;
	if (k->flags & SK_SOCK_UNDUMPED) {
		if (k->proto == SK_PROTO_TCP)
			a->closed[k->sockname]++;
		else
			a->unbound[k->sockname]++;
		return;
	}
	if (k->proto == SK_PROTO_TCP) {
		a->tcp_states[k->state < SK_TCP_STATE_LAST ? k->state : 0]++;
		/* Bound but never listening or connected (dumped by kernels >= 6.8):
		 * the same CLOSE state as an unbound leaked socket. */
		if (k->state == SK_TCP_CLOSE)
			a->closed[k->sockname]++;
	}
	a->rmem += k->mem.rmem_alloc;
	a->wmem += k->mem.wmem_queued;
	/* A listener's queues are its accept backlog, not bytes. */
	if (k->state != SK_TCP_LISTEN) {
		a->recv_q += k->recv_q;
		a->send_q += k->send_q;
	}
}

static void aggregate_processes(struct sk_snapshot *s)
{
	for (size_t i = 0; i < s->socks.n; i++)
		s->seen_by.v[i] = SK_NONE;
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		const struct sk_fdref *ref = &s->fdrefs.v[f];

		if (ref->sock == SK_NONE)
			continue;
		/* dup()ed fds of one process count once. */
		if (s->seen_by.v[ref->sock] == ref->proc)
			continue;
		s->seen_by.v[ref->sock] = ref->proc;
		count_row_in_agg(&s->procs.v[ref->proc].agg, &s->socks.v[ref->sock]);
	}
}

static void aggregate_totals(struct sk_snapshot *s)
{
	struct sk_totals *t = &s->totals;

	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		struct sk_netns *ns = netns_of(s, k->netns);
		unsigned st = k->state < SK_TCP_STATE_LAST ? k->state : 0;

		t->sockets++;
		t->by_proto[k->proto < SK_PROTO_LAST ? k->proto : SK_PROTO_TCP]++;
		if (k->flags & SK_SOCK_UNDUMPED) {
			if (k->proto == SK_PROTO_TCP)
				t->closed[k->sockname]++;
			else
				t->unbound[k->sockname]++;
			continue;
		}
		if (ns)
			ns->sockets++;
		if (k->proto == SK_PROTO_TCP) {
			t->tcp_states[st]++;
			if (ns)
				ns->tcp_states[st]++;
			if (st == SK_TCP_CLOSE)
				t->closed[k->sockname]++;
		}
		if (k->flags & SK_SOCK_ORPHAN) {
			t->orphans++;
			t->orphans_by_state[st]++;
			if (ns)
				ns->orphans[st]++;
			if (k->likely_owner != SK_NONE)
				t->orphans_attributed++;
		}
		t->rmem += k->mem.rmem_alloc;
		t->wmem += k->mem.wmem_queued;
		if (k->state != SK_TCP_LISTEN) {
			t->recv_q += k->recv_q;
			t->send_q += k->send_q;
		}
	}
}

/* Sockets with inode 0 have no fd. In a closing state they are orphans
 * (the application closed them; the kernel finishes the job); established
 * or CLOSE_WAIT ones are children still in a listener's accept queue. Both
 * are attributed to the listener's process as a likely owner, and orphans
 * with no listener (client side) to their cgroup. */
static void attribute_fdless(struct sk_snapshot *s)
{
	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_socket *k = &s->socks.v[i];

		if (k->proto != SK_PROTO_TCP || k->inode != 0 || (k->flags & SK_SOCK_UNDUMPED))
			continue;
		if (k->state == SK_TCP_TIME_WAIT || k->state == SK_TCP_NEW_SYN_RECV ||
		    k->state == SK_TCP_SYN_RECV)
			continue;
		bool orphan = sk_socket_is_orphan_state(k->state);

		if (orphan)
			k->flags |= SK_SOCK_ORPHAN;
		uint32_t li = find_listener(s, k);

		if (li != SK_NONE) {
			const struct sk_socket *l = &s->socks.v[li];
			uint32_t f = s->owner_index.v[l->owners_start];

			k->likely_owner = s->fdrefs.v[f].proc;
			k->owner_kind = SK_OWNER_LISTENER;
			if (orphan)
				s->procs.v[k->likely_owner].agg.orphans++;
		} else if (orphan && (k->flags & SK_SOCK_HAS_CGROUP) && k->cgroup_id) {
			k->owner_kind = SK_OWNER_CGROUP;
		}
	}
}

int sk_snapshot_join(struct sk_snapshot *s, sk_sockname_fn sockname, void *ctx,
		     struct sk_error *err)
{
	int rc;

	/* Room for every dumped row plus one synthesized row per fd. */
	rc = hash_prepare(s, s->socks.n + s->fdrefs.n);
	if (rc)
		return sk_error_set(err, -rc, "out of memory joining %zu sockets", s->socks.n);

	/* Index dumped rows by inode; drop exact duplicates (a socket reported
	 * twice, e.g. across a namespace race) so nothing is counted twice. */
	size_t out = 0;

	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_socket *k = &s->socks.v[i];

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
		out++;
	}
	s->socks.n = out;
	s->dumped_rows = (uint32_t)out;

	rc = link_fds(s, sockname, ctx);
	if (rc == 0)
		rc = build_owner_index(s);
	if (rc == 0)
		rc = sk_vec_reserve((void **)&s->seen_by.v, &s->seen_by.cap, s->socks.n,
				    sizeof(uint32_t));
	if (rc)
		return sk_error_set(err, -rc, "out of memory joining %zu sockets", s->socks.n);
	s->seen_by.n = s->socks.n;

	s->listeners.n = 0;
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->proto == SK_PROTO_TCP && k->state == SK_TCP_LISTEN) {
			uint32_t *slot = SK_VEC_PUSH(&s->listeners);

			if (!slot)
				return sk_error_set(err, ENOMEM, "out of memory indexing listeners");
			*slot = (uint32_t)i;
		}
	}
	sort_listeners(s);

	s->procs_sorted = true;
	for (size_t i = 1; i < s->procs.n; i++)
		if (s->procs.v[i - 1].pid >= s->procs.v[i].pid)
			s->procs_sorted = false;

	aggregate_processes(s);
	attribute_fdless(s);
	aggregate_totals(s);
	return 0;
}

void sk_snapshot_unjoin(struct sk_snapshot *s)
{
	s->socks.n = s->dumped_rows;
	s->procs.n = 0;
	s->fdrefs.n = 0;
	s->owner_index.n = 0;
	memset(&s->totals, 0, sizeof(s->totals));
	memset(&s->procfs, 0, sizeof(s->procfs));
	for (size_t i = 0; i < s->netns.n; i++) {
		struct sk_netns *ns = &s->netns.v[i];

		ns->sockets = 0;
		memset(ns->tcp_states, 0, sizeof(ns->tcp_states));
		memset(ns->orphans, 0, sizeof(ns->orphans));
	}
}

const struct sk_process *sk_snapshot_find_pid(const struct sk_snapshot *s, int32_t pid)
{
	/* /proc lists pids in ascending order; a fixture tree may not. */
	size_t lo = 0, hi = s->procs.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->procs.v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < s->procs.n && s->procs.v[lo].pid == pid)
		return &s->procs.v[lo];
	if (!s->procs_sorted)
		for (size_t i = 0; i < s->procs.n; i++)
			if (s->procs.v[i].pid == pid)
				return &s->procs.v[i];
	return NULL;
}
