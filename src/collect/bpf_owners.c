#include <config.h>

#include "collect/bpf_owners.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* CAP_BPF and CAP_PERFMON arrived in 5.8 headers: spelled out for older ones. */
#define SK_CAP_SYS_ADMIN 21
#define SK_CAP_PERFMON 38
#define SK_CAP_BPF 39

static bool cap_effective(const struct __user_cap_data_struct d[2], unsigned cap)
{
	return d[cap / 32].effective & (1u << (cap % 32));
}

bool sk_bpf_owners_permitted(void)
{
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{0, 0, 0}, {0, 0, 0}};

	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	return cap_effective(d, SK_CAP_SYS_ADMIN) ||
	       (cap_effective(d, SK_CAP_BPF) && cap_effective(d, SK_CAP_PERFMON));
}

#if HAVE_BPF

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <stdarg.h>
#include <sys/socket.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "collect/bpf/owners_record.h"
#include "collect/bpf/skel_model.h"
#include "collect/bpf/owners.skel.h"

struct sk_bpf_owners {
	struct sk_owners_bpf *skel;
	struct bpf_link *link;
	uint64_t load_us;
	uint64_t ns_per_tick; /* stat's starttime unit */
	bool want_tcp;        /* asked for the TCP program */
	bool tcp;             /* it is the one attached */
	char tcp_note[SK_ERROR_MSG_MAX];
};

/* libbpf's print callback takes no context pointer, so the one line worth
 * keeping goes to a buffer of the thread that is loading, for exactly the
 * duration of the load: its first warning, which names the cause (the
 * later ones only say that the load failed). */
static _Thread_local char *libbpf_first;

__attribute__((format(printf, 2, 0)))
static int keep_first_line(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[SK_ERROR_MSG_MAX];
	const char *text = line;

	if (level == LIBBPF_DEBUG || !libbpf_first || libbpf_first[0])
		return 0;
	vsnprintf(line, sizeof(line), fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	if (strncmp(text, "libbpf: ", 8) == 0)
		text += 8;
	if (strstr(text, "RLIMIT_MEMLOCK"))
		return 0; /* a side effect of the refusal, not its cause */
	snprintf(libbpf_first, SK_ERROR_MSG_MAX, "%s", text);
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000u + (uint64_t)t.tv_nsec / 1000u;
}

int sk_bpf_why_not(int rc, const char *what, const char *step, const char *too_old,
		   const char *last, struct sk_error *err)
{
	const char *hint = "";

	if (rc == EPERM || rc == EACCES)
		hint = " (needs root, or CAP_BPF and CAP_PERFMON)";
	else if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		hint = " (the kernel has no BTF: /sys/kernel/btf/vmlinux)";
	else if (rc == EINVAL || rc == ENOENT || rc == EOPNOTSUPP || rc == ENOTSUP)
		hint = too_old;
	return sk_error_set(err, rc, "%s unavailable: %s: %s%s%s%s", what, step, strerror(rc),
			    hint, last[0] ? "; libbpf: " : "", last);
}

static int why_not(int rc, const char *step, const char *last, struct sk_error *err)
{
	return sk_bpf_why_not(rc, "BPF owners", step,
			      " (kernel without task_file iterators, 5.8 or later needed)", last, err);
}

/* Opens and loads the object with the TCP program or without it (a kernel
 * whose verifier or BTF refuses it still gets owners). */
static int load_object(struct sk_bpf_owners *b, bool tcp, char *last, struct sk_error *err)
{
	int rc;

	sk_owners_bpf__destroy(b->skel);
	b->skel = sk_owners_bpf__open();
	if (!b->skel)
		return why_not(errno ? errno : EINVAL, "open", last, err);
	bpf_program__set_autoload(b->skel->progs.sk_owners, !tcp);
	bpf_program__set_autoload(b->skel->progs.sk_owners_tcp, tcp);
	rc = sk_owners_bpf__load(b->skel);
	if (rc)
		return why_not(-rc, "load", last, err);
	return 0;
}

static int load(void *ctx, char *last, struct sk_error *err)
{
	struct sk_bpf_owners *b = ctx;
	int rc = -1;

	if (b->want_tcp) {
		rc = load_object(b, true, last, err);
		/* The kernel's HZ turns its jiffies into the dump's ms: not
		 * known (no kernel config to read), no socket is read. */
		if (rc == 0 && b->skel->kconfig->CONFIG_HZ == 0)
			rc = sk_error_set(err, ENOENT, "the kernel's HZ is unknown (no kernel config)");
		if (rc) {
			snprintf(b->tcp_note, sizeof(b->tcp_note), "%s", err->msg);
			sk_error_clear(err);
			last[0] = '\0';
		}
	}
	b->tcp = rc == 0;
	if (!b->tcp && (rc = load_object(b, false, last, err)))
		return rc;
	b->link = bpf_program__attach_iter(b->tcp ? b->skel->progs.sk_owners_tcp
						  : b->skel->progs.sk_owners, NULL);
	if (!b->link)
		return why_not(errno ? errno : EINVAL, "attach", last, err);
	return 0;
}

int sk_bpf_load_noting(int (*fn)(void *ctx, char *last, struct sk_error *err), void *ctx,
		       uint64_t *took_us, struct sk_error *err)
{
	char last[SK_ERROR_MSG_MAX] = "";
	uint64_t t0 = now_us();
	libbpf_print_fn_t old;
	int rc;

	libbpf_first = last;
	old = libbpf_set_print(keep_first_line);
	rc = fn(ctx, last, err);
	libbpf_set_print(old);
	libbpf_first = NULL;
	*took_us = now_us() - t0;
	return rc;
}

int sk_bpf_owners_open(struct sk_bpf_owners **out, bool read_tcp, struct sk_error *err)
{
	struct sk_bpf_owners *b = calloc(1, sizeof(*b));
	long hz = sysconf(_SC_CLK_TCK);
	int rc;

	*out = NULL;
	if (!b)
		return sk_error_set(err, ENOMEM, "out of memory");
	b->want_tcp = read_tcp;
	b->ns_per_tick = hz > 0 ? 1000000000u / (uint64_t)hz : 10000000u;
	rc = sk_bpf_load_noting(load, b, &b->load_us, err);
	if (rc) {
		sk_bpf_owners_close(b);
		return rc;
	}
	*out = b;
	return 0;
}

uint64_t sk_bpf_owners_load_us(const struct sk_bpf_owners *b)
{
	return b ? b->load_us : 0;
}

bool sk_bpf_owners_reads_tcp(const struct sk_bpf_owners *b)
{
	return b && b->tcp;
}

const char *sk_bpf_owners_tcp_note(const struct sk_bpf_owners *b)
{
	return b ? b->tcp_note : "";
}

void sk_bpf_owners_close(struct sk_bpf_owners *b)
{
	if (!b)
		return;
	bpf_link__destroy(b->link);
	sk_owners_bpf__destroy(b->skel);
	free(b);
}

static bool push_owner(struct sk_bpf_owners *b, const struct sk_owner_record *r,
		       sk_fdrowvec *rows, bool *sorted)
{
	struct sk_fdrow *row;

	/* The kernel is trusted less than the layout suggests: a pid or fd
	 * out of range is dropped, not believed. */
	if (r->pid <= 0 || r->fd > INT32_MAX)
		return true;
	row = SK_VEC_PUSH(rows);
	if (!row)
		return false;
	row->pid = r->pid;
	row->fd = (int32_t)r->fd;
	row->inode = r->inode;
	row->starttime = r->start_ns / b->ns_per_tick;
	if (rows->n > 1) {
		const struct sk_fdrow *p = row - 1;

		*sorted &= p->pid < row->pid || (p->pid == row->pid && p->fd < row->fd);
	}
	return true;
}

/* Namespaces are few, sockets many: a run of the same one is kept once
 * here, the rest when sorted. */
static bool push_netns(sk_netnsidvec *v, uint64_t netns)
{
	uint64_t *slot;

	if (v->n && v->v[v->n - 1] == netns)
		return true;
	slot = SK_VEC_PUSH(v);
	if (!slot)
		return false;
	*slot = netns;
	return true;
}

/* The row a dump with meminfo and tcp_info would have given (diag_parse.c
 * fills the same fields from the messages). A body that cannot be a TCP
 * socket's is dropped: its fd stays an owner, the socket is left to the
 * dump. */
static bool push_tcp(const struct sk_owner_record *r, const struct sk_tcp_record *t,
		     struct sk_bpf_tcp *tcp)
{
	struct sk_socket *k;
	struct sk_tcpinfo *i;
	size_t alen = t->family == AF_INET6 ? 16 : 4;

	if ((t->family != AF_INET && t->family != AF_INET6) || t->state >= SK_TCP_STATE_LAST ||
	    t->timer >= SK_TIMER_LAST || !r->inode || !t->netns)
		return true;
	if (t->state == SK_TCP_LISTEN && t->syn_queue && !push_netns(&tcp->syn_netns, t->netns))
		return false;
	k = SK_VEC_PUSH(tcp->socks);
	if (!k)
		return false;
	memset(k, 0, sizeof(*k));
	k->inode = r->inode;
	k->cookie = t->cookie;
	k->netns = t->netns;
	k->proto = SK_PROTO_TCP;
	k->family = t->family;
	k->sockname = t->family == AF_INET6 ? SK_SN_TCPV6 : SK_SN_TCP;
	memcpy(k->local.addr, t->src, alen);
	memcpy(k->peer.addr, t->dst, alen);
	k->local.port = t->sport;
	k->peer.port = t->dport;
	k->state = t->state;
	k->timer = t->timer;
	k->retrans = t->retrans;
	k->timer_ms = t->timer_ms;
	k->recv_q = t->recv_q;
	k->send_q = t->send_q;
	k->uid = t->uid;
	k->ifindex = t->ifindex;
	k->shutdown = t->shutdown;
	k->flags = SK_SOCK_HAS_UID | SK_SOCK_HAS_SHUTDOWN | SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO;
	if (t->cgroup_id) {
		k->cgroup_id = t->cgroup_id;
		k->flags |= SK_SOCK_HAS_CGROUP;
	}
	/* The dump says it of listening and closed sockets only. */
	if (t->family == AF_INET6 && t->v6only &&
	    (t->state == SK_TCP_LISTEN || t->state == SK_TCP_CLOSE))
		k->flags |= SK_SOCK_V6ONLY;
	k->likely_owner = SK_NONE;
	k->owner_kind = SK_OWNER_NONE;
	k->mem = (struct sk_meminfo){t->mem[0], t->mem[1], t->mem[2], t->mem[3], t->mem[4],
				     t->mem[5], t->mem[6], t->mem[7], t->mem[8]};
	i = &k->tcp;
	i->tcpinfo_len = SK_TCPINFO_LEN_WND; /* every field up to the windows is the kernel's */
	i->ca_state = t->ca_state;
	i->retransmits = t->retransmits;
	i->probes = t->probes;
	i->backoff = t->backoff;
	i->snd_wscale = t->snd_wscale;
	i->rcv_wscale = t->rcv_wscale;
	i->rto_us = t->rto_us;
	i->ato_us = t->ato_us;
	i->snd_mss = t->snd_mss;
	i->rcv_mss = t->rcv_mss;
	i->unacked = t->unacked;
	i->sacked = t->sacked;
	i->lost = t->lost;
	i->retrans = t->retrans_out;
	i->total_retrans = t->total_retrans;
	i->last_data_sent_ms = t->last_data_sent_ms;
	i->last_data_recv_ms = t->last_data_recv_ms;
	i->last_ack_recv_ms = t->last_ack_recv_ms;
	i->rtt_us = t->rtt_us;
	i->rttvar_us = t->rttvar_us;
	i->snd_cwnd = t->snd_cwnd;
	i->snd_ssthresh = t->snd_ssthresh;
	i->rcv_space = t->rcv_space;
	i->notsent_bytes = t->notsent_bytes;
	i->delivered = t->delivered;
	i->snd_wnd = t->snd_wnd;
	i->rcv_wnd = t->rcv_wnd;
	i->bytes_acked = t->bytes_acked;
	i->bytes_received = t->bytes_received;
	i->bytes_sent = t->bytes_sent;
	i->bytes_retrans = t->bytes_retrans;
	return true;
}

static int cmp_row(const void *a, const void *b)
{
	const struct sk_fdrow *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

#define DRAIN_BUF (64 * 1024)

/* One read() may end inside a record: the tail is carried to the next. */
static int drain(struct sk_bpf_owners *b, int fd, sk_fdrowvec *rows, struct sk_bpf_tcp *tcp,
		 bool *sorted)
{
	_Alignas(8) char buf[DRAIN_BUF];
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof(buf) - have);
		size_t at = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return have ? -EPROTO : 0;
		have += (size_t)n;
		for (;;) {
			struct sk_owner_record r;
			struct sk_tcp_record t;
			size_t len = sizeof(r);

			if (have - at < sizeof(r))
				break;
			memcpy(&r, buf + at, sizeof(r));
			if (r.tcp > SK_OWNER_TCP_GAVE_UP || (r.tcp && !b->tcp))
				return -EPROTO;
			if (r.tcp == SK_OWNER_TCP)
				len += sizeof(t);
			if (have - at < len)
				break;
			if (!push_owner(b, &r, rows, sorted))
				return -ENOMEM;
			if (r.tcp == SK_OWNER_TCP && tcp && r.pid > 0) {
				memcpy(&t, buf + at + sizeof(r), sizeof(t));
				if (!push_tcp(&r, &t, tcp))
					return -ENOMEM;
			}
			if (r.tcp == SK_OWNER_TCP_UNREAD && tcp && r.pid > 0 &&
			    !push_netns(&tcp->unread_netns, r.netns))
				return -ENOMEM;
			if (r.tcp == SK_OWNER_TCP_GAVE_UP && tcp)
				tcp->gave_up = true;
			at += len;
		}
		have -= at;
		memmove(buf, buf + at, have);
	}
}

static int cmp_tcp(const void *a, const void *b)
{
	const struct sk_socket *x = a, *y = b;

	if (x->netns != y->netns)
		return (x->netns > y->netns) - (x->netns < y->netns);
	return (x->inode > y->inode) - (x->inode < y->inode);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* A socket held by several fds came once per fd. */
static void sort_unique(struct sk_bpf_tcp *tcp)
{
	struct sk_socket *v = tcp->socks->v + tcp->first;
	size_t n = tcp->socks->n - tcp->first, kept = 0;

	sk_qsort(v, n, sizeof(*v), cmp_tcp);
	for (size_t i = 0; i < n; i++)
		if (kept == 0 || cmp_tcp(&v[kept - 1], &v[i]) != 0)
			v[kept++] = v[i];
	tcp->socks->n = tcp->first + kept;
	tcp->n = kept;
	sk_qsort(tcp->syn_netns.v, tcp->syn_netns.n, sizeof(uint64_t), cmp_u64);
	sk_qsort(tcp->unread_netns.v, tcp->unread_netns.n, sizeof(uint64_t), cmp_u64);
}

int sk_bpf_owners_read(struct sk_bpf_owners *b, sk_fdrowvec *rows, struct sk_bpf_tcp *tcp,
		       struct sk_error *err)
{
	int fd = bpf_iter_create(bpf_link__fd(b->link));
	bool sorted = true;
	int rc;

	rows->n = 0;
	if (tcp) {
		tcp->first = tcp->socks->n;
		tcp->n = 0;
		tcp->syn_netns.n = 0;
		tcp->unread_netns.n = 0;
		tcp->gave_up = false;
	}
	if (fd < 0)
		return sk_error_set(err, errno, "cannot start the BPF owner iterator: %s",
				    strerror(errno));
	rc = drain(b, fd, rows, tcp, &sorted);
	close(fd);
	if (rc && tcp) {
		tcp->socks->n = tcp->first;
		tcp->syn_netns.n = tcp->unread_netns.n = 0;
	}
	if (rc)
		return sk_error_set(err, -rc, "reading the BPF owner iterator: %s", strerror(-rc));
	if (!sorted)
		sk_qsort(rows->v, rows->n, sizeof(*rows->v), cmp_row);
	if (tcp)
		sort_unique(tcp);
	return 0;
}

#else /* !HAVE_BPF */

struct sk_bpf_owners {
	int unused;
};

int sk_bpf_owners_open(struct sk_bpf_owners **out, bool read_tcp, struct sk_error *err)
{
	(void)read_tcp;
	*out = NULL;
	return sk_error_set(err, EOPNOTSUPP, "BPF owners unavailable: built without BPF "
			    "(configure --disable-bpf, or no clang/bpftool/libbpf found)");
}

int sk_bpf_owners_read(struct sk_bpf_owners *b, sk_fdrowvec *rows, struct sk_bpf_tcp *tcp,
		       struct sk_error *err)
{
	(void)b;
	(void)rows;
	(void)tcp;
	return sk_error_set(err, EOPNOTSUPP, "built without BPF");
}

uint64_t sk_bpf_owners_load_us(const struct sk_bpf_owners *b)
{
	(void)b;
	return 0;
}

bool sk_bpf_owners_reads_tcp(const struct sk_bpf_owners *b)
{
	(void)b;
	return false;
}

const char *sk_bpf_owners_tcp_note(const struct sk_bpf_owners *b)
{
	(void)b;
	return "";
}

void sk_bpf_owners_close(struct sk_bpf_owners *b)
{
	free(b);
}

#endif
