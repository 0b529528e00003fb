/* Building snapshots by hand for unit tests: the rows a dump and a /proc
 * scan would have produced, without a kernel. */
#ifndef SKTOP_TEST_SNAPBUILD_H
#define SKTOP_TEST_SNAPBUILD_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "analyse/findings.h"
#include "analyse/history.h"
#include "model/snapshot.h"

#define NS_A 4026531840ULL
#define NS_B 4026532999ULL
#define ALL_INET ((1u << SK_SN_TCP) | (1u << SK_SN_TCPV6) | (1u << SK_SN_UDP) | (1u << SK_SN_UDPV6))

struct sk_socket *sb_sock(struct sk_snapshot *s, uint8_t proto, uint8_t family, uint8_t state,
			  uint64_t inode, const char *local, uint16_t lport, uint64_t netns);
void sb_peer(struct sk_socket *k, const char *addr, uint16_t port);
/* A unix socket of type (SOCK_STREAM, ...) bound to path (0: no peer). */
struct sk_socket *sb_unix(struct sk_snapshot *s, uint8_t type, uint8_t state, uint64_t inode,
			  const char *path, uint32_t peer, uint64_t netns);
/* A roomy machine's limits: none is near, so no finding comes from them. */
void sb_limits(struct sk_limits *l);
uint32_t sb_proc(struct sk_snapshot *s, int32_t pid, uint64_t netns);
void sb_fd(struct sk_snapshot *s, uint32_t proc, int32_t fd, uint64_t inode);
void sb_netns(struct sk_snapshot *s, uint64_t id, uint32_t dumped);
void sb_time(struct sk_snapshot *s, uint64_t ms); /* the fake monotonic clock */
/* s emptied for refresh number seq, taken at ms on the fake clock and at
 * realtime on the wall clock, as root on host running kernel. */
void sb_refresh(struct sk_snapshot *s, uint64_t seq, uint64_t ms, time_t realtime,
		const char *host, const char *kernel);

/* s as the JSON writer puts it (flags: enum sk_json_flags), malloc'd. */
char *sb_json(const struct sk_snapshot *s, unsigned flags, size_t *len);
/* A services row (names escaped already, NULL or "" unknown); returns its
 * index + 1, what sk_process.service holds. */
uint32_t sb_service(struct sk_snapshot *s, uint8_t kind, const char *name, const char *pod,
		    const char *ns, const char *container, const char *unit);
/* Socket k (after the join) belongs to service, no fd holding it. */
void sb_sock_service(struct sk_snapshot *s, size_t k, uint32_t service);

/* The xattr stand-in: fd 100-199 TCP, 200-299 TCPv6, 300-399 UDP, 400-499 NETLINK. */
enum sk_sockname sb_sockname(void *ctx, int32_t pid, int32_t fd, uint64_t inode);
/* Every fd of the class ctx carries, made with SB_SOCKNAME_CTX (no
 * storage behind it, so it outlives any engine it is given to). */
enum sk_sockname sb_sockname_as(void *ctx, int32_t pid, int32_t fd, uint64_t inode);
#define SB_SOCKNAME_CTX(sockname) ((void *)(uintptr_t)(sockname))

/* A snapshot and what judges it, as the engine holds them: a history that
 * keeps every sample (window 0), findings and the default thresholds. */
struct sb_world {
	struct sk_snapshot s;
	struct sk_history h;
	struct sk_findings f;
	struct sk_thresholds th;
};

void sb_world_init(struct sb_world *w);
void sb_world_free(struct sb_world *w);
/* Joins the snapshot (fds named by sb_sockname), records it in the history
 * and evaluates the findings, each step asserted to succeed. */
void sb_world_judge(struct sb_world *w);

#endif
