/* loadgen: N real TCP sockets on loopback, in a private network namespace,
 * spread over P processes, for the benchmark.
 *
 *   loadgen -n SOCKETS [-p PROCS] [--close-wait PCT] [--time-wait PCT]
 *           [--closed PCT] [--lifetime SEC] [--distinct-names]
 *
 * Each worker listens on 127.0.0.1:BASE+i and connects to itself, so every
 * connection is two sockets held by the same worker; destinations rotate
 * over 127.0.0.1..127.0.0.250 so no (source, destination) pair runs out of
 * ephemeral ports, even at a million sockets. A share of connections is
 * turned into CLOSE_WAIT (client end closed), TIME_WAIT (closed both ways,
 * server first) and leaked closed fds (refused connects kept open).
 *
 * With --distinct-names each worker calls itself loadgen-I, so the
 * exporter's per-group series (one group per process name) can be counted
 * at P groups.
 *
 * Prints "READY pid=PID netns=INODE sockets=N" once every worker is done,
 * then holds until stdin reaches EOF, SIGTERM, or the lifetime ends (default
 * 600 s): nothing it starts outlives a benchmark run. Loopback only. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hold.h"
#include "opttab.h"

#define BASE_PORT 2000 /* below the ephemeral range set below: no client can take it */
#define DEST_IPS 250

struct plan {
	long sockets;
	int procs;
	int close_wait_pct, time_wait_pct, closed_pct;
	int lifetime;
	bool distinct_names; /* --distinct-names */
};

static void die(const char *what)
{
	fprintf(stderr, "loadgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void raise_nofile(long want)
{
	struct rlimit rl = {(rlim_t)want, (rlim_t)want};

	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit(RLIMIT_NOFILE): raise fs.nr_open");
}

static void write_sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	if (fd < 0 || write(fd, value, strlen(value)) < 0)
		die(path);
	close(fd);
}

static int tcp_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	return fd;
}

static void sa_of(struct sockaddr_in *sa, uint32_t host_ip, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	sa->sin_addr.s_addr = htonl(host_ip);
}

/* One worker: `conns` connections to itself, then the special states. */
static void worker(const struct plan *p, int index, long conns, int ready_fd)
{
	struct sockaddr_in sa;
	int one = 1, lfd = tcp_socket();
	long cw = conns * p->close_wait_pct / 100, tw = conns * p->time_wait_pct / 100;
	long closed = conns * p->closed_pct / 100;
	int *client = calloc((size_t)conns, sizeof(int)), *server = calloc((size_t)conns, sizeof(int));

	if (!client || !server)
		die("calloc");
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (p->distinct_names) {
		char name[24]; /* room for any int: the kernel keeps the first 15 bytes */

		snprintf(name, sizeof(name), "loadgen-%d", index);
		prctl(PR_SET_NAME, name);
	}
	raise_nofile(conns * 2 + closed + 64);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa_of(&sa, INADDR_ANY, BASE_PORT + index);
	if (bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 4096) < 0)
		die("listen");
	/* Connect in batches no larger than the backlog, accepting as we go. */
	for (long done = 0; done < conns;) {
		long batch = conns - done < 1024 ? conns - done : 1024;

		for (long i = 0; i < batch; i++) {
			long k = done + i;

			client[k] = tcp_socket();
			sa_of(&sa, INADDR_LOOPBACK + (uint32_t)(k % DEST_IPS), BASE_PORT + index);
			if (connect(client[k], (struct sockaddr *)&sa, sizeof(sa)) < 0)
				die("connect");
		}
		for (long i = 0; i < batch; i++) {
			server[done + i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (server[done + i] < 0)
				die("accept");
		}
		done += batch;
	}
	/* TIME_WAIT on the server side: it closes first, then the client. */
	for (long k = 0; k < tw; k++) {
		close(server[k]);
		close(client[k]);
	}
	/* CLOSE_WAIT on the server side: the client closes, the server never does. */
	for (long k = tw; k < tw + cw && k < conns; k++)
		close(client[k]);
	/* Leaked closed fds: refused connects, kept. */
	sa_of(&sa, INADDR_LOOPBACK, 1);
	for (long k = 0; k < closed; k++) {
		int fd = tcp_socket();

		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != ECONNREFUSED)
			die("refused connect");
	}
	if (write(ready_fd, "r", 1) != 1)
		die("ready pipe");
	for (;;)
		pause();
}


int main(int argc, char **argv)
{
	struct plan p = {.procs = 16, .close_wait_pct = 5, .time_wait_pct = 5, .closed_pct = 1,
			 .lifetime = 600};
	const struct ot_opt opts[] = {
		{NULL, 'n', OT_LONG, &p.sockets, 2, 1e9},
		{NULL, 'p', OT_INT, &p.procs, 1, 4000},
		{"close-wait", 0, OT_INT, &p.close_wait_pct, 0, 100},
		{"time-wait", 0, OT_INT, &p.time_wait_pct, 0, 100},
		{"closed", 0, OT_INT, &p.closed_pct, 0, 100},
		{"lifetime", 0, OT_INT, &p.lifetime, 1, INT_MAX},
		{"distinct-names", 0, OT_FLAG, &p.distinct_names, 0, 0},
	};
	int ready[2];
	pid_t *kids;
	struct stat st;
	char range[] = "10000 65535";

	if (ot_parse("loadgen", argc, argv, opts, sizeof(opts) / sizeof(opts[0])) < 0)
		return 2;
	if (p.sockets < 2) {
		fprintf(stderr, "usage: loadgen -n SOCKETS [-p PROCS] ...\n");
		return 2;
	}
	if (unshare(CLONE_NEWNET) < 0)
		die("unshare(CLONE_NEWNET) (run as root)");
	if (system("ip link set lo up") != 0)
		die("ip link set lo up");
	/* Private namespace: these settings touch nothing outside it. */
	write_sysctl("/proc/sys/net/ipv4/ip_local_port_range", range);
	write_sysctl("/proc/sys/net/ipv4/tcp_max_tw_buckets", "2000000");
	if (pipe2(ready, O_CLOEXEC) < 0)
		die("pipe");
	kids = calloc((size_t)p.procs, sizeof(*kids));
	if (!kids)
		die("calloc");
	for (int i = 0; i < p.procs; i++) {
		long conns = p.sockets / 2 / p.procs;

		kids[i] = fork();
		if (kids[i] < 0)
			die("fork");
		if (kids[i] == 0)
			worker(&p, i, conns, ready[1]);
	}
	for (int i = 0; i < p.procs; i++) {
		char r;

		if (read(ready[0], &r, 1) != 1)
			die("a worker failed");
	}
	if (stat("/proc/self/ns/net", &st) < 0)
		die("stat netns");
	printf("READY pid=%d netns=%llu sockets=%ld\n", (int)getpid(),
	       (unsigned long long)st.st_ino, p.sockets);
	fflush(stdout);
	hold_until_eof(p.lifetime);
	for (int i = 0; i < p.procs; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < p.procs; i++)
		waitpid(kids[i], NULL, 0);
	free(kids);
	return 0;
}
