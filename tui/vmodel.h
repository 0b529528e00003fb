/* The view model's data: a view is a stack of levels (processes -> a
 * process's sockets -> one socket's details); each level keeps its cursor
 * as the identity of the selected row (pid + start time, socket inode +
 * cookie, group key), so the cursor stays on the same thing across
 * refreshes, re-sorts and filters. Types only: the pane builders (view.h),
 * the detail view (detail.h) and the labels (vlabel.h) share them without
 * calling each other. */
#ifndef SKTOP_TUI_VMODEL_H
#define SKTOP_TUI_VMODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/procsort.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "model/services.h"
#include "model/snapshot.h"
#include "util/hash.h"
#include "util/vec.h"
#include "util/xenum.h"

#define SK_FINDING_ROWS 3 /* title, evidence, next step */

/* --- what a level shows -------------------------------------------------- */

enum sk_vkind {
	SK_VK_PROCS,   /* one row per process with sockets */
	SK_VK_SOCKS,   /* sockets (of a process, a state, an orphan group, or all) */
	SK_VK_STATES,  /* the TCP state histogram with top owners */
	SK_VK_ORPHANS, /* orphans grouped by state and likely owner */
	SK_VK_DETAIL,  /* everything known of one socket */
	SK_VK_FINDINGS, /* the diagnoses, most severe first, three lines each */
	SK_VK_SERVICES, /* the process pane grouped by pod, container or unit (vservices.c) */
	SK_VK_LAST
};

/* The panes Tab and 1..4 switch between: the bottom level of the stack. */
#define SK_PANES(X)                   \
	X(SK_PANE_PROCS, "Processes") \
	X(SK_PANE_SOCKS, "Sockets")   \
	X(SK_PANE_STATES, "States")   \
	X(SK_PANE_ORPHANS, "Orphans") \
	X(SK_PANE_FINDINGS, "Findings")
enum sk_pane { SK_PANES(SK_XENUM) SK_PANE_LAST };

enum sk_scope {
	SK_SCOPE_ALL,      /* every socket in the snapshot */
	SK_SCOPE_PROC,     /* held by (or orphaned from) one process */
	SK_SCOPE_STATE,    /* every socket in one display state */
	SK_SCOPE_ORPHANS,  /* the members of one orphan group */
	SK_SCOPE_FINDING,  /* the sockets that support one finding */
};

#define SK_GROUPS(X)                                                                  \
	X(SK_GROUP_NONE, "not grouped")                                               \
	X(SK_GROUP_PEER, "grouped by peer address") /* by state and remote address */ \
	X(SK_GROUP_LPORT, "grouped by local port") /* by state and local port */
enum sk_group { SK_GROUPS(SK_XENUM) SK_GROUP_LAST };

/* Row identity, for keeping the cursor on the same thing. */
struct sk_vkey {
	uint64_t a, b;
};

/* One group of sockets: "CLOSE_WAIT x 812 from 10.0.3.7". */
struct sk_gkey {
	uint8_t mode;   /* enum sk_group */
	uint8_t dstate;
	uint8_t family; /* PEER: the address family */
	uint16_t port;  /* LPORT */
	uint8_t addr[16];
};

/* The orphans a lifecycle names the creator of group by it: an owner
 * kind past the model's, for sk_okey only. */
#define SK_OKEY_CREATOR SK_OWNER_LAST

/* Which orphans make one row of the orphans pane. */
struct sk_okey {
	uint8_t dstate;
	uint8_t owner_kind; /* enum sk_owner_kind, or SK_OKEY_CREATOR */
	int32_t pid;        /* likely owner's pid (listener) or the creator's, 0 */
	uint64_t cgroup;    /* SK_OWNER_CGROUP; the creator's cgroup */
	uint16_t lport;     /* listener port */
};

struct sk_level {
	uint8_t kind;          /* enum sk_vkind */
	/* SK_VK_SOCKS */
	uint8_t scope;         /* enum sk_scope */
	uint8_t group;         /* enum sk_group: how this level groups rows */
	uint8_t state;         /* SK_SCOPE_STATE: display state */
	bool in_group;         /* only the members of gkey */
	struct sk_gkey gkey;
	struct sk_okey okey;   /* SK_SCOPE_ORPHANS */
	struct sk_vkey fkey;   /* SK_SCOPE_FINDING: which finding */
	int32_t pid;           /* SK_SCOPE_PROC, and the detail's process context */
	uint64_t starttime;
	char who[96];          /* "nginx[4684]": for titles, kept when the process is gone */
	uint64_t skey;         /* SK_VK_PROCS: only the service with this key (vservices.c); 0 all */
	/* SK_VK_DETAIL */
	struct sk_vkey sock;
	/* cursor */
	size_t cursor, top;
	struct sk_vkey cur;
	bool have_cur;
};

#define SK_VIEW_DEPTH 8

/* --- rows ---------------------------------------------------------------- */

struct sk_vsock {
	uint32_t sock;   /* snapshot socket index */
	uint32_t proc;   /* holding process, or likely owner; SK_NONE */
	int32_t fd;      /* lowest fd of proc on it; -1 */
	uint16_t nfds;   /* fds of proc on it (dup, fork) */
	uint8_t dstate;
	bool likely;     /* proc is a likely owner (orphan/accept queue), holds no fd */
};

struct sk_vgroup {
	struct sk_gkey key;
	uint32_t count;
	uint32_t nprocs;   /* distinct owners */
	uint32_t proc;     /* one owner (the lowest index), SK_NONE */
	uint64_t recv_q, send_q, rmem, wmem;
	uint32_t timer_max_ms;
};

struct sk_vorphan {
	struct sk_okey key;
	uint32_t proc;     /* likely owner, SK_NONE */
	uint32_t count;
	uint64_t recv_q, send_q, rmem, wmem;
	uint32_t timer_min_ms, timer_max_ms;
	uint8_t retrans_max;
	uint32_t sample;   /* a member socket */
};

#define SK_STATE_TOP 3
struct sk_vstate {
	uint8_t dstate;
	uint32_t count;
	uint32_t unowned;  /* no process holds or is likely to own them */
	uint32_t owners;   /* distinct processes */
	struct {
		uint32_t proc, count;
		uint32_t made; /* of count, sockets no fd holds that proc created */
	} top[SK_STATE_TOP];
	uint8_t ntop;
};

/* One row of the grouped-by-service pane: the services rows of one name
 * (a container restarted keeps its name, not its cgroup), summed. */
struct sk_vservice {
	uint64_t key;      /* sk_view_service_key */
	uint32_t service;  /* a services row index + 1 of this name, 0: no known service */
	uint32_t nprocs;   /* processes holding sockets */
	uint32_t fdless;   /* sockets no fd holds, counted for it by their cgroup */
	struct sk_agg agg;
};

enum sk_vcol {
	SK_VCOL_SERVICE,
	SK_VCOL_KIND,
	SK_VCOL_PROCS,
	SK_VCOL_SOCK,
	SK_VCOL_CLOSE_WAIT,
	SK_VCOL_CLOSED,
	SK_VCOL_ORPHANS,
	SK_VCOL_RECVQ,
	SK_VCOL_RMEM,
	SK_VCOL_LAST
};

/* One line of the detail view: "label\tvalue", or a heading (no tab). */
struct sk_vline {
	uint8_t kind;      /* enum sk_vline_kind */
	char text[512];
};
enum sk_vline_kind { SK_VL_HEADING, SK_VL_FIELD, SK_VL_NOTE, SK_VL_WARN };
#define SK_DETAIL_LABEL 13 /* columns of a field's label */

/* --- growth ---------------------------------------------------------------- */

/* The process sort past the engine's keys (procsort.h): growth per minute
 * needs the snapshot's history, which procsort's comparator never sees. */
#define SK_VSORT_GROWTH ((int)SK_SORT_LAST)

/* A process row's trend of the view's growth metric. */
struct sk_vgrowth {
	uint32_t proc;      /* snapshot process index */
	struct sk_trend tr; /* tr.known false: fewer than two samples a second apart */
};


/* --- columns and sorting of the non-process views ------------------------- */

enum sk_scol {
	SK_SCOL_PROTO,
	SK_SCOL_STATE,
	SK_SCOL_AGE,
	SK_SCOL_FD,
	SK_SCOL_LOCAL,
	SK_SCOL_PEER,
	SK_SCOL_RECVQ,
	SK_SCOL_SENDQ,
	SK_SCOL_RMEM,
	SK_SCOL_WMEM,
	SK_SCOL_TIMER,
	SK_SCOL_USER,
	SK_SCOL_INODE,
	SK_SCOL_PID,
	SK_SCOL_COMMAND,
	SK_SCOL_LAST
};

enum sk_gcol {
	SK_GCOL_COUNT,
	SK_GCOL_STATE,
	SK_GCOL_ADDR,
	SK_GCOL_PROCS,
	SK_GCOL_RECVQ,
	SK_GCOL_SENDQ,
	SK_GCOL_RMEM,
	SK_GCOL_WMEM,
	SK_GCOL_TIMER,
	SK_GCOL_OWNER,
	SK_GCOL_LAST
};

enum sk_ocol {
	SK_OCOL_STATE,
	SK_OCOL_COUNT,
	SK_OCOL_SENDQ,
	SK_OCOL_RECVQ,
	SK_OCOL_TIMER,
	SK_OCOL_RETRANS,
	SK_OCOL_OWNER,
	SK_OCOL_LAST
};

/* --- the view ------------------------------------------------------------- */

struct sk_vlocals; /* vsort.c */

/* The list of every socket, unfiltered and sorted, as the last build on
 * the shown snapshot made it (vsocks.c). A million rows take 100-450 ms to
 * build; a pane switch, Esc from a socket's detail or a resize then shows
 * them again at no cost. Valid only for the snapshot generation, the sort
 * column and the direction it was built with. The view lends the list to
 * its socks and keys while it shows it: these vectors are then its spare
 * buffers, traded back before the next build. */
struct sk_vsockcache {
	SK_VEC(struct sk_vsock) socks;
	SK_VEC(struct sk_vkey) keys;
	uint64_t gen;                /* sk_view.snap_gen built on; 0: nothing cached */
	const struct sk_snapshot *s;
	int col;
	bool descending;
	bool lent;                   /* the list is in the view's socks and keys */
};

/* Writes the user name of uid (or the number) into buf. */
typedef void (*sk_user_fn)(void *ctx, uint32_t uid, char *buf, size_t size);

struct sk_view_config {
	const int32_t *pids;  /* -p: only these processes (npids 0: all) */
	int npids;
	bool have_uid;        /* -u */
	uint32_t uid;
	const char *service;  /* --service PATTERN, NULL: all */
	sk_user_fn user_name; /* uid -> name, never NULL after sk_view_init */
	void *user_ctx;
};

struct sk_sortstate {
	int col;      /* sk_sort_key for processes, enum sk_scol/sk_gcol/sk_ocol otherwise */
	bool invert;
};

struct sk_view {
	struct sk_view_config cfg;
	struct sk_level stack[SK_VIEW_DEPTH];
	int depth;                     /* levels in use, >= 1 */
	struct sk_sortstate sort[SK_VK_LAST]; /* SOCKS sorts plain rows; groups use gsort */
	struct sk_sortstate gsort;
	char filter[128];              /* case-insensitive substring, "" = none */
	int width;                     /* terminal columns: the detail view wraps to it */

	/* The rows of the top level, rebuilt by sk_view_build. */
	size_t nrows;
	SK_VEC(uint32_t) procs;        /* SK_VK_PROCS: process indices */
	SK_VEC(uint32_t) findings;     /* SK_VK_FINDINGS: finding indices, SK_FINDING_ROWS rows each */
	SK_VEC(struct sk_vgrowth) growth; /* SK_VK_PROCS: one per row, in row order */
	/* What GROW/m measures: the count last sorted by, so that sorting by
	 * growth right after `c` ranks CLOSE_WAIT growth (enum sk_pmetric). */
	uint8_t growth_metric;
	SK_VEC(struct sk_vsock) socks; /* SK_VK_SOCKS: member sockets (also when grouped) */
	SK_VEC(struct sk_vgroup) groups;
	SK_VEC(struct sk_vorphan) orphans;
	SK_VEC(struct sk_vstate) states;
	SK_VEC(struct sk_vservice) services;  /* SK_VK_SERVICES */
	struct sk_service_totals stotals;     /* its scratch */
	SK_VEC(struct sk_vline) lines; /* SK_VK_DETAIL */
	SK_VEC(struct sk_vkey) keys;   /* identity of each row */
	SK_VEC(uint32_t) scratch;
	/* The socket sort's scratch, kept across builds (vsort.c): its words
	 * (then the identities in sorted order, swapped with keys), its early
	 * words (then the rows in sorted order, swapped with socks), its
	 * indices, and the local addresses it has ranked. */
	SK_VEC(struct sk_vkey) sortkeys;
	SK_VEC(struct sk_vsock) sortrows;
	SK_VEC(uint32_t) sortidx;
	struct sk_vlocals *locals;
	/* Which snapshot the builds see, as its owner numbers them
	 * (sk_view_snapshot_changed); 0: unknown, nothing is cached. */
	uint64_t snap_gen;
	struct sk_vsockcache sockcache;
	struct sk_itab gtab;           /* groups by key (vgroups.c) */
	bool grouped;                  /* rows are groups */
	bool ages;                     /* the snapshot has lifecycles (vlife.h): AGE, creators */
	bool stale;                    /* the detail's socket or process is gone */
	uint32_t hidden;               /* rows the filter hid */
};

static inline struct sk_level *sk_view_top(struct sk_view *v)
{
	return &v->stack[v->depth - 1];
}
static inline const struct sk_level *sk_view_top_c(const struct sk_view *v)
{
	return &v->stack[v->depth - 1];
}

#endif
