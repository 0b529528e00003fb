/* The mouse as htop has it: a click on a tab switches pane, on a column
 * title sorts by it (again: inverts), on a row moves the cursor there (on
 * the cursor row: opens it); the wheel scrolls. One place turns terminal
 * coordinates into the actions the keys already have. Pure. */
#ifndef SKTOP_TUI_MOUSE_H
#define SKTOP_TUI_MOUSE_H

#include "app.h"

enum sk_mouse_button { SK_MB_CLICK, SK_MB_WHEEL_UP, SK_MB_WHEEL_DOWN, SK_MB_LAST };

/* y, x: the terminal cell. Returns enum sk_handled flags. */
unsigned sk_mouse_handle(struct sk_ui *ui, int y, int x, enum sk_mouse_button b);

#endif
