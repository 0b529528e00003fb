/* The TUI's renderer and keys against hand-built snapshots (the world in
 * tuiworld.c): escaping of hostile names, an 80x24 header that fits, the
 * destroy and snapshot keys, and growth per minute (GROW/m, its sort, the
 * trend line) on a fake clock, the services view. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"
#include "act/audit.h"
#include "app.h"
#include "colors.h"
#include "destroy.h"
#include "columns.h"
#include "analyse/history.h"
#include "hunits.h"
#include "keys.h"
#include "line.h"
#include "render.h"
#include "snapbuild.h"
#include "model/snapshot.h"
#include "util/units.h"
#include "tuiworld.h"
#include "view.h"

/* --- rendering -------------------------------------------------------------------------- */

static bool lines_have(const struct sk_line *l, int n, const char *text)
{
	for (int i = 0; i < n; i++)
		if (strstr(l[i].buf, text))
			return true;
	return false;
}

/* K on a group: the confirmation names the count, the states, the owner,
 * warns about CLOSE_WAIT fds; y hands it to the loop, anything else
 * cancels; replay refuses. */
static void test_destroy_key(void **state)
{
	struct sk_snapshot s;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));
	struct sk_line *l = calloc(SK_DESTROY_PROMPT_LINES, sizeof(*l));
	struct sk_destroy_result res = {.destroyed = 3};
	char buf[1024];
	int n;

	(void)state;
	assert_non_null(ui);
	assert_non_null(l);
	tw_build(&s, 100, true);
	tw_ui_new(ui, &o, &s);
	sk_keys_handle(ui, '2');
	sk_keys_handle(ui, 'g');
	sk_view_build(&ui->view, &s);
	for (size_t i = 0; i < ui->view.groups.n; i++)
		if (ui->view.groups.v[i].count == 3)
			sk_view_move_to(&ui->view, i);
	if (geteuid() != 0) {
		sk_keys_handle(ui, 'K');
		assert_non_null(strstr(ui->status, "needs root"));
		goto out;
	}
	sk_keys_handle(ui, 'K');
	assert_int_equal(ui->mode, SK_MODE_DESTROY);
	assert_int_equal(ui->destroy.set.rows.n, 3);
	assert_int_equal(ui->destroy.set.by_state[SK_TCP_CLOSE_WAIT], 3);
	n = sk_destroy_render(ui, 80, l, SK_DESTROY_PROMPT_LINES);
	assert_true(lines_have(l, n, "Destroy 3 sockets? CLOSE_WAIT x 3 from 10.0.3.7"));
	assert_true(lines_have(l, n, "CLOSE_WAIT 3"));
	snprintf(buf, sizeof(buf), "server[%d] 3", PID_SERVER);
	assert_true(lines_have(l, n, buf));
	assert_true(lines_have(l, n, "fd stays open in its process"));
	assert_int_equal(sk_keys_handle(ui, 'n') & SK_H_DESTROY, 0);
	assert_int_equal(ui->mode, SK_MODE_NORMAL);
	assert_non_null(strstr(ui->status, "Nothing destroyed"));
	sk_keys_handle(ui, 'K');
	assert_true(sk_keys_handle(ui, 'y') & SK_H_DESTROY);
	/* What the log says. */
	sk_audit_format("K", ui->destroy.what, &ui->destroy.set, &res, 0, "", buf, sizeof(buf));
	assert_non_null(strstr(buf, "K: destroyed 3 of 3 sockets (CLOSE_WAIT 3) chosen by "
				    "\"CLOSE_WAIT x 3 from 10.0.3.7\"; 0 already gone, 0 refused; "
				    "by uid 0 ("));
	/* A replay has nothing live. */
	o.replay_file = "saved.json";
	sk_keys_handle(ui, 'K');
	assert_int_equal(ui->mode, SK_MODE_NORMAL);
	assert_non_null(strstr(ui->status, "Replay"));
out:
	sk_destroy_free(ui);
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	free(l);
	free(ui);
}

static void test_render_80x24(void **state)
{
	struct sk_snapshot s;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));
	struct sk_line *lines = calloc(SK_HEADER_MAX, sizeof(struct sk_line));
	struct sk_frame f;
	int n;

	(void)state;
	tw_build(&s, 8u << 20, true);
	tw_set_sys(&s);
	tw_ui_new(ui, &o, &s);
	ui->unicode = true;
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	assert_true(n >= 5 && n <= 7);
	for (int i = 0; i < n; i++) {
		assert_true(lines[i].cols <= 80);
		assert_true(tw_all_printable(&lines[i]));
	}
	assert_non_null(strstr(lines[0].buf, "testhost"));
	/* The state histogram keeps the leak states at 80 columns. */
	bool hist = false;

	for (int i = 0; i < n; i++)
		if (strstr(lines[i].buf, "CLOSE_WAIT 4") && strstr(lines[i].buf, "closed 4"))
			hist = true;
	assert_true(hist);
	/* TCP memory over pressure is a warning, with the thresholds shown. */
	bool mem = false;

	for (int i = 0; i < n; i++)
		for (int k = 0; k < lines[i].nspans; k++)
			if (strstr(lines[i].buf, "TCP mem") && lines[i].spans[k].color == SK_C_WARN)
				mem = true;
	assert_true(mem);

	sk_render_layout(ui, 80, 0, 14, &f);
	sk_render_colhdr(ui, &f, &lines[0]);
	assert_non_null(strstr(lines[0].buf, "CLOSE_WAIT"));
	assert_non_null(strstr(lines[0].buf, "COMMAND"));
	assert_int_equal(lines[0].cols, 80);
	assert_true(sk_render_row(ui, &f, 0, &lines[1]));   /* the cursor row */
	assert_false(sk_render_row(ui, &f, 1, &lines[2]));
	assert_non_null(strstr(lines[1].buf, "100"));
	assert_non_null(strstr(lines[1].buf, "server")); /* [comm]: no cmdline */
	assert_true(lines[1].cols <= 80);
	/* USER is the first to go at 80 columns; at 120 it is back. */
	sk_render_layout(ui, 120, 0, 14, &f);
	sk_render_row(ui, &f, 0, &lines[1]);
	assert_non_null(strstr(lines[1].buf, "alice"));
	sk_render_layout(ui, 80, 0, 14, &f);
	sk_render_tabs(ui, 80, &lines[3]);
	assert_non_null(strstr(lines[3].buf, "3 processes with sockets"));
	sk_render_status(ui, 80, &lines[4]);
	assert_non_null(strstr(lines[4].buf, "Quit"));
	assert_true(lines[4].cols <= 80);

	/* ASCII terminals: nothing but ASCII anywhere. */
	ui->unicode = false;
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	for (int i = 0; i < n; i++)
		for (size_t b = 0; b < lines[i].len; b++)
			assert_true((unsigned char)lines[i].buf[b] < 0x80);
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	free(ui);
	free(lines);
}

/* A name the engine did not escape (defence in depth): no control byte
 * may reach the terminal, in any pane. */
static void test_render_hostile_names(void **state)
{
	struct sk_snapshot s;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));
	struct sk_line *l = calloc(1, sizeof(*l));
	struct sk_frame f;
	int rc = 0;

	(void)state;
	tw_build(&s, 100, true);
	snprintf(s.procs.v[0].comm, sizeof(s.procs.v[0].comm), "ev\x1b]0;pwn\x07il\n");
	s.procs.v[0].cmdline = sk_strtab_add(&s.strs, "/bin/\x1b[2Jx \xff\xfe", 13, &rc);
	tw_ui_new(ui, &o, &s);
	for (int pane = 0; pane < SK_PANE_LAST; pane++) {
		sk_view_set_pane(&ui->view, (enum sk_pane)pane);
		sk_view_build(&ui->view, &s);
		sk_render_layout(ui, 120, 0, ui->view.nrows, &f);
		for (size_t r = 0; r < ui->view.nrows; r++) {
			sk_render_row(ui, &f, r, l);
			assert_true(tw_all_printable(l));
		}
	}
	sk_view_set_pane(&ui->view, SK_PANE_PROCS);
	sk_view_build(&ui->view, &s);
	/* As wide as 120 was before SERVICE and NETNS: the command is still cut. */
	sk_render_layout(ui, 142, 0, 3, &f);
	sk_render_row(ui, &f, 0, l);
	/* The name leads (argv[0] does not show it); the path gives way to it. */
	assert_non_null(strstr(l->buf, "ev?]0;pwn?il?: "));
	assert_non_null(strstr(l->buf, ": ?[2Jx"));
	/* Detail view of a socket of it, and the breadcrumb with its name. */
	sk_view_enter(&ui->view, &s);
	sk_view_build(&ui->view, &s);
	sk_render_tabs(ui, 200, l);
	assert_true(tw_all_printable(l));
	assert_non_null(strstr(l->buf, "ev?]0;pwn?il?[100]"));
	sk_view_enter(&ui->view, &s);
	sk_view_build(&ui->view, &s);
	sk_render_layout(ui, 80, 0, ui->view.nrows, &f);
	for (size_t r = 0; r < ui->view.nrows; r++) {
		sk_render_row(ui, &f, r, l);
		assert_true(tw_all_printable(l));
		assert_true(l->cols <= 80);
	}
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	free(ui);
	free(l);
}

static void test_detail_wraps(void **state)
{
	struct tw_fx *f = *state;

	f->v.width = 60;
	sk_view_set_sort(&f->v, SK_SORT_CLOSED);
	sk_view_build(&f->v, &f->s);
	sk_view_enter(&f->v, &f->s);
	sk_view_build(&f->v, &f->s);
	sk_view_enter(&f->v, &f->s); /* a closed fd */
	sk_view_build(&f->v, &f->s);
	bool lsof = false;

	for (size_t i = 0; i < f->v.lines.n; i++) {
		const char *t = strchr(f->v.lines.v[i].text, '\t');

		assert_true(sk_text_width(t ? t + 1 : f->v.lines.v[i].text, false) <= 60);
		if (strstr(f->v.lines.v[i].text, "lsof"))
			lsof = true;
	}
	assert_true(lsof);
}

static void test_counters(void **state)
{
	struct sk_system sys;
	struct sk_counter_track t;

	(void)state;
	memset(&t, 0, sizeof(t));
	for (int i = 0; i < SK_CTR_LAST; i++)
		sys.counters[i] = SK_UNKNOWN;
	sys.counters[SK_CTR_TCP_ABORT_ON_MEMORY] = 100;
	sk_counter_track_update(&t, &sys, 1);
	assert_int_equal(t.moved_seq[SK_CTR_TCP_ABORT_ON_MEMORY], 0); /* no previous */
	sys.counters[SK_CTR_TCP_ABORT_ON_MEMORY] = 112;
	sk_counter_track_update(&t, &sys, 2);
	assert_int_equal(t.delta[SK_CTR_TCP_ABORT_ON_MEMORY], 12);
	assert_int_equal(t.moved_seq[SK_CTR_TCP_ABORT_ON_MEMORY], 2);
	sk_counter_track_update(&t, &sys, 3);
	assert_int_equal(t.moved_seq[SK_CTR_TCP_ABORT_ON_MEMORY], 2); /* still the last move */
	assert_int_equal(t.moved_seq[SK_CTR_LISTEN_OVERFLOWS], 0);    /* unknown stays quiet */
}

static void test_keys(void **state)
{
	struct sk_snapshot s;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));

	(void)state;
	tw_build(&s, 8u << 20, true);
	tw_ui_new(ui, &o, &s);
	/* Every bound action has help text, so the help screen is complete. */
	for (int a = 1; a < SK_ACT_LAST; a++) {
		assert_non_null(sk_actions[a].run);
		assert_non_null(sk_actions[a].help);
	}
	/* r sorts by rmem, c by CLOSE_WAIT. */
	assert_true(sk_keys_handle(ui, 'r') & SK_H_REBUILD);
	sk_view_build(&ui->view, &s);
	assert_int_equal(tw_cursor_pid(&ui->view, &s), PID_SERVER); /* the cursor stayed */
	assert_int_equal(tw_row_pid(&ui->view, &s, 0), PID_CACHE);
	sk_keys_handle(ui, 'c');
	sk_view_build(&ui->view, &s);
	assert_int_equal(tw_row_pid(&ui->view, &s, 0), PID_SERVER);
	sk_keys_handle(ui, 'c'); /* again: still biggest first */
	sk_view_build(&ui->view, &s);
	assert_int_equal(tw_row_pid(&ui->view, &s, 0), PID_SERVER);
	/* Enter drills down, Esc comes back. */
	assert_true(sk_keys_handle(ui, '\r') & SK_H_REBUILD);
	assert_int_equal(ui->view.depth, 2);
	assert_true(sk_keys_handle(ui, 27) & SK_H_REBUILD);
	assert_int_equal(ui->view.depth, 1);
	/* The incremental filter. */
	sk_keys_handle(ui, '/');
	assert_int_equal(ui->mode, SK_MODE_FILTER);
	sk_keys_handle(ui, 'c');
	sk_keys_handle(ui, 'a');
	assert_string_equal(ui->view.filter, "ca");
	sk_keys_handle(ui, SK_KEYCODE | 0407); /* KEY_BACKSPACE */
	assert_string_equal(ui->view.filter, "c");
	sk_keys_handle(ui, '\r');
	assert_int_equal(ui->mode, SK_MODE_NORMAL);
	assert_string_equal(ui->view.filter, "c");
	sk_keys_handle(ui, 27); /* at the top, Esc clears the filter */
	assert_string_equal(ui->view.filter, "");
	/* Pause, interval. */
	sk_keys_handle(ui, 'p');
	assert_true(ui->paused);
	assert_true(sk_keys_handle(ui, 'p') & SK_H_RESCAN);
	assert_true(sk_keys_handle(ui, '+') & SK_H_RETIME);
	assert_true(ui->interval > 2.9 && ui->interval < 3.1);
	sk_keys_handle(ui, '-');
	sk_keys_handle(ui, '-');
	assert_true(ui->interval > 0.9 && ui->interval < 1.1);
	sk_keys_handle(ui, 'd');
	sk_keys_handle(ui, '0');
	sk_keys_handle(ui, '.');
	sk_keys_handle(ui, '5');
	sk_keys_handle(ui, '\r');
	assert_true(ui->interval > 0.49 && ui->interval < 0.51);
	sk_keys_handle(ui, 'd');
	sk_keys_handle(ui, '0');
	sk_keys_handle(ui, '\r');
	assert_true(ui->status_err); /* 0 is refused, in one line */
	assert_null(strchr(ui->status, '\n'));
	/* Tab cycles panes; q quits. */
	sk_keys_handle(ui, '\t');
	assert_int_equal(sk_view_pane(&ui->view), SK_PANE_SOCKS);
	sk_keys_handle(ui, '4');
	assert_int_equal(sk_view_pane(&ui->view), SK_PANE_ORPHANS);
	assert_true(sk_keys_handle(ui, 'q') & SK_H_QUIT);
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	free(ui);
}

/* A UI on a fixed snapshot whose s key writes into a new directory dir. */
static void snapshot_key_ui(struct sk_snapshot *s, struct sk_options *o, struct sk_ui *ui,
			    char *dir)
{
	assert_non_null(mkdtemp(dir));
	tw_build(s, 8u << 20, true);
	tw_set_sys(s);
	s->realtime.tv_sec = 1700000000;
	tw_ui_new(ui, o, s);
	o->snapshot_dir = dir;
}

/* Empties and removes dir; returns how many files it held. */
static int remove_snapshot_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];
	int files = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		files++;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(dir);
	return files;
}

static void test_snapshot_key(void **state)
{
	struct sk_snapshot s;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));
	char dir[] = "/tmp/sktop-tui-test-XXXXXX", msg[SK_STATUS_MAX], path[512];
	struct stat st;

	(void)state;
	snapshot_key_ui(&s, &o, ui, dir);
	assert_int_equal(sk_tui_snapshot_write(ui, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "sktop-testhost-20231114-221320.json"));
	snprintf(path, sizeof(path), "%s/sktop-testhost-20231114-221320.json", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/sktop-testhost-20231114-221320.txt", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	FILE *f = fopen(path, "r");
	char text[8192];
	size_t n;

	assert_non_null(f);
	n = fread(text, 1, sizeof(text) - 1, f);
	text[n] = '\0';
	fclose(f);
	assert_non_null(strstr(text, "testhost"));
	assert_non_null(strstr(text, "COMMAND"));
	assert_non_null(strstr(text, "leaker"));
	/* The same second again: a second pair, the first untouched. */
	assert_int_equal(sk_tui_snapshot_write(ui, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "221320-2.json"));
	/* A directory that is not there: an error in one line. */
	o.snapshot_dir = "/nonexistent/dir";
	assert_true(sk_tui_snapshot_write(ui, msg, sizeof(msg)) < 0);
	assert_non_null(strstr(msg, "/nonexistent/dir"));
	assert_null(strchr(msg, '\n'));
	remove_snapshot_dir(dir);
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	free(ui);
}

/* Several sktops pressing s in the same second: each name is checked free
 * at create, but another may link it before this one does. Every writer
 * must end with a pair of its own, not give up on the name taken late. */
#define SNAP_WRITERS 6

static void test_snapshot_key_race(void **state)
{
	struct sk_snapshot s;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));
	char dir[] = "/tmp/sktop-tui-race-XXXXXX", msg[SK_STATUS_MAX];
	int go[2], saved = 0;
	pid_t kids[SNAP_WRITERS];

	(void)state;
	snapshot_key_ui(&s, &o, ui, dir);
	assert_int_equal(pipe(go), 0);
	fflush(NULL);
	for (int i = 0; i < SNAP_WRITERS; i++) {
		char c;

		kids[i] = fork();
		assert_true(kids[i] >= 0);
		if (kids[i] == 0) {
			close(go[1]);
			if (read(go[0], &c, 1) != 0) /* all start at the close */
				_exit(3);
			if (sk_tui_snapshot_write(ui, msg, sizeof(msg)) != 0) {
				fprintf(stderr, "writer %d: %s\n", i, msg);
				_exit(1);
			}
			_exit(0);
		}
	}
	close(go[0]);
	close(go[1]);
	for (int i = 0; i < SNAP_WRITERS; i++) {
		int st;

		assert_int_equal(waitpid(kids[i], &st, 0), kids[i]);
		saved += WIFEXITED(st) && WEXITSTATUS(st) == 0;
	}
	assert_int_equal(remove_snapshot_dir(dir), 2 * SNAP_WRITERS);
	assert_int_equal(saved, SNAP_WRITERS);
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	free(ui);
}

/* --- growth: GROW/m, its sort, the trend line ------------------------------------------------ */

static void test_growth_units(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(sk_tui_fmt_rate(12.0, false, b, sizeof(b)), "+12");
	assert_string_equal(sk_tui_fmt_rate(11.6, false, b, sizeof(b)), "+12");
	assert_string_equal(sk_tui_fmt_rate(0.5, false, b, sizeof(b)), "+0.5");
	assert_string_equal(sk_tui_fmt_rate(-3.0, false, b, sizeof(b)), "-3.0");
	assert_string_equal(sk_tui_fmt_rate(0.01, false, b, sizeof(b)), "0");
	assert_string_equal(sk_tui_fmt_rate(-0.01, false, b, sizeof(b)), "0");
	assert_string_equal(sk_tui_fmt_rate(1234, false, b, sizeof(b)), "+1234");
	assert_string_equal(sk_tui_fmt_rate(-12345, false, b, sizeof(b)), "-12k");
	assert_string_equal(sk_tui_fmt_rate(1.5 * 1048576, true, b, sizeof(b)), "+1.5M");
	assert_string_equal(sk_tui_fmt_rate(0.3, true, b, sizeof(b)), "0");
	assert_string_equal(sk_tui_fmt_rate(NAN, false, b, sizeof(b)), "?");
	/* Whatever a replayed file holds, the cell stays narrow. */
	assert_true(strlen(sk_tui_fmt_rate(1e300, false, b, sizeof(b))) <= 6);
	assert_true(strlen(sk_tui_fmt_rate(-1e300, true, b, sizeof(b))) <= 6);
}

enum { PID_STEADY = 10, PID_BURST = 20, PID_FLAT = 30, PID_NEW = 40 };

/* Six refreshes 30 s apart on a fake clock. CLOSE_WAIT: steady grows by 2
 * each time (+4/min, never falls), burst goes 0..40 and back to 5 (+2/min
 * overall, not a leak), flat stays at 50; flat's sockets grow +40/min. The
 * new process shows up in the last refresh only: no trend yet. */
static void growth_history(struct sk_snapshot *s, struct sk_history *h)
{
	static const uint32_t burst[6] = {0, 10, 20, 30, 40, 5};

	sk_snapshot_init(s);
	sk_history_init(h, 600000);
	for (int t = 0; t < 6; t++) {
		sk_snapshot_reset(s);
		s->seq = (uint64_t)t + 1;
		sb_time(s, 1000 + (uint64_t)t * 30000);
		const struct {
			int32_t pid;
			uint32_t cw, socks;
		} rows[] = {
			{PID_STEADY, 100 + 2 * (uint32_t)t, 200},
			{PID_BURST, burst[t], 100},
			{PID_FLAT, 50, 60 + 20 * (uint32_t)t},
			{PID_NEW, 7, 8},
		};

		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
			if (rows[i].pid == PID_NEW && t < 5)
				continue;
			struct sk_process *p = SK_VEC_PUSH(&s->procs);

			assert_non_null(p);
			p->pid = rows[i].pid;
			p->starttime = 1000 + (uint64_t)rows[i].pid;
			p->agg.sockets = rows[i].socks;
			p->agg.tcp_states[SK_TCP_CLOSE_WAIT] = rows[i].cw;
			snprintf(p->comm, sizeof(p->comm), "p%d", (int)rows[i].pid);
		}
		assert_int_equal(sk_history_record(h, s), 0);
	}
	s->procs_sorted = true;
	s->root = true;
	s->history = h;
	snprintf(s->host, sizeof(s->host), "testhost");
}

static const struct sk_trend *row_growth(const struct sk_view *v, const struct sk_snapshot *s,
					 int32_t pid)
{
	for (size_t i = 0; i < v->growth.n; i++)
		if (s->procs.v[v->growth.v[i].proc].pid == pid) {
			assert_int_equal(v->procs.v[i], v->growth.v[i].proc); /* in row order */
			return &v->growth.v[i].tr;
		}
	fail_msg("pid %d is not a row", (int)pid);
	return NULL;
}

static void test_growth_sort(void **state)
{
	struct sk_snapshot s;
	struct sk_history h;
	struct sk_view v;

	(void)state;
	growth_history(&s, &h);
	tw_view_new(&v); /* sorted by CLOSE_WAIT: GROW/m measures CLOSE_WAIT */
	assert_int_equal(sk_view_build(&v, &s), 0);
	assert_int_equal(v.growth_metric, SK_PM_CLOSE_WAIT);
	assert_int_equal(v.growth.n, 4);
	const struct sk_trend *t = row_growth(&v, &s, PID_STEADY);

	assert_true(t->known && t->monotonic);
	assert_true(fabs(t->per_min - 4.0) < 0.01);
	t = row_growth(&v, &s, PID_BURST);
	assert_true(t->known && !t->monotonic);
	assert_true(fabs(t->per_min - 2.0) < 0.01);
	t = row_growth(&v, &s, PID_FLAT);
	assert_true(t->known && !t->monotonic && t->per_min == 0);
	assert_false(row_growth(&v, &s, PID_NEW)->known);

	/* Fastest grower first; no trend yet goes last, whichever way. */
	sk_view_set_sort(&v, SK_VSORT_GROWTH);
	assert_int_equal(sk_view_sortstate(&v)->col, SK_VSORT_GROWTH);
	assert_true(sk_view_sort_descending(&v));
	assert_string_equal(sk_view_sort_name(&v, SK_VSORT_GROWTH), "GROW/m");
	sk_view_build(&v, &s);
	assert_int_equal(v.growth_metric, SK_PM_CLOSE_WAIT); /* kept from the c sort */
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_STEADY);
	assert_int_equal(tw_row_pid(&v, &s, 1), PID_BURST);
	assert_int_equal(tw_row_pid(&v, &s, 2), PID_FLAT);
	assert_int_equal(tw_row_pid(&v, &s, 3), PID_NEW);
	sk_view_invert(&v);
	sk_view_build(&v, &s);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_FLAT);
	assert_int_equal(tw_row_pid(&v, &s, 1), PID_BURST);
	assert_int_equal(tw_row_pid(&v, &s, 2), PID_STEADY);
	assert_int_equal(tw_row_pid(&v, &s, 3), PID_NEW);

	/* Sorting by sockets first makes growth rank socket growth. */
	sk_view_set_sort(&v, SK_SORT_SOCKETS);
	sk_view_build(&v, &s);
	assert_int_equal(v.growth_metric, SK_PM_SOCKETS);
	sk_view_set_sort(&v, SK_VSORT_GROWTH);
	sk_view_build(&v, &s);
	assert_int_equal(v.growth_metric, SK_PM_SOCKETS);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_FLAT);
	assert_true(fabs(row_growth(&v, &s, PID_FLAT)->per_min - 40.0) < 0.01);
	/* A count history does not keep (ESTAB) falls back to sockets. */
	sk_view_set_sort(&v, SK_SORT_ESTAB);
	sk_view_build(&v, &s);
	assert_int_equal(v.growth_metric, SK_PM_SOCKETS);
	/* F6 and < > offer it with the other columns. */
	int cols[64];
	size_t n = sk_view_sort_columns(&v, cols, 64);
	bool listed = false;

	for (size_t i = 0; i < n; i++)
		listed |= cols[i] == SK_VSORT_GROWTH;
	assert_true(listed);

	/* Without history (an old file): every trend unknown, order by pid. */
	s.history = NULL;
	sk_view_set_sort(&v, SK_VSORT_GROWTH);
	assert_int_equal(sk_view_build(&v, &s), 0);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_STEADY);
	assert_false(v.growth.v[0].tr.known);
	sk_view_free(&v);
	sk_history_free(&h);
	sk_snapshot_free(&s);
}

static const char *header_line(struct sk_line *lines, int n, const char *label)
{
	for (int i = 0; i < n; i++)
		if (strncmp(lines[i].buf, label, strlen(label)) == 0)
			return lines[i].buf;
	return NULL;
}

/* Orphans +10 every 30 s towards tcp_max_orphans 210: at 150 the meter
 * says the limit is 3 minutes away; a flat count says nothing. */
static void test_meter_time_to_limit(void **state)
{
	struct sk_snapshot s;
	struct sk_history h;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));
	struct sk_line *lines = calloc(SK_HEADER_MAX, sizeof(struct sk_line));
	const char *orphans, *files;
	int n;

	(void)state;
	assert_non_null(ui);
	assert_non_null(lines);
	sk_snapshot_init(&s);
	sk_history_init(&h, 600000);
	for (int t = 0; t < 6; t++) {
		sk_snapshot_reset(&s);
		s.seq = (uint64_t)t + 1;
		sb_time(&s, 1000 + (uint64_t)t * 30000);
		s.sys.sockstat[SK_SS_TCP_ORPHAN] = 100 + 10 * t;
		s.sys.limits.tcp_max_orphans = 210;
		s.sys.limits.file_nr[0] = 500;
		s.sys.limits.file_max = 1000;
		assert_int_equal(sk_history_record(&h, &s), 0);
	}
	s.history = &h;
	tw_ui_new(ui, &o, &s);
	n = sk_render_header(ui, 200, lines, SK_HEADER_MAX);
	orphans = header_line(lines, n, "Orphans");
	assert_non_null(orphans);
	assert_non_null(strstr(orphans, "full 3m: 150/210"));
	files = strstr(orphans, "Files");
	assert_non_null(files);
	assert_null(strstr(files, "full"));
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	sk_history_free(&h);
	free(lines);
	free(ui);
}

static void test_growth_render(void **state)
{
	struct sk_snapshot s;
	struct sk_history h;
	struct sk_options o;
	struct sk_ui *ui = calloc(1, sizeof(*ui));
	struct sk_line *lines = calloc(SK_HEADER_MAX, sizeof(struct sk_line));
	struct sk_frame f;
	const char *trend;
	int n;

	(void)state;
	growth_history(&s, &h);
	tw_ui_new(ui, &o, &s);
	ui->unicode = true;
	/* G sorts by growth, from any pane, and says what it measures. */
	sk_keys_handle(ui, '5');
	assert_true(sk_keys_handle(ui, 'G') & SK_H_REBUILD);
	assert_int_equal(sk_view_pane(&ui->view), SK_PANE_PROCS);
	assert_int_equal(sk_view_sortstate(&ui->view)->col, SK_VSORT_GROWTH);
	assert_non_null(strstr(ui->status, "CLOSE_WAIT"));
	sk_view_build(&ui->view, &s);
	sk_view_move_to(&ui->view, 0);
	assert_int_equal(tw_cursor_pid(&ui->view, &s), PID_STEADY);

	/* 80 columns: GROW/m is there with the sort arrow, beside the leak columns. */
	sk_render_layout(ui, 80, 0, 14, &f);
	sk_render_colhdr(ui, &f, &lines[0]);
	assert_non_null(strstr(lines[0].buf, "\xe2\x96\xbcGROW/m"));
	assert_non_null(strstr(lines[0].buf, "CLOSE_WAIT"));
	assert_non_null(strstr(lines[0].buf, "SERVICE"));
	assert_int_equal(lines[0].cols, 80);
	sk_render_row(ui, &f, 0, &lines[1]);
	assert_non_null(strstr(lines[1].buf, "+4.0\xe2\x86\x91")); /* never fell: marked */
	size_t at = (size_t)(strstr(lines[1].buf, "+4.0") - lines[1].buf);
	bool red = false;

	for (int k = 0; k < lines[1].nspans; k++)
		red |= lines[1].spans[k].color == SK_C_CRIT && lines[1].spans[k].start <= at &&
		       at < (size_t)lines[1].spans[k].start + lines[1].spans[k].len;
	assert_true(red);
	sk_render_row(ui, &f, 1, &lines[2]);
	assert_non_null(strstr(lines[2].buf, "+2.0 ")); /* burst: no mark */
	assert_null(strstr(lines[2].buf, "\xe2\x86\x91"));
	sk_render_row(ui, &f, 3, &lines[3]);
	assert_non_null(strstr(lines[3].buf, " - ")); /* no trend yet */

	/* The trend line: the selected process, what it plots, over how long. */
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	trend = header_line(lines, n, "Trend");
	assert_non_null(trend);
	assert_non_null(strstr(trend, "p10[10] CLOSE_WAIT last 2m "));
	assert_non_null(strstr(trend, "\xe2\x96\x81\xe2\x96\x82\xe2\x96\x84\xe2\x96\x85"
				      "\xe2\x96\x87\xe2\x96\x88 100\xe2\x86\x92" "110 +4.0/m"));
	assert_non_null(strstr(trend, "growing steadily"));
	for (int i = 0; i < n; i++)
		assert_true(lines[i].cols <= 80);
	/* Another process, another curve: the burst rises and falls. */
	sk_view_move(&ui->view, 1);
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	trend = header_line(lines, n, "Trend");
	assert_non_null(strstr(trend, "p20[20] CLOSE_WAIT"));
	assert_non_null(strstr(trend, "+2.0/m"));
	assert_null(strstr(trend, "steadily"));
	/* No process in focus: the system's count. */
	sk_view_set_pane(&ui->view, SK_PANE_STATES);
	sk_view_build(&ui->view, &s);
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	assert_non_null(strstr(header_line(lines, n, "Trend"), "system CLOSE_WAIT"));
	sk_view_set_pane(&ui->view, SK_PANE_PROCS);
	sk_view_build(&ui->view, &s);
	sk_view_move_to(&ui->view, 3);
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	assert_non_null(strstr(header_line(lines, n, "Trend"), "p40[40] CLOSE_WAIT  no trend yet"));

	/* ASCII terminals: a # sparkline and a ! mark, nothing else. */
	ui->unicode = false;
	sk_view_move_to(&ui->view, 0);
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	trend = header_line(lines, n, "Trend");
	assert_non_null(strstr(trend, "_.:=*# 100->110 +4.0/m"));
	sk_render_layout(ui, 80, 0, 14, &f);
	sk_render_colhdr(ui, &f, &lines[0]);
	assert_non_null(strstr(lines[0].buf, "vGROW/m"));
	sk_render_row(ui, &f, 0, &lines[1]);
	assert_non_null(strstr(lines[1].buf, "+4.0!"));
	for (int i = 0; i < 2; i++)
		for (size_t b = 0; b < lines[i].len; b++)
			assert_true((unsigned char)lines[i].buf[b] < 0x80);
	/* A narrow terminal keeps the rate. */
	n = sk_render_header(ui, 60, lines, SK_HEADER_MAX);
	trend = header_line(lines, n, "Trend");
	assert_non_null(strstr(trend, "+4.0/m"));
	assert_true(sk_text_width(trend, true) <= 60);

	/* Help lists the key and explains the column. */
	bool key = false, legend = false;

	ui->mode = SK_MODE_HELP;
	for (size_t r = 0; r < sk_render_body_rows(ui); r++) {
		sk_render_row(ui, &f, r, &lines[0]);
		key |= strncmp(lines[0].buf, " G ", 3) == 0 && strstr(lines[0].buf, "growth");
		legend |= strstr(lines[0].buf, "GROW/m =") != NULL;
	}
	assert_true(key && legend);
	sk_view_free(&ui->view);
	sk_history_free(&h);
	sk_snapshot_free(&s);
	free(ui);
	free(lines);
}

/* server and cache in one pod (two cgroups, one name: one row), leaker
 * in a unit; the TIME_WAIT no fd holds belongs to the pod's cgroup. */
static void add_services(struct sk_snapshot *s)
{
	uint32_t pod = sb_service(s, SK_SERVICE_K8S, "web-7d9f8b-x2x4q/web", "web-7d9f8b-x2x4q",
				  "shop", "web", NULL);
	uint32_t pod2 = sb_service(s, SK_SERVICE_K8S, "web-7d9f8b-x2x4q/web", "web-7d9f8b-x2x4q",
				   "shop", "web", NULL);
	uint32_t unit = sb_service(s, SK_SERVICE_SYSTEMD, "leaker.service", NULL, NULL, NULL,
				   "leaker.service");

	for (size_t i = 0; i < s->procs.n; i++) {
		int32_t pid = s->procs.v[i].pid;

		s->procs.v[i].service = pid == PID_SERVER ? pod : pid == PID_CACHE ? pod2
				       : pid == PID_LEAKER ? unit : 0;
	}
	for (size_t k = 0; k < s->socks.n; k++)
		if (s->socks.v[k].state == SK_TCP_TIME_WAIT)
			sb_sock_service(s, k, pod2);
}

static void test_services_view(void **state)
{
	struct sk_snapshot s;
	struct sk_ui ui_, *ui = &ui_;
	struct sk_options o;
	struct sk_frame f;
	struct sk_line line;

	(void)state;
	tw_build(&s, 8u << 20, true);
	add_services(&s);
	tw_ui_new(ui, &o, &s);

	/* The process pane: SERVICE beside COMMAND at 80 columns. */
	sk_render_layout(ui, 80, 0, ui->view.nrows, &f);
	sk_render_colhdr(ui, &f, &line);
	assert_non_null(strstr(line.buf, "SERVICE"));
	assert_true(strstr(line.buf, "SERVICE") < strstr(line.buf, "COMMAND"));
	sk_render_row(ui, &f, 0, &line);
	assert_non_null(strstr(line.buf, "web-7d9f8b"));

	/* v: one row per name, the leakiest first, totals summed. */
	assert_true(sk_keys_handle(ui, 'v') & SK_H_REBUILD);
	assert_int_equal(sk_view_top(&ui->view)->kind, SK_VK_SERVICES);
	assert_int_equal(sk_view_build(&ui->view, &s), 0);
	assert_int_equal(ui->view.nrows, 2);
	const struct sk_vservice *r = &ui->view.services.v[0];

	assert_string_equal(sk_strtab_get(&s.strs, s.services.v[r->service - 1].name),
			    "web-7d9f8b-x2x4q/web");
	assert_int_equal(r->nprocs, 2);
	assert_int_equal(r->agg.tcp_states[SK_TCP_CLOSE_WAIT], 4);
	assert_int_equal(r->agg.sockets, 7 + 1 + 1); /* server's, cache's, the TIME_WAIT */
	assert_int_equal(r->fdless, 1);
	assert_int_equal(r->agg.orphans, 3);
	assert_int_equal(ui->view.services.v[1].agg.closed[SK_SN_TCP], 4);
	sk_render_layout(ui, 80, 0, ui->view.nrows, &f);
	sk_render_row(ui, &f, 0, &line);
	assert_non_null(strstr(line.buf, "web-7d9f8b-x2x4q/web"));
	assert_non_null(strstr(line.buf, "k8s"));

	/* Enter: that service's processes; Esc back to the services. */
	sk_view_move_to(&ui->view, 0);
	assert_true(sk_view_enter(&ui->view, &s));
	assert_int_equal(sk_view_build(&ui->view, &s), 0);
	assert_int_equal(ui->view.nrows, 2);
	assert_int_equal(tw_row_pid(&ui->view, &s, 0), PID_SERVER);
	assert_int_equal(tw_row_pid(&ui->view, &s, 1), PID_CACHE);
	assert_true(sk_view_back(&ui->view));
	assert_int_equal(sk_view_build(&ui->view, &s), 0);
	assert_int_equal(ui->view.nrows, 2);

	/* The filter matches service names, here and on the process list. */
	sk_view_set_filter(&ui->view, "LEAKER.serv");
	assert_int_equal(sk_view_build(&ui->view, &s), 0);
	assert_int_equal(ui->view.nrows, 1);
	assert_true(sk_keys_handle(ui, 'v') & SK_H_REBUILD);
	sk_view_set_filter(&ui->view, "shop/web");
	assert_int_equal(sk_view_build(&ui->view, &s), 0);
	assert_int_equal(ui->view.nrows, 2);
	sk_view_free(&ui->view);

	/* --service restricts the view as -p does. */
	struct sk_view v;
	struct sk_view_config cfg = {.service = "leaker", .user_name = tw_user};

	sk_view_init(&v, &cfg, SK_SORT_CLOSE_WAIT, false);
	assert_int_equal(sk_view_build(&v, &s), 0);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_LEAKER);
	sk_view_free(&v);
	/* All sockets: the pod's, and the TIME_WAIT only its cgroup names. */
	cfg.service = "shop/web";
	sk_view_init(&v, &cfg, SK_SORT_CLOSE_WAIT, false);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	assert_int_equal(sk_view_build(&v, &s), 0);
	bool tw = false;

	for (size_t i = 0; i < v.socks.n; i++) {
		const struct sk_vsock *vs = &v.socks.v[i];

		if (vs->proc == SK_NONE || !vs->likely)
			assert_true(vs->proc == SK_NONE ? s.socks.v[vs->sock].state == SK_TCP_TIME_WAIT
							: s.procs.v[vs->proc].pid != PID_LEAKER);
		tw |= s.socks.v[vs->sock].state == SK_TCP_TIME_WAIT;
	}
	assert_true(tw);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

/* NETNS names a namespace by its ip netns name, else by its inode. */
static void test_netns_label(void **state)
{
	struct sk_snapshot s;
	char buf[64];
	int rc = 0;

	(void)state;
	tw_build(&s, 0, false);
	sk_view_netns_label(&s, NS_A, buf, sizeof(buf));
	assert_string_equal(buf, "4026531840");
	s.netns.v[0].name = sk_strtab_add(&s.strs, "blue", 4, &rc);
	sk_view_netns_label(&s, NS_A, buf, sizeof(buf));
	assert_string_equal(buf, "blue");
	sk_snapshot_free(&s);
}

/* wcwidth needs a UTF-8 locale; C.UTF-8 is always there on glibc. */
SK_SUITE_MAIN_PREPARE(setlocale(LC_CTYPE, "C.UTF-8"), NULL, NULL,
	cmocka_unit_test(test_destroy_key),
	cmocka_unit_test(test_render_80x24),
	cmocka_unit_test(test_render_hostile_names),
	TW_TEST(test_detail_wraps),
	cmocka_unit_test(test_counters),
	cmocka_unit_test(test_keys),
	cmocka_unit_test(test_snapshot_key),
	cmocka_unit_test(test_snapshot_key_race),
	cmocka_unit_test(test_growth_units),
	cmocka_unit_test(test_growth_sort),
	cmocka_unit_test(test_growth_render),
	cmocka_unit_test(test_services_view),
	cmocka_unit_test(test_netns_label),
	cmocka_unit_test(test_meter_time_to_limit))
