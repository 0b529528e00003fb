/* sock_diag messages -> sk_socket rows.
 *
 * The input is whatever the kernel (or a fuzzer) put in a receive buffer, so
 * every length is checked before it is used and every read of a kernel
 * struct goes through memcpy: nothing here depends on the buffer's alignment
 * or trusts a length field. A message that is malformed is counted and
 * skipped; only a length that makes the rest of the buffer unwalkable stops
 * the walk. */
#include <config.h>

#include "collect/diag.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>

#include "util/escape.h"

/* The kernel's struct tcp_info (include/uapi/linux/tcp.h) up to
 * tcpi_rcv_wnd, mirrored here so that the fields we read do not depend on
 * how new the installed kernel headers are. The kernel only ever appends to
 * it, and tells us how many bytes it sent; the rest reads as zero. */
struct diag_tcp_info {
	uint8_t state, ca_state, retransmits, probes, backoff, options;
	uint8_t wscale; /* tcpi_snd_wscale:4, tcpi_rcv_wscale:4 */
	uint8_t app_limited_fastopen;
	uint32_t rto, ato, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, fackets;
	uint32_t last_data_sent, last_ack_sent, last_data_recv, last_ack_recv;
	uint32_t pmtu, rcv_ssthresh, rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering;
	uint32_t rcv_rtt, rcv_space;
	uint32_t total_retrans;
	uint64_t pacing_rate, max_pacing_rate;
	uint64_t bytes_acked, bytes_received;
	uint32_t segs_out, segs_in;
	uint32_t notsent_bytes, min_rtt, data_segs_in, data_segs_out;
	uint64_t delivery_rate;
	uint64_t busy_time, rwnd_limited, sndbuf_limited;
	uint32_t delivered, delivered_ce;
	uint64_t bytes_sent, bytes_retrans;
	uint32_t dsack_dups, reord_seen;
	uint32_t rcv_ooopack;
	uint32_t snd_wnd;
	uint32_t rcv_wnd;
};

/* Offsets are the kernel ABI; a mistake in the mirror must not compile. */
_Static_assert(offsetof(struct diag_tcp_info, rto) == 8, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, total_retrans) == 100, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, pacing_rate) == 104, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, bytes_acked) == 120, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, notsent_bytes) == 144, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, delivery_rate) == 160, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, delivered) == 192, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, bytes_sent) == 200, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, rcv_ooopack) == 224, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, snd_wnd) == 228, "tcp_info layout");
_Static_assert(offsetof(struct diag_tcp_info, rcv_wnd) == 232, "tcp_info layout");

/* Bytes of the mirror that map onto the kernel struct (no tail padding). */
#define DIAG_TCPI_LEN (offsetof(struct diag_tcp_info, rcv_wnd) + sizeof(uint32_t))

#define DIAG_MEMINFO_FIELDS 9 /* SK_MEMINFO_RMEM_ALLOC .. SK_MEMINFO_DROPS */
_Static_assert(sizeof(struct sk_meminfo) == DIAG_MEMINFO_FIELDS * sizeof(uint32_t),
	       "sk_meminfo mirrors the SK_MEMINFO_* vector");

#define DIAG_UNIX_PATH_MAX 108 /* sizeof(((struct sockaddr_un *)0)->sun_path) */

/* Length rules for the attributes we read. min == max means exactly; a
 * scalar wider or narrower than its type would be read wrong, so it is a
 * malformed message, not something to guess at. */
struct attr_rule {
	uint16_t type;
	uint16_t min, max;
};

static const struct attr_rule inet_rules[] = {
	{INET_DIAG_SKMEMINFO, 4, UINT16_MAX},
	/* 8: the byte-wide header of tcp_info, in every kernel since 2.6 */
	{INET_DIAG_INFO, 8, UINT16_MAX},
	{INET_DIAG_SHUTDOWN, 1, 1},
	{INET_DIAG_PROTOCOL, 1, 1},
	{INET_DIAG_SKV6ONLY, 1, 1},
	{INET_DIAG_CGROUP_ID, 8, 8},
};

static const struct attr_rule unix_rules[] = {
	{UNIX_DIAG_NAME, 1, DIAG_UNIX_PATH_MAX},
	{UNIX_DIAG_VFS, sizeof(struct unix_diag_vfs), sizeof(struct unix_diag_vfs)},
	{UNIX_DIAG_PEER, 4, 4},
	{UNIX_DIAG_RQLEN, sizeof(struct unix_diag_rqlen), sizeof(struct unix_diag_rqlen)},
	{UNIX_DIAG_MEMINFO, 4, UINT16_MAX},
	{UNIX_DIAG_SHUTDOWN, 1, 1},
	{UNIX_DIAG_UID, 4, 4},
};

#define ATTR_SLOTS 32 /* > every type in the rule tables */
_Static_assert(INET_DIAG_CGROUP_ID < ATTR_SLOTS && UNIX_DIAG_UID < ATTR_SLOTS,
	       "attribute slots");

struct attr_walk {
	const struct attr_rule *rules;
	size_t nrules;
	const struct nlattr *tb[ATTR_SLOTS];
	size_t consumed; /* bytes of the attribute area walked so far */
	const char *base;
	bool bad;
};

static int attr_cb(const struct nlattr *attr, void *data)
{
	struct attr_walk *w = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);

	w->consumed = (size_t)((const char *)attr - w->base) + MNL_ALIGN(mnl_attr_get_len(attr));
	for (size_t i = 0; i < w->nrules; i++) {
		const struct attr_rule *r = &w->rules[i];

		if (r->type != type)
			continue;
		if (len < r->min || len > r->max) {
			w->bad = true;
			return MNL_CB_ERROR;
		}
		w->tb[type] = attr;
		return MNL_CB_OK;
	}
	/* A type we do not know: a newer kernel's addition, not an error. */
	return MNL_CB_OK;
}

/* Copies the fixed header of `hdrlen` bytes into hdr and fills w->tb from
 * the attributes after it. Returns false when the message is shorter than
 * the header, when an attribute is malformed or the area does not end
 * exactly where the last attribute does (a truncated or garbled header that
 * mnl_attr_parse would silently stop at). */
static bool walk_attrs(const struct nlmsghdr *nlh, void *hdr, size_t hdrlen,
		       const struct attr_rule *rules, size_t nrules, struct attr_walk *w)
{
	size_t area;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(hdrlen))
		return false;
	memcpy(hdr, mnl_nlmsg_get_payload(nlh), hdrlen);
	area = nlh->nlmsg_len - MNL_NLMSG_HDRLEN - MNL_ALIGN(hdrlen);
	memset(w, 0, sizeof(*w));
	w->rules = rules;
	w->nrules = nrules;
	w->base = (const char *)mnl_nlmsg_get_payload_offset(nlh, hdrlen);
	if (mnl_attr_parse(nlh, (unsigned)hdrlen, attr_cb, w) < MNL_CB_STOP || w->bad)
		return false;
	return w->consumed >= area;
}

static uint8_t attr_u8(const struct nlattr *a)
{
	uint8_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

static uint32_t attr_u32(const struct nlattr *a)
{
	uint32_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

static uint64_t attr_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, mnl_attr_get_payload(a), sizeof(v));
	return v;
}

/* SK_MEMINFO_* is a u32 vector that has grown over time: take what is there. */
static void fill_meminfo(struct sk_socket *s, const struct nlattr *a)
{
	uint32_t v[DIAG_MEMINFO_FIELDS] = {0};
	size_t n = mnl_attr_get_payload_len(a) / sizeof(uint32_t);

	if (n > DIAG_MEMINFO_FIELDS)
		n = DIAG_MEMINFO_FIELDS;
	memcpy(v, mnl_attr_get_payload(a), n * sizeof(uint32_t));
	s->mem.rmem_alloc = v[0];
	s->mem.rcvbuf = v[1];
	s->mem.wmem_alloc = v[2];
	s->mem.sndbuf = v[3];
	s->mem.fwd_alloc = v[4];
	s->mem.wmem_queued = v[5];
	s->mem.optmem = v[6];
	s->mem.backlog = v[7];
	s->mem.drops = v[8];
	s->flags |= SK_SOCK_HAS_MEM;
}

static void fill_tcpinfo(struct sk_socket *s, const struct nlattr *a)
{
	struct diag_tcp_info ti;
	struct sk_tcpinfo *t = &s->tcp;
	size_t len = mnl_attr_get_payload_len(a);

	memset(&ti, 0, sizeof(ti));
	memcpy(&ti, mnl_attr_get_payload(a), len < DIAG_TCPI_LEN ? len : DIAG_TCPI_LEN);

	t->tcpinfo_len = (uint16_t)len;
	t->ca_state = ti.ca_state;
	t->retransmits = ti.retransmits;
	t->probes = ti.probes;
	t->backoff = ti.backoff;
	/* A C bitfield: the first member takes the low bits on little-endian. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	t->snd_wscale = ti.wscale >> 4;
	t->rcv_wscale = ti.wscale & 0x0f;
#else
	t->snd_wscale = ti.wscale & 0x0f;
	t->rcv_wscale = ti.wscale >> 4;
#endif
	t->rto_us = ti.rto;
	t->ato_us = ti.ato;
	t->snd_mss = ti.snd_mss;
	t->rcv_mss = ti.rcv_mss;
	t->unacked = ti.unacked;
	t->sacked = ti.sacked;
	t->lost = ti.lost;
	t->retrans = ti.retrans;
	t->total_retrans = ti.total_retrans;
	t->last_data_sent_ms = ti.last_data_sent;
	t->last_data_recv_ms = ti.last_data_recv;
	t->last_ack_recv_ms = ti.last_ack_recv;
	t->rtt_us = ti.rtt;
	t->rttvar_us = ti.rttvar;
	t->snd_cwnd = ti.snd_cwnd;
	t->snd_ssthresh = ti.snd_ssthresh;
	t->rcv_space = ti.rcv_space;
	t->notsent_bytes = ti.notsent_bytes;
	t->delivered = ti.delivered;
	t->snd_wnd = ti.snd_wnd;
	t->rcv_wnd = ti.rcv_wnd;
	t->bytes_acked = ti.bytes_acked;
	t->bytes_received = ti.bytes_received;
	t->bytes_sent = ti.bytes_sent;
	t->bytes_retrans = ti.bytes_retrans;
	s->flags |= SK_SOCK_HAS_TCPINFO;
}

/* INET_DIAG_SHUTDOWN and UNIX_DIAG_SHUTDOWN carry the same byte. */
static void fill_shutdown(struct sk_socket *s, const struct nlattr *a)
{
	s->shutdown = attr_u8(a);
	s->flags |= SK_SOCK_HAS_SHUTDOWN;
}

/* Rows start as the join expects a row it has not linked yet. */
static struct sk_socket *new_row(struct sk_diag_sink *sink)
{
	struct sk_socket *s = SK_VEC_PUSH(sink->socks);

	if (!s)
		return NULL;
	s->netns = sink->netns;
	s->likely_owner = SK_NONE;
	s->owner_kind = SK_OWNER_NONE;
	return s;
}

static uint64_t cookie64(const uint32_t cookie[2])
{
	return ((uint64_t)cookie[1] << 32) | cookie[0];
}

/* Returns 0 (row added, or message skipped and counted) or -ENOMEM. */
static int parse_inet(const struct nlmsghdr *nlh, uint8_t protocol, struct sk_diag_sink *sink)
{
	struct inet_diag_msg r;
	struct attr_walk w;
	struct sk_socket *s;
	size_t alen;
	uint8_t proto;

	if (!walk_attrs(nlh, &r, sizeof(r), inet_rules, sizeof(inet_rules) / sizeof(inet_rules[0]),
			&w) ||
	    (r.idiag_family != AF_INET && r.idiag_family != AF_INET6)) {
		sink->stats->rejected++;
		return 0;
	}
	if (w.tb[INET_DIAG_PROTOCOL])
		protocol = attr_u8(w.tb[INET_DIAG_PROTOCOL]);
	if (protocol == IPPROTO_TCP)
		proto = SK_PROTO_TCP;
	else if (protocol == IPPROTO_UDP)
		proto = SK_PROTO_UDP;
	else
		return 0; /* UDP-Lite, raw, ...: sockets we do not model */

	s = new_row(sink);
	if (!s)
		return -ENOMEM;
	s->proto = proto;
	s->family = r.idiag_family;
	if (r.idiag_family == AF_INET6)
		s->sockname = proto == SK_PROTO_TCP ? SK_SN_TCPV6 : SK_SN_UDPV6;
	else
		s->sockname = proto == SK_PROTO_TCP ? SK_SN_TCP : SK_SN_UDP;
	alen = r.idiag_family == AF_INET6 ? 16 : 4;
	memcpy(s->local.addr, r.id.idiag_src, alen);
	memcpy(s->peer.addr, r.id.idiag_dst, alen);
	s->local.port = ntohs(r.id.idiag_sport);
	s->peer.port = ntohs(r.id.idiag_dport);
	s->state = r.idiag_state;
	s->timer = r.idiag_timer;
	s->retrans = r.idiag_retrans;
	s->timer_ms = r.idiag_expires;
	s->recv_q = r.idiag_rqueue;
	s->send_q = r.idiag_wqueue;
	s->uid = r.idiag_uid;
	/* TIME_WAIT and request mini-sockets report uid 0 whoever made them;
	 * a full socket always carries INET_DIAG_SHUTDOWN, an owned one an
	 * inode. Only then is the uid real. */
	if (w.tb[INET_DIAG_SHUTDOWN] || r.idiag_inode)
		s->flags |= SK_SOCK_HAS_UID;
	s->inode = r.idiag_inode;
	s->cookie = cookie64(r.id.idiag_cookie);
	s->ifindex = r.id.idiag_if;

	if (w.tb[INET_DIAG_SKMEMINFO])
		fill_meminfo(s, w.tb[INET_DIAG_SKMEMINFO]);
	if (w.tb[INET_DIAG_INFO] && proto == SK_PROTO_TCP)
		fill_tcpinfo(s, w.tb[INET_DIAG_INFO]);
	if (w.tb[INET_DIAG_SHUTDOWN])
		fill_shutdown(s, w.tb[INET_DIAG_SHUTDOWN]);
	if (w.tb[INET_DIAG_CGROUP_ID]) {
		s->cgroup_id = attr_u64(w.tb[INET_DIAG_CGROUP_ID]);
		s->flags |= SK_SOCK_HAS_CGROUP;
	}
	if (w.tb[INET_DIAG_SKV6ONLY] && attr_u8(w.tb[INET_DIAG_SKV6ONLY]))
		s->flags |= SK_SOCK_V6ONLY;
	sink->stats->sockets++;
	return 0;
}

/* The bound name, escaped, in the strtab. A filesystem path ends at its NUL;
 * an abstract name (leading NUL) is every byte, shown as '@' + the rest. */
static uint32_t add_unix_name(const struct nlattr *a, struct sk_strtab *strs, int *rc)
{
	char out[1 + 4 * DIAG_UNIX_PATH_MAX + 1];
	const char *name = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a), n;

	if (name[0] == '\0') {
		out[0] = '@';
		n = 1 + sk_escape(name + 1, len - 1, out + 1, sizeof(out) - 1);
	} else {
		n = sk_escape(name, strnlen(name, len), out, sizeof(out));
	}
	return sk_strtab_add(strs, out, n, rc);
}

static int parse_unix(const struct nlmsghdr *nlh, struct sk_diag_sink *sink)
{
	struct unix_diag_msg r;
	struct attr_walk w;
	struct sk_socket *s;
	uint32_t path = 0;
	int rc = 0;

	if (!walk_attrs(nlh, &r, sizeof(r), unix_rules, sizeof(unix_rules) / sizeof(unix_rules[0]),
			&w) ||
	    r.udiag_family != AF_UNIX) {
		sink->stats->rejected++;
		return 0;
	}
	if (w.tb[UNIX_DIAG_NAME]) {
		path = add_unix_name(w.tb[UNIX_DIAG_NAME], sink->strs, &rc);
		if (rc)
			return rc;
	}
	s = new_row(sink);
	if (!s)
		return -ENOMEM;
	s->proto = SK_PROTO_UNIX;
	s->family = AF_UNIX;
	s->sockname = SK_SN_UNIX;
	s->sock_type = r.udiag_type;
	s->state = r.udiag_state;
	s->inode = r.udiag_ino;
	s->cookie = cookie64(r.udiag_cookie);
	s->path = path;
	if (w.tb[UNIX_DIAG_PEER])
		s->unix_peer = attr_u32(w.tb[UNIX_DIAG_PEER]);
	if (w.tb[UNIX_DIAG_RQLEN]) {
		struct unix_diag_rqlen q;

		memcpy(&q, mnl_attr_get_payload(w.tb[UNIX_DIAG_RQLEN]), sizeof(q));
		s->recv_q = q.udiag_rqueue;
		s->send_q = q.udiag_wqueue;
	}
	if (w.tb[UNIX_DIAG_MEMINFO])
		fill_meminfo(s, w.tb[UNIX_DIAG_MEMINFO]);
	if (w.tb[UNIX_DIAG_SHUTDOWN])
		fill_shutdown(s, w.tb[UNIX_DIAG_SHUTDOWN]);
	if (w.tb[UNIX_DIAG_UID]) {
		s->uid = attr_u32(w.tb[UNIX_DIAG_UID]);
		s->flags |= SK_SOCK_HAS_UID;
	}
	sink->stats->sockets++;
	return 0;
}

/* An errno as the kernel puts it in NLMSG_ERROR / NLMSG_DONE: negative and
 * small. Anything else is a garbled message, not an errno to pass on. */
static int kernel_errno(int e)
{
	return e < 0 && e >= -4095 ? e : -EPROTO;
}

int sk_diag_parse_buffer(const void *buf, size_t len, enum sk_diag_kind kind,
			 uint8_t protocol, struct sk_diag_sink *sink)
{
	const char *p = buf;
	size_t off = 0;
	bool intr = false;

	if (!p)
		len = 0;
	/* Netlink buffers are 4-byte aligned and libmnl reads headers in place. */
	if (len && ((uintptr_t)p & (NLMSG_ALIGNTO - 1))) {
		sink->stats->rejected++;
		return -EINVAL;
	}
	while (off < len) {
		size_t left = len - off, step;
		const struct nlmsghdr *nlh;
		struct nlmsghdr h;
		int rc = 0, e;

		/* A length we cannot trust leaves no way to find the next
		 * message: stop, rather than guess. */
		if (left < sizeof(h)) {
			sink->stats->rejected++;
			break;
		}
		memcpy(&h, p + off, sizeof(h));
		/* libmnl walks a message's attributes up to NLMSG_ALIGN(nlmsg_len):
		 * an unaligned length at the end of the buffer would let it read
		 * up to 3 bytes past it (found by fuzzing). The aligned length
		 * must fit as well. */
		if (h.nlmsg_len < sizeof(h) || h.nlmsg_len > INT_MAX ||
		    NLMSG_ALIGN(h.nlmsg_len) > left) {
			sink->stats->rejected++;
			break;
		}
		nlh = (const struct nlmsghdr *)(const void *)(p + off);
		step = NLMSG_ALIGN(h.nlmsg_len);
		sink->stats->messages++;
		if (h.nlmsg_flags & NLM_F_DUMP_INTR)
			intr = true;

		switch (h.nlmsg_type) {
		case NLMSG_NOOP:
			break;
		case NLMSG_DONE:
			/* The dump's own status: 0, or why the kernel stopped it. */
			if (intr)
				return -EINTR;
			if (h.nlmsg_len >= sizeof(h) + sizeof(e)) {
				memcpy(&e, p + off + sizeof(h), sizeof(e));
				if (e != 0)
					return kernel_errno(e);
			}
			return 1;
		case NLMSG_ERROR:
			if (h.nlmsg_len < sizeof(h) + sizeof(e)) {
				sink->stats->rejected++;
				return -EPROTO;
			}
			memcpy(&e, p + off + sizeof(h), sizeof(e));
			if (e != 0)
				return kernel_errno(e);
			break; /* an ack */
		case NLMSG_OVERRUN:
			return -ENOBUFS; /* messages were lost: the dump is incomplete */
		case SOCK_DIAG_BY_FAMILY:
		case TCPDIAG_GETSOCK: /* the answer to a both-families TCP dump */
			if (kind == SK_DIAG_INET)
				rc = parse_inet(nlh, protocol, sink);
			else if (kind == SK_DIAG_UNIX)
				rc = parse_unix(nlh, sink);
			else
				sink->stats->rejected++;
			break;
		default:
			sink->stats->rejected++;
			break;
		}
		if (rc < 0)
			return rc;
		off += step;
	}
	return intr ? -EINTR : 0;
}
