/* The orphans pane: orphaned sockets grouped by state and likely owner
 * (vrows.h). */
#include <config.h>

#include <errno.h>

#include "columns.h"
#include "view.h"
#include "vlife.h"
#include "vrows.h"

static int cmp_orphan_member(const void *pa, const void *pb, void *arg)
{
	const struct sk_snapshot *s = arg;
	struct sk_okey a = sk_okey_of(s, &s->socks.v[*(const uint32_t *)pa]);
	struct sk_okey b = sk_okey_of(s, &s->socks.v[*(const uint32_t *)pb]);

	return sk_okey_cmp(&a, &b);
}

static int cmp_orphan_row(const void *pa, const void *pb, void *arg)
{
	const struct scmp_ctx *c = arg;
	const struct sk_vorphan *a = pa, *b = pb;
	int r = 0;

	switch (c->col) {
	case SK_OCOL_STATE:
		r = sk_dstate_badness(a->key.dstate) - sk_dstate_badness(b->key.dstate);
		break;
	case SK_OCOL_COUNT: r = sk_cmp_u64(a->count, b->count); break;
	case SK_OCOL_SENDQ: r = sk_cmp_u64(a->send_q, b->send_q); break;
	case SK_OCOL_RECVQ: r = sk_cmp_u64(a->recv_q, b->recv_q); break;
	case SK_OCOL_TIMER: r = sk_cmp_u64(a->timer_max_ms, b->timer_max_ms); break;
	case SK_OCOL_RETRANS: r = sk_cmp_u64(a->retrans_max, b->retrans_max); break;
	case SK_OCOL_OWNER: r = a->key.pid < b->key.pid ? -1 : a->key.pid > b->key.pid; break;
	default: break;
	}
	if (c->descending)
		r = -r;
	if (r == 0)
		r = -sk_cmp_u64(a->count, b->count);
	if (r == 0)
		r = sk_okey_cmp(&a->key, &b->key);
	return r;
}

/* The process a row names: the listener, or the maker while it runs. */
static uint32_t orphan_proc(const struct sk_snapshot *s, const struct sk_okey *key, size_t si)
{
	if (key->owner_kind == SK_OWNER_LISTENER)
		return s->socks.v[si].likely_owner;
	return key->owner_kind == SK_OKEY_CREATOR ? sk_view_maker(s, si) : SK_NONE;
}

static struct sk_vkey orphan_key(const struct sk_snapshot *s, const void *row)
{
	(void)s;
	return sk_vkey_orphan(&((const struct sk_vorphan *)row)->key);
}

int sk_vpane_orphans(struct sk_view *v, const struct sk_snapshot *s)
{
	v->orphans.n = 0;
	v->scratch.n = 0;
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (!(k->flags & SK_SOCK_ORPHAN))
			continue;
		/* -p and the filter judge it by its maker where that is known. */
		bool made;
		uint32_t owner = sk_view_fdless_owner(s, i, &made);

		if (!sk_vfilter_sock_allowed(v, s, i, owner))
			continue;
		if (!sk_vfilter_sock(v, s, k, owner)) {
			v->hidden++;
			continue;
		}
		uint32_t *slot = SK_VEC_PUSH(&v->scratch);

		if (!slot)
			return -ENOMEM;
		*slot = (uint32_t)i;
	}
	sk_qsort_r(v->scratch.v, v->scratch.n, sizeof(uint32_t), cmp_orphan_member, (void *)s);
	for (size_t i = 0; i < v->scratch.n; i++) {
		const struct sk_socket *k = &s->socks.v[v->scratch.v[i]];
		struct sk_okey key = sk_okey_of(s, k);
		struct sk_vorphan *o = v->orphans.n ? &v->orphans.v[v->orphans.n - 1] : NULL;

		if (!o || !sk_okey_eq(&o->key, &key)) {
			o = SK_VEC_PUSH(&v->orphans);
			if (!o)
				return -ENOMEM;
			o->key = key;
			o->proc = orphan_proc(s, &key, v->scratch.v[i]);
			o->timer_min_ms = UINT32_MAX;
			o->sample = v->scratch.v[i];
		}
		o->count++;
		o->recv_q += k->recv_q;
		o->send_q += k->send_q;
		o->rmem += sk_socket_rmem(k);
		o->wmem += sk_socket_wmem(k);
		uint32_t t = sk_vsock_timer(k);

		if (k->timer != SK_TIMER_OFF) {
			if (t < o->timer_min_ms)
				o->timer_min_ms = t;
			if (t > o->timer_max_ms)
				o->timer_max_ms = t;
		}
		uint8_t re = k->retrans;

		if (sk_socket_probes(k) > re)
			re = (uint8_t)sk_socket_probes(k);
		if (re > o->retrans_max)
			o->retrans_max = re;
	}
	const struct sk_sortstate *ss = &v->sort[SK_VK_ORPHANS];
	struct scmp_ctx c = {s, v, ss->col, sk_col_descending(sk_ocols, ss->col, ss->invert)};

	sk_qsort_r(v->orphans.v, v->orphans.n, sizeof(struct sk_vorphan), cmp_orphan_row, &c);
	return sk_vrows_identify(v, s, v->orphans.v, v->orphans.n, sizeof(struct sk_vorphan),
				 orphan_key);
}
