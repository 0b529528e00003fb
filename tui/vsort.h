/* The sort engine of the socket rows (vsort.c), shared with the
 * grouping (vgroups.c), which sorts members on the same keys.
 *
 * The order: the sort column in its direction, then always ascending the
 * peer (family, address, port), the local address and port, the inode, the
 * cookie and the socket's index, a total order so that equal rows never
 * swap between refreshes.
 *
 * qsort with a comparator that fetched both sockets took 0.55-1.6 s for a
 * million rows (bench/viewsort): every comparison chased two rows into
 * 288-byte sockets all over memory, and glibc's merge sort faulted in a
 * fresh 16 MB buffer each time. Instead each row's key is written once as
 * a byte string that memcmp orders exactly as above (numbers big-endian, a
 * descending column's bytes complemented), and rows are radix sorted on it
 * eight bytes at a time: one LSD pass per byte that differs between rows
 * on the first word, then each run of rows still equal is sorted on the
 * next word, runs of a few rows by insertion. Words 1 and 2 are written in
 * the same sequential pass over the sockets as word 0; deeper ones are
 * rewritten from the socket when a run gets that far (rare: listeners,
 * unix sockets, the closed fds no dump reported, which have no addresses). */
#ifndef SKTOP_TUI_VSORT_H
#define SKTOP_TUI_VSORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vlabel.h"
#include "vmodel.h"

#define SKEY_WORDS 10               /* the longest key: 19 + 57 bytes */
#define SKEY_PRE 3                  /* words written in the first pass */
#define SKEY_SMALL 32               /* runs this short are sorted by insertion */

struct sk_skey_ctx {
	const struct sk_snapshot *s;
	const struct sk_vsock *rows;
	int col;
	bool descending;
	/* IPv4 addresses as their 4 bytes: only while every AF_INET row has
	 * the other 12 zero (the kernel's and the replay's always do). */
	bool compact4;
	const struct sk_vlocals *locals; /* local addresses by rank; NULL: as bytes */
	bool *missing;                   /* set when a local address is not in locals */
	uint8_t proto_rank[SK_PK_LAST];
	const uint32_t *cmd_rank;   /* COMMAND: per process, 1 + rank by (comm, pid) */
	/* The column is left out of the key: the rows are sorted on the
	 * tie-breakers first, then on the column by a stable radix sort. */
	bool split;
};

/* A key being written: its bytes packed big-endian straight into words,
 * so that a word compares like the eight bytes it holds. Words past `len`
 * are not written: read them through sk_kw_word. */
struct sk_kw {
	uint64_t w[SKEY_WORDS + 1];
	unsigned len; /* bytes */
};

/* Appends the low `bytes` (1..8) bytes of x, most significant first. */
static inline void sk_kw_put(struct sk_kw *k, uint64_t x, unsigned bytes)
{
	unsigned i = k->len / 8, room = 8 - k->len % 8;

	if (bytes < 8)
		x &= ((uint64_t)1 << (8 * bytes)) - 1;
	if (room == 8)
		k->w[i] = 0;
	if (bytes <= room) {
		k->w[i] |= x << (8 * (room - bytes));
	} else {
		unsigned rest = bytes - room;

		k->w[i] |= x >> (8 * rest);
		k->w[i + 1] = x << (8 * (8 - rest));
	}
	k->len += bytes;
}

static inline uint64_t sk_kw_word(const struct sk_kw *k, unsigned i)
{
	return 8 * i < k->len ? k->w[i] : 0;
}

static inline uint64_t sk_load_be(const uint8_t *p, unsigned bytes)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < bytes; i++)
		x = x << 8 | p[i];
	return x;
}

struct sk_rsort {
	const struct sk_skey_ctx *c;    /* writes words past the first SKEY_PRE */
	unsigned nwords;             /* words in a key: rows equal on all keep their order */
	uint64_t *key, *key2;        /* the current word of each position, and scratch */
	uint32_t *idx, *idx2;        /* row of each position, and scratch */
	uint64_t *pre[SKEY_PRE];     /* words 1..SKEY_PRE-1 by row (pre[0] unused) */
};

/* Sorts positions [lo, hi) of rs, which agree on every word before `level`. */
void sk_vsort_run(struct sk_rsort *rs, size_t lo, size_t hi, unsigned level);
/* The sort's scratch for `cap` rows, kept in v across builds; colv gets
 * room for one 32-bit word per row. Returns 0 or -ENOMEM. */
int sk_vsort_scratch(struct sk_view *v, size_t cap, struct sk_rsort *rs, uint32_t **colv);
/* Puts v->socks[0..n) into the order of rs->idx. */
void sk_vsort_gather(struct sk_view *v, struct sk_rsort *rs, size_t n);

/* One sort of the socket rows, in steps: begin, a key for each row, end.
 * The big list writes each row's key as it makes the row, which spares a
 * second pass over a million sockets; other lists key their rows after. */
struct sk_sortjob {
	struct sk_skey_ctx c;
	struct sk_rsort rs;
	uint32_t *colv;      /* the column of each row when split */
	size_t cap;          /* rows there is room for */
	bool missing;        /* the row just keyed has a new local address */
	bool cleared;        /* the local address table was emptied once */
	bool keyed;          /* every row made so far has its key */
};

/* Room for `cap` rows (v->socks must not move until sk_vsort_end). */
int sk_vsort_begin(struct sk_view *v, const struct sk_snapshot *s, size_t cap, int col,
		   bool descending, struct sk_sortjob *j);
/* Keys row pos (see vsort.c); false once every row must be keyed again. */
bool sk_vsort_key_row(struct sk_view *v, struct sk_sortjob *j, size_t pos);
/* Sorts the n rows, keying them first unless all are. */
void sk_vsort_end(struct sk_view *v, struct sk_sortjob *j, size_t n);
/* Scratch words free until sk_vsort_end (a word per socket). */
uint64_t *sk_vsort_spare(struct sk_sortjob *j);
void sk_vlocals_free(struct sk_vlocals *t);

#endif
