/* The TUI's hands (issue #14): the finding view's wrapping, the COMMAND
 * text, F9, F3, F2 and the mouse, on a fake UI over a hand-built snapshot.
 * No terminal, no real signal: the UI's send_signal is a recorder. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "suite.h"
#include "app.h"
#include "columns.h"
#include "fview.h"
#include "keys.h"
#include "model/command.h"
#include "model/fields.h"
#include "mouse.h"
#include "render.h"
#include "setup.h"
#include "snapbuild.h"
#include "tuiworld.h"
#include "view.h"

#define KC(k) (SK_KEYCODE | (k))

/* --- fixtures ---------------------------------------------------------------------- */

static void fake_user(void *ctx, uint32_t uid, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, "u%u", uid);
}

/* java (100, comm "C2 CompilerThre"): 3 CLOSE_WAIT; nginx (200, argv[0]
 * "nginx:"): 1 ESTAB. */
static void build(struct sk_snapshot *s)
{
	struct sk_error err = {0};
	int rc = 0;

	sk_snapshot_init(s);
	sb_netns(s, NS_A, ALL_INET);
	for (int i = 0; i < 4; i++) {
		struct sk_socket *k = sb_sock(s, SK_PROTO_TCP, AF_INET,
					      i < 3 ? SK_TCP_CLOSE_WAIT : SK_TCP_ESTABLISHED,
					      10 + (uint64_t)i, "10.0.0.1", 8080, NS_A);

		sb_peer(k, i < 3 ? "10.0.3.7" : "10.0.9.9", (uint16_t)(40000 + i));
		k->cookie = 0x1000 + (uint64_t)i;
	}
	uint32_t p = sb_proc(s, 100, NS_A);

	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "C2 CompilerThre");
	s->procs.v[p].starttime = 4242;
	s->procs.v[p].cmdline = sk_strtab_add(&s->strs, "/usr/bin/java -jar app.jar", 26, &rc);
	for (int i = 0; i < 3; i++)
		sb_fd(s, p, 3 + i, 10 + (uint64_t)i);
	p = sb_proc(s, 200, NS_A);
	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "nginx");
	s->procs.v[p].cmdline = sk_strtab_add(&s->strs, "nginx: worker process", 21, &rc);
	sb_fd(s, p, 7, 13);
	assert_int_equal(rc, 0);
	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
	s->root = true;
	snprintf(s->host, sizeof(s->host), "testhost");
}

struct sent {
	int calls;
	int32_t pid;
	uint64_t starttime;
	int sig;
	int rc;
};
static struct sent sent;

static int fake_send(int32_t pid, uint64_t starttime, int sig)
{
	sent.calls++;
	sent.pid = pid;
	sent.starttime = starttime;
	sent.sig = sig;
	return sent.rc;
}

static void ui_new(struct sk_ui *ui, struct sk_options *o, const struct sk_snapshot *s)
{
	struct sk_view_config cfg = {.user_name = fake_user};

	tw_ui_blank(ui, o, s, 8);
	memset(&sent, 0, sizeof(sent));
	ui->send_signal = fake_send;
	sk_settings_init(&ui->settings);
	sk_view_init(&ui->view, &cfg, SK_SORT_CLOSE_WAIT, false);
	sk_view_set_pane(&ui->view, SK_PANE_PROCS);
	sk_view_build(&ui->view, s);
}

/* Each UI test starts on a fresh snapshot and UI (cmocka setup/teardown). */
struct fx {
	struct sk_snapshot s;
	struct sk_options o;
	struct sk_ui ui;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	build(&f->s);
	ui_new(&f->ui, &f->o, &f->s);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	sk_view_free(&f->ui.view);
	sk_snapshot_free(&f->s);
	free(f);
	return 0;
}

static int32_t cursor_pid(const struct sk_ui *ui)
{
	const struct sk_level *l = sk_view_top_c(&ui->view);

	return ui->snap->procs.v[ui->view.procs.v[l->cursor]].pid;
}

/* --- the finding view ---------------------------------------------------------------- */

static void test_fview_wraps(void **state)
{
	struct sk_finding f = {.kind = SK_FIND_CLOSE_WAIT, .severity = SK_SEV_WARNING, .nev = 2};
	struct sk_fview_line out[16];
	char joined[SK_FINDING_TEXT * 2] = "";
	size_t n;

	(void)state;
	snprintf(f.subject, sizeof(f.subject), "leakgen[42]");
	snprintf(f.title, sizeof(f.title), "CLOSE_WAIT pile-up: 77 connections the peer closed");
	snprintf(f.detail, sizeof(f.detail), "CLOSE_WAIT 77; top peers 127.0.0.1 x77");
	snprintf(f.next_step, sizeof(f.next_step),
		 "a hung or deadlocked handler, or a missing close(): strace -f -p 42, a thread "
		 "dump; ss -tanp state close-wait '( sport = :23456 )'");
	f.ev[0] = (struct sk_evidence){"close_wait", 77, SK_UNKNOWN, SK_EV_CLOSE_WAIT};
	f.ev[1] = (struct sk_evidence){"fds", 97, 20000, SK_EV_FDS};
	for (int width = 40; width <= 200; width += 40) {
		n = sk_fview_lines(&f, width, out, 16);
		assert_true(n >= 4 && n <= 16);
		joined[0] = '\0';
		for (size_t i = 0; i < n; i++) {
			assert_true((int)strlen(out[i].text) <= width);
			if (out[i].kind == SK_FV_COMMAND) {
				const char *t = out[i].text + 11; /* past "Next step: " */

				if (joined[0])
					strcat(joined, " ");
				strcat(joined, t);
			}
		}
		/* The next step is all there, whatever the width. */
		assert_string_equal(joined, f.next_step);
	}
	n = sk_fview_lines(&f, 80, out, 16);
	assert_non_null(strstr(out[0].text, "warning close_wait: leakgen[42]: CLOSE_WAIT"));
	assert_true(strncmp(out[0].text, "Finding:", 8) == 0);
	bool ev = false;

	for (size_t i = 0; i < n; i++)
		ev |= strstr(out[i].text, "Evidence:  close_wait 77, fds 97 (limit 20000)") != NULL;
	assert_true(ev);
	/* A word longer than the line is cut across lines, never dropped. */
	memset(f.next_step, 'x', 200);
	f.next_step[200] = '\0';
	n = sk_fview_lines(&f, 40, out, 16);
	size_t xs = 0;

	for (size_t i = 0; i < n; i++)
		if (out[i].kind == SK_FV_COMMAND)
			xs += strspn(out[i].text + 11, "x");
	assert_int_equal(xs, 200);
	/* max bounds the writes, the return says what was needed. */
	assert_int_equal(sk_fview_lines(&f, 40, out, 2), n);
}

/* --- COMMAND -------------------------------------------------------------------------- */

static void test_command_text(void **state)
{
	static const struct {
		const char *comm, *cmdline;
		bool short_path;
		const char *want;
	} cases[] = {
		{"leakgen", "/usr/bin/leakgen --port 1", false, "/usr/bin/leakgen --port 1"},
		{"leakgen", "/usr/bin/leakgen --port 1", true, "leakgen --port 1"},
		{"cw_server", "python3 /srv/cw.py", false, "cw_server: python3 /srv/cw.py"},
		{"cw_server", "/usr/bin/python3 /srv/cw.py", true, "cw_server: python3 /srv/cw.py"},
		{"nginx", "nginx: worker process", false, "nginx: worker process"},
		{"C2 CompilerThre", "java -jar a.jar", false, "C2 CompilerThre: java -jar a.jar"},
		/* comm is cut at 15 bytes: a prefix of the name is the name */
		{"very_long_progr", "/opt/very_long_program_name -x", true,
		 "very_long_program_name -x"},
		{"kworker/0:1", "", false, "[kworker/0:1]"},
		{"", "a b", false, "a b"},
	};
	char buf[128];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = sk_command_format(cases[i].comm, cases[i].cmdline, cases[i].short_path,
					     buf, sizeof(buf));

		assert_string_equal(buf, cases[i].want);
		assert_int_equal(n, strlen(cases[i].want));
	}
	/* Truncation is snprintf's: NUL-terminated, the needed length back. */
	assert_int_equal(sk_command_format("abc", "xyz 1", false, buf, 4), 10);
	assert_string_equal(buf, "abc");
}

/* --- F9 -------------------------------------------------------------------------------- */

static void test_f9_signal(void **state)
{
	struct fx *fx = *state;
	struct sk_ui *ui = &fx->ui;
	struct sk_snapshot *s = &fx->s;
	struct sk_options *o = &fx->o;

	assert_int_equal(cursor_pid(ui), 100);
	/* F9 opens the menu on SIGTERM, naming the process; Esc sends nothing. */
	sk_keys_handle(ui, KC(KEY_F(9)));
	assert_int_equal(ui->mode, SK_MODE_SIGNAL);
	assert_int_equal(sk_signals[ui->menu_cursor].sig, SIGTERM);
	assert_int_equal(ui->sig_target.pid, 100);
	assert_string_equal(ui->sig_target.comm, "C2 CompilerThre");
	sk_keys_handle(ui, 27);
	assert_int_equal(ui->mode, SK_MODE_NORMAL);
	assert_int_equal(sent.calls, 0);
	/* F9, Enter: SIGTERM to that pid, checked against its start time. */
	sk_keys_handle(ui, KC(KEY_F(9)));
	unsigned h = sk_keys_handle(ui, '\r');

	assert_int_equal(sent.calls, 1);
	assert_int_equal(sent.pid, 100);
	assert_int_equal(sent.starttime, 4242);
	assert_int_equal(sent.sig, SIGTERM);
	assert_true(h & SK_H_RESCAN);
	assert_non_null(strstr(ui->status, "Sent SIGTERM to 100 (C2 CompilerThre)"));
	/* 9 picks SIGKILL; a gone process is said so, as an error. */
	sent.rc = -ESRCH;
	sk_keys_handle(ui, KC(KEY_F(9)));
	sk_keys_handle(ui, '9');
	sk_keys_handle(ui, '\r');
	assert_int_equal(sent.sig, SIGKILL);
	assert_true(ui->status_err);
	assert_non_null(strstr(ui->status, "has exited"));
	/* The menu follows the arrows and stays inside the list. */
	sk_keys_handle(ui, KC(KEY_F(9)));
	for (size_t i = 0; i < sk_nsignals + 3; i++)
		sk_keys_handle(ui, KC(KEY_DOWN));
	assert_int_equal(ui->menu_cursor, sk_nsignals - 1);
	sk_keys_handle(ui, 27);
	/* Replay: refused, politely. */
	o->replay_file = "old.json";
	sent.calls = 0;
	sk_keys_handle(ui, KC(KEY_F(9)));
	assert_int_equal(ui->mode, SK_MODE_NORMAL);
	assert_false(ui->status_err);
	assert_non_null(strstr(ui->status, "Replay"));
	assert_int_equal(sent.calls, 0);
	o->replay_file = NULL;
	/* On a socket row it is the holder's signal. */
	sk_keys_handle(ui, '2');
	sk_view_build(&ui->view, s);
	sk_keys_handle(ui, KC(KEY_F(9)));
	assert_int_equal(ui->mode, SK_MODE_SIGNAL);
	assert_true(ui->sig_target.pid == 100 || ui->sig_target.pid == 200);
}

/* -p narrows the findings pane as it narrows the processes; a finding about
 * the machine stays. */
static void test_findings_follow_the_restriction(void **state)
{
	struct fx *fx = *state;
	struct sk_snapshot *s = &fx->s;
	struct sk_findings fs;
	struct sk_view v;
	const int32_t pids[] = {100, 200, 0};
	struct sk_view_config cfg = {.user_name = fake_user, .npids = 1, .pids = &pids[1]};

	sk_findings_init(&fs);
	for (int i = 0; i < 3; i++) {
		struct sk_finding *f = SK_VEC_PUSH(&fs.list);

		assert_non_null(f);
		f->kind = SK_FIND_CLOSE_WAIT;
		f->pid = pids[i];
		f->proc = pids[i] ? (uint32_t)(sk_snapshot_find_pid(s, pids[i]) - s->procs.v)
				  : SK_NONE;
		snprintf(f->title, sizeof(f->title), "finding %d", i);
	}
	s->findings = &fs;
	sk_view_init(&v, &cfg, SK_SORT_CLOSE_WAIT, false);
	sk_view_set_pane(&v, SK_PANE_FINDINGS);
	assert_int_equal(sk_view_build(&v, s), 0);
	assert_int_equal(v.nrows, 2 * SK_FINDING_ROWS);
	assert_string_equal(sk_view_finding_at(&v, s, 0)->title, "finding 1");
	assert_string_equal(sk_view_finding_at(&v, s, SK_FINDING_ROWS + 2)->title, "finding 2");
	assert_null(sk_view_finding_at(&v, s, 2 * SK_FINDING_ROWS));
	sk_view_free(&v);
	/* Unrestricted, all three. */
	sk_view_set_pane(&fx->ui.view, SK_PANE_FINDINGS);
	assert_int_equal(sk_view_build(&fx->ui.view, s), 0);
	assert_int_equal(fx->ui.view.nrows, 3 * SK_FINDING_ROWS);
	s->findings = NULL;
	sk_findings_free(&fs);
}

/* --- F3 --------------------------------------------------------------------------------- */

static void test_f3_search(void **state)
{
	struct fx *fx = *state;
	struct sk_ui *ui = &fx->ui;

	assert_int_equal(cursor_pid(ui), 100);
	sk_keys_handle(ui, KC(KEY_F(3)));
	assert_int_equal(ui->mode, SK_MODE_SEARCH);
	for (const char *c = "worker"; *c; c++)
		sk_keys_handle(ui, *c);
	/* The rows stay (a search is no filter), the cursor jumps. */
	assert_int_equal(ui->view.nrows, 2);
	assert_int_equal(cursor_pid(ui), 200);
	sk_keys_handle(ui, '\r');
	assert_int_equal(ui->mode, SK_MODE_NORMAL);
	assert_string_equal(ui->search, "worker");
	/* n (and F3) go to the next match, round to the same row. */
	sk_keys_handle(ui, 'n');
	assert_int_equal(cursor_pid(ui), 200);
	snprintf(ui->search, sizeof(ui->search), "u0");
	sk_keys_handle(ui, 'n');
	assert_int_equal(cursor_pid(ui), 100);
	sk_keys_handle(ui, 'n');
	assert_int_equal(cursor_pid(ui), 200);
	/* No match: the cursor stays and the status line says so. */
	snprintf(ui->search, sizeof(ui->search), "nothing-like-it");
	sk_keys_handle(ui, KC(KEY_F(3)));
	sk_keys_handle(ui, 'z');
	sk_keys_handle(ui, 27);
	assert_int_equal(cursor_pid(ui), 200);
	assert_non_null(strstr(ui->status, "in no row"));
}

/* --- F2 --------------------------------------------------------------------------------- */

static void test_f2_setup(void **state)
{
	struct fx *fx = *state;
	struct sk_ui *ui = &fx->ui;
	struct sk_snapshot *s = &fx->s;
	char dir[] = "/tmp/sktop-hands.XXXXXX", path[600];
	struct sk_settings back;
	struct sk_error err = {0};
	char text[256];

	assert_non_null(mkdtemp(dir));
	snprintf(ui->settings_path, sizeof(ui->settings_path), "%s/sktop/sktoprc", dir);
	sk_keys_handle(ui, KC(KEY_F(2)));
	assert_int_equal(ui->mode, SK_MODE_SETUP);
	sk_setup_row_text(ui, SK_SETUP_COLUMNS + 1, text, sizeof(text));
	assert_non_null(strstr(text, "[x] USER"));
	/* Down to USER, Space hides it; it goes to the end of the list. */
	for (int i = 0; i < SK_SETUP_COLUMNS + 1; i++)
		sk_keys_handle(ui, KC(KEY_DOWN));
	sk_keys_handle(ui, ' ');
	assert_int_equal(ui->pcols.n, SK_PCOL_LAST - 1);
	sk_setup_row_text(ui, SK_SETUP_COLUMNS + SK_PCOL_LAST - 1, text, sizeof(text));
	assert_non_null(strstr(text, "[ ] USER"));
	/* ] moves FDS/LIMIT (now under the cursor) after SOCK. */
	sk_keys_handle(ui, ']');
	assert_int_equal(ui->pcols.col[1], SK_PCOL_SOCK);
	assert_int_equal(ui->pcols.col[2], SK_PCOL_FDS);
	assert_int_equal(ui->menu_cursor, SK_SETUP_COLUMNS + 2);
	/* The interval and the pane at start cycle with Right. */
	ui->menu_cursor = SK_SETUP_INTERVAL;
	sk_keys_handle(ui, KC(KEY_RIGHT));
	assert_true(ui->interval > 2);
	ui->menu_cursor = SK_SETUP_PANE;
	sk_keys_handle(ui, KC(KEY_RIGHT));
	assert_int_equal(ui->settings.pane, SK_PANE_SOCKS);
	/* Esc leaves and saves; the file reads back as what the UI holds. */
	unsigned h = sk_keys_handle(ui, 27);

	assert_true(h & SK_H_RETIME);
	assert_int_equal(ui->mode, SK_MODE_NORMAL);
	assert_false(ui->status_err);
	sk_settings_init(&back);
	assert_int_equal(sk_settings_load(ui->settings_path, sk_setup_names(), &back, &err), 0);
	assert_int_equal(back.pcols.n, SK_PCOL_LAST - 1);
	assert_int_equal(back.pcols.col[2], SK_PCOL_FDS);
	assert_int_equal(back.pane, SK_PANE_SOCKS);
	assert_true(back.delay > 2);
	/* The process pane's title follows the chosen order, without USER. */
	struct sk_frame f;
	struct sk_line *l = malloc(sizeof(*l));

	sk_view_set_pane(&ui->view, SK_PANE_PROCS);
	sk_view_build(&ui->view, s);
	sk_render_layout(ui, 200, 0, ui->view.nrows, &f);
	sk_render_colhdr(ui, &f, l);
	assert_null(strstr(l->buf, "USER"));
	assert_non_null(strstr(l->buf, "SOCK FDS/LIMIT"));
	/* A restart: sk_setup_load reads it back into a fresh UI. */
	struct sk_ui *ui2 = malloc(sizeof(*ui2));
	struct sk_options o2;

	ui_new(ui2, &o2, s);
	o2.interval = 2.0;
	o2.sort = SK_SORT_CLOSE_WAIT;
	setenv("XDG_CONFIG_HOME", dir, 1);
	sk_setup_load(ui2);
	assert_int_equal(ui2->pcols.n, SK_PCOL_LAST - 1);
	assert_int_equal(sk_view_pane(&ui2->view), SK_PANE_SOCKS);
	assert_true(ui2->interval > 2);
	/* A malformed file: defaults kept, one line said. */
	FILE *fp = fopen(ui->settings_path, "w");

	assert_non_null(fp);
	fputs("pane = nowhere\n", fp);
	fclose(fp);
	sk_view_free(&ui2->view);
	ui_new(ui2, &o2, s);
	sk_setup_load(ui2);
	assert_int_equal(ui2->pcols.n, 0);
	assert_true(ui2->status_err);
	assert_non_null(strstr(ui2->status, "defaults kept"));
	assert_null(strchr(ui2->status, '\n'));
	unlink(ui->settings_path);
	snprintf(path, sizeof(path), "%s/sktop", dir);
	rmdir(path);
	rmdir(dir);
	unsetenv("XDG_CONFIG_HOME");
	sk_view_free(&ui2->view);
	free(ui2);
	free(l);
}

/* sktoprc spells sorts as -s does: the same names, one per engine key. */
static void test_setup_names(void **state)
{
	const struct sk_settings_names *n = sk_setup_names();

	(void)state;
	assert_int_equal(n->nsorts, SK_SORT_LAST + 1);
	for (int i = 0; i < SK_SORT_LAST; i++)
		assert_string_equal(n->sorts[i], sk_proc_fields[i].name);
	assert_string_equal(n->sorts[SK_VSORT_GROWTH], "growth");
	assert_int_equal(n->npcols, SK_PCOL_LAST);
	for (size_t i = 0; i < n->npcols; i++)
		assert_non_null(n->pcols[i]);
}

/* --- unknown keys, the mouse --------------------------------------------------------------- */

static void test_unknown_key_and_mouse(void **state)
{
	struct fx *fx = *state;
	struct sk_ui *ui = &fx->ui;
	struct sk_snapshot *s = &fx->s;
	int tabs;

	tabs = ui->rows - ui->body_height - 3;
	sk_keys_handle(ui, 'X');
	assert_non_null(strstr(ui->status, "Unknown key 'X'"));
	sk_keys_handle(ui, KC(KEY_F(12)));
	assert_non_null(strstr(ui->status, "Unknown key F12"));
	/* "1 Procs 2 Socks 3 States": column 9 is the Socks tab. */
	assert_int_equal(sk_render_tab_at(80, 9), SK_PANE_SOCKS);
	assert_int_equal(sk_render_tab_at(80, 7), -1);
	sk_mouse_handle(ui, tabs, 9, SK_MB_CLICK);
	assert_int_equal(sk_view_pane(&ui->view), SK_PANE_SOCKS);
	sk_mouse_handle(ui, tabs, 1, SK_MB_CLICK);
	sk_view_build(&ui->view, s);
	assert_int_equal(sk_view_pane(&ui->view), SK_PANE_PROCS);
	/* A click on the second row moves there; on it again opens it. */
	sk_mouse_handle(ui, tabs + 3, 2, SK_MB_CLICK);
	assert_int_equal(cursor_pid(ui), 200);
	unsigned h = sk_mouse_handle(ui, tabs + 3, 2, SK_MB_CLICK);

	assert_true(h & SK_H_REBUILD);
	assert_int_equal(ui->view.depth, 2);
	sk_keys_handle(ui, 27);
	sk_view_build(&ui->view, s);
	/* A click on PID sorts by it; again inverts. */
	sk_mouse_handle(ui, tabs + 1, 3, SK_MB_CLICK);
	assert_int_equal(sk_view_sortstate(&ui->view)->col, SK_SORT_PID);
	sk_mouse_handle(ui, tabs + 1, 3, SK_MB_CLICK);
	assert_true(sk_view_sortstate(&ui->view)->invert);
	/* The wheel moves the cursor, inside the rows. */
	sk_view_build(&ui->view, s);
	sk_view_move_to(&ui->view, 0);
	sk_mouse_handle(ui, tabs + 5, 0, SK_MB_WHEEL_DOWN);
	assert_int_equal(sk_view_top(&ui->view)->cursor, 1);
}

/* --- columns in a chosen order ---------------------------------------------------------------- */

static void test_columns_reorder(void **state)
{
	struct sk_colpos pos[3] = {{0, 0, 5}, {1, 6, 3}, {2, 10, 7}};
	const uint8_t order[] = {2, 0};

	(void)state;
	sk_columns_reorder(pos, 3, order, 2);
	assert_int_equal(pos[0].col, 2);
	assert_int_equal(pos[0].x, 0);
	assert_int_equal(pos[1].col, 0);
	assert_int_equal(pos[1].x, 8);
	assert_int_equal(pos[2].col, 1);
	assert_int_equal(pos[2].x, 14);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_fview_wraps),
	cmocka_unit_test(test_command_text),
	cmocka_unit_test_setup_teardown(test_f9_signal, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_f3_search, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_f2_setup, fx_setup, fx_teardown),
	cmocka_unit_test_setup_teardown(test_unknown_key_and_mouse, fx_setup, fx_teardown),
	cmocka_unit_test(test_columns_reorder),
	cmocka_unit_test(test_setup_names),
	cmocka_unit_test_setup_teardown(test_findings_follow_the_restriction, fx_setup,
					fx_teardown))
