/* The TUI's state: one struct owned by the main loop (tui.c), changed only
 * by key handlers (keys.c) and the refresh, read by the renderer
 * (render.c), which turns it into lines without touching the terminal.
 * Nothing in here is ncurses. */
#ifndef SKTOP_TUI_APP_H
#define SKTOP_TUI_APP_H

#include <stdbool.h>
#include <stdint.h>

#include "act/killset.h"
#include "options.h"
#include "model/snapshot.h"
#include "users.h"
#include "view.h"
#include "counters.h"

enum sk_mode {
	SK_MODE_NORMAL,
	SK_MODE_FILTER,    /* editing the filter on the bottom line */
	SK_MODE_DELAY,     /* typing a refresh interval */
	SK_MODE_SORT,      /* the sort column menu */
	SK_MODE_HELP,
	SK_MODE_DESTROY,   /* the K confirmation (destroy.c) */
	SK_MODE_LAST
};

/* What a key handler asks the loop to do (htop's handler results). */
enum sk_handled {
	SK_H_NONE = 0,
	SK_H_REDRAW = 1u << 0,  /* draw again from the current rows */
	SK_H_REBUILD = 1u << 1, /* rebuild the rows (sort, filter, level changed) */
	SK_H_RESCAN = 1u << 2,  /* take a new snapshot now */
	SK_H_QUIT = 1u << 3,
	SK_H_REPAINT = 1u << 4, /* repaint the whole terminal (Ctrl-L) */
	SK_H_RETIME = 1u << 5,  /* the interval changed: reschedule the next refresh */
	SK_H_DESTROY = 1u << 6, /* hand ui->destroy.set to the refresh thread */
};

/* The sockets K chose, from the confirmation until the result is shown. */
struct sk_ui_destroy {
	struct sk_killset set;
	char what[192];      /* "CLOSE_WAIT x 812 from 10.0.3.7" */
	bool queued;         /* confirmed and with the refresh thread */
	bool unsupported;    /* the kernel cannot: say so at once from then on */
};

#define SK_STATUS_MAX 512

struct sk_ui {
	const struct sk_options *opts;
	const struct sk_snapshot *snap;   /* NULL: no trustworthy data (refresh failed) */
	struct sk_view view;
	struct sk_counter_track counters;
	struct sk_users *users;

	double interval;                  /* seconds */
	bool paused;
	bool unicode;                     /* UTF-8 glyphs allowed (else ASCII only) */
	bool color;
	int rows, cols;                   /* terminal size */
	int body_height;                  /* rows for list rows (set by layout) */

	enum sk_mode mode;
	char input[128];                  /* the prompt being edited */
	size_t menu_cursor;               /* sort menu */
	size_t help_top;

	char status[SK_STATUS_MAX];       /* one line, shown until status_until */
	bool status_err;
	uint64_t status_until_ms;         /* monotonic; 0: until the next key */
	char engine_error[SK_STATUS_MAX]; /* the last refresh's error, "" when fine */
	uint64_t now_ms;                  /* monotonic, set by the loop */
	uint64_t refresh_started_ms;      /* monotonic; 0: no refresh under way */
	uint64_t refreshes_failed;
	struct sk_ui_destroy destroy;
};

/* Sets the status line message (printf-style), shown for a few seconds. */
void sk_ui_status(struct sk_ui *ui, bool error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The `s` key: writes <dir>/<basename>.json and .txt (snapshot_key.c).
 * Returns 0 or -errno; msg gets the one-line result either way. */
int sk_tui_snapshot_write(const struct sk_ui *ui, char *msg, size_t msgsize);

#endif
