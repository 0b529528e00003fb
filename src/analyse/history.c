#include <config.h>

#include "analyse/history.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model/procsort.h"

/* Which row of the process field table each series follows. The order is
 * the series' order in the JSON ("growth_per_min", history rings). */
static const enum sk_sort_key pmetric_rows[SK_PM_LAST] = {
	[SK_PM_SOCKETS] = SK_SORT_SOCKETS,
	[SK_PM_FDS] = SK_SORT_FDS,
	[SK_PM_CLOSE_WAIT] = SK_SORT_CLOSE_WAIT,
	[SK_PM_CLOSED] = SK_SORT_CLOSED,
	[SK_PM_ORPHANS] = SK_SORT_ORPHANS,
	[SK_PM_RMEM] = SK_SORT_RMEM,
	[SK_PM_RECVQ] = SK_SORT_RECVQ,
};

const struct sk_field *sk_pmetric_field(enum sk_pmetric m)
{
	return &sk_proc_fields[pmetric_rows[m < SK_PM_LAST ? m : 0]];
}

const char *const sk_smetric_names[SK_SM_LAST] = {SK_SMETRICS(SK_XNAME)};

void sk_history_init(struct sk_history *h, uint64_t window_ms)
{
	memset(h, 0, sizeof(*h));
	h->window_ms = window_ms ? window_ms : SK_HISTORY_WINDOW_MS_DEFAULT;
}

void sk_history_free(struct sk_history *h)
{
	free(h->procs.v);
	memset(h, 0, sizeof(*h));
}

int sk_history_copy(struct sk_history *dst, const struct sk_history *src)
{
	if (sk_vec_reserve((void **)&dst->procs.v, &dst->procs.cap, src->procs.n,
			   sizeof(*src->procs.v)))
		return -ENOMEM;
	if (src->procs.n)
		memcpy(dst->procs.v, src->procs.v, src->procs.n * sizeof(*src->procs.v));
	dst->procs.n = src->procs.n;
	memcpy(dst->sys, src->sys, sizeof(dst->sys));
	dst->window_ms = src->window_ms;
	dst->samples = src->samples;
	return 0;
}

static void series_push(struct sk_series *se, uint64_t window_ms, uint64_t t, int64_t v)
{
	uint64_t spacing = window_ms / SK_HISTORY_SLOTS;
	const struct sk_sample *newest =
		se->n ? &se->s[(se->head + SK_HISTORY_SLOTS - 1) % SK_HISTORY_SLOTS] : NULL;

	se->last.t_ms = t;
	se->last.v = v;
	/* Keep a sample only every window/SLOTS: the ring spans the window
	 * whatever the refresh interval, and `last` stays exact. */
	if (newest && t - newest->t_ms < spacing)
		return;
	se->s[se->head] = se->last;
	se->head = (uint8_t)((se->head + 1) % SK_HISTORY_SLOTS);
	if (se->n < SK_HISTORY_SLOTS)
		se->n++;
}

struct sk_trend sk_series_trend(const struct sk_series *se)
{
	struct sk_trend tr = {0};
	/* The ring holds SLOTS samples spaced window/SLOTS apart: it spans the
	 * window by construction. */
	int start = (se->head + SK_HISTORY_SLOTS - se->n) % SK_HISTORY_SLOTS;
	int64_t prev;

	if (se->n == 0)
		return tr;
	const struct sk_sample *oldest = &se->s[start];

	tr.first = oldest->v;
	tr.last = se->last.v;
	tr.span_ms = se->last.t_ms - oldest->t_ms;
	if (tr.span_ms < 1000)
		return tr;
	tr.known = true;
	tr.per_min = (double)(tr.last - tr.first) * 60000.0 / (double)tr.span_ms;
	tr.monotonic = tr.last > tr.first;
	prev = tr.first;
	for (int i = 1; i < se->n && tr.monotonic; i++) {
		int64_t v = se->s[(start + i) % SK_HISTORY_SLOTS].v;

		if (v < prev)
			tr.monotonic = false;
		prev = v;
	}
	if (tr.last < prev)
		tr.monotonic = false;
	return tr;
}

int64_t sk_pmetric_value(const struct sk_process *p, enum sk_pmetric m)
{
	return m < SK_PM_LAST ? (int64_t)sk_field_value(sk_pmetric_field(m), p) : 0;
}

static int64_t smetric_value(const struct sk_snapshot *s, enum sk_smetric m)
{
	const struct sk_system *sys = &s->sys;

	switch (m) {
	case SK_SM_ORPHANS: return sys->sockstat[SK_SS_TCP_ORPHAN];
	case SK_SM_TCP_MEM: return sys->sockstat[SK_SS_TCP_MEM];
	case SK_SM_TIME_WAIT: return sys->sockstat[SK_SS_TCP_TW];
	case SK_SM_FILES: return sys->limits.file_nr[0];
	case SK_SM_CLOSE_WAIT: return s->totals.tcp_states[SK_TCP_CLOSE_WAIT];
	case SK_SM_CLOSED: return s->totals.closed[SK_SN_TCP] + s->totals.closed[SK_SN_TCPV6];
	case SK_SM_ABORT_ON_MEMORY: return sys->counters[SK_CTR_TCP_ABORT_ON_MEMORY];
	case SK_SM_LISTEN_OVERFLOWS: return sys->counters[SK_CTR_LISTEN_OVERFLOWS];
	case SK_SM_LISTEN_DROPS: return sys->counters[SK_CTR_LISTEN_DROPS];
	case SK_SM_UDP_RCVBUF_ERRORS: return sys->counters[SK_CTR_UDP_RCVBUF_ERRORS];
	case SK_SM_TW_OVERFLOW: return sys->counters[SK_CTR_TCP_TIMEWAIT_OVERFLOW];
	case SK_SM_LAST: break;
	}
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	const struct sk_proc_history *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

/* Binary search over the first n entries, which are sorted by pid. */
static struct sk_proc_history *find_mut(const struct sk_history *h, size_t n, int32_t pid)
{
	struct sk_proc_history key = {.pid = pid};

	return sk_bsearch(&key, h->procs.v, n, sizeof(key), cmp_pid);
}

const struct sk_proc_history *sk_history_find(const struct sk_history *h, int32_t pid,
					      uint64_t starttime)
{
	const struct sk_proc_history *ph = find_mut(h, h->procs.n, pid);

	return ph && ph->starttime == starttime ? ph : NULL;
}

/* Whether this refresh saw all of a process's sockets. One whose network
 * namespace was not dumped (born during the refresh, a failed dump) or
 * whose fd table was denied shows too few; recorded, that would read as a
 * leak growing from zero on the next refresh. */
static bool fully_seen(const struct sk_snapshot *s, const struct sk_process *p,
		       bool any_undumped)
{
	if (p->flags & SK_PROC_FD_DENIED)
		return false;
	if (any_undumped)
		for (size_t k = 0; k < s->netns.n; k++)
			if (s->netns.v[k].id == p->netns && s->netns.v[k].dump_error)
				return false;
	return true;
}

int sk_history_record(struct sk_history *h, const struct sk_snapshot *s)
{
	uint64_t t = (uint64_t)s->monotonic.tv_sec * 1000 + (uint64_t)s->monotonic.tv_nsec / 1000000;
	size_t appended_from = h->procs.n;
	bool any_undumped = false;

	for (size_t k = 0; k < s->netns.n; k++)
		any_undumped |= s->netns.v[k].dump_error != 0;
	for (int m = 0; m < SK_SM_LAST; m++) {
		int64_t v = smetric_value(s, (enum sk_smetric)m);

		/* Counts made from the rows miss an undumped namespace's. */
		if (any_undumped && (m == SK_SM_CLOSE_WAIT || m == SK_SM_CLOSED))
			continue;
		if (v != SK_UNKNOWN)
			series_push(&h->sys[m], h->window_ms, t, v);
	}
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];
		struct sk_proc_history *ph;

		if (p->agg.sockets == 0 && p->agg.orphans == 0)
			continue;
		bool seen = fully_seen(s, p, any_undumped);

		ph = find_mut(h, appended_from, p->pid);
		if (!seen && (!ph || ph->starttime != p->starttime))
			continue; /* nothing trustworthy to start a history with */
		if (ph && ph->starttime != p->starttime) {
			/* The pid was reused: the old process's trend means nothing now. */
			memset(ph->m, 0, sizeof(ph->m));
			ph->starttime = p->starttime;
		}
		if (!ph) {
			ph = SK_VEC_PUSH(&h->procs);
			if (!ph)
				return -ENOMEM;
			ph->pid = p->pid;
			ph->starttime = p->starttime;
		}
		ph->seen_seq = s->seq; /* kept, but only a full view adds a sample */
		if (!seen)
			continue;
		for (int m = 0; m < SK_PM_LAST; m++)
			series_push(&ph->m[m], h->window_ms, t, sk_pmetric_value(p, (enum sk_pmetric)m));
	}
	/* Drop processes that are gone (or have no sockets left), then restore
	 * the order that find_mut's binary search needs. */
	bool appended = h->procs.n > appended_from;
	size_t out = 0;

	for (size_t i = 0; i < h->procs.n; i++)
		if (h->procs.v[i].seen_seq == s->seq)
			h->procs.v[out++] = h->procs.v[i];
	h->procs.n = out;
	if (appended)
		sk_qsort(h->procs.v, h->procs.n, sizeof(*h->procs.v), cmp_pid);
	h->samples++;
	return 0;
}

const char *const sk_exhaust_names[SK_EX_LAST] = {"orphans", "tcp_mem_pages", "time_wait",
						   "files"};
const char *const sk_exhaust_limit_names[SK_EX_LAST] = {"tcp_max_orphans", "tcp_mem high",
							"tcp_max_tw_buckets", "file-max"};

void sk_history_exhaustion(const struct sk_history *h, const struct sk_system *sys,
			   struct sk_exhaustion out[SK_EX_LAST])
{
	static const enum sk_smetric series[SK_EX_LAST] = {SK_SM_ORPHANS, SK_SM_TCP_MEM,
							   SK_SM_TIME_WAIT, SK_SM_FILES};
	const struct sk_limits *l = &sys->limits;
	const int64_t limit[SK_EX_LAST] = {l->tcp_max_orphans, l->tcp_mem[2],
					   l->tcp_max_tw_buckets, l->file_max};
	const int64_t now[SK_EX_LAST] = {sys->sockstat[SK_SS_TCP_ORPHAN],
					 sys->sockstat[SK_SS_TCP_MEM], sys->sockstat[SK_SS_TCP_TW],
					 l->file_nr[0]};

	for (int i = 0; i < SK_EX_LAST; i++) {
		struct sk_exhaustion *x = &out[i];

		x->now = now[i];
		x->limit = limit[i];
		x->trend = h ? sk_series_trend(&h->sys[series[i]]) : (struct sk_trend){0};
		x->minutes = x->trend.known && now[i] != SK_UNKNOWN
			     ? sk_minutes_to_limit(now[i], x->trend.per_min, limit[i]) : -1;
	}
}

double sk_minutes_to_limit(int64_t current, double per_min, int64_t limit)
{
	if (per_min <= 0 || limit <= 0 || limit == SK_UNKNOWN)
		return -1;
	if (current >= limit)
		return 0;
	return (double)(limit - current) / per_min;
}
