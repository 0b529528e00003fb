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

static int load(void *ctx, char *last, struct sk_error *err)
{
	struct sk_bpf_owners *b = ctx;
	int rc;

	b->skel = sk_owners_bpf__open();
	if (!b->skel)
		return why_not(errno ? errno : EINVAL, "open", last, err);
	rc = sk_owners_bpf__load(b->skel);
	if (rc)
		return why_not(-rc, "load", last, err);
	b->link = bpf_program__attach_iter(b->skel->progs.sk_owners, NULL);
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

int sk_bpf_owners_open(struct sk_bpf_owners **out, struct sk_error *err)
{
	struct sk_bpf_owners *b = calloc(1, sizeof(*b));
	long hz = sysconf(_SC_CLK_TCK);
	int rc;

	*out = NULL;
	if (!b)
		return sk_error_set(err, ENOMEM, "out of memory");
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

void sk_bpf_owners_close(struct sk_bpf_owners *b)
{
	if (!b)
		return;
	bpf_link__destroy(b->link);
	sk_owners_bpf__destroy(b->skel);
	free(b);
}

static int push_records(struct sk_bpf_owners *b, const struct sk_owner_record *r, size_t n,
			sk_fdrowvec *rows, bool *sorted)
{
	for (size_t i = 0; i < n; i++) {
		struct sk_fdrow *row;

		/* The kernel is trusted less than the layout suggests: a pid or
		 * fd out of range is dropped, not believed. */
		if (r[i].pid <= 0 || r[i].fd > INT32_MAX)
			continue;
		row = SK_VEC_PUSH(rows);
		if (!row)
			return -ENOMEM;
		row->pid = r[i].pid;
		row->fd = (int32_t)r[i].fd;
		row->inode = r[i].inode;
		row->starttime = r[i].start_ns / b->ns_per_tick;
		if (rows->n > 1) {
			const struct sk_fdrow *p = row - 1;

			*sorted &= p->pid < row->pid || (p->pid == row->pid && p->fd < row->fd);
		}
	}
	return 0;
}

static int cmp_row(const void *a, const void *b)
{
	const struct sk_fdrow *x = a, *y = b;

	if (x->pid != y->pid)
		return (x->pid > y->pid) - (x->pid < y->pid);
	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* One read() may end inside a record: the tail is carried to the next. */
static int drain(struct sk_bpf_owners *b, int fd, sk_fdrowvec *rows, bool *sorted)
{
	union {
		struct sk_owner_record r[2048];
		char bytes[2048 * sizeof(struct sk_owner_record)];
	} buf;
	size_t have = 0;

	for (;;) {
		ssize_t n = read(fd, buf.bytes + have, sizeof(buf) - have);
		size_t whole;
		int rc;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return have ? -EPROTO : 0;
		have += (size_t)n;
		whole = have / sizeof(struct sk_owner_record);
		rc = push_records(b, buf.r, whole, rows, sorted);
		if (rc)
			return rc;
		have -= whole * sizeof(struct sk_owner_record);
		memmove(buf.bytes, buf.bytes + whole * sizeof(struct sk_owner_record), have);
	}
}

int sk_bpf_owners_read(struct sk_bpf_owners *b, sk_fdrowvec *rows, struct sk_error *err)
{
	int fd = bpf_iter_create(bpf_link__fd(b->link));
	bool sorted = true;
	int rc;

	rows->n = 0;
	if (fd < 0)
		return sk_error_set(err, errno, "cannot start the BPF owner iterator: %s",
				    strerror(errno));
	rc = drain(b, fd, rows, &sorted);
	close(fd);
	if (rc)
		return sk_error_set(err, -rc, "reading the BPF owner iterator: %s", strerror(-rc));
	if (!sorted)
		sk_qsort(rows->v, rows->n, sizeof(*rows->v), cmp_row);
	return 0;
}

#else /* !HAVE_BPF */

struct sk_bpf_owners {
	int unused;
};

int sk_bpf_owners_open(struct sk_bpf_owners **out, struct sk_error *err)
{
	*out = NULL;
	return sk_error_set(err, EOPNOTSUPP, "BPF owners unavailable: built without BPF "
			    "(configure --disable-bpf, or no clang/bpftool/libbpf found)");
}

int sk_bpf_owners_read(struct sk_bpf_owners *b, sk_fdrowvec *rows, struct sk_error *err)
{
	(void)b;
	(void)rows;
	return sk_error_set(err, EOPNOTSUPP, "built without BPF");
}

uint64_t sk_bpf_owners_load_us(const struct sk_bpf_owners *b)
{
	(void)b;
	return 0;
}

void sk_bpf_owners_close(struct sk_bpf_owners *b)
{
	free(b);
}

#endif
