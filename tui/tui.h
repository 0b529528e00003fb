/* The interactive frontend. The only header of tui/ the rest of the program
 * sees; it exposes nothing of ncurses. */
#ifndef SKTOP_TUI_H
#define SKTOP_TUI_H

#include "util/error.h"
#include "options.h"

/* Runs the TUI until the user quits. Returns 0, or -errno with err set
 * (e.g. not a terminal, engine failure on the first refresh). */
int sk_tui_run(const struct sk_options *opts, struct sk_error *err);

#endif
