/* A child joined to its parent by two close-on-exec pipes, one each way:
 * the readiness line a helper writes when it is set up, and the stdin
 * whose EOF tells it to end. */
#ifndef SKTOP_TEST_PIPED_H
#define SKTOP_TEST_PIPED_H

#include <sys/types.h>

/* In each process after fork_piped: rd reads what the other writes to
 * its wr. */
struct piped_ends {
	int rd, wr;
};

/* Forks. Returns the child's pid in the parent and 0 in the child, each
 * holding its own two ends only (the other's are closed); -1 with nothing
 * left open when a pipe or the fork fails. Close-on-exec, so a second
 * child does not inherit the first one's ends and keep them open. */
pid_t fork_piped(struct piped_ends *ends);

#endif
