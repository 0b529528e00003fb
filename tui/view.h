/* View models: what each pane shows, built from a snapshot without any
 * drawing. A view is a stack of levels (processes -> a process's sockets
 * -> one socket's details); each level keeps its cursor as the identity of
 * the selected row (pid + start time, socket inode + cookie, group key), so
 * the cursor stays on the same thing across refreshes, re-sorts and
 * filters. Everything here is pure and unit tested (tests/test_tui_view.c).
 * The types are in vmodel.h, the labels in vlabel.h. */
#ifndef SKTOP_TUI_VIEW_H
#define SKTOP_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlabel.h"
#include "vmodel.h"

void sk_view_init(struct sk_view *v, const struct sk_view_config *cfg,
		  enum sk_sort_key proc_sort, bool invert);
void sk_view_free(struct sk_view *v);

/* The snapshot the next builds get is another one, or the same one
 * changed: rows kept from builds on the last one (the list of every
 * socket, struct sk_vsockcache) are not shown again. A view nobody tells
 * keeps nothing across builds; one that is told must be told every time. */
void sk_view_snapshot_changed(struct sk_view *v);

/* The list of every socket that `from` built on s (its socket pane,
 * unfiltered) becomes v's, as if v had built it with from's sort: v's
 * next build of that list, on s in that order, shows it at no cost. v
 * must have been told of s (sk_view_snapshot_changed); from gets v's old
 * buffers for its next build. For the list built on the refresh thread
 * (tui.c). False, and nothing handed over, when from has no list of s. */
bool sk_view_take_socks(struct sk_view *v, struct sk_view *from, const struct sk_snapshot *s);

/* Rebuilds the rows of the top level from s and puts the cursor back on
 * the row it was on (by identity), or at the same position when that row
 * is gone. Returns 0 or -ENOMEM (rows then empty). */
int sk_view_build(struct sk_view *v, const struct sk_snapshot *s);

/* Navigation. Each returns true when something changed (rebuild needed). */
void sk_view_set_pane(struct sk_view *v, enum sk_pane pane);
enum sk_pane sk_view_pane(const struct sk_view *v);
/* Enter on the cursor row: pushes the level below it. */
bool sk_view_enter(struct sk_view *v, const struct sk_snapshot *s);
bool sk_view_back(struct sk_view *v);
/* Cursor moves; `page` is the visible height for PgUp/PgDn. */
void sk_view_move(struct sk_view *v, long delta);
void sk_view_move_to(struct sk_view *v, size_t row);
/* Keeps the cursor inside rows [top, top+height), the cursor's distance
 * from the top edge unchanged where possible. */
void sk_view_scroll(struct sk_view *v, size_t height);

/* Sorting: the columns the top level can sort on, in menu order. */
size_t sk_view_sort_columns(const struct sk_view *v, int *cols, size_t max);
const char *sk_view_sort_name(const struct sk_view *v, int col);
const char *sk_view_sort_desc(const struct sk_view *v, int col);
struct sk_sortstate *sk_view_sortstate(struct sk_view *v);
const struct sk_sortstate *sk_view_sortstate_c(const struct sk_view *v);
/* Whether the top level's rows currently run biggest first. */
bool sk_view_sort_descending(const struct sk_view *v);
void sk_view_set_sort(struct sk_view *v, int col);
struct sk_coldef; /* columns.h */
/* The title of column col of table defs (columns.h) as this view shows it. */
const char *sk_view_col_title(const struct sk_view *v, const struct sk_coldef *defs, int col);
void sk_view_cycle_sort(struct sk_view *v, int dir);
void sk_view_invert(struct sk_view *v);
/* Which socket columns mean something at the top level (no PID for one
 * process's sockets, no fd for orphans, no AGE without lifecycles). */
void sk_view_scols_enabled(const struct sk_view *v, bool on[SK_SCOL_LAST]);
/* Grouping (socket lists only): cycles none -> peer -> local port. */
bool sk_view_cycle_group(struct sk_view *v);
void sk_view_set_filter(struct sk_view *v, const char *text);

/* The finding the findings pane shows on row (three rows each), NULL past
 * the last: -p, -u and --service hide other processes' findings. */
const struct sk_finding *sk_view_finding_at(const struct sk_view *v, const struct sk_snapshot *s,
					    size_t row);

/* The finding a level lists the sockets of (Enter on a finding), NULL
 * elsewhere or when the condition is gone. */
const struct sk_finding *sk_view_level_finding(const struct sk_level *l,
					       const struct sk_snapshot *s);

/* Moves the cursor to the next row whose text holds `text` (any case):
 * from the cursor row itself when from_cursor (typing), else from the row
 * after it, wrapping round. Returns false, cursor unmoved, when none does. */
bool sk_view_search(struct sk_view *v, const struct sk_snapshot *s, const char *text,
		    bool from_cursor);
/* Services (vservices.c): v toggles the process pane between processes
 * and one row per service (false when not on the process pane); a
 * service's key names its rows across refreshes (its name's hash). */
bool sk_view_toggle_services(struct sk_view *v);
uint64_t sk_view_service_key(const struct sk_snapshot *s, const struct sk_service *sv);
/* A process's SERVICE cell: its service's name, "-" when unknown. */
const char *sk_view_service_label(const struct sk_snapshot *s, const struct sk_process *p);
/* A NETNS cell: the `ip netns` name, else the inode. */
void sk_view_netns_label(const struct sk_snapshot *s, uint64_t netns, char *buf, size_t size);

/* Lookups for renderers. */
const char *sk_view_user(const struct sk_view *v, uint32_t uid, char *buf, size_t size);

/* The row identities, for tests and the renderer's cursor. */
struct sk_vkey sk_view_key_proc(const struct sk_process *p);
struct sk_vkey sk_view_key_sock(const struct sk_socket *k);

/* The process the screen is about, for the trend line: the cursor row of
 * the process list, the process whose sockets or socket is open; SK_NONE
 * elsewhere (or when it has exited). */
uint32_t sk_view_focus_proc(const struct sk_view *v, const struct sk_snapshot *s);

/* The trend of metric m of process p in s's history ({0}: none yet). */
struct sk_trend sk_view_proc_trend(const struct sk_snapshot *s, const struct sk_process *p,
				   enum sk_pmetric m);

#endif
