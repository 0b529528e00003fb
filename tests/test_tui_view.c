/* The TUI's view models against hand-built snapshots (the world in
 * tuiworld.c): sorting (the socket sort against a plain comparator, on a
 * snapshot made to tie), the cursor staying on the same process or socket
 * across refreshes and re-sorts, filtering, grouping by peer and local
 * port, orphans and states, human units and width-aware clipping. */
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

/* --- units and text ------------------------------------------------------------------ */

static void test_units(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(sk_tui_fmt_count(812, 5, b, sizeof(b)), "812");
	assert_string_equal(sk_tui_fmt_count(12345, 5, b, sizeof(b)), "12345");
	assert_string_equal(sk_tui_fmt_count(123456, 5, b, sizeof(b)), "123k");
	assert_string_equal(sk_tui_fmt_count(1234567, 5, b, sizeof(b)), "1235k");
	assert_string_equal(sk_tui_fmt_count(12345678, 5, b, sizeof(b)), "12M");
	assert_string_equal(sk_tui_fmt_count(1500000, 4, b, sizeof(b)), "1.5M");
	assert_true(strlen(sk_tui_fmt_count(UINT64_MAX, 5, b, sizeof(b))) <= 5);
	assert_string_equal(sk_tui_fmt_ms(0, b, sizeof(b)), "0ms");
	assert_string_equal(sk_tui_fmt_ms(850, b, sizeof(b)), "850ms");
	assert_string_equal(sk_tui_fmt_ms(1200, b, sizeof(b)), "1.2s");
	assert_string_equal(sk_tui_fmt_ms(45000, b, sizeof(b)), "45s");
	assert_string_equal(sk_tui_fmt_ms(750000, b, sizeof(b)), "12m30s");
	assert_string_equal(sk_tui_fmt_ms(7500000, b, sizeof(b)), "2h05m");
	assert_string_equal(sk_tui_fmt_ms(3ULL * 86400000 + 4 * 3600000, b, sizeof(b)), "3d04h");
	/* Bytes come from the engine's formatter: batch and screen agree. */
	assert_string_equal(sk_format_bytes(8u << 20, b, sizeof(b)), "8.0M");
	assert_string_equal(sk_format_bytes(0, b, sizeof(b)), "0");
	assert_int_equal(sk_tui_percent(50, 200), 25);
	assert_int_equal(sk_tui_percent(SK_UNKNOWN, 200), -1);
	assert_int_equal(sk_tui_percent(5, 0), -1);
	assert_int_equal(sk_tui_percent(4032, INT64_MAX), 0);
	assert_int_equal(sk_tui_percent(INT64_MAX, 1), 999);
}

static void test_line_sanitises(void **state)
{
	struct sk_line l;

	(void)state;
	sk_line_init(&l, 40, false);
	sk_line_add(&l, 0, "a\x1b[31mb\nc\x7f\xff\xc3\xa9");
	/* ESC, newline, DEL and the invalid byte become '?'; é survives. */
	assert_string_equal(l.buf, "a?[31mb?c??\xc3\xa9");
	assert_int_equal(l.cols, 12);
	/* C1 controls and bidi overrides, valid UTF-8 but dangerous. */
	sk_line_init(&l, 40, false);
	sk_line_add(&l, 0, "x\xc2\x9by\xe2\x80\xaez");
	assert_string_equal(l.buf, "x?y?z");
	/* ASCII terminals get no UTF-8 at all. */
	sk_line_init(&l, 40, true);
	sk_line_add(&l, 0, "caf\xc3\xa9 \xe4\xb8\xad");
	assert_string_equal(l.buf, "caf? ?");
	for (size_t i = 0; i < l.len; i++)
		assert_true((unsigned char)l.buf[i] >= 0x20 && (unsigned char)l.buf[i] < 0x7f);
}

static void test_line_widths(void **state)
{
	struct sk_line l;

	(void)state;
	/* Wide characters count two columns and never straddle the edge. */
	sk_line_init(&l, 5, false);
	sk_line_add(&l, 0, "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97"); /* 3 CJK = 6 cols */
	assert_int_equal(l.cols, 4);
	assert_string_equal(l.buf, "\xe4\xb8\xad\xe6\x96\x87");
	assert_int_equal(sk_text_width("\xe4\xb8\xad" "ab", false), 4);
	/* Fields: right-aligned numbers, clipped text with a marker. */
	sk_line_init(&l, 80, true);
	sk_line_field(&l, 0, "42", 5, SK_ALIGN_RIGHT);
	sk_line_field(&l, 0, "a-long-command", 6, SK_ALIGN_LEFT);
	assert_string_equal(l.buf, "   42a-lon~");
	sk_line_init(&l, 80, false);
	sk_line_field(&l, 0, "abcdefgh", 4, SK_ALIGN_LEFT);
	assert_string_equal(l.buf, "abc\xe2\x80\xa6");
	assert_int_equal(l.cols, 4);
	/* The line never passes its width, whatever is added. */
	sk_line_init(&l, 10, true);
	sk_line_add(&l, 0, "0123456789abcdef");
	sk_line_pad_to(&l, 0, 50);
	assert_int_equal(l.cols, 10);
	assert_int_equal(strlen(l.buf), 10);
	/* Wrapping prefix: byte count of what fits. */
	assert_int_equal(sk_text_prefix("abc def", 5), 5);
	assert_int_equal(sk_text_prefix("\xe4\xb8\xad\xe6\x96\x87", 3), 3);
}

static void test_columns_layout(void **state)
{
	struct sk_colpos pos[SK_PCOL_LAST];
	size_t n;
	int sortcol = SK_PCOL_CLOSE_WAIT;

	(void)state;
	/* 80 columns: the leak columns, GROW/m, SERVICE and COMMAND stay, the
	 * busy ones go (RMEM too, for the service), NETNS first. */
	n = sk_columns_layout(sk_pcols, SK_PCOL_LAST, NULL, sortcol, 80, NULL, pos);
	bool shown[SK_PCOL_LAST] = {false};

	for (size_t i = 0; i < n; i++) {
		shown[pos[i].col] = true;
		assert_true(pos[i].x + pos[i].w <= 80);
	}
	assert_true(shown[SK_PCOL_PID] && shown[SK_PCOL_CLOSE_WAIT] && shown[SK_PCOL_CLOSED] &&
		    shown[SK_PCOL_ORPHANS] && shown[SK_PCOL_GROWTH] && shown[SK_PCOL_SERVICE] &&
		    shown[SK_PCOL_COMMAND]);
	assert_int_equal(pos[n - 2].col, SK_PCOL_SERVICE); /* ahead of COMMAND */
	assert_false(shown[SK_PCOL_WMEM]);
	assert_false(shown[SK_PCOL_NETNS]);
	assert_int_equal(pos[n - 1].col, SK_PCOL_COMMAND);
	assert_int_equal(pos[n - 1].x + pos[n - 1].w, 80); /* COMMAND gets the rest */
	assert_true(pos[n - 1].w >= 12);
	/* The sort column is never the one dropped. */
	n = sk_columns_layout(sk_pcols, SK_PCOL_LAST, NULL, SK_PCOL_WMEM, 80, NULL, pos);
	memset(shown, 0, sizeof(shown));
	for (size_t i = 0; i < n; i++)
		shown[pos[i].col] = true;
	assert_true(shown[SK_PCOL_WMEM]);
	/* 250 columns: everything. */
	n = sk_columns_layout(sk_pcols, SK_PCOL_LAST, NULL, sortcol, 250, NULL, pos);
	assert_int_equal(n, SK_PCOL_LAST);
	assert_int_equal(pos[n - 1].x + pos[n - 1].w, 250);
	/* Flexible address columns grow to what rows want, no further. */
	int want[SK_SCOL_LAST] = {0};
	struct sk_colpos sp[SK_SCOL_LAST];

	want[SK_SCOL_LOCAL] = 21;
	want[SK_SCOL_PEER] = 19;
	n = sk_columns_layout(sk_scols, SK_SCOL_LAST, NULL, SK_SCOL_STATE, 250, want, sp);
	for (size_t i = 0; i < n; i++) {
		if (sp[i].col == SK_SCOL_LOCAL)
			assert_int_equal(sp[i].w, 21);
		if (sp[i].col == SK_SCOL_PEER)
			assert_int_equal(sp[i].w, 19);
	}
}

/* --- processes ------------------------------------------------------------------------ */

static void test_proc_sorting(void **state)
{
	struct sk_snapshot s;
	struct sk_view v;

	(void)state;
	tw_build(&s, 8u << 20, true);
	tw_view_new(&v);
	assert_int_equal(sk_view_build(&v, &s), 0);
	/* Processes without sockets are not rows. */
	assert_int_equal(v.nrows, 3);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_SERVER); /* 4 CLOSE_WAIT */

	sk_view_set_sort(&v, SK_SORT_CLOSED);
	sk_view_build(&v, &s);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_LEAKER);

	sk_view_set_sort(&v, SK_SORT_RMEM);
	sk_view_build(&v, &s);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_CACHE);
	assert_false(sk_view_sortstate(&v)->invert);
	/* I inverts; picking the column again (the r key twice) puts it back
	 * biggest first rather than flipping it away. */
	sk_view_invert(&v);
	sk_view_build(&v, &s);
	assert_true(sk_view_sortstate(&v)->invert);
	assert_int_equal(tw_row_pid(&v, &s, 2), PID_CACHE);
	sk_view_set_sort(&v, SK_SORT_RMEM);
	sk_view_build(&v, &s);
	assert_false(sk_view_sortstate(&v)->invert);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_CACHE);

	/* The same comparator as batch mode: ties by ascending pid. */
	sk_view_set_sort(&v, SK_SORT_ORPHANS);
	sk_view_build(&v, &s);
	assert_int_equal(tw_row_pid(&v, &s, 0), PID_SERVER);
	assert_int_equal(tw_row_pid(&v, &s, 1), PID_CACHE);
	assert_int_equal(tw_row_pid(&v, &s, 2), PID_LEAKER);

	/* < and > walk the sortable columns. */
	sk_view_set_sort(&v, SK_SORT_PID);
	sk_view_cycle_sort(&v, 1);
	assert_int_equal(sk_view_sortstate(&v)->col, SK_SORT_FDS);
	sk_view_cycle_sort(&v, -1);
	sk_view_cycle_sort(&v, -1);
	assert_int_equal(sk_view_sortstate(&v)->col, SK_SORT_SERVICE);
	sk_view_cycle_sort(&v, -1);
	assert_int_equal(sk_view_sortstate(&v)->col, SK_SORT_WMEM);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

static void test_cursor_follows_pid(void **state)
{
	struct sk_snapshot s1, s2, s3;
	struct sk_view v;

	(void)state;
	tw_build(&s1, 100, true);
	tw_view_new(&v);
	sk_view_set_sort(&v, SK_SORT_RMEM);
	sk_view_build(&v, &s1);
	/* rmem: server 4096 > cache 100 > leaker 0. Put the cursor on cache. */
	assert_int_equal(tw_row_pid(&v, &s1, 1), PID_CACHE);
	sk_view_move(&v, 1);
	assert_int_equal(tw_cursor_pid(&v, &s1), PID_CACHE);

	/* A refresh where cache's rmem grew: it moves to the top, the cursor
	 * goes with it. */
	tw_build(&s2, 8u << 20, true);
	sk_view_build(&v, &s2);
	assert_int_equal(tw_row_pid(&v, &s2, 0), PID_CACHE);
	assert_int_equal(tw_cursor_pid(&v, &s2), PID_CACHE);

	/* A re-sort keeps it on cache too. */
	sk_view_set_sort(&v, SK_SORT_PID);
	sk_view_build(&v, &s2);
	assert_int_equal(tw_cursor_pid(&v, &s2), PID_CACHE);
	assert_int_equal(sk_view_top(&v)->cursor, 1);

	/* The leaker below vanishes: the cursor stays on cache. Then cache
	 * vanishes: the cursor stays at the same height, clamped. */
	tw_build(&s3, 8u << 20, false);
	sk_view_move(&v, 1);
	assert_int_equal(tw_cursor_pid(&v, &s2), PID_LEAKER);
	sk_view_build(&v, &s3);
	assert_int_equal(v.nrows, 2);
	assert_int_equal(sk_view_top(&v)->cursor, 1);
	assert_int_equal(tw_cursor_pid(&v, &s3), PID_CACHE);

	/* A pid reused by a new process is not the same row. */
	sk_view_move_to(&v, 0);
	assert_int_equal(tw_cursor_pid(&v, &s3), PID_SERVER);
	s3.procs.v[0].starttime += 99;
	sk_view_build(&v, &s3);
	assert_int_equal(sk_view_top(&v)->cursor, 0);

	/* Scrolling keeps the cursor visible without jumping. */
	struct sk_level *l = sk_view_top(&v);

	l->cursor = 1;
	l->top = 0;
	sk_view_scroll(&v, 1);
	assert_int_equal(l->top, 1);
	sk_view_free(&v);
	sk_snapshot_free(&s1);
	sk_snapshot_free(&s2);
	sk_snapshot_free(&s3);
}

/* The process list under a filter: how many rows, how many hidden, whose
 * is first (-1, 0: not checked). */
static const struct filter_case {
	const char *filter;
	int rows, hidden;
	int32_t first;
} proc_filters[] = {
	{"10.0.3.7", 1, 2, PID_SERVER}, /* by address: only the process holding a socket to it */
	{":6379", 1, -1, PID_CACHE},    /* by port */
	{"LEAK", 1, -1, PID_LEAKER},    /* by command, case-insensitive */
	{"300", -1, -1, PID_LEAKER},    /* by pid */
	{"alice", 1, -1, PID_SERVER},   /* by user */
	{"no-such-thing", 0, -1, 0},
	{"", 3, -1, 0},
};

static void test_filter(void **state)
{
	struct tw_fx *f = *state;

	for (size_t i = 0; i < sizeof(proc_filters) / sizeof(proc_filters[0]); i++) {
		const struct filter_case *c = &proc_filters[i];

		sk_view_set_filter(&f->v, c->filter);
		sk_view_build(&f->v, &f->s);
		if (c->rows >= 0)
			assert_int_equal(f->v.nrows, c->rows);
		if (c->hidden >= 0)
			assert_int_equal(f->v.hidden, c->hidden);
		if (c->first)
			assert_int_equal(tw_row_pid(&f->v, &f->s, 0), c->first);
	}

	/* In a socket list, by state name and by peer. */
	sk_view_set_pane(&f->v, SK_PANE_SOCKS);
	sk_view_set_filter(&f->v, "close_wait");
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 4);
	sk_view_free(&f->v);

	/* -p and -u restrict every list. */
	int32_t pids[] = {PID_CACHE};
	struct sk_view_config cfg = {.pids = pids, .npids = 1, .user_name = tw_user};

	sk_view_init(&f->v, &cfg, SK_SORT_CLOSE_WAIT, false);
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 1);
	assert_int_equal(tw_row_pid(&f->v, &f->s, 0), PID_CACHE);
	sk_view_set_pane(&f->v, SK_PANE_SOCKS);
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 1);
	sk_view_free(&f->v);
	cfg = (struct sk_view_config){.have_uid = true, .uid = 1000, .user_name = tw_user};
	sk_view_init(&f->v, &cfg, SK_SORT_CLOSE_WAIT, false);
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 1);
	assert_int_equal(tw_row_pid(&f->v, &f->s, 0), PID_SERVER);
}

/* --- sockets, groups, detail --------------------------------------------------------------- */

static void test_proc_sockets_and_groups(void **state)
{
	struct tw_fx *f = *state;

	sk_view_build(&f->v, &f->s);
	assert_int_equal(tw_cursor_pid(&f->v, &f->s), PID_SERVER);
	assert_true(sk_view_enter(&f->v, &f->s));
	sk_view_build(&f->v, &f->s);
	/* 7 fds (one dup folded) + 3 orphans it likely owns. */
	assert_int_equal(f->v.nrows, 10);
	/* Sorted by state, troubled first: the CLOSE_WAITs lead. */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(f->v.socks.v[i].dstate, SK_TCP_CLOSE_WAIT);
	/* The dup'ed CLOSE_WAIT socket shows its lowest fd and knows of 2. */
	bool dup_seen = false;

	for (size_t i = 0; i < f->v.nrows; i++)
		if (f->s.socks.v[f->v.socks.v[i].sock].inode == 11) {
			assert_int_equal(f->v.socks.v[i].fd, 4);
			assert_int_equal(f->v.socks.v[i].nfds, 2);
			dup_seen = true;
		}
	assert_true(dup_seen);

	/* Group by peer: "CLOSE_WAIT x 3 from 10.0.3.7" on top. */
	assert_true(sk_view_cycle_group(&f->v));
	sk_view_build(&f->v, &f->s);
	assert_true(f->v.grouped);
	const struct sk_vgroup *g = &f->v.groups.v[0];
	char label[64];

	assert_int_equal(g->count, 3);
	assert_int_equal(g->key.dstate, SK_TCP_CLOSE_WAIT);
	sk_view_gkey_label(&g->key, label, sizeof(label));
	assert_string_equal(label, "10.0.3.7");
	assert_int_equal(g->nprocs, 1);
	/* Enter opens the group's members. */
	assert_true(sk_view_enter(&f->v, &f->s));
	sk_view_build(&f->v, &f->s);
	assert_false(f->v.grouped);
	assert_int_equal(f->v.nrows, 3);
	/* Enter on a member: the detail view says what CLOSE_WAIT means. */
	assert_true(sk_view_enter(&f->v, &f->s));
	sk_view_build(&f->v, &f->s);
	bool explains = false, owner = false;

	for (size_t i = 0; i < f->v.lines.n; i++) {
		if (strstr(f->v.lines.v[i].text, "not called close()"))
			explains = true;
		if (strstr(f->v.lines.v[i].text, "server[100] fd"))
			owner = true;
	}
	assert_true(explains);
	assert_true(owner);
	/* Back up three levels. */
	assert_true(sk_view_back(&f->v));
	assert_true(sk_view_back(&f->v));
	sk_view_build(&f->v, &f->s);
	assert_true(f->v.grouped);
	/* Group by local port: everything of the server is on 8080. */
	assert_true(sk_view_cycle_group(&f->v));
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.groups.v[0].key.mode, SK_GROUP_LPORT);
	sk_view_gkey_label(&f->v.groups.v[0].key, label, sizeof(label));
	assert_string_equal(label, "port 8080");
	assert_true(sk_view_cycle_group(&f->v));
	sk_view_build(&f->v, &f->s);
	assert_false(f->v.grouped);
	assert_true(sk_view_back(&f->v));
	assert_false(sk_view_back(&f->v));
}

static void test_closed_fds_are_rows(void **state)
{
	struct tw_fx *f = *state;

	sk_view_set_sort(&f->v, SK_SORT_CLOSED);
	sk_view_build(&f->v, &f->s);
	assert_int_equal(tw_cursor_pid(&f->v, &f->s), PID_LEAKER);
	sk_view_enter(&f->v, &f->s);
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 5);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(f->v.socks.v[i].dstate, SK_DS_CLOSED);
		assert_int_equal(f->v.socks.v[i].fd, 101 + (int)i); /* their fd numbers */
	}
	/* Sorted by fd number instead. */
	sk_view_set_sort(&f->v, SK_SCOL_FD);
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.socks.v[0].fd, 7);
}

static void test_socket_cursor_follows_inode(void **state)
{
	struct sk_snapshot s1, s2;
	struct sk_view v;

	(void)state;
	tw_build(&s1, 100, true);
	tw_view_new(&v);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_set_sort(&v, SK_SCOL_RMEM);
	sk_view_build(&v, &s1);
	/* server's ESTAB with 4096 first, cache's with 100 second. */
	sk_view_move(&v, 1);
	const struct sk_socket *k = &s1.socks.v[v.socks.v[sk_view_top(&v)->cursor].sock];

	assert_int_equal(k->inode, 20);
	tw_build(&s2, 8u << 20, true);
	sk_view_build(&v, &s2);
	k = &s2.socks.v[v.socks.v[sk_view_top(&v)->cursor].sock];
	assert_int_equal(k->inode, 20);
	assert_int_equal(sk_view_top(&v)->cursor, 0);
	sk_view_free(&v);
	sk_snapshot_free(&s1);
	sk_snapshot_free(&s2);
}

/* --- the list of every socket, kept across builds ----------------------------------------- */

/* v shows the rows a view that keeps nothing builds on s with v's sort
 * and filter, in the same order. */
static void assert_rows_fresh(const struct sk_view *v, const struct sk_snapshot *s)
{
	struct sk_view ref;

	tw_view_new(&ref);
	sk_view_set_pane(&ref, SK_PANE_SOCKS);
	ref.sort[SK_VK_SOCKS] = v->sort[SK_VK_SOCKS];
	sk_view_set_filter(&ref, v->filter);
	assert_int_equal(sk_view_build(&ref, s), 0);
	assert_int_equal(ref.sockcache.gen, 0);
	assert_int_equal(v->nrows, ref.nrows);
	assert_int_equal(v->socks.n, ref.socks.n);
	assert_int_equal(v->keys.n, ref.keys.n);
	for (size_t i = 0; i < ref.socks.n; i++) {
		assert_int_equal(v->socks.v[i].sock, ref.socks.v[i].sock);
		assert_int_equal(v->socks.v[i].proc, ref.socks.v[i].proc);
		assert_int_equal(v->socks.v[i].fd, ref.socks.v[i].fd);
		assert_int_equal(v->keys.v[i].a, ref.keys.v[i].a);
		assert_int_equal(v->keys.v[i].b, ref.keys.v[i].b);
	}
	sk_view_free(&ref);
}

static void build_ok(struct sk_view *v, const struct sk_snapshot *s)
{
	assert_int_equal(sk_view_build(v, s), 0);
}

/* A pane switch, Esc from a socket's detail and a resize show the list
 * already built; a new snapshot, another sort column or direction and a
 * filter build it again. */
static void test_socket_list_kept(void **state)
{
	struct sk_snapshot s;
	struct sk_view v;
	const struct sk_vsock *list;

	(void)state;
	tw_build(&s, 100, true);
	tw_view_new(&v);
	sk_view_snapshot_changed(&v);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_set_sort(&v, SK_SCOL_RMEM);
	build_ok(&v, &s);
	assert_rows_fresh(&v, &s);
	list = v.socks.v;

	sk_view_set_pane(&v, SK_PANE_PROCS);
	build_ok(&v, &s);
	assert_int_equal(tw_cursor_pid(&v, &s), PID_SERVER);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	build_ok(&v, &s);
	assert_ptr_equal(v.socks.v, list);
	assert_rows_fresh(&v, &s);
	assert_int_equal(sk_view_top(&v)->cursor, 0);

	sk_view_move(&v, 2);
	assert_true(sk_view_enter(&v, &s));
	build_ok(&v, &s);
	assert_int_equal(sk_view_top(&v)->kind, SK_VK_DETAIL);
	assert_true(sk_view_back(&v));
	build_ok(&v, &s);
	assert_ptr_equal(v.socks.v, list);
	assert_int_equal(sk_view_top(&v)->cursor, 2);
	v.width = 132;
	build_ok(&v, &s);
	assert_ptr_equal(v.socks.v, list);
	assert_rows_fresh(&v, &s);

	sk_view_set_sort(&v, SK_SCOL_PEER);
	build_ok(&v, &s);
	assert_rows_fresh(&v, &s);
	sk_view_invert(&v);
	build_ok(&v, &s);
	assert_rows_fresh(&v, &s);
	sk_view_set_filter(&v, "CLOSE_WAIT");
	build_ok(&v, &s);
	assert_int_equal(v.nrows, 4);
	assert_rows_fresh(&v, &s);
	/* The filter gone, the list of the column and direction kept. */
	list = v.sockcache.socks.v;
	sk_view_set_filter(&v, "");
	build_ok(&v, &s);
	assert_ptr_equal(v.socks.v, list);
	assert_rows_fresh(&v, &s);

	/* Another snapshot in the same struct, with the same seq: the view
	 * is told, and shows what it holds now (the cache's socket first). */
	sk_view_set_sort(&v, SK_SCOL_RMEM);
	build_ok(&v, &s);
	assert_int_not_equal(s.socks.v[v.socks.v[0].sock].inode, 20);
	sk_snapshot_free(&s);
	tw_build(&s, 8u << 20, true);
	sk_view_snapshot_changed(&v);
	build_ok(&v, &s);
	assert_rows_fresh(&v, &s);
	assert_int_equal(s.socks.v[v.socks.v[0].sock].inode, 20);
	/* And a refresh that failed: no rows, then the next one's. */
	sk_view_snapshot_changed(&v);
	build_ok(&v, NULL);
	assert_int_equal(v.nrows, 0);
	sk_view_snapshot_changed(&v);
	build_ok(&v, &s);
	assert_rows_fresh(&v, &s);
	sk_view_free(&v);

	/* A view never told which snapshot it sees keeps nothing. */
	tw_view_new(&v);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	build_ok(&v, &s);
	assert_int_equal(v.sockcache.gen, 0);
	assert_false(v.sockcache.lent);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

/* The list built by another view (the refresh thread's) on the snapshot
 * shown, in the order shown, is shown without a build; any other is not. */
static void test_socket_list_handed_over(void **state)
{
	struct sk_snapshot s, other;
	struct sk_view v, from;
	const struct sk_vsock *list;

	(void)state;
	tw_build(&s, 100, true);
	tw_build(&other, 8u << 20, true);
	tw_view_new(&v);
	tw_view_new(&from);
	sk_view_set_pane(&from, SK_PANE_SOCKS);
	sk_view_set_sort(&from, SK_SCOL_RMEM);

	/* Not told of s: the list would be taken for s blindly. */
	sk_view_snapshot_changed(&from);
	build_ok(&from, &s);
	list = from.socks.v;
	assert_false(sk_view_take_socks(&v, &from, &s));
	/* Built on another snapshot. */
	sk_view_snapshot_changed(&v);
	assert_false(sk_view_take_socks(&v, &from, &other));

	assert_true(sk_view_take_socks(&v, &from, &s));
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_set_sort(&v, SK_SCOL_RMEM);
	build_ok(&v, &s);
	assert_ptr_equal(v.socks.v, list);
	assert_rows_fresh(&v, &s);
	/* Taken once: from has no list left to give. */
	assert_false(sk_view_take_socks(&v, &from, &s));

	/* Handed over in another order than v shows: v builds its own. */
	sk_view_snapshot_changed(&from);
	build_ok(&from, &other);
	sk_view_snapshot_changed(&v);
	assert_true(sk_view_take_socks(&v, &from, &other));
	sk_view_invert(&v);
	build_ok(&v, &other);
	assert_rows_fresh(&v, &other);
	/* The buffers v gave back make from's next list. */
	sk_view_snapshot_changed(&from);
	build_ok(&from, &s);
	assert_rows_fresh(&from, &s);

	/* A refresh that arrives while v shows the list. */
	sk_view_snapshot_changed(&from);
	build_ok(&from, &other);
	sk_view_invert(&from);
	sk_view_snapshot_changed(&from);
	build_ok(&from, &other);
	sk_view_snapshot_changed(&v);
	assert_non_null(v.sortkeys.v);
	assert_true(sk_view_take_socks(&v, &from, &other));
	/* v's sort scratch freed: from sorts for it. */
	assert_null(v.sortkeys.v);
	build_ok(&v, &other);
	assert_true(v.sockcache.lent);
	assert_rows_fresh(&v, &other);

	sk_view_free(&v);
	sk_view_free(&from);
	sk_snapshot_free(&s);
	sk_snapshot_free(&other);
}

/* --- the socket sort against its definition -------------------------------------------- */

/* The order of socket rows as the view defines it, written the plain way:
 * the column in its direction, then the peer, the local endpoint, inode,
 * cookie and socket index, ascending. vsort.c sorts by a byte-string key
 * with a radix sort instead; this is what it must agree with. */
static int ref_endpoint(const struct sk_socket *a, const struct sk_socket *b, bool peer)
{
	const struct sk_endpoint *ea = peer ? &a->peer : &a->local;
	const struct sk_endpoint *eb = peer ? &b->peer : &b->local;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int c = memcmp(ea->addr, eb->addr, sizeof(ea->addr));

	if (c)
		return c < 0 ? -1 : 1;
	return ea->port < eb->port ? -1 : ea->port > eb->port;
}

static int ref_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int ref_cmp(const struct sk_snapshot *s, int col, bool descending, const struct sk_vsock *ra,
		   const struct sk_vsock *rb)
{
	const struct sk_socket *a = &s->socks.v[ra->sock], *b = &s->socks.v[rb->sock];
	int r = 0;

	switch (col) {
	case SK_SCOL_PROTO: r = strcmp(sk_view_proto(a), sk_view_proto(b)); break;
	case SK_SCOL_STATE: r = sk_dstate_badness(ra->dstate) - sk_dstate_badness(rb->dstate); break;
	case SK_SCOL_FD: r = ra->fd < rb->fd ? -1 : ra->fd > rb->fd; break;
	case SK_SCOL_LOCAL: r = ref_endpoint(a, b, false); break;
	case SK_SCOL_PEER: r = ref_endpoint(a, b, true); break;
	case SK_SCOL_RECVQ: r = ref_u64(a->recv_q, b->recv_q); break;
	case SK_SCOL_SENDQ: r = ref_u64(a->send_q, b->send_q); break;
	case SK_SCOL_RMEM: r = ref_u64(a->mem.rmem_alloc, b->mem.rmem_alloc); break;
	case SK_SCOL_WMEM: r = ref_u64(a->mem.wmem_queued, b->mem.wmem_queued); break;
	case SK_SCOL_TIMER:
		r = ref_u64(a->timer == SK_TIMER_OFF ? 0 : a->timer_ms,
			    b->timer == SK_TIMER_OFF ? 0 : b->timer_ms);
		break;
	case SK_SCOL_USER: r = ref_u64(a->uid, b->uid); break;
	case SK_SCOL_INODE: r = ref_u64(a->inode, b->inode); break;
	case SK_SCOL_PID:
	case SK_SCOL_COMMAND: {
		int32_t pa = ra->proc == SK_NONE ? 0 : s->procs.v[ra->proc].pid;
		int32_t pb = rb->proc == SK_NONE ? 0 : s->procs.v[rb->proc].pid;

		if (col == SK_SCOL_COMMAND && ra->proc != SK_NONE && rb->proc != SK_NONE)
			r = strcmp(s->procs.v[ra->proc].comm, s->procs.v[rb->proc].comm);
		if (r == 0)
			r = pa < pb ? -1 : pa > pb;
		break;
	}
	default: break;
	}
	if (descending)
		r = -r;
	if (r)
		return r;
	r = ref_endpoint(a, b, true);
	if (r == 0)
		r = ref_endpoint(a, b, false);
	if (r == 0)
		r = ref_u64(a->inode, b->inode);
	if (r == 0)
		r = ref_u64(a->cookie, b->cookie);
	if (r == 0)
		r = ref_u64(ra->sock, rb->sock);
	return r;
}

static uint64_t mix_state = 0x2545f4914f6cdd1dULL;

static uint32_t mix_below(uint32_t n)
{
	mix_state ^= mix_state << 13;
	mix_state ^= mix_state >> 7;
	mix_state ^= mix_state << 17;
	return (uint32_t)(mix_state % n);
}

/* A snapshot made to tie: few peers, ports, queue sizes and cookies, so
 * that rows agree on the column and go deep into the tie-breakers; IPv4,
 * IPv6, UDP and unix rows; fd-less TIME_WAIT and orphans; closed fds no
 * dump reported; shared and dup'ed fds; processes with the same name.
 * `nlocal` distinct local addresses; `tail`: one IPv4 address with bytes
 * past its fourth (which no kernel sends). */
static void build_mixed(struct sk_snapshot *s, size_t nsocks, uint32_t nlocal, bool tail)
{
	static const char *const comms[] = {"b", "a", "b", "c", "a", "b"};
	enum { NPROC = 6 };
	struct sk_error err = {0};
	uint32_t owner[NPROC + 1][1200];
	size_t nowned[NPROC] = {0};

	sk_snapshot_init(s);
	sb_netns(s, NS_A, ALL_INET);
	for (size_t i = 0; i < nsocks; i++) {
		uint32_t kind = mix_below(100), st;
		uint8_t family = kind < 65 ? AF_INET : kind < 85 ? AF_INET6 : AF_INET;
		uint8_t proto = kind >= 90 ? SK_PROTO_UDP : SK_PROTO_TCP;
		bool fdless = false;

		static const uint8_t states[] = {SK_TCP_ESTABLISHED, SK_TCP_ESTABLISHED, SK_TCP_CLOSE_WAIT,
						 SK_TCP_LISTEN, SK_TCP_SYN_SENT, SK_TCP_CLOSE,
						 SK_TCP_TIME_WAIT, SK_TCP_FIN_WAIT1};
		st = states[mix_below(sizeof(states))];
		if (proto == SK_PROTO_UDP)
			st = mix_below(2) ? SK_TCP_CLOSE : SK_TCP_ESTABLISHED;
		fdless = proto == SK_PROTO_TCP && (st == SK_TCP_TIME_WAIT || st == SK_TCP_FIN_WAIT1);
		struct sk_socket *k = sb_sock(s, proto, family, (uint8_t)st, fdless ? 0 : 5000 + i,
					      family == AF_INET6 ? "::" : "0.0.0.0",
					      (uint16_t)(8000 + mix_below(3)), NS_A);

		if (kind >= 85 && kind < 90) { /* unix: no addresses at all */
			k->proto = SK_PROTO_UNIX;
			k->family = AF_UNIX;
			k->sock_type = (uint8_t)(1 + mix_below(5));
			k->local.port = 0;
		} else {
			uint32_t l = mix_below(nlocal);

			k->local.addr[0] = family == AF_INET6 ? 0xfd : 10;
			k->local.addr[1] = (uint8_t)(l >> 16);
			k->local.addr[2] = (uint8_t)(l >> 8);
			k->local.addr[3] = (uint8_t)l;
			if (mix_below(4)) {
				k->peer.addr[0] = family == AF_INET6 ? 0x20 : 192;
				k->peer.addr[3] = (uint8_t)mix_below(3);
				k->peer.port = (uint16_t)(40000 + mix_below(4));
			}
			if (family == AF_INET6)
				k->peer.addr[15] = (uint8_t)mix_below(2);
		}
		k->cookie = mix_below(3) ? 0 : 1 + mix_below(4);
		k->recv_q = mix_below(3) ? 0 : mix_below(3) * 1000;
		k->send_q = mix_below(4) ? 0 : 0x80000000u + mix_below(2);
		k->mem.rmem_alloc = mix_below(2) ? 0 : 0xffffffffu - mix_below(2);
		k->mem.wmem_queued = mix_below(3);
		k->uid = mix_below(2) ? 0 : 1000;
		k->timer = (uint8_t)mix_below(SK_TIMER_LAST);
		k->timer_ms = mix_below(3) * 500;
		if (!fdless) {
			uint32_t p = mix_below(NPROC + 1); /* NPROC: nobody holds it */

			if (p < NPROC && nowned[p] < 1200)
				owner[p][nowned[p]++] = (uint32_t)i;
			if (p < NPROC && !mix_below(20) && nowned[(p + 1) % NPROC] < 1200)
				owner[(p + 1) % NPROC][nowned[(p + 1) % NPROC]++] = (uint32_t)i;
		}
	}
	if (tail) {
		for (size_t i = 0; i < s->socks.n; i++)
			if (s->socks.v[i].family == AF_INET) {
				s->socks.v[i].peer.addr[9] = 1;
				break;
			}
	}
	for (uint32_t p = 0; p < NPROC; p++) {
		uint32_t pi = sb_proc(s, (int32_t)(10 * (p + 1)), NS_A);

		snprintf(s->procs.v[pi].comm, sizeof(s->procs.v[pi].comm), "%s", comms[p]);
		for (size_t j = 0; j < nowned[p]; j++) {
			uint64_t inode = s->socks.v[owner[p][j]].inode;

			sb_fd(s, pi, (int32_t)(1000 + mix_below(4000)), inode);
			if (!mix_below(30)) /* dup'ed */
				sb_fd(s, pi, (int32_t)(6000 + j), inode);
		}
		for (int32_t c = 0; c < 3; c++) /* closed: in no dump */
			sb_fd(s, pi, 100 + c, 900000 + 10 * p + (uint64_t)c);
	}
	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
}

/* Every sort column (or just `only`) both ways: rows in the defined
 * order, the identities matching the rows. */
static void check_socket_sorts(struct sk_view *v, const struct sk_snapshot *s, int only)
{
	int cols[SK_SCOL_LAST];
	size_t ncols = sk_view_sort_columns(v, cols, SK_SCOL_LAST);

	assert_true(ncols > 0);
	for (size_t c = 0; c < ncols; c++) {
		if (only >= 0 && cols[c] != only)
			continue;
		for (int inv = 0; inv < 2; inv++) {
			sk_view_set_sort(v, cols[c]);
			if (inv)
				sk_view_invert(v);
			assert_int_equal(sk_view_build(v, s), 0);
			bool desc = sk_scols[cols[c]].descending != (inv != 0);

			assert_int_equal(v->keys.n, v->nrows);
			for (size_t i = 0; i < v->nrows; i++) {
				struct sk_vkey k = sk_view_key_sock(&s->socks.v[v->socks.v[i].sock]);

				assert_true(k.a == v->keys.v[i].a && k.b == v->keys.v[i].b);
				if (i > 0 && ref_cmp(s, cols[c], desc, &v->socks.v[i - 1], &v->socks.v[i]) >= 0)
					fail_msg("column %d%s: rows %zu and %zu out of order", cols[c],
						 inv ? " inverted" : "", i - 1, i);
			}
		}
	}
}

/* Groups against a count made the plain way from the ungrouped rows:
 * every group's members, owners (how many, the lowest), sums and longest
 * timer, and the groups in COUNT order (ties by key). */
static void check_groups(struct sk_view *v, const struct sk_snapshot *s, unsigned mode)
{
	struct sk_vsock *rows;
	size_t nrows;

	assert_int_equal(sk_view_build(v, s), 0);
	assert_false(v->grouped);
	nrows = v->socks.n;
	rows = malloc(nrows * sizeof(*rows) + 1);
	assert_non_null(rows);
	memcpy(rows, v->socks.v, nrows * sizeof(*rows));
	while (sk_view_top(v)->group != mode)
		sk_view_cycle_group(v);
	assert_int_equal(sk_view_build(v, s), 0);
	assert_true(v->grouped);
	assert_int_equal(v->socks.n, nrows);
	size_t members = 0;

	for (size_t gi = 0; gi < v->groups.n; gi++) {
		const struct sk_vgroup *g = &v->groups.v[gi];
		struct sk_vgroup want;
		uint8_t *seen = calloc(s->procs.n + 1, 1);

		assert_non_null(seen);
		memset(&want, 0, sizeof(want));
		want.proc = SK_NONE;
		for (size_t i = 0; i < nrows; i++) {
			const struct sk_socket *k = &s->socks.v[rows[i].sock];
			bool undumped = k->flags & SK_SOCK_UNDUMPED;
			struct sk_gkey key;

			memset(&key, 0, sizeof(key));
			key.mode = (uint8_t)mode;
			key.dstate = rows[i].dstate;
			if (mode == SK_GROUP_LPORT) {
				key.port = undumped ? 0 : k->local.port;
			} else if (!undumped && (k->family == AF_INET || k->family == AF_INET6)) {
				key.family = k->family;
				memcpy(key.addr, k->peer.addr, k->family == AF_INET ? 4 : 16);
			} else if (k->family == AF_UNIX) {
				key.family = AF_UNIX;
			}
			if (key.dstate != g->key.dstate || key.family != g->key.family ||
			    key.port != g->key.port || memcmp(key.addr, g->key.addr, 16) != 0)
				continue;
			want.count++;
			if (rows[i].proc != SK_NONE && !seen[rows[i].proc]) {
				seen[rows[i].proc] = 1;
				want.nprocs++;
				if (want.proc == SK_NONE || rows[i].proc < want.proc)
					want.proc = rows[i].proc;
			}
			if (k->state != SK_TCP_LISTEN) {
				want.recv_q += k->recv_q;
				want.send_q += k->send_q;
			}
			want.rmem += k->mem.rmem_alloc;
			want.wmem += k->mem.wmem_queued;
			uint32_t tm = k->timer == SK_TIMER_OFF ? 0 : k->timer_ms;

			if (tm > want.timer_max_ms)
				want.timer_max_ms = tm;
		}
		free(seen);
		members += want.count;
		assert_int_equal(g->count, want.count);
		assert_int_equal(g->nprocs, want.nprocs);
		assert_int_equal(g->proc, want.proc);
		assert_true(g->recv_q == want.recv_q && g->send_q == want.send_q);
		assert_true(g->rmem == want.rmem && g->wmem == want.wmem);
		assert_int_equal(g->timer_max_ms, want.timer_max_ms);
		if (gi > 0) {
			const struct sk_gkey *a = &v->groups.v[gi - 1].key, *b = &g->key;
			int c = a->dstate != b->dstate ? a->dstate - b->dstate
				: a->family != b->family ? a->family - b->family
				: a->port != b->port ? a->port - b->port
				: memcmp(a->addr, b->addr, 16);

			assert_true(v->groups.v[gi - 1].count > g->count ||
				    (v->groups.v[gi - 1].count == g->count && c < 0));
		}
	}
	assert_int_equal(members, nrows);
	while (sk_view_top(v)->group != SK_GROUP_NONE)
		sk_view_cycle_group(v);
	free(rows);
}

static void test_socket_sort_order(void **state)
{
	struct sk_snapshot s, s2;
	struct sk_view v;

	(void)state;
	build_mixed(&s, 3000, 4, false);
	tw_view_new(&v);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	check_socket_sorts(&v, &s, -1);
	size_t all = v.nrows;

	assert_int_equal(all, s.socks.n);
	/* Each socket once. */
	uint8_t *seen = calloc(s.socks.n, 1);

	assert_non_null(seen);
	for (size_t i = 0; i < v.nrows; i++) {
		assert_false(seen[v.socks.v[i].sock]);
		seen[v.socks.v[i].sock] = 1;
	}
	free(seen);
	/* The same through a filter, a state, and one process's sockets. */
	sk_view_set_filter(&v, "192.");
	check_socket_sorts(&v, &s, -1);
	assert_true(v.nrows > 0 && v.nrows < all);
	/* No row, and a single row (the first socket: its inode is unique). */
	sk_view_set_filter(&v, "no such socket");
	check_socket_sorts(&v, &s, -1);
	assert_int_equal(v.nrows, 0);
	sk_view_cycle_group(&v);
	assert_int_equal(sk_view_build(&v, &s), 0);
	assert_int_equal(v.nrows, 0);
	sk_view_cycle_group(&v);
	sk_view_cycle_group(&v);
	sk_view_set_filter(&v, "");
	sk_view_set_pane(&v, SK_PANE_ORPHANS);
	assert_int_equal(sk_view_build(&v, &s), 0);
	assert_true(v.nrows > 0);
	assert_true(sk_view_enter(&v, &s));
	check_socket_sorts(&v, &s, -1);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_set_pane(&v, SK_PANE_STATES);
	assert_int_equal(sk_view_build(&v, &s), 0);
	for (size_t r = 0; r < v.states.n; r++)
		if (v.states.v[r].dstate == SK_TCP_ESTABLISHED)
			sk_view_move_to(&v, r);
	assert_true(sk_view_enter(&v, &s));
	check_socket_sorts(&v, &s, -1);
	sk_view_set_pane(&v, SK_PANE_PROCS);
	sk_view_set_sort(&v, SK_SORT_PID);
	assert_int_equal(sk_view_build(&v, &s), 0);
	assert_true(sk_view_enter(&v, &s));
	check_socket_sorts(&v, &s, -1);
	assert_true(v.nrows > 100);

	sk_view_set_pane(&v, SK_PANE_SOCKS);
	check_groups(&v, &s, SK_GROUP_PEER);
	check_groups(&v, &s, SK_GROUP_LPORT);

	/* A second snapshot with other local addresses, in the same view:
	 * what the view learnt of the first must not leak into the order. */
	build_mixed(&s2, 2000, 300, false);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	check_socket_sorts(&v, &s2, -1);
	sk_snapshot_free(&s2);
	/* An IPv4 address with bytes past its fourth. */
	build_mixed(&s2, 1000, 3, true);
	check_socket_sorts(&v, &s2, -1);
	sk_snapshot_free(&s2);
	/* More local addresses than the view ranks (65535): keys fall back
	 * to the addresses themselves. */
	build_mixed(&s2, 150000, 1u << 20, false);
	check_socket_sorts(&v, &s2, SK_SCOL_LOCAL);
	check_socket_sorts(&v, &s2, SK_SCOL_STATE);
	sk_snapshot_free(&s2);
	build_mixed(&s2, 1000, 3, false);
	check_socket_sorts(&v, &s2, SK_SCOL_PEER);
	sk_snapshot_free(&s2);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

static void test_states_and_orphans(void **state)
{
	struct tw_fx *f = *state;

	sk_view_set_pane(&f->v, SK_PANE_STATES);
	sk_view_build(&f->v, &f->s);
	const struct sk_vstate *cw = NULL, *orph = NULL, *closed = NULL, *tw = NULL;

	for (size_t i = 0; i < f->v.states.n; i++) {
		if (f->v.states.v[i].dstate == SK_TCP_CLOSE_WAIT)
			cw = &f->v.states.v[i];
		if (f->v.states.v[i].dstate == SK_DS_ORPHANS)
			orph = &f->v.states.v[i];
		if (f->v.states.v[i].dstate == SK_DS_CLOSED)
			closed = &f->v.states.v[i];
		if (f->v.states.v[i].dstate == SK_TCP_TIME_WAIT)
			tw = &f->v.states.v[i];
	}
	assert_non_null(cw);
	assert_non_null(orph);
	assert_non_null(closed);
	assert_non_null(tw);
	assert_int_equal(cw->count, 4);
	assert_int_equal(cw->ntop, 1);
	assert_int_equal(f->s.procs.v[cw->top[0].proc].pid, PID_SERVER);
	assert_int_equal(orph->count, 3);
	assert_int_equal(f->s.procs.v[orph->top[0].proc].pid, PID_SERVER);
	assert_int_equal(closed->count, 4);
	assert_int_equal(f->s.procs.v[closed->top[0].proc].pid, PID_LEAKER);
	assert_int_equal(tw->count, 1);
	assert_int_equal(tw->unowned, 1);
	/* Enter on CLOSE_WAIT lists those sockets, with their owners. */
	while (f->v.states.v[sk_view_top(&f->v)->cursor].dstate != SK_TCP_CLOSE_WAIT)
		sk_view_move(&f->v, 1);
	assert_true(sk_view_enter(&f->v, &f->s));
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 4);
	assert_int_equal(f->s.procs.v[f->v.socks.v[0].proc].pid, PID_SERVER);

	/* The orphans pane: FIN_WAIT1 x 2 and LAST_ACK x 1, both via the
	 * listener of the server. */
	sk_view_set_pane(&f->v, SK_PANE_ORPHANS);
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 2);
	const struct sk_vorphan *o = &f->v.orphans.v[0];

	assert_int_equal(o->key.dstate, SK_TCP_FIN_WAIT1);
	assert_int_equal(o->count, 2);
	assert_int_equal(o->send_q, 2000);
	assert_int_equal(o->timer_min_ms, 1500);
	assert_int_equal(o->timer_max_ms, 2500);
	assert_int_equal(o->retrans_max, 3);
	char label[128];

	sk_view_okey_label(&f->s, o, label, sizeof(label));
	assert_string_equal(label, "server[100] via :8080");
	assert_true(sk_view_enter(&f->v, &f->s));
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 2);
	assert_true(f->v.socks.v[0].likely);
}

/* The filter language's terms must all match, each in the socket's text
 * or in its process's. */
static void test_filter_terms(void **state)
{
	struct tw_fx *f = *state;

	sk_view_set_pane(&f->v, SK_PANE_SOCKS);
	sk_view_set_filter(&f->v, "close_wait 10.0.3.7");
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 3);
	sk_view_set_filter(&f->v, "  CLOSE_WAIT\tserver ");
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 4);
	sk_view_set_filter(&f->v, "close_wait cache");
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 0);
	/* Processes: by their own names and a socket's, together. */
	sk_view_set_pane(&f->v, SK_PANE_PROCS);
	sk_view_set_filter(&f->v, "server 10.0.3.8");
	sk_view_build(&f->v, &f->s);
	assert_int_equal(f->v.nrows, 1);
	assert_int_equal(tw_row_pid(&f->v, &f->s, 0), PID_SERVER);
}

static void test_state_names(void **state)
{
	/* What the lists have always shown: the short names now come from the
	 * engine's table (src/sock.c) and must not change under the operator. */
	static const char *const want[SK_DS_LAST] = {
		[SK_TCP_UNKNOWN] = "UNKNOWN",       [SK_TCP_ESTABLISHED] = "ESTAB",
		[SK_TCP_SYN_SENT] = "SYN_SENT",     [SK_TCP_SYN_RECV] = "SYN_RECV",
		[SK_TCP_FIN_WAIT1] = "FIN_WAIT1",   [SK_TCP_FIN_WAIT2] = "FIN_WAIT2",
		[SK_TCP_TIME_WAIT] = "TIME_WAIT",   [SK_TCP_CLOSE] = "CLOSE",
		[SK_TCP_CLOSE_WAIT] = "CLOSE_WAIT", [SK_TCP_LAST_ACK] = "LAST_ACK",
		[SK_TCP_LISTEN] = "LISTEN",         [SK_TCP_CLOSING] = "CLOSING",
		[SK_TCP_NEW_SYN_RECV] = "SYN_RECV", [SK_TCP_BOUND_INACTIVE] = "BOUND",
		[SK_DS_CLOSED] = "closed",          [SK_DS_UNBOUND] = "unbound",
		[SK_DS_UNCONN] = "UNCONN",          [SK_DS_ORPHANS] = "orphans",
	};

	(void)state;
	for (unsigned ds = 0; ds < SK_DS_LAST; ds++)
		assert_string_equal(sk_dstate_name(ds), want[ds]);
	assert_string_equal(sk_dstate_name(SK_DS_LAST), "?");
	assert_string_equal(sk_tcp_state_name(SK_TCP_ESTABLISHED), "ESTABLISHED");
}

/* wcwidth needs a UTF-8 locale; C.UTF-8 is always there on glibc. */
SK_SUITE_MAIN_PREPARE(setlocale(LC_CTYPE, "C.UTF-8"), NULL, NULL,
	cmocka_unit_test(test_units),
	cmocka_unit_test(test_line_sanitises),
	cmocka_unit_test(test_line_widths),
	cmocka_unit_test(test_columns_layout),
	cmocka_unit_test(test_proc_sorting),
	cmocka_unit_test(test_cursor_follows_pid),
	TW_TEST(test_filter),
	TW_TEST(test_filter_terms),
	TW_TEST(test_proc_sockets_and_groups),
	TW_TEST(test_closed_fds_are_rows),
	cmocka_unit_test(test_socket_cursor_follows_inode),
	cmocka_unit_test(test_socket_list_kept),
	cmocka_unit_test(test_socket_list_handed_over),
	cmocka_unit_test(test_socket_sort_order),
	TW_TEST(test_states_and_orphans),
	cmocka_unit_test(test_state_names))
