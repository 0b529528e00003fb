/* The filter language (match.h). */
#include <config.h>

#include "model/match.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "model/label.h"

int sk_match_compile(struct sk_match *m, const char *filter, sk_match_user_fn user_name,
		     void *user_ctx)
{
	size_t len = strlen(filter), at = 0;

	/* No memset: the TUI compiles its filter for every row it tests. */
	m->nterms = 0;
	m->user_name = user_name;
	m->user_ctx = user_ctx;
	if (len >= sizeof(m->text))
		return -ENAMETOOLONG;
	memcpy(m->text, filter, len + 1);
	while (at < len) {
		while (at < len && strchr(" \t\n\r\v\f", m->text[at]))
			m->text[at++] = '\0';
		if (at >= len)
			break;
		m->term[m->nterms++] = (uint16_t)at;
		while (at < len && !strchr(" \t\n\r\v\f", m->text[at]))
			at++;
	}
	return 0;
}

/* What a socket shows, formatted once for all the terms; the peer only
 * when a term is not found elsewhere (a million-row list is filtered on
 * every keystroke). */
struct sock_text {
	const struct sk_snapshot *s;
	const struct sk_socket *k;
	char local[4200], peer[4200];
	const char *state, *proto;
	bool have_peer;
};

static void sock_text(const struct sk_snapshot *s, const struct sk_socket *k,
		      struct sock_text *t)
{
	t->s = s;
	t->k = k;
	t->have_peer = false;
	sk_view_endpoint(s, k, false, t->local, sizeof(t->local));
	t->state = sk_dstate_name(sk_dstate_of(k));
	t->proto = sk_view_proto(k);
}

static bool sock_has(struct sock_text *t, const char *term)
{
	if (strcasestr(t->local, term) || strcasestr(t->state, term) || strcasestr(t->proto, term))
		return true;
	if (!t->have_peer) {
		sk_view_endpoint(t->s, t->k, true, t->peer, sizeof(t->peer));
		t->have_peer = true;
	}
	return strcasestr(t->peer, term) != NULL;
}

static bool proc_has(const struct sk_match *m, const struct sk_snapshot *s,
		     const struct sk_process *p, const char *term)
{
	char buf[64];

	if (strcasestr(p->comm, term) || strcasestr(sk_strtab_get(&s->strs, p->cmdline), term))
		return true;
	snprintf(buf, sizeof(buf), "%d", (int)p->pid);
	if (strcasestr(buf, term))
		return true;
	if (m->user_name)
		m->user_name(m->user_ctx, p->uid, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%u", p->uid);
	return strcasestr(buf, term) != NULL;
}

static bool row_matches(const struct sk_match *m, const struct sk_snapshot *s,
			struct sock_text *t, const struct sk_process *p)
{
	for (unsigned i = 0; i < m->nterms; i++) {
		const char *term = m->text + m->term[i];

		if (!sock_has(t, term) && !(p && proc_has(m, s, p, term)))
			return false;
	}
	return true;
}

bool sk_match_sock_row(const struct sk_match *m, const struct sk_snapshot *s,
		       const struct sk_socket *k, const struct sk_process *p)
{
	struct sock_text t;

	if (m->nterms == 0)
		return true;
	sock_text(s, k, &t);
	return row_matches(m, s, &t, p);
}

bool sk_match_socket(const struct sk_match *m, const struct sk_snapshot *s,
		     const struct sk_socket *k)
{
	struct sock_text t;
	bool any = false;

	if (m->nterms == 0)
		return true;
	sock_text(s, k, &t);
	for (uint32_t i = 0; i < k->owners_count; i++) {
		uint32_t oi = k->owners_start + i, f, pi;

		if (oi >= s->owner_index.n || (f = s->owner_index.v[oi]) >= s->fdrefs.n ||
		    (pi = s->fdrefs.v[f].proc) >= s->procs.n)
			continue;
		any = true;
		if (row_matches(m, s, &t, &s->procs.v[pi]))
			return true;
	}
	if (!any && k->likely_owner < s->procs.n)
		return row_matches(m, s, &t, &s->procs.v[k->likely_owner]);
	return !any && row_matches(m, s, &t, NULL);
}

bool sk_match_proc(const struct sk_match *m, const struct sk_snapshot *s,
		   const struct sk_process *p)
{
	bool all = true;

	for (unsigned i = 0; i < m->nterms && all; i++)
		all = proc_has(m, s, p, m->text + m->term[i]);
	if (all)
		return true;
	for (uint32_t f = p->fdrefs_start; f < p->fdrefs_start + p->fdrefs_count && f < s->fdrefs.n;
	     f++) {
		uint32_t si = s->fdrefs.v[f].sock;

		if (si != SK_NONE && si < s->socks.n && sk_match_sock_row(m, s, &s->socks.v[si], p))
			return true;
	}
	return false;
}
