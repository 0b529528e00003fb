/* How the view names things on screen: panes, groupings, timers, group
 * and orphan keys, metrics (display states, protocols and endpoints are
 * the library's, model/label.h, shared with the filter language). Pure
 * formatting of snapshot data; used by the pane builders, the detail view
 * and the renderer. */
#ifndef SKTOP_TUI_VLABEL_H
#define SKTOP_TUI_VLABEL_H

#include <stdbool.h>
#include <stddef.h>

#include "model/label.h"
#include "vmodel.h"

extern const char *const sk_pane_names[SK_PANE_LAST];
extern const char *const sk_group_names[SK_GROUP_LAST];

int sk_dstate_badness(unsigned ds);            /* higher: look at it first */

/* "nginx[4684]" */
void sk_view_proc_label(const struct sk_process *p, char *buf, size_t size);
void sk_view_gkey_label(const struct sk_gkey *g, char *buf, size_t size);
void sk_view_okey_label(const struct sk_snapshot *s, const struct sk_vorphan *o, char *buf,
			size_t size);
/* "on 1.2s/3", "keep 2h05m", "tw 45s", "probe 3s/2", "" */
void sk_view_timer(const struct sk_socket *k, char *buf, size_t size);
/* "CLOSE_WAIT", "sockets", "rmem": how the header and help name a metric. */
const char *sk_view_metric_name(enum sk_pmetric m);
/* Whether metric m counts bytes (rmem, Recv-Q) rather than things. */
bool sk_view_metric_bytes(enum sk_pmetric m);

#endif
