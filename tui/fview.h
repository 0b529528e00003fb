/* One finding in full, wrapped to the terminal's width: what Enter on a
 * finding shows above its sockets, so the next-step command is never the
 * part an 80-column terminal cuts off. Pure: tested in test_tui_view.c. */
#ifndef SKTOP_TUI_FVIEW_H
#define SKTOP_TUI_FVIEW_H

#include <stddef.h>
#include <stdint.h>

#include "analyse/findings.h"

#define SK_FVIEW_TEXT 512

/* What a line is, for its colour. */
enum sk_fview_kind { SK_FV_TITLE, SK_FV_TEXT, SK_FV_COMMAND, SK_FV_LAST };

struct sk_fview_line {
	uint8_t kind;           /* enum sk_fview_kind */
	char text[SK_FVIEW_TEXT];
};

/* The finding as lines of at most `width` columns: the title line, the
 * detail, the evidence and the next step, each wrapped at spaces under a
 * label ("Next step: "); a word longer than the line is cut across lines.
 * Returns the lines it needed, writing at most max of them. */
size_t sk_fview_lines(const struct sk_finding *f, int width, struct sk_fview_line *out,
		      size_t max);

#endif
