/* The kernel side of the BPF owner path: a task_file iterator that writes
 * one fixed-size record per fd of every thread-group leader it visits,
 * socket or not (inode 0), so the reader gets the fd count too without
 * listing /proc/PID/fd.
 *
 * The few kernel structs read here are declared with preserve_access_index:
 * libbpf relocates every field offset against the running kernel's BTF, so
 * the object needs no vmlinux.h from the build machine. */
#include "kernel_types.h"

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

#include "owners_record.h"

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define SOCKFS_MAGIC 0x534F434B
#define MAX_PID_NS_LEVEL 32

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

// cppcheck-suppress unknownMacro
SEC("iter/task_file")
int sk_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *task = ctx->task;
	struct file *file = ctx->file;
	struct sk_owner_record r = {0};
	struct inode *inode;

	if (!task || !file)
		return 0;
	look_up(ctx, task);
	if (cur.pid <= 0)
		return 0;
	r.pid = cur.pid;
	r.fd = ctx->fd;
	r.start_ns = cur.start_ns;
	/* Direct loads, not bpf_probe_read calls: ctx's pointers are typed
	 * (BTF), so the verifier turns each into a fault-safe load, and these
	 * run once per fd (half the iterator's time with helper calls). */
	inode = file->f_inode;
	/* An O_PATH fd on a socket file has S_IFSOCK too, but lives on the
	 * file's own filesystem and readlink shows its path: only sockfs
	 * inodes are "socket:[N]". */
	if (inode && (inode->i_mode & S_IFMT) == S_IFSOCK && inode->i_sb &&
	    inode->i_sb->s_magic == SOCKFS_MAGIC)
		r.inode = inode->i_ino;
	bpf_seq_write(ctx->meta->seq, &r, sizeof(r));
	return 0;
}
