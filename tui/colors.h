/* Semantic colours: widgets ask for "a warning value" or "the cursor row",
 * never for a raw colour pair. One scheme table maps them to colour pairs
 * plus attributes; the monochrome scheme (NO_COLOR, --no-color, terminals
 * without colour) maps them to bold/reverse/underline only, so every
 * distinction the colours make survives without them. The enum is plain
 * data (render.c uses it without ncurses); sk_colors_init and the attribute
 * lookup are the only ncurses parts. */
#ifndef SKTOP_TUI_COLORS_H
#define SKTOP_TUI_COLORS_H

#include <stdbool.h>

enum sk_color {
	SK_C_DEFAULT,
	SK_C_DIM,          /* zeros, unknowns, things that are fine */
	SK_C_BOLD,
	SK_C_TITLE,        /* program name on the top line */
	SK_C_LABEL,        /* meter labels */
	SK_C_VALUE,        /* meter values */
	SK_C_BAR,          /* meter bar below the warning level */
	SK_C_OK,           /* healthy state (ESTAB) */
	SK_C_WARN,         /* worth a look: FIN_WAIT1, pressure, a counter that moved */
	SK_C_CRIT,         /* the problem: CLOSE_WAIT, closed fds, over a limit */
	SK_C_INFO,         /* LISTEN, neutral highlights */
	SK_C_COLHDR,       /* column title bar */
	SK_C_COLHDR_SORT,  /* the column sorted on */
	SK_C_CURSOR,       /* the selected row */
	SK_C_TAB,          /* pane tabs */
	SK_C_TAB_ACTIVE,
	SK_C_STATUS,       /* bottom line */
	SK_C_STATUS_ERR,
	SK_C_KEY,          /* a key name in the bottom line and help */
	SK_C_PAUSED,
	SK_C_GROUP,        /* grouped rows' counts */
	SK_C_LAST
};

struct sk_palette {
	unsigned long attr[SK_C_LAST]; /* ncurses attr_t incl. COLOR_PAIR */
	bool color;
};

/* Fills the palette; uses colour when the terminal has it and `want_color`.
 * Must run after initscr. */
void sk_colors_init(struct sk_palette *p, bool want_color);

#endif
