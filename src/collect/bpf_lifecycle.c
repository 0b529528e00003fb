#include <config.h>

#include "collect/bpf_lifecycle.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#if HAVE_BPF

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collect/bpf_owners.h"
#include "collect/bpf/lifecycle_record.h"
#include "collect/bpf/skel_model.h"
#include "collect/bpf/lifecycle.skel.h"

_Static_assert(sizeof(struct sk_lifecycle_record) == 48, "entry_bytes says 48");
_Static_assert(SK_LIFE_F_CREATED == SK_LREC_CREATED && SK_LIFE_F_CREATOR == SK_LREC_CREATOR &&
		       SK_LIFE_F_CLOSER == SK_LREC_CLOSER &&
		       SK_LIFE_F_AFTERLIFE == SK_LREC_AFTERLIFE && SK_LIFE_F_NOPID == SK_LREC_NOPID &&
		       SK_LIFE_F_FIN_IN == SK_LREC_FIN_IN,
	       "one set of flag bits on both sides");

#define BATCH 4096
#endif

struct sk_bpf_lifecycle {
	uint32_t max_entries;
	uint64_t load_us;
	char note[SK_ERROR_MSG_MAX]; /* why the accept hook is off, or "" */
#if HAVE_BPF
	struct sk_lifecycle_bpf *skel;
	int ncpus;
	uint64_t *lost_per_cpu; /* ncpus counters, read each refresh */
	/* batch buffers, kept across reads */
	uint64_t keys[BATCH];
	struct sk_lifecycle_record vals[BATCH];
#endif
};

size_t sk_bpf_lifecycle_entry_bytes(void)
{
	return sizeof(uint64_t) + 48; /* the cookie + struct sk_lifecycle_record */
}

uint64_t sk_bpf_lifecycle_load_us(const struct sk_bpf_lifecycle *b)
{
	return b ? b->load_us : 0;
}

uint32_t sk_bpf_lifecycle_max_entries(const struct sk_bpf_lifecycle *b)
{
	return b ? b->max_entries : 0;
}

const char *sk_bpf_lifecycle_note(const struct sk_bpf_lifecycle *b)
{
	return b ? b->note : "";
}

#if HAVE_BPF

static int why_not(int rc, const char *step, const char *last, struct sk_error *err)
{
	return sk_bpf_why_not(rc, "BPF lifecycle", step,
			      " (kernel without tp_btf or socket cookies in tracing, 5.12 or later "
			      "needed)", last, err);
}

static void accept_off(struct sk_bpf_lifecycle *b, int rc, const char *step, const char *last)
{
	snprintf(b->note, sizeof(b->note),
		 "BPF accept hook unavailable: %s: %s%s%s; accepted sockets are named by their "
		 "closer", step, strerror(rc), last[0] ? "; libbpf: " : "", last);
}

/* Opens and loads the skeleton, the accept programs only if with_accept;
 * they are attached apart (attach_accept), so the skeleton's attach leaves
 * them out. */
static int open_load(struct sk_bpf_lifecycle *b, bool with_accept, char *last,
		     struct sk_error *err)
{
	struct bpf_program *accepts[2];
	struct stat st;
	int rc;

	b->skel = sk_lifecycle_bpf__open();
	if (!b->skel)
		return why_not(errno ? errno : EINVAL, "open", last, err);
	accepts[0] = b->skel->progs.sk_life_accept4;
	accepts[1] = b->skel->progs.sk_life_accept;
	for (int i = 0; i < 2; i++) {
		bpf_program__set_autoattach(accepts[i], false);
		bpf_program__set_autoload(accepts[i], with_accept);
	}
	/* Creators are named as sktop's own pid namespace numbers them. */
	if (stat("/proc/self/ns/pid", &st) == 0) {
		b->skel->rodata->pidns_dev = (uint64_t)st.st_dev;
		b->skel->rodata->pidns_ino = (uint64_t)st.st_ino;
	}
	rc = bpf_map__set_max_entries(b->skel->maps.lives, b->max_entries);
	if (rc)
		return why_not(-rc, "sizing the store", last, err);
	rc = sk_lifecycle_bpf__load(b->skel);
	if (rc)
		return why_not(-rc, "load", last, err);
	return 0;
}

/* The syscall tracepoints go through perf_event_open, which a kernel may
 * refuse where it allows tp_btf: the store then works without them. */
static void attach_accept(struct sk_bpf_lifecycle *b, char *last)
{
	struct sk_lifecycle_bpf *k = b->skel;

	last[0] = '\0';
	k->links.sk_life_accept4 = bpf_program__attach(k->progs.sk_life_accept4);
	if (k->links.sk_life_accept4)
		k->links.sk_life_accept = bpf_program__attach(k->progs.sk_life_accept);
	if (k->links.sk_life_accept)
		return;
	accept_off(b, errno ? errno : EINVAL, "attach", last);
	bpf_link__destroy(k->links.sk_life_accept4);
	k->links.sk_life_accept4 = NULL;
}

/* Before 6.1 the verifier lets a tracepoint program update a run-time
 * allocated hash (the store is one, to follow the sockets made) only with a
 * kernel WARN splat, and refuses it on PREEMPT_RT: no accept hook there. */
static bool accept_hook_safe(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) != 0 || sscanf(u.release, "%d.%d", &major, &minor) != 2)
		return false;
	return major > 6 || (major == 6 && minor >= 1);
}

static int load(void *ctx, char *last, struct sk_error *err)
{
	struct sk_bpf_lifecycle *b = ctx;
	bool with_accept = accept_hook_safe();
	int rc = open_load(b, with_accept, last, err);

	if (!with_accept)
		snprintf(b->note, sizeof(b->note),
			 "BPF accept hook off: Linux 6.1 or later needed (tracepoint programs "
			 "and run-time allocated maps); accepted sockets are named by their closer");
	else if (rc && b->skel) {
		/* Maybe only the accept programs were refused: once more
		 * without them, and if that loads, say why they are off. */
		struct sk_error first = *err;

		accept_off(b, rc < 0 ? -rc : rc, "load", last);
		sk_lifecycle_bpf__destroy(b->skel);
		b->skel = NULL;
		last[0] = '\0';
		rc = open_load(b, false, last, err);
		if (rc) {
			*err = first;
			b->note[0] = '\0';
		}
	}
	if (rc)
		return rc;
	rc = sk_lifecycle_bpf__attach(b->skel);
	if (rc)
		return why_not(-rc, "attach", last, err);
	if (bpf_program__autoload(b->skel->progs.sk_life_accept4))
		attach_accept(b, last);
	return 0;
}

int sk_bpf_lifecycle_open(struct sk_bpf_lifecycle **out, uint32_t max_entries,
			  struct sk_error *err)
{
	struct sk_bpf_lifecycle *b = calloc(1, sizeof(*b));
	int rc;

	*out = NULL;
	if (!b)
		return sk_error_set(err, ENOMEM, "out of memory");
	b->max_entries = max_entries ? max_entries : SK_LIFE_MAX_ENTRIES_DEFAULT;
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus > 0 && b->ncpus <= 65536)
		b->lost_per_cpu = calloc((size_t)b->ncpus, sizeof(*b->lost_per_cpu));
	if (!b->lost_per_cpu)
		rc = sk_error_set(err, EINVAL, "BPF lifecycle unavailable: cannot count the CPUs "
				   "(or out of memory)");
	else
		rc = sk_bpf_load_noting(load, b, &b->load_us, err);
	if (rc == 0)
		*out = b;
	else
		sk_bpf_lifecycle_close(b);
	return rc;
}

void sk_bpf_lifecycle_close(struct sk_bpf_lifecycle *b)
{
	if (!b)
		return;
	sk_lifecycle_bpf__destroy(b->skel);
	free(b->lost_per_cpu);
	free(b);
}

static int push_entries(struct sk_bpf_lifecycle *b, uint32_t n, sk_lifevec *out)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct sk_lifecycle_record *r = &b->vals[i];
		struct sk_life_entry *e = SK_VEC_PUSH(out);

		if (!e)
			return -ENOMEM;
		e->cookie = b->keys[i];
		e->created_ns = r->created_ns;
		e->state_ns = r->state_ns;
		e->cgroup_id = r->cgroup_id;
		e->tgid = r->tgid > 0 ? r->tgid : 0;
		e->state = r->state;
		e->flags = r->flags;
		memcpy(e->comm, r->comm, sizeof(e->comm));
		e->comm[sizeof(e->comm) - 1] = '\0';
	}
	return 0;
}

static int cmp_entry(const void *pa, const void *pb)
{
	const struct sk_life_entry *x = pa, *y = pb;

	return (x->cookie > y->cookie) - (x->cookie < y->cookie);
}

/* The sum over CPUs of counter `what` (SK_LREC_COUNT_*). */
static int read_count(struct sk_bpf_lifecycle *b, uint32_t what, uint64_t *sum)
{
	*sum = 0;
	if (bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.lost), &what, b->lost_per_cpu) != 0)
		return -errno;
	for (int i = 0; i < b->ncpus; i++)
		*sum += b->lost_per_cpu[i];
	return 0;
}

/* The kernel does not run a program it would re-enter on the same CPU (a
 * softirq's state change landing while a process-context one runs) and
 * counts the skip in the program's recursion_misses: an event lost as
 * surely as one the full store refused. *misses grows by p's count; a
 * program not loaded (an accept hook left off) adds nothing. */
static int add_recursion_misses(const struct bpf_program *p, uint64_t *misses)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int fd = bpf_program__fd(p);

	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
		return -errno;
	*misses += info.recursion_misses;
	return 0;
}

static int read_lost(struct sk_bpf_lifecycle *b, uint64_t *lost)
{
	const struct bpf_program *progs[] = {b->skel->progs.sk_life_state,
					     b->skel->progs.sk_life_accept4,
					     b->skel->progs.sk_life_accept};
	int rc = read_count(b, SK_LREC_COUNT_LOST, lost);

	for (size_t i = 0; rc == 0 && i < sizeof(progs) / sizeof(progs[0]); i++)
		rc = add_recursion_misses(progs[i], lost);
	return rc;
}

int sk_bpf_lifecycle_read(struct sk_bpf_lifecycle *b, sk_lifevec *out, uint64_t *lost,
			  struct sk_error *err)
{
	int fd = bpf_map__fd(b->skel->maps.lives);
	uint64_t token = 0;
	bool first = true;
	int rc;

	out->n = 0;
	for (;;) {
		uint32_t n = BATCH;

		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		rc = bpf_map_lookup_batch(fd, first ? NULL : &token, &token, b->keys, b->vals, &n,
					  &opts);
		if (rc && errno != ENOENT)
			return sk_error_set(err, errno, "reading the lifecycle store: %s",
					    strerror(errno));
		if (push_entries(b, n, out))
			return sk_error_set(err, ENOMEM, "out of memory");
		if (rc)
			break; /* ENOENT: that was the last bucket */
		first = false;
	}
	/* A batch read of a changing hash may meet an entry twice (it moved
	 * buckets): sorted, the later copy is dropped. */
	sk_qsort(out->v, out->n, sizeof(*out->v), cmp_entry);
	size_t w = 0;

	for (size_t i = 0; i < out->n; i++)
		if (w == 0 || out->v[w - 1].cookie != out->v[i].cookie)
			out->v[w++] = out->v[i];
	out->n = w;
	rc = read_lost(b, lost);
	if (rc)
		return sk_error_set(err, -rc, "reading the lifecycle loss counter: %s",
				    strerror(-rc));
	return 0;
}

int sk_bpf_lifecycle_delete(struct sk_bpf_lifecycle *b, const uint64_t *cookies, size_t n,
			    struct sk_error *err)
{
	int fd = bpf_map__fd(b->skel->maps.lives);

	while (n) {
		uint32_t count = n > BATCH ? BATCH : (uint32_t)n;

		LIBBPF_OPTS(bpf_map_batch_opts, opts);
		if (bpf_map_delete_batch(fd, cookies, &count, &opts) == 0) {
			cookies += count;
			n -= count;
			continue;
		}
		if (errno != ENOENT)
			return sk_error_set(err, errno, "sweeping the lifecycle store: %s",
					    strerror(errno));
		/* Deleted by the kernel side meanwhile (its socket closed): skip it. */
		count = count < n ? count + 1 : count;
		cookies += count;
		n -= count;
	}
	return 0;
}

#else /* !HAVE_BPF */

int sk_bpf_lifecycle_open(struct sk_bpf_lifecycle **out, uint32_t max_entries,
			  struct sk_error *err)
{
	(void)max_entries;
	*out = NULL;
	return sk_error_set(err, EOPNOTSUPP, "BPF lifecycle unavailable: built without BPF");
}

int sk_bpf_lifecycle_read(struct sk_bpf_lifecycle *b, sk_lifevec *out, uint64_t *lost,
			  struct sk_error *err)
{
	(void)b;
	out->n = 0;
	*lost = 0;
	return sk_error_set(err, EOPNOTSUPP, "built without BPF");
}

int sk_bpf_lifecycle_delete(struct sk_bpf_lifecycle *b, const uint64_t *cookies, size_t n,
			    struct sk_error *err)
{
	(void)b;
	(void)cookies;
	(void)n;
	return sk_error_set(err, EOPNOTSUPP, "built without BPF");
}

void sk_bpf_lifecycle_close(struct sk_bpf_lifecycle *b)
{
	free(b);
}

#endif
