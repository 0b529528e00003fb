/* TCP rows read with their fds (the BPF iterator's TCP program) must be the
 * rows a sock_diag dump gives, field by field; the dump is the oracle.
 *  - a world of its own (pid, mount and network namespaces): listeners in
 *    both families, a v6-only one, connections with unread data, half
 *    closed ones (FIN_WAIT2 and CLOSE_WAIT, both ends still held), one
 *    never connected (an fd only, in no table); once every socket
 *    has a cookie the namespace's TCP rows come from the fds, and they
 *    equal the dump's;
 *  - the gate: connections waiting for accept() (hashed, no fd) send the
 *    namespace back to the full dump; a TIME_WAIT and an orphan only to a
 *    dump of the states no fd holds, and the rows are still the dump's.
 * Skips with its reason when the TCP program cannot load here. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "suite.h"
#include "collect/bpf_owners.h"
#include "engine.h"
#include "hermetic.h"
#include "loopback.h"

#define WCHECK(cond, ...)                                            \
	do {                                                         \
		if (!(cond)) {                                       \
			fprintf(stderr, "FAIL line %d: ", __LINE__); \
			fprintf(stderr, __VA_ARGS__);                \
			fputc('\n', stderr);                         \
			return 1;                                    \
		}                                                    \
	} while (0)

/* Skips (with the reason on stderr) unless the TCP program loads here. */
static void need_tcp_program(void)
{
	struct sk_bpf_owners *b;
	struct sk_error err = {0};
	bool reads;

	if (sk_bpf_owners_open(&b, true, &err) != 0) {
		fprintf(stderr, "skipped: %s\n", err.msg);
		skip();
	}
	reads = sk_bpf_owners_reads_tcp(b);
	if (!reads)
		fprintf(stderr, "skipped: %s\n", sk_bpf_owners_tcp_note(b));
	sk_bpf_owners_close(b);
	if (!reads)
		skip();
}

static struct sk_engine *engine(bool bpf)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_unix = true, .want_meminfo = true,
				       .want_tcpinfo = true, .no_bpf = !bpf, .one_shot = true,
				       .no_services = true};
	struct sk_error err = {0};
	struct sk_engine *e = NULL;

	if (sk_engine_new(&cfg, &e, &err) != 0) {
		fprintf(stderr, "engine: %s\n", err.msg);
		return NULL;
	}
	return e;
}

/* --- the world's sockets ----------------------------------------------------------- */

static int ioctl_unread(int fd, int *n)
{
	return ioctl(fd, FIONREAD, n);
}

/* Waits until the peer has the bytes (or the FIN): the kernel's queues are
 * what the rows show, so they must have settled before either reading. */
static bool settled(int fd, int want_unread)
{
	for (int i = 0; i < 2000; i++) {
		int unread = 0;

		if (ioctl_unread(fd, &unread) == 0 && unread >= want_unread)
			return true;
		usleep(1000);
	}
	return false;
}

/* Waits until the kernel has the socket in state with nothing unacked:
 * loopback is fast, but not done when write() or shutdown() return. */
static bool quiet_in(int fd, uint8_t state)
{
	for (int i = 0; i < 2000; i++) {
		struct tcp_info ti;
		socklen_t len = sizeof(ti);

		if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0 && ti.tcpi_state == state &&
		    ti.tcpi_unacked == 0)
			return true;
		usleep(1000);
	}
	return false;
}

#define FIELD(a, b, f) ((a)->f == (b)->f ? 0 : (fprintf(stderr, "inode %llu: %s %llu != %llu\n", \
	(unsigned long long)(a)->inode, #f, (unsigned long long)(a)->f, (unsigned long long)(b)->f), 1))

/* Milliseconds since an event: the two reads are a few ms apart. */
#define NEAR(a, b, f) (llabs((long long)(a)->f - (long long)(b)->f) <= 1000 ? 0 : \
	(fprintf(stderr, "inode %llu: %s %llu vs %llu\n", (unsigned long long)(a)->inode, #f, \
	(unsigned long long)(a)->f, (unsigned long long)(b)->f), 1))

static int same_row(const struct sk_socket *a, const struct sk_socket *b)
{
	const uint32_t kernel_flags = SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO | SK_SOCK_HAS_CGROUP |
				      SK_SOCK_HAS_SHUTDOWN | SK_SOCK_V6ONLY | SK_SOCK_HAS_UID;
	int bad = 0;

	if (memcmp(&a->local, &b->local, sizeof(a->local)) != 0 ||
	    memcmp(&a->peer, &b->peer, sizeof(a->peer)) != 0) {
		fprintf(stderr, "inode %llu: the four-tuples differ\n", (unsigned long long)a->inode);
		bad++;
	}
	if ((a->flags & kernel_flags) != (b->flags & kernel_flags)) {
		fprintf(stderr, "inode %llu (state %u, port %u): flags %#x != %#x\n", (unsigned long long)a->inode, a->state, a->local.port,
			a->flags & kernel_flags, b->flags & kernel_flags);
		bad++;
	}
	bad += FIELD(a, b, inode) + FIELD(a, b, cgroup_id) + FIELD(a, b, family) +
	       FIELD(a, b, state) + FIELD(a, b, sockname) + FIELD(a, b, recv_q) +
	       FIELD(a, b, send_q) + FIELD(a, b, uid) + FIELD(a, b, ifindex) +
	       FIELD(a, b, shutdown) + FIELD(a, b, timer) + FIELD(a, b, retrans) +
	       NEAR(a, b, timer_ms);
	bad += FIELD(a, b, mem.rmem_alloc) + FIELD(a, b, mem.rcvbuf) + FIELD(a, b, mem.wmem_alloc) +
	       FIELD(a, b, mem.sndbuf) + FIELD(a, b, mem.fwd_alloc) +
	       FIELD(a, b, mem.wmem_queued) + FIELD(a, b, mem.optmem) + FIELD(a, b, mem.backlog) +
	       FIELD(a, b, mem.drops);
	bad += FIELD(a, b, tcp.ca_state) + FIELD(a, b, tcp.retransmits) + FIELD(a, b, tcp.probes) +
	       FIELD(a, b, tcp.backoff) + FIELD(a, b, tcp.snd_wscale) +
	       FIELD(a, b, tcp.rcv_wscale) + FIELD(a, b, tcp.rto_us) + FIELD(a, b, tcp.ato_us) +
	       FIELD(a, b, tcp.snd_mss) + FIELD(a, b, tcp.rcv_mss) + FIELD(a, b, tcp.unacked) +
	       FIELD(a, b, tcp.sacked) + FIELD(a, b, tcp.lost) + FIELD(a, b, tcp.retrans) +
	       FIELD(a, b, tcp.total_retrans) + FIELD(a, b, tcp.rtt_us) +
	       FIELD(a, b, tcp.rttvar_us) + FIELD(a, b, tcp.snd_cwnd) +
	       FIELD(a, b, tcp.snd_ssthresh) + FIELD(a, b, tcp.rcv_space) +
	       FIELD(a, b, tcp.notsent_bytes) + FIELD(a, b, tcp.delivered) +
	       FIELD(a, b, tcp.snd_wnd) + FIELD(a, b, tcp.rcv_wnd) + FIELD(a, b, tcp.bytes_acked) +
	       FIELD(a, b, tcp.bytes_received) + FIELD(a, b, tcp.bytes_sent) +
	       FIELD(a, b, tcp.bytes_retrans);
	bad += NEAR(a, b, tcp.last_data_sent_ms) + NEAR(a, b, tcp.last_data_recv_ms) +
	       NEAR(a, b, tcp.last_ack_recv_ms);
	return bad;
}

static const struct sk_netns *own_netns(const struct sk_snapshot *s)
{
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].own)
			return &s->netns.v[i];
	return NULL;
}

/* By cookie: TIME_WAIT and orphan rows have no inode. */
static const struct sk_socket *find_row(const struct sk_snapshot *s, uint64_t cookie)
{
	for (size_t i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].cookie == cookie && s->socks.v[i].proto == SK_PROTO_TCP &&
		    !(s->socks.v[i].flags & SK_SOCK_UNDUMPED))
			return &s->socks.v[i];
	return NULL;
}

/* Every TCP row of the namespace, one way against the other; a row with
 * the local or peer port `moving` (a connection whose data still flows)
 * only by what it is, not by its queues. */
static int compare(const struct sk_snapshot *fds, const struct sk_snapshot *dump, size_t *rows,
		   uint16_t moving)
{
	size_t n_fds = 0, n_dump = 0;
	int bad = 0;

	for (size_t i = 0; i < dump->socks.n; i++) {
		const struct sk_socket *d = &dump->socks.v[i], *f;

		if (d->proto != SK_PROTO_TCP || (d->flags & SK_SOCK_UNDUMPED))
			continue;
		n_dump++;
		f = find_row(fds, d->cookie);
		if (!f) {
			fprintf(stderr, "inode %llu (state %u): in the dump, not in the other\n",
				(unsigned long long)d->inode, d->state);
			bad++;
			continue;
		}
		if (moving && (d->local.port == moving || d->peer.port == moving))
			bad += FIELD(f, d, inode) + FIELD(f, d, state) + FIELD(f, d, flags) +
			       (memcmp(&f->local, &d->local, sizeof(f->local)) != 0) +
			       (memcmp(&f->peer, &d->peer, sizeof(f->peer)) != 0);
		else
			bad += same_row(f, d);
	}
	for (size_t i = 0; i < fds->socks.n; i++)
		n_fds += fds->socks.v[i].proto == SK_PROTO_TCP &&
			 !(fds->socks.v[i].flags & SK_SOCK_UNDUMPED);
	if (n_fds != n_dump) {
		fprintf(stderr, "%zu TCP rows from the fds, %zu from the dump\n", n_fds, n_dump);
		bad++;
	}
	*rows = n_dump;
	return bad;
}

static size_t undumped_tcp(const struct sk_snapshot *s)
{
	size_t n = 0;

	for (size_t i = 0; i < s->socks.n; i++)
		n += s->socks.v[i].proto == SK_PROTO_TCP && (s->socks.v[i].flags & SK_SOCK_UNDUMPED);
	return n;
}

static int tcp_world(void)
{
	struct sk_engine *fds = engine(true), *dump = engine(false);
	struct sk_error err = {0};
	int l4, l6, lq, c[6], s[6], q[2], tw_c, tw_s;
	char data[1000];
	size_t rows = 0;
	const struct sk_netns *ns;
	struct sockaddr_in moving;

	WCHECK(fds && dump, "engines");
	WCHECK((l4 = loopback_listen(AF_INET, 7001, false)) >= 0, "listen: %s", strerror(errno));
	WCHECK((l6 = loopback_listen(AF_INET6, 7002, true)) >= 0, "listen v6: %s", strerror(errno));
	WCHECK((lq = loopback_listen(AF_INET, 7003, false)) >= 0, "listen: %s", strerror(errno));
	/* In no table: its fd alone shows it, either way. */
	WCHECK(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0) >= 0, "socket");
	for (int i = 0; i < 6; i++) {
		int family = i < 4 ? AF_INET : AF_INET6;

		c[i] = loopback_connect(family, family == AF_INET ? 7001 : 7002);
		s[i] = accept4(family == AF_INET ? l4 : l6, NULL, NULL, SOCK_CLOEXEC);
		WCHECK(c[i] >= 0 && s[i] >= 0, "connection %d: %s", i, strerror(errno));
	}
	/* Unread data on one end; half closes: FIN_WAIT2 and CLOSE_WAIT. */
	memset(data, 'x', sizeof(data));
	WCHECK(write(c[0], data, sizeof(data)) == (ssize_t)sizeof(data), "write");
	WCHECK(write(c[4], data, 100) == 100, "write v6");
	WCHECK(shutdown(c[1], SHUT_WR) == 0, "shutdown");
	WCHECK(settled(s[0], (int)sizeof(data)) && settled(s[4], 100), "the data never arrived");
	WCHECK(recv(s[1], data, 1, 0) == 0, "the FIN never arrived");
	for (int i = 0; i < 6; i++)
		WCHECK(quiet_in(c[i], i == 1 ? TCP_FIN_WAIT2 : TCP_ESTABLISHED), "connection %d busy", i);

	/* The dump gives every socket its cookie; only then may the fds
	 * alone stand for the namespace. */
	WCHECK(sk_engine_refresh(dump, &err) == 0, "dump refresh: %s", err.msg);
	WCHECK(sk_engine_refresh(fds, &err) == 0, "fds refresh: %s", err.msg);
	ns = own_netns(sk_engine_snapshot(fds));
	WCHECK(ns && ns->tcp_from_fds, "the namespace was dumped: the gate did not trust the fds");
	WCHECK(sk_engine_snapshot(fds)->owners_bpf, "owners from /proc");
	WCHECK(compare(sk_engine_snapshot(fds), sk_engine_snapshot(dump), &rows, 0) == 0,
	       "the rows read with the fds differ from the dump's");
	WCHECK(rows == 3 + 12, "%zu TCP rows, want 15", rows);
	WCHECK(undumped_tcp(sk_engine_snapshot(fds)) == 1 && undumped_tcp(sk_engine_snapshot(dump)) == 1,
	       "the unconnected socket: %zu rows from the fds, %zu from the dump",
	       undumped_tcp(sk_engine_snapshot(fds)), undumped_tcp(sk_engine_snapshot(dump)));
	printf("TCP rows from the fds == the dump: %zu rows, field by field\n", rows);

	/* Connections waiting for accept(): full sockets no fd holds yet. */
	for (int i = 0; i < 2; i++)
		WCHECK((q[i] = loopback_connect(AF_INET, 7003)) >= 0, "connect: %s", strerror(errno));
	WCHECK(sk_engine_refresh(fds, &err) == 0, "fds refresh: %s", err.msg);
	ns = own_netns(sk_engine_snapshot(fds));
	WCHECK(ns && !ns->tcp_from_fds, "connections waiting for accept() and the fds were trusted");
	/* 6 connections, one half closed, and the 2 waiting: 2 ends each */
	WCHECK(ns->tcp_states[SK_TCP_ESTABLISHED] == 10 + 4, "%u ESTABLISHED rows, want 14",
	       ns->tcp_states[SK_TCP_ESTABLISHED]);
	for (int i = 0; i < 2; i++) {
		int a = accept4(lq, NULL, NULL, SOCK_CLOEXEC);

		WCHECK(a >= 0, "accept: %s", strerror(errno));
	}
	WCHECK(sk_engine_refresh(dump, &err) == 0, "dump refresh: %s", err.msg);
	WCHECK(sk_engine_refresh(fds, &err) == 0, "fds refresh: %s", err.msg);
	ns = own_netns(sk_engine_snapshot(fds));
	WCHECK(ns && ns->tcp_from_fds, "accepted, and still dumped");

	/* A TIME_WAIT and an orphan: no fd explains them, and a dump of the
	 * states no fd holds must find them. */
	WCHECK((tw_c = loopback_connect(AF_INET, 7001)) >= 0, "connect");
	WCHECK((tw_s = accept4(l4, NULL, NULL, SOCK_CLOEXEC)) >= 0, "accept");
	close(tw_s); /* the server closes first: its end goes to TIME_WAIT */
	WCHECK(recv(tw_c, data, 1, 0) == 0, "the FIN never arrived");
	close(tw_c);
	/* An orphan the kernel keeps as a full socket: its FIN waits behind
	 * data the peer does not read (FIN_WAIT1). A closed FIN_WAIT2 would
	 * be a timewait socket, counted with TIME_WAIT, not "inuse". */
	WCHECK(getsockname(c[3], (struct sockaddr *)&moving, &(socklen_t){sizeof(moving)}) == 0,
	       "getsockname");
	WCHECK(fcntl(c[3], F_SETFL, O_NONBLOCK) == 0, "fcntl");
	while (write(c[3], data, sizeof(data)) > 0)
		;
	WCHECK(errno == EAGAIN, "write: %s", strerror(errno));
	close(c[3]);
	WCHECK(sk_engine_refresh(dump, &err) == 0, "dump refresh: %s", err.msg);
	WCHECK(sk_engine_refresh(fds, &err) == 0, "fds refresh: %s", err.msg);
	ns = own_netns(sk_engine_snapshot(fds));
	WCHECK(ns && ns->tcp_from_fds, "a TIME_WAIT and an orphan, and a full dump");
	WCHECK(ns->tcp_states[SK_TCP_TIME_WAIT] == 1, "%u TIME_WAIT rows, want 1",
	       ns->tcp_states[SK_TCP_TIME_WAIT]);
	WCHECK(ns->orphans[SK_TCP_FIN_WAIT1] == 1, "%u FIN_WAIT1 orphans, want 1",
	       ns->orphans[SK_TCP_FIN_WAIT1]);
	WCHECK(compare(sk_engine_snapshot(fds), sk_engine_snapshot(dump), &rows, ntohs(moving.sin_port)) == 0,
	       "the rows read with the fds and the states no fd holds differ from the dump's");
	printf("with a TIME_WAIT and an orphan: %zu rows, field by field\n", rows);

	sk_engine_free(fds);
	sk_engine_free(dump);
	return 0;
}

static int run_world(void)
{
	return hermetic_run(tcp_world);
}

static void test_rows_equal_the_dump(void **state)
{
	int rc;

	(void)state;
	need_tcp_program();
	rc = hermetic_child(run_world);
	assert_true(rc >= 0);
	if (rc == 77)
		skip();
	assert_int_equal(rc, 0);
}

SK_SUITE_MAIN(NULL, NULL, cmocka_unit_test(test_rows_equal_the_dump))
