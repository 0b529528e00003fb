/* The join: fds to sockets, closed-socket detection, orphans and their
 * likely owners, and counts that never count a socket twice. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "suite.h"
#include "model/procsort.h"
#include "snapbuild.h"
#include "model/snapshot.h"

static const struct sk_socket *by_inode(const struct sk_snapshot *s, uint64_t inode)
{
	for (size_t i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == inode)
			return &s->socks.v[i];
	return NULL;
}

/* The world of most tests here: namespace NS_A, every inet class dumped. */
static void begin(struct sk_snapshot *s)
{
	sk_snapshot_init(s);
	sb_netns(s, NS_A, ALL_INET);
}

/* cmocka setup and teardown: *state is a snapshot begun as begin() does. */
static int snap_setup(void **state)
{
	struct sk_snapshot *s = malloc(sizeof(*s));

	if (!s)
		return -1;
	begin(s);
	*state = s;
	return 0;
}

static int snap_teardown(void **state)
{
	sk_snapshot_free(*state);
	free(*state);
	return 0;
}

#define SNAP_TEST(fn) cmocka_unit_test_setup_teardown(fn, snap_setup, snap_teardown)

static void join(struct sk_snapshot *s)
{
	struct sk_error err = {0};

	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
}

static void test_closed_unbound_other(void **state)
{
	struct sk_snapshot *s = *state;

	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 10, "127.0.0.1", 80, NS_A);
	uint32_t p = sb_proc(s, 100, NS_A);

	sb_fd(s, p, 3, 10);   /* dumped */
	sb_fd(s, p, 101, 11); /* TCP, in no dump: closed */
	sb_fd(s, p, 102, 12);
	sb_fd(s, p, 201, 13); /* TCPv6 closed */
	sb_fd(s, p, 301, 14); /* UDP never bound */
	sb_fd(s, p, 401, 15); /* NETLINK: not sktop's to judge */
	join(s);

	const struct sk_agg *a = &s->procs.v[p].agg;

	assert_int_equal(a->closed[SK_SN_TCP], 2);
	assert_int_equal(a->closed[SK_SN_TCPV6], 1);
	assert_int_equal(a->unbound[SK_SN_UDP], 1);
	assert_int_equal(a->closed[SK_SN_UDP], 0);
	assert_int_equal(a->other[SK_SN_NETLINK], 1);
	assert_int_equal(a->sockets, 5); /* netlink is not a row */
	assert_int_equal(a->tcp_states[SK_TCP_ESTABLISHED], 1);
	assert_int_equal(s->totals.closed[SK_SN_TCP], 2);
	const struct sk_socket *k = by_inode(s, 11);

	assert_non_null(k);
	assert_true(k->flags & SK_SOCK_UNDUMPED);
	assert_int_equal(k->state, SK_TCP_CLOSE);
	assert_int_equal(k->owners_count, 1);
	assert_int_equal(s->fdrefs.v[s->owner_index.v[k->owners_start]].fd, 101);
	assert_int_equal(by_inode(s, 13)->family, AF_INET6);
	assert_null(by_inode(s, 15));
}

/* A process in a namespace that was not dumped (or a class not dumped
 * there) must never show closed sockets: "unknown" is not "leaked". */
static void test_undumped_namespace_is_not_closed(void **state)
{
	struct sk_snapshot *s = *state;

	sb_netns(s, NS_B, 0); /* dump failed */
	uint32_t p = sb_proc(s, 200, NS_B);

	sb_fd(s, p, 101, 21);
	sb_fd(s, p, 102, 22);
	uint32_t q = sb_proc(s, 201, NS_A);

	sb_fd(s, q, 101, 23);
	join(s);
	assert_int_equal(s->procs.v[p].agg.closed[SK_SN_TCP], 0);
	assert_int_equal(s->procs.v[p].agg.other[SK_SN_TCP], 2);
	assert_int_equal(s->procs.v[q].agg.closed[SK_SN_TCP], 1);
	assert_int_equal(s->totals.closed[SK_SN_TCP], 1);
}

static void test_shared_and_dup_counted_once(void **state)
{
	struct sk_snapshot *s = *state;
	struct sk_socket *k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, 30,
				      "10.0.0.1", 8080, NS_A);

	k->recv_q = 100;
	k->mem.rmem_alloc = 4096;
	uint32_t parent = sb_proc(s, 300, NS_A);

	sb_fd(s, parent, 5, 30);
	sb_fd(s, parent, 6, 30); /* dup() */
	uint32_t child = sb_proc(s, 301, NS_A);

	sb_fd(s, child, 5, 30); /* inherited across fork */
	join(s);
	assert_int_equal(s->procs.v[parent].agg.sockets, 1);
	assert_int_equal(s->procs.v[parent].agg.tcp_states[SK_TCP_CLOSE_WAIT], 1);
	assert_int_equal(s->procs.v[parent].agg.recv_q, 100);
	assert_int_equal(s->procs.v[child].agg.tcp_states[SK_TCP_CLOSE_WAIT], 1);
	assert_int_equal(s->totals.tcp_states[SK_TCP_CLOSE_WAIT], 1);
	assert_int_equal(s->totals.rmem, 4096);
	assert_int_equal(s->totals.sockets, 1);
	assert_int_equal(s->socks.v[0].owners_count, 3);
	assert_int_equal(s->socks.v[0].owner_kind, SK_OWNER_FD);
}

static void test_orphans_and_accept_queue(void **state)
{
	struct sk_snapshot *s = *state;

	sb_netns(s, NS_B, ALL_INET);
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 40, "0.0.0.0", 443, NS_A)->recv_q = 7;
	sb_sock(s, SK_PROTO_TCP, AF_INET6, SK_TCP_LISTEN, 41, "::", 9981, NS_A);
	uint32_t web = sb_proc(s, 400, NS_A);

	sb_fd(s, web, 3, 40);
	uint32_t dns = sb_proc(s, 401, NS_A);

	sb_fd(s, dns, 3, 41);
	/* server-side orphans on the listener's port */
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0, "127.0.0.1", 443, NS_A);
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_LAST_ACK, 0, "127.0.0.1", 443, NS_A);
	/* accepted by a dual-stack listener: v4-mapped address */
	sb_sock(s, SK_PROTO_TCP, AF_INET6, SK_TCP_FIN_WAIT2, 0, "::ffff:127.0.0.1", 9981, NS_A);
	/* same port in another namespace: not that listener's */
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0, "127.0.0.1", 443, NS_B);
	/* client side: no listener, only a cgroup */
	struct sk_socket *c = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0,
				       "127.0.0.1", 45678, NS_A);

	c->flags |= SK_SOCK_HAS_CGROUP;
	c->cgroup_id = 1234;
	/* not orphans: accept queue child, TIME_WAIT minisocket */
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, 0, "127.0.0.1", 443, NS_A);
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_TIME_WAIT, 0, "127.0.0.1", 443, NS_A);
	join(s);

	assert_int_equal(s->totals.orphans, 5);
	assert_int_equal(s->totals.orphans_by_state[SK_TCP_FIN_WAIT1], 3);
	assert_int_equal(s->totals.orphans_attributed, 3);
	assert_int_equal(s->procs.v[web].agg.orphans, 2);
	assert_int_equal(s->procs.v[dns].agg.orphans, 1);
	assert_int_equal(s->netns.v[1].orphans[SK_TCP_FIN_WAIT1], 1);

	assert_int_equal(s->socks.v[2].owner_kind, SK_OWNER_LISTENER);
	assert_int_equal(s->socks.v[2].likely_owner, web);
	assert_int_equal(s->socks.v[4].likely_owner, dns);
	assert_int_equal(s->socks.v[5].owner_kind, SK_OWNER_NONE);
	assert_int_equal(s->socks.v[6].owner_kind, SK_OWNER_CGROUP);
	assert_false(s->socks.v[7].flags & SK_SOCK_ORPHAN);
	assert_int_equal(s->socks.v[7].owner_kind, SK_OWNER_LISTENER);
	assert_false(s->socks.v[8].flags & SK_SOCK_ORPHAN);
	/* a listener's queue is its backlog, not bytes */
	assert_int_equal(s->procs.v[web].agg.recv_q, 0);
}

static void test_bound_inactive_and_duplicates(void **state)
{
	struct sk_snapshot *s = *state;

	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE, 50, "127.0.0.1", 5000, NS_A);
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 51, "127.0.0.1", 5001, NS_A);
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 51, "127.0.0.1", 5001, NS_A);
	uint32_t p = sb_proc(s, 500, NS_A);

	sb_fd(s, p, 3, 50);
	sb_fd(s, p, 4, 51);
	join(s);
	assert_int_equal(s->duplicates, 1);
	assert_int_equal(s->socks.n, 2);
	assert_int_equal(s->procs.v[p].agg.closed[SK_SN_TCP], 1);
	assert_int_equal(s->procs.v[p].agg.tcp_states[SK_TCP_CLOSE], 1);
	assert_int_equal(s->totals.tcp_states[SK_TCP_ESTABLISHED], 1);
	assert_non_null(sk_snapshot_find_pid(s, 500));
	assert_null(sk_snapshot_find_pid(s, 501));
}

/* The tables are reused: a second join over new data must not see the old. */
static void test_reuse_after_reset(void **state)
{
	struct sk_snapshot s;

	(void)state;
	sk_snapshot_init(&s);
	for (int round = 0; round < 3; round++) {
		sk_snapshot_reset(&s);
		sb_netns(&s, NS_A, ALL_INET);
		for (int i = 0; i < 1000; i++)
			sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, (uint64_t)(1000 + i + round),
				 "127.0.0.1", 80, NS_A);
		uint32_t p = sb_proc(&s, 600, NS_A);

		for (int i = 0; i < 1000; i++)
			sb_fd(&s, p, 3 + i, (uint64_t)(1000 + i + round));
		join(&s);
		assert_int_equal(s.procs.v[0].agg.tcp_states[SK_TCP_CLOSE_WAIT], 1000);
		assert_int_equal(s.totals.tcp_states[SK_TCP_CLOSE_WAIT], 1000);
		assert_int_equal(sk_proc_closed(&s.procs.v[0]), 0);
	}
	sk_snapshot_free(&s);
}

/* --- the join against a brute-force reading of its rules --------------------------- */

static uint64_t rng_next(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

static unsigned rnd(uint64_t *x, unsigned n)
{
	return (unsigned)(rng_next(x) % n);
}

/* Every class, by pid and fd, so that shared and dup()ed fds disagree. */
static enum sk_sockname any_sockname(void *ctx, int32_t pid, int32_t fd, uint64_t inode)
{
	static const enum sk_sockname t[] = {SK_SN_TCP, SK_SN_TCPV6, SK_SN_UDP, SK_SN_UDPV6,
					     SK_SN_UNIX, SK_SN_NETLINK, SK_SN_OTHER};

	(void)ctx;
	(void)inode;
	return t[((unsigned)pid * 31u + (unsigned)fd) % 7];
}

/* Namespaces, some dumped only in part; rows with duplicate inodes and
 * inode 0 in every state; listeners on shared ports with exact, wildcard
 * and v4-mapped addresses; processes (contiguous fdrefs) holding dumped,
 * undumped, shared and dup()ed sockets. */
static void random_snapshot(struct sk_snapshot *s, uint64_t *x)
{
	static const uint64_t ns[3] = {NS_A, NS_B, NS_B + 7};
	static const uint16_t ports[4] = {80, 443, 2000, 8080};
	unsigned nns = 1 + rnd(x, 3), nsock = rnd(x, 300), nproc = rnd(x, 20);

	for (unsigned i = 0; i < nns; i++)
		sb_netns(s, ns[i], rnd(x, 4) ? ALL_INET : 1u << SK_SN_TCP);
	for (unsigned i = 0; i < nsock; i++) {
		struct sk_socket *k = SK_VEC_PUSH(&s->socks);
		unsigned a = rnd(x, 4);

		assert_non_null(k);
		k->proto = rnd(x, 10) < 8 ? SK_PROTO_TCP : rnd(x, 2) ? SK_PROTO_UDP : SK_PROTO_UNIX;
		k->family = k->proto == SK_PROTO_UNIX ? AF_UNIX : rnd(x, 3) ? AF_INET : AF_INET6;
		k->state = (uint8_t)rnd(x, SK_TCP_STATE_LAST);
		k->inode = rnd(x, 6) == 0 ? 0 : 1000 + rnd(x, nsock * 2 + 1);
		k->netns = ns[rnd(x, nns)];
		k->local.port = ports[rnd(x, 4)];
		if (k->family == AF_INET && a) {
			k->local.addr[0] = 127;
			k->local.addr[3] = (uint8_t)a;
		} else if (k->family == AF_INET6 && a == 1) {
			k->local.addr[15] = 1;
		} else if (k->family == AF_INET6 && a > 1) {
			k->local.addr[10] = k->local.addr[11] = 0xff;
			k->local.addr[12] = 127;
			k->local.addr[15] = (uint8_t)(a - 1);
		}
		k->sockname = k->proto == SK_PROTO_TCP ? (k->family == AF_INET6 ? SK_SN_TCPV6 : SK_SN_TCP)
			      : k->proto == SK_PROTO_UDP ? (k->family == AF_INET6 ? SK_SN_UDPV6 : SK_SN_UDP)
							 : SK_SN_UNIX;
		k->mem.rmem_alloc = rnd(x, 100000);
		k->mem.wmem_queued = rnd(x, 1000);
		k->recv_q = rnd(x, 5000);
		k->send_q = rnd(x, 5000);
		if (rnd(x, 2)) {
			k->flags |= SK_SOCK_HAS_CGROUP;
			k->cgroup_id = rnd(x, 3);
		}
	}
	for (unsigned p = 0; p < nproc; p++) {
		uint32_t pi = sb_proc(s, (int32_t)(100 + p * 3), rnd(x, 10) ? ns[rnd(x, nns)] : 999);
		unsigned nf = rnd(x, 40);

		for (unsigned f = 0; f < nf; f++) {
			unsigned c = rnd(x, 10);
			uint64_t inode = 0;

			if (c < 6 && s->socks.n)
				inode = s->socks.v[rnd(x, (unsigned)s->socks.n)].inode;
			else if (c < 8)
				inode = 500000 + rnd(x, 50); /* in no dump, and held twice */
			else if (c < 9 && f)
				inode = s->fdrefs.v[s->fdrefs.n - 1].inode; /* dup() */
			sb_fd(s, pi, (int32_t)(3 + f), inode);
		}
	}
}

static bool same_addr(const struct sk_socket *a, const struct sk_socket *b)
{
	static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (a->family == b->family)
		return memcmp(a->local.addr, b->local.addr, a->family == AF_INET6 ? 16 : 4) == 0;
	const struct sk_socket *v6 = a->family == AF_INET6 ? a : b, *v4 = a->family == AF_INET6 ? b : a;

	return memcmp(v6->local.addr, mapped, 12) == 0 && memcmp(v6->local.addr + 12, v4->local.addr, 4) == 0;
}

/* The listener an fd-less row is attributed to, by the documented rules,
 * over the rows in order: the first one held by a process on the same
 * namespace and port with the same address, else the first wildcard one
 * (a v4 listener never for a v6 row). */
static uint32_t brute_listener(const struct sk_snapshot *s, const struct sk_socket *o)
{
	static const uint8_t zero[16];
	uint32_t wildcard = SK_NONE;

	for (uint32_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *l = &s->socks.v[i];

		if (l->proto != SK_PROTO_TCP || l->state != SK_TCP_LISTEN || l->netns != o->netns ||
		    l->local.port != o->local.port || l->owners_count == 0)
			continue;
		if (same_addr(l, o))
			return i;
		if (l->family == AF_INET && o->family == AF_INET6)
			continue;
		if (wildcard == SK_NONE &&
		    memcmp(l->local.addr, zero, l->family == AF_INET6 ? 16 : 4) == 0)
			wildcard = i;
	}
	return wildcard;
}

static void agg_add(struct sk_agg *a, const struct sk_socket *k)
{
	a->sockets++;
	a->by_proto[k->proto]++;
	if (k->flags & SK_SOCK_UNDUMPED) {
		if (k->proto == SK_PROTO_TCP)
			a->closed[k->sockname]++;
		else
			a->unbound[k->sockname]++;
		return;
	}
	if (k->proto == SK_PROTO_TCP) {
		a->tcp_states[k->state]++;
		if (k->state == SK_TCP_CLOSE)
			a->closed[k->sockname]++;
	}
	a->rmem += k->mem.rmem_alloc;
	a->wmem += k->mem.wmem_queued;
	if (k->state != SK_TCP_LISTEN) {
		a->recv_q += k->recv_q;
		a->send_q += k->send_q;
	}
}

static void check_join(const struct sk_snapshot *in, const struct sk_snapshot *s)
{
	size_t rows = 0, dups = 0;

	/* Dumped rows: the input's, an inode seen before dropped. */
	for (size_t i = 0; i < in->socks.n; i++) {
		const struct sk_socket *k = &in->socks.v[i];
		bool dup = false;

		for (size_t j = 0; j < i && k->inode; j++)
			dup |= in->socks.v[j].inode == k->inode;
		if (dup) {
			dups++;
			continue;
		}
		assert_true(rows < s->dumped_rows);
		assert_int_equal(s->socks.v[rows].inode, k->inode);
		assert_int_equal(s->socks.v[rows].state, k->state);
		assert_false(s->socks.v[rows].flags & SK_SOCK_UNDUMPED);
		rows++;
	}
	assert_int_equal(s->dumped_rows, rows);
	assert_int_equal(s->duplicates, dups);

	/* Each fd: its row, a synthesized one, or "other"; owners in fd order. */
	struct sk_agg other[64];
	uint32_t other_total[SK_SN_LAST] = {0};

	assert_true(s->procs.n <= 64);
	memset(other, 0, sizeof(other));
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		const struct sk_fdref *r = &s->fdrefs.v[f];
		const struct sk_process *p = &s->procs.v[r->proc];

		if (r->inode == 0) {
			assert_int_equal(r->sock, SK_NONE);
			continue;
		}
		uint32_t dumped = SK_NONE;

		for (uint32_t i = 0; i < s->dumped_rows && dumped == SK_NONE; i++)
			if (s->socks.v[i].inode == r->inode)
				dumped = i;
		if (dumped != SK_NONE) {
			assert_int_equal(r->sock, dumped);
			continue;
		}
		enum sk_sockname sn = any_sockname(NULL, p->pid, r->fd, r->inode);
		const struct sk_netns *ns = NULL;

		for (size_t k = 0; k < s->netns.n; k++)
			if (s->netns.v[k].id == p->netns)
				ns = &s->netns.v[k];
		bool judged = ns && (ns->dumped & (1u << sn)) &&
			      (sn == SK_SN_TCP || sn == SK_SN_TCPV6 || sn == SK_SN_UDP || sn == SK_SN_UDPV6);
		/* The first fd holding an undumped inode decides its row. */
		size_t first = f;

		for (size_t g = 0; g < f; g++)
			if (s->fdrefs.v[g].inode == r->inode && s->fdrefs.v[g].sock != SK_NONE) {
				first = g;
				break;
			}
		if (first != f) {
			assert_int_equal(r->sock, s->fdrefs.v[first].sock);
			continue;
		}
		if (!judged) {
			assert_int_equal(r->sock, SK_NONE);
			other[r->proc].other[sn]++;
			other_total[sn]++;
			continue;
		}
		assert_true(r->sock >= s->dumped_rows && r->sock < s->socks.n);
		const struct sk_socket *k = &s->socks.v[r->sock];

		assert_int_equal(k->inode, r->inode);
		assert_true(k->flags & SK_SOCK_UNDUMPED);
		assert_int_equal(k->sockname, sn);
		assert_int_equal(k->netns, p->netns);
	}
	for (uint32_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		uint32_t n = 0;

		for (uint32_t f = 0; f < s->fdrefs.n; f++) {
			if (s->fdrefs.v[f].sock != i)
				continue;
			assert_true(n < k->owners_count);
			assert_int_equal(s->owner_index.v[k->owners_start + n], f);
			n++;
		}
		assert_int_equal(k->owners_count, n);
		if (n)
			assert_int_equal(k->owner_kind, SK_OWNER_FD);
	}

	/* Fd-less rows: orphans and accept-queue children, their likely owner. */
	struct sk_totals t = {0};

	for (uint32_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		bool fdless = k->proto == SK_PROTO_TCP && k->inode == 0 &&
			      !(k->flags & SK_SOCK_UNDUMPED) && k->state != SK_TCP_TIME_WAIT &&
			      k->state != SK_TCP_NEW_SYN_RECV && k->state != SK_TCP_SYN_RECV &&
			      !(k->state == SK_TCP_FIN_WAIT2 && k->timer == SK_TIMER_TIMEWAIT);
		bool orphan = fdless && sk_socket_is_orphan_state(k->state);
		uint32_t l = fdless ? brute_listener(s, k) : SK_NONE;

		assert_int_equal(!!(k->flags & SK_SOCK_ORPHAN), orphan);
		if (l != SK_NONE) {
			const struct sk_socket *ls = &s->socks.v[l];

			assert_int_equal(k->likely_owner, s->fdrefs.v[s->owner_index.v[ls->owners_start]].proc);
			assert_int_equal(k->owner_kind, SK_OWNER_LISTENER);
			if (orphan) {
				other[k->likely_owner].orphans++;
				other[k->likely_owner].rmem += k->mem.rmem_alloc;
				other[k->likely_owner].wmem += k->mem.wmem_queued;
			}
		} else {
			assert_int_equal(k->likely_owner, SK_NONE);
			if (fdless)
				assert_int_equal(k->owner_kind, orphan && (k->flags & SK_SOCK_HAS_CGROUP) &&
							 k->cgroup_id ? SK_OWNER_CGROUP : SK_OWNER_NONE);
		}
		/* Machine totals, every row once. */
		t.sockets++;
		t.by_proto[k->proto]++;
		if (k->flags & SK_SOCK_UNDUMPED) {
			if (k->proto == SK_PROTO_TCP)
				t.closed[k->sockname]++;
			else
				t.unbound[k->sockname]++;
			continue;
		}
		if (k->proto == SK_PROTO_TCP) {
			t.tcp_states[k->state]++;
			if (k->state == SK_TCP_CLOSE)
				t.closed[k->sockname]++;
		}
		if (orphan) {
			t.orphans++;
			t.orphans_by_state[k->state]++;
			t.orphans_attributed += l != SK_NONE;
		}
		t.rmem += k->mem.rmem_alloc;
		t.wmem += k->mem.wmem_queued;
		if (k->state != SK_TCP_LISTEN) {
			t.recv_q += k->recv_q;
			t.send_q += k->send_q;
		}
	}
	memcpy(t.other, other_total, sizeof(t.other));
	assert_memory_equal(&t, &s->totals, sizeof(t));

	/* Each process counts each of its rows once, however many fds hold it. */
	for (uint32_t p = 0; p < s->procs.n; p++) {
		struct sk_agg want = other[p];
		const struct sk_process *pr = &s->procs.v[p];

		for (uint32_t i = 0; i < s->socks.n; i++)
			for (uint32_t f = pr->fdrefs_start; f < pr->fdrefs_start + pr->fdrefs_count; f++)
				if (s->fdrefs.v[f].sock == i) {
					agg_add(&want, &s->socks.v[i]);
					break;
				}
		assert_memory_equal(&want, &pr->agg, sizeof(want));
	}
}

static void test_join_matches_brute_force(void **state)
{
	struct sk_snapshot s, in;
	struct sk_error err = {0};
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	sk_snapshot_init(&s);
	sk_snapshot_init(&in);
	for (int round = 0; round < 400; round++) {
		sk_snapshot_reset(&s); /* the same storage every round, as the engine does */
		random_snapshot(&s, &x);
		sk_snapshot_reset(&in);
		for (size_t i = 0; i < s.socks.n; i++) {
			struct sk_socket *k = SK_VEC_PUSH(&in.socks);

			assert_non_null(k);
			*k = s.socks.v[i];
		}
		assert_int_equal(sk_snapshot_join(&s, any_sockname, NULL, &err), 0);
		check_join(&in, &s);
	}
	sk_snapshot_free(&s);
	sk_snapshot_free(&in);
}

SK_SUITE_MAIN(NULL, NULL,
	SNAP_TEST(test_closed_unbound_other),
	SNAP_TEST(test_undumped_namespace_is_not_closed),
	SNAP_TEST(test_shared_and_dup_counted_once),
	SNAP_TEST(test_orphans_and_accept_queue),
	SNAP_TEST(test_bound_inactive_and_duplicates),
	cmocka_unit_test(test_reuse_after_reset),
	cmocka_unit_test(test_join_matches_brute_force))
