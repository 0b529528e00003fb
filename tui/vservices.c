/* The process pane grouped by service (issue #13): one row per pod
 * container, container or unit name with the totals of its processes and
 * of the sockets its cgroup holds without an fd; Enter opens the processes
 * of one. Also the SERVICE and NETNS cells' text. */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "view.h"
#include "vrows.h"

#define KEY_UNKNOWN 1 /* the processes no service names */

uint64_t sk_view_service_key(const struct sk_snapshot *s, const struct sk_service *sv)
{
	const unsigned char *p;
	uint64_t h = 1469598103934665603ULL;

	if (!sv || !sv->name)
		return KEY_UNKNOWN;
	for (p = (const unsigned char *)sk_strtab_get(&s->strs, sv->name); *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return sk_mix64(h) | 2; /* never 0 (no restriction) nor KEY_UNKNOWN */
}

const char *sk_view_service_label(const struct sk_snapshot *s, const struct sk_process *p)
{
	const struct sk_service *sv = sk_snapshot_service(s, p->service);

	return sv && sv->name ? sk_strtab_get(&s->strs, sv->name) : "-";
}

void sk_view_netns_label(const struct sk_snapshot *s, uint64_t netns, char *buf, size_t size)
{
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == netns && s->netns.v[i].name) {
			snprintf(buf, size, "%s", sk_strtab_get(&s->strs, s->netns.v[i].name));
			return;
		}
	if (netns)
		snprintf(buf, size, "%llu", (unsigned long long)netns);
	else
		snprintf(buf, size, "-");
}

static void agg_add(struct sk_agg *a, const struct sk_agg *b)
{
	a->sockets += b->sockets;
	for (int i = 0; i < SK_PROTO_LAST; i++)
		a->by_proto[i] += b->by_proto[i];
	for (int i = 0; i < SK_TCP_STATE_LAST; i++)
		a->tcp_states[i] += b->tcp_states[i];
	for (int i = 0; i < SK_SN_LAST; i++) {
		a->closed[i] += b->closed[i];
		a->unbound[i] += b->unbound[i];
		a->other[i] += b->other[i];
	}
	a->orphans += b->orphans;
	a->rmem += b->rmem;
	a->wmem += b->wmem;
	a->recv_q += b->recv_q;
	a->send_q += b->send_q;
}

static uint64_t leak_of(const struct sk_vservice *r)
{
	uint64_t closed = 0;

	for (int i = 0; i < SK_SN_LAST; i++)
		closed += r->agg.closed[i];
	return (uint64_t)r->agg.tcp_states[SK_TCP_CLOSE_WAIT] + closed + r->agg.orphans;
}

/* The leakiest first, then the most sockets, then by name. */
static int cmp_row(const void *pa, const void *pb, void *arg)
{
	const struct sk_vservice *a = pa, *b = pb;
	const struct sk_snapshot *s = arg;
	uint64_t la = leak_of(a), lb = leak_of(b);

	if (la != lb)
		return la > lb ? -1 : 1;
	if (a->agg.sockets != b->agg.sockets)
		return a->agg.sockets > b->agg.sockets ? -1 : 1;
	return sk_service_cmp(s, sk_snapshot_service(s, a->service),
			      sk_snapshot_service(s, b->service));
}

static int cmp_key(const void *pa, const void *pb, void *arg)
{
	const struct sk_vservice *a = pa, *b = pb;

	(void)arg;
	return a->key < b->key ? -1 : a->key > b->key;
}

static bool row_wanted(const struct sk_view *v, const struct sk_snapshot *s,
		       const struct sk_vservice *r)
{
	const struct sk_service *sv = sk_snapshot_service(s, r->service);

	if (r->agg.sockets == 0 && r->agg.orphans == 0)
		return false;
	if (v->cfg.service && !sk_service_matches(s, sv, v->cfg.service))
		return false;
	return !v->filter[0] || sk_service_matches(s, sv, v->filter);
}

/* One row per services row, and one for the processes none names. */
static int collect(struct sk_view *v, const struct sk_snapshot *s)
{
	struct sk_vservice unknown = {.key = KEY_UNKNOWN};

	if (sk_service_totals_compute(&v->stotals, s))
		return -ENOMEM;
	v->services.n = 0;
	for (size_t i = 0; i < s->services.n; i++) {
		struct sk_vservice *r = SK_VEC_PUSH(&v->services);
		const struct sk_service_total *t = &v->stotals.v.v[i];

		if (!r)
			return -ENOMEM;
		*r = (struct sk_vservice){sk_view_service_key(s, &s->services.v[i]), (uint32_t)i + 1,
					  t->nprocs, t->fdless, t->agg};
	}
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];

		if (sk_snapshot_service(s, p->service) || (!p->agg.sockets && !p->agg.orphans))
			continue;
		if (!sk_vfilter_allowed(v, s, p))
			continue;
		unknown.nprocs++;
		agg_add(&unknown.agg, &p->agg);
	}
	if (unknown.nprocs) {
		struct sk_vservice *r = SK_VEC_PUSH(&v->services);

		if (!r)
			return -ENOMEM;
		*r = unknown;
	}
	return 0;
}

/* Rows of one name into the first of them. */
static void merge_names(struct sk_view *v)
{
	size_t out = 0;

	sk_qsort_r(v->services.v, v->services.n, sizeof(struct sk_vservice), cmp_key, NULL);
	for (size_t i = 0; i < v->services.n; i++) {
		struct sk_vservice *r = &v->services.v[i];

		if (out && v->services.v[out - 1].key == r->key) {
			struct sk_vservice *m = &v->services.v[out - 1];

			m->nprocs += r->nprocs;
			m->fdless += r->fdless;
			agg_add(&m->agg, &r->agg);
			continue;
		}
		v->services.v[out++] = *r;
	}
	v->services.n = out;
}

static struct sk_vkey service_key(const struct sk_snapshot *s, const void *row)
{
	(void)s;
	return (struct sk_vkey){((const struct sk_vservice *)row)->key, 0};
}

int sk_vpane_services(struct sk_view *v, const struct sk_snapshot *s)
{
	size_t out = 0;
	int rc = collect(v, s);

	if (rc)
		return rc;
	merge_names(v);
	for (size_t i = 0; i < v->services.n; i++) {
		if (!row_wanted(v, s, &v->services.v[i])) {
			v->hidden += v->filter[0] != 0;
			continue;
		}
		v->services.v[out++] = v->services.v[i];
	}
	v->services.n = out;
	sk_qsort_r(v->services.v, v->services.n, sizeof(struct sk_vservice), cmp_row, (void *)s);
	return sk_vrows_identify(v, s, v->services.v, v->services.n, sizeof(struct sk_vservice),
				 service_key);
}

bool sk_vservices_proc_in(const struct sk_level *l, const struct sk_snapshot *s,
			  const struct sk_process *p)
{
	return !l->skey || sk_view_service_key(s, sk_snapshot_service(s, p->service)) == l->skey;
}

bool sk_view_toggle_services(struct sk_view *v)
{
	struct sk_level *l = &v->stack[0];
	uint8_t kind = l->kind;

	if (v->depth != 1 || (kind != SK_VK_PROCS && kind != SK_VK_SERVICES))
		return false;
	memset(l, 0, sizeof(*l));
	l->kind = kind == SK_VK_SERVICES ? SK_VK_PROCS : SK_VK_SERVICES;
	return true;
}
