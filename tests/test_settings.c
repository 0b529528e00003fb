/* sktoprc: the parser over good and hostile text, the writer, and the
 * atomic save. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"

#include "settings.h"

static const char *const sorts[] = {"pid", "close_wait", "rmem"};
static const char *const panes[] = {"Processes", "Sockets", "Findings"};
static const char *const pcols[] = {"pid", "user", "close_wait", "command"};
static const struct sk_settings_names names = {sorts, 3, panes, 3, pcols, 4};

static int parse(const char *text, struct sk_settings *s, struct sk_error *err)
{
	sk_settings_init(s);
	return sk_settings_parse(text, strlen(text), &names, s, err);
}

static void test_good_files(void **state)
{
	struct sk_settings s;
	struct sk_error err = {0};

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbf# comment\r\n\n  delay = 0.5\r\nsort=rmem\n"
			       "sort_invert = yes\npane = findings\ncolor=off\nunicode = 1\n"
			       "process_columns = command , pid,close_wait\n"
			       "some_future_key = whatever\n",
			       &s, &err),
			 0);
	assert_true(s.delay > 0.49 && s.delay < 0.51);
	assert_int_equal(s.sort, 2);
	assert_int_equal(s.sort_invert, 1);
	assert_int_equal(s.pane, 2);
	assert_int_equal(s.color, 0);
	assert_int_equal(s.unicode, 1);
	assert_int_equal(s.pcols.n, 3);
	assert_int_equal(s.pcols.col[0], 3);
	assert_int_equal(s.pcols.col[1], 0);
	assert_int_equal(s.pcols.col[2], 2);
}

static void test_empty_file_sets_nothing(void **state)
{
	struct sk_settings s;
	struct sk_error err = {0};

	(void)state;
	assert_int_equal(parse("", &s, &err), 0);
	assert_true(s.delay == 0);
	assert_int_equal(s.sort, -1);
	assert_int_equal(s.pane, -1);
	assert_int_equal(s.pcols.n, 0);
}

static void test_bad_files_are_refused_whole(void **state)
{
	static const struct {
		const char *text, *msg;
	} bad[] = {
		{"delay = 0x10\n", "line 1: delay"},
		{"delay = 1 \x01\n", "line 1: a control character"},
		{"delay = 1e3\n", "line 1: delay"},
		{"delay = 0.01\n", "line 1: delay"},
		{"delay = 1..2\n", "line 1: delay"},
		{"\nsort = nosuch\n", "line 2: unknown sort 'nosuch'"},
		{"pane = \n", "line 1: unknown pane ''"},
		{"color = maybe\n", "line 1: color must be yes or no"},
		{"process_columns = pid,pid\n", "line 1: column 'pid' twice"},
		{"process_columns = pid,\x1b[31m\n", "line 1: a control character"},
		{"process_columns = pid,bogus\n", "line 1: unknown column 'bogus'"},
		{"process_columns = ,\n", "line 1: no column named"},
		{"just words\n", "line 1: expected key = value"},
		{"Delay = 1\n", "line 1: a key is lowercase"},
		{" = 1\n", "line 1: a key is lowercase"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct sk_settings s;
		struct sk_error err = {0};

		sk_settings_init(&s);
		s.sort = 1; /* must survive a refused file */
		assert_int_equal(sk_settings_parse(bad[i].text, strlen(bad[i].text), &names, &s,
						   &err),
				 -EINVAL);
		if (!strstr(err.msg, bad[i].msg))
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, bad[i].msg);
		assert_int_equal(s.sort, 1);
	}
}

static void test_long_and_nul_lines(void **state)
{
	char big[2048], nul[] = "delay = 1\0junk\n";
	struct sk_settings s;
	struct sk_error err = {0};

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = 'x';
	big[1] = '=';
	assert_int_equal(parse(big, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too long"));
	sk_settings_init(&s);
	assert_int_equal(sk_settings_parse(nul, sizeof(nul) - 1, &names, &s, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "NUL"));
}

static void test_format_parses_back(void **state)
{
	struct sk_settings a, b;
	struct sk_error err = {0};
	char text[1024];

	(void)state;
	sk_settings_init(&a);
	a.delay = 3.5;
	a.sort = 1;
	a.sort_invert = 0;
	a.pane = 1;
	a.color = 1;
	a.unicode = 0;
	a.pcols.n = 2;
	a.pcols.col[0] = 3;
	a.pcols.col[1] = 1;
	assert_true(sk_settings_format(&a, &names, text, sizeof(text)) < sizeof(text));
	assert_int_equal(parse(text, &b, &err), 0);
	assert_true(sk_settings_equal(&a, &b));
	/* A short buffer reports the length it needed, like snprintf. */
	assert_int_equal(sk_settings_format(&a, &names, text, 8), strlen(text));
}

static void test_path_follows_xdg(void **state)
{
	char p[PATH_MAX];

	(void)state;
	setenv("XDG_CONFIG_HOME", "/cfg", 1);
	assert_int_equal(sk_settings_path(p, sizeof(p)), 0);
	assert_string_equal(p, "/cfg/sktop/sktoprc");
	setenv("XDG_CONFIG_HOME", "relative", 1); /* invalid per the spec */
	setenv("HOME", "/home/op", 1);
	assert_int_equal(sk_settings_path(p, sizeof(p)), 0);
	assert_string_equal(p, "/home/op/.config/sktop/sktoprc");
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("HOME");
	assert_int_equal(sk_settings_path(p, sizeof(p)), -ENOENT);
}

static void test_save_and_load(void **state)
{
	char tmpl[] = "/tmp/sktop-settings-XXXXXX", path[PATH_MAX], other[PATH_MAX];
	char *top = mkdtemp(tmpl);
	struct sk_settings a, b;
	struct sk_error err = {0};
	struct stat st;
	int fd;

	(void)state;
	assert_non_null(top);
	snprintf(path, sizeof(path), "%s/conf/sktop/sktoprc", top);
	sk_settings_init(&b);
	assert_int_equal(sk_settings_load(path, &names, &b, &err), 0); /* missing: defaults */
	assert_int_equal(b.sort, -1);

	sk_settings_init(&a);
	a.sort = 2;
	assert_int_equal(sk_settings_save(path, &a, &names, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(sk_settings_load(path, &names, &b, &err), 0);
	assert_int_equal(b.sort, 2);

	/* A symlink planted at the name is replaced, its target untouched. */
	snprintf(other, sizeof(other), "%s/victim", top);
	fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "keep", 4), 4);
	close(fd);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink(other, path), 0);
	assert_int_equal(sk_settings_save(path, &a, &names, &err), 0);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(stat(other, &st), 0);
	assert_int_equal(st.st_size, 4);

	/* Malformed: one line naming file and line, settings untouched. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "sort = rmem\nsort = ???\n", 23), 23);
	close(fd);
	sk_settings_init(&b);
	assert_int_equal(sk_settings_load(path, &names, &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "sktoprc: line 2: unknown sort"));
	assert_int_equal(b.sort, -1);

	/* A directory where the file should be. */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(sk_settings_load(path, &names, &b, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "not a settings file"));

	assert_int_equal(rmdir(path), 0);
	snprintf(other, sizeof(other), "rm -rf '%s'", top);
	assert_int_equal(system(other), 0);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_good_files),
	cmocka_unit_test(test_empty_file_sets_nothing),
	cmocka_unit_test(test_bad_files_are_refused_whole),
	cmocka_unit_test(test_long_and_nul_lines),
	cmocka_unit_test(test_format_parses_back),
	cmocka_unit_test(test_path_follows_xdg),
	cmocka_unit_test(test_save_and_load))
