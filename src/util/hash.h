/* One hash for every table: a 64-bit mixer, and an index table (open
 * addressing, linear probing) that maps keys to the entries of an array
 * the caller keeps. The table holds only entry indices, so the entries
 * stay in insertion order and the caller decides what a key is. */
#ifndef SKTOP_HASH_H
#define SKTOP_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A 64-bit finalizer (MurmurHash3's): every input bit moves the low bits
 * that pick a slot. */
static inline uint64_t sk_mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

struct sk_itab {
	uint32_t *slot; /* entry index + 1; 0: empty */
	size_t cap;     /* slots in use: a power of two, or 0 before the first resize */
	size_t alloc;   /* slots allocated (kept across resets) */
};

/* Whether entry i is the key being looked up. */
typedef bool (*sk_itab_eq_fn)(const void *ctx, uint32_t i);
/* The hash of entry i, as it was looked up. */
typedef uint64_t (*sk_itab_hash_fn)(const void *ctx, uint32_t i);

/* The slot holding the entry `eq` accepts, or the empty slot where it
 * goes. The table must have room (see sk_itab_full). */
static inline size_t sk_itab_find(const struct sk_itab *t, uint64_t hash, sk_itab_eq_fn eq,
				  const void *ctx)
{
	size_t mask = t->cap - 1, i = (size_t)hash & mask;

	while (t->slot[i] && !eq(ctx, t->slot[i] - 1))
		i = (i + 1) & mask;
	return i;
}

/* Whether adding one more of n entries needs a bigger table: it is kept at
 * most half full, so that probe chains stay short. */
static inline bool sk_itab_full(const struct sk_itab *t, size_t n)
{
	return 2 * (n + 1) > t->cap;
}

/* Empties t to `cap` slots (a power of two) and puts entries 0..n-1 back,
 * by their hashes. Returns 0 or -ENOMEM (t unchanged). */
int sk_itab_resize(struct sk_itab *t, size_t cap, size_t n, sk_itab_hash_fn hash,
		   const void *ctx);
/* Empties t, keeping its size. */
void sk_itab_clear(struct sk_itab *t);
void sk_itab_free(struct sk_itab *t);

#endif
