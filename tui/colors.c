#include <config.h>

#include "colors.h"

#include <curses.h>

struct scheme_entry {
	short fg, bg;      /* -1: terminal default */
	unsigned long color_attr;
	unsigned long mono_attr;
};

/* Colour and monochrome side by side, so a distinction added to one is
 * visibly missing from the other in review. */
static const struct scheme_entry scheme[SK_C_LAST] = {
	[SK_C_DEFAULT] = {-1, -1, A_NORMAL, A_NORMAL},
	[SK_C_DIM] = {-1, -1, A_DIM, A_DIM},
	[SK_C_BOLD] = {-1, -1, A_BOLD, A_BOLD},
	[SK_C_TITLE] = {COLOR_CYAN, -1, A_BOLD, A_BOLD},
	[SK_C_LABEL] = {COLOR_CYAN, -1, A_NORMAL, A_NORMAL},
	[SK_C_VALUE] = {-1, -1, A_BOLD, A_BOLD},
	[SK_C_BAR] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
	[SK_C_OK] = {COLOR_GREEN, -1, A_NORMAL, A_NORMAL},
	[SK_C_WARN] = {COLOR_YELLOW, -1, A_BOLD, A_BOLD},
	[SK_C_CRIT] = {COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
	[SK_C_INFO] = {COLOR_BLUE, -1, A_BOLD, A_NORMAL},
	[SK_C_COLHDR] = {COLOR_BLACK, COLOR_GREEN, A_NORMAL, A_REVERSE},
	[SK_C_COLHDR_SORT] = {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE | A_BOLD | A_UNDERLINE},
	[SK_C_CURSOR] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE | A_BOLD},
	[SK_C_TAB] = {-1, -1, A_NORMAL, A_NORMAL},
	[SK_C_TAB_ACTIVE] = {COLOR_BLACK, COLOR_CYAN, A_BOLD, A_REVERSE},
	[SK_C_STATUS] = {-1, -1, A_NORMAL, A_NORMAL},
	[SK_C_STATUS_ERR] = {COLOR_WHITE, COLOR_RED, A_BOLD, A_REVERSE | A_BOLD},
	[SK_C_KEY] = {COLOR_BLACK, COLOR_CYAN, A_NORMAL, A_REVERSE},
	[SK_C_PAUSED] = {COLOR_BLACK, COLOR_YELLOW, A_BOLD, A_REVERSE | A_BOLD},
	[SK_C_GROUP] = {COLOR_MAGENTA, -1, A_BOLD, A_BOLD},
};

void sk_colors_init(struct sk_palette *p, bool want_color)
{
	bool defaults = false;

	p->color = want_color && has_colors() && start_color() == OK;
	/* -1 is "the terminal's own colour" only where the terminal has that;
	 * elsewhere white on black stands in. */
	if (p->color)
		defaults = use_default_colors() == OK;
	for (int i = 0; i < SK_C_LAST; i++) {
		const struct scheme_entry *e = &scheme[i];
		short fg = e->fg, bg = e->bg;

		if (!defaults) {
			fg = fg < 0 ? COLOR_WHITE : fg;
			bg = bg < 0 ? COLOR_BLACK : bg;
		}

		p->attr[i] = e->mono_attr;
		if (!p->color)
			continue;
		/* Pair 0 is the terminal default and cannot be redefined. */
		if (e->fg == -1 && e->bg == -1) {
			p->attr[i] = e->color_attr;
			continue;
		}
		if (i < COLOR_PAIRS && init_pair((short)i, fg, bg) == OK)
			p->attr[i] = e->color_attr | (unsigned long)COLOR_PAIR(i);
	}
}
