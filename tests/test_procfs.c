/* The /proc reader: a fixture tree with hostile names, vanished pids, a
 * zombie, a kernel thread and near-miss socket links; table-driven parser
 * cases; and the real /proc with sockets of our own, seen with and without
 * the privileges to read other processes' fd tables. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"
#include "fixture_root.h"
#include "collect/proc.h"

struct scan {
	sk_procvec procs;
	sk_fdrefvec fds;
	struct sk_strtab strs;
	struct sk_procfs_stats st;
};

static int scan_root_rc(struct scan *sc, const char *root, struct sk_error *err)
{
	memset(sc, 0, sizeof(*sc));
	sk_strtab_init(&sc->strs);
	return sk_procfs_scan(root, &sc->procs, &sc->fds, &sc->strs, &sc->st, err);
}

static void scan_root(struct scan *sc, const char *root)
{
	struct sk_error err = {0};

	if (scan_root_rc(sc, root, &err))
		fail_msg("scan %s: %s", root, err.msg);
}

/* The committed procfs tree scanned into sc; returns where the tree is. */
static const char *scan_fixture(struct scan *sc)
{
	const char *root = fixture_proc_copy();

	scan_root(sc, root);
	return root;
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

		if (r->fd == fd && r->inode == inode && r->sock == SK_NONE && r->flags == 0 &&
		    &sc->procs.v[r->proc] == p)
			return true;
	}
	return false;
}

/* Every fdref belongs to exactly one process's contiguous run, in order. */
static bool fdrefs_consistent(const struct scan *sc)
{
	size_t next = 0;

	for (size_t i = 0; i < sc->procs.n; i++) {
		const struct sk_process *p = &sc->procs.v[i];

		if (p->fdrefs_count && p->fdrefs_start != next)
			return false;
		for (uint32_t k = 0; k < p->fdrefs_count; k++)
			if (sc->fds.v[p->fdrefs_start + k].proc != i)
				return false;
		next += p->fdrefs_count;
	}
	return next == sc->fds.n;
}

static bool strtab_contains(const struct sk_strtab *t, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= t->len; i++)
		if (memcmp(t->buf + i, needle, n) == 0)
			return true;
	return false;
}

/* What stat, status and limits said of one fixture process. */
struct proc_want {
	const char *comm;
	uint64_t starttime;
	uint32_t uid;
	uint64_t rss_kb;
	uint64_t fd_limit;
};

/* The process pid, found, with want's figures. */
static const struct sk_process *assert_proc(const struct scan *sc, int32_t pid,
					    struct proc_want want)
{
	const struct sk_process *p = pid_of(sc, pid);

	assert_non_null(p);
	assert_string_equal(p->comm, want.comm);
	assert_int_equal(p->starttime, want.starttime);
	assert_int_equal(p->uid, want.uid);
	assert_int_equal(p->rss_kb, want.rss_kb);
	assert_int_equal(p->fd_limit, want.fd_limit);
	return p;
}

static void test_fixture_tree(void **state)
{
	struct scan sc;
	const struct sk_process *p;

	(void)state;
	scan_fixture(&sc);
	assert_int_equal(sc.st.processes, 5); /* 100 200 400 600 700 */
	assert_int_equal(sc.st.vanished, 2);  /* 300: no stat; 500: no fd table */
	assert_int_equal(sc.st.fd_denied, 0);
	assert_int_equal(sc.st.fds, 5 + 1 + 8);
	assert_int_equal(sc.procs.n, 5);
	assert_int_equal(sc.fds.n, 3 + 1 + 2);
	assert_true(fdrefs_consistent(&sc));
	assert_null(pid_of(&sc, 300));
	/* 500 was read up to its fds, then rolled back: not even its cmdline stays. */
	assert_null(pid_of(&sc, 500));
	assert_false(strtab_contains(&sc.strs, "ghost"));

	/* the soft fd limit, not the hard 4096 */
	p = assert_proc(&sc, 100, (struct proc_want){"nginx", 987654, 1000, 300, 1024});
	assert_int_equal(p->fd_count, 5);
	assert_int_equal(p->netns, 4026531840ULL);
	assert_int_equal(p->flags, 0);
	/* /dev/null and the pipe are counted, not kept. */
	assert_int_equal(p->fdrefs_count, 3);
	assert_true(has_fd(&sc, p, 3, 1001));
	assert_true(has_fd(&sc, p, 4, 1002));
	assert_true(has_fd(&sc, p, 1048575, 1003));
	assert_string_equal(sk_strtab_get(&sc.strs, p->cmdline), "nginx: worker -g daemon off;");

	/* comm ends at the last ')': spaces, parens and control bytes are its own. */
	p = assert_proc(&sc, 200, (struct proc_want){"evil) (x\\x0a\\x1b[31m", 5555, 0, 12,
						     SK_FD_LIMIT_UNLIMITED});
	assert_int_equal(p->netns, 4026532999ULL);
	assert_string_equal(sk_strtab_get(&sc.strs, p->cmdline), "sh -c echo \\x1b]0;pwned\\x07");
	assert_int_equal(p->fdrefs_count, 1);
	assert_true(has_fd(&sc, p, 5, 2001));

	p = pid_of(&sc, 400);
	assert_non_null(p);
	assert_string_equal(p->comm, "kworker/0:1");
	assert_int_equal(p->flags, SK_PROC_KERNEL);
	assert_int_equal(p->fd_count, 0);
	assert_int_equal(p->fdrefs_count, 0);
	assert_int_equal(p->cmdline, 0);

	p = pid_of(&sc, 600);
	assert_non_null(p);
	assert_int_equal(p->flags, 0); /* a zombie: not a kernel thread, not denied */
	assert_int_equal(p->uid, 33);
	assert_int_equal(p->fd_count, 0);
	assert_int_equal(p->starttime, 700);

	p = pid_of(&sc, 700);
	assert_non_null(p);
	assert_int_equal(p->uid, 2000);
	/* status was cut inside "VmRSS: 123456": unknown, never 12 */
	assert_int_equal(p->rss_kb, 0);
	assert_int_equal(p->fd_limit, 1048576);
	assert_int_equal(p->fd_count, 8);
	assert_int_equal(p->fdrefs_count, 2); /* socket:[abc], "...]junk", a long path: no */
	assert_true(has_fd(&sc, p, 9, 3001));
	assert_true(has_fd(&sc, p, 13, 3005));
	const char *cmd = sk_strtab_get(&sc.strs, p->cmdline);

	assert_int_equal(strlen(cmd), SK_CMDLINE_MAX); /* 6 kB on disk, 4 kB read */
	assert_int_equal(strncmp(cmd, "java -Dx=aaaa", 13), 0);
	scan_free(&sc);
}

/* Scanning appends: a second scan into the same tables keeps the first's
 * rows and indexes its own fdrefs from where it starts. */
static void test_scan_appends(void **state)
{
	struct scan sc;
	const char *root = scan_fixture(&sc);
	struct sk_error err = {0};

	(void)state;
	assert_int_equal(sk_procfs_scan(root, &sc.procs, &sc.fds, &sc.strs, &sc.st, &err), 0);
	assert_int_equal(sc.procs.n, 10);
	assert_int_equal(sc.fds.n, 12);
	assert_int_equal(sc.st.processes, 10);
	assert_int_equal(sc.st.vanished, 4);
	assert_true(fdrefs_consistent(&sc));
	scan_free(&sc);
}

static void test_ns_links(void **state)
{
	char root[PATH_MAX];
	static const struct {
		int32_t pid;
		const char *ns;
		uint64_t want;
	} cases[] = {
		{0, "net", 4026531840ULL},   /* self -> 100 */
		{100, "net", 4026531840ULL},
		{100, "mnt", 4026531841ULL},
		{100, "uts", 0},             /* "uts:[12x]" */
		{100, "ipc", 0},             /* "net:[4026531840": wrong name, no ']' */
		{100, "pid", 0},             /* absent */
		{200, "net", 4026532999ULL},
		{300, "net", 0},             /* vanished */
		{12345, "net", 0},
	};

	(void)state;
	fixture_root("proc", root, sizeof(root));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t got = sk_procfs_ns_inode(root, cases[i].pid, cases[i].ns);

		if (got != cases[i].want)
			fail_msg("pid %d ns %s: %llu, want %llu", (int)cases[i].pid, cases[i].ns,
				 (unsigned long long)got, (unsigned long long)cases[i].want);
	}
}

static void test_missing_root(void **state)
{
	struct scan sc;
	struct sk_error err = {0};

	(void)state;
	assert_int_equal(scan_root_rc(&sc, "/nonexistent-sktop", &err), -ENOENT);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent-sktop"));
	assert_int_equal(sc.procs.n, 0);
	scan_free(&sc);
}

struct stat_case {
	const char *in;
	size_t len; /* 0: strlen(in) */
	int rc;
	const char *comm;
	char state;
	uint64_t flags;
	uint64_t starttime;
};

static const struct stat_case stat_cases[] = {
	{"1 (init) S 0 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 42 0 0", 0, 0, "init", 'S',
	 4194560, 42},
	{"7 (a b) c) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7 0 0", 0, 0, "a b) c", 'R', 0, 7},
	{"7 ((x)) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7", 0, 0, "(x)", 'R', 0, 7},
	{"7 (a\nb\x1b[2J) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 -2 -20 1 0 7", 0, 0,
	 "a\\x0ab\\x1b[2J", 'R', 0, 7},
	{"7 (\\) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7", 0, 0, "\\\\", 'R', 0, 7},
	{"2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 18 0 0", 0, 0, "kthreadd",
	 'S', 2129984, 18},
	{"8 () R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 8", 0, 0, "", 'R', 0, 8},
	{"9 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551615", 0, 0, "x", 'R', 0,
	 UINT64_MAX},
	/* The buffer is not a C string: digits past len are not ours. */
	{"9 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 4242", 48, 0, "x", 'R', 0, 42},
	{"9 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 18446744073709551616", 0, -EINVAL, "", 0, 0, 0},
	{"10 (x) R 1 1", 0, -EINVAL, "", 0, 0, 0},          /* truncated before starttime */
	{"10 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 ", 0, -EINVAL, "", 0, 0, 0},
	{"10 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7", 5, -EINVAL, "", 0, 0, 0}, /* ')' past len */
	{"10 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7", 7, -EINVAL, "", 0, 0, 0}, /* state past len */
	{"10 (x)R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 7", 0, -EINVAL, "", 0, 0, 0},
	{"10 (x) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x7", 0, -EINVAL, "", 0, 0, 0},
	{"11 x) R 1", 0, -EINVAL, "", 0, 0, 0},             /* no '(' */
	{"12 (x R 1", 0, -EINVAL, "", 0, 0, 0},             /* no ')' */
	{"13 )x( R 1", 0, -EINVAL, "", 0, 0, 0},            /* ')' before '(' */
	{"", 0, -EINVAL, "", 0, 0, 0},
};

static void test_parse_stat(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(stat_cases) / sizeof(stat_cases[0]); i++) {
		const struct stat_case *c = &stat_cases[i];
		struct sk_proc_stat st;
		int rc = sk_parse_proc_stat(c->in, c->len ? c->len : strlen(c->in), &st);

		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, c->rc);
		if (rc != 0)
			continue;
		if (strcmp(st.comm, c->comm) != 0 || st.state != c->state || st.flags != c->flags ||
		    st.starttime != c->starttime)
			fail_msg("case %zu: comm '%s' state %c flags %llu starttime %llu", i, st.comm,
				 st.state, (unsigned long long)st.flags,
				 (unsigned long long)st.starttime);
	}
}

static void test_parse_comm_bounded(void **state)
{
	/* A fixture (or a future kernel) with a long comm: escaped, cut on a
	 * character boundary, always terminated. */
	char in[512], *p = in;
	struct sk_proc_stat st;

	(void)state;
	p += sprintf(p, "5 (");
	for (int i = 0; i < 100; i++)
		*p++ = '\x01';
	p += sprintf(p, ") S 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77");
	assert_int_equal(sk_parse_proc_stat(in, (size_t)(p - in), &st), 0);
	assert_int_equal(strlen(st.comm), 60); /* 15 whole "\x01" */
	assert_int_equal(strncmp(st.comm, "\\x01\\x01", 8), 0);
	assert_int_equal(st.starttime, 77);
}

struct status_case {
	const char *in;
	int rc;
	uint32_t uid;
	uint64_t rss_kb;
};

static const struct status_case status_cases[] = {
	{"Name:\tx\nUid:\t1000\t0\t0\t0\nVmRSS:\t   300 kB\n", 0, 1000, 300},
	{"Uid:\t0\t0\t0\t0\n", 0, 0, 0},                          /* kernel thread: no VmRSS */
	{"Uid:\t4294967295\t0\t0\t0\nVmRSS:\t1 kB\n", 0, 4294967295u, 1},
	{"Uid:\t4294967296\t0\t0\t0\n", -EINVAL, 0, 0},                /* past uid_t */
	{"Uid:\t99999999999999999999999\n", -EINVAL, 0, 0},
	{"Name:\tx\nVmRSS:\t5 kB\n", -EINVAL, 0, 0},                    /* no Uid */
	{"Name:\tUid: 5\nXUid:\t6\n", -EINVAL, 0, 0},                   /* only at a line start */
	{"Uid:\t7\nVmRSS:\t99999999999999999999999 kB\n", 0, 7, 0}, /* overflow: unknown */
	{"Uid:\n", -EINVAL, 0, 0},
	{"", -EINVAL, 0, 0},
};

static void test_parse_status(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(status_cases) / sizeof(status_cases[0]); i++) {
		const struct status_case *c = &status_cases[i];
		struct sk_proc_status s;
		int rc = sk_parse_proc_status(c->in, strlen(c->in), &s);

		if (rc != c->rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, c->rc);
		if (rc == 0 && (s.uid != c->uid || s.rss_kb != c->rss_kb || !s.have_uid))
			fail_msg("case %zu: uid %u rss %llu", i, s.uid, (unsigned long long)s.rss_kb);
	}
	/* Not a C string: the digits after len are not part of the uid. */
	struct sk_proc_status s;

	assert_int_equal(sk_parse_proc_status("Uid:\t12345\n", 7, &s), 0);
	assert_int_equal(s.uid, 12);
}

static void test_parse_limits(void **state)
{
	static const char hdr[] =
		"Limit                     Soft Limit           Hard Limit           Units     \n"
		"Max cpu time              unlimited            unlimited            seconds   \n";
	static const struct {
		const char *line;
		int rc;
		uint64_t soft;
	} cases[] = {
		{"Max open files            1024                 4096                 files     \n", 0,
		 1024},
		{"Max open files            unlimited            unlimited            files     \n", 0,
		 SK_FD_LIMIT_UNLIMITED},
		{"Max open files            1048576              1048576              files     \n", 0,
		 1048576},
		{"Max open files            18446744073709551616 1                    files     \n",
		 -EINVAL, 0},
		{"Max open files            files\n", -EINVAL, 0},
		{"Max locked memory         65536                65536                bytes     \n",
		 -EINVAL, 0},
	};
	char buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 7;
		int n = snprintf(buf, sizeof(buf), "%s%s", hdr, cases[i].line);
		int rc = sk_parse_proc_limits_nofile(buf, (size_t)n, &v);

		if (rc != cases[i].rc || (rc == 0 && v != cases[i].soft))
			fail_msg("case %zu: rc %d soft %llu", i, rc, (unsigned long long)v);
	}
}

static void test_parse_socket_link(void **state)
{
	static const struct {
		const char *s;
		int rc;
		uint64_t inode;
	} links[] = {
		{"socket:[675441359]", 0, 675441359}, {"socket:[0]", 0, 0},
		{"socket:[18446744073709551615]", 0, UINT64_MAX},
		{"socket:[]", -EINVAL, 0}, {"socket:[12", -EINVAL, 0}, {"socket:[12]x", -EINVAL, 0},
		{"pipe:[12]", -EINVAL, 0}, {"socket:[-1]", -EINVAL, 0}, {"socket:[1 2]", -EINVAL, 0},
		{"socket:[99999999999999999999]", -EINVAL, 0}, {"/dev/null", -EINVAL, 0},
		{"anon_inode:[eventfd]", -EINVAL, 0}, {"[socket:[1]]", -EINVAL, 0},
		{"/tmp/socket:[1]", -EINVAL, 0}, {"", -EINVAL, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		uint64_t inode = 0;
		int rc = sk_parse_socket_link(links[i].s, strlen(links[i].s), &inode);

		if (rc != links[i].rc || (rc == 0 && inode != links[i].inode))
			fail_msg("link '%s': rc %d inode %llu", links[i].s, rc, (unsigned long long)inode);
	}
	/* len, not the NUL, ends the link. */
	uint64_t inode;

	assert_int_equal(sk_parse_socket_link("socket:[42]]", 11, &inode), 0);
	assert_int_equal(inode, 42);
}

static void test_cmdline(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *want;
	} cases[] = {
		{"a\0b\0\0", 5, "a b"},
		{"nginx: master process", 21, "nginx: master process"}, /* rewritten argv */
		{"\0\0\0", 3, ""},
		{"", 0, ""},
		{"a\0\0b\0", 5, "a  b"},                 /* an empty argument keeps its place */
		{"x\x1b[31m\0y\n\0", 10, "x\\x1b[31m y\\x0a"},
		{"caf\xc3\xa9\0\xff\0", 8, "caf\xc3\xa9 \\xff"}, /* UTF-8 kept, bad bytes not */
		{"a\\b", 3, "a\\\\b"},
		{"abc\0def", 2, "ab"},                    /* len, not the NULs, bounds it */
	};
	char out[SK_CMDLINE_MAX * 4 + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = sk_format_cmdline(cases[i].in, cases[i].len, out, sizeof(out));

		if (strcmp(out, cases[i].want) != 0 || n != strlen(out))
			fail_msg("case %zu: '%s' (%zu)", i, out, n);
	}
}

static void test_cmdline_bounded(void **state)
{
	static char in[SK_CMDLINE_MAX * 2];
	char out[SK_CMDLINE_MAX * 4 + 1], small[8];

	(void)state;
	memset(in, 'a', sizeof(in));
	assert_int_equal(sk_format_cmdline(in, sizeof(in), out, sizeof(out)), SK_CMDLINE_MAX);
	assert_int_equal(strlen(out), SK_CMDLINE_MAX);
	/* every byte escaped: 4 output bytes each, still within out */
	memset(in, '\x1b', sizeof(in));
	assert_int_equal(sk_format_cmdline(in, sizeof(in), out, sizeof(out)), SK_CMDLINE_MAX * 4);
	/* a small out: cut on an escape boundary, terminated */
	assert_int_equal(sk_format_cmdline(in, sizeof(in), small, sizeof(small)), 4);
	assert_string_equal(small, "\\x1b");
}

/* --- the cached scan: only an fd's link is ever taken from the cache --- */

/* A private, writable copy of the fixture tree (links kept as links). */
static void tree_copy(char *out, size_t size)
{
	char src[PATH_MAX], cmd[2 * PATH_MAX + 32];

	fixture_root("proc", src, sizeof(src));
	snprintf(out, size, "/tmp/sktop-proc-cached-XXXXXX");
	assert_non_null(mkdtemp(out));
	snprintf(cmd, sizeof(cmd), "cp -a '%s/.' '%s'", src, out);
	assert_int_equal(system(cmd), 0);
}

static void tree_remove(const char *dir)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void tree_path(char *path, size_t size, const char *root, const char *rel)
{
	int n = snprintf(path, size, "%s/%s", root, rel);

	assert_true(n > 0 && (size_t)n < size);
}

static void tree_write(const char *root, const char *rel, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	tree_path(path, sizeof(path), root, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void tree_link(const char *root, const char *rel, const char *target)
{
	char path[PATH_MAX];

	tree_path(path, sizeof(path), root, rel);
	unlink(path);
	assert_int_equal(symlink(target, path), 0);
}

/* The committed fixture file back into the copy. */
static void tree_restore(const char *root, const char *rel)
{
	char src[PATH_MAX + 64], sub[64], buf[4096];
	FILE *f;
	size_t n;

	tree_path(sub, sizeof(sub), "proc", rel);
	fixture_src(sub, src, sizeof(src));
	f = fopen(src, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	assert_int_equal(fclose(f), 0);
	tree_write(root, rel, buf, n);
}

static void scan_cached(struct scan *sc, const char *root, struct sk_procfs_cache *cache)
{
	struct sk_error err = {0};

	memset(sc, 0, sizeof(*sc));
	sk_strtab_init(&sc->strs);
	if (sk_procfs_scan_cached(root, cache, &sc->procs, &sc->fds, &sc->strs, &sc->st, &err))
		fail_msg("cached scan %s: %s", root, err.msg);
}

static const struct sk_fdref *fdref_of(const struct scan *sc, const struct sk_process *p,
				       int32_t fd)
{
	for (uint32_t i = 0; i < p->fdrefs_count; i++)
		if (sc->fds.v[p->fdrefs_start + i].fd == fd)
			return &sc->fds.v[p->fdrefs_start + i];
	return NULL;
}

/* Everything the scan says about a process but its socket fds is read
 * again each time: the same as a full scan's. */
static void assert_same_process(const struct scan *a, const struct sk_process *p,
				const struct scan *b, const struct sk_process *q)
{
	static const char *const names[] = {"pid",      "uid",    "starttime", "netns",
					    "fd_limit", "rss_kb", "fd_count",  "flags"};

	assert_non_null(p);
	assert_non_null(q);

	/* Each figure widened to 64 bits, in the order of names. */
	const uint64_t got[] = {(uint64_t)p->pid, p->uid,    p->starttime, p->netns,
				p->fd_limit,      p->rss_kb, p->fd_count,  p->flags};
	const uint64_t want[] = {(uint64_t)q->pid, q->uid,    q->starttime, q->netns,
				 q->fd_limit,      q->rss_kb, q->fd_count,  q->flags};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (got[i] != want[i])
			fail_msg("pid %d %s: %llu, want %llu", (int)q->pid, names[i],
				 (unsigned long long)got[i], (unsigned long long)want[i]);
	assert_string_equal(p->comm, q->comm);
	assert_string_equal(sk_strtab_get(&a->strs, p->cmdline), sk_strtab_get(&b->strs, q->cmdline));
}

static const char status_v2[] = "Name:\tnginy\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t100\n"
				"Pid:\t100\nPPid:\t1\nUid:\t1001\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n"
				"VmRSS:\t    4242 kB\nThreads:\t1\n";
static const char limits_v2[] = "Limit                     Soft Limit           Hard Limit           Units     \n"
				"Max open files            2048                 4096                 files     \n";
static const char limits_v3[] = "Limit                     Soft Limit           Hard Limit           Units     \n"
				"Max open files            unlimited            unlimited            files     \n";
static const char stat_v2[] = "100 (nginy) S 1 100 100 0 -1 4194560 2254 0 0 0 12 5 0 0 20 0 1 0 "
			      "987654 12345678 900 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
static const char stat_reused[] = "100 (nginx) S 1 100 100 0 -1 4194560 2254 0 0 0 12 5 0 0 20 0 1 0 "
				  "999999 12345678 900 18446744073709551615 1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n";
static const char cmdline_v2[] = "nginx: master process\0";

/* A process's uid changes with setresuid (only the real one: the /proc
 * directory's owner, the effective uid, stays), its limit with prlimit
 * from outside, its comm with PR_SET_NAME, its cmdline when it rewrites
 * its argv (setproctitle), its RSS and namespace at any time: none of it
 * tells the fd table apart, and no event announces it. A cached scan
 * must see each change the next time, exactly as a full scan does. */
static void test_cached_scan_rereads_process_files(void **state)
{
	char root[PATH_MAX];
	struct sk_procfs_cache *cache;
	struct scan first, second, full;
	const struct sk_process *p;
	const struct sk_fdref *r;

	(void)state;
	tree_copy(root, sizeof(root));
	assert_int_equal(sk_procfs_cache_new(&cache), 0);
	scan_cached(&first, root, cache);
	p = pid_of(&first, 100);
	assert_non_null(p);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(first.st.cached, 0); /* nothing to take from an empty cache */

	tree_write(root, "100/status", status_v2, sizeof(status_v2) - 1);
	tree_write(root, "100/limits", limits_v2, sizeof(limits_v2) - 1);
	tree_write(root, "100/stat", stat_v2, sizeof(stat_v2) - 1);
	tree_write(root, "100/cmdline", cmdline_v2, sizeof(cmdline_v2));
	tree_link(root, "100/ns/net", "net:[4026532999]");
	tree_link(root, "100/fd/9", "socket:[1009]"); /* a new fd number: read */
	scan_cached(&second, root, cache);
	scan_root(&full, root);
	assert_true(fdrefs_consistent(&second));
	p = pid_of(&second, 100);
	assert_non_null(p);
	assert_int_equal(p->uid, 1001);
	assert_int_equal(p->rss_kb, 4242);
	assert_int_equal(p->fd_limit, 2048);
	assert_string_equal(p->comm, "nginy");
	assert_string_equal(sk_strtab_get(&second.strs, p->cmdline), "nginx: master process");
	assert_int_equal(p->netns, 4026532999ULL);
	assert_int_equal(p->fd_count, 6);
	/* Known socket fds come from the cache, flagged for the join to check;
	 * the new one was read. */
	r = fdref_of(&second, p, 3);
	assert_non_null(r);
	assert_int_equal(r->inode, 1001);
	assert_int_equal(r->flags, SK_FDREF_CACHED);
	r = fdref_of(&second, p, 9);
	assert_non_null(r);
	assert_int_equal(r->inode, 1009);
	assert_int_equal(r->flags, 0);
	for (size_t i = 0; i < full.procs.n; i++)
		assert_same_process(&second, pid_of(&second, full.procs.v[i].pid), &full,
				    &full.procs.v[i]);
	assert_int_equal(second.procs.n, full.procs.n);
	assert_int_equal(second.fds.n, full.fds.n);
	assert_int_equal(second.st.cached, 3); /* 100, 200 and 700 */
	scan_free(&first);
	scan_free(&full);

	/* Back the other way, and an unlimited limit. */
	tree_write(root, "100/limits", limits_v3, sizeof(limits_v3) - 1);
	tree_restore(root, "100/status");
	scan_free(&second);
	scan_cached(&second, root, cache);
	scan_root(&full, root);
	p = pid_of(&second, 100);
	assert_int_equal(p->uid, 1000);
	assert_int_equal(p->rss_kb, 300);
	assert_int_equal(p->fd_limit, SK_FD_LIMIT_UNLIMITED);
	assert_same_process(&second, p, &full, pid_of(&full, 100));
	scan_free(&full);
	scan_free(&second);

	/* A new start time is another process under a reused pid: nothing of
	 * the old one's may be used, not even its fd links. */
	tree_write(root, "100/stat", stat_reused, sizeof(stat_reused) - 1);
	scan_cached(&second, root, cache);
	p = pid_of(&second, 100);
	assert_non_null(p);
	assert_int_equal(p->starttime, 999999);
	for (uint32_t i = 0; i < p->fdrefs_count; i++)
		assert_int_equal(second.fds.v[p->fdrefs_start + i].flags, 0);
	scan_free(&second);
	sk_procfs_cache_free(cache);
	tree_remove(root);
}

/* The cache follows /proc's ascending fd listing with a cursor; a listing
 * in another order (this tree's filesystem lists in hash order) must give
 * the same links. */
static void test_cached_scan_any_listing_order(void **state)
{
	static const int order[] = {17, 3, 41, 8, 25, 4, 33, 12, 5, 39, 20, 6, 30, 9, 14, 27,
				    7, 36, 11, 22, 10, 42, 15, 31, 13, 19, 35, 16, 24, 18, 28,
				    21, 38, 23, 26, 29, 32, 34, 37, 40};
	char root[PATH_MAX], rel[64], link[64];
	struct sk_procfs_cache *cache;
	struct scan a, b, full;

	(void)state;
	tree_copy(root, sizeof(root));
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		snprintf(rel, sizeof(rel), "100/fd/%d", order[i]);
		snprintf(link, sizeof(link), order[i] % 5 ? "socket:[%d]" : "/dev/null", 5000 + order[i]);
		tree_link(root, rel, link);
	}
	assert_int_equal(sk_procfs_cache_new(&cache), 0);
	scan_cached(&a, root, cache);
	scan_cached(&b, root, cache);
	scan_root(&full, root);
	const struct sk_process *p = pid_of(&b, 100), *q = pid_of(&full, 100);

	assert_non_null(p);
	assert_int_equal(p->fdrefs_count, q->fdrefs_count);
	assert_int_equal(p->fdrefs_count, 1 + 32); /* 1003 on 1048575, and 32 sockets on 3..42 */
	for (uint32_t i = 0; i < q->fdrefs_count; i++) {
		const struct sk_fdref *want = &full.fds.v[q->fdrefs_start + i];
		const struct sk_fdref *got = fdref_of(&b, p, want->fd);

		assert_non_null(got);
		assert_int_equal(got->inode, want->inode);
		assert_int_equal(got->flags, SK_FDREF_CACHED);
	}
	scan_free(&a);
	scan_free(&b);
	scan_free(&full);
	sk_procfs_cache_free(cache);
	tree_remove(root);
}

/* Our own sockets, found by inode in the real /proc and classified by xattr. */
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
	assert_true(fdrefs_consistent(&sc));
	assert_true(sc.st.processes > 1);
	const struct sk_process *me = pid_of(&sc, getpid());

	assert_non_null(me);
	assert_true(has_fd(&sc, me, tcp, st.st_ino));
	assert_int_equal(fstat(pair[1], &st), 0);
	assert_true(has_fd(&sc, me, pair[1], st.st_ino));
	assert_true(me->fdrefs_count >= 4);
	assert_true(me->fd_count >= me->fdrefs_count + 1); /* stdin and friends are not sockets */
	assert_int_equal(me->uid, getuid());
	assert_true(me->rss_kb > 0);
	assert_false(me->flags & (SK_PROC_KERNEL | SK_PROC_FD_DENIED));
	assert_non_null(strstr(sk_strtab_get(&sc.strs, me->cmdline), "test_procfs"));
	assert_int_not_equal(me->netns, 0);
	assert_int_equal(me->netns, sk_procfs_ns_inode("/proc", 0, "net"));
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), tcp), SK_SN_TCP);
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), udp), SK_SN_UDPV6);
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), pair[0]), SK_SN_UNIX);
	assert_int_equal(sk_procfs_sockname("/proc", getpid(), 0x7fffff00), SK_SN_OTHER);
	assert_int_equal(sk_procfs_sockname("/nonexistent-sktop", getpid(), tcp), SK_SN_OTHER);
	/* kthreadd, when this pid namespace shows it, is a kernel thread */
	const struct sk_process *kt = pid_of(&sc, 2);

	if (kt && strcmp(kt->comm, "kthreadd") == 0)
		assert_int_equal(kt->flags, SK_PROC_KERNEL);
	scan_free(&sc);
	close(tcp);
	close(udp);
	close(pair[0]);
	close(pair[1]);
}

/* --- the real /proc through other eyes, in a child (cmocka's asserts do
 * not cross fork: the child reports a failing check's number as its exit
 * status) --- */

#define CHECK(n, cond)                                                                 \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "child check %d failed: %s\n", n, #cond);     \
			_exit(n);                                                      \
		}                                                                      \
	} while (0)

static void wait_child_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("child: status 0x%x", status);
}

/* As nobody: other users' fd tables are denied (pid 1's), kernel threads
 * are not counted as denied, our own socket is still found. */
static void test_live_unprivileged(void **state)
{
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the same view is test_live_own_sockets' */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct scan sc;
		struct stat st;
		int s;

		CHECK(1, setgid(65534) == 0 && setuid(65534) == 0);
		s = socket(AF_INET, SOCK_STREAM, 0);
		CHECK(2, s >= 0 && fstat(s, &st) == 0);
		scan_root(&sc, "/proc");
		const struct sk_process *me = pid_of(&sc, getpid()), *init = pid_of(&sc, 1);

		CHECK(3, me && has_fd(&sc, me, s, st.st_ino) && !(me->flags & SK_PROC_FD_DENIED));
		CHECK(4, init && init->uid != 65534 && (init->flags & SK_PROC_FD_DENIED));
		CHECK(5, init->fdrefs_count == 0);
		CHECK(6, sc.st.fd_denied > 0);
		CHECK(7, fdrefs_consistent(&sc));
		uint32_t denied = 0;

		for (size_t i = 0; i < sc.procs.n; i++) {
			const struct sk_process *p = &sc.procs.v[i];

			if (p->flags & SK_PROC_FD_DENIED)
				denied++;
			CHECK(8, !((p->flags & SK_PROC_KERNEL) && (p->flags & SK_PROC_FD_DENIED)));
		}
		CHECK(9, denied == sc.st.fd_denied);
		scan_free(&sc);
		close(s);
		_exit(0);
	}
	wait_child_ok(pid);
}

static int drop_cap_sys_ptrace(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data) != 0)
		return -1;
	data[CAP_SYS_PTRACE / 32].effective &= ~(1u << (CAP_SYS_PTRACE % 32));
	return (int)syscall(SYS_capset, &hdr, data);
}

/* Root without CAP_SYS_PTRACE (a container's default): another user's fd
 * directory can be listed but its links not read. The process is flagged,
 * its fds still counted, none of its sockets made up. */
static void test_live_listing_without_ptrace(void **state)
{
	int ready[2];
	pid_t holder, pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_int_equal(pipe(ready), 0);
	holder = fork();
	assert_true(holder >= 0);
	if (holder == 0) {
		char c = 'r';
		int s[3];

		close(ready[0]);
		CHECK(1, setgid(65534) == 0 && setuid(65534) == 0);
		for (int i = 0; i < 3; i++)
			CHECK(2, (s[i] = socket(AF_INET, SOCK_DGRAM, 0)) >= 0);
		CHECK(3, write(ready[1], &c, 1) == 1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	char c;

	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct scan sc;

		CHECK(10, drop_cap_sys_ptrace() == 0);
		scan_root(&sc, "/proc");
		const struct sk_process *h = pid_of(&sc, holder);

		CHECK(11, h != NULL);
		CHECK(12, h->flags & SK_PROC_FD_DENIED);
		CHECK(13, h->fd_count >= 3 + 1); /* three sockets and the pipe, at least */
		CHECK(14, h->fdrefs_count == 0);
		CHECK(15, sc.st.fd_denied >= 1);
		CHECK(16, fdrefs_consistent(&sc));
		scan_free(&sc);
		_exit(0);
	}
	wait_child_ok(pid);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_fixture_tree),
	cmocka_unit_test(test_scan_appends),
	cmocka_unit_test(test_ns_links),
	cmocka_unit_test(test_missing_root),
	cmocka_unit_test(test_parse_stat),
	cmocka_unit_test(test_parse_comm_bounded),
	cmocka_unit_test(test_parse_status),
	cmocka_unit_test(test_parse_limits),
	cmocka_unit_test(test_parse_socket_link),
	cmocka_unit_test(test_cmdline),
	cmocka_unit_test(test_cmdline_bounded),
	cmocka_unit_test(test_cached_scan_rereads_process_files),
	cmocka_unit_test(test_cached_scan_any_listing_order),
	cmocka_unit_test(test_live_own_sockets),
	cmocka_unit_test(test_live_unprivileged),
	cmocka_unit_test(test_live_listing_without_ptrace))
