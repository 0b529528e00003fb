/* The system counters that moved between refreshes, for the header. */
#ifndef SKTOP_TUI_COUNTERS_H
#define SKTOP_TUI_COUNTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "collect/sysinfo.h"

/* Counters that moved: kept by the frontend across refreshes. */
#define SK_COUNTER_LINGER 10 /* refreshes a moved counter stays on screen */
struct sk_counter_track {
	bool have_prev;
	uint64_t seq;
	int64_t prev[SK_CTR_LAST];
	int64_t delta[SK_CTR_LAST];    /* last non-zero change */
	uint64_t moved_seq[SK_CTR_LAST]; /* refresh it changed in, 0 never */
};
void sk_counter_track_update(struct sk_counter_track *t, const struct sk_system *sys, uint64_t seq);

#endif
