/* Every rule fires on its situation and only there; growth comes from a
 * fake clock, never from sleeping. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "suite.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "analyse/persist.h"
#include "snapbuild.h"

struct world {
	struct sb_world sb;
	struct sk_persist *ages;
};

static void healthy_system(struct sk_snapshot *s)
{
	struct sk_limits *l = &s->sys.limits;

	s->sys.sockstat[SK_SS_TCP_ORPHAN] = 0;
	s->sys.sockstat[SK_SS_TCP_MEM] = 5;
	s->sys.sockstat[SK_SS_TCP_TW] = 3;
	for (int i = 0; i < SK_CTR_LAST; i++)
		s->sys.counters[i] = 0;
	sb_limits(l);
}

static void begin(struct world *w, uint64_t t_ms)
{
	sk_snapshot_reset(&w->sb.s);
	healthy_system(&w->sb.s);
	sb_time(&w->sb.s, t_ms);
	w->sb.s.seq++;
	sb_netns(&w->sb.s, NS_A, ALL_INET);
}

static void finish(struct world *w)
{
	struct sk_error err = {0};

	assert_int_equal(sk_snapshot_join(&w->sb.s, sb_sockname, NULL, &err), 0);
	assert_int_equal(sk_persist_update(w->ages, &w->sb.s), 0);
	assert_int_equal(sk_history_record(&w->sb.h, &w->sb.s), 0);
	assert_int_equal(sk_findings_evaluate(&w->sb.f, &w->sb.s, &w->sb.h, &w->sb.th), 0);
}

/* The machine's figures for one refresh; 0 leaves healthy_system's. */
struct sys_figures {
	int64_t orphans, max_orphans, aborts, tcp_mem;
};

/* One refresh at t_ms of a healthy machine but for the figures in sys. */
static void refresh_system(struct world *w, uint64_t t_ms, struct sys_figures sys)
{
	struct sk_system *m = &w->sb.s.sys;

	begin(w, t_ms);
	if (sys.orphans)
		m->sockstat[SK_SS_TCP_ORPHAN] = sys.orphans;
	if (sys.max_orphans)
		m->limits.tcp_max_orphans = sys.max_orphans;
	if (sys.aborts)
		m->counters[SK_CTR_TCP_ABORT_ON_MEMORY] = sys.aborts;
	if (sys.tcp_mem)
		m->sockstat[SK_SS_TCP_MEM] = sys.tcp_mem;
	finish(w);
}

static int setup(void **state)
{
	struct world *w = test_calloc(1, sizeof(*w));

	sb_world_init(&w->sb);
	assert_int_equal(sk_persist_new(&w->ages), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	sb_world_free(&w->sb);
	sk_persist_free(w->ages);
	test_free(w);
	return 0;
}

static const struct sk_finding *only(const struct world *w, enum sk_finding_kind kind)
{
	const struct sk_finding *found = NULL;

	for (size_t i = 0; i < w->sb.f.list.n; i++) {
		if (w->sb.f.list.v[i].kind != kind)
			fail_msg("unexpected finding %s: %s", sk_finding_kind_names[w->sb.f.list.v[i].kind],
				 w->sb.f.list.v[i].title);
		found = &w->sb.f.list.v[i];
	}
	if (!found)
		fail_msg("no %s finding", sk_finding_kind_names[kind]);
	return found;
}

/* A process with ordinary traffic: a listener, some established sockets. */
static uint32_t add_healthy_server(struct world *w, int32_t pid, uint64_t inode0)
{
	uint32_t p = sb_proc(&w->sb.s, pid, NS_A);
	struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, inode0,
				      "0.0.0.0", 80, NS_A);

	k->send_q = 4096;
	k->recv_q = 2;
	sb_fd(&w->sb.s, p, 3, inode0);
	for (int i = 1; i <= 20; i++) {
		k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, inode0 + (uint64_t)i,
			    "10.0.0.1", 80, NS_A);
		sb_peer(k, "10.0.0.9", (uint16_t)(40000 + i));
		k->recv_q = 100;
		sb_fd(&w->sb.s, p, 3 + i, inode0 + (uint64_t)i);
	}
	return p;
}

static void test_healthy_machine_has_no_findings(void **state)
{
	struct world *w = *state;

	for (int r = 0; r < 5; r++) {
		begin(w, 1000 + (uint64_t)r * 60000);
		add_healthy_server(w, 100, 1000);
		struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_TIME_WAIT, 0,
					      "10.0.0.1", 45000, NS_A);

		sb_peer(k, "10.0.0.5", 5432);
		finish(w);
		if (w->sb.f.list.n)
			fail_msg("healthy machine: %s", w->sb.f.list.v[0].title);
	}
}

/* n CLOSE_WAIT sockets; est_ms > 0: tcp_info says the peer's last ACK
 * (its FIN) came that long ago. */
static void add_close_wait_est(struct world *w, uint32_t p, int n, uint64_t inode0,
			       uint32_t est_ms)
{
	for (int i = 0; i < n; i++) {
		struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT,
					      inode0 + (uint64_t)i, "10.0.0.1", 8080, NS_A);

		sb_peer(k, i < n - 5 ? "10.0.3.7" : "10.0.3.8", (uint16_t)(30000 + i));
		k->recv_q = 1;
		if (est_ms) {
			k->flags |= SK_SOCK_HAS_TCPINFO;
			k->tcp.last_ack_recv_ms = est_ms;
			k->tcp.last_data_recv_ms = est_ms + 10;
		}
		sb_fd(&w->sb.s, p, 1000 + i, inode0 + (uint64_t)i);
	}
}

static void add_close_wait(struct world *w, uint32_t p, int n, uint64_t inode0)
{
	add_close_wait_est(w, p, n, inode0, 0);
}

/* A busy server: 60 CLOSE_WAIT at every look, never the same ones. */
static void test_close_wait_churn_is_quiet(void **state)
{
	struct world *w = *state;

	for (int r = 0; r < 10; r++) {
		begin(w, 1000 + (uint64_t)r * 2000);
		add_close_wait_est(w, sb_proc(&w->sb.s, 200, NS_A), 60, 5000 + (uint64_t)r * 100, 150);
		finish(w);
		assert_int_equal(w->sb.f.list.n, 0);
		assert_int_equal(w->sb.f.pending[SK_FIND_CLOSE_WAIT], 0); /* tcp_info says: young */
	}
}

/* One look: tcp_info's last ACK is the age's lower bound. */
static void test_close_wait_one_look(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	add_close_wait_est(w, sb_proc(&w->sb.s, 200, NS_A), 40, 5000, 20000);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_CLOSE_WAIT);

	assert_int_equal(f->ev[0].value, 40);
	assert_non_null(strstr(f->detail, "oldest 20 s (tcp_info estimate)"));
	/* Without tcp_info one look cannot tell: pending, no finding. */
	begin(w, 1000);
	add_close_wait(w, sb_proc(&w->sb.s, 201, NS_A), 40, 9000);
	sk_persist_free(w->ages);
	assert_int_equal(sk_persist_new(&w->ages), 0);
	finish(w);
	assert_int_equal(w->sb.f.list.n, 0);
	assert_int_equal(w->sb.f.pending[SK_FIND_CLOSE_WAIT], 40);
}

static void test_close_wait(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	add_close_wait(w, sb_proc(&w->sb.s, 200, NS_A), 60, 5000);
	finish(w);
	assert_int_equal(w->sb.f.list.n, 0); /* first sight: age unknown */
	/* The same sockets 6 s later: held. */
	begin(w, 7000);
	add_close_wait(w, sb_proc(&w->sb.s, 200, NS_A), 60, 5000);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_CLOSE_WAIT);

	assert_int_equal(f->severity, SK_SEV_WARNING);
	assert_int_equal(f->pid, 200);
	assert_int_equal(f->socks_count, 60);
	assert_non_null(strstr(f->detail, "10.0.3.7 x55, 10.0.3.8 x5"));
	assert_non_null(strstr(f->detail, "oldest 6 s (seen by sktop)"));
	assert_non_null(strstr(f->next_step, "sport = :8080"));

	/* Growing steadily over the next refreshes: critical, with the rate. */
	for (int r = 1; r <= 4; r++) {
		begin(w, 7000 + (uint64_t)r * 30000);
		add_close_wait(w, sb_proc(&w->sb.s, 200, NS_A), 60 + r * 10, 5000);
		finish(w);
	}
	f = only(w, SK_FIND_CLOSE_WAIT);
	assert_int_equal(f->severity, SK_SEV_CRITICAL);
	assert_int_equal(f->ev[0].value, 90); /* the 10 first seen now are not held yet */
	assert_non_null(strstr(f->detail, "growing steadily"));
}

/* Nine workers of one program with the same bug: one finding listing them. */
static void test_one_program_one_finding(void **state)
{
	struct world *w = *state;
	const struct sk_finding *f = NULL;

	for (int r = 0; r < 2; r++) {
		begin(w, 1000 + (uint64_t)r * 6000);
		for (int i = 0; i < 9; i++) {
			uint32_t p = sb_proc(&w->sb.s, 700 + i, NS_A);

			snprintf(w->sb.s.procs.v[p].comm, SK_COMM_MAX, "worker");
			add_close_wait(w, p, 3, 20000 + (uint64_t)i * 100);
		}
		uint32_t other = sb_proc(&w->sb.s, 800, NS_A);

		add_close_wait(w, other, 2, 30000);
		finish(w);
	}
	assert_int_equal(w->sb.f.list.n, 2);
	for (size_t i = 0; i < w->sb.f.list.n; i++)
		if (w->sb.f.list.v[i].pid == 700)
			f = &w->sb.f.list.v[i];
	assert_non_null(f);
	assert_int_equal(f->nprocs, 9);
	assert_int_equal(f->pids[8], 708);
	assert_int_equal(f->ev[0].value, 27);
	assert_int_equal(f->socks_count, 27);
	assert_string_equal(f->subject, "worker[700,701,702,703,704,705,706,707,708]");
	assert_true(sk_finding_has_pid(f, 705));
	assert_false(sk_finding_has_pid(f, 800));
}

/* Seed 002 starts from dmesg: the kernel's words make the finding even
 * when the count looks fine now; a complaint older than the window does not. */
static void test_kernel_log_orphans(void **state)
{
	struct world *w = *state;

	begin(w, 600000);
	w->sb.s.klog.enabled = true;
	w->sb.s.klog.lines[SK_KMSG_ORPHANS].count = 12;
	w->sb.s.klog.lines[SK_KMSG_ORPHANS].first_us = 500000ULL * 1000;
	w->sb.s.klog.lines[SK_KMSG_ORPHANS].last_us = 590000ULL * 1000;
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_ORPHANS);

	assert_int_equal(f->severity, SK_SEV_CRITICAL);
	assert_non_null(strstr(f->detail, "\"too many orphaned sockets\" x12, first 100 s ago, "
				      "last 10 s ago"));
	/* 20 minutes later, nothing new: the header keeps it, no finding. */
	begin(w, 600000 + 20 * 60000);
	w->sb.s.klog.enabled = true;
	w->sb.s.klog.lines[SK_KMSG_ORPHANS].count = 12;
	w->sb.s.klog.lines[SK_KMSG_ORPHANS].last_us = 590000ULL * 1000;
	finish(w);
	assert_int_equal(w->sb.f.list.n, 0);
}

/* TIME_WAIT towards one destination: a TIME_WAIT lives 60 s, so their
 * count is the rate per minute; the maker is who holds connections there. */
static void test_time_wait_churn(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	w->sb.s.sys.limits.ip_local_port_range[0] = 40000;
	w->sb.s.sys.limits.ip_local_port_range[1] = 40999;
	w->sb.s.sys.limits.tcp_max_tw_buckets = 262144;
	uint32_t p = sb_proc(&w->sb.s, 900, NS_A);

	for (int i = 0; i < 600; i++)
		sb_peer(sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_TIME_WAIT, 0, "10.0.0.1",
				(uint16_t)(40000 + i), NS_A), "10.0.0.5", 5432);
	for (int i = 0; i < 3; i++) {
		sb_peer(sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 9100 + (uint64_t)i,
				"10.0.0.1", (uint16_t)(40900 + i), NS_A), "10.0.0.5", 5432);
		sb_fd(&w->sb.s, p, 10 + i, 9100 + (uint64_t)i);
	}
	finish(w);
	const struct sk_finding *f = NULL;

	for (size_t i = 0; i < w->sb.f.list.n; i++)
		if (w->sb.f.list.v[i].kind == SK_FIND_TIME_WAIT_CHURN)
			f = &w->sb.f.list.v[i];
	assert_non_null(f);
	assert_int_equal(f->pid, 900);
	assert_int_equal(f->ev[0].value, 600);
	assert_int_equal(f->ev[1].limit, 1000);
	assert_int_equal(f->socks_count, 600);
	assert_int_equal(f->severity, SK_SEV_WARNING);
}

static void add_closed(struct world *w, uint32_t p, int n)
{
	for (int i = 0; i < n; i++)
		sb_fd(&w->sb.s, p, 100 + i, 7000 + (uint64_t)i); /* TCP fds in no dump */
}

static void test_closed_leak_and_fd_exhaustion(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	add_closed(w, sb_proc(&w->sb.s, 300, NS_A), 60);
	finish(w);
	/* One look: a socket about to connect looks the same. */
	assert_int_equal(w->sb.f.list.n, 0);
	assert_int_equal(w->sb.f.pending[SK_FIND_CLOSED_LEAK], 60);
	begin(w, 7000);
	add_closed(w, sb_proc(&w->sb.s, 300, NS_A), 60);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_CLOSED_LEAK);

	assert_int_equal(f->severity, SK_SEV_WARNING);
	assert_int_equal(f->ev[0].value, 60);
	assert_int_equal(f->socks_count, 60);

	/* Near RLIMIT_NOFILE: critical, and fd_exhaustion is not repeated. */
	begin(w, 8000);
	uint32_t p = sb_proc(&w->sb.s, 300, NS_A);

	w->sb.s.procs.v[p].fd_limit = 64;
	add_closed(w, p, 62);
	finish(w);
	f = only(w, SK_FIND_CLOSED_LEAK);
	assert_int_equal(f->severity, SK_SEV_CRITICAL);
	assert_int_equal(f->ev[0].value, 60);
	assert_non_null(strstr(f->detail, "fds 62/64"));

	/* The same fd numbers now hold other sockets: nothing is held. */
	begin(w, 20000);
	p = sb_proc(&w->sb.s, 300, NS_A);
	for (int i = 0; i < 60; i++)
		sb_fd(&w->sb.s, p, 100 + i, 17000 + (uint64_t)i);
	finish(w);
	assert_int_equal(w->sb.f.list.n, 0);

	/* No closed sockets, many other fds: fd_exhaustion. */
	begin(w, 23000);
	p = sb_proc(&w->sb.s, 301, NS_A);
	sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 9000, "10.0.0.1", 1, NS_A);
	sb_fd(&w->sb.s, p, 3, 9000);
	w->sb.s.procs.v[p].fd_count = 900;
	w->sb.s.procs.v[p].fd_limit = 1000;
	finish(w);
	f = only(w, SK_FIND_FD_EXHAUSTION);
	assert_int_equal(f->severity, SK_SEV_WARNING);
	assert_int_equal(f->pid, 301);
}

static void add_recv(struct world *w, uint32_t recv_q)
{
	uint32_t p = sb_proc(&w->sb.s, 400, NS_A);
	struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 8000,
				      "10.0.0.1", 9000, NS_A);

	sb_peer(k, "10.0.0.2", 50000);
	k->recv_q = recv_q;
	k->mem.rmem_alloc = recv_q + recv_q / 4;
	w->sb.s.procs.v[p].rss_kb = 300;
	sb_fd(&w->sb.s, p, 5, 8000);
}

static void test_recv_stuck(void **state)
{
	struct world *w = *state;

	/* One refresh, moderate queue: not reported yet. */
	begin(w, 1000);
	add_recv(w, 100000);
	finish(w);
	assert_int_equal(w->sb.f.list.n, 0);
	/* A second refresh 5 s later, not shrinking: reported, confirmed. */
	begin(w, 6000);
	add_recv(w, 100000);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_RECV_STUCK);

	assert_non_null(strstr(f->detail, "not shrinking for 5 s"));
	assert_non_null(strstr(f->title, "RSS 300K"));
	/* Drained: gone. */
	begin(w, 11000);
	add_recv(w, 10);
	finish(w);
	assert_int_equal(w->sb.f.list.n, 0);
}

static void test_recv_stuck_first_refresh_large(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	add_recv(w, 4u << 20);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_RECV_STUCK);

	assert_non_null(strstr(f->detail, "one refresh so far"));
}

static void test_peer_zero_window(void **state)
{
	struct world *w = *state;

	/* With tcp_info (JSON, TUI) the backoff is evidence; without it (text
	 * batch does not ask) it is left out, not shown as 0. */
	for (int with_info = 1; with_info >= 0; with_info--) {
		begin(w, 1000 + 2000 * (uint64_t)(1 - with_info));
		uint32_t p = sb_proc(&w->sb.s, 500, NS_A);

		sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 600, "0.0.0.0", 21,
			NS_A)->send_q = 128;
		sb_fd(&w->sb.s, p, 3, 600);
		for (int i = 0; i < 5; i++) {
			struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0,
						      "10.0.0.1", 21, NS_A);

			sb_peer(k, "110.157.1.10", (uint16_t)(54611 + i));
			k->send_q = 384259;
			k->timer = SK_TIMER_PERSIST;
			k->tcp.backoff = (uint8_t)(i + 1);
			if (with_info)
				k->flags |= SK_SOCK_HAS_TCPINFO;
			k->mem.wmem_queued = 400000;
		}
		finish(w);
		const struct sk_finding *f = only(w, SK_FIND_PEER_ZERO_WINDOW);

		assert_int_equal(f->pid, 500);
		assert_int_equal(f->socks_count, 5);
		assert_non_null(strstr(f->title, "(5 orphaned)"));
		if (with_info) {
			assert_non_null(strstr(f->detail, "backoff up to 5"));
		} else {
			assert_null(strstr(f->detail, "backoff"));
			for (int e = 0; e < f->nev; e++)
				assert_string_not_equal(f->ev[e].name, "backoff");
		}
	}
}

static void test_orphans_limit_and_aborts(void **state)
{
	struct world *w = *state;

	refresh_system(w, 1000, (struct sys_figures){.orphans = 40, .max_orphans = 64});
	assert_int_equal(only(w, SK_FIND_ORPHANS)->severity, SK_SEV_WARNING);

	/* Few orphans, but TCPAbortOnMemory rising: the kernel is killing them. */
	refresh_system(w, 2000, (struct sys_figures){.orphans = 1, .aborts = 10});
	refresh_system(w, 4000, (struct sys_figures){.orphans = 1, .aborts = 22});
	const struct sk_finding *f = only(w, SK_FIND_ORPHANS);

	assert_int_equal(f->severity, SK_SEV_CRITICAL);
	assert_non_null(strstr(f->title, "too many orphaned sockets"));
}

/* Growing towards the limit: the finding says when it gets there. The
 * fake clock puts 60 s between two refreshes, +6 orphans: 3 minutes to
 * the remaining 18. */
static void test_orphans_time_to_limit(void **state)
{
	struct world *w = *state;
	struct sk_exhaustion x[SK_EX_LAST];

	refresh_system(w, 1000, (struct sys_figures){.orphans = 40, .max_orphans = 64});
	assert_null(strstr(only(w, SK_FIND_ORPHANS)->detail, "tcp_max_orphans in"));
	refresh_system(w, 61000, (struct sys_figures){.orphans = 46, .max_orphans = 64});
	assert_non_null(strstr(only(w, SK_FIND_ORPHANS)->detail,
			       "tcp_max_orphans in 3 min at +6.0/min"));
	sk_history_exhaustion(&w->sb.h, &w->sb.s.sys, x);
	assert_int_equal(x[SK_EX_ORPHANS].now, 46);
	assert_int_equal(x[SK_EX_ORPHANS].limit, 64);
	assert_true(x[SK_EX_ORPHANS].minutes > 2.99 && x[SK_EX_ORPHANS].minutes < 3.01);
	/* flat counts have no time to the limit */
	assert_true(x[SK_EX_FILES].minutes < 0);
}

static void test_tcp_mem(void **state)
{
	struct world *w = *state;

	refresh_system(w, 1000, (struct sys_figures){.tcp_mem = 100000});
	assert_int_equal(only(w, SK_FIND_TCP_MEM)->severity, SK_SEV_WARNING);
	refresh_system(w, 2000, (struct sys_figures){.tcp_mem = 190000});
	const struct sk_finding *f = only(w, SK_FIND_TCP_MEM);

	assert_int_equal(f->severity, SK_SEV_CRITICAL);
	assert_non_null(strstr(f->title, "exhausted"));
}

static void test_ephemeral_ports(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	w->sb.s.sys.limits.ip_local_port_range[0] = 40000;
	w->sb.s.sys.limits.ip_local_port_range[1] = 40099;
	for (int i = 0; i < 60; i++) {
		struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET,
					      i < 30 ? SK_TCP_TIME_WAIT : SK_TCP_ESTABLISHED, 0,
					      "10.0.0.1", (uint16_t)(40000 + i), NS_A);

		sb_peer(k, "10.0.0.5", 5432);
	}
	/* Other destinations and ports outside the range don't count. */
	sb_peer(sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 0, "10.0.0.1", 40070,
			NS_A), "10.0.0.6", 5432);
	sb_peer(sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 0, "10.0.0.1", 1234, NS_A),
		"10.0.0.5", 5432);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_EPHEMERAL_PORTS);

	assert_int_equal(f->subject_type, SK_SUBJ_DESTINATION);
	assert_string_equal(f->subject, "10.0.0.5:5432");
	assert_int_equal(f->ev[0].value, 60);
	assert_int_equal(f->ev[0].limit, 100);
	assert_int_equal(f->ev[1].value, 30);
	assert_int_equal(f->severity, SK_SEV_WARNING);
}

/* Destinations are grouped by namespace, family, address and port: the
 * same address in another namespace, over v6 or on another port is another
 * pool. Thousands of small destinations around them grow the grouping
 * table; the rows come in no order. Each finding lists exactly its
 * destination's sockets, in socket order. */
static void test_ephemeral_ports_many_destinations(void **state)
{
	struct world *w = *state;
	static const struct {
		uint64_t ns;
		int family;
		const char *addr;
		uint16_t port;
		int conns;
		const char *subject;
	} dest[] = {
		{NS_B, AF_INET, "10.0.0.5", 5432, 70, "10.0.0.5:5432"},
		{NS_A, AF_INET6, "fd00::5", 5432, 66, "[fd00::5]:5432"},
		{NS_A, AF_INET, "10.0.0.5", 5433, 62, "10.0.0.5:5433"},
		{NS_A, AF_INET, "10.0.0.5", 5432, 58, "10.0.0.5:5432"},
	};
	uint32_t placed[4] = {0}, total = 0, want = 0;
	uint64_t x = 12345;

	begin(w, 1000);
	sb_netns(&w->sb.s, NS_B, ALL_INET);
	w->sb.s.sys.limits.ip_local_port_range[0] = 40000;
	w->sb.s.sys.limits.ip_local_port_range[1] = 40099;
	for (size_t d = 0; d < 4; d++)
		want += (uint32_t)dest[d].conns;
	while (total < want) {
		size_t d = (size_t)((x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 33) % 4;

		if (placed[d] == (uint32_t)dest[d].conns)
			continue;
		struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, (uint8_t)dest[d].family,
					      placed[d] % 3 ? SK_TCP_ESTABLISHED : SK_TCP_TIME_WAIT, 0,
					      dest[d].family == AF_INET ? "10.0.0.1" : "fd00::1",
					      (uint16_t)(40000 + placed[d]), dest[d].ns);

		sb_peer(k, dest[d].addr, dest[d].port);
		placed[d]++;
		total++;
		if (total % 8 == 0) /* a destination too small to matter */
			sb_peer(sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 0, "10.0.0.1",
					40001, NS_A), "10.1.0.9", (uint16_t)(1000 + total));
	}
	for (int i = 0; i < 3000; i++)
		sb_peer(sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 0, "10.0.0.1", 40002,
				NS_A), "10.2.0.9", (uint16_t)(1000 + i));
	finish(w);
	assert_int_equal(w->sb.f.list.n, 4);
	for (size_t i = 0; i < 4; i++) {
		const struct sk_finding *f = &w->sb.f.list.v[i];
		uint32_t prev = 0, tw = 0;

		/* Most connections first. */
		assert_int_equal(f->kind, SK_FIND_EPHEMERAL_PORTS);
		assert_string_equal(f->subject, dest[i].subject);
		assert_int_equal(f->ev[0].value, dest[i].conns);
		assert_int_equal(f->socks_count, (uint32_t)dest[i].conns);
		for (uint32_t j = 0; j < f->socks_count; j++) {
			uint32_t si = w->sb.f.socks.v[f->socks_start + j];
			const struct sk_socket *k = &w->sb.s.socks.v[si];

			assert_true(j == 0 || si > prev);
			prev = si;
			assert_int_equal(k->netns, dest[i].ns);
			assert_int_equal(k->family, dest[i].family);
			assert_int_equal(k->peer.port, dest[i].port);
			tw += k->state == SK_TCP_TIME_WAIT;
		}
		assert_int_equal(f->ev[1].value, tw);
	}
}

/* The ephemeral-port rule against counting every pair by hand, on random
 * tables with random thresholds: the same destinations, the same sockets,
 * the same counts and severities. */
static void test_ephemeral_ports_brute_force(void **state)
{
	struct world *w = *state;
	uint64_t x = 99;
	uint32_t total_found = 0;

	for (int round = 0; round < 60; round++) {
		unsigned nsock = 1 + (unsigned)((x = x * 6364136223846793005ULL + 1) >> 33) % 400;
		uint32_t found = 0;

		begin(w, 1000 + (uint64_t)round * 1000);
		sb_netns(&w->sb.s, NS_B, ALL_INET);
		w->sb.s.sys.limits.ip_local_port_range[0] = 40000;
		w->sb.s.sys.limits.ip_local_port_range[1] = 40000 + (int64_t)(x >> 40) % 80;
		w->sb.th.v[SK_TH_PORTS_MIN] = (int64_t)(x >> 20) % 6;
		w->sb.th.v[SK_TH_PORTS_WARN_PCT] = (int64_t)(x >> 24) % 40;
		w->sb.th.v[SK_TH_PORTS_CRIT_PCT] = (int64_t)(x >> 28) % 80;
		for (unsigned i = 0; i < nsock; i++) {
			uint64_t r = (x = x * 6364136223846793005ULL + 1442695040888963407ULL) >> 20;
			char peer[32];
			bool v6 = r % 5 == 0;
			struct sk_socket *k;

			snprintf(peer, sizeof(peer), v6 ? "fd00::%u" : "10.0.0.%u", (unsigned)(r >> 3) % 3);
			k = sb_sock(&w->sb.s, SK_PROTO_TCP, v6 ? AF_INET6 : AF_INET,
				    (r >> 5) % 7 == 0 ? SK_TCP_LISTEN : (r >> 5) % 3 ? SK_TCP_ESTABLISHED
				    : SK_TCP_TIME_WAIT, 0, v6 ? "fd00::1" : "10.0.0.1",
				    (uint16_t)(39990 + (r >> 9) % 100), (r >> 17) % 4 ? NS_A : NS_B);
			sb_peer(k, peer, (uint16_t)((r >> 19) % 3));
		}
		finish(w);
		int64_t lo = w->sb.s.sys.limits.ip_local_port_range[0];
		int64_t hi = w->sb.s.sys.limits.ip_local_port_range[1], range = hi - lo + 1;
		const struct sk_snapshot *s = &w->sb.s;

		for (size_t i = 0; i < s->socks.n; i++) {
			const struct sk_socket *k = &s->socks.v[i], *first = NULL;
			uint32_t members[400], n = 0, tw = 0;
			bool seen_before = false;

#define PORTS_CANDIDATE(q) ((q)->proto == SK_PROTO_TCP && (q)->state != SK_TCP_LISTEN &&     \
			    (q)->peer.port != 0 && (q)->local.port >= lo && (q)->local.port <= hi)
#define SAME_DEST(a, b) ((a)->netns == (b)->netns && (a)->family == (b)->family &&             \
			 (a)->peer.port == (b)->peer.port && !memcmp((a)->peer.addr, (b)->peer.addr, 16))
			if (!PORTS_CANDIDATE(k))
				continue;
			for (size_t j = 0; j < i; j++)
				seen_before |= PORTS_CANDIDATE(&s->socks.v[j]) && SAME_DEST(&s->socks.v[j], k);
			if (seen_before)
				continue; /* counted with its destination's first socket */
			for (size_t j = i; j < s->socks.n; j++)
				if (PORTS_CANDIDATE(&s->socks.v[j]) && SAME_DEST(&s->socks.v[j], k)) {
					members[n++] = (uint32_t)j;
					tw += s->socks.v[j].state == SK_TCP_TIME_WAIT;
					first = first ? first : &s->socks.v[j];
				}
			int64_t pct = (int64_t)((double)n * 100.0 / (double)range);

			if ((int64_t)n < w->sb.th.v[SK_TH_PORTS_MIN] || pct < w->sb.th.v[SK_TH_PORTS_WARN_PCT])
				continue;
			/* exactly one finding lists these sockets */
			const struct sk_finding *f = NULL;

			for (size_t m = 0; m < w->sb.f.list.n; m++) {
				const struct sk_finding *g = &w->sb.f.list.v[m];

				if (g->kind == SK_FIND_EPHEMERAL_PORTS && g->socks_count &&
				    w->sb.f.socks.v[g->socks_start] == members[0]) {
					assert_null(f);
					f = g;
				}
			}
			assert_non_null(f);
			assert_int_equal(f->socks_count, n);
			assert_memory_equal(&w->sb.f.socks.v[f->socks_start], members, n * sizeof(uint32_t));
			assert_int_equal(f->ev[0].value, n);
			assert_int_equal(f->ev[0].limit, range);
			assert_int_equal(f->ev[1].value, tw);
			assert_int_equal(f->severity, pct >= w->sb.th.v[SK_TH_PORTS_CRIT_PCT] ? SK_SEV_CRITICAL
											    : SK_SEV_WARNING);
			found++;
#undef PORTS_CANDIDATE
#undef SAME_DEST
		}
		uint32_t reported = 0;

		for (size_t m = 0; m < w->sb.f.list.n; m++)
			reported += w->sb.f.list.v[m].kind == SK_FIND_EPHEMERAL_PORTS;
		assert_int_equal(reported, found);
		total_found += found;
		sk_thresholds_default(&w->sb.th);
	}
	assert_true(total_found > 60); /* the rule fired, many times over */
}

static void test_accept_overflow(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	uint32_t p = sb_proc(&w->sb.s, 700, NS_A);
	struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 700,
				      "0.0.0.0", 8080, NS_A);

	k->recv_q = 129;
	k->send_q = 128;
	sb_fd(&w->sb.s, p, 3, 700);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_ACCEPT_OVERFLOW);

	assert_int_equal(f->severity, SK_SEV_CRITICAL);
	assert_int_equal(f->pid, 700);
	assert_non_null(strstr(f->subject, "0.0.0.0:8080"));
}

static void test_udp_rcvbuf(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	uint32_t p = sb_proc(&w->sb.s, 800, NS_A);
	struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_UDP, AF_INET, SK_TCP_CLOSE, 800, "0.0.0.0",
				      53, NS_A);

	k->flags |= SK_SOCK_HAS_MEM;
	k->mem.rmem_alloc = 212000;
	k->mem.rcvbuf = 212992;
	k->mem.drops = 1234;
	sb_fd(&w->sb.s, p, 3, 800);
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_UDP_RCVBUF);

	assert_int_equal(f->pid, 800);
	assert_non_null(strstr(f->title, "1234 drops"));
}

/* Three 1 KiB datagrams fill an 8 KiB buffer at 84% (truesize 2304 each):
 * full, though under the percentage; the same in 64 KiB is not. */
static void test_udp_small_rcvbuf(void **state)
{
	struct world *w = *state;
	const uint32_t rcvbuf[2] = {8192, 65536};

	for (int i = 0; i < 2; i++) {
		begin(w, 1000 + 2000 * (uint64_t)i);
		uint32_t p = sb_proc(&w->sb.s, 800, NS_A);
		struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_UDP, AF_INET, SK_TCP_CLOSE, 800,
					      "127.0.0.1", 7005, NS_A);

		k->flags |= SK_SOCK_HAS_MEM;
		k->mem.rmem_alloc = 6912;
		k->mem.rcvbuf = rcvbuf[i];
		k->mem.drops = 61;
		sb_fd(&w->sb.s, p, 3, 800);
		finish(w);
		assert_int_equal(w->sb.f.list.n, i == 0 ? 1 : 0);
	}
}

static void test_system_files(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	w->sb.s.sys.limits.file_nr[0] = 960;
	w->sb.s.sys.limits.file_max = 1000;
	finish(w);
	const struct sk_finding *f = only(w, SK_FIND_FD_EXHAUSTION);

	assert_int_equal(f->subject_type, SK_SUBJ_SYSTEM);
	assert_int_equal(f->severity, SK_SEV_CRITICAL);
}

static void test_thresholds_override(void **state)
{
	struct world *w = *state;
	struct sk_error err = {0};

	assert_int_equal(sk_thresholds_set(&w->sb.th, "close_wait_warn=10", &err), 0);
	assert_int_equal(sk_thresholds_set(&w->sb.th, "nope=1", &err), -EINVAL);
	assert_non_null(strstr(err.msg, "unknown threshold 'nope'"));
	assert_int_equal(sk_thresholds_set(&w->sb.th, "close_wait_warn=x", &err), -EINVAL);
	assert_int_equal(sk_thresholds_set(&w->sb.th, "close_wait_warn", &err), -EINVAL);
	for (int r = 0; r < 2; r++) {
		begin(w, 1000 + (uint64_t)r * 6000);
		add_close_wait(w, sb_proc(&w->sb.s, 900, NS_A), 9, 5000);
		finish(w);
	}
	assert_int_equal(w->sb.f.list.n, 0); /* 9 held: under 10 */
	begin(w, 13000);
	add_close_wait(w, sb_proc(&w->sb.s, 900, NS_A), 12, 5000);
	finish(w);
	assert_int_equal(w->sb.f.list.n, 0); /* 3 of the 12 are new: still 9 held */
	begin(w, 19000);
	add_close_wait(w, sb_proc(&w->sb.s, 900, NS_A), 12, 5000);
	finish(w);
	assert_int_equal(only(w, SK_FIND_CLOSE_WAIT)->pid, 900);
}

static void test_severity_order(void **state)
{
	struct world *w = *state;

	begin(w, 1000);
	add_close_wait(w, sb_proc(&w->sb.s, 200, NS_A), 60, 5000);
	finish(w);
	begin(w, 7000);
	add_close_wait(w, sb_proc(&w->sb.s, 200, NS_A), 60, 5000);   /* warning: held 6 s */
	w->sb.s.sys.sockstat[SK_SS_TCP_MEM] = 190000;                 /* critical */
	finish(w);
	assert_int_equal(w->sb.f.list.n, 2);
	assert_int_equal(w->sb.f.list.v[0].kind, SK_FIND_TCP_MEM);
	assert_int_equal(w->sb.f.by_severity[SK_SEV_CRITICAL], 1);
	assert_int_equal(w->sb.f.by_severity[SK_SEV_WARNING], 1);
}

/* Each test in a world of its own, built by setup. */
#define FRESH(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

SK_SUITE_MAIN(NULL, NULL,
	FRESH(test_healthy_machine_has_no_findings),
	FRESH(test_close_wait),
	FRESH(test_close_wait_churn_is_quiet),
	FRESH(test_close_wait_one_look),
	FRESH(test_one_program_one_finding),
	FRESH(test_kernel_log_orphans),
	FRESH(test_time_wait_churn),
	FRESH(test_closed_leak_and_fd_exhaustion),
	FRESH(test_recv_stuck),
	FRESH(test_recv_stuck_first_refresh_large),
	FRESH(test_peer_zero_window),
	FRESH(test_orphans_limit_and_aborts),
	FRESH(test_orphans_time_to_limit),
	FRESH(test_tcp_mem),
	FRESH(test_ephemeral_ports),
	FRESH(test_ephemeral_ports_many_destinations),
	FRESH(test_ephemeral_ports_brute_force),
	FRESH(test_accept_overflow),
	FRESH(test_udp_rcvbuf),
	FRESH(test_udp_small_rcvbuf),
	FRESH(test_system_files),
	FRESH(test_thresholds_override),
	FRESH(test_severity_order))
