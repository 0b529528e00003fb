/* The join: fds to sockets, closed-socket detection, orphans and their
 * likely owners, and counts that never count a socket twice. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "procsort.h"
#include "snapbuild.h"
#include "snapshot.h"

static const struct sk_socket *by_inode(const struct sk_snapshot *s, uint64_t inode)
{
	for (size_t i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].inode == inode)
			return &s->socks.v[i];
	return NULL;
}

static void test_closed_unbound_other(void **state)
{
	struct sk_snapshot s;
	struct sk_error err = {0};

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 10, "127.0.0.1", 80, NS_A);
	uint32_t p = sb_proc(&s, 100, NS_A);

	sb_fd(&s, p, 3, 10);   /* dumped */
	sb_fd(&s, p, 101, 11); /* TCP, in no dump: closed */
	sb_fd(&s, p, 102, 12);
	sb_fd(&s, p, 201, 13); /* TCPv6 closed */
	sb_fd(&s, p, 301, 14); /* UDP never bound */
	sb_fd(&s, p, 401, 15); /* NETLINK: not sktop's to judge */
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);

	const struct sk_agg *a = &s.procs.v[p].agg;

	assert_int_equal(a->closed[SK_SN_TCP], 2);
	assert_int_equal(a->closed[SK_SN_TCPV6], 1);
	assert_int_equal(a->unbound[SK_SN_UDP], 1);
	assert_int_equal(a->closed[SK_SN_UDP], 0);
	assert_int_equal(a->other[SK_SN_NETLINK], 1);
	assert_int_equal(a->sockets, 5); /* netlink is not a row */
	assert_int_equal(a->tcp_states[SK_TCP_ESTABLISHED], 1);
	assert_int_equal(s.totals.closed[SK_SN_TCP], 2);
	const struct sk_socket *k = by_inode(&s, 11);

	assert_non_null(k);
	assert_true(k->flags & SK_SOCK_UNDUMPED);
	assert_int_equal(k->state, SK_TCP_CLOSE);
	assert_int_equal(k->owners_count, 1);
	assert_int_equal(s.fdrefs.v[s.owner_index.v[k->owners_start]].fd, 101);
	assert_int_equal(by_inode(&s, 13)->family, AF_INET6);
	assert_null(by_inode(&s, 15));
	sk_snapshot_free(&s);
}

/* A process in a namespace that was not dumped (or a class not dumped
 * there) must never show closed sockets: "unknown" is not "leaked". */
static void test_undumped_namespace_is_not_closed(void **state)
{
	struct sk_snapshot s;
	struct sk_error err = {0};

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	sb_netns(&s, NS_B, 0); /* dump failed */
	uint32_t p = sb_proc(&s, 200, NS_B);

	sb_fd(&s, p, 101, 21);
	sb_fd(&s, p, 102, 22);
	uint32_t q = sb_proc(&s, 201, NS_A);

	sb_fd(&s, q, 101, 23);
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
	assert_int_equal(s.procs.v[p].agg.closed[SK_SN_TCP], 0);
	assert_int_equal(s.procs.v[p].agg.other[SK_SN_TCP], 2);
	assert_int_equal(s.procs.v[q].agg.closed[SK_SN_TCP], 1);
	assert_int_equal(s.totals.closed[SK_SN_TCP], 1);
	sk_snapshot_free(&s);
}

static void test_shared_and_dup_counted_once(void **state)
{
	struct sk_snapshot s;
	struct sk_error err = {0};

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	struct sk_socket *k = sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, 30,
				       "10.0.0.1", 8080, NS_A);

	k->recv_q = 100;
	k->mem.rmem_alloc = 4096;
	uint32_t parent = sb_proc(&s, 300, NS_A);

	sb_fd(&s, parent, 5, 30);
	sb_fd(&s, parent, 6, 30); /* dup() */
	uint32_t child = sb_proc(&s, 301, NS_A);

	sb_fd(&s, child, 5, 30); /* inherited across fork */
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
	assert_int_equal(s.procs.v[parent].agg.sockets, 1);
	assert_int_equal(s.procs.v[parent].agg.tcp_states[SK_TCP_CLOSE_WAIT], 1);
	assert_int_equal(s.procs.v[parent].agg.recv_q, 100);
	assert_int_equal(s.procs.v[child].agg.tcp_states[SK_TCP_CLOSE_WAIT], 1);
	assert_int_equal(s.totals.tcp_states[SK_TCP_CLOSE_WAIT], 1);
	assert_int_equal(s.totals.rmem, 4096);
	assert_int_equal(s.totals.sockets, 1);
	assert_int_equal(s.socks.v[0].owners_count, 3);
	assert_int_equal(s.socks.v[0].owner_kind, SK_OWNER_FD);
	sk_snapshot_free(&s);
}

static void test_orphans_and_accept_queue(void **state)
{
	struct sk_snapshot s;
	struct sk_error err = {0};

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	sb_netns(&s, NS_B, ALL_INET);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 40, "0.0.0.0", 443, NS_A)->recv_q = 7;
	sb_sock(&s, SK_PROTO_TCP, AF_INET6, SK_TCP_LISTEN, 41, "::", 9981, NS_A);
	uint32_t web = sb_proc(&s, 400, NS_A);

	sb_fd(&s, web, 3, 40);
	uint32_t dns = sb_proc(&s, 401, NS_A);

	sb_fd(&s, dns, 3, 41);
	/* server-side orphans on the listener's port */
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0, "127.0.0.1", 443, NS_A);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_LAST_ACK, 0, "127.0.0.1", 443, NS_A);
	/* accepted by a dual-stack listener: v4-mapped address */
	sb_sock(&s, SK_PROTO_TCP, AF_INET6, SK_TCP_FIN_WAIT2, 0, "::ffff:127.0.0.1", 9981, NS_A);
	/* same port in another namespace: not that listener's */
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0, "127.0.0.1", 443, NS_B);
	/* client side: no listener, only a cgroup */
	struct sk_socket *c = sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0,
				       "127.0.0.1", 45678, NS_A);

	c->flags |= SK_SOCK_HAS_CGROUP;
	c->cgroup_id = 1234;
	/* not orphans: accept queue child, TIME_WAIT minisocket */
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, 0, "127.0.0.1", 443, NS_A);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_TIME_WAIT, 0, "127.0.0.1", 443, NS_A);
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);

	assert_int_equal(s.totals.orphans, 5);
	assert_int_equal(s.totals.orphans_by_state[SK_TCP_FIN_WAIT1], 3);
	assert_int_equal(s.totals.orphans_attributed, 3);
	assert_int_equal(s.procs.v[web].agg.orphans, 2);
	assert_int_equal(s.procs.v[dns].agg.orphans, 1);
	assert_int_equal(s.netns.v[1].orphans[SK_TCP_FIN_WAIT1], 1);

	assert_int_equal(s.socks.v[2].owner_kind, SK_OWNER_LISTENER);
	assert_int_equal(s.socks.v[2].likely_owner, web);
	assert_int_equal(s.socks.v[4].likely_owner, dns);
	assert_int_equal(s.socks.v[5].owner_kind, SK_OWNER_NONE);
	assert_int_equal(s.socks.v[6].owner_kind, SK_OWNER_CGROUP);
	assert_false(s.socks.v[7].flags & SK_SOCK_ORPHAN);
	assert_int_equal(s.socks.v[7].owner_kind, SK_OWNER_LISTENER);
	assert_false(s.socks.v[8].flags & SK_SOCK_ORPHAN);
	/* a listener's queue is its backlog, not bytes */
	assert_int_equal(s.procs.v[web].agg.recv_q, 0);
	sk_snapshot_free(&s);
}

static void test_bound_inactive_and_duplicates(void **state)
{
	struct sk_snapshot s;
	struct sk_error err = {0};

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE, 50, "127.0.0.1", 5000, NS_A);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 51, "127.0.0.1", 5001, NS_A);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 51, "127.0.0.1", 5001, NS_A);
	uint32_t p = sb_proc(&s, 500, NS_A);

	sb_fd(&s, p, 3, 50);
	sb_fd(&s, p, 4, 51);
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
	assert_int_equal(s.duplicates, 1);
	assert_int_equal(s.socks.n, 2);
	assert_int_equal(s.procs.v[p].agg.closed[SK_SN_TCP], 1);
	assert_int_equal(s.procs.v[p].agg.tcp_states[SK_TCP_CLOSE], 1);
	assert_int_equal(s.totals.tcp_states[SK_TCP_ESTABLISHED], 1);
	assert_non_null(sk_snapshot_find_pid(&s, 500));
	assert_null(sk_snapshot_find_pid(&s, 501));
	sk_snapshot_free(&s);
}

/* The tables are reused: a second join over new data must not see the old. */
static void test_reuse_after_reset(void **state)
{
	struct sk_snapshot s;
	struct sk_error err = {0};

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
		assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
		assert_int_equal(s.procs.v[0].agg.tcp_states[SK_TCP_CLOSE_WAIT], 1000);
		assert_int_equal(s.totals.tcp_states[SK_TCP_CLOSE_WAIT], 1000);
		assert_int_equal(sk_proc_closed(&s.procs.v[0]), 0);
	}
	sk_snapshot_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_closed_unbound_other),
		cmocka_unit_test(test_undumped_namespace_is_not_closed),
		cmocka_unit_test(test_shared_and_dup_counted_once),
		cmocka_unit_test(test_orphans_and_accept_queue),
		cmocka_unit_test(test_bound_inactive_and_duplicates),
		cmocka_unit_test(test_reuse_after_reset),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
