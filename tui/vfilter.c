/* Which rows a view shows: the -p/-u restriction and the filter text
 * (vrows.h). */
#include <config.h>

#include "model/match.h"
#include "view.h"
#include "vrows.h"

bool sk_vfilter_allowed(const struct sk_view *v, const struct sk_snapshot *s,
			const struct sk_process *p)
{
	if (v->cfg.have_uid && p->uid != v->cfg.uid)
		return false;
	if (v->cfg.service && !sk_proc_service_matches(s, p, v->cfg.service))
		return false;
	if (v->cfg.npids) {
		for (int i = 0; i < v->cfg.npids; i++)
			if (v->cfg.pids[i] == p->pid)
				return true;
		return false;
	}
	return true;
}

bool sk_vfilter_sock_allowed(const struct sk_view *v, const struct sk_snapshot *s, size_t k,
			     uint32_t proc)
{
	if (!sk_vfilter_restricted(v))
		return true;
	if (proc != SK_NONE)
		return sk_vfilter_allowed(v, s, &s->procs.v[proc]);
	/* No process to judge: only --service can, by the socket's cgroup. */
	return v->cfg.service && !v->cfg.npids && !v->cfg.have_uid &&
	       sk_service_matches(s, sk_snapshot_sock_service(s, k), v->cfg.service);
}

bool sk_vfilter_restricted(const struct sk_view *v)
{
	return v->cfg.have_uid || v->cfg.npids || v->cfg.service;
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

/* F3 searches in the filter's language, with its own text. */
static void compile_text(const struct sk_view *v, const char *t, struct sk_match *m)
{
	if (sk_match_compile(m, t, v->cfg.user_name, v->cfg.user_ctx))
		m->nterms = 0;
}

bool sk_vfilter_proc_text(const struct sk_view *v, const struct sk_snapshot *s,
			  const struct sk_process *p, const char *t)
{
	struct sk_match m;

	compile_text(v, t, &m);
	return sk_match_proc(&m, s, p);
}

bool sk_vfilter_vsock_text(const struct sk_view *v, const struct sk_snapshot *s,
			   const struct sk_vsock *r, const char *t)
{
	struct sk_match m;

	compile_text(v, t, &m);
	return sk_match_sock_row(&m, s, &s->socks.v[r->sock],
				 r->proc != SK_NONE ? &s->procs.v[r->proc] : NULL);
}

bool sk_vfilter_vsock(const struct sk_view *v, const struct sk_snapshot *s,
		      const struct sk_vsock *r)
{
	return sk_vfilter_sock(v, s, &s->socks.v[r->sock], r->proc);
}
