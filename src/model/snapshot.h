/* One refresh's view of the machine: sockets, processes, the fds joining
 * them, namespaces and system figures. Built by the engine, read by batch
 * output, JSON, and the TUI. All tables are reused across refreshes. */
#ifndef SKTOP_SNAPSHOT_H
#define SKTOP_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "collect/diag.h"
#include "collect/kmsg.h"
#include "collect/proc.h"
#include "collect/service.h"
#include "model/sock.h"
#include "util/strtab.h"
#include "collect/sysinfo.h"

#define SK_HOST_MAX 256
#define SK_KERNEL_MAX 128

/* A network namespace some scanned process lives in. */
struct sk_netns {
	uint64_t id;         /* inode of the ns link */
	int32_t rep_pid;     /* the process whose ns link was entered to dump it */
	uint32_t nprocs;
	uint32_t sockets;    /* dumped rows in this namespace */
	uint32_t tcp_states[SK_TCP_STATE_LAST];
	uint32_t orphans[SK_TCP_STATE_LAST]; /* orphans by state */
	int dump_error;      /* 0, or the -errno of the first dump that failed */
	uint32_t dumped;     /* 1 << enum sk_sockname for each class fully dumped:
	                      * only those classes can be judged closed/unbound */
	bool own;            /* sktop's own namespace */
	bool skipped;        /* not dumped: seen empty before, kernel counters say 0 now */
	/* TCP rows read with the fds (BPF), not dumped: the kernel's counters
	 * say every TCP socket here is held by an fd (engine.c). */
	bool tcp_from_fds;
	uint32_t name;       /* strtab offset: its `ip netns` name (escaped), 0 none */
};

typedef SK_VEC(struct sk_netns) sk_netnsvec;

/* How long a row has been in its state (analyse/persist.h fills them). */
enum sk_age_source {
	SK_AGE_NONE,    /* not judged by age, or nothing known */
	SK_AGE_TCPINFO, /* a lower bound from tcp_info timestamps: an estimate */
	SK_AGE_SEEN,    /* seen in this state by earlier refreshes (maybe also tcp_info) */
	SK_AGE_KERNEL,  /* when the kernel says it entered the state */
	SK_AGE_LAST
};

struct sk_age {
	uint32_t state_ms; /* in its current state, at least this long */
	uint16_t looks;    /* refreshes that saw it in this state, this one included */
	uint8_t source;    /* enum sk_age_source */
};

/* Who made a row's socket and since when: the lifecycle store (BPF events
 * keyed by socket cookie), or what can honestly be known without it. The
 * faces write these as the JSON keys creator, age_s, state_age_s and
 * age_estimated. */
enum sk_life_source {
	SK_LIFE_NONE,     /* no lifecycle ran (hand-built, older files) */
	SK_LIFE_ESTIMATE, /* tcp_info lower bounds and the fd holder only */
	SK_LIFE_BPF,      /* kernel events for sockets made while sktop ran */
	SK_LIFE_LAST
};

#define SK_LIFE_AGE_UNKNOWN (-1)

struct sk_life {
	uint64_t creator_cgroup; /* cgroup id of the creator, 0 unknown */
	int32_t creator_pid;     /* tgid that created/connected/accepted it; 0: no creator */
	uint32_t creator_comm;   /* strtab offset of its comm (escaped), 0 none */
	int64_t age_ms;          /* since created, SK_LIFE_AGE_UNKNOWN when not known */
	int64_t state_age_ms;    /* in its current state, SK_LIFE_AGE_UNKNOWN when not known */
	bool estimated;          /* an age comes from tcp_info, not from an event */
	bool creator_is_holder;  /* creator taken from the current fd holder (made before sktop) */
};

/* The snapshot's "lifecycle" object. */
struct sk_lifecycle_info {
	uint8_t source;          /* enum sk_life_source */
	int64_t since;           /* epoch s the store started recording (bpf), 0 otherwise */
	uint64_t events_lost;    /* events the store could not record, since `since` */
};

extern const char *const sk_life_source_names[SK_LIFE_LAST]; /* "none", "estimate", "bpf" */

struct sk_findings; /* findings.h */
struct sk_history;  /* history.h */

/* Machine-wide totals computed from the rows (not from sockstat). */
struct sk_totals {
	uint32_t sockets;                      /* distinct rows */
	uint32_t by_proto[SK_PROTO_LAST];
	uint32_t tcp_states[SK_TCP_STATE_LAST];
	uint32_t orphans;
	uint32_t orphans_by_state[SK_TCP_STATE_LAST];
	uint32_t orphans_attributed;           /* of which a likely owner was found */
	uint32_t closed[SK_SN_LAST];
	uint32_t unbound[SK_SN_LAST];
	uint32_t other[SK_SN_LAST];
	uint64_t rmem, wmem, recv_q, send_q;
};

struct sk_snapshot {
	struct timespec realtime;  /* when the refresh started */
	struct timespec monotonic;
	uint32_t duration_us;      /* how long the refresh took */
	uint64_t seq;              /* refresh number, from 1 */
	char host[SK_HOST_MAX];    /* escaped */
	char kernel[SK_KERNEL_MAX];
	bool root;                 /* effective uid 0: every fd table was readable */
	bool partial;              /* something could not be seen: see the stats */

	struct sk_system sys;
	struct sk_totals totals;
	struct sk_klog klog;       /* the kernel log's TCP lines so far (klog.enabled: read) */

	sk_sockvec socks;
	sk_procvec procs;
	sk_fdrefvec fdrefs;
	SK_VEC(uint32_t) owner_index; /* fdref indices grouped per socket (sk_socket.owners_*) */
	sk_netnsvec netns;
	struct sk_strtab strs;
	SK_VEC(struct sk_age) ages; /* per row, or empty: no tracker ran (replay, hand-built) */
	SK_VEC(struct sk_life) lives; /* per row, or empty: no lifecycle (lifecycle.source NONE) */
	struct sk_lifecycle_info lifecycle;
	/* The services of the processes and of the sockets no fd holds
	 * (strings in strs), and per socket its service index + 1, 0 when it
	 * has an fd holder (see the process) or its cgroup is unknown. Empty
	 * in snapshots that carry no services (hand-built, older files). */
	SK_VEC(struct sk_service) services;
	SK_VEC(uint32_t) sock_service;

	struct sk_diag_stats diag;
	struct sk_procfs_stats procfs;
	/* Filled by the engine after the join; NULL in hand-built snapshots. */
	const struct sk_findings *findings;
	const struct sk_history *history;
	uint32_t duplicates;       /* dumped rows whose inode was already seen (dropped) */
	uint32_t dumped_rows;      /* rows from the dumps, after deduplication */
	uint32_t owners_cached;    /* processes first taken from the owner cache */
	bool owners_rescanned;     /* the cache proved stale: every fd table was read again */
	bool owners_bpf;           /* fds listed by the BPF iterator, not /proc: "ownership" */
	bool procs_sorted;         /* procs ascend by pid (always, from a real /proc) */

	/* Join scratch, kept to avoid reallocating every refresh. */
	struct {
		uint64_t *keys;
		uint32_t *vals;
		size_t cap;        /* power of two */
	} inode_hash;
	SK_VEC(uint32_t) seen_by;  /* per socket: its fds counted, then its end in owner_index */
	SK_VEC(uint32_t) listeners;
	SK_VEC(uint32_t) proc_seen; /* per process: last socket counted (dup()ed fds count once) */
};

void sk_snapshot_init(struct sk_snapshot *s);
void sk_snapshot_reset(struct sk_snapshot *s); /* empties the tables, keeps memory */
void sk_snapshot_free(struct sk_snapshot *s);

/* The join: given sockets (dumped) and processes + fdrefs (scanned), link
 * every fd to its socket, synthesize rows for fds no dump reported
 * (classified with `sockname`, which is the xattr lookup in production and a
 * table in tests), mark orphans and attribute them, and fill per-process,
 * per-namespace and machine totals. */
typedef enum sk_sockname (*sk_sockname_fn)(void *ctx, int32_t pid, int32_t fd, uint64_t inode);
/* What a sockname function returns when the fd no longer holds that inode:
 * it changed between the walk and the dump (closed, maybe reused). Such an
 * fd is a race, counted in procfs.closed_races, never a closed socket. */
#define SK_SOCKNAME_RACED SK_SN_LAST
int sk_snapshot_join(struct sk_snapshot *s, sk_sockname_fn sockname, void *ctx,
		     struct sk_error *err);

/* Undoes a join so it can be redone over a fresh process scan: drops the
 * rows it synthesized (keeping the dumped ones, deduplicated), the
 * processes, fdrefs and every count it made. */
void sk_snapshot_unjoin(struct sk_snapshot *s);

/* What a join derives from the rows and fds alone, done again by its own
 * rules: owner_index and each row's owners_*, and every count (processes,
 * namespaces, machine). For rows read back from a file, whose fdrefs carry
 * their row in .sock and whose owner kind, likely owner and flags are the
 * file's; "other" counts (fds with no row) are kept. -ENOMEM or 0. */
int sk_snapshot_recount(struct sk_snapshot *s);

/* Lookups for the frontends. */
const struct sk_process *sk_snapshot_find_pid(const struct sk_snapshot *s, int32_t pid);

/* The service behind a process's or sock_service's index, NULL when unknown. */
static inline const struct sk_service *sk_snapshot_service(const struct sk_snapshot *s,
							   uint32_t index)
{
	return index && index <= s->services.n ? &s->services.v[index - 1] : NULL;
}

/* The service of socket k: its own (fd-less sockets), else NULL. */
static inline const struct sk_service *sk_snapshot_sock_service(const struct sk_snapshot *s,
								size_t k)
{
	return k < s->sock_service.n ? sk_snapshot_service(s, s->sock_service.v[k]) : NULL;
}

/* The first fd reference holding socket k (in fdref order, as owner_index
 * lists them), NULL when no fd holds it. */
static inline const struct sk_fdref *sk_snapshot_first_ref(const struct sk_snapshot *s,
							   const struct sk_socket *k)
{
	return k->owners_count ? &s->fdrefs.v[s->owner_index.v[k->owners_start]] : NULL;
}

/* Counts row k into an aggregate the way the join counts a process's. */
void sk_agg_count_row(struct sk_agg *a, const struct sk_socket *k);

#endif
