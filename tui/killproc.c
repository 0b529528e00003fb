#include <config.h>

#include "killproc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collect/proc.h"
#include "util/readfile.h"

/* The order is htop's: the polite ones first, SIGTERM the default. */
const struct sk_signal_def sk_signals[] = {
	{SIGTERM, "SIGTERM", "ask it to exit (the default)"},
	{SIGHUP, "SIGHUP", "hang up: many daemons reload"},
	{SIGINT, "SIGINT", "interrupt, as Ctrl-C"},
	{SIGQUIT, "SIGQUIT", "quit; the JVM prints a thread dump"},
	{SIGUSR1, "SIGUSR1", "user signal 1"},
	{SIGUSR2, "SIGUSR2", "user signal 2"},
	{SIGSTOP, "SIGSTOP", "stop it (SIGCONT resumes)"},
	{SIGCONT, "SIGCONT", "continue a stopped process"},
	{SIGKILL, "SIGKILL", "kill it: no chance to clean up"},
};
const size_t sk_nsignals = sizeof(sk_signals) / sizeof(sk_signals[0]);
const size_t sk_signal_default = 0;

static int same_process(int32_t pid, uint64_t starttime)
{
	char path[64], buf[1024];
	struct sk_proc_stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	n = sk_read_at(AT_FDCWD, path, buf, sizeof(buf) - 1);
	if (n < 0)
		return n == -ENOENT ? -ESRCH : (int)n;
	if (sk_parse_proc_stat(buf, (size_t)n, &st) < 0)
		return -ESRCH;
	return st.starttime == starttime ? 0 : -ESRCH;
}

int sk_killproc_send(int32_t pid, uint64_t starttime, int sig)
{
	int rc;

	if (pid <= 0)
		return -EINVAL;
#if defined(SYS_pidfd_open) && defined(SYS_pidfd_send_signal)
	long fd = syscall(SYS_pidfd_open, (pid_t)pid, 0);

	if (fd >= 0) {
		rc = same_process(pid, starttime);
		if (rc == 0 && syscall(SYS_pidfd_send_signal, (int)fd, sig, NULL, 0) < 0)
			rc = -errno;
		close((int)fd);
		return rc;
	}
	if (errno != ENOSYS)
		return -errno;
#endif
	/* Kernels before 5.3: the check and the kill are a moment apart. */
	rc = same_process(pid, starttime);
	if (rc == 0 && kill((pid_t)pid, sig) < 0)
		rc = -errno;
	return rc;
}
