/* Diagnoses: what a pile of sockets means, with the numbers that show it
 * and what to look at next. Rules live in one table (findings.c); each has
 * a stable `kind` used in JSON and docs. Thresholds are named, documented in
 * doc/THRESHOLDS.md and overridable with --threshold NAME=VALUE. */
#ifndef SKTOP_FINDINGS_H
#define SKTOP_FINDINGS_H

#include <stdint.h>
#include <stdio.h>

#include "util/error.h"
#include "util/xenum.h"
#include "analyse/history.h"
#include "model/snapshot.h"

enum sk_severity {
	SK_SEV_INFO,
	SK_SEV_WARNING,
	SK_SEV_CRITICAL,
	SK_SEV_LAST
};
extern const char *const sk_severity_names[SK_SEV_LAST]; /* "info", "warning", "critical" */

/* Each kind with its name (util/xenum.h). */
#define SK_FINDING_KINDS(X)                             \
	X(SK_FIND_CLOSE_WAIT, "close_wait")             \
	X(SK_FIND_CLOSED_LEAK, "closed_leak")           \
	X(SK_FIND_RECV_STUCK, "recv_stuck")             \
	X(SK_FIND_PEER_ZERO_WINDOW, "peer_zero_window") \
	X(SK_FIND_ORPHANS, "orphans")                   \
	X(SK_FIND_TCP_MEM, "tcp_mem")                   \
	X(SK_FIND_EPHEMERAL_PORTS, "ephemeral_ports")   \
	X(SK_FIND_ACCEPT_OVERFLOW, "accept_overflow")   \
	X(SK_FIND_FD_EXHAUSTION, "fd_exhaustion")       \
	X(SK_FIND_UDP_RCVBUF, "udp_rcvbuf")             \
	X(SK_FIND_TIME_WAIT_CHURN, "time_wait_churn")
enum sk_finding_kind { SK_FINDING_KINDS(SK_XENUM) SK_FIND_LAST };
extern const char *const sk_finding_kind_names[SK_FIND_LAST]; /* "close_wait", ... */

enum sk_subject_type {
	SK_SUBJ_SYSTEM,
	SK_SUBJ_PROCESS,
	SK_SUBJ_LISTENER,    /* a LISTEN socket: addr:port */
	SK_SUBJ_DESTINATION, /* a remote ip:port */
	SK_SUBJ_LAST
};
extern const char *const sk_subject_names[SK_SUBJ_LAST];

#define SK_FINDING_TEXT 256
#define SK_FINDING_SUBJECT 320 /* "pod ns/name (container c, pid N)" */
#define SK_FINDING_EVIDENCE 8
#define SK_FINDING_PIDS 16 /* pids listed in a finding about several processes */

/* The names evidence goes by in JSON: one table, so the replay reader
 * knows every name a rule can write. */
#define SK_EVIDENCE_NAMES(X)                                          \
	X(SK_EV_CLOSE_WAIT, "close_wait")                             \
	X(SK_EV_FDS, "fds")                                           \
	X(SK_EV_CLOSED, "closed")                                     \
	X(SK_EV_SOCKETS, "sockets")                                   \
	X(SK_EV_FILES, "files")                                       \
	X(SK_EV_RECV_Q, "recv_q")                                     \
	X(SK_EV_RMEM, "rmem")                                         \
	X(SK_EV_RSS, "rss")                                           \
	X(SK_EV_ORPHANED, "orphaned")                                 \
	X(SK_EV_SEND_Q, "send_q")                                     \
	X(SK_EV_BACKOFF, "backoff")                                   \
	X(SK_EV_TCP_ORPHAN_RETRIES, "tcp_orphan_retries")             \
	X(SK_EV_ORPHANS, "orphans")                                   \
	X(SK_EV_TCP_MEM_PAGES, "tcp_mem_pages")                       \
	X(SK_EV_TCP_MEM_HIGH, "tcp_mem_high")                         \
	X(SK_EV_PORTS, "ports")                                       \
	X(SK_EV_TIME_WAIT, "time_wait")                               \
	X(SK_EV_ACCEPT_QUEUE, "accept_queue")                         \
	X(SK_EV_DROPS, "drops")                                       \
	X(SK_EV_TCP_ABORT_ON_MEMORY, "TCPAbortOnMemory")              \
	X(SK_EV_LISTEN_OVERFLOWS, "ListenOverflows")                  \
	X(SK_EV_RCVBUF_ERRORS, "RcvbufErrors")                        \
	X(SK_EV_OLDEST_S, "oldest_s")                                 \
	X(SK_EV_ZERO_WINDOW, "zero_window")                           \
	X(SK_EV_KERNEL_TOO_MANY_ORPHANS, "kernel_too_many_orphans")   \
	X(SK_EV_KERNEL_TCP_OUT_OF_MEMORY, "kernel_tcp_out_of_memory") \
	X(SK_EV_PER_MIN, "per_min")                                   \
	X(SK_EV_TW_BUCKETS, "tw_buckets")
enum sk_evidence_name { SK_EVIDENCE_NAMES(SK_XENUM) SK_EV_LAST };
extern const char *const sk_evidence_names[SK_EV_LAST];

/* One number that triggered a finding, with its limit when there is one. */
struct sk_evidence {
	const char *name;  /* sk_evidence_names[id] */
	int64_t value;
	int64_t limit;     /* SK_UNKNOWN: none */
	uint8_t id;        /* enum sk_evidence_name */
};

struct sk_finding {
	uint8_t kind;      /* enum sk_finding_kind */
	uint8_t severity;  /* enum sk_severity */
	uint8_t subject_type;
	int32_t pid;       /* process subjects, and the owner of listener subjects; 0 otherwise */
	/* Processes of one program merged into this finding (analyse/merge.c):
	 * how many, and the first SK_FINDING_PIDS of their pids (pid first).
	 * nprocs 0 or 1: only `pid`. */
	uint32_t nprocs;
	int32_t pids[SK_FINDING_PIDS];
	uint32_t proc;     /* process index in the snapshot, SK_NONE */
	/* "nginx[4684]", "pod shop/web-1 (container web, pid 42)", "127.0.0.1:80",
	 * "10.0.3.7:5432", "system" */
	char subject[SK_FINDING_SUBJECT];
	char title[SK_FINDING_TEXT];
	char detail[SK_FINDING_TEXT];    /* the evidence as one line */
	char next_step[SK_FINDING_TEXT]; /* the command or setting to look at */
	struct sk_evidence ev[SK_FINDING_EVIDENCE];
	uint8_t nev;
	uint32_t socks_start, socks_count; /* supporting sockets: indices in sk_findings.socks */
};

enum sk_threshold {
	SK_TH_CLOSE_WAIT_WARN,
	SK_TH_CLOSE_WAIT_CRIT,
	SK_TH_CLOSED_WARN,
	SK_TH_CLOSED_CRIT,
	SK_TH_RECV_STUCK_BYTES,
	SK_TH_RECV_STUCK_FIRST_BYTES,
	SK_TH_ZERO_WINDOW_SOCKETS,
	SK_TH_ZERO_WINDOW_SENDQ,
	SK_TH_ORPHANS_WARN_PCT,
	SK_TH_ORPHANS_CRIT_PCT,
	SK_TH_TCP_MEM_WARN_PCT,
	SK_TH_PORTS_WARN_PCT,
	SK_TH_PORTS_CRIT_PCT,
	SK_TH_PORTS_MIN,
	SK_TH_ACCEPT_WARN_PCT,
	SK_TH_FDS_WARN_PCT,
	SK_TH_FDS_CRIT_PCT,
	SK_TH_FILES_WARN_PCT,
	SK_TH_UDP_RCVBUF_PCT,
	SK_TH_CLOSE_WAIT_AGE_S,
	SK_TH_CLOSED_AGE_S,
	SK_TH_TW_CHURN_PCT,
	SK_TH_LAST
};

struct sk_threshold_def {
	const char *name;
	int64_t value;        /* default */
	const char *meaning;
};
extern const struct sk_threshold_def sk_threshold_defs[SK_TH_LAST];

struct sk_thresholds {
	int64_t v[SK_TH_LAST];
};

void sk_thresholds_default(struct sk_thresholds *t);
/* "name=value": returns 0 or -EINVAL with a one-line message. */
int sk_thresholds_set(struct sk_thresholds *t, const char *assignment, struct sk_error *err);
/* Every warning at or below its critical (a warning above it would take the
 * critical findings' place): 0, or -EINVAL with a one-line message. */
int sk_thresholds_check(const struct sk_thresholds *t, struct sk_error *err);

struct sk_findings_scratch; /* findings.c */

struct sk_findings {
	SK_VEC(struct sk_finding) list;  /* most severe first */
	SK_VEC(uint32_t) socks;          /* socket indices backing the findings */
	uint32_t by_severity[SK_SEV_LAST];
	/* Sockets (or fds) a rule could not judge at this look: their age is
	 * unknown until a later refresh sees them again. A one-shot report
	 * says which findings need a second look. */
	uint32_t pending[SK_FIND_LAST];
	struct sk_findings_scratch *scratch; /* the rules' working memory, kept between evaluations */
};

void sk_findings_init(struct sk_findings *f);
void sk_findings_free(struct sk_findings *f);

/* Runs every rule over the snapshot (and the history, which may be empty:
 * rules that need a trend then say less, never more). */
int sk_findings_evaluate(struct sk_findings *f, const struct sk_snapshot *s,
			 const struct sk_history *h, const struct sk_thresholds *th);

/* Merges findings of one kind about processes of one program (same comm,
 * uid and argv[0]: nine workers with one bug are one finding listing their
 * pids), summing their counts. Called by sk_findings_evaluate. */
int sk_findings_merge_programs(struct sk_findings *f, const struct sk_snapshot *s);

/* Whether a finding concerns process `pid` (its subject, or one of the
 * processes merged into it): what -p filters findings by. */
bool sk_finding_has_pid(const struct sk_finding *f, int32_t pid);

#endif
