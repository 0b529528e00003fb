/* Which rows a view shows: the -p/-u restriction and the filter text
 * (vrows.h). */
#include <config.h>

#include "model/match.h"
#include "view.h"
#include "vrows.h"

bool sk_vfilter_allowed(const struct sk_view *v, const struct sk_process *p)
{
	if (v->cfg.have_uid && p->uid != v->cfg.uid)
		return false;
	if (v->cfg.npids) {
		for (int i = 0; i < v->cfg.npids; i++)
			if (v->cfg.pids[i] == p->pid)
				return true;
		return false;
	}
	return true;
}

bool sk_vfilter_restricted(const struct sk_view *v)
{
	return v->cfg.have_uid || v->cfg.npids;
}

/* The filter text in the library's language (model/match.h), compiled per
 * call: splitting 128 bytes costs nothing beside the rows it is asked about. */
static void compile(const struct sk_view *v, struct sk_match *m)
{
	if (sk_match_compile(m, v->filter, v->cfg.user_name, v->cfg.user_ctx))
		m->nterms = 0; /* cannot happen: the filter is shorter than a match */
}

bool sk_vfilter_proc(const struct sk_view *v, const struct sk_snapshot *s,
		     const struct sk_process *p)
{
	struct sk_match m;

	if (!v->filter[0])
		return true;
	compile(v, &m);
	return sk_match_proc(&m, s, p);
}

bool sk_vfilter_sock(const struct sk_view *v, const struct sk_snapshot *s,
		     const struct sk_socket *k, uint32_t proc)
{
	struct sk_match m;

	if (!v->filter[0])
		return true;
	compile(v, &m);
	return sk_match_sock_row(&m, s, k, proc < s->procs.n ? &s->procs.v[proc] : NULL);
}

bool sk_vfilter_vsock(const struct sk_view *v, const struct sk_snapshot *s,
		      const struct sk_vsock *r)
{
	return sk_vfilter_sock(v, s, &s->socks.v[r->sock], r->proc);
}
