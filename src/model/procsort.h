/* The process columns that can be sorted on: batch mode (-s KEY) and the
 * TUI order processes by a row of the process field table. */
#ifndef SKTOP_PROCSORT_H
#define SKTOP_PROCSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "collect/proc.h"
#include "model/fields.h"

enum sk_sort_key {
	SK_SORT_PID,
	SK_SORT_SOCKETS,
	SK_SORT_FDS,
	SK_SORT_CLOSE_WAIT,
	SK_SORT_CLOSED,
	SK_SORT_ORPHANS,
	SK_SORT_ESTAB,
	SK_SORT_TIME_WAIT,
	SK_SORT_RECVQ,
	SK_SORT_SENDQ,
	SK_SORT_RMEM,
	SK_SORT_WMEM,
	SK_SORT_LAST
};

/* The rows of model/fields.h's process table (sk_proc_fields) are indexed
 * by this enum: .name is the -s value, .title the column, .descending the
 * default. */

/* Returns the key, or -1 for an unknown name. */
int sk_sort_key_parse(const char *name);

/* Per-process figures that the views show and sort by. */
uint64_t sk_proc_closed(const struct sk_process *p);  /* sum of closed[] */
uint64_t sk_proc_sort_value(const struct sk_process *p, enum sk_sort_key key);

/* Orders by key in its default direction (reversed by `invert`), ties broken
 * by ascending pid so the order is total and stable across refreshes. */
int sk_proc_compare(const struct sk_process *a, const struct sk_process *b,
		    enum sk_sort_key key, bool invert);

/* Sorts idx[0..n) (indices into procs) in place. */
void sk_proc_sort(const struct sk_process *procs, uint32_t *idx, size_t n,
		  enum sk_sort_key key, bool invert);

#endif
