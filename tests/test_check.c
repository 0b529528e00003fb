/* --check: the Nagios status and line for each kind of snapshot. */
#include <config.h>

#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "suite.h"

#include "check.h"
#include "snapbuild.h"

struct world {
	struct sk_snapshot s;
	struct sk_findings f;
};

static int setup(void **state)
{
	static struct world w;

	memset(&w, 0, sizeof(w));
	sk_snapshot_init(&w.s);
	sk_findings_init(&w.f);
	w.s.root = true;
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	sk_findings_free(&w->f);
	sk_snapshot_free(&w->s);
	return 0;
}

static void add_finding(struct sk_findings *f, enum sk_finding_kind kind, enum sk_severity sev,
			const char *title)
{
	struct sk_finding *x = SK_VEC_PUSH(&f->list);

	assert_non_null(x);
	x->kind = (uint8_t)kind;
	x->severity = (uint8_t)sev;
	strncpy(x->title, title, sizeof(x->title) - 1);
	f->by_severity[sev]++;
}

static void test_ok_when_nothing_found(void **state)
{
	struct world *w = *state;
	char line[512];

	w->s.totals.sockets = 42;
	assert_int_equal(sk_check_format(&w->s, &w->f, NULL, line, sizeof(line)), SK_CHECK_OK);
	assert_non_null(strstr(line, "SKTOP OK - "));
	assert_non_null(strstr(line, "42 sockets"));
	assert_non_null(strstr(line, "| sockets=42;;;0 "));
}

static void test_info_findings_are_ok(void **state)
{
	struct world *w = *state;

	add_finding(&w->f, SK_FIND_UDP_RCVBUF, SK_SEV_INFO, "small buffer");
	assert_int_equal(sk_check_status(&w->s, &w->f), SK_CHECK_OK);
}

static void test_worst_severity_decides(void **state)
{
	struct world *w = *state;
	char line[512];

	add_finding(&w->f, SK_FIND_CLOSE_WAIT, SK_SEV_WARNING, "60 CLOSE_WAIT in app[7]");
	assert_int_equal(sk_check_status(&w->s, &w->f), SK_CHECK_WARNING);
	add_finding(&w->f, SK_FIND_CLOSED_LEAK, SK_SEV_CRITICAL, "closed | fds");
	assert_int_equal(sk_check_format(&w->s, &w->f, NULL, line, sizeof(line)),
			 SK_CHECK_CRITICAL);
	assert_non_null(strstr(line, "SKTOP CRITICAL - 1 critical, 1 warning: close_wait: 60"));
	/* A '|' in a title would start the performance data early. */
	assert_non_null(strstr(line, "closed / fds"));
	assert_ptr_equal(strchr(line, '|'), strstr(line, "| sockets="));
}

static void test_partial_view_is_unknown_not_ok(void **state)
{
	struct world *w = *state;
	char line[512];

	w->s.partial = true;
	w->s.root = false;
	assert_int_equal(sk_check_format(&w->s, &w->f, NULL, line, sizeof(line)),
			 SK_CHECK_UNKNOWN);
	assert_non_null(strstr(line, "not root"));
	/* ...but a leak it did see is still reported as such. */
	add_finding(&w->f, SK_FIND_CLOSE_WAIT, SK_SEV_CRITICAL, "x");
	assert_int_equal(sk_check_status(&w->s, &w->f), SK_CHECK_CRITICAL);
}

static void test_undumped_namespace_is_unknown(void **state)
{
	struct world *w = *state;

	sb_netns(&w->s, NS_A, ALL_INET);
	assert_int_equal(sk_check_status(&w->s, &w->f), SK_CHECK_OK);
	w->s.netns.v[0].dump_error = -EPERM;
	assert_int_equal(sk_check_status(&w->s, &w->f), SK_CHECK_UNKNOWN);
}

static void test_root_with_a_refused_fd_table_is_ok_with_a_note(void **state)
{
	struct world *w = *state;
	char line[512];

	w->s.partial = true;
	w->s.procfs.fd_denied = 1;
	assert_int_equal(sk_check_format(&w->s, &w->f, NULL, line, sizeof(line)), SK_CHECK_OK);
	assert_non_null(strstr(line, "(1 fd tables unreadable) |"));
}

static void test_failed_refresh_is_unknown(void **state)
{
	char line[128];

	(void)state;
	assert_int_equal(sk_check_format(NULL, NULL, "cannot open /proc: Permission denied", line,
					 sizeof(line)),
			 SK_CHECK_UNKNOWN);
	assert_string_equal(line, "SKTOP UNKNOWN - cannot open /proc: Permission denied");
}

static void test_many_findings_are_counted_not_listed(void **state)
{
	struct world *w = *state;
	char line[2048];

	for (int i = 0; i < 7; i++)
		add_finding(&w->f, SK_FIND_CLOSE_WAIT, SK_SEV_WARNING, "pile");
	sk_check_format(&w->s, &w->f, NULL, line, sizeof(line));
	assert_non_null(strstr(line, "; and 4 more |"));
}

static void test_short_buffer_is_cut_and_terminated(void **state)
{
	struct world *w = *state;
	char line[16];

	add_finding(&w->f, SK_FIND_CLOSE_WAIT, SK_SEV_CRITICAL, "a long title that cannot fit");
	assert_int_equal(sk_check_format(&w->s, &w->f, NULL, line, sizeof(line)),
			 SK_CHECK_CRITICAL);
	assert_int_equal(strlen(line), sizeof(line) - 1);
}

/* Each test in a world of its own, built by setup. */
#define FRESH(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

SK_SUITE_MAIN(NULL, NULL,
	FRESH(test_ok_when_nothing_found),
	FRESH(test_info_findings_are_ok),
	FRESH(test_worst_severity_decides),
	FRESH(test_partial_view_is_unknown_not_ok),
	FRESH(test_undumped_namespace_is_unknown),
	FRESH(test_root_with_a_refused_fd_table_is_ok_with_a_note),
	cmocka_unit_test(test_failed_refresh_is_unknown),
	FRESH(test_many_findings_are_counted_not_listed),
	FRESH(test_short_buffer_is_cut_and_terminated))
