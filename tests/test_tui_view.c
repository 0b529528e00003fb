/* The TUI's view models and renderer against hand-built snapshots:
 * sorting (the socket sort against a plain comparator, on a snapshot made
 * to tie), the cursor staying on the same process or socket across
 * refreshes and re-sorts, filtering, grouping by peer and local port,
 * orphans and states, human units, width-aware clipping, escaping of
 * hostile names, an 80x24 header that fits, the snapshot key's files, and
 * growth per minute (GROW/m, its sort, the trend line) on a fake clock. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
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
#include "view.h"

/* --- fixtures ---------------------------------------------------------------------- */

enum { PID_SERVER = 100, PID_CACHE = 200, PID_LEAKER = 300, PID_QUIET = 400 };
enum { LISTEN_PORT = 8080 };

static void fake_user(void *ctx, uint32_t uid, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, uid == 0 ? "root" : uid == 1000 ? "alice" : "u%u", uid);
}

static struct sk_socket *tcp(struct sk_snapshot *s, uint8_t state, uint64_t inode,
			     uint16_t lport, const char *peer, uint16_t pport)
{
	struct sk_socket *k = sb_sock(s, SK_PROTO_TCP, AF_INET, state, inode, "10.0.0.1", lport, NS_A);

	if (peer)
		sb_peer(k, peer, pport);
	k->flags |= SK_SOCK_HAS_MEM | SK_SOCK_HAS_UID;
	k->cookie = inode ? inode + 0x1000 : 0;
	return k;
}

/* server (100): a listener on 8080, 3 CLOSE_WAIT from 10.0.3.7, 1 from
 *   10.0.3.8, 2 ESTAB; 2 FIN_WAIT1 orphans + 1 LAST_ACK orphan on its port.
 * cache (200): 1 ESTAB with 8M of rmem (RSS 1M).
 * leaker (300): 4 closed TCP fds (101..104), 1 ESTAB.
 * quiet (400): no sockets at all: never listed.
 * `rmem_cache` lets a test change the order between refreshes. */
static void build(struct sk_snapshot *s, uint32_t rmem_cache, bool with_leaker)
{
	struct sk_error err = {0};

	sk_snapshot_init(s);
	sb_netns(s, NS_A, ALL_INET);
	tcp(s, SK_TCP_LISTEN, 10, LISTEN_PORT, NULL, 0);
	for (int i = 0; i < 3; i++)
		tcp(s, SK_TCP_CLOSE_WAIT, 11 + (uint64_t)i, LISTEN_PORT, "10.0.3.7",
		    (uint16_t)(40000 + i))->recv_q = 0;
	tcp(s, SK_TCP_CLOSE_WAIT, 14, LISTEN_PORT, "10.0.3.8", 40100);
	tcp(s, SK_TCP_ESTABLISHED, 15, LISTEN_PORT, "10.0.3.9", 40200)->mem.rmem_alloc = 4096;
	tcp(s, SK_TCP_ESTABLISHED, 16, LISTEN_PORT, "10.0.3.9", 40201);
	for (int i = 0; i < 2; i++) {
		struct sk_socket *o = tcp(s, SK_TCP_FIN_WAIT1, 0, LISTEN_PORT, "10.0.4.1",
					  (uint16_t)(50000 + i));

		o->cookie = 0x9000 + (uint64_t)i;
		o->send_q = 1000;
		o->timer = SK_TIMER_PERSIST;
		o->timer_ms = 1500 + 1000 * (uint32_t)i;
		o->retrans = 3;
	}
	tcp(s, SK_TCP_LAST_ACK, 0, LISTEN_PORT, "10.0.4.2", 50100)->cookie = 0x9100;
	tcp(s, SK_TCP_TIME_WAIT, 0, 33000, "10.0.5.5", 80)->cookie = 0x9200;
	struct sk_socket *c = tcp(s, SK_TCP_ESTABLISHED, 20, 6379, "10.0.6.6", 41000);

	c->mem.rmem_alloc = rmem_cache;
	c->recv_q = rmem_cache / 2;
	tcp(s, SK_TCP_ESTABLISHED, 30, 45000, "10.0.7.7", 443);

	uint32_t p = sb_proc(s, PID_SERVER, NS_A);

	s->procs.v[p].uid = 1000;
	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "server");
	for (int i = 0; i < 7; i++)
		sb_fd(s, p, 3 + i, 10 + (uint64_t)i);
	sb_fd(s, p, 20, 11); /* a dup of a CLOSE_WAIT fd: still one socket */
	p = sb_proc(s, PID_CACHE, NS_A);
	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "cache");
	s->procs.v[p].rss_kb = 1024;
	sb_fd(s, p, 5, 20);
	if (with_leaker) {
		p = sb_proc(s, PID_LEAKER, NS_A);
		snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "leaker");
		for (int i = 0; i < 4; i++)
			sb_fd(s, p, 101 + i, 900 + (uint64_t)i);
		sb_fd(s, p, 7, 30);
	}
	sb_proc(s, PID_QUIET, NS_A);
	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
	s->root = true;
	s->seq = 1;
	snprintf(s->host, sizeof(s->host), "testhost");
}

static void view_new(struct sk_view *v)
{
	struct sk_view_config cfg = {.user_name = fake_user};

	sk_view_init(v, &cfg, SK_SORT_CLOSE_WAIT, false);
}

static int32_t row_pid(const struct sk_view *v, const struct sk_snapshot *s, size_t row)
{
	return s->procs.v[v->procs.v[row]].pid;
}

static int32_t cursor_pid(struct sk_view *v, const struct sk_snapshot *s)
{
	return row_pid(v, s, sk_view_top(v)->cursor);
}

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
	/* 80 columns: the leak columns and COMMAND stay, the busy ones go. */
	n = sk_columns_layout(sk_pcols, SK_PCOL_LAST, NULL, sortcol, 80, NULL, pos);
	bool shown[SK_PCOL_LAST] = {false};

	for (size_t i = 0; i < n; i++) {
		shown[pos[i].col] = true;
		assert_true(pos[i].x + pos[i].w <= 80);
	}
	assert_true(shown[SK_PCOL_PID] && shown[SK_PCOL_CLOSE_WAIT] && shown[SK_PCOL_CLOSED] &&
		    shown[SK_PCOL_ORPHANS] && shown[SK_PCOL_RMEM] && shown[SK_PCOL_COMMAND]);
	assert_false(shown[SK_PCOL_WMEM]);
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
	build(&s, 8u << 20, true);
	view_new(&v);
	assert_int_equal(sk_view_build(&v, &s), 0);
	/* Processes without sockets are not rows. */
	assert_int_equal(v.nrows, 3);
	assert_int_equal(row_pid(&v, &s, 0), PID_SERVER); /* 4 CLOSE_WAIT */

	sk_view_set_sort(&v, SK_SORT_CLOSED);
	sk_view_build(&v, &s);
	assert_int_equal(row_pid(&v, &s, 0), PID_LEAKER);

	sk_view_set_sort(&v, SK_SORT_RMEM);
	sk_view_build(&v, &s);
	assert_int_equal(row_pid(&v, &s, 0), PID_CACHE);
	assert_false(sk_view_sortstate(&v)->invert);
	/* I inverts; picking the column again (the r key twice) puts it back
	 * biggest first rather than flipping it away. */
	sk_view_invert(&v);
	sk_view_build(&v, &s);
	assert_true(sk_view_sortstate(&v)->invert);
	assert_int_equal(row_pid(&v, &s, 2), PID_CACHE);
	sk_view_set_sort(&v, SK_SORT_RMEM);
	sk_view_build(&v, &s);
	assert_false(sk_view_sortstate(&v)->invert);
	assert_int_equal(row_pid(&v, &s, 0), PID_CACHE);

	/* The same comparator as batch mode: ties by ascending pid. */
	sk_view_set_sort(&v, SK_SORT_ORPHANS);
	sk_view_build(&v, &s);
	assert_int_equal(row_pid(&v, &s, 0), PID_SERVER);
	assert_int_equal(row_pid(&v, &s, 1), PID_CACHE);
	assert_int_equal(row_pid(&v, &s, 2), PID_LEAKER);

	/* < and > walk the sortable columns. */
	sk_view_set_sort(&v, SK_SORT_PID);
	sk_view_cycle_sort(&v, 1);
	assert_int_equal(sk_view_sortstate(&v)->col, SK_SORT_FDS);
	sk_view_cycle_sort(&v, -1);
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
	build(&s1, 100, true);
	view_new(&v);
	sk_view_set_sort(&v, SK_SORT_RMEM);
	sk_view_build(&v, &s1);
	/* rmem: server 4096 > cache 100 > leaker 0. Put the cursor on cache. */
	assert_int_equal(row_pid(&v, &s1, 1), PID_CACHE);
	sk_view_move(&v, 1);
	assert_int_equal(cursor_pid(&v, &s1), PID_CACHE);

	/* A refresh where cache's rmem grew: it moves to the top, the cursor
	 * goes with it. */
	build(&s2, 8u << 20, true);
	sk_view_build(&v, &s2);
	assert_int_equal(row_pid(&v, &s2, 0), PID_CACHE);
	assert_int_equal(cursor_pid(&v, &s2), PID_CACHE);

	/* A re-sort keeps it on cache too. */
	sk_view_set_sort(&v, SK_SORT_PID);
	sk_view_build(&v, &s2);
	assert_int_equal(cursor_pid(&v, &s2), PID_CACHE);
	assert_int_equal(sk_view_top(&v)->cursor, 1);

	/* The leaker below vanishes: the cursor stays on cache. Then cache
	 * vanishes: the cursor stays at the same height, clamped. */
	build(&s3, 8u << 20, false);
	sk_view_move(&v, 1);
	assert_int_equal(cursor_pid(&v, &s2), PID_LEAKER);
	sk_view_build(&v, &s3);
	assert_int_equal(v.nrows, 2);
	assert_int_equal(sk_view_top(&v)->cursor, 1);
	assert_int_equal(cursor_pid(&v, &s3), PID_CACHE);

	/* A pid reused by a new process is not the same row. */
	sk_view_move_to(&v, 0);
	assert_int_equal(cursor_pid(&v, &s3), PID_SERVER);
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

static void test_filter(void **state)
{
	struct sk_snapshot s;
	struct sk_view v;

	(void)state;
	build(&s, 100, true);
	view_new(&v);
	/* By address: only the process holding a socket to it. */
	sk_view_set_filter(&v, "10.0.3.7");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(row_pid(&v, &s, 0), PID_SERVER);
	assert_int_equal(v.hidden, 2);
	/* By port, by command (case-insensitive), by pid, by user. */
	sk_view_set_filter(&v, ":6379");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(row_pid(&v, &s, 0), PID_CACHE);
	sk_view_set_filter(&v, "LEAK");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(row_pid(&v, &s, 0), PID_LEAKER);
	sk_view_set_filter(&v, "300");
	sk_view_build(&v, &s);
	assert_int_equal(row_pid(&v, &s, 0), PID_LEAKER);
	sk_view_set_filter(&v, "alice");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(row_pid(&v, &s, 0), PID_SERVER);
	sk_view_set_filter(&v, "no-such-thing");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 0);
	sk_view_set_filter(&v, "");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 3);

	/* In a socket list, by state name and by peer. */
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_set_filter(&v, "close_wait");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 4);
	sk_view_free(&v);

	/* -p and -u restrict every list. */
	int32_t pids[] = {PID_CACHE};
	struct sk_view_config cfg = {.pids = pids, .npids = 1, .user_name = fake_user};

	sk_view_init(&v, &cfg, SK_SORT_CLOSE_WAIT, false);
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(row_pid(&v, &s, 0), PID_CACHE);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	sk_view_free(&v);
	cfg = (struct sk_view_config){.have_uid = true, .uid = 1000, .user_name = fake_user};
	sk_view_init(&v, &cfg, SK_SORT_CLOSE_WAIT, false);
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(row_pid(&v, &s, 0), PID_SERVER);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

/* --- sockets, groups, detail --------------------------------------------------------------- */

static void test_proc_sockets_and_groups(void **state)
{
	struct sk_snapshot s;
	struct sk_view v;

	(void)state;
	build(&s, 100, true);
	view_new(&v);
	sk_view_build(&v, &s);
	assert_int_equal(cursor_pid(&v, &s), PID_SERVER);
	assert_true(sk_view_enter(&v, &s));
	sk_view_build(&v, &s);
	/* 7 fds (one dup folded) + 3 orphans it likely owns. */
	assert_int_equal(v.nrows, 10);
	/* Sorted by state, troubled first: the CLOSE_WAITs lead. */
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(v.socks.v[i].dstate, SK_TCP_CLOSE_WAIT);
	/* The dup'ed CLOSE_WAIT socket shows its lowest fd and knows of 2. */
	bool dup_seen = false;

	for (size_t i = 0; i < v.nrows; i++)
		if (s.socks.v[v.socks.v[i].sock].inode == 11) {
			assert_int_equal(v.socks.v[i].fd, 4);
			assert_int_equal(v.socks.v[i].nfds, 2);
			dup_seen = true;
		}
	assert_true(dup_seen);

	/* Group by peer: "CLOSE_WAIT x 3 from 10.0.3.7" on top. */
	assert_true(sk_view_cycle_group(&v));
	sk_view_build(&v, &s);
	assert_true(v.grouped);
	const struct sk_vgroup *g = &v.groups.v[0];
	char label[64];

	assert_int_equal(g->count, 3);
	assert_int_equal(g->key.dstate, SK_TCP_CLOSE_WAIT);
	sk_view_gkey_label(&g->key, label, sizeof(label));
	assert_string_equal(label, "10.0.3.7");
	assert_int_equal(g->nprocs, 1);
	/* Enter opens the group's members. */
	assert_true(sk_view_enter(&v, &s));
	sk_view_build(&v, &s);
	assert_false(v.grouped);
	assert_int_equal(v.nrows, 3);
	/* Enter on a member: the detail view says what CLOSE_WAIT means. */
	assert_true(sk_view_enter(&v, &s));
	sk_view_build(&v, &s);
	bool explains = false, owner = false;

	for (size_t i = 0; i < v.lines.n; i++) {
		if (strstr(v.lines.v[i].text, "not called close()"))
			explains = true;
		if (strstr(v.lines.v[i].text, "server[100] fd"))
			owner = true;
	}
	assert_true(explains);
	assert_true(owner);
	/* Back up three levels. */
	assert_true(sk_view_back(&v));
	assert_true(sk_view_back(&v));
	sk_view_build(&v, &s);
	assert_true(v.grouped);
	/* Group by local port: everything of the server is on 8080. */
	assert_true(sk_view_cycle_group(&v));
	sk_view_build(&v, &s);
	assert_int_equal(v.groups.v[0].key.mode, SK_GROUP_LPORT);
	sk_view_gkey_label(&v.groups.v[0].key, label, sizeof(label));
	assert_string_equal(label, "port 8080");
	assert_true(sk_view_cycle_group(&v));
	sk_view_build(&v, &s);
	assert_false(v.grouped);
	assert_true(sk_view_back(&v));
	assert_false(sk_view_back(&v));
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

static void test_closed_fds_are_rows(void **state)
{
	struct sk_snapshot s;
	struct sk_view v;

	(void)state;
	build(&s, 100, true);
	view_new(&v);
	sk_view_set_sort(&v, SK_SORT_CLOSED);
	sk_view_build(&v, &s);
	assert_int_equal(cursor_pid(&v, &s), PID_LEAKER);
	sk_view_enter(&v, &s);
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 5);
	for (size_t i = 0; i < 4; i++) {
		assert_int_equal(v.socks.v[i].dstate, SK_DS_CLOSED);
		assert_int_equal(v.socks.v[i].fd, 101 + (int)i); /* their fd numbers */
	}
	/* Sorted by fd number instead. */
	sk_view_set_sort(&v, SK_SCOL_FD);
	sk_view_build(&v, &s);
	assert_int_equal(v.socks.v[0].fd, 7);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

static void test_socket_cursor_follows_inode(void **state)
{
	struct sk_snapshot s1, s2;
	struct sk_view v;

	(void)state;
	build(&s1, 100, true);
	view_new(&v);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_set_sort(&v, SK_SCOL_RMEM);
	sk_view_build(&v, &s1);
	/* server's ESTAB with 4096 first, cache's with 100 second. */
	sk_view_move(&v, 1);
	const struct sk_socket *k = &s1.socks.v[v.socks.v[sk_view_top(&v)->cursor].sock];

	assert_int_equal(k->inode, 20);
	build(&s2, 8u << 20, true);
	sk_view_build(&v, &s2);
	k = &s2.socks.v[v.socks.v[sk_view_top(&v)->cursor].sock];
	assert_int_equal(k->inode, 20);
	assert_int_equal(sk_view_top(&v)->cursor, 0);
	sk_view_free(&v);
	sk_snapshot_free(&s1);
	sk_snapshot_free(&s2);
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
	view_new(&v);
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
	struct sk_snapshot s;
	struct sk_view v;

	(void)state;
	build(&s, 100, true);
	view_new(&v);
	sk_view_set_pane(&v, SK_PANE_STATES);
	sk_view_build(&v, &s);
	const struct sk_vstate *cw = NULL, *orph = NULL, *closed = NULL, *tw = NULL;

	for (size_t i = 0; i < v.states.n; i++) {
		if (v.states.v[i].dstate == SK_TCP_CLOSE_WAIT)
			cw = &v.states.v[i];
		if (v.states.v[i].dstate == SK_DS_ORPHANS)
			orph = &v.states.v[i];
		if (v.states.v[i].dstate == SK_DS_CLOSED)
			closed = &v.states.v[i];
		if (v.states.v[i].dstate == SK_TCP_TIME_WAIT)
			tw = &v.states.v[i];
	}
	assert_non_null(cw);
	assert_non_null(orph);
	assert_non_null(closed);
	assert_non_null(tw);
	assert_int_equal(cw->count, 4);
	assert_int_equal(cw->ntop, 1);
	assert_int_equal(s.procs.v[cw->top[0].proc].pid, PID_SERVER);
	assert_int_equal(orph->count, 3);
	assert_int_equal(s.procs.v[orph->top[0].proc].pid, PID_SERVER);
	assert_int_equal(closed->count, 4);
	assert_int_equal(s.procs.v[closed->top[0].proc].pid, PID_LEAKER);
	assert_int_equal(tw->count, 1);
	assert_int_equal(tw->unowned, 1);
	/* Enter on CLOSE_WAIT lists those sockets, with their owners. */
	while (v.states.v[sk_view_top(&v)->cursor].dstate != SK_TCP_CLOSE_WAIT)
		sk_view_move(&v, 1);
	assert_true(sk_view_enter(&v, &s));
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 4);
	assert_int_equal(s.procs.v[v.socks.v[0].proc].pid, PID_SERVER);

	/* The orphans pane: FIN_WAIT1 x 2 and LAST_ACK x 1, both via the
	 * listener of the server. */
	sk_view_set_pane(&v, SK_PANE_ORPHANS);
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 2);
	const struct sk_vorphan *o = &v.orphans.v[0];

	assert_int_equal(o->key.dstate, SK_TCP_FIN_WAIT1);
	assert_int_equal(o->count, 2);
	assert_int_equal(o->send_q, 2000);
	assert_int_equal(o->timer_min_ms, 1500);
	assert_int_equal(o->timer_max_ms, 2500);
	assert_int_equal(o->retrans_max, 3);
	char label[128];

	sk_view_okey_label(&s, o, label, sizeof(label));
	assert_string_equal(label, "server[100] via :8080");
	assert_true(sk_view_enter(&v, &s));
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 2);
	assert_true(v.socks.v[0].likely);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

/* --- rendering -------------------------------------------------------------------------- */

static void ui_new(struct sk_ui *ui, struct sk_options *o, const struct sk_snapshot *s)
{
	memset(ui, 0, sizeof(*ui));
	memset(o, 0, sizeof(*o));
	o->snapshot_dir = ".";
	sk_thresholds_default(&o->thresholds);
	ui->opts = o;
	ui->snap = s;
	ui->interval = 2;
	ui->rows = 24;
	ui->cols = 80;
	ui->body_height = 24 - 7 - 3;
	view_new(&ui->view);
	sk_view_build(&ui->view, s);
}

static void set_sys(struct sk_snapshot *s)
{
	s->sys.sockstat[SK_SS_SOCKETS_USED] = 412;
	s->sys.sockstat[SK_SS_TCP_INUSE] = 120;
	s->sys.sockstat[SK_SS_TCP_ALLOC] = 130;
	s->sys.sockstat[SK_SS_TCP_ORPHAN] = 3;
	s->sys.sockstat[SK_SS_TCP_TW] = 12;
	s->sys.sockstat[SK_SS_TCP_MEM] = 1500;
	s->sys.limits.tcp_max_orphans = 65536;
	s->sys.limits.tcp_mem[0] = 1000;
	s->sys.limits.tcp_mem[1] = 1400;
	s->sys.limits.tcp_mem[2] = 2000;
	s->sys.limits.page_size = 4096;
	s->sys.limits.tcp_max_tw_buckets = 262144;
	s->sys.limits.file_nr[0] = 4032;
	s->sys.limits.file_max = 9223372036854775807LL;
}

static bool all_printable(const struct sk_line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if ((unsigned char)l->buf[i] < 0x20 || (unsigned char)l->buf[i] == 0x7f)
			return false;
	return true;
}

/* The filter language's terms must all match, each in the socket's text
 * or in its process's. */
static void test_filter_terms(void **state)
{
	struct sk_snapshot s;
	struct sk_view v;

	(void)state;
	build(&s, 100, true);
	view_new(&v);
	sk_view_set_pane(&v, SK_PANE_SOCKS);
	sk_view_set_filter(&v, "close_wait 10.0.3.7");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 3);
	sk_view_set_filter(&v, "  CLOSE_WAIT\tserver ");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 4);
	sk_view_set_filter(&v, "close_wait cache");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 0);
	/* Processes: by their own names and a socket's, together. */
	sk_view_set_pane(&v, SK_PANE_PROCS);
	sk_view_set_filter(&v, "server 10.0.3.8");
	sk_view_build(&v, &s);
	assert_int_equal(v.nrows, 1);
	assert_int_equal(row_pid(&v, &s, 0), PID_SERVER);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

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
	build(&s, 100, true);
	ui_new(ui, &o, &s);
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
	build(&s, 8u << 20, true);
	set_sys(&s);
	ui_new(ui, &o, &s);
	ui->unicode = true;
	n = sk_render_header(ui, 80, lines, SK_HEADER_MAX);
	assert_true(n >= 5 && n <= 7);
	for (int i = 0; i < n; i++) {
		assert_true(lines[i].cols <= 80);
		assert_true(all_printable(&lines[i]));
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
	build(&s, 100, true);
	snprintf(s.procs.v[0].comm, sizeof(s.procs.v[0].comm), "ev\x1b]0;pwn\x07il\n");
	s.procs.v[0].cmdline = sk_strtab_add(&s.strs, "/bin/\x1b[2Jx \xff\xfe", 13, &rc);
	ui_new(ui, &o, &s);
	for (int pane = 0; pane < SK_PANE_LAST; pane++) {
		sk_view_set_pane(&ui->view, (enum sk_pane)pane);
		sk_view_build(&ui->view, &s);
		sk_render_layout(ui, 120, 0, ui->view.nrows, &f);
		for (size_t r = 0; r < ui->view.nrows; r++) {
			sk_render_row(ui, &f, r, l);
			assert_true(all_printable(l));
		}
	}
	sk_view_set_pane(&ui->view, SK_PANE_PROCS);
	sk_view_build(&ui->view, &s);
	sk_render_layout(ui, 120, 0, 3, &f);
	sk_render_row(ui, &f, 0, l);
	assert_non_null(strstr(l->buf, "/bin/?[2Jx ??"));
	/* Detail view of a socket of it, and the breadcrumb with its name. */
	sk_view_enter(&ui->view, &s);
	sk_view_build(&ui->view, &s);
	sk_render_tabs(ui, 200, l);
	assert_true(all_printable(l));
	assert_non_null(strstr(l->buf, "ev?]0;pwn?il?[100]"));
	sk_view_enter(&ui->view, &s);
	sk_view_build(&ui->view, &s);
	sk_render_layout(ui, 80, 0, ui->view.nrows, &f);
	for (size_t r = 0; r < ui->view.nrows; r++) {
		sk_render_row(ui, &f, r, l);
		assert_true(all_printable(l));
		assert_true(l->cols <= 80);
	}
	sk_view_free(&ui->view);
	sk_snapshot_free(&s);
	free(ui);
	free(l);
}

static void test_detail_wraps(void **state)
{
	struct sk_snapshot s;
	struct sk_view v;

	(void)state;
	build(&s, 100, true);
	view_new(&v);
	v.width = 60;
	sk_view_set_sort(&v, SK_SORT_CLOSED);
	sk_view_build(&v, &s);
	sk_view_enter(&v, &s);
	sk_view_build(&v, &s);
	sk_view_enter(&v, &s); /* a closed fd */
	sk_view_build(&v, &s);
	bool lsof = false;

	for (size_t i = 0; i < v.lines.n; i++) {
		const char *t = strchr(v.lines.v[i].text, '\t');

		assert_true(sk_text_width(t ? t + 1 : v.lines.v[i].text, false) <= 60);
		if (strstr(v.lines.v[i].text, "lsof"))
			lsof = true;
	}
	assert_true(lsof);
	sk_view_free(&v);
	sk_snapshot_free(&s);
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
	build(&s, 8u << 20, true);
	ui_new(ui, &o, &s);
	/* Every bound action has help text, so the help screen is complete. */
	for (int a = 1; a < SK_ACT_LAST; a++) {
		assert_non_null(sk_actions[a].run);
		assert_non_null(sk_actions[a].help);
	}
	/* r sorts by rmem, c by CLOSE_WAIT. */
	assert_true(sk_keys_handle(ui, 'r') & SK_H_REBUILD);
	sk_view_build(&ui->view, &s);
	assert_int_equal(cursor_pid(&ui->view, &s), PID_SERVER); /* the cursor stayed */
	assert_int_equal(row_pid(&ui->view, &s, 0), PID_CACHE);
	sk_keys_handle(ui, 'c');
	sk_view_build(&ui->view, &s);
	assert_int_equal(row_pid(&ui->view, &s, 0), PID_SERVER);
	sk_keys_handle(ui, 'c'); /* again: still biggest first */
	sk_view_build(&ui->view, &s);
	assert_int_equal(row_pid(&ui->view, &s, 0), PID_SERVER);
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
	build(s, 8u << 20, true);
	set_sys(s);
	s->realtime.tv_sec = 1700000000;
	ui_new(ui, o, s);
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
	view_new(&v); /* sorted by CLOSE_WAIT: GROW/m measures CLOSE_WAIT */
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
	assert_int_equal(row_pid(&v, &s, 0), PID_STEADY);
	assert_int_equal(row_pid(&v, &s, 1), PID_BURST);
	assert_int_equal(row_pid(&v, &s, 2), PID_FLAT);
	assert_int_equal(row_pid(&v, &s, 3), PID_NEW);
	sk_view_invert(&v);
	sk_view_build(&v, &s);
	assert_int_equal(row_pid(&v, &s, 0), PID_FLAT);
	assert_int_equal(row_pid(&v, &s, 1), PID_BURST);
	assert_int_equal(row_pid(&v, &s, 2), PID_STEADY);
	assert_int_equal(row_pid(&v, &s, 3), PID_NEW);

	/* Sorting by sockets first makes growth rank socket growth. */
	sk_view_set_sort(&v, SK_SORT_SOCKETS);
	sk_view_build(&v, &s);
	assert_int_equal(v.growth_metric, SK_PM_SOCKETS);
	sk_view_set_sort(&v, SK_VSORT_GROWTH);
	sk_view_build(&v, &s);
	assert_int_equal(v.growth_metric, SK_PM_SOCKETS);
	assert_int_equal(row_pid(&v, &s, 0), PID_FLAT);
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
	assert_int_equal(row_pid(&v, &s, 0), PID_STEADY);
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
	ui_new(ui, &o, &s);
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
	ui_new(ui, &o, &s);
	ui->unicode = true;
	/* G sorts by growth, from any pane, and says what it measures. */
	sk_keys_handle(ui, '5');
	assert_true(sk_keys_handle(ui, 'G') & SK_H_REBUILD);
	assert_int_equal(sk_view_pane(&ui->view), SK_PANE_PROCS);
	assert_int_equal(sk_view_sortstate(&ui->view)->col, SK_VSORT_GROWTH);
	assert_non_null(strstr(ui->status, "CLOSE_WAIT"));
	sk_view_build(&ui->view, &s);
	sk_view_move_to(&ui->view, 0);
	assert_int_equal(cursor_pid(&ui->view, &s), PID_STEADY);

	/* 80 columns: GROW/m is there with the sort arrow, beside the leak columns. */
	sk_render_layout(ui, 80, 0, 14, &f);
	sk_render_colhdr(ui, &f, &lines[0]);
	assert_non_null(strstr(lines[0].buf, "\xe2\x96\xbcGROW/m"));
	assert_non_null(strstr(lines[0].buf, "CLOSE_WAIT"));
	assert_non_null(strstr(lines[0].buf, "SOCK"));
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

int main(void)
{
	/* wcwidth needs a UTF-8 locale; C.UTF-8 is always there on glibc. */
	setlocale(LC_CTYPE, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_units),
		cmocka_unit_test(test_line_sanitises),
		cmocka_unit_test(test_line_widths),
		cmocka_unit_test(test_columns_layout),
		cmocka_unit_test(test_proc_sorting),
		cmocka_unit_test(test_cursor_follows_pid),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_filter_terms),
		cmocka_unit_test(test_destroy_key),
		cmocka_unit_test(test_proc_sockets_and_groups),
		cmocka_unit_test(test_closed_fds_are_rows),
		cmocka_unit_test(test_socket_cursor_follows_inode),
		cmocka_unit_test(test_socket_sort_order),
		cmocka_unit_test(test_states_and_orphans),
		cmocka_unit_test(test_render_80x24),
		cmocka_unit_test(test_render_hostile_names),
		cmocka_unit_test(test_detail_wraps),
		cmocka_unit_test(test_counters),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_snapshot_key),
		cmocka_unit_test(test_snapshot_key_race),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_growth_units),
		cmocka_unit_test(test_growth_sort),
		cmocka_unit_test(test_growth_render),
		cmocka_unit_test(test_meter_time_to_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
