/* The engine: one call per refresh produces a snapshot. It owns the
 * netlink connections (one per network namespace, kept across refreshes)
 * and decides what to ask the kernel for. */
#ifndef SKTOP_ENGINE_H
#define SKTOP_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "collect/diag.h"
#include "util/error.h"
#include "analyse/findings.h"
#include "model/snapshot.h"

/* How the engine talks to sock_diag. Production uses the live dumper; tests
 * replace it with one that replays captured messages. `dump` appends the
 * rows of one request for the namespace of `pid` (0: the engine's own).
 * `destroy` is sk_diag_destroy for one dumped row, in the namespace netns
 * (entered through pid, 0: the engine's own); NULL: cannot destroy. */
struct sk_diag_ops {
	int (*dump)(void *ctx, uint64_t netns, int32_t pid, const struct sk_diag_request *req,
		    struct sk_diag_sink *sink, struct sk_error *err);
	int (*destroy)(void *ctx, uint64_t netns, int32_t pid, const struct sk_socket *row,
		       struct sk_error *err);
	void (*free)(void *ctx);
	void *ctx;
};

struct sk_engine_config {
	const char *proc_root;          /* "/proc" in production */
	bool want_unix;                 /* dump AF_UNIX too */
	bool want_meminfo;              /* request socket memory (rmem/wmem columns) */
	bool want_tcpinfo;              /* request tcp_info (detail view, findings) */
	bool own_netns_only;            /* do not enter other namespaces */
	const struct sk_diag_ops *diag; /* NULL: live netlink */
	sk_sockname_fn sockname;        /* NULL: the system.sockprotoname xattr */
	void *sockname_ctx;
	const struct sk_thresholds *thresholds; /* NULL: the documented defaults */
	uint64_t history_window_ms;     /* 0: SK_HISTORY_WINDOW_MS_DEFAULT */
	const char *kmsg_path;          /* the kernel log ("/dev/kmsg"); NULL: none */
	/* Two snapshots (with their findings and history), so a reader on
	 * another thread keeps the last one while the next is taken. Costs a
	 * second set of tables: the TUI wants it, batch mode does not. */
	bool double_buffer;
	/* Services (collect/service.h): where the orchestrators' files are
	 * (NULL: the host's /var) and the cgroup2 mount (NULL: from
	 * mountinfo). no_services skips resolving them. */
	const char *host_root;
	const char *cgroup_mount;
	bool no_services;
	/* Owners from /proc only. Otherwise a live engine on the real /proc
	 * lists fds with the BPF iterator when it can load it. */
	bool no_bpf;
	/* The lifecycle store's room in sockets; 0: SK_LIFE_MAX_ENTRIES_DEFAULT. */
	uint32_t lifecycle_max_entries;
	/* One refresh and done: a store loaded now could record nothing before
	 * the dump, so it is not loaded; ages come from tcp_info, creators
	 * from fd holders, as with no_bpf. */
	bool one_shot;
};

struct sk_engine;

int sk_engine_new(const struct sk_engine_config *cfg, struct sk_engine **out,
		  struct sk_error *err);
void sk_engine_free(struct sk_engine *e);

/* Takes a new snapshot, reusing the memory of the one before it (with
 * double_buffer: of the one before the last). On error the snapshot being
 * taken is incomplete and must not be shown as the machine's state; with
 * double_buffer, sk_engine_snapshot still returns the last complete one.
 * Returns -ECANCELED once sk_engine_cancel was called. */
int sk_engine_refresh(struct sk_engine *e, struct sk_error *err);

/* The latest snapshot. With double_buffer it, its findings and its history
 * stay untouched during the next sk_engine_refresh, so one thread may read
 * them while another refreshes, as long as the reader asks for the new
 * snapshot (after that refresh returned) before it starts the one after. */
const struct sk_snapshot *sk_engine_snapshot(const struct sk_engine *e);

/* Makes a refresh under way on another thread return -ECANCELED soon (at
 * the next netlink datagram or step), and every later one at once: for
 * quitting without waiting out a multi-second dump. Safe from any thread. */
void sk_engine_cancel(struct sk_engine *e);

/* Why owners come from /proc although BPF was not turned off and sktop has
 * the capabilities to load it (one line), or "" when they come from BPF,
 * no_bpf was set, sktop is unprivileged or built without BPF (then BPF is
 * not tried). */
const char *sk_engine_owner_note(const struct sk_engine *e);

/* Microseconds the BPF owner iterator took to load (verifier, BTF), 0
 * without it. */
uint64_t sk_engine_bpf_load_us(const struct sk_engine *e);
/* Why lifetimes are estimates although BPF was not turned off and sktop
 * may load it (one line), or "" (same rules as sk_engine_owner_note). With
 * the store loaded (sk_engine_lifecycle_load_us > 0): why its accept hook
 * is off, accepted sockets then being named by their closer, or "". */
const char *sk_engine_lifecycle_note(const struct sk_engine *e);

/* Microseconds the lifecycle programs took to load (verifier, BTF), 0
 * without them. */
uint64_t sk_engine_lifecycle_load_us(const struct sk_engine *e);

/* What a destroy did, row by row. */
struct sk_destroy_result {
	uint32_t destroyed; /* the kernel destroyed them */
	uint32_t gone;      /* already gone: closed, or the four-tuple is another socket's now */
	uint32_t refused;   /* not destroyable (unix, closed fds), refused, or not tried */
};

/* Destroys the given rows (copies of dumped rows of an engine snapshot,
 * each naming its namespace) with SOCK_DESTROY, as `ss -K` does, through
 * the namespace's sock_diag connection. Run it where refreshes run: never
 * during one. Returns 0 when every row was destroyed or already gone, else
 * the -errno of the first refusal with err set; where every row would be
 * refused alike (-EPERM: not root; -EOPNOTSUPP: a kernel without
 * CONFIG_INET_DIAG_DESTROY) the rows after it are not tried. */
int sk_engine_destroy(struct sk_engine *e, const struct sk_socket *rows, size_t n,
		      struct sk_destroy_result *res, struct sk_error *err);

#endif
