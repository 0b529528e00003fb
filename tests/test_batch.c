/* The -b text report says what it could not see. A snapshot that is
 * partial (not root, unreadable fd tables, namespaces not dumped) must
 * say so in the header, never claim "all sockets seen", and never pass an
 * empty findings list for a healthy machine; a host with a thousand
 * undumped namespaces gets a count, not a thousand-namespace line. */
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
#include "batch.h"
#include "analyse/findings.h"
#include "snapbuild.h"

struct text_case {
	const char *name;
	bool root, partial;
	uint32_t fd_denied;
	size_t undumped;         /* namespaces beyond the own one, none dumped */
	const char *want[4];     /* each must appear */
	const char *never[3];    /* none may appear */
};

static const struct text_case cases[] = {
	{"root, whole machine", true, false, 0, 0,
	 {"(all sockets seen)", "Findings: none\n"}, {"Partial", "lower bound"}},
	{"not root", false, true, 0, 0,
	 {"Partial: ", "not root", "Findings: none in what could be seen", "(of the sockets seen: partial)"},
	 {"all sockets seen", "Findings: none\n"}},
	{"root, fd tables unreadable (as in the TUI's header)", true, true, 3, 0,
	 {"Partial: ", "3 fd tables unreadable", "(of the sockets seen: partial)"},
	 {"all sockets seen", "not root"}},
	{"root, one namespace not dumped", true, true, 0, 1,
	 {"1 netns not dumped", "Netns:   2 with processes", "4026600000 NOT dumped"},
	 {"all sockets seen", "more"}},
	{"root, a thousand namespaces not dumped", true, true, 0, 1000,
	 {"1000 netns not dumped", "and 996 more"}, {"all sockets seen"}},
};

static char *report(const struct text_case *c, size_t *len)
{
	struct sk_snapshot s;
	struct sk_findings fs;
	struct sk_options o;
	struct sk_error err = {0};
	char *argv[] = {"sktop", "-b", NULL};
	char *buf = NULL;
	FILE *out = open_memstream(&buf, len);

	assert_non_null(out);
	assert_int_equal(sk_options_parse(2, argv, &o, out, &err), SK_OPTIONS_RUN);
	sk_snapshot_init(&s);
	sk_findings_init(&fs);
	s.root = c->root;
	s.partial = c->partial;
	s.procfs.fd_denied = c->fd_denied;
	s.findings = &fs;
	sb_netns(&s, NS_A, ALL_INET);
	s.netns.v[0].own = true;
	for (size_t i = 0; i < c->undumped; i++) {
		sb_netns(&s, 4026600000ULL + i, 0);
		s.netns.v[s.netns.n - 1].dump_error = -EPERM;
	}
	sk_batch_print_text(out, &s, &o);
	assert_int_equal(fclose(out), 0);
	sk_findings_free(&fs);
	sk_snapshot_free(&s);
	return buf;
}

static void test_text_says_what_it_could_not_see(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct text_case *c = &cases[i];
		size_t len = 0, longest = 0;
		char *text = report(c, &len);

		for (size_t k = 0; k < 4 && c->want[k]; k++)
			if (!strstr(text, c->want[k]))
				fail_msg("%s: no \"%s\" in\n%s", c->name, c->want[k], text);
		for (size_t k = 0; k < 3 && c->never[k]; k++)
			if (strstr(text, c->never[k]))
				fail_msg("%s: \"%s\" in\n%s", c->name, c->never[k], text);
		for (char *line = text, *nl; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			if (!nl)
				break;
			if ((size_t)(nl - line) > longest)
				longest = (size_t)(nl - line);
		}
		/* The widest fixed line (the TCP states) is about 160 characters. */
		if (longest > 200)
			fail_msg("%s: a line of %zu characters in\n%.600s", c->name, longest, text);
		free(text);
	}
}

/* Only a mode that looks once spares the lifecycle store: -n 2 needs it
 * for the events between its refreshes. */
static void test_one_look_is_one_shot(void **state)
{
	static const struct {
		const char *argv[5];
		bool one_shot;
	} runs[] = {
		{{"-b", "-n", "1"}, true},
		{{"-b", "-n", "2"}, false},
		{{"-b", "-n", "0"}, false},
		{{"-b"}, false},
		{{"-w", "/nonexistent/snap.json"}, true},
		{{"--check"}, true},
		{{"--check", "-n", "1"}, true},
		{{"--check", "-n", "3"}, false},
		{{"--kill-sockets", "state close-wait", "--dry-run"}, true},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
		char *argv[6] = {"sktop"};
		char shown[128] = "";
		int argc = 1;
		struct sk_options o;
		struct sk_error err = {0};
		FILE *out = fopen("/dev/null", "w");

		for (; argc < 6 && runs[i].argv[argc - 1]; argc++) {
			argv[argc] = (char *)runs[i].argv[argc - 1];
			snprintf(shown + strlen(shown), sizeof(shown) - strlen(shown), " %s", argv[argc]);
		}
		assert_non_null(out);
		if (sk_options_parse(argc, argv, &o, out, &err) != SK_OPTIONS_RUN)
			fail_msg("sktop%s: %s", shown, err.msg);
		fclose(out);
		if (sk_batch_engine_config(&o).one_shot != runs[i].one_shot)
			fail_msg("sktop%s: one_shot %d", shown, !runs[i].one_shot);
	}
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_text_says_what_it_could_not_see),
	cmocka_unit_test(test_one_look_is_one_shot))
