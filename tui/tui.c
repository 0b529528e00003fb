/* The main loop: the input timeout is the refresh tick. Each turn waits
 * for a key at most until the next refresh is due, asks the refresh thread
 * (refresher.c) for a snapshot when it is, shows one when it has arrived,
 * hands keys to keys.c, and draws only when a handler or a refresh asked
 * for it. Keys never wait on a refresh: while one runs, the screen stays on
 * the last snapshot. Terminal setup and teardown live here, with the signal
 * handlers that restore the terminal. */
#include <config.h>

#include "store/replaylog.h"
#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "destroy.h"
#include "draw.h"
#include "engine.h"
#include "model/fields.h"
#include "keys.h"
#include "mouse.h"
#include "refresher.h"
#include "users.h"
#include "view.h"

/* The longest the loop sleeps in getch, whatever the interval: a signal
 * that ncurses swallowed, or a status message to expire, is noticed by
 * then. Waking twice a second to find nothing to do costs nothing. */
#define SK_MAX_WAIT_MS 500

/* How often the loop looks for a finished refresh while one runs: the
 * refresh itself costs far more than waking this often to look. */
#define SK_REFRESH_POLL_MS 20

/* Set by SIGINT/SIGTERM/SIGHUP; the loop exits cleanly when it sees it. */
static volatile sig_atomic_t stop_signal;

static void on_stop(int sig)
{
	stop_signal = sig;
}

/* A crash must not leave the terminal in raw mode with the cursor hidden.
 * endwin() is not async-signal-safe, but the process is dying anyway and a
 * usable shell is worth the risk (htop does the same). */
static void on_crash(int sig)
{
	endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}

static void restore_signals(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* UTF-8 glyphs only where both the locale and the terminal can show them. */
static bool want_unicode(void)
{
	const char *cs = nl_langinfo(CODESET);
	const char *term = getenv("TERM");

	if (!cs || strcmp(cs, "UTF-8") != 0)
		return false;
	if (!term || !term[0] || strcmp(term, "dumb") == 0 || strncmp(term, "vt", 2) == 0)
		return false;
	return true;
}

/* The list of every socket, built on the refresh thread next to each
 * snapshot while the operator uses the socket pane (prebuild_ask): a
 * refresh arriving there, or a switch back to it, no longer stalls the
 * keys for the 100-450 ms that sorting a million rows takes
 * (sk_view_take_socks hands it to the shown view). */
struct prebuilt {
	struct sk_view view;       /* the worker's from a request until its collect */
	struct sk_engine *engine;  /* NULL: not set up (replay) */
	bool want;                 /* the loop's ask for the next refresh */
	bool seen;                 /* the list was shown since the last ask */
	bool built;                /* the worker's answer */
	bool holds;                /* view has buffers, to free off the socket pane */
	struct sk_view_config cfg;
};

struct loop {
	struct sk_ui ui;
	struct sk_screen screen;
	struct sk_engine *engine;
	struct sk_refresher *refresher;
	struct sk_replaylog *replay; /* -r: saved snapshots, never refreshed */
	bool keyed;                /* the operator has pressed a key */
	long shown;                /* snapshots shown, the first included (-n) */
	uint64_t next_refresh;  /* monotonic ms */
	uint64_t last_refresh;
	struct prebuilt pre;
};

/* The refresh thread, after a refresh (sk_refresher_then). */
static void prebuild(void *ctx)
{
	struct prebuilt *pb = ctx;

	pb->built = false;
	if (!pb->want)
		return;
	sk_view_snapshot_changed(&pb->view);
	pb->holds = true;
	pb->built = sk_view_build(&pb->view, sk_engine_snapshot(pb->engine)) == 0;
}

/* An empty view on the socket pane. */
static void prebuilt_reset(struct prebuilt *pb)
{
	sk_view_init(&pb->view, &pb->cfg, SK_SORT_SOCKETS, false);
	sk_view_set_pane(&pb->view, SK_PANE_SOCKS);
	pb->holds = false;
}

static void prebuilt_init(struct prebuilt *pb, struct sk_engine *e, const struct sk_view_config *vc)
{
	pb->engine = e;
	pb->cfg = *vc;
	/* The worker must not share the loop's user-name cache; an
	 * unfiltered list never asks for a name anyway. */
	pb->cfg.user_name = NULL;
	pb->cfg.user_ctx = NULL;
	prebuilt_reset(pb);
}

/* The socket pane at the bottom, unfiltered and ungrouped: the list a
 * refresh arriving rebuilds, and the one the worker can build. */
static bool on_all_socks(const struct sk_view *v)
{
	const struct sk_level *l = &v->stack[0];

	return l->kind == SK_VK_SOCKS && l->scope == SK_SCOPE_ALL && l->group == SK_GROUP_NONE &&
	       !v->filter[0];
}

/* Before a request: whether the refresh builds the list too, in the
 * shown order. Only while the operator uses it: shown now, or since the
 * last refresh was asked for (switching panes back and forth). */
static void prebuild_ask(struct loop *lp)
{
	struct prebuilt *pb = &lp->pre;
	const struct sk_view *v = &lp->ui.view;

	if (!pb->engine)
		return;
	pb->want = on_all_socks(v) || (pb->seen && !v->filter[0]);
	pb->seen = false;
	if (pb->want) {
		pb->view.sort[SK_VK_SOCKS] = v->sort[SK_VK_SOCKS];
	} else if (pb->holds) {
		/* Elsewhere its rows and scratch are memory nobody reads. */
		sk_view_free(&pb->view);
		prebuilt_reset(pb);
	}
}

/* Something wrong: the diagnosis is the first thing to see, at start or
 * as soon as it appears, until the operator has taken the wheel. */
static void findings_first(struct loop *lp)
{
	const struct sk_snapshot *s = lp->ui.snap;

	/* A pane chosen in F2 is the operator's wheel too. */
	if (lp->keyed || lp->ui.settings.pane >= 0 || !s || !s->findings ||
	    lp->ui.view.depth != 1 || sk_view_pane(&lp->ui.view) != SK_PANE_PROCS)
		return;
	if (s->findings->by_severity[SK_SEV_CRITICAL] + s->findings->by_severity[SK_SEV_WARNING])
		sk_view_set_pane(&lp->ui.view, SK_PANE_FINDINGS);
}

static void rebuild(struct loop *lp)
{
	if (sk_view_build(&lp->ui.view, lp->ui.snap) < 0)
		sk_ui_status(&lp->ui, true, "Out of memory building the view.");
	if (on_all_socks(&lp->ui.view))
		lp->pre.seen = true;
}

static void replay_shown(struct loop *lp, size_t skipped_before)
{
	struct sk_ui *ui = &lp->ui;
	const struct sk_replaylog *log = lp->replay;

	ui->snap = &log->cur.snap;
	/* The same struct holds every entry: only the view can tell them apart. */
	sk_view_snapshot_changed(&ui->view);
	ui->replay_pos = log->pos;
	ui->replay_count = log->single ? 0 : sk_replaylog_count(log);
	/* Deltas between entries the operator jumps across mean nothing. */
	memset(&ui->counters, 0, sizeof(ui->counters));
	sk_counter_track_update(&ui->counters, &ui->snap->sys, ui->snap->seq);
	if (log->skipped > skipped_before) {
		char what[256];

		sk_replaylog_skipped_text(log, what, sizeof(what));
		sk_ui_status(ui, true, "%s", what);
	}
}

/* The step a key asked for ([ ] { }): the loop owns the log. */
static void travel(struct loop *lp)
{
	struct sk_error err = {0};
	size_t before = lp->replay->skipped;
	long delta = lp->ui.travel;

	lp->ui.travel = 0;
	if (sk_replaylog_step(lp->replay, delta, &err) < 0)
		sk_ui_status(&lp->ui, true, "%s", err.msg);
	else if (lp->replay->pos == lp->ui.replay_pos)
		sk_ui_status(&lp->ui, false, delta < 0 ? "The first snapshot of the log."
						       : "The last snapshot of the log.");
	replay_shown(lp, before);
}

/* Asks for a refresh; it arrives through take_refresh. */
static void start_refresh(struct loop *lp)
{
	struct sk_ui *ui = &lp->ui;

	if (lp->replay) {
		/* A post-mortem: the file is the machine; nothing to refresh. */
		lp->next_refresh = now_ms() + 3600 * 1000;
		if (!ui->replay_count)
			sk_ui_status(ui, false, "Replay of %s: read-only, nothing refreshes.",
				     ui->opts->replay_file);
		rebuild(lp);
		return;
	}
	if (sk_refresher_busy(lp->refresher))
		return;
	/* Idle: the worker leaves lp->pre alone until the next request. */
	prebuild_ask(lp);
	if (sk_refresher_request(lp->refresher))
		ui->refresh_started_ms = now_ms();
}

/* Shows a finished refresh, if there is one. A failed refresh is not
 * shown as the machine's state: the error is, and the next tick tries
 * again. While paused a finished refresh waits, so the screen holds. */
static bool take_refresh(struct loop *lp)
{
	struct sk_error err;
	struct sk_ui *ui = &lp->ui;
	bool prebuilt;
	int rc;

	if (!lp->refresher || ui->paused || !sk_refresher_collect(lp->refresher, &rc, &err))
		return false;
	prebuilt = lp->pre.built;
	lp->pre.built = false;
	ui->refresh_started_ms = 0;
	lp->last_refresh = now_ms();
	lp->next_refresh = lp->last_refresh + (uint64_t)(ui->interval * 1000);
	sk_view_snapshot_changed(&ui->view);
	if (rc) {
		ui->snap = NULL;
		ui->refreshes_failed++;
		snprintf(ui->engine_error, sizeof(ui->engine_error), "Refresh failed: %s",
			 err.msg[0] ? err.msg : strerror(-rc));
	} else {
		ui->snap = sk_engine_snapshot(lp->engine);
		/* Not taken, or taken in an order changed since: the rebuild
		 * below sorts on the loop, as without it. */
		if (prebuilt)
			(void)sk_view_take_socks(&ui->view, &lp->pre.view, ui->snap);
		ui->engine_error[0] = '\0';
		sk_counter_track_update(&ui->counters, &ui->snap->sys, ui->snap->seq);
		findings_first(lp);
		lp->shown++;
	}
	rebuild(lp);
	return true;
}

/* -n N, as in top: the loop ends once the Nth snapshot has been drawn. */
static bool count_reached(const struct loop *lp)
{
	long n = lp->ui.opts->count;

	return !lp->replay && n > 0 && lp->shown >= n;
}

/* An escape sequence the terminfo entry does not know (a TERM that does
 * not match the terminal) arrives as ESC, '[', '4', '~': as keys that would
 * mean Back, then pane 4. Esc pressed by a person has nothing right behind
 * it, so an ESC followed at once by '[' or 'O' is swallowed whole. */
static bool swallow_unknown_sequence(void)
{
	wint_t wc;
	int r;

	timeout(0);
	r = get_wch(&wc);
	if (r == ERR)
		return false;
	if (r == KEY_CODE_YES || (wc != '[' && wc != 'O')) {
		unget_wch(wc);
		return false;
	}
	/* Parameters and intermediates up to the final byte (0x40..0x7e). */
	for (int i = 0; i < 16; i++) {
		r = get_wch(&wc);
		if (r == ERR || (r != KEY_CODE_YES && wc >= 0x40 && wc <= 0x7e))
			break;
	}
	return true;
}

static int read_key(int timeout_ms)
{
	wint_t wc;
	int r;

	timeout(timeout_ms);
	r = get_wch(&wc);
	if (r == ERR)
		return -1;
	if (r == KEY_CODE_YES)
		return SK_KEYCODE | (int)wc;
	if (wc == 27 && swallow_unknown_sequence())
		return -1;
	return (int)wc;
}

/* The terminal's mouse report, handed to mouse.c as a cell and a button. */
static unsigned read_mouse(struct sk_ui *ui)
{
	MEVENT ev;

	if (getmouse(&ev) != OK)
		return SK_H_NONE;
	if (ev.bstate & BUTTON4_PRESSED)
		return sk_mouse_handle(ui, ev.y, ev.x, SK_MB_WHEEL_UP);
#ifdef BUTTON5_PRESSED
	if (ev.bstate & BUTTON5_PRESSED)
		return sk_mouse_handle(ui, ev.y, ev.x, SK_MB_WHEEL_DOWN);
#endif
	if (ev.bstate & (BUTTON1_RELEASED | BUTTON1_CLICKED))
		return sk_mouse_handle(ui, ev.y, ev.x, SK_MB_CLICK);
	return SK_H_NONE;
}

static int wait_ms(const struct loop *lp, uint64_t now)
{
	uint64_t wait = SK_MAX_WAIT_MS;

	if ((lp->ui.refresh_started_ms && !lp->ui.paused) || lp->ui.destroy.queued)
		wait = SK_REFRESH_POLL_MS;
	else if (!lp->ui.paused)
		wait = lp->next_refresh > now ? lp->next_refresh - now : 0;
	if (lp->ui.status[0] && lp->ui.status_until_ms > now &&
	    lp->ui.status_until_ms - now < wait)
		wait = lp->ui.status_until_ms - now;
	if (wait > SK_MAX_WAIT_MS)
		wait = SK_MAX_WAIT_MS;
	return (int)wait;
}

static void run_loop(struct loop *lp)
{
	struct sk_ui *ui = &lp->ui;
	bool redraw = true;
	uint64_t shown_secs = 0;

	for (;;) {
		uint64_t now = now_ms();

		ui->now_ms = now;
		if (stop_signal)
			break;
		if (take_refresh(lp)) {
			redraw = true;
			now = ui->now_ms = now_ms();
		}
		/* A destroy's outcome, then a refresh that shows it. */
		if (sk_destroy_poll(ui, lp->refresher)) {
			redraw = true;
			lp->next_refresh = 0;
		}
		if (!ui->paused && now >= lp->next_refresh && !ui->refresh_started_ms)
			start_refresh(lp);
		/* The header counts the seconds of a long refresh. */
		if (ui->refresh_started_ms && (now - ui->refresh_started_ms) / 1000 != shown_secs) {
			shown_secs = (now - ui->refresh_started_ms) / 1000;
			redraw = true;
		}
		if (ui->status[0] && ui->status_until_ms && now >= ui->status_until_ms) {
			ui->status[0] = '\0';
			redraw = true;
		}
		if (redraw) {
			sk_draw(&lp->screen, ui);
			redraw = false;
		}
		if (count_reached(lp))
			break;
		int key = read_key(wait_ms(lp, now));

		if (stop_signal)
			break;
		if (key < 0)
			continue;
		ui->now_ms = now_ms();
		if (key == (SK_KEYCODE | KEY_RESIZE)) {
			sk_draw_layout(&lp->screen, ui);
			rebuild(lp); /* the detail view wraps to the width */
			redraw = true;
			continue;
		}
		lp->keyed = true;
		unsigned h = key == (SK_KEYCODE | KEY_MOUSE) ? read_mouse(ui) : sk_keys_handle(ui, key);

		if (h & SK_H_QUIT)
			break;
		if (ui->travel && lp->replay)
			travel(lp);
		if (h & SK_H_DESTROY)
			sk_destroy_queue(ui, lp->refresher);
		if (h & SK_H_RETIME)
			lp->next_refresh = lp->last_refresh + (uint64_t)(ui->interval * 1000);
		/* One under way already is the fresh data asked for. */
		if ((h & SK_H_RESCAN) && !ui->paused && !ui->refresh_started_ms)
			lp->next_refresh = 0;
		if (h & SK_H_REBUILD)
			rebuild(lp);
		if (h & SK_H_REPAINT)
			clearok(curscr, TRUE);
		if (h & (SK_H_REDRAW | SK_H_REBUILD | SK_H_REPAINT))
			redraw = true;
	}
}

int sk_tui_run(const struct sk_options *opts, struct sk_error *err)
{
	/* The detail view shows every tcp_info and skmem row, the columns
	 * rmem/wmem and the rules read both: the TUI asks for what they need. */
	uint32_t needs = sk_record_needs(&sk_rec_tcpinfo, 0) | sk_record_needs(&sk_rec_skmem, 0) |
			 sk_record_needs(&sk_rec_proc, 0);
	struct sk_engine_config cfg = {
		.proc_root = opts->proc_root,
		.host_root = opts->host_root,
		.kmsg_path = opts->kmsg_path,
		.want_unix = !opts->no_unix,
		.want_meminfo = needs & SK_NEED_MEMINFO,
		.want_tcpinfo = needs & SK_NEED_INFO,
		.thresholds = &opts->thresholds,
		.double_buffer = true,
		.no_bpf = opts->no_bpf,
	};
	struct loop *lp;
	struct sk_users *users;
	SCREEN *scr;
	int rc;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
		return sk_error_set(err, ENOTTY,
				    "the interactive view needs a terminal; use -b for a text report");
	setlocale(LC_ALL, "");
	/* Wide characters from the locale, but numbers as "1.5K" everywhere
	 * (and in the files the snapshot key writes). */
	setlocale(LC_NUMERIC, "C");
	lp = calloc(1, sizeof(*lp));
	users = calloc(1, sizeof(*users));
	if (!lp || !users) {
		free(lp);
		free(users);
		return sk_error_set(err, ENOMEM, "out of memory");
	}
	sk_users_init(users);
	if (opts->replay_file) {
		/* A file that cannot be read: the error reads best on a normal terminal. */
		lp->replay = calloc(1, sizeof(*lp->replay));
		rc = lp->replay ? sk_replaylog_open(opts->replay_file, lp->replay, err)
				: sk_error_set(err, ENOMEM, "out of memory");
		if (rc) {
			free(lp->replay);
			lp->replay = NULL;
			goto out;
		}
	}
	/* The terminal before the first refresh: on a host that leaves sktop
	 * few free fds, the refresh must not take the ones terminfo needs. */
	install_signals();
	scr = newterm(NULL, stdout, stdin);
	if (!scr) {
		restore_signals();
		rc = sk_error_set(err, ENOTTY, "cannot drive terminal type '%s'",
				  getenv("TERM") ? getenv("TERM") : "(unset)");
		goto out;
	}
	set_term(scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	curs_set(0);
	set_escdelay(25); /* Esc is "back": it must feel instant */
	mousemask(BUTTON1_RELEASED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	mouseinterval(0); /* a click is a release: no wait for a double click */
	if (!lp->replay) {
		rc = sk_engine_new(&cfg, &lp->engine, err);
		/* The screen is up already: the reason BPF is off goes on the
		 * status line, where it is read, not under the curses screen. */
		if (rc == 0 && sk_engine_owner_note(lp->engine)[0])
			sk_ui_status(&lp->ui, false, "%s; reading /proc instead",
				     sk_engine_owner_note(lp->engine));
		if (rc == 0)
			rc = sk_engine_refresh(lp->engine, err);
		if (rc == 0)
			rc = sk_refresher_start(lp->engine, &lp->refresher, err);
		if (rc)
			goto out_term;
		lp->shown = 1;
	}

	struct sk_ui *ui = &lp->ui;
	struct sk_view_config vc = {
		.pids = opts->pids,
		.npids = opts->npids,
		.have_uid = opts->have_uid,
		.service = opts->service,
		.uid = (uint32_t)opts->uid,
		.user_name = sk_users_name,
		.user_ctx = users,
	};

	ui->opts = opts;
	ui->users = users;
	ui->interval = opts->interval >= 0.1 ? opts->interval : 2.0;
	ui->unicode = want_unicode();
	sk_view_init(&ui->view, &vc, opts->sort, opts->sort_invert);
	if (lp->refresher) {
		prebuilt_init(&lp->pre, lp->engine, &vc);
		sk_refresher_then(lp->refresher, prebuild, &lp->pre);
	}
	ui->send_signal = sk_killproc_send;
	sk_setup_load(ui);

	if (lp->replay) {
		replay_shown(lp, 0);
	} else {
		ui->snap = sk_engine_snapshot(lp->engine);
		sk_view_snapshot_changed(&ui->view);
		sk_counter_track_update(&ui->counters, &ui->snap->sys, ui->snap->seq);
	}
	findings_first(lp);
	lp->last_refresh = now_ms();
	lp->next_refresh = lp->last_refresh + (uint64_t)(ui->interval * 1000);
	if (lp->replay) {
		lp->next_refresh = lp->last_refresh + 3600 * 1000;
		if (!lp->replay->skipped)
			sk_ui_status(ui, false, ui->replay_count
				     ? "Replay of %s: [ ] step, { } jump 10; read-only."
				     : "Replay of %s: read-only, nothing refreshes.",
				     opts->replay_file);
	}
	sk_colors_init(&lp->screen.pal, !opts->no_color && ui->settings.color != 0);
	ui->color = lp->screen.pal.color;
	sk_draw_layout(&lp->screen, ui);
	rebuild(lp);

	run_loop(lp);
	/* Stopped by SIGINT, SIGTERM or SIGHUP: the caller exits 128 + it. */
	rc = stop_signal;
	sk_view_free(&lp->ui.view);
out_term:
	curs_set(1);
	endwin();
	delscreen(scr);
	restore_signals();
out:
	sk_destroy_free(&lp->ui); /* lp is calloc'd: safe on every path */
	sk_refresher_stop(lp->refresher);
	if (lp->pre.engine) /* the worker is gone: the view is the loop's */
		sk_view_free(&lp->pre.view);
	if (lp->engine)
		sk_engine_free(lp->engine);
	if (lp->replay) {
		sk_replaylog_free(lp->replay);
		free(lp->replay);
	}
	free(lp);
	free(users);
	return rc;
}
