/* The incremental owner map must give exactly what a full scan gives. This
 * process mutates its own fd table at random between refreshes (close, dup2
 * one socket over another so the count does not change, new sockets, files
 * over sockets) and compares the cached engine with a full scan each time;
 * a child changes everything about itself that is not an fd (limit, comm,
 * cmdline, uid, RSS, namespace) and the cached engine must see each. Both
 * engines read /proc (no_bpf): the BPF path has its own suite, test_bpf_owners.
 * Both run in a world of their own (hermetic.h): other processes opening
 * sockets would send the cache back to full scans at their own pace. Needs
 * root; skipped with the reason otherwise. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "fdchurn.h"
#include "hermetic.h"

static void test_incremental_equals_full(void **state)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_unix = true, .no_bpf = true};
	struct sk_error err = {0};
	struct sk_engine *inc;
	struct fdchurn_ref a[FDCHURN_SLOTS], b[FDCHURN_SLOTS];
	unsigned seed = 12345, cached = 0, rescans = 0;

	(void)state;
	assert_int_equal(sk_engine_new(&cfg, &inc, &err), 0);
	fdchurn_fill();
	for (int iter = 0; iter < 150; iter++) {
		unsigned op = fdchurn_mutate(&seed);

		assert_int_equal(sk_engine_refresh(inc, &err), 0);
		const struct sk_snapshot *s = sk_engine_snapshot(inc);
		size_t na = fdchurn_collect(s, a);

		cached += s->owners_cached > 0;
		rescans += s->owners_rescanned;

		struct sk_engine *full;

		assert_int_equal(sk_engine_new(&cfg, &full, &err), 0);
		assert_int_equal(sk_engine_refresh(full, &err), 0);
		size_t nb = fdchurn_collect(sk_engine_snapshot(full), b);

		if (!fdchurn_same(a, na, b, nb))
			fprintf(stderr, "  cached %u rescanned %d\n", s->owners_cached,
				s->owners_rescanned);
		fdchurn_expect_same("incremental", a, na, "full scan", b, nb, iter, op);
		sk_engine_free(full);
	}
	fdchurn_close_all();
	sk_engine_free(inc);
	/* Both paths were exercised: cache hits, and stale caches caught. */
	assert_true(cached > 100);
	assert_true(rescans > 10);
	printf("incremental == full over 150 mutations: %u refreshes used the cache, "
	       "%u caught a stale table and rescanned\n", cached, rescans);
}

/* --- what is not an fd is read again every refresh --- */

/* A child that changes itself on command: its comm (PR_SET_NAME), its
 * cmdline (rewriting argv in place, as setproctitle does), its real uid
 * alone (setresuid: the euid, which owns /proc/PID, stays), its RSS, its
 * network namespace. Each command is acknowledged with one byte. */
static void child_serve(int cmd, int ack, char *argv0)
{
	size_t len = strlen(argv0);
	char c;

	/* Memory pressure must not page the child out between two reads of
	 * its RSS: every page it has and will have stays resident. */
	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		_exit(2);
	while (read(cmd, &c, 1) == 1) {
		char ok = 'k';

		switch (c) {
		case 'n':
			if (prctl(PR_SET_NAME, "sktop-renamed") != 0)
				ok = 'x';
			break;
		case 't':
			memset(argv0, 0, len);
			memcpy(argv0, "retitled", len < 8 ? len : 8);
			break;
		case 'u':
			if (setresuid(65534, (uid_t)-1, (uid_t)-1) != 0)
				ok = 'x';
			break;
		case 'm': {
			char *p = malloc(16 << 20);

			if (p)
				memset(p, 1, 16 << 20); /* kept: RSS stays up */
			else
				ok = 'x';
			break;
		}
		case 's':
			if (unshare(CLONE_NEWNET) != 0)
				ok = 'x';
			break;
		}
		if (write(ack, &ok, 1) != 1)
			_exit(1);
	}
	_exit(0);
}

static void child_do(int cmd, int ack, char c)
{
	char ok;

	assert_int_equal(write(cmd, &c, 1), 1);
	assert_int_equal(read(ack, &ok, 1), 1);
	assert_int_equal(ok, 'k');
}

/* A process's row as one refresh saw it; its cmdline copied out of that
 * refresh's string table. */
struct seen {
	struct sk_process p;
	char cmdline[SK_CMDLINE_MAX * 4 + 1];
};

static void seen_of(const struct sk_snapshot *s, pid_t pid, struct seen *out)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, pid);

	assert_non_null(p);
	out->p = *p;
	snprintf(out->cmdline, sizeof(out->cmdline), "%s", sk_strtab_get(&s->strs, p->cmdline));
}

/* The cached engine's view of the child after a change, and a fresh full
 * scan's: they must agree field by field. */
static void refresh_and_compare(struct sk_engine *inc, pid_t pid, struct seen *got,
				const char *what)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_unix = true, .no_bpf = true};
	struct sk_error err = {0};
	struct sk_engine *full;
	struct seen want;

	assert_int_equal(sk_engine_refresh(inc, &err), 0);
	seen_of(sk_engine_snapshot(inc), pid, got);
	assert_true(sk_engine_snapshot(inc)->owners_cached > 0);
	assert_int_equal(sk_engine_new(&cfg, &full, &err), 0);
	assert_int_equal(sk_engine_refresh(full, &err), 0);
	seen_of(sk_engine_snapshot(full), pid, &want);
	sk_engine_free(full);
	if (got->p.uid != want.p.uid || got->p.fd_limit != want.p.fd_limit || got->p.rss_kb != want.p.rss_kb ||
	    got->p.netns != want.p.netns || got->p.starttime != want.p.starttime ||
	    got->p.fd_count != want.p.fd_count || got->p.flags != want.p.flags ||
	    got->p.fdrefs_count != want.p.fdrefs_count || strcmp(got->p.comm, want.p.comm) != 0 ||
	    strcmp(got->cmdline, want.cmdline) != 0)
		fail_msg("after %s: cached uid %u limit %llu rss %llu netns %llu comm %s cmdline %.40s; "
			 "full uid %u limit %llu rss %llu netns %llu comm %s cmdline %.40s",
			 what, got->p.uid, (unsigned long long)got->p.fd_limit,
			 (unsigned long long)got->p.rss_kb, (unsigned long long)got->p.netns, got->p.comm,
			 got->cmdline, want.p.uid, (unsigned long long)want.p.fd_limit,
			 (unsigned long long)want.p.rss_kb, (unsigned long long)want.p.netns, want.p.comm,
			 want.cmdline);
}

static void test_process_changes_seen(void **state)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_unix = true, .no_bpf = true};
	struct sk_error err = {0};
	struct sk_engine *inc;
	struct seen before, after;
	int cmd[2], ack[2];
	pid_t pid;

	assert_non_null(*state);
	assert_int_equal(pipe(cmd), 0);
	assert_int_equal(pipe(ack), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int s = socket(AF_INET, SOCK_STREAM, 0); /* an fd for the owner cache */

		close(cmd[1]);
		close(ack[0]);
		if (s < 0)
			_exit(1);
		child_serve(cmd[0], ack[1], *state);
	}
	close(cmd[0]);
	close(ack[1]);
	child_do(cmd[1], ack[0], '.'); /* it is up, its socket open */
	assert_int_equal(sk_engine_new(&cfg, &inc, &err), 0);
	assert_int_equal(sk_engine_refresh(inc, &err), 0);
	seen_of(sk_engine_snapshot(inc), pid, &before);
	assert_true(before.p.fdrefs_count >= 1);

	/* RLIMIT_NOFILE lowered from outside: no trace in the fd table. */
	struct rlimit rl;

	assert_int_equal(prlimit(pid, RLIMIT_NOFILE, NULL, &rl), 0);
	rl.rlim_cur = 777;
	assert_int_equal(prlimit(pid, RLIMIT_NOFILE, &rl, NULL), 0);
	refresh_and_compare(inc, pid, &after, "prlimit");
	assert_int_equal(after.p.fd_limit, 777);

	child_do(cmd[1], ack[0], 'n');
	refresh_and_compare(inc, pid, &after, "PR_SET_NAME");
	assert_string_equal(after.p.comm, "sktop-renamed");

	child_do(cmd[1], ack[0], 't');
	refresh_and_compare(inc, pid, &after, "argv rewritten");
	assert_true(strlen(*state) >= 8); /* a path to this binary: "retitled" fits */
	assert_string_equal(after.cmdline, "retitled");

	child_do(cmd[1], ack[0], 'm');
	refresh_and_compare(inc, pid, &after, "16 MiB touched");
	assert_true(after.p.rss_kb >= before.p.rss_kb + 15 * 1024);

	if (geteuid() == 0) {
		child_do(cmd[1], ack[0], 'u');
		refresh_and_compare(inc, pid, &after, "setresuid");
		assert_int_equal(after.p.uid, 65534);

		child_do(cmd[1], ack[0], 's');
		refresh_and_compare(inc, pid, &after, "unshare(CLONE_NEWNET)");
		assert_int_not_equal(after.p.netns, before.p.netns);
	}
	assert_int_equal(after.p.starttime, before.p.starttime); /* the same process all along */
	sk_engine_free(inc);
	close(cmd[1]);
	close(ack[0]);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_equals_full),
		cmocka_unit_test_prestate(test_process_changes_seen, argv[0]),
	};
	(void)argc;
	if (hermetic_world(true) < 0) {
		printf("skipped: needs root for a pid, mount and network namespace of its own\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
