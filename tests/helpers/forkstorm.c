/* forkstorm: processes that appear, open sockets, shuffle fds and die
 * faster than a refresh can read them, for tests/test_faults.
 *
 *   forkstorm [--seconds S] [--lifetime L] [--parallel N] [--netns-every K]
 *             [--recycle-pids N]
 *
 * Prints "READY pid=PID" once running, forks children for S seconds (default
 * 4), keeping up to N (default 12) alive, then reaps them all and prints
 * "DONE forks=F netns=K recycled=R" and exits 0. Each child opens TCP
 * (listener, client and accepted end), UDP and unix sockets on loopback,
 * dup2()s some of them over each other, sometimes shares them with a short
 * lived grandchild, and exits after a few milliseconds. Every K-th child
 * (0: none) first moves into a network namespace of its own, so namespaces
 * come and go too. With --recycle-pids N, every N forks ns_last_pid is
 * wound back so pids are reused (only meaningful in a private pid
 * namespace: it is ignored, with a note, anywhere else).
 *
 * It stops early when stdin reaches EOF, and never outlives its parent
 * (PR_SET_PDEATHSIG) or the lifetime (default 30 s, SIGALRM), so a crashed
 * test leaves nothing behind. Only 127.0.0.1 is ever used. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "loopback.h"
#include "opttab.h"

struct plan {
	double seconds;
	int lifetime;
	int parallel;
	int netns_every;
	int recycle;
};

static void die(const char *what)
{
	fprintf(stderr, "forkstorm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void loopback(struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

/* Failures are ignored throughout a child: a half-built child is just more
 * churn, and the point is the reader's behaviour, not ours. */
static void child(unsigned long n, bool own_netns)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int lfd, cfd, afd = -1, ufd, sp[2] = {-1, -1};
	unsigned r = (unsigned)(n * 2654435761u);

	/* Dies with the storm (the storm dies with the test). */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (own_netns && unshare(CLONE_NEWNET) == 0)
		(void)loopback_up(); /* if it stays down, this child just opens fewer sockets */
	loopback(&sa);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd >= 0 && bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 8) == 0 &&
	    getsockname(lfd, (struct sockaddr *)&sa, &len) == 0) {
		cfd = socket(AF_INET, SOCK_STREAM, 0);
		if (cfd >= 0 && connect(cfd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			afd = accept(lfd, NULL, NULL);
	} else {
		cfd = -1;
	}
	if (cfd >= 0 && (r & 1))
		(void)!write(cfd, "queued", 6); /* unread: a non-zero Recv-Q */
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	loopback(&sa);
	if (ufd >= 0 && (r & 2))
		(void)bind(ufd, (struct sockaddr *)&sa, sizeof(sa));
	(void)socketpair(AF_UNIX, (r & 4) ? SOCK_STREAM : SOCK_DGRAM, 0, sp);

	/* An fd number replaced in place between two reads is what the owner
	 * cache must notice: close + new socket, and dup2 over a live one. */
	if (r & 8) {
		if (cfd >= 0 && ufd >= 0)
			dup2(ufd, cfd);
	} else if (afd >= 0 && sp[0] >= 0) {
		dup2(sp[0], afd);
	}
	if ((r & 16) && lfd >= 0) {
		close(lfd);
		lfd = socket(AF_INET6, SOCK_STREAM, 0);
	}
	/* A socket held by two processes for a moment, then by one. */
	if ((r & 96) == 96) {
		pid_t g = fork();

		if (g == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			usleep(1000 + r % 3000);
			_exit(0);
		}
	}
	/* How long the child lives (not synchronisation): a few ms, so that a
	 * refresh sees some of them alive and some dying. */
	usleep(500 + (r >> 8) % 8000);
	_exit(0);
}

/* Winds the pid counter back so the next forks reuse recent pids. Only in
 * a private pid namespace: anywhere else it would disturb the machine. */
static bool recycle_pids(int base)
{
	FILE *f = fopen("/proc/sys/kernel/ns_last_pid", "w");

	if (!f)
		return false;
	fprintf(f, "%d", base);
	return fclose(f) == 0;
}

static bool stdin_closed(void)
{
	struct pollfd p = {.fd = 0, .events = POLLIN};
	char c;

	if (poll(&p, 1, 0) <= 0)
		return false;
	return read(0, &c, 1) <= 0;
}

static void parse(int argc, char **argv, struct plan *p)
{
	const struct ot_opt opts[] = {
		{"seconds", 0, OT_DOUBLE, &p->seconds, 0.001, 60},
		{"lifetime", 0, OT_INT, &p->lifetime, 1, 600},
		{"parallel", 0, OT_INT, &p->parallel, 1, 256},
		{"netns-every", 0, OT_INT, &p->netns_every, 0, INT_MAX},
		{"recycle-pids", 0, OT_INT, &p->recycle, 0, INT_MAX},
	};

	*p = (struct plan){.seconds = 4, .lifetime = 30, .parallel = 12};
	if (ot_parse("forkstorm", argc, argv, opts, sizeof(opts) / sizeof(opts[0])) < 0)
		exit(2);
}

int main(int argc, char **argv)
{
	struct plan p;
	unsigned long forks = 0, netns = 0, recycled = 0;
	int alive = 0;
	pid_t self = getpid();
	double end;

	parse(argc, argv, &p);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm((unsigned)p.lifetime); /* SIGALRM's default action ends us */
	signal(SIGPIPE, SIG_IGN);
	/* Recycling pids only makes sense, and is only harmless, when we are
	 * inside a pid namespace of our own (its init is our parent). */
	if (p.recycle && getppid() != 1) {
		fprintf(stderr, "forkstorm: not in a private pid namespace: pids not recycled\n");
		p.recycle = 0;
	}
	printf("READY pid=%d\n", (int)self);
	if (fflush(stdout) != 0)
		die("stdout");
	end = now() + p.seconds;
	while (now() < end && !stdin_closed()) {
		bool own_netns = p.netns_every && forks % (unsigned long)p.netns_every == 0;
		pid_t c;

		if (p.recycle && forks && forks % (unsigned long)p.recycle == 0 &&
		    recycle_pids((int)self + 1))
			recycled++;
		c = fork();
		if (c < 0) {
			if (errno != EAGAIN)
				die("fork");
		} else if (c == 0) {
			child(forks, own_netns);
		} else {
			alive++;
			forks++;
			netns += own_netns;
		}
		/* Reap whatever has finished; block only when at the limit. */
		while (alive > 0) {
			pid_t w = waitpid(-1, NULL, alive >= p.parallel || c < 0 ? 0 : WNOHANG);

			if (w <= 0)
				break;
			alive--;
		}
	}
	while (alive > 0 && waitpid(-1, NULL, 0) > 0)
		alive--;
	printf("DONE forks=%lu netns=%lu recycled=%lu\n", forks, netns, recycled);
	return fflush(stdout) == 0 ? 0 : 1;
}
