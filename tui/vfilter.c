/* Which rows a view shows: the -p/-u restriction and the filter text
 * (vrows.h). */
#include <config.h>

#include <stdio.h>
#include <string.h>

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

static bool contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

bool sk_vfilter_proc_text(const struct sk_view *v, const struct sk_snapshot *s,
			      const struct sk_process *p, const char *f)
{
	char pid[16], user[64];

	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	return contains(p->comm, f) || contains(sk_strtab_get(&s->strs, p->cmdline), f) ||
	       contains(pid, f) || contains(sk_view_user(v, p->uid, user, sizeof(user)), f);
}

bool sk_vfilter_sock_text(const struct sk_snapshot *s, const struct sk_socket *k,
			      const char *f)
{
	char buf[4200];

	sk_view_endpoint(s, k, false, buf, sizeof(buf));
	if (contains(buf, f))
		return true;
	sk_view_endpoint(s, k, true, buf, sizeof(buf));
	if (contains(buf, f))
		return true;
	return contains(sk_dstate_name(sk_dstate_of(k)), f) || contains(sk_view_proto(k), f);
}

/* A process matches by its own names, or by the address of any socket it
 * holds ("10.0.3.7", ":5432"). */
bool sk_vfilter_proc(const struct sk_view *v, const struct sk_snapshot *s,
			 const struct sk_process *p)
{
	if (!v->filter[0] || sk_vfilter_proc_text(v, s, p, v->filter))
		return true;
	for (uint32_t f = p->fdrefs_start; f < p->fdrefs_start + p->fdrefs_count && f < s->fdrefs.n;
	     f++) {
		uint32_t si = s->fdrefs.v[f].sock;

		if (si != SK_NONE && si < s->socks.n && sk_vfilter_sock_text(s, &s->socks.v[si], v->filter))
			return true;
	}
	return false;
}

bool sk_vfilter_vsock(const struct sk_view *v, const struct sk_snapshot *s,
			  const struct sk_vsock *r)
{
	if (!v->filter[0])
		return true;
	if (sk_vfilter_sock_text(s, &s->socks.v[r->sock], v->filter))
		return true;
	return r->proc != SK_NONE && sk_vfilter_proc_text(v, s, &s->procs.v[r->proc], v->filter);
}
