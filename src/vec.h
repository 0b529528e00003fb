/* Growable arrays of plain structs. The same storage is reused across
 * refreshes (n is reset, cap is kept): a steady refresh allocates nothing. */
#ifndef SKTOP_VEC_H
#define SKTOP_VEC_H

#include <stddef.h>
#include <string.h> /* memset in SK_VEC_PUSH */

/* Ensures room for `want` elements of `elem` bytes; returns 0 or -ENOMEM. */
int sk_vec_reserve(void **items, size_t *cap, size_t want, size_t elem);

#define SK_VEC(type) struct { type *v; size_t n, cap; }

/* Returns a pointer to a new zeroed element at the end, or NULL on ENOMEM. */
#define SK_VEC_PUSH(vec)                                                     \
	(sk_vec_reserve((void **)&(vec)->v, &(vec)->cap, (vec)->n + 1,       \
			sizeof(*(vec)->v)) ? NULL                            \
	 : (void *)memset(&(vec)->v[(vec)->n++], 0, sizeof(*(vec)->v)))

#endif
