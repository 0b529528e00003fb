/* A socket row's lifecycle as the view shows it (vlife.h). */
#include <config.h>

#include "vlife.h"

#include <stdio.h>

bool sk_view_has_lives(const struct sk_snapshot *s)
{
	return s && s->lifecycle.source != SK_LIFE_NONE && s->lifecycle.source < SK_LIFE_LAST &&
	       s->lives.n == s->socks.n && s->socks.n > 0;
}

const struct sk_life *sk_view_life(const struct sk_snapshot *s, size_t si)
{
	return sk_view_has_lives(s) && si < s->lives.n ? &s->lives.v[si] : NULL;
}

const struct sk_life *sk_view_life_creator(const struct sk_snapshot *s, size_t si)
{
	const struct sk_life *lf = sk_view_life(s, si);

	return lf && lf->creator_pid > 0 ? lf : NULL;
}

uint32_t sk_view_maker(const struct sk_snapshot *s, size_t si)
{
	const struct sk_life *lf = sk_view_life_creator(s, si);
	const struct sk_process *p = lf ? sk_snapshot_find_pid(s, lf->creator_pid) : NULL;

	return p ? (uint32_t)(p - s->procs.v) : SK_NONE;
}

uint32_t sk_view_fdless_owner(const struct sk_snapshot *s, size_t si, bool *made)
{
	uint32_t maker = sk_view_maker(s, si), likely = s->socks.v[si].likely_owner;

	*made = maker != SK_NONE;
	if (*made)
		return maker;
	return likely < s->procs.n ? likely : SK_NONE;
}

void sk_view_creator_label(const struct sk_snapshot *s, const struct sk_life *lf, char *buf,
			   size_t size)
{
	/* The comm was escaped when it was stored (snapshot.h). */
	const char *comm = lf->creator_comm ? sk_strtab_get(&s->strs, lf->creator_comm) : NULL;

	if (comm && comm[0])
		snprintf(buf, size, "%s[%d]", comm, (int)lf->creator_pid);
	else
		snprintf(buf, size, "pid %d", (int)lf->creator_pid);
}

const char *sk_view_ages_source(const struct sk_snapshot *s)
{
	if (!sk_view_has_lives(s))
		return NULL;
	return s->lifecycle.source == SK_LIFE_BPF ? "bpf" : "~tcp_info";
}
