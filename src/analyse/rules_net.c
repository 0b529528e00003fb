/* The rules about pools and queues many sockets share: local ports towards
 * one destination (ephemeral_ports), TIME_WAIT made faster than the range
 * or the buckets can take (time_wait_churn), a listener's accept queue
 * (accept_overflow) and a UDP socket's receive buffer (udp_rcvbuf). */
#include <config.h>

#include "analyse/rules.h"

#include <stdlib.h>

#include "util/units.h"

/* --- ephemeral_ports ----------------------------------------------------------------------- */

/* The order findings have always come in: namespace, family, address
 * bytes, port. */
static int cmp_dest(const void *pa, const void *pb, void *ctx)
{
	const struct dest *dests = ctx;
	const struct dest *a = &dests[*(const uint32_t *)pa], *b = &dests[*(const uint32_t *)pb];

	if (a->netns != b->netns)
		return a->netns < b->netns ? -1 : 1;
	if (a->family != b->family)
		return a->family - b->family;
	int d = memcmp(a->addr, b->addr, 16);

	if (d)
		return d;
	return a->port - b->port;
}

static void ports_finding(struct ctx *c, const struct dest *d, const uint32_t *members,
			  int64_t range, int64_t lo, int64_t hi)
{
	const struct sk_snapshot *s = c->s;
	const struct sk_socket *k = &s->socks.v[members[0]];
	int64_t used = d->used, p = pct(used, range);
	struct sk_finding *f = new_finding(c, SK_FIND_EPHEMERAL_PORTS,
					   p >= c->th[SK_TH_PORTS_CRIT_PCT] ? SK_SEV_CRITICAL
					   : SK_SEV_WARNING);
	uint32_t tw = 0;

	if (!f)
		return;
	f->subject_type = SK_SUBJ_DESTINATION;
	sk_endpoint_format(&k->peer, k->family, f->subject, sizeof(f->subject));
	for (uint32_t m = 0; m < d->used; m++) {
		add_sock(c, f, members[m]);
		tw += s->socks.v[members[m]].state == SK_TCP_TIME_WAIT;
	}
	evidence(f, SK_EV_PORTS, used, range);
	evidence(f, SK_EV_TIME_WAIT, tw, SK_UNKNOWN);
	text(f->title, sizeof(f->title),
	     "Ephemeral ports running out towards %s: %lld of %lld local ports (%lld%%)",
	     f->subject, (long long)used, (long long)range, (long long)p);
	text(f->detail, sizeof(f->detail),
	     "%u of them in TIME_WAIT (connection churn); ip_local_port_range %lld-%lld", tw,
	     (long long)lo, (long long)hi);
	text(f->next_step, sizeof(f->next_step),
	     "reuse connections to %s (keep-alive, pooling); widen "
	     "net.ipv4.ip_local_port_range; net.ipv4.tcp_tw_reuse=1 for outgoing ones",
	     f->subject);
}

static bool ports_qualify(const struct ctx *c, int64_t used, int64_t range)
{
	return used >= c->th[SK_TH_PORTS_MIN] && pct(used, range) >= c->th[SK_TH_PORTS_WARN_PCT];
}

void sk_rule_ephemeral_ports(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;
	const idxvec *cand = &c->x->ports;
	struct dest_groups *g = &c->x->dg;
	int64_t lo, hi;

	if (!ports_range(s, &lo, &hi))
		return;
	int64_t range = hi - lo + 1;

	/* No destination can have more connections than there are: most
	 * machines stop here. */
	if (cand->n == 0 || !ports_qualify(c, (int64_t)cand->n, range))
		return;

	/* Members of each qualifying destination, contiguous and in socket
	 * order; the destinations in cmp_dest order. */
	idxvec *hitv = &c->x->hits;
	uint32_t *members, next = 0;

	hitv->n = 0;
	if (sk_vec_reserve((void **)&c->x->members.v, &c->x->members.cap, cand->n,
			   sizeof(uint32_t)))
		goto nomem;
	members = c->x->members.v;
	for (size_t d = 0; d < g->dests.n; d++) {
		if (!ports_qualify(c, g->dests.v[d].used, range))
			continue;
		if (push_index(hitv, d))
			goto nomem;
		g->dests.v[d].start = next;
		next += g->dests.v[d].used;
	}
	for (size_t j = 0; j < cand->n; j++) {
		struct dest *d = &g->dests.v[g->of.v[j]];

		if (ports_qualify(c, d->used, range))
			members[d->start++] = cand->v[j];
	}
	for (size_t i = 0; i < hitv->n; i++)
		g->dests.v[hitv->v[i]].start -= g->dests.v[hitv->v[i]].used;
	sk_qsort_r(hitv->v, hitv->n, sizeof(*hitv->v), cmp_dest, g->dests.v);
	for (size_t i = 0; i < hitv->n && c->rc == 0; i++) {
		const struct dest *d = &g->dests.v[hitv->v[i]];

		ports_finding(c, d, members + d->start, range, lo, hi);
	}
	return;
nomem:
	c->rc = -ENOMEM;
}

/* --- time_wait_churn ----------------------------------------------------------------------- */

/* Who makes a destination's TIME_WAIT: without the kernel's creator (the
 * ownership work), the process holding the most connections to it now,
 * the one whose connections come and go. SK_NONE: nobody holds one. */
static uint32_t churn_creator(struct ctx *c, size_t dest, uint32_t *per_proc)
{
	const struct sk_snapshot *s = c->s;
	uint32_t best = SK_NONE;

	for (size_t j = 0; j < c->x->ports.n; j++) {
		if (c->x->dg.of.v[j] != dest)
			continue;
		const struct sk_socket *k = &s->socks.v[c->x->ports.v[j]];

		const struct sk_fdref *ref = sk_snapshot_first_ref(s, k);

		if (!ref)
			continue;
		uint32_t p = ref->proc;

		if (++per_proc[p] && (best == SK_NONE || per_proc[p] > per_proc[best]))
			best = p;
	}
	return best;
}

static void churn_finding(struct ctx *c, size_t d, uint32_t tw, int64_t range, int64_t buckets,
			  uint32_t *per_proc)
{
	const struct sk_snapshot *s = c->s;
	const struct dest *dst = &c->x->dg.dests.v[d];
	int64_t limit = buckets > 0 && buckets < range ? buckets : range;
	struct sk_finding *f = new_finding(c, SK_FIND_TIME_WAIT_CHURN,
					   pct(tw, limit) >= c->th[SK_TH_PORTS_CRIT_PCT]
					   ? SK_SEV_CRITICAL : SK_SEV_WARNING);
	struct sk_endpoint ep = {0};
	char where[64];

	if (!f)
		return;
	memcpy(ep.addr, dst->addr, 16);
	ep.port = dst->port;
	sk_endpoint_format(&ep, dst->family, where, sizeof(where));
	memset(per_proc, 0, s->procs.n * sizeof(*per_proc));
	uint32_t p = churn_creator(c, d, per_proc);

	if (p != SK_NONE)
		subject_process(f, s, p);
	else {
		f->subject_type = SK_SUBJ_DESTINATION;
		snprintf(f->subject, sizeof(f->subject), "%s", where);
	}
	for (size_t j = 0; j < c->x->ports.n; j++)
		if (c->x->dg.of.v[j] == d &&
		    s->socks.v[c->x->ports.v[j]].state == SK_TCP_TIME_WAIT)
			add_sock(c, f, c->x->ports.v[j]);
	evidence(f, SK_EV_TIME_WAIT, tw, SK_UNKNOWN);
	evidence(f, SK_EV_PER_MIN, tw, limit);
	evidence(f, SK_EV_PORTS, dst->used, range);
	if (buckets > 0)
		evidence(f, SK_EV_TW_BUCKETS, s->sys.sockstat[SK_SS_TCP_TW], buckets);
	text(f->title, sizeof(f->title), "TIME_WAIT churn towards %s: %u connections a minute "
	     "opened and closed, %lld%% of %s", where, tw, (long long)pct(tw, limit),
	     limit == range ? "the local port range" : "tcp_max_tw_buckets");
	text(f->detail, sizeof(f->detail), "a TIME_WAIT lives 60 s, so %u in TIME_WAIT is %u made "
	     "in the last minute; made by %s; ip_local_port_range %lld ports, tcp_max_tw_buckets "
	     "%lld", tw, tw, p != SK_NONE ? "the process holding connections to it (likely)"
	     : "unknown: no process holds a connection to it now", (long long)range,
	     (long long)buckets);
	text(f->next_step, sizeof(f->next_step), "reuse connections to %s (keep-alive, a pool); "
	     "net.ipv4.tcp_tw_reuse=1 for outgoing ones; ss -tan state time-wait dst %s | wc -l",
	     where, where);
}

void sk_rule_time_wait_churn(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;
	struct dest_groups *g = &c->x->dg;
	int64_t lo, hi, buckets = s->sys.limits.tcp_max_tw_buckets;

	if (!ports_range(s, &lo, &hi) || c->x->ports.n == 0)
		return;
	int64_t range = hi - lo + 1;
	int64_t limit = buckets > 0 && buckets < range ? buckets : range;
	uint32_t *tw = calloc(g->dests.n + 1, sizeof(*tw));
	uint32_t *per_proc = calloc(s->procs.n + 1, sizeof(*per_proc));

	if (!tw || !per_proc) {
		c->rc = -ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < c->x->ports.n; j++)
		tw[g->of.v[j]] += s->socks.v[c->x->ports.v[j]].state == SK_TCP_TIME_WAIT;
	for (size_t d = 0; d < g->dests.n && c->rc == 0; d++)
		if (tw[d] >= c->th[SK_TH_PORTS_MIN] && pct(tw[d], limit) >= c->th[SK_TH_TW_CHURN_PCT])
			churn_finding(c, d, tw[d], range, buckets, per_proc);
out:
	free(tw);
	free(per_proc);
}

/* --- accept_overflow ----------------------------------------------------------------------- */

void sk_rule_accept_overflow(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;
	struct sk_trend ovf = sys_trend(c, SK_SM_LISTEN_OVERFLOWS);
	int64_t rising = sk_trend_rise(&ovf);

	for (size_t j = 0; j < c->x->listeners.n; j++) {
		uint32_t i = c->x->listeners.v[j];
		const struct sk_socket *k = &s->socks.v[i];

		if (pct(k->recv_q, k->send_q) < c->th[SK_TH_ACCEPT_WARN_PCT])
			continue;
		bool full = k->recv_q > k->send_q;
		struct sk_finding *f = new_finding(c, SK_FIND_ACCEPT_OVERFLOW,
						   full || rising > 0 ? SK_SEV_CRITICAL
						   : SK_SEV_WARNING);
		uint32_t p = owner_proc(s, k);
		char where[64];

		if (!f)
			return;
		sk_endpoint_format(&k->local, k->family, where, sizeof(where));
		f->subject_type = SK_SUBJ_LISTENER;
		if (p != SK_NONE) {
			f->pid = s->procs.v[p].pid;
			f->proc = p;
			snprintf(f->subject, sizeof(f->subject), "%.40s %.40s[%d]", where,
				 s->procs.v[p].comm, (int)f->pid);
		} else {
			snprintf(f->subject, sizeof(f->subject), "%s", where);
		}
		add_sock(c, f, i);
		evidence(f, SK_EV_ACCEPT_QUEUE, k->recv_q, k->send_q);
		evidence(f, SK_EV_LISTEN_OVERFLOWS, s->sys.counters[SK_CTR_LISTEN_OVERFLOWS], SK_UNKNOWN);
		text(f->title, sizeof(f->title), "Accept queue %s on %s: %u waiting, backlog %u",
		     full ? "overflowing" : "nearly full", where, k->recv_q, k->send_q);
		struct sk_trend drops = sys_trend(c, SK_SM_LISTEN_DROPS);

		if (ovf.known)
			text(f->detail, sizeof(f->detail), "ListenOverflows %+lld, ListenDrops %+lld "
			     "over %llu s (this netns); somaxconn %lld", (long long)rising,
			     (long long)sk_trend_rise(&drops),
			     (unsigned long long)(ovf.span_ms / 1000), (long long)s->sys.limits.somaxconn);
		else
			text(f->detail, sizeof(f->detail), "ListenOverflows %lld, ListenDrops %lld since "
			     "boot (this netns); somaxconn %lld",
			     (long long)s->sys.counters[SK_CTR_LISTEN_OVERFLOWS],
			     (long long)s->sys.counters[SK_CTR_LISTEN_DROPS],
			     (long long)s->sys.limits.somaxconn);
		text(f->next_step, sizeof(f->next_step),
		     "the process is not calling accept() fast enough or is stuck: check its accept "
		     "loop/workers; raise the listen() backlog and net.core.somaxconn only after that");
	}
}

/* --- udp_rcvbuf ---------------------------------------------------------------------------- */

/* Receive memory counts each datagram's whole buffer (truesize: 2304
 * bytes for a 1 KiB datagram on loopback), so a small rcvbuf is full well
 * under 90%: 8192 holds three such datagrams, 84%. Full is the percentage,
 * or no room left for one more typical datagram. */
#define SK_UDP_DGRAM_TRUESIZE 4096

static bool udp_rcvbuf_full(const struct ctx *c, const struct sk_socket *k)
{
	return pct(sk_socket_rmem(k), sk_socket_rcvbuf(k)) >= c->th[SK_TH_UDP_RCVBUF_PCT] ||
	       sk_socket_rmem(k) + SK_UDP_DGRAM_TRUESIZE > sk_socket_rcvbuf(k);
}

void sk_rule_udp_rcvbuf(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;
	struct sk_trend errs = sys_trend(c, SK_SM_UDP_RCVBUF_ERRORS);
	int64_t rising = sk_trend_rise(&errs);

	for (size_t j = 0; j < c->x->udp.n; j++) {
		uint32_t i = c->x->udp.v[j];
		const struct sk_socket *k = &s->socks.v[i];

		if (!udp_rcvbuf_full(c, k) || (sk_socket_drops(k) == 0 && rising <= 0))
			continue;
		struct sk_finding *f = new_finding(c, SK_FIND_UDP_RCVBUF,
						   rising > 0 ? SK_SEV_CRITICAL : SK_SEV_WARNING);
		uint32_t p = owner_proc(s, k);
		char where[64], a[16], b[16];

		if (!f)
			return;
		sk_endpoint_format(&k->local, k->family, where, sizeof(where));
		if (p != SK_NONE)
			subject_process(f, s, p);
		add_sock(c, f, i);
		evidence(f, SK_EV_RMEM, sk_socket_rmem(k), sk_socket_rcvbuf(k));
		evidence(f, SK_EV_DROPS, sk_socket_drops(k), SK_UNKNOWN);
		evidence(f, SK_EV_RCVBUF_ERRORS, s->sys.counters[SK_CTR_UDP_RCVBUF_ERRORS], SK_UNKNOWN);
		text(f->title, sizeof(f->title), "UDP receive buffer overflowing on %s: %s of %s, %u drops",
		     where, sk_format_bytes(sk_socket_rmem(k), a, sizeof(a)),
		     sk_format_bytes(sk_socket_rcvbuf(k), b, sizeof(b)), sk_socket_drops(k));
		text(f->detail, sizeof(f->detail), "RcvbufErrors %+lld over the window (this netns); "
		     "net.core.rmem_max %lld", (long long)rising, (long long)s->sys.limits.rmem_max);
		text(f->next_step, sizeof(f->next_step),
		     "the application reads slower than datagrams arrive: more readers, or a larger "
		     "SO_RCVBUF (capped by net.core.rmem_max); ss -uamp 'sport = :%u'", k->local.port);
	}
}
