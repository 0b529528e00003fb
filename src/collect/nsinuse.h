/* How many sockets the kernel holds in one network namespace, from its
 * per-namespace counters (/proc/PID/net/protocols and sockstat), read
 * without a sock_diag dump: a dump walks the kernel's whole socket hash
 * whatever namespace it asks for, so a namespace known to be empty is
 * cheaper to ask this way. Anything unreadable or malformed is "unknown",
 * which never reads as empty. */
#ifndef SKTOP_COLLECT_NSINUSE_H
#define SKTOP_COLLECT_NSINUSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sk_nsinuse_row {
	SK_NSINUSE_TCP,
	SK_NSINUSE_TCP6,
	SK_NSINUSE_UDP,
	SK_NSINUSE_UDP6,
	SK_NSINUSE_UNIX,
	SK_NSINUSE_LAST
};

#define SK_NSINUSE_UNKNOWN INT64_MIN

struct sk_nsinuse {
	/* The "sockets" column of each row; SK_NSINUSE_UNKNOWN when its row
	 * was not found.
	 * A negative count (per-cpu sums may dip) is kept: it is not zero. */
	int64_t inuse[SK_NSINUSE_LAST];
	int64_t tw; /* sockstat "TCP: ... tw N", or SK_NSINUSE_UNKNOWN */
};

/* Pure parsers: buf need not be NUL-terminated; only complete lines count,
 * so a cut buffer loses rows (unknown) rather than misreading one.
 * Return 0, or -EINVAL when the header is wrong or a needed row is
 * missing or malformed (the fields stay unknown). */
/* Each fills only its own fields: protocols the inuse[] row, sockstat tw. */
int sk_nsinuse_parse_protocols(const char *buf, size_t len, struct sk_nsinuse *out);
int sk_nsinuse_parse_sockstat(const char *buf, size_t len, struct sk_nsinuse *out);

/* Reads both files through proc_root/PID/net, checking that PID is still
 * in namespace netns before and after (a reused pid would read another
 * namespace). Returns 0 or -errno; out is all unknown on failure. */
int sk_nsinuse_read(const char *proc_root, int32_t pid, uint64_t netns, struct sk_nsinuse *out);

/* True only when every counter was read and is 0 (UNIX only when
 * with_unix). */
bool sk_nsinuse_empty(const struct sk_nsinuse *u, bool with_unix);

#endif
