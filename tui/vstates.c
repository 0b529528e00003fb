/* The states pane: the TCP state histogram with each state's top owners
 * (vrows.h). */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "view.h"
#include "vlife.h"
#include "vrows.h"

static const uint8_t state_rows[] = {
	SK_TCP_ESTABLISHED, SK_TCP_SYN_SENT,  SK_TCP_SYN_RECV,   SK_TCP_FIN_WAIT1,
	SK_TCP_FIN_WAIT2,   SK_TCP_TIME_WAIT, SK_TCP_CLOSE_WAIT, SK_TCP_LAST_ACK,
	SK_TCP_CLOSING,     SK_TCP_LISTEN,    SK_DS_CLOSED,      SK_DS_ORPHANS,
};
#define NSTATE_ROWS (sizeof(state_rows) / sizeof(state_rows[0]))
#define NOPROC ((1u << 26) - 1) /* "no process" in state_add_owner */

static void state_add_owner(struct sk_vstate *st, uint32_t proc, uint32_t count, uint32_t made)
{
	if (proc == NOPROC) {
		st->unowned += count;
		return;
	}
	st->owners++;
	/* Insert into the top list, biggest first. */
	for (int i = 0; i < SK_STATE_TOP; i++) {
		if (i >= st->ntop || count > st->top[i].count) {
			for (int j = SK_STATE_TOP - 1; j > i; j--)
				st->top[j] = st->top[j - 1];
			st->top[i].proc = proc;
			st->top[i].count = count;
			st->top[i].made = made;
			if (st->ntop < SK_STATE_TOP)
				st->ntop++;
			return;
		}
	}
}

static struct sk_vkey state_key(const struct sk_snapshot *s, const void *row)
{
	(void)s;
	return (struct sk_vkey){((const struct sk_vstate *)row)->dstate, 4};
}

/* Sockets per (state, owner), counted in a table rather than sorted: a
 * million packed pairs took 0.1 s to sort, with each socket's owner looked
 * up at a random place in the fd table first. The sweep goes the order the
 * sort went: by state, then process, no process last. A second table
 * counts the sockets attributed to the process that made them. */
int sk_vpane_states(struct sk_view *v, const struct sk_snapshot *s)
{
	size_t np = s->procs.n + 1; /* the last column: no process */
	size_t cells = SK_DS_LAST * np;

	v->states.n = 0;
	if (sk_vec_reserve((void **)&v->sortkeys.v, &v->sortkeys.cap, (s->socks.n + 1) / 2,
			   sizeof(struct sk_vkey)) ||
	    sk_vec_reserve((void **)&v->sortidx.v, &v->sortidx.cap, 2 * cells, sizeof(uint32_t)))
		return -ENOMEM;
	uint64_t *own = (uint64_t *)(void *)v->sortkeys.v;
	uint32_t *count = v->sortidx.v, *made = count + cells;

	memset(count, 0, 2 * cells * sizeof(*count));
	sk_vsocks_owners(s, own);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		bool by_maker = false;
		size_t p = np - 1, cell;

		if (k->proto != SK_PROTO_TCP)
			continue;
		if (own[i] != UINT64_MAX) {
			p = (size_t)(own[i] >> 32);
		} else {
			uint32_t fdless = sk_view_fdless_owner(s, i, &by_maker);

			if (fdless != SK_NONE)
				p = fdless;
		}
		cell = sk_dstate_of(k) * np + p;
		count[cell]++;
		made[cell] += by_maker;
		/* An orphan has inode 0, so no fd holds it (the join links none):
		 * p is already its fd-less owner, looked up once. */
		if (k->flags & SK_SOCK_ORPHAN) {
			cell = SK_DS_ORPHANS * np + p;
			count[cell]++;
			made[cell] += by_maker;
		}
	}

	struct sk_vstate by_ds[SK_DS_LAST];

	memset(by_ds, 0, sizeof(by_ds));
	for (size_t ds = 0; ds < SK_DS_LAST; ds++)
		for (size_t p = 0; p < np; p++) {
			uint32_t c = count[ds * np + p];

			if (c) {
				by_ds[ds].count += c;
				state_add_owner(&by_ds[ds], p == np - 1 ? NOPROC : (uint32_t)p, c,
						made[ds * np + p]);
			}
		}
	for (size_t r = 0; r < NSTATE_ROWS; r++) {
		struct sk_vstate *st = SK_VEC_PUSH(&v->states);

		if (!st)
			return -ENOMEM;
		*st = by_ds[state_rows[r]];
		st->dstate = state_rows[r];
	}
	return sk_vrows_identify(v, s, v->states.v, v->states.n, sizeof(struct sk_vstate),
				 state_key);
}
