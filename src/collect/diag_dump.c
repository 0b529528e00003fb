/* The sock_diag socket: requests, the receive loop, retries.
 *
 * How a netlink dump behaves decides the shape of this file. The kernel
 * produces a dump one skb at a time, synchronously: the first during our
 * sendto(), each next one inside the recvmsg() that takes the previous one
 * off the queue. So a dump never makes us wait, but it also only moves when
 * we read, and a dump that failed half way (ENOBUFS) stays "running" with
 * nothing queued: every later request on the socket gets EBUSY.
 *
 * Recovering from that by reopening the socket would need to re-enter the
 * network namespace the conn was opened in, which this module cannot do.
 * So a conn is drained instead: we send a NLMSG_NOOP asking for an ack; reading
 * that ack makes the kernel resume the stalled dump, and reading on with
 * MSG_DONTWAIT until EAGAIN discards it to its end. Every datagram is then
 * checked against the sequence number of the current request, so nothing of
 * an abandoned dump is ever parsed. */
#include <config.h>

#include "collect/diag.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/in.h>

/* The kernel sizes dump skbs after the largest recvmsg() buffer it has seen,
 * capped at 32 KiB (16 KiB on old kernels). Measured on 6.18, 10001 TCP
 * sockets with meminfo+tcp_info: 558 datagrams per dump with 8 KiB, 141 with
 * 32 KiB, still 141 with 64 KiB or 1 MiB; time ~10 ms either way (the
 * kernel's work dominates). Neither did SO_RCVBUF change anything. */
#define SK_DIAG_RECV_BUF 32768
/* Only a problem if a kernel queued messages faster than we read: a dump
 * does not (see above), but an ack or error behind a full queue could. */
#define SK_DIAG_SO_RCVBUF (1 << 20)
#define SK_DIAG_ATTEMPTS 3
/* A dump is produced inside our own system calls, so a read only ever waits
 * when something is wrong; do not wait for ever then. */
#define SK_DIAG_TIMEOUT_S 5
/* Rounds of "kick and discard" before a conn is declared unusable. */
#define SK_DIAG_DRAIN_ROUNDS 4

struct sk_diag_conn {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	bool dirty; /* a dump may still be running on the socket */
	_Alignas(8) char buf[SK_DIAG_RECV_BUF];
};

/* Called with each datagram of the current dump. Returns 1 when the dump is
 * complete, 0 for more, or -errno. */
typedef int (*dgram_fn)(const void *buf, size_t len, void *ctx);

static uint32_t next_seq(struct sk_diag_conn *c)
{
	/* 0 means "any" to the sequence check: never use it. */
	if (++c->seq == 0)
		c->seq = 1;
	return c->seq;
}

static void set_rcvbuf(int fd)
{
	int size = SK_DIAG_SO_RCVBUF;

	/* FORCE ignores net.core.rmem_max but needs CAP_NET_ADMIN; without it
	 * the plain option is clamped to rmem_max, which is still fine. The
	 * default works too, so neither failure is an error. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

int sk_diag_open(struct sk_diag_conn **conn, struct sk_error *err)
{
	struct timeval tv = {.tv_sec = SK_DIAG_TIMEOUT_S};
	struct sk_diag_conn *c;
	int fd, rc;

	*conn = NULL;
	c = calloc(1, sizeof(*c));
	if (!c)
		return sk_error_set(err, ENOMEM, "out of memory opening a sock_diag socket");
	c->nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!c->nl) {
		rc = errno;
		free(c);
		return sk_error_set(err, rc, "cannot open a NETLINK_SOCK_DIAG socket: %s",
				    strerror(rc));
	}
	fd = mnl_socket_get_fd(c->nl);
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = errno;
		sk_diag_close(c);
		return sk_error_set(err, rc, "cannot set up the sock_diag socket: %s",
				    strerror(rc));
	}
	set_rcvbuf(fd);
	c->portid = mnl_socket_get_portid(c->nl);
	*conn = c;
	return 0;
}

void sk_diag_close(struct sk_diag_conn *conn)
{
	if (!conn)
		return;
	if (conn->nl)
		mnl_socket_close(conn->nl);
	free(conn);
}

/* One datagram from the kernel into c->buf. Returns its length or -errno
 * (-EAGAIN: nothing queued with MSG_DONTWAIT, or the timeout expired). */
static int recv_datagram(struct sk_diag_conn *c, int flags)
{
	for (;;) {
		struct sockaddr_nl sa;
		struct iovec iov = {.iov_base = c->buf, .iov_len = sizeof(c->buf)};
		struct msghdr msg = {
			.msg_name = &sa, .msg_namelen = sizeof(sa), .msg_iov = &iov, .msg_iovlen = 1,
		};
		ssize_t n = recvmsg(mnl_socket_get_fd(c->nl), &msg, flags);

		if (n < 0) {
			if (errno == EINTR)
				continue; /* a signal (SIGWINCH, ...), not a failure */
			return errno == EWOULDBLOCK ? -EAGAIN : -errno;
		}
		/* Another process may unicast to our port id: only the kernel
		 * (port 0) speaks for the dump. */
		if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0)
			continue;
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		return (int)n;
	}
}

/* Whether every message of a datagram answers request `seq`. Datagrams of an
 * abandoned dump (or an ack of a drain) are dropped whole: the kernel never
 * mixes two requests' replies in one skb. */
static bool answers(const void *buf, size_t len, uint32_t seq, uint32_t portid)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (!mnl_nlmsg_seq_ok(nlh, seq) || !mnl_nlmsg_portid_ok(nlh, portid))
			return false;
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return true;
}

static int send_msg(struct sk_diag_conn *c, const struct nlmsghdr *nlh)
{
	if (mnl_socket_sendto(c->nl, nlh, nlh->nlmsg_len) < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

/* Makes sure no dump is left running on the socket and nothing of one is
 * queued. Returns 0, or -errno when the socket does not calm down. */
static int drain(struct sk_diag_conn *c)
{
	for (int round = 0; round < SK_DIAG_DRAIN_ROUNDS; round++) {
		union {
			struct nlmsghdr h;
			char b[MNL_NLMSG_HDRLEN];
		} kick;
		struct nlmsghdr *nlh;
		uint32_t seq = next_seq(c);
		bool acked = false, stalled = false;
		int n;

		memset(&kick, 0, sizeof(kick));
		nlh = mnl_nlmsg_put_header(kick.b);
		nlh->nlmsg_type = NLMSG_NOOP;
		nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
		nlh->nlmsg_seq = seq;
		n = send_msg(c, nlh);
		if (n < 0)
			return n;
		for (;;) {
			/* Until the ack, block: it is on its way. After it, anything
			 * still coming is the old dump, produced as we read. */
			n = recv_datagram(c, acked ? MSG_DONTWAIT : 0);
			if (n == -EAGAIN) {
				if (!acked)
					return -ETIMEDOUT;
				break;
			}
			if (n == -ENOBUFS || n == -EMSGSIZE) {
				stalled = true; /* the old dump failed again: kick again */
				continue;
			}
			if (n < 0)
				return n;
			if (!acked && answers(c->buf, (size_t)n, seq, c->portid)) {
				const struct nlmsghdr *m = (const struct nlmsghdr *)(void *)c->buf;

				acked = mnl_nlmsg_ok(m, n) && m->nlmsg_type == NLMSG_ERROR;
			}
		}
		if (!stalled) {
			c->dirty = false;
			return 0;
		}
	}
	return -EBUSY;
}

/* The largest request header: the older both-families one. */
#define SK_DIAG_REQ_MAX                                                            \
	(sizeof(struct inet_diag_req) > sizeof(struct inet_diag_req_v2)           \
		 ? sizeof(struct inet_diag_req)                                    \
		 : sizeof(struct inet_diag_req_v2))
_Static_assert(sizeof(struct unix_diag_req) <= SK_DIAG_REQ_MAX, "request buffer too small");

static size_t build_request(void *buf, const struct sk_diag_request *req, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	if (req->kind == SK_DIAG_INET && req->family == AF_UNSPEC) {
		/* The kernel walks its whole TCP hash for every dump, and the
		 * walk costs the same with nothing in it (~25 ms here): one
		 * walk for both families instead of two. */
		struct inet_diag_req *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		nlh->nlmsg_type = TCPDIAG_GETSOCK;
		r->idiag_family = AF_UNSPEC;
		r->idiag_states = req->states;
		if (req->ext_meminfo)
			r->idiag_ext |= 1u << (INET_DIAG_SKMEMINFO - 1);
		if (req->ext_tcpinfo)
			r->idiag_ext |= 1u << (INET_DIAG_INFO - 1);
	} else if (req->kind == SK_DIAG_UNIX) {
		struct unix_diag_req *u = mnl_nlmsg_put_extra_header(nlh, sizeof(*u));

		u->sdiag_family = AF_UNIX;
		u->udiag_states = UINT32_MAX;
		u->udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_VFS | UDIAG_SHOW_PEER |
				UDIAG_SHOW_RQLEN | UDIAG_SHOW_UID;
		if (req->ext_meminfo)
			u->udiag_show |= UDIAG_SHOW_MEMINFO;
	} else {
		struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(nlh, sizeof(*r));

		r->sdiag_family = req->family;
		r->sdiag_protocol = req->protocol;
		r->idiag_states = req->states;
		/* Extensions cost kernel time and buffer space per socket: only
		 * what the caller's columns need. */
		if (req->ext_meminfo)
			r->idiag_ext |= 1u << (INET_DIAG_SKMEMINFO - 1);
		if (req->ext_tcpinfo)
			r->idiag_ext |= 1u << (INET_DIAG_INFO - 1);
	}
	return nlh->nlmsg_len;
}

/* Sends the request and feeds the answer to fn until it says done. Returns 0
 * or -errno; on any error the socket has been drained (or marked so). */
static int run_dump(struct sk_diag_conn *c, const struct sk_diag_request *req, dgram_fn fn,
		    void *ctx)
{
	union {
		struct nlmsghdr h;
		char b[MNL_NLMSG_HDRLEN + MNL_ALIGN(SK_DIAG_REQ_MAX)];
	} msg;
	uint32_t seq;
	int rc;

	if (c->dirty) {
		rc = drain(c);
		if (rc < 0)
			return rc;
	}
	memset(&msg, 0, sizeof(msg));
	seq = next_seq(c);
	build_request(msg.b, req, seq);
	rc = send_msg(c, &msg.h);
	if (rc < 0)
		return rc;
	c->dirty = true;
	for (;;) {
		int n = recv_datagram(c, 0);

		if (n < 0) {
			rc = n == -EAGAIN ? -ETIMEDOUT : n;
			break;
		}
		if (!answers(c->buf, (size_t)n, seq, c->portid))
			continue;
		rc = fn(c->buf, (size_t)n, ctx);
		if (rc != 0)
			break;
	}
	if (rc == 1) {
		c->dirty = false;
		return 0;
	}
	/* The dump may have ended (an NLMSG_ERROR) or be stalled half way; a
	 * timed-out socket would only time out again, and a cancelled one is
	 * being given up to quit: both are left for the next dump to drain. */
	if (rc != -ETIMEDOUT && rc != -ECANCELED)
		(void)drain(c);
	return rc;
}

static const char *req_name(const struct sk_diag_request *req)
{
	if (req->kind == SK_DIAG_UNIX)
		return "unix";
	if (req->protocol == IPPROTO_TCP)
		return req->family == AF_INET6 ? "tcp/ipv6" : req->family == AF_INET ? "tcp/ipv4" : "tcp";
	if (req->protocol == IPPROTO_UDP)
		return req->family == AF_INET6 ? "udp/ipv6" : "udp/ipv4";
	return req->family == AF_INET6 ? "ipv6" : "ipv4";
}

static int check_request(const struct sk_diag_conn *c, const struct sk_diag_request *req,
			 struct sk_error *err)
{
	if (!c || !req)
		return sk_error_set(err, EINVAL, "sock_diag: no connection or request");
	if (req->kind == SK_DIAG_UNIX)
		return 0;
	if (req->kind == SK_DIAG_INET && (req->family == AF_INET || req->family == AF_INET6))
		return 0;
	if (req->kind == SK_DIAG_INET && req->family == AF_UNSPEC && req->protocol == IPPROTO_TCP)
		return 0;
	return sk_error_set(err, EINVAL, "sock_diag: bad request (kind %u, family %u)",
			    (unsigned)req->kind, (unsigned)req->family);
}

static bool retryable(int rc)
{
	/* EBUSY: a dump an earlier call could not drain was still running. */
	return rc == -EINTR || rc == -ENOBUFS || rc == -EBUSY;
}

struct parse_ctx {
	const struct sk_diag_request *req;
	struct sk_diag_sink *sink;
};

static int parse_dgram(const void *buf, size_t len, void *ctx)
{
	struct parse_ctx *p = ctx;

	if (p->sink->cancel && atomic_load_explicit(p->sink->cancel, memory_order_relaxed))
		return -ECANCELED;
	return sk_diag_parse_buffer(buf, len, (enum sk_diag_kind)p->req->kind,
				    p->req->protocol, p->sink);
}

int sk_diag_dump(struct sk_diag_conn *conn, const struct sk_diag_request *req,
		 struct sk_diag_sink *sink, struct sk_error *err)
{
	struct parse_ctx ctx = {.req = req, .sink = sink};
	size_t socks0, strs0;
	uint32_t sockets0;
	int rc;

	rc = check_request(conn, req, err);
	if (rc)
		return rc;
	/* Rows of an attempt that does not complete are taken back, so the
	 * snapshot never holds half a dump next to a full one. */
	socks0 = sink->socks->n;
	strs0 = sink->strs->len;
	sockets0 = sink->stats->sockets;
	for (int attempt = 0; attempt < SK_DIAG_ATTEMPTS; attempt++) {
		if (attempt > 0)
			sink->stats->retries++;
		rc = run_dump(conn, req, parse_dgram, &ctx);
		if (rc == 0)
			return 0;
		sink->socks->n = socks0;
		sink->strs->len = strs0;
		sink->stats->sockets = sockets0;
		if (!retryable(rc))
			break;
	}

	if (rc == -ECANCELED)
		return sk_error_set(err, ECANCELED, "sock_diag dump of %s cancelled", req_name(req));
	if (rc == -ENOENT || rc == -EOPNOTSUPP) {
		sink->stats->unsupported++;
		return sk_error_set(err, rc,
				    "the kernel has no sock_diag handler for %s (diag module not loaded?)",
				    req_name(req));
	}
	if (retryable(rc)) {
		sink->stats->failed++;
		return sk_error_set(err, rc, "sock_diag dump of %s gave up after %d attempts: %s",
				    req_name(req), SK_DIAG_ATTEMPTS, strerror(-rc));
	}
	if (rc == -ETIMEDOUT)
		return sk_error_set(err, rc, "sock_diag dump of %s: no answer from the kernel in %d s",
				    req_name(req), SK_DIAG_TIMEOUT_S);
	return sk_error_set(err, rc, "sock_diag dump of %s failed: %s", req_name(req),
			    strerror(-rc));
}

/* --- raw dumps (fixtures) ------------------------------------------------------ */

struct raw_ctx {
	sk_diag_raw_fn fn;
	void *ctx;
};

/* Where the dump stands after this datagram: 1 done, 0 more, -errno. */
static int dump_status(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int left = (int)len;
	bool intr = false;

	while (mnl_nlmsg_ok(nlh, left)) {
		if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			intr = true;
		if (nlh->nlmsg_type == NLMSG_DONE)
			return intr ? -EINTR : 1;
		if (nlh->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

			if (mnl_nlmsg_get_payload_len(nlh) < sizeof(e->error))
				return -EPROTO;
			if (e->error)
				return e->error < 0 && e->error >= -4095 ? e->error : -EPROTO;
		}
		nlh = mnl_nlmsg_next(nlh, &left);
	}
	return intr ? -EINTR : 0;
}

static int raw_dgram(const void *buf, size_t len, void *ctx)
{
	struct raw_ctx *r = ctx;

	if (r->fn(buf, len, r->ctx))
		return -ECANCELED;
	return dump_status(buf, len);
}

int sk_diag_dump_raw(struct sk_diag_conn *conn, const struct sk_diag_request *req,
		     sk_diag_raw_fn fn, void *ctx, struct sk_error *err)
{
	struct raw_ctx r = {.fn = fn, .ctx = ctx};
	int rc = check_request(conn, req, err);

	if (rc)
		return rc;
	rc = run_dump(conn, req, raw_dgram, &r);
	if (rc < 0 && rc != -ECANCELED)
		return sk_error_set(err, rc, "sock_diag dump of %s failed: %s", req_name(req),
				    strerror(-rc));
	return rc;
}

static void put_id(struct inet_diag_sockid *id, const struct sk_socket *row)
{
	size_t alen = row->family == AF_INET6 ? 16 : 4;

	id->idiag_sport = htons(row->local.port);
	id->idiag_dport = htons(row->peer.port);
	memcpy(id->idiag_src, row->local.addr, alen);
	memcpy(id->idiag_dst, row->peer.addr, alen);
	id->idiag_if = row->ifindex;
	id->idiag_cookie[0] = (uint32_t)row->cookie;
	id->idiag_cookie[1] = (uint32_t)(row->cookie >> 32);
}

/* The answer to a request with NLM_F_ACK: its NLMSG_ERROR code. */
static int read_ack(struct sk_diag_conn *c, uint32_t seq)
{
	for (;;) {
		int n = recv_datagram(c, 0);
		const struct nlmsghdr *m = (const struct nlmsghdr *)(void *)c->buf;

		if (n < 0)
			return n == -EAGAIN ? -ETIMEDOUT : n;
		if (!answers(c->buf, (size_t)n, seq, c->portid) || !mnl_nlmsg_ok(m, n))
			continue;
		if (m->nlmsg_type != NLMSG_ERROR ||
		    m->nlmsg_len < NLMSG_LENGTH(sizeof(struct nlmsgerr)))
			return -EPROTO;
		return ((const struct nlmsgerr *)mnl_nlmsg_get_payload(m))->error;
	}
}

int sk_diag_destroy(struct sk_diag_conn *conn, const struct sk_socket *row,
		    struct sk_error *err)
{
	union {
		struct nlmsghdr h;
		char b[MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct inet_diag_req_v2))];
	} msg;
	struct inet_diag_req_v2 *r;
	uint32_t seq;
	int rc;

	if (!conn || !row || row->proto == SK_PROTO_UNIX ||
	    (row->family != AF_INET && row->family != AF_INET6))
		return sk_error_set(err, EOPNOTSUPP, "only TCP and UDP sockets can be destroyed");
	if (conn->dirty && (rc = drain(conn)) < 0)
		return sk_error_set(err, -rc, "sock_diag socket busy: %s", strerror(-rc));
	memset(&msg, 0, sizeof(msg));
	seq = next_seq(conn);
	msg.h.nlmsg_len = MNL_NLMSG_HDRLEN;
	msg.h.nlmsg_type = SOCK_DESTROY;
	msg.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	msg.h.nlmsg_seq = seq;
	r = mnl_nlmsg_put_extra_header(&msg.h, sizeof(*r));
	r->sdiag_family = row->family;
	r->sdiag_protocol = row->proto == SK_PROTO_TCP ? IPPROTO_TCP : IPPROTO_UDP;
	r->idiag_states = UINT32_MAX;
	put_id(&r->id, row);
	rc = send_msg(conn, &msg.h);
	if (rc == 0)
		rc = read_ack(conn, seq);
	if (rc == 0)
		return 0;
	/* ESTALE: the four-tuple is taken by a newer socket (another cookie). */
	if (rc == -ENOENT || rc == -ESTALE)
		return sk_error_set(err, ENOENT, "the socket is already gone");
	if (rc == -EOPNOTSUPP)
		return sk_error_set(err, EOPNOTSUPP, "this kernel cannot destroy sockets "
						     "(built without CONFIG_INET_DIAG_DESTROY)");
	if (rc == -EPERM || rc == -EACCES)
		return sk_error_set(err, EPERM, "destroying a socket needs root (CAP_NET_ADMIN)");
	return sk_error_set(err, -rc, "cannot destroy the socket: %s", strerror(-rc));
}
