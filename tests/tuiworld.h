/* The world the TUI's view and render suites share: a hand-built
 * snapshot of four processes (a server with a CLOSE_WAIT pile and
 * orphans, a cache with a full receive buffer, a leaker of closed fds, a
 * quiet one), a view and a UI over it, and the checks the screens need. */
#ifndef SKTOP_TEST_TUIWORLD_H
#define SKTOP_TEST_TUIWORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "line.h"
#include "model/snapshot.h"
#include "view.h"

enum { PID_SERVER = 100, PID_CACHE = 200, PID_LEAKER = 300, PID_QUIET = 400 };
enum { LISTEN_PORT = 8080 };

/* The user-name lookup the views get: uid 0 "root", 1000 "alice". */
void tw_user(void *ctx, uint32_t uid, char *buf, size_t size);

/* server (100): a listener on 8080, 3 CLOSE_WAIT from 10.0.3.7, 1 from
 *   10.0.3.8, 2 ESTAB; 2 FIN_WAIT1 orphans + 1 LAST_ACK orphan on its port.
 * cache (200): 1 ESTAB with `rmem_cache` of rmem (RSS 1M).
 * leaker (300, only `with_leaker`): 4 closed TCP fds (101..104), 1 ESTAB.
 * quiet (400): no sockets at all: never listed.
 * `rmem_cache` lets a test change the order between refreshes. */
void tw_build(struct sk_snapshot *s, uint32_t rmem_cache, bool with_leaker);
/* A view sorted by CLOSE_WAIT, names through tw_user. */
void tw_view_new(struct sk_view *v);
int32_t tw_row_pid(const struct sk_view *v, const struct sk_snapshot *s, size_t row);
int32_t tw_cursor_pid(struct sk_view *v, const struct sk_snapshot *s);
/* The world (rmem_cache 100, with the leaker) and a view over it, for
 * cmocka's setup and teardown: *state is a struct tw_fx. */
struct tw_fx {
	struct sk_snapshot s;
	struct sk_view v;
};

int tw_setup(void **state);
int tw_teardown(void **state);
/* A test case that starts on a fresh struct tw_fx. */
#define TW_TEST(fn) cmocka_unit_test_setup_teardown(fn, tw_setup, tw_teardown)
/* An 80x24 UI over s with zeroed options, no view yet, under a header of
 * header_rows (and the 3 rows of tabs, column header and status). */
void tw_ui_blank(struct sk_ui *ui, struct sk_options *o, const struct sk_snapshot *s,
		 int header_rows);
/* An 80x24 UI over s with default options and a built view. */
void tw_ui_new(struct sk_ui *ui, struct sk_options *o, const struct sk_snapshot *s);
/* System counters and limits that fill the header's meters. */
void tw_set_sys(struct sk_snapshot *s);
/* No control byte reached the line. */
bool tw_all_printable(const struct sk_line *l);

#endif
