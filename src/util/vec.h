/* Growable arrays of plain structs. The same storage is reused across
 * refreshes (n is reset, cap is kept): a steady refresh allocates nothing. */
#ifndef SKTOP_VEC_H
#define SKTOP_VEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h> /* memset in SK_VEC_PUSH */

/* Ensures room for `want` elements of `elem` bytes; returns 0 or -ENOMEM. */
int sk_vec_reserve(void **items, size_t *cap, size_t want, size_t elem);

#define SK_VEC(type) struct { type *v; size_t n, cap; }

/* Returns a pointer to a new zeroed element at the end, or NULL on ENOMEM. */
#define SK_VEC_PUSH(vec)                                                     \
	(sk_vec_reserve((void **)&(vec)->v, &(vec)->cap, (vec)->n + 1,       \
			sizeof(*(vec)->v)) ? NULL                            \
	 : (void *)memset(&(vec)->v[(vec)->n++], 0, sizeof(*(vec)->v)))

/* qsort and bsearch declare their base nonnull, and an empty vector's base
 * is NULL: these accept the empty table (UBSan flags the library calls). */
static inline void sk_qsort(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static inline void sk_qsort_r(void *base, size_t n, size_t size,
			      int (*cmp)(const void *, const void *, void *), void *arg)
{
	if (n > 1)
		qsort_r(base, n, size, cmp, arg);
}

static inline void *sk_bsearch(const void *key, const void *base, size_t n, size_t size,
			       int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

/* The first i in [lo, hi) for which before(i, key) is false, hi if none:
 * the one binary search of sorted tables. `before` must be true on a
 * prefix of the range and false after it. */
static inline size_t sk_lower_bound(size_t lo, size_t hi, const void *key,
				    bool (*before)(size_t i, const void *key))
{
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (before(mid, key))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The common case of sk_lower_bound: a table of structs sorted by one
 * integer field. Defines `static size_t name(v, lo, hi, key)`, the first i
 * in [lo, hi) with v[i].field >= key, so each table needs no key struct and
 * callback of its own. */
#define SK_LOWER_BOUND_BY(name, type, field, key_type)                        \
	struct name##_key {                                                   \
		const type *v;                                                \
		key_type key;                                                 \
	};                                                                    \
	static bool name##_before(size_t i, const void *key)                  \
	{                                                                     \
		const struct name##_key *k = key;                             \
                                                                              \
		return k->v[i].field < k->key;                                \
	}                                                                     \
	static size_t name(const type *v, size_t lo, size_t hi, key_type key) \
	{                                                                     \
		const struct name##_key k = {v, key};                         \
                                                                              \
		return sk_lower_bound(lo, hi, &k, name##_before);             \
	}

#endif
