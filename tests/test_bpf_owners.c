/* Owners from the BPF iterator must be exactly the owners the /proc walk
 * finds (the procfs path is the oracle):
 *  - loading the program is the verifier test, and closing it leaves no
 *    BPF object behind (nothing is pinned);
 *  - 150 random mutations of this process's fd table, in a private network
 *    namespace, each compared fd by fd;
 *  - a fork storm in a private pid namespace (so every pid the iterator
 *    reports must be translated into the reader's namespace), frozen with
 *    SIGSTOP for each comparison of every process's fd table;
 *  - the command line says which path it used, --no-bpf forces /proc, and
 *    one line says why when BPF cannot load (root of a user namespace).
 * Each skips with its reason when BPF or namespaces are unavailable. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "bpf_fds.h"
#include "collect/bpf_owners.h"
#include "engine.h"
#include "fdchurn.h"
#include "hermetic.h"
#include "loopback.h"

static const char *builddir(void)
{
	const char *d = getenv("SKTOP_BUILDDIR");

	return d ? d : ".";
}

/* Skips (with the reason on stderr) unless the iterator loads here. */
static void need_bpf(void)
{
	struct sk_bpf_owners *b;
	struct sk_error err = {0};

	if (sk_bpf_owners_open(&b, false, &err) != 0) {
		fprintf(stderr, "skipped: %s\n", err.msg);
		skip();
	}
	sk_bpf_owners_close(b);
}

static struct sk_engine *engine(bool bpf)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_unix = true, .no_bpf = !bpf};
	struct sk_error err = {0};
	struct sk_engine *e = NULL;

	if (sk_engine_new(&cfg, &e, &err) != 0) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return NULL;
	}
	return e;
}

/* --- the verifier ------------------------------------------------------------------ */

static void test_program_loads(void **state)
{
	struct sk_bpf_owners *b;
	struct sk_error err = {0};
	sk_fdrowvec rows = {0};
	int rc;

	(void)state;
	if (!HAVE_BPF) {
		fprintf(stderr, "skipped: built without BPF\n");
		skip();
	}
	rc = sk_bpf_owners_open(&b, false, &err);
	if (rc == -EPERM || rc == -EACCES) {
		fprintf(stderr, "skipped: %s\n", err.msg);
		skip();
	}
	if (rc)
		fail_msg("the verifier or the kernel refused the program: %s", err.msg);
	assert_int_equal(sk_bpf_owners_read(b, &rows, NULL, &err), 0);
	assert_true(rows.n > 0); /* at least our own stdin, stdout, stderr */
	for (size_t i = 1; i < rows.n; i++)
		assert_true(rows.v[i - 1].pid < rows.v[i].pid ||
			    (rows.v[i - 1].pid == rows.v[i].pid && rows.v[i - 1].fd < rows.v[i].fd));
	printf("BPF owner iterator: loaded in %.1f ms, %zu fds listed\n",
	       (double)sk_bpf_owners_load_us(b) / 1000.0, rows.n);
	free(rows.v);
	assert_true(bpf_fds() > 0);
	sk_bpf_owners_close(b);
	/* Nothing is pinned: with its fds closed the kernel drops the program
	 * and the link, so nothing outlives sktop. */
	assert_int_equal(bpf_fds(), 0);
}

/* --- 150 random mutations ------------------------------------------------------------ */

static void test_mutations(void **state)
{
	struct sk_engine *bpf, *procfs;
	struct sk_error err = {0};
	struct fdchurn_ref a[FDCHURN_SLOTS], b[FDCHURN_SLOTS];
	unsigned seed = 4242;

	(void)state;
	need_bpf();
	if (unshare(CLONE_NEWNET) != 0 || loopback_up() != 0) {
		fprintf(stderr, "skipped: no private network namespace: %s\n", strerror(errno));
		skip();
	}
	bpf = engine(true);
	procfs = engine(false);
	assert_non_null(bpf);
	assert_non_null(procfs);
	fdchurn_fill();
	for (int iter = 0; iter < 150; iter++) {
		unsigned op = fdchurn_mutate(&seed);

		assert_int_equal(sk_engine_refresh(bpf, &err), 0);
		assert_int_equal(sk_engine_refresh(procfs, &err), 0);
		const struct sk_snapshot *sb = sk_engine_snapshot(bpf);

		assert_true(sb->owners_bpf);
		assert_false(sk_engine_snapshot(procfs)->owners_bpf);
		size_t na = fdchurn_collect(sb, a), nb = fdchurn_collect(sk_engine_snapshot(procfs), b);

		fdchurn_expect_same("BPF", a, na, "/proc", b, nb, iter, op);
	}
	fdchurn_close_all();
	sk_engine_free(bpf);
	sk_engine_free(procfs);
}

/* --- the fork storm, in a pid namespace ------------------------------------------- */

/* Every fd of every process but the reader, as (pid, fd, inode) and, with
 * fd -1, (pid, fd_count, starttime): one sorted list per snapshot. */
struct fact {
	int32_t pid, fd;
	uint64_t a, b;
};

static int cmp_fact(const void *x, const void *y)
{
	const struct fact *p = x, *q = y;

	int c = (p->pid > q->pid) - (p->pid < q->pid);

	if (!c)
		c = (p->fd > q->fd) - (p->fd < q->fd);
	return c ? c : (p->a > q->a) - (p->a < q->a);
}

static size_t facts_of(const struct sk_snapshot *s, struct fact **out)
{
	size_t n = 0;

	*out = calloc(s->procs.n + s->fdrefs.n + 1, sizeof(**out));
	if (!*out)
		return 0;
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];

		if (p->pid == getpid())
			continue; /* the iterator's own fd is open while it reads */
		(*out)[n++] = (struct fact){p->pid, -1, p->fd_count, p->starttime};
		for (uint32_t k = 0; k < p->fdrefs_count; k++) {
			const struct sk_fdref *r = &s->fdrefs.v[p->fdrefs_start + k];

			(*out)[n++] = (struct fact){p->pid, r->fd, r->inode, 0};
		}
	}
	qsort(*out, n, sizeof(**out), cmp_fact);
	return n;
}

/* Whether every other process of the namespace is stopped or dead: only
 * then do the two readings see the same fd tables. */
static bool all_stopped(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	bool ok = true;

	if (!d)
		return false;
	while (ok && (e = readdir(d))) {
		char path[64], buf[512], *rp;
		int pid = atoi(e->d_name);
		FILE *f;

		if (pid <= 1)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "re");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (rp = strrchr(buf, ')')) && rp[1] == ' ')
			ok = strchr("TtZX", rp[2]) != NULL;
		fclose(f);
	}
	closedir(d);
	return ok;
}

static bool freeze(void)
{
	for (int i = 0; i < 400; i++) {
		kill(-1, SIGSTOP); /* init's -1: every process of the namespace but us */
		if (all_stopped())
			return true;
		usleep(5000);
	}
	return false;
}

#define WCHECK(cond, ...)                                                    \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "FAIL line %d: ", __LINE__);         \
			fprintf(stderr, __VA_ARGS__);                        \
			fputc('\n', stderr);                                 \
			kill(-1, SIGKILL);                                   \
			return 1;                                            \
		}                                                            \
	} while (0)

static int compare_frozen(struct sk_engine *bpf, struct sk_engine *procfs, unsigned round,
			  size_t *checked)
{
	struct sk_error err = {0};
	struct fact *fa = NULL, *fb = NULL;
	size_t na, nb, with_fds = 0;
	const struct sk_snapshot *sb;

	WCHECK(sk_engine_refresh(bpf, &err) == 0, "BPF refresh: %s", err.msg);
	WCHECK(sk_engine_refresh(procfs, &err) == 0, "/proc refresh: %s", err.msg);
	sb = sk_engine_snapshot(bpf);
	WCHECK(sb->owners_bpf, "round %u: the BPF engine read /proc", round);
	/* Rows with pids from the wrong namespace would match no process and
	 * silently fall back to /proc: every fd table must come from rows. */
	for (size_t i = 0; i < sb->procs.n; i++)
		with_fds += sb->procs.v[i].fd_count > 0;
	WCHECK(sb->procfs.from_rows == with_fds, "round %u: %u of %zu fd tables from BPF rows",
	       round, sb->procfs.from_rows, with_fds);
	na = facts_of(sb, &fa);
	nb = facts_of(sk_engine_snapshot(procfs), &fb);
	WCHECK(fa && fb, "out of memory");
	for (size_t i = 0; i < na || i < nb; i++) {
		if (i < na && i < nb && memcmp(&fa[i], &fb[i], sizeof(fa[i])) == 0)
			continue;
		fprintf(stderr, "FAIL round %u: BPF pid %d fd %d %llu %llu, /proc pid %d fd %d %llu %llu\n",
			round, i < na ? fa[i].pid : 0, i < na ? fa[i].fd : 0,
			i < na ? (unsigned long long)fa[i].a : 0, i < na ? (unsigned long long)fa[i].b : 0,
			i < nb ? fb[i].pid : 0, i < nb ? fb[i].fd : 0,
			i < nb ? (unsigned long long)fb[i].a : 0, i < nb ? (unsigned long long)fb[i].b : 0);
		free(fa);
		free(fb);
		kill(-1, SIGKILL);
		return 1;
	}
	*checked += na;
	free(fa);
	free(fb);
	return 0;
}

static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* The storm runs until STORM_ROUNDS frozen rounds and STORM_SECONDS have
 * passed, within its own bound of STORM_MAX_SECONDS. */
#define STORM_ROUNDS 5
#define STORM_SECONDS 3
#define STORM_MAX_SECONDS "60"

/* Seconds on the monotonic clock: a wall clock set back would stretch the
 * storm, and time()'s whole seconds cut its 3 s down to just over 2. */
static double mono_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Init of the world: runs the storm, freezes it again and again, compares. */
static int storm_world(void)
{
	char storm[4096], line[256] = "";
	int in[2], out[2];
	struct sk_engine *bpf, *procfs;
	size_t checked = 0;
	unsigned rounds = 0;
	double t0;
	pid_t pid;

	WCHECK(pipe2(in, O_CLOEXEC) == 0 && pipe2(out, O_CLOEXEC) == 0, "pipe");
	snprintf(storm, sizeof(storm), "%s/tests/helpers/forkstorm", builddir());
	pid = fork();
	WCHECK(pid >= 0, "fork");
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		/* The storm lasts until we close its stdin: a loaded machine
		 * gives fewer rounds a second, never fewer rounds. */
		execl(storm, storm, "--seconds", STORM_MAX_SECONDS, "--lifetime", "90",
		      "--parallel", "12", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	WCHECK(read(out[0], line, sizeof(line) - 1) > 0 && strncmp(line, "READY", 5) == 0,
	       "forkstorm (%s) did not start: %s", storm, line);
	bpf = engine(true);
	procfs = engine(false);
	WCHECK(bpf && procfs, "engines");
	WCHECK(!sk_engine_owner_note(bpf)[0], "%s", sk_engine_owner_note(bpf));
	t0 = mono_s();
	for (;;) {
		struct pollfd p = {.fd = out[0], .events = POLLIN};

		if (in[1] >= 0 && rounds >= STORM_ROUNDS && mono_s() - t0 >= STORM_SECONDS) {
			close(in[1]); /* enough: the storm stops and says DONE */
			in[1] = -1;
		}
		reap_all();
		if (poll(&p, 1, 0) == 1)
			break; /* DONE, or the storm died */
		WCHECK(freeze(), "the storm could not be stopped");
		if (compare_frozen(bpf, procfs, ++rounds, &checked))
			return 1;
		kill(-1, SIGCONT);
		usleep(20000);
	}
	sk_engine_free(bpf);
	sk_engine_free(procfs);
	if (in[1] >= 0)
		close(in[1]);
	while (waitpid(-1, NULL, 0) > 0)
		;
	WCHECK(rounds >= STORM_ROUNDS, "only %u rounds in the storm's " STORM_MAX_SECONDS " s",
	       rounds);
	printf("fork storm: BPF == /proc in %u frozen rounds, %zu facts compared\n", rounds,
	       checked);
	fflush(stdout);
	return 0;
}

static int run_storm(void)
{
	return hermetic_run(storm_world);
}

static void test_fork_storm(void **state)
{
	int rc;

	(void)state;
	need_bpf();
	rc = hermetic_child(run_storm);
	assert_true(rc >= 0);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
}

/* --- the command line ---------------------------------------------------------------- */

static char *run_capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	char *buf = calloc(1, 1 << 20);
	size_t n;

	assert_non_null(p);
	assert_non_null(buf);
	n = fread(buf, 1, (1 << 20) - 1, p);
	buf[n] = '\0';
	pclose(p);
	return buf;
}

static void test_cli_ownership(void **state)
{
	char cmd[4200];
	char *out;

	(void)state;
	snprintf(cmd, sizeof(cmd), "%s/sktop -b -n 1 --json --no-bpf 2>&1", builddir());
	out = run_capture(cmd);
	assert_non_null(strstr(out, "\"ownership\":\"procfs\""));
	assert_null(strstr(out, "BPF owners unavailable")); /* asked for: nothing to explain */
	free(out);
	need_bpf();
	snprintf(cmd, sizeof(cmd), "%s/sktop -b -n 1 --json 2>&1", builddir());
	out = run_capture(cmd);
	assert_non_null(strstr(out, "\"ownership\":\"bpf\""));
	assert_null(strstr(out, "libbpf")); /* no noise on stderr */
	free(out);
	/* Root of a user namespace (a container) has every capability there
	 * and none that loads BPF: one line says so, /proc is read instead. */
	snprintf(cmd, sizeof(cmd), "unshare -U -r %s/sktop -b -n 1 --json 2>&1 >/dev/null",
		 builddir());
	out = run_capture(cmd);
	if (strstr(out, "unshare")) {
		fprintf(stderr, "skipped the user namespace case: %s", out);
	} else {
		char *nl = strchr(out, '\n');

		assert_non_null(strstr(out, "sktop: BPF owners unavailable: "));
		assert_non_null(strstr(out, "reading /proc instead\n"));
		assert_true(nl && nl[1] == '\0'); /* one line */
	}
	free(out);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_program_loads),
	cmocka_unit_test(test_cli_ownership),
	cmocka_unit_test(test_fork_storm),
	/* last: it moves this process into a network namespace of its own */
	cmocka_unit_test(test_mutations))
