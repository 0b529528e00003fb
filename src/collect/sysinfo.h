/* System-wide figures: /proc/net/sockstat{,6}, /proc/net/netstat and
 * /proc/net/snmp counters, and the sysctls that bound socket failures. The
 * parsers are pure functions of a buffer; sk_sysinfo_read only reads files
 * under the given procfs root. */
#ifndef SKTOP_SYSINFO_H
#define SKTOP_SYSINFO_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/xenum.h"

#define SK_UNKNOWN (-1) /* a figure the kernel did not provide */

/* sockstat names as "<LINE>_<field>" ("TCP_inuse", "sockets_used",
 * "TCP6_inuse"). Scope matters: orphan, alloc and mem are global to the
 * machine, inuse and tw belong to the reader's network namespace. */
enum sk_sockstat {
	SK_SS_SOCKETS_USED,
	SK_SS_TCP_INUSE,
	SK_SS_TCP_ORPHAN,
	SK_SS_TCP_TW,
	SK_SS_TCP_ALLOC,
	SK_SS_TCP_MEM,
	SK_SS_UDP_INUSE,
	SK_SS_UDP_MEM,
	SK_SS_UDPLITE_INUSE,
	SK_SS_RAW_INUSE,
	SK_SS_FRAG_INUSE,
	SK_SS_FRAG_MEMORY,
	SK_SS_TCP6_INUSE,
	SK_SS_UDP6_INUSE,
	SK_SS_UDPLITE6_INUSE,
	SK_SS_RAW6_INUSE,
	SK_SS_FRAG6_INUSE,
	SK_SS_FRAG6_MEMORY,
	SK_SS_LAST
};

struct sk_sockstat_def {
	const char *name;  /* "TCP_orphan" */
	const char *line;  /* "TCP" */
	const char *field; /* "orphan" */
	int global;        /* 1: machine-wide, 0: per network namespace */
};
extern const struct sk_sockstat_def sk_sockstat_defs[SK_SS_LAST];

/* Counters from /proc/net/netstat (TcpExt) and /proc/net/snmp (Tcp, Udp). */
enum sk_counter {
	SK_CTR_TCP_ABORT_ON_MEMORY,
	SK_CTR_TCP_ABORT_ON_CLOSE,
	SK_CTR_TCP_ABORT_ON_TIMEOUT,
	SK_CTR_TCP_ABORT_ON_DATA,
	SK_CTR_TCP_ABORT_ON_LINGER,
	SK_CTR_LISTEN_OVERFLOWS,
	SK_CTR_LISTEN_DROPS,
	SK_CTR_TCP_TIMEWAIT_OVERFLOW,
	SK_CTR_TCP_MEMORY_PRESSURES,
	SK_CTR_TCP_RCVQ_DROP,
	SK_CTR_TCP_ZERO_WINDOW_DROP,
	SK_CTR_TCP_CURR_ESTAB,
	SK_CTR_TCP_ACTIVE_OPENS,
	SK_CTR_TCP_PASSIVE_OPENS,
	SK_CTR_TCP_ATTEMPT_FAILS,
	SK_CTR_TCP_ESTAB_RESETS,
	SK_CTR_TCP_RETRANS_SEGS,
	SK_CTR_UDP_RCVBUF_ERRORS,
	SK_CTR_UDP_SNDBUF_ERRORS,
	SK_CTR_UDP_IN_ERRORS,
	SK_CTR_LAST
};

struct sk_counter_def {
	const char *name;  /* "TCPAbortOnMemory" (JSON key) */
	const char *group; /* "TcpExt", "Tcp", "Udp": the row prefix in the file */
	const char *field; /* column name in the file */
};
extern const struct sk_counter_def sk_counter_defs[SK_CTR_LAST];

struct sk_limits {
	int64_t tcp_max_orphans;
	int64_t tcp_mem[3];        /* pages: low, pressure, high */
	int64_t page_size;
	int64_t tcp_rmem[3], tcp_wmem[3];
	int64_t tcp_max_tw_buckets;
	int64_t tcp_fin_timeout;
	int64_t tcp_orphan_retries;
	int64_t ip_local_port_range[2];
	int64_t somaxconn;
	int64_t file_nr[3];        /* allocated, free (always 0 on modern kernels), max */
	int64_t file_max;
	int64_t nr_open;
	int64_t rmem_max, wmem_max;
};

/* Where tcp_max_orphans and tcp_mem came from. They exist only in the
 * initial network namespace: elsewhere sktop reads them there when it can
 * (root, and PID 1's namespace is another one), else says why not. One row
 * per case: its JSON value, then a line for the screen saying why they are
 * unknown. */
#define SK_LIMITS_FROMS(X)                                               \
	X(SK_LIMITS_HERE, "here", "")                                    \
	X(SK_LIMITS_INITIAL_NETNS, "initial_netns",                      \
	  "read in the initial network namespace")                       \
	X(SK_LIMITS_NOT_ROOT, "unknown_not_root",                        \
	  "unknown: they exist only in the initial network namespace, "  \
	  "and entering it needs root")                                  \
	X(SK_LIMITS_SAME_NETNS, "unknown_no_initial_netns",              \
	  "unknown: they exist only in the initial network namespace, "  \
	  "and PID 1 here is not in it (a container)")                   \
	X(SK_LIMITS_SETNS_FAILED, "unknown_setns_failed",                \
	  "unknown: entering the initial network namespace was refused") \
	X(SK_LIMITS_NOT_READ, "unknown_not_read",                        \
	  "unknown: their files could not be read")
enum sk_limits_from { SK_LIMITS_FROMS(SK_XENUM) SK_LIMITS_LAST };
extern const char *const sk_limits_from_names[SK_LIMITS_LAST];
extern const char *const sk_limits_from_text[SK_LIMITS_LAST];

struct sk_system {
	int64_t sockstat[SK_SS_LAST];
	int64_t counters[SK_CTR_LAST];
	struct sk_limits limits;
	uint32_t missing;          /* files that could not be read (figures left SK_UNKNOWN) */
	uint8_t limits_from;       /* enum sk_limits_from */
};

/* Sets every figure to SK_UNKNOWN. */
void sk_system_init(struct sk_system *sys);

/* Reads every file under proc_root; an unreadable file leaves its figures
 * SK_UNKNOWN and is counted in sys->missing, it is not an error. */
int sk_sysinfo_read(const char *proc_root, struct sk_system *sys, struct sk_error *err);

/* After sk_sysinfo_read: when tcp_max_orphans or tcp_mem is unknown (not
 * the initial network namespace), reads them in PID 1's namespace if it
 * can, and sets sys->limits_from either way. 0, or -errno when the thread
 * could not return to its own namespace (nothing after may be trusted). */
int sk_sysinfo_machine_limits(const char *proc_root, struct sk_system *sys);

/* --- pure parsers --- */
int sk_parse_sockstat(const char *buf, size_t len, int64_t out[SK_SS_LAST], int v6);
/* netstat and snmp share the "Group: names\nGroup: values" format. */
int sk_parse_netstat(const char *buf, size_t len, int64_t out[SK_CTR_LAST]);
/* Up to n whitespace-separated integers (sysctl files); returns how many. */
int sk_parse_ints(const char *buf, size_t len, int64_t *out, int n);

#endif
