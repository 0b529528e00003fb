/* Every invalid option gets one line naming the problem (main exits 2). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "options.h"

static int parse(struct sk_options *o, struct sk_error *err, ...)
{
	char *argv[32] = {"sktop"};
	int argc = 1;
	va_list ap;
	FILE *devnull = fopen("/dev/null", "w");
	int rc;

	va_start(ap, err);
	for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	rc = sk_options_parse(argc, argv, o, devnull, err);
	fclose(devnull);
	return rc;
}

static void test_defaults(void **state)
{
	struct sk_options o;
	struct sk_error err = {0};

	(void)state;
	unsetenv("NO_COLOR");
	assert_int_equal(parse(&o, &err, (char *)NULL), SK_OPTIONS_RUN);
	assert_false(o.batch);
	assert_true(o.interval == 2.0);
	assert_int_equal(o.sort, SK_SORT_CLOSE_WAIT);
	assert_string_equal(o.snapshot_dir, ".");
	assert_string_equal(o.proc_root, "/proc");
	assert_false(o.no_color);
}

static void test_valid(void **state)
{
	struct sk_options o;
	struct sk_error err = {0};

	(void)state;
	assert_int_equal(parse(&o, &err, "-b", "-n", "3", "-d", "0", "-s", "rmem", "-I", "-p",
			       "1,22,333", "-u", "0", "--json", "--top", "5", (char *)NULL),
			 SK_OPTIONS_RUN);
	assert_true(o.batch && o.json && o.sort_invert && o.have_uid);
	assert_int_equal(o.count, 3);
	assert_true(o.interval == 0.0);
	assert_int_equal(o.sort, SK_SORT_RMEM);
	assert_int_equal(o.npids, 3);
	assert_int_equal(o.pids[2], 333);
	assert_int_equal(o.uid, 0);
	assert_int_equal(o.top, 5);
	assert_false(o.no_sockets);
	assert_int_equal(parse(&o, &err, "-b", "--json", "--no-sockets", "-r", "log", (char *)NULL),
			 SK_OPTIONS_RUN);
	assert_true(o.no_sockets && o.json);
	assert_int_equal(parse(&o, &err, "-u", "root", "--no-color", "--snapshot-dir", "/tmp", (char *)NULL),
			 SK_OPTIONS_RUN);
	assert_true(o.no_color);
	assert_string_equal(o.snapshot_dir, "/tmp");
	setenv("NO_COLOR", "1", 1);
	assert_int_equal(parse(&o, &err, (char *)NULL), SK_OPTIONS_RUN);
	assert_true(o.no_color);
	unsetenv("NO_COLOR");
	/* Both raised, the warning still below: accepted in either order. */
	assert_int_equal(parse(&o, &err, "--threshold", "close_wait_warn=600", "--threshold",
			       "close_wait_crit=700", (char *)NULL), SK_OPTIONS_RUN);
	assert_int_equal(parse(&o, &err, "-d", "0.5", "-d", "10", "-d", ".5", (char *)NULL),
			 SK_OPTIONS_RUN);
	assert_true(o.interval == 0.5);
	assert_int_equal(parse(&o, &err, "--help", (char *)NULL), SK_OPTIONS_EXIT);
	assert_int_equal(parse(&o, &err, "-V", (char *)NULL), SK_OPTIONS_EXIT);
}

struct bad_case {
	const char *argv[4];
	const char *needle; /* what the message must name */
};

static const struct bad_case bad[] = {
	{{"-d", "-1"}, "-d"},
	{{"-d", "abc"}, "'abc'"},
	{{"-d", "nan"}, "-d"},
	{{"-d", "0.01"}, "interactive"},
	{{"-b", "-n", "-5"}, "-n"},
	{{"-b", "-n", "x"}, "-n"},
	{{"-p", "12x"}, "'12x'"},
	{{"-p", "0"}, "-p"},
	{{"-p", ","}, "-p"},
	{{"-s", "bogus"}, "unknown sort key 'bogus'"},
	{{"-u", "no-such-user-sktop"}, "no such user"},
	{{"--frobnicate"}, "unknown option '--frobnicate'"},
	{{"-x"}, "unknown option '-x'"},
	{{"-d"}, "needs a value"},
	{{"stray"}, "unexpected argument 'stray'"},
	{{"--json"}, "--json goes with -b"},
	{{"-b", "--no-sockets"}, "--no-sockets goes with -b --json"},
	{{"-b", "-w", "f"}, "pick one"},
	{{"--top", "-1"}, "--top"},
	{{"-r", "a", "-w", "b"}, "pick one"},
	{{"-r"}, "needs a value"},
	{{"--threshold", "bogus=1"}, "unknown threshold 'bogus'"},
	/* A number is written in decimal, nothing around it: '0x10' is not 16. */
	{{"-d", "0x10"}, "'0x10'"},
	{{"-d", "1 "}, "'1 '"},
	{{"-d", " 1"}, "' 1'"},
	{{"-d", "1e1"}, "'1e1'"},
	{{"-d", "inf"}, "'inf'"},
	{{"-b", "-n", "0x10"}, "'0x10'"},
	{{"-b", "-n", " 3"}, "' 3'"},
	{{"--top", "+3"}, "'+3'"},
	/* A warning above its critical would drop the critical findings. */
	{{"--threshold", "close_wait_warn=600"}, "close_wait_warn (600) is above close_wait_crit (500)"},
	{{"--threshold", "orphans_crit_pct=40"}, "orphans_warn_pct (50) is above orphans_crit_pct (40)"},
	{{"--threshold", "fds_warn_pct=96"}, "fds_warn_pct"},
	{{"--threshold", "ports_crit_pct=10"}, "ports_crit_pct"},
	{{"--threshold", "closed_warn=1001"}, "closed_crit"},
};

static void test_invalid(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sk_options o;
		struct sk_error err = {0};
		char *argv[8] = {"sktop"};
		int argc = 1;
		FILE *devnull = fopen("/dev/null", "w");

		for (int k = 0; k < 4 && bad[i].argv[k]; k++)
			argv[argc++] = (char *)bad[i].argv[k];
		int rc = sk_options_parse(argc, argv, &o, devnull, &err);

		fclose(devnull);
		if (rc != -EINVAL || !strstr(err.msg, bad[i].needle))
			fail_msg("case %zu (%s): rc %d, message '%s'", i, bad[i].argv[0], rc, err.msg);
		assert_null(strchr(err.msg, '\n'));
	}
}

/* --exporter's address forms, its 15 s default, and what it excludes. */
static void test_exporter_options(void **state)
{
	static const struct {
		const char *arg, *addr;
		unsigned port;
	} ok[] = {
		{"9966", "127.0.0.1", 9966},
		{"0.0.0.0:80", "0.0.0.0", 80},
		{"[::1]:9966", "::1", 9966},
		{":9966", "127.0.0.1", 9966},
	};
	static const char *const bad_addr[] = {"0", "65536", "host:9966", "1.2.3.4:", "[::1]", "x"};
	struct sk_options o;
	struct sk_error err = {0};

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(&o, &err, "--exporter", ok[i].arg, (char *)NULL),
				 SK_OPTIONS_RUN);
		assert_true(o.exporter);
		assert_string_equal(o.exporter_addr, ok[i].addr);
		assert_int_equal(o.exporter_port, ok[i].port);
		assert_true(o.interval == 15.0);
		assert_int_equal(o.max_groups, 200);
	}
	for (size_t i = 0; i < sizeof(bad_addr) / sizeof(bad_addr[0]); i++)
		assert_int_equal(parse(&o, &err, "--exporter", bad_addr[i], (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--exporter", "9966", "-d", "1", "--max-groups", "5",
			       "--per-process", (char *)NULL), SK_OPTIONS_RUN);
	assert_true(o.interval == 1.0 && o.per_process);
	assert_int_equal(o.max_groups, 5);
	assert_int_equal(parse(&o, &err, "--exporter", "9966", "-b", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--exporter", "9966", "--check", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--max-groups", "0", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "-b", "--textfile", "/tmp/x.prom", (char *)NULL),
			 SK_OPTIONS_RUN);
	assert_string_equal(o.textfile, "/tmp/x.prom");
	assert_int_equal(parse(&o, &err, "--textfile", "/tmp/x.prom", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "-b", "--json", "--textfile", "x", (char *)NULL), -EINVAL);
}

/* --kill-sockets is a mode of its own, needs a filter, and refuses the
 * restrictions it would otherwise ignore. */
static void test_kill_sockets_options(void **state)
{
	struct sk_options o;
	struct sk_error err = {0};

	(void)state;
	assert_int_equal(parse(&o, &err, "--kill-sockets", "CLOSE_WAIT :8080", "--dry-run",
			       (char *)NULL), SK_OPTIONS_RUN);
	assert_string_equal(o.kill_filter, "CLOSE_WAIT :8080");
	assert_true(o.dry_run);
	assert_int_equal(parse(&o, &err, "--kill-sockets", "", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--kill-sockets", " \t ", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--dry-run", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--kill-sockets", "x", "-b", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--kill-sockets", "x", "-r", "f.json", (char *)NULL),
			 -EINVAL);
	assert_int_equal(parse(&o, &err, "--kill-sockets", "x", "--check", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--kill-sockets", "x", "-p", "1", (char *)NULL), -EINVAL);
	assert_int_equal(parse(&o, &err, "--kill-sockets", "x", "-u", "0", (char *)NULL), -EINVAL);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_defaults),
	cmocka_unit_test(test_valid),
	cmocka_unit_test(test_invalid),
	cmocka_unit_test(test_exporter_options),
	cmocka_unit_test(test_kill_sockets_options))
