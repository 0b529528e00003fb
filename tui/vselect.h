/* The sockets a cursor row stands for, for acting on them (the K key): a
 * socket row, a group's members ("CLOSE_WAIT x 812 from 10.0.3.7"), a
 * finding's supporting sockets, the socket a detail view shows. Part of
 * the view model: pure, from the view's rows and the snapshot. */
#ifndef SKTOP_TUI_VSELECT_H
#define SKTOP_TUI_VSELECT_H

#include <stddef.h>
#include <stdint.h>

#include "vmodel.h"

typedef SK_VEC(uint32_t) sk_u32vec;

/* Snapshot socket indices into *out (emptied first, may repeat) and what
 * they are into label ("CLOSE_WAIT x 812 from 10.0.3.7"). Returns how many,
 * 0 when the row is not sockets (processes, states, orphan groups) or there
 * is no row, -ENOMEM. */
long sk_vselect_cursor(const struct sk_view *v, const struct sk_snapshot *s, sk_u32vec *out,
		       char *label, size_t size);

#endif
