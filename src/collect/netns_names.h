/* The names `ip netns add NAME` gives network namespaces: it bind-mounts
 * the namespace on /run/netns/NAME, so a stat of that file gives the
 * namespace's inode. For a NETNS column on hosts with no orchestrator. */
#ifndef SKTOP_NETNS_NAMES_H
#define SKTOP_NETNS_NAMES_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "util/strtab.h"
#include "util/vec.h"

struct sk_netns_name {
	uint64_t inode;
	uint32_t name; /* offset in strs, escaped */
};

struct sk_netns_names {
	char dir[4096];   /* HOST_ROOT/run/netns */
	dev_t nsfs_dev;   /* the device of namespace files: a plain file is no namespace */
	SK_VEC(struct sk_netns_name) v;
	struct sk_strtab strs;
	struct timespec mtime;
	bool loaded;
};

/* host_root: "" in production; proc_root tells the nsfs device (our own
 * ns/net). */
void sk_netns_names_init(struct sk_netns_names *n, const char *host_root, const char *proc_root);
void sk_netns_names_free(struct sk_netns_names *n);

/* Reads the directory again when it changed (one stat a refresh
 * otherwise). Returns 0 or -ENOMEM; an absent directory names nothing. */
int sk_netns_names_refresh(struct sk_netns_names *n);

/* The name of a namespace, "" when it has none. */
const char *sk_netns_names_get(const struct sk_netns_names *n, uint64_t inode);

#endif
