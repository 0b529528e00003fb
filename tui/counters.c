/* Which system counters moved, and when (counters.h). */
#include <config.h>

#include "counters.h"

void sk_counter_track_update(struct sk_counter_track *t, const struct sk_system *sys, uint64_t seq)
{
	for (int i = 0; i < SK_CTR_LAST; i++) {
		int64_t cur = sys->counters[i];

		if (t->have_prev && cur != SK_UNKNOWN && t->prev[i] != SK_UNKNOWN && cur != t->prev[i]) {
			t->delta[i] = cur - t->prev[i];
			t->moved_seq[i] = seq;
		}
		t->prev[i] = cur;
	}
	t->have_prev = true;
	t->seq = seq;
}
