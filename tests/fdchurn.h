/* Random churn of this process's own fd table, for the suites that check
 * that two ways of finding owners agree (test_owners: cached against full
 * /proc scans; test_bpf_owners: BPF against /proc). The fds live at
 * FDCHURN_FIRST_FD and up, away from the engines' own. */
#ifndef SKTOP_TEST_FDCHURN_H
#define SKTOP_TEST_FDCHURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

#define FDCHURN_FIRST_FD 500
#define FDCHURN_SLOTS 64

struct fdchurn_ref {
	int32_t fd;
	uint64_t inode;
	bool dumped;
};

/* Sockets in the first half of the slots. */
void fdchurn_fill(void);

/* One random change (close, dup2 over, a new socket over, a file over, or
 * nothing); returns which, 0-5, for messages. */
unsigned fdchurn_mutate(unsigned *seed);

void fdchurn_close_all(void);

/* This process's socket fds in the slots as s sees them, sorted by fd;
 * out has FDCHURN_SLOTS entries. */
size_t fdchurn_collect(const struct sk_snapshot *s, struct fdchurn_ref *out);

/* Whether two collections agree fd by fd (inode and dumped flag too). */
bool fdchurn_same(const struct fdchurn_ref *a, size_t na, const struct fdchurn_ref *b, size_t nb);

/* Fails the test, both tables on stderr, when they do not agree; names
 * say which path each came from, iter and op which change broke it. */
void fdchurn_expect_same(const char *name_a, const struct fdchurn_ref *a, size_t na,
			 const char *name_b, const struct fdchurn_ref *b, size_t nb, int iter,
			 unsigned op);

#endif
