/* Column tables of every list pane, one designated-initializer array per
 * pane indexed by its column enum: title, description, width, which columns
 * go first when the terminal is narrow, and the default sort direction.
 * The layout function decides, for a given width, which columns are shown
 * and how wide: the sort column is never dropped, flexible columns
 * (addresses) grow to what the rows need, and the last one (COMMAND) takes
 * the rest. Pure: no ncurses. */
#ifndef SKTOP_TUI_COLUMNS_H
#define SKTOP_TUI_COLUMNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "line.h"
#include "view.h"

enum sk_pcol {
	SK_PCOL_PID,
	SK_PCOL_USER,
	SK_PCOL_FDS,
	SK_PCOL_SOCK,
	SK_PCOL_CLOSE_WAIT,
	SK_PCOL_CLOSED,
	SK_PCOL_ORPHANS,
	SK_PCOL_GROWTH,
	SK_PCOL_ESTAB,
	SK_PCOL_TIME_WAIT,
	SK_PCOL_RECVQ,
	SK_PCOL_SENDQ,
	SK_PCOL_RMEM,
	SK_PCOL_WMEM,
	SK_PCOL_SERVICE,
	SK_PCOL_NETNS,
	SK_PCOL_COMMAND,
	SK_PCOL_LAST
};

#define SK_COL_REST (-1) /* maxw: takes whatever width is left */

struct sk_coldef {
	const char *title;
	const char *desc;  /* one line: help and the sort menu */
	int width;         /* columns; the minimum for flexible ones */
	int maxw;          /* 0 fixed; > 0 grows up to this; SK_COL_REST */
	uint8_t prio;      /* 0 never dropped; the highest is dropped first */
	uint8_t align;     /* enum sk_align */
	bool descending;   /* default sort direction */
	int sort;          /* sort id of this column, -1 when it cannot sort */
};

extern const struct sk_coldef sk_pcols[SK_PCOL_LAST];
extern const struct sk_coldef sk_scols[SK_SCOL_LAST];
extern const struct sk_coldef sk_gcols[SK_GCOL_LAST];
extern const struct sk_coldef sk_ocols[SK_OCOL_LAST];
extern const struct sk_coldef sk_vcols[SK_VCOL_LAST];

/* The process column showing sort key k. */
enum sk_pcol sk_pcol_of_sort(enum sk_sort_key k);

struct sk_colpos {
	uint8_t col;
	int x, w;
};

/* Lays out columns defs[0..n) that are `enabled` (NULL: all) in width
 * terminal columns, one space between them. want[i] (NULL: none) is the
 * width the rows would like for a flexible column. Returns how many
 * columns are shown, positions in out[0..n). */
size_t sk_columns_layout(const struct sk_coldef *defs, size_t n, const bool *enabled,
			 int sortcol, int width, const int *want, struct sk_colpos *out);

/* Puts laid-out columns in the order the operator chose (F2): columns in
 * order[] first, in that order, the rest after them as they were; then
 * recomputes the x positions. */
void sk_columns_reorder(struct sk_colpos *pos, size_t n, const uint8_t *order, size_t norder);

#endif
