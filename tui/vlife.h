/* The lifecycle of a socket row as the view shows it (issue #12): who
 * made it, how old it is, how long it has been in its state. The
 * snapshot carries it per row (s->lives) or not at all: a hand-built
 * snapshot, an older file, an engine without the store. Pure. */
#ifndef SKTOP_TUI_VLIFE_H
#define SKTOP_TUI_VLIFE_H

#include <stdbool.h>
#include <stddef.h>

#include "model/snapshot.h"

/* Whether s has a lifecycle for every row: the AGE column, the header's
 * "ages" and the creator attribution are there only then. */
bool sk_view_has_lives(const struct sk_snapshot *s);

/* Socket row si's lifecycle, NULL when s has none. */
const struct sk_life *sk_view_life(const struct sk_snapshot *s, size_t si);

/* Its creator when one is known (creator_pid > 0), else NULL. */
const struct sk_life *sk_view_life_creator(const struct sk_snapshot *s, size_t si);

/* The index of the process that made it while that still runs, SK_NONE. */
uint32_t sk_view_maker(const struct sk_snapshot *s, size_t si);

/* The process a socket no fd holds counts for: its maker while that
 * runs, else its likely owner (snapshot.h); SK_NONE. *made says the first. */
uint32_t sk_view_fdless_owner(const struct sk_snapshot *s, size_t si, bool *made);

/* "closer[415]", or "pid 415" when its comm is not known. */
void sk_view_creator_label(const struct sk_snapshot *s, const struct sk_life *lf, char *buf,
			   size_t size);

/* Where the ages come from, as the header says it: "bpf", "~tcp_info"
 * (estimates, marked ~ like the cells); NULL when there are none. */
const char *sk_view_ages_source(const struct sk_snapshot *s);

#endif
