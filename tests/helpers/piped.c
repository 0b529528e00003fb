/* See piped.h. */
#include <config.h>

#include "piped.h"

#include <fcntl.h>
#include <unistd.h>

pid_t fork_piped(struct piped_ends *ends)
{
	int down[2], up[2]; /* parent to child, child to parent */
	pid_t pid;

	if (pipe2(down, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(up, O_CLOEXEC) < 0) {
		close(down[0]);
		close(down[1]);
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		close(down[0]);
		close(down[1]);
		close(up[0]);
		close(up[1]);
		return -1;
	}
	close(pid == 0 ? down[1] : down[0]);
	close(pid == 0 ? up[0] : up[1]);
	ends->rd = pid == 0 ? down[0] : up[0];
	ends->wr = pid == 0 ? up[1] : down[1];
	return pid;
}
