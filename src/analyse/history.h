/* What changed over the last minutes: a bounded ring of per-process and
 * system samples, and from it growth per minute, "grew monotonically" (a
 * leak, unlike a burst that drains) and time to a limit. Memory is bounded
 * whatever the uptime: at most SK_HISTORY_SLOTS samples per series, spaced
 * at least window/SK_HISTORY_SLOTS apart. Timestamps come from the
 * snapshots, so tests drive it with a fake clock. */
#ifndef SKTOP_HISTORY_H
#define SKTOP_HISTORY_H

#include <stdbool.h>
#include <stdint.h>

#include "model/fields.h"
#include "model/snapshot.h"
#include "util/xenum.h"

#define SK_HISTORY_SLOTS 32
#define SK_HISTORY_WINDOW_MS_DEFAULT (10 * 60 * 1000)

/* Per-process series. */
enum sk_pmetric {
	SK_PM_SOCKETS,
	SK_PM_FDS,
	SK_PM_CLOSE_WAIT,
	SK_PM_CLOSED,
	SK_PM_ORPHANS,
	SK_PM_RMEM,
	SK_PM_RECVQ,
	SK_PM_LAST
};
/* The series' row in the process field table: its .key names it in JSON. */
const struct sk_field *sk_pmetric_field(enum sk_pmetric m);

/* System series (gauges and cumulative counters). */
#define SK_SMETRICS(X)                                                           \
	X(SK_SM_ORPHANS, "orphans") /* sockstat TCP orphan (machine) */          \
	X(SK_SM_TCP_MEM, "tcp_mem_pages") /* sockstat TCP mem pages (machine) */ \
	X(SK_SM_TIME_WAIT, "time_wait") /* sockstat TCP tw (own netns) */        \
	X(SK_SM_FILES, "files") /* file-nr allocated */                          \
	X(SK_SM_CLOSE_WAIT, "close_wait") /* rows, all namespaces */             \
	X(SK_SM_CLOSED, "closed") /* rows, all namespaces */                     \
	X(SK_SM_ABORT_ON_MEMORY, "TCPAbortOnMemory") /* counters */              \
	X(SK_SM_LISTEN_OVERFLOWS, "ListenOverflows")                             \
	X(SK_SM_LISTEN_DROPS, "ListenDrops")                                     \
	X(SK_SM_UDP_RCVBUF_ERRORS, "RcvbufErrors")                               \
	X(SK_SM_TW_OVERFLOW, "TCPTimeWaitOverflow")
enum sk_smetric { SK_SMETRICS(SK_XENUM) SK_SM_LAST };
extern const char *const sk_smetric_names[SK_SM_LAST];

struct sk_sample {
	uint64_t t_ms;  /* monotonic */
	int64_t v;
};

struct sk_series {
	struct sk_sample s[SK_HISTORY_SLOTS];
	uint8_t head;   /* next slot to write */
	uint8_t n;      /* slots used */
	struct sk_sample last; /* the newest sample, even when not yet kept */
};

/* Derived figures of one series over the window. */
struct sk_trend {
	bool known;           /* at least two samples a second apart */
	double per_min;       /* growth per minute, oldest kept sample to newest */
	bool monotonic;       /* never decreased and grew overall */
	uint64_t span_ms;     /* time covered */
	int64_t first, last;
};

/* How much a counter rose over the window: 0 when the trend is unknown. */
static inline int64_t sk_trend_rise(const struct sk_trend *t)
{
	return t->known ? t->last - t->first : 0;
}

struct sk_proc_history {
	int32_t pid;
	uint64_t starttime;   /* a reused pid is a new process: new history */
	uint64_t seen_seq;
	struct sk_series m[SK_PM_LAST];
};

struct sk_history {
	uint64_t window_ms;
	SK_VEC(struct sk_proc_history) procs; /* sorted by pid */
	struct sk_series sys[SK_SM_LAST];
	uint64_t samples;     /* refreshes recorded */
};

void sk_history_init(struct sk_history *h, uint64_t window_ms);
void sk_history_free(struct sk_history *h);

/* Records one snapshot (processes with sockets only); processes that are
 * gone, or whose pid now belongs to another process, drop out. */
int sk_history_record(struct sk_history *h, const struct sk_snapshot *s);

/* Makes dst an independent copy of src, reusing dst's memory: a reader can
 * keep the copy while src records the next snapshot. 0 or -ENOMEM. */
int sk_history_copy(struct sk_history *dst, const struct sk_history *src);

struct sk_trend sk_series_trend(const struct sk_series *se);

/* History of a process in the latest recorded snapshot, or NULL. */
const struct sk_proc_history *sk_history_find(const struct sk_history *h, int32_t pid,
					      uint64_t starttime);

/* Minutes until `current` growing at `per_min` reaches `limit`; negative
 * when it is not growing or there is no limit. */
double sk_minutes_to_limit(int64_t current, double per_min, int64_t limit);

int64_t sk_pmetric_value(const struct sk_process *p, enum sk_pmetric m);

/* The machine's counts that run into a limit, and when they will at the
 * rate seen over the window: orphans vs tcp_max_orphans, TCP memory vs
 * tcp_mem's high mark, TIME_WAIT vs tcp_max_tw_buckets, open files vs
 * file-max. (fds vs RLIMIT_NOFILE is per process: see the findings.) */
enum sk_exhaust {
	SK_EX_ORPHANS,
	SK_EX_TCP_MEM,
	SK_EX_TIME_WAIT,
	SK_EX_FILES,
	SK_EX_LAST
};
extern const char *const sk_exhaust_names[SK_EX_LAST]; /* JSON keys */
extern const char *const sk_exhaust_limit_names[SK_EX_LAST]; /* "tcp_max_orphans", ... */

struct sk_exhaustion {
	int64_t now, limit;  /* SK_UNKNOWN when not read */
	struct sk_trend trend;
	double minutes;      /* to the limit at trend.per_min; < 0: not growing, or no limit */
};

void sk_history_exhaustion(const struct sk_history *h, const struct sk_system *sys,
			   struct sk_exhaustion out[SK_EX_LAST]);

#endif
