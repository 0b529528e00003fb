#include <config.h>

#include "hold.h"

#include <errno.h>
#include <poll.h>
#include <unistd.h>

void hold_until_eof(int lifetime_seconds)
{
	struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};
	char buf[256];

	/* SIGALRM's default action ends the process at the lifetime. */
	alarm((unsigned)lifetime_seconds);
	for (;;) {
		int n = poll(&pfd, 1, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
			return;
	}
}
