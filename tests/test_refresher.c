/* The refresh thread and the engine's double buffer: the snapshot the key
 * loop shows is never written by the refresh after it, a failed or
 * cancelled refresh leaves the last complete snapshot in place, and
 * quitting does not wait for a dump to end. With the same fake kernel: the
 * engine's fallback when the both-families TCP dump is refused. The kernel is replaced by a
 * dumper that makes up rows (a different count each refresh) and, when
 * told to, blocks until the engine cancels it. Its /proc is an empty
 * directory: the real one would join every other process's sockets in.
 * The engine's destroy runs
 * against a fake SOCK_DESTROY whose answer is chosen per row (by local
 * port): counted as destroyed, gone or refused, stopped by the first
 * EOPNOTSUPP, and run by the refresh thread between refreshes. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "analyse/history.h"
#include "refresher.h"
#include "snapbuild.h"

struct fake_kernel {
	unsigned refreshes;     /* TCP dumps so far: one per refresh */
	bool block;             /* the next TCP dump waits for cancellation */
	int entered_fd;         /* written when a blocking dump has started */
	bool saw_cancel;
	bool gave_up;           /* waited 20 s for a cancel that never came */
	bool refuse_both;       /* an old kernel: no both-families TCP dump */
	unsigned per_family;    /* TCP dumps of one family asked for */
	int outcome[8];         /* the fake SOCK_DESTROY's answer, by local port % 8 */
	unsigned destroys;      /* rows it was asked to destroy */
	unsigned refreshes_at_destroy;
};

/* No processes, no counters: the rows are the fake dump's and nothing else. */
static char empty_proc[] = "/tmp/sktop-noproc-XXXXXX";

static int fake_destroy(void *ctx, uint64_t netns, int32_t pid, const struct sk_socket *row,
			struct sk_error *err)
{
	struct fake_kernel *k = ctx;
	int rc = k->outcome[row->local.port % 8];

	(void)netns;
	assert_int_equal(pid, 0); /* the engine's own namespace */
	k->destroys++;
	k->refreshes_at_destroy = k->refreshes;
	return rc ? sk_error_set(err, -rc, "fake refusal %d", rc) : 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Refresh n has n TCP sockets, so every snapshot is told apart by its count. */
static int fake_dump(void *ctx, uint64_t netns, int32_t pid, const struct sk_diag_request *req,
		     struct sk_diag_sink *sink, struct sk_error *err)
{
	struct fake_kernel *k = ctx;

	(void)netns;
	if (pid != 0 || req->kind != SK_DIAG_INET || req->protocol != IPPROTO_TCP)
		return 0;
	if (k->refuse_both) {
		if (req->family == AF_UNSPEC) {
			sink->stats->unsupported++; /* as sk_diag_dump counts a refusal */
			return sk_error_set(err, EINVAL, "no TCPDIAG_GETSOCK here");
		}
		k->per_family++;
		return 0;
	}
	if (req->family != AF_UNSPEC)
		return 0; /* only the both-families TCP dump makes rows */
	k->refreshes++;
	if (k->block) {
		uint64_t until = now_ms() + 20000;
		char c = 1;

		k->block = false;
		assert_int_equal(write(k->entered_fd, &c, 1), 1);
		/* Polling the flag is the point: nothing else tells a dump to stop. */
		while (!atomic_load(sink->cancel) && now_ms() < until)
			poll(NULL, 0, 1);
		k->saw_cancel = atomic_load(sink->cancel);
		k->gave_up = !k->saw_cancel;
		return k->saw_cancel ? -ECANCELED : 0;
	}
	for (unsigned i = 0; i < k->refreshes; i++) {
		struct sk_socket *s = SK_VEC_PUSH(sink->socks);

		assert_non_null(s);
		s->proto = SK_PROTO_TCP;
		s->family = AF_INET;
		s->sockname = SK_SN_TCP;
		s->state = SK_TCP_ESTABLISHED;
		s->inode = 4000000000ULL + i; /* nobody's: no fd points at it */
		s->netns = sink->netns;
		s->local.port = (uint16_t)(10000 + i);
		sink->stats->sockets++;
	}
	return 0;
}

/* A fake kernel and an engine on it, made fresh for each test. */
struct rig {
	struct fake_kernel k;
	struct sk_diag_ops ops;
	struct sk_engine *e;
	struct sk_error err;        /* what the test's last call said */
	struct sk_socket rows[8];   /* for the destroy tests (rig_setup_rows) */
};

static int rig_setup(void **state)
{
	struct rig *g = calloc(1, sizeof(*g));
	/* The host's own TCP fds are in no fake dump: judged, each would
	 * become a "closed" row and the counts below would depend on what
	 * else runs, so every fd is SK_SN_OTHER. */
	struct sk_engine_config cfg = {.proc_root = empty_proc, .sockname = sb_sockname_as,
				       .sockname_ctx = SB_SOCKNAME_CTX(SK_SN_OTHER),
				       .want_meminfo = true, .own_netns_only = true,
				       .double_buffer = true};
	struct sk_error err;

	if (!g)
		return -1;
	g->ops = (struct sk_diag_ops){.dump = fake_dump, .destroy = fake_destroy, .ctx = &g->k};
	cfg.diag = &g->ops;
	sk_error_clear(&err);
	if (sk_engine_new(&cfg, &g->e, &err) != 0) {
		free(g);
		return -1;
	}
	*state = g;
	return 0;
}

static int rig_teardown(void **state)
{
	struct rig *g = *state;

	sk_engine_free(g->e);
	free(g);
	return 0;
}

/* The rig after its first refresh, as a running TUI has it. */
static int rig_setup_refreshed(void **state)
{
	struct sk_error err;

	if (rig_setup(state) != 0)
		return -1;
	if (sk_engine_refresh(((struct rig *)*state)->e, &err) != 0) {
		rig_teardown(state);
		return -1;
	}
	return 0;
}

/* The refreshed rig and its rows: TCP in CLOSE_WAIT in the engine's own
 * namespace, row i on local port i (so the fake kernel's answer for row i
 * is outcome[i]). */
static int rig_setup_rows(void **state)
{
	struct rig *g;

	if (rig_setup_refreshed(state) != 0)
		return -1;
	g = *state;
	for (size_t i = 0; i < sizeof(g->rows) / sizeof(g->rows[0]); i++) {
		g->rows[i].proto = SK_PROTO_TCP;
		g->rows[i].family = AF_INET;
		g->rows[i].state = SK_TCP_CLOSE_WAIT;
		g->rows[i].netns = sk_engine_snapshot(g->e)->netns.v[0].id;
		g->rows[i].local.port = (uint16_t)i;
	}
	return 0;
}

#define RIG_TEST(fn, setup) cmocka_unit_test_setup_teardown(fn, setup, rig_teardown)

/* Each refresh fills the buffer not shown; the shown one, its findings and
 * its history are left exactly as they were. */
static void test_shown_snapshot_is_not_rewritten(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	const struct sk_snapshot *a, *b, *c;

	a = sk_engine_snapshot(e);
	assert_int_equal(a->totals.sockets, 1);
	assert_int_equal(a->history->samples, 1);
	const struct sk_findings *fa = a->findings;
	const struct sk_history *ha = a->history;
	uint64_t seq_a = a->seq;

	assert_int_equal(sk_engine_refresh(e, &g->err), 0);
	b = sk_engine_snapshot(e);
	assert_ptr_not_equal(a, b);
	assert_ptr_not_equal(fa, b->findings);
	assert_ptr_not_equal(ha, b->history);
	assert_int_equal(b->totals.sockets, 2);
	assert_int_equal(b->history->samples, 2);
	/* What the loop still shows: */
	assert_int_equal(a->totals.sockets, 1);
	assert_int_equal(a->socks.n, 1);
	assert_int_equal(a->seq, seq_a);
	assert_ptr_equal(a->findings, fa);
	assert_int_equal(a->history->samples, 1);

	/* The third reuses the first's memory, as the loop has let it go. */
	assert_int_equal(sk_engine_refresh(e, &g->err), 0);
	c = sk_engine_snapshot(e);
	assert_ptr_equal(c, a);
	assert_int_equal(c->totals.sockets, 3);
	assert_int_equal(c->history->samples, 3);
	assert_int_equal(b->totals.sockets, 2);
}

/* Cancelled, the refresh says so and the last complete snapshot stays. */
static void test_cancel_keeps_last_snapshot(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	const struct sk_snapshot *b;

	assert_int_equal(sk_engine_refresh(e, &g->err), 0);
	b = sk_engine_snapshot(e);
	sk_engine_cancel(e);
	assert_int_equal(sk_engine_refresh(e, &g->err), -ECANCELED);
	assert_int_equal(g->err.code, ECANCELED);
	assert_ptr_equal(sk_engine_snapshot(e), b);
	assert_int_equal(b->totals.sockets, 2);
	assert_non_null(b->findings);
}

/* The thread: one refresh at a time, each result taken before the next. */
static void test_refresher_one_at_a_time(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	struct sk_refresher *r = NULL;
	int rc = -1;

	sk_error_clear(&g->err);
	assert_int_equal(sk_refresher_start(e, &r, &g->err), 0);
	assert_false(sk_refresher_busy(r));
	assert_false(sk_refresher_collect(r, &rc, &g->err));
	assert_false(sk_refresher_wait(r, 10)); /* nothing asked */

	for (unsigned n = 1; n <= 3; n++) {
		assert_true(sk_refresher_request(r));
		assert_true(sk_refresher_busy(r));
		assert_false(sk_refresher_request(r)); /* one under way */
		assert_true(sk_refresher_wait(r, 20000));
		assert_false(sk_refresher_request(r)); /* its result not taken yet */
		assert_true(sk_refresher_collect(r, &rc, &g->err));
		assert_int_equal(rc, 0);
		assert_int_equal(sk_engine_snapshot(e)->totals.sockets, n);
		assert_false(sk_refresher_busy(r));
		assert_false(sk_refresher_collect(r, &rc, &g->err));
	}
	sk_refresher_stop(r);
	assert_int_equal(g->k.refreshes, 3);
}

/* The work that rides on each refresh (the TUI's socket list) runs on the
 * worker after a refresh that succeeded, sees the new snapshot, and has
 * run by the time its result is collected; after a failed one it does not
 * run. */
struct then_seen {
	struct sk_engine *e;
	unsigned runs;
	uint64_t seq;
};

static void then_note(void *ctx)
{
	struct then_seen *t = ctx;

	t->runs++;
	t->seq = sk_engine_snapshot(t->e)->seq;
}

static void test_then_runs_after_each_good_refresh(void **state)
{
	struct rig *g = *state;
	struct then_seen seen = {.e = g->e};
	struct sk_refresher *r = NULL;
	int rc = -1;

	assert_int_equal(sk_refresher_start(g->e, &r, &g->err), 0);
	sk_refresher_then(r, then_note, &seen);
	for (unsigned n = 1; n <= 2; n++) {
		assert_true(sk_refresher_request(r));
		assert_true(sk_refresher_wait(r, 20000));
		assert_true(sk_refresher_collect(r, &rc, &g->err));
		assert_int_equal(rc, 0);
		assert_int_equal(seen.runs, n);
		assert_int_equal(seen.seq, sk_engine_snapshot(g->e)->seq);
	}
	sk_engine_cancel(g->e);
	assert_true(sk_refresher_request(r));
	assert_true(sk_refresher_wait(r, 20000));
	assert_true(sk_refresher_collect(r, &rc, &g->err));
	assert_int_equal(rc, -ECANCELED);
	assert_int_equal(seen.runs, 2);
	sk_refresher_stop(r);
}

/* Quitting in the middle of a dump that would not end by itself. */
static void test_stop_cancels_a_dump_under_way(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	struct sk_refresher *r = NULL;
	struct pollfd pfd;
	int fds[2];
	char c;

	assert_int_equal(pipe(fds), 0);
	g->k.entered_fd = fds[1];
	g->k.block = true;
	assert_int_equal(sk_refresher_start(e, &r, &g->err), 0);
	assert_true(sk_refresher_request(r));
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 20000), 1);
	assert_int_equal(read(fds[0], &c, 1), 1);

	sk_refresher_stop(r);
	assert_true(g->k.saw_cancel);
	assert_false(g->k.gave_up);
	assert_int_equal(g->k.refreshes, 1);
	close(fds[0]);
	close(fds[1]);
}

/* A kernel that refuses the both-families dump gets the two per-family
 * ones, and the snapshot is whole: both classes dumped, nothing partial,
 * no refusal counted. */
static void test_tcp_per_family_fallback(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	const struct sk_snapshot *s;
	uint32_t tcp = (1u << SK_SN_TCP) | (1u << SK_SN_TCPV6);

	g->k.refuse_both = true;
	assert_int_equal(sk_engine_refresh(e, &g->err), 0);
	s = sk_engine_snapshot(e);
	assert_int_equal(g->k.per_family, 2);
	assert_true(s->netns.n >= 1 && s->netns.v[0].own);
	assert_int_equal(s->netns.v[0].dumped & tcp, tcp);
	assert_int_equal(s->netns.v[0].dump_error, 0);
	assert_int_equal(s->diag.unsupported, 0);
}

static void test_destroy_counts_each_outcome(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	struct sk_destroy_result res;

	g->k.outcome[1] = -ENOENT;
	g->k.outcome[2] = -EINVAL;
	g->rows[5].proto = SK_PROTO_UNIX; /* refused before the kernel is asked */
	g->rows[6].netns = 12345;         /* a namespace that is gone: so is the socket */
	sk_error_clear(&g->err);
	assert_int_equal(sk_engine_destroy(e, g->rows, 7, &res, &g->err), -EINVAL);
	assert_int_equal(res.destroyed, 3);
	assert_int_equal(res.gone, 2);
	assert_int_equal(res.refused, 2);
	assert_int_equal(g->k.destroys, 5);
	assert_int_equal(g->err.code, EINVAL); /* the first refusal's */

	/* All went: 0. */
	g->k.destroys = 0;
	assert_int_equal(sk_engine_destroy(e, g->rows, 2, &res, &g->err), 0);
	assert_int_equal(res.destroyed + res.gone, 2);
}

/* A kernel without CONFIG_INET_DIAG_DESTROY refuses every row alike: the
 * first refusal stops the batch, with its reason. */
static void test_destroy_stops_at_eopnotsupp(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	struct sk_destroy_result res;

	g->k.outcome[1] = -EOPNOTSUPP;
	assert_int_equal(sk_engine_destroy(e, g->rows, 5, &res, &g->err), -EOPNOTSUPP);
	assert_int_equal(g->k.destroys, 2);
	assert_int_equal(res.destroyed, 1);
	assert_int_equal(res.refused, 4);
	assert_string_equal(g->err.msg, "fake refusal -95");
	/* The same for a refusal of permission. */
	g->k.outcome[1] = -EPERM;
	g->k.destroys = 0;
	assert_int_equal(sk_engine_destroy(e, g->rows, 5, &res, &g->err), -EPERM);
	assert_int_equal(g->k.destroys, 2);
}

/* The key loop queues a destroy and a refresh; the worker runs the destroy
 * first, and the refresh after it shows its effect. */
static void test_refresher_destroys_between_refreshes(void **state)
{
	struct rig *g = *state;
	struct sk_engine *e = g->e;
	struct sk_refresher *r;
	struct sk_destroy_result res;
	uint64_t until;
	int rc = 1;

	assert_int_equal(sk_refresher_start(e, &r, &g->err), 0);
	assert_true(sk_refresher_destroy(r, g->rows, 3));
	assert_true(sk_refresher_request(r));
	until = now_ms() + 10000;
	while (!sk_refresher_destroyed(r, &rc, &res, &g->err) && now_ms() < until)
		poll(NULL, 0, 1);
	assert_int_equal(rc, 0);
	assert_int_equal(res.destroyed, 3);
	assert_int_equal(g->k.refreshes_at_destroy, 1);
	assert_true(sk_refresher_wait(r, 10000));
	assert_true(sk_refresher_collect(r, &rc, &g->err));
	assert_int_equal(rc, 0);
	assert_int_equal(g->k.refreshes, 2);
	/* Collected: the next one may be asked for. */
	assert_true(sk_refresher_destroy(r, g->rows, 1));
	sk_refresher_stop(r);
}

int main(void)
{
	int rc;
	const struct CMUnitTest tests[] = {
		RIG_TEST(test_shown_snapshot_is_not_rewritten, rig_setup_refreshed),
		RIG_TEST(test_cancel_keeps_last_snapshot, rig_setup_refreshed),
		RIG_TEST(test_refresher_one_at_a_time, rig_setup),
		RIG_TEST(test_then_runs_after_each_good_refresh, rig_setup),
		RIG_TEST(test_stop_cancels_a_dump_under_way, rig_setup),
		RIG_TEST(test_tcp_per_family_fallback, rig_setup),
		RIG_TEST(test_destroy_counts_each_outcome, rig_setup_rows),
		RIG_TEST(test_destroy_stops_at_eopnotsupp, rig_setup_rows),
		RIG_TEST(test_refresher_destroys_between_refreshes, rig_setup_rows),
	};

	if (!mkdtemp(empty_proc)) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(empty_proc);
	return rc;
}
