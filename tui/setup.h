/* F2's model: what the setup screen lists, the names sktoprc spells its
 * values with, and moving settings between the file and the running UI.
 * Pure (no ncurses, no I/O but sk_settings_load/save in setup_key.c and
 * tui.c); tested in tests/test_tui_hands.c. */
#ifndef SKTOP_TUI_SETUP_H
#define SKTOP_TUI_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#include "app.h"
#include "settings.h"

/* The rows of the setup screen: four settings, then one per column. */
enum sk_setup_item {
	SK_SETUP_PANE,
	SK_SETUP_SORT,
	SK_SETUP_INTERVAL,
	SK_SETUP_COLOR,
	SK_SETUP_COLUMNS, /* the first column row */
};

/* The names the file uses (a contract: never renamed). */
const struct sk_settings_names *sk_setup_names(void);

/* The process pane's columns as the setup screen lists them: the shown
 * ones in their order, then the hidden ones. Returns SK_PCOL_LAST. */
size_t sk_setup_columns(const struct sk_colset *shown, uint8_t out[], bool on[]);

/* Rows on the setup screen. */
size_t sk_setup_rows(void);

/* Applies loaded settings to the UI (the pane, sort and interval, the
 * columns; colour is read by tui.c when it starts the screen). */
void sk_setup_apply(struct sk_ui *ui, const struct sk_settings *s);

/* What the UI now holds, as settings to save; the default pane and colour
 * are kept from ui->settings (they are the setup screen's own values). */
void sk_setup_capture(const struct sk_ui *ui, struct sk_settings *s);

/* One setup row as text: "Default pane      Processes". */
void sk_setup_row_text(const struct sk_ui *ui, size_t row, char *buf, size_t size);

/* Edits row: dir +1/-1 cycles a value, 0 toggles (columns). */
void sk_setup_change(struct sk_ui *ui, size_t row, int dir);

/* Moves a shown column one place earlier (-1) or later (+1) among the
 * shown ones; false when it cannot go there. */
bool sk_setup_move(struct sk_ui *ui, size_t row, int dir);

#endif
