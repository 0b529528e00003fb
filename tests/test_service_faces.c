/* Issue #13 on the faces: -s service orders by name, --service keeps the
 * matching processes, sockets and findings in batch text and JSON (a
 * filtered document still replays), findings and metrics name the
 * service. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "suite.h"

#include "batch.h"
#include "options.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "export/metrics.h"
#include "model/services.h"
#include "store/json.h"
#include "store/replay.h"
#include "snapbuild.h"

#define POD "checkout-7d9f8b-x2x4q"

struct world {
	struct sb_world sb;
	uint64_t inode;
};

/* pid with n ESTABLISHED (or CLOSE_WAIT) sockets to 10.0.0.2. */
static uint32_t proc_with(struct world *w, int32_t pid, const char *comm, int n, uint8_t state)
{
	uint32_t p = sb_proc(&w->sb.s, pid, NS_A);

	snprintf(w->sb.s.procs.v[p].comm, SK_COMM_MAX, "%s", comm);
	for (int i = 0; i < n; i++) {
		struct sk_socket *k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, state, ++w->inode,
					      "10.0.0.1", (uint16_t)(1000 + pid), NS_A);

		sb_peer(k, "10.0.0.2", (uint16_t)(20000 + i));
		if (state == SK_TCP_CLOSE_WAIT) {
			/* the peer's FIN a minute ago: held, at one look */
			k->flags |= SK_SOCK_HAS_TCPINFO;
			k->tcp.last_ack_recv_ms = 60000;
		}
		sb_fd(&w->sb.s, p, 100 + i, w->inode);
	}
	return p;
}

static struct sk_process *proc_of(struct world *w, int32_t pid)
{
	const struct sk_process *p = sk_snapshot_find_pid(&w->sb.s, pid);

	assert_non_null(p);
	return &w->sb.s.procs.v[p - w->sb.s.procs.v];
}

/* pid 10 java in a pod with a CLOSE_WAIT pile, 20 nginx in a unit, 30 a
 * Docker container's postgres (and a TIME_WAIT of its cgroup, no fd), 40
 * a shell nothing names. */
static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));
	struct sk_error err = {0};
	uint32_t pod, unit, db;
	struct sk_socket *k;

	if (!w)
		return -1;
	sb_world_init(&w->sb);
	sb_time(&w->sb.s, 1000);
	w->sb.s.seq = 1;
	w->sb.s.root = true;
	sb_netns(&w->sb.s, NS_A, ALL_INET);
	w->inode = 1000;
	proc_with(w, 10, "java", 60, SK_TCP_CLOSE_WAIT);
	proc_with(w, 20, "nginx", 3, SK_TCP_ESTABLISHED);
	proc_with(w, 30, "postgres", 2, SK_TCP_ESTABLISHED);
	proc_with(w, 40, "bash", 1, SK_TCP_ESTABLISHED);
	k = sb_sock(&w->sb.s, SK_PROTO_TCP, AF_INET, SK_TCP_TIME_WAIT, 0, "10.0.0.1", 5432, NS_A);
	sb_peer(k, "10.0.0.3", 40000);
	k->flags |= SK_SOCK_HAS_CGROUP;
	k->cgroup_id = 99;
	if (sk_snapshot_join(&w->sb.s, sb_sockname, NULL, &err))
		return -1;
	pod = sb_service(&w->sb.s, SK_SERVICE_K8S, POD "/checkout", POD, "shop", "checkout", NULL);
	unit = sb_service(&w->sb.s, SK_SERVICE_SYSTEMD, "nginx.service", NULL, NULL, NULL,
			  "nginx.service");
	db = sb_service(&w->sb.s, SK_SERVICE_DOCKER, "postgres", NULL, NULL, "postgres", NULL);
	proc_of(w, 10)->service = pod;
	proc_of(w, 20)->service = unit;
	proc_of(w, 30)->service = db;
	for (size_t i = 0; i < w->sb.s.socks.n; i++)
		if (w->sb.s.socks.v[i].cgroup_id == 99)
			sb_sock_service(&w->sb.s, i, db);
	if (sk_history_record(&w->sb.h, &w->sb.s) ||
	    sk_findings_evaluate(&w->sb.f, &w->sb.s, &w->sb.h, &w->sb.th))
		return -1;
	w->sb.s.findings = &w->sb.f;
	w->sb.s.history = &w->sb.h;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	sb_world_free(&w->sb);
	free(w);
	return 0;
}

static void parse(struct sk_options *o, int argc, char **argv)
{
	struct sk_error err = {0};

	if (sk_options_parse(argc, argv, o, stdout, &err) != SK_OPTIONS_RUN)
		fail_msg("options: %s", err.msg);
}

static void test_sort_by_service(void **state)
{
	struct world *w = *state;
	uint32_t idx[4] = {0, 1, 2, 3};
	static const int32_t want[4] = {10, 20, 30, 40}, inverted[4] = {40, 30, 20, 10};
	struct sk_options o;
	char *argv[] = {"sktop", "-b", "-s", "service", NULL};

	parse(&o, 4, argv);
	assert_int_equal(o.sort, SK_SORT_SERVICE);
	/* checkout-..., nginx.service, postgres; the unknown last. */
	sk_proc_sort_snapshot(&w->sb.s, idx, 4, SK_SORT_SERVICE, false);
	for (int i = 0; i < 4; i++)
		assert_int_equal(w->sb.s.procs.v[idx[i]].pid, want[i]);
	sk_proc_sort_snapshot(&w->sb.s, idx, 4, SK_SORT_SERVICE, true);
	for (int i = 0; i < 4; i++)
		assert_int_equal(w->sb.s.procs.v[idx[i]].pid, inverted[i]);
	/* Two in one service: by pid. */
	proc_of(w, 40)->service = proc_of(w, 20)->service;
	sk_proc_sort_snapshot(&w->sb.s, idx, 4, SK_SORT_SERVICE, false);
	assert_int_equal(w->sb.s.procs.v[idx[1]].pid, 20);
	assert_int_equal(w->sb.s.procs.v[idx[2]].pid, 40);
	proc_of(w, 40)->service = 0;
}

static char *text_of(struct world *w, const struct sk_options *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	sk_batch_print_text(f, &w->sb.s, o);
	fclose(f);
	return buf;
}

static void test_batch_text(void **state)
{
	struct world *w = *state;
	struct sk_options o;
	char *argv[] = {"sktop", "-b", "--service", "SHOP/", NULL};
	char *all, *text;

	parse(&o, 2, argv);
	all = text_of(w, &o);
	assert_non_null(strstr(all, "SERVICE"));
	assert_non_null(strstr(all, "nginx.service"));
	assert_non_null(strstr(all, "pod shop/" POD " (container checkout, pid 10)"));
	free(all);

	parse(&o, 4, argv);
	assert_string_equal(o.service, "SHOP/");
	assert_true(sk_batch_wants(&o, &w->sb.s, sk_snapshot_find_pid(&w->sb.s, 10)));
	assert_false(sk_batch_wants(&o, &w->sb.s, sk_snapshot_find_pid(&w->sb.s, 20)));
	assert_false(sk_batch_wants(&o, &w->sb.s, sk_snapshot_find_pid(&w->sb.s, 40)));
	text = text_of(w, &o);
	assert_non_null(strstr(text, POD "/checkout"));
	assert_non_null(strstr(text, "CLOSE_WAIT held"));
	assert_null(strstr(text, "nginx.service"));
	assert_null(strstr(text, " bash"));
	free(text);

	/* Nothing matches: no rows, no findings. */
	argv[3] = "no-such-pod";
	parse(&o, 4, argv);
	text = text_of(w, &o);
	assert_non_null(strstr(text, "Findings: none"));
	assert_null(strstr(text, "java"));
	free(text);
}

static void test_selection(void **state)
{
	struct world *w = *state;
	struct sk_service_selection sel;
	const struct sk_findings *fs = &w->sb.f;
	size_t kept = 0, fdless = 0;

	assert_int_equal(sk_service_select(&sel, &w->sb.s, "postgres"), 0);
	for (size_t i = 0; i < w->sb.s.procs.n; i++)
		assert_int_equal(sel.procs[i] != 0, w->sb.s.procs.v[i].pid == 30);
	for (size_t k = 0; k < w->sb.s.socks.n; k++) {
		kept += sel.socks[k];
		fdless += sel.socks[k] && w->sb.s.socks.v[k].owners_count == 0;
	}
	assert_int_equal(kept, 3);
	assert_int_equal(fdless, 1);
	for (size_t i = 0; i < fs->list.n; i++)
		assert_false(sk_service_selection_keeps(&sel, fs->list.v[i].proc,
							fs->socks.v + fs->list.v[i].socks_start,
							fs->list.v[i].socks_count));
	sk_service_selection_free(&sel);
	assert_true(sk_sock_service_matches(&w->sb.s, 0, "checkout"));
	assert_false(sk_sock_service_matches(&w->sb.s, 0, "nginx"));
}

/* --service in JSON: only the container's rows, and the file replays. */
static void test_json_filtered(void **state)
{
	struct world *w = *state;
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sk_replay r;
	struct sk_error err = {0};

	assert_non_null(f);
	assert_int_equal(sk_json_write_snapshot_service(f, &w->sb.s, 0, "postgres"), 0);
	fclose(f);
	assert_null(strstr(buf, "\"java\""));
	assert_non_null(strstr(buf, "\"service\":{\"kind\":\"docker\",\"name\":\"postgres\""));
	if (sk_replay_parse(buf, len, "filtered.json", &r, &err))
		fail_msg("replay: %s", err.msg);
	assert_int_equal(r.snap.procs.n, 1);
	assert_int_equal(r.snap.procs.v[0].pid, 30);
	assert_int_equal(r.snap.socks.n, 3);
	assert_int_equal(r.snap.services.n, 1);
	assert_int_equal(r.snap.services.v[0].nsockets, 1);
	assert_int_equal(r.findings.list.n, 0);
	sk_replay_free(&r);
	free(buf);

	/* The pod's finding, with its sockets. */
	f = open_memstream(&buf, &len);
	assert_int_equal(sk_json_write_snapshot_service(f, &w->sb.s, 0, "shop/checkout"), 0);
	fclose(f);
	if (sk_replay_parse(buf, len, "filtered.json", &r, &err))
		fail_msg("replay: %s", err.msg);
	assert_true(r.findings.list.n >= 1);
	assert_string_equal(r.findings.list.v[0].subject,
			    "pod shop/" POD " (container checkout, pid 10)");
	sk_replay_free(&r);
	free(buf);
}

static void test_metrics_group(void **state)
{
	struct world *w = *state;
	static const struct {
		int32_t pid;
		const char *group;
	} want[] = {
		{10, "shop/" POD}, {20, "nginx.service"}, {30, "postgres"}, {40, "bash"},
	};
	char buf[256];

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		sk_metrics_group_of(&w->sb.s, sk_snapshot_find_pid(&w->sb.s, want[i].pid), buf,
				    sizeof(buf));
		assert_string_equal(buf, want[i].group);
	}
}

static void test_subjects(void **state)
{
	struct world *w = *state;
	char buf[128];

	(void)w;
	assert_false(sk_service_subject(&w->sb.s, NULL, 1, buf, sizeof(buf)));
	assert_true(sk_service_subject(&w->sb.s, &w->sb.s.services.v[1], 20, buf, sizeof(buf)));
	assert_string_equal(buf, "unit nginx.service (pid 20)");
	assert_true(sk_service_subject(&w->sb.s, &w->sb.s.services.v[2], 30, buf, sizeof(buf)));
	assert_string_equal(buf, "container postgres (pid 30)");
}

SK_SUITE_MAIN(setup, teardown,
	cmocka_unit_test(test_sort_by_service),
	cmocka_unit_test(test_batch_text),
	cmocka_unit_test(test_selection),
	cmocka_unit_test(test_json_filtered),
	cmocka_unit_test(test_metrics_group),
	cmocka_unit_test(test_subjects))
