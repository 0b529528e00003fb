/* The findings pane, three rows a finding, and the sockets behind one
 * (vrows.h). */
#include <config.h>

#include <errno.h>

#include "view.h"
#include "vrows.h"

/* -p, -u and --service narrow the findings as they narrow the processes;
 * a finding about the machine or a destination has no process and shows.
 * A finding merged over several workers shows when -p names any of them. */
static bool finding_shown(const struct sk_view *v, const struct sk_snapshot *s,
			  const struct sk_finding *f)
{
	if (f->proc >= s->procs.n || sk_vfilter_allowed(v, s, &s->procs.v[f->proc]))
		return true;
	for (int i = 0; i < v->cfg.npids; i++)
		if (sk_finding_has_pid(f, v->cfg.pids[i]))
			return true;
	return false;
}

int sk_vpane_findings(struct sk_view *v, const struct sk_snapshot *s)
{
	size_t n = s->findings ? s->findings->list.n : 0;
	struct sk_vkey *keys;

	v->findings.n = 0;
	for (size_t i = 0; i < n; i++) {
		uint32_t *slot;

		if (!finding_shown(v, s, &s->findings->list.v[i]))
			continue;
		slot = SK_VEC_PUSH(&v->findings);
		if (!slot)
			return -ENOMEM;
		*slot = (uint32_t)i;
	}
	keys = sk_vrows_keys(v, v->findings.n * SK_FINDING_ROWS);
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; s->findings && i < v->findings.n; i++) {
		struct sk_vkey k = sk_vkey_finding(&s->findings->list.v[v->findings.v[i]]);

		for (size_t j = 0; j < SK_FINDING_ROWS; j++)
			keys[i * SK_FINDING_ROWS + j] = (struct sk_vkey){k.a * 4 + j, k.b};
	}
	return 0;
}

const struct sk_finding *sk_view_finding_at(const struct sk_view *v, const struct sk_snapshot *s,
					    size_t row)
{
	size_t i = row / SK_FINDING_ROWS;

	if (!s || !s->findings || i >= v->findings.n || v->findings.v[i] >= s->findings->list.n)
		return NULL;
	return &s->findings->list.v[v->findings.v[i]];
}

const struct sk_finding *sk_view_level_finding(const struct sk_level *l,
					       const struct sk_snapshot *s)
{
	if (l->kind != SK_VK_SOCKS || l->scope != SK_SCOPE_FINDING)
		return NULL;
	for (size_t i = 0; s->findings && i < s->findings->list.n; i++) {
		struct sk_vkey k = sk_vkey_finding(&s->findings->list.v[i]);

		if (k.a == l->fkey.a && k.b == l->fkey.b)
			return &s->findings->list.v[i];
	}
	return NULL;
}

int sk_vpane_finding_socks(struct sk_view *v, const struct sk_snapshot *s,
				 const struct sk_level *l)
{
	const struct sk_finding *f = sk_view_level_finding(l, s);

	if (!f) {
		v->stale = true; /* the condition is gone since it was opened */
		return 0;
	}
	for (uint32_t i = 0; i < f->socks_count; i++) {
		uint32_t si = s->findings->socks.v[f->socks_start + i];
		const struct sk_socket *k = &s->socks.v[si];
		int32_t fd;
		uint32_t proc = sk_vsocks_owner(s, k, &fd);
		bool likely = false;

		if (proc == SK_NONE && k->likely_owner < s->procs.n) {
			proc = k->likely_owner;
			likely = true;
		}
		int rc = sk_vsocks_push(v, si, proc, fd, k->owners_count, likely, sk_dstate_of(k));

		if (rc)
			return rc;
	}
	return 0;
}
