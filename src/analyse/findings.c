/* The rules. Each one is recognisable from a field report: CLOSE_WAIT
 * behind a deadlocked handler, "can't identify protocol" fds that run a
 * process into EMFILE, rmem piling up under a tiny RSS, FIN_WAIT1 orphans
 * with unsent data behind a zero window, "TCP: too many orphaned sockets",
 * and the limits around them. */
#include <config.h>

#include "analyse/findings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "analyse/persist.h"
#include "analyse/rules.h"
#include "model/procsort.h"
#include "model/services.h"
#include "util/hash.h"
#include "util/units.h"

void sk_findings_init(struct sk_findings *f)
{
	memset(f, 0, sizeof(*f));
}

/* --- building findings ---------------------------------------------------------------- */

static void scratch_free(struct sk_findings_scratch *x)
{
	if (!x)
		return;
	free(x->zero_window.v);
	free(x->ports.v);
	free(x->listeners.v);
	free(x->udp.v);
	free(x->orphans.v);
	free(x->dg.dests.v);
	sk_itab_free(&x->dg.tab);
	free(x->dg.of.v);
	free(x->members.v);
	free(x->hits.v);
	free(x);
}

void sk_findings_free(struct sk_findings *f)
{
	free(f->list.v);
	free(f->socks.v);
	scratch_free(f->scratch);
	memset(f, 0, sizeof(*f));
}

static struct sk_trend proc_trend(const struct ctx *c, const struct sk_process *p,
				  enum sk_pmetric m)
{
	const struct sk_proc_history *ph = c->h ? sk_history_find(c->h, p->pid, p->starttime) : NULL;
	struct sk_trend none = {0};

	return ph ? sk_series_trend(&ph->m[m]) : none;
}

/* " (+12.0/min, growing for 5 min)" or "" when unknown. */
static const char *trend_text(const struct sk_trend *t, char *buf, size_t size)
{
	if (!t->known) {
		buf[0] = '\0';
		return buf;
	}
	snprintf(buf, size, " (%+.1f/min%s over %llu s)", t->per_min,
		 t->monotonic ? ", growing steadily" : "", (unsigned long long)(t->span_ms / 1000));
	return buf;
}

/* Visits the socket behind each socket fd of a process. */
#define FOR_EACH_PROC_SOCK(s, proc, si)                                                   \
	for (uint32_t _f = (s)->procs.v[proc].fdrefs_start;                               \
	     _f < (s)->procs.v[proc].fdrefs_start + (s)->procs.v[proc].fdrefs_count; _f++) \
		if (((si) = (s)->fdrefs.v[_f].sock) != SK_NONE)

/* --- one walk over the sockets ------------------------------------------------------------ */

static bool zero_window_candidate(const struct sk_socket *k)
{
	return k->proto == SK_PROTO_TCP && k->send_q > 0 && k->timer == SK_TIMER_PERSIST &&
	       (k->state == SK_TCP_FIN_WAIT1 || k->state == SK_TCP_ESTABLISHED ||
		k->state == SK_TCP_CLOSE_WAIT || k->state == SK_TCP_LAST_ACK);
}

/* A connected TCP socket whose local port comes from the ephemeral range. */
static bool ports_candidate(const struct sk_socket *k, int64_t lo, int64_t hi)
{
	return k->proto == SK_PROTO_TCP && k->state != SK_TCP_LISTEN &&
	       !(k->flags & SK_SOCK_UNDUMPED) && k->peer.port != 0 && k->local.port >= lo &&
	       k->local.port <= hi;
}

static bool dest_is(const struct dest *d, const struct sk_socket *k)
{
	return d->netns == k->netns && d->family == k->family && d->port == k->peer.port &&
	       memcmp(d->addr, k->peer.addr, 16) == 0;
}

/* Peer addresses and ports are chosen by whoever connects: the seed (from
 * the snapshot's clock, never shown) keeps them from lining up in one
 * probe chain. Any seed gives the same groups. */
static uint64_t dest_hash(const struct sk_socket *k, uint64_t seed)
{
	uint64_t a, b;

	memcpy(&a, k->peer.addr, 8);
	memcpy(&b, k->peer.addr + 8, 8);
	return sk_mix64(sk_mix64(sk_mix64(seed ^ k->netns) ^ a) ^ b) ^
	       sk_mix64(((uint64_t)k->peer.port << 8 | k->family) + seed);
}

static uint64_t dest_rehash(const void *ctx, uint32_t i)
{
	const struct dest_groups *g = ctx;

	return g->dests.v[i].hash;
}

struct dest_key {
	const struct dest_groups *g;
	const struct sk_socket *k;
};

static bool dest_key_is(const void *ctx, uint32_t i)
{
	const struct dest_key *dk = ctx;

	return dest_is(&dk->g->dests.v[i], dk->k);
}

/* Counts the row in its destination's group and records which one. */
static int dest_add(struct dest_groups *g, const struct sk_socket *k)
{
	if (sk_itab_full(&g->tab, g->dests.n) &&
	    sk_itab_resize(&g->tab, g->tab.cap ? 2 * g->tab.cap : 64, g->dests.n, dest_rehash, g))
		return -ENOMEM;

	uint64_t h = dest_hash(k, g->seed);
	struct dest_key dk = {g, k};
	size_t slot = sk_itab_find(&g->tab, h, dest_key_is, &dk);

	if (!g->tab.slot[slot]) {
		struct dest *d = SK_VEC_PUSH(&g->dests);

		if (!d)
			return -ENOMEM;
		d->netns = k->netns;
		d->hash = h;
		memcpy(d->addr, k->peer.addr, 16);
		d->port = k->peer.port;
		d->family = k->family;
		g->tab.slot[slot] = (uint32_t)g->dests.n;
	}
	g->dests.v[g->tab.slot[slot] - 1].used++;
	return push_index(&g->of, g->tab.slot[slot] - 1);
}

static int collect_candidates(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;
	int64_t lo, hi;
	bool ports = ports_range(s, &lo, &hi);
	int rc = 0;

	c->x->dg.dests.n = 0;
	c->x->dg.of.n = 0;
	sk_itab_clear(&c->x->dg.tab);
	c->x->zero_window.n = c->x->ports.n = c->x->listeners.n = c->x->udp.n = c->x->orphans.n = 0;
	c->x->dg.seed = sk_mix64((uint64_t)s->realtime.tv_nsec ^
				 ((uint64_t)s->monotonic.tv_nsec << 32) ^ (uint64_t)s->seq);
	/* Most connected sockets are candidates on a busy client: one
	 * allocation each instead of a doubling series every refresh. */
	if (ports && s->socks.n &&
	    (sk_vec_reserve((void **)&c->x->ports.v, &c->x->ports.cap, s->socks.n, sizeof(uint32_t)) ||
	     sk_vec_reserve((void **)&c->x->dg.of.v, &c->x->dg.of.cap, s->socks.n, sizeof(uint32_t))))
		return -ENOMEM;
	for (size_t i = 0; i < s->socks.n && rc == 0; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (zero_window_candidate(k))
			rc = push_index(&c->x->zero_window, i);
		if (rc == 0 && ports && ports_candidate(k, lo, hi)) {
			rc = push_index(&c->x->ports, i);
			if (rc == 0)
				rc = dest_add(&c->x->dg, k);
		}
		/* A listener's Recv-Q is its accept queue, Send-Q its backlog. */
		if (rc == 0 && k->proto == SK_PROTO_TCP && k->state == SK_TCP_LISTEN &&
		    k->send_q != 0)
			rc = push_index(&c->x->listeners, i);
		if (rc == 0 && k->proto == SK_PROTO_UDP && (k->flags & SK_SOCK_HAS_MEM) &&
		    sk_socket_rcvbuf(k) != 0)
			rc = push_index(&c->x->udp, i);
		if (rc == 0 && (k->flags & SK_SOCK_ORPHAN))
			rc = push_index(&c->x->orphans, i);
	}
	return rc;
}

/* --- close_wait --------------------------------------------------------------------------- */

struct peer_count {
	uint8_t addr[16];
	uint8_t family;
	uint32_t n;
};

static int cmp_peer(const void *a, const void *b)
{
	const struct peer_count *x = a, *y = b;

	if (x->family != y->family)
		return x->family - y->family;
	return memcmp(x->addr, y->addr, 16);
}

static int cmp_count_desc(const void *a, const void *b)
{
	const struct peer_count *x = a, *y = b;

	return (x->n < y->n) - (x->n > y->n);
}

/* "10.0.3.7 x800, 10.0.3.8 x12": an upstream proxy timing out shows as one peer. */
static void top_peers(struct ctx *c, struct sk_finding *f, char *out, size_t size)
{
	const struct sk_snapshot *s = c->s;
	struct peer_count *pc = calloc(f->socks_count ? f->socks_count : 1, sizeof(*pc));
	size_t n = 0, groups = 0, len = 0;

	out[0] = '\0';
	if (!pc)
		return;
	for (uint32_t i = 0; i < f->socks_count; i++) {
		const struct sk_socket *k = &s->socks.v[c->f->socks.v[f->socks_start + i]];

		memcpy(pc[n].addr, k->peer.addr, 16);
		pc[n].family = k->family;
		pc[n++].n = 1;
	}
	sk_qsort(pc, n, sizeof(*pc), cmp_peer);
	for (size_t i = 0; i < n; i++) {
		if (groups && cmp_peer(&pc[groups - 1], &pc[i]) == 0)
			pc[groups - 1].n++;
		else
			pc[groups++] = pc[i];
	}
	sk_qsort(pc, groups, sizeof(*pc), cmp_count_desc);
	for (size_t i = 0; i < groups && i < 3; i++) {
		struct sk_endpoint ep = {0};
		char addr[64];

		memcpy(ep.addr, pc[i].addr, 16);
		sk_endpoint_format(&ep, pc[i].family, addr, sizeof(addr));
		addr[strlen(addr) - 2] = '\0'; /* drop ":0" */
		len += (size_t)snprintf(out + len, len < size ? size - len : 0, "%s%s x%u",
					i ? ", " : "", addr, pc[i].n);
	}
	free(pc);
}

static bool is_close_wait(const struct sk_socket *k)
{
	return k->proto == SK_PROTO_TCP && k->state == SK_TCP_CLOSE_WAIT &&
	       !(k->flags & SK_SOCK_UNDUMPED);
}

/* A CLOSE_WAIT is the application's turn to close: on a working server it
 * lasts as long as a handler takes. Only the ones held close_wait_age_s
 * are a finding; how many and whether they grow say how bad. */
static void rule_close_wait(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;
	int64_t age_s = c->th[SK_TH_CLOSE_WAIT_AGE_S];

	for (uint32_t p = 0; p < s->procs.n; p++) {
		const struct sk_process *proc = &s->procs.v[p];
		uint32_t held = 0, young = 0, oldest = SK_NONE, si;
		struct sk_age oldest_age = {0};

		if (proc->agg.tcp_states[SK_TCP_CLOSE_WAIT] == 0)
			continue;
		FOR_EACH_PROC_SOCK(s, p, si) {
			struct sk_age a = sk_age_of(s, si);

			if (!is_close_wait(&s->socks.v[si]))
				continue;
			if (!sk_age_held(a, age_s)) {
				young += sk_age_unknown(a);
				continue;
			}
			held++;
			if (oldest == SK_NONE || a.state_ms > oldest_age.state_ms) {
				oldest = si;
				oldest_age = a;
			}
		}
		c->f->pending[SK_FIND_CLOSE_WAIT] += young;
		if (held == 0 || held < c->th[SK_TH_CLOSE_WAIT_WARN])
			continue;
		struct sk_trend tr = proc_trend(c, proc, SK_PM_CLOSE_WAIT);
		bool growing = tr.known && tr.monotonic && tr.per_min > 0;
		struct sk_finding *f = new_finding(c, SK_FIND_CLOSE_WAIT,
						   held >= c->th[SK_TH_CLOSE_WAIT_CRIT] || growing
						   ? SK_SEV_CRITICAL : SK_SEV_WARNING);
		char peers[160], trend[64], age[48];
		uint16_t port = 0;

		if (!f)
			return;
		subject_process(f, s, p);
		FOR_EACH_PROC_SOCK(s, p, si) {
			if (is_close_wait(&s->socks.v[si]) && sk_age_held(sk_age_of(s, si), age_s)) {
				add_sock(c, f, si);
				port = s->socks.v[si].local.port;
			}
		}
		top_peers(c, f, peers, sizeof(peers));
		evidence(f, SK_EV_CLOSE_WAIT, held, SK_UNKNOWN);
		evidence(f, SK_EV_FDS, proc->fd_count,
			 proc->fd_limit == SK_FD_LIMIT_UNLIMITED ? SK_UNKNOWN : (int64_t)proc->fd_limit);
		evidence(f, SK_EV_OLDEST_S, oldest_age.state_ms / 1000, SK_UNKNOWN);
		text(f->title, sizeof(f->title),
		     "CLOSE_WAIT held: %u connection%s the peer closed %lld s ago or more and %s never did",
		     held, held == 1 ? "" : "s", (long long)age_s, proc->comm);
		text(f->detail, sizeof(f->detail),
		     "oldest %s; %lld in CLOSE_WAIT in all%s; top peers %s; local port %u",
		     sk_age_text(&oldest_age, age, sizeof(age)),
		     (long long)proc->agg.tcp_states[SK_TCP_CLOSE_WAIT],
		     trend_text(&tr, trend, sizeof(trend)), peers, port);
		text(f->next_step, sizeof(f->next_step),
		     "a hung or deadlocked handler, or a missing close(): strace -f -p %d, a thread "
		     "dump; ss -tanp state close-wait '( sport = :%u )'", (int)proc->pid, port);
	}
}

/* --- closed_leak and per-process fd_exhaustion ------------------------------------------- */

static void fd_budget_text(const struct sk_process *proc, const struct sk_trend *fds,
			   char *buf, size_t size)
{
	if (proc->fd_limit == SK_FD_LIMIT_UNLIMITED) {
		snprintf(buf, size, "fds %u (no limit)", proc->fd_count);
		return;
	}
	double minutes = fds->known ? sk_minutes_to_limit(proc->fd_count, fds->per_min,
							   (int64_t)proc->fd_limit) : -1;

	if (minutes >= 0)
		snprintf(buf, size, "fds %u/%llu (%lld%%), EMFILE in ~%.0f min", proc->fd_count,
			 (unsigned long long)proc->fd_limit,
			 (long long)pct(proc->fd_count, (int64_t)proc->fd_limit), minutes);
	else
		snprintf(buf, size, "fds %u/%llu (%lld%%)", proc->fd_count,
			 (unsigned long long)proc->fd_limit,
			 (long long)pct(proc->fd_count, (int64_t)proc->fd_limit));
}

static bool is_closed_fd(const struct sk_socket *k)
{
	return k->proto == SK_PROTO_TCP && k->state == SK_TCP_CLOSE;
}

/* A closed socket fd is a leak once the same fd (pid, fd, inode) is seen
 * closed and still held by two refreshes closed_age_s apart: one look
 * cannot tell it from a socket about to connect. */
static bool closed_held(const struct ctx *c, uint32_t row)
{
	struct sk_age a = sk_age_of(c->s, row);

	return a.looks >= 2 && sk_age_held(a, c->th[SK_TH_CLOSED_AGE_S]);
}

static int64_t count_closed_held(struct ctx *c, uint32_t p)
{
	const struct sk_snapshot *s = c->s;
	int64_t held = 0;
	uint32_t si;

	if (sk_proc_closed(&s->procs.v[p]) == 0)
		return 0;
	FOR_EACH_PROC_SOCK(s, p, si) {
		if (!is_closed_fd(&s->socks.v[si]))
			continue;
		if (closed_held(c, si))
			held++;
		else
			c->f->pending[SK_FIND_CLOSED_LEAK]++;
	}
	return held;
}

static void rule_closed_and_fds(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;

	for (uint32_t p = 0; p < s->procs.n; p++) {
		const struct sk_process *proc = &s->procs.v[p];
		int64_t closed = count_closed_held(c, p);
		int64_t limit = proc->fd_limit == SK_FD_LIMIT_UNLIMITED ? SK_UNKNOWN
				: (int64_t)proc->fd_limit;
		int64_t fd_pct = limit == SK_UNKNOWN ? 0 : pct(proc->fd_count, limit);
		struct sk_trend tr = proc_trend(c, proc, SK_PM_CLOSED);
		struct sk_trend fds = proc_trend(c, proc, SK_PM_FDS);
		char budget[96], trend[64];
		struct sk_finding *f;
		uint32_t si;

		if (closed > 0 && closed >= c->th[SK_TH_CLOSED_WARN]) {
			bool crit = closed >= c->th[SK_TH_CLOSED_CRIT] ||
				    fd_pct >= c->th[SK_TH_FDS_CRIT_PCT] ||
				    (tr.known && tr.monotonic && tr.per_min > 0);

			f = new_finding(c, SK_FIND_CLOSED_LEAK, crit ? SK_SEV_CRITICAL : SK_SEV_WARNING);
			if (!f)
				return;
			subject_process(f, s, p);
			FOR_EACH_PROC_SOCK(s, p, si) {
				const struct sk_socket *k = &s->socks.v[si];

				if (is_closed_fd(k) && closed_held(c, si))
					add_sock(c, f, si);
			}
			fd_budget_text(proc, &fds, budget, sizeof(budget));
			evidence(f, SK_EV_CLOSED, closed, SK_UNKNOWN);
			evidence(f, SK_EV_FDS, proc->fd_count, limit);
			text(f->title, sizeof(f->title),
			     "Leaked closed sockets: %s holds %lld socket fds in CLOSE for %lld s or "
			     "more (lsof: can't identify protocol)", proc->comm, (long long)closed,
			     (long long)c->th[SK_TH_CLOSED_AGE_S]);
			text(f->detail, sizeof(f->detail), "closed and held %lld%s; %s",
			     (long long)closed, trend_text(&tr, trend, sizeof(trend)), budget);
			text(f->next_step, sizeof(f->next_step),
			     "sockets opened and never closed, often after a failed connect: "
			     "lsof -p %d | grep -c sock; the limit: grep 'open files' /proc/%d/limits",
			     (int)proc->pid, (int)proc->pid);
			continue;
		}
		if (limit == SK_UNKNOWN || fd_pct < c->th[SK_TH_FDS_WARN_PCT])
			continue;
		f = new_finding(c, SK_FIND_FD_EXHAUSTION, fd_pct >= c->th[SK_TH_FDS_CRIT_PCT]
				? SK_SEV_CRITICAL : SK_SEV_WARNING);
		if (!f)
			return;
		subject_process(f, s, p);
		fd_budget_text(proc, &fds, budget, sizeof(budget));
		evidence(f, SK_EV_FDS, proc->fd_count, limit);
		evidence(f, SK_EV_SOCKETS, proc->agg.sockets, SK_UNKNOWN);
		text(f->title, sizeof(f->title), "fd exhaustion: %s uses %lld%% of its open-files limit",
		     proc->comm, (long long)fd_pct);
		text(f->detail, sizeof(f->detail), "%s%s; %u of them sockets", budget,
		     trend_text(&fds, trend, sizeof(trend)), proc->agg.sockets);
		text(f->next_step, sizeof(f->next_step),
		     "what it holds: ls -l /proc/%d/fd | awk '{print $NF}' | sort | uniq -c | sort -rn "
		     "| head; raise LimitNOFILE / ulimit -n only if the count is legitimate",
		     (int)proc->pid);
	}
}

/* "; file-max in 35 min at +120/min" when the count grows towards its
 * limit over the history window, "" otherwise. */
static const char *exhaustion_text(const struct ctx *c, enum sk_exhaust ex, char *buf,
				   size_t size)
{
	struct sk_exhaustion x[SK_EX_LAST];

	sk_history_exhaustion(c->h, &c->s->sys, x);
	buf[0] = '\0';
	if (x[ex].minutes >= 0)
		snprintf(buf, size, "; %s in %.0f min at %+.1f/min", sk_exhaust_limit_names[ex],
			 x[ex].minutes, x[ex].trend.per_min);
	return buf;
}

static void rule_files(struct ctx *c)
{
	const struct sk_limits *l = &c->s->sys.limits;
	int64_t used = l->file_nr[0], max = l->file_max;

	if (used == SK_UNKNOWN || max == SK_UNKNOWN || max <= 0)
		return;
	int64_t p = pct(used, max);

	if (p < c->th[SK_TH_FILES_WARN_PCT])
		return;
	struct sk_trend tr = sys_trend(c, SK_SM_FILES);
	struct sk_finding *f = new_finding(c, SK_FIND_FD_EXHAUSTION,
					   p >= c->th[SK_TH_FDS_CRIT_PCT] ? SK_SEV_CRITICAL
					   : SK_SEV_WARNING);
	char trend[64], eta[80];

	if (!f)
		return;
	evidence(f, SK_EV_FILES, used, max);
	text(f->title, sizeof(f->title), "System open files at %lld%% of fs.file-max", (long long)p);
	text(f->detail, sizeof(f->detail), "file-nr %lld of file-max %lld%s%s", (long long)used,
	     (long long)max, trend_text(&tr, trend, sizeof(trend)),
	     exhaustion_text(c, SK_EX_FILES, eta, sizeof(eta)));
	text(f->next_step, sizeof(f->next_step),
	     "sort processes by fds (key f) to find who holds them; sysctl fs.file-max");
}

/* --- recv_stuck ---------------------------------------------------------------------------- */

/* The receive buffer is full and the window advertised is less than one
 * segment (zero, or a sliver the sender will not use: silly window
 * avoidance puts it in persist mode the same): the peer can send nothing
 * more until the application reads. One look shows that. */
static bool window_shut(const struct sk_socket *k)
{
	return k->recv_q > 0 && sk_socket_rcv_window_shut(k);
}

static bool recv_backlog(const struct sk_socket *k, int64_t min_bytes)
{
	return k->proto == SK_PROTO_TCP && k->recv_q >= (uint64_t)min_bytes &&
	       (k->state == SK_TCP_ESTABLISHED || k->state == SK_TCP_CLOSE_WAIT);
}

/* A socket is stuck when its queue did not shrink across refreshes, or
 * when one look shows its window shut (at recv_stuck_bytes or more), or
 * on a first look only when the queue alone is very large. */
static bool recv_stuck_sock(const struct ctx *c, const struct sk_socket *k, bool confirmed)
{
	int64_t min_bytes = confirmed ? c->th[SK_TH_RECV_STUCK_BYTES]
				      : c->th[SK_TH_RECV_STUCK_FIRST_BYTES];

	return recv_backlog(k, min_bytes) ||
	       (recv_backlog(k, c->th[SK_TH_RECV_STUCK_BYTES]) && window_shut(k));
}

static void rule_recv_stuck(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;

	for (uint32_t p = 0; p < s->procs.n; p++) {
		const struct sk_process *proc = &s->procs.v[p];
		struct sk_trend tr = proc_trend(c, proc, SK_PM_RECVQ);
		/* Not shrinking across refreshes. */
		bool confirmed = tr.known && tr.last >= tr.first;
		uint64_t recvq = 0, rmem = 0;
		uint32_t n = 0, shut = 0, si;
		uint16_t port = 0;

		if (proc->agg.recv_q < (uint64_t)c->th[SK_TH_RECV_STUCK_BYTES])
			continue;
		FOR_EACH_PROC_SOCK(s, p, si) {
			const struct sk_socket *k = &s->socks.v[si];

			if (recv_stuck_sock(c, k, confirmed)) {
				n++;
				shut += window_shut(k);
			}
		}
		if (n == 0)
			continue;
		/* As many blocked peers as make a peer_zero_window finding on
		 * the other side: the reader is the cause, and sorts first. */
		struct sk_finding *f = new_finding(c, SK_FIND_RECV_STUCK,
						   (tr.known && tr.monotonic) ||
						   shut >= c->th[SK_TH_ZERO_WINDOW_SOCKETS]
						   ? SK_SEV_CRITICAL : SK_SEV_WARNING);
		char q[16], m[16], rss[16];

		if (!f)
			return;
		subject_process(f, s, p);
		FOR_EACH_PROC_SOCK(s, p, si) {
			const struct sk_socket *k = &s->socks.v[si];

			if (recv_stuck_sock(c, k, confirmed)) {
				add_sock(c, f, si);
				recvq += k->recv_q;
				rmem += sk_socket_rmem(k);
				port = k->local.port;
			}
		}
		evidence(f, SK_EV_SOCKETS, n, SK_UNKNOWN);
		evidence(f, SK_EV_RECV_Q, (int64_t)recvq, SK_UNKNOWN);
		evidence(f, SK_EV_RMEM, (int64_t)rmem, SK_UNKNOWN);
		evidence(f, SK_EV_RSS, (int64_t)proc->rss_kb * 1024, SK_UNKNOWN);
		evidence(f, SK_EV_ZERO_WINDOW, shut, SK_UNKNOWN);
		text(f->title, sizeof(f->title),
		     "Receive queue not drained: %s has %s unread in %u socket%s (RSS %s)", proc->comm,
		     sk_format_bytes(recvq, q, sizeof(q)), n, n == 1 ? "" : "s",
		     sk_format_bytes(proc->rss_kb * 1024, rss, sizeof(rss)));
		sk_format_bytes(rmem, m, sizeof(m));
		if (confirmed)
			text(f->detail, sizeof(f->detail),
			     "Recv-Q %s, rmem %s, not shrinking for %llu s; %u with the receive "
			     "window shut; local port %u", q, m,
			     (unsigned long long)(tr.span_ms / 1000), shut, port);
		else if (shut)
			text(f->detail, sizeof(f->detail),
			     "Recv-Q %s, rmem %s; %u with the receive window shut (buffer full, the "
			     "peers cannot send: seen at one look); local port %u", q, m, shut, port);
		else
			text(f->detail, sizeof(f->detail),
			     "Recv-Q %s, rmem %s; one refresh so far: not yet seen to stay; local port %u",
			     q, m, port);
		text(f->next_step, sizeof(f->next_step),
		     "the application stopped reading: strace -p %d -e trace=recvfrom,read; look for "
		     "a blocked reader thread; ss -tnmi '( sport = :%u )'", (int)proc->pid, port);
	}
}

/* --- peer_zero_window ---------------------------------------------------------------------- */

/* tcp_orphan_retries 0 is not "no probes": the kernel then uses 8. */
static const char *orphan_retries_text(int64_t retries, char *buf, size_t size)
{
	if (retries == 0)
		snprintf(buf, size, "tcp_orphan_retries 0, i.e. the kernel default of 8 probes");
	else if (retries == SK_UNKNOWN)
		snprintf(buf, size, "tcp_orphan_retries probes (unknown here; default 8)");
	else
		snprintf(buf, size, "tcp_orphan_retries (%lld) probes", (long long)retries);
	return buf;
}

static void zero_window_for(struct ctx *c, uint32_t proc)
{
	const struct sk_snapshot *s = c->s;
	uint64_t sendq = 0, wmem = 0;
	uint32_t n = 0, orphaned = 0, backoff = 0;
	bool have_tcpinfo = false; /* backoff is in tcp_info, which text mode does not ask for */

	for (size_t j = 0; j < c->x->zero_window.n; j++) {
		const struct sk_socket *k = &s->socks.v[c->x->zero_window.v[j]];

		if (owner_proc(s, k) != proc)
			continue;
		n++;
		sendq += k->send_q;
		wmem += sk_socket_wmem(k);
		orphaned += (k->flags & SK_SOCK_ORPHAN) != 0;
		have_tcpinfo |= (k->flags & SK_SOCK_HAS_TCPINFO) != 0;
		if (sk_socket_backoff(k) > backoff)
			backoff = sk_socket_backoff(k);
	}
	if (n < (uint64_t)c->th[SK_TH_ZERO_WINDOW_SOCKETS] &&
	    sendq < (uint64_t)c->th[SK_TH_ZERO_WINDOW_SENDQ])
		return;
	struct sk_finding *f = new_finding(c, SK_FIND_PEER_ZERO_WINDOW,
					   sendq >= 64ULL << 20 || orphaned >= 1000 ? SK_SEV_CRITICAL
					   : SK_SEV_WARNING);
	char q[16], m[16];

	if (!f)
		return;
	if (proc != SK_NONE)
		subject_process(f, s, proc);
	for (size_t j = 0; j < c->x->zero_window.n; j++)
		if (owner_proc(s, &s->socks.v[c->x->zero_window.v[j]]) == proc)
			add_sock(c, f, c->x->zero_window.v[j]);
	evidence(f, SK_EV_SOCKETS, n, SK_UNKNOWN);
	evidence(f, SK_EV_ORPHANED, orphaned, SK_UNKNOWN);
	evidence(f, SK_EV_SEND_Q, (int64_t)sendq, SK_UNKNOWN);
	if (have_tcpinfo)
		evidence(f, SK_EV_BACKOFF, backoff, SK_UNKNOWN);
	if (orphaned)
		evidence(f, SK_EV_TCP_ORPHAN_RETRIES, s->sys.limits.tcp_orphan_retries, SK_UNKNOWN);
	text(f->title, sizeof(f->title),
	     "Peers not reading: %u connection%s stuck behind a zero window (%u orphaned), %s unsent",
	     n, n == 1 ? "" : "s", orphaned, sk_format_bytes(sendq, q, sizeof(q)));
	char backoff_text[32] = "";

	char retries[64];

	if (have_tcpinfo)
		snprintf(backoff_text, sizeof(backoff_text), ", backoff up to %u", backoff);
	text(f->detail, sizeof(f->detail),
	     "persist timer%s; Send-Q %s, wmem %s held%s", backoff_text, q,
	     sk_format_bytes(wmem, m, sizeof(m)),
	     proc != SK_NONE && orphaned ? "; orphans attributed to the listener (likely)" : "");
	if (orphaned)
		text(f->next_step, sizeof(f->next_step),
		     "the peers stopped reading; orphans live on for %s: ss -tno state fin-wait-1; "
		     "tcp_fin_timeout does not apply to FIN_WAIT1",
		     orphan_retries_text(s->sys.limits.tcp_orphan_retries, retries,
					 sizeof(retries)));
	else
		text(f->next_step, sizeof(f->next_step),
		     "the peers stopped reading while this process still writes: find the peers "
		     "(ss -tnoi state established '( dport = :PORT )'), look at why they do not read; "
		     "the sender waits as long as it chooses to");
}

static void rule_peer_zero_window(struct ctx *c)
{
	const struct sk_snapshot *s = c->s;
	uint32_t *seen = calloc(s->procs.n + 1, sizeof(*seen));
	bool unowned = false;

	if (!seen) {
		c->rc = -ENOMEM;
		return;
	}
	/* Once per owner, in socket order; one pass collects the owners. */
	for (size_t j = 0; j < c->x->zero_window.n; j++) {
		uint32_t p = owner_proc(s, &s->socks.v[c->x->zero_window.v[j]]);

		if (p == SK_NONE)
			unowned = true;
		else if (!seen[p]) {
			seen[p] = 1;
			zero_window_for(c, p);
		}
	}
	if (unowned)
		zero_window_for(c, SK_NONE);
	free(seen);
}

/* --- orphans, tcp_mem ---------------------------------------------------------------------- */

/* How often the kernel logged `kind`, if its last time is within the
 * history window: an old complaint stays in the header, not a finding. */
static uint32_t kernel_recent(const struct ctx *c, enum sk_kmsg_line kind)
{
	uint64_t now = (uint64_t)c->s->monotonic.tv_sec * 1000000 +
		       (uint64_t)c->s->monotonic.tv_nsec / 1000;
	uint64_t window_us = (c->h && c->h->window_ms ? c->h->window_ms
			      : SK_HISTORY_WINDOW_MS_DEFAULT) * 1000;
	uint64_t last = c->s->klog.lines[kind].last_us;

	if (!c->s->klog.lines[kind].count || (now > last && now - last > window_us))
		return 0;
	return c->s->klog.lines[kind].count;
}

/* "kernel log: \"...\" x12, first 3 min ago, last 5 s ago; " */
static void kernel_said(const struct ctx *c, enum sk_kmsg_line kind, char *buf, size_t size)
{
	uint64_t now = (uint64_t)c->s->monotonic.tv_sec * 1000000 +
		       (uint64_t)c->s->monotonic.tv_nsec / 1000;
	size_t n = (size_t)snprintf(buf, size, "kernel log: ");

	sk_klog_text(&c->s->klog, kind, now, buf + n, size - n);
	n = strlen(buf);
	snprintf(buf + n, size - n, "; ");
}

static void rule_orphans(struct ctx *c)
{
	const struct sk_system *sys = &c->s->sys;
	int64_t orphans = sys->sockstat[SK_SS_TCP_ORPHAN];
	int64_t max = sys->limits.tcp_max_orphans;
	struct sk_trend abort_tr = sys_trend(c, SK_SM_ABORT_ON_MEMORY);
	int64_t aborts = sk_trend_rise(&abort_tr);
	/* The kernel said it in its own words: it killed orphans. */
	uint32_t said = kernel_recent(c, SK_KMSG_ORPHANS);
	bool limit = orphans != SK_UNKNOWN && max != SK_UNKNOWN && max > 0;
	int64_t p = limit ? pct(orphans, max) : 0;

	if (!said && (!limit || (p < c->th[SK_TH_ORPHANS_WARN_PCT] && aborts <= 0)))
		return;
	struct sk_finding *f = new_finding(c, SK_FIND_ORPHANS,
					   p >= c->th[SK_TH_ORPHANS_CRIT_PCT] || aborts > 0 || said
					   ? SK_SEV_CRITICAL : SK_SEV_WARNING);

	if (!f)
		return;
	if (said)
		evidence(f, SK_EV_KERNEL_TOO_MANY_ORPHANS, said, SK_UNKNOWN);
	for (size_t j = 0; j < c->x->orphans.n; j++)
		add_sock(c, f, c->x->orphans.v[j]);
	evidence(f, SK_EV_ORPHANS, orphans, max);
	evidence(f, SK_EV_TCP_ABORT_ON_MEMORY, sys->counters[SK_CTR_TCP_ABORT_ON_MEMORY], SK_UNKNOWN);
	uint64_t mem = 0;
	char orphan_mem[16], orphan_avg[16];

	for (size_t j = 0; j < c->x->orphans.n; j++) {
		const struct sk_socket *k = &c->s->socks.v[c->x->orphans.v[j]];

		mem += sk_socket_wmem(k) + sk_socket_rmem(k);
	}
	sk_format_bytes(mem, orphan_mem, sizeof(orphan_mem));
	sk_format_bytes(c->x->orphans.n ? mem / c->x->orphans.n : 0, orphan_avg, sizeof(orphan_avg));
	if (limit && said && p < c->th[SK_TH_ORPHANS_WARN_PCT])
		text(f->title, sizeof(f->title), "The kernel killed orphans (\"too many orphaned "
		     "sockets\"); now %lld of tcp_max_orphans %lld (%lld%%)", (long long)orphans,
		     (long long)max, (long long)p);
	else if (limit)
		text(f->title, sizeof(f->title),
		     "Orphans near the limit: %lld of tcp_max_orphans %lld (%lld%%)%s",
		     (long long)orphans, (long long)max, (long long)p,
		     aborts > 0 || said ? ": the kernel is killing them (\"too many orphaned sockets\")"
		     : "");
	else
		text(f->title, sizeof(f->title), "The kernel is killing orphans (\"too many orphaned "
		     "sockets\"); tcp_max_orphans unknown here");
	char eta[80], klog[160] = "";

	if (said)
		kernel_said(c, SK_KMSG_ORPHANS, klog, sizeof(klog));
	text(f->detail, sizeof(f->detail),
	     "%smachine-wide; TCPAbortOnMemory %+lld over %llu s%s; sockets with errors or backoff "
	     "count 2x-4x against the limit, and tcp_mem pressure aborts them sooner", klog,
	     (long long)aborts, (unsigned long long)(abort_tr.span_ms / 1000),
	     exhaustion_text(c, SK_EX_ORPHANS, eta, sizeof(eta)));
	text(f->next_step, sizeof(f->next_step),
	     "dmesg | grep 'orphaned'; the Orphans pane shows whose port they are on; they hold "
	     "%s now (%s each on average): raise net.ipv4.tcp_max_orphans only with memory to "
	     "back it", orphan_mem, orphan_avg);
}

static void rule_tcp_mem(struct ctx *c)
{
	const struct sk_system *sys = &c->s->sys;
	const struct sk_limits *l = &sys->limits;
	int64_t mem = sys->sockstat[SK_SS_TCP_MEM];
	uint32_t said = kernel_recent(c, SK_KMSG_TCP_MEM);

	if (mem == SK_UNKNOWN || l->tcp_mem[1] == SK_UNKNOWN || l->tcp_mem[1] <= 0)
		return;
	int64_t p = pct(mem, l->tcp_mem[1]);

	if (p < c->th[SK_TH_TCP_MEM_WARN_PCT] && !said)
		return;
	int64_t page = l->page_size > 0 ? l->page_size : 4096;
	struct sk_finding *f = new_finding(c, SK_FIND_TCP_MEM,
					   mem >= l->tcp_mem[1] || said ? SK_SEV_CRITICAL
					   : SK_SEV_WARNING);
	char b[16], klog[160] = "";

	if (!f)
		return;
	evidence(f, SK_EV_TCP_MEM_PAGES, mem, l->tcp_mem[1]);
	evidence(f, SK_EV_TCP_MEM_HIGH, l->tcp_mem[2], SK_UNKNOWN);
	if (said) {
		evidence(f, SK_EV_KERNEL_TCP_OUT_OF_MEMORY, said, SK_UNKNOWN);
		kernel_said(c, SK_KMSG_TCP_MEM, klog, sizeof(klog));
	}
	text(f->title, sizeof(f->title), "TCP memory %s: %lld pages (%s), %lld%% of the pressure threshold",
	     mem >= l->tcp_mem[2] ? "exhausted" : mem >= l->tcp_mem[1] ? "under pressure"
	     : p < c->th[SK_TH_TCP_MEM_WARN_PCT] ? "ran out (kernel log), now"
	     : "near pressure", (long long)mem, sk_format_bytes((uint64_t)(mem * page), b, sizeof(b)),
	     (long long)p);
	char eta[80];

	text(f->detail, sizeof(f->detail), "%stcp_mem low %lld, pressure %lld, high %lld pages "
	     "(machine-wide)%s; above pressure buffers shrink, above high allocations fail", klog,
	     (long long)l->tcp_mem[0], (long long)l->tcp_mem[1], (long long)l->tcp_mem[2],
	     exhaustion_text(c, SK_EX_TCP_MEM, eta, sizeof(eta)));
	text(f->next_step, sizeof(f->next_step),
	     "who holds it: sort by rmem (r) and wmem (w); orphans' send queues count too; "
	     "sysctl net.ipv4.tcp_mem");
}


/* --- the table --------------------------------------------------------------------------- */

static void (*const rules[])(struct ctx *) = {
	rule_close_wait,
	rule_closed_and_fds, /* closed_leak, or fd_exhaustion when closed sockets don't explain it */
	rule_recv_stuck,
	rule_peer_zero_window,
	rule_orphans,
	rule_tcp_mem,
	sk_rule_ephemeral_ports,
	sk_rule_accept_overflow,
	rule_files,
	sk_rule_udp_rcvbuf,
	sk_rule_time_wait_churn,
};

static int cmp_findings(const void *pa, const void *pb)
{
	const struct sk_finding *a = pa, *b = pb;

	if (a->severity != b->severity)
		return b->severity - a->severity;
	if (a->kind != b->kind)
		return a->kind - b->kind;
	/* Bigger evidence first within a kind. */
	int64_t va = a->nev ? a->ev[0].value : 0, vb = b->nev ? b->ev[0].value : 0;

	return (va < vb) - (va > vb);
}

int sk_findings_evaluate(struct sk_findings *f, const struct sk_snapshot *s,
			 const struct sk_history *h, const struct sk_thresholds *th)
{
	struct ctx c = {.f = f, .s = s, .h = h, .th = th->v};

	if (!f->scratch && !(f->scratch = calloc(1, sizeof(*f->scratch))))
		return -ENOMEM;
	c.x = f->scratch;

	f->list.n = 0;
	f->socks.n = 0;
	memset(f->by_severity, 0, sizeof(f->by_severity));
	memset(f->pending, 0, sizeof(f->pending));
	c.rc = collect_candidates(&c);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && c.rc == 0; i++)
		rules[i](&c);
	if (c.rc == 0)
		c.rc = sk_findings_merge_programs(f, s);
	if (c.rc)
		return c.rc;
	sk_qsort(f->list.v, f->list.n, sizeof(*f->list.v), cmp_findings);
	for (size_t i = 0; i < f->list.n; i++)
		f->by_severity[f->list.v[i].severity]++;
	return 0;
}
