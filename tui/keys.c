#include <config.h>

#include "keys.h"

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "destroy.h"
#include "list.h"

#define KC(k) (SK_KEYCODE | (k))
#define CTRL(c) ((c) & 0x1f)

const char *const sk_help_section_names[SK_HS_LAST] = {
	[SK_HS_MOVE] = "Moving around",
	[SK_HS_SORT] = "Sorting, grouping, filtering",
	[SK_HS_PROGRAM] = "Refresh, snapshot, quit",
};

/* --- handlers ----------------------------------------------------------------- */

/* Each handler takes its action's argument (sk_actiondef.arg): one
 * handler serves the keys that differ only by it (up and down, the panes,
 * the sort keys, the replay steps). */

/* arg rows down (negative: up). */
static unsigned act_move(struct sk_ui *ui, long rows)
{
	sk_view_move(&ui->view, rows);
	return SK_H_REDRAW;
}

static long page(const struct sk_ui *ui)
{
	return ui->body_height > 1 ? ui->body_height - 1 : 1;
}

/* arg pages down (negative: up). */
static unsigned act_page(struct sk_ui *ui, long pages)
{
	sk_view_move(&ui->view, pages * page(ui));
	return SK_H_REDRAW;
}

/* The first row (arg 0) or the last. */
static unsigned act_edge(struct sk_ui *ui, long last)
{
	sk_view_move_to(&ui->view, last && ui->view.nrows ? ui->view.nrows - 1 : 0);
	return SK_H_REDRAW;
}

static unsigned act_enter(struct sk_ui *ui, long arg)
{
	(void)arg;
	if (!ui->snap)
		return SK_H_NONE;
	if (!sk_view_enter(&ui->view, ui->snap)) {
		if (sk_view_top(&ui->view)->kind == SK_VK_DETAIL)
			return SK_H_NONE;
		if (ui->view.nrows == 0)
			sk_ui_status(ui, false, "Nothing to open here.");
		return SK_H_REDRAW;
	}
	return SK_H_REBUILD;
}

static unsigned act_back(struct sk_ui *ui, long arg)
{
	(void)arg;
	if (sk_view_back(&ui->view))
		return SK_H_REBUILD;
	/* At the top, Esc drops the filter: the way out of an empty screen. */
	if (ui->view.filter[0]) {
		sk_view_set_filter(&ui->view, "");
		ui->input[0] = '\0';
		sk_ui_status(ui, false, "Filter cleared.");
		return SK_H_REBUILD;
	}
	return SK_H_NONE;
}

/* Pane arg (enum sk_pane). */
static unsigned act_pane(struct sk_ui *ui, long pane)
{
	sk_view_set_pane(&ui->view, (enum sk_pane)pane);
	return SK_H_REBUILD;
}

/* The pane arg steps on (1) or back (-1), round. */
static unsigned act_pane_step(struct sk_ui *ui, long dir)
{
	return act_pane(ui, ((long)sk_view_pane(&ui->view) + SK_PANE_LAST + dir) % SK_PANE_LAST);
}

/* One direct sort key means the nearest column in each kind of list. */
struct direct_sort {
	int procs, socks, groups, orphans; /* -1: nothing fits, say so */
};

static const struct direct_sort direct_sorts[SK_ACT_LAST] = {
	[SK_ACT_SORT_CLOSE_WAIT] = {SK_SORT_CLOSE_WAIT, SK_SCOL_STATE, SK_GCOL_COUNT, SK_OCOL_COUNT},
	[SK_ACT_SORT_CLOSED] = {SK_SORT_CLOSED, SK_SCOL_STATE, SK_GCOL_COUNT, SK_OCOL_COUNT},
	[SK_ACT_SORT_ORPHANS] = {SK_SORT_ORPHANS, SK_SCOL_STATE, SK_GCOL_COUNT, SK_OCOL_COUNT},
	[SK_ACT_SORT_RMEM] = {SK_SORT_RMEM, SK_SCOL_RMEM, SK_GCOL_RMEM, SK_OCOL_RECVQ},
	[SK_ACT_SORT_WMEM] = {SK_SORT_WMEM, SK_SCOL_WMEM, SK_GCOL_WMEM, SK_OCOL_SENDQ},
	[SK_ACT_SORT_FDS] = {SK_SORT_FDS, SK_SCOL_FD, SK_GCOL_PROCS, -1},
	[SK_ACT_SORT_ESTAB] = {SK_SORT_ESTAB, SK_SCOL_STATE, SK_GCOL_STATE, SK_OCOL_STATE},
	[SK_ACT_SORT_TIME_WAIT] = {SK_SORT_TIME_WAIT, SK_SCOL_TIMER, SK_GCOL_TIMER, SK_OCOL_TIMER},
	[SK_ACT_SORT_PID] = {SK_SORT_PID, SK_SCOL_PID, SK_GCOL_ADDR, SK_OCOL_OWNER},
	[SK_ACT_SORT_GROWTH] = {SK_VSORT_GROWTH, -1, -1, -1},
};

/* arg: the sort key's own action (its row of direct_sorts). */
static unsigned act_sort_key(struct sk_ui *ui, long a)
{
	const struct direct_sort d = direct_sorts[a];
	const struct sk_level *l = sk_view_top(&ui->view);
	int col = -1;

	/* Findings come first when something is wrong; a sort key there means
	 * "show me the processes by that", as it does at start-up. */
	if (l->kind == SK_VK_FINDINGS) {
		sk_view_set_pane(&ui->view, SK_PANE_PROCS);
		l = sk_view_top(&ui->view);
	}
	switch (l->kind) {
	case SK_VK_PROCS: col = d.procs; break;
	case SK_VK_SOCKS: col = ui->view.grouped ? d.groups : d.socks; break;
	case SK_VK_ORPHANS: col = d.orphans; break;
	default: break;
	}
	if (col < 0) {
		sk_ui_status(ui, false, "This view has a fixed order; F6 lists what can be sorted.");
		return SK_H_REDRAW;
	}
	sk_view_set_sort(&ui->view, col);
	return SK_H_REBUILD;
}

/* Growth is a process figure: the other lists have nothing to rank by it,
 * and saying so beats sorting them by something else. */
static unsigned act_sort_growth(struct sk_ui *ui, long a)
{
	unsigned r = act_sort_key(ui, a);

	if (sk_view_top(&ui->view)->kind != SK_VK_PROCS)
		sk_ui_status(ui, false, "G ranks processes by growth: press 1 for the Processes pane.");
	else
		sk_ui_status(ui, false,
			     "Sorted by %s growth per minute; sort by another count first to rank it.",
			     sk_view_metric_name((enum sk_pmetric)ui->view.growth_metric));
	return r;
}

static unsigned act_sort_menu(struct sk_ui *ui, long arg)
{
	int cols[64];
	size_t n = sk_view_sort_columns(&ui->view, cols, 64);
	const struct sk_sortstate *ss = sk_view_sortstate(&ui->view);

	(void)arg;
	if (n == 0) {
		sk_ui_status(ui, false, "This view has a fixed order.");
		return SK_H_REDRAW;
	}
	ui->menu_cursor = 0;
	for (size_t i = 0; i < n; i++)
		if (cols[i] == ss->col)
			ui->menu_cursor = i;
	ui->mode = SK_MODE_SORT;
	return SK_H_REDRAW;
}

/* The sort column before (-1) or after (1) the current one. */
static unsigned act_sort_step(struct sk_ui *ui, long dir)
{
	sk_view_cycle_sort(&ui->view, (int)dir);
	return SK_H_REBUILD;
}

static unsigned act_invert(struct sk_ui *ui, long arg)
{
	(void)arg;
	sk_view_invert(&ui->view);
	return SK_H_REBUILD;
}

static unsigned act_group(struct sk_ui *ui, long arg)
{
	(void)arg;
	const struct sk_level *l = sk_view_top(&ui->view);

	if (l->kind != SK_VK_SOCKS || l->in_group) {
		sk_ui_status(ui, false, "g groups socket lists: open a process (Enter) or press 2.");
		return SK_H_REDRAW;
	}
	sk_view_cycle_group(&ui->view);
	sk_ui_status(ui, false, "Sockets %s.", sk_group_names[l->group]);
	return SK_H_REBUILD;
}

static unsigned act_services(struct sk_ui *ui, long arg)
{
	(void)arg;
	if (!sk_view_toggle_services(&ui->view)) {
		sk_ui_status(ui, false, "v groups the process list: press 1 first.");
		return SK_H_REDRAW;
	}
	sk_ui_status(ui, false, "Processes %s.",
		     sk_view_top(&ui->view)->kind == SK_VK_SERVICES
		     ? "grouped by pod, container or unit" : "one per row");
	return SK_H_REBUILD;
}

/* A line typed on the bottom line, mode arg: the filter (starting from
 * the one in force), a search, the interval. */
static unsigned act_prompt(struct sk_ui *ui, long mode)
{
	snprintf(ui->input, sizeof(ui->input), "%s", mode == SK_MODE_FILTER ? ui->view.filter : "");
	ui->mode = (enum sk_mode)mode;
	return SK_H_REDRAW;
}

static unsigned search_next(struct sk_ui *ui, bool from_cursor)
{
	if (!ui->search[0])
		return act_prompt(ui, SK_MODE_SEARCH);
	if (!sk_view_search(&ui->view, ui->snap, ui->search, from_cursor)) {
		sk_ui_status(ui, false, "\"%s\" is in no row here.", ui->search);
		return SK_H_REDRAW;
	}
	return SK_H_REDRAW;
}

static unsigned act_search_next(struct sk_ui *ui, long arg)
{
	(void)arg;
	return search_next(ui, false);
}

/* The handlers that open a mode of their own (destroy.c, signal_key.c,
 * setup_key.c) take no argument. */
static unsigned act_destroy(struct sk_ui *ui, long arg)
{
	(void)arg;
	return sk_destroy_begin(ui);
}

static unsigned act_signal(struct sk_ui *ui, long arg)
{
	(void)arg;
	return sk_signal_open(ui);
}

static unsigned act_setup(struct sk_ui *ui, long arg)
{
	(void)arg;
	return sk_setup_open(ui);
}

static unsigned act_pause(struct sk_ui *ui, long arg)
{
	(void)arg;
	ui->paused = !ui->paused;
	sk_ui_status(ui, false, ui->paused ? "Paused: the screen holds this snapshot; p resumes."
					   : "Resumed.");
	return ui->paused ? SK_H_REDRAW : SK_H_REDRAW | SK_H_RESCAN;
}

static const double presets[] = {0.5, 1, 2, 3, 5, 10, 15, 30, 60, 120, 300};
#define NPRESETS (sizeof(presets) / sizeof(presets[0]))

double sk_keys_next_interval(double now, int dir)
{
	if (dir > 0) {
		for (size_t i = 0; i < NPRESETS; i++)
			if (presets[i] > now + 1e-9)
				return presets[i];
		return now;
	}
	for (size_t i = NPRESETS; i-- > 0;)
		if (presets[i] < now - 1e-9)
			return presets[i];
	return now;
}

static unsigned set_interval(struct sk_ui *ui, double v)
{
	ui->interval = v;
	sk_ui_status(ui, false, "Refreshing every %g s.", v);
	return SK_H_REDRAW | SK_H_RETIME;
}

/* The next preset interval up (1: slower) or down (-1). */
static unsigned act_interval(struct sk_ui *ui, long dir)
{
	return set_interval(ui, sk_keys_next_interval(ui->interval, (int)dir));
}

static unsigned act_refresh(struct sk_ui *ui, long arg)
{
	(void)arg;
	if (ui->paused) {
		sk_ui_status(ui, false, "Paused: p resumes refreshing.");
		return SK_H_REDRAW;
	}
	return SK_H_RESCAN;
}

static unsigned act_snapshot(struct sk_ui *ui, long arg)
{
	(void)arg;
	char msg[SK_STATUS_MAX];
	int rc = sk_tui_snapshot_write(ui, msg, sizeof(msg));

	sk_ui_status(ui, rc != 0, "%s", msg);
	return SK_H_REDRAW;
}

static unsigned act_repaint(struct sk_ui *ui, long arg)
{
	(void)ui;
	(void)arg;
	return SK_H_REPAINT;
}

static unsigned act_help(struct sk_ui *ui, long arg)
{
	(void)arg;
	ui->help_top = 0;
	ui->mode = SK_MODE_HELP;
	return SK_H_REDRAW;
}

/* arg snapshots on (negative: back). The loop moves through the log
 * (tui.c); a live view has no past. */
static unsigned act_travel(struct sk_ui *ui, long delta)
{
	if (!ui->replay_count) {
		sk_ui_status(ui, false, "[ ] { } travel through a replayed log (sktop -r LOG)");
		return SK_H_REDRAW;
	}
	ui->travel = delta;
	return SK_H_REBUILD;
}

static unsigned act_quit(struct sk_ui *ui, long arg)
{
	(void)ui;
	(void)arg;
	return SK_H_QUIT;
}

/* --- the tables ------------------------------------------------------------------------- */

const struct sk_actiondef sk_actions[SK_ACT_LAST] = {
	[SK_ACT_UP] = {"Up k", "move up", SK_HS_MOVE, act_move, -1},
	[SK_ACT_DOWN] = {"Down j", "move down", SK_HS_MOVE, act_move, 1},
	[SK_ACT_PGUP] = {"PgUp", "page up", SK_HS_MOVE, act_page, -1},
	[SK_ACT_PGDN] = {"PgDn Space", "page down", SK_HS_MOVE, act_page, 1},
	[SK_ACT_HOME] = {"Home", "first row", SK_HS_MOVE, act_edge, 0},
	[SK_ACT_END] = {"End", "last row", SK_HS_MOVE, act_edge, 1},
	[SK_ACT_ENTER] = {"Enter Right", "open: a process's sockets, a group's members, a socket's details",
			  SK_HS_MOVE, act_enter, 0},
	[SK_ACT_BACK] = {"Esc Bksp Left", "back up one level (at the top: clear the filter)",
			 SK_HS_MOVE, act_back, 0},
	[SK_ACT_PANE_NEXT] = {"Tab", "next pane", SK_HS_MOVE, act_pane_step, 1},
	[SK_ACT_PANE_PREV] = {"S-Tab", "previous pane", SK_HS_MOVE, act_pane_step, -1},
	[SK_ACT_PANE_PROCS] = {"1", "Processes pane", SK_HS_MOVE, act_pane, SK_PANE_PROCS},
	[SK_ACT_PANE_SOCKS] = {"2 a", "Sockets pane: all sockets", SK_HS_MOVE, act_pane,
			       SK_PANE_SOCKS},
	[SK_ACT_PANE_STATES] = {"3", "States pane: TCP states and their top owners", SK_HS_MOVE,
				act_pane, SK_PANE_STATES},
	[SK_ACT_PANE_ORPHANS] = {"4", "Orphans pane: orphans by state and who made them "
				 "(else likely owner)",
				 SK_HS_MOVE, act_pane, SK_PANE_ORPHANS},
	[SK_ACT_PANE_FINDINGS] = {"5", "Findings pane; Enter: one in full, with its sockets",
				  SK_HS_MOVE, act_pane, SK_PANE_FINDINGS},
	[SK_ACT_SORT_CLOSE_WAIT] = {"c", "sort by CLOSE_WAIT (sockets: troubled states first)",
				    SK_HS_SORT, act_sort_key, SK_ACT_SORT_CLOSE_WAIT},
	[SK_ACT_SORT_CLOSED] = {"l", "sort by closed (leaked) socket fds", SK_HS_SORT,
				act_sort_key, SK_ACT_SORT_CLOSED},
	[SK_ACT_SORT_ORPHANS] = {"o", "sort by orphans", SK_HS_SORT, act_sort_key,
				 SK_ACT_SORT_ORPHANS},
	[SK_ACT_SORT_RMEM] = {"r", "sort by receive memory (rmem)", SK_HS_SORT, act_sort_key,
			      SK_ACT_SORT_RMEM},
	[SK_ACT_SORT_WMEM] = {"w", "sort by send memory (wmem)", SK_HS_SORT, act_sort_key,
			      SK_ACT_SORT_WMEM},
	[SK_ACT_SORT_FDS] = {"f", "sort by open fds (sockets: fd number)", SK_HS_SORT,
			     act_sort_key, SK_ACT_SORT_FDS},
	[SK_ACT_SORT_ESTAB] = {"e", "sort by ESTAB", SK_HS_SORT, act_sort_key, SK_ACT_SORT_ESTAB},
	[SK_ACT_SORT_TIME_WAIT] = {"t", "sort by TIME_WAIT (sockets: timer)", SK_HS_SORT,
				   act_sort_key, SK_ACT_SORT_TIME_WAIT},
	[SK_ACT_SORT_PID] = {"N", "sort by PID", SK_HS_SORT, act_sort_key, SK_ACT_SORT_PID},
	[SK_ACT_SORT_GROWTH] = {"G", "sort by growth per minute (GROW/m) of the count last sorted by",
				SK_HS_SORT, act_sort_growth, SK_ACT_SORT_GROWTH},
	[SK_ACT_SORT_MENU] = {"F6 S", "choose the sort column from a list", SK_HS_SORT,
			      act_sort_menu, 0},
	[SK_ACT_SORT_PREV] = {"<", "sort by the previous column", SK_HS_SORT, act_sort_step, -1},
	[SK_ACT_SORT_NEXT] = {">", "sort by the next column", SK_HS_SORT, act_sort_step, 1},
	[SK_ACT_INVERT] = {"I", "invert the sort order", SK_HS_SORT, act_invert, 0},
	[SK_ACT_GROUP] = {"g", "group sockets: by peer address, by local port, not at all",
			  SK_HS_SORT, act_group, 0},
	[SK_ACT_SERVICES] = {"v", "group processes by service: pod, container or unit (again: not)",
			     SK_HS_SORT, act_services, 0},
	[SK_ACT_FILTER] = {"/ F4 \\", "filter by command, pid, user, service, address or port "
			   "(Esc clears)", SK_HS_SORT, act_prompt, SK_MODE_FILTER},
	[SK_ACT_SEARCH] = {"F3", "search: jump to the next row holding a text (the rows stay)",
			   SK_HS_SORT, act_prompt, SK_MODE_SEARCH},
	[SK_ACT_SEARCH_NEXT] = {"n", "the next row holding the searched text", SK_HS_SORT,
				act_search_next, 0},
	[SK_ACT_PAUSE] = {"p Z", "pause / resume refreshing (the screen keeps its data)",
			  SK_HS_PROGRAM, act_pause, 0},
	[SK_ACT_SLOWER] = {"+", "refresh less often", SK_HS_PROGRAM, act_interval, 1},
	[SK_ACT_FASTER] = {"-", "refresh more often", SK_HS_PROGRAM, act_interval, -1},
	[SK_ACT_DELAY] = {"d", "type the refresh interval in seconds", SK_HS_PROGRAM, act_prompt,
			  SK_MODE_DELAY},
	[SK_ACT_REFRESH] = {"F5", "refresh now (htop: tree; sktop has none)", SK_HS_PROGRAM,
			    act_refresh, 0},
	[SK_ACT_SNAPSHOT] = {"s", "save a snapshot: JSON + the full text report (--snapshot-dir)",
			     SK_HS_PROGRAM, act_snapshot, 0},
	[SK_ACT_REPAINT] = {"^L", "repaint the terminal", SK_HS_PROGRAM, act_repaint, 0},
	[SK_ACT_HELP] = {"h ? F1", "this help", SK_HS_PROGRAM, act_help, 0},
	[SK_ACT_QUIT] = {"q F10", "quit", SK_HS_PROGRAM, act_quit, 0},
	[SK_ACT_TRAVEL_BACK] = {"[", "replay of a log: the snapshot before", SK_HS_PROGRAM,
				act_travel, -1},
	[SK_ACT_TRAVEL_FWD] = {"]", "replay of a log: the snapshot after", SK_HS_PROGRAM,
			       act_travel, 1},
	[SK_ACT_TRAVEL_BACK10] = {"{", "replay of a log: 10 snapshots back", SK_HS_PROGRAM,
				  act_travel, -10},
	[SK_ACT_TRAVEL_FWD10] = {"}", "replay of a log: 10 snapshots on", SK_HS_PROGRAM,
				 act_travel, 10},
	[SK_ACT_DESTROY] = {"K", "destroy the sockets under the cursor (a socket, a group, a "
				 "finding's) as ss -K does, after a confirmation; root",
			    SK_HS_PROGRAM, act_destroy, 0},
	[SK_ACT_SIGNAL] = {"F9", "send a signal to the process (htop's k is Up here)",
			   SK_HS_PROGRAM, act_signal, 0},
	[SK_ACT_SETUP] = {"F2", "setup: columns, pane, sort, interval, colour (saved in sktoprc)",
			  SK_HS_PROGRAM, act_setup, 0},
};

unsigned sk_keys_run(struct sk_ui *ui, enum sk_action a)
{
	return sk_actions[a].run(ui, sk_actions[a].arg);
}

struct binding {
	int key;
	uint8_t action;
};

static const struct binding bindings[] = {
	{KC(KEY_UP), SK_ACT_UP}, {'k', SK_ACT_UP},
	{KC(KEY_DOWN), SK_ACT_DOWN}, {'j', SK_ACT_DOWN},
	{KC(KEY_PPAGE), SK_ACT_PGUP}, {CTRL('b'), SK_ACT_PGUP},
	{KC(KEY_NPAGE), SK_ACT_PGDN}, {' ', SK_ACT_PGDN}, {CTRL('f'), SK_ACT_PGDN},
	{KC(KEY_HOME), SK_ACT_HOME}, {KC(KEY_END), SK_ACT_END},
	{'\n', SK_ACT_ENTER}, {'\r', SK_ACT_ENTER}, {KC(KEY_ENTER), SK_ACT_ENTER},
	{KC(KEY_RIGHT), SK_ACT_ENTER},
	{27, SK_ACT_BACK}, {KC(KEY_BACKSPACE), SK_ACT_BACK}, {127, SK_ACT_BACK}, {8, SK_ACT_BACK},
	{KC(KEY_LEFT), SK_ACT_BACK},
	{'\t', SK_ACT_PANE_NEXT}, {KC(KEY_BTAB), SK_ACT_PANE_PREV},
	{'1', SK_ACT_PANE_PROCS}, {'2', SK_ACT_PANE_SOCKS}, {'a', SK_ACT_PANE_SOCKS},
	{'3', SK_ACT_PANE_STATES}, {'4', SK_ACT_PANE_ORPHANS},
	{'5', SK_ACT_PANE_FINDINGS},
	{'c', SK_ACT_SORT_CLOSE_WAIT}, {'l', SK_ACT_SORT_CLOSED}, {'o', SK_ACT_SORT_ORPHANS},
	{'r', SK_ACT_SORT_RMEM}, {'w', SK_ACT_SORT_WMEM}, {'f', SK_ACT_SORT_FDS},
	{'e', SK_ACT_SORT_ESTAB}, {'t', SK_ACT_SORT_TIME_WAIT}, {'N', SK_ACT_SORT_PID},
	{'G', SK_ACT_SORT_GROWTH},
	{KC(KEY_F(6)), SK_ACT_SORT_MENU}, {'S', SK_ACT_SORT_MENU},
	{'<', SK_ACT_SORT_PREV}, {',', SK_ACT_SORT_PREV},
	{'>', SK_ACT_SORT_NEXT}, {'.', SK_ACT_SORT_NEXT},
	{'I', SK_ACT_INVERT}, {'g', SK_ACT_GROUP}, {'v', SK_ACT_SERVICES},
	{KC(KEY_F(3)), SK_ACT_SEARCH}, {'n', SK_ACT_SEARCH_NEXT},
	{KC(KEY_F(9)), SK_ACT_SIGNAL}, {KC(KEY_F(2)), SK_ACT_SETUP},
	{'/', SK_ACT_FILTER}, {KC(KEY_F(4)), SK_ACT_FILTER}, {'\\', SK_ACT_FILTER},
	{'p', SK_ACT_PAUSE}, {'Z', SK_ACT_PAUSE},
	{'+', SK_ACT_SLOWER}, {'=', SK_ACT_SLOWER}, {'-', SK_ACT_FASTER}, {'d', SK_ACT_DELAY},
	{KC(KEY_F(5)), SK_ACT_REFRESH},
	{'s', SK_ACT_SNAPSHOT},
	{CTRL('l'), SK_ACT_REPAINT},
	{'h', SK_ACT_HELP}, {'?', SK_ACT_HELP}, {KC(KEY_F(1)), SK_ACT_HELP},
	{'q', SK_ACT_QUIT}, {'Q', SK_ACT_QUIT}, {KC(KEY_F(10)), SK_ACT_QUIT},
	{'[', SK_ACT_TRAVEL_BACK}, {']', SK_ACT_TRAVEL_FWD},
	{'{', SK_ACT_TRAVEL_BACK10}, {'}', SK_ACT_TRAVEL_FWD10},
	{'K', SK_ACT_DESTROY},
};

enum sk_action sk_keys_lookup(int key)
{
	for (size_t i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++)
		if (bindings[i].key == key)
			return (enum sk_action)bindings[i].action;
	return SK_ACT_NONE;
}

/* --- modes -------------------------------------------------------------------------- */

static bool is_backspace(int key)
{
	return key == KC(KEY_BACKSPACE) || key == 127 || key == 8;
}

static bool is_enter(int key)
{
	return key == '\n' || key == '\r' || key == KC(KEY_ENTER);
}

/* Appends the UTF-8 encoding of a typed character to the prompt. */
static bool input_add(struct sk_ui *ui, int key)
{
	char enc[5];
	size_t n = 0, len = strlen(ui->input);
	unsigned c = (unsigned)key;

	if (key & SK_KEYCODE || c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c > 0x10ffff)
		return false;
	if (c < 0x80) {
		enc[n++] = (char)c;
	} else if (c < 0x800) {
		enc[n++] = (char)(0xc0 | (c >> 6));
		enc[n++] = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		enc[n++] = (char)(0xe0 | (c >> 12));
		enc[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
		enc[n++] = (char)(0x80 | (c & 0x3f));
	} else {
		enc[n++] = (char)(0xf0 | (c >> 18));
		enc[n++] = (char)(0x80 | ((c >> 12) & 0x3f));
		enc[n++] = (char)(0x80 | ((c >> 6) & 0x3f));
		enc[n++] = (char)(0x80 | (c & 0x3f));
	}
	if (len + n + 1 > sizeof(ui->input))
		return false;
	memcpy(ui->input + len, enc, n);
	ui->input[len + n] = '\0';
	return true;
}

/* Removes the last character (not byte) of the prompt. */
static void input_del(struct sk_ui *ui)
{
	size_t len = strlen(ui->input);

	while (len > 0) {
		len--;
		if (((unsigned char)ui->input[len] & 0xc0) != 0x80)
			break;
	}
	ui->input[len] = '\0';
}

static unsigned handle_filter(struct sk_ui *ui, int key)
{
	if (key == 27) {
		ui->input[0] = '\0';
		ui->mode = SK_MODE_NORMAL;
		sk_view_set_filter(&ui->view, "");
		return SK_H_REBUILD;
	}
	if (is_enter(key)) {
		ui->mode = SK_MODE_NORMAL;
		return SK_H_REDRAW;
	}
	/* Moving while filtering keeps the filter and the prompt. */
	if (key == KC(KEY_UP) || key == KC(KEY_DOWN) || key == KC(KEY_NPAGE) ||
	    key == KC(KEY_PPAGE))
		return sk_keys_run(ui, sk_keys_lookup(key));
	if (is_backspace(key))
		input_del(ui);
	else if (key == CTRL('u'))
		ui->input[0] = '\0';
	else if (!input_add(ui, key))
		return SK_H_NONE;
	sk_view_set_filter(&ui->view, ui->input);
	return SK_H_REBUILD;
}

/* Each character typed jumps to the first row holding the text so far;
 * F3 or n then steps to the next, as htop's incremental search does. */
static unsigned handle_search(struct sk_ui *ui, int key)
{
	if (key == 27 || is_enter(key)) {
		ui->mode = SK_MODE_NORMAL;
		return SK_H_REDRAW;
	}
	if (key == KC(KEY_F(3)) || key == KC(KEY_DOWN))
		return search_next(ui, false);
	if (is_backspace(key))
		input_del(ui);
	else if (!input_add(ui, key))
		return SK_H_NONE;
	snprintf(ui->search, sizeof(ui->search), "%s", ui->input);
	if (ui->search[0] && !sk_view_search(&ui->view, ui->snap, ui->search, true))
		sk_ui_status(ui, false, "\"%s\" is in no row here.", ui->search);
	return SK_H_REDRAW;
}

static unsigned handle_delay(struct sk_ui *ui, int key)
{
	if (key == 27) {
		ui->mode = SK_MODE_NORMAL;
		return SK_H_REDRAW;
	}
	if (is_enter(key)) {
		char *end;
		double v = strtod(ui->input, &end);

		ui->mode = SK_MODE_NORMAL;
		if (end == ui->input || *end || !isfinite(v) || v < 0.1 || v > 86400) {
			sk_ui_status(ui, true, "'%s' is not a number of seconds from 0.1 to 86400.",
				     ui->input);
			return SK_H_REDRAW;
		}
		return set_interval(ui, v);
	}
	if (is_backspace(key))
		input_del(ui);
	else if ((key >= '0' && key <= '9') || key == '.')
		input_add(ui, key);
	else
		return SK_H_NONE;
	return SK_H_REDRAW;
}

static unsigned handle_sort(struct sk_ui *ui, int key)
{
	int cols[64];
	size_t n = sk_view_sort_columns(&ui->view, cols, 64);

	bool up = key == KC(KEY_UP) || key == 'k', down = key == KC(KEY_DOWN) || key == 'j';
	bool far = key == KC(KEY_HOME) || key == KC(KEY_END);

	if (up || down || far) {
		long d = far ? (long)n : 1;

		ui->menu_cursor = sk_list_step(ui->menu_cursor, up || key == KC(KEY_HOME) ? -d : d, n);
		return SK_H_REDRAW;
	}
	if (is_enter(key) && ui->menu_cursor < n) {
		struct sk_sortstate *ss = sk_view_sortstate(&ui->view);

		ss->col = cols[ui->menu_cursor];
		ss->invert = false;
		ui->mode = SK_MODE_NORMAL;
		return SK_H_REBUILD;
	}
	if (key == 'I') {
		sk_view_invert(&ui->view);
		ui->mode = SK_MODE_NORMAL;
		return SK_H_REBUILD;
	}
	ui->mode = SK_MODE_NORMAL;
	return SK_H_REDRAW;
}

static unsigned handle_help(struct sk_ui *ui, int key)
{
	bool down = key == KC(KEY_DOWN) || key == 'j' || key == KC(KEY_NPAGE) || key == ' ';
	bool up = key == KC(KEY_UP) || key == 'k' || key == KC(KEY_PPAGE);

	/* A pager: the draw keeps the last page full (sk_list_pager_top). */
	if (down || up) {
		long d = key == KC(KEY_NPAGE) || key == ' ' || key == KC(KEY_PPAGE) ? page(ui) : 1;

		ui->help_top = sk_list_step(ui->help_top, up ? -d : d, SIZE_MAX);
		return SK_H_REDRAW;
	}
	/* Any other key leaves help, as in htop; q leaves help, not sktop. */
	ui->mode = SK_MODE_NORMAL;
	return SK_H_REDRAW;
}

/* A key that does nothing says so: silence reads as a hung terminal. */
static unsigned unknown_key(struct sk_ui *ui, int key)
{
	char name[24];

	if (key > 0x20 && key < 0x7f)
		snprintf(name, sizeof(name), "'%c'", key);
	else if (key >= KC(KEY_F(1)) && key <= KC(KEY_F(24)))
		snprintf(name, sizeof(name), "F%d", key - KC(KEY_F(0)));
	else
		snprintf(name, sizeof(name), "that key");
	sk_ui_status(ui, false, "Unknown key %s: h lists the keys.", name);
	return SK_H_REDRAW;
}

unsigned sk_keys_handle(struct sk_ui *ui, int key)
{
	unsigned had_status = ui->status[0] && ui->status_until_ms == 0;
	unsigned r;

	/* A sticky message (an error) goes with the next key. */
	if (had_status)
		ui->status[0] = '\0';
	switch (ui->mode) {
	case SK_MODE_FILTER: r = handle_filter(ui, key); break;
	case SK_MODE_DELAY: r = handle_delay(ui, key); break;
	case SK_MODE_SORT: r = handle_sort(ui, key); break;
	case SK_MODE_HELP: r = handle_help(ui, key); break;
	case SK_MODE_DESTROY: r = sk_destroy_key(ui, key); break;
	case SK_MODE_SEARCH: r = handle_search(ui, key); break;
	case SK_MODE_SIGNAL: r = sk_signal_key(ui, key); break;
	case SK_MODE_SETUP: r = sk_setup_key(ui, key); break;
	default: {
		enum sk_action a = sk_keys_lookup(key);

		if (a == SK_ACT_NONE || !sk_actions[a].run)
			r = unknown_key(ui, key);
		else
			r = sk_keys_run(ui, a);
		break;
	}
	}
	return had_status ? r | SK_H_REDRAW : r;
}
