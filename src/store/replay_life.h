/* The lifecycle keys of a snapshot file (issue #12) back into the
 * snapshot: the top-level "lifecycle" object, and per socket "creator",
 * "age_s", "state_age_s" and "age_estimated" into s->lives. Files from
 * before the lifecycle store have none: s->lives stays empty. */
#ifndef SKTOP_REPLAY_LIFE_H
#define SKTOP_REPLAY_LIFE_H

#include <stddef.h>

#include "store/replay_get.h"

/* The "lifecycle" object at o (NULL: none, source stays SK_LIFE_NONE). */
int rd_get_lifecycle(struct rctx *c, const jnode *o);

/* Socket `index`'s lifetime from its four keys (each may be NULL), when
 * the file has a "lifecycle" object; s->lives grows to hold the row. */
int rd_get_life(struct rctx *c, size_t index, const jnode *creator, const jnode *age,
		const jnode *state_age, const jnode *estimated);

#endif
