/* NETLINK_SOCK_DIAG: turning the kernel's messages into sk_socket rows.
 *
 * Two halves with one seam between them: the parser (diag_parse.c) is a pure
 * function of a byte buffer, so unit tests and fuzzers feed it captured or
 * hostile messages; the dumper (diag_dump.c, libmnl) owns the socket, the
 * request and the receive loop, and hands each received buffer to the parser. */
#ifndef SKTOP_DIAG_H
#define SKTOP_DIAG_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "model/sock.h"
#include "util/strtab.h"

struct sk_diag_stats {
	uint32_t messages;      /* netlink messages seen */
	uint32_t sockets;       /* rows added */
	uint32_t rejected;      /* malformed messages skipped (bad length, bad attribute) */
	uint32_t retries;       /* dumps redone after NLM_F_DUMP_INTR or ENOBUFS */
	uint32_t unsupported;   /* dumps the kernel refused (no module for the protocol) */
	uint32_t failed;        /* dumps given up after the retry bound */
};

/* Where parsed rows go. netns is stamped on every row. */
struct sk_diag_sink {
	sk_sockvec *socks;
	struct sk_strtab *strs;
	uint64_t netns;
	struct sk_diag_stats *stats;
	const atomic_bool *cancel; /* NULL, or set from another thread to stop the dump */
};

enum sk_diag_kind {
	SK_DIAG_INET, /* inet_diag_msg (TCP, UDP; v4 and v6) */
	SK_DIAG_UNIX, /* unix_diag_msg */
};

/* What to ask for. ext_* toggle the extensions the columns in use need.
 * AF_UNSPEC with TCP asks for both families in one walk of the kernel's
 * TCP tables. sock_diag proper has no such request (it dispatches on the
 * family), so that one goes out as the older inet_diag TCPDIAG_GETSOCK,
 * which every kernel since 2.6 still answers with the same messages. */
struct sk_diag_request {
	uint8_t kind;     /* enum sk_diag_kind */
	uint8_t family;   /* AF_INET, AF_INET6, AF_UNSPEC for TCP (AF_UNIX for unix) */
	uint8_t protocol; /* IPPROTO_TCP, IPPROTO_UDP (ignored for unix) */
	uint32_t states;  /* bit mask of 1 << enum sk_tcp_state */
	bool ext_meminfo; /* INET_DIAG_SKMEMINFO / UDIAG_SHOW_MEMINFO */
	bool ext_tcpinfo; /* INET_DIAG_INFO */
};

/* Parses one buffer of netlink messages as received from a dump. Returns
 * 1 when NLMSG_DONE was seen (dump complete), 0 when more is expected,
 * -EINTR when the kernel flagged NLM_F_DUMP_INTR (redo the dump), or another
 * -errno from an NLMSG_ERROR. Malformed messages are counted in
 * stats->rejected and skipped; they never stop the walk. The protocol of
 * inet rows is taken from INET_DIAG_PROTOCOL when present, else `protocol`.
 * Other returns: the error NLMSG_DONE carries when the kernel cut the dump
 * short, -ENOBUFS for NLMSG_OVERRUN, -EPROTO for an NLMSG_ERROR with no
 * valid code, -ENOMEM, and -EINVAL when buf is not 4-byte aligned (every
 * netlink receive buffer is). */
int sk_diag_parse_buffer(const void *buf, size_t len, enum sk_diag_kind kind,
			 uint8_t protocol, struct sk_diag_sink *sink);

/* A sock_diag socket bound in the network namespace that was current when
 * it was opened; it keeps answering for that namespace afterwards. */
struct sk_diag_conn;

int sk_diag_open(struct sk_diag_conn **conn, struct sk_error *err);
void sk_diag_close(struct sk_diag_conn *conn);

/* Runs one dump to completion, appending rows to the sink. Retries a dump
 * that the kernel interrupted (NLM_F_DUMP_INTR) or that overran the socket
 * buffer (ENOBUFS) a bounded number of times, discarding the partial rows.
 * A protocol the kernel has no diag module for returns -ENOENT (or
 * -EOPNOTSUPP) with nothing appended, and the caller reports it. When
 * sink->cancel is set it returns -ECANCELED with nothing appended; the rest
 * of that dump is drained on the connection's next use. */
int sk_diag_dump(struct sk_diag_conn *conn, const struct sk_diag_request *req,
		 struct sk_diag_sink *sink, struct sk_error *err);

/* Asks the kernel to destroy one TCP or UDP socket, as `ss -K` does
 * (SOCK_DESTROY: a TCP peer gets a RST, a local owner's next call fails
 * with ECONNABORTED). The row names the socket by its four-tuple and
 * cookie, so a socket that was replaced since the dump is not hit. conn
 * must be bound in the row's namespace. Returns 0, -ENOENT when it is
 * already gone, -EOPNOTSUPP when the kernel lacks CONFIG_INET_DIAG_DESTROY
 * (or the protocol cannot be destroyed: unix), -EPERM without
 * CAP_NET_ADMIN, or another -errno; err gets one line. */
int sk_diag_destroy(struct sk_diag_conn *conn, const struct sk_socket *row,
		    struct sk_error *err);

/* Receives each datagram of a raw dump exactly as the kernel sent it (after
 * the sequence and sender checks). Returns 0 to keep reading, anything else
 * to stop early. */
typedef int (*sk_diag_raw_fn)(const void *buf, size_t len, void *ctx);

/* Runs one dump like sk_diag_dump, same request, but hands the datagrams to
 * fn instead of parsing them: for capturing test fixtures. No retries.
 * Returns 0 after NLMSG_DONE, -ECANCELED when fn stopped early (the rest of
 * the dump is discarded, the conn stays usable), or -errno (an NLMSG_ERROR's
 * code, -EINTR for NLM_F_DUMP_INTR). */
int sk_diag_dump_raw(struct sk_diag_conn *conn, const struct sk_diag_request *req,
		     sk_diag_raw_fn fn, void *ctx, struct sk_error *err);

#endif
