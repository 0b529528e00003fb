/* Real leaks, built by tests/helpers/leakgen in private network namespaces,
 * checked three ways: against the numbers we built, against ss and lsof run
 * inside the namespace, and through the sktop binary's JSON. Needs root
 * (namespaces, other processes' fds); skipped with a reason otherwise. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "hermetic.h"
#include "json_check.h"
#include "leakrun.h"
#include "model/procsort.h"
#include "suite.h"

#define CLOSE_WAIT_N 40
#define CLOSED_N 13
#define FINWAIT1_N 4
/* Less than one receive window: all of it arrives and stays, so Recv-Q is
 * exactly this. (A megabyte against a 128K window keeps changing as the
 * kernel collapses the queue and reopens the window.) */
#define RECVQ_BYTES 50000
#define UDP_UNBOUND_N 3
#define ESTAB_N 5

struct world {
	struct leak main;  /* every scenario in one namespace */
	struct leak other; /* only established sockets, in a second namespace */
};

/* Every scenario in one namespace. */
static int start_main_leak(struct leak *l)
{
	char num[4][32];

	snprintf(num[0], sizeof(num[0]), "%d", CLOSE_WAIT_N);
	snprintf(num[1], sizeof(num[1]), "%d", CLOSED_N);
	snprintf(num[2], sizeof(num[2]), "%d", FINWAIT1_N);
	snprintf(num[3], sizeof(num[3]), "%d", RECVQ_BYTES);
	const char *main_args[] = {"--close-wait", num[0], "--closed", num[1], "--finwait1",
				   num[2], "--recvq", num[3], "--udp-unbound", "3", NULL};

	return start_leak(l, main_args);
}

/* Waits until every FIN_WAIT1 orphan has its persist or retransmit timer
 * armed: right after the close a socket may be between timers, and no
 * signal exists for that, so ss is polled (50 ms apart, 10 s at most).
 *
 * The orphans live under tcp_max_orphans, which is the machine's: another
 * process flooding orphans or lowering the limit (a benchmark exiting with
 * a million sockets, another checkout's test_rules) makes the kernel kill
 * ours ("TCP: too many orphaned sockets", counted as TCPAbortOnMemory in
 * their namespace). That is no fault of sktop's and no namespace keeps it
 * out: the leak is built again, and the checks run on orphans that exist. */
static void wait_orphans(struct world *w)
{
	char cmd[256];

	for (int attempt = 0; attempt < 3; attempt++) {
		snprintf(cmd, sizeof(cmd),
			 "nsenter -t %d -n ss -tanoH state fin-wait-1 | grep -Ec 'timer:\\((persist|on),'",
			 w->main.leaker);
		for (int i = 0; i < 200 && first_number(cmd) != FINWAIT1_N; i++)
			usleep(50 * 1000);
		if (first_number(cmd) == FINWAIT1_N)
			return;
		snprintf(cmd, sizeof(cmd), "nsenter -t %d -n nstat -saz TcpExtTCPAbortOnMemory | "
			 "awk '/TCPAbortOnMemory/ {print $2}'", w->main.leaker);
		if (first_number(cmd) <= 0)
			return; /* not the machine's doing: the checks say what is wrong */
		print_message("the machine killed the leak's orphans (TCPAbortOnMemory): "
			      "building the leak again\n");
		stop_leak(&w->main);
		if (start_main_leak(&w->main))
			fail_msg("could not start leakgen again");
	}
}

static int setup(void **state)
{
	struct world *w;

	if (geteuid() != 0)
		return 0; /* each test skips with the reason */
	w = calloc(1, sizeof(*w));
	if (!w)
		return -1;
	*state = w;
	const char *other_args[] = {"--estab", "5", NULL};

	if (start_main_leak(&w->main) || start_leak(&w->other, other_args)) {
		fprintf(stderr, "integration: could not start leakgen from %s\n", builddir());
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	if (w) {
		stop_leak(&w->main);
		stop_leak(&w->other);
		free(w);
	}
	return 0;
}

static struct world *need_root(void **state)
{
	need_root_or_skip();
	return *state;
}

static struct sk_engine *snapshot_now(const struct sk_snapshot **snap, bool own_only)
{
	struct sk_engine_config cfg = {
		.proc_root = "/proc",
		.want_unix = true,
		.want_meminfo = true,
		.want_tcpinfo = true,
		.own_netns_only = own_only,
	};
	struct sk_error err = {0};
	struct sk_engine *e = NULL;

	if (sk_engine_new(&cfg, &e, &err) || sk_engine_refresh(e, &err))
		fail_msg("engine: %s", err.msg);
	*snap = sk_engine_snapshot(e);
	return e;
}

static const struct sk_process *proc_of(const struct sk_snapshot *s, int32_t pid)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, pid);

	if (!p)
		fail_msg("pid %d not in the snapshot", pid);
	return p;
}

static const struct sk_netns *netns_of(const struct sk_snapshot *s, unsigned long long id)
{
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == id)
			return &s->netns.v[i];
	fail_msg("netns %llu not in the snapshot", id);
	return NULL;
}

/* The machine as a fresh engine sees it (root needed), and the main leak's
 * leaker in it; the caller frees e. */
struct look {
	struct world *w;
	struct sk_engine *e;
	const struct sk_snapshot *s;
	const struct sk_process *p;
};

static struct look look_now(void **state)
{
	struct look l = {.w = need_root(state)};

	l.e = snapshot_now(&l.s, false);
	l.p = proc_of(l.s, l.w->main.leaker);
	return l;
}

static void test_close_wait(void **state)
{
	struct look l = look_now(state);
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ss -tanH state close-wait", l.w->main.leaker);
	long ss = count_lines(cmd, NULL);

	assert_int_equal(l.p->agg.tcp_states[SK_TCP_CLOSE_WAIT], CLOSE_WAIT_N);
	assert_int_equal(ss, CLOSE_WAIT_N);
	assert_int_equal(netns_of(l.s, l.w->main.netns)->tcp_states[SK_TCP_CLOSE_WAIT],
			 CLOSE_WAIT_N);
	/* The leaker is on top when sorted by CLOSE_WAIT among the leak's processes. */
	assert_true(sk_proc_sort_value(l.p, SK_SORT_CLOSE_WAIT) >=
		    sk_proc_sort_value(proc_of(l.s, l.w->main.peer), SK_SORT_CLOSE_WAIT));
	sk_engine_free(l.e);
}

static void test_closed_fds_match_lsof(void **state)
{
	struct look l = look_now(state);
	char cmd[256];

	/* Inside the namespace lsof can tell TCP fds it knows from ones in no
	 * table; the latter it can only call "sock". */
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n lsof -n -P -a -p %d -d 0-65535 -F t",
		 l.w->main.leaker, l.w->main.leaker);
	long lsof_sock = count_lines(cmd, "tsock");

	assert_int_equal(sk_proc_closed(l.p), CLOSED_N);
	assert_int_equal(l.p->agg.closed[SK_SN_TCP], CLOSED_N);
	/* lsof's "sock" also covers the unbound UDP sockets. */
	assert_int_equal(lsof_sock, CLOSED_N + UDP_UNBOUND_N);
	assert_int_equal(l.p->agg.unbound[SK_SN_UDP], UDP_UNBOUND_N);
	/* ss -s counts those as "closed" too, but cannot say whose they are. */
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ss -s | sed -n 's/.*closed \\([0-9]*\\).*/\\1/p'",
		 l.w->main.leaker);
	assert_true(first_number(cmd) >= CLOSED_N);
	sk_engine_free(l.e);
}

static void test_recv_queue(void **state)
{
	struct look l = look_now(state);
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ss -tanH state established '( sport = :%d )'",
		 l.w->main.leaker, l.w->main.port + 1);
	long ss_recvq = first_number(cmd);
	uint64_t rq = 0, rmem = 0;

	for (size_t i = 0; i < l.s->socks.n; i++) {
		const struct sk_socket *k = &l.s->socks.v[i];

		if (k->netns == l.w->main.netns && k->local.port == l.w->main.port + 1 &&
		    k->state == SK_TCP_ESTABLISHED) {
			rq = k->recv_q;
			rmem = k->mem.rmem_alloc;
		}
	}
	assert_int_equal(ss_recvq, RECVQ_BYTES);
	assert_int_equal(rq, RECVQ_BYTES);
	assert_true(rmem >= rq);
	assert_true(l.p->agg.recv_q >= rq);
	assert_true(l.p->agg.rmem >= rmem);
	sk_engine_free(l.e);
}

static void test_finwait1_orphans(void **state)
{
	char cmd[256];

	wait_orphans(need_root(state));

	struct look l = look_now(state);
	int orphans = 0, persist = 0, fin_wait2 = 0;

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n ss -tanH state fin-wait-1", l.w->main.leaker);
	assert_int_equal(count_lines(cmd, NULL), FINWAIT1_N);
	for (size_t i = 0; i < l.s->socks.n; i++) {
		const struct sk_socket *k = &l.s->socks.v[i];

		if (k->netns != l.w->main.netns)
			continue;
		if (k->state == SK_TCP_FIN_WAIT2) {
			/* The peer's closed ends of the CLOSE_WAIT pile, which the
			 * kernel keeps as timewait sockets: sockstat counts them as
			 * tw, so they are no orphans, and have no likely owner. */
			assert_false(k->flags & SK_SOCK_ORPHAN);
			assert_int_not_equal(k->owner_kind, SK_OWNER_LISTENER);
			fin_wait2 += k->timer == SK_TIMER_TIMEWAIT;
			continue;
		}
		if (!(k->flags & SK_SOCK_ORPHAN))
			continue;
		assert_int_equal(k->state, SK_TCP_FIN_WAIT1);
		assert_int_equal(k->owner_kind, SK_OWNER_LISTENER);
		assert_int_equal(l.s->procs.v[k->likely_owner].pid, l.w->main.leaker);
		assert_true(k->send_q > 0);
		orphans++;
		persist += k->timer == SK_TIMER_PERSIST || k->timer == SK_TIMER_ON;
	}
	assert_int_equal(orphans, FINWAIT1_N);
	assert_int_equal(persist, FINWAIT1_N);
	/* They last tcp_fin_timeout (60 s): all still there right after setup. */
	assert_int_equal(fin_wait2, CLOSE_WAIT_N);
	assert_int_equal(l.p->agg.orphans, FINWAIT1_N);
	assert_int_equal(netns_of(l.s, l.w->main.netns)->orphans[SK_TCP_FIN_WAIT1], FINWAIT1_N);
	sk_engine_free(l.e);
}

/* A process in another namespace: its sockets are dumped there, so none of
 * them is "closed". With own_netns_only the namespace is reported as not
 * dumped and its fds are not judged at all, rather than called leaks. */
static void test_second_namespace_not_closed(void **state)
{
	struct world *w = need_root(state);
	const struct sk_snapshot *s;
	struct sk_engine *e = snapshot_now(&s, false);
	const struct sk_process *p = proc_of(s, w->other.leaker);

	assert_int_not_equal(w->other.netns, w->main.netns);
	assert_int_equal(sk_proc_closed(p), 0);
	assert_int_equal(p->agg.tcp_states[SK_TCP_ESTABLISHED], ESTAB_N);
	assert_int_equal(p->agg.tcp_states[SK_TCP_LISTEN], 2); /* port and port+3 */
	assert_int_equal(netns_of(s, w->other.netns)->dump_error, 0);
	sk_engine_free(e);

	e = snapshot_now(&s, true);
	p = proc_of(s, w->other.leaker);
	assert_int_equal(sk_proc_closed(p), 0);
	assert_int_equal(p->agg.sockets, 0);
	assert_int_not_equal(netns_of(s, w->other.netns)->dump_error, 0);
	assert_true(s->partial);
	sk_engine_free(e);
}

/* The text report of the same machine, as root and as nobody: root's is
 * whole and says so; nobody's cannot see root's leak and must say it is
 * partial, never "(all sockets seen)" (it once read like a healthy box). */
static void test_text_root_and_nobody(void **state)
{
	char cmd[4096];
	size_t len;
	char *out;

	(void)need_root(state);
	snprintf(cmd, sizeof(cmd), "%s/sktop -b -n 1", builddir());
	out = run_capture(cmd, &len);
	assert_non_null(strstr(out, "(all sockets seen)"));
	assert_null(strstr(out, "\nPartial:"));
	free(out);
	snprintf(cmd, sizeof(cmd), "setpriv --reuid=65534 --regid=65534 --clear-groups %s/sktop -b -n 1",
		 builddir());
	out = run_capture(cmd, &len);
	sk_assert_has(out, SK_STRS("\nPartial: ", "not root", "fd tables unreadable",
				   "(of the sockets seen: partial)"));
	sk_assert_lacks(out, SK_STRS("all sockets seen", "Findings: none\n"));
	free(out);
}

/* The binary, end to end: the JSON is valid and says what the engine said. */
static void test_binary_json_and_text(void **state)
{
	struct world *w = need_root(state);
	char cmd[4096], needle[128];
	size_t len;
	char *out;

	wait_orphans(w);
	snprintf(cmd, sizeof(cmd), "%s/sktop -b -n 1 --json", builddir());
	out = run_capture(cmd, &len);
	assert_true(json_check(out, len));
	snprintf(needle, sizeof(needle), "{\"pid\":%d,\"comm\":\"leakgen\"", w->main.leaker);
	char *proc = strstr(out, needle);

	assert_non_null(proc);
	snprintf(needle, sizeof(needle), "\"CLOSE_WAIT\":%d", CLOSE_WAIT_N);
	assert_non_null(strstr(proc, needle));
	snprintf(needle, sizeof(needle), "\"closed\":{\"TCP\":%d}", CLOSED_N);
	assert_non_null(strstr(proc, needle));
	snprintf(needle, sizeof(needle), "\"orphans\":%d", FINWAIT1_N);
	assert_non_null(strstr(proc, needle));
	assert_non_null(strstr(out, "\"owner\":\"listener\""));
	free(out);

	snprintf(cmd, sizeof(cmd), "%s/sktop -b -n 1 -s close_wait -p %d,%d", builddir(),
		 w->main.leaker, w->other.leaker);
	out = run_capture(cmd, &len);
	/* The leaker is the first process row under the column titles. */
	char *titles = strstr(out, "\n    PID USER");

	assert_non_null(titles);
	snprintf(needle, sizeof(needle), "\n%7d ", w->main.leaker);
	char *row = strstr(titles + 1, "\n");

	assert_non_null(row);
	assert_memory_equal(row, needle, strlen(needle));
	free(out);
}

static void test_write_file(void **state)
{
	struct world *w = need_root(state);
	char dir[] = "/tmp/sktop-it-XXXXXX", cmd[8192], path[64];
	size_t len;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/snap.json", dir);
	snprintf(cmd, sizeof(cmd), "%s/sktop -w %s && stat -c %%a %s", builddir(), path, path);
	char *out = run_capture(cmd, &len);
	char want[128];

	/* -w says where the snapshot went, for scripts. */
	snprintf(want, sizeof(want), "%s\n600\n", path);
	assert_string_equal(out, want);
	free(out);
	/* never overwrite */
	snprintf(cmd, sizeof(cmd), "%s/sktop -w %s 2>&1; echo rc=$?", builddir(), path);
	out = run_capture(cmd, &len);
	assert_non_null(strstr(out, "already exists"));
	assert_non_null(strstr(out, "rc=1"));
	free(out);
	/* The post-mortem: the file replays as a report with the same leak. */
	snprintf(cmd, sizeof(cmd), "%s/sktop -r %s -b -s close_wait -p %d", builddir(), path,
		 w->main.leaker);
	out = run_capture(cmd, &len);
	assert_non_null(strstr(out, "Replay of"));
	char needle[64];

	snprintf(needle, sizeof(needle), "\n%7d ", w->main.leaker);
	assert_non_null(strstr(out, needle));
	free(out);
	/* A truncated copy: one line, exit 1, no crash. */
	snprintf(cmd, sizeof(cmd), "head -c 300 %s > %s.cut && %s/sktop -r %s.cut -b 2>&1; echo rc=$?",
		 path, path, builddir(), path);
	out = run_capture(cmd, &len);
	assert_non_null(strstr(out, "truncated"));
	assert_non_null(strstr(out, "\nrc=1\n"));
	/* exactly one line of error before the rc line */
	assert_ptr_equal(strchr(out, '\n'), strrchr(out, '\n') - strlen("rc=1") - 1);
	free(out);
	/* A --json log whose last line was cut: the line before is shown, and
	 * stderr says, in one line, how much was skipped. */
	snprintf(cmd, sizeof(cmd), "(cat %s; head -c 300 %s) > %s.log && %s/sktop -r %s.log -b "
		 "2>%s.err >/dev/null; echo rc=$?; cat %s.err", path, path, path, builddir(), path,
		 path, path);
	out = run_capture(cmd, &len);
	assert_non_null(strstr(out, "rc=0\nsktop: "));
	assert_non_null(strstr(out, "incomplete last line (300 bytes)"));
	assert_ptr_equal(strchr(out + 5, '\n'), out + len - 1); /* one line */
	free(out);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/* Orphans are counted and limited machine-wide: not while test_rules of
 * another build lowers the limit. Only this suite's processes in /proc: the
 * machine's do not slow or confuse the scans. */
SK_SUITE_MAIN_PREPARE(hermetic_suite_begin("integration", false, HERMETIC_OWN_NET), setup, teardown,
	cmocka_unit_test(test_close_wait),
	cmocka_unit_test(test_closed_fds_match_lsof),
	cmocka_unit_test(test_recv_queue),
	cmocka_unit_test(test_finwait1_orphans),
	cmocka_unit_test(test_second_namespace_not_closed),
	cmocka_unit_test(test_binary_json_and_text),
	cmocka_unit_test(test_text_root_and_nobody),
	cmocka_unit_test(test_write_file))
