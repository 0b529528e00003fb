/* The /proc reader: a fixture tree with hostile names and a vanished pid,
 * table-driven parser cases, and the real /proc with a socket of our own. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fixture_root.h"
#include "proc.h"

struct scan {
	sk_procvec procs;
	sk_fdrefvec fds;
	struct sk_strtab strs;
	struct sk_procfs_stats st;
};

static void scan_root(struct scan *sc, const char *root)
{
	struct sk_error err = {0};

	memset(sc, 0, sizeof(*sc));
	sk_strtab_init(&sc->strs);
	if (sk_procfs_scan(root, &sc->procs, &sc->fds, &sc->strs, &sc->st, &err))
		fail_msg("scan %s: %s", root, err.msg);
}

static void scan_free(struct scan *sc)
{
	free(sc->procs.v);
	free(sc->fds.v);
	sk_strtab_free(&sc->strs);
}

static const struct sk_process *pid_of(const struct scan *sc, int32_t pid)
{
	for (size_t i = 0; i < sc->procs.n; i++)
		if (sc->procs.v[i].pid == pid)
			return &sc->procs.v[i];
	return NULL;
}

static bool has_fd(const struct scan *sc, const struct sk_process *p, int32_t fd, uint64_t inode)
{
	for (uint32_t i = 0; i < p->fdrefs_count; i++) {
		const struct sk_fdref *r = &sc->fds.v[p->fdrefs_start + i];

		if (r->fd == fd && r->inode == inode && r->sock == SK_NONE &&
		    &sc->procs.v[r->proc] == p)
			return true;
	}
	return false;
}

static void test_fixture_tree(void **state)
{
	char root[PATH_MAX];
	struct scan sc;
	const struct sk_process *p;

	(void)state;
	fixture_root("proc", root, sizeof(root));
	scan_root(&sc, root);
	assert_int_equal(sc.st.processes, 3);
	assert_int_equal(sc.st.vanished, 1); /* 300: no stat */
	assert_null(pid_of(&sc, 300));

	p = pid_of(&sc, 100);
	assert_non_null(p);
	assert_string_equal(p->comm, "nginx");
	assert_int_equal(p->starttime, 987654);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->rss_kb, 300);
	assert_int_equal(p->fd_limit, 1024);
	assert_int_equal(p->fd_count, 5);
	assert_int_equal(p->netns, 4026531840ULL);
	assert_int_equal(p->fdrefs_count, 3);
	assert_true(has_fd(&sc, p, 3, 1001));
	assert_true(has_fd(&sc, p, 4, 1002));
	assert_true(has_fd(&sc, p, 1048575, 1003));
	assert_string_equal(sk_strtab_get(&sc.strs, p->cmdline), "nginx: worker -g daemon off;");

	p = pid_of(&sc, 200);
	assert_non_null(p);
	/* comm ends at the last ')': spaces, parens and control bytes are its own. */
	assert_string_equal(p->comm, "evil) (x\\x0a\\x1b[31m");
	assert_int_equal(p->starttime, 5555);
	assert_int_equal(p->fd_limit, SK_FD_LIMIT_UNLIMITED);
	assert_int_equal(p->netns, 4026532999ULL);
	assert_string_equal(sk_strtab_get(&sc.strs, p->cmdline), "sh -c echo \\x1b]0;pwned\\x07");
	assert_true(has_fd(&sc, p, 5, 2001));

	p = pid_of(&sc, 400);
	assert_non_null(p);
	assert_true(p->flags & SK_PROC_KERNEL);
	assert_int_equal(p->fd_count, 0);
	assert_int_equal(sk_procfs_ns_inode(root, 0, "net"), 4026531840ULL);
	assert_int_equal(sk_procfs_ns_inode(root, 200, "net"), 4026532999ULL);
	assert_int_equal(sk_procfs_ns_inode(root, 300, "net"), 0);
	scan_free(&sc);
}

static void test_missing_root(void **state)
{
	struct scan sc = {0};
	struct sk_error err = {0};

	(void)state;
	sk_strtab_init(&sc.strs);
	assert_int_equal(sk_procfs_scan("/nonexistent-sktop", &sc.procs, &sc.fds, &sc.strs, &sc.st,
					&err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent-sktop"));
}

struct stat_case {
	const char *in;
	int rc;
	const char *comm;
	uint64_t starttime;
};

static const struct stat_case stat_cases[] = {
	{"1 (init) S 0 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0", 0, "init", 42},
	{"7 (a b) c) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0", 0, "a b) c", 7},
	{"8 () R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 8", 0, "", 8},
	{"9 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615", 0, "x",
	 UINT64_MAX},
	{"9 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616", -EINVAL, "", 0},
	{"10 (x) R 1 1", -EINVAL, "", 0},          /* truncated before starttime */
	{"11 x) R 1", -EINVAL, "", 0},             /* no '(' */
	{"12 (x R 1", -EINVAL, "", 0},             /* no ')' */
	{"", -EINVAL, "", 0},
};

static void test_parse_stat(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(stat_cases) / sizeof(stat_cases[0]); i++) {
		const struct stat_case *c = &stat_cases[i];
		struct sk_proc_stat st;
		int rc = sk_parse_proc_stat(c->in, strlen(c->in), &st);

		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, c->rc);
		if (rc == 0) {
			assert_string_equal(st.comm, c->comm);
			assert_int_equal(st.starttime, c->starttime);
		}
	}
}

static void test_parse_status_limits_link(void **state)
{
	struct sk_proc_status s;
	uint64_t v;

	(void)state;
	assert_int_equal(sk_parse_proc_status("Uid:\t0\t0\t0\t0\n", 13, &s), 0);
	assert_int_equal(s.uid, 0);
	assert_int_equal(sk_parse_proc_status("Name:\tx\nVmRSS:\t5 kB\n", 20, &s), -EINVAL);
	assert_int_equal(sk_parse_proc_status("Uid:\t99999999999\n", 17, &s), -EINVAL);

	static const char lim[] = "Max open files            65536                65536                files\n";
	assert_int_equal(sk_parse_proc_limits_nofile(lim, sizeof(lim) - 1, &v), 0);
	assert_int_equal(v, 65536);
	assert_int_equal(sk_parse_proc_limits_nofile("Max cpu time 1\n", 15, &v), -EINVAL);

	static const struct {
		const char *s;
		int rc;
		uint64_t inode;
	} links[] = {
		{"socket:[675441359]", 0, 675441359}, {"socket:[0]", 0, 0},
		{"socket:[]", -EINVAL, 0}, {"socket:[12", -EINVAL, 0}, {"socket:[12]x", -EINVAL, 0},
		{"pipe:[12]", -EINVAL, 0}, {"socket:[-1]", -EINVAL, 0},
		{"socket:[99999999999999999999]", -EINVAL, 0}, {"/dev/null", -EINVAL, 0},
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		uint64_t inode = 0;
		int rc = sk_parse_socket_link(links[i].s, strlen(links[i].s), &inode);

		if (rc != links[i].rc || (rc == 0 && inode != links[i].inode))
			fail_msg("link '%s': rc %d inode %llu", links[i].s, rc, (unsigned long long)inode);
	}
}

static void test_cmdline_bounded(void **state)
{
	char in[SK_CMDLINE_MAX * 2], out[SK_CMDLINE_MAX * 4 + 1];

	(void)state;
	memset(in, 'a', sizeof(in));
	assert_true(sk_format_cmdline(in, sizeof(in), out, sizeof(out)) <= SK_CMDLINE_MAX);
	assert_int_equal(sk_format_cmdline("a\0b\0\0", 5, out, sizeof(out)), 3);
	assert_string_equal(out, "a b");
	assert_int_equal(sk_format_cmdline("", 0, out, sizeof(out)), 0);
}

/* The real /proc: our own sockets, found by inode, classified by xattr. */
static void test_live_own_sockets(void **state)
{
	int tcp = socket(AF_INET, SOCK_STREAM, 0), udp = socket(AF_INET6, SOCK_DGRAM, 0);
	int pair[2];
	struct stat st;
	struct scan sc;

	(void)state;
	assert_true(tcp >= 0 && udp >= 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
	assert_int_equal(fstat(tcp, &st), 0);
	scan_root(&sc, "/proc");
	const struct sk_process *me = pid_of(&sc, getpid());

	assert_non_null(me);
	assert_true(has_fd(&sc, me, tcp, st.st_ino));
	assert_int_equal(me->netns, sk_procfs_ns_inode("/proc", 0, "net"));
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), tcp), SK_SN_TCP);
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), udp), SK_SN_UDPV6);
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), pair[0]), SK_SN_UNIX);
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), 0x7fffff00), SK_SN_OTHER);
	scan_free(&sc);
	close(tcp);
	close(udp);
	close(pair[0]);
	close(pair[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_tree),
		cmocka_unit_test(test_missing_root),
		cmocka_unit_test(test_parse_stat),
		cmocka_unit_test(test_parse_status_limits_link),
		cmocka_unit_test(test_cmdline_bounded),
		cmocka_unit_test(test_live_own_sockets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
