#include <config.h>

#include "snapbuild.h"

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

enum sk_sockname sb_sockname(void *ctx, int32_t pid, int32_t fd, uint64_t inode)
{
	(void)inode;
	(void)ctx;
	(void)pid;
	switch (fd / 100) {
	case 1: return SK_SN_TCP;
	case 2: return SK_SN_TCPV6;
	case 3: return SK_SN_UDP;
	case 4: return SK_SN_NETLINK;
	default: return SK_SN_OTHER;
	}
}

struct sk_socket *sb_sock(struct sk_snapshot *s, uint8_t proto, uint8_t family, uint8_t state,
			  uint64_t inode, const char *local, uint16_t lport, uint64_t netns)
{
	struct sk_socket *k = SK_VEC_PUSH(&s->socks);

	assert_non_null(k);
	k->proto = proto;
	k->family = family;
	k->state = state;
	k->inode = inode;
	k->netns = netns;
	k->local.port = lport;
	k->sockname = proto == SK_PROTO_TCP ? (family == AF_INET6 ? SK_SN_TCPV6 : SK_SN_TCP)
		      : (family == AF_INET6 ? SK_SN_UDPV6 : SK_SN_UDP);
	assert_int_equal(inet_pton(family, local, k->local.addr), 1);
	return k;
}

void sb_peer(struct sk_socket *k, const char *addr, uint16_t port)
{
	assert_int_equal(inet_pton(k->family, addr, k->peer.addr), 1);
	k->peer.port = port;
}

uint32_t sb_proc(struct sk_snapshot *s, int32_t pid, uint64_t netns)
{
	struct sk_process *p = SK_VEC_PUSH(&s->procs);

	assert_non_null(p);
	p->pid = pid;
	p->netns = netns;
	p->starttime = 1000 + (uint64_t)pid;
	p->fd_limit = 1024;
	p->fdrefs_start = (uint32_t)s->fdrefs.n;
	snprintf(p->comm, sizeof(p->comm), "proc%d", (int)pid);
	return (uint32_t)(s->procs.n - 1);
}

void sb_fd(struct sk_snapshot *s, uint32_t proc, int32_t fd, uint64_t inode)
{
	struct sk_fdref *r = SK_VEC_PUSH(&s->fdrefs);

	assert_non_null(r);
	r->proc = proc;
	r->fd = fd;
	r->inode = inode;
	s->procs.v[proc].fdrefs_count++;
	s->procs.v[proc].fd_count++;
}

void sb_netns(struct sk_snapshot *s, uint64_t id, uint32_t dumped)
{
	struct sk_netns *ns = SK_VEC_PUSH(&s->netns);

	assert_non_null(ns);
	ns->id = id;
	ns->dumped = dumped;
}

void sb_time(struct sk_snapshot *s, uint64_t ms)
{
	s->monotonic.tv_sec = (time_t)(ms / 1000);
	s->monotonic.tv_nsec = (long)(ms % 1000) * 1000000;
}
