/* One socket as the kernel's sock_diag reports it (or, for a socket fd the
 * dumps never mentioned, as /proc shows it). Plain data, no pointers: rows
 * are stored in one array per snapshot and reused across refreshes. */
#ifndef SKTOP_SOCK_H
#define SKTOP_SOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/vec.h"
#include "util/xenum.h"

#define SK_NONE UINT32_MAX /* "no index" for every uint32_t index field */

#define SK_PROTOS(X)           \
	X(SK_PROTO_TCP, "tcp") \
	X(SK_PROTO_UDP, "udp") \
	X(SK_PROTO_UNIX, "unix")
enum sk_proto { SK_PROTOS(SK_XENUM) SK_PROTO_LAST };

/* Values are the kernel's (include/net/tcp_states.h), from 0 in this
 * order, so they index directly. One row per state: the kernel's name, then
 * the narrow one a column shows. */
#define SK_TCP_STATES(X)                                            \
	X(SK_TCP_UNKNOWN, "UNKNOWN", "UNKNOWN")                     \
	X(SK_TCP_ESTABLISHED, "ESTABLISHED", "ESTAB")               \
	X(SK_TCP_SYN_SENT, "SYN_SENT", "SYN_SENT")                  \
	X(SK_TCP_SYN_RECV, "SYN_RECV", "SYN_RECV")                  \
	X(SK_TCP_FIN_WAIT1, "FIN_WAIT1", "FIN_WAIT1")               \
	X(SK_TCP_FIN_WAIT2, "FIN_WAIT2", "FIN_WAIT2")               \
	X(SK_TCP_TIME_WAIT, "TIME_WAIT", "TIME_WAIT")               \
	X(SK_TCP_CLOSE, "CLOSE", "CLOSE")                           \
	X(SK_TCP_CLOSE_WAIT, "CLOSE_WAIT", "CLOSE_WAIT")            \
	X(SK_TCP_LAST_ACK, "LAST_ACK", "LAST_ACK")                  \
	X(SK_TCP_LISTEN, "LISTEN", "LISTEN")                        \
	X(SK_TCP_CLOSING, "CLOSING", "CLOSING")                     \
	X(SK_TCP_NEW_SYN_RECV, "NEW_SYN_RECV", "SYN_RECV")          \
	/* request-only pseudo state, kernels >= 6.8 */             \
	X(SK_TCP_BOUND_INACTIVE, "BOUND_INACTIVE", "BOUND")
enum sk_tcp_state { SK_TCP_STATES(SK_XENUM) SK_TCP_STATE_LAST };

/* idiag_timer values, from 0 in this order. */
#define SK_TIMERS(X)                          \
	X(SK_TIMER_OFF, "off")                \
	X(SK_TIMER_ON, "on") /* retransmit */ \
	X(SK_TIMER_KEEPALIVE, "keepalive")    \
	X(SK_TIMER_TIMEWAIT, "timewait")      \
	X(SK_TIMER_PERSIST, "persist") /* zero-window probe */
enum sk_timer { SK_TIMERS(SK_XENUM) SK_TIMER_LAST };

/* Why a socket is attributed to a process. */
#define SK_OWNER_KINDS(X)                                                         \
	X(SK_OWNER_NONE, "none")                                                  \
	X(SK_OWNER_FD, "fd") /* some process holds an fd to it: certain */        \
	/* orphan: process listening on its local addr:port (likely) */           \
	X(SK_OWNER_LISTENER, "listener")                                          \
	X(SK_OWNER_CGROUP, "cgroup") /* orphan: only its cgroup is known (likely) */
enum sk_owner_kind { SK_OWNER_KINDS(SK_XENUM) SK_OWNER_LAST };

/* The socket's name as getxattr("system.sockprotoname") gives it: the class
 * of a socket fd whose inode no dump reported. */
#define SK_SOCKNAMES(X)             \
	X(SK_SN_TCP, "TCP")         \
	X(SK_SN_TCPV6, "TCPv6")     \
	X(SK_SN_UDP, "UDP")         \
	X(SK_SN_UDPV6, "UDPv6")     \
	X(SK_SN_UNIX, "UNIX")       \
	X(SK_SN_NETLINK, "NETLINK") \
	X(SK_SN_PACKET, "PACKET")   \
	X(SK_SN_RAW, "RAW")         \
	X(SK_SN_RAWV6, "RAWv6")     \
	X(SK_SN_OTHER, "OTHER")
enum sk_sockname { SK_SOCKNAMES(SK_XENUM) SK_SN_LAST };

enum sk_sock_flag {
	SK_SOCK_HAS_MEM = 1u << 0,     /* mem filled from INET_DIAG_SKMEMINFO / UNIX_DIAG_MEMINFO */
	SK_SOCK_HAS_TCPINFO = 1u << 1, /* tcp filled from INET_DIAG_INFO */
	SK_SOCK_HAS_CGROUP = 1u << 2,  /* cgroup_id filled */
	SK_SOCK_HAS_SHUTDOWN = 1u << 3,
	SK_SOCK_UNDUMPED = 1u << 4,    /* synthesized from an fd no dump reported */
	SK_SOCK_ORPHAN = 1u << 5,      /* full TCP socket, inode 0, closing state */
	SK_SOCK_V6ONLY = 1u << 6,
	SK_SOCK_HAS_UID = 1u << 7,
};

struct sk_endpoint {
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint16_t port;    /* host order */
};

/* SK_MEMINFO_* vector, all bytes. */
struct sk_meminfo {
	uint32_t rmem_alloc, rcvbuf, wmem_alloc, sndbuf, fwd_alloc, wmem_queued,
		optmem, backlog, drops;
};

/* The tcp_info fields an operator needs for a stuck socket. Filled from a
 * zero-padded copy, so fields a kernel does not send read as 0; tcpinfo_len
 * says how many bytes of struct tcp_info the kernel sent. */
struct sk_tcpinfo {
	uint8_t ca_state, retransmits, probes, backoff;
	uint8_t snd_wscale, rcv_wscale;
	uint16_t tcpinfo_len;
	uint32_t rto_us, ato_us, snd_mss, rcv_mss;
	uint32_t unacked, sacked, lost, retrans, total_retrans;
	uint32_t last_data_sent_ms, last_data_recv_ms, last_ack_recv_ms;
	uint32_t rtt_us, rttvar_us, snd_cwnd, snd_ssthresh, rcv_space;
	uint32_t notsent_bytes, delivered;
	uint32_t snd_wnd, rcv_wnd; /* 0 when the kernel predates them: see SK_TCPINFO_LEN_WND */
	uint64_t bytes_acked, bytes_received, bytes_sent, bytes_retrans;
};

/* tcpinfo_len from which snd_wnd and rcv_wnd are the kernel's (Linux 6.2+). */
#define SK_TCPINFO_LEN_WND 236

struct sk_socket {
	uint64_t inode;
	uint64_t cookie;
	uint64_t cgroup_id;
	uint64_t netns;           /* inode of the network namespace it was dumped in */
	struct sk_endpoint local, peer;
	struct sk_meminfo mem;
	struct sk_tcpinfo tcp;
	uint32_t recv_q, send_q;  /* idiag_rqueue / idiag_wqueue; unix: rqlen */
	uint32_t uid;
	uint32_t timer_ms;        /* idiag_expires */
	uint32_t ifindex;
	uint32_t path;            /* unix: offset of the bound path in the snapshot strtab */
	uint32_t unix_peer;       /* unix: peer inode */
	uint32_t owners_start;    /* index into snapshot owner_index[] */
	uint32_t owners_count;    /* fds (any process) that hold this socket */
	uint32_t likely_owner;    /* orphans: process index of the listener, else SK_NONE */
	uint32_t flags;           /* enum sk_sock_flag */
	uint8_t proto;            /* enum sk_proto */
	uint8_t family;           /* AF_INET, AF_INET6, AF_UNIX */
	uint8_t state;            /* enum sk_tcp_state (unix sockets use the same values) */
	uint8_t timer;            /* enum sk_timer */
	uint8_t retrans;          /* idiag_retrans */
	uint8_t shutdown;         /* bit 0: no more receives, bit 1: no more sends */
	uint8_t owner_kind;       /* enum sk_owner_kind */
	uint8_t sock_type;        /* unix: SOCK_STREAM/DGRAM/SEQPACKET */
	uint8_t sockname;         /* enum sk_sockname */
};

typedef SK_VEC(struct sk_socket) sk_sockvec;

extern const char *const sk_proto_names[SK_PROTO_LAST];        /* "tcp", "udp", "unix" */
extern const char *const sk_tcp_state_names[SK_TCP_STATE_LAST]; /* kernel names, "ESTABLISHED" */
/* The same states in the width of a list column, as ss and netstat users
 * read them: "ESTAB"; NEW_SYN_RECV is a SYN_RECV to an operator, and
 * BOUND_INACTIVE shortens to "BOUND". */
extern const char *const sk_tcp_state_short_names[SK_TCP_STATE_LAST];
extern const char *const sk_timer_names[SK_TIMER_LAST];         /* "off", "on", "keepalive", "timewait", "persist" */
extern const char *const sk_owner_names[SK_OWNER_LAST];         /* "none", "fd", "listener", "cgroup" */
extern const char *const sk_sockname_names[SK_SN_LAST];         /* "TCP", "TCPv6", ... as the kernel names them */

const char *sk_tcp_state_name(unsigned state); /* "UNKNOWN" when out of range */

/* Maps a system.sockprotoname value ("TCP", "UNIX-STREAM", ...) to its class. */
enum sk_sockname sk_sockname_parse(const char *name);

/* Formats "1.2.3.4:80" or "[::1]:80" ("*" for a unix socket). Returns
 * the length written (always NUL-terminated when size > 0). */
int sk_endpoint_format(const struct sk_endpoint *ep, int family, char *buf, size_t size);

bool sk_socket_is_orphan_state(unsigned state); /* FIN_WAIT1, FIN_WAIT2, CLOSING, LAST_ACK */

/* A socket's memory as sktop sums it (the rmem and wmem columns, a
 * process's and the machine's totals): data received and not read, data
 * queued to send. Named here so the counting, the JSON and the rules agree. */
static inline uint64_t sk_socket_rmem(const struct sk_socket *k)
{
	return k->mem.rmem_alloc;
}

static inline uint64_t sk_socket_wmem(const struct sk_socket *k)
{
	return k->mem.wmem_queued;
}

/* The figures the rules and the views judge a socket by, named once here
 * so that only this file, the kernel copy (diag_parse.c) and the field
 * table (fields.c) spell the kernel's field names. */
static inline uint32_t sk_socket_rcvbuf(const struct sk_socket *k)
{
	return k->mem.rcvbuf;
}

static inline uint32_t sk_socket_drops(const struct sk_socket *k)
{
	return k->mem.drops;
}

/* Unanswered zero-window or keepalive probes: tcp_info counts them,
 * idiag_retrans does not. 0 without tcp_info. */
static inline uint32_t sk_socket_probes(const struct sk_socket *k)
{
	return k->flags & SK_SOCK_HAS_TCPINFO ? k->tcp.probes : 0;
}

/* Exponential backoff of the retransmit timer; 0 without tcp_info. */
static inline uint32_t sk_socket_backoff(const struct sk_socket *k)
{
	return k->flags & SK_SOCK_HAS_TCPINFO ? k->tcp.backoff : 0;
}

/* How long ago the last ACK arrived; 0 without tcp_info. */
static inline uint32_t sk_socket_last_ack_ms(const struct sk_socket *k)
{
	return k->flags & SK_SOCK_HAS_TCPINFO ? k->tcp.last_ack_recv_ms : 0;
}

/* How long ago the peer last sent anything, data or ACK: a lower bound on
 * the connection's age. 0 without tcp_info. */
static inline uint32_t sk_socket_last_heard_ms(const struct sk_socket *k)
{
	if (!(k->flags & SK_SOCK_HAS_TCPINFO))
		return 0;
	return k->tcp.last_data_recv_ms > k->tcp.last_ack_recv_ms ? k->tcp.last_data_recv_ms
								 : k->tcp.last_ack_recv_ms;
}

/* The window we advertise is under one segment (zero, or a sliver silly
 * window avoidance makes the sender ignore). false when the kernel does
 * not report the window (tcp_info before 6.2, or none). */
static inline bool sk_socket_rcv_window_shut(const struct sk_socket *k)
{
	return (k->flags & SK_SOCK_HAS_TCPINFO) && k->tcp.tcpinfo_len >= SK_TCPINFO_LEN_WND &&
	       (k->tcp.rcv_wnd == 0 || k->tcp.rcv_wnd < k->tcp.rcv_mss);
}

#endif
