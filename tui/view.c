/* The view: its stack of levels, the build of the top one with the cursor
 * put back on its row, navigation between levels and panes, and which
 * column each list sorts on. The rows themselves come from the pane
 * builders (vrows.h). */
#include <config.h>

#include "view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "columns.h"
#include "detail.h"
#include "list.h"
#include "vlife.h"
#include "vrows.h"
#include "vsort.h"

static void default_user(void *ctx, uint32_t uid, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, "%u", uid);
}

const char *sk_view_user(const struct sk_view *v, uint32_t uid, char *buf, size_t size)
{
	v->cfg.user_name(v->cfg.user_ctx, uid, buf, size);
	return buf;
}

struct sk_vkey *sk_vrows_keys(struct sk_view *v, size_t n)
{
	/* Room for one at least: an empty list (no process holds a socket)
	 * is not a failed allocation. */
	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, n ? n : 1, sizeof(struct sk_vkey)))
		return NULL;
	v->keys.n = v->nrows = n;
	return v->keys.v;
}

int sk_vrows_identify(struct sk_view *v, const struct sk_snapshot *s, const void *rows, size_t n,
		      size_t size, sk_vrow_key_fn key)
{
	struct sk_vkey *keys = sk_vrows_keys(v, n);

	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		keys[i] = key(s, (const char *)rows + i * size);
	return 0;
}

/* --- init / free --------------------------------------------------------------- */

static void level_init(struct sk_level *l, enum sk_vkind kind)
{
	memset(l, 0, sizeof(*l));
	l->kind = (uint8_t)kind;
}

void sk_view_init(struct sk_view *v, const struct sk_view_config *cfg,
		  enum sk_sort_key proc_sort, bool invert)
{
	memset(v, 0, sizeof(*v));
	if (cfg)
		v->cfg = *cfg;
	if (!v->cfg.user_name)
		v->cfg.user_name = default_user;
	v->depth = 1;
	v->width = 80;
	level_init(&v->stack[0], SK_VK_PROCS);
	v->sort[SK_VK_PROCS] = (struct sk_sortstate){(int)proc_sort, invert};
	v->growth_metric = (uint8_t)sk_view_growth_metric(SK_PM_SOCKETS, (int)proc_sort);
	v->sort[SK_VK_SOCKS] = (struct sk_sortstate){SK_SCOL_STATE, false};
	v->sort[SK_VK_ORPHANS] = (struct sk_sortstate){SK_OCOL_COUNT, false};
	v->sort[SK_VK_STATES] = (struct sk_sortstate){-1, false};
	v->sort[SK_VK_DETAIL] = (struct sk_sortstate){-1, false};
	v->gsort = (struct sk_sortstate){SK_GCOL_COUNT, false};
}

void sk_view_free(struct sk_view *v)
{
	/* First: it trades the vectors the list below names. */
	sk_vsockcache_free(v);
	/* The rows and scratch of every pane. */
	void *const vecs[] = {
		v->procs.v, v->findings.v, v->growth.v, v->socks.v, v->groups.v,
		v->orphans.v, v->states.v, v->services.v, v->lines.v, v->keys.v,
		v->scratch.v, v->sortkeys.v, v->sortrows.v, v->sortidx.v,
	};

	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++)
		free(vecs[i]);
	sk_service_totals_free(&v->stotals);
	sk_vlocals_free(v->locals);
	sk_itab_free(&v->gtab);
	memset(v, 0, sizeof(*v));
}

void sk_view_snapshot_changed(struct sk_view *v)
{
	/* 0 means "unknown": a wrap must not turn the cache off, or on for a
	 * list built before it. */
	if (++v->snap_gen == 0)
		v->snap_gen = 1;
}

uint32_t sk_view_focus_proc(const struct sk_view *v, const struct sk_snapshot *s)
{
	const struct sk_level *l = sk_view_top_c(v);

	if (!s)
		return SK_NONE;
	switch (l->kind) {
	case SK_VK_PROCS:
		return l->cursor < v->procs.n && v->procs.v[l->cursor] < s->procs.n
		       ? v->procs.v[l->cursor] : SK_NONE;
	case SK_VK_SOCKS:
		return l->scope == SK_SCOPE_PROC ? sk_view_level_proc(l, s) : SK_NONE;
	case SK_VK_DETAIL:
		return l->pid ? sk_view_level_proc(l, s) : SK_NONE;
	default:
		return SK_NONE;
	}
}

/* --- the build and the cursor ------------------------------------------------------------ */

static uint32_t find_sock(const struct sk_snapshot *s, struct sk_vkey key)
{
	for (size_t i = 0; i < s->socks.n; i++)
		if (sk_vkey_eq(sk_view_key_sock(&s->socks.v[i]), key))
			return (uint32_t)i;
	return SK_NONE;
}

static int build_detail(struct sk_view *v, const struct sk_snapshot *s, struct sk_level *l)
{
	uint32_t si = find_sock(s, l->sock);
	uint32_t pi = l->pid ? sk_view_level_proc(l, s) : SK_NONE;

	v->lines.n = 0;
	if (si == SK_NONE) {
		v->stale = true;
		struct sk_vline *ln = SK_VEC_PUSH(&v->lines);

		if (!ln)
			return -ENOMEM;
		ln->kind = SK_VL_WARN;
		snprintf(ln->text, sizeof(ln->text),
			 "This socket is gone: it was closed since you opened it. Esc goes back.");
	} else {
		int rc = sk_view_detail(v, s, si, pi);

		if (rc)
			return rc;
	}
	v->keys.n = 0;
	v->nrows = v->lines.n;
	return 0;
}

int sk_view_build(struct sk_view *v, const struct sk_snapshot *s)
{
	struct sk_level *l = sk_view_top(v);
	int rc = 0;

	sk_vsockcache_reclaim(v);
	v->nrows = 0;
	v->keys.n = 0;
	v->stale = false;
	v->grouped = false;
	v->hidden = 0;
	v->ages = sk_view_has_lives(s);
	if (!s) {
		l->cursor = 0;
		return 0;
	}
	switch (l->kind) {
	case SK_VK_PROCS: rc = sk_vpane_procs(v, s); break;
	case SK_VK_SOCKS: rc = sk_vpane_socks(v, s, l); break;
	case SK_VK_STATES: rc = sk_vpane_states(v, s); break;
	case SK_VK_ORPHANS: rc = sk_vpane_orphans(v, s); break;
	case SK_VK_DETAIL: rc = build_detail(v, s, l); break;
	case SK_VK_FINDINGS: rc = sk_vpane_findings(v, s); break;
	case SK_VK_SERVICES: rc = sk_vpane_services(v, s); break;
	default: break;
	}
	if (rc) {
		v->nrows = 0;
		v->keys.n = 0;
		return rc;
	}
	if (l->kind == SK_VK_DETAIL) {
		/* The detail view scrolls; its cursor is the first line shown. */
		if (l->cursor >= v->nrows)
			l->cursor = v->nrows ? v->nrows - 1 : 0;
		return 0;
	}
	bool found = false;

	if (l->have_cur) {
		for (size_t i = 0; i < v->keys.n; i++)
			if (sk_vkey_eq(v->keys.v[i], l->cur)) {
				/* Keep the row at the same height on screen. */
				size_t off = l->cursor >= l->top ? l->cursor - l->top : 0;

				l->cursor = i;
				l->top = i >= off ? i - off : 0;
				found = true;
				break;
			}
	}
	if (!found && l->cursor >= v->nrows)
		l->cursor = v->nrows ? v->nrows - 1 : 0;
	if (v->nrows) {
		l->cur = v->keys.v[l->cursor];
		l->have_cur = true;
	}
	return 0;
}

/* The cursor follows the row it is on (its identity), except in the
 * detail view, a pager. */
static void cursor_to(struct sk_view *v, size_t row)
{
	struct sk_level *l = sk_view_top(v);

	l->cursor = row;
	if (v->nrows && l->kind != SK_VK_DETAIL && row < v->keys.n) {
		l->cur = v->keys.v[row];
		l->have_cur = true;
	}
}

void sk_view_move_to(struct sk_view *v, size_t row)
{
	cursor_to(v, sk_list_step(row, 0, v->nrows));
}

void sk_view_move(struct sk_view *v, long delta)
{
	cursor_to(v, sk_list_step(sk_view_top(v)->cursor, delta, v->nrows));
}

void sk_view_scroll(struct sk_view *v, size_t height)
{
	struct sk_level *l = sk_view_top(v);

	if (height == 0)
		return;
	if (l->kind == SK_VK_DETAIL)
		l->top = l->cursor = sk_list_pager_top(l->cursor, v->nrows, height);
	else
		l->top = sk_list_top(l->cursor, l->top, v->nrows, height);
}

/* --- navigation ---------------------------------------------------------------------- */

static const uint8_t pane_kind[SK_PANE_LAST] = {
	[SK_PANE_PROCS] = SK_VK_PROCS,
	[SK_PANE_SOCKS] = SK_VK_SOCKS,
	[SK_PANE_STATES] = SK_VK_STATES,
	[SK_PANE_ORPHANS] = SK_VK_ORPHANS,
	[SK_PANE_FINDINGS] = SK_VK_FINDINGS,
};

enum sk_pane sk_view_pane(const struct sk_view *v)
{
	for (int p = 0; p < SK_PANE_LAST; p++)
		if (v->stack[0].kind == pane_kind[p])
			return (enum sk_pane)p;
	return SK_PANE_PROCS;
}

void sk_view_set_pane(struct sk_view *v, enum sk_pane pane)
{
	if (pane >= SK_PANE_LAST)
		return;
	if (v->depth == 1 && v->stack[0].kind == pane_kind[pane])
		return;
	v->depth = 1;
	level_init(&v->stack[0], (enum sk_vkind)pane_kind[pane]);
	v->stack[0].scope = SK_SCOPE_ALL;
}

static struct sk_level *push(struct sk_view *v, enum sk_vkind kind)
{
	if (v->depth >= SK_VIEW_DEPTH)
		return NULL;
	struct sk_level *l = &v->stack[v->depth++];

	level_init(l, kind);
	return l;
}

bool sk_view_enter(struct sk_view *v, const struct sk_snapshot *s)
{
	struct sk_level *cur = sk_view_top(v);
	size_t row = cur->cursor;
	struct sk_level *l;

	if (!s || row >= v->nrows)
		return false;
	switch (cur->kind) {
	case SK_VK_PROCS: {
		const struct sk_process *p = &s->procs.v[v->procs.v[row]];

		if (!(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_PROC;
		l->pid = p->pid;
		l->starttime = p->starttime;
		sk_view_proc_label(p, l->who, sizeof(l->who));
		return true;
	}
	case SK_VK_SOCKS: {
		struct sk_level parent = *cur;

		if (v->grouped) {
			if (!(l = push(v, SK_VK_SOCKS)))
				return false;
			l->scope = parent.scope;
			l->pid = parent.pid;
			l->starttime = parent.starttime;
			l->state = parent.state;
			l->okey = parent.okey;
			memcpy(l->who, parent.who, sizeof(l->who));
			l->in_group = true;
			l->gkey = v->groups.v[row].key;
			return true;
		}
		const struct sk_vsock *r = &v->socks.v[row];

		if (!(l = push(v, SK_VK_DETAIL)))
			return false;
		l->sock = sk_view_key_sock(&s->socks.v[r->sock]);
		if (r->proc != SK_NONE) {
			const struct sk_process *p = &s->procs.v[r->proc];

			l->pid = p->pid;
			l->starttime = p->starttime;
			sk_view_proc_label(p, l->who, sizeof(l->who));
		}
		return true;
	}
	case SK_VK_STATES: {
		unsigned ds = v->states.v[row].dstate;

		if (ds == SK_DS_ORPHANS)
			return push(v, SK_VK_ORPHANS) != NULL;
		if (!(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_STATE;
		l->state = (uint8_t)ds;
		return true;
	}
	case SK_VK_FINDINGS: {
		const struct sk_finding *f = sk_view_finding_at(v, s, row);

		if (!f || !(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_FINDING;
		l->fkey = sk_vkey_finding(f);
		snprintf(l->who, sizeof(l->who), "%s: %.80s", sk_finding_kind_names[f->kind],
			 f->subject);
		return true;
	}
	case SK_VK_SERVICES: {
		const struct sk_vservice *r = &v->services.v[row];
		const struct sk_service *sv = sk_snapshot_service(s, r->service);

		if (!(l = push(v, SK_VK_PROCS)))
			return false;
		l->skey = r->key;
		snprintf(l->who, sizeof(l->who), "%.90s",
			 sv && sv->name ? sk_strtab_get(&s->strs, sv->name) : "no service");
		return true;
	}
	case SK_VK_ORPHANS: {
		if (!(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_ORPHANS;
		l->okey = v->orphans.v[row].key;
		sk_view_okey_label(s, &v->orphans.v[row], l->who, sizeof(l->who));
		return true;
	}
	default:
		return false;
	}
}

bool sk_view_back(struct sk_view *v)
{
	if (v->depth <= 1)
		return false;
	v->depth--;
	return true;
}

/* --- sorting ----------------------------------------------------------------------- */

static const struct sk_coldef *sort_defs(const struct sk_view *v, size_t *n)
{
	const struct sk_level *l = sk_view_top_c(v);

	switch (l->kind) {
	case SK_VK_SOCKS:
		if (l->group != SK_GROUP_NONE && !l->in_group) {
			*n = SK_GCOL_LAST;
			return sk_gcols;
		}
		*n = SK_SCOL_LAST;
		return sk_scols;
	case SK_VK_ORPHANS:
		*n = SK_OCOL_LAST;
		return sk_ocols;
	default:
		*n = 0;
		return NULL;
	}
}

struct sk_sortstate *sk_view_sortstate(struct sk_view *v)
{
	const struct sk_level *l = sk_view_top(v);

	if (l->kind == SK_VK_SOCKS && l->group != SK_GROUP_NONE && !l->in_group)
		return &v->gsort;
	return &v->sort[l->kind];
}

const struct sk_sortstate *sk_view_sortstate_c(const struct sk_view *v)
{
	const struct sk_level *l = sk_view_top_c(v);

	if (l->kind == SK_VK_SOCKS && l->group != SK_GROUP_NONE && !l->in_group)
		return &v->gsort;
	return &v->sort[l->kind];
}

bool sk_view_sort_descending(const struct sk_view *v)
{
	const struct sk_sortstate *ss = sk_view_sortstate_c(v);
	size_t n;
	const struct sk_coldef *defs;

	if (sk_view_top_c(v)->kind == SK_VK_PROCS) {
		if (ss->col == SK_VSORT_GROWTH)
			return sk_pcols[SK_PCOL_GROWTH].descending != ss->invert;
		return ss->col >= 0 && ss->col < SK_SORT_LAST &&
		       sk_proc_fields[ss->col].descending != ss->invert;
	}
	defs = sort_defs(v, &n);
	return defs && ss->col >= 0 && (size_t)ss->col < n && defs[ss->col].descending != ss->invert;
}

void sk_view_scols_enabled(const struct sk_view *v, bool on[SK_SCOL_LAST])
{
	const struct sk_level *l = sk_view_top_c(v);

	for (int i = 0; i < SK_SCOL_LAST; i++)
		on[i] = true;
	/* A column of dashes (a replayed older file) helps nobody. */
	on[SK_SCOL_AGE] = v->ages;
	if (l->scope == SK_SCOPE_PROC || l->scope == SK_SCOPE_ORPHANS) {
		/* One owner for every row: it is in the title. */
		on[SK_SCOL_PID] = false;
		on[SK_SCOL_COMMAND] = false;
	}
	if (l->scope == SK_SCOPE_ORPHANS || (l->scope == SK_SCOPE_STATE && l->state == SK_DS_ORPHANS)) {
		/* Orphans have no fd and no inode; their timers are the story. */
		on[SK_SCOL_FD] = false;
		on[SK_SCOL_INODE] = false;
	}
}

size_t sk_view_sort_columns(const struct sk_view *v, int *cols, size_t max)
{
	const struct sk_level *l = sk_view_top_c(v);
	size_t k = 0, n;

	if (l->kind == SK_VK_PROCS) {
		for (int i = 0; i < SK_PCOL_LAST && k < max; i++)
			if (sk_pcols[i].sort >= 0)
				cols[k++] = sk_pcols[i].sort;
		return k;
	}
	const struct sk_coldef *defs = sort_defs(v, &n);
	bool on[SK_SCOL_LAST];

	sk_view_scols_enabled(v, on);
	for (size_t i = 0; defs && i < n && k < max; i++) {
		if (defs[i].sort < 0)
			continue;
		/* Columns not shown in this scope are no use to sort on. */
		if (defs == sk_scols && !on[i])
			continue;
		cols[k++] = defs[i].sort;
	}
	return k;
}

/* The title and description of the top level's sort column col; false
 * when it has no such column. */
static bool sort_label(const struct sk_view *v, int col, const char **title, const char **desc)
{
	size_t n;
	const struct sk_coldef *defs;

	if (sk_view_top_c(v)->kind == SK_VK_PROCS) {
		if (col == SK_VSORT_GROWTH) {
			*title = sk_pcols[SK_PCOL_GROWTH].title;
			*desc = sk_pcols[SK_PCOL_GROWTH].desc;
			return true;
		}
		if (col < 0 || col >= SK_SORT_LAST)
			return false;
		*title = sk_proc_fields[col].title;
		*desc = sk_proc_fields[col].description;
		return true;
	}
	defs = sort_defs(v, &n);
	if (!defs || col < 0 || (size_t)col >= n)
		return false;
	*title = defs[col].title;
	*desc = defs[col].desc;
	return true;
}

const char *sk_view_col_title(const struct sk_view *v, const struct sk_coldef *defs, int col)
{
	if (defs == sk_gcols && col == SK_GCOL_ADDR)
		return sk_view_top_c(v)->group == SK_GROUP_LPORT ? "LOCAL PORT" : "PEER ADDRESS";
	/* With lifecycles the rows name makers; "likely" moves into the cells. */
	if (defs == sk_ocols && col == SK_OCOL_OWNER && v->ages)
		return "OWNER";
	return defs[col].title;
}

const char *sk_view_sort_name(const struct sk_view *v, int col)
{
	const char *title, *desc;
	size_t n;
	const struct sk_coldef *defs = sort_defs(v, &n);

	if (!sort_label(v, col, &title, &desc))
		return "?";
	return defs ? sk_view_col_title(v, defs, col) : title;
}

const char *sk_view_sort_desc(const struct sk_view *v, int col)
{
	const char *title, *desc;

	return sort_label(v, col, &title, &desc) ? desc : "";
}

void sk_view_set_sort(struct sk_view *v, int col)
{
	struct sk_sortstate *ss = sk_view_sortstate(v);
	int cols[SK_SCOL_LAST + SK_PCOL_LAST];
	size_t n = sk_view_sort_columns(v, cols, sizeof(cols) / sizeof(cols[0]));

	/* Always the column's own direction, biggest first for counts: a
	 * direct key pressed twice must not bury the culprit it just found
	 * (I inverts). */
	for (size_t i = 0; i < n; i++)
		if (cols[i] == col) {
			ss->col = col;
			ss->invert = false;
			return;
		}
}

void sk_view_cycle_sort(struct sk_view *v, int dir)
{
	struct sk_sortstate *ss = sk_view_sortstate(v);
	int cols[SK_SCOL_LAST + SK_PCOL_LAST];
	size_t n = sk_view_sort_columns(v, cols, sizeof(cols) / sizeof(cols[0]));
	size_t at = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (cols[i] == ss->col)
			at = i;
	at = (at + n + (size_t)(dir < 0 ? n - 1 : 1)) % n;
	ss->col = cols[at];
	ss->invert = false;
}

void sk_view_invert(struct sk_view *v)
{
	struct sk_sortstate *ss = sk_view_sortstate(v);

	ss->invert = !ss->invert;
}

bool sk_view_cycle_group(struct sk_view *v)
{
	struct sk_level *l = sk_view_top(v);

	if (l->kind != SK_VK_SOCKS || l->in_group)
		return false;
	l->group = (uint8_t)((l->group + 1) % SK_GROUP_LAST);
	/* Rows change kind: a group key never matches a socket key. */
	l->have_cur = false;
	l->cursor = 0;
	l->top = 0;
	return true;
}

void sk_view_set_filter(struct sk_view *v, const char *text)
{
	snprintf(v->filter, sizeof(v->filter), "%s", text ? text : "");
}
