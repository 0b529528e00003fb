/* leakgen: builds real socket leaks on loopback for the integration and
 * screen tests, in whatever network namespace it is started in.
 *
 *   leakgen [--unshare] [--port P] [--close-wait N] [--closed N]
 *           [--recvq BYTES] [--finwait1 N] [--udp-unbound N] [--estab N]
 *           [--accept-overflow BACKLOG] [--udp-flood N] [--nofile N]
 *           [--port-range LO-HI] [--dest-conns N] [--time-wait N]
 *           [--lifetime SEC] [--churn RATE] [--hold-ms MS] [--recvq-conns N]
 *           [--finwait2 N]
 *
 * Ports: P close-wait, P+1 recvq, P+2 finwait1, P+3 estab, P+4 a listener
 * nobody accepts from (accept-overflow), P+5 UDP flooded (udp-flood), P+6
 * the one destination of dest-conns and time-wait, P+7 a healthy busy
 * server (churn: RATE connections a second from the peer, each held
 * hold-ms, default 150, in CLOSE_WAIT before the leaker closes it), P+8
 * recvq-conns connections whose senders fill the leaker's receive
 * windows, P+9 finwait2 connections the leaker closes and the peer keeps
 * (closed FIN_WAIT2 kept by the kernel as timewait sockets). --port-range sets the
 * namespace's ip_local_port_range first (with --unshare only); --nofile
 * lowers the leaker's RLIMIT_NOFILE (not the peer's) before it accepts.
 *
 * The leaking process is leakgen itself; the peers it needs run in one
 * child. When everything is in place it prints one line on stdout,
 *   READY leaker=PID peer=PID port=P netns=INODE
 * and then holds still until stdin reaches EOF, it gets SIGTERM, or the
 * lifetime (default 300 s) ends, so a crashed test never leaves it behind.
 * Only 127.0.0.1 is ever used. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "churn.h"
#include "hold.h"
#include "loopback.h"
#include "opttab.h"

struct plan {
	bool unshare_net;
	int port;
	long close_wait, closed, finwait1, udp_unbound, estab;
	long recvq;
	long accept_backlog, udp_flood, nofile, dest_conns, time_wait;
	int port_range[2]; /* lo, hi; 0: the namespace's as it is */
	int lifetime;
	int churn, hold_ms;
	long recvq_conns, finwait2;
};

static void die(const char *what)
{
	fprintf(stderr, "leakgen: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void addr_of(struct sockaddr_in *sa, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static int listen_on(int port, int backlog, int rcvbuf)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* Set before listen so accepted children inherit it. */
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	addr_of(&sa, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind");
	if (listen(fd, backlog) < 0)
		die("listen");
	return fd;
}

static int connect_to(int port, int rcvbuf)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	addr_of(&sa, port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("connect");
	return fd;
}

static int accept_one(int lfd)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		die("accept");
	return fd;
}

static void write_all(int fd, long bytes)
{
	static const char chunk[65536];

	while (bytes > 0) {
		ssize_t n = write(fd, chunk, bytes < (long)sizeof(chunk) ? (size_t)bytes : sizeof(chunk));

		if (n < 0) {
			if (errno == EINTR)
				continue;
			die("write");
		}
		bytes -= n;
	}
}

/* Fills the socket's send path until the peer's window is shut. */
static void fill_until_blocked(int fd)
{
	static const char chunk[65536];
	int fl = fcntl(fd, F_GETFL);

	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	for (;;) {
		ssize_t n = write(fd, chunk, sizeof(chunk));

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0 && errno != EINTR)
			die("write");
	}
}

/* Waits for a byte on a pipe: how the two processes hand over turns. */
static void wait_token(int fd)
{
	char c;

	while (read(fd, &c, 1) < 0 && errno == EINTR)
		;
}

static void give_token(int fd)
{
	if (write(fd, "x", 1) != 1)
		die("pipe");
}


/* A queue of backlog+1 fits (the kernel's test is "more than backlog"):
 * fill it with completed connections, then send two more SYNs that the
 * full queue drops, which is what ListenOverflows counts. Those two retry
 * on their own; non-blocking so nobody waits for them. */
static void keep_accept_queue_overflowing(const struct plan *p, int *keep, long *nkeep)
{
	struct sockaddr_in sa;

	for (long i = 0; i < p->accept_backlog + 1; i++)
		keep[(*nkeep)++] = connect_to(p->port + 4, 0);
	addr_of(&sa, p->port + 4);
	for (int i = 0; i < 2; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != EINPROGRESS)
			die("connect to a full accept queue unexpectedly");
		keep[(*nkeep)++] = fd;
	}
}

/* Datagrams to a receiver that never reads: once its small buffer is full
 * the rest are dropped (RcvbufErrors). Loopback delivers each one before
 * sendto() returns, so when this returns the drops are counted. */
static void flood_udp(int port, long n)
{
	static const char dgram[1024];
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	addr_of(&sa, port);
	for (long i = 0; i < n; i++)
		if (sendto(fd, dgram, sizeof(dgram), 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			die("sendto");
	close(fd);
}

/* The peer side, in the child: makes the connections the leaker needs and
 * keeps (or closes) its ends as each scenario requires. */
static void run_peer(const struct plan *p, int to_leaker, int from_leaker)
{
	int *keep = calloc((size_t)(p->close_wait + p->finwait1 + p->estab + p->accept_backlog +
				    p->recvq_conns + p->finwait2 + 8), sizeof(int));
	long nkeep = 0;

	if (!keep)
		die("calloc");
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	/* CLOSE_WAIT: connect, let the leaker accept, then close our end. */
	wait_token(from_leaker);
	for (long i = 0; i < p->close_wait; i++)
		keep[nkeep++] = connect_to(p->port, 0);
	give_token(to_leaker);
	wait_token(from_leaker); /* all accepted */
	while (nkeep > 0)
		close(keep[--nkeep]);
	/* Recv-Q: one connection on port+1 that sends and keeps its end. */
	if (p->recvq > 0) {
		int fd = connect_to(p->port + 1, 0);

		write_all(fd, p->recvq);
		keep[nkeep++] = fd;
	}
	/* FIN_WAIT1: connections on port+2 with a tiny receive buffer that are
	 * never read, so the leaker's close leaves data stuck behind a zero window. */
	for (long i = 0; i < p->finwait1; i++)
		keep[nkeep++] = connect_to(p->port + 2, 4096);
	for (long i = 0; i < p->estab; i++)
		keep[nkeep++] = connect_to(p->port + 3, 0);
	if (p->accept_backlog > 0)
		keep_accept_queue_overflowing(p, keep, &nkeep);
	if (p->udp_flood > 0)
		flood_udp(p->port + 5, p->udp_flood);
	/* Senders with small send buffers (seed 000's 200 x 125 KiB unread):
	 * the reader's window shuts, not gigabytes of memory. */
	for (long i = 0; i < p->recvq_conns; i++) {
		int fd = connect_to(p->port + 8, 0), sndbuf = 65536;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
		fill_until_blocked(fd);
		keep[nkeep++] = fd;
	}
	for (long i = 0; i < p->finwait2; i++)
		keep[nkeep++] = connect_to(p->port + 9, 0);
	give_token(to_leaker);
	wait_token(from_leaker); /* the leaker is done: hold until it exits */
	if (p->churn)
		churn_connect(p->port + 7, p->churn);
	pause();
	exit(0);
}

/* The peer's write() returns once its data is in its own send buffer, not
 * once it arrived: wait until our receive queue stops growing, so READY
 * means the Recv-Q everyone will measure is final. Bounded: 5 s. */
static void wait_queue_settled(int fd)
{
	int last = -1, now = 0, same = 0;

	for (int i = 0; i < 500 && same < 5; i++) {
		struct pollfd pfd = {.fd = -1};

		if (ioctl(fd, FIONREAD, &now) < 0)
			die("FIONREAD");
		same = now == last ? same + 1 : 0;
		last = now;
		poll(&pfd, 0, 10);
	}
}

static void leak_closed(long n)
{
	struct sockaddr_in sa;

	/* Port 1 on loopback has no listener: connect fails with ECONNREFUSED
	 * and the fd stays open, in CLOSE, in no kernel table. */
	addr_of(&sa, 1);
	for (long i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != ECONNREFUSED)
			die("connect to a closed port unexpectedly");
	}
}

static void set_port_range(int lo, int hi)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "w");

	if (!f || fprintf(f, "%d %d\n", lo, hi) < 0 || fclose(f) != 0)
		die("ip_local_port_range");
}

static void bind_udp_never_read(int port)
{
	struct sockaddr_in sa;
	int rcvbuf = 4096, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	addr_of(&sa, port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		die("bind udp");
}

/* One client to one destination, over and over: `open` connections kept
 * (each holds a local port), `churn` more closed by us first, which leaves
 * our end in TIME_WAIT, still holding its port for 60 s. Both ends are
 * ours; only the client ends use ephemeral ports. */
static void connect_many_to_one(int port, long open, long churn)
{
	int lfd = listen_on(port, (int)(open + churn + 16), 0);

	for (long i = 0; i < open; i++) {
		connect_to(port, 0);
		accept_one(lfd);
	}
	for (long i = 0; i < churn; i++) {
		int c = connect_to(port, 0), a = accept_one(lfd);

		close(c);
		close(a);
	}
}

static void parse(int argc, char **argv, struct plan *p)
{
	const double many = 1e9; /* counts: bounded only to keep them whole longs */
	const struct ot_opt opts[] = {
		{"unshare", 0, OT_FLAG, &p->unshare_net, 0, 0},
		{"port", 0, OT_INT, &p->port, 1024, 65000},
		{"close-wait", 0, OT_LONG, &p->close_wait, 0, many},
		{"closed", 0, OT_LONG, &p->closed, 0, many},
		{"recvq", 0, OT_LONG, &p->recvq, 0, many},
		{"finwait1", 0, OT_LONG, &p->finwait1, 0, many},
		{"udp-unbound", 0, OT_LONG, &p->udp_unbound, 0, many},
		{"estab", 0, OT_LONG, &p->estab, 0, many},
		{"lifetime", 0, OT_INT, &p->lifetime, 1, INT_MAX},
		{"accept-overflow", 0, OT_LONG, &p->accept_backlog, 0, many},
		{"udp-flood", 0, OT_LONG, &p->udp_flood, 0, many},
		{"nofile", 0, OT_LONG, &p->nofile, 0, many},
		{"port-range", 0, OT_RANGE, p->port_range, 1024, 65535},
		{"dest-conns", 0, OT_LONG, &p->dest_conns, 0, many},
		{"time-wait", 0, OT_LONG, &p->time_wait, 0, many},
		{"churn", 0, OT_INT, &p->churn, 0, 100000},
		{"hold-ms", 0, OT_INT, &p->hold_ms, 0, INT_MAX},
		{"recvq-conns", 0, OT_LONG, &p->recvq_conns, 0, many},
		{"finwait2", 0, OT_LONG, &p->finwait2, 0, many},
	};

	*p = (struct plan){.port = 7000, .lifetime = 300, .hold_ms = 150};
	if (ot_parse("leakgen", argc, argv, opts, sizeof(opts) / sizeof(opts[0])) < 0)
		exit(2);
	/* The port range is the namespace's: only in one of our own. */
	if (p->port_range[0] && !p->unshare_net) {
		fprintf(stderr, "leakgen: --port-range needs --unshare\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	struct plan p;
	int to_peer[2], to_leaker[2];
	pid_t peer;
	struct stat st;

	parse(argc, argv, &p);
	if (p.unshare_net) {
		if (unshare(CLONE_NEWNET) < 0)
			die("unshare(CLONE_NEWNET)");
		if (loopback_up() < 0)
			die("bringing lo up");
		if (p.port_range[0])
			set_port_range(p.port_range[0], p.port_range[1]);
	}
	int lfd_cw = listen_on(p.port, 4096, 0);
	int lfd_rq = p.recvq ? listen_on(p.port + 1, 16, 0) : -1;
	int lfd_fw = p.finwait1 ? listen_on(p.port + 2, 4096, 0) : -1;
	int lfd_es = p.estab ? listen_on(p.port + 3, 4096, 0) : -1;
	int lfd_churn = p.churn ? listen_on(p.port + 7, 4096, 0) : -1;
	int lfd_rs = p.recvq_conns ? listen_on(p.port + 8, (int)p.recvq_conns + 16, 0) : -1;
	int lfd_f2 = p.finwait2 ? listen_on(p.port + 9, (int)p.finwait2 + 16, 0) : -1;

	if (pipe2(to_peer, O_CLOEXEC) < 0 || pipe2(to_leaker, O_CLOEXEC) < 0)
		die("pipe");
	peer = fork();
	if (peer < 0)
		die("fork");
	if (peer == 0) {
		close(lfd_cw);
		if (lfd_churn >= 0)
			close(lfd_churn);
		run_peer(&p, to_leaker[1], to_peer[0]);
	}
	/* Made after the fork so that only the leaker holds them, and before
	 * the first token, so they exist when the peer gets to them. Nobody
	 * ever accepts from the listener or reads the UDP socket. */
	if (p.accept_backlog)
		listen_on(p.port + 4, (int)p.accept_backlog, 0);
	if (p.udp_flood)
		bind_udp_never_read(p.port + 5);
	give_token(to_peer[1]);
	wait_token(to_leaker[0]); /* peer has connected the CLOSE_WAIT batch */
	for (long i = 0; i < p.close_wait; i++)
		accept_one(lfd_cw); /* kept open forever: the leak */
	give_token(to_peer[1]);
	wait_token(to_leaker[0]); /* peer closed them, connected the rest */
	if (p.recvq)
		wait_queue_settled(accept_one(lfd_rq)); /* never read */
	for (long i = 0; i < p.finwait1; i++) {
		int fd = accept_one(lfd_fw);

		fill_until_blocked(fd);
		close(fd); /* orphaned with unsent data: FIN_WAIT1 */
	}
	if (p.nofile) {
		struct rlimit rl = {.rlim_cur = (rlim_t)p.nofile, .rlim_max = (rlim_t)p.nofile};

		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			die("setrlimit");
	}
	for (long i = 0; i < p.estab; i++)
		accept_one(lfd_es);
	for (long i = 0; i < p.recvq_conns; i++)
		accept_one(lfd_rs); /* never read */
	for (long i = 0; i < p.finwait2; i++)
		close(accept_one(lfd_f2)); /* the peer keeps its end: FIN_WAIT2 */
	if (p.dest_conns || p.time_wait)
		connect_many_to_one(p.port + 6, p.dest_conns, p.time_wait);
	leak_closed(p.closed);
	for (long i = 0; i < p.udp_unbound; i++)
		if (socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) < 0)
			die("socket");
	give_token(to_peer[1]);

	/* CLOSE_WAIT needs the peer's FIN to have arrived; on loopback it has
	 * by the time close() returned in the peer, which happened before the
	 * peer's token. Recv-Q likewise was written before the token. */
	if (stat("/proc/self/ns/net", &st) < 0)
		die("stat netns");
	printf("READY leaker=%d peer=%d port=%d netns=%llu\n", (int)getpid(), (int)peer, p.port,
	       (unsigned long long)st.st_ino);
	fflush(stdout);
	if (p.churn) {
		alarm((unsigned)p.lifetime);
		churn_serve(lfd_churn, p.hold_ms);
	} else {
		hold_until_eof(p.lifetime);
	}
	kill(peer, SIGTERM);
	waitpid(peer, NULL, 0);
	return 0;
}
