/* Trends over a fake clock: rates, monotonic growth, bounded memory, and a
 * reused pid starting over. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <math.h>

#include "suite.h"
#include "analyse/history.h"
#include "snapbuild.h"

/* Every test here: an empty snapshot and a ten-minute history window. */
struct hist {
	struct sk_snapshot s;
	struct sk_history h;
};

/* One refresh at t_ms: process pid (started at starttime) alone, with
 * close_wait CLOSE_WAITs and as many orphans on the machine. */
static void record(struct hist *w, uint64_t t_ms, int32_t pid, uint64_t starttime,
		   uint32_t close_wait)
{
	struct sk_snapshot *s = &w->s;
	struct sk_process *p;

	sk_snapshot_reset(s);
	s->seq++;
	sb_time(s, t_ms);
	p = SK_VEC_PUSH(&s->procs);
	p->pid = pid;
	p->starttime = starttime;
	p->agg.sockets = close_wait + 1;
	p->agg.tcp_states[SK_TCP_CLOSE_WAIT] = close_wait;
	p->fd_count = close_wait + 10;
	s->sys.sockstat[SK_SS_TCP_ORPHAN] = close_wait;
	assert_int_equal(sk_history_record(&w->h, s), 0);
}

static void begin(struct hist *w)
{
	sk_snapshot_init(&w->s);
	sk_history_init(&w->h, 600000);
}

static void end(struct hist *w)
{
	sk_history_free(&w->h);
	sk_snapshot_free(&w->s);
}

/* The CLOSE_WAIT trend of the process the tests record (pid 42, started
 * at 7), which the history must hold. */
static struct sk_trend close_wait_trend(const struct sk_history *h)
{
	const struct sk_proc_history *ph = sk_history_find(h, 42, 7);

	assert_non_null(ph);
	return sk_series_trend(&ph->m[SK_PM_CLOSE_WAIT]);
}

/* A refresh that could not dump the process's namespace (born during the
 * refresh) sees none of its CLOSE_WAITs. Recorded, 0 then 77 then 77 would
 * read as a leak growing at +77 per interval; it must not be a sample. */
static void test_undumped_refresh_is_no_sample(void **state)
{
	struct hist w;
	struct sk_netns *ns;

	(void)state;
	begin(&w);
	for (int i = 0; i < 3; i++) {
		sk_snapshot_reset(&w.s);
		w.s.seq++;
		sb_time(&w.s, 1000 + (uint64_t)i * 30000);
		ns = SK_VEC_PUSH(&w.s.netns);
		assert_non_null(ns);
		ns->id = 99;
		ns->dump_error = i == 0 ? -EAGAIN : 0;
		struct sk_process *p = SK_VEC_PUSH(&w.s.procs);

		assert_non_null(p);
		p->pid = 42;
		p->starttime = 7;
		p->netns = 99;
		p->agg.sockets = i == 0 ? 1 : 78;
		p->agg.tcp_states[SK_TCP_CLOSE_WAIT] = i == 0 ? 0 : 77;
		w.s.totals.tcp_states[SK_TCP_CLOSE_WAIT] = p->agg.tcp_states[SK_TCP_CLOSE_WAIT];
		assert_int_equal(sk_history_record(&w.h, &w.s), 0);
	}
	struct sk_trend t = close_wait_trend(&w.h);

	assert_true(t.known);
	assert_int_equal(t.first, 77);
	assert_true(fabs(t.per_min) < 0.001);
	assert_false(t.monotonic);
	assert_int_equal(sk_series_trend(&w.h.sys[SK_SM_CLOSE_WAIT]).first, 77);
	end(&w);
}

static void test_rate_and_monotonic(void **state)
{
	struct hist w;

	(void)state;
	begin(&w);
	for (int i = 0; i <= 10; i++)
		record(&w, 1000 + (uint64_t)i * 30000, 42, 7, (uint32_t)(100 + i * 5));
	struct sk_trend t = close_wait_trend(&w.h);

	assert_true(t.known);
	assert_true(t.monotonic);
	assert_true(fabs(t.per_min - 10.0) < 0.01);
	assert_int_equal(t.span_ms, 300000);
	assert_true(sk_series_trend(&w.h.sys[SK_SM_ORPHANS]).monotonic);
	/* 150 fds growing 10/min towards a limit of 250: 10 minutes. */
	assert_true(fabs(sk_minutes_to_limit(150, 10.0, 250) - 10.0) < 0.01);
	assert_true(sk_minutes_to_limit(150, 0, 250) < 0);
	assert_true(sk_minutes_to_limit(150, 5, SK_UNKNOWN) < 0);

	/* A dip breaks monotonic growth: a burst that drains is not a leak. */
	record(&w, 400000, 42, 7, 90);
	record(&w, 430000, 42, 7, 200);
	t = close_wait_trend(&w.h);
	assert_false(t.monotonic);
	end(&w);
}

static void test_bounded_and_windowed(void **state)
{
	struct hist w;

	(void)state;
	begin(&w);
	/* A day at one refresh per second. */
	for (uint64_t t = 0; t < 86400000; t += 1000)
		record(&w, t, 42, 7, (uint32_t)(t / 1000));
	const struct sk_proc_history *ph = sk_history_find(&w.h, 42, 7);

	assert_int_equal(ph->m[SK_PM_CLOSE_WAIT].n, SK_HISTORY_SLOTS);
	struct sk_trend t = sk_series_trend(&ph->m[SK_PM_CLOSE_WAIT]);

	/* The ring spans about the window, not the day. */
	assert_true(t.span_ms <= 600000 + 600000 / SK_HISTORY_SLOTS);
	assert_true(t.span_ms >= 600000 - 2 * 600000 / SK_HISTORY_SLOTS);
	assert_true(fabs(t.per_min - 60.0) < 0.5);
	end(&w);
}

static void test_exit_and_pid_reuse(void **state)
{
	struct hist w;

	(void)state;
	begin(&w);
	record(&w, 1000, 42, 7, 100);
	record(&w, 61000, 42, 7, 200);
	/* Same pid, new start time: a different process, history from zero. */
	record(&w, 121000, 42, 9, 5);
	assert_null(sk_history_find(&w.h, 42, 7));
	const struct sk_proc_history *ph = sk_history_find(&w.h, 42, 9);

	assert_non_null(ph);
	assert_false(sk_series_trend(&ph->m[SK_PM_CLOSE_WAIT]).known);
	/* Gone from the snapshot: gone from the history. */
	record(&w, 181000, 43, 1, 5);
	assert_null(sk_history_find(&w.h, 42, 9));
	assert_int_equal(w.h.procs.n, 1);
	end(&w);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_rate_and_monotonic),
	cmocka_unit_test(test_undumped_refresh_is_no_sample),
	cmocka_unit_test(test_bounded_and_windowed),
	cmocka_unit_test(test_exit_and_pid_reuse))
