/* sock_diag parser on hand-built messages: malformed buffers,
 * table-driven, and every field and attribute the parser reads (inet,
 * unix, tcp_info layout, meminfo), at any alignment. */
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
#include "suite.h"

#include "collect/diag.h"
#include "model/sock.h"
#include "util/strtab.h"
#include "diagfx.h"

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

/* Ends the buffer n built, parses it as one dump and checks how many rows
 * it gave and how many messages it refused. */
static void parse_built(struct fx *f, struct nlb *n, enum sk_diag_kind kind, int proto,
			size_t rows, unsigned rejected)
{
	nlb_done(n);
	fx_reset(f);
	assert_int_equal(sk_diag_parse_buffer(n->b, n->len, kind, proto, &f->sink), 1);
	assert_int_equal(f->socks.n, rows);
	assert_int_equal(f->stats.rejected, rejected);
}

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

/* One valid message whose nlmsg_len then says `len`. */
static void one_msg_claiming(struct nlb *n, uint32_t len)
{
	nlb_inet_msg(n, 100);
	memcpy(n->b, &len, sizeof(len));
	nlb_done(n);
}

static void b_len_past_buffer(struct nlb *n)
{
	one_msg_claiming(n, 5000);
}

static void b_len_below_header(struct nlb *n)
{
	one_msg_claiming(n, 8);
}

static void b_len_zero(struct nlb *n)
{
	one_msg_claiming(n, 0);
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
	parse_built(f, n, SK_DIAG_INET, IPPROTO_TCP, 1, 0);
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
	parse_built(f, n, SK_DIAG_INET, IPPROTO_TCP, 2, 0);
	assert_int_equal(f->socks.v[0].proto, SK_PROTO_UDP);
	assert_int_equal(f->socks.v[0].sockname, SK_SN_UDP);
	assert_int_equal(f->socks.v[1].proto, SK_PROTO_TCP);
	assert_int_equal(f->socks.v[1].sockname, SK_SN_TCPV6);
	assert_int_equal(f->socks.v[1].family, AF_INET6);
	assert_memory_equal(f->socks.v[1].local.addr, &a6, 16);
	assert_true(f->socks.v[1].flags & SK_SOCK_V6ONLY);
	free(n);
}

/* Every tcp_info field we map: where the kernel puts it (offset, width),
 * the member it lands in, and a value no other row uses. The wscale
 * nibbles share byte 6 and are checked on their own. */
#define TCPI(koff, kwidth, member, value)                                              \
	{koff, kwidth, offsetof(struct sk_tcpinfo, member),                             \
	 sizeof(((struct sk_tcpinfo *)0)->member), #member, value}
static const struct tcpi_row {
	size_t koff, kwidth, moff, mwidth;
	const char *member;
	uint64_t value;
} tcpi_rows[] = {
	TCPI(1, 1, ca_state, 4),    /* loss */
	TCPI(2, 1, retransmits, 5),
	TCPI(3, 1, probes, 6),
	TCPI(4, 1, backoff, 7),
	TCPI(8, 4, rto_us, 201000),
	TCPI(12, 4, ato_us, 40000),
	TCPI(16, 4, snd_mss, 1448),
	TCPI(20, 4, rcv_mss, 536),
	TCPI(24, 4, unacked, 9),
	TCPI(28, 4, sacked, 1),
	TCPI(32, 4, lost, 2),
	TCPI(36, 4, retrans, 3),
	TCPI(44, 4, last_data_sent_ms, 1001),
	TCPI(52, 4, last_data_recv_ms, 1002),
	TCPI(56, 4, last_ack_recv_ms, 1003),
	TCPI(68, 4, rtt_us, 250),
	TCPI(72, 4, rttvar_us, 125),
	TCPI(76, 4, snd_ssthresh, 77),
	TCPI(80, 4, snd_cwnd, 10),
	TCPI(96, 4, rcv_space, 65483),
	TCPI(100, 4, total_retrans, 42),
	TCPI(120, 8, bytes_acked, 111),
	TCPI(128, 8, bytes_received, 222),
	TCPI(144, 4, notsent_bytes, 333),
	TCPI(192, 4, delivered, 444),
	TCPI(200, 8, bytes_sent, 555),
	TCPI(208, 8, bytes_retrans, 666),
	TCPI(228, 4, snd_wnd, 777),
	TCPI(232, 4, rcv_wnd, 888),
};
#undef TCPI

/* Native-endian, as the kernel writes tcp_info and the parser reads it. */
static void put_uint(unsigned char *b, size_t off, size_t width, uint64_t v)
{
	uint8_t v8 = (uint8_t)v;
	uint32_t v32 = (uint32_t)v;

	memcpy(b + off, width == 1 ? (void *)&v8 : width == 4 ? (void *)&v32 : (void *)&v, width);
}

static uint64_t get_uint(const void *rec, size_t off, size_t width)
{
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (width) {
	case 1:
		memcpy(&v8, (const char *)rec + off, 1);
		return v8;
	case 2:
		memcpy(&v16, (const char *)rec + off, 2);
		return v16;
	case 4:
		memcpy(&v32, (const char *)rec + off, 4);
		return v32;
	default:
		memcpy(&v64, (const char *)rec + off, 8);
		return v64;
	}
}

/* A row from a kernel that sent `len` bytes: the fields it sent, zero after. */
static void check_tcpinfo(const struct sk_socket *k, size_t len)
{
	const struct sk_tcpinfo *t = &k->tcp;

	assert_true(k->flags & SK_SOCK_HAS_TCPINFO);
	assert_int_equal(t->tcpinfo_len, len);
	for (size_t i = 0; i < sizeof(tcpi_rows) / sizeof(tcpi_rows[0]); i++) {
		const struct tcpi_row *r = &tcpi_rows[i];
		uint64_t want = r->koff + r->kwidth <= len ? r->value : 0;
		uint64_t got = get_uint(t, r->moff, r->mwidth);

		if (got != want)
			fail_msg("%zu bytes: %s %llu, want %llu", len, r->member,
				 (unsigned long long)got, (unsigned long long)want);
	}
	assert_int_equal(t->snd_wscale, len > 6 ? 10 : 0);
	assert_int_equal(t->rcv_wscale, len > 6 ? 7 : 0);
}

/* tcp_info is read by offset, the kernel's: check them against the
 * installed header for the fields it has, then every field we map. */
static void test_parse_tcpinfo_layout(void **state)
{
	struct fx *f = *state;
	struct nlb *n = calloc(1, sizeof(*n));
	unsigned char ti[280];

	assert_int_equal(offsetof(struct tcp_info, tcpi_rto), 8);
	assert_int_equal(offsetof(struct tcp_info, tcpi_rtt), 68);
	assert_int_equal(offsetof(struct tcp_info, tcpi_rcv_space), 96);
	assert_int_equal(offsetof(struct tcp_info, tcpi_bytes_acked), 120);
	assert_int_equal(offsetof(struct tcp_info, tcpi_notsent_bytes), 144);
	assert_int_equal(offsetof(struct tcp_info, tcpi_delivered), 192);
	assert_int_equal(offsetof(struct tcp_info, tcpi_bytes_retrans), 208);
	assert_int_equal(offsetof(struct tcp_info, tcpi_snd_wnd), 228);

	memset(ti, 0, sizeof(ti));
	for (size_t i = 0; i < sizeof(tcpi_rows) / sizeof(tcpi_rows[0]); i++)
		put_uint(ti, tcpi_rows[i].koff, tcpi_rows[i].kwidth, tcpi_rows[i].value);
	ti[6] = 0x7a;                /* snd_wscale 10, rcv_wscale 7 */
	put_uint(ti, 236, 4, 999);   /* tcpi_rehash: not ours */

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
	parse_built(f, n, SK_DIAG_INET, IPPROTO_TCP, 3, 1);
	check_tcpinfo(&f->socks.v[0], sizeof(ti));
	check_tcpinfo(&f->socks.v[1], 8);
	check_tcpinfo(&f->socks.v[2], 224);
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
	parse_built(f, n, SK_DIAG_INET, IPPROTO_UDP, 1, 0);
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
	parse_built(f, n, SK_DIAG_INET, IPPROTO_TCP, 2, 1);

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
	parse_built(f, n, SK_DIAG_UNIX, 0, 4, 0);

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

SK_SUITE_MAIN(NULL, NULL,
	FX_TEST(test_parse_table),
	FX_TEST(test_parse_inet_fields),
	FX_TEST(test_parse_protocol_attr),
	FX_TEST(test_parse_tcpinfo_layout),
	FX_TEST(test_parse_tcpinfo_udp),
	FX_TEST(test_parse_meminfo),
	FX_TEST(test_parse_unix_fields),
	FX_TEST(test_parse_unaligned))
