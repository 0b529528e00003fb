/* The Prometheus rendering over hand-built snapshots: what each group
 * shows, the cap and its "other", hostile names, the two formats, and
 * promtool's verdict on the output when promtool is installed. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "suite.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "export/metrics.h"
#include "snapbuild.h"

struct world {
	struct sb_world sb;
	struct sk_metrics_buf out;
	uint64_t next_inode;
};

static int setup(void **state)
{
	struct world *w = test_calloc(1, sizeof(*w));

	sb_world_init(&w->sb);
	sb_time(&w->sb.s, 1000);
	w->sb.s.seq = 1;
	w->sb.s.realtime.tv_sec = 1700000000;
	sb_netns(&w->sb.s, NS_A, ALL_INET);
	w->next_inode = 1000;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	sb_world_free(&w->sb);
	sk_metrics_buf_free(&w->out);
	test_free(w);
	return 0;
}

/* A process named comm with close_wait CLOSE_WAIT sockets, closed leaked
 * fds and one LISTEN socket. */
static void leaker(struct world *w, int32_t pid, const char *comm, int close_wait, int closed)
{
	uint32_t p = sb_proc(&w->sb.s, pid, NS_A);
	struct sk_socket *k;
	int fd = 100;

	snprintf(w->sb.s.procs.v[p].comm, sizeof(w->sb.s.procs.v[p].comm), "%s", comm);
	k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, ++w->next_inode, "0.0.0.0",
		    (uint16_t)(1000 + pid), NS_A);
	k->recv_q = 3; /* a backlog: not counted as bytes */
	sb_fd(&w->sb.s, p, fd++, w->next_inode);
	for (int i = 0; i < close_wait; i++) {
		k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, ++w->next_inode,
			    "10.0.0.1", (uint16_t)(1000 + pid), NS_A);
		sb_peer(k, "10.0.0.2", (uint16_t)(20000 + i));
		k->recv_q = 10;
		k->send_q = 1;
		/* the peer's FIN a minute ago: held, at one look */
		k->flags |= SK_SOCK_HAS_TCPINFO;
		k->tcp.last_ack_recv_ms = 60000;
		sb_fd(&w->sb.s, p, fd++, w->next_inode);
	}
	for (int i = 0; i < closed; i++)
		sb_fd(&w->sb.s, p, fd++, 900000 + (uint64_t)pid * 1000 + (uint64_t)i); /* never dumped */
}

/* One row of a table of leakers: the arguments of leaker(). */
struct leaker_row {
	int32_t pid;
	const char *comm;
	int close_wait, closed;
};

#define LEAKERS(...) ((const struct leaker_row[]){__VA_ARGS__, {0}})

static void leakers(struct world *w, const struct leaker_row *rows)
{
	for (; rows->comm; rows++)
		leaker(w, rows->pid, rows->comm, rows->close_wait, rows->closed);
}

static const char *render(struct world *w, enum sk_metrics_format f, uint32_t max, bool per_pid)
{
	struct sk_metrics_opts o = {.format = f, .max_groups = max, .per_process = per_pid,
				    .version = "1.2.3", .refreshes = 7, .refresh_errors = 2};

	if (w->sb.s.findings == NULL) {
		sb_world_judge(&w->sb);
		w->sb.s.findings = &w->sb.f;
		w->sb.s.history = &w->sb.h;
	}
	sk_metrics_buf_free(&w->out);
	assert_int_equal(sk_metrics_render(&w->out, &w->sb.s, &o), 0);
	assert_false(w->out.oom);
	assert_non_null(w->out.data);
	return w->out.data;
}

static void assert_line(const char *text, const char *line)
{
	char want[512];

	snprintf(want, sizeof(want), "\n%s\n", line);
	if (!strstr(text, want))
		fail_msg("missing line: %s\n--- output ---\n%s", line, text);
}

static void assert_no(const char *text, const char *needle)
{
	if (strstr(text, needle))
		fail_msg("unexpected '%s' in the output", needle);
}

/* Each of a NULL-ended list is a whole line of text. */
static void assert_lines(const char *text, const char *const *lines)
{
	for (; *lines; lines++)
		assert_line(text, *lines);
}

/* None of a NULL-ended list is anywhere in text. */
static void assert_none(const char *text, const char *const *needles)
{
	for (; *needles; needles++)
		assert_no(text, *needles);
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

static long series(const char *text)
{
	long n = 0;

	for (const char *l = text; *l; l = strchr(l, '\n') + 1) {
		n += *l != '#';
		if (!strchr(l, '\n'))
			break;
	}
	return n;
}

static void test_group_figures(void **state)
{
	struct world *w = *state;
	const char *t;

	/* 10 and 11 are one group: summed */
	leakers(w, LEAKERS({10, "java", 3, 2}, {11, "java", 4, 0}, {12, "nginx", 0, 0}));
	t = render(w, SK_METRICS_PROMETHEUS, 200, false);
	assert_lines(t, LINES(
			"sktop_group_tcp_sockets{group=\"java\",state=\"close_wait\"} 7",
			"sktop_group_tcp_sockets{group=\"java\",state=\"listen\"} 2",
			"sktop_group_tcp_sockets{group=\"nginx\",state=\"close_wait\"} 0",
			"sktop_group_closed_socket_fds{group=\"java\"} 2",
			"sktop_group_open_fds{group=\"java\"} 11",
			"sktop_group_fd_limit_ratio{group=\"java\"} 0.00585938", /* 6/1024 */
			"sktop_group_socket_queue_bytes{group=\"java\",queue=\"recv\"} 70",
			"sktop_group_socket_queue_bytes{group=\"java\",queue=\"send\"} 7",
			"sktop_group_orphan_sockets{group=\"java\"} 0",
			"sktop_tcp_sockets{state=\"close_wait\"} 7",
			"sktop_groups 2",
			"sktop_build_info{version=\"1.2.3\"} 1",
			"# TYPE sktop_refresh_errors_total counter",
			"sktop_refresh_errors_total 2",
			"# TYPE sktop_build_info gauge"));
	assert_none(t, LINES("# EOF", "pid="));
}

/* The cap keeps the worst groups; the rest, and a real group called
 * "other", are summed into group="other" so no series is duplicated. */
static void test_cap_sums_the_rest_into_other(void **state)
{
	struct world *w = *state;
	const char *t;

	leakers(w, LEAKERS({1, "a", 1, 0}, {2, "b", 9, 0}, {3, "c", 5, 0}, {4, "d", 0, 3},
			   {5, "other", 2, 0}));
	t = render(w, SK_METRICS_PROMETHEUS, 2, false);
	assert_lines(t, LINES(
			"sktop_group_tcp_sockets{group=\"b\",state=\"close_wait\"} 9",
			"sktop_group_tcp_sockets{group=\"c\",state=\"close_wait\"} 5",
			"sktop_group_tcp_sockets{group=\"other\",state=\"close_wait\"} 3",
			"sktop_group_closed_socket_fds{group=\"other\"} 3",
			"sktop_group_open_fds{group=\"other\"} 9"));
	assert_none(t, LINES("group=\"a\"", "group=\"d\""));
	assert_line(t, "sktop_groups 5");
	long capped = series(t);

	t = render(w, SK_METRICS_PROMETHEUS, 200, false);
	assert_true(series(t) > capped);
}

static void test_per_process_is_capped_too(void **state)
{
	struct world *w = *state;
	const char *t;

	leakers(w, LEAKERS({1, "a", 1, 0}, {2, "a", 9, 0}, {3, "c", 5, 0}));
	t = render(w, SK_METRICS_PROMETHEUS, 200, false);
	assert_no(t, "sktop_process_");
	t = render(w, SK_METRICS_PROMETHEUS, 1, true);
	assert_lines(t, LINES(
			"sktop_process_tcp_sockets{pid=\"2\",group=\"a\",state=\"close_wait\"} 9",
			"sktop_process_tcp_sockets{pid=\"other\",group=\"other\",state=\"close_wait\"} 6"));
	assert_none(t, LINES("pid=\"1\"", "pid=\"3\""));
}

/* Names are untrusted: quotes and backslashes escaped, control characters
 * and bidi overrides dropped, and a long name cut on a character boundary. */
static void test_hostile_names(void **state)
{
	struct world *w = *state;
	char out[2 * SK_METRICS_LABEL_MAX + 1], long_name[600];
	size_t n;

	n = sk_metrics_label_escape("a\"b\\c\nd\x1b[31me\xe2\x80\xae" "f", out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\cd[31mef");
	assert_int_equal(n, strlen(out));
	memset(long_name, 0, sizeof(long_name));
	for (size_t i = 0; i + 3 < sizeof(long_name); i += 3)
		memcpy(long_name + i, "\xc3\xa9z", 3); /* é z */
	sk_metrics_label_escape(long_name, out, sizeof(out));
	assert_true(strlen(out) <= SK_METRICS_LABEL_MAX);
	assert_true(strlen(out) >= SK_METRICS_LABEL_MAX - 3);
	assert_int_not_equal((unsigned char)out[strlen(out) - 1], 0xc3);

	leaker(w, 1, "ev\"il\\x1b", 1, 0);
	const char *t = render(w, SK_METRICS_PROMETHEUS, 200, false);

	assert_line(t, "sktop_group_tcp_sockets{group=\"ev\\\"il\\\\x1b\",state=\"close_wait\"} 1");
}

static void test_openmetrics(void **state)
{
	struct world *w = *state;
	const char *t;

	leaker(w, 1, "java", 1, 0);
	t = render(w, SK_METRICS_OPENMETRICS, 200, false);
	assert_lines(t, LINES(
			"# TYPE sktop_refresh_errors counter",
			"sktop_refresh_errors_total 2",
			"# TYPE sktop_build info",
			"sktop_build_info{version=\"1.2.3\"} 1",
			"# UNIT sktop_refresh_duration_seconds seconds"));
	assert_no(t, "# TYPE sktop_refresh_errors_total");
	size_t len = strlen(t);

	assert_true(len > 6 && strcmp(t + len - 6, "# EOF\n") == 0);
	assert_string_equal(sk_metrics_content_type(SK_METRICS_OPENMETRICS),
			    "application/openmetrics-text; version=1.0.0; charset=utf-8");
}

/* Two processes of one group with the same finding: one series, value 2. */
static void test_findings_by_group(void **state)
{
	struct world *w = *state;
	const char *t;

	leakers(w, LEAKERS({1, "java", 60, 0}, {2, "java", 70, 0}, {3, "small", 1, 0}));
	/* small's one CLOSE_WAIT is 100 ms old: a handler at work, no finding */
	w->sb.s.socks.v[w->sb.s.socks.n - 1].tcp.last_ack_recv_ms = 100;
	t = render(w, SK_METRICS_PROMETHEUS, 1, false);
	assert_line(t, "sktop_finding{kind=\"close_wait\",severity=\"warning\",group=\"java\"} 2");
	assert_no(t, "group=\"small\"");
}

/* promtool is the reference parser; the suite passes without it. */
static void test_promtool_accepts_both(void **state)
{
	struct world *w = *state;
	char path[] = "/tmp/sktop-metrics-XXXXXX", cmd[256];

	if (system("command -v promtool >/dev/null 2>&1") != 0)
		skip();
	leakers(w, LEAKERS({1, "ja\"va", 60, 3}, {2, "other", 1, 0}, {3, "x", 1, 0}));
	for (int per_pid = 0; per_pid < 2; per_pid++) {
		const char *t = render(w, SK_METRICS_PROMETHEUS, 1, per_pid);
		int fd = mkstemp(path);

		assert_true(fd >= 0);
		assert_int_equal(write(fd, t, strlen(t)), (ssize_t)strlen(t));
		close(fd);
		snprintf(cmd, sizeof(cmd), "promtool check metrics < %s", path);
		int rc = system(cmd);

		unlink(path);
		strcpy(path, "/tmp/sktop-metrics-XXXXXX");
		assert_int_equal(rc, 0);
	}
}

/* Each test in a world of its own, built by setup. */
#define FRESH(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

SK_SUITE_MAIN(NULL, NULL,
	FRESH(test_group_figures),
	FRESH(test_cap_sums_the_rest_into_other),
	FRESH(test_per_process_is_capped_too),
	FRESH(test_hostile_names),
	FRESH(test_openmetrics),
	FRESH(test_findings_by_group),
	FRESH(test_promtool_accepts_both))
