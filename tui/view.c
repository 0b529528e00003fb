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

/* A 64-bit finalizer (MurmurHash3's): every input bit moves the low bits
 * that pick a hash slot. */
static inline uint64_t mix64(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

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

static void locals_free(struct sk_vlocals *t);

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
	free(v->sortkeys.v);
	free(v->sortrows.v);
	free(v->sortidx.v);
	locals_free(v->locals);
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

/* Each socket's first owner, as first_owner_proc finds it: the lowest
 * process index, then the lowest fd, packed as proc << 32 | fd (biased) so
 * that the smallest value wins; UINT64_MAX when no fd holds it. One pass
 * over the fd table: looking each socket up through owner_index is a read
 * at a random place in it, which took 25-50 ms of building the
 * million-row list, this 3-9 ms (bench/viewsort). */
static void first_owners(const struct sk_snapshot *s, uint64_t *own)
{
	if (s->socks.n == 0)
		return; /* own may be NULL then */
	memset(own, 0xff, s->socks.n * sizeof(*own));
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		const struct sk_fdref *ref = &s->fdrefs.v[f];
		uint64_t o = (uint64_t)ref->proc << 32 | ((uint32_t)ref->fd ^ 0x80000000u);

		if (ref->sock < s->socks.n && o < own[ref->sock])
			own[ref->sock] = o;
	}
}

struct sortjob;
static bool sort_key_row(struct sk_view *v, struct sortjob *j, size_t pos);
static uint64_t *sortjob_spare(struct sortjob *j);

/* Rows of every socket (of a state, of an orphan group). With a sort job
 * begun, each row gets its key as it is made (see build_socks). */
static int collect_all_socks(struct sk_view *v, const struct sk_snapshot *s,
			     const struct sk_level *l, struct sortjob *j)
{
	uint64_t *own = j ? sortjob_spare(j) : NULL;

	if (!own) {
		if (sk_vec_reserve((void **)&v->sortkeys.v, &v->sortkeys.cap, (s->socks.n + 1) / 2,
				   sizeof(struct sk_vkey)))
			return -ENOMEM;
		own = (uint64_t *)(void *)v->sortkeys.v;
	}
	first_owners(s, own);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		unsigned ds = sk_dstate_of(k);
		int32_t fd = -1;
		uint32_t proc = SK_NONE;
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
		if (own[i] != UINT64_MAX) {
			proc = (uint32_t)(own[i] >> 32);
			fd = (int32_t)((int64_t)(uint32_t)own[i] - 0x80000000LL);
		} else if (k->likely_owner < s->procs.n) {
			proc = k->likely_owner;
			likely = true;
		}
		if (restricted(v) && (proc == SK_NONE || !proc_allowed(v, &s->procs.v[proc])))
			continue;
		int rc = push_vsock(v, (uint32_t)i, proc, fd, k->owners_count, likely, ds);

		if (rc)
			return rc;
		if (j)
			sort_key_row(v, j, v->socks.n - 1);
	}
	return 0;
}

/* Group and orphan rows are compared through this context (qsort_r). */
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

static uint32_t timer_value(const struct sk_socket *k)
{
	return k->timer == SK_TIMER_OFF ? 0 : k->timer_ms;
}

/* --- sorting socket rows ----------------------------------------------------------
 *
 * The order: the sort column in its direction, then always ascending the
 * peer (family, address, port), the local address and port, the inode, the
 * cookie and the socket's index, a total order so that equal rows never
 * swap between refreshes.
 *
 * qsort with a comparator that fetched both sockets took 0.55-1.6 s for a
 * million rows (bench/viewsort): every comparison chased two rows into
 * 288-byte sockets all over memory, and glibc's merge sort faulted in a
 * fresh 16 MB buffer each time. Instead each row's key is written once as
 * a byte string that memcmp orders exactly as above (numbers big-endian, a
 * descending column's bytes complemented), and rows are radix sorted on it
 * eight bytes at a time: one LSD pass per byte that differs between rows
 * on the first word, then each run of rows still equal is sorted on the
 * next word, runs of a few rows by insertion. Words 1 and 2 are written in
 * the same sequential pass over the sockets as word 0; deeper ones are
 * rewritten from the socket when a run gets that far (rare: listeners,
 * unix sockets, the closed fds no dump reported, which have no addresses). */

#define SKEY_WORDS 10               /* the longest key: 19 + 57 bytes */
#define SKEY_PRE 3                  /* words written in the first pass */
#define SKEY_SMALL 32               /* runs this short are sorted by insertion */

/* Every name sk_view_proto returns, so that the PROTO column sorts by a
 * small number in the order strcmp would give the names. */
enum proto_kind { PK_OTHER, PK_TCP, PK_TCP6, PK_UDP, PK_UDP6, PK_USTR, PK_UDGR, PK_USEQ, PK_UNIX,
		  PK_LAST };
static const char *const proto_kind_names[PK_LAST] = {
	[PK_OTHER] = "?",    [PK_TCP] = "tcp",    [PK_TCP6] = "tcp6",   [PK_UDP] = "udp",
	[PK_UDP6] = "udp6",  [PK_USTR] = "u_str", [PK_UDGR] = "u_dgr", [PK_USEQ] = "u_seq",
	[PK_UNIX] = "unix",
};

static unsigned proto_kind(const struct sk_socket *k)
{
	if (k->proto == SK_PROTO_UNIX) {
		switch (k->sock_type) {
		case SOCK_STREAM: return PK_USTR;
		case SOCK_DGRAM: return PK_UDGR;
		case SOCK_SEQPACKET: return PK_USEQ;
		default: return PK_UNIX;
		}
	}
	if (k->proto == SK_PROTO_TCP)
		return k->family == AF_INET6 ? PK_TCP6 : PK_TCP;
	if (k->proto == SK_PROTO_UDP)
		return k->family == AF_INET6 ? PK_UDP6 : PK_UDP;
	return PK_OTHER;
}

const char *sk_view_proto(const struct sk_socket *k)
{
	return proto_kind_names[proto_kind(k)];
}

/* The local addresses of the rows, each with its rank in (family, address)
 * order. Local addresses are few (the machine's own and its containers',
 * wildcards, loopback), so in a key a two-byte rank stands in for the
 * address instead of 4 or 16 bytes, which keeps most keys apart within the
 * first words. Kept across builds: a build that meets an address the table
 * lacks adds it, ranks the table again and writes its keys again. */
#define LOCAL_MAX 65535
struct vlocal {
	bool used;
	uint8_t family;
	uint16_t rank;
	uint8_t addr[16];
};
struct sk_vlocals {
	size_t n, cap;        /* cap: a power of two, at most half full */
	bool dirty;           /* addresses added since the ranks were given */
	bool too_many;        /* more than LOCAL_MAX at once: no ranks from then on */
	struct vlocal *slot;
	struct vlocal **by;   /* ranking scratch */
};

static inline size_t local_slot(const struct sk_vlocals *t, uint8_t family, const uint8_t *addr)
{
	uint64_t a, b;

	memcpy(&a, addr, 8);
	memcpy(&b, addr + 8, 8);
	size_t i = (size_t)mix64(a ^ mix64(b ^ family)) & (t->cap - 1);

	while (t->slot[i].used &&
	       (t->slot[i].family != family || memcmp(t->slot[i].addr, addr, 16) != 0))
		i = (i + 1) & (t->cap - 1);
	return i;
}

static int cmp_vlocal(const void *pa, const void *pb)
{
	const struct vlocal *a = *(const struct vlocal *const *)pa;
	const struct vlocal *b = *(const struct vlocal *const *)pb;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->addr, b->addr, 16);
}

static void locals_rank(struct sk_vlocals *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i].used)
			t->by[n++] = &t->slot[i];
	sk_qsort(t->by, n, sizeof(t->by[0]), cmp_vlocal);
	for (size_t i = 0; i < n; i++)
		t->by[i]->rank = (uint16_t)i;
	t->dirty = false;
}

static void locals_free(struct sk_vlocals *t)
{
	if (t) {
		free(t->slot);
		free(t->by);
		free(t);
	}
}

/* Empties the table, at its smallest size. false: out of memory. */
static bool locals_reset(struct sk_vlocals *t)
{
	struct vlocal *slot = calloc(64, sizeof(*slot));
	struct vlocal **by = calloc(32, sizeof(*by));

	if (!slot || !by) {
		free(slot);
		free(by);
		return false;
	}
	free(t->slot);
	free(t->by);
	t->slot = slot;
	t->by = by;
	t->cap = 64;
	t->n = 0;
	t->dirty = false;
	return true;
}

/* Adds k's local address; false when there are too many or no memory. */
static bool locals_add(struct sk_vlocals *t, const struct sk_socket *k)
{
	size_t i = local_slot(t, k->family, k->local.addr);

	if (t->slot[i].used)
		return true;
	if (t->n >= LOCAL_MAX)
		return false;
	if (2 * (t->n + 1) > t->cap) {
		struct vlocal *old = t->slot, *slot = calloc(2 * t->cap, sizeof(*slot));
		struct vlocal **by = realloc(t->by, t->cap * sizeof(*by));
		size_t cap = t->cap;

		if (by)
			t->by = by;
		if (!slot || !by) {
			free(slot);
			return false;
		}
		t->slot = slot;
		t->cap = 2 * cap;
		for (size_t j = 0; j < cap; j++)
			if (old[j].used)
				t->slot[local_slot(t, old[j].family, old[j].addr)] = old[j];
		free(old);
		i = local_slot(t, k->family, k->local.addr);
	}
	t->slot[i].used = true;
	t->slot[i].family = k->family;
	memcpy(t->slot[i].addr, k->local.addr, 16);
	t->n++;
	t->dirty = true;
	return true;
}

struct skey_ctx {
	const struct sk_snapshot *s;
	const struct sk_vsock *rows;
	int col;
	bool descending;
	/* IPv4 addresses as their 4 bytes: only while every AF_INET row has
	 * the other 12 zero (the kernel's and the replay's always do). */
	bool compact4;
	const struct sk_vlocals *locals; /* local addresses by rank; NULL: as bytes */
	bool *missing;                   /* set when a local address is not in locals */
	uint8_t proto_rank[PK_LAST];
	const uint32_t *cmd_rank;   /* COMMAND: per process, 1 + rank by (comm, pid) */
	/* The column is left out of the key: the rows are sorted on the
	 * tie-breakers first, then on the column by a stable radix sort. */
	bool split;
};

/* A key being written: its bytes packed big-endian straight into words,
 * so that a word compares like the eight bytes it holds. Words past `len`
 * are not written: read them through kw_word. */
struct kw {
	uint64_t w[SKEY_WORDS + 1];
	unsigned len; /* bytes */
};

/* Appends the low `bytes` (1..8) bytes of x, most significant first. */
static inline void kw_put(struct kw *k, uint64_t x, unsigned bytes)
{
	unsigned i = k->len / 8, room = 8 - k->len % 8;

	if (bytes < 8)
		x &= ((uint64_t)1 << (8 * bytes)) - 1;
	if (room == 8)
		k->w[i] = 0;
	if (bytes <= room) {
		k->w[i] |= x << (8 * (room - bytes));
	} else {
		unsigned rest = bytes - room;

		k->w[i] |= x >> (8 * rest);
		k->w[i + 1] = x << (8 * (8 - rest));
	}
	k->len += bytes;
}

static inline uint64_t kw_word(const struct kw *k, unsigned i)
{
	return 8 * i < k->len ? k->w[i] : 0;
}

static inline uint64_t load_be(const uint8_t *p, unsigned bytes)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < bytes; i++)
		x = x << 8 | p[i];
	return x;
}

static inline bool addr_tail_zero(const struct sk_endpoint *ep)
{
	static const uint8_t zero[12];

	return memcmp(ep->addr + 4, zero, sizeof(zero)) == 0;
}

/* An endpoint as the key orders it: family (where asked), address, port;
 * every byte complemented when `flip`. */
static inline void put_endpoint(const struct skey_ctx *c, struct kw *kw, const struct sk_socket *k,
				bool peer, bool family, bool flip)
{
	const struct sk_endpoint *ep = peer ? &k->peer : &k->local;
	uint64_t f = flip ? ~(uint64_t)0 : 0;

	if (family)
		kw_put(kw, k->family ^ f, 1);
	if (!peer && c->locals) {
		const struct vlocal *l = &c->locals->slot[local_slot(c->locals, k->family, ep->addr)];

		if (!l->used)
			*c->missing = true;
		kw_put(kw, l->rank ^ f, 2);
	} else if (k->family == AF_INET && c->compact4) {
		kw_put(kw, load_be(ep->addr, 4) ^ f, 4);
	} else {
		kw_put(kw, load_be(ep->addr, 8) ^ f, 8);
		kw_put(kw, load_be(ep->addr + 8, 8) ^ f, 8);
	}
	kw_put(kw, ep->port ^ f, 2);
}

/* The bytes a column takes in a key as a number: 0 for the endpoint
 * columns (and an unknown one). */
static inline int column_bytes(int col)
{
	switch (col) {
	case SK_SCOL_PROTO:
	case SK_SCOL_STATE: return 1;
	case SK_SCOL_INODE: return 8;
	case SK_SCOL_LOCAL:
	case SK_SCOL_PEER: return 0;
	default: return col >= 0 && col < SK_SCOL_LAST ? 4 : 0;
	}
}

/* The sort column of a row as an unsigned number that orders like it. */
static inline uint64_t column_value(const struct skey_ctx *c, const struct sk_vsock *r,
			     const struct sk_socket *k)
{
	switch (c->col) {
	case SK_SCOL_PROTO: return c->proto_rank[proto_kind(k)];
	/* Badness comes from an int8_t table. */
	case SK_SCOL_STATE: return (uint8_t)(sk_dstate_badness(r->dstate) + 128);
	case SK_SCOL_FD: return (uint32_t)r->fd ^ 0x80000000u;
	case SK_SCOL_RECVQ: return k->recv_q;
	case SK_SCOL_SENDQ: return k->send_q;
	case SK_SCOL_RMEM: return k->mem.rmem_alloc;
	case SK_SCOL_WMEM: return k->mem.wmem_queued;
	case SK_SCOL_TIMER: return timer_value(k);
	case SK_SCOL_USER: return k->uid;
	case SK_SCOL_INODE: return k->inode;
	case SK_SCOL_PID:
		return (uint32_t)(r->proc == SK_NONE ? 0 : c->s->procs.v[r->proc].pid) ^ 0x80000000u;
	/* No process (pid 0) before every process: pids are positive. */
	case SK_SCOL_COMMAND: return r->proc == SK_NONE ? 0 : c->cmd_rank[r->proc];
	default: return 0;
	}
}

/* The sort column's part of the key, complemented when descending;
 * nothing when it is sorted on separately (skey_ctx.split). */
static inline void put_column(const struct skey_ctx *c, struct kw *kw, const struct sk_vsock *r,
			      const struct sk_socket *k)
{
	int bytes = column_bytes(c->col);

	if (c->split)
		return;
	if (bytes > 0)
		kw_put(kw, c->descending ? ~column_value(c, r, k) : column_value(c, r, k),
		       (unsigned)bytes);
	else if (c->col == SK_SCOL_LOCAL)
		put_endpoint(c, kw, k, false, true, c->descending);
	else if (c->col == SK_SCOL_PEER && c->descending) /* ascending, it is the first tie-breaker */
		put_endpoint(c, kw, k, true, true, true);
}

/* Writes the key of row `pos`, stopping once `want` bytes are there. The
 * tie-breakers skip what the column already compared: after LOCAL the
 * peer's family, after PEER the peer, and the local family, known equal. */
static void sock_key(const struct skey_ctx *c, uint32_t pos, struct kw *kw, unsigned want)
{
	const struct sk_vsock *r = &c->rows[pos];
	const struct sk_socket *k = &c->s->socks.v[r->sock];

	kw->len = 0;
	put_column(c, kw, r, k);
	if (c->col == SK_SCOL_LOCAL) {
		put_endpoint(c, kw, k, true, false, false);
	} else {
		if (c->col != SK_SCOL_PEER || !c->descending)
			put_endpoint(c, kw, k, true, true, false);
		if (kw->len >= want)
			return;
		put_endpoint(c, kw, k, false, false, false);
	}
	if (kw->len >= want)
		return;
	kw_put(kw, k->inode, 8);
	kw_put(kw, k->cookie, 8);
	kw_put(kw, r->sock, 4);
}

struct rsort {
	const struct skey_ctx *c;    /* writes words past the first SKEY_PRE */
	unsigned nwords;             /* words in a key: rows equal on all keep their order */
	uint64_t *key, *key2;        /* the current word of each position, and scratch */
	uint32_t *idx, *idx2;        /* row of each position, and scratch */
	uint64_t *pre[SKEY_PRE];     /* words 1..SKEY_PRE-1 by row (pre[0] unused) */
};

static inline uint64_t row_word(const struct rsort *rs, uint32_t row, unsigned level)
{
	struct kw kw;

	if (level > 0 && level < SKEY_PRE)
		return rs->pre[level][row];
	sock_key(rs->c, row, &kw, 8 * (level + 1));
	return kw_word(&kw, level);
}

/* Stable LSD radix sort of key[0..n) with idx alongside, one byte at a
 * time, skipping the bytes every key has in common (most of them, in the
 * runs past the first word). */
static void radix_sort(uint64_t *key, uint32_t *idx, uint64_t *ktmp, uint32_t *itmp, size_t n)
{
	size_t count[8][256];
	uint64_t *ks = key, *kd = ktmp;
	uint32_t *is = idx, *id = itmp;
	uint64_t differ = 0;
	int digit[8], nd = 0;

	for (size_t i = 1; i < n; i++)
		differ |= key[i] ^ key[0];
	for (int d = 0; d < 8; d++)
		if ((differ >> (8 * d)) & 0xff)
			digit[nd++] = d;
	for (int e = 0; e < nd; e++)
		memset(count[digit[e]], 0, sizeof(count[0]));
	for (size_t i = 0; i < n; i++)
		for (int e = 0; e < nd; e++)
			count[digit[e]][(key[i] >> (8 * digit[e])) & 0xff]++;
	for (int e = 0; e < nd; e++) {
		int d = digit[e];
		size_t *cnt = count[d], sum = 0;

		for (int b = 0; b < 256; b++) {
			size_t c = cnt[b];

			cnt[b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t to = cnt[(ks[i] >> (8 * d)) & 0xff]++;

			kd[to] = ks[i];
			id[to] = is[i];
		}
		uint64_t *kt = ks;
		uint32_t *it = is;

		ks = kd, kd = kt;
		is = id, id = it;
	}
	if (ks != key) {
		memcpy(key, ks, n * sizeof(*key));
		memcpy(idx, is, n * sizeof(*idx));
	}
}

/* Sorts positions [lo, hi), which agree on every word before `level`. */
static void sort_run(struct rsort *rs, size_t lo, size_t hi, unsigned level)
{
	size_t n = hi - lo;

	if (n < 2 || level >= rs->nwords)
		return;
	if (level > 0)
		for (size_t i = lo; i < hi; i++)
			rs->key[i] = row_word(rs, rs->idx[i], level);
	if (n <= SKEY_SMALL) {
		for (size_t i = lo + 1; i < hi; i++) {
			uint64_t k = rs->key[i];
			uint32_t x = rs->idx[i];
			size_t j = i;

			for (; j > lo && rs->key[j - 1] > k; j--) {
				rs->key[j] = rs->key[j - 1];
				rs->idx[j] = rs->idx[j - 1];
			}
			rs->key[j] = k;
			rs->idx[j] = x;
		}
	} else {
		radix_sort(rs->key + lo, rs->idx + lo, rs->key2 + lo, rs->idx2 + lo, n);
	}
	/* Runs of equal words: on to the next word. Each overwrites only its
	 * own key[] range, which this loop has already passed. */
	for (size_t a = lo, b; a < hi; a = b) {
		for (b = a + 1; b < hi && rs->key[b] == rs->key[a]; b++)
			;
		if (b - a > 1)
			sort_run(rs, a, b, level + 1);
	}
}

static int cmp_proc_comm(const void *pa, const void *pb, void *arg)
{
	const struct sk_process *procs = arg;
	const struct sk_process *a = &procs[*(const uint32_t *)pa], *b = &procs[*(const uint32_t *)pb];
	int r = strcmp(a->comm, b->comm);

	if (r)
		return r;
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

/* COMMAND sorts by name, then pid: each process's rank in that order,
 * equal names and pids sharing one, from 1 (0 is "no process"). */
static int command_ranks(struct sk_view *v, const struct sk_snapshot *s)
{
	size_t n = s->procs.n;

	if (sk_vec_reserve((void **)&v->scratch.v, &v->scratch.cap, 2 * n, sizeof(uint32_t)))
		return -ENOMEM;
	uint32_t *order = v->scratch.v, *rank = v->scratch.v + n;

	for (size_t i = 0; i < n; i++)
		order[i] = (uint32_t)i;
	sk_qsort_r(order, n, sizeof(uint32_t), cmp_proc_comm, s->procs.v);
	for (size_t i = 0, r = 0; i < n; i++) {
		if (i == 0 || cmp_proc_comm(&order[i - 1], &order[i], s->procs.v) != 0)
			r++;
		rank[order[i]] = (uint32_t)r;
	}
	return 0;
}

/* The sort's scratch for `cap` rows, kept across rebuilds (a fresh 40 MB
 * would be faulted in every time): per row two words (then the row's
 * identity), the early words (then the row), two row indices and a split
 * column. Rows and identities are gathered into sorted order there and the
 * buffers swapped, rather than copied back. */
static int sort_scratch(struct sk_view *v, size_t cap, struct rsort *rs, uint32_t **colv)
{
	_Static_assert(2 * sizeof(uint64_t) == sizeof(struct sk_vkey), "two words per identity");
	_Static_assert((SKEY_PRE - 1) * sizeof(uint64_t) == sizeof(struct sk_vsock),
		       "the early words per row");
	if (sk_vec_reserve((void **)&v->sortkeys.v, &v->sortkeys.cap, cap, sizeof(struct sk_vkey)) ||
	    sk_vec_reserve((void **)&v->sortrows.v, &v->sortrows.cap, cap, sizeof(struct sk_vsock)) ||
	    sk_vec_reserve((void **)&v->sortidx.v, &v->sortidx.cap, 3 * cap, sizeof(uint32_t)))
		return -ENOMEM;
	memset(rs, 0, sizeof(*rs));
	rs->key = (uint64_t *)(void *)v->sortkeys.v;
	rs->key2 = rs->key + cap;
	for (int w = 1; w < SKEY_PRE; w++)
		rs->pre[w] = (uint64_t *)(void *)v->sortrows.v + (size_t)(w - 1) * cap;
	rs->idx = v->sortidx.v;
	rs->idx2 = rs->idx + cap;
	*colv = rs->idx2 + cap;
	return 0;
}

/* Rows into the order of rs->idx: gathered over the early words, which are
 * done with, and that buffer swapped with the rows'. */
static void sort_gather(struct sk_view *v, struct rsort *rs, size_t n)
{
	struct sk_vsock *rows = v->sortrows.v;
	size_t cap = v->sortrows.cap;

	if (n < 2)
		return;
	for (size_t i = 0; i < n; i++)
		rows[i] = v->socks.v[rs->idx[i]];
	v->sortrows.v = v->socks.v;
	v->sortrows.cap = v->socks.cap;
	v->socks.v = rows;
	v->socks.cap = cap;
}

/* One sort of the socket rows, in steps: begin, a key for each row, end.
 * The big list writes each row's key as it makes the row, which spares a
 * second pass over a million sockets; other lists key their rows after. */
struct sortjob {
	struct skey_ctx c;
	struct rsort rs;
	uint32_t *colv;      /* the column of each row when split */
	size_t cap;          /* rows there is room for */
	bool missing;        /* the row just keyed has a new local address */
	bool cleared;        /* the local address table was emptied once */
	bool keyed;          /* every row made so far has its key */
};

/* Room for `cap` rows (v->socks must not move until sort_end). */
static int sort_begin(struct sk_view *v, const struct sk_snapshot *s, size_t cap, int col,
		      bool descending, struct sortjob *j)
{
	memset(j, 0, sizeof(*j));
	j->c = (struct skey_ctx){s, v->socks.v, col, descending, true, NULL, &j->missing, {0},
				 NULL, false};
	j->cap = cap;
	j->keyed = true;
	if (sk_vec_reserve((void **)&v->keys.v, &v->keys.cap, cap, sizeof(struct sk_vkey)))
		return -ENOMEM;
	if (sort_scratch(v, cap, &j->rs, &j->colv))
		return -ENOMEM;
	j->rs.c = &j->c;
	j->rs.nwords = SKEY_WORDS;

	for (int a = 0; a < PK_LAST; a++)
		for (int b = 0; b < PK_LAST; b++)
			j->c.proto_rank[a] += strcmp(proto_kind_names[b], proto_kind_names[a]) < 0;
	if (col == SK_SCOL_COMMAND) {
		if (command_ranks(v, s))
			return -ENOMEM;
		j->c.cmd_rank = v->scratch.v + s->procs.n;
	}
	/* A four-byte column is mostly ties (Recv-Q 0, a few pids): as the
	 * key's first bytes it would push the tie-breakers out of the first
	 * word. Such rows are sorted on the tie-breakers alone, then on the
	 * column by a stable radix sort, which keeps the tie-breakers' order
	 * among equal values: 15-20% faster at a million rows. */
	j->c.split = column_bytes(col) == 4;
	if (!v->locals) {
		v->locals = calloc(1, sizeof(*v->locals));
		if (v->locals && !locals_reset(v->locals)) {
			free(v->locals);
			v->locals = NULL;
		}
	}
	j->c.locals = v->locals && !v->locals->too_many ? v->locals : NULL;
	return 0;
}

/* The radix sort's scratch words, free until sort_end: collect_all_socks
 * finds first owners in them. */
static uint64_t *sortjob_spare(struct sortjob *j)
{
	return j->rs.key2;
}

/* Writes the first words, the identity and the split column of row pos.
 * false when every row must be keyed again: an IPv4 address with a
 * non-zero tail turned up (16-byte addresses from now on), or the local
 * address table had to be emptied. */
static bool sort_key_row(struct sk_view *v, struct sortjob *j, size_t pos)
{
	const struct sk_socket *k = &j->c.s->socks.v[v->socks.v[pos].sock];
	struct kw kw;

	if (!j->keyed)
		return false;
	if (j->c.compact4 && k->family == AF_INET &&
	    !(addr_tail_zero(&k->peer) && addr_tail_zero(&k->local))) {
		j->c.compact4 = false;
		return j->keyed = false;
	}
	j->missing = false;
	sock_key(&j->c, (uint32_t)pos, &kw, 8 * SKEY_PRE);
	if (j->missing && !locals_add(v->locals, k)) {
		/* Full of what earlier builds saw: start afresh. If this
		 * build alone has too many, addresses as bytes from now on. */
		if (j->cleared || !locals_reset(v->locals)) {
			v->locals->too_many = true;
			j->c.locals = NULL;
		}
		j->cleared = true;
		return j->keyed = false;
	}
	j->rs.key[pos] = kw_word(&kw, 0);
	for (unsigned w = 1; w < SKEY_PRE; w++)
		j->rs.pre[w][pos] = kw_word(&kw, w);
	j->rs.idx[pos] = (uint32_t)pos;
	v->keys.v[pos] = sk_view_key_sock(k);
	if (j->c.split) {
		uint64_t x = column_value(&j->c, &v->socks.v[pos], k);

		j->colv[pos] = (uint32_t)(j->c.descending ? ~x : x);
	}
	return true;
}

/* Sorts the n rows, keying them first unless all are. */
static void sort_end(struct sk_view *v, struct sortjob *j, size_t n)
{
	struct rsort *rs = &j->rs;

	/* Keys written before a local address was ranked are redone once
	 * the table is ranked again. */
	while (!j->keyed || (j->c.locals && j->c.locals->dirty)) {
		if (j->c.locals && j->c.locals->dirty)
			locals_rank(v->locals);
		j->keyed = true;
		for (size_t i = 0; i < n && sort_key_row(v, j, i); i++)
			;
	}
	if (n < 2)
		return;
	sort_run(rs, 0, n, 0);
	if (j->c.split) {
		for (size_t i = 0; i < n; i++)
			rs->key[i] = j->colv[rs->idx[i]];
		radix_sort(rs->key, rs->idx, rs->key2, rs->idx2, n);
	}
	/* Identities into sorted order over the words, now done with. */
	struct sk_vkey *keys = v->sortkeys.v;
	size_t cap = v->sortkeys.cap;

	for (size_t i = 0; i < n; i++)
		keys[i] = v->keys.v[rs->idx[i]];
	v->sortkeys.v = v->keys.v;
	v->sortkeys.cap = v->keys.cap;
	v->keys.v = keys;
	v->keys.cap = cap;
	sort_gather(v, rs, n);
}

static bool col_descending(const struct sk_coldef *defs, int col, bool invert)
{
	return defs[col].descending != invert;
}

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

/* Groups are found by key through a hash of their indices (+1; 0: empty
 * slot) kept in v->scratch, at most half full. The slot of key g: */
static size_t group_slot(const struct sk_view *v, const struct sk_gkey *g)
{
	uint64_t a, b;

	memcpy(&a, g->addr, 8);
	memcpy(&b, g->addr + 8, 8);
	uint64_t small = (uint64_t)g->dstate << 32 | (uint64_t)g->family << 16 | g->port;
	size_t mask = v->scratch.n - 1, i = (size_t)mix64(a ^ mix64(b ^ small)) & mask;

	while (v->scratch.v[i] && !gkey_eq(&v->groups.v[v->scratch.v[i] - 1].key, g))
		i = (i + 1) & mask;
	return i;
}

static int group_table(struct sk_view *v, size_t slots)
{
	if (sk_vec_reserve((void **)&v->scratch.v, &v->scratch.cap, slots, sizeof(uint32_t)))
		return -ENOMEM;
	v->scratch.n = slots;
	memset(v->scratch.v, 0, slots * sizeof(uint32_t));
	for (size_t gi = 0; gi < v->groups.n; gi++)
		v->scratch.v[group_slot(v, &v->groups.v[gi].key)] = (uint32_t)gi + 1;
	return 0;
}

/* The index of key's group, added empty when new; SK_NONE: no memory. */
static uint32_t group_of(struct sk_view *v, const struct sk_gkey *key)
{
	size_t i = group_slot(v, key);

	if (v->scratch.v[i])
		return v->scratch.v[i] - 1;
	if (2 * (v->groups.n + 1) > v->scratch.n) {
		if (group_table(v, 2 * v->scratch.n))
			return SK_NONE;
		i = group_slot(v, key);
	}
	struct sk_vgroup *g = SK_VEC_PUSH(&v->groups);

	if (!g)
		return SK_NONE;
	g->key = *key;
	g->proc = SK_NONE;
	v->scratch.v[i] = (uint32_t)v->groups.n;
	return (uint32_t)(v->groups.n - 1);
}

/* Groups of the member rows, their counts and sums made in one pass in
 * table order, their owners (how many, the lowest) from the members
 * sorted by group, then by process. Members are sorted like sockets, by
 * radix on a byte-string key: dstate, family, port, the address (4 bytes
 * for IPv4: gkey_of zeroes the rest), the process; members equal on all of
 * it stay in table order. qsort with a comparator that fetched both
 * sockets took 0.8-1.2 s for a million members, and the sweep after it
 * another random read of each socket. */
static int build_groups(struct sk_view *v, const struct sk_snapshot *s, unsigned mode)
{
	size_t n = v->socks.n;
	struct rsort rs;
	uint32_t *gid, last_gid = SK_NONE, last_proc = SK_NONE;

	_Static_assert(1 + 1 + 2 + 16 + 4 <= 8 * SKEY_PRE, "a member's key is in the first words");
	v->groups.n = 0;
	if (sort_scratch(v, n, &rs, &gid) || group_table(v, 64))
		return -ENOMEM;
	rs.nwords = SKEY_PRE;
	for (size_t i = 0; i < n; i++) {
		const struct sk_vsock *r = &v->socks.v[i];
		const struct sk_socket *k = &s->socks.v[r->sock];
		struct sk_gkey key = gkey_of(k, mode, r->dstate);
		struct kw kw = {.len = 0};

		kw_put(&kw, key.dstate, 1);
		kw_put(&kw, key.family, 1);
		kw_put(&kw, key.port, 2);
		if (key.family == AF_INET) {
			kw_put(&kw, load_be(key.addr, 4), 4);
		} else if (key.family == AF_INET6) {
			kw_put(&kw, load_be(key.addr, 8), 8);
			kw_put(&kw, load_be(key.addr + 8, 8), 8);
		}
		kw_put(&kw, r->proc, 4);
		rs.key[i] = kw_word(&kw, 0);
		for (unsigned w = 1; w < SKEY_PRE; w++)
			rs.pre[w][i] = kw_word(&kw, w);
		rs.idx[i] = (uint32_t)i;

		if ((gid[i] = group_of(v, &key)) == SK_NONE)
			return -ENOMEM;
		struct sk_vgroup *g = &v->groups.v[gid[i]];

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
	sort_run(&rs, 0, n, 0);
	/* Members come sorted by process within a group, so owner changes
	 * count distinct owners, and the first is the lowest. */
	for (size_t i = 0; i < n; i++) {
		uint32_t at = rs.idx[i], proc = v->socks.v[at].proc;
		struct sk_vgroup *g = &v->groups.v[gid[at]];

		if (gid[at] != last_gid) {
			last_gid = gid[at];
			last_proc = SK_NONE;
		}
		if (proc != SK_NONE && proc != last_proc) {
			if (g->proc == SK_NONE)
				g->proc = proc;
			g->nprocs++;
			last_proc = proc;
		}
	}
	sort_gather(v, &rs, n);
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
	const struct sk_sortstate *ss = &v->sort[SK_VK_SOCKS];
	bool grouping = l->group != SK_GROUP_NONE && !l->in_group;
	/* The list of every socket, unfiltered, keys each row as it makes
	 * it: one pass over the sockets instead of two (see sort_begin). */
	bool keying = l->scope == SK_SCOPE_ALL && !grouping && !l->in_group && !v->filter[0];
	struct sortjob job;
	int rc = 0;

	v->socks.n = 0;
	v->groups.n = 0;
	v->grouped = false;
	if (keying) {
		/* Room for every row up front: the job points at them. */
		if (sk_vec_reserve((void **)&v->socks.v, &v->socks.cap, s->socks.n,
				   sizeof(struct sk_vsock)))
			return -ENOMEM;
		rc = sort_begin(v, s, s->socks.n, ss->col,
				col_descending(sk_scols, ss->col, ss->invert), &job);
		if (rc)
			return rc;
	}
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
		rc = collect_all_socks(v, s, l, keying ? &job : NULL);
	}
	if (rc)
		return rc;
	/* Filter (and the group a level drilled into) in place. */
	size_t out = 0;

	for (size_t i = 0; i < v->socks.n && !keying; i++) {
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
	if (!keying)
		v->socks.n = out;

	if (grouping) {
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
	if (!keying) {
		rc = sort_begin(v, s, v->socks.n, ss->col,
				col_descending(sk_scols, ss->col, ss->invert), &job);
		if (rc)
			return rc;
		job.keyed = false;
	}
	sort_end(v, &job, v->socks.n);
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
#define NOPROC ((1u << 26) - 1) /* "no process" in state_add_owner */

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

/* Sockets per (state, owner), counted in a table rather than sorted: a
 * million packed pairs took 0.1 s to sort, with each socket's owner looked
 * up at a random place in the fd table first. The sweep goes the order the
 * sort went: by state, then process, no process last. */
static int build_states(struct sk_view *v, const struct sk_snapshot *s)
{
	size_t np = s->procs.n + 1; /* the last column: no process */

	v->states.n = 0;
	if (sk_vec_reserve((void **)&v->sortkeys.v, &v->sortkeys.cap, (s->socks.n + 1) / 2,
			   sizeof(struct sk_vkey)) ||
	    sk_vec_reserve((void **)&v->sortidx.v, &v->sortidx.cap, SK_DS_LAST * np,
			   sizeof(uint32_t)))
		return -ENOMEM;
	uint64_t *own = (uint64_t *)(void *)v->sortkeys.v;
	uint32_t *count = v->sortidx.v;

	memset(count, 0, SK_DS_LAST * np * sizeof(*count));
	first_owners(s, own);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		size_t likely = k->likely_owner < s->procs.n ? k->likely_owner : np - 1;

		if (k->proto != SK_PROTO_TCP)
			continue;
		count[sk_dstate_of(k) * np + (own[i] != UINT64_MAX ? own[i] >> 32 : likely)]++;
		if (k->flags & SK_SOCK_ORPHAN)
			count[SK_DS_ORPHANS * np + likely]++;
	}

	struct sk_vstate by_ds[SK_DS_LAST];

	memset(by_ds, 0, sizeof(by_ds));
	for (size_t ds = 0; ds < SK_DS_LAST; ds++)
		for (size_t p = 0; p < np; p++) {
			uint32_t c = count[ds * np + p];

			if (c) {
				by_ds[ds].count += c;
				state_add_owner(&by_ds[ds], p == np - 1 ? NOPROC : (uint32_t)p, c);
			}
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
