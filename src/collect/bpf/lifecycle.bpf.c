/* The kernel side of the lifecycle store: every TCP state change
 * (sock:inet_sock_set_state, as tp_btf: typed arguments, socket cookies)
 * lands in one bounded hash keyed by socket cookie, which sock_diag returns
 * as idiag_cookie, so the reader joins it with its dump without asking the
 * kernel anything else.
 *
 * The maker is taken only where the kernel runs in the process that made
 * the socket: connect (CLOSE -> SYN_SENT) and listen (CLOSE -> LISTEN) in
 * the state program, and accept in the return of accept(2)/accept4(2)
 * (syscalls:sys_exit_accept*, plain tracepoints: kernels locked down for
 * BPF refuse fexit and kprobes but allow these). Everything else (SYN_RECV,
 * ESTABLISHED, CLOSE_WAIT, TIME_WAIT) happens in softirq, where `current`
 * is whoever was interrupted, so those events stamp times only; the child's
 * SYN_RECV gives it its cookie, which the accept hook finds again through
 * the acceptor's fd table. A socket made before sktop started (or accepted
 * while the accept hook is off: the loader attaches it apart, and a kernel
 * refusing it keeps the rest) gets the process that closes it (FIN_WAIT1,
 * LAST_ACK: in close() or shutdown(), in the closing task) as its last
 * holder, flagged so; while it is open the reader names its fd holder.
 *
 * No entry outlives its socket: a state change to CLOSE deletes it, unless
 * the socket closes from FIN_WAIT1/FIN_WAIT2/CLOSING, where the kernel
 * hands the cookie to a TIME_WAIT (or FIN_WAIT2) mini socket that no event
 * reports; those the reader deletes at its sweep, once the dump no longer
 * lists the cookie. A full map drops the event and counts it. */
#include "kernel_types.h"

/* The few UAPI values used here, so the BPF build needs no asm/ headers of
 * the build machine's architecture (they are fixed by the kernel's ABI). */
#define BPF_MAP_TYPE_HASH 1
#define BPF_MAP_TYPE_PERCPU_ARRAY 6
#define BPF_F_NO_PREALLOC 1
#define BPF_NOEXIST 1
struct bpf_pidns_info {
	__u32 pid;
	__u32 tgid;
};

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "lifecycle_record.h"

#define PF_KTHREAD 0x00200000
#define RCV_SHUTDOWN 1
/* include/net/tcp_states.h */
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_SYN_RECV 3
#define TCP_FIN_WAIT1 4
#define TCP_FIN_WAIT2 5
#define TCP_CLOSE 7
#define TCP_LAST_ACK 9
#define TCP_LISTEN 10
#define TCP_CLOSING 11

#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6

/* The path from the accepting task to its new socket's cookie:
 * task -> files -> fdt -> fd[n] -> file -> socket -> sock. */
struct sock;
struct file;

struct fdtable {
	unsigned int max_fds;
	struct file **fd;
} __attribute__((preserve_access_index));

struct files_struct {
	struct fdtable *fdt;
} __attribute__((preserve_access_index));

struct task_struct {
	unsigned int flags;
	struct files_struct *files;
} __attribute__((preserve_access_index));

struct file {
	void *private_data;
} __attribute__((preserve_access_index));

struct socket {
	struct file *file;
	struct sock *sk;
} __attribute__((preserve_access_index));

typedef struct {
	__s64 counter;
} atomic64_t;

struct sock_common {
	unsigned short skc_family;
	unsigned char skc_state;
	atomic64_t skc_cookie;
} __attribute__((preserve_access_index));

/* sk_shutdown was a 2-bit bitfield before 6.5, a u8 since, and sk_protocol
 * a bitfield before 5.6: read them as either (BPF_CORE_READ_BITFIELD_PROBED). */
struct sock {
	struct sock_common __sk_common;
	unsigned char sk_shutdown;
	__u16 sk_protocol;
} __attribute__((preserve_access_index));

/* The syscalls:sys_exit_* record: its layout is the tracepoint ABI
 * (events/syscalls/sys_exit_accept4/format), the same on every kernel. */
struct sys_exit_args {
	__u64 common;
	__s32 nr;
	__s32 pad;
	__s64 ret;
};

// cppcheck-suppress unknownMacro
char LICENSE[] SEC("license") = "GPL";

/* sktop's pid namespace (set before load): tgids are given as it sees them. */
const volatile __u64 pidns_dev = 0;
const volatile __u64 pidns_ino = 0;

/* Allocated as entries come, so memory follows the sockets made since
 * sktop started; max_entries (set by the loader) bounds it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1 << 20);
	__type(key, __u64);
	__type(value, struct sk_lifecycle_record);
} lives SEC(".maps");

/* Indexed by SK_LREC_COUNT_*. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SK_LREC_COUNTS);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

static __always_inline void count(__u32 what)
{
	__u64 *n = bpf_map_lookup_elem(&lost, &what);

	if (n)
		(*n)++;
}

static __always_inline void count_lost(void)
{
	count(SK_LREC_COUNT_LOST);
}

static __always_inline int user_task(void)
{
	struct task_struct *t = (struct task_struct *)bpf_get_current_task();

	return !(BPF_CORE_READ(t, flags) & PF_KTHREAD);
}

/* Called only in the task that made or closed the socket. */
static __always_inline void stamp(struct sk_lifecycle_record *r, __u8 how)
{
	struct bpf_pidns_info ns = {0};

	r->flags &= ~(SK_LREC_CREATOR | SK_LREC_CLOSER | SK_LREC_NOPID);
	r->flags |= how;
	r->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->tgid = 0;
	if (bpf_get_ns_current_pid_tgid(pidns_dev, pidns_ino, &ns, sizeof(ns)) == 0)
		r->tgid = (__s32)ns.tgid;
	else
		r->flags |= SK_LREC_NOPID;
}

static __always_inline void insert(__u64 cookie, struct sk_lifecycle_record *r)
{
	long rc = bpf_map_update_elem(&lives, &cookie, r, BPF_NOEXIST);

	/* -EEXIST: another CPU raced us to it, nothing is lost. */
	if (rc && rc != -17)
		count_lost();
}

// cppcheck-suppress unknownMacro
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(sk_life_state, const struct sock *sk, const int oldstate, const int newstate)
{
	__u64 cookie = bpf_get_socket_cookie((void *)sk);
	__u64 now = bpf_ktime_get_ns();
	struct sk_lifecycle_record *r = bpf_map_lookup_elem(&lives, &cookie);
	int born = oldstate == TCP_CLOSE || newstate == TCP_SYN_RECV;
	int maker = oldstate == TCP_CLOSE && (newstate == TCP_SYN_SENT || newstate == TCP_LISTEN);
	int closer = newstate == TCP_FIN_WAIT1 || newstate == TCP_LAST_ACK;

	if (newstate == TCP_CLOSE) {
		if (!r)
			return 0;
		if (oldstate == TCP_FIN_WAIT1 || oldstate == TCP_FIN_WAIT2 ||
		    oldstate == TCP_CLOSING) {
			r->state = TCP_CLOSE;
			r->state_ns = now;
			r->flags &= ~SK_LREC_FIN_IN;
			r->flags |= SK_LREC_AFTERLIFE;
			if (BPF_CORE_READ_BITFIELD_PROBED(sk, sk_shutdown) & RCV_SHUTDOWN)
				r->flags |= SK_LREC_FIN_IN;
		} else {
			bpf_map_delete_elem(&lives, &cookie);
		}
		return 0;
	}
	if ((maker || closer) && !user_task())
		maker = closer = 0;
	if (!r) {
		struct sk_lifecycle_record n = {0};

		n.state = (__u8)newstate;
		n.state_ns = now;
		if (born) {
			n.created_ns = now;
			n.flags = SK_LREC_CREATED;
		}
		if (maker)
			stamp(&n, SK_LREC_CREATOR);
		else if (closer)
			stamp(&n, SK_LREC_CLOSER);
		insert(cookie, &n);
		return 0;
	}
	r->state = (__u8)newstate;
	r->state_ns = now;
	r->flags &= ~(SK_LREC_AFTERLIFE | SK_LREC_FIN_IN);
	if (maker)
		stamp(r, SK_LREC_CREATOR);
	else if (closer && !(r->flags & SK_LREC_CREATOR))
		stamp(r, SK_LREC_CLOSER);
	return 0;
}

/* accept(2)/accept4(2) return, in the accepting task: its new fd's socket
 * gets it as creator. The fd is looked up in the task's own table at once,
 * before user space can run; a thread that swapped it meanwhile is caught
 * by the socket's back pointer to its file. */
static __always_inline int accepted(__s64 ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt;
	struct file **fds, *f = 0;
	struct socket *so;
	struct sock *sk;
	unsigned short family;
	__u64 cookie;

	if (ret < 0)
		return 0;
	fdt = BPF_CORE_READ(t, files, fdt);
	if (!fdt || (__u64)ret >= BPF_CORE_READ(fdt, max_fds))
		return 0;
	fds = BPF_CORE_READ(fdt, fd);
	if (!fds || bpf_probe_read_kernel(&f, sizeof(f), fds + ret) || !f)
		return 0;
	so = BPF_CORE_READ(f, private_data);
	if (!so || BPF_CORE_READ(so, file) != f)
		return 0;
	sk = BPF_CORE_READ(so, sk);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if ((family != AF_INET && family != AF_INET6) ||
	    BPF_CORE_READ_BITFIELD_PROBED(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	/* Set by the state program's bpf_get_socket_cookie when the child
	 * was born (SYN_RECV), or by a sock_diag dump: 0 means the handshake
	 * ended before the store was there and nobody dumped it since: it is
	 * older than sktop and gets its fd holder, like any such socket. */
	cookie = BPF_CORE_READ(sk, __sk_common.skc_cookie.counter);
	if (!cookie)
		return 0;

	struct sk_lifecycle_record *r = bpf_map_lookup_elem(&lives, &cookie);

	if (r) {
		stamp(r, SK_LREC_CREATOR);
		return 0;
	}
	/* No birth seen (it predates the store, or the store was full): the
	 * maker is known, its times are not. */
	struct sk_lifecycle_record n = {0};

	n.state = BPF_CORE_READ(sk, __sk_common.skc_state);
	stamp(&n, SK_LREC_CREATOR);
	insert(cookie, &n);
	return 0;
}

// cppcheck-suppress unknownMacro
SEC("tracepoint/syscalls/sys_exit_accept4")
int sk_life_accept4(struct sys_exit_args *ctx)
{
	return accepted(ctx->ret);
}

// cppcheck-suppress unknownMacro
SEC("tracepoint/syscalls/sys_exit_accept")
int sk_life_accept(struct sys_exit_args *ctx)
{
	return accepted(ctx->ret);
}
