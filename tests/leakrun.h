/* Running real leaks for the root-only tests: leakgen in its own network
 * namespace, and the commands (ss, lsof, sktop itself) that look at it. */
#ifndef SKTOP_TEST_LEAKRUN_H
#define SKTOP_TEST_LEAKRUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct leak {
	pid_t pid;      /* leakgen (the leaker) */
	int32_t leaker, peer, port;
	unsigned long long netns;
	int stdin_fd;   /* closing it lets leakgen exit */
};

/* Where the binaries are: $SKTOP_BUILDDIR, or the current directory. */
const char *builddir(void);

/* Starts `leakgen --unshare ARGS...` and waits for its READY line. */
int start_leak(struct leak *l, const char *const *args);
void stop_leak(struct leak *l);

/* Skips the current test, with the reason, unless running as root. */
void need_root_or_skip(void);

/* Output lines of a shell command that contain `needle` (NULL: all).
 * Fails the test if the command fails. */
long count_lines(const char *cmd, const char *needle);

/* First number in the first output line of a shell command (-1: none). */
long first_number(const char *cmd);

/* All output of a shell command, NUL-terminated; fails the test if the
 * command fails. Free it. */
char *run_capture(const char *cmd, size_t *len);

#endif
