#include <config.h>

#include "model/sock.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

const char *const sk_proto_names[SK_PROTO_LAST] = {
	[SK_PROTO_TCP] = "tcp",
	[SK_PROTO_UDP] = "udp",
	[SK_PROTO_UNIX] = "unix",
};

/* One row per state: the kernel's name, then the narrow one a column shows. */
#define SK_TCP_STATE_ROWS(X)                                \
	X(UNKNOWN, "UNKNOWN", "UNKNOWN")                    \
	X(ESTABLISHED, "ESTABLISHED", "ESTAB")              \
	X(SYN_SENT, "SYN_SENT", "SYN_SENT")                 \
	X(SYN_RECV, "SYN_RECV", "SYN_RECV")                 \
	X(FIN_WAIT1, "FIN_WAIT1", "FIN_WAIT1")              \
	X(FIN_WAIT2, "FIN_WAIT2", "FIN_WAIT2")              \
	X(TIME_WAIT, "TIME_WAIT", "TIME_WAIT")              \
	X(CLOSE, "CLOSE", "CLOSE")                          \
	X(CLOSE_WAIT, "CLOSE_WAIT", "CLOSE_WAIT")           \
	X(LAST_ACK, "LAST_ACK", "LAST_ACK")                 \
	X(LISTEN, "LISTEN", "LISTEN")                       \
	X(CLOSING, "CLOSING", "CLOSING")                    \
	X(NEW_SYN_RECV, "NEW_SYN_RECV", "SYN_RECV")         \
	X(BOUND_INACTIVE, "BOUND_INACTIVE", "BOUND")

#define SK_TCP_LONG_NAME(state, name, short_name) [SK_TCP_##state] = name,
#define SK_TCP_SHORT_NAME(state, name, short_name) [SK_TCP_##state] = short_name,

const char *const sk_tcp_state_names[SK_TCP_STATE_LAST] = {SK_TCP_STATE_ROWS(SK_TCP_LONG_NAME)};
const char *const sk_tcp_state_short_names[SK_TCP_STATE_LAST] = {
	SK_TCP_STATE_ROWS(SK_TCP_SHORT_NAME)};

const char *const sk_timer_names[SK_TIMER_LAST] = {
	[SK_TIMER_OFF] = "off",
	[SK_TIMER_ON] = "on",
	[SK_TIMER_KEEPALIVE] = "keepalive",
	[SK_TIMER_TIMEWAIT] = "timewait",
	[SK_TIMER_PERSIST] = "persist",
};

const char *const sk_owner_names[SK_OWNER_LAST] = {
	[SK_OWNER_NONE] = "none",
	[SK_OWNER_FD] = "fd",
	[SK_OWNER_LISTENER] = "listener",
	[SK_OWNER_CGROUP] = "cgroup",
};

const char *const sk_sockname_names[SK_SN_LAST] = {
	[SK_SN_TCP] = "TCP",
	[SK_SN_TCPV6] = "TCPv6",
	[SK_SN_UDP] = "UDP",
	[SK_SN_UDPV6] = "UDPv6",
	[SK_SN_UNIX] = "UNIX",
	[SK_SN_NETLINK] = "NETLINK",
	[SK_SN_PACKET] = "PACKET",
	[SK_SN_RAW] = "RAW",
	[SK_SN_RAWV6] = "RAWv6",
	[SK_SN_OTHER] = "OTHER",
};

const char *sk_tcp_state_name(unsigned state)
{
	return state < SK_TCP_STATE_LAST ? sk_tcp_state_names[state] : "UNKNOWN";
}

enum sk_sockname sk_sockname_parse(const char *name)
{
	/* Kernels >= 5.15 name unix stream sockets "UNIX-STREAM". */
	if (strncmp(name, "UNIX", 4) == 0)
		return SK_SN_UNIX;
	for (int i = 0; i < SK_SN_OTHER; i++)
		if (strcmp(name, sk_sockname_names[i]) == 0)
			return (enum sk_sockname)i;
	return SK_SN_OTHER;
}

int sk_endpoint_format(const struct sk_endpoint *ep, int family, char *buf, size_t size)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (size == 0)
		return 0;
	if (family == AF_INET6) {
		if (inet_ntop(AF_INET6, ep->addr, addr, sizeof(addr)))
			n = snprintf(buf, size, "[%s]:%u", addr, ep->port);
		else
			n = snprintf(buf, size, "?:%u", ep->port);
	} else if (family == AF_INET) {
		if (inet_ntop(AF_INET, ep->addr, addr, sizeof(addr)))
			n = snprintf(buf, size, "%s:%u", addr, ep->port);
		else
			n = snprintf(buf, size, "?:%u", ep->port);
	} else {
		n = snprintf(buf, size, "*");
	}
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)size - 1 : n;
}

bool sk_socket_is_orphan_state(unsigned state)
{
	return state == SK_TCP_FIN_WAIT1 || state == SK_TCP_FIN_WAIT2 ||
	       state == SK_TCP_CLOSING || state == SK_TCP_LAST_ACK;
}
