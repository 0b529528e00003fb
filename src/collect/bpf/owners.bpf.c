/* The kernel side of the BPF owner path: a task_file iterator that writes
 * one fixed-size record per fd of every thread-group leader it visits,
 * socket or not (inode 0), so the reader gets the fd count too without
 * listing /proc/PID/fd.
 *
 * Two programs, one loaded: sk_owners writes only that; sk_owners_tcp
 * also writes, after the record of every TCP socket fd, what a sock_diag
 * dump with meminfo and tcp_info would say of the socket. A dump walks the
 * kernel's whole socket hash once per network namespace; this reads every
 * namespace's fd-held sockets in the one walk of the fd tables that finds
 * their owners anyway (the engine still dumps a namespace whose counters
 * say it holds sockets no fd explains: TIME_WAIT, orphans, requests).
 *
 * The few kernel structs read here are declared with preserve_access_index:
 * libbpf relocates every field offset against the running kernel's BTF, so
 * the object needs no vmlinux.h from the build machine. */
#include "kernel_types.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "owners_record.h"

/* Jiffies to the dump's units: the kernel's HZ, known to libbpf from the
 * kernel config. Weak: a kernel whose config cannot be read gets 0, and
 * the loader then keeps the program that reads no sockets. */
extern unsigned int CONFIG_HZ __kconfig __weak;

/* socket->sk is an untrusted pointer to helpers (bpf_skc_to_tcp_sock
 * refuses it), but loads through it are safe, and this kfunc (6.2) types
 * it as the tcp_sock it is once the protocol is checked. A kernel without
 * it refuses this program, and the loader takes the owners-only one. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define SOCKFS_MAGIC 0x534F434B
#define MAX_PID_NS_LEVEL 32
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define SOCK_STREAM 1
#define TCP_CLOSE 7
#define TCP_LISTEN 10
/* icsk_pending values (include/net/inet_connection_sock.h) */
#define ICSK_TIME_RETRANS 1
#define ICSK_TIME_PROBE0 3
#define ICSK_TIME_LOSS_PROBE 5
#define ICSK_TIME_REO_TIMEOUT 6
/* idiag_timer values */
#define TIMER_RETRANS 1
#define TIMER_KEEPALIVE 2
#define TIMER_PROBE0 4

struct seq_file;

struct bpf_iter_meta {
	struct seq_file *seq;
	__u64 session_id;
	__u64 seq_num;
} __attribute__((preserve_access_index));

struct pid_namespace;

struct upid {
	int nr;
	struct pid_namespace *ns;
} __attribute__((preserve_access_index));

struct pid {
	unsigned int level;
	struct upid numbers[1];
} __attribute__((preserve_access_index));

struct task_struct {
	int pid;
	int tgid;
	struct pid *thread_pid;
	__u64 start_boottime;
} __attribute__((preserve_access_index));

struct super_block {
	unsigned long s_magic;
} __attribute__((preserve_access_index));

struct inode {
	unsigned short i_mode;
	unsigned long i_ino;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));

struct file {
	struct inode *f_inode;
} __attribute__((preserve_access_index));

struct hlist_node {
	struct hlist_node *next, **pprev;
} __attribute__((preserve_access_index));

struct timer_list {
	struct hlist_node entry;
	unsigned long expires;
} __attribute__((preserve_access_index));

typedef struct {
	int counter;
} atomic_t;

typedef struct {
	atomic_t refs;
} refcount_t;

typedef struct {
	__s64 counter;
} atomic64_t;

typedef struct {
	__u32 val;
} kuid_t;

struct in6_addr {
	union {
		__u8 u6_addr8[16];
	} in6_u;
} __attribute__((preserve_access_index));

struct ns_common {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net {
	struct ns_common ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net *net;
} possible_net_t;

struct sock_common {
	__be32 skc_daddr;
	__be32 skc_rcv_saddr;
	__be16 skc_dport;
	__u16 skc_num;
	unsigned short skc_family;
	unsigned char skc_state;
	unsigned char skc_ipv6only : 1;
	atomic64_t skc_cookie; /* 0 until something asks for it */
	int skc_bound_dev_if;
	possible_net_t skc_net;
	struct in6_addr skc_v6_daddr;
	struct in6_addr skc_v6_rcv_saddr;
} __attribute__((preserve_access_index));

struct kernfs_node {
	__u64 id;
} __attribute__((preserve_access_index));

struct cgroup {
	struct kernfs_node *kn;
} __attribute__((preserve_access_index));

struct sock_cgroup_data {
	struct cgroup *cgroup;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
	atomic_t sk_drops;
	struct {
		atomic_t rmem_alloc;
		int len;
	} sk_backlog;
	int sk_rcvbuf;
	int sk_forward_alloc;
	atomic_t sk_omem_alloc;
	int sk_wmem_queued;
	refcount_t sk_wmem_alloc;
	struct timer_list sk_timer;
	kuid_t sk_uid;
	__u16 sk_protocol;
	__u16 sk_type;
	int sk_sndbuf;
	__u8 sk_shutdown;
	__u32 sk_ack_backlog;
	__u32 sk_max_ack_backlog;
	struct sock_cgroup_data sk_cgrp_data;
} __attribute__((preserve_access_index));

struct socket {
	struct sock *sk;
} __attribute__((preserve_access_index));

struct request_sock_queue {
	atomic_t qlen;
} __attribute__((preserve_access_index));

struct inet_connection_sock {
	struct request_sock_queue icsk_accept_queue;
	struct timer_list icsk_retransmit_timer;
	unsigned long icsk_timeout; /* gone in 6.14: the timer's expiry instead */
	__u32 icsk_rto;
	__u8 icsk_ca_state : 5;
	__u8 icsk_retransmits;
	__u8 icsk_pending;
	__u8 icsk_backoff;
	__u8 icsk_probes_out;
	struct {
		__u32 ato : 8; /* a whole __u32 before 6.9 */
		__u32 lrcvtime;
		__u16 rcv_mss;
	} icsk_ack;
} __attribute__((preserve_access_index));

struct tcp_options_received {
	__u16 wscale_ok : 1, snd_wscale : 4, rcv_wscale : 4;
} __attribute__((preserve_access_index));

struct tcp_sock {
	__u32 snd_wnd, mss_cache, snd_cwnd, lost_out, sacked_out, copied_seq, retrans_out;
	__u32 snd_ssthresh, write_seq, lsndtime, mdev_us, rcv_nxt, snd_nxt, snd_una, srtt_us;
	__u32 packets_out, delivered, rcv_wnd, rcv_tstamp, total_retrans;
	__u64 bytes_sent, bytes_received, bytes_acked, bytes_retrans;
	struct tcp_options_received rx_opt;
	struct {
		__u32 space;
	} rcvq_space;
} __attribute__((preserve_access_index));

struct bpf_iter__task_file {
	struct bpf_iter_meta *meta;
	struct task_struct *task;
	__u32 fd;
	struct file *file;
} __attribute__((preserve_access_index));

/* cppcheck reads this file without libbpf's headers: SEC is theirs. */
// cppcheck-suppress unknownMacro
char LICENSE[] SEC("license") = "GPL";

/* numbers[] is a flexible array: its offset is relocated, the stride is the
 * size of struct upid on the running kernel. */
static __always_inline int upid_at(struct pid *p, unsigned int level, struct upid *out)
{
	unsigned long off = bpf_core_field_offset(struct pid, numbers) +
			    (unsigned long)level * bpf_core_type_size(struct upid);

	return bpf_probe_read_kernel(out, sizeof(*out), (char *)p + off);
}

/* The pid of the task's thread group as the reader's pid namespace numbers
 * it: the reader is `current` (the iterator runs in its read()). Returns 0
 * when the task is not visible there. */
static __always_inline int pid_in_reader_ns(struct task_struct *task)
{
	struct task_struct *cur = (struct task_struct *)bpf_get_current_task();
	struct pid *mine = BPF_CORE_READ(cur, thread_pid);
	struct pid *theirs = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(mine, level);
	struct upid me, them;

	if (!theirs || level >= MAX_PID_NS_LEVEL || BPF_CORE_READ(theirs, level) < level)
		return 0;
	if (upid_at(mine, level, &me) || upid_at(theirs, level, &them) || me.ns != them.ns)
		return 0;
	return them.nr;
}

/* The task whose files are being visited, as worked out at its first fd:
 * its files come one after the other, with the task held, so one lookup
 * per process is enough. Keyed by the session too, since a task freed
 * after one read may be reallocated at the same address for the next.
 * Only this process reads its own copy of the program, never two at once. */
static struct {
	__u64 session;
	struct task_struct *task;
	__s32 pid;    /* 0: skipped (a thread, or not visible to the reader) */
	__u64 start_ns;
} cur;

/* This read's TCP sockets, keyed by session like cur. On a first look at
 * sockets nothing ever dumped, none has a cookie and every namespace gets
 * a full dump anyway: once most sockets seen were left unread, the rest
 * are not even looked at (at a million sockets that look costs 0.3 s). */
#define GIVE_UP_UNREAD 1024

static struct {
	__u64 session;
	__u32 seen, unread;
	__u32 gave_up;
} tally;

static __always_inline void look_up(struct bpf_iter__task_file *ctx, struct task_struct *task)
{
	__u64 session = ctx->meta->session_id;

	if (cur.task == task && cur.session == session)
		return;
	cur.task = task;
	cur.session = session;
	cur.pid = 0;
	/* /proc/PID/fd shows the leader's table: a thread that unshared its
	 * own (CLONE_FILES off) must not add fds to its process. */
	if (BPF_CORE_READ(task, pid) != BPF_CORE_READ(task, tgid))
		return;
	cur.pid = pid_in_reader_ns(task);
	cur.start_ns = BPF_CORE_READ(task, start_boottime);
}

/* Fills the record of one fd; 0 when its task is not reported (a thread,
 * or not visible to the reader). */
static __always_inline int fill_owner(struct bpf_iter__task_file *ctx, struct sk_owner_record *r)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct inode *inode;

	if (!task || !file)
		return 0;
	look_up(ctx, task);
	if (cur.pid <= 0)
		return 0;
	r->pid = cur.pid;
	r->fd = ctx->fd;
	r->start_ns = cur.start_ns;
	/* Direct loads, not bpf_probe_read calls: ctx's pointers are typed
	 * (BTF), so the verifier turns each into a fault-safe load, and these
	 * run once per fd (half the iterator's time with helper calls). */
	inode = file->f_inode;
	/* An O_PATH fd on a socket file has S_IFSOCK too, but lives on the
	 * file's own filesystem and readlink shows its path: only sockfs
	 * inodes are "socket:[N]". */
	if (inode && (inode->i_mode & S_IFMT) == S_IFSOCK && inode->i_sb &&
	    inode->i_sb->s_magic == SOCKFS_MAGIC)
		r->inode = inode->i_ino;
	return 1;
}

// cppcheck-suppress unknownMacro
SEC("iter/task_file")
int sk_owners(struct bpf_iter__task_file *ctx)
{
	struct sk_owner_record r = {0};

	if (fill_owner(ctx, &r))
		bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}

static __always_inline __u32 j_to_ms(__u64 j)
{
	return (__u32)(j * 1000 / CONFIG_HZ);
}

static __always_inline __u32 j_to_us(__u64 j)
{
	return (__u32)(j * 1000000 / CONFIG_HZ);
}

/* expires - now, as inet_diag shows it: ms, 0 once due. */
static __always_inline __u32 ms_until(unsigned long expires, __u64 now)
{
	long left = (long)(expires - (unsigned long)now);

	return left > 0 ? j_to_ms((__u64)left) : 0;
}

/* inet_sk_diag_fill's idiag_timer, idiag_retrans and idiag_expires. */
static __always_inline void fill_timer(struct sk_tcp_record *t, struct sock *sk,
				       struct inet_connection_sock *icsk, __u64 now)
{
	__u8 pending = icsk->icsk_pending;
	unsigned long timeout;

	if (bpf_core_field_exists(icsk->icsk_timeout))
		timeout = icsk->icsk_timeout;
	else
		timeout = icsk->icsk_retransmit_timer.expires;
	if (pending == ICSK_TIME_RETRANS || pending == ICSK_TIME_REO_TIMEOUT ||
	    pending == ICSK_TIME_LOSS_PROBE) {
		t->timer = TIMER_RETRANS;
		t->retrans = icsk->icsk_retransmits;
		t->timer_ms = ms_until(timeout, now);
	} else if (pending == ICSK_TIME_PROBE0) {
		t->timer = TIMER_PROBE0;
		t->retrans = icsk->icsk_probes_out;
		t->timer_ms = ms_until(timeout, now);
	} else if (sk->sk_timer.entry.pprev) { /* timer_pending() */
		t->timer = TIMER_KEEPALIVE;
		t->retrans = icsk->icsk_probes_out;
		t->timer_ms = ms_until(sk->sk_timer.expires, now);
	}
}

/* sock_diag_put_meminfo's vector. */
static __always_inline void fill_mem(struct sk_tcp_record *t, struct sock *sk)
{
	t->mem[0] = sk->sk_backlog.rmem_alloc.counter;
	t->mem[1] = sk->sk_rcvbuf;
	t->mem[2] = sk->sk_wmem_alloc.refs.counter - 1; /* sk_wmem_alloc_get() */
	t->mem[3] = sk->sk_sndbuf;
	t->mem[4] = sk->sk_forward_alloc;
	t->mem[5] = sk->sk_wmem_queued;
	t->mem[6] = sk->sk_omem_alloc.counter;
	t->mem[7] = sk->sk_backlog.len;
	t->mem[8] = sk->sk_drops.counter; /* TCP keeps no per-node drop counters */
}

/* tcp_get_info's fields that sktop keeps (struct sk_tcpinfo). */
static __always_inline void fill_info(struct sk_tcp_record *t, struct sock *sk,
				      struct inet_connection_sock *icsk, struct tcp_sock *tp,
				      __u64 now)
{
	__u32 now32 = (__u32)now; /* tcp_jiffies32 */
	int notsent;

	t->snd_cwnd = tp->snd_cwnd;
	/* A listener reports its accept queue and nothing else. */
	if (t->state == TCP_LISTEN) {
		t->unacked = sk->sk_ack_backlog;
		t->sacked = sk->sk_max_ack_backlog;
		return;
	}
	t->ca_state = BPF_CORE_READ_BITFIELD(icsk, icsk_ca_state);
	t->retransmits = icsk->icsk_retransmits;
	t->probes = icsk->icsk_probes_out;
	t->backoff = icsk->icsk_backoff;
	if (BPF_CORE_READ_BITFIELD(tp, rx_opt.wscale_ok)) {
		t->snd_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.snd_wscale);
		t->rcv_wscale = BPF_CORE_READ_BITFIELD(tp, rx_opt.rcv_wscale);
	}
	t->rto_us = j_to_us(icsk->icsk_rto);
	t->ato_us = j_to_us(BPF_CORE_READ_BITFIELD(icsk, icsk_ack.ato));
	t->snd_mss = tp->mss_cache;
	t->rcv_mss = icsk->icsk_ack.rcv_mss;
	t->unacked = tp->packets_out;
	t->sacked = tp->sacked_out;
	t->lost = tp->lost_out;
	t->retrans_out = tp->retrans_out;
	t->total_retrans = tp->total_retrans;
	t->last_data_sent_ms = j_to_ms(now32 - tp->lsndtime);
	t->last_data_recv_ms = j_to_ms(now32 - icsk->icsk_ack.lrcvtime);
	t->last_ack_recv_ms = j_to_ms(now32 - tp->rcv_tstamp);
	t->rtt_us = tp->srtt_us >> 3;
	t->rttvar_us = tp->mdev_us >> 2;
	t->snd_ssthresh = tp->snd_ssthresh;
	t->rcv_space = tp->rcvq_space.space;
	notsent = (int)(tp->write_seq - tp->snd_nxt);
	t->notsent_bytes = notsent > 0 ? (__u32)notsent : 0;
	t->delivered = tp->delivered;
	t->snd_wnd = tp->snd_wnd;
	t->rcv_wnd = tp->rcv_wnd;
	t->bytes_acked = tp->bytes_acked;
	t->bytes_received = tp->bytes_received;
	t->bytes_sent = tp->bytes_sent;
	t->bytes_retrans = tp->bytes_retrans;
}

/* One record per fd, as sk_owners writes, and for a TCP socket the socket
 * too: a header and a body, written in one call so that a reader never
 * sees half of them (a seq_file write either fits or is redone). */
struct owner_and_tcp {
	struct sk_owner_record r;
	struct sk_tcp_record t;
};

// cppcheck-suppress unknownMacro
SEC("iter/task_file")
int sk_owners_tcp(struct bpf_iter__task_file *ctx)
{
	struct file *file = ctx->file;
	struct owner_and_tcp o = {0};
	struct sk_tcp_record *t = &o.t;
	struct inet_connection_sock *icsk;
	struct socket *sock;
	struct tcp_sock *tp;
	struct sock *sk;
	struct cgroup *cg;
	__u64 now;
	int rq;

	if (!file || !fill_owner(ctx, &o.r))
		return 0;
	if (tally.session != ctx->meta->session_id) {
		tally.session = ctx->meta->session_id;
		tally.seen = tally.unread = tally.gave_up = 0;
	}
	if (!o.r.inode || tally.gave_up || !(sock = bpf_sock_from_file(file)) || !(sk = sock->sk) ||
	    sk->sk_protocol != IPPROTO_TCP || sk->sk_type != SOCK_STREAM ||
	    (sk->__sk_common.skc_family != AF_INET && sk->__sk_common.skc_family != AF_INET6)) {
		bpf_seq_write(ctx->meta->seq, &o.r, sizeof(o.r));
		return 0;
	}
	tp = bpf_rdonly_cast(sk, bpf_core_type_id_kernel(struct tcp_sock));
	sk = (struct sock *)tp;
	icsk = (struct inet_connection_sock *)tp;
	t->netns = sk->__sk_common.skc_net.net->ns.inum;
	t->state = sk->__sk_common.skc_state;
	/* Read, not made: a socket nothing asked the cookie of has 0. Its
	 * namespace gets a dump, which gives it one for good, so the rest of
	 * it is not worth reading now (a first run on a quiet box). A closed
	 * one is in no table: no dump would ever give it one. */
	t->cookie = (__u64)sk->__sk_common.skc_cookie.counter;
	tally.seen++;
	if (!t->cookie && t->state != TCP_CLOSE) {
		tally.unread++;
		tally.gave_up = tally.unread >= GIVE_UP_UNREAD && tally.unread * 2 > tally.seen;
		o.r.tcp = tally.gave_up ? SK_OWNER_TCP_GAVE_UP : SK_OWNER_TCP_UNREAD;
		o.r.netns = t->netns;
		bpf_seq_write(ctx->meta->seq, &o.r, sizeof(o.r));
		return 0;
	}
	o.r.tcp = SK_OWNER_TCP;
	now = bpf_jiffies64();
	t->family = sk->__sk_common.skc_family;
	t->sport = sk->__sk_common.skc_num;
	t->dport = __builtin_bswap16(sk->__sk_common.skc_dport);
	if (t->family == AF_INET6) {
		__builtin_memcpy(t->src, sk->__sk_common.skc_v6_rcv_saddr.in6_u.u6_addr8, 16);
		__builtin_memcpy(t->dst, sk->__sk_common.skc_v6_daddr.in6_u.u6_addr8, 16);
		t->v6only = BPF_CORE_READ_BITFIELD(sk, __sk_common.skc_ipv6only);
	} else {
		__builtin_memcpy(t->src, &sk->__sk_common.skc_rcv_saddr, 4);
		__builtin_memcpy(t->dst, &sk->__sk_common.skc_daddr, 4);
	}
	t->ifindex = sk->__sk_common.skc_bound_dev_if;
	t->uid = sk->sk_uid.val;
	t->shutdown = sk->sk_shutdown;
	if (bpf_core_field_exists(sk->sk_cgrp_data.cgroup)) {
		cg = sk->sk_cgrp_data.cgroup;
		t->cgroup_id = cg ? cg->kn->id : 1; /* none: the root's, as the dump says */
	}
	/* tcp_diag_get_info's queues */
	if (t->state == TCP_LISTEN) {
		t->recv_q = sk->sk_ack_backlog;
		t->send_q = sk->sk_max_ack_backlog;
		t->syn_queue = icsk->icsk_accept_queue.qlen.counter;
	} else {
		rq = (int)(tp->rcv_nxt - tp->copied_seq);
		t->recv_q = rq > 0 ? (__u32)rq : 0;
		t->send_q = tp->write_seq - tp->snd_una;
	}
	fill_timer(t, sk, icsk, now);
	fill_mem(t, sk);
	fill_info(t, sk, icsk, tp, now);
	bpf_seq_write(ctx->meta->seq, &o, sizeof(o));
	return 0;
}
