/* viewsort: how long the TUI takes to build and sort its rows, on a
 * synthesized snapshot of a busy server (issue 5: "sorting 1M rows <= 100 ms").
 *
 *   viewsort [-n SOCKETS] [-p PROCS] [-r RUNS]    default 1000000 64 5
 *
 * The snapshot is what a refresh would hold, built in memory without a
 * kernel: TCP sockets in dump order (shuffled, as the kernel's hash buckets
 * give them), the fd tables of PROCS processes, and the real join
 * (sk_snapshot_join), so per-process counts, owners, synthesized "closed"
 * rows and attributed orphans all exist. The mix: mostly ESTABLISHED, some
 * CLOSE_WAIT, fd-less TIME_WAIT, leaked closed fds, orphans, two listeners
 * per process (a quarter shared with a forked worker), 1 in 8 processes on
 * IPv6, client and backend address pools, skewed queues, memory and
 * timers. Two history samples a minute apart give GROW/m a trend.
 *
 * Each case is one sk_view_build (what a sort key, a filter change or a
 * refresh runs), timed with CLOCK_MONOTONIC, median of RUNS; the target is
 * judged on that. The median CPU time of the thread is printed beside it:
 * on a shared machine the wall time also counts waiting for a core. Prints
 * a Markdown table on stdout; setup figures go to stderr. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "util/error.h"
#include "analyse/history.h"
#include "model/snapshot.h"
#include "view.h"

#define TARGET_MS 100.0
#define NETNS_ID 4026531840ULL
#define MAX_RUNS 101
#define CLIENT_IPS 4096  /* distinct peers of inbound connections */
#define BACKENDS 64      /* distinct servers of outbound connections */

/* --- a small deterministic PRNG (splitmix64): the same snapshot every run -- */

static uint64_t rng_state = 0x5eed5eed12345678ULL;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint32_t below(uint32_t n)
{
	return (uint32_t)(((rnd() >> 32) * (uint64_t)n) >> 32);
}

/* True with probability permille/1000. */
static int chance(uint32_t permille)
{
	return below(1000) < permille;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "viewsort: %s: %s\n", what, strerror(err));
	exit(1);
}

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* --- the snapshot ------------------------------------------------------------ */

struct gen {
	struct sk_snapshot *s;
	uint64_t next_inode, next_cookie;
	uint8_t *v6;          /* per process: its sockets are IPv6 */
};

static void set_addr(struct sk_endpoint *ep, int v6, uint8_t net, uint32_t host, uint16_t port)
{
	memset(ep->addr, 0, sizeof(ep->addr));
	if (v6) {
		/* 2001:db8:NET::HOST */
		ep->addr[0] = 0x20;
		ep->addr[1] = 0x01;
		ep->addr[2] = 0x0d;
		ep->addr[3] = 0xb8;
		ep->addr[5] = net;
		ep->addr[13] = (uint8_t)(host >> 16);
		ep->addr[14] = (uint8_t)(host >> 8);
		ep->addr[15] = (uint8_t)host;
	} else {
		/* 10.NET.x.y */
		ep->addr[0] = 10;
		ep->addr[1] = net;
		ep->addr[2] = (uint8_t)(host >> 8);
		ep->addr[3] = (uint8_t)host;
	}
	ep->port = port;
}

static uint16_t ephemeral(void)
{
	return (uint16_t)(32768 + below(60999 - 32768 + 1));
}

/* A dumped row. inode 0: no fd can hold it (TIME_WAIT, orphans). */
static struct sk_socket *add_sock(struct gen *g, uint32_t proc, uint8_t state, int with_inode)
{
	struct sk_socket *k = SK_VEC_PUSH(&g->s->socks);
	int v6 = g->v6[proc];

	if (!k)
		die("snapshot", ENOMEM);
	k->proto = SK_PROTO_TCP;
	k->family = v6 ? AF_INET6 : AF_INET;
	k->sockname = v6 ? SK_SN_TCPV6 : SK_SN_TCP;
	k->state = state;
	k->netns = NETNS_ID;
	k->inode = with_inode ? g->next_inode++ : 0;
	g->next_cookie += 1 + below(8);
	k->cookie = g->next_cookie;
	k->flags = SK_SOCK_HAS_MEM | SK_SOCK_HAS_UID;
	k->uid = with_inode ? g->s->procs.v[proc].uid : 0;
	k->likely_owner = SK_NONE;
	return k;
}

static void add_fd(struct gen *g, uint32_t proc, int32_t *fd, uint64_t inode)
{
	struct sk_fdref *r = SK_VEC_PUSH(&g->s->fdrefs);

	if (!r)
		die("snapshot", ENOMEM);
	*fd += 1 + (chance(50) ? (int32_t)below(4) : 0); /* a few non-socket fds in between */
	r->proc = proc;
	r->fd = *fd;
	r->inode = inode;
	g->s->procs.v[proc].fdrefs_count++;
	g->s->procs.v[proc].fd_count++;
}

/* Queues, memory and timers: most sockets idle, a few with a backlog. */
static void fill_load(struct sk_socket *k)
{
	switch (k->state) {
	case SK_TCP_ESTABLISHED:
		if (chance(80))
			k->recv_q = 1 + below(chance(100) ? 4u << 20 : 65536);
		if (chance(50))
			k->send_q = 1 + below(262144);
		if (chance(15)) {
			k->timer = SK_TIMER_ON;
			k->timer_ms = 200 + below(120000);
			k->retrans = (uint8_t)below(8);
		} else if (chance(5)) {
			k->timer = SK_TIMER_PERSIST;
			k->timer_ms = 200 + below(60000);
			k->retrans = (uint8_t)below(4);
		} else if (chance(400)) {
			k->timer = SK_TIMER_KEEPALIVE;
			k->timer_ms = below(7200000);
		}
		break;
	case SK_TCP_CLOSE_WAIT:
		/* The FIN is queued behind unread data more often than not. */
		if (chance(300))
			k->recv_q = 1 + below(16384);
		break;
	case SK_TCP_TIME_WAIT:
		k->timer = SK_TIMER_TIMEWAIT;
		k->timer_ms = below(60000);
		return;
	case SK_TCP_FIN_WAIT1:
	case SK_TCP_LAST_ACK:
		k->send_q = below(65536);
		k->timer = chance(300) ? SK_TIMER_PERSIST : SK_TIMER_ON;
		k->timer_ms = 200 + below(120000);
		k->retrans = (uint8_t)below(10);
		break;
	case SK_TCP_LISTEN:
		k->recv_q = below(4); /* accept backlog */
		k->send_q = 511;
		return;
	default:
		break;
	}
	if (k->recv_q)
		k->mem.rmem_alloc = k->recv_q + 256 + below(4096);
	else if (chance(100))
		k->mem.rmem_alloc = below(2304);
	if (k->send_q)
		k->mem.wmem_queued = k->send_q + below(4096);
	k->mem.rcvbuf = 131072;
	k->mem.sndbuf = 87040;
}

static const char *const comms[] = {
	"nginx", "java", "postgres", "redis-server", "envoy", "node", "java",
	"python3", "haproxy", "java", "memcached", "pgbouncer",
};

static void add_process(struct gen *g, uint32_t i, int32_t pid)
{
	struct sk_snapshot *s = g->s;
	struct sk_process *p = SK_VEC_PUSH(&s->procs);
	char cmd[256];
	int rc = 0;
	static const uint32_t uids[] = {0, 33, 999, 1000, 70};

	if (!p)
		die("snapshot", ENOMEM);
	p->pid = pid;
	p->uid = uids[i % 5];
	p->starttime = 100000 + (uint64_t)pid * 7;
	p->netns = NETNS_ID;
	p->fd_limit = 65536;
	p->rss_kb = 20000 + below(2000000);
	p->fdrefs_start = (uint32_t)s->fdrefs.n;
	snprintf(p->comm, sizeof(p->comm), "%s", comms[i % (sizeof(comms) / sizeof(comms[0]))]);
	snprintf(cmd, sizeof(cmd), "/usr/bin/%s --worker %u --config /etc/%s.conf", p->comm, i,
		 p->comm);
	p->cmdline = sk_strtab_add(&s->strs, cmd, strlen(cmd), &rc);
	if (rc)
		die("snapshot", -rc);
}

/* One process's sockets: `count` rows in the table once joined. Returns
 * the inode of its first listener. */
static uint64_t add_sockets(struct gen *g, uint32_t proc, uint32_t count, uint64_t shared_listener)
{
	int v6 = g->v6[proc];
	int32_t fd = 9;
	uint16_t lport[2] = {(uint16_t)(8000 + proc), (uint16_t)(20000 + proc)};
	struct sk_endpoint laddr[2];
	uint32_t made = 0;
	uint64_t first_listener = 0;

	if (shared_listener) /* a forked worker: the parent's listener, one more fd */
		add_fd(g, proc, &fd, shared_listener);
	/* A wildcard listener and one on the service address. */
	set_addr(&laddr[0], v6, 0, 0, lport[0]);
	memset(laddr[0].addr, 0, sizeof(laddr[0].addr));
	set_addr(&laddr[1], v6, 0, 1, lport[1]);
	for (int l = 0; l < 2 && made < count; l++, made++) {
		struct sk_socket *k = add_sock(g, proc, SK_TCP_LISTEN, 1);

		k->local = laddr[l];
		fill_load(k);
		add_fd(g, proc, &fd, k->inode);
		if (l == 0)
			first_listener = k->inode;
	}
	for (; made < count; made++) {
		uint32_t roll = below(1000);
		/* Inbound: accepted on a listener, peer from the client pool;
		 * outbound: ephemeral port to a backend. */
		const int inbound = chance(600);
		struct sk_endpoint local, peer;

		if (inbound) {
			local = laddr[below(2)];
			set_addr(&local, v6, 0, 1, local.port);
			set_addr(&peer, v6, 20, below(CLIENT_IPS), ephemeral());
		} else {
			static const uint16_t ports[] = {5432, 6379, 443, 3306, 9092};

			set_addr(&local, v6, 0, 1, ephemeral());
			set_addr(&peer, v6, 1, below(BACKENDS), ports[below(5)]);
		}
		if (roll < 10) {
			/* A leaked fd whose socket is in no table: the join makes the row. */
			add_fd(g, proc, &fd, g->next_inode++);
			continue;
		}
		uint8_t state = SK_TCP_ESTABLISHED;

		if (roll < 60)
			state = SK_TCP_TIME_WAIT;
		else if (roll < 110)
			state = SK_TCP_CLOSE_WAIT;
		else if (roll < 120)
			state = SK_TCP_FIN_WAIT2;
		else if (roll < 125 && !inbound)
			state = SK_TCP_SYN_SENT;
		else if (roll < 135 && inbound)
			state = SK_TCP_FIN_WAIT1; /* orphans: the listener's process closed them */
		else if (roll < 140 && inbound)
			state = SK_TCP_LAST_ACK;
		/* TIME_WAIT and orphans have inode 0: no fd holds them. */
		int held = state != SK_TCP_TIME_WAIT && state != SK_TCP_FIN_WAIT1 &&
			   state != SK_TCP_LAST_ACK;
		struct sk_socket *k = add_sock(g, proc, state, held);

		k->local = local;
		k->peer = peer;
		fill_load(k);
		if (held) {
			add_fd(g, proc, &fd, k->inode);
			if (chance(2)) /* dup()ed */
				add_fd(g, proc, &fd, k->inode);
		}
	}
	return first_listener;
}

static enum sk_sockname closed_sockname(void *ctx, int32_t pid, int32_t fd, uint64_t inode)
{
	const struct gen *g = ctx;
	const struct sk_process *p = sk_snapshot_find_pid(g->s, pid);

	(void)fd;
	(void)inode;
	return p && g->v6[p - g->s->procs.v] ? SK_SN_TCPV6 : SK_SN_TCP;
}

/* Dump order: the kernel walks its hash buckets, not creation order. */
static void shuffle_rows(struct sk_snapshot *s)
{
	for (size_t i = s->socks.n; i > 1; i--) {
		size_t j = below((uint32_t)i);
		struct sk_socket t = s->socks.v[i - 1];

		s->socks.v[i - 1] = s->socks.v[j];
		s->socks.v[j] = t;
	}
}

/* Two samples a minute apart: the first with each process's counts lower
 * by a random share, so that GROW/m ranks real (and tied) growth. */
static void record_history(struct sk_snapshot *s, struct sk_history *h)
{
	sk_procvec saved = {NULL, 0, 0};

	if (sk_vec_reserve((void **)&saved.v, &saved.cap, s->procs.n, sizeof(*saved.v)))
		die("history", ENOMEM);
	memcpy(saved.v, s->procs.v, s->procs.n * sizeof(*saved.v));
	for (size_t i = 0; i < s->procs.n; i++) {
		struct sk_agg *a = &s->procs.v[i].agg;
		uint32_t pct = chance(300) ? 0 : below(30);

		a->sockets -= a->sockets * pct / 100;
		a->tcp_states[SK_TCP_CLOSE_WAIT] -= a->tcp_states[SK_TCP_CLOSE_WAIT] * pct / 100;
		a->rmem -= a->rmem * pct / 100;
	}
	s->monotonic = (struct timespec){1000, 0};
	s->seq = 1;
	if (sk_history_record(h, s))
		die("history", ENOMEM);
	memcpy(s->procs.v, saved.v, s->procs.n * sizeof(*saved.v));
	free(saved.v);
	s->monotonic = (struct timespec){1060, 0};
	s->seq = 2;
	if (sk_history_record(h, s))
		die("history", ENOMEM);
	s->history = h;
}

static void build_snapshot(struct sk_snapshot *s, struct sk_history *h, uint32_t nsocks,
			   uint32_t nprocs)
{
	struct gen g = {s, 1000000, 1 << 20, calloc(nprocs, 1)};
	double *w = calloc(nprocs, sizeof(*w)), wsum = 0;
	uint64_t shared = 0;
	uint32_t given = 0;
	int32_t pid = 400;
	struct sk_error err = {0};
	struct sk_netns *ns;

	if (!g.v6 || !w)
		die("snapshot", ENOMEM);
	sk_snapshot_init(s);
	ns = SK_VEC_PUSH(&s->netns);
	if (!ns)
		die("snapshot", ENOMEM);
	ns->id = NETNS_ID;
	ns->own = true;
	ns->dumped = (1u << SK_SN_TCP) | (1u << SK_SN_TCPV6) | (1u << SK_SN_UDP) | (1u << SK_SN_UDPV6);
	/* Uneven loads: between half and one and a half times the mean. */
	for (uint32_t i = 0; i < nprocs; i++) {
		w[i] = 0.5 + (double)below(1000) / 1000.0;
		wsum += w[i];
		g.v6[i] = i % 8 == 7;
	}
	for (uint32_t i = 0; i < nprocs; i++) {
		uint32_t c = i + 1 == nprocs ? nsocks - given
				 : (uint32_t)((double)nsocks * w[i] / wsum);

		if (c > nsocks - given)
			c = nsocks - given;
		pid += 1 + (int32_t)below(200);
		add_process(&g, i, pid);
		/* A prefork server's worker also holds its parent's listener. */
		shared = add_sockets(&g, i, c, i % 4 == 1 ? shared : 0);
		given += c;
	}
	free(w);
	shuffle_rows(s);
	if (sk_snapshot_join(s, closed_sockname, &g, &err)) {
		fprintf(stderr, "viewsort: join: %s\n", err.msg);
		exit(1);
	}
	free(g.v6);
	s->root = true;
	snprintf(s->host, sizeof(s->host), "viewsort");
	record_history(s, h);
}

/* --- timing ---------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cases, met;

/* Builds the view `runs` times (the first after a sort or pane change is a
 * run like the others) and prints one table row. */
static void run_case(struct sk_view *v, const struct sk_snapshot *s, int runs, const char *name)
{
	double t[MAX_RUNS] = {0}, cpu[MAX_RUNS] = {0};

	for (int r = 0; r < runs; r++) {
		double t0 = now_ms(), c0 = clock_ms(CLOCK_THREAD_CPUTIME_ID);
		int rc = sk_view_build(v, s);

		t[r] = now_ms() - t0;
		cpu[r] = clock_ms(CLOCK_THREAD_CPUTIME_ID) - c0;
		if (rc)
			die("sk_view_build", -rc);
	}
	qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
	qsort(cpu, (size_t)runs, sizeof(cpu[0]), cmp_double);
	double med = t[runs / 2], cmed = cpu[runs / 2];

	cases++;
	met += med <= TARGET_MS;
	printf("| %s | %zu | %.*f | %.*f | %s |\n", name, v->nrows, med < 1 ? 2 : 1, med,
	       cmed < 1 ? 2 : 1, cmed, med <= TARGET_MS ? "yes" : "**no**");
	fflush(stdout);
}

/* Every sort column the top level offers, each as one case. */
static void run_sorts(struct sk_view *v, const struct sk_snapshot *s, int runs, const char *what)
{
	int cols[64];
	size_t n = sk_view_sort_columns(v, cols, sizeof(cols) / sizeof(cols[0]));

	for (size_t i = 0; i < n; i++) {
		char name[160];

		sk_view_set_sort(v, cols[i]);
		snprintf(name, sizeof(name), "%s by %s", what, sk_view_sort_name(v, cols[i]));
		run_case(v, s, runs, name);
	}
}

/* The process whose socket count is closest to `want`. */
static uint32_t pick_process(const struct sk_snapshot *s, uint32_t want)
{
	uint32_t best = 0;
	uint32_t bestd = UINT32_MAX;

	for (uint32_t i = 0; i < s->procs.n; i++) {
		uint32_t c = s->procs.v[i].agg.sockets;
		uint32_t d = c > want ? c - want : want - c;

		if (d < bestd) {
			bestd = d;
			best = i;
		}
	}
	return best;
}

static void usage(void)
{
	fprintf(stderr, "usage: viewsort [-n SOCKETS] [-p PROCS] [-r RUNS]\n");
	exit(2);
}

static unsigned long parse(const char *arg, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || end == arg || *end || v < lo || v > hi)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	uint32_t nsocks = 1000000, nprocs = 64;
	int runs = 5, opt;
	struct sk_snapshot snap;
	struct sk_history hist;
	struct sk_view v;
	char what[160];

	while ((opt = getopt(argc, argv, "n:p:r:")) != -1) {
		switch (opt) {
		case 'n': nsocks = (uint32_t)parse(optarg, 1, 50000000); break;
		case 'p': nprocs = (uint32_t)parse(optarg, 1, 100000); break;
		case 'r': runs = (int)parse(optarg, 1, MAX_RUNS); break;
		default: usage();
		}
	}
	if (optind != argc || nsocks < 4 * nprocs)
		usage();

	double t0 = now_ms();

	sk_history_init(&hist, SK_HISTORY_WINDOW_MS_DEFAULT);
	build_snapshot(&snap, &hist, nsocks, nprocs);
	fprintf(stderr, "viewsort: %zu sockets (%u orphans, %u TIME_WAIT, %u CLOSE_WAIT), %zu fds, "
		"%zu processes, built and joined in %.0f ms\n",
		snap.socks.n, snap.totals.orphans, snap.totals.tcp_states[SK_TCP_TIME_WAIT],
		snap.totals.tcp_states[SK_TCP_CLOSE_WAIT], snap.fdrefs.n, snap.procs.n,
		now_ms() - t0);

	printf("| case | rows | median ms | median CPU ms | target <= %.0f ms met |\n", TARGET_MS);
	printf("|---|---:|---:|---:|:---:|\n");

	sk_view_init(&v, NULL, SK_SORT_SOCKETS, false);
	run_sorts(&v, &snap, runs, "processes");

	sk_view_set_pane(&v, SK_PANE_SOCKS);
	run_sorts(&v, &snap, runs, "all sockets");
	/* The filter on every keystroke (model/match.c): one term, two that
	 * must both match, and one that matches nothing (every text read). */
	static const char *const filters[] = {"CLOSE_WAIT", "ESTAB 10.1.", "no-such-text"};

	for (size_t f = 0; f < sizeof(filters) / sizeof(filters[0]); f++) {
		snprintf(what, sizeof(what), "all sockets, filter \"%s\"", filters[f]);
		sk_view_set_filter(&v, filters[f]);
		run_case(&v, &snap, runs, what);
	}
	sk_view_set_filter(&v, "");

	/* Drill down: Enter on a process of about the mean size. */
	uint32_t pi = pick_process(&snap, nsocks / nprocs);

	sk_view_set_pane(&v, SK_PANE_PROCS);
	sk_view_set_sort(&v, SK_SORT_PID);
	if (sk_view_build(&v, &snap))
		die("sk_view_build", ENOMEM);
	for (size_t row = 0; row < v.procs.n; row++)
		if (v.procs.v[row] == pi)
			sk_view_move_to(&v, row);
	if (!sk_view_enter(&v, &snap)) {
		fprintf(stderr, "viewsort: could not drill into process %u\n", pi);
		return 1;
	}
	snprintf(what, sizeof(what), "sockets of %s", sk_view_top(&v)->who);
	run_sorts(&v, &snap, runs, what);

	printf("\n%d of %d cases within %.0f ms (%u sockets, %u processes, median of %d runs).\n",
	       met, cases, TARGET_MS, nsocks, nprocs, runs);
	sk_view_free(&v);
	sk_snapshot_free(&snap);
	sk_history_free(&hist);
	return 0;
}
