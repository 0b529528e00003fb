/* How a socket is named to a person (label.h). */
#include <config.h>

#include "model/label.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* The kernel's states by their short names (sock.c), then what sktop
 * infers. */
static const char *const inferred_names[SK_DS_LAST - SK_TCP_STATE_LAST] = {
	[SK_DS_CLOSED - SK_TCP_STATE_LAST] = "closed",
	[SK_DS_UNBOUND - SK_TCP_STATE_LAST] = "unbound",
	[SK_DS_UNCONN - SK_TCP_STATE_LAST] = "UNCONN",
	[SK_DS_ORPHANS - SK_TCP_STATE_LAST] = "orphans",
};

const char *sk_dstate_name(unsigned ds)
{
	if (ds < SK_TCP_STATE_LAST)
		return sk_tcp_state_short_names[ds];
	return ds < SK_DS_LAST ? inferred_names[ds - SK_TCP_STATE_LAST] : "?";
}

unsigned sk_dstate_of(const struct sk_socket *k)
{
	if (k->flags & SK_SOCK_UNDUMPED)
		return k->proto == SK_PROTO_TCP ? SK_DS_CLOSED : SK_DS_UNBOUND;
	if (k->proto != SK_PROTO_TCP) {
		if (k->state == SK_TCP_CLOSE)
			return SK_DS_UNCONN;
		return k->state < SK_TCP_STATE_LAST ? k->state : SK_TCP_UNKNOWN;
	}
	switch (k->state) {
	case SK_TCP_NEW_SYN_RECV: return SK_TCP_SYN_RECV;
	/* A dumped TCP socket in CLOSE is bound and idle: the join counts it
	 * with the undumped ones as "closed", and so do we. */
	case SK_TCP_CLOSE:
	case SK_TCP_BOUND_INACTIVE: return SK_DS_CLOSED;
	default: return k->state < SK_TCP_STATE_LAST ? k->state : SK_TCP_UNKNOWN;
	}
}

const char *const sk_proto_kind_names[SK_PK_LAST] = {
	[SK_PK_OTHER] = "?",    [SK_PK_TCP] = "tcp",    [SK_PK_TCP6] = "tcp6",   [SK_PK_UDP] = "udp",
	[SK_PK_UDP6] = "udp6",  [SK_PK_USTR] = "u_str", [SK_PK_UDGR] = "u_dgr", [SK_PK_USEQ] = "u_seq",
	[SK_PK_UNIX] = "unix",
};

unsigned sk_proto_kind(const struct sk_socket *k)
{
	if (k->proto == SK_PROTO_UNIX) {
		switch (k->sock_type) {
		case SOCK_STREAM: return SK_PK_USTR;
		case SOCK_DGRAM: return SK_PK_UDGR;
		case SOCK_SEQPACKET: return SK_PK_USEQ;
		default: return SK_PK_UNIX;
		}
	}
	if (k->proto == SK_PROTO_TCP)
		return k->family == AF_INET6 ? SK_PK_TCP6 : SK_PK_TCP;
	if (k->proto == SK_PROTO_UDP)
		return k->family == AF_INET6 ? SK_PK_UDP6 : SK_PK_UDP;
	return SK_PK_OTHER;
}

const char *sk_view_proto(const struct sk_socket *k)
{
	return sk_proto_kind_names[sk_proto_kind(k)];
}

void sk_view_endpoint(const struct sk_snapshot *s, const struct sk_socket *k, bool peer,
		      char *buf, size_t size)
{
	if (k->flags & SK_SOCK_UNDUMPED) {
		/* Nothing is known: not even whether it was ever bound. */
		snprintf(buf, size, "%s", peer ? "-" : "*:*");
		return;
	}
	if (k->family == AF_UNIX) {
		if (peer) {
			if (k->unix_peer)
				snprintf(buf, size, "* %u", k->unix_peer);
			else
				snprintf(buf, size, "*");
		} else {
			const char *path = sk_strtab_get(&s->strs, k->path);

			snprintf(buf, size, "%s", path[0] ? path : "*");
		}
		return;
	}
	const struct sk_endpoint *ep = peer ? &k->peer : &k->local;

	sk_endpoint_format(ep, k->family, buf, size);
	/* An unconnected peer reads better as ss writes it. */
	if (peer && ep->port == 0) {
		static const uint8_t zero[16];

		if (memcmp(ep->addr, zero, sizeof(zero)) == 0)
			snprintf(buf, size, "*:*");
	}
}

