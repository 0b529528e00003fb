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

#include "store/json.h"

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

enum sk_sockname sb_sockname_as(void *ctx, int32_t pid, int32_t fd, uint64_t inode)
{
	(void)pid;
	(void)fd;
	(void)inode;
	return (enum sk_sockname)(uintptr_t)ctx;
}

void sb_world_init(struct sb_world *w)
{
	sk_snapshot_init(&w->s);
	sk_history_init(&w->h, 0);
	sk_findings_init(&w->f);
	sk_thresholds_default(&w->th);
}

void sb_world_free(struct sb_world *w)
{
	sk_snapshot_free(&w->s);
	sk_history_free(&w->h);
	sk_findings_free(&w->f);
}

void sb_world_judge(struct sb_world *w)
{
	struct sk_error err = {0};

	assert_int_equal(sk_snapshot_join(&w->s, sb_sockname, NULL, &err), 0);
	assert_int_equal(sk_history_record(&w->h, &w->s), 0);
	assert_int_equal(sk_findings_evaluate(&w->f, &w->s, &w->h, &w->th), 0);
}

/* A row as every dump starts it. */
static struct sk_socket *push_sock(struct sk_snapshot *s, uint8_t proto, uint8_t family,
				   uint8_t state, uint64_t inode, uint64_t netns)
{
	struct sk_socket *k = SK_VEC_PUSH(&s->socks);

	assert_non_null(k);
	k->proto = proto;
	k->family = family;
	k->state = state;
	k->inode = inode;
	k->netns = netns;
	return k;
}

struct sk_socket *sb_sock(struct sk_snapshot *s, uint8_t proto, uint8_t family, uint8_t state,
			  uint64_t inode, const char *local, uint16_t lport, uint64_t netns)
{
	struct sk_socket *k = push_sock(s, proto, family, state, inode, netns);

	k->local.port = lport;
	k->sockname = proto == SK_PROTO_TCP ? (family == AF_INET6 ? SK_SN_TCPV6 : SK_SN_TCP)
		      : (family == AF_INET6 ? SK_SN_UDPV6 : SK_SN_UDP);
	assert_int_equal(inet_pton(family, local, k->local.addr), 1);
	return k;
}

struct sk_socket *sb_unix(struct sk_snapshot *s, uint8_t type, uint8_t state, uint64_t inode,
			  const char *path, uint32_t peer, uint64_t netns)
{
	struct sk_socket *k = push_sock(s, SK_PROTO_UNIX, AF_UNIX, state, inode, netns);
	int rc = 0;

	k->sock_type = type;
	k->unix_peer = peer;
	k->sockname = SK_SN_UNIX;
	k->path = sk_strtab_add(&s->strs, path, strlen(path), &rc);
	assert_int_equal(rc, 0);
	return k;
}

void sb_limits(struct sk_limits *l)
{
	l->tcp_max_orphans = 65536;
	l->tcp_mem[0] = 90000;
	l->tcp_mem[1] = 120000;
	l->tcp_mem[2] = 180000;
	l->page_size = 4096;
	l->ip_local_port_range[0] = 32768;
	l->ip_local_port_range[1] = 60999;
	l->file_nr[0] = 1500;
	l->file_max = 9223372036854775807LL;
	l->tcp_orphan_retries = 0;
	l->somaxconn = 4096;
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

void sb_refresh(struct sk_snapshot *s, uint64_t seq, uint64_t ms, time_t realtime,
		const char *host, const char *kernel)
{
	sk_snapshot_reset(s);
	s->seq = seq;
	sb_time(s, ms);
	s->realtime.tv_sec = realtime;
	snprintf(s->host, sizeof(s->host), "%s", host);
	snprintf(s->kernel, sizeof(s->kernel), "%s", kernel);
	s->root = true;
}

char *sb_json(const struct sk_snapshot *s, unsigned flags, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(sk_json_write_snapshot_ex(f, s, flags), 0);
	fclose(f);
	return buf;
}

static uint32_t sb_str(struct sk_snapshot *s, const char *v)
{
	int rc = 0;
	uint32_t off = v && *v ? sk_strtab_add(&s->strs, v, strlen(v), &rc) : 0;

	assert_int_equal(rc, 0);
	return off;
}

uint32_t sb_service(struct sk_snapshot *s, uint8_t kind, const char *name, const char *pod,
		    const char *ns, const char *container, const char *unit)
{
	struct sk_service *sv = SK_VEC_PUSH(&s->services);
	char cgroup[256];

	assert_non_null(sv);
	snprintf(cgroup, sizeof(cgroup), "/sb.slice/%s", name);
	sv->kind = kind;
	sv->name = sb_str(s, name);
	sv->pod = sb_str(s, pod);
	sv->ns = sb_str(s, ns);
	sv->container = sb_str(s, container);
	sv->unit = sb_str(s, unit);
	sv->cgroup = sb_str(s, cgroup);
	if (kind == SK_SERVICE_K8S || kind == SK_SERVICE_DOCKER)
		sv->id = sb_str(s, "4f1c0a7e5b6d4c3e8a9f0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e");
	return (uint32_t)s->services.n;
}

void sb_sock_service(struct sk_snapshot *s, size_t k, uint32_t service)
{
	while (s->sock_service.n < s->socks.n) {
		uint32_t *v = SK_VEC_PUSH(&s->sock_service);

		assert_non_null(v);
		*v = 0;
	}
	assert_true(k < s->sock_service.n);
	s->sock_service.v[k] = service;
	s->services.v[service - 1].nsockets++;
}
