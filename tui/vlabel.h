/* How the view names things on screen: panes, groupings, display states,
 * protocols, endpoints, timers, group and orphan keys, metrics. Pure
 * formatting of snapshot data; used by the pane builders, the detail view
 * and the renderer. */
#ifndef SKTOP_TUI_VLABEL_H
#define SKTOP_TUI_VLABEL_H

#include <stdbool.h>
#include <stddef.h>

#include "vmodel.h"

extern const char *const sk_pane_names[SK_PANE_LAST];
extern const char *const sk_group_names[SK_GROUP_LAST];

/* Display states: the kernel's TCP states plus what sktop infers. */
enum {
	SK_DS_CLOSED = SK_TCP_STATE_LAST, /* TCP fd in CLOSE: the "can't identify protocol" leak */
	SK_DS_UNBOUND,                    /* UDP fd never bound (not dumped) */
	SK_DS_UNCONN,                     /* UDP/unix socket not connected */
	SK_DS_ORPHANS,                    /* pseudo state of the states pane: all orphans */
	SK_DS_LAST
};
const char *sk_dstate_name(unsigned ds);      /* "ESTAB", "CLOSE_WAIT", "closed" */
unsigned sk_dstate_of(const struct sk_socket *k);
int sk_dstate_badness(unsigned ds);            /* higher: look at it first */

/* Every name sk_view_proto returns, in an enum so that the PROTO column
 * sorts by a small number in the order strcmp would give the names. */
enum sk_proto_kind { SK_PK_OTHER, SK_PK_TCP, SK_PK_TCP6, SK_PK_UDP, SK_PK_UDP6, SK_PK_USTR,
		     SK_PK_UDGR, SK_PK_USEQ, SK_PK_UNIX, SK_PK_LAST };
extern const char *const sk_proto_kind_names[SK_PK_LAST];
unsigned sk_proto_kind(const struct sk_socket *k);

/* "nginx[4684]" */
void sk_view_proc_label(const struct sk_process *p, char *buf, size_t size);
/* Local and peer of a socket as shown: "10.0.0.1:80", unix path, "*". */
void sk_view_endpoint(const struct sk_snapshot *s, const struct sk_socket *k, bool peer,
		      char *buf, size_t size);
void sk_view_gkey_label(const struct sk_gkey *g, char *buf, size_t size);
void sk_view_okey_label(const struct sk_snapshot *s, const struct sk_vorphan *o, char *buf,
			size_t size);
/* "on 1.2s/3", "keep 2h05m", "tw 45s", "probe 3s/2", "" */
void sk_view_timer(const struct sk_socket *k, char *buf, size_t size);
/* "tcp", "tcp6", "udp", "unix/str" */
const char *sk_view_proto(const struct sk_socket *k);

/* "CLOSE_WAIT", "sockets", "rmem": how the header and help name a metric. */
const char *sk_view_metric_name(enum sk_pmetric m);
/* Whether metric m counts bytes (rmem, Recv-Q) rather than things. */
bool sk_view_metric_bytes(enum sk_pmetric m);

#endif
