#include <config.h>

#include "churn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CHURN_MAX_OPEN 65536

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct held {
	int fd;
	int64_t close_at;
};

/* Connections close in the order they were accepted: a ring of them. */
void churn_serve(int lfd, int hold_ms)
{
	static struct held ring[CHURN_MAX_OPEN];
	size_t head = 0, tail = 0;
	struct pollfd pfd[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = lfd, .events = POLLIN}};
	char buf[256];

	for (;;) {
		int64_t now = now_ms();

		while (head != tail && ring[tail].close_at <= now) {
			/* Read the request first: closing over unread data resets. */
			ssize_t got = recv(ring[tail].fd, buf, sizeof(buf), MSG_DONTWAIT);

			(void)got;
			close(ring[tail].fd);
			tail = (tail + 1) % CHURN_MAX_OPEN;
		}
		int timeout = head != tail ? (int)(ring[tail].close_at - now) : -1;
		int n = poll(pfd, 2, timeout);

		if (n < 0 && errno != EINTR)
			return;
		if (n > 0 && (pfd[0].revents & (POLLIN | POLLHUP)) &&
		    read(STDIN_FILENO, buf, sizeof(buf)) <= 0)
			return;
		if (n > 0 && (pfd[1].revents & POLLIN)) {
			int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0 && (head + 1) % CHURN_MAX_OPEN != tail) {
				ring[head] = (struct held){fd, now_ms() + hold_ms};
				head = (head + 1) % CHURN_MAX_OPEN;
			} else if (fd >= 0) {
				close(fd);
			}
		}
	}
}

void churn_connect(int port, int rate)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int64_t start = now_ms();

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (uint64_t i = 0;; i++) {
		int64_t due = start + (int64_t)(i * 1000 / (uint64_t)rate), wait = due - now_ms();
		int fd;

		if (wait > 0)
			poll(NULL, 0, (int)wait);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			continue;
		/* Ask, then hang up: the server's end waits in CLOSE_WAIT. */
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
			ssize_t sent = write(fd, "GET\n", 4);

			(void)sent;
		}
		close(fd);
	}
}
