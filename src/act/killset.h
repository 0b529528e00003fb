/* The sockets an operator chose to destroy (one socket, a group, a
 * finding's sockets, a --kill-sockets filter), each once, with what the
 * confirmation and the log say about them: how many, in which states,
 * whose. The rows are copies: the destroy runs on them while the snapshot
 * they came from is replaced. */
#ifndef SKTOP_KILLSET_H
#define SKTOP_KILLSET_H

#include <stddef.h>
#include <stdint.h>

#include "model/label.h"
#include "model/snapshot.h"

struct sk_killset_owner {
	int32_t pid;
	char comm[SK_COMM_MAX];
	uint32_t count;   /* sockets of the set it holds (or likely owns) */
	uint32_t proc;    /* index in the snapshot it was built from */
};

struct sk_killset {
	SK_VEC(struct sk_socket) rows;       /* destroyable rows, snapshot order */
	SK_VEC(uint32_t) row_owner;          /* each row's process index, SK_NONE */
	SK_VEC(struct sk_killset_owner) owners; /* biggest first */
	SK_VEC(uint32_t) scratch;
	uint32_t by_state[SK_DS_LAST];
	uint32_t unowned;                    /* rows nobody holds or likely owns */
	uint32_t skipped;                    /* unix sockets and closed fds: not in the
	                                      * kernel's TCP/UDP tables, nothing to destroy */
};

void sk_killset_init(struct sk_killset *ks);
void sk_killset_free(struct sk_killset *ks);

/* Makes the set of the sockets idx names in s (sorted and deduplicated in
 * place; out-of-range indices are ignored). Returns 0 or -ENOMEM. */
int sk_killset_build(struct sk_killset *ks, const struct sk_snapshot *s, uint32_t *idx,
		     size_t n);

/* "CLOSE_WAIT 812, ESTAB 2" */
void sk_killset_states(const struct sk_killset *ks, char *buf, size_t size);
/* "cw_server[1234] 812, nginx[7] 2 and 3 more": at most max owners named. */
void sk_killset_owners(const struct sk_killset *ks, size_t max, char *buf, size_t size);

#endif
