/* sktop under fire (issue #6): the engine and the binary against a fork and
 * exit storm with pid reuse, a procfs with hidepid=2 read by an unprivileged
 * user, network namespaces that die between refreshes, and a kernel that has
 * no sock_diag handler for a protocol.
 *
 * Each scenario runs in a world of its own: a fresh pid namespace (so pids
 * can be reused on purpose and the scan sees only the scenario's
 * processes), a private mount namespace with its own /proc, and a private
 * network namespace (so the dumps hold only the scenario's sockets and
 * nothing else on the machine can disturb the counts). The world's init
 * runs the scenario and reports "INFO"/"FAIL" lines through a pipe; the
 * test asserts on them and on its exit status. When the test process dies,
 * the world dies with it (PR_SET_PDEATHSIG; a pid namespace ends with its
 * init). Needs root; skipped with the reason otherwise. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "collect/diag.h"
#include "engine.h"
#include "store/json.h"
#include "json_check.h"
#include "helpers/loopback.h"
#include "helpers/piped.h"
#include "diagfx.h"
#include "hermetic.h"

#define NOBODY 65534
/* No count in these small worlds comes near this; a count that went below
 * zero as a uint32_t is above 4e9. */
#define ABSURD_COUNT 0x1000000u
#define ABSURD_BYTES (1ull << 40)

static const char *builddir(void)
{
	const char *d = getenv("SKTOP_BUILDDIR");

	return d ? d : ".";
}

static void need_root(void)
{
	if (geteuid() != 0) {
		fprintf(stderr, "skipped: needs root for pid, mount and network namespaces\n");
		skip();
	}
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --- reporting from inside a world --------------------------------------------- */

static void report_fail(FILE *rep, int line, const char *cond, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void report_fail(FILE *rep, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(rep, "FAIL test_faults.c:%d: %s: ", line, cond);
	va_start(ap, fmt);
	vfprintf(rep, fmt, ap);
	va_end(ap);
	fputc('\n', rep);
	fflush(rep);
}

/* A world cannot use cmocka's asserts (they would unwind into a forked copy
 * of the runner): it reports and gives up; its processes die with it. */
#define CHECK(rep, cond, ...)                                                \
	do {                                                                 \
		if (!(cond)) {                                               \
			report_fail(rep, __LINE__, #cond, __VA_ARGS__);      \
			return 1;                                            \
		}                                                            \
	} while (0)

/* --- worlds ---------------------------------------------------------------------- */

typedef int (*world_fn)(FILE *rep);

/* The runner makes the namespaces; its first child is the world's init. */
static int runner_main(world_fn fn, const char *proc_opts, int wfd)
{
	const char *what;
	pid_t init = hermetic_fork_init(true);

	if (init == HERMETIC_NO_NS) {
		/* Root in a container without CAP_SYS_ADMIN: not a failure of ours. */
		dprintf(wfd, "SKIP cannot create namespaces: %s\n", strerror(errno));
		return 77;
	}
	if (init < 0) {
		dprintf(wfd, "FAIL fork: %s\n", strerror(errno));
		return 1;
	}
	if (init == 0) {
		FILE *rep;
		int rc;

		if (hermetic_init_world(true, proc_opts, &what) < 0) {
			dprintf(wfd, "FAIL %s: %s\n", what, strerror(errno));
			_exit(1);
		}
		rep = fdopen(wfd, "w");
		if (!rep)
			_exit(1);
		setvbuf(rep, NULL, _IOLBF, 0);
		rc = fn(rep);
		fflush(rep);
		exit(rc); /* not _exit: LeakSanitizer checks the world too */
	}
	close(wfd);
	return hermetic_wait(init);
}

/* Runs fn as init of a new world, bounded by timeout_s; asserts that it
 * exited 0 without reporting a failure, and passes its INFO lines on. */
static void run_world(const char *name, world_fn fn, const char *proc_opts, int timeout_s)
{
	static char buf[1 << 16], drop[512];
	size_t len = 0;
	int rp[2], st = 0;
	bool timed_out = false;
	double deadline = now_s() + timeout_s;
	pid_t runner;

	assert_int_equal(pipe2(rp, O_CLOEXEC), 0);
	fflush(NULL); /* the children must not write our buffers again */
	runner = fork();
	assert_true(runner >= 0);
	if (runner == 0) {
		close(rp[0]);
		_exit(runner_main(fn, proc_opts, rp[1]));
	}
	close(rp[1]);
	/* EOF comes when every process of the world is gone. */
	for (;;) {
		struct pollfd p = {.fd = rp[0], .events = POLLIN};
		int ms = (int)((deadline - now_s()) * 1000);
		ssize_t n;

		if (ms <= 0) {
			timed_out = true;
			break;
		}
		n = poll(&p, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0) {
			timed_out = true;
			break;
		}
		/* Past the buffer, read on and drop: a world blocked on a full
		 * pipe would only end by the timeout. */
		bool full = len == sizeof(buf) - 1;

		n = read(rp[0], full ? drop : buf + len, full ? sizeof(drop) : sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		if (!full)
			len += (size_t)n;
	}
	buf[len] = '\0';
	if (timed_out)
		kill(runner, SIGKILL); /* init dies with it, and the world with init */
	close(rp[0]);
	while (waitpid(runner, &st, 0) < 0 && errno == EINTR)
		;
	for (char *line = buf; *line;) {
		size_t n = strcspn(line, "\n");

		print_message("%s: %.*s\n", name, (int)n, line);
		line += n + (line[n] == '\n');
	}
	if (timed_out)
		fail_msg("%s: no result within %d s", name, timeout_s);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77 && strncmp(buf, "SKIP", 4) == 0)
		skip();
	if (strstr(buf, "FAIL"))
		fail_msg("%s failed (see above)", name);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("%s: world ended with status %d (%s)", name,
			 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
			 WIFEXITED(st) ? "exit code; >128 is a signal in init" : "signal");
}

/* A test whose whole body is one world: run_world(label, fn, proc_opts,
 * timeout_s), as root. */
#define WORLD_TEST(test, label, fn, proc_opts, timeout_s)                            \
	static void test(void **state)                                               \
	{                                                                            \
		(void)state;                                                         \
		need_root();                                                         \
		run_world(label, fn, proc_opts, timeout_s);                          \
	}

/* --- shared tools ------------------------------------------------------------- */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1; /* the listing's own fd */
}

static uint64_t inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static int udp_socket(bool bound)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bound && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct sk_engine *engine_on(const char *proc_root, const struct sk_diag_ops *ops,
				   struct sk_error *err)
{
	struct sk_engine_config cfg = {
		.proc_root = proc_root,
		.want_unix = true,
		.want_meminfo = true,
		.want_tcpinfo = true,
		.diag = ops,
	};
	struct sk_engine *e = NULL;

	return sk_engine_new(&cfg, &e, err) == 0 ? e : NULL;
}

static const struct sk_netns *find_netns(const struct sk_snapshot *s, uint64_t id)
{
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == id)
			return &s->netns.v[i];
	return NULL;
}

static char *snapshot_json(const struct sk_snapshot *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	if (!f)
		return NULL;
	if (sk_json_write_snapshot(f, s) != 0) {
		fclose(f);
		free(buf);
		return NULL;
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Runs argv with stdout (and stderr) into *out; returns the exit status as
 * a shell would (128+N for signal N), or -1. */
static int capture(char *const argv[], char **out, size_t *len)
{
	int p[2], st;
	size_t cap = 1 << 16;
	pid_t pid;

	*len = 0;
	*out = malloc(cap);
	if (!*out || pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(p[1], 1);
		dup2(p[1], 2);
		execv(argv[0], argv);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		ssize_t n;

		if (*len + 4096 > cap) {
			char *b = realloc(*out, cap * 2);

			if (!b)
				break;
			*out = b;
			cap *= 2;
		}
		n = read(p[0], *out + *len, cap - *len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	(*out)[*len] = '\0';
	close(p[0]);
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --- the snapshot's invariants ------------------------------------------------ */

static bool bad(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static bool bad(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
	return false;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static bool absurd32(const uint32_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i] >= ABSURD_COUNT)
			return true;
	return false;
}

#define ABSURD_ARR(a) absurd32((a), sizeof(a) / sizeof((a)[0]))
#define SAME_ARR(a, b) (memcmp((a), (b), sizeof(a)) == 0)

/* One socket row counted into totals (or a process's agg), by the counting
 * rules of doc/DESIGN.md, from the row alone. */
static void count_row(const struct sk_socket *k, uint32_t *sockets, uint32_t *by_proto,
		      uint32_t *tcp_states, uint32_t *closed, uint32_t *unbound, uint64_t *bytes)
{
	(*sockets)++;
	by_proto[k->proto]++;
	if (k->flags & SK_SOCK_UNDUMPED) {
		if (k->proto == SK_PROTO_TCP)
			closed[k->sockname]++;
		else
			unbound[k->sockname]++;
		return;
	}
	if (k->proto == SK_PROTO_TCP) {
		tcp_states[k->state]++;
		if (k->state == SK_TCP_CLOSE)
			closed[k->sockname]++;
	}
	bytes[0] += k->mem.rmem_alloc;
	bytes[1] += k->mem.wmem_queued;
	if (k->state != SK_TCP_LISTEN) {
		bytes[2] += k->recv_q;
		bytes[3] += k->send_q;
	}
}

static bool agg_absurd(const struct sk_agg *a)
{
	return a->sockets >= ABSURD_COUNT || ABSURD_ARR(a->by_proto) || ABSURD_ARR(a->tcp_states) ||
	       ABSURD_ARR(a->closed) || ABSURD_ARR(a->unbound) || ABSURD_ARR(a->other) ||
	       a->orphans >= ABSURD_COUNT || a->rmem >= ABSURD_BYTES || a->wmem >= ABSURD_BYTES ||
	       a->recv_q >= ABSURD_BYTES || a->send_q >= ABSURD_BYTES;
}

static bool check_rows(const struct sk_snapshot *s, char *msg, size_t size)
{
	uint64_t *inodes = malloc((s->socks.n + 1) * sizeof(*inodes));
	size_t n = 0;
	bool ok = true;

	if (!inodes)
		return bad(msg, size, "out of memory");
	if (s->dumped_rows > s->socks.n)
		ok = bad(msg, size, "dumped_rows %u > %zu rows", s->dumped_rows, s->socks.n);
	for (size_t i = 0; ok && i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		const struct sk_netns *ns = find_netns(s, k->netns);

		if (k->proto >= SK_PROTO_LAST || k->state >= SK_TCP_STATE_LAST ||
		    k->sockname >= SK_SN_LAST)
			ok = bad(msg, size, "row %zu: proto %u state %u sockname %u", i, k->proto,
				 k->state, k->sockname);
		else if (k->owners_start > s->owner_index.n ||
			 k->owners_count > s->owner_index.n - k->owners_start)
			ok = bad(msg, size, "row %zu: owners %u+%u past %zu", i, k->owners_start,
				 k->owners_count, s->owner_index.n);
		else if (!(k->flags & SK_SOCK_UNDUMPED) != (i < s->dumped_rows))
			ok = bad(msg, size, "row %zu: undumped flag vs dumped_rows %u", i,
				 s->dumped_rows);
		else if (k->likely_owner != SK_NONE && k->likely_owner >= s->procs.n)
			ok = bad(msg, size, "row %zu: likely owner %u of %zu", i, k->likely_owner,
				 s->procs.n);
		else if (!ns)
			ok = bad(msg, size, "row %zu: netns %llu not in the list", i,
				 (unsigned long long)k->netns);
		else if ((k->flags & SK_SOCK_ORPHAN) &&
			 (k->inode != 0 || !sk_socket_is_orphan_state(k->state)))
			ok = bad(msg, size, "row %zu: orphan with inode %llu state %u", i,
				 (unsigned long long)k->inode, k->state);
		if (!ok)
			break;
		/* A class is only judged (closed / unbound) where it was dumped. */
		if ((k->flags & SK_SOCK_UNDUMPED) &&
		    (!(ns->dumped & (1u << k->sockname)) || k->owners_count == 0))
			ok = bad(msg, size, "row %zu: %s judged undumped in netns %llu (dumped 0x%x)",
				 i, sk_sockname_names[k->sockname], (unsigned long long)k->netns,
				 ns->dumped);
		for (uint32_t o = 0; ok && o < k->owners_count; o++) {
			uint32_t f = s->owner_index.v[k->owners_start + o];

			if (f >= s->fdrefs.n || s->fdrefs.v[f].sock != i)
				ok = bad(msg, size, "row %zu: owner entry %u is fdref %u of another row",
					 i, o, f);
		}
		if (k->inode)
			inodes[n++] = k->inode;
	}
	if (ok) {
		qsort(inodes, n, sizeof(*inodes), cmp_u64);
		for (size_t i = 1; i < n; i++)
			if (inodes[i] == inodes[i - 1]) {
				ok = bad(msg, size, "socket inode %llu counted twice",
					 (unsigned long long)inodes[i]);
				break;
			}
	}
	free(inodes);
	return ok;
}

static bool check_totals(const struct sk_snapshot *s, char *msg, size_t size)
{
	const struct sk_totals *T = &s->totals;
	struct sk_totals t;
	uint64_t bytes[4] = {0};
	uint32_t unlinked = 0, other = 0;

	memset(&t, 0, sizeof(t));
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		count_row(k, &t.sockets, t.by_proto, t.tcp_states, t.closed, t.unbound, bytes);
		if (k->flags & SK_SOCK_ORPHAN) {
			t.orphans++;
			t.orphans_by_state[k->state]++;
			t.orphans_attributed += k->likely_owner != SK_NONE;
		}
	}
	for (size_t f = 0; f < s->fdrefs.n; f++)
		unlinked += s->fdrefs.v[f].sock == SK_NONE;
	for (int i = 0; i < SK_SN_LAST; i++)
		other += T->other[i];
	if (T->sockets >= ABSURD_COUNT || ABSURD_ARR(T->by_proto) || ABSURD_ARR(T->tcp_states) ||
	    ABSURD_ARR(T->closed) || ABSURD_ARR(T->unbound) || ABSURD_ARR(T->other) ||
	    T->orphans >= ABSURD_COUNT || T->rmem >= ABSURD_BYTES || T->wmem >= ABSURD_BYTES ||
	    T->recv_q >= ABSURD_BYTES || T->send_q >= ABSURD_BYTES)
		return bad(msg, size, "absurd totals (a count went below zero?)");
	if (T->sockets != s->socks.n || t.sockets != T->sockets)
		return bad(msg, size, "totals.sockets %u, rows %zu", T->sockets, s->socks.n);
	if (!SAME_ARR(t.by_proto, T->by_proto) || !SAME_ARR(t.tcp_states, T->tcp_states) ||
	    !SAME_ARR(t.closed, T->closed) || !SAME_ARR(t.unbound, T->unbound))
		return bad(msg, size, "totals by protocol/state/closed/unbound differ from the rows");
	if (t.orphans != T->orphans || !SAME_ARR(t.orphans_by_state, T->orphans_by_state) ||
	    t.orphans_attributed != T->orphans_attributed)
		return bad(msg, size, "orphans %u/%u attributed %u/%u", T->orphans, t.orphans,
			   T->orphans_attributed, t.orphans_attributed);
	if (bytes[0] != T->rmem || bytes[1] != T->wmem || bytes[2] != T->recv_q ||
	    bytes[3] != T->send_q)
		return bad(msg, size, "byte totals differ from the rows");
	if (other != unlinked)
		return bad(msg, size, "totals.other %u, fds with no row %u", other, unlinked);
	return true;
}

static bool check_procs(const struct sk_snapshot *s, bool same_netns, char *msg, size_t size)
{
	uint32_t *seen = malloc((s->socks.n + 1) * sizeof(*seen));
	uint32_t fdrefs = 0;
	bool ok = true;

	if (!seen)
		return bad(msg, size, "out of memory");
	for (size_t i = 0; i < s->socks.n; i++)
		seen[i] = SK_NONE;
	for (size_t i = 0; ok && i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];
		struct sk_agg a;
		uint64_t bytes[4] = {0};
		uint32_t other = 0, orphans = 0;

		memset(&a, 0, sizeof(a));
		if (i && p->pid <= s->procs.v[i - 1].pid) {
			ok = bad(msg, size, "pid %d listed twice or out of order", p->pid);
			break;
		}
		if (p->fdrefs_start > s->fdrefs.n || p->fdrefs_count > s->fdrefs.n - p->fdrefs_start ||
		    p->fdrefs_count > p->fd_count || agg_absurd(&p->agg)) {
			ok = bad(msg, size, "pid %d: fdrefs %u+%u of %zu, %u fds, or absurd counts",
				 p->pid, p->fdrefs_start, p->fdrefs_count, s->fdrefs.n, p->fd_count);
			break;
		}
		fdrefs += p->fdrefs_count;
		for (uint32_t f = p->fdrefs_start; ok && f < p->fdrefs_start + p->fdrefs_count; f++) {
			const struct sk_fdref *r = &s->fdrefs.v[f];
			const struct sk_socket *k;

			if (r->proc != i) {
				ok = bad(msg, size, "pid %d: fdref %u belongs to process %u", p->pid, f,
					 r->proc);
				break;
			}
			if (r->sock == SK_NONE) {
				other++;
				continue;
			}
			if (r->sock >= s->socks.n || s->socks.v[r->sock].inode != r->inode) {
				ok = bad(msg, size, "pid %d fd %d: linked to the wrong row", p->pid,
					 r->fd);
				break;
			}
			k = &s->socks.v[r->sock];
			/* Every socket in these worlds is made after its process
			 * entered its namespace: one dumped elsewhere is misattributed. */
			if (same_netns && p->netns && !(k->flags & SK_SOCK_UNDUMPED) &&
			    k->netns != p->netns) {
				ok = bad(msg, size, "pid %d fd %d: socket %llu of netns %llu, process in %llu",
					 p->pid, r->fd, (unsigned long long)k->inode,
					 (unsigned long long)k->netns, (unsigned long long)p->netns);
				break;
			}
			if (seen[r->sock] == i)
				continue; /* a dup()ed fd counts once */
			seen[r->sock] = (uint32_t)i;
			count_row(k, &a.sockets, a.by_proto, a.tcp_states, a.closed, a.unbound, bytes);
		}
		if (!ok)
			break;
		/* An orphan counts against its likely owner, its memory too. */
		for (size_t k = 0; k < s->socks.n; k++) {
			const struct sk_socket *o = &s->socks.v[k];

			if (!(o->flags & SK_SOCK_ORPHAN) || o->likely_owner != i)
				continue;
			orphans++;
			bytes[0] += sk_socket_rmem(o);
			bytes[1] += sk_socket_wmem(o);
		}
		uint32_t agg_other = 0;

		for (int sn = 0; sn < SK_SN_LAST; sn++)
			agg_other += p->agg.other[sn];
		if (a.sockets != p->agg.sockets || !SAME_ARR(a.by_proto, p->agg.by_proto) ||
		    !SAME_ARR(a.tcp_states, p->agg.tcp_states) || !SAME_ARR(a.closed, p->agg.closed) ||
		    !SAME_ARR(a.unbound, p->agg.unbound) || bytes[0] != p->agg.rmem ||
		    bytes[1] != p->agg.wmem || bytes[2] != p->agg.recv_q || bytes[3] != p->agg.send_q ||
		    other != agg_other || orphans != p->agg.orphans)
			ok = bad(msg, size, "pid %d: aggregates (%u sockets, %u other, %u orphans) differ "
				 "from its rows (%u, %u, %u)", p->pid, p->agg.sockets, agg_other,
				 p->agg.orphans, a.sockets, other, orphans);
	}
	free(seen);
	if (ok && fdrefs != s->fdrefs.n)
		ok = bad(msg, size, "%u fdrefs in processes, %zu in the table", fdrefs, s->fdrefs.n);
	return ok;
}

static bool check_netns(const struct sk_snapshot *s, char *msg, size_t size)
{
	uint32_t nprocs = 0, with_ns = 0, sockets = 0, states[SK_TCP_STATE_LAST] = {0};

	for (size_t i = 0; i < s->netns.n; i++) {
		const struct sk_netns *ns = &s->netns.v[i];

		for (size_t j = 0; j < i; j++)
			if (s->netns.v[j].id == ns->id)
				return bad(msg, size, "netns %llu listed twice", (unsigned long long)ns->id);
		if (ns->dump_error > 0 || ns->nprocs >= ABSURD_COUNT || ns->sockets >= ABSURD_COUNT ||
		    ABSURD_ARR(ns->tcp_states) || ABSURD_ARR(ns->orphans))
			return bad(msg, size, "netns %llu: absurd counts", (unsigned long long)ns->id);
		if (ns->dump_error && !s->partial)
			return bad(msg, size, "netns %llu not dumped, snapshot not partial",
				   (unsigned long long)ns->id);
		nprocs += ns->nprocs;
		sockets += ns->sockets;
		for (int st = 0; st < SK_TCP_STATE_LAST; st++)
			states[st] += ns->tcp_states[st];
	}
	for (size_t i = 0; i < s->procs.n; i++) {
		if (!s->procs.v[i].netns)
			continue;
		with_ns++;
		if (!find_netns(s, s->procs.v[i].netns))
			return bad(msg, size, "pid %d: netns missing", s->procs.v[i].pid);
	}
	if (nprocs != with_ns)
		return bad(msg, size, "netns processes %u, processes with a netns %u", nprocs, with_ns);
	if (sockets != s->dumped_rows || !SAME_ARR(states, s->totals.tcp_states))
		return bad(msg, size, "netns sockets %u, dumped rows %u", sockets, s->dumped_rows);
	if (s->procfs.fd_denied && !s->partial)
		return bad(msg, size, "%u fd tables denied, snapshot not partial", s->procfs.fd_denied);
	return true;
}

/* Everything a frontend relies on, checked from the tables themselves. */
static bool check_snapshot(const struct sk_snapshot *s, bool same_netns, char *msg, size_t size)
{
	return check_rows(s, msg, size) && check_totals(s, msg, size) &&
	       check_procs(s, same_netns, msg, size) && check_netns(s, msg, size);
}

/* --- 1. fork/exit storm ---------------------------------------------------------- */

/* The storm runs until the engine has refreshed MIN_REFRESHES times beside it
 * and STORM_SECONDS have passed; then its stdin is closed. A loaded machine
 * makes it longer, never smaller: up to the storm's own bound, which our
 * wait for its DONE exceeds, which the world's timeout exceeds in turn (the
 * viewer's last refreshes come after), or a slow machine would be cut off
 * by a bound below the one the storm was given. */
#define STORM_SECONDS 4
#define STORM_MAX_SECONDS "60"
#define STORM_WAIT_SECONDS 90
#define STORM_WORLD_SECONDS (STORM_WAIT_SECONDS + 30)
#define MIN_REFRESHES 10
#define VIEWER_REFRESHES 50
#define PID_TRACK (1 << 16)

struct kids {
	pid_t storm, viewer;
	int storm_st, viewer_st;
	bool storm_gone, viewer_gone;
};

/* As the world's init we also inherit every orphaned grandchild. Pids are
 * recycled here on purpose: once reaped, the storm's or viewer's pid may be
 * an orphan's next, whose status is not theirs. */
static void reap(struct kids *k, bool block)
{
	for (;;) {
		int st;
		pid_t w = waitpid(-1, &st, block ? 0 : WNOHANG);

		if (w <= 0)
			return;
		if (w == k->storm && !k->storm_gone) {
			k->storm_st = st;
			k->storm_gone = true;
		} else if (w == k->viewer && !k->viewer_gone) {
			k->viewer_st = st;
			k->viewer_gone = true;
		}
		if (block && k->viewer_gone)
			return;
	}
}

static int storm_world(FILE *rep)
{
	char storm_path[4096], sktop[4096], out[4096] = "", msg[512], jpath[] = "/tmp/sktop-faults-XXXXXX";
	int in[2], sout[2], jfd;
	size_t outlen = 0;
	struct kids k = {0};
	struct sk_error err = {0};
	struct sk_engine *e;
	uint64_t *start_of = calloc(PID_TRACK, sizeof(uint64_t));
	unsigned long forks = 0, netns = 0, recycled = 0;
	unsigned refreshes = 0, reuses = 0, ns_errors = 0, ns_late = 0, ns_gone = 0, rescans = 0;
	unsigned viewer_lines = 0;
	size_t max_socks = 0, max_procs = 0, max_ns = 0;
	double t0, t1;

	CHECK(rep, start_of, "out of memory");
	snprintf(storm_path, sizeof(storm_path), "%s/tests/helpers/forkstorm", builddir());
	snprintf(sktop, sizeof(sktop), "%s/sktop", builddir());
	CHECK(rep, pipe2(in, O_CLOEXEC) == 0 && pipe2(sout, O_CLOEXEC) == 0, "pipe");
	k.storm = fork();
	CHECK(rep, k.storm >= 0, "fork");
	if (k.storm == 0) {
		dup2(in[0], 0);
		dup2(sout[1], 1);
		execl(storm_path, storm_path, "--seconds", STORM_MAX_SECONDS, "--lifetime", "90",
		      "--netns-every", "8", "--recycle-pids", "200", "--parallel", "12", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(sout[1]);
	/* READY is the storm's first line: wait for it, nothing else. */
	while (!strchr(out, '\n')) {
		ssize_t n = read(sout[0], out + outlen, sizeof(out) - 1 - outlen);

		CHECK(rep, n > 0, "forkstorm (%s) ended before READY", storm_path);
		outlen += (size_t)n;
		out[outlen] = '\0';
	}
	CHECK(rep, strncmp(out, "READY", 5) == 0, "forkstorm said %s", out);

	/* The binary beside the storm, into an unlinked file read afterwards
	 * (a pipe we did not read while refreshing would stall it). */
	jfd = mkstemp(jpath);
	CHECK(rep, jfd >= 0, "mkstemp: %s", strerror(errno));
	unlink(jpath);
	k.viewer = fork();
	CHECK(rep, k.viewer >= 0, "fork");
	if (k.viewer == 0) {
		char n[16];

		snprintf(n, sizeof(n), "%d", VIEWER_REFRESHES);
		dup2(jfd, 1);
		execl(sktop, sktop, "-b", "-d", "0", "-n", n, "--json", (char *)NULL);
		_exit(127);
	}

	e = engine_on("/proc", NULL, &err);
	CHECK(rep, e, "engine: %s", err.msg);
	t0 = now_s();
	/* Back to back until the storm is over; bounded in case it hangs. */
	while (!strstr(out, "DONE") && now_s() - t0 < STORM_WAIT_SECONDS) {
		const struct sk_snapshot *s;
		struct pollfd p = {.fd = sout[0], .events = POLLIN};
		int rc = sk_engine_refresh(e, &err);
		size_t jlen;
		char *json;

		refreshes++;
		if (in[1] >= 0 && refreshes >= MIN_REFRESHES && now_s() - t0 >= STORM_SECONDS) {
			close(in[1]); /* enough seen: the storm stops and says DONE */
			in[1] = -1;
		}
		CHECK(rep, rc == 0, "refresh %u failed: %s", refreshes, err.msg);
		s = sk_engine_snapshot(e);
		CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "refresh %u: %s", refreshes, msg);
		json = snapshot_json(s, &jlen);
		CHECK(rep, json && json_check(json, jlen), "refresh %u: invalid JSON", refreshes);
		free(json);
		for (size_t i = 0; i < s->procs.n; i++) {
			const struct sk_process *pr = &s->procs.v[i];

			if (pr->pid <= 0 || pr->pid >= PID_TRACK)
				continue;
			reuses += start_of[pr->pid] && start_of[pr->pid] != pr->starttime;
			start_of[pr->pid] = pr->starttime;
		}
		for (size_t i = 0; i < s->netns.n; i++) {
			int de = -s->netns.v[i].dump_error;

			ns_errors += de != 0;
			ns_late += de == EAGAIN;
			ns_gone += de == ENOENT || de == ESRCH;
		}
		rescans += s->owners_rescanned;
		if (s->socks.n > max_socks)
			max_socks = s->socks.n;
		if (s->procs.n > max_procs)
			max_procs = s->procs.n;
		if (s->netns.n > max_ns)
			max_ns = s->netns.n;
		reap(&k, false);
		if (poll(&p, 1, 0) == 1 && outlen < sizeof(out) - 1) {
			ssize_t n = read(sout[0], out + outlen, sizeof(out) - 1 - outlen);

			if (n > 0)
				outlen += (size_t)n;
			out[outlen] = '\0';
		}
	}
	t1 = now_s();
	sk_engine_free(e);
	free(start_of);
	CHECK(rep, strstr(out, "DONE"), "the storm did not finish in %d s", STORM_WAIT_SECONDS);
	sscanf(strstr(out, "DONE"), "DONE forks=%lu netns=%lu recycled=%lu", &forks, &netns,
	       &recycled);
	if (in[1] >= 0)
		close(in[1]);
	while (!k.viewer_gone)
		reap(&k, true);

	/* Every line the binary wrote during the storm is one valid snapshot. */
	{
		struct stat st;
		char *buf, *line;

		CHECK(rep, WIFEXITED(k.viewer_st) && WEXITSTATUS(k.viewer_st) == 0,
		      "sktop -b --json beside the storm: status 0x%x", k.viewer_st);
		CHECK(rep, fstat(jfd, &st) == 0 && st.st_size > 0, "sktop wrote nothing");
		buf = malloc((size_t)st.st_size + 1);
		CHECK(rep, buf && pread(jfd, buf, (size_t)st.st_size, 0) == st.st_size, "read back");
		buf[st.st_size] = '\0';
		for (line = buf; *line;) {
			char *nl = strchr(line, '\n');

			CHECK(rep, nl, "last JSON line unterminated");
			CHECK(rep, json_check(line, (size_t)(nl - line)), "JSON line %u invalid",
			      viewer_lines + 1);
			viewer_lines++;
			line = nl + 1;
		}
		free(buf);
		close(jfd);
	}
	fprintf(rep, "INFO storm %.1f s: %u engine refreshes (%.0f/s), forks=%lu netns=%lu "
		"pid-recycles=%lu; engine saw %u reused pids, %u namespaces not dumped (%u gone "
		"before their dump, %u born after it), %u owner rescans, up to %zu sockets / %zu "
		"processes / %zu netns; sktop wrote %u valid JSON lines\n", t1 - t0, refreshes,
		refreshes / (t1 - t0), forks, netns, recycled, reuses, ns_errors, ns_gone, ns_late,
		rescans, max_socks, max_procs, max_ns, viewer_lines);
	CHECK(rep, viewer_lines == VIEWER_REFRESHES, "%u JSON lines, wanted %d", viewer_lines,
	      VIEWER_REFRESHES);
	CHECK(rep, refreshes >= MIN_REFRESHES && forks >= 100,
	      "storm too small to prove anything (%u refreshes, %lu forks)", refreshes, forks);
	/* Pid reuse was asked for; a run where the engine never met it proves less. */
	CHECK(rep, recycled == 0 || reuses > 0, "pids were recycled %lu times, never seen reused",
	      recycled);
	return 0;
}

WORLD_TEST(test_fork_storm, "fork storm", storm_world, NULL, STORM_WORLD_SECONDS)

/* --- 2. hidepid=2, read by nobody ----------------------------------------------- */

static int nobody_view(FILE *rep, const char *dir, uint64_t root_listener)
{
	struct sk_error err = {0};
	struct sk_engine *e;
	const struct sk_snapshot *s;
	const struct sk_process *me;
	const struct sk_socket *hidden;
	char msg[512], sktop[4096], *out;
	size_t len;
	int lfd, ufd, rc;

	/* setuid() made us undumpable, which no process started by exec is:
	 * be the ordinary unprivileged process sktop would be. */
	prctl(PR_SET_DUMPABLE, 1);
	lfd = loopback_listen(AF_INET, 0, false);
	ufd = udp_socket(true);
	CHECK(rep, lfd >= 0 && ufd >= 0, "sockets as nobody: %s", strerror(errno));

	e = engine_on(dir, NULL, &err);
	CHECK(rep, e, "engine: %s", err.msg);
	rc = sk_engine_refresh(e, &err);
	CHECK(rep, rc == 0, "refresh as nobody on hidepid=2: %s", err.msg);
	s = sk_engine_snapshot(e);
	CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "%s", msg);
	CHECK(rep, !s->root, "root while uid %d", (int)geteuid());
	/* Other users' processes are not even listed: the snapshot must not
	 * present that as the whole machine. */
	CHECK(rep, s->partial, "hidepid hides every other process, yet the snapshot is not partial");
	CHECK(rep, sk_snapshot_find_pid(s, 1) == NULL, "init (root) visible through hidepid=2");
	me = sk_snapshot_find_pid(s, getpid());
	CHECK(rep, me, "own process not in the snapshot");
	CHECK(rep, me->agg.tcp_states[SK_TCP_LISTEN] == 1 && me->agg.by_proto[SK_PROTO_UDP] == 1 &&
		   me->agg.closed[SK_SN_TCP] == 0 && me->agg.unbound[SK_SN_UDP] == 0,
	      "own sockets: %u listen, %u udp, %u closed, %u unbound",
	      me->agg.tcp_states[SK_TCP_LISTEN], me->agg.by_proto[SK_PROTO_UDP],
	      me->agg.closed[SK_SN_TCP], me->agg.unbound[SK_SN_UDP]);
	/* Root's listener is dumped (inet_diag needs no privilege) but its
	 * holder is invisible: unowned, not pinned on someone we can see. */
	hidden = fx_find_inode(&s->socks, root_listener);
	CHECK(rep, hidden && hidden->state == SK_TCP_LISTEN, "root's listener not dumped");
	CHECK(rep, hidden->owners_count == 0 && hidden->owner_kind == SK_OWNER_NONE,
	      "root's listener attributed to %u fds", hidden->owners_count);
	for (size_t i = 0; i < s->procs.n; i++)
		CHECK(rep, s->procs.v[i].uid == NOBODY, "pid %d of uid %u seen through hidepid=2",
		      s->procs.v[i].pid, s->procs.v[i].uid);
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		const struct sk_fdref *r = &s->fdrefs.v[f];
		int32_t pid = s->procs.v[r->proc].pid;

		CHECK(rep, pid != getpid() || sk_procfs_fd_is(dir, pid, r->fd, r->inode),
		      "fd %d attributed socket %llu it does not hold", r->fd,
		      (unsigned long long)r->inode);
	}
	fprintf(rep, "INFO engine as nobody on hidepid=2: %zu processes, %zu sockets, partial=%d, "
		"fd_denied=%u\n", s->procs.n, s->socks.n, s->partial, s->procfs.fd_denied);
	sk_engine_free(e);

	/* The binary, as nobody: says it is limited instead of showing an
	 * empty machine. --proc-root: the temp mount; no option: /proc, which
	 * is hidepid=2 in this world too. */
	snprintf(sktop, sizeof(sktop), "%s/sktop", builddir());
	if (access(sktop, X_OK) != 0) {
		fprintf(rep, "INFO %s not executable by nobody: binary part skipped\n", sktop);
		return 0;
	}
	{
		char *argv[] = {sktop, "-b", "-n", "1", "--proc-root", (char *)dir, NULL};

		rc = capture(argv, &out, &len);
		CHECK(rep, rc == 0, "sktop -b -n 1 --proc-root as nobody: exit %d: %s", rc, out);
		CHECK(rep, strstr(out, "NOT ROOT"), "no hint of a limited view in:\n%s", out);
		free(out);
	}
	{
		char *argv[] = {sktop, "-b", "-n", "1", "--json", NULL};

		rc = capture(argv, &out, &len);
		CHECK(rep, rc == 0, "sktop -b -n 1 --json as nobody: exit %d: %s", rc, out);
		CHECK(rep, json_check(out, len), "invalid JSON: %s", out);
		CHECK(rep, strstr(out, "\"root\":false") && strstr(out, "\"partial\":true"),
		      "JSON as nobody on hidepid=2 does not say partial");
		free(out);
	}
	return 0;
}

static int hidepid_world(FILE *rep)
{
	char dir[] = "/tmp/sktop-hidepid-XXXXXX";
	int lfd = loopback_listen(AF_INET, 0, false), ufd = udp_socket(true), sp[2], st, rc;
	pid_t child;

	CHECK(rep, lfd >= 0 && ufd >= 0 && socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0,
	      "root's sockets: %s", strerror(errno));
	CHECK(rep, mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	rc = mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2");
	if (rc < 0) {
		rmdir(dir);
		CHECK(rep, rc == 0, "mount proc hidepid=2: %s", strerror(errno));
	}
	child = fork();
	CHECK(rep, child >= 0, "fork");
	if (child == 0) {
		uint64_t hidden = inode_of(lfd);

		/* Root's sockets stay root's: the child must not hold them. */
		close(lfd);
		close(ufd);
		close(sp[0]);
		close(sp[1]);
		/* Only after the mount: the mount needed root. */
		if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0) {
			report_fail(rep, __LINE__, "setuid", "%s", strerror(errno));
			_exit(1);
		}
		fflush(rep);
		_exit(nobody_view(rep, dir, hidden));
	}
	while (waitpid(child, &st, 0) < 0 && errno == EINTR)
		;
	umount2(dir, MNT_DETACH);
	rmdir(dir);
	CHECK(rep, WIFEXITED(st) && WEXITSTATUS(st) == 0, "the unprivileged view: status 0x%x", st);
	return 0;
}

WORLD_TEST(test_hidepid_unprivileged, "hidepid=2", hidepid_world, "hidepid=2", 30)

/* --- 3. a namespace that dies between refreshes, and its pid reused ------------ */

struct holder {
	pid_t pid;
	int ctl;         /* closing it ends the holder */
	uint64_t netns, listener;
};

/* A process alone in a new network namespace, holding a TCP listener. */
static int start_holder(struct holder *h)
{
	struct piped_ends ends; /* the holder's report up, its stdin-like end down */
	char line[128];
	ssize_t n;

	h->pid = fork_piped(&ends);
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		struct stat st;
		int lfd;
		char c;

		if (unshare(CLONE_NEWNET) < 0 || loopback_up() < 0)
			_exit(1);
		lfd = loopback_listen(AF_INET, 0, false);
		if (lfd < 0 || stat("/proc/self/ns/net", &st) < 0)
			_exit(1);
		dprintf(ends.wr, "%llu %llu\n", (unsigned long long)st.st_ino,
			(unsigned long long)inode_of(lfd));
		close(ends.wr);
		while (read(ends.rd, &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	n = read(ends.rd, line, sizeof(line) - 1);
	close(ends.rd);
	h->ctl = ends.wr;
	if (n <= 0)
		return -1;
	line[n] = '\0';
	return sscanf(line, "%" SCNu64 " %" SCNu64, &h->netns, &h->listener) == 2 ? 0 : -1;
}

static int stop_holder(struct holder *h)
{
	int st;

	close(h->ctl);
	while (waitpid(h->pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* The holder of `netns` as the snapshot shows it. */
static int check_holder(FILE *rep, const struct sk_snapshot *s, const struct holder *h)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, h->pid);
	const struct sk_netns *ns = find_netns(s, h->netns);
	const struct sk_socket *l = fx_find_inode(&s->socks, h->listener);

	CHECK(rep, p && p->netns == h->netns, "pid %d not seen in netns %llu", h->pid,
	      (unsigned long long)h->netns);
	CHECK(rep, ns && ns->dump_error == 0, "netns %llu not dumped: %d",
	      (unsigned long long)h->netns, ns ? ns->dump_error : 0);
	CHECK(rep, l && l->netns == h->netns && l->state == SK_TCP_LISTEN && l->owners_count == 1 &&
		   s->fdrefs.v[s->owner_index.v[l->owners_start]].proc == (uint32_t)(p - s->procs.v),
	      "listener %llu not attributed to pid %d", (unsigned long long)h->listener, h->pid);
	CHECK(rep, p->agg.sockets == 1 && p->agg.closed[SK_SN_TCP] == 0, "pid %d: %u sockets",
	      h->pid, p->agg.sockets);
	return 0;
}

static int netns_gone_world(FILE *rep)
{
	struct holder a, b;
	struct sk_error err = {0};
	struct sk_engine *e;
	const struct sk_snapshot *s;
	char msg[512];
	int fds_with, fds_after, own_only;
	FILE *f;

	e = engine_on("/proc", NULL, &err);
	CHECK(rep, e, "engine: %s", err.msg);
	CHECK(rep, sk_engine_refresh(e, &err) == 0, "refresh: %s", err.msg);
	own_only = count_fds(); /* the engine with only its own namespace's socket */

	CHECK(rep, start_holder(&a) == 0, "holder A");
	CHECK(rep, sk_engine_refresh(e, &err) == 0, "refresh: %s", err.msg);
	s = sk_engine_snapshot(e);
	CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "%s", msg);
	CHECK(rep, s->netns.n == 2, "%zu namespaces", s->netns.n);
	if (check_holder(rep, s, &a))
		return 1;
	fds_with = count_fds(); /* + A's control pipe and A's diag socket */
	CHECK(rep, fds_with == own_only + 2, "%d fds with A, %d without", fds_with, own_only);

	/* A dies; B gets A's pid (the counter wound back) in a namespace of its own. */
	CHECK(rep, stop_holder(&a) == 0, "stop A");
	f = fopen("/proc/sys/kernel/ns_last_pid", "w");
	CHECK(rep, f && fprintf(f, "%d", (int)a.pid - 1) > 0 && fclose(f) == 0, "ns_last_pid");
	CHECK(rep, start_holder(&b) == 0, "holder B");
	CHECK(rep, b.pid == a.pid, "B got pid %d, not A's %d", b.pid, a.pid);
	CHECK(rep, b.netns != a.netns, "same netns");
	CHECK(rep, sk_engine_refresh(e, &err) == 0, "refresh: %s", err.msg);
	s = sk_engine_snapshot(e);
	CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "%s", msg);
	if (check_holder(rep, s, &b))
		return 1;
	CHECK(rep, !find_netns(s, a.netns) && !fx_find_inode(&s->socks, a.listener),
	      "A's namespace or listener still in the snapshot");
	for (size_t i = 0; i < s->socks.n; i++)
		CHECK(rep, s->socks.v[i].netns != a.netns, "a row dumped in A's dead namespace");
	/* A's diag socket closed (it kept A's namespace alive), B's opened. */
	CHECK(rep, count_fds() == fds_with, "%d fds, %d before", count_fds(), fds_with);

	CHECK(rep, stop_holder(&b) == 0, "stop B");
	for (int i = 0; i < 5; i++) {
		CHECK(rep, sk_engine_refresh(e, &err) == 0, "refresh: %s", err.msg);
		s = sk_engine_snapshot(e);
		CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "%s", msg);
		CHECK(rep, s->netns.n == 1 && !find_netns(s, b.netns), "B's namespace still listed");
		fds_after = count_fds();
		CHECK(rep, fds_after == own_only, "refresh %d after B exited: %d fds, %d expected", i,
		      fds_after, own_only);
	}
	fprintf(rep, "INFO fds: %d with one namespace, %d with a second, %d after it died; "
		"pid %d reused across namespaces %llu -> %llu\n", own_only, fds_with, fds_after,
		a.pid, (unsigned long long)a.netns, (unsigned long long)b.netns);
	sk_engine_free(e);
	return 0;
}

WORLD_TEST(test_netns_gone_and_pid_reused, "netns gone", netns_gone_world, NULL, 30)

/* --- 3b. more network namespaces than open files --------------------------------- */

/* A host with more namespaces than sktop's RLIMIT_NOFILE: every refresh
 * still succeeds, every namespace is dumped, and sktop keeps open fewer
 * files than its limit (the netlink sockets beyond the cap are closed
 * after their dump). The limit is lowered to 64 for 100 namespaces. */
#define MANY_NETNS 100
#define LOW_NOFILE 64

static int many_netns_world(FILE *rep)
{
	static struct holder h[MANY_NETNS];
	struct rlimit rl = {LOW_NOFILE, LOW_NOFILE};
	struct sk_error err = {0};
	const struct sk_snapshot *s;
	struct sk_engine *e;
	char msg[512];
	int most = 0;

	pid_t keeper;

	for (int i = 0; i < MANY_NETNS; i++)
		CHECK(rep, start_holder(&h[i]) == 0, "holder %d", i);
	/* Their control pipes, held by a keeper (a holder ends at EOF): the
	 * world's init is sktop here, and needs its fds under the limit. */
	keeper = fork();
	CHECK(rep, keeper >= 0, "fork: %s", strerror(errno));
	if (keeper == 0) {
		pause();
		_exit(0);
	}
	for (int i = 0; i < MANY_NETNS; i++)
		close(h[i].ctl);
	CHECK(rep, setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit: %s", strerror(errno));
	e = engine_on("/proc", NULL, &err);
	CHECK(rep, e, "engine: %s", err.msg);
	for (int r = 0; r < 3; r++) {
		CHECK(rep, sk_engine_refresh(e, &err) == 0, "refresh %d: %s", r + 1, err.msg);
		s = sk_engine_snapshot(e);
		CHECK(rep, s->netns.n == MANY_NETNS + 1, "refresh %d: %zu namespaces", r + 1,
		      s->netns.n);
		for (size_t i = 0; i < s->netns.n; i++)
			CHECK(rep, s->netns.v[i].dump_error == 0, "refresh %d: netns %llu not dumped: %s",
			      r + 1, (unsigned long long)s->netns.v[i].id,
			      strerror(-s->netns.v[i].dump_error));
		CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "%s", msg);
		for (int i = 0; i < MANY_NETNS; i++)
			if (check_holder(rep, s, &h[i]))
				return 1;
		if (count_fds() > most)
			most = count_fds();
	}
	CHECK(rep, most < LOW_NOFILE, "%d fds open with a limit of %d", most, LOW_NOFILE);
	fprintf(rep, "INFO %d namespaces dumped 3 times under RLIMIT_NOFILE %d: at most %d fds open\n",
		MANY_NETNS + 1, LOW_NOFILE, most);
	sk_engine_free(e);
	return 0;
}

WORLD_TEST(test_more_netns_than_nofile, "more namespaces than RLIMIT_NOFILE", many_netns_world,
	   NULL, 60)

/* --- 4. a kernel with no sock_diag handler for a protocol ----------------------- */

/* This kernel has no raw_diag (CONFIG_INET_RAW_DIAG unset). A real dumper
 * whose UDP requests go to the kernel as IPPROTO_RAW gives the engine the
 * kernel's real answer for a protocol it cannot dump: the engine then sees
 * a kernel without udp_diag, the case where calling UDP fds "unbound" or
 * counting zero UDP sockets would be a lie. */
struct no_udp {
	struct sk_diag_conn *conn;
	unsigned udp_requests;
};

static int dump_no_udp(void *ctx, uint64_t netns, int32_t pid, const struct sk_diag_request *req,
		       struct sk_diag_sink *sink, struct sk_error *err)
{
	struct no_udp *n = ctx;
	struct sk_diag_request r = *req;

	(void)netns;
	if (pid != 0) /* this world has one namespace: the engine's */
		return sk_error_set(err, EINVAL, "unexpected namespace of pid %d", (int)pid);
	if (r.kind == SK_DIAG_INET && r.protocol == IPPROTO_UDP) {
		r.protocol = IPPROTO_RAW;
		n->udp_requests++;
	}
	return sk_diag_dump(n->conn, &r, sink, err);
}

static int unsupported_world(FILE *rep)
{
	struct sk_diag_conn *conn = NULL;
	struct sk_error err = {0};
	sk_sockvec socks = {0};
	struct sk_strtab strs;
	struct sk_diag_stats stats = {0};
	struct sk_diag_sink sink = {.socks = &socks, .strs = &strs, .netns = 1, .stats = &stats};
	struct sk_diag_request req = {.kind = SK_DIAG_INET, .family = AF_INET,
				      .protocol = IPPROTO_RAW, .states = 0xffffffffu};
	int lfd = loopback_listen(AF_INET, 0, false), bound = udp_socket(true), unbound = udp_socket(false);
	int raw = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	bool found = false;
	char msg[512], *json;
	size_t jlen;
	int rc;

	CHECK(rep, lfd >= 0 && bound >= 0 && unbound >= 0 && raw >= 0, "sockets: %s",
	      strerror(errno));
	sk_strtab_init(&strs);

	/* The dump layer: "no handler" is an error of its own, not zero rows,
	 * though a raw socket exists. */
	CHECK(rep, sk_diag_open(&conn, &err) == 0, "sk_diag_open: %s", err.msg);
	rc = sk_diag_dump(conn, &req, &sink, &err);
	CHECK(rep, rc == -ENOENT || rc == -EOPNOTSUPP, "raw dump: %d (%s)", rc, err.msg);
	CHECK(rep, socks.n == 0 && stats.unsupported == 1 && stats.failed == 0,
	      "%zu rows, %u unsupported", socks.n, stats.unsupported);
	CHECK(rep, strstr(err.msg, "no sock_diag handler"), "message: %s", err.msg);
	fprintf(rep, "INFO raw dump on this kernel: %s (%s)\n", strerror(-rc), err.msg);
	req.family = AF_INET6;
	CHECK(rep, sk_diag_dump(conn, &req, &sink, &err) == rc, "raw6: %s", err.msg);
	/* The connection is still good for what the kernel can dump. */
	req.family = AF_INET;
	req.protocol = IPPROTO_TCP;
	CHECK(rep, sk_diag_dump(conn, &req, &sink, &err) == 0, "tcp after raw: %s", err.msg);
	for (size_t i = 0; i < socks.n; i++)
		found |= socks.v[i].inode == inode_of(lfd);
	CHECK(rep, found, "listener missing from the TCP dump after the failed one");
	free(socks.v);
	sk_strtab_free(&strs);

	/* The engine, everything supported: the baseline the degraded run is
	 * compared with. */
	{
		struct sk_engine *e = engine_on("/proc", NULL, &err);
		const struct sk_snapshot *s;
		const struct sk_process *me;

		CHECK(rep, e && sk_engine_refresh(e, &err) == 0, "engine: %s", err.msg);
		s = sk_engine_snapshot(e);
		CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "%s", msg);
		me = sk_snapshot_find_pid(s, getpid());
		CHECK(rep, !s->partial && me, "baseline partial or own process missing");
		CHECK(rep, me->agg.by_proto[SK_PROTO_UDP] == 2 && me->agg.unbound[SK_SN_UDP] == 1 &&
			   me->agg.other[SK_SN_RAW] == 1 && me->agg.tcp_states[SK_TCP_LISTEN] == 1,
		      "baseline: %u udp, %u unbound, %u raw, %u listen",
		      me->agg.by_proto[SK_PROTO_UDP], me->agg.unbound[SK_SN_UDP],
		      me->agg.other[SK_SN_RAW], me->agg.tcp_states[SK_TCP_LISTEN]);
		sk_engine_free(e);
	}

	/* The engine on a kernel that cannot dump UDP. */
	{
		struct no_udp ctx = {.conn = conn};
		struct sk_diag_ops ops = {.dump = dump_no_udp, .ctx = &ctx};
		struct sk_engine *e = engine_on("/proc", &ops, &err);
		const struct sk_snapshot *s;
		const struct sk_process *me;
		const struct sk_netns *ns;
		uint32_t want = (1u << SK_SN_TCP) | (1u << SK_SN_TCPV6) | (1u << SK_SN_UNIX);

		CHECK(rep, e, "engine: %s", err.msg);
		rc = sk_engine_refresh(e, &err);
		CHECK(rep, rc == 0, "refresh without udp_diag failed outright: %s", err.msg);
		s = sk_engine_snapshot(e);
		CHECK(rep, check_snapshot(s, true, msg, sizeof(msg)), "%s", msg);
		CHECK(rep, ctx.udp_requests == 2 && s->netns.n == 1, "%u udp requests, %zu netns",
		      ctx.udp_requests, s->netns.n);
		ns = &s->netns.v[0];
		me = sk_snapshot_find_pid(s, getpid());
		CHECK(rep, s->partial, "a protocol was not dumped, yet the snapshot is not partial");
		CHECK(rep, s->diag.unsupported == 2, "diag.unsupported %u", s->diag.unsupported);
		CHECK(rep, ns->dump_error == -ENOENT || ns->dump_error == -EOPNOTSUPP,
		      "netns dump_error %d", ns->dump_error);
		CHECK(rep, ns->dumped == want, "dumped classes 0x%x, want 0x%x", ns->dumped, want);
		CHECK(rep, me, "own process missing");
		/* Degrades to what it can dump... */
		CHECK(rep, me->agg.tcp_states[SK_TCP_LISTEN] == 1, "TCP not judged any more");
		/* ...and does not judge what it could not: no "unbound", no UDP
		 * rows made up, both UDP fds plainly "other". */
		CHECK(rep, me->agg.unbound[SK_SN_UDP] == 0 && s->totals.unbound[SK_SN_UDP] == 0,
		      "UDP fds called unbound though UDP was not dumped");
		CHECK(rep, me->agg.by_proto[SK_PROTO_UDP] == 0 && me->agg.other[SK_SN_UDP] == 2,
		      "udp rows %u, udp other %u", me->agg.by_proto[SK_PROTO_UDP],
		      me->agg.other[SK_SN_UDP]);
		json = snapshot_json(s, &jlen);
		CHECK(rep, json && json_check(json, jlen), "invalid JSON");
		CHECK(rep, strstr(json, "\"partial\":true") && strstr(json, "\"unsupported\":2") &&
			   strstr(json, "\"dumped\":false") &&
			   strstr(json, "\"dumped_classes\":[\"TCP\",\"TCPv6\",\"UNIX\"]"),
		      "JSON does not say what was not dumped");
		free(json);
		sk_engine_free(e);
	}
	sk_diag_close(conn);
	return 0;
}

WORLD_TEST(test_unsupported_protocol, "no sock_diag handler", unsupported_world, NULL, 30)

SK_SUITE_MAIN_PREPARE(hermetic_suite_begin("faults", false, HERMETIC_MACHINE), NULL, NULL,
	cmocka_unit_test(test_unsupported_protocol),
	cmocka_unit_test(test_netns_gone_and_pid_reused),
	cmocka_unit_test(test_more_netns_than_nofile),
	cmocka_unit_test(test_hidepid_unprivileged),
	cmocka_unit_test(test_fork_storm))
