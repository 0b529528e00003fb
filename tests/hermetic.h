/* A world of the test's own, so that nothing another process does on the
 * machine can move what a test asserts.
 *
 * hermetic_world(): the rest of the test program runs as init of new pid,
 * mount and network namespaces, with a private /proc (only the test's own
 * processes are in it) and loopback up. Needs root.
 *
 * machine_lock(): what namespaces cannot separate. tcp_max_orphans and
 * tcp_mem are machine-wide, and so is the orphan count they limit; a suite
 * that lowers them takes the lock exclusively, every suite that builds
 * orphans takes it shared, so two copies of the suite running side by side
 * (two build directories) never meet at a lowered limit. */
#ifndef SKTOP_TEST_HERMETIC_H
#define SKTOP_TEST_HERMETIC_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helpers/loopback.h"

#define MACHINE_LOCK_PATH "/tmp/sktop-tests-machine.lock"

/* Held until the process exits (the fd is never closed). Returns 0 or -errno. */
static inline int machine_lock(bool exclusive)
{
	int fd = open(MACHINE_LOCK_PATH, O_RDWR | O_CREAT | O_CLOEXEC, 0666);

	if (fd < 0)
		return -errno;
	fchmod(fd, 0666); /* umask: another user's copy must open it too */
	while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			return -e;
		}
	return 0;
}

static inline int hermetic_wait(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Runs fn in a child process and returns its exit status (128 + the
 * signal that killed it), or -1 when it cannot fork. Buffers are flushed
 * first: the child must not write them again. */
static inline int hermetic_child(int (*fn)(void))
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	return hermetic_wait(pid);
}

enum { HERMETIC_NO_NS = -1, HERMETIC_NO_FORK = -2 };

/* In a process of its own (the runner, which dies with its parent): new
 * pid, mount and, with own_netns, network namespaces, and their init
 * forked. Returns init's pid in the runner and 0 in init;
 * HERMETIC_NO_NS when the namespaces cannot be made (not root, or a
 * container without CAP_SYS_ADMIN: a skip, not a failure) and
 * HERMETIC_NO_FORK, errno set. */
static inline pid_t hermetic_fork_init(bool own_netns)
{
	pid_t init;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (unshare(CLONE_NEWPID | CLONE_NEWNS | (own_netns ? CLONE_NEWNET : 0)) < 0)
		return HERMETIC_NO_NS;
	init = fork();
	return init < 0 ? HERMETIC_NO_FORK : init;
}

/* In init: dies with the runner, its own /proc (mounted with proc_opts)
 * and, with own_netns, loopback up. Returns 0, or -1 with errno set and
 * *what naming the step that failed. */
static inline int hermetic_init_world(bool own_netns, const char *proc_opts, const char **what)
{
	int lo;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	*what = "private /proc";
	/* Private first, or the new /proc would be mounted on the host's. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, proc_opts) < 0)
		return -1;
	*what = "loopback up";
	lo = own_netns ? loopback_up() : 0;
	if (lo < 0) {
		errno = -lo;
		return -1;
	}
	return 0;
}

/* The body of a runner (in hermetic_child): world() runs as init of a
 * world of its own, network namespace included, and its status is
 * returned; 77 (a skip, the reason on stderr) when the namespaces cannot
 * be made. init leaves by exit(), so LeakSanitizer checks the world too. */
static inline int hermetic_run(int (*world)(void))
{
	const char *what;
	pid_t init = hermetic_fork_init(true);

	if (init == HERMETIC_NO_NS) {
		fprintf(stderr, "skipped: cannot create namespaces: %s\n", strerror(errno));
		return 77;
	}
	if (init < 0)
		return 1;
	if (init == 0) {
		if (hermetic_init_world(true, NULL, &what) < 0) {
			fprintf(stderr, "FAIL %s: %s\n", what, strerror(errno));
			_exit(1);
		}
		exit(world());
	}
	return hermetic_wait(init);
}

/* Returns 0 in the world's init, which goes on with the test program and
 * exits with its result. In the caller it never returns: it exits with the
 * world's status. Returns -errno (no world made, the caller skips or goes
 * on as before) when not root or namespaces cannot be made. Without
 * own_netns the world keeps the machine's network namespace: the only one
 * where the machine-wide sysctls (tcp_max_orphans, tcp_mem) exist. */
static inline int hermetic_world(bool own_netns)
{
	const char *what;
	pid_t runner, init;

	if (geteuid() != 0)
		return -EPERM;
	fflush(NULL);
	runner = fork();
	if (runner < 0)
		return -errno;
	if (runner > 0) {
		int rc = hermetic_wait(runner);

		if (rc == 125)
			return -EPERM; /* the runner could not unshare: no world */
		exit(rc);
	}
	init = hermetic_fork_init(own_netns);
	if (init == HERMETIC_NO_NS) {
		fprintf(stderr, "no private namespaces (%s): running in the machine's\n",
			strerror(errno));
		_exit(125);
	}
	if (init < 0)
		_exit(1);
	if (init > 0)
		_exit(hermetic_wait(init));
	if (hermetic_init_world(own_netns, NULL, &what) < 0) {
		fprintf(stderr, "hermetic: %s: %s\n", what, strerror(errno));
		_exit(1);
	}
	return 0;
}

/* Where a suite that builds real sockets runs its tests. */
enum hermetic_place {
	HERMETIC_MACHINE,     /* among the machine's processes */
	HERMETIC_SHARED_NET,  /* a world of its own in the machine's network namespace */
	HERMETIC_OWN_NET,     /* a world of its own, network namespace included */
};

/* What such a suite does before its tests: a peer that closes first must
 * fail a write, not kill the suite (SIGPIPE); as root, the machine lock
 * (exclusive for a suite that lowers machine-wide limits) and the world.
 * Neither is needed to run: what is missing is said on stderr, and the
 * suite goes on among the machine's processes or beside another build. */
static inline void hermetic_suite_begin(const char *suite, bool exclusive,
					enum hermetic_place place)
{
	signal(SIGPIPE, SIG_IGN);
	if (geteuid() != 0)
		return;
	if (machine_lock(exclusive) < 0)
		fprintf(stderr, "%s: no machine lock: %s\n", suite,
			exclusive ? "another build's suites may meet our limits"
				  : "another build's test_rules may meet us");
	if (place != HERMETIC_MACHINE && hermetic_world(place == HERMETIC_OWN_NET) < 0)
		fprintf(stderr, "%s: no private world: among the machine's processes\n", suite);
}

#endif
