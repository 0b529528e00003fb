/* One real leak per finding rule, each in its own network namespace, read
 * back the way an operator gets it: the sktop binary's JSON, parsed by the
 * replay reader. Each test checks that the rule fires on the right subject
 * and that its evidence matches what ss, lsof, nstat or /proc say, and a
 * healthy namespace must give no finding at all.
 *
 * Two rules watch machine-wide limits that only the initial namespace can
 * set (tcp_max_orphans, tcp_mem): those tests lower the limit for the
 * length of one sktop run and put it back in their teardown. The Makefile
 * runs this suite after the other root suites of its build, and the
 * machine lock (hermetic.h) keeps those of another build away, so no one
 * else's test sockets are near a lowered limit. The suite sees only its
 * own processes (a private pid namespace and /proc) but the machine's
 * network namespace, where those sysctls live. Needs root; skipped with
 * the reason otherwise. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "hermetic.h"
#include "json_check.h"
#include "leakrun.h"
#include "model/procsort.h"
#include "store/replay.h"

#define PORT 7000 /* leakgen's default; each scenario has a namespace of its own */

struct scenario {
	struct leak leak;
	struct sk_replay r;
	char sysctl_path[128];   /* a machine-wide limit this test lowered */
	char sysctl_saved[128];  /* ... and its value before */
};

static int scenario_new(void **state)
{
	struct scenario *sc = calloc(1, sizeof(*sc));

	if (!sc)
		return -1;
	*state = sc;
	return 0;
}

static int scenario_free(void **state)
{
	struct scenario *sc = *state;

	if (sc->sysctl_path[0]) {
		FILE *f = fopen(sc->sysctl_path, "w");

		if (!f || fputs(sc->sysctl_saved, f) < 0 || fclose(f) != 0)
			fprintf(stderr, "could not restore %s to %s", sc->sysctl_path,
				sc->sysctl_saved);
	}
	stop_leak(&sc->leak);
	sk_replay_free(&sc->r);
	free(sc);
	return 0;
}

static void start(struct scenario *sc, const char *const *args)
{
	need_root_or_skip();
	if (start_leak(&sc->leak, args))
		fail_msg("could not start leakgen from %s", builddir());
}

/* Lowers a machine-wide sysctl until the teardown. */
static void set_sysctl(struct scenario *sc, const char *path, const char *value)
{
	FILE *f = fopen(path, "r");

	assert_non_null(f);
	if (!sc->sysctl_path[0]) /* lowered again: the value to restore is the first */
		assert_non_null(fgets(sc->sysctl_saved, sizeof(sc->sysctl_saved), f));
	fclose(f);
	snprintf(sc->sysctl_path, sizeof(sc->sysctl_path), "%s", path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_true(fputs(value, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* sktop -b --json, inside the leak's namespace (its netstat counters and
 * per-namespace sysctls are the ones that matter) or in ours (machine-wide
 * limits are only visible from the initial namespace). Several refreshes
 * a second apart give the rules that need a trend their two samples. */
static void run_sktop(struct scenario *sc, bool in_leak_netns, int refreshes)
{
	char cmd[4096], prefix[64] = "";
	struct sk_error err = {0};
	size_t len;

	if (in_leak_netns)
		snprintf(prefix, sizeof(prefix), "nsenter -t %d -n ", sc->leak.leaker);
	/* The machine's kernel log is shared with every other test (lowering
	 * tcp_max_orphans makes the kernel complain): not this scenario's. */
	snprintf(cmd, sizeof(cmd), "%s%s/sktop -b -n %d -d 1.1 --json --kmsg /dev/null", prefix,
		 builddir(), refreshes);
	char *out = run_capture(cmd, &len);

	/* one JSON object per refresh, a line each: check every one */
	for (char *line = out, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		assert_true(json_check(line, (size_t)(nl - line)));
	}
	if (sk_replay_parse(out, len, "sktop --json", &sc->r, &err))
		fail_msg("%s", err.msg);
	free(out);
}

/* Whether a finding is about this scenario: one of its two processes, or
 * backed by a socket in its namespace. A machine-wide finding (orphans,
 * tcp_mem against a limit another suite may be lowering right now) is
 * about the machine, never one scenario: finding_of() looks for those. */
static bool about(const struct scenario *sc, const struct sk_replay *r, const struct sk_finding *f)
{
	const struct sk_findings *fs = &r->findings;

	if (f->subject_type == SK_SUBJ_SYSTEM)
		return false;

	if (f->pid && (f->pid == sc->leak.leaker || f->pid == sc->leak.peer))
		return true;
	for (uint32_t j = 0; j < f->socks_count; j++)
		if (r->snap.socks.v[fs->socks.v[f->socks_start + j]].netns == sc->leak.netns)
			return true;
	return false;
}

/* The first (most severe) finding about this scenario. */
static const struct sk_finding *top_finding(const struct scenario *sc)
{
	for (size_t i = 0; i < sc->r.findings.list.n; i++)
		if (about(sc, &sc->r, &sc->r.findings.list.v[i]))
			return &sc->r.findings.list.v[i];
	return NULL;
}

/* What watching showed: per kind, the refresh (from 1) on which a finding
 * of that kind about the scenario first appeared, 0 if never. */
struct watched {
	int first[SK_FIND_LAST];
	int refreshes;
};

/* sktop -b --json for `refreshes` refreshes `delay` s apart in the leak's
 * namespace, each refresh's line read back on its own; sc->r keeps the
 * last one. Prints the table row for `scenario`. */
static void watch(struct scenario *sc, const char *scenario, int refreshes, const char *delay,
		  enum sk_finding_kind expected, struct watched *w)
{
	char cmd[4096];
	size_t len;

	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n %s/sktop -b -n %d -d %s --json --kmsg /dev/null",
		 sc->leak.leaker, builddir(), refreshes, delay);
	char *out = run_capture(cmd, &len);

	memset(w, 0, sizeof(*w));
	for (char *line = out, *nl; *line; line = nl + 1) {
		struct sk_error err = {0};

		nl = strchr(line, '\n');
		assert_non_null(nl);
		sk_replay_free(&sc->r);
		memset(&sc->r, 0, sizeof(sc->r));
		if (sk_replay_parse(line, (size_t)(nl - line), "sktop --json", &sc->r, &err))
			fail_msg("%s", err.msg);
		w->refreshes++;
		for (size_t i = 0; i < sc->r.findings.list.n; i++) {
			const struct sk_finding *f = &sc->r.findings.list.v[i];

			if (about(sc, &sc->r, f) && !w->first[f->kind])
				w->first[f->kind] = w->refreshes;
		}
	}
	free(out);
	char seen[256] = "";
	size_t n = 0;

	for (int k = 0; k < SK_FIND_LAST; k++)
		if (w->first[k])
			n += (size_t)snprintf(seen + n, n < sizeof(seen) ? sizeof(seen) - n : 0,
					      "%s%s (refresh %d)", n ? ", " : "",
					      sk_finding_kind_names[k], w->first[k]);
	for (size_t i = 0; expected != SK_FIND_LAST && !w->first[expected] &&
			   i < sc->r.findings.list.n; i++)
		fprintf(stderr, "last refresh: %s %d %s\n",
			sk_finding_kind_names[sc->r.findings.list.v[i].kind],
			sc->r.findings.list.v[i].pid, sc->r.findings.list.v[i].title);
	printf("TABLE | %s | %s | %s | %d of %d |\n", scenario,
	       expected == SK_FIND_LAST ? "none" : sk_finding_kind_names[expected], n ? seen : "none",
	       expected == SK_FIND_LAST ? 0 : w->first[expected], w->refreshes);
	fflush(stdout);
}

static const struct sk_finding *finding_of(const struct scenario *sc, enum sk_finding_kind kind)
{
	const struct sk_findings *fs = &sc->r.findings;

	for (size_t i = 0; i < fs->list.n; i++)
		if (fs->list.v[i].kind == kind)
			return &fs->list.v[i];
	fail_msg("no %s finding", sk_finding_kind_names[kind]);
	return NULL;
}

/* The top finding of the scenario is `kind`, about the leaker. */
static const struct sk_finding *expect_top(const struct scenario *sc, enum sk_finding_kind kind)
{
	const struct sk_finding *f = top_finding(sc);

	if (!f) {
		for (size_t i = 0; i < sc->r.findings.list.n; i++)
			fprintf(stderr, "finding: %s\n", sc->r.findings.list.v[i].title);
		fail_msg("no finding about leakgen (wanted %s)", sk_finding_kind_names[kind]);
		return NULL; /* not reached: fail_msg does not return */
	}
	assert_string_equal(sk_finding_kind_names[f->kind], sk_finding_kind_names[kind]);
	assert_int_equal(f->pid, sc->leak.leaker);
	return f;
}

/* The leak that args make, judged after that many refreshes of sktop in
 * its namespace: the top finding, of that kind and about the leaker. */
static const struct sk_finding *leak_and_judge(struct scenario *sc, int refreshes,
					       enum sk_finding_kind kind, const char *const *args)
{
	start(sc, args);
	run_sktop(sc, true, refreshes);
	return expect_top(sc, kind);
}

static const struct sk_evidence *evidence(const struct sk_finding *f, const char *name)
{
	for (int i = 0; i < f->nev; i++)
		if (strcmp(f->ev[i].name, name) == 0)
			return &f->ev[i];
	fail_msg("%s finding has no evidence '%s'", sk_finding_kind_names[f->kind], name);
	return NULL;
}

/* A shell command's first number, run inside the leak's namespace. */
__attribute__((format(printf, 2, 3)))
static long in_netns(const struct scenario *sc, const char *fmt, ...)
{
	char inner[2048], cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(inner, sizeof(inner), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n sh -c \"%s\"", sc->leak.leaker, inner);
	return first_number(cmd);
}

/* Polls a condition only ss can see (no signal exists for a kernel timer
 * changing kind), every 50 ms for at most 10 s. */
static void wait_netns_count(const struct scenario *sc, const char *cmd, long want)
{
	long got = -1;

	for (int i = 0; i < 200 && got != want; i++) {
		got = in_netns(sc, "%s", cmd);
		if (got != want)
			usleep(50 * 1000);
	}
	if (got != want)
		fail_msg("%s: %ld, never %ld", cmd, got, want);
}

/* --- the field reports' situations ------------------------------------------------------- */

/* A handler that never closes: the peer hung up, 40 sockets sit in
 * CLOSE_WAIT. Small, but held: found once they are close_wait_age_s old
 * (tcp_info's last ACK says so at one look; two looks say it too). */
static void test_close_wait(void **state)
{
	struct scenario *sc = *state;
	struct watched w;

	start(sc, (const char *const[]){"--close-wait", "40", NULL});
	watch(sc, "40 CLOSE_WAIT held 10 s", 10, "1.1", SK_FIND_CLOSE_WAIT, &w);
	assert_true(w.first[SK_FIND_CLOSE_WAIT] > 0);
	const struct sk_finding *f = expect_top(sc, SK_FIND_CLOSE_WAIT);

	assert_int_equal(evidence(f, "close_wait")->value, 40);
	assert_int_equal(in_netns(sc, "ss -tanH state close-wait | wc -l"), 40);
	assert_int_equal(f->socks_count, 40);
	assert_int_equal(f->severity, SK_SEV_WARNING);
	assert_true(evidence(f, "oldest_s")->value >= 5);
	assert_non_null(strstr(f->detail, "127.0.0.1"));
}

/* Failed connects never closed: "can't identify protocol" in lsof. Only
 * two looks closed_age_s apart can tell them from sockets about to
 * connect. */
static void test_closed_leak(void **state)
{
	struct scenario *sc = *state;
	struct watched w;
	char cmd[256];

	start(sc, (const char *const[]){"--closed", "40", NULL});
	watch(sc, "40 closed fds held 10 s", 10, "1.1", SK_FIND_CLOSED_LEAK, &w);
	assert_true(w.first[SK_FIND_CLOSED_LEAK] >= 2);
	const struct sk_finding *f = expect_top(sc, SK_FIND_CLOSED_LEAK);

	assert_int_equal(evidence(f, "closed")->value, 40);
	snprintf(cmd, sizeof(cmd), "nsenter -t %d -n lsof -n -P -a -p %d -d 0-65535 -F t",
		 sc->leak.leaker, sc->leak.leaker);
	assert_int_equal(count_lines(cmd, "tsock"), 40);
	snprintf(cmd, sizeof(cmd), "awk '/open files/ {print $4}' /proc/%d/limits", sc->leak.leaker);
	assert_int_equal(evidence(f, "fds")->limit, first_number(cmd));
}

/* A healthy busy server: RATE connections a second, each in CLOSE_WAIT for
 * its 150 ms handler, fd numbers reused all the time. Watched for 20 s it
 * gets no finding; the walk/dump races are counted, not reported. */
static void churn_is_quiet(void **state, const char *rate)
{
	struct scenario *sc = *state;
	struct watched w;
	char name[96];

	start(sc, (const char *const[]){"--churn", rate, "--hold-ms", "150", "--port-range",
					"10000-65000", NULL});
	snprintf(name, sizeof(name), "healthy churn %s conn/s, 150 ms CLOSE_WAIT, 20 s", rate);
	watch(sc, name, 18, "1.1", SK_FIND_LAST, &w);
	for (int k = 0; k < SK_FIND_LAST; k++)
		if (w.first[k])
			fail_msg("healthy churn at %s/s got %s on refresh %d", rate,
				 sk_finding_kind_names[k], w.first[k]);
	/* and it was busy: CLOSE_WAIT present at the last look */
	const struct sk_process *p = sk_snapshot_find_pid(&sc->r.snap, sc->leak.leaker);

	assert_non_null(p);
	printf("churn %s/s: last refresh CLOSE_WAIT %u, closed %llu, closed_races %u\n", rate,
	       p->agg.tcp_states[SK_TCP_CLOSE_WAIT], (unsigned long long)sk_proc_closed(p),
	       sc->r.snap.procfs.closed_races);
}

static void test_churn_100(void **state)
{
	churn_is_quiet(state, "100");
}

static void test_churn_400(void **state)
{
	churn_is_quiet(state, "400");
}

static void test_churn_1000(void **state)
{
	churn_is_quiet(state, "1000");
}

/* Seed 000 at one look: 200 connections whose reader stopped, their
 * windows shut. The reader is the finding, first; its senders' zero
 * windows come after. */
static void test_recv_stuck_one_shot(void **state)
{
	struct scenario *sc = *state;
	struct watched w;

	start(sc, (const char *const[]){"--recvq-conns", "200", NULL});
	/* The reader advertises its shut window with an ACK that may be
	 * delayed: wait until every sender has seen it (persist timer). */
	wait_netns_count(sc, "ss -tanoH state established '( dport = :7008 )' | grep -c persist",
			 200);
	watch(sc, "one-shot, 200 unread receive queues", 1, "1", SK_FIND_RECV_STUCK, &w);
	const struct sk_finding *f = expect_top(sc, SK_FIND_RECV_STUCK);

	assert_int_equal(evidence(f, "sockets")->value, 200);
	assert_int_equal(evidence(f, "zero_window")->value, 200);
	/* The queues may still creep up by what a zero-window probe lets in. */
	long ss = in_netns(sc, "ss -tanH state established '( sport = :%d )' | "
			   "awk '{s += \\$1} END {print s}'", PORT + 8);

	assert_true(evidence(f, "recv_q")->value >= 200L * 65536);
	assert_true(evidence(f, "recv_q")->value <= ss);
	assert_int_equal(f->severity, SK_SEV_CRITICAL);
}

/* Orphans are what sockstat calls orphans: a closed FIN_WAIT2 the kernel
 * keeps as a timewait socket is not one. */
static void test_orphans_match_sockstat(void **state)
{
	struct scenario *sc = *state;

	start(sc, (const char *const[]){"--finwait1", "10", "--finwait2", "10", NULL});
	wait_netns_count(sc, "ss -tanoH state fin-wait-2 | grep -c timewait", 10);
	run_sktop(sc, false, 1);
	uint32_t ours = 0, fw2 = 0;

	for (size_t i = 0; i < sc->r.snap.socks.n; i++) {
		const struct sk_socket *k = &sc->r.snap.socks.v[i];

		if (k->netns != sc->leak.netns)
			continue;
		ours += (k->flags & SK_SOCK_ORPHAN) != 0;
		fw2 += k->state == SK_TCP_FIN_WAIT2 && !(k->flags & SK_SOCK_ORPHAN);
	}
	assert_int_equal(ours, 10);
	assert_int_equal(fw2, 10);
	/* Machine-wide the two counts are taken a few ms apart while other
	 * suites make orphans, and an orphan in a namespace no process is in
	 * any more (a killed leak's) is sockstat's only: said, not asserted. */
	printf("orphans: sktop %u, sockstat %lld (machine-wide, a few ms apart)\n",
	       sc->r.snap.totals.orphans, (long long)sc->r.snap.sys.sockstat[SK_SS_TCP_ORPHAN]);
}

/* The reader stopped: data sits in Recv-Q across refreshes. */
static void test_recv_stuck(void **state)
{
	struct scenario *sc = *state;

	const struct sk_finding *f = leak_and_judge(sc, 2, SK_FIND_RECV_STUCK,
						    SK_STRS("--recvq", "100000"));
	long ss = in_netns(sc, "ss -tanH state established '( sport = :%d )' | awk '{print \\$1}'",
			   PORT + 1);

	assert_true(ss >= 65536);
	assert_int_equal(evidence(f, "recv_q")->value, ss);
	assert_int_equal(evidence(f, "sockets")->value, 1);
	/* two refreshes saw it stay: confirmed, not the first-refresh guess */
	assert_non_null(strstr(f->detail, "not shrinking"));
}

/* Peers that stopped reading: FIN_WAIT1 orphans with data behind a zero window. */
static void test_peer_zero_window(void **state)
{
	struct scenario *sc = *state;

	start(sc, (const char *const[]){"--finwait1", "6", NULL});
	/* Until the peer's zero window is acknowledged a socket may still be
	 * retransmitting (timer "on"); the rule wants the persist timer. */
	wait_netns_count(sc, "ss -tanoH state fin-wait-1 | grep -c persist", 6);
	run_sktop(sc, true, 1);
	const struct sk_finding *f = expect_top(sc, SK_FIND_PEER_ZERO_WINDOW);

	assert_int_equal(in_netns(sc, "ss -tanH state fin-wait-1 | wc -l"), 6);
	assert_int_equal(evidence(f, "sockets")->value, 6);
	assert_int_equal(evidence(f, "orphaned")->value, 6);
	assert_true(evidence(f, "send_q")->value > 0);
}

/* "TCP: too many orphaned sockets": orphans against tcp_max_orphans. The
 * limit is lowered so that the orphans present are 65% of it: over the
 * warning line, under the one where the kernel starts killing them. */
static void test_orphans(void **state)
{
	struct scenario *sc = *state;
	char value[32];

	long orphans = 0, max = 0;

	start(sc, (const char *const[]){"--finwait1", "20", NULL});
	/* The count is the machine's: other processes' orphans come and go.
	 * The limit is set from the count sktop then sees, until the two are
	 * the same (the machine held still over the run). */
	for (int attempt = 0; attempt < 20; attempt++) {
		long seen = attempt ? sc->r.snap.sys.sockstat[SK_SS_TCP_ORPHAN] : -1;

		if (seen == orphans)
			break;
		orphans = first_number("awk '/^TCP:/ {print $5}' /proc/net/sockstat");
		assert_true(orphans >= 20);
		max = orphans * 100 / 65 + 1;
		snprintf(value, sizeof(value), "%ld\n", max);
		set_sysctl(sc, "/proc/sys/net/ipv4/tcp_max_orphans", value);
		sk_replay_free(&sc->r);
		/* From the leak's namespace, where the limit's file does not
		 * exist: sktop, root in the initial pid namespace, reads it in
		 * the initial one. */
		run_sktop(sc, true, 1);
	}
	assert_int_equal(sc->r.snap.sys.limits_from, SK_LIMITS_INITIAL_NETNS);
	assert_int_equal(sc->r.snap.sys.sockstat[SK_SS_TCP_ORPHAN], orphans);
	const struct sk_finding *f = finding_of(sc, SK_FIND_ORPHANS);
	const struct sk_evidence *e = evidence(f, "orphans");

	assert_int_equal(f->subject_type, SK_SUBJ_SYSTEM);
	assert_int_equal(e->limit, max);
	assert_int_equal(e->value, sc->r.snap.sys.sockstat[SK_SS_TCP_ORPHAN]);
	assert_true(e->value >= 20);
	/* the ones this test made are orphans in the snapshot (the finding
	 * lists only the first 64 of the machine's in the file) */
	uint32_t ours = 0;

	for (size_t i = 0; i < sc->r.snap.socks.n; i++)
		ours += sc->r.snap.socks.v[i].netns == sc->leak.netns &&
			(sc->r.snap.socks.v[i].flags & SK_SOCK_ORPHAN);
	assert_int_equal(ours, 20);
}

/* TCP memory pressure: the pressure threshold is lowered under what is in
 * use, which is how the kernel sees a box whose sockets hold too much. */
static void test_tcp_mem(void **state)
{
	struct scenario *sc = *state;
	char value[96];

	start(sc, (const char *const[]){"--recvq", "100000", "--finwait1", "2", NULL});
	long pages = first_number("awk '/^TCP:/ {print $11}' /proc/net/sockstat");
	long high = first_number("awk '{print $3}' /proc/sys/net/ipv4/tcp_mem");

	assert_true(pages > 8);
	snprintf(value, sizeof(value), "%ld %ld %ld\n", pages / 4, pages / 2, high);
	set_sysctl(sc, "/proc/sys/net/ipv4/tcp_mem", value);
	run_sktop(sc, true, 1); /* from the child namespace, as for orphans */
	assert_int_equal(sc->r.snap.sys.limits_from, SK_LIMITS_INITIAL_NETNS);
	const struct sk_finding *f = finding_of(sc, SK_FIND_TCP_MEM);
	const struct sk_evidence *e = evidence(f, "tcp_mem_pages");

	assert_int_equal(f->subject_type, SK_SUBJ_SYSTEM);
	assert_int_equal(e->limit, pages / 2);
	assert_int_equal(e->value, sc->r.snap.sys.sockstat[SK_SS_TCP_MEM]);
	assert_int_equal(f->severity, SK_SEV_CRITICAL);
	assert_non_null(strstr(f->title, "under pressure"));
}

/* One destination taking most of the local port range, TIME_WAIT churn
 * behind it. The namespace's range is 100 ports; 60 are used towards it. */
static void test_ephemeral_ports(void **state)
{
	struct scenario *sc = *state;
	char dest[32];

	start(sc, (const char *const[]){"--port-range", "40000-40099", "--dest-conns", "30",
					"--time-wait", "30", NULL});
	run_sktop(sc, true, 1);
	const struct sk_finding *f = finding_of(sc, SK_FIND_EPHEMERAL_PORTS);

	snprintf(dest, sizeof(dest), "127.0.0.1:%d", PORT + 6);
	assert_string_equal(f->subject, dest);
	assert_int_equal(f->subject_type, SK_SUBJ_DESTINATION);
	assert_int_equal(evidence(f, "ports")->value,
			 in_netns(sc, "ss -tanH dst %s | wc -l", dest));
	assert_int_equal(evidence(f, "ports")->value, 60);
	assert_int_equal(evidence(f, "ports")->limit, 100);
	assert_int_equal(evidence(f, "time_wait")->value,
			 in_netns(sc, "ss -tanH state time-wait dst %s | wc -l", dest));
	assert_int_equal(evidence(f, "time_wait")->value, 30);
	assert_int_equal(f->severity, SK_SEV_WARNING);
}

/* A client that opens and closes connections to one destination: 120
 * TIME_WAIT in a 200-port range is 120 made in the last minute, 60% of
 * the range. The maker is the process still holding connections there. */
static void test_time_wait_churn(void **state)
{
	struct scenario *sc = *state;
	struct watched w;
	char dest[32];

	start(sc, (const char *const[]){"--port-range", "40000-40199", "--dest-conns", "5",
					"--time-wait", "120", NULL});
	watch(sc, "120 TIME_WAIT/min to one destination, 200 ports", 1, "1",
	      SK_FIND_TIME_WAIT_CHURN, &w);
	const struct sk_finding *f = finding_of(sc, SK_FIND_TIME_WAIT_CHURN);

	snprintf(dest, sizeof(dest), "127.0.0.1:%d", PORT + 6);
	assert_int_equal(f->pid, sc->leak.leaker);
	assert_int_equal(evidence(f, "time_wait")->value,
			 in_netns(sc, "ss -tanH state time-wait dst %s | wc -l", dest));
	assert_int_equal(evidence(f, "time_wait")->value, 120);
	assert_int_equal(evidence(f, "per_min")->limit, 200);
	assert_non_null(strstr(f->title, dest));
}

/* A listener nobody accepts from: the queue is full and SYNs are dropped. */
static void test_accept_overflow(void **state)
{
	struct scenario *sc = *state;

	const struct sk_finding *f = leak_and_judge(sc, 2, SK_FIND_ACCEPT_OVERFLOW,
						    SK_STRS("--accept-overflow", "4"));
	const struct sk_evidence *q = evidence(f, "accept_queue");
	long overflows_after = in_netns(sc, "nstat -az TcpExtListenOverflows | "
					"awk '/ListenOverflows/ {print \\$2}'");

	assert_int_equal(f->subject_type, SK_SUBJ_LISTENER);
	assert_int_equal(q->value, 5); /* backlog + 1 fit */
	assert_int_equal(q->limit, 4);
	assert_int_equal(q->value, in_netns(sc, "ss -ltnH '( sport = :%d )' | awk '{print \\$2}'",
					    PORT + 4));
	assert_true(evidence(f, "ListenOverflows")->value >= 2);
	assert_true(evidence(f, "ListenOverflows")->value <= overflows_after);
	assert_int_equal(f->severity, SK_SEV_CRITICAL);
}

/* A process near its own open-files limit, with no closed sockets to blame. */
static void test_fd_exhaustion(void **state)
{
	struct scenario *sc = *state;
	char cmd[128];

	const struct sk_finding *f = leak_and_judge(sc, 1, SK_FIND_FD_EXHAUSTION,
						    SK_STRS("--nofile", "64", "--estab", "50"));

	snprintf(cmd, sizeof(cmd), "ls /proc/%d/fd | wc -l", sc->leak.leaker);
	assert_int_equal(evidence(f, "fds")->value, first_number(cmd));
	assert_int_equal(evidence(f, "fds")->limit, 64);
	assert_true(evidence(f, "fds")->value >= 52); /* 80% */
	for (size_t i = 0; i < sc->r.findings.list.n; i++)
		assert_int_not_equal(sc->r.findings.list.v[i].kind, SK_FIND_CLOSED_LEAK);
}

/* Datagrams faster than the reader: the buffer is full and drops count. */
static void test_udp_rcvbuf(void **state)
{
	struct scenario *sc = *state;

	const struct sk_finding *f = leak_and_judge(sc, 1, SK_FIND_UDP_RCVBUF,
						    SK_STRS("--udp-flood", "64"));
	const struct sk_evidence *rmem = evidence(f, "rmem");
	long snmp = in_netns(sc, "awk '/^Udp:/ {n++; if (n == 2) print \\$6}' /proc/net/snmp");

	/* no room for another datagram (84% of a small buffer is full) */
	assert_true(rmem->value > 0 && rmem->value + 4096 > rmem->limit);
	assert_true(snmp > 0);
	/* every drop in this namespace is this socket's */
	assert_int_equal(evidence(f, "drops")->value, snmp);
	assert_int_equal(evidence(f, "RcvbufErrors")->value, snmp);
}

/* Busy but healthy: established connections, nothing stuck. */
static void test_healthy_namespace(void **state)
{
	struct scenario *sc = *state;

	start(sc, (const char *const[]){"--estab", "5", NULL});
	run_sktop(sc, true, 2);
	const struct sk_finding *f = top_finding(sc);

	if (f)
		fail_msg("healthy namespace got a %s finding: %s", sk_finding_kind_names[f->kind],
			 f->title);
	/* and it was looked at: the five connections are in the snapshot */
	assert_non_null(sk_snapshot_find_pid(&sc->r.snap, sc->leak.leaker));
	assert_int_equal(sk_snapshot_find_pid(&sc->r.snap, sc->leak.leaker)
			 ->agg.tcp_states[SK_TCP_ESTABLISHED], 5);
}

#define RULE_TEST(fn) cmocka_unit_test_setup_teardown(fn, scenario_new, scenario_free)

/* It lowers tcp_max_orphans and tcp_mem, which exist only in the machine's
 * network namespace. */
SK_SUITE_MAIN_PREPARE(hermetic_suite_begin("rules", true, HERMETIC_SHARED_NET), NULL, NULL,
	RULE_TEST(test_close_wait),
	RULE_TEST(test_closed_leak),
	RULE_TEST(test_recv_stuck),
	RULE_TEST(test_peer_zero_window),
	RULE_TEST(test_orphans),
	RULE_TEST(test_tcp_mem),
	RULE_TEST(test_ephemeral_ports),
	RULE_TEST(test_accept_overflow),
	RULE_TEST(test_fd_exhaustion),
	RULE_TEST(test_udp_rcvbuf),
	RULE_TEST(test_healthy_namespace),
	RULE_TEST(test_churn_100),
	RULE_TEST(test_churn_400),
	RULE_TEST(test_churn_1000),
	RULE_TEST(test_recv_stuck_one_shot),
	RULE_TEST(test_orphans_match_sockstat),
	RULE_TEST(test_time_wait_churn))
