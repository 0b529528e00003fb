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

/* The host's own TCP fds are in no fake dump: judged, each would become a
 * "closed" row and the counts below would depend on what else runs. */
static enum sk_sockname not_judged(void *ctx, int32_t pid, int32_t fd, uint64_t inode)
{
	(void)ctx;
	(void)pid;
	(void)fd;
	(void)inode;
	return SK_SN_OTHER;
}

static struct sk_engine *new_engine(struct fake_kernel *k, struct sk_diag_ops *ops)
{
	struct sk_engine_config cfg = {
		.proc_root = empty_proc,
		.sockname = not_judged,
		.want_unix = false,
		.want_meminfo = true,
		.own_netns_only = true,
		.diag = ops,
		.double_buffer = true,
	};
	struct sk_engine *e = NULL;
	struct sk_error err;

	ops->dump = fake_dump;
	ops->destroy = fake_destroy;
	ops->ctx = k;
	sk_error_clear(&err);
	assert_int_equal(sk_engine_new(&cfg, &e, &err), 0);
	return e;
}

/* Each refresh fills the buffer not shown; the shown one, its findings and
 * its history are left exactly as they were. */
static void test_shown_snapshot_is_not_rewritten(void **state)
{
	struct fake_kernel k = {0};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	const struct sk_snapshot *a, *b, *c;
	struct sk_error err;

	(void)state;
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	a = sk_engine_snapshot(e);
	assert_int_equal(a->totals.sockets, 1);
	assert_int_equal(a->history->samples, 1);
	const struct sk_findings *fa = a->findings;
	const struct sk_history *ha = a->history;
	uint64_t seq_a = a->seq;

	assert_int_equal(sk_engine_refresh(e, &err), 0);
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
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	c = sk_engine_snapshot(e);
	assert_ptr_equal(c, a);
	assert_int_equal(c->totals.sockets, 3);
	assert_int_equal(c->history->samples, 3);
	assert_int_equal(b->totals.sockets, 2);
	sk_engine_free(e);
}

/* Cancelled, the refresh says so and the last complete snapshot stays. */
static void test_cancel_keeps_last_snapshot(void **state)
{
	struct fake_kernel k = {0};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	const struct sk_snapshot *b;
	struct sk_error err;

	(void)state;
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	b = sk_engine_snapshot(e);
	sk_engine_cancel(e);
	assert_int_equal(sk_engine_refresh(e, &err), -ECANCELED);
	assert_int_equal(err.code, ECANCELED);
	assert_ptr_equal(sk_engine_snapshot(e), b);
	assert_int_equal(b->totals.sockets, 2);
	assert_non_null(b->findings);
	sk_engine_free(e);
}

/* The thread: one refresh at a time, each result taken before the next. */
static void test_refresher_one_at_a_time(void **state)
{
	struct fake_kernel k = {0};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	struct sk_refresher *r = NULL;
	struct sk_error err;
	int rc = -1;

	(void)state;
	sk_error_clear(&err);
	assert_int_equal(sk_refresher_start(e, &r, &err), 0);
	assert_false(sk_refresher_busy(r));
	assert_false(sk_refresher_collect(r, &rc, &err));
	assert_false(sk_refresher_wait(r, 10)); /* nothing asked */

	for (unsigned n = 1; n <= 3; n++) {
		assert_true(sk_refresher_request(r));
		assert_true(sk_refresher_busy(r));
		assert_false(sk_refresher_request(r)); /* one under way */
		assert_true(sk_refresher_wait(r, 20000));
		assert_false(sk_refresher_request(r)); /* its result not taken yet */
		assert_true(sk_refresher_collect(r, &rc, &err));
		assert_int_equal(rc, 0);
		assert_int_equal(sk_engine_snapshot(e)->totals.sockets, n);
		assert_false(sk_refresher_busy(r));
		assert_false(sk_refresher_collect(r, &rc, &err));
	}
	sk_refresher_stop(r);
	assert_int_equal(k.refreshes, 3);
	sk_engine_free(e);
}

/* Quitting in the middle of a dump that would not end by itself. */
static void test_stop_cancels_a_dump_under_way(void **state)
{
	struct fake_kernel k = {0};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	struct sk_refresher *r = NULL;
	struct sk_error err;
	struct pollfd pfd;
	int fds[2];
	char c;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	k.entered_fd = fds[1];
	k.block = true;
	assert_int_equal(sk_refresher_start(e, &r, &err), 0);
	assert_true(sk_refresher_request(r));
	pfd.fd = fds[0];
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 20000), 1);
	assert_int_equal(read(fds[0], &c, 1), 1);

	sk_refresher_stop(r);
	assert_true(k.saw_cancel);
	assert_false(k.gave_up);
	assert_int_equal(k.refreshes, 1);
	close(fds[0]);
	close(fds[1]);
	sk_engine_free(e);
}

/* A kernel that refuses the both-families dump gets the two per-family
 * ones, and the snapshot is whole: both classes dumped, nothing partial,
 * no refusal counted. */
static void test_tcp_per_family_fallback(void **state)
{
	struct fake_kernel k = {.refuse_both = true};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	const struct sk_snapshot *s;
	struct sk_error err;
	uint32_t tcp = (1u << SK_SN_TCP) | (1u << SK_SN_TCPV6);

	(void)state;
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	s = sk_engine_snapshot(e);
	assert_int_equal(k.per_family, 2);
	assert_true(s->netns.n >= 1 && s->netns.v[0].own);
	assert_int_equal(s->netns.v[0].dumped & tcp, tcp);
	assert_int_equal(s->netns.v[0].dump_error, 0);
	assert_int_equal(s->diag.unsupported, 0);
	sk_engine_free(e);
}

/* Rows of the engine's own namespace, local ports 0..n-1. */
static void make_rows(struct sk_engine *e, struct sk_socket *rows, size_t n)
{
	memset(rows, 0, n * sizeof(*rows));
	for (size_t i = 0; i < n; i++) {
		rows[i].proto = SK_PROTO_TCP;
		rows[i].family = AF_INET;
		rows[i].state = SK_TCP_CLOSE_WAIT;
		rows[i].netns = sk_engine_snapshot(e)->netns.v[0].id;
		rows[i].local.port = (uint16_t)i;
	}
}

static void test_destroy_counts_each_outcome(void **state)
{
	struct fake_kernel k = {.outcome = {[1] = -ENOENT, [2] = -EINVAL}};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	struct sk_socket rows[7];
	struct sk_destroy_result res;
	struct sk_error err;

	(void)state;
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	make_rows(e, rows, 7);
	rows[5].proto = SK_PROTO_UNIX; /* refused before the kernel is asked */
	rows[6].netns = 12345;         /* a namespace that is gone: so is the socket */
	sk_error_clear(&err);
	assert_int_equal(sk_engine_destroy(e, rows, 7, &res, &err), -EINVAL);
	assert_int_equal(res.destroyed, 3);
	assert_int_equal(res.gone, 2);
	assert_int_equal(res.refused, 2);
	assert_int_equal(k.destroys, 5);
	assert_int_equal(err.code, EINVAL); /* the first refusal's */

	/* All went: 0. */
	k.destroys = 0;
	assert_int_equal(sk_engine_destroy(e, rows, 2, &res, &err), 0);
	assert_int_equal(res.destroyed + res.gone, 2);
	sk_engine_free(e);
}

/* A kernel without CONFIG_INET_DIAG_DESTROY refuses every row alike: the
 * first refusal stops the batch, with its reason. */
static void test_destroy_stops_at_eopnotsupp(void **state)
{
	struct fake_kernel k = {.outcome = {[1] = -EOPNOTSUPP}};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	struct sk_socket rows[5];
	struct sk_destroy_result res;
	struct sk_error err;

	(void)state;
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	make_rows(e, rows, 5);
	assert_int_equal(sk_engine_destroy(e, rows, 5, &res, &err), -EOPNOTSUPP);
	assert_int_equal(k.destroys, 2);
	assert_int_equal(res.destroyed, 1);
	assert_int_equal(res.refused, 4);
	assert_string_equal(err.msg, "fake refusal -95");
	/* The same for a refusal of permission. */
	k.outcome[1] = -EPERM;
	k.destroys = 0;
	assert_int_equal(sk_engine_destroy(e, rows, 5, &res, &err), -EPERM);
	assert_int_equal(k.destroys, 2);
	sk_engine_free(e);
}

/* The key loop queues a destroy and a refresh; the worker runs the destroy
 * first, and the refresh after it shows its effect. */
static void test_refresher_destroys_between_refreshes(void **state)
{
	struct fake_kernel k = {0};
	struct sk_diag_ops ops = {0};
	struct sk_engine *e = new_engine(&k, &ops);
	struct sk_refresher *r;
	struct sk_socket rows[3];
	struct sk_destroy_result res;
	struct sk_error err;
	uint64_t until;
	int rc = 1;

	(void)state;
	assert_int_equal(sk_engine_refresh(e, &err), 0);
	make_rows(e, rows, 3);
	assert_int_equal(sk_refresher_start(e, &r, &err), 0);
	assert_true(sk_refresher_destroy(r, rows, 3));
	assert_true(sk_refresher_request(r));
	until = now_ms() + 10000;
	while (!sk_refresher_destroyed(r, &rc, &res, &err) && now_ms() < until)
		poll(NULL, 0, 1);
	assert_int_equal(rc, 0);
	assert_int_equal(res.destroyed, 3);
	assert_int_equal(k.refreshes_at_destroy, 1);
	assert_true(sk_refresher_wait(r, 10000));
	assert_true(sk_refresher_collect(r, &rc, &err));
	assert_int_equal(rc, 0);
	assert_int_equal(k.refreshes, 2);
	/* Collected: the next one may be asked for. */
	assert_true(sk_refresher_destroy(r, rows, 1));
	sk_refresher_stop(r);
	sk_engine_free(e);
}

int main(void)
{
	int rc;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shown_snapshot_is_not_rewritten),
		cmocka_unit_test(test_cancel_keeps_last_snapshot),
		cmocka_unit_test(test_refresher_one_at_a_time),
		cmocka_unit_test(test_stop_cancels_a_dump_under_way),
		cmocka_unit_test(test_tcp_per_family_fallback),
		cmocka_unit_test(test_destroy_counts_each_outcome),
		cmocka_unit_test(test_destroy_stops_at_eopnotsupp),
		cmocka_unit_test(test_refresher_destroys_between_refreshes),
	};

	if (!mkdtemp(empty_proc)) {
		perror("mkdtemp");
		return 1;
	}
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rmdir(empty_proc);
	return rc;
}
