/* How a socket is named to a person: its display state (the kernel's TCP
 * states plus what sktop infers), its protocol and its endpoints, as the
 * TUI shows them and as the filter language (match.h) matches them. One
 * naming for both, so what an operator reads on screen is what selects a
 * socket for --kill-sockets. (sk_view_* keep the names the TUI knew them
 * by.) */
#ifndef SKTOP_LABEL_H
#define SKTOP_LABEL_H

#include <stdbool.h>
#include <stddef.h>

#include "model/snapshot.h"

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

/* Every name sk_view_proto returns, in an enum so that the PROTO column
 * sorts by a small number in the order strcmp would give the names. */
enum sk_proto_kind { SK_PK_OTHER, SK_PK_TCP, SK_PK_TCP6, SK_PK_UDP, SK_PK_UDP6, SK_PK_USTR,
		     SK_PK_UDGR, SK_PK_USEQ, SK_PK_UNIX, SK_PK_LAST };
extern const char *const sk_proto_kind_names[SK_PK_LAST];
unsigned sk_proto_kind(const struct sk_socket *k);
/* "tcp", "tcp6", "udp", "unix/str" */
const char *sk_view_proto(const struct sk_socket *k);

/* Local and peer of a socket as shown: "10.0.0.1:80", unix path, "*". */
void sk_view_endpoint(const struct sk_snapshot *s, const struct sk_socket *k, bool peer,
		      char *buf, size_t size);

#endif
