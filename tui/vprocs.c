/* The processes pane: one row per process with sockets, sorted by the
 * engine's keys or by growth per minute (vrows.h). */
#include <config.h>

#include <errno.h>

#include "view.h"
#include "vrows.h"

struct sk_trend sk_view_proc_trend(const struct sk_snapshot *s, const struct sk_process *p,
				   enum sk_pmetric m)
{
	const struct sk_proc_history *ph;

	if (!s->history || m >= SK_PM_LAST)
		return (struct sk_trend){0};
	ph = sk_history_find(s->history, p->pid, p->starttime);
	return ph ? sk_series_trend(&ph->m[m]) : (struct sk_trend){0};
}

/* The metric GROW/m follows once the process sort is `col`: the sorted
 * count when history keeps it, the same as before when sorting by growth
 * itself, sockets otherwise. */
enum sk_pmetric sk_view_growth_metric(enum sk_pmetric before, int col)
{
	switch (col) {
	case SK_SORT_SOCKETS: return SK_PM_SOCKETS;
	case SK_SORT_FDS: return SK_PM_FDS;
	case SK_SORT_CLOSE_WAIT: return SK_PM_CLOSE_WAIT;
	case SK_SORT_CLOSED: return SK_PM_CLOSED;
	case SK_SORT_ORPHANS: return SK_PM_ORPHANS;
	case SK_SORT_RMEM: return SK_PM_RMEM;
	case SK_SORT_RECVQ: return SK_PM_RECVQ;
	default: return col == SK_VSORT_GROWTH ? before : SK_PM_SOCKETS;
	}
}

struct growth_ctx {
	const struct sk_snapshot *s;
	bool descending;
};

/* Processes whose trend is not known yet go last either way: "no data"
 * is neither the fastest nor the slowest grower. Ties: the one that never
 * fell first, then by pid, so the order is stable across refreshes. */
static int cmp_growth(const void *pa, const void *pb, void *arg)
{
	const struct sk_vgrowth *a = pa, *b = pb;
	const struct growth_ctx *c = arg;

	if (a->tr.known != b->tr.known)
		return a->tr.known ? -1 : 1;
	if (a->tr.known && a->tr.per_min != b->tr.per_min) {
		int d = a->tr.per_min < b->tr.per_min ? -1 : 1;

		return c->descending ? -d : d;
	}
	if (a->tr.monotonic != b->tr.monotonic)
		return a->tr.monotonic ? -1 : 1;
	int32_t x = c->s->procs.v[a->proc].pid, y = c->s->procs.v[b->proc].pid;

	return x < y ? -1 : x > y;
}

static struct sk_vkey proc_key(const struct sk_snapshot *s, const void *row)
{
	return sk_view_key_proc(&s->procs.v[*(const uint32_t *)row]);
}

int sk_vpane_procs(struct sk_view *v, const struct sk_snapshot *s)
{
	const struct sk_sortstate *ss = &v->sort[SK_VK_PROCS];
	const struct sk_level *l = sk_view_top_c(v);

	v->procs.n = 0;
	v->growth.n = 0;
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];

		if (p->agg.sockets == 0 && p->agg.orphans == 0)
			continue;
		if (!sk_vfilter_allowed(v, s, p) || !sk_vservices_proc_in(l, s, p))
			continue;
		if (!sk_vfilter_proc(v, s, p)) {
			v->hidden++;
			continue;
		}
		uint32_t *slot = SK_VEC_PUSH(&v->procs);

		if (!slot)
			return -ENOMEM;
		*slot = (uint32_t)i;
	}
	bool by_growth = ss->col == SK_VSORT_GROWTH;

	v->growth_metric = (uint8_t)sk_view_growth_metric((enum sk_pmetric)v->growth_metric, ss->col);
	if (!by_growth)
		sk_proc_sort_snapshot(s, v->procs.v, v->procs.n, (enum sk_sort_key)ss->col,
				      ss->invert);
	if (sk_vec_reserve((void **)&v->growth.v, &v->growth.cap, v->procs.n,
			   sizeof(struct sk_vgrowth)))
		return -ENOMEM;
	for (size_t i = 0; i < v->procs.n; i++)
		v->growth.v[i] = (struct sk_vgrowth){
			v->procs.v[i],
			sk_view_proc_trend(s, &s->procs.v[v->procs.v[i]],
					   (enum sk_pmetric)v->growth_metric)};
	v->growth.n = v->procs.n;
	if (by_growth) {
		struct growth_ctx c = {s, !ss->invert};

		sk_qsort_r(v->growth.v, v->growth.n, sizeof(struct sk_vgrowth), cmp_growth, &c);
		for (size_t i = 0; i < v->growth.n; i++)
			v->procs.v[i] = v->growth.v[i].proc;
	}
	return sk_vrows_identify(v, s, v->procs.v, v->procs.n, sizeof(uint32_t), proc_key);
}

/* The process a level names, checking it is the same process (start time)
 * and not a new one that reused the pid. */
uint32_t sk_view_level_proc(const struct sk_level *l, const struct sk_snapshot *s)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, l->pid);

	if (!p || (l->starttime && p->starttime != l->starttime))
		return SK_NONE;
	return (uint32_t)(p - s->procs.v);
}

/* --- sockets ---------------------------------------------------------------------- */
