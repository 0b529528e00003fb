/* Keys: one table binds keys to actions, one table describes each action
 * (the help screen is generated from it), and every handler only changes
 * struct sk_ui and returns enum sk_handled flags; the main loop decides what
 * to redraw or rescan. Uses ncurses key constants, never ncurses calls. */
#ifndef SKTOP_TUI_KEYS_H
#define SKTOP_TUI_KEYS_H

#include <stddef.h>

#include "app.h"

/* Keys as the loop passes them: a character, or an ncurses KEY_* code
 * with this bit set (so wide characters never collide with key codes). */
#define SK_KEYCODE 0x1000000

enum sk_action {
	SK_ACT_NONE,
	/* moving */
	SK_ACT_UP, SK_ACT_DOWN, SK_ACT_PGUP, SK_ACT_PGDN, SK_ACT_HOME, SK_ACT_END,
	SK_ACT_ENTER, SK_ACT_BACK,
	SK_ACT_PANE_NEXT, SK_ACT_PANE_PREV,
	SK_ACT_PANE_PROCS, SK_ACT_PANE_SOCKS, SK_ACT_PANE_STATES, SK_ACT_PANE_ORPHANS, SK_ACT_PANE_FINDINGS,
	/* sorting and grouping */
	SK_ACT_SORT_CLOSE_WAIT, SK_ACT_SORT_CLOSED, SK_ACT_SORT_ORPHANS, SK_ACT_SORT_RMEM,
	SK_ACT_SORT_WMEM, SK_ACT_SORT_FDS, SK_ACT_SORT_ESTAB, SK_ACT_SORT_TIME_WAIT,
	SK_ACT_SORT_PID, SK_ACT_SORT_GROWTH,
	SK_ACT_SORT_MENU, SK_ACT_SORT_PREV, SK_ACT_SORT_NEXT, SK_ACT_INVERT,
	SK_ACT_GROUP, SK_ACT_SERVICES, SK_ACT_FILTER, SK_ACT_SEARCH, SK_ACT_SEARCH_NEXT,
	/* the program */
	SK_ACT_PAUSE, SK_ACT_SLOWER, SK_ACT_FASTER, SK_ACT_DELAY, SK_ACT_REFRESH,
	SK_ACT_SNAPSHOT, SK_ACT_REPAINT, SK_ACT_HELP, SK_ACT_QUIT,
	/* travelling through a replayed log */
	SK_ACT_TRAVEL_BACK, SK_ACT_TRAVEL_FWD, SK_ACT_TRAVEL_BACK10, SK_ACT_TRAVEL_FWD10,
	/* acting */
	SK_ACT_DESTROY,
	SK_ACT_SIGNAL, SK_ACT_SETUP,
	SK_ACT_LAST
};

enum sk_help_section { SK_HS_MOVE, SK_HS_SORT, SK_HS_PROGRAM, SK_HS_LAST };
extern const char *const sk_help_section_names[SK_HS_LAST];

struct sk_actiondef {
	const char *keys;   /* as the help screen shows them: "q F10" */
	const char *help;
	uint8_t section;    /* enum sk_help_section */
	unsigned (*run)(struct sk_ui *ui, long arg);
	long arg;           /* what run is given: a direction, a pane, ... */
};
extern const struct sk_actiondef sk_actions[SK_ACT_LAST];

/* Runs action a (its handler with its argument); enum sk_handled flags. */
unsigned sk_keys_run(struct sk_ui *ui, enum sk_action a);

/* Handles one key in the current mode; returns enum sk_handled flags. */
unsigned sk_keys_handle(struct sk_ui *ui, int key);

/* The action a key is bound to in normal mode. */
enum sk_action sk_keys_lookup(int key);

/* F9 (signal_key.c): opens the signal menu on the cursor's process, and
 * handles keys in it. */
unsigned sk_signal_open(struct sk_ui *ui);
unsigned sk_signal_key(struct sk_ui *ui, int key);

/* F2 (setup_key.c): opens the setup screen, and handles keys in it. */
unsigned sk_setup_open(struct sk_ui *ui);
/* At start: sktoprc into ui->settings and the UI; a bad file leaves the
 * defaults and one line on the status line. */
void sk_setup_load(struct sk_ui *ui);
unsigned sk_setup_key(struct sk_ui *ui, int key);

/* The interval presets + and - step through. */
double sk_keys_next_interval(double now, int dir);

#endif
