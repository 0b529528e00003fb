/* What the pane builders share (vprocs.c, vsocks.c, vgroups.c, vstates.c,
 * vorphans.c, vfindings.c, view.c): each builds the rows of one kind of
 * level into the view, and they find, filter and identify rows alike.
 * Private to the view model: renderers use view.h. */
#ifndef SKTOP_TUI_VROWS_H
#define SKTOP_TUI_VROWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "columns.h"
#include "vmodel.h"

/* --- the builders: 0 or -ENOMEM ------------------------------------------- */

int sk_vpane_procs(struct sk_view *v, const struct sk_snapshot *s);
int sk_vpane_socks(struct sk_view *v, const struct sk_snapshot *s, struct sk_level *l);
/* Groups v->socks (by enum sk_group mode) into v->groups, sorted: the rows. */
int sk_vpane_groups(struct sk_view *v, const struct sk_snapshot *s, unsigned mode);
int sk_vpane_states(struct sk_view *v, const struct sk_snapshot *s);
int sk_vpane_orphans(struct sk_view *v, const struct sk_snapshot *s);
int sk_vpane_findings(struct sk_view *v, const struct sk_snapshot *s);
int sk_vpane_services(struct sk_view *v, const struct sk_snapshot *s);
/* Whether p is among the processes a level opened from a service row shows. */
bool sk_vservices_proc_in(const struct sk_level *l, const struct sk_snapshot *s,
			  const struct sk_process *p);
/* The socket rows of the finding a level names (stale when it is gone). */
int sk_vpane_finding_socks(struct sk_view *v, const struct sk_snapshot *s,
			   const struct sk_level *l);

/* Room for the identities of the n rows being built, with v->keys.n and
 * v->nrows set to n; NULL: no memory. */
struct sk_vkey *sk_vrows_keys(struct sk_view *v, size_t n);
/* The same filled: the identity of each of the n rows of `size` bytes at
 * rows, as key gives it. 0 or -ENOMEM. */
typedef struct sk_vkey (*sk_vrow_key_fn)(const struct sk_snapshot *s, const void *row);
int sk_vrows_identify(struct sk_view *v, const struct sk_snapshot *s, const void *rows, size_t n,
		      size_t size, sk_vrow_key_fn key);

/* The process a level names, checking it is the same process (start time)
 * and not a new one that reused the pid; SK_NONE. */
uint32_t sk_view_level_proc(const struct sk_level *l, const struct sk_snapshot *s);
/* The metric GROW/m follows once the process sort is `col` (vprocs.c). */
enum sk_pmetric sk_view_growth_metric(enum sk_pmetric before, int col);

/* --- socket rows (vsocks.c) ------------------------------------------------ */

/* The cached list of every socket back from the view (struct
 * sk_vsockcache): each build starts with it, before it writes rows. */
void sk_vsockcache_reclaim(struct sk_view *v);
void sk_vsockcache_free(struct sk_view *v);

int sk_vsocks_push(struct sk_view *v, uint32_t sock, uint32_t proc, int32_t fd, uint32_t nfds,
		   bool likely, unsigned dstate);
/* The process (lowest index) and its lowest fd holding k; SK_NONE, -1. */
uint32_t sk_vsocks_owner(const struct sk_snapshot *s, const struct sk_socket *k, int32_t *fd);
/* The same for every socket at once, packed (see vsocks.c). */
void sk_vsocks_owners(const struct sk_snapshot *s, uint64_t *own);

/* --- identities and group keys (vkey.c) ------------------------------------ */

bool sk_vkey_eq(struct sk_vkey a, struct sk_vkey b);
struct sk_vkey sk_vkey_group(const struct sk_gkey *g);
struct sk_vkey sk_vkey_orphan(const struct sk_okey *o);
struct sk_vkey sk_vkey_finding(const struct sk_finding *f);
struct sk_gkey sk_gkey_of(const struct sk_socket *k, unsigned mode, unsigned dstate);
bool sk_gkey_eq(const struct sk_gkey *a, const struct sk_gkey *b);
int sk_gkey_cmp(const struct sk_gkey *a, const struct sk_gkey *b);
struct sk_okey sk_okey_of(const struct sk_snapshot *s, const struct sk_socket *k);
bool sk_okey_eq(const struct sk_okey *a, const struct sk_okey *b);
int sk_okey_cmp(const struct sk_okey *a, const struct sk_okey *b);

/* --- the restriction (-p, -u) and the filter (vfilter.c) ------------------- */

bool sk_vfilter_allowed(const struct sk_view *v, const struct sk_snapshot *s,
			const struct sk_process *p);
bool sk_vfilter_restricted(const struct sk_view *v);
/* Socket k shown under the restriction, judged by proc (its holder or
 * likely owner, SK_NONE) or, with none, by its own service. */
bool sk_vfilter_sock_allowed(const struct sk_view *v, const struct sk_snapshot *s, size_t k,
			     uint32_t proc);
bool sk_vfilter_proc(const struct sk_view *v, const struct sk_snapshot *s,
		     const struct sk_process *p);
/* A socket shown with process proc (SK_NONE: alone). */
bool sk_vfilter_sock(const struct sk_view *v, const struct sk_snapshot *s,
		     const struct sk_socket *k, uint32_t proc);
bool sk_vfilter_vsock(const struct sk_view *v, const struct sk_snapshot *s,
		      const struct sk_vsock *r);
/* F3: a process's or a socket row's text holds every term of t (the
 * filter's language, model/match.h). */
bool sk_vfilter_proc_text(const struct sk_view *v, const struct sk_snapshot *s,
			  const struct sk_process *p, const char *t);
bool sk_vfilter_vsock_text(const struct sk_view *v, const struct sk_snapshot *s,
			   const struct sk_vsock *r, const char *f);

/* --- small shared helpers --------------------------------------------------- */

/* Group and orphan rows are compared through this context (qsort_r). */
struct scmp_ctx {
	const struct sk_snapshot *s;
	const struct sk_view *v;
	int col;
	bool descending;
};

static inline int sk_cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static inline uint32_t sk_vsock_timer(const struct sk_socket *k)
{
	return k->timer == SK_TIMER_OFF ? 0 : k->timer_ms;
}

static inline bool sk_col_descending(const struct sk_coldef *defs, int col, bool invert)
{
	return defs[col].descending != invert;
}

static inline int sk_addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

#endif
