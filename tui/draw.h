/* The only file that puts characters on the terminal: it lays the screen
 * out (header, tabs, column titles, rows, bottom line) and blits the lines
 * render.c builds onto stdscr, then wnoutrefresh + doupdate, so ncurses
 * sends only the cells that changed. */
#ifndef SKTOP_TUI_DRAW_H
#define SKTOP_TUI_DRAW_H

#include "app.h"
#include "colors.h"

struct sk_screen {
	struct sk_palette pal;
	int header_h;   /* header lines in the last layout */
};

/* Reads the terminal size into ui (rows, cols, body_height). Call at start
 * and on KEY_RESIZE; returns true when the size changed. */
bool sk_draw_layout(struct sk_screen *sc, struct sk_ui *ui);

/* Draws the whole frame. */
void sk_draw(struct sk_screen *sc, struct sk_ui *ui);

#endif
