/* Turning the UI state into lines of text with colour spans: the header
 * meters, the pane tabs, column titles, rows, and the bottom line. No
 * ncurses here: draw.c blits these lines, the snapshot key writes them to
 * a text file, and the tests read them. */
#ifndef SKTOP_TUI_RENDER_H
#define SKTOP_TUI_RENDER_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "columns.h"
#include "line.h"

#define SK_HEADER_MAX 14 /* 8 of meters; an opened finding's text may need more */

/* Column positions of the list being shown, computed once per frame from
 * the rows that will be drawn (they decide how wide addresses get). */
struct sk_frame {
	int width;
	const struct sk_coldef *defs;  /* NULL: the view draws its own rows */
	size_t ndefs;
	struct sk_colpos pos[SK_SCOL_LAST + SK_PCOL_LAST];
	size_t ncols;
	int sortcol;                   /* column index highlighted, -1 */
	bool sort_desc;
};

/* Header lines for this width; returns how many (<= max). */
int sk_render_header(const struct sk_ui *ui, int width, struct sk_line *out, int max);

/* Rows the body has in the current mode (list rows, help lines, menu). */
size_t sk_render_body_rows(const struct sk_ui *ui);

void sk_render_layout(const struct sk_ui *ui, int width, size_t first, size_t count,
		      struct sk_frame *f);
void sk_render_tabs(const struct sk_ui *ui, int width, struct sk_line *out);
/* The pane whose tab is at column x of the tab line, -1 for none. */
int sk_render_tab_at(int width, int x);
void sk_render_colhdr(const struct sk_ui *ui, const struct sk_frame *f, struct sk_line *out);
/* Body row `row`; returns true when it is the cursor row. */
bool sk_render_row(const struct sk_ui *ui, const struct sk_frame *f, size_t row,
		   struct sk_line *out);
void sk_render_status(const struct sk_ui *ui, int width, struct sk_line *out);

#endif
