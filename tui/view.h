/* View models: what each pane shows, built from a snapshot without any
 * drawing. A view is a stack of levels (processes -> a process's sockets
 * -> one socket's details); each level keeps its cursor as the identity of
 * the selected row (pid + start time, socket inode + cookie, group key), so
 * the cursor stays on the same thing across refreshes, re-sorts and
 * filters. Everything here is pure and unit tested (tests/test_tui_view.c). */
#ifndef SKTOP_TUI_VIEW_H
#define SKTOP_TUI_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/procsort.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "model/snapshot.h"
#include "util/vec.h"

#define SK_FINDING_ROWS 3 /* title, evidence, next step */

/* --- what a level shows -------------------------------------------------- */

enum sk_vkind {
	SK_VK_PROCS,   /* one row per process with sockets */
	SK_VK_SOCKS,   /* sockets (of a process, a state, an orphan group, or all) */
	SK_VK_STATES,  /* the TCP state histogram with top owners */
	SK_VK_ORPHANS, /* orphans grouped by state and likely owner */
	SK_VK_DETAIL,  /* everything known of one socket */
	SK_VK_FINDINGS, /* the diagnoses, most severe first, three lines each */
	SK_VK_LAST
};

/* The panes Tab and 1..4 switch between: the bottom level of the stack. */
enum sk_pane {
	SK_PANE_PROCS,
	SK_PANE_SOCKS,
	SK_PANE_STATES,
	SK_PANE_ORPHANS,
	SK_PANE_FINDINGS,
	SK_PANE_LAST
};
extern const char *const sk_pane_names[SK_PANE_LAST];

enum sk_scope {
	SK_SCOPE_ALL,      /* every socket in the snapshot */
	SK_SCOPE_PROC,     /* held by (or orphaned from) one process */
	SK_SCOPE_STATE,    /* every socket in one display state */
	SK_SCOPE_ORPHANS,  /* the members of one orphan group */
	SK_SCOPE_FINDING,  /* the sockets that support one finding */
};

enum sk_group {
	SK_GROUP_NONE,
	SK_GROUP_PEER,  /* by state and remote address */
	SK_GROUP_LPORT, /* by state and local port */
	SK_GROUP_LAST
};
extern const char *const sk_group_names[SK_GROUP_LAST];

/* Display states: the kernel's TCP states plus what sktop infers. */
enum {
	SK_DS_CLOSED = SK_TCP_STATE_LAST, /* TCP fd in CLOSE: the "can't identify protocol" leak */
	SK_DS_UNBOUND,                    /* UDP fd never bound (not dumped) */
	SK_DS_UNCONN,                     /* UDP/unix socket not connected */
	SK_DS_ORPHANS,                    /* pseudo state of the states pane: all orphans */
	SK_DS_LAST
};
const char *sk_dstate_name(unsigned ds);      /* "ESTAB", "CLOSE_WAIT", "closed" */
unsigned sk_dstate_of(const struct sk_socket *k);
int sk_dstate_badness(unsigned ds);            /* higher: look at it first */

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

/* Which orphans make one row of the orphans pane. */
struct sk_okey {
	uint8_t dstate;
	uint8_t owner_kind; /* enum sk_owner_kind */
	int32_t pid;        /* likely owner's pid (listener), 0 */
	uint64_t cgroup;    /* SK_OWNER_CGROUP */
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
	} top[SK_STATE_TOP];
	uint8_t ntop;
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

/* The trend of metric m of process p in s's history ({0}: none yet). */
struct sk_trend sk_view_proc_trend(const struct sk_snapshot *s, const struct sk_process *p,
				   enum sk_pmetric m);
/* "CLOSE_WAIT", "sockets", "rmem": how the header and help name a metric. */
const char *sk_view_metric_name(enum sk_pmetric m);
/* Whether metric m counts bytes (rmem, Recv-Q) rather than things. */
bool sk_view_metric_bytes(enum sk_pmetric m);

/* --- columns and sorting of the non-process views ------------------------- */

enum sk_scol {
	SK_SCOL_PROTO,
	SK_SCOL_STATE,
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

struct sk_vlocals; /* view.c */

/* Writes the user name of uid (or the number) into buf. */
typedef void (*sk_user_fn)(void *ctx, uint32_t uid, char *buf, size_t size);

struct sk_view_config {
	const int32_t *pids;  /* -p: only these processes (npids 0: all) */
	int npids;
	bool have_uid;        /* -u */
	uint32_t uid;
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
	SK_VEC(struct sk_vgrowth) growth; /* SK_VK_PROCS: one per row, in row order */
	/* What GROW/m measures: the count last sorted by, so that sorting by
	 * growth right after `c` ranks CLOSE_WAIT growth (enum sk_pmetric). */
	uint8_t growth_metric;
	SK_VEC(struct sk_vsock) socks; /* SK_VK_SOCKS: member sockets (also when grouped) */
	SK_VEC(struct sk_vgroup) groups;
	SK_VEC(struct sk_vorphan) orphans;
	SK_VEC(struct sk_vstate) states;
	SK_VEC(struct sk_vline) lines; /* SK_VK_DETAIL */
	SK_VEC(struct sk_vkey) keys;   /* identity of each row */
	SK_VEC(uint32_t) scratch;
	/* The socket sort's scratch, kept across builds (view.c): its words
	 * (then the identities in sorted order, swapped with keys), its early
	 * words (then the rows in sorted order, swapped with socks), its
	 * indices, and the local addresses it has ranked. */
	SK_VEC(struct sk_vkey) sortkeys;
	SK_VEC(struct sk_vsock) sortrows;
	SK_VEC(uint32_t) sortidx;
	struct sk_vlocals *locals;
	bool grouped;                  /* rows are groups */
	bool stale;                    /* the detail's socket or process is gone */
	uint32_t hidden;               /* rows the filter hid */
};

void sk_view_init(struct sk_view *v, const struct sk_view_config *cfg,
		  enum sk_sort_key proc_sort, bool invert);
void sk_view_free(struct sk_view *v);

static inline struct sk_level *sk_view_top(struct sk_view *v)
{
	return &v->stack[v->depth - 1];
}
static inline const struct sk_level *sk_view_top_c(const struct sk_view *v)
{
	return &v->stack[v->depth - 1];
}

/* Rebuilds the rows of the top level from s and puts the cursor back on
 * the row it was on (by identity), or at the same position when that row
 * is gone. Returns 0 or -ENOMEM (rows then empty). */
int sk_view_build(struct sk_view *v, const struct sk_snapshot *s);

/* Navigation. Each returns true when something changed (rebuild needed). */
void sk_view_set_pane(struct sk_view *v, enum sk_pane pane);
enum sk_pane sk_view_pane(const struct sk_view *v);
/* Enter on the cursor row: pushes the level below it. */
bool sk_view_enter(struct sk_view *v, const struct sk_snapshot *s);
bool sk_view_back(struct sk_view *v);
/* Cursor moves; `page` is the visible height for PgUp/PgDn. */
void sk_view_move(struct sk_view *v, long delta);
void sk_view_move_to(struct sk_view *v, size_t row);
/* Keeps the cursor inside rows [top, top+height), the cursor's distance
 * from the top edge unchanged where possible. */
void sk_view_scroll(struct sk_view *v, size_t height);

/* Sorting: the columns the top level can sort on, in menu order. */
size_t sk_view_sort_columns(const struct sk_view *v, int *cols, size_t max);
const char *sk_view_sort_name(const struct sk_view *v, int col);
const char *sk_view_sort_desc(const struct sk_view *v, int col);
struct sk_sortstate *sk_view_sortstate(struct sk_view *v);
const struct sk_sortstate *sk_view_sortstate_c(const struct sk_view *v);
/* Whether the top level's rows currently run biggest first. */
bool sk_view_sort_descending(const struct sk_view *v);
void sk_view_set_sort(struct sk_view *v, int col);
void sk_view_cycle_sort(struct sk_view *v, int dir);
void sk_view_invert(struct sk_view *v);
/* Which socket columns mean something at this level (no PID for one
 * process's sockets, no fd for orphans). */
void sk_view_scols_enabled(const struct sk_level *l, bool on[SK_SCOL_LAST]);
/* Grouping (socket lists only): cycles none -> peer -> local port. */
bool sk_view_cycle_group(struct sk_view *v);
void sk_view_set_filter(struct sk_view *v, const char *text);

/* Lookups for renderers. */
const char *sk_view_user(const struct sk_view *v, uint32_t uid, char *buf, size_t size);
/* "nginx[4684]" */
void sk_view_proc_label(const struct sk_process *p, char *buf, size_t size);
/* Local and peer of a socket as shown: "10.0.0.1:80", unix path, "*". */
void sk_view_endpoint(const struct sk_snapshot *s, const struct sk_socket *k, bool peer,
		      char *buf, size_t size);
void sk_view_gkey_label(const struct sk_gkey *g, char *buf, size_t size);
void sk_view_okey_label(const struct sk_snapshot *s, const struct sk_vorphan *o, char *buf,
			size_t size);
/* "on 1.2s/3", "keep 2h05m", "tw 45s", "probe 3s/2", "" */
void sk_view_timer(const struct sk_socket *k, char *buf, size_t size);
/* "tcp", "tcp6", "udp", "unix/str" */
const char *sk_view_proto(const struct sk_socket *k);

/* The row identities, for tests and the renderer's cursor. */
struct sk_vkey sk_view_key_proc(const struct sk_process *p);
struct sk_vkey sk_view_key_sock(const struct sk_socket *k);

/* The process the screen is about, for the trend line: the cursor row of
 * the process list, the process whose sockets or socket is open; SK_NONE
 * elsewhere (or when it has exited). */
uint32_t sk_view_focus_proc(const struct sk_view *v, const struct sk_snapshot *s);

/* Fills the detail lines of socket `sock` (proc: context, SK_NONE). */
int sk_view_detail(struct sk_view *v, const struct sk_snapshot *s, uint32_t sock, uint32_t proc);

/* Counters that moved: kept by the frontend across refreshes. */
#define SK_COUNTER_LINGER 10 /* refreshes a moved counter stays on screen */
struct sk_counter_track {
	bool have_prev;
	uint64_t seq;
	int64_t prev[SK_CTR_LAST];
	int64_t delta[SK_CTR_LAST];    /* last non-zero change */
	uint64_t moved_seq[SK_CTR_LAST]; /* refresh it changed in, 0 never */
};
void sk_counter_track_update(struct sk_counter_track *t, const struct sk_system *sys, uint64_t seq);

#endif
