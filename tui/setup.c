#include <config.h>

#include "setup.h"

#include <stdio.h>
#include <string.h>

#include "columns.h"
#include "keys.h"

static const char *const pane_names[SK_PANE_LAST] = {
	[SK_PANE_PROCS] = "processes", [SK_PANE_SOCKS] = "sockets", [SK_PANE_STATES] = "states",
	[SK_PANE_ORPHANS] = "orphans", [SK_PANE_FINDINGS] = "findings",
};

static const char *const pcol_names[SK_PCOL_LAST] = {
	[SK_PCOL_PID] = "pid", [SK_PCOL_USER] = "user", [SK_PCOL_FDS] = "fds",
	[SK_PCOL_SOCK] = "sockets", [SK_PCOL_CLOSE_WAIT] = "close_wait",
	[SK_PCOL_CLOSED] = "closed", [SK_PCOL_ORPHANS] = "orphans", [SK_PCOL_GROWTH] = "growth",
	[SK_PCOL_ESTAB] = "estab", [SK_PCOL_TIME_WAIT] = "time_wait", [SK_PCOL_RECVQ] = "recvq",
	[SK_PCOL_SENDQ] = "sendq", [SK_PCOL_RMEM] = "rmem", [SK_PCOL_WMEM] = "wmem",
	[SK_PCOL_SERVICE] = "service", [SK_PCOL_NETNS] = "netns", [SK_PCOL_COMMAND] = "command",
};

/* The engine's sort names (-s), and growth, which only the TUI sorts by. */
#define NSORTS (SK_SORT_LAST + 1)
static const char *const sort_names[NSORTS] = {
	[SK_SORT_PID] = "pid", [SK_SORT_SOCKETS] = "sockets", [SK_SORT_FDS] = "fds",
	[SK_SORT_CLOSE_WAIT] = "close_wait", [SK_SORT_CLOSED] = "closed",
	[SK_SORT_ORPHANS] = "orphans", [SK_SORT_ESTAB] = "estab", [SK_SORT_TIME_WAIT] = "time_wait",
	[SK_SORT_RECVQ] = "recvq", [SK_SORT_SENDQ] = "sendq", [SK_SORT_RMEM] = "rmem",
	[SK_SORT_WMEM] = "wmem", [SK_SORT_SERVICE] = "service", [SK_VSORT_GROWTH] = "growth",
};

static const struct sk_settings_names names = {
	sort_names, NSORTS, pane_names, SK_PANE_LAST, pcol_names, SK_PCOL_LAST,
};

const struct sk_settings_names *sk_setup_names(void)
{
	return &names;
}

size_t sk_setup_rows(void)
{
	return SK_SETUP_COLUMNS + SK_PCOL_LAST;
}

size_t sk_setup_columns(const struct sk_colset *shown, uint8_t out[], bool on[])
{
	bool seen[SK_PCOL_LAST] = {false};
	size_t k = 0;

	for (size_t i = 0; i < SK_PCOL_LAST; i++)
		if (!shown->n) /* the default: all, as defined */
			seen[i] = true, out[k] = (uint8_t)i, on[k++] = true;
	for (size_t i = 0; i < shown->n; i++)
		if (shown->col[i] < SK_PCOL_LAST && !seen[shown->col[i]])
			seen[shown->col[i]] = true, out[k] = shown->col[i], on[k++] = true;
	for (size_t i = 0; i < SK_PCOL_LAST; i++)
		if (!seen[i])
			out[k] = (uint8_t)i, on[k++] = false;
	return k;
}

/* The column rows as the screen lists them, and which of them `row` is. */
struct colrows {
	uint8_t cols[SK_PCOL_LAST];
	bool on[SK_PCOL_LAST];
	size_t n, i;
};

static bool column_row(const struct sk_ui *ui, size_t row, struct colrows *c)
{
	c->n = sk_setup_columns(&ui->pcols, c->cols, c->on);
	c->i = row - SK_SETUP_COLUMNS;
	return row >= SK_SETUP_COLUMNS && c->i < c->n;
}

void sk_setup_apply(struct sk_ui *ui, const struct sk_settings *s)
{
	struct sk_sortstate *ss = &ui->view.sort[SK_VK_PROCS];

	if (s->delay > 0)
		ui->interval = s->delay;
	if (s->sort >= 0 && s->sort < NSORTS)
		ss->col = s->sort;
	if (s->sort_invert >= 0)
		ss->invert = s->sort_invert;
	if (s->pane >= 0 && s->pane < SK_PANE_LAST)
		sk_view_set_pane(&ui->view, (enum sk_pane)s->pane);
	ui->pcols = s->pcols;
}

void sk_setup_capture(const struct sk_ui *ui, struct sk_settings *s)
{
	const struct sk_sortstate *ss = &ui->view.sort[SK_VK_PROCS];

	*s = ui->settings;
	s->delay = ui->interval;
	s->sort = ss->col;
	s->sort_invert = ss->invert;
	s->pcols = ui->pcols;
}

void sk_setup_row_text(const struct sk_ui *ui, size_t row, char *buf, size_t size)
{
	const struct sk_sortstate *ss = &ui->view.sort[SK_VK_PROCS];
	int pane = ui->settings.pane >= 0 ? ui->settings.pane : SK_PANE_PROCS;

	switch (row) {
	case SK_SETUP_PANE:
		snprintf(buf, size, "%-18s%s", "Pane at start", sk_pane_names[pane]);
		return;
	case SK_SETUP_SORT:
		snprintf(buf, size, "%-18s%s%s", "Process sort",
			 ss->col >= 0 && ss->col < NSORTS ? sort_names[ss->col] : "?",
			 ss->invert ? " (inverted)" : "");
		return;
	case SK_SETUP_INTERVAL:
		snprintf(buf, size, "%-18s%g s", "Refresh interval", ui->interval);
		return;
	case SK_SETUP_COLOR:
		snprintf(buf, size, "%-18s%s (at the next start)", "Colour",
			 ui->settings.color == 0 ? "off" : "on");
		return;
	default:
		break;
	}
	struct colrows c;

	if (!column_row(ui, row, &c)) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%s %-12s%s", c.on[c.i] ? "[x]" : "[ ]", sk_pcols[c.cols[c.i]].title,
		 sk_pcols[c.cols[c.i]].desc);
}

/* The shown list after a change, from the screen's order and marks. */
static void store(struct sk_ui *ui, const uint8_t *cols, const bool *on, size_t n)
{
	ui->pcols.n = 0;
	for (size_t i = 0; i < n && ui->pcols.n < SK_SETTINGS_COLS; i++)
		if (on[i])
			ui->pcols.col[ui->pcols.n++] = cols[i];
}

static int cycle(int v, int dir, int n)
{
	return ((v + dir) % n + n) % n;
}

void sk_setup_change(struct sk_ui *ui, size_t row, int dir)
{
	struct sk_sortstate *ss = &ui->view.sort[SK_VK_PROCS];
	int d = dir ? dir : 1;

	switch (row) {
	case SK_SETUP_PANE:
		ui->settings.pane = cycle(ui->settings.pane >= 0 ? ui->settings.pane : 0, d,
					  SK_PANE_LAST);
		return;
	case SK_SETUP_SORT:
		ss->col = cycle(ss->col, d, NSORTS);
		ss->invert = false;
		return;
	case SK_SETUP_INTERVAL:
		ui->interval = sk_keys_next_interval(ui->interval, d);
		return;
	case SK_SETUP_COLOR:
		ui->settings.color = ui->settings.color == 0;
		return;
	default:
		break;
	}
	struct colrows c;

	if (!column_row(ui, row, &c))
		return;
	c.on[c.i] = !c.on[c.i];
	store(ui, c.cols, c.on, c.n);
	/* Every column off would be an empty table: keep one. */
	if (ui->pcols.n == 0) {
		ui->pcols.col[0] = c.cols[c.i];
		ui->pcols.n = 1;
	}
}

bool sk_setup_move(struct sk_ui *ui, size_t row, int dir)
{
	struct colrows c;

	if (!column_row(ui, row, &c))
		return false;
	size_t j = c.i + (size_t)(long)dir;

	if (j >= c.n || !c.on[c.i] || !c.on[j])
		return false;
	uint8_t t = c.cols[c.i];

	c.cols[c.i] = c.cols[j];
	c.cols[j] = t;
	store(ui, c.cols, c.on, c.n);
	return true;
}
