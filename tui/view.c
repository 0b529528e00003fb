#include <config.h>

#include "view.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "columns.h"
#include "hunits.h"

const char *const sk_pane_names[SK_PANE_LAST] = {
	[SK_PANE_PROCS] = "Processes",
	[SK_PANE_SOCKS] = "Sockets",
	[SK_PANE_STATES] = "States",
	[SK_PANE_ORPHANS] = "Orphans",
	[SK_PANE_FINDINGS] = "Findings",
};

const char *const sk_group_names[SK_GROUP_LAST] = {
	[SK_GROUP_NONE] = "not grouped",
	[SK_GROUP_PEER] = "grouped by peer address",
	[SK_GROUP_LPORT] = "grouped by local port",
};

/* --- display states -------------------------------------------------------- */

/* The kernel's states by their short names (src/sock.c), then what sktop
 * infers. */
static const char *const inferred_names[SK_DS_LAST - SK_TCP_STATE_LAST] = {
	[SK_DS_CLOSED - SK_TCP_STATE_LAST] = "closed",
	[SK_DS_UNBOUND - SK_TCP_STATE_LAST] = "unbound",
	[SK_DS_UNCONN - SK_TCP_STATE_LAST] = "UNCONN",
	[SK_DS_ORPHANS - SK_TCP_STATE_LAST] = "orphans",
};

/* What to look at first when sorting by state: leaks, then stuck closes. */
static const int8_t dstate_rank[SK_DS_LAST] = {
	[SK_TCP_CLOSE_WAIT] = 100, [SK_DS_CLOSED] = 95,     [SK_TCP_FIN_WAIT1] = 90,
	[SK_TCP_LAST_ACK] = 85,    [SK_TCP_CLOSING] = 80,   [SK_DS_ORPHANS] = 78,
	[SK_TCP_SYN_RECV] = 70,    [SK_TCP_NEW_SYN_RECV] = 70, [SK_TCP_FIN_WAIT2] = 60,
	[SK_TCP_SYN_SENT] = 55,    [SK_TCP_ESTABLISHED] = 40, [SK_TCP_TIME_WAIT] = 30,
	[SK_TCP_LISTEN] = 20,      [SK_DS_UNBOUND] = 15,    [SK_DS_UNCONN] = 10,
	[SK_TCP_CLOSE] = 8,        [SK_TCP_BOUND_INACTIVE] = 5, [SK_TCP_UNKNOWN] = 0,
};

const char *sk_dstate_name(unsigned ds)
{
	if (ds < SK_TCP_STATE_LAST)
		return sk_tcp_state_short_names[ds];
	return ds < SK_DS_LAST ? inferred_names[ds - SK_TCP_STATE_LAST] : "?";
}

int sk_dstate_badness(unsigned ds)
{
	return ds < SK_DS_LAST ? dstate_rank[ds] : 0;
}

unsigned sk_dstate_of(const struct sk_socket *k)
{
	if (k->flags & SK_SOCK_UNDUMPED)
		return k->proto == SK_PROTO_TCP ? SK_DS_CLOSED : SK_DS_UNBOUND;
	if (k->proto != SK_PROTO_TCP) {
		if (k->state == SK_TCP_CLOSE)
			return SK_DS_UNCONN;
		return k->state < SK_TCP_STATE_LAST ? k->state : SK_TCP_UNKNOWN;
	}
	switch (k->state) {
	case SK_TCP_NEW_SYN_RECV: return SK_TCP_SYN_RECV;
	/* A dumped TCP socket in CLOSE is bound and idle: the join counts it
	 * with the undumped ones as "closed", and so do we. */
	case SK_TCP_CLOSE:
	case SK_TCP_BOUND_INACTIVE: return SK_DS_CLOSED;
	default: return k->state < SK_TCP_STATE_LAST ? k->state : SK_TCP_UNKNOWN;
	}
}

/* --- small helpers ------------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}
#define FNV_INIT 0xcbf29ce484222325ULL

struct sk_vkey sk_view_key_proc(const struct sk_process *p)
{
	return (struct sk_vkey){(uint64_t)(uint32_t)p->pid, p->starttime};
}

struct sk_vkey sk_view_key_sock(const struct sk_socket *k)
{
	if (k->inode || k->cookie)
		return (struct sk_vkey){k->inode, k->cookie};
	/* Hand-built rows and old kernels: the four-tuple names it. */
	uint64_t h = fnv(FNV_INIT, &k->local, sizeof(k->local));

	h = fnv(h, &k->peer, sizeof(k->peer));
	h = fnv(h, &k->netns, sizeof(k->netns));
	h = fnv(h, &k->proto, 1);
	return (struct sk_vkey){0, h | 1};
}

static struct sk_vkey key_group(const struct sk_gkey *g)
{
	uint64_t h = fnv(FNV_INIT, &g->mode, 1);

	h = fnv(h, &g->dstate, 1);
	h = fnv(h, &g->family, 1);
	h = fnv(h, &g->port, sizeof(g->port));
	h = fnv(h, g->addr, sizeof(g->addr));
	return (struct sk_vkey){h, 2};
}

static struct sk_vkey key_orphan(const struct sk_okey *o)
{
	uint64_t h = fnv(FNV_INIT, &o->dstate, 1);

	h = fnv(h, &o->owner_kind, 1);
	h = fnv(h, &o->pid, sizeof(o->pid));
	h = fnv(h, &o->cgroup, sizeof(o->cgroup));
	h = fnv(h, &o->lport, sizeof(o->lport));
	return (struct sk_vkey){h, 3};
}

static bool key_eq(struct sk_vkey a, struct sk_vkey b)
{
	return a.a == b.a && a.b == b.b;
}

static void default_user(void *ctx, uint32_t uid, char *buf, size_t size)
{
	(void)ctx;
	snprintf(buf, size, "%u", uid);
}

const char *sk_view_user(const struct sk_view *v, uint32_t uid, char *buf, size_t size)
{
	v->cfg.user_name(v->cfg.user_ctx, uid, buf, size);
	return buf;
}

void sk_view_proc_label(const struct sk_process *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s[%d]", p->comm, (int)p->pid);
}

const char *sk_view_proto(const struct sk_socket *k)
{
	if (k->proto == SK_PROTO_UNIX) {
		switch (k->sock_type) {
		case SOCK_STREAM: return "u_str";
		case SOCK_DGRAM: return "u_dgr";
		case SOCK_SEQPACKET: return "u_seq";
		default: return "unix";
		}
	}
	if (k->proto == SK_PROTO_TCP)
		return k->family == AF_INET6 ? "tcp6" : "tcp";
	if (k->proto == SK_PROTO_UDP)
		return k->family == AF_INET6 ? "udp6" : "udp";
	return "?";
}

void sk_view_endpoint(const struct sk_snapshot *s, const struct sk_socket *k, bool peer,
		      char *buf, size_t size)
{
	if (k->flags & SK_SOCK_UNDUMPED) {
		/* Nothing is known: not even whether it was ever bound. */
		snprintf(buf, size, "%s", peer ? "-" : "*:*");
		return;
	}
	if (k->family == AF_UNIX) {
		if (peer) {
			if (k->unix_peer)
				snprintf(buf, size, "* %u", k->unix_peer);
			else
				snprintf(buf, size, "*");
		} else {
			const char *path = sk_strtab_get(&s->strs, k->path);

			snprintf(buf, size, "%s", path[0] ? path : "*");
		}
		return;
	}
	const struct sk_endpoint *ep = peer ? &k->peer : &k->local;

	sk_endpoint_format(ep, k->family, buf, size);
	/* An unconnected peer reads better as ss writes it. */
	if (peer && ep->port == 0) {
		static const uint8_t zero[16];

		if (memcmp(ep->addr, zero, sizeof(zero)) == 0)
			snprintf(buf, size, "*:*");
	}
}

void sk_view_timer(const struct sk_socket *k, char *buf, size_t size)
{
	static const char *const shortname[SK_TIMER_LAST] = {
		[SK_TIMER_ON] = "on", [SK_TIMER_KEEPALIVE] = "keep",
		[SK_TIMER_TIMEWAIT] = "tw", [SK_TIMER_PERSIST] = "probe",
	};
	char t[16];
	unsigned n = k->retrans;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (k->timer == SK_TIMER_OFF || k->timer >= SK_TIMER_LAST || k->proto != SK_PROTO_TCP)
		return;
	/* Zero-window probes count in tcp_info, not in idiag_retrans. */
	if (k->timer == SK_TIMER_PERSIST && (k->flags & SK_SOCK_HAS_TCPINFO) && k->tcp.probes > n)
		n = k->tcp.probes;
	sk_tui_fmt_ms(k->timer_ms, t, sizeof(t));
	if (n)
		snprintf(buf, size, "%s %s/%u", shortname[k->timer], t, n);
	else
		snprintf(buf, size, "%s %s", shortname[k->timer], t);
}

static int addr_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

void sk_view_gkey_label(const struct sk_gkey *g, char *buf, size_t size)
{
	if (g->mode == SK_GROUP_LPORT) {
		snprintf(buf, size, "port %u", g->port);
		return;
	}
	if (g->family == AF_INET || g->family == AF_INET6) {
		struct sk_endpoint ep = {{0}, 0};
		char tmp[64];

		memcpy(ep.addr, g->addr, (size_t)addr_len(g->family));
		sk_endpoint_format(&ep, g->family, tmp, sizeof(tmp));
		/* Strip the ":0" port the formatter adds. */
		char *colon = strrchr(tmp, ':');

		if (colon)
			*colon = '\0';
		if (g->family == AF_INET6 && tmp[0] == '[') {
			size_t l = strlen(tmp);

			if (l >= 2 && tmp[l - 1] == ']') {
				tmp[l - 1] = '\0';
				snprintf(buf, size, "%s", tmp + 1);
				return;
			}
		}
		snprintf(buf, size, "%s", tmp);
		return;
	}
	snprintf(buf, size, "%s", g->family == AF_UNIX ? "(unix)" : "(no peer)");
}

void sk_view_okey_label(const struct sk_snapshot *s, const struct sk_vorphan *o, char *buf,
			size_t size)
{
	char who[96];

	switch (o->key.owner_kind) {
	case SK_OWNER_LISTENER:
		if (o->proc != SK_NONE && o->proc < s->procs.n)
			sk_view_proc_label(&s->procs.v[o->proc], who, sizeof(who));
		else
			snprintf(who, sizeof(who), "pid %d", (int)o->key.pid);
		snprintf(buf, size, "%s via :%u", who, o->key.lport);
		break;
	case SK_OWNER_CGROUP:
		snprintf(buf, size, "cgroup %llu (client side)", (unsigned long long)o->key.cgroup);
		break;
	default:
		snprintf(buf, size, "unknown (client side)");
		break;
	}
}

/* --- growth ---------------------------------------------------------------------- */

static const char *const metric_names[SK_PM_LAST] = {
	[SK_PM_SOCKETS] = "sockets",
	[SK_PM_FDS] = "fds",
	[SK_PM_CLOSE_WAIT] = "CLOSE_WAIT",
	[SK_PM_CLOSED] = "closed",
	[SK_PM_ORPHANS] = "orphans",
	[SK_PM_RMEM] = "rmem",
	[SK_PM_RECVQ] = "Recv-Q",
};

const char *sk_view_metric_name(enum sk_pmetric m)
{
	return m < SK_PM_LAST ? metric_names[m] : "?";
}

bool sk_view_metric_bytes(enum sk_pmetric m)
{
	return m == SK_PM_RMEM || m == SK_PM_RECVQ;
}

struct sk_trend sk_view_proc_trend(const struct sk_snapshot *s, const struct sk_process *p,
				   enum sk_pmetric m)
{
	const struct sk_proc_history *ph;

	if (!s->history || m >= SK_PM_LAST)
		return (struct sk_trend){0};
	ph = sk_history_find(s->history, p->pid, p->starttime);
	return ph ? sk_series_trend(&ph->m[m]) : (struct sk_trend){0};
}

/* The metric GROW/m follows once the process sort is `col`: the sorted
 * count when history keeps it, the same as before when sorting by growth
 * itself, sockets otherwise. */
static enum sk_pmetric growth_metric_after(enum sk_pmetric before, int col)
{
	switch (col) {
	case SK_SORT_SOCKETS: return SK_PM_SOCKETS;
	case SK_SORT_FDS: return SK_PM_FDS;
	case SK_SORT_CLOSE_WAIT: return SK_PM_CLOSE_WAIT;
	case SK_SORT_CLOSED: return SK_PM_CLOSED;
	case SK_SORT_ORPHANS: return SK_PM_ORPHANS;
	case SK_SORT_RMEM: return SK_PM_RMEM;
	case SK_SORT_RECVQ: return SK_PM_RECVQ;
	default: return col == SK_VSORT_GROWTH ? before : SK_PM_SOCKETS;
	}
}

struct growth_ctx {
	const struct sk_snapshot *s;
	bool descending;
};

/* Processes whose trend is not known yet go last either way: "no data"
 * is neither the fastest nor the slowest grower. Ties: the one that never
 * fell first, then by pid, so the order is stable across refreshes. */
static int cmp_growth(const void *pa, const void *pb, void *arg)
{
	const struct sk_vgrowth *a = pa, *b = pb;
	const struct growth_ctx *c = arg;

	if (a->tr.known != b->tr.known)
		return a->tr.known ? -1 : 1;
	if (a->tr.known && a->tr.per_min != b->tr.per_min) {
		int d = a->tr.per_min < b->tr.per_min ? -1 : 1;

		return c->descending ? -d : d;
	}
	if (a->tr.monotonic != b->tr.monotonic)
		return a->tr.monotonic ? -1 : 1;
	int32_t x = c->s->procs.v[a->proc].pid, y = c->s->procs.v[b->proc].pid;

	return x < y ? -1 : x > y;
}

/* --- init / free --------------------------------------------------------------- */

static void level_init(struct sk_level *l, enum sk_vkind kind)
{
	memset(l, 0, sizeof(*l));
	l->kind = (uint8_t)kind;
}

void sk_view_init(struct sk_view *v, const struct sk_view_config *cfg,
		  enum sk_sort_key proc_sort, bool invert)
{
	memset(v, 0, sizeof(*v));
	if (cfg)
		v->cfg = *cfg;
	if (!v->cfg.user_name)
		v->cfg.user_name = default_user;
	v->depth = 1;
	v->width = 80;
	level_init(&v->stack[0], SK_VK_PROCS);
	v->sort[SK_VK_PROCS] = (struct sk_sortstate){(int)proc_sort, invert};
	v->growth_metric = (uint8_t)growth_metric_after(SK_PM_SOCKETS, (int)proc_sort);
	v->sort[SK_VK_SOCKS] = (struct sk_sortstate){SK_SCOL_STATE, false};
	v->sort[SK_VK_ORPHANS] = (struct sk_sortstate){SK_OCOL_COUNT, false};
	v->sort[SK_VK_STATES] = (struct sk_sortstate){-1, false};
	v->sort[SK_VK_DETAIL] = (struct sk_sortstate){-1, false};
	v->gsort = (struct sk_sortstate){SK_GCOL_COUNT, false};
}

void sk_view_free(struct sk_view *v)
{
	free(v->procs.v);
	free(v->growth.v);
	free(v->socks.v);
	free(v->groups.v);
	free(v->orphans.v);
	free(v->states.v);
	free(v->lines.v);
	free(v->keys.v);
	free(v->scratch.v);
	memset(v, 0, sizeof(*v));
}

/* --- restriction (-p, -u) and the filter -------------------------------------------- */

static bool proc_allowed(const struct sk_view *v, const struct sk_process *p)
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

static bool restricted(const struct sk_view *v)
{
	return v->cfg.have_uid || v->cfg.npids;
}

static bool contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

static bool proc_text_matches(const struct sk_view *v, const struct sk_snapshot *s,
			      const struct sk_process *p, const char *f)
{
	char pid[16], user[64];

	snprintf(pid, sizeof(pid), "%d", (int)p->pid);
	return contains(p->comm, f) || contains(sk_strtab_get(&s->strs, p->cmdline), f) ||
	       contains(pid, f) || contains(sk_view_user(v, p->uid, user, sizeof(user)), f);
}

static bool sock_text_matches(const struct sk_snapshot *s, const struct sk_socket *k,
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
static bool proc_matches(const struct sk_view *v, const struct sk_snapshot *s,
			 const struct sk_process *p)
{
	if (!v->filter[0] || proc_text_matches(v, s, p, v->filter))
		return true;
	for (uint32_t f = p->fdrefs_start; f < p->fdrefs_start + p->fdrefs_count && f < s->fdrefs.n;
	     f++) {
		uint32_t si = s->fdrefs.v[f].sock;

		if (si != SK_NONE && si < s->socks.n && sock_text_matches(s, &s->socks.v[si], v->filter))
			return true;
	}
	return false;
}

static bool vsock_matches(const struct sk_view *v, const struct sk_snapshot *s,
			  const struct sk_vsock *r)
{
	if (!v->filter[0])
		return true;
	if (sock_text_matches(s, &s->socks.v[r->sock], v->filter))
		return true;
	return r->proc != SK_NONE && proc_text_matches(v, s, &s->procs.v[r->proc], v->filter);
}

/* --- processes ------------------------------------------------------------------- */

static int build_procs(struct sk_view *v, const struct sk_snapshot *s)
{
	const struct sk_sortstate *ss = &v->sort[SK_VK_PROCS];

	v->procs.n = 0;
	v->growth.n = 0;
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];

		if (p->agg.sockets == 0 && p->agg.orphans == 0)
			continue;
		if (!proc_allowed(v, p))
			continue;
		if (!proc_matches(v, s, p)) {
			v->hidden++;
			continue;
		}
		uint32_t *slot = SK_VEC_PUSH(&v->procs);

		if (!slot)
			return -ENOMEM;
		*slot = (uint32_t)i;
	}
	bool by_growth = ss->col == SK_VSORT_GROWTH;

	v->growth_metric = (uint8_t)growth_metric_after((enum sk_pmetric)v->growth_metric, ss->col);
	if (!by_growth)
		sk_proc_sort(s->procs.v, v->procs.v, v->procs.n, (enum sk_sort_key)ss->col, ss->invert);
	if (sk_vec_reserve((void **)&v->growth.v, &v->growth.cap, v->procs.n,
			   sizeof(struct sk_vgrowth)))
		return -ENOMEM;
	for (size_t i = 0; i < v->procs.n; i++)
		v->growth.v[i] = (struct sk_vgrowth){
			v->procs.v[i],
			sk_view_proc_trend(s, &s->procs.v[v->procs.v[i]],
					   (enum sk_pmetric)v->growth_metric)};
	v->growth.n = v->procs.n;
	if (by_growth) {
		struct growth_ctx c = {s, !ss->invert};

		sk_qsort_r(v->growth.v, v->growth.n, sizeof(struct sk_vgrowth), cmp_growth, &c);
		for (size_t i = 0; i < v->growth.n; i++)
			v->procs.v[i] = v->growth.v[i].proc;
	}
	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, v->procs.n, sizeof(struct sk_vkey)))
		return -ENOMEM;
	for (size_t i = 0; i < v->procs.n; i++)
		v->keys.v[i] = sk_view_key_proc(&s->procs.v[v->procs.v[i]]);
	v->keys.n = v->procs.n;
	v->nrows = v->procs.n;
	return 0;
}

/* The process a level names, checking it is the same process (start time)
 * and not a new one that reused the pid. */
static uint32_t level_proc(const struct sk_level *l, const struct sk_snapshot *s)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, l->pid);

	if (!p || (l->starttime && p->starttime != l->starttime))
		return SK_NONE;
	return (uint32_t)(p - s->procs.v);
}

/* --- sockets ---------------------------------------------------------------------- */

static uint32_t first_owner_proc(const struct sk_snapshot *s, const struct sk_socket *k, int32_t *fd)
{
	uint32_t best = SK_NONE;

	*fd = -1;
	for (uint32_t i = 0; i < k->owners_count; i++) {
		uint32_t oi = k->owners_start + i;

		if (oi >= s->owner_index.n)
			break;
		const struct sk_fdref *ref = &s->fdrefs.v[s->owner_index.v[oi]];

		if (best == SK_NONE || ref->proc < best || (ref->proc == best && ref->fd < *fd)) {
			best = ref->proc;
			*fd = ref->fd;
		}
	}
	return best;
}

static bool okey_eq(const struct sk_okey *a, const struct sk_okey *b)
{
	return a->dstate == b->dstate && a->owner_kind == b->owner_kind && a->pid == b->pid &&
	       a->cgroup == b->cgroup && a->lport == b->lport;
}

static struct sk_okey okey_of(const struct sk_snapshot *s, const struct sk_socket *k)
{
	struct sk_okey o;

	memset(&o, 0, sizeof(o));
	o.dstate = (uint8_t)sk_dstate_of(k);
	o.owner_kind = k->owner_kind;
	if (k->owner_kind == SK_OWNER_LISTENER && k->likely_owner < s->procs.n) {
		o.pid = s->procs.v[k->likely_owner].pid;
		o.lport = k->local.port;
	} else if (k->owner_kind == SK_OWNER_CGROUP) {
		o.cgroup = k->cgroup_id;
	} else {
		o.owner_kind = SK_OWNER_NONE;
	}
	return o;
}

static struct sk_gkey gkey_of(const struct sk_socket *k, unsigned mode, unsigned dstate)
{
	struct sk_gkey g;

	memset(&g, 0, sizeof(g));
	g.mode = (uint8_t)mode;
	g.dstate = (uint8_t)dstate;
	if (mode == SK_GROUP_LPORT) {
		g.port = (k->flags & SK_SOCK_UNDUMPED) ? 0 : k->local.port;
	} else if (!(k->flags & SK_SOCK_UNDUMPED) &&
		   (k->family == AF_INET || k->family == AF_INET6)) {
		g.family = k->family;
		memcpy(g.addr, k->peer.addr, (size_t)addr_len(k->family));
	} else if (k->family == AF_UNIX) {
		g.family = AF_UNIX;
	}
	return g;
}

static bool gkey_eq(const struct sk_gkey *a, const struct sk_gkey *b)
{
	return a->mode == b->mode && a->dstate == b->dstate && a->family == b->family &&
	       a->port == b->port && memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static int push_vsock(struct sk_view *v, uint32_t sock, uint32_t proc, int32_t fd, uint32_t nfds,
		      bool likely, unsigned dstate)
{
	struct sk_vsock *r = SK_VEC_PUSH(&v->socks);

	if (!r)
		return -ENOMEM;
	r->sock = sock;
	r->proc = proc;
	r->fd = fd;
	r->nfds = (uint16_t)(nfds > UINT16_MAX ? UINT16_MAX : nfds);
	r->likely = likely;
	r->dstate = (uint8_t)dstate;
	return 0;
}

static int cmp_fdref_by_sock(const void *pa, const void *pb, void *ctx)
{
	const struct sk_fdref *refs = ctx;
	const struct sk_fdref *a = &refs[*(const uint32_t *)pa], *b = &refs[*(const uint32_t *)pb];

	if (a->sock != b->sock)
		return a->sock < b->sock ? -1 : 1;
	return a->fd < b->fd ? -1 : a->fd > b->fd;
}

/* Sockets of one process: one row per socket (dup'ed fds fold into the
 * lowest fd), plus the fd-less sockets it is the likely owner of. */
static int collect_proc_socks(struct sk_view *v, const struct sk_snapshot *s, uint32_t pi)
{
	const struct sk_process *p = &s->procs.v[pi];
	uint32_t end = p->fdrefs_start + p->fdrefs_count;

	if (end > s->fdrefs.n)
		end = (uint32_t)s->fdrefs.n;
	v->scratch.n = 0;
	for (uint32_t f = p->fdrefs_start; f < end; f++) {
		if (s->fdrefs.v[f].sock == SK_NONE || s->fdrefs.v[f].sock >= s->socks.n)
			continue;
		uint32_t *slot = SK_VEC_PUSH(&v->scratch);

		if (!slot)
			return -ENOMEM;
		*slot = f;
	}
	sk_qsort_r(v->scratch.v, v->scratch.n, sizeof(uint32_t), cmp_fdref_by_sock, s->fdrefs.v);
	for (size_t i = 0; i < v->scratch.n;) {
		const struct sk_fdref *ref = &s->fdrefs.v[v->scratch.v[i]];
		size_t j = i + 1;

		while (j < v->scratch.n && s->fdrefs.v[v->scratch.v[j]].sock == ref->sock)
			j++;
		int rc = push_vsock(v, ref->sock, pi, ref->fd, (uint32_t)(j - i), false,
				    sk_dstate_of(&s->socks.v[ref->sock]));

		if (rc)
			return rc;
		i = j;
	}
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->owners_count == 0 && k->likely_owner == pi) {
			int rc = push_vsock(v, (uint32_t)i, pi, -1, 0, true, sk_dstate_of(k));

			if (rc)
				return rc;
		}
	}
	return 0;
}

static int collect_all_socks(struct sk_view *v, const struct sk_snapshot *s,
			     const struct sk_level *l)
{
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		unsigned ds = sk_dstate_of(k);
		int32_t fd;
		uint32_t proc = first_owner_proc(s, k, &fd);
		bool likely = false;

		if (l->scope == SK_SCOPE_STATE) {
			if (l->state == SK_DS_ORPHANS ? !(k->flags & SK_SOCK_ORPHAN) : ds != l->state)
				continue;
		} else if (l->scope == SK_SCOPE_ORPHANS) {
			if (!(k->flags & SK_SOCK_ORPHAN))
				continue;
			struct sk_okey o = okey_of(s, k);

			if (!okey_eq(&o, &l->okey))
				continue;
		}
		if (proc == SK_NONE && k->likely_owner < s->procs.n) {
			proc = k->likely_owner;
			likely = true;
		}
		if (restricted(v) && (proc == SK_NONE || !proc_allowed(v, &s->procs.v[proc])))
			continue;
		int rc = push_vsock(v, (uint32_t)i, proc, fd, k->owners_count, likely, ds);

		if (rc)
			return rc;
	}
	return 0;
}

/* Socket rows are compared through this context (qsort_r). */
struct scmp_ctx {
	const struct sk_snapshot *s;
	const struct sk_view *v;
	int col;
	bool descending;
};

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int cmp_endpoint(const struct sk_socket *a, const struct sk_socket *b, bool peer)
{
	const struct sk_endpoint *ea = peer ? &a->peer : &a->local;
	const struct sk_endpoint *eb = peer ? &b->peer : &b->local;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	int c = memcmp(ea->addr, eb->addr, sizeof(ea->addr));

	if (c)
		return c < 0 ? -1 : 1;
	return cmp_u64(ea->port, eb->port);
}

static uint32_t timer_value(const struct sk_socket *k)
{
	return k->timer == SK_TIMER_OFF ? 0 : k->timer_ms;
}

static int cmp_vsock(const void *pa, const void *pb, void *arg)
{
	const struct scmp_ctx *c = arg;
	const struct sk_vsock *ra = pa, *rb = pb;
	const struct sk_socket *a = &c->s->socks.v[ra->sock], *b = &c->s->socks.v[rb->sock];
	int r = 0;

	switch (c->col) {
	case SK_SCOL_PROTO:
		r = strcmp(sk_view_proto(a), sk_view_proto(b));
		break;
	case SK_SCOL_STATE:
		r = sk_dstate_badness(ra->dstate) - sk_dstate_badness(rb->dstate);
		break;
	case SK_SCOL_FD: r = ra->fd < rb->fd ? -1 : ra->fd > rb->fd; break;
	case SK_SCOL_LOCAL: r = cmp_endpoint(a, b, false); break;
	case SK_SCOL_PEER: r = cmp_endpoint(a, b, true); break;
	case SK_SCOL_RECVQ: r = cmp_u64(a->recv_q, b->recv_q); break;
	case SK_SCOL_SENDQ: r = cmp_u64(a->send_q, b->send_q); break;
	case SK_SCOL_RMEM: r = cmp_u64(a->mem.rmem_alloc, b->mem.rmem_alloc); break;
	case SK_SCOL_WMEM: r = cmp_u64(a->mem.wmem_queued, b->mem.wmem_queued); break;
	case SK_SCOL_TIMER: r = cmp_u64(timer_value(a), timer_value(b)); break;
	case SK_SCOL_USER: r = cmp_u64(a->uid, b->uid); break;
	case SK_SCOL_INODE: r = cmp_u64(a->inode, b->inode); break;
	case SK_SCOL_PID:
	case SK_SCOL_COMMAND: {
		int32_t pa_ = ra->proc == SK_NONE ? 0 : c->s->procs.v[ra->proc].pid;
		int32_t pb_ = rb->proc == SK_NONE ? 0 : c->s->procs.v[rb->proc].pid;

		if (c->col == SK_SCOL_COMMAND && ra->proc != SK_NONE && rb->proc != SK_NONE)
			r = strcmp(c->s->procs.v[ra->proc].comm, c->s->procs.v[rb->proc].comm);
		if (r == 0)
			r = pa_ < pb_ ? -1 : pa_ > pb_;
		break;
	}
	default: break;
	}
	if (c->descending)
		r = -r;
	if (r)
		return r;
	/* A total order, so equal rows never swap between refreshes: peer,
	 * local, then identity. */
	r = cmp_endpoint(a, b, true);
	if (r == 0)
		r = cmp_endpoint(a, b, false);
	if (r == 0)
		r = cmp_u64(a->inode, b->inode);
	if (r == 0)
		r = cmp_u64(a->cookie, b->cookie);
	if (r == 0)
		r = cmp_u64(ra->sock, rb->sock);
	return r;
}

static bool col_descending(const struct sk_coldef *defs, int col, bool invert)
{
	return defs[col].descending != invert;
}

/* Groups: sort member rows by group key, then sweep. */
struct gcmp_ctx {
	const struct sk_snapshot *s;
	unsigned mode;
};

static int cmp_gkey(const struct sk_gkey *a, const struct sk_gkey *b)
{
	if (a->dstate != b->dstate)
		return a->dstate < b->dstate ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	int c = memcmp(a->addr, b->addr, sizeof(a->addr));

	return c < 0 ? -1 : c > 0;
}

static int cmp_member(const void *pa, const void *pb, void *arg)
{
	const struct gcmp_ctx *c = arg;
	const struct sk_vsock *ra = pa, *rb = pb;
	struct sk_gkey ga = gkey_of(&c->s->socks.v[ra->sock], c->mode, ra->dstate);
	struct sk_gkey gb = gkey_of(&c->s->socks.v[rb->sock], c->mode, rb->dstate);
	int r = cmp_gkey(&ga, &gb);

	if (r)
		return r;
	return ra->proc < rb->proc ? -1 : ra->proc > rb->proc;
}

static int build_groups(struct sk_view *v, const struct sk_snapshot *s, unsigned mode)
{
	struct gcmp_ctx gc = {s, mode};

	uint32_t last_proc = SK_NONE;

	v->groups.n = 0;
	sk_qsort_r(v->socks.v, v->socks.n, sizeof(struct sk_vsock), cmp_member, &gc);
	for (size_t i = 0; i < v->socks.n; i++) {
		const struct sk_vsock *r = &v->socks.v[i];
		const struct sk_socket *k = &s->socks.v[r->sock];
		struct sk_gkey key = gkey_of(k, mode, r->dstate);
		struct sk_vgroup *g = v->groups.n ? &v->groups.v[v->groups.n - 1] : NULL;

		if (!g || !gkey_eq(&g->key, &key)) {
			g = SK_VEC_PUSH(&v->groups);
			if (!g)
				return -ENOMEM;
			g->key = key;
			g->proc = SK_NONE;
			last_proc = SK_NONE;
		}
		/* Members come sorted by process within a group, so owner
		 * changes count distinct owners. */
		if (r->proc != SK_NONE && r->proc != last_proc) {
			if (g->proc == SK_NONE)
				g->proc = r->proc;
			g->nprocs++;
			last_proc = r->proc;
		}
		g->count++;
		if (k->state != SK_TCP_LISTEN) {
			g->recv_q += k->recv_q;
			g->send_q += k->send_q;
		}
		g->rmem += k->mem.rmem_alloc;
		g->wmem += k->mem.wmem_queued;
		if (timer_value(k) > g->timer_max_ms)
			g->timer_max_ms = timer_value(k);
	}
	return 0;
}

static int cmp_group(const void *pa, const void *pb, void *arg)
{
	const struct scmp_ctx *c = arg;
	const struct sk_vgroup *a = pa, *b = pb;
	int r = 0;

	switch (c->col) {
	case SK_GCOL_COUNT: r = cmp_u64(a->count, b->count); break;
	case SK_GCOL_STATE:
		r = sk_dstate_badness(a->key.dstate) - sk_dstate_badness(b->key.dstate);
		break;
	case SK_GCOL_ADDR: r = cmp_gkey(&a->key, &b->key); break;
	case SK_GCOL_PROCS: r = cmp_u64(a->nprocs, b->nprocs); break;
	case SK_GCOL_RECVQ: r = cmp_u64(a->recv_q, b->recv_q); break;
	case SK_GCOL_SENDQ: r = cmp_u64(a->send_q, b->send_q); break;
	case SK_GCOL_RMEM: r = cmp_u64(a->rmem, b->rmem); break;
	case SK_GCOL_WMEM: r = cmp_u64(a->wmem, b->wmem); break;
	case SK_GCOL_TIMER: r = cmp_u64(a->timer_max_ms, b->timer_max_ms); break;
	default: break;
	}
	if (c->descending)
		r = -r;
	if (r == 0) {
		/* Ties: the bigger pile first, then by address, always total. */
		r = -cmp_u64(a->count, b->count);
		if (r == 0)
			r = cmp_gkey(&a->key, &b->key);
	}
	return r;
}

static int collect_finding_socks(struct sk_view *v, const struct sk_snapshot *s,
				 const struct sk_level *l);

static int build_socks(struct sk_view *v, const struct sk_snapshot *s, struct sk_level *l)
{
	int rc = 0;

	v->socks.n = 0;
	v->groups.n = 0;
	v->grouped = false;
	if (l->scope == SK_SCOPE_PROC) {
		uint32_t pi = level_proc(l, s);

		if (pi == SK_NONE) {
			v->stale = true;
		} else {
			rc = collect_proc_socks(v, s, pi);
		}
	} else if (l->scope == SK_SCOPE_FINDING) {
		rc = collect_finding_socks(v, s, l);
	} else {
		rc = collect_all_socks(v, s, l);
	}
	if (rc)
		return rc;
	/* Filter (and the group a level drilled into) in place. */
	size_t out = 0;

	for (size_t i = 0; i < v->socks.n; i++) {
		const struct sk_vsock *r = &v->socks.v[i];

		if (l->in_group) {
			struct sk_gkey g = gkey_of(&s->socks.v[r->sock], l->gkey.mode, r->dstate);

			if (!gkey_eq(&g, &l->gkey))
				continue;
		}
		if (!vsock_matches(v, s, r)) {
			v->hidden++;
			continue;
		}
		v->socks.v[out++] = *r;
	}
	v->socks.n = out;

	if (l->group != SK_GROUP_NONE && !l->in_group) {
		rc = build_groups(v, s, l->group);
		if (rc)
			return rc;
		struct scmp_ctx c = {s, v, v->gsort.col,
				     col_descending(sk_gcols, v->gsort.col, v->gsort.invert)};

		sk_qsort_r(v->groups.v, v->groups.n, sizeof(struct sk_vgroup), cmp_group, &c);
		v->grouped = true;
		if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, v->groups.n,
				   sizeof(struct sk_vkey)))
			return -ENOMEM;
		for (size_t i = 0; i < v->groups.n; i++)
			v->keys.v[i] = key_group(&v->groups.v[i].key);
		v->keys.n = v->nrows = v->groups.n;
		return 0;
	}
	const struct sk_sortstate *ss = &v->sort[SK_VK_SOCKS];
	struct scmp_ctx c = {s, v, ss->col, col_descending(sk_scols, ss->col, ss->invert)};

	sk_qsort_r(v->socks.v, v->socks.n, sizeof(struct sk_vsock), cmp_vsock, &c);
	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, v->socks.n, sizeof(struct sk_vkey)))
		return -ENOMEM;
	for (size_t i = 0; i < v->socks.n; i++)
		v->keys.v[i] = sk_view_key_sock(&s->socks.v[v->socks.v[i].sock]);
	v->keys.n = v->nrows = v->socks.n;
	return 0;
}

/* --- states ---------------------------------------------------------------------- */

static const uint8_t state_rows[] = {
	SK_TCP_ESTABLISHED, SK_TCP_SYN_SENT,  SK_TCP_SYN_RECV,   SK_TCP_FIN_WAIT1,
	SK_TCP_FIN_WAIT2,   SK_TCP_TIME_WAIT, SK_TCP_CLOSE_WAIT, SK_TCP_LAST_ACK,
	SK_TCP_CLOSING,     SK_TCP_LISTEN,    SK_DS_CLOSED,      SK_DS_ORPHANS,
};
#define NSTATE_ROWS (sizeof(state_rows) / sizeof(state_rows[0]))
#define PROC_BITS 26
#define NOPROC ((1u << PROC_BITS) - 1)

static uint32_t pack(unsigned ds, uint32_t proc)
{
	return ((uint32_t)ds << PROC_BITS) | (proc >= NOPROC ? NOPROC : proc);
}

static int cmp_u32(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	return a < b ? -1 : a > b;
}

static void state_add_owner(struct sk_vstate *st, uint32_t proc, uint32_t count)
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
			if (st->ntop < SK_STATE_TOP)
				st->ntop++;
			return;
		}
	}
}

static int build_states(struct sk_view *v, const struct sk_snapshot *s)
{
	v->states.n = 0;
	v->scratch.n = 0;
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		int32_t fd;
		uint32_t proc;

		if (k->proto != SK_PROTO_TCP)
			continue;
		proc = first_owner_proc(s, k, &fd);
		if (proc == SK_NONE && k->likely_owner < s->procs.n)
			proc = k->likely_owner;
		uint32_t *slot = SK_VEC_PUSH(&v->scratch);

		if (!slot)
			return -ENOMEM;
		*slot = pack(sk_dstate_of(k), proc);
		if (k->flags & SK_SOCK_ORPHAN) {
			slot = SK_VEC_PUSH(&v->scratch);
			if (!slot)
				return -ENOMEM;
			*slot = pack(SK_DS_ORPHANS,
				     k->likely_owner < s->procs.n ? k->likely_owner : NOPROC);
		}
	}
	sk_qsort(v->scratch.v, v->scratch.n, sizeof(uint32_t), cmp_u32);

	struct sk_vstate by_ds[SK_DS_LAST];

	memset(by_ds, 0, sizeof(by_ds));
	for (size_t i = 0; i < v->scratch.n;) {
		uint32_t k = v->scratch.v[i];
		size_t j = i + 1;

		while (j < v->scratch.n && v->scratch.v[j] == k)
			j++;
		unsigned ds = k >> PROC_BITS;

		if (ds < SK_DS_LAST) {
			by_ds[ds].count += (uint32_t)(j - i);
			state_add_owner(&by_ds[ds], k & NOPROC, (uint32_t)(j - i));
		}
		i = j;
	}
	for (size_t r = 0; r < NSTATE_ROWS; r++) {
		struct sk_vstate *st = SK_VEC_PUSH(&v->states);

		if (!st)
			return -ENOMEM;
		*st = by_ds[state_rows[r]];
		st->dstate = state_rows[r];
	}
	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, v->states.n, sizeof(struct sk_vkey)))
		return -ENOMEM;
	for (size_t i = 0; i < v->states.n; i++)
		v->keys.v[i] = (struct sk_vkey){v->states.v[i].dstate, 4};
	v->keys.n = v->nrows = v->states.n;
	return 0;
}

/* --- orphans --------------------------------------------------------------------- */

static int cmp_okey(const struct sk_okey *a, const struct sk_okey *b)
{
	if (a->dstate != b->dstate)
		return a->dstate < b->dstate ? -1 : 1;
	if (a->owner_kind != b->owner_kind)
		return a->owner_kind < b->owner_kind ? -1 : 1;
	if (a->pid != b->pid)
		return a->pid < b->pid ? -1 : 1;
	if (a->cgroup != b->cgroup)
		return a->cgroup < b->cgroup ? -1 : 1;
	return a->lport < b->lport ? -1 : a->lport > b->lport;
}

static int cmp_orphan_member(const void *pa, const void *pb, void *arg)
{
	const struct sk_snapshot *s = arg;
	struct sk_okey a = okey_of(s, &s->socks.v[*(const uint32_t *)pa]);
	struct sk_okey b = okey_of(s, &s->socks.v[*(const uint32_t *)pb]);

	return cmp_okey(&a, &b);
}

static int cmp_orphan_row(const void *pa, const void *pb, void *arg)
{
	const struct scmp_ctx *c = arg;
	const struct sk_vorphan *a = pa, *b = pb;
	int r = 0;

	switch (c->col) {
	case SK_OCOL_STATE:
		r = sk_dstate_badness(a->key.dstate) - sk_dstate_badness(b->key.dstate);
		break;
	case SK_OCOL_COUNT: r = cmp_u64(a->count, b->count); break;
	case SK_OCOL_SENDQ: r = cmp_u64(a->send_q, b->send_q); break;
	case SK_OCOL_RECVQ: r = cmp_u64(a->recv_q, b->recv_q); break;
	case SK_OCOL_TIMER: r = cmp_u64(a->timer_max_ms, b->timer_max_ms); break;
	case SK_OCOL_RETRANS: r = cmp_u64(a->retrans_max, b->retrans_max); break;
	case SK_OCOL_OWNER: r = a->key.pid < b->key.pid ? -1 : a->key.pid > b->key.pid; break;
	default: break;
	}
	if (c->descending)
		r = -r;
	if (r == 0)
		r = -cmp_u64(a->count, b->count);
	if (r == 0)
		r = cmp_okey(&a->key, &b->key);
	return r;
}

static int build_orphans(struct sk_view *v, const struct sk_snapshot *s)
{
	v->orphans.n = 0;
	v->scratch.n = 0;
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		uint32_t owner = k->likely_owner < s->procs.n ? k->likely_owner : SK_NONE;

		if (!(k->flags & SK_SOCK_ORPHAN))
			continue;
		if (restricted(v) && (owner == SK_NONE || !proc_allowed(v, &s->procs.v[owner])))
			continue;
		if (v->filter[0] && !sock_text_matches(s, k, v->filter) &&
		    !(owner != SK_NONE && proc_text_matches(v, s, &s->procs.v[owner], v->filter))) {
			v->hidden++;
			continue;
		}
		uint32_t *slot = SK_VEC_PUSH(&v->scratch);

		if (!slot)
			return -ENOMEM;
		*slot = (uint32_t)i;
	}
	sk_qsort_r(v->scratch.v, v->scratch.n, sizeof(uint32_t), cmp_orphan_member, (void *)s);
	for (size_t i = 0; i < v->scratch.n; i++) {
		const struct sk_socket *k = &s->socks.v[v->scratch.v[i]];
		struct sk_okey key = okey_of(s, k);
		struct sk_vorphan *o = v->orphans.n ? &v->orphans.v[v->orphans.n - 1] : NULL;

		if (!o || !okey_eq(&o->key, &key)) {
			o = SK_VEC_PUSH(&v->orphans);
			if (!o)
				return -ENOMEM;
			o->key = key;
			o->proc = key.owner_kind == SK_OWNER_LISTENER ? k->likely_owner : SK_NONE;
			o->timer_min_ms = UINT32_MAX;
			o->sample = v->scratch.v[i];
		}
		o->count++;
		o->recv_q += k->recv_q;
		o->send_q += k->send_q;
		o->rmem += k->mem.rmem_alloc;
		o->wmem += k->mem.wmem_queued;
		uint32_t t = timer_value(k);

		if (k->timer != SK_TIMER_OFF) {
			if (t < o->timer_min_ms)
				o->timer_min_ms = t;
			if (t > o->timer_max_ms)
				o->timer_max_ms = t;
		}
		uint8_t re = k->retrans;

		if ((k->flags & SK_SOCK_HAS_TCPINFO) && k->tcp.probes > re)
			re = k->tcp.probes;
		if (re > o->retrans_max)
			o->retrans_max = re;
	}
	const struct sk_sortstate *ss = &v->sort[SK_VK_ORPHANS];
	struct scmp_ctx c = {s, v, ss->col, col_descending(sk_ocols, ss->col, ss->invert)};

	sk_qsort_r(v->orphans.v, v->orphans.n, sizeof(struct sk_vorphan), cmp_orphan_row, &c);
	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, v->orphans.n, sizeof(struct sk_vkey)))
		return -ENOMEM;
	for (size_t i = 0; i < v->orphans.n; i++)
		v->keys.v[i] = key_orphan(&v->orphans.v[i].key);
	v->keys.n = v->nrows = v->orphans.n;
	return 0;
}

/* --- findings ---------------------------------------------------------------------------- */

/* A finding is the same one across refreshes when its kind and subject are. */
static struct sk_vkey key_finding(const struct sk_finding *f)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a of the subject */

	for (const char *p = f->subject; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ULL;
	return (struct sk_vkey){((uint64_t)f->kind << 8) | f->subject_type, h};
}

static int build_findings(struct sk_view *v, const struct sk_snapshot *s)
{
	size_t n = s->findings ? s->findings->list.n : 0;

	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, n * SK_FINDING_ROWS,
			   sizeof(struct sk_vkey)))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct sk_vkey k = key_finding(&s->findings->list.v[i]);

		for (size_t j = 0; j < SK_FINDING_ROWS; j++)
			v->keys.v[i * SK_FINDING_ROWS + j] = (struct sk_vkey){k.a * 4 + j, k.b};
	}
	v->keys.n = v->nrows = n * SK_FINDING_ROWS;
	return 0;
}

static const struct sk_finding *level_finding(const struct sk_level *l, const struct sk_snapshot *s)
{
	for (size_t i = 0; s->findings && i < s->findings->list.n; i++) {
		struct sk_vkey k = key_finding(&s->findings->list.v[i]);

		if (k.a == l->fkey.a && k.b == l->fkey.b)
			return &s->findings->list.v[i];
	}
	return NULL;
}

static int collect_finding_socks(struct sk_view *v, const struct sk_snapshot *s,
				 const struct sk_level *l)
{
	const struct sk_finding *f = level_finding(l, s);

	if (!f) {
		v->stale = true; /* the condition is gone since it was opened */
		return 0;
	}
	for (uint32_t i = 0; i < f->socks_count; i++) {
		uint32_t si = s->findings->socks.v[f->socks_start + i];
		const struct sk_socket *k = &s->socks.v[si];
		int32_t fd;
		uint32_t proc = first_owner_proc(s, k, &fd);
		bool likely = false;

		if (proc == SK_NONE && k->likely_owner < s->procs.n) {
			proc = k->likely_owner;
			likely = true;
		}
		int rc = push_vsock(v, si, proc, fd, k->owners_count, likely, sk_dstate_of(k));

		if (rc)
			return rc;
	}
	return 0;
}

uint32_t sk_view_focus_proc(const struct sk_view *v, const struct sk_snapshot *s)
{
	const struct sk_level *l = sk_view_top_c(v);

	if (!s)
		return SK_NONE;
	switch (l->kind) {
	case SK_VK_PROCS:
		return l->cursor < v->procs.n && v->procs.v[l->cursor] < s->procs.n
		       ? v->procs.v[l->cursor] : SK_NONE;
	case SK_VK_SOCKS:
		return l->scope == SK_SCOPE_PROC ? level_proc(l, s) : SK_NONE;
	case SK_VK_DETAIL:
		return l->pid ? level_proc(l, s) : SK_NONE;
	default:
		return SK_NONE;
	}
}

/* --- the build and the cursor ------------------------------------------------------------ */

static uint32_t find_sock(const struct sk_snapshot *s, struct sk_vkey key)
{
	for (size_t i = 0; i < s->socks.n; i++)
		if (key_eq(sk_view_key_sock(&s->socks.v[i]), key))
			return (uint32_t)i;
	return SK_NONE;
}

static int build_detail(struct sk_view *v, const struct sk_snapshot *s, struct sk_level *l)
{
	uint32_t si = find_sock(s, l->sock);
	uint32_t pi = l->pid ? level_proc(l, s) : SK_NONE;

	v->lines.n = 0;
	if (si == SK_NONE) {
		v->stale = true;
		struct sk_vline *ln = SK_VEC_PUSH(&v->lines);

		if (!ln)
			return -ENOMEM;
		ln->kind = SK_VL_WARN;
		snprintf(ln->text, sizeof(ln->text),
			 "This socket is gone: it was closed since you opened it. Esc goes back.");
	} else {
		int rc = sk_view_detail(v, s, si, pi);

		if (rc)
			return rc;
	}
	v->keys.n = 0;
	v->nrows = v->lines.n;
	return 0;
}

int sk_view_build(struct sk_view *v, const struct sk_snapshot *s)
{
	struct sk_level *l = sk_view_top(v);
	int rc = 0;

	v->nrows = 0;
	v->keys.n = 0;
	v->stale = false;
	v->grouped = false;
	v->hidden = 0;
	if (!s) {
		l->cursor = 0;
		return 0;
	}
	switch (l->kind) {
	case SK_VK_PROCS: rc = build_procs(v, s); break;
	case SK_VK_SOCKS: rc = build_socks(v, s, l); break;
	case SK_VK_STATES: rc = build_states(v, s); break;
	case SK_VK_ORPHANS: rc = build_orphans(v, s); break;
	case SK_VK_DETAIL: rc = build_detail(v, s, l); break;
	case SK_VK_FINDINGS: rc = build_findings(v, s); break;
	default: break;
	}
	if (rc) {
		v->nrows = 0;
		v->keys.n = 0;
		return rc;
	}
	if (l->kind == SK_VK_DETAIL) {
		/* The detail view scrolls; its cursor is the first line shown. */
		if (l->cursor >= v->nrows)
			l->cursor = v->nrows ? v->nrows - 1 : 0;
		return 0;
	}
	bool found = false;

	if (l->have_cur) {
		for (size_t i = 0; i < v->keys.n; i++)
			if (key_eq(v->keys.v[i], l->cur)) {
				/* Keep the row at the same height on screen. */
				size_t off = l->cursor >= l->top ? l->cursor - l->top : 0;

				l->cursor = i;
				l->top = i >= off ? i - off : 0;
				found = true;
				break;
			}
	}
	if (!found && l->cursor >= v->nrows)
		l->cursor = v->nrows ? v->nrows - 1 : 0;
	if (v->nrows) {
		l->cur = v->keys.v[l->cursor];
		l->have_cur = true;
	}
	return 0;
}

void sk_view_move_to(struct sk_view *v, size_t row)
{
	struct sk_level *l = sk_view_top(v);

	if (v->nrows == 0) {
		l->cursor = 0;
		return;
	}
	if (row >= v->nrows)
		row = v->nrows - 1;
	l->cursor = row;
	if (l->kind != SK_VK_DETAIL && row < v->keys.n) {
		l->cur = v->keys.v[row];
		l->have_cur = true;
	}
}

void sk_view_move(struct sk_view *v, long delta)
{
	struct sk_level *l = sk_view_top(v);
	long target = (long)l->cursor + delta;

	if (target < 0)
		target = 0;
	sk_view_move_to(v, (size_t)target);
}

void sk_view_scroll(struct sk_view *v, size_t height)
{
	struct sk_level *l = sk_view_top(v);
	size_t n = v->nrows;

	if (height == 0)
		return;
	if (l->kind == SK_VK_DETAIL) {
		size_t maxtop = n > height ? n - height : 0;

		if (l->cursor > maxtop)
			l->cursor = maxtop;
		l->top = l->cursor;
		return;
	}
	if (l->cursor < l->top)
		l->top = l->cursor;
	if (l->cursor >= l->top + height)
		l->top = l->cursor - height + 1;
	/* No empty space below the last row while rows are hidden above. */
	if (n > height && l->top > n - height)
		l->top = n - height;
	if (n <= height)
		l->top = 0;
}

/* --- navigation ---------------------------------------------------------------------- */

static const uint8_t pane_kind[SK_PANE_LAST] = {
	[SK_PANE_PROCS] = SK_VK_PROCS,
	[SK_PANE_SOCKS] = SK_VK_SOCKS,
	[SK_PANE_STATES] = SK_VK_STATES,
	[SK_PANE_ORPHANS] = SK_VK_ORPHANS,
	[SK_PANE_FINDINGS] = SK_VK_FINDINGS,
};

enum sk_pane sk_view_pane(const struct sk_view *v)
{
	for (int p = 0; p < SK_PANE_LAST; p++)
		if (v->stack[0].kind == pane_kind[p])
			return (enum sk_pane)p;
	return SK_PANE_PROCS;
}

void sk_view_set_pane(struct sk_view *v, enum sk_pane pane)
{
	if (pane >= SK_PANE_LAST)
		return;
	if (v->depth == 1 && v->stack[0].kind == pane_kind[pane])
		return;
	v->depth = 1;
	level_init(&v->stack[0], (enum sk_vkind)pane_kind[pane]);
	v->stack[0].scope = SK_SCOPE_ALL;
}

static struct sk_level *push(struct sk_view *v, enum sk_vkind kind)
{
	if (v->depth >= SK_VIEW_DEPTH)
		return NULL;
	struct sk_level *l = &v->stack[v->depth++];

	level_init(l, kind);
	return l;
}

bool sk_view_enter(struct sk_view *v, const struct sk_snapshot *s)
{
	struct sk_level *cur = sk_view_top(v);
	size_t row = cur->cursor;
	struct sk_level *l;

	if (!s || row >= v->nrows)
		return false;
	switch (cur->kind) {
	case SK_VK_PROCS: {
		const struct sk_process *p = &s->procs.v[v->procs.v[row]];

		if (!(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_PROC;
		l->pid = p->pid;
		l->starttime = p->starttime;
		sk_view_proc_label(p, l->who, sizeof(l->who));
		return true;
	}
	case SK_VK_SOCKS: {
		struct sk_level parent = *cur;

		if (v->grouped) {
			if (!(l = push(v, SK_VK_SOCKS)))
				return false;
			l->scope = parent.scope;
			l->pid = parent.pid;
			l->starttime = parent.starttime;
			l->state = parent.state;
			l->okey = parent.okey;
			memcpy(l->who, parent.who, sizeof(l->who));
			l->in_group = true;
			l->gkey = v->groups.v[row].key;
			return true;
		}
		const struct sk_vsock *r = &v->socks.v[row];

		if (!(l = push(v, SK_VK_DETAIL)))
			return false;
		l->sock = sk_view_key_sock(&s->socks.v[r->sock]);
		if (r->proc != SK_NONE) {
			const struct sk_process *p = &s->procs.v[r->proc];

			l->pid = p->pid;
			l->starttime = p->starttime;
			sk_view_proc_label(p, l->who, sizeof(l->who));
		}
		return true;
	}
	case SK_VK_STATES: {
		unsigned ds = v->states.v[row].dstate;

		if (ds == SK_DS_ORPHANS)
			return push(v, SK_VK_ORPHANS) != NULL;
		if (!(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_STATE;
		l->state = (uint8_t)ds;
		return true;
	}
	case SK_VK_FINDINGS: {
		const struct sk_finding *f = &s->findings->list.v[row / SK_FINDING_ROWS];

		if (!(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_FINDING;
		l->fkey = key_finding(f);
		snprintf(l->who, sizeof(l->who), "%s: %.80s", sk_finding_kind_names[f->kind],
			 f->subject);
		return true;
	}
	case SK_VK_ORPHANS: {
		if (!(l = push(v, SK_VK_SOCKS)))
			return false;
		l->scope = SK_SCOPE_ORPHANS;
		l->okey = v->orphans.v[row].key;
		sk_view_okey_label(s, &v->orphans.v[row], l->who, sizeof(l->who));
		return true;
	}
	default:
		return false;
	}
}

bool sk_view_back(struct sk_view *v)
{
	if (v->depth <= 1)
		return false;
	v->depth--;
	return true;
}

/* --- sorting ----------------------------------------------------------------------- */

static const struct sk_coldef *sort_defs(const struct sk_view *v, size_t *n)
{
	const struct sk_level *l = sk_view_top_c(v);

	switch (l->kind) {
	case SK_VK_SOCKS:
		if (l->group != SK_GROUP_NONE && !l->in_group) {
			*n = SK_GCOL_LAST;
			return sk_gcols;
		}
		*n = SK_SCOL_LAST;
		return sk_scols;
	case SK_VK_ORPHANS:
		*n = SK_OCOL_LAST;
		return sk_ocols;
	default:
		*n = 0;
		return NULL;
	}
}

struct sk_sortstate *sk_view_sortstate(struct sk_view *v)
{
	const struct sk_level *l = sk_view_top(v);

	if (l->kind == SK_VK_SOCKS && l->group != SK_GROUP_NONE && !l->in_group)
		return &v->gsort;
	return &v->sort[l->kind];
}

const struct sk_sortstate *sk_view_sortstate_c(const struct sk_view *v)
{
	const struct sk_level *l = sk_view_top_c(v);

	if (l->kind == SK_VK_SOCKS && l->group != SK_GROUP_NONE && !l->in_group)
		return &v->gsort;
	return &v->sort[l->kind];
}

bool sk_view_sort_descending(const struct sk_view *v)
{
	const struct sk_sortstate *ss = sk_view_sortstate_c(v);
	size_t n;
	const struct sk_coldef *defs;

	if (sk_view_top_c(v)->kind == SK_VK_PROCS) {
		if (ss->col == SK_VSORT_GROWTH)
			return sk_pcols[SK_PCOL_GROWTH].descending != ss->invert;
		return ss->col >= 0 && ss->col < SK_SORT_LAST &&
		       sk_sort_defs[ss->col].descending != ss->invert;
	}
	defs = sort_defs(v, &n);
	return defs && ss->col >= 0 && (size_t)ss->col < n && defs[ss->col].descending != ss->invert;
}

void sk_view_scols_enabled(const struct sk_level *l, bool on[SK_SCOL_LAST])
{
	for (int i = 0; i < SK_SCOL_LAST; i++)
		on[i] = true;
	if (l->scope == SK_SCOPE_PROC || l->scope == SK_SCOPE_ORPHANS) {
		/* One owner for every row: it is in the title. */
		on[SK_SCOL_PID] = false;
		on[SK_SCOL_COMMAND] = false;
	}
	if (l->scope == SK_SCOPE_ORPHANS || (l->scope == SK_SCOPE_STATE && l->state == SK_DS_ORPHANS)) {
		/* Orphans have no fd and no inode; their timers are the story. */
		on[SK_SCOL_FD] = false;
		on[SK_SCOL_INODE] = false;
	}
}

size_t sk_view_sort_columns(const struct sk_view *v, int *cols, size_t max)
{
	const struct sk_level *l = sk_view_top_c(v);
	size_t k = 0, n;

	if (l->kind == SK_VK_PROCS) {
		for (int i = 0; i < SK_PCOL_LAST && k < max; i++)
			if (sk_pcols[i].sort >= 0)
				cols[k++] = sk_pcols[i].sort;
		return k;
	}
	const struct sk_coldef *defs = sort_defs(v, &n);
	bool on[SK_SCOL_LAST];

	sk_view_scols_enabled(l, on);
	for (size_t i = 0; defs && i < n && k < max; i++) {
		if (defs[i].sort < 0)
			continue;
		/* Columns not shown in this scope are no use to sort on. */
		if (defs == sk_scols && !on[i])
			continue;
		cols[k++] = defs[i].sort;
	}
	return k;
}

const char *sk_view_sort_name(const struct sk_view *v, int col)
{
	size_t n;
	const struct sk_coldef *defs;

	if (sk_view_top_c(v)->kind == SK_VK_PROCS) {
		if (col == SK_VSORT_GROWTH)
			return sk_pcols[SK_PCOL_GROWTH].title;
		return col >= 0 && col < SK_SORT_LAST ? sk_sort_defs[col].title : "?";
	}
	defs = sort_defs(v, &n);
	if (!defs || col < 0 || (size_t)col >= n)
		return "?";
	if (defs == sk_gcols && col == SK_GCOL_ADDR)
		return sk_view_top_c(v)->group == SK_GROUP_LPORT ? "LOCAL PORT" : "PEER ADDRESS";
	return defs[col].title;
}

const char *sk_view_sort_desc(const struct sk_view *v, int col)
{
	size_t n;
	const struct sk_coldef *defs;

	if (sk_view_top_c(v)->kind == SK_VK_PROCS) {
		if (col == SK_VSORT_GROWTH)
			return sk_pcols[SK_PCOL_GROWTH].desc;
		return col >= 0 && col < SK_SORT_LAST ? sk_sort_defs[col].description : "";
	}
	defs = sort_defs(v, &n);
	if (!defs || col < 0 || (size_t)col >= n)
		return "";
	return defs[col].desc;
}

void sk_view_set_sort(struct sk_view *v, int col)
{
	struct sk_sortstate *ss = sk_view_sortstate(v);
	int cols[SK_SCOL_LAST + SK_PCOL_LAST];
	size_t n = sk_view_sort_columns(v, cols, sizeof(cols) / sizeof(cols[0]));

	/* Always the column's own direction, biggest first for counts: a
	 * direct key pressed twice must not bury the culprit it just found
	 * (I inverts). */
	for (size_t i = 0; i < n; i++)
		if (cols[i] == col) {
			ss->col = col;
			ss->invert = false;
			return;
		}
}

void sk_view_cycle_sort(struct sk_view *v, int dir)
{
	struct sk_sortstate *ss = sk_view_sortstate(v);
	int cols[SK_SCOL_LAST + SK_PCOL_LAST];
	size_t n = sk_view_sort_columns(v, cols, sizeof(cols) / sizeof(cols[0]));
	size_t at = 0;

	if (n == 0)
		return;
	for (size_t i = 0; i < n; i++)
		if (cols[i] == ss->col)
			at = i;
	at = (at + n + (size_t)(dir < 0 ? n - 1 : 1)) % n;
	ss->col = cols[at];
	ss->invert = false;
}

void sk_view_invert(struct sk_view *v)
{
	struct sk_sortstate *ss = sk_view_sortstate(v);

	ss->invert = !ss->invert;
}

bool sk_view_cycle_group(struct sk_view *v)
{
	struct sk_level *l = sk_view_top(v);

	if (l->kind != SK_VK_SOCKS || l->in_group)
		return false;
	l->group = (uint8_t)((l->group + 1) % SK_GROUP_LAST);
	/* Rows change kind: a group key never matches a socket key. */
	l->have_cur = false;
	l->cursor = 0;
	l->top = 0;
	return true;
}

void sk_view_set_filter(struct sk_view *v, const char *text)
{
	snprintf(v->filter, sizeof(v->filter), "%s", text ? text : "");
}

/* --- counters ------------------------------------------------------------------------ */

void sk_counter_track_update(struct sk_counter_track *t, const struct sk_system *sys, uint64_t seq)
{
	for (int i = 0; i < SK_CTR_LAST; i++) {
		int64_t cur = sys->counters[i];

		if (t->have_prev && cur != SK_UNKNOWN && t->prev[i] != SK_UNKNOWN && cur != t->prev[i]) {
			t->delta[i] = cur - t->prev[i];
			t->moved_seq[i] = seq;
		}
		t->prev[i] = cur;
	}
	t->have_prev = true;
	t->seq = seq;
}
