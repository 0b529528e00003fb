/* The detail view of one socket (detail.c): label/value lines for
 * everything the snapshot knows of it. It reads the view model's types and
 * labels, never the pane builders that call it. */
#ifndef SKTOP_TUI_DETAIL_H
#define SKTOP_TUI_DETAIL_H

#include <stdint.h>

#include "vmodel.h"

/* Fills the detail lines of socket `sock` (proc: context, SK_NONE). */
int sk_view_detail(struct sk_view *v, const struct sk_snapshot *s, uint32_t sock, uint32_t proc);

#endif
