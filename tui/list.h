/* The one list widget's arithmetic: where the cursor of a list of n rows
 * goes, and which row is shown first in a window of `height` rows. Every
 * scrolling thing in the TUI is one of two kinds: a list with a cursor
 * (the panes, the sort menu), or a pager whose position is its top row
 * (the detail view, help). Pure. */
#ifndef SKTOP_TUI_LIST_H
#define SKTOP_TUI_LIST_H

#include <stddef.h>

/* cursor + delta, kept inside rows 0..n-1 (0 when there are none). */
size_t sk_list_step(size_t cursor, long delta, size_t n);

/* The first row to show so that the cursor is inside [top, top+height),
 * moving top no more than needed, and never leaving empty space below the
 * last row while rows are hidden above. */
size_t sk_list_top(size_t cursor, size_t top, size_t n, size_t height);

/* A pager's top row kept so that the last page is full. */
size_t sk_list_pager_top(size_t top, size_t n, size_t height);

#endif
