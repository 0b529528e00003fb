/* K: destroy the sockets under the cursor (a socket, a group, a
 * finding's sockets) after a confirmation that says how many, in which
 * states, whose, and what destroying does not fix. The destroy itself runs
 * on the refresh thread (refresher.h), its outcome goes to the status line
 * and the system log (act/audit.h), and a refresh follows. */
#ifndef SKTOP_TUI_DESTROY_H
#define SKTOP_TUI_DESTROY_H

#include <stdbool.h>

#include "app.h"
#include "line.h"
#include "refresher.h"

#define SK_DESTROY_PROMPT_LINES 8

/* The K key: the confirmation, or a polite refusal on the status line. */
unsigned sk_destroy_begin(struct sk_ui *ui);
/* A key while the confirmation shows: y confirms (SK_H_DESTROY), any other
 * key cancels. */
unsigned sk_destroy_key(struct sk_ui *ui, int key);
/* The confirmation's lines; returns how many (<= max). */
int sk_destroy_render(const struct sk_ui *ui, int width, struct sk_line *out, int max);

/* The loop's side: hands the confirmed set to the refresh thread, and takes
 * the outcome back (true when it did: refresh now). */
void sk_destroy_queue(struct sk_ui *ui, struct sk_refresher *r);
bool sk_destroy_poll(struct sk_ui *ui, struct sk_refresher *r);
void sk_destroy_free(struct sk_ui *ui);

#endif
