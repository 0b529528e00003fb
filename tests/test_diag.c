/* sock_diag parser and dumper.
 *
 * Three kinds of test: real dumps captured on a 6.18 kernel
 * (tests/fixtures/diag, see its README) checked row by row; hand-built
 * malformed buffers, table-driven; and, as root, a live dump in a private
 * network namespace. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <linux/unix_diag.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "collect/diag.h"
#include "model/sock.h"
#include "util/strtab.h"
#include "hermetic.h"

#define TEST_NETNS 4026531840ull

/* --- rows and a sink ------------------------------------------------------------ */

struct fx {
	sk_sockvec socks;
	struct sk_strtab strs;
	struct sk_diag_stats stats;
	struct sk_diag_sink sink;
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	sk_strtab_init(&f->strs);
	f->sink.socks = &f->socks;
	f->sink.strs = &f->strs;
	f->sink.netns = TEST_NETNS;
	f->sink.stats = &f->stats;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	free(f->socks.v);
	sk_strtab_free(&f->strs);
	free(f);
	return 0;
}

static void fx_reset(struct fx *f)
{
	f->socks.n = 0;
	sk_strtab_reset(&f->strs);
	memset(&f->stats, 0, sizeof(f->stats));
}

/* The row in `state` whose local port is lport and peer port pport (-1: any). */
static const struct sk_socket *find_inet(const struct fx *f, unsigned state, int lport, int pport)
{
	for (size_t i = 0; i < f->socks.n; i++) {
		const struct sk_socket *s = &f->socks.v[i];

		if (s->state == state && s->local.port == lport && (pport < 0 || s->peer.port == pport))
			return s;
	}
	return NULL;
}

static size_t count_state(const struct fx *f, unsigned state)
{
	size_t n = 0;

	for (size_t i = 0; i < f->socks.n; i++)
		n += f->socks.v[i].state == state;
	return n;
}

static const struct sk_socket *find_inode(const struct fx *f, uint64_t inode)
{
	for (size_t i = 0; i < f->socks.n; i++)
		if (f->socks.v[i].inode == inode)
			return &f->socks.v[i];
	return NULL;
}

static const struct sk_socket *find_path(const struct fx *f, const char *path, unsigned state)
{
	for (size_t i = 0; i < f->socks.n; i++) {
		const struct sk_socket *s = &f->socks.v[i];

		if (s->state == state && strcmp(sk_strtab_get(&f->strs, s->path), path) == 0)
			return s;
	}
	return NULL;
}

/* --- fixtures ------------------------------------------------------------------- */

static void fixture_path(const char *name, char *out, size_t size)
{
	const char *src = getenv("SKTOP_SRCDIR");

	if (src && *src) {
		snprintf(out, size, "%s/tests/fixtures/diag/%s", src, name);
	} else {
		/* Run by hand from a build tree: find them next to this file. */
		const char *file = __FILE__, *slash = strrchr(file, '/');
		int dirlen = slash ? (int)(slash - file) : 1;

		snprintf(out, size, "%.*s/fixtures/diag/%s", dirlen, slash ? file : ".", name);
	}
}

/* The file in a malloc()ed buffer, aligned as a receive buffer is. */
static void *load_fixture(const char *name, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;
	void *buf;
	int fd;

	fixture_path(name, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("cannot open fixture %s: %s", path, strerror(errno));
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

static void parse_fixture(struct fx *f, const char *name, enum sk_diag_kind kind, uint8_t proto)
{
	size_t len;
	void *buf = load_fixture(name, &len);

	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(buf, len, kind, proto, &f->sink), 1);
	free(buf);
	assert_int_equal(f->stats.rejected, 0);
	assert_int_equal(f->stats.sockets, f->socks.n);
	for (size_t i = 0; i < f->socks.n; i++) {
		const struct sk_socket *s = &f->socks.v[i];

		assert_int_equal(s->netns, TEST_NETNS);
		assert_int_equal(s->likely_owner, SK_NONE);
		assert_int_equal(s->owner_kind, SK_OWNER_NONE);
		assert_int_equal(s->owners_count, 0);
		assert_false(s->flags & (SK_SOCK_ORPHAN | SK_SOCK_UNDUMPED));
		assert_int_not_equal(s->cookie, 0);
	}
}

static void assert_addr4(const struct sk_endpoint *ep, const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	assert_memory_equal(ep->addr, &a, 4);
}

static void test_fixture_tcp4(void **state)
{
	struct fx *f = *state;
	const struct sk_socket *s;

	parse_fixture(f, "tcp4.bin", SK_DIAG_INET, IPPROTO_TCP);
	assert_int_equal(f->socks.n, 14);
	assert_int_equal(count_state(f, SK_TCP_LISTEN), 4);
	assert_int_equal(count_state(f, SK_TCP_ESTABLISHED), 6);

	for (size_t i = 0; i < f->socks.n; i++) {
		s = &f->socks.v[i];
		assert_int_equal(s->proto, SK_PROTO_TCP);
		assert_int_equal(s->family, AF_INET);
		assert_int_equal(s->sockname, SK_SN_TCP);
		assert_addr4(&s->local, "127.0.0.1");
	}

	/* A listener: every extension asked for came back. */
	s = find_inet(f, SK_TCP_LISTEN, 5000, 0);
	assert_non_null(s);
	assert_int_not_equal(s->inode, 0);
	assert_int_equal(s->send_q, 16); /* the backlog */
	assert_true(s->flags & SK_SOCK_HAS_MEM);
	assert_int_equal(s->mem.rcvbuf, 131072);
	assert_true(s->flags & SK_SOCK_HAS_TCPINFO);
	assert_true(s->tcp.tcpinfo_len >= 232); /* 6.18 sends 280 */
	assert_true(s->flags & SK_SOCK_HAS_CGROUP);
	assert_int_not_equal(s->cgroup_id, 0);
	assert_true(s->flags & SK_SOCK_HAS_SHUTDOWN);
	assert_true(s->flags & SK_SOCK_HAS_UID);
	assert_false(s->flags & SK_SOCK_V6ONLY);

	/* 50000 bytes nobody reads: Recv-Q, rmem and tcp_info agree. */
	s = find_inet(f, SK_TCP_ESTABLISHED, 5000, -1);
	assert_non_null(s);
	assert_int_equal(s->recv_q, 50000);
	assert_true(s->mem.rmem_alloc >= 50000);
	assert_int_equal(s->tcp.bytes_received, 50000);
	assert_int_not_equal(s->tcp.rcv_wnd, 0);  /* a 6.x field */
	assert_int_not_equal(s->tcp.snd_wnd, 0);
	assert_int_not_equal(s->tcp.rcv_mss, 0);
	assert_int_not_equal(s->tcp.rto_us, 0);
	assert_int_equal(s->tcp.snd_wscale, 10);
	assert_int_equal(s->tcp.rcv_wscale, 10);
	/* ... and the sender's side of it. */
	s = find_inet(f, SK_TCP_ESTABLISHED, s->peer.port, 5000);
	assert_non_null(s);
	assert_int_equal(s->tcp.bytes_sent, 50000);
	assert_int_not_equal(s->inode, 0);

	/* The peer closed: CLOSE_WAIT, receive side shut. Its peer is an
	 * orphan in FIN_WAIT2, a timewait mini-socket with no attributes. */
	s = find_inet(f, SK_TCP_CLOSE_WAIT, 5001, -1);
	assert_non_null(s);
	assert_int_equal(s->shutdown & 1, 1);
	assert_int_not_equal(s->inode, 0);
	s = find_inet(f, SK_TCP_FIN_WAIT2, s->peer.port, 5001);
	assert_non_null(s);
	assert_int_equal(s->inode, 0);
	assert_int_equal(s->flags & (SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO | SK_SOCK_HAS_UID), 0);

	s = NULL;
	for (size_t i = 0; i < f->socks.n; i++)
		if (f->socks.v[i].state == SK_TCP_TIME_WAIT)
			s = &f->socks.v[i];
	assert_non_null(s);
	assert_int_equal(s->peer.port, 5002);
	assert_int_equal(s->inode, 0);
	assert_int_equal(s->timer, SK_TIMER_TIMEWAIT);
	assert_true(s->timer_ms > 50000 && s->timer_ms <= 60000);
	assert_int_equal(s->flags & (SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO | SK_SOCK_HAS_UID), 0);

	/* Bound, never listened: reported as CLOSE because we asked for bit 13. */
	s = find_inet(f, SK_TCP_CLOSE, 5003, 0);
	assert_non_null(s);
	assert_int_not_equal(s->inode, 0);

	/* Two connections in the accept queue: Recv-Q 2 of a backlog of 8, and
	 * two ESTABLISHED children with no inode yet. */
	s = find_inet(f, SK_TCP_LISTEN, 5004, 0);
	assert_non_null(s);
	assert_int_equal(s->recv_q, 2);
	assert_int_equal(s->send_q, 8);
	size_t children = 0;
	for (size_t i = 0; i < f->socks.n; i++) {
		s = &f->socks.v[i];
		if (s->state == SK_TCP_ESTABLISHED && s->local.port == 5004) {
			assert_int_equal(s->inode, 0);
			children++;
		}
	}
	assert_int_equal(children, 2);
}

static void test_fixture_tcp4_noext(void **state)
{
	struct fx *f = *state;

	/* Same sockets, no extensions asked for: none must appear. */
	parse_fixture(f, "tcp4-noext.bin", SK_DIAG_INET, IPPROTO_TCP);
	assert_int_equal(f->socks.n, 14);
	for (size_t i = 0; i < f->socks.n; i++) {
		assert_false(f->socks.v[i].flags & (SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO));
		assert_int_equal(f->socks.v[i].tcp.tcpinfo_len, 0);
	}
	assert_non_null(find_inet(f, SK_TCP_ESTABLISHED, 5000, -1));
	assert_int_equal(find_inet(f, SK_TCP_ESTABLISHED, 5000, -1)->recv_q, 50000);
	assert_true(find_inet(f, SK_TCP_LISTEN, 5000, 0)->flags & SK_SOCK_HAS_CGROUP);
}

static void test_fixture_tcp6(void **state)
{
	struct fx *f = *state;
	const struct sk_socket *s;
	struct in6_addr lo6 = IN6ADDR_LOOPBACK_INIT, any6 = IN6ADDR_ANY_INIT;

	parse_fixture(f, "tcp6.bin", SK_DIAG_INET, IPPROTO_TCP);
	assert_int_equal(f->socks.n, 4);
	s = find_inet(f, SK_TCP_LISTEN, 6000, 0);
	assert_non_null(s);
	assert_int_equal(s->family, AF_INET6);
	assert_int_equal(s->sockname, SK_SN_TCPV6);
	assert_memory_equal(s->local.addr, &lo6, 16);
	assert_true(s->flags & SK_SOCK_V6ONLY);
	s = find_inet(f, SK_TCP_LISTEN, 6001, 0);
	assert_non_null(s);
	assert_memory_equal(s->local.addr, &any6, 16);
	assert_false(s->flags & SK_SOCK_V6ONLY);
	for (size_t i = 0; i < f->socks.n; i++) {
		s = &f->socks.v[i];
		if (s->state == SK_TCP_ESTABLISHED && s->peer.port == 6000) {
			assert_int_equal(s->recv_q, 1000);
			assert_memory_equal(s->peer.addr, &lo6, 16);
			assert_true(s->flags & SK_SOCK_HAS_TCPINFO);
			return;
		}
	}
	fail_msg("no ESTABLISHED row towards [::1]:6000");
}

static void test_fixture_udp(void **state)
{
	struct fx *f = *state;
	const struct sk_socket *s;

	parse_fixture(f, "udp4.bin", SK_DIAG_INET, IPPROTO_UDP);
	assert_int_equal(f->socks.n, 2);
	s = find_inet(f, SK_TCP_CLOSE, 7000, 0);
	assert_non_null(s);
	assert_int_equal(s->proto, SK_PROTO_UDP);
	assert_int_equal(s->sockname, SK_SN_UDP);
	assert_true(s->recv_q >= 300); /* one 300-byte datagram, counted with overhead */
	assert_true(s->flags & SK_SOCK_HAS_MEM);
	assert_int_equal(s->mem.rmem_alloc, s->recv_q);
	assert_false(s->flags & SK_SOCK_HAS_TCPINFO);
	s = find_inet(f, SK_TCP_ESTABLISHED, 7001, 7000);
	assert_non_null(s);
	assert_addr4(&s->peer, "127.0.0.1");

	parse_fixture(f, "udp6.bin", SK_DIAG_INET, IPPROTO_UDP);
	assert_int_equal(f->socks.n, 2);
	s = find_inet(f, SK_TCP_CLOSE, 7002, 0);
	assert_non_null(s);
	assert_int_equal(s->sockname, SK_SN_UDPV6);
	assert_true(s->flags & SK_SOCK_V6ONLY); /* net.ipv6.bindv6only is 0, but ::1 is v6 only */
	s = find_inet(f, SK_TCP_CLOSE, 7003, 0);
	assert_non_null(s);
	assert_false(s->flags & SK_SOCK_V6ONLY);
}

static void test_fixture_unix(void **state)
{
	struct fx *f = *state;
	const struct sk_socket *s, *peer;
	const char *path = "/tmp/sktop-diag-fixture/s\\x1bock"; /* ESC, escaped */

	parse_fixture(f, "unix.bin", SK_DIAG_UNIX, 0);
	assert_int_equal(f->socks.n, 7);
	for (size_t i = 0; i < f->socks.n; i++) {
		s = &f->socks.v[i];
		assert_int_equal(s->proto, SK_PROTO_UNIX);
		assert_int_equal(s->family, AF_UNIX);
		assert_int_equal(s->sockname, SK_SN_UNIX);
		assert_true(s->flags & SK_SOCK_HAS_MEM);
		assert_true(s->flags & SK_SOCK_HAS_UID);
		assert_int_not_equal(s->inode, 0);
	}

	s = find_path(f, path, SK_TCP_LISTEN);
	assert_non_null(s);
	assert_int_equal(s->sock_type, SOCK_STREAM);
	assert_int_equal(s->recv_q, 1); /* one connection not accepted */
	assert_int_equal(s->send_q, 8);

	s = find_path(f, path, SK_TCP_ESTABLISHED); /* the accepted end */
	assert_non_null(s);
	assert_int_equal(s->recv_q, 5000);
	peer = find_inode(f, s->unix_peer);
	assert_non_null(peer);
	assert_int_equal(peer->unix_peer, s->inode);
	assert_int_equal(peer->path, 0);

	s = find_path(f, "@sktop-fixture-dgram", SK_TCP_CLOSE);
	assert_non_null(s);
	assert_int_equal(s->sock_type, SOCK_DGRAM);

	size_t seq = 0;
	for (size_t i = 0; i < f->socks.n; i++) {
		s = &f->socks.v[i];
		if (s->sock_type != SOCK_SEQPACKET)
			continue;
		seq++;
		peer = find_inode(f, s->unix_peer);
		assert_non_null(peer);
		assert_int_equal(peer->sock_type, SOCK_SEQPACKET);
	}
	assert_int_equal(seq, 2);
}

/* Every prefix and many corrupted copies of every fixture: nothing may read
 * outside the buffer (ASan) or loop, and every row stays well-formed. */
static void test_fixture_mutations(void **state)
{
	static const struct {
		const char *name;
		enum sk_diag_kind kind;
		uint8_t proto;
	} files[] = {
		{"tcp4.bin", SK_DIAG_INET, IPPROTO_TCP}, {"tcp6.bin", SK_DIAG_INET, IPPROTO_TCP},
		{"udp4.bin", SK_DIAG_INET, IPPROTO_UDP}, {"unix.bin", SK_DIAG_UNIX, 0},
	};
	struct fx *f = *state;
	uint32_t rnd = 12345;

	for (size_t k = 0; k < sizeof(files) / sizeof(files[0]); k++) {
		size_t len;
		unsigned char *orig = load_fixture(files[k].name, &len);
		unsigned char *buf = malloc(len);

		assert_non_null(buf);
		for (size_t cut = 0; cut <= len; cut++) {
			memcpy(buf, orig, cut);
			fx_reset(f);
			int rc = sk_diag_parse_buffer(cut ? buf : NULL, cut, files[k].kind,
						      files[k].proto, &f->sink);
			assert_true(rc == 0 || rc == 1);
			assert_true(rc == 0 || cut >= len - 20);
		}
		for (int it = 0; it < 3000; it++) {
			memcpy(buf, orig, len);
			for (int m = 0; m < 1 + it % 4; m++) {
				rnd = rnd * 1103515245u + 12345u;
				buf[(rnd >> 8) % len] ^= (unsigned char)(1u << ((rnd >> 4) & 7));
			}
			fx_reset(f);
			(void)sk_diag_parse_buffer(buf, len, files[k].kind, files[k].proto, &f->sink);
			assert_true(f->socks.n == f->stats.sockets);
			for (size_t i = 0; i < f->socks.n; i++)
				assert_true(f->socks.v[i].path < f->strs.len || f->socks.v[i].path == 0);
		}
		free(buf);
		free(orig);
	}
}

/* --- hand-built messages -------------------------------------------------------- */

struct nlb {
	_Alignas(8) unsigned char b[8192];
	size_t len;
	size_t msg; /* start of the open message */
};

static void nlb_pad(struct nlb *n)
{
	while (n->len % 4)
		n->b[n->len++] = 0;
}

static void nlb_put(struct nlb *n, const void *data, size_t len)
{
	assert_true(n->len + len + 4 <= sizeof(n->b));
	memcpy(n->b + n->len, data, len);
	n->len += len;
	nlb_pad(n);
}

static void nlb_begin(struct nlb *n, uint16_t type, uint16_t flags)
{
	struct nlmsghdr h = {.nlmsg_type = type, .nlmsg_flags = flags, .nlmsg_seq = 7};

	nlb_pad(n);
	n->msg = n->len;
	nlb_put(n, &h, sizeof(h));
}

static void nlb_end(struct nlb *n)
{
	uint32_t len = (uint32_t)(n->len - n->msg);

	memcpy(n->b + n->msg, &len, sizeof(len));
}

static void nlb_attr(struct nlb *n, uint16_t type, const void *data, size_t len)
{
	struct nlattr a = {.nla_len = (uint16_t)(sizeof(a) + len), .nla_type = type};

	nlb_put(n, &a, sizeof(a));
	if (len) {
		memcpy(n->b + n->len, data, len);
		n->len += len;
		nlb_pad(n);
	}
}

static void nlb_u8(struct nlb *n, uint16_t type, uint8_t v)
{
	nlb_attr(n, type, &v, 1);
}

static void nlb_done(struct nlb *n)
{
	int zero = 0;

	nlb_begin(n, NLMSG_DONE, NLM_F_MULTI);
	nlb_put(n, &zero, sizeof(zero));
	nlb_end(n);
}

static void nlb_error(struct nlb *n, int err)
{
	struct nlmsgerr e;

	memset(&e, 0, sizeof(e));
	e.error = err;
	nlb_begin(n, NLMSG_ERROR, 0);
	nlb_put(n, &e, sizeof(e));
	nlb_end(n);
}

/* An inet message for 10.0.0.1:1234 -> 10.0.0.2:80, inode `ino`, attributes
 * to follow, message left open. */
static void nlb_inet(struct nlb *n, uint16_t flags, uint32_t ino)
{
	struct inet_diag_msg r;

	memset(&r, 0, sizeof(r));
	r.idiag_family = AF_INET;
	r.idiag_state = SK_TCP_ESTABLISHED;
	r.idiag_timer = SK_TIMER_ON;
	r.idiag_retrans = 3;
	r.id.idiag_sport = htons(1234);
	r.id.idiag_dport = htons(80);
	r.id.idiag_src[0] = htonl(0x0a000001);
	r.id.idiag_dst[0] = htonl(0x0a000002);
	r.id.idiag_if = 2;
	r.id.idiag_cookie[0] = 0x11223344;
	r.id.idiag_cookie[1] = 0x55667788;
	r.idiag_expires = 200;
	r.idiag_rqueue = 11;
	r.idiag_wqueue = 22;
	r.idiag_uid = 1000;
	r.idiag_inode = ino;
	nlb_begin(n, SOCK_DIAG_BY_FAMILY, flags | NLM_F_MULTI);
	nlb_put(n, &r, sizeof(r));
}

static void nlb_inet_msg(struct nlb *n, uint32_t ino)
{
	nlb_inet(n, 0, ino);
	nlb_u8(n, INET_DIAG_SHUTDOWN, 0);
	nlb_end(n);
}

static void nlb_unix(struct nlb *n, uint32_t ino)
{
	struct unix_diag_msg r;

	memset(&r, 0, sizeof(r));
	r.udiag_family = AF_UNIX;
	r.udiag_type = SOCK_STREAM;
	r.udiag_state = SK_TCP_LISTEN;
	r.udiag_ino = ino;
	r.udiag_cookie[0] = 1;
	nlb_begin(n, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI);
	nlb_put(n, &r, sizeof(r));
}

/* Builders for the table: each fills n, may shorten what is parsed. */
typedef void (*build_fn)(struct nlb *n);

static void b_valid(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	nlb_done(n);
}

static void b_truncated(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	nlb_inet_msg(n, 101);
	n->len -= 30; /* the receive stopped inside the second message */
}

static void b_len_past_buffer(struct nlb *n)
{
	uint32_t big = 5000;

	nlb_inet_msg(n, 100);
	memcpy(n->b, &big, sizeof(big));
	nlb_done(n);
}

static void b_len_below_header(struct nlb *n)
{
	uint32_t small = 8;

	nlb_inet_msg(n, 100);
	memcpy(n->b, &small, sizeof(small));
	nlb_done(n);
}

static void b_len_zero(struct nlb *n)
{
	uint32_t zero = 0;

	nlb_inet_msg(n, 100);
	memcpy(n->b, &zero, sizeof(zero));
	nlb_done(n);
}

static void b_short_payload(struct nlb *n)
{
	char junk[20] = {AF_INET};

	nlb_begin(n, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI);
	nlb_put(n, junk, sizeof(junk));
	nlb_end(n);
	nlb_inet_msg(n, 101);
	nlb_done(n);
}

static void b_attr_zero_len(struct nlb *n)
{
	struct nlattr a = {.nla_len = 0, .nla_type = INET_DIAG_SHUTDOWN};

	nlb_inet(n, 0, 100);
	nlb_put(n, &a, sizeof(a));
	nlb_end(n);
	nlb_inet_msg(n, 101);
	nlb_done(n);
}

static void b_attr_past_msg(struct nlb *n)
{
	struct nlattr a = {.nla_len = 200, .nla_type = INET_DIAG_INFO};
	char pad[8] = {0};

	nlb_inet(n, 0, 100);
	nlb_put(n, &a, sizeof(a));
	nlb_put(n, pad, sizeof(pad));
	nlb_end(n);
	nlb_inet_msg(n, 101);
	nlb_done(n);
}

static void b_attr_bad_size(struct nlb *n)
{
	uint32_t four = 1;

	nlb_inet(n, 0, 100);
	nlb_attr(n, INET_DIAG_SHUTDOWN, &four, sizeof(four)); /* a u8, sent as 4 bytes */
	nlb_end(n);
	nlb_inet_msg(n, 101);
	nlb_done(n);
}

static void b_attr_garbage_tail(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	/* Two bytes after the last attribute, inside nlmsg_len. */
	n->b[n->len] = 0x01;
	n->b[n->len + 1] = 0x02;
	n->len += 2;
	nlb_end(n);
	nlb_pad(n);
	nlb_inet_msg(n, 101);
	nlb_done(n);
}

static void b_unknown_attr(struct nlb *n)
{
	char data[12] = "future";

	nlb_inet(n, 0, 100);
	nlb_attr(n, 200, data, sizeof(data));
	nlb_attr(n, INET_DIAG_PAD, NULL, 0);
	nlb_u8(n, INET_DIAG_SHUTDOWN, 2);
	nlb_end(n);
	nlb_done(n);
}

static void b_error_enoent(struct nlb *n)
{
	nlb_error(n, -ENOENT);
}

static void b_error_garbled(struct nlb *n)
{
	nlb_error(n, 12345);
}

static void b_error_short(struct nlb *n)
{
	nlb_begin(n, NLMSG_ERROR, 0);
	nlb_end(n);
}

static void b_ack_then_rows(struct nlb *n)
{
	nlb_error(n, 0);
	nlb_inet_msg(n, 100);
	nlb_done(n);
}

static void b_dump_intr(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	nlb_inet(n, NLM_F_DUMP_INTR, 101);
	nlb_end(n);
}

static void b_dump_intr_done(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	nlb_begin(n, NLMSG_DONE, NLM_F_MULTI | NLM_F_DUMP_INTR);
	nlb_put(n, &(int){0}, sizeof(int));
	nlb_end(n);
}

static void b_done_mid(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	nlb_done(n);
	nlb_inet_msg(n, 101);
}

static void b_done_errno(struct nlb *n)
{
	int e = -EMSGSIZE;

	nlb_inet_msg(n, 100);
	nlb_begin(n, NLMSG_DONE, NLM_F_MULTI);
	nlb_put(n, &e, sizeof(e));
	nlb_end(n);
}

static void b_overrun(struct nlb *n)
{
	nlb_begin(n, NLMSG_OVERRUN, 0);
	nlb_end(n);
}

static void b_noop_and_unknown_type(struct nlb *n)
{
	nlb_begin(n, NLMSG_NOOP, 0);
	nlb_end(n);
	nlb_begin(n, 99, 0);
	nlb_put(n, "xxxx", 4);
	nlb_end(n);
	nlb_inet_msg(n, 100);
	nlb_done(n);
}

static void b_bad_family(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	n->b[sizeof(struct nlmsghdr)] = AF_PACKET;
	nlb_inet_msg(n, 101);
	nlb_done(n);
}

static void b_trailing_bytes(struct nlb *n)
{
	nlb_inet_msg(n, 100);
	memset(n->b + n->len, 0, 8);
	n->len += 8;
}

static void b_other_protocol(struct nlb *n)
{
	nlb_inet(n, 0, 100);
	nlb_u8(n, INET_DIAG_PROTOCOL, 136); /* UDP-Lite */
	nlb_end(n);
	nlb_done(n);
}

static void b_empty(struct nlb *n)
{
	(void)n;
}

static void b_unix_short(struct nlb *n)
{
	nlb_begin(n, SOCK_DIAG_BY_FAMILY, NLM_F_MULTI);
	nlb_put(n, "\x01\x01", 2);
	nlb_end(n);
	nlb_unix(n, 5);
	nlb_end(n);
	nlb_done(n);
}

static void b_unix_name_too_long(struct nlb *n)
{
	char name[109];

	memset(name, 'a', sizeof(name));
	name[0] = '/';
	nlb_unix(n, 5);
	nlb_attr(n, UNIX_DIAG_NAME, name, sizeof(name));
	nlb_end(n);
	nlb_done(n);
}

static void b_unix_bad_rqlen(struct nlb *n)
{
	uint32_t q = 5;

	nlb_unix(n, 5);
	nlb_attr(n, UNIX_DIAG_RQLEN, &q, sizeof(q));
	nlb_end(n);
	nlb_unix(n, 6);
	nlb_end(n);
	nlb_done(n);
}

struct parse_case {
	const char *name;
	build_fn build;
	enum sk_diag_kind kind;
	int rc;
	uint32_t rows, rejected;
};

static const struct parse_case parse_cases[] = {
	{"valid", b_valid, SK_DIAG_INET, 1, 1, 0},
	{"truncated mid-message", b_truncated, SK_DIAG_INET, 0, 1, 1},
	{"nlmsg_len past the buffer", b_len_past_buffer, SK_DIAG_INET, 0, 0, 1},
	{"nlmsg_len below the header", b_len_below_header, SK_DIAG_INET, 0, 0, 1},
	{"nlmsg_len zero", b_len_zero, SK_DIAG_INET, 0, 0, 1},
	{"payload shorter than inet_diag_msg", b_short_payload, SK_DIAG_INET, 1, 1, 1},
	{"zero-length attribute", b_attr_zero_len, SK_DIAG_INET, 1, 1, 1},
	{"attribute past the message", b_attr_past_msg, SK_DIAG_INET, 1, 1, 1},
	{"known attribute, wrong size", b_attr_bad_size, SK_DIAG_INET, 1, 1, 1},
	{"bytes after the last attribute", b_attr_garbage_tail, SK_DIAG_INET, 1, 1, 1},
	{"unknown attribute type", b_unknown_attr, SK_DIAG_INET, 1, 1, 0},
	{"NLMSG_ERROR -ENOENT", b_error_enoent, SK_DIAG_INET, -ENOENT, 0, 0},
	{"NLMSG_ERROR not an errno", b_error_garbled, SK_DIAG_INET, -EPROTO, 0, 0},
	{"NLMSG_ERROR without a code", b_error_short, SK_DIAG_INET, -EPROTO, 0, 1},
	{"ack, then rows", b_ack_then_rows, SK_DIAG_INET, 1, 1, 0},
	{"NLM_F_DUMP_INTR", b_dump_intr, SK_DIAG_INET, -EINTR, 2, 0},
	{"NLM_F_DUMP_INTR on DONE", b_dump_intr_done, SK_DIAG_INET, -EINTR, 1, 0},
	{"NLMSG_DONE mid-buffer", b_done_mid, SK_DIAG_INET, 1, 1, 0},
	{"NLMSG_DONE with an errno", b_done_errno, SK_DIAG_INET, -EMSGSIZE, 1, 0},
	{"NLMSG_OVERRUN", b_overrun, SK_DIAG_INET, -ENOBUFS, 0, 0},
	{"NOOP and unknown type", b_noop_and_unknown_type, SK_DIAG_INET, 1, 1, 1},
	{"not AF_INET/AF_INET6", b_bad_family, SK_DIAG_INET, 1, 1, 1},
	{"trailing bytes", b_trailing_bytes, SK_DIAG_INET, 0, 1, 1},
	{"protocol we do not model", b_other_protocol, SK_DIAG_INET, 1, 0, 0},
	{"empty buffer", b_empty, SK_DIAG_INET, 0, 0, 0},
	{"unix: payload shorter than unix_diag_msg", b_unix_short, SK_DIAG_UNIX, 1, 1, 1},
	{"unix: name longer than sun_path", b_unix_name_too_long, SK_DIAG_UNIX, 1, 0, 1},
	{"unix: RQLEN of the wrong size", b_unix_bad_rqlen, SK_DIAG_UNIX, 1, 1, 1},
};

static void test_parse_table(void **state)
{
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]); i++) {
		const struct parse_case *c = &parse_cases[i];
		struct nlb *n = calloc(1, sizeof(*n));
		int rc;

		assert_non_null(n);
		c->build(n);
		fx_reset(f);
		rc = sk_diag_parse_buffer(n->b, n->len, c->kind, IPPROTO_TCP, &f->sink);
		if (rc != c->rc || f->socks.n != c->rows || f->stats.rejected != c->rejected)
			fail_msg("%s: rc %d rows %zu rejected %u, want rc %d rows %u rejected %u",
				 c->name, rc, f->socks.n, f->stats.rejected, c->rc, c->rows,
				 c->rejected);
		assert_int_equal(f->stats.sockets, f->socks.n);
		free(n);
	}
}

static void test_parse_inet_fields(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n));
	const struct sk_socket *s;
	uint64_t cg = 0x0102030405060708ull;

	assert_non_null(n);
	nlb_inet(n, 0, 4242);
	nlb_u8(n, INET_DIAG_SHUTDOWN, 3);
	nlb_attr(n, INET_DIAG_CGROUP_ID, &cg, sizeof(cg));
	nlb_end(n);
	nlb_done(n);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b, n->len, SK_DIAG_INET, IPPROTO_TCP, &f->sink), 1);
	assert_int_equal(f->socks.n, 1);
	s = &f->socks.v[0];
	assert_int_equal(s->proto, SK_PROTO_TCP);
	assert_int_equal(s->sockname, SK_SN_TCP);
	assert_addr4(&s->local, "10.0.0.1");
	assert_addr4(&s->peer, "10.0.0.2");
	assert_int_equal(s->local.port, 1234);
	assert_int_equal(s->peer.port, 80);
	assert_int_equal(s->state, SK_TCP_ESTABLISHED);
	assert_int_equal(s->timer, SK_TIMER_ON);
	assert_int_equal(s->retrans, 3);
	assert_int_equal(s->timer_ms, 200);
	assert_int_equal(s->recv_q, 11);
	assert_int_equal(s->send_q, 22);
	assert_int_equal(s->uid, 1000);
	assert_int_equal(s->inode, 4242);
	assert_int_equal(s->ifindex, 2);
	assert_int_equal(s->cookie, 0x5566778811223344ull);
	assert_int_equal(s->shutdown, 3);
	assert_int_equal(s->cgroup_id, cg);
	assert_int_equal(s->flags, SK_SOCK_HAS_UID | SK_SOCK_HAS_SHUTDOWN | SK_SOCK_HAS_CGROUP);
	assert_int_equal(s->netns, TEST_NETNS);
	assert_int_equal(s->likely_owner, SK_NONE);
	free(n);
}

/* INET_DIAG_PROTOCOL wins over the protocol the dump was asked for. */
static void test_parse_protocol_attr(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n));
	struct in6_addr a6;

	assert_non_null(n);
	nlb_inet(n, 0, 1);
	nlb_u8(n, INET_DIAG_PROTOCOL, IPPROTO_UDP);
	nlb_end(n);
	/* An IPv6 row: all 16 address bytes. */
	inet_pton(AF_INET6, "2001:db8::1", &a6);
	nlb_inet(n, 0, 2);
	n->b[n->msg + sizeof(struct nlmsghdr)] = AF_INET6;
	memcpy(n->b + n->msg + sizeof(struct nlmsghdr) + offsetof(struct inet_diag_msg, id.idiag_src),
	       &a6, 16);
	nlb_u8(n, INET_DIAG_SKV6ONLY, 1);
	nlb_end(n);
	nlb_done(n);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b, n->len, SK_DIAG_INET, IPPROTO_TCP, &f->sink), 1);
	assert_int_equal(f->socks.n, 2);
	assert_int_equal(f->socks.v[0].proto, SK_PROTO_UDP);
	assert_int_equal(f->socks.v[0].sockname, SK_SN_UDP);
	assert_int_equal(f->socks.v[1].proto, SK_PROTO_TCP);
	assert_int_equal(f->socks.v[1].sockname, SK_SN_TCPV6);
	assert_int_equal(f->socks.v[1].family, AF_INET6);
	assert_memory_equal(f->socks.v[1].local.addr, &a6, 16);
	assert_true(f->socks.v[1].flags & SK_SOCK_V6ONLY);
	free(n);
}

static void put32(unsigned char *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

static void put64(unsigned char *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, sizeof(v));
}

/* tcp_info is read by offset, the kernel's: check them against the
 * installed header for the fields it has, then every field we map. */
static void test_parse_tcpinfo_layout(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n));
	unsigned char ti[280];
	const struct sk_tcpinfo *t;

	assert_int_equal(offsetof(struct tcp_info, tcpi_rto), 8);
	assert_int_equal(offsetof(struct tcp_info, tcpi_rtt), 68);
	assert_int_equal(offsetof(struct tcp_info, tcpi_rcv_space), 96);
	assert_int_equal(offsetof(struct tcp_info, tcpi_bytes_acked), 120);
	assert_int_equal(offsetof(struct tcp_info, tcpi_notsent_bytes), 144);
	assert_int_equal(offsetof(struct tcp_info, tcpi_delivered), 192);
	assert_int_equal(offsetof(struct tcp_info, tcpi_bytes_retrans), 208);
	assert_int_equal(offsetof(struct tcp_info, tcpi_snd_wnd), 228);

	memset(ti, 0, sizeof(ti));
	ti[1] = 4;    /* ca_state: loss */
	ti[2] = 5;    /* retransmits */
	ti[3] = 6;    /* probes */
	ti[4] = 7;    /* backoff */
	ti[6] = 0x7a; /* snd_wscale 10, rcv_wscale 7 */
	put32(ti, 8, 201000);   /* rto */
	put32(ti, 12, 40000);   /* ato */
	put32(ti, 16, 1448);    /* snd_mss */
	put32(ti, 20, 536);     /* rcv_mss */
	put32(ti, 24, 9);       /* unacked */
	put32(ti, 28, 1);       /* sacked */
	put32(ti, 32, 2);       /* lost */
	put32(ti, 36, 3);       /* retrans */
	put32(ti, 44, 1001);    /* last_data_sent */
	put32(ti, 52, 1002);    /* last_data_recv */
	put32(ti, 56, 1003);    /* last_ack_recv */
	put32(ti, 68, 250);     /* rtt */
	put32(ti, 72, 125);     /* rttvar */
	put32(ti, 76, 77);      /* snd_ssthresh */
	put32(ti, 80, 10);      /* snd_cwnd */
	put32(ti, 96, 65483);   /* rcv_space */
	put32(ti, 100, 42);     /* total_retrans */
	put64(ti, 120, 111);    /* bytes_acked */
	put64(ti, 128, 222);    /* bytes_received */
	put32(ti, 144, 333);    /* notsent_bytes */
	put32(ti, 192, 444);    /* delivered */
	put64(ti, 200, 555);    /* bytes_sent */
	put64(ti, 208, 666);    /* bytes_retrans */
	put32(ti, 228, 777);    /* snd_wnd */
	put32(ti, 232, 888);    /* rcv_wnd */
	put32(ti, 236, 999);    /* tcpi_rehash: not ours */

	assert_non_null(n);
	nlb_inet(n, 0, 1);
	nlb_attr(n, INET_DIAG_INFO, ti, sizeof(ti));
	nlb_end(n);
	/* Only the first 8 bytes: everything after reads as 0. */
	nlb_inet(n, 0, 2);
	nlb_attr(n, INET_DIAG_INFO, ti, 8);
	nlb_end(n);
	/* A kernel before tcpi_snd_wnd (4.19: 224 bytes). */
	nlb_inet(n, 0, 3);
	nlb_attr(n, INET_DIAG_INFO, ti, 224);
	nlb_end(n);
	/* Too short to be a tcp_info: the message is malformed. */
	nlb_inet(n, 0, 4);
	nlb_attr(n, INET_DIAG_INFO, ti, 4);
	nlb_end(n);
	nlb_done(n);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b, n->len, SK_DIAG_INET, IPPROTO_TCP, &f->sink), 1);
	assert_int_equal(f->socks.n, 3);
	assert_int_equal(f->stats.rejected, 1);

	t = &f->socks.v[0].tcp;
	assert_true(f->socks.v[0].flags & SK_SOCK_HAS_TCPINFO);
	assert_int_equal(t->tcpinfo_len, 280);
	assert_int_equal(t->ca_state, 4);
	assert_int_equal(t->retransmits, 5);
	assert_int_equal(t->probes, 6);
	assert_int_equal(t->backoff, 7);
	assert_int_equal(t->snd_wscale, 10);
	assert_int_equal(t->rcv_wscale, 7);
	assert_int_equal(t->rto_us, 201000);
	assert_int_equal(t->ato_us, 40000);
	assert_int_equal(t->snd_mss, 1448);
	assert_int_equal(t->rcv_mss, 536);
	assert_int_equal(t->unacked, 9);
	assert_int_equal(t->sacked, 1);
	assert_int_equal(t->lost, 2);
	assert_int_equal(t->retrans, 3);
	assert_int_equal(t->last_data_sent_ms, 1001);
	assert_int_equal(t->last_data_recv_ms, 1002);
	assert_int_equal(t->last_ack_recv_ms, 1003);
	assert_int_equal(t->rtt_us, 250);
	assert_int_equal(t->rttvar_us, 125);
	assert_int_equal(t->snd_ssthresh, 77);
	assert_int_equal(t->snd_cwnd, 10);
	assert_int_equal(t->rcv_space, 65483);
	assert_int_equal(t->total_retrans, 42);
	assert_int_equal(t->bytes_acked, 111);
	assert_int_equal(t->bytes_received, 222);
	assert_int_equal(t->notsent_bytes, 333);
	assert_int_equal(t->delivered, 444);
	assert_int_equal(t->bytes_sent, 555);
	assert_int_equal(t->bytes_retrans, 666);
	assert_int_equal(t->snd_wnd, 777);
	assert_int_equal(t->rcv_wnd, 888);

	t = &f->socks.v[1].tcp;
	assert_true(f->socks.v[1].flags & SK_SOCK_HAS_TCPINFO);
	assert_int_equal(t->tcpinfo_len, 8);
	assert_int_equal(t->ca_state, 4);
	assert_int_equal(t->snd_wscale, 10);
	assert_int_equal(t->rto_us, 0);
	assert_int_equal(t->bytes_sent, 0);
	assert_int_equal(t->rcv_wnd, 0);

	t = &f->socks.v[2].tcp;
	assert_int_equal(t->tcpinfo_len, 224);
	assert_int_equal(t->bytes_retrans, 666);
	assert_int_equal(t->snd_wnd, 0);
	assert_int_equal(t->rcv_wnd, 0);
	free(n);
}

/* tcp_info on a UDP row (INET_DIAG_PROTOCOL says UDP) is not taken. */
static void test_parse_tcpinfo_udp(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n));
	unsigned char ti[64] = {0, 1};

	assert_non_null(n);
	nlb_inet(n, 0, 1);
	nlb_attr(n, INET_DIAG_INFO, ti, sizeof(ti));
	nlb_end(n);
	nlb_done(n);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b, n->len, SK_DIAG_INET, IPPROTO_UDP, &f->sink), 1);
	assert_int_equal(f->socks.n, 1);
	assert_int_equal(f->socks.v[0].proto, SK_PROTO_UDP);
	assert_false(f->socks.v[0].flags & SK_SOCK_HAS_TCPINFO);
	free(n);
}

static void test_parse_meminfo(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n));
	uint32_t mem[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
	const struct sk_meminfo *m;

	assert_non_null(n);
	nlb_inet(n, 0, 1);
	nlb_attr(n, INET_DIAG_SKMEMINFO, mem, 4 * sizeof(uint32_t)); /* an old kernel */
	nlb_end(n);
	nlb_inet(n, 0, 2);
	nlb_attr(n, INET_DIAG_SKMEMINFO, mem, sizeof(mem)); /* a newer one */
	nlb_end(n);
	nlb_inet(n, 0, 3);
	nlb_attr(n, INET_DIAG_SKMEMINFO, mem, 2); /* not even one field */
	nlb_end(n);
	nlb_done(n);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b, n->len, SK_DIAG_INET, IPPROTO_TCP, &f->sink), 1);
	assert_int_equal(f->socks.n, 2);
	assert_int_equal(f->stats.rejected, 1);

	m = &f->socks.v[0].mem;
	assert_true(f->socks.v[0].flags & SK_SOCK_HAS_MEM);
	assert_int_equal(m->rmem_alloc, 1);
	assert_int_equal(m->rcvbuf, 2);
	assert_int_equal(m->wmem_alloc, 3);
	assert_int_equal(m->sndbuf, 4);
	assert_int_equal(m->fwd_alloc, 0);
	assert_int_equal(m->drops, 0);

	m = &f->socks.v[1].mem;
	assert_int_equal(m->rmem_alloc, 1);
	assert_int_equal(m->wmem_queued, 6);
	assert_int_equal(m->optmem, 7);
	assert_int_equal(m->backlog, 8);
	assert_int_equal(m->drops, 9);
	free(n);
}

static void test_parse_unix_fields(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n));
	struct unix_diag_rqlen q = {.udiag_rqueue = 3, .udiag_wqueue = 128};
	struct unix_diag_vfs vfs = {.udiag_vfs_ino = 9, .udiag_vfs_dev = 1};
	uint32_t peer = 777, uid = 1000, mem[9] = {100, 200};
	static const char path[] = "/run/a\x1b[31mb\\c"; /* includes its NUL */
	static const char abstract[] = "\0sktop\nx";     /* no NUL at the end */
	static const char abstract_nul[] = "\0a\0b";

	assert_non_null(n);
	nlb_unix(n, 10);
	nlb_attr(n, UNIX_DIAG_NAME, path, sizeof(path));
	nlb_attr(n, UNIX_DIAG_VFS, &vfs, sizeof(vfs));
	nlb_attr(n, UNIX_DIAG_PEER, &peer, sizeof(peer));
	nlb_attr(n, UNIX_DIAG_RQLEN, &q, sizeof(q));
	nlb_attr(n, UNIX_DIAG_MEMINFO, mem, sizeof(mem));
	nlb_u8(n, UNIX_DIAG_SHUTDOWN, 2);
	nlb_attr(n, UNIX_DIAG_UID, &uid, sizeof(uid));
	nlb_attr(n, 30, "new", 3); /* unknown: ignored */
	nlb_end(n);
	nlb_unix(n, 11);
	nlb_attr(n, UNIX_DIAG_NAME, abstract, sizeof(abstract) - 1);
	nlb_end(n);
	nlb_unix(n, 12);
	nlb_attr(n, UNIX_DIAG_NAME, abstract_nul, sizeof(abstract_nul) - 1);
	nlb_end(n);
	nlb_unix(n, 13);
	nlb_end(n);
	nlb_done(n);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b, n->len, SK_DIAG_UNIX, 0, &f->sink), 1);
	assert_int_equal(f->socks.n, 4);
	assert_int_equal(f->stats.rejected, 0);

	const struct sk_socket *s = &f->socks.v[0];
	assert_string_equal(sk_strtab_get(&f->strs, s->path), "/run/a\\x1b[31mb\\\\c");
	assert_int_equal(s->proto, SK_PROTO_UNIX);
	assert_int_equal(s->family, AF_UNIX);
	assert_int_equal(s->sockname, SK_SN_UNIX);
	assert_int_equal(s->sock_type, SOCK_STREAM);
	assert_int_equal(s->state, SK_TCP_LISTEN);
	assert_int_equal(s->inode, 10);
	assert_int_equal(s->cookie, 1);
	assert_int_equal(s->unix_peer, 777);
	assert_int_equal(s->recv_q, 3);
	assert_int_equal(s->send_q, 128);
	assert_int_equal(s->mem.rmem_alloc, 100);
	assert_int_equal(s->mem.rcvbuf, 200);
	assert_int_equal(s->shutdown, 2);
	assert_int_equal(s->uid, 1000);
	assert_int_equal(s->flags, SK_SOCK_HAS_MEM | SK_SOCK_HAS_SHUTDOWN | SK_SOCK_HAS_UID);
	assert_int_equal(s->netns, TEST_NETNS);

	assert_string_equal(sk_strtab_get(&f->strs, f->socks.v[1].path), "@sktop\\x0ax");
	assert_string_equal(sk_strtab_get(&f->strs, f->socks.v[2].path), "@a\\x00b");
	assert_int_equal(f->socks.v[3].path, 0);
	assert_int_equal(f->socks.v[3].flags, 0);
	free(n);
}

/* A netlink buffer is 4-byte aligned; anything else is a caller's bug that
 * must not turn into unaligned reads. */
static void test_parse_unaligned(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n) + 1);

	assert_non_null(n);
	b_valid(n);
	memmove(n->b + 1, n->b, n->len);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b + 1, n->len, SK_DIAG_INET, IPPROTO_TCP,
					      &f->sink), -EINVAL);
	assert_int_equal(f->socks.n, 0);
	free(n);
}

/* --- live, in a private network namespace (root) -------------------------------- */

static int live_failures;

#define LIVE_CHECK(cond)                                                              \
	do {                                                                          \
		if (!(cond)) {                                                        \
			fprintf(stderr, "live check failed (line %d): %s\n", __LINE__, #cond); \
			live_failures++;                                              \
		}                                                                     \
	} while (0)

#define LIVE_SKIP 77

static bool kernel_at_least(int major, int minor)
{
	struct utsname u;
	int a = 0, b = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%d.%d", &a, &b) != 2)
		return false;
	return a > major || (a == major && b >= minor);
}

static int lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc = -1;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd); /* before any dump: a UDP socket would show up in it */
	return rc;
}

static uint64_t inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static int tcp_bound(uint16_t port, bool listening)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    (listening && listen(fd, 8) < 0))
		return -1;
	return fd;
}

static int tcp_connect(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	return fd;
}

static const struct sk_socket *live_find(const sk_sockvec *v, uint64_t inode)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].inode == inode)
			return &v->v[i];
	return NULL;
}

static int stop_after_first(const void *buf, size_t len, void *ctx)
{
	(void)buf;
	(void)len;
	++*(int *)ctx;
	return 1;
}

/* Runs in the child, inside its own network namespace. */
static void live_child(void)
{
	sk_sockvec v = {0};
	struct sk_strtab strs;
	struct sk_diag_stats st = {0};
	struct sk_diag_sink sink = {.socks = &v, .strs = &strs, .netns = 1, .stats = &st};
	struct sk_diag_request req = {
		.kind = SK_DIAG_INET, .family = AF_INET, .protocol = IPPROTO_TCP,
		.states = (1u << SK_TCP_STATE_LAST) - 1, .ext_meminfo = true, .ext_tcpinfo = true,
	};
	struct sk_diag_conn *conn;
	struct sk_error err;
	const struct sk_socket *s;
	int lfd, cfd, afd, bfd, rc;
	enum { NUDP = 600 };
	static int udp[NUDP];

	sk_strtab_init(&strs);
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	if (lo_up() < 0) {
		fprintf(stderr, "cannot bring lo up: %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	lfd = tcp_bound(4000, true);
	cfd = tcp_connect(4000);
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	bfd = tcp_bound(4001, false);
	if (lfd < 0 || cfd < 0 || afd < 0 || bfd < 0) {
		fprintf(stderr, "socket setup: %s\n", strerror(errno));
		_exit(1);
	}
	if (sk_diag_open(&conn, &err) < 0) {
		fprintf(stderr, "sk_diag_open: %s\n", err.msg);
		_exit(1);
	}

	/* TCP v4, every state and bit 13. */
	rc = sk_diag_dump(conn, &req, &sink, &err);
	LIVE_CHECK(rc == 0);
	LIVE_CHECK(st.sockets == v.n && st.retries == 0 && st.rejected == 0);
	s = live_find(&v, inode_of(lfd));
	LIVE_CHECK(s && s->state == SK_TCP_LISTEN && s->local.port == 4000);
	LIVE_CHECK(s && (s->flags & SK_SOCK_HAS_MEM) && (s->flags & SK_SOCK_HAS_TCPINFO));
	s = live_find(&v, inode_of(cfd));
	LIVE_CHECK(s && s->state == SK_TCP_ESTABLISHED && s->peer.port == 4000);
	LIVE_CHECK(s && s->tcp.tcpinfo_len > 0 && s->tcp.snd_mss > 0);
	s = live_find(&v, inode_of(afd));
	LIVE_CHECK(s && s->state == SK_TCP_ESTABLISHED && s->local.port == 4000);
	s = live_find(&v, inode_of(bfd));
	if (kernel_at_least(6, 8))
		LIVE_CHECK(s && s->state == SK_TCP_CLOSE && s->local.port == 4001);
	LIVE_CHECK(v.n == (s ? 4u : 3u));

	/* Without bit 13 the bound socket is not reported, and without the
	 * extension bits no extension comes back. */
	v.n = 0;
	req.states &= ~(1u << SK_TCP_BOUND_INACTIVE);
	req.ext_meminfo = req.ext_tcpinfo = false;
	rc = sk_diag_dump(conn, &req, &sink, &err);
	LIVE_CHECK(rc == 0 && v.n == 3);
	LIVE_CHECK(live_find(&v, inode_of(bfd)) == NULL);
	for (size_t i = 0; i < v.n; i++)
		LIVE_CHECK(!(v.v[i].flags & (SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO)));

	/* Both families in one walk: the v4 rows above plus a v6 listener,
	 * each with its own family, class and extensions, and nothing twice. */
	{
		struct sockaddr_in6 sa6 = {.sin6_family = AF_INET6, .sin6_port = htons(4002),
					   .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		int l6 = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
		struct sk_diag_request both = req;

		if (l6 < 0 || bind(l6, (struct sockaddr *)&sa6, sizeof(sa6)) < 0 || listen(l6, 4) < 0) {
			fprintf(stderr, "v6 listener: %s\n", strerror(errno));
			_exit(1);
		}
		v.n = 0;
		both.family = AF_UNSPEC;
		both.ext_meminfo = true;
		rc = sk_diag_dump(conn, &both, &sink, &err);
		if (rc)
			fprintf(stderr, "both-families dump: %s\n", err.msg);
		LIVE_CHECK(rc == 0 && v.n == 4);
		s = live_find(&v, inode_of(l6));
		LIVE_CHECK(s && s->family == AF_INET6 && s->sockname == SK_SN_TCPV6 &&
			   s->state == SK_TCP_LISTEN && s->local.port == 4002 &&
			   (s->flags & SK_SOCK_HAS_MEM));
		s = live_find(&v, inode_of(cfd));
		LIVE_CHECK(s && s->family == AF_INET && s->sockname == SK_SN_TCP &&
			   s->state == SK_TCP_ESTABLISHED && !(s->flags & SK_SOCK_HAS_TCPINFO));
		LIVE_CHECK(live_find(&v, inode_of(lfd)) && live_find(&v, inode_of(afd)));
		close(l6);
	}

	/* A protocol no diag handler knows: -ENOENT, counted, nothing added. */
	v.n = 0;
	req.protocol = 200;
	rc = sk_diag_dump(conn, &req, &sink, &err);
	LIVE_CHECK(rc == -ENOENT || rc == -EOPNOTSUPP);
	LIVE_CHECK(st.unsupported == 1 && v.n == 0 && err.msg[0] != '\0');

	/* A dump abandoned after its first datagram must not disturb the
	 * next one on the same socket: 600 UDP sockets span several. */
	for (int i = 0; i < NUDP; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(10000 + i)};

		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		udp[i] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (udp[i] < 0 || bind(udp[i], (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(stderr, "udp socket %d: %s\n", i, strerror(errno));
			_exit(1);
		}
	}
	req.protocol = IPPROTO_UDP;
	req.states = UINT32_MAX;
	req.ext_meminfo = true;
	int seen = 0;
	rc = sk_diag_dump_raw(conn, &req, stop_after_first, &seen, &err);
	LIVE_CHECK(rc == -ECANCELED && seen == 1);
	v.n = 0;
	memset(&st, 0, sizeof(st));
	rc = sk_diag_dump(conn, &req, &sink, &err);
	if (rc)
		fprintf(stderr, "udp dump after an abandoned one: %s\n", err.msg);
	LIVE_CHECK(rc == 0 && v.n == NUDP && st.retries == 0);
	LIVE_CHECK(st.messages > NUDP); /* rows + DONE */
	for (int i = 0; i < NUDP; i++) {
		s = live_find(&v, inode_of(udp[i]));
		LIVE_CHECK(s && s->proto == SK_PROTO_UDP && s->local.port == 10000 + i);
		if (!s)
			break;
	}

	/* AF_UNIX in the same namespace. */
	int sp[2];
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int ufd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	memcpy(sun.sun_path, "\0sktop-live", 11);
	if (ufd < 0 || bind(ufd, (struct sockaddr *)&sun, offsetof(struct sockaddr_un, sun_path) + 11) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) < 0) {
		fprintf(stderr, "unix setup: %s\n", strerror(errno));
		_exit(1);
	}
	struct sk_diag_request ureq = {.kind = SK_DIAG_UNIX, .family = AF_UNIX};
	v.n = 0;
	sk_strtab_reset(&strs);
	rc = sk_diag_dump(conn, &ureq, &sink, &err);
	LIVE_CHECK(rc == 0);
	s = live_find(&v, inode_of(ufd));
	LIVE_CHECK(s && s->sock_type == SOCK_DGRAM &&
		   strcmp(sk_strtab_get(&strs, s->path), "@sktop-live") == 0);
	s = live_find(&v, inode_of(sp[0]));
	LIVE_CHECK(s && s->unix_peer == inode_of(sp[1]) && (s->flags & SK_SOCK_HAS_UID));
	LIVE_CHECK(s && !(s->flags & SK_SOCK_HAS_MEM));

	sk_diag_close(conn);
	free(v.v);
	sk_strtab_free(&strs);
	_exit(live_failures ? 1 : 0);
}

static void test_live_dump(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: the live sock_diag test needs root (unshare -n)\n");
		skip();
	}
	/* Its queues must not meet another build's test_rules lowering tcp_mem. */
	if (machine_lock(false) < 0)
		print_message("no machine lock: another build's test_rules may meet us\n");
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		live_child();
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == LIVE_SKIP) {
		print_message("skipped: cannot make a private network namespace here\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Library code reports bad input with an error, never by crashing. */
static void test_dump_bad_request(void **state)
{
	struct fx *f = *state;
	struct sk_diag_request req = {.kind = 9};
	struct sk_error err;

	sk_error_clear(&err);
	assert_int_equal(sk_diag_dump(NULL, &req, &f->sink, &err), -EINVAL);
	assert_int_equal(err.code, EINVAL);
	assert_true(strlen(err.msg) > 0);
}

/* Regression, found by fuzzing: a message whose nlmsg_len is not a multiple
 * of 4 and ends the buffer. libmnl walks its attributes up to the aligned
 * length, past the end of the buffer; the parser must reject it first. In
 * the ASan build an overread here is a test failure. */
static void test_regress_unaligned_last_message(void **state)
{
	struct fx *f = *state;
	size_t len;
	char *fixture = load_fixture("unix.bin", &len);
	struct nlmsghdr h;

	memcpy(&h, fixture, sizeof(h));
	assert_true(h.nlmsg_len > sizeof(h) + 8 && h.nlmsg_len <= len);
	uint32_t cut = h.nlmsg_len - 1;
	char *buf = malloc(cut); /* exactly: one byte more would hide the bug */

	assert_non_null(buf);
	memcpy(buf, fixture, cut);
	h.nlmsg_len = cut;
	memcpy(buf, &h, sizeof(h));
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(buf, cut, SK_DIAG_UNIX, 0, &f->sink), 0);
	assert_int_equal(f->stats.rejected, 1);
	assert_int_equal(f->socks.n, 0);
	free(buf);
	free(fixture);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fixture_tcp4, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fixture_tcp4_noext, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fixture_tcp6, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fixture_udp, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fixture_unix, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_fixture_mutations, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_table, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_inet_fields, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_protocol_attr, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_tcpinfo_layout, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_tcpinfo_udp, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_meminfo, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_unix_fields, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_parse_unaligned, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_dump_bad_request, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_regress_unaligned_last_message, fx_setup, fx_teardown),
		cmocka_unit_test(test_live_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
