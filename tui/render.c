/* The frame around the body: which columns fit and where (layout), the
 * pane tabs with breadcrumbs, the column titles, and the bottom line. */
#include <config.h>

#include "render.h"

#include <stdio.h>
#include <string.h>

#include "colors.h"
#include "hunits.h"
#include "render_int.h"

/* --- layout -------------------------------------------------------------------------- */

void sk_render_layout(const struct sk_ui *ui, int width, size_t first, size_t count_,
		      struct sk_frame *f)
{
	const struct sk_view *v = &ui->view;
	const struct sk_level *l = sk_view_top_c(v);
	const struct sk_sortstate *ss = sk_view_sortstate_c(v);
	int want[SK_SCOL_LAST + SK_PCOL_LAST];
	bool on[SK_SCOL_LAST + SK_PCOL_LAST];
	const bool *enabled = NULL;

	memset(f, 0, sizeof(*f));
	memset(want, 0, sizeof(want));
	f->width = width;
	f->sortcol = -1;
	if (ui->mode == SK_MODE_HELP || ui->mode == SK_MODE_SORT || ui->mode == SK_MODE_SIGNAL ||
	    ui->mode == SK_MODE_SETUP || !ui->snap)
		return;
	if (first + count_ > v->nrows)
		count_ = v->nrows > first ? v->nrows - first : 0;
	switch (l->kind) {
	case SK_VK_PROCS:
		f->defs = sk_pcols;
		f->ndefs = SK_PCOL_LAST;
		f->sortcol = sk_pcol_of_sort((enum sk_sort_key)ss->col);
		if (ui->pcols.n) {
			memset(on, 0, sizeof(on));
			for (size_t i = 0; i < ui->pcols.n; i++)
				if (ui->pcols.col[i] < SK_PCOL_LAST)
					on[ui->pcols.col[i]] = true;
			enabled = on;
		}
		for (size_t i = first; i < first + count_; i++) {
			int w = sk_text_width(sk_view_service_label(ui->snap,
					&ui->snap->procs.v[v->procs.v[i]]), !ui->unicode);

			if (w > want[SK_PCOL_SERVICE])
				want[SK_PCOL_SERVICE] = w;
		}
		break;
	case SK_VK_SERVICES:
		f->defs = sk_vcols;
		f->ndefs = SK_VCOL_LAST;
		break;
	case SK_VK_SOCKS:
		if (v->grouped) {
			f->defs = sk_gcols;
			f->ndefs = SK_GCOL_LAST;
			for (size_t i = first; i < first + count_; i++) {
				char buf[96];
				int w;

				sk_view_gkey_label(&v->groups.v[i].key, buf, sizeof(buf));
				w = sk_text_width(buf, !ui->unicode);
				if (w > want[SK_GCOL_ADDR])
					want[SK_GCOL_ADDR] = w;
			}
		} else {
			f->defs = sk_scols;
			f->ndefs = SK_SCOL_LAST;
			sk_view_scols_enabled(v, on);
			enabled = on;
			for (size_t i = first; i < first + count_; i++) {
				const struct sk_socket *k = &ui->snap->socks.v[v->socks.v[i].sock];
				char buf[4200];
				int w;

				sk_view_endpoint(ui->snap, k, false, buf, sizeof(buf));
				w = sk_text_width(buf, !ui->unicode);
				if (w > want[SK_SCOL_LOCAL])
					want[SK_SCOL_LOCAL] = w;
				sk_view_endpoint(ui->snap, k, true, buf, sizeof(buf));
				w = sk_text_width(buf, !ui->unicode);
				if (w > want[SK_SCOL_PEER])
					want[SK_SCOL_PEER] = w;
			}
		}
		f->sortcol = ss->col;
		break;
	case SK_VK_ORPHANS:
		f->defs = sk_ocols;
		f->ndefs = SK_OCOL_LAST;
		f->sortcol = ss->col;
		break;
	default:
		return;
	}
	f->sort_desc = sk_view_sort_descending(v);
	f->ncols = sk_columns_layout(f->defs, f->ndefs, enabled, f->sortcol, width, want, f->pos);
	if (l->kind == SK_VK_PROCS && ui->pcols.n)
		sk_columns_reorder(f->pos, f->ncols, ui->pcols.col, ui->pcols.n);
}

/* --- tabs and breadcrumbs -------------------------------------------------------------- */

/* What one level is, as a breadcrumb ("nginx[4684]", "CLOSE_WAIT from
 * 10.0.3.7") or, for the level on screen, with its counts. */
static void level_label(const struct sk_ui *ui, const struct sk_level *lv, bool top, char *buf,
			size_t size)
{
	const struct sk_view *v = &ui->view;
	char a[128], b[24];
	size_t n = 0;

	buf[0] = '\0';
	switch (lv->kind) {
	case SK_VK_SERVICES:
		snprintf(buf, size, "%zu service%s (Enter: its processes; v: by process)", v->nrows,
			 v->nrows == 1 ? "" : "s");
		return;
	case SK_VK_PROCS:
		if (lv->skey) {
			snprintf(buf, size, "%.90s: %zu process%s", lv->who, top ? v->nrows : 0,
				 v->nrows == 1 ? "" : "es");
			if (!top)
				snprintf(buf, size, "%.90s", lv->who);
			return;
		}
		if (v->filter[0])
			snprintf(buf, size, "%zu of %zu processes", v->nrows, v->nrows + v->hidden);
		else
			snprintf(buf, size, "%zu process%s with sockets", v->nrows,
				 v->nrows == 1 ? "" : "es");
		return;
	case SK_VK_STATES:
		snprintf(buf, size, "TCP states, all namespaces");
		return;
	case SK_VK_ORPHANS: {
		const struct sk_limits *lim = &ui->snap->sys.limits;
		uint32_t total = 0;

		if (!top) {
			snprintf(buf, size, "orphans");
			return;
		}
		for (size_t i = 0; i < v->orphans.n; i++)
			total += v->orphans.v[i].count;
		snprintf(buf, size, "%u orphans in %zu groups (max %s)", total, v->orphans.n,
			 sk_tui_limit(lim->tcp_max_orphans, b));
		return;
	}
	case SK_VK_DETAIL:
		snprintf(buf, size, "%s", v->stale && top ? "socket (gone)" : "socket details");
		return;
	case SK_VK_FINDINGS: {
		const struct sk_findings *fs = ui->snap->findings;

		if (!fs || !top) {
			snprintf(buf, size, "findings");
			return;
		}
		snprintf(buf, size, "%zu finding%s: %u critical, %u warning",
			 fs->list.n, fs->list.n == 1 ? "" : "s", fs->by_severity[SK_SEV_CRITICAL],
			 fs->by_severity[SK_SEV_WARNING]);
		return;
	}
	default:
		break;
	}
	/* Socket lists. */
	if (lv->in_group) {
		sk_view_gkey_label(&lv->gkey, a, sizeof(a));
		if (top)
			snprintf(buf, size, "%s %s %zu %s %s", sk_dstate_name(lv->gkey.dstate),
				 G_TIMES(ui), v->nrows, lv->gkey.mode == SK_GROUP_LPORT ? "on" : "from",
				 a);
		else
			snprintf(buf, size, "%s %s %s", sk_dstate_name(lv->gkey.dstate),
				 lv->gkey.mode == SK_GROUP_LPORT ? "on" : "from", a);
		return;
	}
	if (lv->scope == SK_SCOPE_PROC || lv->scope == SK_SCOPE_ORPHANS ||
	    lv->scope == SK_SCOPE_FINDING)
		n = (size_t)snprintf(buf, size, "%s", lv->who);
	else if (lv->scope == SK_SCOPE_STATE)
		n = (size_t)snprintf(buf, size, "%s", sk_dstate_name(lv->state));
	else
		n = (size_t)snprintf(buf, size, "all processes");
	if (!top || n >= size)
		return;
	if (v->grouped)
		snprintf(buf + n, size - n, ": %zu groups of %zu sockets, by %s", v->groups.n,
			 v->socks.n, lv->group == SK_GROUP_LPORT ? "local port" : "peer");
	else
		snprintf(buf + n, size - n, ": %zu socket%s", v->nrows, v->nrows == 1 ? "" : "s");
}

static void context(const struct sk_ui *ui, struct sk_line *l)
{
	const struct sk_view *v = &ui->view;
	char crumbs[SK_VIEW_DEPTH][256], top[256], filt[200] = "";
	int ncrumbs = 0, first = 0, width = 0;
	int room = l->max - l->cols;
	bool ascii = !ui->unicode;
	int sepw = sk_text_width(G_CRUMB(ui), ascii);

	/* The levels between the pane and the one on screen. */
	for (int d = 1; d < v->depth - 1; d++)
		level_label(ui, &v->stack[d], false, crumbs[ncrumbs++], sizeof(crumbs[0]));
	level_label(ui, sk_view_top_c(v), true, top, sizeof(top));
	if (v->filter[0])
		snprintf(filt, sizeof(filt), ", filter \"%s\"", v->filter);
	for (int i = 0; i < ncrumbs; i++)
		width += sk_text_width(crumbs[i], ascii) + sepw;
	width += sk_text_width(top, ascii) + sk_text_width(filt, ascii);
	/* Too long: the oldest crumbs give way to an ellipsis, never the end. */
	while (width > room && first < ncrumbs) {
		width -= sk_text_width(crumbs[first], ascii) + sepw;
		if (first == 0)
			width += sk_text_width(G(ui, "\xe2\x80\xa6", "..."), ascii) + sepw;
		first++;
	}
	if (first > 0) {
		sk_line_add(l, SK_C_DIM, G(ui, "\xe2\x80\xa6", "..."));
		sk_line_add(l, SK_C_DIM, G_CRUMB(ui));
	}
	for (int i = first; i < ncrumbs; i++) {
		sk_line_add(l, SK_C_DIM, crumbs[i]);
		sk_line_add(l, SK_C_DIM, G_CRUMB(ui));
	}
	sk_line_add(l, SK_C_BOLD, top);
	if (filt[0])
		sk_line_add(l, SK_C_WARN, filt);
	if (v->stale && sk_view_top_c(v)->kind == SK_VK_SOCKS)
		sk_line_add(l, SK_C_WARN, " - the process has exited");
}

static const char *tab_name(int pane, int width)
{
	static const char *const shortname[SK_PANE_LAST] = {"Procs", "Socks", "States", "Orph",
							    "Find"};

	return width < 110 ? shortname[pane] : sk_pane_names[pane];
}

int sk_render_tab_at(int width, int x)
{
	int at = 0;

	for (int p = 0; p < SK_PANE_LAST; p++) {
		int w = 2 + (int)strlen(tab_name(p, width));

		if (x >= at && x < at + w)
			return p;
		at += w + 1;
	}
	return -1;
}

void sk_render_tabs(const struct sk_ui *ui, int width, struct sk_line *l)
{
	enum sk_pane cur = sk_view_pane(&ui->view);

	sk_line_init(l, width, !ui->unicode);
	for (int p = 0; p < SK_PANE_LAST; p++) {
		bool on = p == (int)cur;

		sk_line_addf(l, on ? SK_C_TAB_ACTIVE : SK_C_TAB, "%d %s", p + 1, tab_name(p, width));
		sk_line_add(l, SK_C_DEFAULT, " ");
	}
	if (ui->mode == SK_MODE_HELP) {
		sk_line_add(l, SK_C_DIM, G_SEP(ui));
		sk_line_add(l, SK_C_BOLD, "Help: any other key returns");
		return;
	}
	if (!ui->snap)
		return;
	sk_line_add(l, SK_C_DIM, G_SEP(ui));
	context(ui, l);
}

/* --- column titles ---------------------------------------------------------------------- */

static void title_cell(struct sk_line *l, const struct sk_frame *f, const struct sk_colpos *p,
		       const char *title, bool sorted, const struct sk_ui *ui)
{
	uint8_t c = sorted ? SK_C_COLHDR_SORT : SK_C_COLHDR;
	char buf[64];

	sk_line_pad_to(l, SK_C_COLHDR, p->x);
	if (sorted && p->w > (int)strlen(title)) {
		/* The arrow goes on the side the numbers are aligned to. */
		if (f->defs[p->col].align == SK_ALIGN_RIGHT)
			snprintf(buf, sizeof(buf), "%s%s", f->sort_desc ? G_DOWN(ui) : G_UP(ui), title);
		else
			snprintf(buf, sizeof(buf), "%s%s", title, f->sort_desc ? G_DOWN(ui) : G_UP(ui));
		title = buf;
	}
	sk_line_field(l, c, title, p->w, (enum sk_align)f->defs[p->col].align);
}

void sk_render_colhdr(const struct sk_ui *ui, const struct sk_frame *f, struct sk_line *l)
{
	const struct sk_view *v = &ui->view;
	const struct sk_level *top = sk_view_top_c(v);

	sk_line_init(l, f->width, !ui->unicode);
	if (ui->mode == SK_MODE_HELP) {
		sk_line_add(l, SK_C_COLHDR, " KEYS            ACTION");
	} else if (ui->mode == SK_MODE_SORT) {
		sk_line_add(l, SK_C_COLHDR, " SORT BY         (Enter picks, Esc cancels, I inverts)");
	} else if (ui->mode == SK_MODE_SIGNAL) {
		sk_line_addf(l, SK_C_COLHDR, " Send a signal to %d (%s)? Enter sends, Esc cancels",
			     (int)ui->sig_target.pid, ui->sig_target.comm);
		if (ui->sig_target.service[0])
			sk_line_addf(l, SK_C_COLHDR, ". Service: %s", ui->sig_target.service);
	} else if (ui->mode == SK_MODE_SETUP) {
		sk_line_add(l, SK_C_COLHDR, " SETUP (saved in sktoprc when you leave)");
	} else if (!ui->snap) {
		/* no titles without rows */
	} else if (top->kind == SK_VK_STATES) {
		sk_line_add(l, SK_C_COLHDR, "STATE        COUNT  TOP OWNERS (Enter: the sockets)");
	} else if (top->kind == SK_VK_DETAIL) {
		sk_line_add(l, SK_C_COLHDR, "SOCKET DETAILS (Up/Down scroll, Esc back)");
	} else {
		for (size_t i = 0; i < f->ncols; i++) {
			const struct sk_colpos *p = &f->pos[i];
			title_cell(l, f, p, sk_view_col_title(v, f->defs, p->col),
				   (int)p->col == f->sortcol, ui);
		}
	}
	sk_line_pad_to(l, SK_C_COLHDR, f->width);
}

/* --- bottom line ------------------------------------------------------------------------ */

/* A line being typed on the bottom line: what it asks, the text so far with
 * the cursor after it, and how to finish. */
static void prompt(struct sk_line *l, const char *label, const char *input, const char *hint)
{
	sk_line_add(l, SK_C_KEY, label);
	sk_line_add(l, SK_C_DEFAULT, " ");
	sk_line_add(l, SK_C_BOLD, input);
	sk_line_add(l, SK_C_CURSOR, " ");
	sk_line_addf(l, SK_C_DIM, "  %s", hint);
}

/* The bottom line of the modes that are a menu or a question: key, what
 * it does, ..., NULL. */
static const char *const mode_keys[SK_MODE_LAST][7] = {
	[SK_MODE_HELP] = {"Up/Down PgUp/PgDn", "scroll", "any other key", "back to sktop"},
	[SK_MODE_SORT] = {"Enter", "sort by it", "I", "invert", "Esc", "cancel"},
	[SK_MODE_DESTROY] = {"y", "destroy", "any other key", "cancel"},
	[SK_MODE_SIGNAL] = {"Enter", "send", "Up/Down 1-9", "pick", "Esc", "cancel"},
	[SK_MODE_SETUP] = {"Space Left/Right", "change", "[ ]", "move column", "Esc",
			   "save and leave"},
};

/* "key what  key what": kv holds key, text pairs and ends with NULL. */
static void key_hints(struct sk_line *l, const char *const *kv)
{
	for (size_t i = 0; kv[i] && kv[i + 1]; i += 2) {
		sk_line_add(l, SK_C_KEY, kv[i]);
		sk_line_addf(l, SK_C_STATUS, kv[i + 2] ? " %s  " : " %s", kv[i + 1]);
	}
}

void sk_render_status(const struct sk_ui *ui, int width, struct sk_line *l)
{
	/* Key, what it does, and how long it stays when the line is short. */
	static const struct {
		const char *key, *label;
		int prio;
	} hints[] = {
		{"Enter", "Open", 0}, {"Esc", "Back", 1}, {"Tab", "Pane", 5}, {"/", "Filter", 2},
		{"F6", "Sort", 3},    {"g", "Group", 6},  {"s", "Save", 4},  {"p", "Pause", 4},
		{"h", "Help", 0},     {"q", "Quit", 0},
	};
	enum { NH = sizeof(hints) / sizeof(hints[0]) };
	char hint[64];

	sk_line_init(l, width, !ui->unicode);
	if (ui->mode < SK_MODE_LAST && mode_keys[ui->mode][0]) {
		key_hints(l, mode_keys[ui->mode]);
		return;
	}
	switch (ui->mode) {
	case SK_MODE_FILTER:
		prompt(l, "Filter:", ui->input, "Enter keeps it, Esc clears it");
		return;
	case SK_MODE_DELAY:
		snprintf(hint, sizeof(hint), "now %g; Enter sets, Esc cancels", ui->interval);
		prompt(l, "Refresh every (seconds):", ui->input, hint);
		return;
	case SK_MODE_SEARCH:
		prompt(l, "Search:", ui->input, "F3 next, Enter or Esc stops");
		return;
	default:
		break;
	}
	if (ui->status[0]) {
		sk_line_add(l, ui->status_err ? SK_C_STATUS_ERR : SK_C_BOLD, ui->status);
		return;
	}
	if (ui->engine_error[0]) {
		sk_line_add(l, SK_C_STATUS_ERR, ui->engine_error);
		return;
	}
	bool on[NH];
	int need = 0;

	for (int i = 0; i < NH; i++) {
		on[i] = true;
		need += (int)(strlen(hints[i].key) + strlen(hints[i].label)) + 2;
	}
	for (int prio = 6; prio > 0 && need > width; prio--)
		for (int i = NH - 1; i >= 0 && need > width; i--)
			if (on[i] && hints[i].prio == prio) {
				on[i] = false;
				need -= (int)(strlen(hints[i].key) + strlen(hints[i].label)) + 2;
			}
	for (int i = 0; i < NH; i++) {
		if (!on[i])
			continue;
		sk_line_add(l, SK_C_KEY, hints[i].key);
		sk_line_add(l, SK_C_STATUS, " ");
		sk_line_add(l, SK_C_STATUS, hints[i].label);
		sk_line_add(l, SK_C_STATUS, " ");
	}
}
