/* sktop -r on a --json log or a directory of snapshot files: the index
 * holds the readable entries and counts the rest, stepping loads the right
 * one, the history rebuilt from the entries before equals the one the
 * engine recorded live, and --no-sockets leaves no dangling reference. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "store/json.h"
#include "store/replaylog.h"
#include "snapbuild.h"

#define T0 1714564800 /* 2024-05-01T12:00:00Z */
#define N_SNAPS 5
#define PID 100

struct fixture {
	char dir[64];
	char *lines[N_SNAPS + 1]; /* the JSON lines of rounds 0..N_SNAPS */
	size_t lens[N_SNAPS + 1];
	/* The trends the engine's history gave after each round, live. */
	struct sk_trend cw[N_SNAPS], orphans[N_SNAPS];
};

/* Round r: pid 100 holds 10 + 7r CLOSE_WAITs (a leak), the machine's
 * orphans grow by 3 a round; one refresh a minute. */
static void build_round(struct sk_snapshot *s, int r)
{
	struct sk_error err = {0};
	uint32_t p;

	sb_refresh(s, (uint64_t)r + 1, 1000 + (uint64_t)r * 60000, T0 + r * 60, "db-1", "6.1.0");
	s->sys.sockstat[SK_SS_TCP_ORPHAN] = 3 * r;
	sb_netns(s, NS_A, ALL_INET);
	s->netns.v[0].own = true;
	p = sb_proc(s, PID, NS_A);
	sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 500, "0.0.0.0", 80, NS_A);
	sb_fd(s, p, 3, 500);
	for (int i = 0; i < 10 + 7 * r; i++) {
		struct sk_socket *k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT,
					      1000 + (uint64_t)i, "10.0.0.1", 80, NS_A);

		sb_peer(k, "10.0.3.7", (uint16_t)(40000 + i));
		sb_fd(s, p, 100 + i, 1000 + (uint64_t)i);
	}
	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct sk_snapshot s;
	struct sk_history h;

	assert_non_null(fx);
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/sktop-replaylog-XXXXXX");
	assert_non_null(mkdtemp(fx->dir));
	sk_snapshot_init(&s);
	sk_history_init(&h, 0);
	for (int r = 0; r <= N_SNAPS; r++) {
		build_round(&s, r);
		/* As the engine does: the refresh goes into the history, which
		 * the line then carries (without rings: a batch line). */
		assert_int_equal(sk_history_record(&h, &s), 0);
		s.history = &h;
		fx->lines[r] = sb_json(&s, 0, &fx->lens[r]);
		if (r < N_SNAPS) {
			const struct sk_proc_history *ph =
				sk_history_find(&h, PID, s.procs.v[0].starttime);

			assert_non_null(ph);
			fx->cw[r] = sk_series_trend(&ph->m[SK_PM_CLOSE_WAIT]);
			fx->orphans[r] = sk_series_trend(&h.sys[SK_SM_ORPHANS]);
		}
	}
	sk_history_free(&h);
	sk_snapshot_free(&s);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	for (int r = 0; r <= N_SNAPS; r++)
		free(fx->lines[r]);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

static char *path_in(const struct fixture *fx, const char *name)
{
	char *p = malloc(strlen(fx->dir) + strlen(name) + 2);

	assert_non_null(p);
	sprintf(p, "%s/%s", fx->dir, name);
	return p;
}

/* name in the fixture's directory, created for writing; *path is malloc'd. */
static FILE *create_in(const struct fixture *fx, const char *name, char **path)
{
	FILE *f;

	*path = path_in(fx, name);
	f = fopen(*path, "w");
	assert_non_null(f);
	return f;
}

static void put(FILE *f, const void *data, size_t len)
{
	assert_int_equal(fwrite(data, 1, len, f), len);
}

/* Rounds 0..4, a garbage line between rounds 1 and 2, then round 5 cut
 * short just after an inner '}': it looks whole to the index and fails
 * only when it is parsed. */
static char *write_log(const struct fixture *fx, const char *name)
{
	char *path;
	FILE *f = create_in(fx, name, &path);
	const char *cut;

	for (int r = 0; r < N_SNAPS; r++) {
		put(f, fx->lines[r], fx->lens[r]);
		if (r == 1)
			put(f, "not json at all\n", 16);
	}
	cut = strstr(fx->lines[N_SNAPS], "},");
	assert_non_null(cut);
	put(f, fx->lines[N_SNAPS], (size_t)(cut - fx->lines[N_SNAPS]) + 1);
	assert_int_equal(fclose(f), 0);
	return path;
}

static void assert_trend_equal(struct sk_trend got, struct sk_trend want)
{
	assert_int_equal(got.known, want.known);
	assert_int_equal(got.first, want.first);
	assert_int_equal(got.last, want.last);
	assert_int_equal(got.span_ms, want.span_ms);
	assert_int_equal(got.monotonic, want.monotonic);
	assert_true(fabs(got.per_min - want.per_min) < 1e-9);
}

static uint32_t shown_close_wait(const struct sk_replaylog *log)
{
	const struct sk_process *p = sk_snapshot_find_pid(&log->cur.snap, PID);

	assert_non_null(p);
	return p->agg.tcp_states[SK_TCP_CLOSE_WAIT];
}

/* Opens path (a file or directory the test wrote) as the log; frees path. */
static void open_ok(char *path, struct sk_replaylog *log)
{
	struct sk_error err = {0};

	assert_int_equal(sk_replaylog_open(path, log, &err), 0);
	free(path);
}

/* Moves by delta entries, or to entry pos: asserted to succeed. */
static void step_ok(struct sk_replaylog *log, int delta)
{
	struct sk_error err = {0};

	assert_int_equal(sk_replaylog_step(log, delta, &err), 0);
}

static void seek_ok(struct sk_replaylog *log, size_t pos)
{
	struct sk_error err = {0};

	assert_int_equal(sk_replaylog_seek(log, pos, &err), 0);
}

static void test_log_index_and_steps(void **state)
{
	struct sk_replaylog log;

	open_ok(write_log(*state, "log.jsonl"), &log);
	/* The garbage line at indexing, the cut last line when it was opened. */
	assert_int_equal(sk_replaylog_count(&log), N_SNAPS);
	assert_int_equal(log.skipped, 2);
	assert_false(log.single);
	assert_int_equal(log.pos, N_SNAPS - 1);
	assert_int_equal(log.cur.snap.seq, N_SNAPS);
	assert_int_equal(shown_close_wait(&log), 10 + 7 * (N_SNAPS - 1));

	step_ok(&log, -1);
	assert_int_equal(log.pos, 3);
	assert_int_equal(log.cur.snap.seq, 4);
	assert_int_equal(shown_close_wait(&log), 10 + 7 * 3);
	assert_int_equal(log.cur.snap.realtime.tv_sec, T0 + 3 * 60);

	/* Past either end: clamped, not an error. */
	step_ok(&log, -10);
	assert_int_equal(log.pos, 0);
	assert_int_equal(log.cur.snap.seq, 1);
	step_ok(&log, 10);
	assert_int_equal(log.pos, N_SNAPS - 1);
	seek_ok(&log, 2);
	assert_int_equal(log.cur.snap.seq, 3);
	/* The findings and history pointers follow the struct they live in. */
	assert_ptr_equal(log.cur.snap.history, &log.cur.history);
	assert_ptr_equal(log.cur.snap.findings, &log.cur.findings);
	sk_replaylog_free(&log);
}

/* At every position, the history rebuilt from the entries before it is
 * the one the engine had when it wrote that line. */
static void test_history_rebuilt(void **state)
{
	struct fixture *fx = *state;
	struct sk_replaylog log;
	const int order[] = {4, 3, 0, 2, 1, 4};

	open_ok(write_log(fx, "hist.jsonl"), &log);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		int r = order[k];
		const struct sk_proc_history *ph;

		seek_ok(&log, (size_t)r);
		ph = sk_history_find(log.cur.snap.history, PID, 1000 + PID);
		assert_non_null(ph);
		assert_trend_equal(sk_series_trend(&ph->m[SK_PM_CLOSE_WAIT]), fx->cw[r]);
		assert_trend_equal(sk_series_trend(&log.cur.history.sys[SK_SM_ORPHANS]),
				   fx->orphans[r]);
		assert_int_equal(log.cur.history.samples, (uint64_t)r + 1);
	}
	/* Growth: 7 CLOSE_WAITs a minute, steadily. */
	assert_true(fabs(fx->cw[4].per_min - 7.0) < 1e-9);
	assert_true(fx->cw[4].monotonic);
	sk_replaylog_free(&log);
}

/* Closes the file a test wrote at path (and frees path), then opens it
 * as the log. */
static void open_written(FILE *f, char *path, struct sk_replaylog *log)
{
	assert_int_equal(fclose(f), 0);
	open_ok(path, log);
}

/* A second sktop run in the same log (its refresh count starts again)
 * starts a new history, as a new engine would. */
static void test_new_run_new_history(void **state)
{
	struct fixture *fx = *state;
	char *path;
	FILE *f = create_in(fx, "runs.jsonl", &path);
	struct sk_replaylog log;

	for (int r = 0; r < 3; r++)
		put(f, fx->lines[r], fx->lens[r]);
	put(f, fx->lines[0], fx->lens[0]);
	open_written(f, path, &log);
	assert_int_equal(sk_replaylog_count(&log), 4);
	assert_int_equal(log.cur.history.samples, 1);
	step_ok(&log, -1);
	assert_int_equal(log.cur.history.samples, 3);
	sk_replaylog_free(&log);
}

/* A last line cut without a '}' is skipped at indexing, its size told. */
static void test_cut_tail_told(void **state)
{
	struct fixture *fx = *state;
	char *path;
	FILE *f = create_in(fx, "tail.jsonl", &path);
	struct sk_replaylog log;
	char what[256];

	put(f, fx->lines[0], fx->lens[0]);
	put(f, fx->lines[1], fx->lens[1]);
	put(f, fx->lines[2], 50);
	open_written(f, path, &log);
	assert_int_equal(sk_replaylog_count(&log), 2);
	assert_int_equal(log.skipped_tail, 50);
	sk_replaylog_skipped_text(&log, what, sizeof(what));
	assert_string_equal(what, "skipped its incomplete last line (50 bytes)");
	sk_replaylog_free(&log);
}

static void write_named(const struct fixture *fx, const char *name, const char *data, size_t len)
{
	char *path;
	FILE *f = create_in(fx, name, &path);

	put(f, data, len);
	assert_int_equal(fclose(f), 0);
	free(path);
}

/* Files named against their time come back in time order; a text file
 * beside them is not a snapshot, a broken .json is one skipped. */
static void test_directory_by_time(void **state)
{
	struct fixture *fx = *state;
	static const char *const names[N_SNAPS] = {"d.json", "b.json", "e.json", "a.json",
						   "c.json"};
	char *dir = path_in(fx, "snaps");
	struct sk_replaylog log;
	char sub[128];

	assert_int_equal(mkdir(dir, 0700), 0);
	for (int r = 0; r < N_SNAPS; r++) {
		snprintf(sub, sizeof(sub), "snaps/%s", names[r]);
		write_named(fx, sub, fx->lines[r], fx->lens[r]);
	}
	write_named(fx, "snaps/sktop.txt", "a report\n", 9);
	write_named(fx, "snaps/broken.json", "{\"schema\":1,", 12);
	open_ok(dir, &log);
	assert_true(log.is_dir);
	assert_int_equal(sk_replaylog_count(&log), N_SNAPS);
	assert_int_equal(log.skipped, 1);
	for (int r = 0; r < N_SNAPS; r++) {
		seek_ok(&log, (size_t)r);
		assert_int_equal(log.cur.snap.seq, (uint64_t)r + 1);
		assert_string_equal(log.entries.v[r].name, names[r]);
	}
	sk_replaylog_free(&log);
}

static void expect_open_error(const char *path, const char *needle)
{
	struct sk_replaylog log;
	struct sk_error err = {0};
	int rc = sk_replaylog_open(path, &log, &err);

	assert_true(rc < 0);
	assert_int_equal(rc, -err.code);
	if (!strstr(err.msg, needle) || strchr(err.msg, '\n'))
		fail_msg("message '%s' lacks '%s' or is not one line", err.msg, needle);
	assert_null(log.entries.v);
	assert_null(log.cur.snap.procs.v);
}

static void test_empty_and_all_bad(void **state)
{
	struct fixture *fx = *state;
	char *path = path_in(fx, "bad.jsonl");
	char *empty = path_in(fx, "emptydir");

	write_named(fx, "bad.jsonl", "junk\n\n{\"x\":1}\n", 14);
	expect_open_error(path, "no readable snapshot in it (2 unreadable lines)");
	write_named(fx, "bad.jsonl", "", 0);
	expect_open_error(path, "empty file");
	assert_int_equal(mkdir(empty, 0700), 0);
	expect_open_error(empty, "no snapshot files");
	free(path);
	free(empty);
}

/* One snapshot: shown as sk_replay_load shows it, its own history kept. */
static void test_single_file(void **state)
{
	struct fixture *fx = *state;
	struct sk_replaylog log;

	write_named(fx, "one.json", fx->lines[2], fx->lens[2]);
	open_ok(path_in(fx, "one.json"), &log);
	assert_true(log.single);
	assert_int_equal(sk_replaylog_count(&log), 1);
	assert_int_equal(log.cur.snap.seq, 3);
	step_ok(&log, -1);
	assert_int_equal(log.pos, 0);
	assert_int_equal(log.cur.snap.seq, 3);
	sk_replaylog_free(&log);
}

/* --no-sockets: no socket array, and no finding points into one. */
static void test_no_sockets(void **state)
{
	struct sk_snapshot s;
	struct sk_findings fs;
	struct sk_finding *f;
	struct sk_replay r;
	struct sk_error err = {0};
	size_t len;
	char *doc;

	(void)state;
	sk_snapshot_init(&s);
	sk_findings_init(&fs);
	build_round(&s, 1);
	f = SK_VEC_PUSH(&fs.list);
	assert_non_null(f);
	f->kind = SK_FIND_CLOSE_WAIT;
	f->severity = SK_SEV_CRITICAL;
	f->subject_type = SK_SUBJ_PROCESS;
	snprintf(f->subject, sizeof(f->subject), "proc100[100]");
	for (uint32_t i = 1; i <= 2; i++) {
		uint32_t *slot = SK_VEC_PUSH(&fs.socks);

		assert_non_null(slot);
		*slot = i;
	}
	f->socks_count = 2;
	fs.by_severity[SK_SEV_CRITICAL] = 1;
	s.findings = &fs;

	doc = sb_json(&s, SK_JSON_NO_SOCKETS, &len);
	sk_assert_lacks(doc, SK_STRS("\"sockets\":[", "\"inode\":"));
	sk_assert_has(doc, SK_STRS("\"socket_count\":2", "\"sockets_omitted\":true",
				   "\"processes\":[{", "\"findings\":[{"));
	assert_int_equal(sk_replay_parse(doc, len, "ns.json", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "--no-sockets"));
	free(doc);

	/* Without the flag, the same snapshot still lists them. */
	doc = sb_json(&s, 0, &len);
	assert_non_null(strstr(doc, "\"socket_count\":2,\"sockets\":[{\"inode\":1000"));
	assert_null(strstr(doc, "sockets_omitted"));
	free(doc);
	sk_findings_free(&fs);
	sk_snapshot_free(&s);
}

SK_SUITE_MAIN(setup, teardown,
	cmocka_unit_test(test_log_index_and_steps),
	cmocka_unit_test(test_history_rebuilt),
	cmocka_unit_test(test_new_run_new_history),
	cmocka_unit_test(test_cut_tail_told),
	cmocka_unit_test(test_directory_by_time),
	cmocka_unit_test(test_empty_and_all_bad),
	cmocka_unit_test(test_single_file),
	cmocka_unit_test(test_no_sockets))
