/* The sockets under the cursor (vselect.h). */
#include <config.h>

#include "vselect.h"

#include <errno.h>
#include <stdio.h>

#include "view.h"
#include "vrows.h"

static int push(sk_u32vec *out, uint32_t sock)
{
	uint32_t *slot = SK_VEC_PUSH(out);

	if (!slot)
		return -ENOMEM;
	*slot = sock;
	return 0;
}

static void sock_label(const struct sk_snapshot *s, const struct sk_socket *k, char *buf,
		       size_t size)
{
	char local[128], peer[128];

	sk_view_endpoint(s, k, false, local, sizeof(local));
	sk_view_endpoint(s, k, true, peer, sizeof(peer));
	snprintf(buf, size, "%s %s %s -> %s", sk_view_proto(k), sk_dstate_name(sk_dstate_of(k)),
		 local, peer);
}

/* A group's members are the rows of v->socks with its key. */
static long group_members(const struct sk_view *v, const struct sk_snapshot *s,
			  const struct sk_level *l, sk_u32vec *out, char *label, size_t size)
{
	const struct sk_vgroup *g = &v->groups.v[l->cursor];
	char addr[96];

	for (size_t i = 0; i < v->socks.n; i++) {
		const struct sk_vsock *r = &v->socks.v[i];
		struct sk_gkey key = sk_gkey_of(&s->socks.v[r->sock], l->group, r->dstate);

		if (sk_gkey_eq(&key, &g->key) && push(out, r->sock))
			return -ENOMEM;
	}
	sk_view_gkey_label(&g->key, addr, sizeof(addr));
	snprintf(label, size, "%s x %u %s %s", sk_dstate_name(g->key.dstate), g->count,
		 g->key.mode == SK_GROUP_LPORT ? "on" : "from", addr);
	return (long)out->n;
}

static long finding_socks(const struct sk_snapshot *s, const struct sk_finding *f,
			  sk_u32vec *out, char *label, size_t size)
{
	if (!f)
		return 0;
	for (uint32_t i = 0; i < f->socks_count; i++)
		if (f->socks_start + i < s->findings->socks.n &&
		    push(out, s->findings->socks.v[f->socks_start + i]))
			return -ENOMEM;
	snprintf(label, size, "the sockets of \"%s\"", f->title);
	return (long)out->n;
}

static long detail_sock(const struct sk_level *l, const struct sk_snapshot *s, sk_u32vec *out,
			char *label, size_t size)
{
	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_vkey k = sk_view_key_sock(&s->socks.v[i]);

		if (sk_vkey_eq(k, l->sock)) {
			sock_label(s, &s->socks.v[i], label, size);
			return push(out, (uint32_t)i) ? -ENOMEM : 1;
		}
	}
	return 0; /* gone since it was opened */
}

long sk_vselect_cursor(const struct sk_view *v, const struct sk_snapshot *s, sk_u32vec *out,
		       char *label, size_t size)
{
	const struct sk_level *l = sk_view_top_c(v);

	out->n = 0;
	if (size)
		label[0] = '\0';
	if (!s)
		return 0;
	if (l->kind == SK_VK_DETAIL)
		return v->stale ? 0 : detail_sock(l, s, out, label, size);
	if (l->cursor >= v->nrows)
		return 0;
	if (l->kind == SK_VK_FINDINGS)
		return finding_socks(s, sk_view_finding_at(v, s, l->cursor), out, label, size);
	if (l->kind != SK_VK_SOCKS)
		return 0;
	if (v->grouped)
		return group_members(v, s, l, out, label, size);
	sock_label(s, &s->socks.v[v->socks.v[l->cursor].sock], label, size);
	return push(out, v->socks.v[l->cursor].sock) ? -ENOMEM : 1;
}
