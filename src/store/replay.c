/* Snapshot file -> snapshot. json.c is the format's definition: every name
 * here is one it writes, the records' names come from their field tables
 * (model/fields.h). The document is parsed into a tree first (json_read.c),
 * then each object's members are matched against the keys this file knows
 * in one pass (replay_get.c), so a hostile object with a million members
 * costs a million steps, not a million per lookup. What a live refresh
 * derives (owner index, every count) is derived again by the join's own
 * code (sk_snapshot_recount), never read back. */
#include <config.h>

#include "store/replay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/json.h"
#include "store/json_read.h"
#include "store/replay_get.h"
#include "store/replay_life.h"
#include "store/replay_service.h"

/* Index of the process with this pid (procs are sorted by then), SK_NONE. */
static uint32_t proc_index(const struct sk_snapshot *s, int32_t pid)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, pid);

	return p ? (uint32_t)(p - s->procs.v) : SK_NONE;
}

/* --- processes -------------------------------------------------------------------- */

/* The counts of its sockets (sockets, tcp_states, closed, rmem, ...) are
 * not read: sk_snapshot_recount makes them from the rows. "other" is read,
 * as no row stands behind it. */
enum {
	P_PID, P_COMM, P_CMDLINE, P_UID, P_NETNS, P_FDS, P_FD_LIMIT, P_OTHER, P_RSS_KB,
	P_STARTTIME, P_FDS_DENIED, P_SERVICE, P_LAST
};
static const char *const proc_keys[P_LAST] = {
	"pid", "comm", "cmdline", "uid", "netns", "fds", "fd_limit", "other", "rss_kb",
	"starttime", "fds_denied", "service",
};

#define PM(slot, type, m) RD_MEMBER(slot, type, struct sk_process, m)
static const struct rd_member proc_members[] = {
	PM(P_PID, RD_PID, pid),      PM(P_COMM, RD_TEXT, comm),   PM(P_CMDLINE, RD_STRTAB, cmdline),
	PM(P_UID, RD_U32, uid),      PM(P_NETNS, RD_U64, netns),  PM(P_FDS, RD_U32, fd_count),
};
#undef PM

static int map_process(struct rctx *c, const jnode *o, struct sk_process *p)
{
	const jnode *f[P_LAST];
	struct sk_agg *a = &p->agg;
	int rc = rd_collect(c, o, NULL, proc_keys, P_LAST, f);

	if (rc == 0)
		rc = rd_get_members(c, f, proc_keys, proc_members,
				    sizeof(proc_members) / sizeof(proc_members[0]), p);
	if (rc == 0) {
		if (f[P_FD_LIMIT] && f[P_FD_LIMIT]->type == SK_JSON_NULL)
			p->fd_limit = SK_FD_LIMIT_UNLIMITED;
		else
			rc = rd_get_u64(c, f[P_FD_LIMIT], "fd_limit", &p->fd_limit);
	}
	if (rc == 0)
		rc = rd_get_counts(c, f[P_OTHER], "other", sk_sockname_names, SK_SN_LAST, a->other);
	if (rc == 0)
		rc = rd_get_u64(c, f[P_RSS_KB], "rss_kb", &p->rss_kb);
	if (rc == 0)
		rc = rd_get_u64(c, f[P_STARTTIME], "starttime", &p->starttime);
	if (rc == 0 && f[P_FDS_DENIED]) {
		bool denied;

		rc = rd_get_bool(c, f[P_FDS_DENIED], "fds_denied", &denied);
		if (rc == 0 && denied)
			p->flags |= SK_PROC_FD_DENIED;
	}
	if (rc == 0 && f[P_SERVICE])
		rc = rd_get_service(c, f[P_SERVICE], &p->service);
	return rc;
}

/* Puts procs in pid order (the file's order when it already is) and
 * refuses a pid given twice. */
/* The pid of element i, base pointing at element 0's pid. */
static int32_t pid_at(const char *base, size_t i, size_t size)
{
	int32_t pid;

	memcpy(&pid, base + i * size, sizeof(pid));
	return pid;
}

/* Puts the n elements of `size` bytes at *v in ascending order of the pid
 * at pid_off (the file's order when it already is: no copy) and refuses a
 * pid given twice. what: the array, for the message. */
static int sort_by_pid(struct rctx *c, void **v, size_t *cap, size_t n, size_t size,
		       size_t pid_off, const char *what)
{
	const char *base = (const char *)*v + pid_off;
	char *sorted = NULL;
	struct kv *idx = NULL;
	bool in_order = true;
	int rc = 0;

	for (size_t i = 1; i < n && in_order; i++)
		in_order = pid_at(base, i - 1, size) < pid_at(base, i, size);
	if (in_order)
		return 0;
	idx = malloc(n * sizeof(*idx));
	sorted = malloc(n * size);
	for (size_t i = 0; idx && i < n; i++)
		idx[i] = (struct kv){(uint64_t)pid_at(base, i, size), (uint32_t)i};
	if (!idx || !sorted || rd_kv_sort(idx, n)) {
		rc = rd_nomem(c);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (i && idx[i].key == idx[i - 1].key) {
			rc = rd_bad(c, NULL, "%s[%u]: duplicate pid %llu (also %s[%u])", what,
				    idx[i].val, (unsigned long long)idx[i].key, what, idx[i - 1].val);
			goto out;
		}
		memcpy(sorted + i * size, (const char *)*v + (size_t)idx[i].val * size, size);
	}
	free(*v);
	*v = sorted;
	*cap = n;
	sorted = NULL;
out:
	free(idx);
	free(sorted);
	return rc;
}

static int sort_procs(struct rctx *c)
{
	sk_procvec *pv = &c->r->snap.procs;

	return sort_by_pid(c, (void **)&pv->v, &pv->cap, pv->n, sizeof(*pv->v),
			   offsetof(struct sk_process, pid), "processes");
}

/* One at a time: the element count says nothing about memory until each
 * element has proved to be a process. */
static int process_element(struct rctx *c, const jnode *e, size_t i, void *arg)
{
	struct sk_process *p = SK_VEC_PUSH(&c->r->snap.procs);

	(void)i;
	(void)arg;
	return p ? map_process(c, e, p) : rd_nomem(c);
}

static int map_processes(struct rctx *c, const jnode *a)
{
	int rc = rd_each_element(c, a, "processes", process_element, NULL);

	if (rc == 0)
		rc = sort_procs(c);
	/* From here pids resolve by binary search (sk_snapshot_find_pid): a
	 * file that names many unknown pids must not make that linear. */
	c->r->snap.procs_sorted = rc == 0;
	return rc;
}

/* --- sockets -------------------------------------------------------------------- */

enum {
	K_PROTO, K_FAMILY, K_STATE, K_LOCAL, K_PEER, K_PEER_INODE, K_TYPE, K_RECV_Q, K_SEND_Q,
	K_INODE, K_UID, K_NETNS, K_FDS, K_OWNER, K_LIKELY_PID, K_CGROUP_ID, K_ORPHAN, K_UNDUMPED,
	K_TIMER, K_TIMER_MS, K_RETRANS, K_SHUTDOWN, K_COOKIE, K_SKMEM, K_TCP_INFO, K_SERVICE,
	K_CREATOR, K_AGE_S, K_STATE_AGE_S, K_AGE_ESTIMATED, K_LAST
};
static const char *const sock_keys[K_LAST] = {
	"proto", "family", "state", "local", "peer", "peer_inode", "type", "recv_q", "send_q",
	"inode", "uid", "netns", "fds", "owner", "likely_pid", "cgroup_id", "orphan", "undumped",
	"timer", "timer_ms", "retrans", "shutdown", "cookie", "skmem", "tcp_info", "service",
	"creator", "age_s", "state_age_s", "age_estimated",
};

/* "1.2.3.4:80" or "[::1]:80", as sk_endpoint_format writes them. */
static int get_endpoint(struct rctx *c, const jnode *n, const char *field, int family,
			struct sk_endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN + 1], q[64];
	const char *s, *colon;
	size_t alen;
	unsigned long port = 0;
	int rc = rd_want(c, n, field, SK_JSON_STRING);

	if (rc)
		return rc;
	s = n->v.str;
	colon = memrchr(s, ':', n->len);
	if (!colon || strlen(s) != n->len)
		goto invalid;
	if (colon + 1 == s + n->len || (size_t)(s + n->len - colon - 1) > 5)
		goto invalid;
	for (const char *d = colon + 1; d < s + n->len; d++) {
		if (*d < '0' || *d > '9')
			goto invalid;
		port = port * 10 + (unsigned long)(*d - '0');
	}
	if (port > UINT16_MAX)
		goto invalid;
	if (family == AF_INET6) {
		if (s[0] != '[' || colon == s || colon[-1] != ']')
			goto invalid;
		s++;
		alen = (size_t)(colon - 1 - s);
	} else {
		alen = (size_t)(colon - s);
	}
	if (alen >= sizeof(addr))
		goto invalid;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	memset(ep->addr, 0, sizeof(ep->addr));
	if (inet_pton(family, addr, ep->addr) != 1)
		goto invalid;
	ep->port = (uint16_t)port;
	return 0;
invalid:
	return rd_bad(c, field, "invalid %s address '%s'", family == AF_INET6 ? "IPv6" : "IPv4",
		   rd_quote(n, q, sizeof(q)));
}

static const char *const family_names[] = {"inet", "inet6", "unix"};
static const int family_values[] = {AF_INET, AF_INET6, AF_UNIX};
static const char *const unix_type_names[] = {"?", "stream", "dgram", "seqpacket"};
static const uint8_t unix_type_values[] = {0, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};

static int fd_element(struct rctx *c, const jnode *e, size_t i, void *sock)
{
	static const char *const keys[] = {"pid", "fd"};
	const jnode *f[2];
	int32_t pid = 0;
	uint64_t fd = 0;
	int rc = rd_collect(c, e, NULL, keys, 2, f);

	(void)i;
	if (rc == 0)
		rc = rd_get_pid(c, f[0], "pid", &pid);
	if (rc == 0)
		rc = rd_get_uint(c, f[1], "fd", INT32_MAX, &fd);
	if (rc == 0) {
		uint32_t proc = proc_index(&c->r->snap, pid);
		struct fdtmp *t;

		if (proc == SK_NONE) {
			rc = rd_bad(c, "pid", "pid %d is not in \"processes\"", (int)pid);
		} else if (!(t = SK_VEC_PUSH(&c->fds))) {
			rc = rd_nomem(c);
		} else {
			t->proc = proc;
			t->sock = *(const uint32_t *)sock;
			t->fd = (int32_t)fd;
		}
	}
	return rc;
}

static int map_fds(struct rctx *c, const jnode *a, uint32_t sock)
{
	return rd_each_element(c, a, "fds", fd_element, &sock);
}

/* The row's queues and inode, read as they are. */
#define SM(slot, type, m) RD_MEMBER(slot, type, struct sk_socket, m)
static const struct rd_member sock_numbers[] = {
	SM(K_RECV_Q, RD_U32, recv_q), SM(K_SEND_Q, RD_U32, send_q), SM(K_INODE, RD_U64, inode),
};
#undef SM

static int map_socket(struct rctx *c, const jnode *o, struct sk_socket *k, uint32_t index)
{
	const jnode *f[K_LAST];
	unsigned v = 0, fam = 0;
	int rc = rd_collect(c, o, NULL, sock_keys, K_LAST, f);

	k->likely_owner = SK_NONE;
	if (rc == 0)
		rc = rd_get_enum(c, f[K_PROTO], "proto", sk_proto_names, SK_PROTO_LAST, "protocol", &v);
	k->proto = (uint8_t)v;
	if (rc == 0)
		rc = rd_get_enum(c, f[K_FAMILY], "family", family_names, 3, "family", &fam);
	k->family = (uint8_t)family_values[fam];
	if (rc == 0 && (k->proto == SK_PROTO_UNIX) != (k->family == AF_UNIX))
		rc = rd_bad(c, "family", "family '%s' does not go with protocol '%s'",
			 family_names[fam], sk_proto_names[k->proto]);
	if (rc == 0) {
		bool v6 = k->family == AF_INET6;

		k->sockname = k->proto == SK_PROTO_TCP   ? (v6 ? SK_SN_TCPV6 : SK_SN_TCP)
			      : k->proto == SK_PROTO_UDP ? (v6 ? SK_SN_UDPV6 : SK_SN_UDP)
							 : SK_SN_UNIX;
		rc = rd_get_enum(c, f[K_STATE], "state", sk_tcp_state_names, SK_TCP_STATE_LAST, "state",
			      &v);
		k->state = (uint8_t)v;
	}
	if (rc == 0 && k->family == AF_UNIX) {
		rc = rd_get_strtab(c, f[K_LOCAL], "local", &k->path);
		if (rc == 0)
			rc = rd_get_u32(c, f[K_PEER_INODE], "peer_inode", &k->unix_peer);
		if (rc == 0)
			rc = rd_get_enum(c, f[K_TYPE], "type", unix_type_names, 4, "unix socket type", &v);
		if (rc == 0)
			k->sock_type = unix_type_values[v];
	} else if (rc == 0) {
		rc = get_endpoint(c, f[K_LOCAL], "local", k->family, &k->local);
		if (rc == 0)
			rc = get_endpoint(c, f[K_PEER], "peer", k->family, &k->peer);
	}
	if (rc == 0)
		rc = rd_get_members(c, f, sock_keys, sock_numbers,
				    sizeof(sock_numbers) / sizeof(sock_numbers[0]), k);
	if (rc == 0 && f[K_UID]) {
		rc = rd_get_u32(c, f[K_UID], "uid", &k->uid);
		k->flags |= SK_SOCK_HAS_UID;
	}
	if (rc == 0)
		rc = rd_get_u64(c, f[K_NETNS], "netns", &k->netns);
	if (rc == 0)
		rc = map_fds(c, f[K_FDS], index);
	if (rc == 0)
		rc = rd_get_enum(c, f[K_OWNER], "owner", sk_owner_names, SK_OWNER_LAST, "owner kind", &v);
	k->owner_kind = (uint8_t)v;
	if (rc == 0 && f[K_LIKELY_PID]) {
		int32_t pid = 0;

		rc = rd_get_pid(c, f[K_LIKELY_PID], "likely_pid", &pid);
		if (rc == 0) {
			k->likely_owner = proc_index(&c->r->snap, pid);
			if (k->likely_owner == SK_NONE)
				rc = rd_bad(c, "likely_pid", "pid %d is not in \"processes\"", (int)pid);
		}
	}
	if (rc == 0 && f[K_CGROUP_ID]) {
		rc = rd_get_u64(c, f[K_CGROUP_ID], "cgroup_id", &k->cgroup_id);
		k->flags |= SK_SOCK_HAS_CGROUP;
	}
	if (rc == 0 && f[K_ORPHAN]) {
		bool b;

		rc = rd_get_bool(c, f[K_ORPHAN], "orphan", &b);
		if (rc == 0 && b)
			k->flags |= SK_SOCK_ORPHAN;
	}
	if (rc == 0 && f[K_UNDUMPED]) {
		bool b;

		rc = rd_get_bool(c, f[K_UNDUMPED], "undumped", &b);
		if (rc == 0 && b)
			k->flags |= SK_SOCK_UNDUMPED;
	}
	if (rc == 0)
		rc = rd_get_enum(c, f[K_TIMER], "timer", sk_timer_names, SK_TIMER_LAST, "timer", &v);
	k->timer = (uint8_t)v;
	if (rc == 0)
		rc = rd_get_u32(c, f[K_TIMER_MS], "timer_ms", &k->timer_ms);
	if (rc == 0)
		rc = rd_get_u8(c, f[K_RETRANS], "retrans", &k->retrans);
	if (rc == 0 && f[K_SHUTDOWN]) {
		rc = rd_get_u8(c, f[K_SHUTDOWN], "shutdown", &k->shutdown);
		k->flags |= SK_SOCK_HAS_SHUTDOWN;
	}
	if (rc == 0)
		rc = rd_get_u64(c, f[K_COOKIE], "cookie", &k->cookie);
	if (rc == 0 && f[K_SKMEM]) {
		rc = rd_get_record(c, f[K_SKMEM], &sk_rec_skmem, &k->mem);
		k->flags |= SK_SOCK_HAS_MEM;
	}
	if (rc == 0 && f[K_TCP_INFO]) {
		rc = rd_get_record(c, f[K_TCP_INFO], &sk_rec_tcpinfo, &k->tcp);
		k->flags |= SK_SOCK_HAS_TCPINFO;
	}
	if (rc == 0 && f[K_SERVICE]) {
		uint32_t sv;

		rc = rd_get_service(c, f[K_SERVICE], &sv);
		if (rc == 0)
			rc = rd_set_sock_service(c, index, sv);
	}
	if (rc == 0)
		rc = rd_get_life(c, index, f[K_CREATOR], f[K_AGE_S], f[K_STATE_AGE_S],
				 f[K_AGE_ESTIMATED]);
	return rc;
}

static int socket_element(struct rctx *c, const jnode *e, size_t i, void *arg)
{
	struct sk_socket *k = SK_VEC_PUSH(&c->r->snap.socks);

	(void)arg;
	return k ? map_socket(c, e, k, (uint32_t)i) : rd_nomem(c);
}

static int map_sockets(struct rctx *c, const jnode *a)
{
	return rd_each_element(c, a, "sockets", socket_element, NULL);
}

/* What the writer flattened into each socket's "fds", back into the fd
 * table the way a /proc scan lays it out (one process's fds contiguous, in
 * file order); then the join's own code indexes and counts it. */
static int build_fd_tables(struct rctx *c)
{
	struct sk_snapshot *s = &c->r->snap;
	size_t nf = c->fds.n;
	uint32_t next = 0;

	if (sk_vec_reserve((void **)&s->fdrefs.v, &s->fdrefs.cap, nf, sizeof(*s->fdrefs.v)))
		return rd_nomem(c);
	for (size_t i = 0; i < s->procs.n; i++)
		s->procs.v[i].fdrefs_count = 0;
	for (size_t i = 0; i < nf; i++)
		s->procs.v[c->fds.v[i].proc].fdrefs_count++;
	for (size_t i = 0; i < s->procs.n; i++) {
		struct sk_process *p = &s->procs.v[i];

		p->fdrefs_start = next;
		next += p->fdrefs_count;
		p->fdrefs_count = 0; /* refilled below as a cursor */
	}
	for (size_t i = 0; i < nf; i++) {
		const struct fdtmp *t = &c->fds.v[i];
		struct sk_process *p = &s->procs.v[t->proc];

		s->fdrefs.v[p->fdrefs_start + p->fdrefs_count++] = (struct sk_fdref){
			.inode = s->socks.v[t->sock].inode,
			.fd = t->fd,
			.proc = t->proc,
			.sock = t->sock,
		};
	}
	s->fdrefs.n = nf;
	return 0;
}

/* --- system ---------------------------------------------------------------------- */

/* Linux's last errno. */
#ifdef EHWPOISON
#define LAST_ERRNO EHWPOISON
#else
#define LAST_ERRNO 133
#endif

/* Whether e has a message: strerror() of an unassigned number formats
 * "Unknown error N" into a buffer glibc allocates and keeps. */
static bool errno_assigned(int e)
{
#if defined(__GLIBC__) && defined(__GLIBC_PREREQ)
#if __GLIBC_PREREQ(2, 32)
	return strerrordesc_np(e) != NULL;
#endif
#endif
	(void)e;
	return true;
}

/* The -errno behind a strerror() text the writer put in netns[].error,
 * for files from before "errno" (lossy: the text is the locale's). */
static int errno_from_text(const jnode *n)
{
	if (n && n->type == SK_JSON_STRING && n->len < 128)
		for (int e = 1; e <= LAST_ERRNO; e++)
			if (errno_assigned(e) && sk_json_str_eq(n, strerror(e)))
				return -e;
	return -EIO;
}

/* A failed dump's -errno: the code when the file has one, else its text. */
static int get_dump_error(struct rctx *c, const jnode *code, const jnode *text, int *out)
{
	uint64_t e = 0;
	int rc;

	if (!code) {
		*out = errno_from_text(text);
		return 0;
	}
	rc = rd_get_uint(c, code, "errno", 4095, &e);
	if (rc == 0 && e == 0)
		rc = rd_bad(c, "errno", "0 is not an error");
	*out = -(int)e;
	return rc;
}

/* Its sockets, tcp_states and orphans are counted from the rows. */
enum {
	N_ID, N_OWN, N_PROCESSES, N_DUMPED, N_ERRNO, N_ERROR, N_DUMPED_CLASSES, N_NAME, N_SKIPPED,
	N_TCP_FROM_FDS, N_LAST
};
static const char *const netns_keys[N_LAST] = {
	"id", "own", "processes", "dumped", "errno", "error", "dumped_classes", "name", "skipped",
	"tcp_from_fds",
};
/* Why a namespace was not dumped yet judged ("skipped"): one reason so far. */
static const char *const skip_reasons[] = {"empty"};

/* ["TCP","UDP",...] -> a mask of 1 << enum sk_sockname. */
static int get_classes(struct rctx *c, const jnode *a, const char *field, uint32_t *mask)
{
	const jnode *e;
	int rc = rd_want(c, a, field, SK_JSON_ARRAY);

	*mask = 0;
	e = rc ? NULL : sk_json_first(a);
	for (uint32_t i = 0; rc == 0 && i < a->len; i++) {
		unsigned cls = 0;

		rc = rd_get_enum(c, e, field, sk_sockname_names, SK_SN_LAST, "socket class", &cls);
		if (rc == 0)
			*mask |= 1u << cls;
		e = sk_json_next(c->d, e);
	}
	return rc;
}

#define NM(slot, type, m) RD_MEMBER(slot, type, struct sk_netns, m)
static const struct rd_member netns_members[] = {
	NM(N_ID, RD_U64, id),
	RD_OPTIONAL(N_NAME, RD_STRTAB, struct sk_netns, name),
	RD_OPTIONAL(N_TCP_FROM_FDS, RD_BOOL, struct sk_netns, tcp_from_fds),
	NM(N_OWN, RD_BOOL, own),
	NM(N_PROCESSES, RD_U32, nprocs),
};
#undef NM

static int netns_element(struct rctx *c, const jnode *e, size_t i, void *arg)
{
	struct sk_netns *ns = SK_VEC_PUSH(&c->r->snap.netns);
	const jnode *f[N_LAST];
	bool dumped = false;
	int rc;

	(void)i;
	(void)arg;
	if (!ns)
		return rd_nomem(c);
	rc = rd_collect(c, e, NULL, netns_keys, N_LAST, f);
	if (rc == 0)
		rc = rd_get_members(c, f, netns_keys, netns_members,
				    sizeof(netns_members) / sizeof(netns_members[0]), ns);
	if (rc == 0)
		rc = rd_get_bool(c, f[N_DUMPED], "dumped", &dumped);
	if (rc == 0 && f[N_ERROR])
		rc = rd_want(c, f[N_ERROR], "error", SK_JSON_STRING);
	if (rc == 0 && !dumped)
		rc = get_dump_error(c, f[N_ERRNO], f[N_ERROR], &ns->dump_error);
	/* Files from before dumped_classes: all or nothing, as they meant. */
	if (rc == 0 && f[N_DUMPED_CLASSES])
		rc = get_classes(c, f[N_DUMPED_CLASSES], "dumped_classes", &ns->dumped);
	else if (rc == 0 && dumped)
		ns->dumped = (1u << SK_SN_LAST) - 1;
	if (rc == 0 && f[N_SKIPPED]) {
		unsigned reason = 0;

		rc = rd_get_enum(c, f[N_SKIPPED], "skipped", skip_reasons, 1, "skip reason", &reason);
		ns->skipped = rc == 0;
	}
	return rc;
}

static int map_netns(struct rctx *c, const jnode *a)
{
	return rd_each_element(c, a, "netns", netns_element, NULL);
}

/* The machine's totals are counted from the rows, but for "other". */
enum { Y_SOCKSTAT, Y_COUNTERS, Y_LIMITS, Y_OTHER, Y_NETNS, Y_LIMITS_FROM, Y_LAST };
static const char *const system_keys[Y_LAST] = {
	"sockstat", "counters", "limits", "other", "netns", "machine_limits_from",
};

static int map_system(struct rctx *c, const jnode *o)
{
	struct sk_snapshot *s = &c->r->snap;
	struct sk_totals *t = &s->totals;
	const char *ss_names[SK_SS_LAST], *ctr_names[SK_CTR_LAST];
	const jnode *f[Y_LAST];
	size_t old = rd_path_push_key(c, "system");
	int rc = rd_collect(c, o, NULL, system_keys, Y_LAST, f);

	for (int i = 0; i < SK_SS_LAST; i++)
		ss_names[i] = sk_sockstat_defs[i].name;
	for (int i = 0; i < SK_CTR_LAST; i++)
		ctr_names[i] = sk_counter_defs[i].name;
	if (rc == 0)
		rc = rd_get_figs(c, f[Y_SOCKSTAT], "sockstat", ss_names, SK_SS_LAST, s->sys.sockstat);
	if (rc == 0)
		rc = rd_get_figs(c, f[Y_COUNTERS], "counters", ctr_names, SK_CTR_LAST, s->sys.counters);
	if (rc == 0)
		rc = rd_get_record(c, f[Y_LIMITS], &sk_rec_limits, &s->sys.limits);
	if (rc == 0)
		rc = rd_get_counts(c, f[Y_OTHER], "other", sk_sockname_names, SK_SN_LAST, t->other);
	if (rc == 0)
		rc = map_netns(c, f[Y_NETNS]);
	/* Files from before it say nothing: the limits were read where sktop ran. */
	if (rc == 0 && f[Y_LIMITS_FROM]) {
		unsigned from = SK_LIMITS_HERE;

		rc = rd_get_enum(c, f[Y_LIMITS_FROM], "machine_limits_from", sk_limits_from_names,
			      SK_LIMITS_LAST, "limits source", &from);
		s->sys.limits_from = (uint8_t)from;
	}
	rd_path_pop(c, old);
	return rc;
}

/* --- findings --------------------------------------------------------------------- */

/* Evidence names are the rules' own table (findings.h), so every name a
 * rule can write is read back; one this sktop does not know (a newer
 * one's rule) is dropped. */
static int map_evidence(struct rctx *c, const jnode *o, struct sk_finding *fd)
{
	static const char *const keys[] = {"value", "limit"};
	const jnode *k;
	size_t old;
	int rc = rd_want(c, o, "evidence", SK_JSON_OBJECT);

	if (rc)
		return rc;
	old = rd_path_push_key(c, "evidence");
	k = sk_json_first(o);
	for (uint32_t m = 0; m < o->len && rc == 0; m++) {
		size_t id = rd_name_index(k, sk_evidence_names, SK_EV_LAST);

		if (id != NOT_FOUND && fd->nev < SK_FINDING_EVIDENCE) {
			const char *name = sk_evidence_names[id];
			struct sk_evidence *ev = &fd->ev[fd->nev];
			const jnode *f[2];
			size_t o2 = rd_path_push_key(c, name);

			for (int j = 0; j < fd->nev && rc == 0; j++)
				if (fd->ev[j].name == name)
					rc = rd_bad(c, NULL, "duplicate key '%s'", name);
			if (rc == 0)
				rc = rd_collect(c, k + 1, NULL, keys, 2, f);
			if (rc == 0)
				rc = rd_get_i64(c, f[0], "value", &ev->value);
			ev->limit = SK_UNKNOWN;
			if (rc == 0 && f[1])
				rc = rd_get_i64(c, f[1], "limit", &ev->limit);
			ev->name = name;
			ev->id = (uint8_t)id;
			fd->nev++;
			rd_path_pop(c, o2);
		}
		k = sk_json_next(c->d, k + 1);
	}
	rd_path_pop(c, old);
	return rc;
}

/* inode -> socket, and cookie -> socket for the fd-less ones (inode 0). */
static int index_sockets(struct rctx *c)
{
	const struct sk_snapshot *s = &c->r->snap;

	c->indexed = true;
	c->by_inode = malloc((s->socks.n + 1) * sizeof(struct kv));
	c->by_cookie = malloc((s->socks.n + 1) * sizeof(struct kv));
	if (!c->by_inode || !c->by_cookie)
		return rd_nomem(c);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->inode)
			c->by_inode[c->n_inode++] = (struct kv){k->inode, (uint32_t)i};
		else
			c->by_cookie[c->n_cookie++] = (struct kv){k->cookie, (uint32_t)i};
	}
	if (rd_kv_sort(c->by_inode, c->n_inode) || rd_kv_sort(c->by_cookie, c->n_cookie))
		return rd_nomem(c);
	return 0;
}

static int finding_socket_element(struct rctx *c, const jnode *e, size_t i, void *finding)
{
	static const char *const keys[] = {"inode", "cookie"};
	struct sk_findings *fs = &c->r->findings;
	struct sk_finding *fd = finding;
	const jnode *f[2];
	uint64_t inode = 0, cookie = 0;
	int rc = rd_collect(c, e, NULL, keys, 2, f);

	(void)i;
	if (rc == 0)
		rc = rd_get_u64(c, f[0], "inode", &inode);
	if (rc == 0)
		rc = rd_get_u64(c, f[1], "cookie", &cookie);
	if (rc == 0) {
		const struct kv *hit = inode ? rd_kv_find(c->by_inode, c->n_inode, inode)
					     : rd_kv_find(c->by_cookie, c->n_cookie, cookie);
		uint32_t *slot;

		if (!hit)
			rc = rd_bad(c, NULL, "no socket with inode %llu, cookie %llu in \"sockets\"",
				 (unsigned long long)inode, (unsigned long long)cookie);
		else if (!(slot = SK_VEC_PUSH(&fs->socks)))
			rc = rd_nomem(c);
		else {
			*slot = hit->val;
			fd->socks_count++;
		}
	}
	return rc;
}

static int map_finding_sockets(struct rctx *c, const jnode *a, struct sk_finding *fd)
{
	int rc = rd_want(c, a, "sockets", SK_JSON_ARRAY);

	if (rc == 0 && !c->indexed && a->len)
		rc = index_sockets(c);
	fd->socks_start = (uint32_t)c->r->findings.socks.n;
	return rc ? rc : rd_each_element(c, a, "sockets", finding_socket_element, fd);
}

enum { F_KIND, F_SEVERITY, F_SUBJECT, F_TITLE, F_DETAIL, F_NEXT_STEP, F_EVIDENCE, F_SOCKET_COUNT,
       F_SOCKETS, F_LAST };
static const char *const finding_keys[F_LAST] = {
	"kind", "severity", "subject", "title", "detail", "next_step", "evidence", "socket_count",
	"sockets",
};

/* The pids of a finding merged over one program's processes. */
static int map_finding_pids(struct rctx *c, const jnode *a, struct sk_finding *fd)
{
	const jnode *e;
	uint32_t i = 0;
	int rc = rd_want(c, a, "pids", SK_JSON_ARRAY);

	if (rc == 0 && a->len > SK_FINDING_PIDS)
		rc = rd_bad(c, "pids", "%u pids, at most %d are written", a->len, SK_FINDING_PIDS);
	e = rc == 0 && a->len ? sk_json_first(a) : NULL;
	for (; rc == 0 && i < a->len; i++) {
		rc = rd_get_pid(c, e, "pids", &fd->pids[i]);
		e = sk_json_next(c->d, e);
	}
	return rc;
}

#define FT(slot, m) RD_MEMBER(slot, RD_TEXT, struct sk_finding, m)
static const struct rd_member finding_texts[] = {
	FT(F_TITLE, title), FT(F_DETAIL, detail), FT(F_NEXT_STEP, next_step),
};
#undef FT

static int map_finding(struct rctx *c, const jnode *o, struct sk_finding *fd)
{
	static const char *const subject_keys[] = {"type", "name", "pid", "processes", "pids"};
	const jnode *f[F_LAST], *sf[5];
	unsigned v = 0;
	uint32_t count;
	int rc = rd_collect(c, o, NULL, finding_keys, F_LAST, f);

	fd->proc = SK_NONE;
	if (rc == 0)
		rc = rd_get_enum(c, f[F_KIND], "kind", sk_finding_kind_names, SK_FIND_LAST,
			      "finding kind", &v);
	fd->kind = (uint8_t)v;
	if (rc == 0)
		rc = rd_get_enum(c, f[F_SEVERITY], "severity", sk_severity_names, SK_SEV_LAST, "severity",
			      &v);
	fd->severity = (uint8_t)v;
	if (rc == 0) {
		size_t old = rd_path_push_key(c, "subject");

		rc = rd_collect(c, f[F_SUBJECT], NULL, subject_keys, 5, sf);
		if (rc == 0)
			rc = rd_get_enum(c, sf[0], "type", sk_subject_names, SK_SUBJ_LAST, "subject type",
				      &v);
		fd->subject_type = (uint8_t)v;
		if (rc == 0)
			rc = rd_get_text(c, sf[1], "name", fd->subject, sizeof(fd->subject));
		if (rc == 0 && sf[2]) {
			rc = rd_get_pid(c, sf[2], "pid", &fd->pid);
			/* Not necessarily listed: "processes" holds only processes with
			 * sockets, an fd exhaustion may have none. */
			fd->proc = proc_index(&c->r->snap, fd->pid);
		}
		if (rc == 0 && sf[3])
			rc = rd_get_u32(c, sf[3], "processes", &fd->nprocs);
		if (rc == 0 && sf[4])
			rc = map_finding_pids(c, sf[4], fd);
		rd_path_pop(c, old);
	}
	if (rc == 0)
		rc = rd_get_members(c, f, finding_keys, finding_texts,
				    sizeof(finding_texts) / sizeof(finding_texts[0]), fd);
	if (rc == 0)
		rc = map_evidence(c, f[F_EVIDENCE], fd);
	if (rc == 0)
		rc = rd_get_u32(c, f[F_SOCKET_COUNT], "socket_count", &count);
	if (rc == 0)
		rc = map_finding_sockets(c, f[F_SOCKETS], fd);
	return rc;
}

static int finding_element(struct rctx *c, const jnode *e, size_t i, void *arg)
{
	struct sk_findings *fs = &c->r->findings;
	struct sk_finding *fd = SK_VEC_PUSH(&fs->list);
	int rc = fd ? map_finding(c, e, fd) : rd_nomem(c);

	(void)i;
	(void)arg;
	if (rc == 0)
		fs->by_severity[fd->severity]++;
	return rc;
}

static int map_findings(struct rctx *c, const jnode *a)
{
	return rd_each_element(c, a, "findings", finding_element, NULL);
}

/* --- history ---------------------------------------------------------------------- */

/* [[t_ms, value], ...]: the kept samples oldest first, then the newest
 * (the series' `last`), as write_ring puts them. */
static int get_ring(struct rctx *c, const jnode *a, const char *field, struct sk_series *se)
{
	const jnode *e;
	uint64_t prev_t = 0;
	size_t old;
	int rc = rd_want(c, a, field, SK_JSON_ARRAY);

	if (rc)
		return rc;
	memset(se, 0, sizeof(*se));
	if (a->len == 0)
		return 0;
	if (a->len < 2 || a->len > SK_HISTORY_SLOTS + 1)
		return rd_bad(c, field, "expected 2 to %d [t_ms, value] pairs, got %u",
			   SK_HISTORY_SLOTS + 1, a->len);
	old = rd_path_push_key(c, field);
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		struct sk_sample sm = {0};
		size_t o = rd_path_push_index(c, i);

		if (e->type != SK_JSON_ARRAY || e->len != 2)
			rc = rd_bad(c, NULL, "expected a [t_ms, value] pair, got %s",
				 e->type == SK_JSON_ARRAY ? "another array" : sk_json_type_name(e));
		if (rc == 0)
			rc = rd_get_u64(c, e + 1, "t_ms", &sm.t_ms);
		if (rc == 0)
			rc = rd_get_i64(c, sk_json_next(c->d, e + 1), "value", &sm.v);
		if (rc == 0 && sm.t_ms < prev_t)
			rc = rd_bad(c, NULL, "time goes backwards (%llu after %llu)",
				 (unsigned long long)sm.t_ms, (unsigned long long)prev_t);
		if (rc == 0) {
			prev_t = sm.t_ms;
			if (i + 1 < a->len)
				se->s[i] = sm;
			else
				se->last = sm;
		}
		rd_path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	rd_path_pop(c, old);
	se->n = (uint8_t)(a->len - 1);
	se->head = (uint8_t)(se->n % SK_HISTORY_SLOTS);
	return rc;
}

/* per_min, monotonic, span_s follow from the samples: only they are read. */
static int history_series_member(struct rctx *c, const jnode *value, size_t i, void *h)
{
	static const char *const keys[] = {"samples"};
	const jnode *f[1];
	size_t old = rd_path_push_key(c, sk_smetric_names[i]);
	int rc = rd_collect(c, value, NULL, keys, 1, f);

	if (rc == 0 && f[0])
		rc = get_ring(c, f[0], "samples", &((struct sk_history *)h)->sys[i]);
	rd_path_pop(c, old);
	return rc;
}

static int map_history_system(struct rctx *c, const jnode *o, struct sk_history *h)
{
	return rd_each_member(c, o, "system", sk_smetric_names, SK_SM_LAST, history_series_member, h);
}

static int sort_history_procs(struct rctx *c, struct sk_history *h)
{
	return sort_by_pid(c, (void **)&h->procs.v, &h->procs.cap, h->procs.n, sizeof(*h->procs.v),
			   offsetof(struct sk_proc_history, pid), "history.processes");
}

struct history_procs {
	struct sk_history *h;
	const char *keys[2 + SK_PM_LAST];
};

static int history_proc_element(struct rctx *c, const jnode *e, size_t i, void *arg)
{
	struct history_procs *hp = arg;
	struct sk_proc_history *ph = SK_VEC_PUSH(&hp->h->procs);
	const jnode *f[2 + SK_PM_LAST];
	int rc;

	(void)i;
	if (!ph)
		return rd_nomem(c);
	rc = rd_collect(c, e, NULL, hp->keys, 2 + SK_PM_LAST, f);
	if (rc == 0)
		rc = rd_get_pid(c, f[0], "pid", &ph->pid);
	if (rc == 0)
		rc = rd_get_u64(c, f[1], "starttime", &ph->starttime);
	/* A metric the file lacks is an empty series. */
	for (int m = 0; m < SK_PM_LAST && rc == 0; m++)
		if (f[2 + m])
			rc = get_ring(c, f[2 + m], hp->keys[2 + m], &ph->m[m]);
	ph->seen_seq = c->r->snap.seq;
	return rc;
}

static int map_history_procs(struct rctx *c, const jnode *a, struct sk_history *h)
{
	struct history_procs hp = {h, {"pid", "starttime"}};
	int rc;

	for (int m = 0; m < SK_PM_LAST; m++)
		hp.keys[2 + m] = sk_pmetric_field((enum sk_pmetric)m)->key;
	rc = rd_each_element(c, a, "processes", history_proc_element, &hp);
	return rc ? rc : sort_history_procs(c, h);
}

static int map_history(struct rctx *c, const jnode *o)
{
	static const char *const keys[] = {"window_s", "samples", "system", "processes"};
	struct sk_history *h = &c->r->history;
	const jnode *f[4];
	uint64_t window_s = 0;
	size_t old = rd_path_push_key(c, "history");
	int rc = rd_collect(c, o, NULL, keys, 4, f);

	if (rc == 0)
		rc = rd_get_uint(c, f[0], "window_s", UINT64_MAX / 1000, &window_s);
	if (rc == 0 && window_s)
		h->window_ms = window_s * 1000;
	if (rc == 0)
		rc = rd_get_u64(c, f[1], "samples", &h->samples);
	if (rc == 0)
		rc = map_history_system(c, f[2], h);
	/* Only snapshot files carry the per-process rings (not batch lines). */
	if (rc == 0 && f[3])
		rc = map_history_procs(c, f[3], h);
	rd_path_pop(c, old);
	return rc;
}

/* The refresh's monotonic time: when the history's newest sample was taken. */
static void set_monotonic(struct sk_replay *r)
{
	uint64_t t = 0;

	for (int m = 0; m < SK_SM_LAST; m++)
		if (r->history.sys[m].n && r->history.sys[m].last.t_ms > t)
			t = r->history.sys[m].last.t_ms;
	for (size_t i = 0; i < r->history.procs.n; i++)
		for (int m = 0; m < SK_PM_LAST; m++)
			if (r->history.procs.v[i].m[m].n && r->history.procs.v[i].m[m].last.t_ms > t)
				t = r->history.procs.v[i].m[m].last.t_ms;
	r->snap.monotonic.tv_sec = (time_t)(t / 1000);
	r->snap.monotonic.tv_nsec = (long)(t % 1000) * 1000000;
}

/* --- the document ----------------------------------------------------------------- */

bool sk_replay_time_parse(const char *s, size_t len, int64_t *out)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
	int v[6] = {0}, k = 0;
	struct tm tm = {0}, back;
	time_t t;

	if (len != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (pattern[i] == 'd') {
			if (ch < '0' || ch > '9')
				return false;
			v[k] = v[k] * 10 + (ch - '0');
		} else if (ch != pattern[i]) {
			return false;
		} else {
			k++;
		}
	}
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	back = tm;
	t = timegm(&tm);
	/* timegm normalises Feb 30 into March: a date that moved was invalid. */
	if (tm.tm_year != back.tm_year || tm.tm_mon != back.tm_mon || tm.tm_mday != back.tm_mday ||
	    tm.tm_hour != back.tm_hour || tm.tm_min != back.tm_min || tm.tm_sec != back.tm_sec)
		return false;
	*out = (int64_t)t;
	return true;
}

static int get_time(struct rctx *c, const jnode *n, const char *field, struct timespec *ts)
{
	char q[48];
	int64_t t = 0;
	int rc = rd_want(c, n, field, SK_JSON_STRING);

	if (rc)
		return rc;
	if (!sk_replay_time_parse(n->v.str, n->len, &t))
		return rd_bad(c, field, "invalid time '%s' (expected YYYY-MM-DDTHH:MM:SSZ)",
			      rd_quote(n, q, sizeof(q)));
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = 0;
	return 0;
}

enum {
	T_SCHEMA, T_TIME, T_HOST, T_KERNEL, T_ROOT, T_PARTIAL, T_SEQ, T_DURATION_US, T_DIAG,
	T_PROCFS, T_SYSTEM, T_FINDINGS, T_HISTORY, T_PROCESSES, T_SOCKETS, T_OWNERSHIP,
	T_SOCKETS_OMITTED, T_MONOTONIC_MS, T_PENDING, T_LIFECYCLE, T_LAST
};
static const char *const top_keys[T_LAST] = {
	"schema", "time", "host", "kernel", "root", "partial", "seq", "duration_us", "diag",
	"procfs", "system", "findings", "history", "processes", "sockets", "ownership",
	"sockets_omitted", "monotonic_ms", "findings_pending", "lifecycle",
};

/* "bpf" or "procfs"; files from before the BPF owner path have none. */
static int get_ownership(struct rctx *c, const jnode *n, bool *bpf)
{
	char v[16];
	int rc;

	*bpf = false;
	if (!n)
		return 0;
	rc = rd_get_text(c, n, "ownership", v, sizeof(v));
	if (rc == 0 && strcmp(v, "bpf") != 0 && strcmp(v, "procfs") != 0)
		return rd_bad(c, "ownership", "unknown ownership '%s' (expected bpf or procfs)", v);
	if (rc == 0)
		*bpf = strcmp(v, "bpf") == 0;
	return rc;
}

#define TM(slot, type, m) RD_MEMBER(slot, type, struct sk_snapshot, m)
static const struct rd_member top_members[] = {
	TM(T_HOST, RD_TEXT, host),   TM(T_KERNEL, RD_TEXT, kernel), TM(T_ROOT, RD_BOOL, root),
	TM(T_PARTIAL, RD_BOOL, partial), TM(T_SEQ, RD_U64, seq),
	TM(T_DURATION_US, RD_U32, duration_us),
};
#undef TM

static int map_doc(struct rctx *c, const jnode *root)
{
	struct sk_snapshot *s = &c->r->snap;
	const jnode *f[T_LAST];
	uint64_t schema = 0;
	int rc;

	if (!root || root->type != SK_JSON_OBJECT)
		return rd_bad(c, NULL, "not an sktop snapshot (the JSON value is %s, not an object)",
			   sk_json_type_name(root));
	rc = rd_collect(c, root, NULL, top_keys, T_LAST, f);
	if (rc == 0 && !f[T_SCHEMA])
		return rd_bad(c, NULL, "not an sktop snapshot (no \"schema\")");
	if (rc == 0)
		rc = rd_get_u64(c, f[T_SCHEMA], "schema", &schema);
	if (rc == 0 && schema != SK_JSON_SCHEMA)
		return rd_bad(c, NULL, "snapshot schema %llu is not supported (this sktop reads schema %d)",
			   (unsigned long long)schema, SK_JSON_SCHEMA);
	/* The counts are made from the rows: without them there is nothing to show. */
	if (rc == 0 && f[T_SOCKETS_OMITTED] && !f[T_SOCKETS])
		return rd_bad(c, NULL, "written with --no-sockets: no sockets to replay");
	if (rc == 0)
		rc = get_time(c, f[T_TIME], "time", &s->realtime);
	if (rc == 0)
		rc = rd_get_members(c, f, top_keys, top_members,
				    sizeof(top_members) / sizeof(top_members[0]), s);
	if (rc == 0)
		rc = get_ownership(c, f[T_OWNERSHIP], &s->owners_bpf);
	if (rc == 0)
		rc = rd_get_lifecycle(c, f[T_LIFECYCLE]);
	if (rc == 0)
		rc = rd_get_record(c, f[T_DIAG], &sk_rec_diag, s);
	if (rc == 0)
		rc = rd_get_record(c, f[T_PROCFS], &sk_rec_procfs, s);
	/* Processes first: sockets, findings and history refer to them by pid. */
	if (rc == 0)
		rc = map_processes(c, f[T_PROCESSES]);
	if (rc == 0)
		rc = map_sockets(c, f[T_SOCKETS]);
	if (rc == 0)
		rc = build_fd_tables(c);
	if (rc == 0)
		rc = rd_services_finish(c);
	if (rc == 0)
		rc = map_system(c, f[T_SYSTEM]);
	/* After the namespaces: their counts are made here too. */
	if (rc == 0 && sk_snapshot_recount(s))
		rc = rd_nomem(c);
	if (rc == 0)
		rc = map_findings(c, f[T_FINDINGS]);
	if (rc == 0 && f[T_PENDING])
		rc = rd_get_counts(c, f[T_PENDING], "findings_pending", sk_finding_kind_names,
				SK_FIND_LAST, c->r->findings.pending);
	if (rc == 0 && f[T_HISTORY])
		rc = map_history(c, f[T_HISTORY]);
	if (rc == 0) {
		for (size_t i = 0; i < s->socks.n; i++)
			s->dumped_rows += !(s->socks.v[i].flags & SK_SOCK_UNDUMPED);
		s->procs_sorted = true;
		s->findings = &c->r->findings;
		s->history = &c->r->history;
		set_monotonic(c->r);
	}
	/* Files from before monotonic_ms have the history's newest sample. */
	if (rc == 0 && f[T_MONOTONIC_MS]) {
		uint64_t ms = 0;

		rc = rd_get_u64(c, f[T_MONOTONIC_MS], "monotonic_ms", &ms);
		s->monotonic.tv_sec = (time_t)(ms / 1000);
		s->monotonic.tv_nsec = (long)(ms % 1000) * 1000000;
	}
	return rc;
}

/* --- choosing the document ---------------------------------------------------------- */

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r')
			return false;
	return true;
}

/* JSON lines (sktop -b --json): the last complete line. The final line may
 * still be being written; it counts only when it parses. */
static int parse_last_line(const char *buf, size_t len, struct sk_json_doc *doc,
			   struct sk_json_error *je, size_t *base, size_t *skipped)
{
	const char *nl = memrchr(buf, '\n', len);
	size_t tail = nl ? (size_t)(nl - buf) + 1 : 0;
	size_t end;
	int rc;

	if (!blank(buf + tail, len - tail)) {
		rc = sk_json_parse(buf + tail, len - tail, doc, je);
		*base = tail;
		if (rc == 0 || rc == -ENOMEM || !nl)
			return rc;
		*skipped = len - tail; /* the caller says so: never silently */
	}
	/* Back over blank lines to the last one with something on it. */
	end = (size_t)(nl - buf);
	for (;;) {
		const char *prev = memrchr(buf, '\n', end);
		size_t start = prev ? (size_t)(prev - buf) + 1 : 0;

		if (!blank(buf + start, end - start) || start == 0) {
			*base = start;
			return sk_json_parse(buf + start, end - start, doc, je);
		}
		end = start - 1;
	}
}

static void replay_init(struct sk_replay *r)
{
	memset(r, 0, sizeof(*r));
	sk_snapshot_init(&r->snap);
	sk_findings_init(&r->findings);
	sk_history_init(&r->history, 0);
}

void sk_replay_free(struct sk_replay *r)
{
	sk_snapshot_free(&r->snap);
	sk_findings_free(&r->findings);
	sk_history_free(&r->history);
	memset(r, 0, sizeof(*r));
}

/* The document to map: the whole input, or its last complete line (with
 * *skipped the bytes of an incomplete line after it). A UTF-8 byte order
 * mark, which some editors write, is not part of the JSON. */
static int parse_json(const char *buf, size_t len, const char *name, struct sk_json_doc *doc,
		      size_t *skipped, struct sk_error *err)
{
	struct sk_json_error je;
	size_t base = 0, line, col;
	int rc;

	*skipped = 0;
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0) {
		buf += 3;
		len -= 3;
	}
	if (blank(buf, len))
		return sk_error_set(err, EINVAL, "%s: empty file: no snapshot in it", name);
	rc = sk_json_parse(buf, len, doc, &je);
	if (rc == -EINVAL && je.kind == SK_JSON_E_TRAILING)
		rc = parse_last_line(buf, len, doc, &je, &base, skipped);
	if (rc == 0)
		return 0;
	if (rc == -ENOMEM)
		return sk_error_set(err, ENOMEM, "%s: out of memory reading the JSON", name);
	if (rc == -EFBIG)
		return sk_error_set(err, EFBIG, "%s: too large to read", name);
	sk_json_position(buf, len, base + je.offset, &line, &col);
	return sk_error_set(err, EINVAL, "%s: line %zu, column %zu: %s%s", name, line, col, je.msg,
			    je.kind == SK_JSON_E_EOF ? " (truncated file?)" : "");
}

/* Maps doc into r (zeroed on failure) and frees doc. */
static int map_json(struct sk_json_doc *doc, const char *name, struct sk_replay *r,
		    struct sk_error *err)
{
	struct rctx *c = calloc(1, sizeof(*c));
	int rc;

	if (c)
		c->str = malloc(STR_MAX);
	if (!c || !c->str) {
		if (c)
			free(c->str);
		free(c);
		sk_json_doc_free(doc);
		return sk_error_set(err, ENOMEM, "%s: out of memory", name);
	}
	c->d = doc;
	c->r = r;
	c->err = err;
	c->name = name;
	replay_init(r);
	rc = map_doc(c, sk_json_root(doc));
	if (rc)
		sk_replay_free(r);
	free(c->fds.v);
	free(c->by_inode);
	free(c->by_cookie);
	sk_itab_free(&c->services);
	free(c->str);
	free(c);
	sk_json_doc_free(doc);
	return rc;
}

int sk_replay_parse(const char *buf, size_t len, const char *name, struct sk_replay *r,
		    struct sk_error *err)
{
	struct sk_json_doc doc = {0};
	size_t skipped;
	int rc;

	memset(r, 0, sizeof(*r));
	rc = parse_json(buf, len, name, &doc, &skipped, err);
	if (rc == 0)
		rc = map_json(&doc, name, r, err);
	if (rc == 0)
		r->skipped_tail = skipped;
	return rc;
}

int sk_replay_load(const char *path, struct sk_replay *r, struct sk_error *err)
{
	struct sk_json_doc doc = {0};
	struct stat st;
	size_t size, got = 0, skipped;
	char *buf;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	/* O_NONBLOCK: a FIFO must not hang the open; it is refused below. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		rc = errno;
		return sk_error_set(err, rc, "%s: %s", path, strerror(rc));
	}
	if (fstat(fd, &st) != 0) {
		rc = errno;
		close(fd);
		return sk_error_set(err, rc, "%s: %s", path, strerror(rc));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return sk_error_set(err, EISDIR, "%s: is a directory, not a snapshot file", path);
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return sk_error_set(err, EINVAL, "%s: not a regular file", path);
	}
	if (st.st_size < 0 || (uint64_t)st.st_size > SK_REPLAY_MAX_FILE) {
		close(fd);
		return sk_error_set(err, EFBIG, "%s: too large (%lld bytes; the limit is 2 GiB)", path,
				    (long long)st.st_size);
	}
	size = (size_t)st.st_size;
	buf = malloc(size + 1);
	if (!buf) {
		close(fd);
		return sk_error_set(err, ENOMEM, "%s: out of memory for %zu bytes", path, size);
	}
	/* Up to the size fstat saw: a file still growing is read as it was. */
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = errno;
			free(buf);
			close(fd);
			return sk_error_set(err, rc, "%s: %s", path, strerror(rc));
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	/* The tree holds its own copy of every string: the file's bytes can go
	 * before the snapshot tables grow. */
	rc = parse_json(buf, got, path, &doc, &skipped, err);
	free(buf);
	if (rc == 0)
		rc = map_json(&doc, path, r, err);
	if (rc == 0)
		r->skipped_tail = skipped;
	return rc;
}
