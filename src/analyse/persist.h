/* How long each socket has been in its state, as far as sktop can honestly
 * tell. A count at one instant cannot tell a leak from a busy server: 60
 * CLOSE_WAIT that each live 150 ms look like 60 that never go away. Rules
 * judge the age instead, and the count only decides how bad it is.
 *
 * Ages come from three sources, best first:
 *  - the kernel (when a socket entered its state: the lifecycle store of
 *    the ownership work). The seam: whoever has kernel ages fills s->ages
 *    (one per row, SK_AGE_KERNEL) before sk_persist_update, which keeps
 *    those and still tracks the rows, so the rules read one table,
 *  - what sktop saw: the same socket (by cookie), or the same closed fd
 *    (by pid, fd and inode), in the same state at earlier refreshes,
 *  - tcp_info timestamps that bound the age from below (an estimate).
 * Every age is a lower bound: a rule that fires on it is never early. */
#ifndef SKTOP_PERSIST_H
#define SKTOP_PERSIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

struct sk_persist;

int sk_persist_new(struct sk_persist **out);
void sk_persist_free(struct sk_persist *p);

/* Records the rows of the states the rules judge by age (CLOSE_WAIT,
 * closed fds, orphans, TIME_WAIT, established sockets with a Recv-Q) and
 * fills s->ages, one per row. Rows of other states get SK_AGE_NONE. Memory
 * is bounded by those rows: a socket not seen in a refresh is forgotten.
 * Returns 0 or -ENOMEM (s->ages is then empty: rules say less). */
int sk_persist_update(struct sk_persist *p, struct sk_snapshot *s);

/* Row `row`'s age as the tracker left it in s->ages; a snapshot no tracker
 * saw (replayed, hand-built) still gets what tcp_info says at one look. */
struct sk_age sk_age_of(const struct sk_snapshot *s, uint32_t row);

/* Held at least `secs` in its state, by any source of age. */
static inline bool sk_age_held(struct sk_age a, int64_t secs)
{
	return a.source != SK_AGE_NONE && (int64_t)a.state_ms >= secs * 1000;
}

/* Nothing known yet: only a later refresh can tell. */
static inline bool sk_age_unknown(struct sk_age a)
{
	return a.source == SK_AGE_NONE;
}

/* "12 s (tcp_info estimate)", "3 min (seen by sktop)". */
const char *sk_age_text(const struct sk_age *a, char *buf, size_t size);

/* The tcp_info lower bound on how long row k has been in its state, in
 * ms, or 0 when tcp_info says nothing about it. */
uint32_t sk_persist_tcpinfo_age_ms(const struct sk_socket *k);

#endif
