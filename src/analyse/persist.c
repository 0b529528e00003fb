/* The per-socket persistence tracker: the rows worth an age, sorted by key,
 * merged with the previous refresh's sorted rows. Sorting beats a hash
 * here: the tracked rows are the few in closing states, and a merge needs
 * no tombstones for the ones that went away. */
#include <config.h>

#include "analyse/persist.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KIND_UNDUMPED 0x80u /* a closed fd no dump listed: keyed by (pid, fd, inode) */
#define TIME_WAIT_LEN_MS 60000u /* TCP_TIMEWAIT_LEN: a TIME_WAIT's whole life */

struct tracked {
	uint64_t a, b;      /* cookie and netns; or inode and pid << 32 | fd */
	int64_t first_ms;   /* monotonic: when it entered the state, as far as known (may
	                     * precede the clock's zero on a fake clock) */
	uint32_t row;       /* in the current snapshot */
	uint16_t looks;
	uint8_t kind;       /* state, | KIND_UNDUMPED */
	uint8_t estimated;  /* first_ms came from tcp_info, not from a refresh */
};

typedef SK_VEC(struct tracked) trackvec;

struct sk_persist {
	trackvec prev, cur;
};

int sk_persist_new(struct sk_persist **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void sk_persist_free(struct sk_persist *p)
{
	if (!p)
		return;
	free(p->prev.v);
	free(p->cur.v);
	free(p);
}

uint32_t sk_persist_tcpinfo_age_ms(const struct sk_socket *k)
{
	if (k->proto != SK_PROTO_TCP)
		return 0;
	/* The peer's FIN carried an ACK and nothing arrives after it unless we
	 * send: the last ACK is at or after the state change. */
	if (k->state == SK_TCP_CLOSE_WAIT)
		return sk_socket_last_ack_ms(k);
	/* A TIME_WAIT lives exactly TCP_TIMEWAIT_LEN: what is left says its age. */
	if (k->state == SK_TCP_TIME_WAIT && k->timer == SK_TIMER_TIMEWAIT &&
	    k->timer_ms <= TIME_WAIT_LEN_MS)
		return TIME_WAIT_LEN_MS - k->timer_ms;
	return 0;
}

static bool tracked_state(const struct sk_socket *k)
{
	if (k->proto != SK_PROTO_TCP)
		return false;
	switch (k->state) {
	case SK_TCP_CLOSE_WAIT:
	case SK_TCP_TIME_WAIT:
	case SK_TCP_FIN_WAIT1:
	case SK_TCP_FIN_WAIT2:
	case SK_TCP_LAST_ACK:
	case SK_TCP_CLOSING:
	case SK_TCP_CLOSE:
		return true;
	case SK_TCP_ESTABLISHED:
		return k->recv_q > 0;
	default:
		return false;
	}
}

/* The row's key; false when it has none (a hand-built row without cookie
 * or inode: real dumps always carry a cookie). */
static bool key_of(const struct sk_snapshot *s, const struct sk_socket *k, struct tracked *t)
{
	if (k->flags & SK_SOCK_UNDUMPED) {
		const struct sk_fdref *ref = sk_snapshot_first_ref(s, k);

		if (!ref)
			return false;

		t->a = k->inode;
		t->b = (uint64_t)(uint32_t)s->procs.v[ref->proc].pid << 32 | (uint32_t)ref->fd;
		t->kind = (uint8_t)(SK_TCP_CLOSE | KIND_UNDUMPED);
		return true;
	}
	t->a = k->cookie ? k->cookie : k->inode;
	t->b = k->netns;
	t->kind = k->state;
	return t->a != 0;
}

static int cmp_tracked(const void *pa, const void *pb)
{
	const struct tracked *x = pa, *y = pb;

	if (x->a != y->a)
		return x->a < y->a ? -1 : 1;
	if (x->b != y->b)
		return x->b < y->b ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static int collect_rows(struct sk_persist *p, const struct sk_snapshot *s, int64_t now)
{
	p->cur.n = 0;
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		struct tracked t = {0};

		if (!tracked_state(k) || !key_of(s, k, &t))
			continue;
		uint32_t est = sk_persist_tcpinfo_age_ms(k);
		struct tracked *slot = SK_VEC_PUSH(&p->cur);

		if (!slot)
			return -ENOMEM;
		*slot = t;
		slot->row = (uint32_t)i;
		slot->looks = 1;
		slot->estimated = est > 0;
		slot->first_ms = now - est;
	}
	sk_qsort(p->cur.v, p->cur.n, sizeof(*p->cur.v), cmp_tracked);
	return 0;
}

/* Rows seen before keep their first sighting (or an earlier tcp_info bound). */
static void merge_previous(struct sk_persist *p)
{
	size_t j = 0;

	for (size_t i = 0; i < p->cur.n; i++) {
		struct tracked *t = &p->cur.v[i];
		int c = 1;

		while (j < p->prev.n && (c = cmp_tracked(&p->prev.v[j], t)) < 0)
			j++;
		if (j == p->prev.n || c != 0)
			continue;
		const struct tracked *old = &p->prev.v[j++];

		t->looks = old->looks < UINT16_MAX ? old->looks + 1 : UINT16_MAX;
		if (old->first_ms < t->first_ms) {
			t->first_ms = old->first_ms;
			t->estimated = old->estimated;
		}
	}
}

static int fill_ages(struct sk_snapshot *s, const trackvec *cur, int64_t now)
{
	bool kernel = s->ages.n == s->socks.n; /* filled from the kernel already */

	if (!kernel) {
		if (sk_vec_reserve((void **)&s->ages.v, &s->ages.cap, s->socks.n, sizeof(*s->ages.v)))
			return -ENOMEM;
		memset(s->ages.v, 0, s->socks.n * sizeof(*s->ages.v));
		s->ages.n = s->socks.n;
	}
	for (size_t i = 0; i < cur->n; i++) {
		const struct tracked *t = &cur->v[i];
		struct sk_age *a = &s->ages.v[t->row];
		int64_t ms = now - t->first_ms;

		a->looks = t->looks;
		if (a->source == SK_AGE_KERNEL)
			continue;
		a->state_ms = ms < 0 ? 0 : ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
		a->source = t->estimated ? SK_AGE_TCPINFO : t->looks > 1 ? SK_AGE_SEEN : SK_AGE_NONE;
	}
	return 0;
}

int sk_persist_update(struct sk_persist *p, struct sk_snapshot *s)
{
	int64_t now = (int64_t)s->monotonic.tv_sec * 1000 + s->monotonic.tv_nsec / 1000000;
	int rc = collect_rows(p, s, now);

	if (rc == 0) {
		merge_previous(p);
		rc = fill_ages(s, &p->cur, now);
	}
	if (rc) {
		s->ages.n = 0;
		p->cur.n = 0; /* start over: nothing is better than a wrong age */
	}
	trackvec tmp = p->prev;

	p->prev = p->cur;
	p->cur = tmp;
	return rc;
}

struct sk_age sk_age_of(const struct sk_snapshot *s, uint32_t row)
{
	struct sk_age a = {0};

	if (row < s->ages.n)
		return s->ages.v[row];
	if (row < s->socks.n && (a.state_ms = sk_persist_tcpinfo_age_ms(&s->socks.v[row]))) {
		a.looks = 1;
		a.source = SK_AGE_TCPINFO;
	}
	return a;
}

const char *sk_age_text(const struct sk_age *a, char *buf, size_t size)
{
	uint32_t s = a->state_ms / 1000;
	const char *how = a->source == SK_AGE_TCPINFO ? " (tcp_info estimate)"
			  : a->source == SK_AGE_KERNEL ? "" : " (seen by sktop)";

	if (s < 120)
		snprintf(buf, size, "%u s%s", s, how);
	else if (s < 7200)
		snprintf(buf, size, "%u min%s", s / 60, how);
	else
		snprintf(buf, size, "%u h%s", s / 3600, how);
	return buf;
}
