/* The gate for empty namespaces (engine.c, collect/nsinuse.h): the
 * counters' parser on fixture text, where unknown must never read as
 * empty, and live, in a world of the test's own (root only; skipped with
 * the reason otherwise): a namespace holding a process and no socket is
 * dumped once, then skipped; a socket opened there is seen at the next
 * refresh, and a never-connected TCP socket held there is judged closed. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "collect/nsinuse.h"
#include "engine.h"
#include "store/json.h"
#include "store/replay.h"
#include "hermetic.h"

#define HDR "protocol  size sockets  memory press maxhdr  slab module     cl co di\n"
#define ROW(name, n) name "  1600  " #n "  -1   NI   0   no   kernel  n  n  n\n"
#define ALL_ZERO ROW("UNIX", 0) ROW("UDPv6", 0) ROW("TCPv6", 0) ROW("UDP", 0) ROW("TCP", 0)
#define SOCKSTAT(tw) "sockets: used 3\nTCP: inuse 0 orphan 0 tw " #tw " alloc 1 mem 0\n" \
	"UDP: inuse 0 mem 0\n"

static struct sk_nsinuse parsed(const char *protocols, const char *sockstat, int *rc1, int *rc2)
{
	struct sk_nsinuse u;

	*rc1 = sk_nsinuse_parse_protocols(protocols, strlen(protocols), &u);
	*rc2 = sk_nsinuse_parse_sockstat(sockstat, strlen(sockstat), &u);
	return u;
}

static void test_parse_zero_and_normal(void **state)
{
	int rc1, rc2;
	struct sk_nsinuse u = parsed(HDR ROW("PACKET", 3) ALL_ZERO, SOCKSTAT(0), &rc1, &rc2);

	(void)state;
	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, 0);
	assert_true(sk_nsinuse_empty(&u, true));

	u = parsed(HDR ROW("UNIX", 7) ROW("UDPv6", 0) ROW("TCPv6", 2) ROW("UDP", 0) ROW("TCP", 1),
		   SOCKSTAT(4), &rc1, &rc2);
	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, 0);
	assert_int_equal(u.inuse[SK_NSINUSE_TCP], 1);
	assert_int_equal(u.inuse[SK_NSINUSE_TCP6], 2);
	assert_int_equal(u.inuse[SK_NSINUSE_UNIX], 7);
	assert_int_equal(u.tw, 4);
	assert_false(sk_nsinuse_empty(&u, false));

	/* Unix sockets count only when they are dumped. */
	u = parsed(HDR ROW("UNIX", 5) ROW("UDPv6", 0) ROW("TCPv6", 0) ROW("UDP", 0) ROW("TCP", 0),
		   SOCKSTAT(0), &rc1, &rc2);
	assert_true(sk_nsinuse_empty(&u, false));
	assert_false(sk_nsinuse_empty(&u, true));
	/* TIME_WAIT alone keeps the namespace dumped. */
	u = parsed(HDR ALL_ZERO, SOCKSTAT(1), &rc1, &rc2);
	assert_false(sk_nsinuse_empty(&u, true));
}

/* Every malformed input must leave something unknown, never empty. */
static void test_parse_unknown_is_not_empty(void **state)
{
	static const struct {
		const char *protocols, *sockstat;
	} bad[] = {
		{HDR ROW("UNIX", 0) ROW("UDPv6", 0) ROW("TCPv6", 0) ROW("UDP", 0), SOCKSTAT(0)},
		{ALL_ZERO, SOCKSTAT(0)},                           /* no header */
		{"protocol size inuse\n" ALL_ZERO, SOCKSTAT(0)},   /* another column */
		{HDR ALL_ZERO, "sockets: used 3\nUDP: inuse 0 mem 0\n"}, /* no TCP line */
		{HDR ALL_ZERO, "TCP: inuse 0 orphan 0 alloc 1 mem 0\n"},  /* no tw */
		{HDR ALL_ZERO, "TCP: inuse 0 orphan 0 tw\n"},              /* tw without value */
		{HDR ALL_ZERO, "TCP: inuse 0 orphan 0 tw 0"},              /* cut: no newline */
		{HDR ALL_ZERO, "TCP: inuse 0 orphan 0 tw 0x0\n"},
		{HDR ROW("UNIX", 0) ROW("UDPv6", 0) ROW("TCPv6", 0) ROW("UDP", 0) "TCP  1600  0",
		 SOCKSTAT(0)},                                     /* cut inside the last row */
		{HDR ROW("UNIX", 0) ROW("UDPv6", 0) ROW("TCPv6", 0) ROW("UDP", 0) "TCP 1600\n",
		 SOCKSTAT(0)},                                     /* no sockets column */
		{HDR ROW("UNIX", 0) ROW("UDPv6", 0) ROW("TCPv6", 0) ROW("UDP", 0) ROW("TCP", zero),
		 SOCKSTAT(0)},
		{HDR ROW("UNIX", 0) ROW("UDPv6", 0) ROW("TCPv6", 0) ROW("UDP", 0) ROW("TCP", -),
		 SOCKSTAT(0)},
		{"", ""},
		{"\n\n\n", "\n"},
		{"\xff\xfe\x01garbage\n", "\x00"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc1, rc2;
		struct sk_nsinuse u = parsed(bad[i].protocols, bad[i].sockstat, &rc1, &rc2);

		if (sk_nsinuse_empty(&u, true) || (rc1 == 0 && rc2 == 0))
			fail_msg("case %zu read as known (%d %d)", i, rc1, rc2);
	}
}

static void test_parse_huge_and_negative(void **state)
{
	int rc1, rc2;
	struct sk_nsinuse u = parsed(HDR ROW("UNIX", 0) ROW("UDPv6", 0) ROW("TCPv6", 0)
				     ROW("UDP", -1) ROW("TCP", 99999999999999999999999999999),
				     SOCKSTAT(184467440737095516160), &rc1, &rc2);

	(void)state;
	assert_int_equal(rc1, 0);
	assert_int_equal(rc2, 0);
	assert_true(u.inuse[SK_NSINUSE_TCP] == INT64_MAX);
	assert_true(u.inuse[SK_NSINUSE_UDP] == -1);
	assert_true(u.tw == INT64_MAX);
	assert_false(sk_nsinuse_empty(&u, false));
}

static void put(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The reader on a fixture proc tree: it checks the pid's namespace. */
static void test_read_fixture(void **state)
{
	char root[] = "/tmp/nsgate.XXXXXX", path[PATH_MAX];
	struct sk_nsinuse u;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/42", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/42/ns", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/42/net", root);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/42/ns/net", root);
	assert_int_equal(symlink("net:[4026532999]", path), 0);

	assert_int_equal(sk_nsinuse_read(root, 42, 4026532999u, &u), -ENOENT); /* no files */
	assert_false(sk_nsinuse_empty(&u, false));
	snprintf(path, sizeof(path), "%s/42/net", root);
	put(path, "protocols", HDR ALL_ZERO);
	put(path, "sockstat", SOCKSTAT(0));
	assert_int_equal(sk_nsinuse_read(root, 42, 4026532999u, &u), 0);
	assert_true(sk_nsinuse_empty(&u, true));
	/* Another namespace behind the pid: not ours to read. */
	assert_int_equal(sk_nsinuse_read(root, 42, 4026532998u, &u), -ESRCH);
	assert_false(sk_nsinuse_empty(&u, true));
	assert_int_equal(sk_nsinuse_read(root, 43, 4026532999u, &u), -ESRCH);

	put(path, "sockstat", "TCP: inuse 0\n");
	assert_true(sk_nsinuse_read(root, 42, 4026532999u, &u) < 0);
	assert_false(sk_nsinuse_empty(&u, true));

	snprintf(path, sizeof(path), "rm -rf '%s'", root);
	assert_int_equal(system(path), 0);
}

/* --- live ------------------------------------------------------------------ */

/* A process in a network namespace of its own, obeying one-byte commands:
 * 'L' listen on TCP, 'N' hold a never-connected TCP socket, 'X' close
 * what it holds. It answers each command (and its start) with one byte. */
struct tenant {
	pid_t pid;
	int cmd, ack;
};

static void tenant_run(int cmd, int ack)
{
	int held[2] = {-1, -1}, n = 0;
	char c = 'r';

	if (unshare(CLONE_NEWNET) < 0)
		_exit(2);
	if (write(ack, &c, 1) != 1)
		_exit(3);
	while (read(cmd, &c, 1) == 1) {
		if (c == 'L' && n < 2) {
			struct sockaddr_in a = {.sin_family = AF_INET};

			held[n] = socket(AF_INET, SOCK_STREAM, 0);
			if (held[n] < 0 || bind(held[n], (struct sockaddr *)&a, sizeof(a)) < 0 ||
			    listen(held[n], 1) < 0)
				_exit(4);
			n++;
		} else if (c == 'N' && n < 2) {
			held[n] = socket(AF_INET, SOCK_STREAM, 0);
			if (held[n++] < 0)
				_exit(5);
		} else if (c == 'X') {
			while (n > 0)
				close(held[--n]);
		}
		if (write(ack, &c, 1) != 1)
			_exit(6);
	}
	_exit(0);
}

static void tenant_start(struct tenant *t)
{
	int cmd[2], ack[2];
	char c;

	assert_int_equal(pipe(cmd), 0);
	assert_int_equal(pipe(ack), 0);
	t->pid = fork();
	assert_true(t->pid >= 0);
	if (t->pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		tenant_run(cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	t->cmd = cmd[1];
	t->ack = ack[0];
	assert_int_equal(read(t->ack, &c, 1), 1); /* in its namespace */
}

static void tenant_do(struct tenant *t, char c)
{
	char got = 0;

	assert_int_equal(write(t->cmd, &c, 1), 1);
	assert_int_equal(read(t->ack, &got, 1), 1);
	assert_int_equal(got, c);
}

static void tenant_stop(struct tenant *t)
{
	int status;

	close(t->cmd);
	close(t->ack);
	assert_int_equal(waitpid(t->pid, &status, 0), t->pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

struct seen {
	const struct sk_netns *ns;
	const struct sk_process *proc;
	size_t listen_rows;
};

static struct seen refresh(struct sk_engine *e, pid_t pid)
{
	struct sk_error err;
	const struct sk_snapshot *s;
	struct seen r = {0};

	if (sk_engine_refresh(e, &err))
		fail_msg("refresh: %s", err.msg);
	s = sk_engine_snapshot(e);
	for (size_t i = 0; i < s->procs.n; i++)
		if (s->procs.v[i].pid == pid)
			r.proc = &s->procs.v[i];
	assert_non_null(r.proc);
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == r.proc->netns)
			r.ns = &s->netns.v[i];
	assert_non_null(r.ns);
	assert_false(r.ns->own);
	for (size_t i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].netns == r.ns->id && s->socks.v[i].state == SK_TCP_LISTEN)
			r.listen_rows++;
	return r;
}

/* The skip survives a JSON snapshot and its replay; the others stay unmarked. */
static void assert_round_trip(const struct sk_snapshot *s)
{
	char *buf = NULL;
	size_t len = 0, skipped = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sk_replay r = {0};
	struct sk_error err;

	assert_non_null(f);
	assert_int_equal(sk_json_write_snapshot(f, s), 0);
	assert_int_equal(fclose(f), 0);
	assert_non_null(strstr(buf, "\"skipped\":\"empty\""));
	if (sk_replay_parse(buf, len, "nsgate", &r, &err))
		fail_msg("replay: %s", err.msg);
	assert_int_equal(r.snap.netns.n, s->netns.n);
	for (size_t i = 0; i < s->netns.n; i++) {
		assert_int_equal(r.snap.netns.v[i].skipped, s->netns.v[i].skipped);
		skipped += r.snap.netns.v[i].skipped;
	}
	assert_int_equal(skipped, 1);
	sk_replay_free(&r);
	free(buf);
}

static void test_live_gate(void **state)
{
	const bool *world = *state;
	struct sk_engine_config cfg = {
		.proc_root = "/proc", .want_unix = true, .no_services = true, .no_bpf = true,
	};
	struct sk_engine *e = NULL;
	struct sk_error err;
	struct tenant t;
	struct seen r;

	if (!*world) {
		printf("skipped: needs root for a pid, mount and network namespace of its own\n");
		skip();
	}
	if (sk_engine_new(&cfg, &e, &err))
		fail_msg("engine: %s", err.msg);
	tenant_start(&t);

	r = refresh(e, t.pid); /* cold: every namespace is dumped */
	assert_false(r.ns->skipped);
	assert_int_equal(r.ns->dump_error, 0);
	r = refresh(e, t.pid);
	assert_true(r.ns->skipped);
	assert_int_equal(r.ns->sockets, 0);
	assert_round_trip(sk_engine_snapshot(e));

	/* A never-connected TCP socket is in no count: its fd is judged
	 * closed now (the namespace counts as dumped) and, dumped again, next. */
	tenant_do(&t, 'N');
	r = refresh(e, t.pid);
	assert_true(r.proc->agg.closed[SK_SN_TCP] >= 1);
	r = refresh(e, t.pid);
	assert_false(r.ns->skipped);
	assert_true(r.proc->agg.closed[SK_SN_TCP] >= 1);

	tenant_do(&t, 'X');
	r = refresh(e, t.pid); /* no fd left: judged again */
	assert_false(r.ns->skipped);
	r = refresh(e, t.pid);
	assert_true(r.ns->skipped);
	tenant_do(&t, 'L'); /* the counters see it: dumped at once */
	r = refresh(e, t.pid);
	assert_false(r.ns->skipped);
	assert_int_equal(r.listen_rows, 1);

	tenant_stop(&t);
	sk_engine_free(e);
}

int main(void)
{
	bool world = hermetic_world(true) == 0;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_zero_and_normal),
		cmocka_unit_test(test_parse_unknown_is_not_empty),
		cmocka_unit_test(test_parse_huge_and_negative),
		cmocka_unit_test(test_read_fixture),
		cmocka_unit_test_prestate(test_live_gate, &world),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
