/* Each row's creator, age and state age (s->lives), from the lifecycle
 * store when it knows the socket, else what can honestly be known without
 * it: the current fd holder as creator and tcp_info lower bounds as ages,
 * marked as estimates. Pure: the engine hands in what the store held. */
#ifndef SKTOP_LIVES_H
#define SKTOP_LIVES_H

#include <stdint.h>

#include "collect/bpf_lifecycle.h"
#include "model/snapshot.h"

/* Fills s->lives, one per row, from store (sorted by cookie; NULL: no
 * store, estimates only) as of now_ns (CLOCK_MONOTONIC). Rows whose state
 * the store saw begin also get that age in s->ages as SK_AGE_KERNEL (the
 * table is then one per row, for sk_persist_update to complete). When
 * dumped is not NULL (store->n bytes), dumped[i] is set to whether a dumped
 * row holds store->v[i]'s cookie: the sweep's input, from the same join.
 * Returns 0 or -ENOMEM (s->lives is then empty). */
int sk_lives_fill(struct sk_snapshot *s, const sk_lifevec *store, uint64_t now_ns,
		  uint8_t *dumped);

/* The store's cookies no dumped row holds any more (dumped[i] == 0, as
 * sk_lives_fill marked them), whose last event came before before_ns (a
 * socket made after the dump began is not stale yet): the sweep deletes
 * them, so no entry outlives its socket by more than one refresh. Replaces
 * out. Returns 0 or -ENOMEM. */
int sk_lives_stale(const sk_lifevec *store, const uint8_t *dumped, uint64_t before_ns,
		   sk_cookievec *out);

#endif
