/* The TUI's faces of the lifecycle (issue #12) on hand-built snapshots:
 * the age formatter, the AGE column and its sort (unknown last either
 * way), the detail view's creator and ages, the orphans and states panes
 * naming the process that made a socket, and the header saying where the
 * ages come from. The engine that fills s->lives is not needed: the
 * snapshots carry what it would have written. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "suite.h"
#include "app.h"
#include "columns.h"
#include "detail.h"
#include "hunits.h"
#include "render.h"
#include "snapbuild.h"
#include "tuiworld.h"
#include "view.h"
#include "vlife.h"

/* --- fixture ------------------------------------------------------------------------ */

/* The server and its port are tuiworld's; the world is this suite's own. */
enum { PID_CLOSER = 415 };

/* What the lifecycle says of one socket, found by its cookie. */
struct life_spec {
	uint64_t cookie;
	int32_t creator;       /* 0: unknown */
	int64_t age_ms, state_age_ms;
	bool estimated, holder;
};

enum {
	CK_LISTEN = 0x10, CK_CW_OLD, CK_CW_NEW, CK_CW_UNKNOWN,
	CK_FW1_A = 0x20, CK_FW1_B, CK_FW1_C, CK_TW,
};

static const struct life_spec lives[] = {
	{CK_LISTEN, PID_SERVER, 3 * 3600000LL, SK_LIFE_AGE_UNKNOWN, true, true},
	{CK_CW_OLD, PID_SERVER, 200000, 62000, false, false},
	{CK_CW_NEW, PID_SERVER, 9000, 5000, true, true},
	{CK_CW_UNKNOWN, 0, SK_LIFE_AGE_UNKNOWN, SK_LIFE_AGE_UNKNOWN, false, false},
	{CK_FW1_A, PID_CLOSER, 30000, 20000, false, false},
	{CK_FW1_B, PID_CLOSER, 40000, 21000, false, false},
	{CK_FW1_C, 0, SK_LIFE_AGE_UNKNOWN, 1000, false, false},
	{CK_TW, PID_CLOSER, 50000, 4000, false, false},
};

static void tcp(struct sk_snapshot *s, uint8_t state, uint64_t inode, uint64_t cookie,
		uint16_t lport, uint16_t pport)
{
	struct sk_socket *k = sb_sock(s, SK_PROTO_TCP, AF_INET, state, inode, "10.0.0.1", lport,
				      NS_A);

	if (pport)
		sb_peer(k, "10.0.3.7", pport);
	k->cookie = cookie;
}

/* server (100) listens on 8080 and holds three CLOSE_WAIT; closer (415),
 * alive but holding nothing, made two of the three FIN_WAIT1 orphans on
 * that port and a TIME_WAIT. With `life` the lifecycle (bpf, 3 events
 * lost) covers every row; without, the snapshot has none. */
static void build(struct sk_snapshot *s, bool life)
{
	struct sk_error err = {0};
	int rc = 0;

	sk_snapshot_init(s);
	sb_netns(s, NS_A, ALL_INET);
	tcp(s, SK_TCP_LISTEN, 10, CK_LISTEN, LISTEN_PORT, 0);
	for (int i = 0; i < 3; i++)
		tcp(s, SK_TCP_CLOSE_WAIT, 11 + (uint64_t)i, CK_CW_OLD + (uint64_t)i, LISTEN_PORT,
		    (uint16_t)(40000 + i));
	for (int i = 0; i < 3; i++)
		tcp(s, SK_TCP_FIN_WAIT1, 0, CK_FW1_A + (uint64_t)i, LISTEN_PORT,
		    (uint16_t)(50000 + i));
	tcp(s, SK_TCP_TIME_WAIT, 0, CK_TW, 33000, 80);

	uint32_t p = sb_proc(s, PID_SERVER, NS_A);

	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "server");
	for (int i = 0; i < 4; i++)
		sb_fd(s, p, 3 + i, 10 + (uint64_t)i);
	p = sb_proc(s, PID_CLOSER, NS_A);
	snprintf(s->procs.v[p].comm, sizeof(s->procs.v[p].comm), "closer");
	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
	s->root = true;
	snprintf(s->host, sizeof(s->host), "testhost");
	if (!life)
		return;

	uint32_t comm_server = sk_strtab_add(&s->strs, "server", 6, &rc);
	uint32_t comm_closer = sk_strtab_add(&s->strs, "closer", 6, &rc);

	assert_int_equal(rc, 0);
	assert_int_equal(sk_vec_reserve((void **)&s->lives.v, &s->lives.cap, s->socks.n,
					sizeof(struct sk_life)), 0);
	s->lives.n = s->socks.n;
	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_life *lf = &s->lives.v[i];

		*lf = (struct sk_life){.age_ms = SK_LIFE_AGE_UNKNOWN,
				       .state_age_ms = SK_LIFE_AGE_UNKNOWN};
		for (size_t j = 0; j < sizeof(lives) / sizeof(lives[0]); j++) {
			if (lives[j].cookie != s->socks.v[i].cookie)
				continue;
			lf->creator_pid = lives[j].creator;
			lf->creator_comm = lives[j].creator == PID_SERVER ? comm_server
					   : lives[j].creator ? comm_closer : 0;
			lf->creator_cgroup =
				lives[j].creator ? 7700 + (uint64_t)lives[j].creator : 0;
			lf->age_ms = lives[j].age_ms;
			lf->state_age_ms = lives[j].state_age_ms;
			lf->estimated = lives[j].estimated;
			lf->creator_is_holder = lives[j].holder;
		}
	}
	s->lifecycle = (struct sk_lifecycle_info){SK_LIFE_BPF, 1764900000, 3};
}

static void view_at(struct sk_view *v, const struct sk_snapshot *s, enum sk_pane pane)
{
	tw_view_new(v);
	sk_view_set_pane(v, pane);
	assert_int_equal(sk_view_build(v, s), 0);
}

/* A snapshot and a view of it on one pane. */
static void fx_open(struct tw_fx *x, bool life, enum sk_pane pane)
{
	build(&x->s, life);
	view_at(&x->v, &x->s, pane);
}

static void fx_close(struct tw_fx *x)
{
	sk_view_free(&x->v);
	sk_snapshot_free(&x->s);
}

static const struct sk_life *row_life(const struct sk_view *v, const struct sk_snapshot *s,
				      size_t row)
{
	return &s->lives.v[v->socks.v[row].sock];
}

/* --- the formatter ------------------------------------------------------------------- */

static void test_age_format(void **state)
{
	static const struct {
		int64_t ms;
		bool est;
		const char *text;
	} cases[] = {
		{SK_LIFE_AGE_UNKNOWN, false, "-"},
		{SK_LIFE_AGE_UNKNOWN, true, "-"},
		{0, false, "0s"},
		{999, false, "0s"}, /* rounded down: at least this old */
		{5000, false, "5s"},
		{59999, false, "59s"},
		{62000, false, "1m02s"},
		{62000, true, "~1m02s"},
		{3 * 3600000LL + 10 * 60000, false, "3h10m"},
		{2 * 86400000LL + 4 * 3600000LL + 59000, false, "2d04h"},
		{2 * 86400000LL + 4 * 3600000LL, true, "~2d04h"},
		{12 * 86400000LL + 5 * 3600000LL, true, "~12d"},
		{400 * 86400000LL, false, "400d"},
	};
	char b[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(sk_tui_fmt_age(cases[i].ms, cases[i].est, b, sizeof(b)),
				    cases[i].text);
	/* Six columns, seven with the mark (the AGE column's width), for any
	 * age up to 27 years. */
	for (int64_t ms = 1; ms < 10000LL * 86400000LL; ms = ms * 3 + 7) {
		assert_true(strlen(sk_tui_fmt_age(ms, false, b, sizeof(b))) <= 6);
		assert_true(strlen(sk_tui_fmt_age(ms, true, b, sizeof(b))) <= 7);
	}
	/* The timer format, sharing its minutes and hours, is unchanged. */
	assert_string_equal(sk_tui_fmt_ms(750000, b, sizeof(b)), "12m30s");
	assert_string_equal(sk_tui_fmt_ms(12 * 86400000ULL + 3600000, b, sizeof(b)), "12d01h");
}

/* --- the AGE column ----------------------------------------------------------------- */

static bool sort_offers(const struct sk_view *v, int col)
{
	int cols[64];
	size_t n = sk_view_sort_columns(v, cols, 64);

	for (size_t i = 0; i < n; i++)
		if (cols[i] == col)
			return true;
	return false;
}

/* Rows in AGE order: known ages in the direction, the unknown after. */
static void check_age_order(const struct sk_view *v, const struct sk_snapshot *s, bool desc)
{
	bool unknown_seen = false;

	assert_int_equal(v->nrows, s->socks.n);
	for (size_t i = 0; i < v->nrows; i++) {
		int64_t a = row_life(v, s, i)->state_age_ms;

		if (a < 0) {
			unknown_seen = true;
			continue;
		}
		assert_false(unknown_seen);
		if (i > 0) {
			int64_t b = row_life(v, s, i - 1)->state_age_ms;

			assert_true(desc ? b >= a : b <= a);
		}
	}
	assert_true(unknown_seen);
}

static void test_age_sort(void **state)
{
	struct tw_fx x;

	(void)state;
	fx_open(&x, true, SK_PANE_SOCKS);
	assert_true(x.v.ages);
	assert_true(sort_offers(&x.v, SK_SCOL_AGE));
	assert_string_equal(sk_view_sort_name(&x.v, SK_SCOL_AGE), "AGE");
	sk_view_set_sort(&x.v, SK_SCOL_AGE);
	assert_true(sk_view_sort_descending(&x.v));
	assert_int_equal(sk_view_build(&x.v, &x.s), 0);
	/* Oldest in its state first: the CLOSE_WAIT of 62 s. */
	assert_int_equal(row_life(&x.v, &x.s, 0)->state_age_ms, 62000);
	check_age_order(&x.v, &x.s, true);
	sk_view_invert(&x.v);
	assert_int_equal(sk_view_build(&x.v, &x.s), 0);
	assert_int_equal(row_life(&x.v, &x.s, 0)->state_age_ms, 1000);
	check_age_order(&x.v, &x.s, false);
	fx_close(&x);

	/* No lifecycle: no AGE to sort on, nor to show. */
	fx_open(&x, false, SK_PANE_SOCKS);
	assert_false(x.v.ages);
	assert_false(sort_offers(&x.v, SK_SCOL_AGE));
	fx_close(&x);
}

/* Enough rows for the radix sort (vsort.h sorts runs of 32 or fewer by
 * insertion), ages spread over every byte of the key, a fifth unknown. */
static void test_age_sort_many(void **state)
{
	struct sk_error err = {0};
	struct sk_snapshot s;
	struct sk_view v;
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	for (int i = 0; i < 500; i++)
		tcp(&s, SK_TCP_ESTABLISHED, 1000 + (uint64_t)i, 0x5000 + (uint64_t)i, LISTEN_PORT,
		    (uint16_t)(1024 + i));
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
	assert_int_equal(sk_vec_reserve((void **)&s.lives.v, &s.lives.cap, s.socks.n,
					sizeof(struct sk_life)), 0);
	s.lives.n = s.socks.n;
	for (size_t i = 0; i < s.socks.n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		s.lives.v[i] = (struct sk_life){.age_ms = SK_LIFE_AGE_UNKNOWN,
						.state_age_ms = x % 5 == 0 ? SK_LIFE_AGE_UNKNOWN
							: (int64_t)(x >> (x % 40))};
	}
	s.lifecycle.source = SK_LIFE_ESTIMATE;
	view_at(&v, &s, SK_PANE_SOCKS);
	sk_view_set_sort(&v, SK_SCOL_AGE);
	assert_int_equal(sk_view_build(&v, &s), 0);
	check_age_order(&v, &s, true);
	sk_view_invert(&v);
	assert_int_equal(sk_view_build(&v, &s), 0);
	check_age_order(&v, &s, false);
	/* A filter takes the other road: rows first, keys after. */
	sk_view_set_filter(&v, "10.0.0.1");
	assert_int_equal(sk_view_build(&v, &s), 0);
	check_age_order(&v, &s, false);
	sk_view_invert(&v);
	assert_int_equal(sk_view_build(&v, &s), 0);
	check_age_order(&v, &s, true);
	sk_view_free(&v);
	sk_snapshot_free(&s);
}

/* --- on screen ------------------------------------------------------------------------ */

struct screen {
	struct sk_options o;
	struct sk_ui ui;
	struct sk_frame f;
	struct sk_line lines[SK_HEADER_MAX];
};

static struct screen *screen_new(const struct sk_snapshot *s, enum sk_pane pane)
{
	struct screen *sc = calloc(1, sizeof(*sc));

	assert_non_null(sc);
	tw_ui_new(&sc->ui, &sc->o, s);
	sk_view_set_pane(&sc->ui.view, pane);
	assert_int_equal(sk_view_build(&sc->ui.view, s), 0);
	sk_render_layout(&sc->ui, 80, 0, sc->ui.view.nrows, &sc->f);
	return sc;
}

static void screen_free(struct screen *sc)
{
	sk_view_free(&sc->ui.view);
	free(sc);
}

/* The column titles, then row `row` (-1: none), each at most 80 wide. */
static const char *screen_row(struct screen *sc, long row)
{
	struct sk_line *l = &sc->lines[0];

	if (row < 0)
		sk_render_colhdr(&sc->ui, &sc->f, l);
	else
		sk_render_row(&sc->ui, &sc->f, (size_t)row, l);
	assert_true(l->cols <= 80);
	return l->buf;
}

static void test_age_column(void **state)
{
	struct sk_snapshot s;
	struct screen *sc;
	const char *hdr;

	(void)state;
	build(&s, true);
	sc = screen_new(&s, SK_PANE_SOCKS);
	hdr = screen_row(sc, -1);
	/* After STATE, at 80 columns. */
	assert_non_null(strstr(hdr, "STATE"));
	assert_non_null(strstr(hdr, "AGE"));
	assert_true(strstr(hdr, "AGE") > strstr(hdr, "STATE"));
	bool old = false, est = false, unknown = false;

	for (size_t r = 0; r < sc->ui.view.nrows; r++) {
		const char *t = screen_row(sc, (long)r);
		const struct sk_life *lf = row_life(&sc->ui.view, &s, r);

		old |= lf->state_age_ms == 62000 && strstr(t, "CLOSE_WAIT   1m02s") != NULL;
		est |= lf->state_age_ms == 5000 && strstr(t, "CLOSE_WAIT     ~5s") != NULL;
		unknown |= lf->state_age_ms < 0 && strstr(t, "CLOSE_WAIT       -") != NULL;
	}
	assert_true(old);
	assert_true(est);
	assert_true(unknown);
	/* The title line says where the ages come from, and what was lost. */
	sk_render_header(&sc->ui, 80, sc->lines, SK_HEADER_MAX);
	assert_non_null(strstr(sc->lines[0].buf, "ages bpf (3 events lost)"));
	assert_true(sc->lines[0].cols <= 80);
	s.lifecycle.source = SK_LIFE_ESTIMATE;
	s.lifecycle.events_lost = 0;
	sk_render_header(&sc->ui, 80, sc->lines, SK_HEADER_MAX);
	assert_non_null(strstr(sc->lines[0].buf, "ages ~tcp_info  scan"));
	screen_free(sc);
	sk_snapshot_free(&s);

	/* Without a lifecycle the pane is as it was: no AGE, no "ages". */
	build(&s, false);
	sc = screen_new(&s, SK_PANE_SOCKS);
	assert_null(strstr(screen_row(sc, -1), "AGE"));
	sk_render_header(&sc->ui, 80, sc->lines, SK_HEADER_MAX);
	assert_null(strstr(sc->lines[0].buf, "ages"));
	screen_free(sc);
	sk_snapshot_free(&s);
}

/* --- the detail view ------------------------------------------------------------------- */

static uint32_t sock_of(const struct sk_snapshot *s, uint64_t cookie)
{
	for (uint32_t i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].cookie == cookie)
			return i;
	fail_msg("no socket with cookie %llx", (unsigned long long)cookie);
	return 0;
}

/* What follows `start` on the detail line that begins with it ("age\t"
 * for a field), NULL without one. */
static const char *detail_line(const struct sk_view *v, const char *start)
{
	size_t n = strlen(start);

	for (size_t i = 0; i < v->lines.n; i++)
		if (strncmp(v->lines.v[i].text, start, n) == 0)
			return v->lines.v[i].text + n;
	return NULL;
}

static void test_detail_lifetime(void **state)
{
	struct tw_fx x;

	(void)state;
	fx_open(&x, true, SK_PANE_SOCKS);
	x.v.width = 100; /* no wrapping: one line a field */
	/* Made before sktop: the fd holder stands in, the ages are estimates. */
	assert_int_equal(sk_view_detail(&x.v, &x.s, sock_of(&x.s, CK_CW_NEW), SK_NONE), 0);
	assert_string_equal(detail_line(&x.v, "created by\t"),
			    "server[100]  cgroup id 7800  (fd holder, made before sktop)");
	assert_string_equal(detail_line(&x.v, "age\t"), "~9s");
	assert_string_equal(detail_line(&x.v, "state age\t"), "~5s in CLOSE_WAIT");
	assert_non_null(detail_line(&x.v, "~: estimated from tcp_info"));
	/* Seen being made: no estimate, no note. */
	assert_int_equal(sk_view_detail(&x.v, &x.s, sock_of(&x.s, CK_FW1_A), SK_NONE), 0);
	assert_string_equal(detail_line(&x.v, "created by\t"), "closer[415]  cgroup id 8115");
	assert_string_equal(detail_line(&x.v, "age\t"), "30s");
	assert_string_equal(detail_line(&x.v, "state age\t"), "20s in FIN_WAIT1");
	assert_null(detail_line(&x.v, "~: estimated"));
	/* Nothing known. */
	assert_int_equal(sk_view_detail(&x.v, &x.s, sock_of(&x.s, CK_CW_UNKNOWN), SK_NONE), 0);
	assert_string_equal(detail_line(&x.v, "created by\t"), "unknown");
	assert_string_equal(detail_line(&x.v, "age\t"), "unknown");
	assert_string_equal(detail_line(&x.v, "state age\t"), "unknown in CLOSE_WAIT");
	fx_close(&x);

	/* No lifecycle: no such lines at all. */
	fx_open(&x, false, SK_PANE_SOCKS);
	assert_int_equal(sk_view_detail(&x.v, &x.s, sock_of(&x.s, CK_CW_NEW), SK_NONE), 0);
	assert_null(detail_line(&x.v, "created by\t"));
	assert_null(detail_line(&x.v, "age\t"));
	fx_close(&x);
}

/* --- orphans and states by creator ------------------------------------------------------- */

static void test_orphans_by_creator(void **state)
{
	struct sk_snapshot s;
	struct screen *sc;
	char label[128];

	(void)state;
	build(&s, true);
	sc = screen_new(&s, SK_PANE_ORPHANS);
	const struct sk_view *v = &sc->ui.view;

	/* FIN_WAIT1: two closer made, one only the listener explains. */
	assert_int_equal(v->nrows, 2);
	assert_int_equal(v->orphans.v[0].count, 2);
	assert_int_equal(v->orphans.v[0].key.owner_kind, SK_OKEY_CREATOR);
	assert_int_equal(s.procs.v[v->orphans.v[0].proc].pid, PID_CLOSER);
	sk_view_okey_label(&s, &v->orphans.v[0], label, sizeof(label));
	assert_string_equal(label, "closer[415] made them");
	sk_view_okey_label(&s, &v->orphans.v[1], label, sizeof(label));
	assert_string_equal(label, "~server[100] via :8080");
	assert_non_null(strstr(screen_row(sc, -1), " OWNER"));
	assert_null(strstr(screen_row(sc, -1), "LIKELY"));
	assert_non_null(strstr(screen_row(sc, 0), "closer[415] made them"));
	/* The filter judges an orphan by its maker: closer holds nothing. */
	sk_view_set_filter(&sc->ui.view, "closer");
	assert_int_equal(sk_view_build(&sc->ui.view, &s), 0);
	assert_int_equal(v->nrows, 1);
	assert_int_equal(v->orphans.v[0].count, 2);
	assert_int_equal(v->orphans.v[0].key.owner_kind, SK_OKEY_CREATOR);
	screen_free(sc);

	/* The states pane: the orphans and the TIME_WAIT count for closer. */
	sc = screen_new(&s, SK_PANE_STATES);
	v = &sc->ui.view;
	bool tw = false, orphans = false;

	for (size_t r = 0; r < v->nrows; r++) {
		const struct sk_vstate *st = &v->states.v[r];
		const char *t = screen_row(sc, (long)r);

		if (st->dstate == SK_TCP_TIME_WAIT)
			tw = st->unowned == 0 && strstr(t, "closer[415] made 1") != NULL;
		if (st->dstate == SK_DS_ORPHANS)
			orphans = strstr(t, "closer[415] made 2, server[100] 1") != NULL;
	}
	assert_true(tw);
	assert_true(orphans);
	screen_free(sc);
	sk_snapshot_free(&s);

	/* Without a lifecycle: "likely" stays in the title, not in the cells. */
	build(&s, false);
	sc = screen_new(&s, SK_PANE_ORPHANS);
	assert_int_equal(sc->ui.view.nrows, 1);
	assert_non_null(strstr(screen_row(sc, -1), "LIKELY OWNER"));
	sk_view_okey_label(&s, &sc->ui.view.orphans.v[0], label, sizeof(label));
	assert_string_equal(label, "server[100] via :8080");
	screen_free(sc);
	sk_snapshot_free(&s);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_age_format),
	cmocka_unit_test(test_age_sort),
	cmocka_unit_test(test_age_sort_many),
	cmocka_unit_test(test_age_column),
	cmocka_unit_test(test_detail_lifetime),
	cmocka_unit_test(test_orphans_by_creator))
