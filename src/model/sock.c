#include <config.h>

#include "model/sock.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

const char *const sk_proto_names[SK_PROTO_LAST] = {SK_PROTOS(SK_XNAME)};

#define SK_TCP_SHORT_NAME(state, name, short_name) [state] = short_name,

const char *const sk_tcp_state_names[SK_TCP_STATE_LAST] = {SK_TCP_STATES(SK_XNAME)};
const char *const sk_tcp_state_short_names[SK_TCP_STATE_LAST] = {
	SK_TCP_STATES(SK_TCP_SHORT_NAME)};

const char *const sk_timer_names[SK_TIMER_LAST] = {SK_TIMERS(SK_XNAME)};

const char *const sk_owner_names[SK_OWNER_LAST] = {SK_OWNER_KINDS(SK_XNAME)};

const char *const sk_sockname_names[SK_SN_LAST] = {SK_SOCKNAMES(SK_XNAME)};

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
