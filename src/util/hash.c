#include <config.h>

#include "util/hash.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int sk_itab_resize(struct sk_itab *t, size_t cap, size_t n, sk_itab_hash_fn hash,
		   const void *ctx)
{
	if (cap > t->alloc) {
		uint32_t *slot = realloc(t->slot, cap * sizeof(*slot));

		if (!slot)
			return -ENOMEM;
		t->slot = slot;
		t->alloc = cap;
	}
	t->cap = cap;
	sk_itab_clear(t);
	for (size_t e = 0; e < n; e++) {
		size_t i = (size_t)hash(ctx, (uint32_t)e) & (cap - 1);

		while (t->slot[i])
			i = (i + 1) & (cap - 1);
		t->slot[i] = (uint32_t)e + 1;
	}
	return 0;
}

void sk_itab_clear(struct sk_itab *t)
{
	if (t->cap)
		memset(t->slot, 0, t->cap * sizeof(*t->slot));
}

void sk_itab_free(struct sk_itab *t)
{
	free(t->slot);
	memset(t, 0, sizeof(*t));
}
