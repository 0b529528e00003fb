/* Snapshot file -> snapshot. json.c is the format's definition: every name
 * here is one it writes. The document is parsed into a tree first
 * (json_read.c), then each object's members are matched against the keys
 * this file knows in one pass, so a hostile object with a million members
 * costs a million steps, not a million per lookup. */
#include <config.h>

#include "store/replay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/escape.h"
#include "store/json.h"
#include "store/json_read.h"

typedef struct sk_json_node jnode;

#define STR_MAX (4 * SK_CMDLINE_MAX + 1) /* an escaped cmdline, the longest string stored */
#define NOT_FOUND SIZE_MAX

struct fdtmp {
	uint32_t proc, sock;
	int32_t fd;
};

struct kv {
	uint64_t key;
	uint32_t val;
};

struct rctx {
	const struct sk_json_doc *d;
	struct sk_replay *r;
	struct sk_error *err;
	const char *name;      /* the file, for messages */
	char path[128];        /* where in the document: "sockets[12].tcp_info" */
	size_t plen;
	char *str;             /* STR_MAX bytes of scratch for escaping */
	SK_VEC(struct fdtmp) fds;
	struct kv *by_inode, *by_cookie; /* findings -> sockets, built on first use */
	size_t n_inode, n_cookie;
	bool indexed;
};

/* --- messages ---------------------------------------------------------------- */

static size_t path_push_key(struct rctx *c, const char *key)
{
	size_t old = c->plen;
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s%s",
			 c->plen ? "." : "", key);

	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n
								    : sizeof(c->path) - c->plen - 1;
	return old;
}

static size_t path_push_index(struct rctx *c, size_t i)
{
	size_t old = c->plen;
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);

	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n
								    : sizeof(c->path) - c->plen - 1;
	return old;
}

static void path_pop(struct rctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* The problem with `field` of the current object (NULL: the object itself),
 * as one line: "FILE: sockets[12].state: unknown state 'FOO'". */
__attribute__((format(printf, 3, 4)))
static int bad(struct rctx *c, const char *field, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (field && c->plen)
		return sk_error_set(c->err, EINVAL, "%s: %s.%s: %s", c->name, c->path, field, what);
	if (field || c->plen)
		return sk_error_set(c->err, EINVAL, "%s: %s: %s", c->name, field ? field : c->path,
				    what);
	return sk_error_set(c->err, EINVAL, "%s: %s", c->name, what);
}

static int nomem(struct rctx *c)
{
	return sk_error_set(c->err, ENOMEM, "%s: out of memory", c->name);
}

/* A string from the file, made safe to print in a message. */
static const char *quote(const jnode *n, char *buf, size_t size)
{
	sk_escape_again(n->v.str, n->len, buf, size);
	return buf;
}

/* --- typed values ---------------------------------------------------------------- */

static int get_uint(struct rctx *c, const jnode *n, const char *field, uint64_t max, uint64_t *out)
{
	if (!n)
		return bad(c, field, "missing");
	if (n->type != SK_JSON_NUMBER || n->num == SK_JSON_FLOAT)
		return bad(c, field, "expected an integer, got %s", sk_json_type_name(n));
	if (n->num == SK_JSON_INT)
		return bad(c, field, "negative value %lld", (long long)n->v.i);
	if (n->v.u > max)
		return bad(c, field, "%llu is out of range (0..%llu)", (unsigned long long)n->v.u,
			   (unsigned long long)max);
	*out = n->v.u;
	return 0;
}

static int get_u64(struct rctx *c, const jnode *n, const char *field, uint64_t *out)
{
	return get_uint(c, n, field, UINT64_MAX, out);
}

static int get_u32(struct rctx *c, const jnode *n, const char *field, uint32_t *out)
{
	uint64_t v = 0;
	int rc = get_uint(c, n, field, UINT32_MAX, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

static int get_u16(struct rctx *c, const jnode *n, const char *field, uint16_t *out)
{
	uint64_t v = 0;
	int rc = get_uint(c, n, field, UINT16_MAX, &v);

	if (rc == 0)
		*out = (uint16_t)v;
	return rc;
}

static int get_u8(struct rctx *c, const jnode *n, const char *field, uint8_t *out)
{
	uint64_t v = 0;
	int rc = get_uint(c, n, field, UINT8_MAX, &v);

	if (rc == 0)
		*out = (uint8_t)v;
	return rc;
}

/* A pid: 1..INT32_MAX. */
static int get_pid(struct rctx *c, const jnode *n, const char *field, int32_t *out)
{
	uint64_t v = 0;
	int rc = get_uint(c, n, field, INT32_MAX, &v);

	if (rc == 0 && v == 0)
		rc = bad(c, field, "pid 0 is not a process");
	if (rc == 0)
		*out = (int32_t)v;
	return rc;
}

static int get_i64(struct rctx *c, const jnode *n, const char *field, int64_t *out)
{
	if (!n)
		return bad(c, field, "missing");
	if (n->type != SK_JSON_NUMBER || n->num == SK_JSON_FLOAT)
		return bad(c, field, "expected an integer, got %s", sk_json_type_name(n));
	if (n->num == SK_JSON_INT) {
		*out = n->v.i;
		return 0;
	}
	if (n->v.u > INT64_MAX)
		return bad(c, field, "%llu is out of range (64-bit signed)",
			   (unsigned long long)n->v.u);
	*out = (int64_t)n->v.u;
	return 0;
}

/* A system figure: null when the kernel did not provide it. */
static int get_fig(struct rctx *c, const jnode *n, const char *field, int64_t *out)
{
	if (n && n->type == SK_JSON_NULL) {
		*out = SK_UNKNOWN;
		return 0;
	}
	return get_i64(c, n, field, out);
}

static int get_bool(struct rctx *c, const jnode *n, const char *field, bool *out)
{
	if (!n)
		return bad(c, field, "missing");
	if (n->type != SK_JSON_TRUE && n->type != SK_JSON_FALSE)
		return bad(c, field, "expected true or false, got %s", sk_json_type_name(n));
	*out = n->type == SK_JSON_TRUE;
	return 0;
}

static int want(struct rctx *c, const jnode *n, const char *field, uint8_t type)
{
	static const char *const names[] = {
		[SK_JSON_STRING] = "a string", [SK_JSON_ARRAY] = "an array",
		[SK_JSON_OBJECT] = "an object",
	};

	if (!n)
		return bad(c, field, "missing");
	if (n->type != type)
		return bad(c, field, "expected %s, got %s", names[type], sk_json_type_name(n));
	return 0;
}

/* A string into a fixed buffer, escaped (and cut on a character boundary). */
static int get_text(struct rctx *c, const jnode *n, const char *field, char *out, size_t size)
{
	int rc = want(c, n, field, SK_JSON_STRING);

	if (rc == 0)
		sk_escape_again(n->v.str, n->len, out, size);
	return rc;
}

/* A string into the snapshot's string table; 0 (the empty string) for "". */
static int get_strtab(struct rctx *c, const jnode *n, const char *field, uint32_t *off)
{
	int rc = want(c, n, field, SK_JSON_STRING);
	size_t len;

	if (rc)
		return rc;
	len = sk_escape_again(n->v.str, n->len, c->str, STR_MAX);
	*off = sk_strtab_add(&c->r->snap.strs, c->str, len, &rc);
	return rc ? nomem(c) : 0;
}

static size_t name_index(const jnode *k, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && sk_json_str_eq(k, names[i]))
			return i;
	return NOT_FOUND;
}

/* A name from one of the engine's tables ("ESTABLISHED", "keepalive"). */
static int get_enum(struct rctx *c, const jnode *n, const char *field, const char *const *names,
		    size_t count, const char *what, unsigned *out)
{
	char q[48];
	int rc = want(c, n, field, SK_JSON_STRING);
	size_t i;

	if (rc)
		return rc;
	i = name_index(n, names, count);
	if (i == NOT_FOUND)
		return bad(c, field, "unknown %s '%s'", what, quote(n, q, sizeof(q)));
	*out = (unsigned)i;
	return 0;
}

/* --- objects --------------------------------------------------------------------- */

/* Which of keys[0..n) the member key k is. The writer's order is the
 * likely one, so the search starts after the previous match: a file from
 * sktop costs one comparison per member. */
static size_t find_key(const jnode *k, const char *const *keys, size_t n, size_t *hint)
{
	for (size_t j = 0; j < n; j++) {
		size_t i = (*hint + j) % n;

		if (keys[i] && sk_json_str_eq(k, keys[i])) {
			*hint = i + 1;
			return i;
		}
	}
	return NOT_FOUND;
}

/* Calls fn(c, value, i, arg) for each member of obj whose key is names[i],
 * with field on the path of any message. Unknown members are ignored: later
 * versions add fields. A known key given twice is an error: which one would
 * count is exactly the ambiguity a crafted file could use to show one thing
 * here and another elsewhere. */
typedef int member_fn(struct rctx *c, const jnode *value, size_t i, void *arg);

#define MAX_NAMES 256

static int each_member(struct rctx *c, const jnode *obj, const char *field,
		       const char *const *names, size_t n, member_fn *fn, void *arg)
{
	uint64_t seen[MAX_NAMES / 64] = {0};
	const jnode *k;
	size_t hint = 0, old;
	int rc = want(c, obj, field, SK_JSON_OBJECT);

	if (rc)
		return rc;
	if (n > MAX_NAMES)
		return bad(c, field, "internal: %zu names", n);
	old = field ? path_push_key(c, field) : c->plen;
	k = sk_json_first(obj);
	for (uint32_t m = 0; m < obj->len && rc == 0; m++) {
		size_t i = find_key(k, names, n, &hint);

		if (i != NOT_FOUND) {
			if (seen[i / 64] & (1ULL << (i % 64)))
				rc = bad(c, NULL, "duplicate key '%s'", names[i]);
			else
				rc = fn(c, k + 1, i, arg);
			seen[i / 64] |= 1ULL << (i % 64);
		}
		k = sk_json_next(c->d, k + 1);
	}
	path_pop(c, old);
	return rc;
}

static int slot_member(struct rctx *c, const jnode *value, size_t i, void *slots)
{
	(void)c;
	((const jnode **)slots)[i] = value;
	return 0;
}

/* Fills slots[i] with the value of member keys[i] (NULL when absent). */
static int collect(struct rctx *c, const jnode *obj, const char *field, const char *const *keys,
		   size_t n, const jnode **slots)
{
	for (size_t i = 0; i < n; i++)
		slots[i] = NULL;
	return each_member(c, obj, field, keys, n, slot_member, (void *)slots);
}

struct named_out {
	const char *const *names;
	void *out;
};

static int count_member(struct rctx *c, const jnode *value, size_t i, void *arg)
{
	const struct named_out *o = arg;

	return get_u32(c, value, o->names[i], &((uint32_t *)o->out)[i]);
}

static int fig_member(struct rctx *c, const jnode *value, size_t i, void *arg)
{
	const struct named_out *o = arg;

	return get_fig(c, value, o->names[i], &((int64_t *)o->out)[i]);
}

/* {"NAME":count,...} over one of the engine's name tables (counts the
 * writer left out are zero). */
static int get_counts(struct rctx *c, const jnode *obj, const char *field, const char *const *names,
		      size_t n, uint32_t *out)
{
	struct named_out o = {names, out};

	for (size_t i = 0; i < n; i++)
		out[i] = 0;
	return each_member(c, obj, field, names, n, count_member, &o);
}

/* {"NAME":figure|null,...}; figures the file lacks stay SK_UNKNOWN. */
static int get_figs(struct rctx *c, const jnode *obj, const char *field, const char *const *names,
		    size_t n, int64_t *out)
{
	struct named_out o = {names, out};

	return each_member(c, obj, field, names, n, fig_member, &o);
}

/* [fig, fig, ...] of exactly n figures. */
static int get_fig_array(struct rctx *c, const jnode *a, const char *field, int64_t *out, size_t n)
{
	const jnode *e;
	size_t old;
	int rc = want(c, a, field, SK_JSON_ARRAY);

	if (rc)
		return rc;
	if (a->len != n)
		return bad(c, field, "expected %zu values, got %u", n, a->len);
	old = path_push_key(c, field);
	e = sk_json_first(a);
	for (size_t i = 0; i < n && rc == 0; i++) {
		size_t o = path_push_index(c, i);

		rc = get_fig(c, e, NULL, &out[i]);
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	return rc;
}

/* --- sorting and lookups ---------------------------------------------------------- */

/* Stable LSD radix sort on the 64-bit key: linear whatever the input, where
 * a comparison sort's worst case is for an attacker to pick. */
static int kv_sort(struct kv *a, size_t n)
{
	struct kv *tmp;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[257] = {0};

		for (size_t i = 0; i < n; i++)
			count[((a[i].key >> shift) & 0xFF) + 1]++;
		if (count[((a[0].key >> shift) & 0xFF) + 1] == n)
			continue; /* every key has the same byte here */
		for (size_t b = 1; b < 257; b++)
			count[b] += count[b - 1];
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i].key >> shift) & 0xFF]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
	free(tmp);
	return 0;
}

/* First entry with this key (the lowest index, the sort being stable). */
static const struct kv *kv_find(const struct kv *a, size_t n, uint64_t key)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (a[mid].key < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && a[lo].key == key ? &a[lo] : NULL;
}

/* Index of the process with this pid (procs are sorted by then), SK_NONE. */
static uint32_t proc_index(const struct sk_snapshot *s, int32_t pid)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, pid);

	return p ? (uint32_t)(p - s->procs.v) : SK_NONE;
}

/* --- processes -------------------------------------------------------------------- */

enum {
	P_PID, P_COMM, P_CMDLINE, P_UID, P_NETNS, P_FDS, P_FD_LIMIT, P_SOCKETS, P_TCP_STATES,
	P_CLOSED, P_UNBOUND, P_OTHER, P_BY_PROTO, P_ORPHANS, P_RMEM, P_WMEM, P_RECV_Q, P_SEND_Q,
	P_RSS_KB, P_STARTTIME, P_FDS_DENIED, P_LAST
};
static const char *const proc_keys[P_LAST] = {
	"pid", "comm", "cmdline", "uid", "netns", "fds", "fd_limit", "sockets", "tcp_states",
	"closed", "unbound", "other", "by_proto", "orphans", "rmem", "wmem", "recv_q", "send_q",
	"rss_kb", "starttime", "fds_denied",
};

static int map_process(struct rctx *c, const jnode *o, struct sk_process *p)
{
	const jnode *f[P_LAST];
	struct sk_agg *a = &p->agg;
	int rc = collect(c, o, NULL, proc_keys, P_LAST, f);

	if (rc == 0)
		rc = get_pid(c, f[P_PID], "pid", &p->pid);
	if (rc == 0)
		rc = get_text(c, f[P_COMM], "comm", p->comm, sizeof(p->comm));
	if (rc == 0)
		rc = get_strtab(c, f[P_CMDLINE], "cmdline", &p->cmdline);
	if (rc == 0)
		rc = get_u32(c, f[P_UID], "uid", &p->uid);
	if (rc == 0)
		rc = get_u64(c, f[P_NETNS], "netns", &p->netns);
	if (rc == 0)
		rc = get_u32(c, f[P_FDS], "fds", &p->fd_count);
	if (rc == 0) {
		if (f[P_FD_LIMIT] && f[P_FD_LIMIT]->type == SK_JSON_NULL)
			p->fd_limit = SK_FD_LIMIT_UNLIMITED;
		else
			rc = get_u64(c, f[P_FD_LIMIT], "fd_limit", &p->fd_limit);
	}
	if (rc == 0)
		rc = get_u32(c, f[P_SOCKETS], "sockets", &a->sockets);
	if (rc == 0)
		rc = get_counts(c, f[P_TCP_STATES], "tcp_states", sk_tcp_state_names,
				SK_TCP_STATE_LAST, a->tcp_states);
	if (rc == 0)
		rc = get_counts(c, f[P_CLOSED], "closed", sk_sockname_names, SK_SN_LAST, a->closed);
	if (rc == 0)
		rc = get_counts(c, f[P_UNBOUND], "unbound", sk_sockname_names, SK_SN_LAST, a->unbound);
	if (rc == 0)
		rc = get_counts(c, f[P_OTHER], "other", sk_sockname_names, SK_SN_LAST, a->other);
	if (rc == 0)
		rc = get_counts(c, f[P_BY_PROTO], "by_proto", sk_proto_names, SK_PROTO_LAST,
				a->by_proto);
	if (rc == 0)
		rc = get_u32(c, f[P_ORPHANS], "orphans", &a->orphans);
	if (rc == 0)
		rc = get_u64(c, f[P_RMEM], "rmem", &a->rmem);
	if (rc == 0)
		rc = get_u64(c, f[P_WMEM], "wmem", &a->wmem);
	if (rc == 0)
		rc = get_u64(c, f[P_RECV_Q], "recv_q", &a->recv_q);
	if (rc == 0)
		rc = get_u64(c, f[P_SEND_Q], "send_q", &a->send_q);
	if (rc == 0)
		rc = get_u64(c, f[P_RSS_KB], "rss_kb", &p->rss_kb);
	if (rc == 0)
		rc = get_u64(c, f[P_STARTTIME], "starttime", &p->starttime);
	if (rc == 0 && f[P_FDS_DENIED]) {
		bool denied;

		rc = get_bool(c, f[P_FDS_DENIED], "fds_denied", &denied);
		if (rc == 0 && denied)
			p->flags |= SK_PROC_FD_DENIED;
	}
	return rc;
}

/* Puts procs in pid order (the file's order when it already is) and
 * refuses a pid given twice. */
static int sort_procs(struct rctx *c)
{
	sk_procvec *pv = &c->r->snap.procs;
	struct sk_process *sorted;
	struct kv *idx;
	bool in_order = true;
	int rc = 0;

	for (size_t i = 1; i < pv->n && in_order; i++)
		in_order = pv->v[i - 1].pid < pv->v[i].pid;
	if (in_order)
		return 0;
	idx = malloc(pv->n * sizeof(*idx));
	sorted = malloc(pv->n * sizeof(*sorted));
	if (!idx || !sorted) {
		rc = nomem(c);
		goto out;
	}
	for (size_t i = 0; i < pv->n; i++)
		idx[i] = (struct kv){(uint64_t)pv->v[i].pid, (uint32_t)i};
	if (kv_sort(idx, pv->n)) {
		rc = nomem(c);
		goto out;
	}
	for (size_t i = 0; i < pv->n; i++) {
		if (i && idx[i].key == idx[i - 1].key) {
			rc = bad(c, NULL, "processes[%u]: duplicate pid %llu (also processes[%u])",
				 idx[i].val, (unsigned long long)idx[i].key, idx[i - 1].val);
			goto out;
		}
		sorted[i] = pv->v[idx[i].val];
	}
	free(pv->v);
	pv->v = sorted;
	pv->cap = pv->n;
	sorted = NULL;
out:
	free(idx);
	free(sorted);
	return rc;
}

static int map_processes(struct rctx *c, const jnode *a)
{
	const jnode *e;
	size_t old;
	int rc = want(c, a, "processes", SK_JSON_ARRAY);

	if (rc)
		return rc;
	old = path_push_key(c, "processes");
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		/* One at a time: the element count says nothing about memory
		 * until each element has proved to be a process. */
		struct sk_process *p = SK_VEC_PUSH(&c->r->snap.procs);
		size_t o = path_push_index(c, i);

		rc = p ? map_process(c, e, p) : nomem(c);
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
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
	K_TIMER, K_TIMER_MS, K_RETRANS, K_SHUTDOWN, K_COOKIE, K_SKMEM, K_TCP_INFO, K_LAST
};
static const char *const sock_keys[K_LAST] = {
	"proto", "family", "state", "local", "peer", "peer_inode", "type", "recv_q", "send_q",
	"inode", "uid", "netns", "fds", "owner", "likely_pid", "cgroup_id", "orphan", "undumped",
	"timer", "timer_ms", "retrans", "shutdown", "cookie", "skmem", "tcp_info",
};

enum { SM_RMEM_ALLOC, SM_RCVBUF, SM_WMEM_ALLOC, SM_SNDBUF, SM_FWD_ALLOC, SM_WMEM_QUEUED,
       SM_OPTMEM, SM_BACKLOG, SM_DROPS, SM_LAST };
static const char *const skmem_keys[SM_LAST] = {
	"rmem_alloc", "rcvbuf", "wmem_alloc", "sndbuf", "fwd_alloc", "wmem_queued", "optmem",
	"backlog", "drops",
};

static int map_skmem(struct rctx *c, const jnode *o, struct sk_meminfo *m)
{
	const jnode *f[SM_LAST];
	uint32_t *dst[SM_LAST] = {
		&m->rmem_alloc, &m->rcvbuf, &m->wmem_alloc, &m->sndbuf, &m->fwd_alloc,
		&m->wmem_queued, &m->optmem, &m->backlog, &m->drops,
	};
	size_t old = path_push_key(c, "skmem");
	int rc = collect(c, o, NULL, skmem_keys, SM_LAST, f);

	for (int i = 0; i < SM_LAST && rc == 0; i++)
		rc = get_u32(c, f[i], skmem_keys[i], dst[i]);
	path_pop(c, old);
	return rc;
}

/* tcp_info: name, width (bytes) and where it goes. */
struct tcpi_field {
	const char *name;
	uint8_t width;
	size_t off;
};
#define TI(field, w) {#field, w, offsetof(struct sk_tcpinfo, field)}
static const struct tcpi_field tcpi_fields[] = {
	TI(rtt_us, 4), TI(rttvar_us, 4), TI(rto_us, 4), TI(ato_us, 4), TI(backoff, 1),
	TI(probes, 1), TI(retransmits, 1), TI(total_retrans, 4), TI(unacked, 4), TI(sacked, 4),
	TI(lost, 4), TI(retrans, 4), TI(snd_cwnd, 4), TI(snd_ssthresh, 4), TI(snd_mss, 4),
	TI(rcv_mss, 4), TI(snd_wscale, 1), TI(rcv_wscale, 1), TI(snd_wnd, 4), TI(rcv_wnd, 4),
	TI(rcv_space, 4), TI(notsent_bytes, 4), TI(last_data_sent_ms, 4),
	TI(last_data_recv_ms, 4), TI(last_ack_recv_ms, 4), TI(delivered, 4), TI(bytes_acked, 8),
	TI(bytes_received, 8), TI(bytes_sent, 8), TI(bytes_retrans, 8), TI(ca_state, 1),
	{"tcp_info_len", 2, offsetof(struct sk_tcpinfo, tcpinfo_len)},
};
#undef TI
#define TCPI_N (sizeof(tcpi_fields) / sizeof(tcpi_fields[0]))

static int map_tcpinfo(struct rctx *c, const jnode *o, struct sk_tcpinfo *t)
{
	const char *keys[TCPI_N];
	const jnode *f[TCPI_N];
	size_t old = path_push_key(c, "tcp_info");
	int rc;

	for (size_t i = 0; i < TCPI_N; i++)
		keys[i] = tcpi_fields[i].name;
	rc = collect(c, o, NULL, keys, TCPI_N, f);
	for (size_t i = 0; i < TCPI_N && rc == 0; i++) {
		char *dst = (char *)t + tcpi_fields[i].off;
		uint8_t v8 = 0;
		uint16_t v16 = 0;
		uint32_t v32 = 0;
		uint64_t v64 = 0;

		/* memcpy: the destination's alignment is the struct's business. */
		switch (tcpi_fields[i].width) {
		case 1:
			rc = get_u8(c, f[i], keys[i], &v8);
			memcpy(dst, &v8, 1);
			break;
		case 2:
			rc = get_u16(c, f[i], keys[i], &v16);
			memcpy(dst, &v16, 2);
			break;
		case 4:
			rc = get_u32(c, f[i], keys[i], &v32);
			memcpy(dst, &v32, 4);
			break;
		default:
			rc = get_u64(c, f[i], keys[i], &v64);
			memcpy(dst, &v64, 8);
			break;
		}
	}
	path_pop(c, old);
	return rc;
}

/* "1.2.3.4:80" or "[::1]:80", as sk_endpoint_format writes them. */
static int get_endpoint(struct rctx *c, const jnode *n, const char *field, int family,
			struct sk_endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN + 1], q[64];
	const char *s, *colon;
	size_t alen;
	unsigned long port = 0;
	int rc = want(c, n, field, SK_JSON_STRING);

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
	return bad(c, field, "invalid %s address '%s'", family == AF_INET6 ? "IPv6" : "IPv4",
		   quote(n, q, sizeof(q)));
}

static const char *const family_names[] = {"inet", "inet6", "unix"};
static const int family_values[] = {AF_INET, AF_INET6, AF_UNIX};
static const char *const unix_type_names[] = {"?", "stream", "dgram", "seqpacket"};
static const uint8_t unix_type_values[] = {0, SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET};

static int map_fds(struct rctx *c, const jnode *a, uint32_t sock)
{
	static const char *const keys[] = {"pid", "fd"};
	const jnode *e;
	size_t old;
	int rc = want(c, a, "fds", SK_JSON_ARRAY);

	if (rc)
		return rc;
	old = path_push_key(c, "fds");
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		const jnode *f[2];
		size_t o = path_push_index(c, i);
		int32_t pid = 0;
		uint64_t fd = 0;

		rc = collect(c, e, NULL, keys, 2, f);
		if (rc == 0)
			rc = get_pid(c, f[0], "pid", &pid);
		if (rc == 0)
			rc = get_uint(c, f[1], "fd", INT32_MAX, &fd);
		if (rc == 0) {
			uint32_t proc = proc_index(&c->r->snap, pid);
			struct fdtmp *t;

			if (proc == SK_NONE) {
				rc = bad(c, "pid", "pid %d is not in \"processes\"", (int)pid);
			} else if (!(t = SK_VEC_PUSH(&c->fds))) {
				rc = nomem(c);
			} else {
				t->proc = proc;
				t->sock = sock;
				t->fd = (int32_t)fd;
			}
		}
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	return rc;
}

static int map_socket(struct rctx *c, const jnode *o, struct sk_socket *k, uint32_t index)
{
	const jnode *f[K_LAST];
	unsigned v = 0, fam = 0;
	int rc = collect(c, o, NULL, sock_keys, K_LAST, f);

	k->likely_owner = SK_NONE;
	if (rc == 0)
		rc = get_enum(c, f[K_PROTO], "proto", sk_proto_names, SK_PROTO_LAST, "protocol", &v);
	k->proto = (uint8_t)v;
	if (rc == 0)
		rc = get_enum(c, f[K_FAMILY], "family", family_names, 3, "family", &fam);
	k->family = (uint8_t)family_values[fam];
	if (rc == 0 && (k->proto == SK_PROTO_UNIX) != (k->family == AF_UNIX))
		rc = bad(c, "family", "family '%s' does not go with protocol '%s'",
			 family_names[fam], sk_proto_names[k->proto]);
	if (rc == 0) {
		bool v6 = k->family == AF_INET6;

		k->sockname = k->proto == SK_PROTO_TCP   ? (v6 ? SK_SN_TCPV6 : SK_SN_TCP)
			      : k->proto == SK_PROTO_UDP ? (v6 ? SK_SN_UDPV6 : SK_SN_UDP)
							 : SK_SN_UNIX;
		rc = get_enum(c, f[K_STATE], "state", sk_tcp_state_names, SK_TCP_STATE_LAST, "state",
			      &v);
		k->state = (uint8_t)v;
	}
	if (rc == 0 && k->family == AF_UNIX) {
		rc = get_strtab(c, f[K_LOCAL], "local", &k->path);
		if (rc == 0)
			rc = get_u32(c, f[K_PEER_INODE], "peer_inode", &k->unix_peer);
		if (rc == 0)
			rc = get_enum(c, f[K_TYPE], "type", unix_type_names, 4, "unix socket type", &v);
		if (rc == 0)
			k->sock_type = unix_type_values[v];
	} else if (rc == 0) {
		rc = get_endpoint(c, f[K_LOCAL], "local", k->family, &k->local);
		if (rc == 0)
			rc = get_endpoint(c, f[K_PEER], "peer", k->family, &k->peer);
	}
	if (rc == 0)
		rc = get_u32(c, f[K_RECV_Q], "recv_q", &k->recv_q);
	if (rc == 0)
		rc = get_u32(c, f[K_SEND_Q], "send_q", &k->send_q);
	if (rc == 0)
		rc = get_u64(c, f[K_INODE], "inode", &k->inode);
	if (rc == 0 && f[K_UID]) {
		rc = get_u32(c, f[K_UID], "uid", &k->uid);
		k->flags |= SK_SOCK_HAS_UID;
	}
	if (rc == 0)
		rc = get_u64(c, f[K_NETNS], "netns", &k->netns);
	if (rc == 0)
		rc = map_fds(c, f[K_FDS], index);
	if (rc == 0)
		rc = get_enum(c, f[K_OWNER], "owner", sk_owner_names, SK_OWNER_LAST, "owner kind", &v);
	k->owner_kind = (uint8_t)v;
	if (rc == 0 && f[K_LIKELY_PID]) {
		int32_t pid = 0;

		rc = get_pid(c, f[K_LIKELY_PID], "likely_pid", &pid);
		if (rc == 0) {
			k->likely_owner = proc_index(&c->r->snap, pid);
			if (k->likely_owner == SK_NONE)
				rc = bad(c, "likely_pid", "pid %d is not in \"processes\"", (int)pid);
		}
	}
	if (rc == 0 && f[K_CGROUP_ID]) {
		rc = get_u64(c, f[K_CGROUP_ID], "cgroup_id", &k->cgroup_id);
		k->flags |= SK_SOCK_HAS_CGROUP;
	}
	if (rc == 0 && f[K_ORPHAN]) {
		bool b;

		rc = get_bool(c, f[K_ORPHAN], "orphan", &b);
		if (rc == 0 && b)
			k->flags |= SK_SOCK_ORPHAN;
	}
	if (rc == 0 && f[K_UNDUMPED]) {
		bool b;

		rc = get_bool(c, f[K_UNDUMPED], "undumped", &b);
		if (rc == 0 && b)
			k->flags |= SK_SOCK_UNDUMPED;
	}
	if (rc == 0)
		rc = get_enum(c, f[K_TIMER], "timer", sk_timer_names, SK_TIMER_LAST, "timer", &v);
	k->timer = (uint8_t)v;
	if (rc == 0)
		rc = get_u32(c, f[K_TIMER_MS], "timer_ms", &k->timer_ms);
	if (rc == 0)
		rc = get_u8(c, f[K_RETRANS], "retrans", &k->retrans);
	if (rc == 0 && f[K_SHUTDOWN]) {
		rc = get_u8(c, f[K_SHUTDOWN], "shutdown", &k->shutdown);
		k->flags |= SK_SOCK_HAS_SHUTDOWN;
	}
	if (rc == 0)
		rc = get_u64(c, f[K_COOKIE], "cookie", &k->cookie);
	if (rc == 0 && f[K_SKMEM]) {
		rc = map_skmem(c, f[K_SKMEM], &k->mem);
		k->flags |= SK_SOCK_HAS_MEM;
	}
	if (rc == 0 && f[K_TCP_INFO]) {
		rc = map_tcpinfo(c, f[K_TCP_INFO], &k->tcp);
		k->flags |= SK_SOCK_HAS_TCPINFO;
	}
	return rc;
}

static int map_sockets(struct rctx *c, const jnode *a)
{
	const jnode *e;
	size_t old;
	int rc = want(c, a, "sockets", SK_JSON_ARRAY);

	if (rc)
		return rc;
	old = path_push_key(c, "sockets");
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		struct sk_socket *k = SK_VEC_PUSH(&c->r->snap.socks);
		size_t o = path_push_index(c, i);

		rc = k ? map_socket(c, e, k, i) : nomem(c);
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	return rc;
}

/* What the writer flattened into each socket's "fds": the fd table (one
 * process's fds contiguous, in file order) and the per-socket owner index,
 * laid out exactly as build_owner_index in snapshot.c lays it out. */
static int build_fd_tables(struct rctx *c)
{
	struct sk_snapshot *s = &c->r->snap;
	size_t nf = c->fds.n;
	uint32_t next = 0;

	if (sk_vec_reserve((void **)&s->fdrefs.v, &s->fdrefs.cap, nf, sizeof(*s->fdrefs.v)) ||
	    sk_vec_reserve((void **)&s->owner_index.v, &s->owner_index.cap, nf, sizeof(uint32_t)))
		return nomem(c);
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

	for (size_t i = 0; i < s->socks.n; i++)
		s->socks.v[i].owners_count = 0;
	for (size_t f = 0; f < nf; f++)
		s->socks.v[s->fdrefs.v[f].sock].owners_count++;
	next = 0;
	for (size_t i = 0; i < s->socks.n; i++) {
		struct sk_socket *k = &s->socks.v[i];

		k->owners_start = next;
		next += k->owners_count;
		k->owners_count = 0;
	}
	for (size_t f = 0; f < nf; f++) {
		struct sk_socket *k = &s->socks.v[s->fdrefs.v[f].sock];

		s->owner_index.v[k->owners_start + k->owners_count++] = (uint32_t)f;
	}
	s->owner_index.n = nf;
	return 0;
}

/* --- system ---------------------------------------------------------------------- */

enum {
	L_TCP_MAX_ORPHANS, L_TCP_MEM, L_PAGE_SIZE, L_TCP_RMEM, L_TCP_WMEM, L_TCP_MAX_TW_BUCKETS,
	L_TCP_FIN_TIMEOUT, L_TCP_ORPHAN_RETRIES, L_IP_LOCAL_PORT_RANGE, L_SOMAXCONN, L_FILE_NR,
	L_FILE_MAX, L_NR_OPEN, L_RMEM_MAX, L_WMEM_MAX, L_LAST
};
static const char *const limit_keys[L_LAST] = {
	"tcp_max_orphans", "tcp_mem", "page_size", "tcp_rmem", "tcp_wmem", "tcp_max_tw_buckets",
	"tcp_fin_timeout", "tcp_orphan_retries", "ip_local_port_range", "somaxconn", "file_nr",
	"file_max", "nr_open", "rmem_max", "wmem_max",
};

static int map_limits(struct rctx *c, const jnode *o, struct sk_limits *l)
{
	const jnode *f[L_LAST];
	struct {
		int key;
		int64_t *dst;
		size_t n; /* 0: a scalar */
	} map[] = {
		{L_TCP_MAX_ORPHANS, &l->tcp_max_orphans, 0}, {L_TCP_MEM, l->tcp_mem, 3},
		{L_PAGE_SIZE, &l->page_size, 0}, {L_TCP_RMEM, l->tcp_rmem, 3},
		{L_TCP_WMEM, l->tcp_wmem, 3}, {L_TCP_MAX_TW_BUCKETS, &l->tcp_max_tw_buckets, 0},
		{L_TCP_FIN_TIMEOUT, &l->tcp_fin_timeout, 0},
		{L_TCP_ORPHAN_RETRIES, &l->tcp_orphan_retries, 0},
		{L_IP_LOCAL_PORT_RANGE, l->ip_local_port_range, 2}, {L_SOMAXCONN, &l->somaxconn, 0},
		{L_FILE_NR, l->file_nr, 3}, {L_FILE_MAX, &l->file_max, 0},
		{L_NR_OPEN, &l->nr_open, 0}, {L_RMEM_MAX, &l->rmem_max, 0},
		{L_WMEM_MAX, &l->wmem_max, 0},
	};
	size_t old = path_push_key(c, "limits");
	int rc = collect(c, o, NULL, limit_keys, L_LAST, f);

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]) && rc == 0; i++) {
		const char *key = limit_keys[map[i].key];

		rc = map[i].n ? get_fig_array(c, f[map[i].key], key, map[i].dst, map[i].n)
			      : get_fig(c, f[map[i].key], key, map[i].dst);
	}
	path_pop(c, old);
	return rc;
}

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

/* The -errno behind a strerror() text the writer put in netns[].error. */
static int errno_from_text(const jnode *n)
{
	if (n && n->type == SK_JSON_STRING && n->len < 128)
		for (int e = 1; e <= LAST_ERRNO; e++)
			if (errno_assigned(e) && sk_json_str_eq(n, strerror(e)))
				return -e;
	return -EIO;
}

enum {
	N_ID, N_OWN, N_PROCESSES, N_SOCKETS, N_TCP_STATES, N_ORPHANS, N_DUMPED, N_ERROR,
	N_DUMPED_CLASSES, N_LAST
};
static const char *const netns_keys[N_LAST] = {
	"id", "own", "processes", "sockets", "tcp_states", "orphans", "dumped", "error",
	"dumped_classes",
};

/* ["TCP","UDP",...] -> a mask of 1 << enum sk_sockname. */
static int get_classes(struct rctx *c, const jnode *a, const char *field, uint32_t *mask)
{
	const jnode *e;
	int rc = want(c, a, field, SK_JSON_ARRAY);

	*mask = 0;
	e = rc ? NULL : sk_json_first(a);
	for (uint32_t i = 0; rc == 0 && i < a->len; i++) {
		unsigned cls = 0;

		rc = get_enum(c, e, field, sk_sockname_names, SK_SN_LAST, "socket class", &cls);
		if (rc == 0)
			*mask |= 1u << cls;
		e = sk_json_next(c->d, e);
	}
	return rc;
}

static int map_netns(struct rctx *c, const jnode *a)
{
	const jnode *e;
	size_t old;
	int rc = want(c, a, "netns", SK_JSON_ARRAY);

	if (rc)
		return rc;
	old = path_push_key(c, "netns");
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		struct sk_netns *ns = SK_VEC_PUSH(&c->r->snap.netns);
		const jnode *f[N_LAST];
		size_t o = path_push_index(c, i);
		bool dumped = false;

		if (!ns) {
			rc = nomem(c);
			break;
		}
		rc = collect(c, e, NULL, netns_keys, N_LAST, f);
		if (rc == 0)
			rc = get_u64(c, f[N_ID], "id", &ns->id);
		if (rc == 0)
			rc = get_bool(c, f[N_OWN], "own", &ns->own);
		if (rc == 0)
			rc = get_u32(c, f[N_PROCESSES], "processes", &ns->nprocs);
		if (rc == 0)
			rc = get_u32(c, f[N_SOCKETS], "sockets", &ns->sockets);
		if (rc == 0)
			rc = get_counts(c, f[N_TCP_STATES], "tcp_states", sk_tcp_state_names,
					SK_TCP_STATE_LAST, ns->tcp_states);
		if (rc == 0)
			rc = get_counts(c, f[N_ORPHANS], "orphans", sk_tcp_state_names,
					SK_TCP_STATE_LAST, ns->orphans);
		if (rc == 0)
			rc = get_bool(c, f[N_DUMPED], "dumped", &dumped);
		if (rc == 0 && f[N_ERROR])
			rc = want(c, f[N_ERROR], "error", SK_JSON_STRING);
		if (rc == 0 && !dumped)
			ns->dump_error = errno_from_text(f[N_ERROR]);
		/* Files from before dumped_classes: all or nothing, as they meant. */
		if (rc == 0 && f[N_DUMPED_CLASSES])
			rc = get_classes(c, f[N_DUMPED_CLASSES], "dumped_classes", &ns->dumped);
		else if (rc == 0 && dumped)
			ns->dumped = (1u << SK_SN_LAST) - 1;
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	return rc;
}

enum {
	Y_SOCKSTAT, Y_COUNTERS, Y_LIMITS, Y_TCP_STATES, Y_ORPHANS, Y_ORPHANS_BY_STATE,
	Y_ORPHANS_ATTRIBUTED, Y_CLOSED, Y_UNBOUND, Y_OTHER, Y_SOCKETS, Y_BY_PROTO, Y_RMEM, Y_WMEM,
	Y_RECV_Q, Y_SEND_Q, Y_NETNS, Y_LIMITS_FROM, Y_LAST
};
static const char *const system_keys[Y_LAST] = {
	"sockstat", "counters", "limits", "tcp_states", "orphans", "orphans_by_state",
	"orphans_attributed", "closed", "unbound", "other", "sockets", "by_proto", "rmem", "wmem",
	"recv_q", "send_q", "netns", "machine_limits_from",
};

static int map_system(struct rctx *c, const jnode *o)
{
	struct sk_snapshot *s = &c->r->snap;
	struct sk_totals *t = &s->totals;
	const char *ss_names[SK_SS_LAST], *ctr_names[SK_CTR_LAST];
	const jnode *f[Y_LAST];
	size_t old = path_push_key(c, "system");
	int rc = collect(c, o, NULL, system_keys, Y_LAST, f);

	for (int i = 0; i < SK_SS_LAST; i++)
		ss_names[i] = sk_sockstat_defs[i].name;
	for (int i = 0; i < SK_CTR_LAST; i++)
		ctr_names[i] = sk_counter_defs[i].name;
	if (rc == 0)
		rc = get_figs(c, f[Y_SOCKSTAT], "sockstat", ss_names, SK_SS_LAST, s->sys.sockstat);
	if (rc == 0)
		rc = get_figs(c, f[Y_COUNTERS], "counters", ctr_names, SK_CTR_LAST, s->sys.counters);
	if (rc == 0)
		rc = map_limits(c, f[Y_LIMITS], &s->sys.limits);
	if (rc == 0)
		rc = get_counts(c, f[Y_TCP_STATES], "tcp_states", sk_tcp_state_names,
				SK_TCP_STATE_LAST, t->tcp_states);
	if (rc == 0)
		rc = get_u32(c, f[Y_ORPHANS], "orphans", &t->orphans);
	if (rc == 0)
		rc = get_counts(c, f[Y_ORPHANS_BY_STATE], "orphans_by_state", sk_tcp_state_names,
				SK_TCP_STATE_LAST, t->orphans_by_state);
	if (rc == 0)
		rc = get_u32(c, f[Y_ORPHANS_ATTRIBUTED], "orphans_attributed", &t->orphans_attributed);
	if (rc == 0)
		rc = get_counts(c, f[Y_CLOSED], "closed", sk_sockname_names, SK_SN_LAST, t->closed);
	if (rc == 0)
		rc = get_counts(c, f[Y_UNBOUND], "unbound", sk_sockname_names, SK_SN_LAST, t->unbound);
	if (rc == 0)
		rc = get_counts(c, f[Y_OTHER], "other", sk_sockname_names, SK_SN_LAST, t->other);
	if (rc == 0)
		rc = get_u32(c, f[Y_SOCKETS], "sockets", &t->sockets);
	if (rc == 0)
		rc = get_counts(c, f[Y_BY_PROTO], "by_proto", sk_proto_names, SK_PROTO_LAST,
				t->by_proto);
	if (rc == 0)
		rc = get_u64(c, f[Y_RMEM], "rmem", &t->rmem);
	if (rc == 0)
		rc = get_u64(c, f[Y_WMEM], "wmem", &t->wmem);
	if (rc == 0)
		rc = get_u64(c, f[Y_RECV_Q], "recv_q", &t->recv_q);
	if (rc == 0)
		rc = get_u64(c, f[Y_SEND_Q], "send_q", &t->send_q);
	if (rc == 0)
		rc = map_netns(c, f[Y_NETNS]);
	/* Files from before it say nothing: the limits were read where sktop ran. */
	if (rc == 0 && f[Y_LIMITS_FROM]) {
		unsigned from = SK_LIMITS_HERE;

		rc = get_enum(c, f[Y_LIMITS_FROM], "machine_limits_from", sk_limits_from_names,
			      SK_LIMITS_LAST, "limits source", &from);
		s->sys.limits_from = (uint8_t)from;
	}
	path_pop(c, old);
	return rc;
}

/* --- findings --------------------------------------------------------------------- */

/* Evidence names must be static strings (struct sk_evidence): the ones the
 * rules in findings.c use, plus the counter and metric tables. An unknown
 * name (a newer sktop's rule) is dropped. */
static const char *const evidence_names[] = {
	"close_wait", "fds", "closed", "sockets", "files", "recv_q", "rmem", "rss", "orphaned",
	"send_q", "backoff", "tcp_orphan_retries", "orphans", "tcp_mem_pages", "tcp_mem_high",
	"ports", "time_wait", "accept_queue", "drops", "oldest_s", "zero_window",
	"kernel_too_many_orphans", "kernel_tcp_out_of_memory", "per_min", "tw_buckets",
};

static const char *evidence_name(const jnode *k)
{
	size_t i = name_index(k, evidence_names, sizeof(evidence_names) / sizeof(evidence_names[0]));

	if (i != NOT_FOUND)
		return evidence_names[i];
	for (int j = 0; j < SK_CTR_LAST; j++)
		if (sk_json_str_eq(k, sk_counter_defs[j].name))
			return sk_counter_defs[j].name;
	for (int j = 0; j < SK_SS_LAST; j++)
		if (sk_json_str_eq(k, sk_sockstat_defs[j].name))
			return sk_sockstat_defs[j].name;
	i = name_index(k, sk_pmetric_names, SK_PM_LAST);
	if (i != NOT_FOUND)
		return sk_pmetric_names[i];
	i = name_index(k, sk_smetric_names, SK_SM_LAST);
	return i != NOT_FOUND ? sk_smetric_names[i] : NULL;
}

static int map_evidence(struct rctx *c, const jnode *o, struct sk_finding *fd)
{
	static const char *const keys[] = {"value", "limit"};
	const jnode *k;
	size_t old;
	int rc = want(c, o, "evidence", SK_JSON_OBJECT);

	if (rc)
		return rc;
	old = path_push_key(c, "evidence");
	k = sk_json_first(o);
	for (uint32_t m = 0; m < o->len && rc == 0; m++) {
		const char *name = evidence_name(k);

		if (name && fd->nev < SK_FINDING_EVIDENCE) {
			struct sk_evidence *ev = &fd->ev[fd->nev];
			const jnode *f[2];
			size_t o2 = path_push_key(c, name);

			for (int j = 0; j < fd->nev && rc == 0; j++)
				if (fd->ev[j].name == name)
					rc = bad(c, NULL, "duplicate key '%s'", name);
			if (rc == 0)
				rc = collect(c, k + 1, NULL, keys, 2, f);
			if (rc == 0)
				rc = get_i64(c, f[0], "value", &ev->value);
			ev->limit = SK_UNKNOWN;
			if (rc == 0 && f[1])
				rc = get_i64(c, f[1], "limit", &ev->limit);
			ev->name = name;
			fd->nev++;
			path_pop(c, o2);
		}
		k = sk_json_next(c->d, k + 1);
	}
	path_pop(c, old);
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
		return nomem(c);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->inode)
			c->by_inode[c->n_inode++] = (struct kv){k->inode, (uint32_t)i};
		else
			c->by_cookie[c->n_cookie++] = (struct kv){k->cookie, (uint32_t)i};
	}
	if (kv_sort(c->by_inode, c->n_inode) || kv_sort(c->by_cookie, c->n_cookie))
		return nomem(c);
	return 0;
}

static int map_finding_sockets(struct rctx *c, const jnode *a, struct sk_finding *fd)
{
	static const char *const keys[] = {"inode", "cookie"};
	struct sk_findings *fs = &c->r->findings;
	const jnode *e;
	size_t old;
	int rc = want(c, a, "sockets", SK_JSON_ARRAY);

	if (rc)
		return rc;
	if (!c->indexed && a->len && (rc = index_sockets(c)) != 0)
		return rc;
	old = path_push_key(c, "sockets");
	e = sk_json_first(a);
	fd->socks_start = (uint32_t)fs->socks.n;
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		const jnode *f[2];
		size_t o = path_push_index(c, i);
		uint64_t inode = 0, cookie = 0;

		rc = collect(c, e, NULL, keys, 2, f);
		if (rc == 0)
			rc = get_u64(c, f[0], "inode", &inode);
		if (rc == 0)
			rc = get_u64(c, f[1], "cookie", &cookie);
		if (rc == 0) {
			const struct kv *hit = inode ? kv_find(c->by_inode, c->n_inode, inode)
						     : kv_find(c->by_cookie, c->n_cookie, cookie);
			uint32_t *slot;

			if (!hit)
				rc = bad(c, NULL, "no socket with inode %llu, cookie %llu in \"sockets\"",
					 (unsigned long long)inode, (unsigned long long)cookie);
			else if (!(slot = SK_VEC_PUSH(&fs->socks)))
				rc = nomem(c);
			else {
				*slot = hit->val;
				fd->socks_count++;
			}
		}
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	return rc;
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
	int rc = want(c, a, "pids", SK_JSON_ARRAY);

	if (rc == 0 && a->len > SK_FINDING_PIDS)
		rc = bad(c, "pids", "%u pids, at most %d are written", a->len, SK_FINDING_PIDS);
	e = rc == 0 && a->len ? sk_json_first(a) : NULL;
	for (; rc == 0 && i < a->len; i++) {
		rc = get_pid(c, e, "pids", &fd->pids[i]);
		e = sk_json_next(c->d, e);
	}
	return rc;
}

static int map_finding(struct rctx *c, const jnode *o, struct sk_finding *fd)
{
	static const char *const subject_keys[] = {"type", "name", "pid", "processes", "pids"};
	const jnode *f[F_LAST], *sf[5];
	unsigned v = 0;
	uint32_t count;
	int rc = collect(c, o, NULL, finding_keys, F_LAST, f);

	fd->proc = SK_NONE;
	if (rc == 0)
		rc = get_enum(c, f[F_KIND], "kind", sk_finding_kind_names, SK_FIND_LAST,
			      "finding kind", &v);
	fd->kind = (uint8_t)v;
	if (rc == 0)
		rc = get_enum(c, f[F_SEVERITY], "severity", sk_severity_names, SK_SEV_LAST, "severity",
			      &v);
	fd->severity = (uint8_t)v;
	if (rc == 0) {
		size_t old = path_push_key(c, "subject");

		rc = collect(c, f[F_SUBJECT], NULL, subject_keys, 5, sf);
		if (rc == 0)
			rc = get_enum(c, sf[0], "type", sk_subject_names, SK_SUBJ_LAST, "subject type",
				      &v);
		fd->subject_type = (uint8_t)v;
		if (rc == 0)
			rc = get_text(c, sf[1], "name", fd->subject, sizeof(fd->subject));
		if (rc == 0 && sf[2]) {
			rc = get_pid(c, sf[2], "pid", &fd->pid);
			/* Not necessarily listed: "processes" holds only processes with
			 * sockets, an fd exhaustion may have none. */
			fd->proc = proc_index(&c->r->snap, fd->pid);
		}
		if (rc == 0 && sf[3])
			rc = get_u32(c, sf[3], "processes", &fd->nprocs);
		if (rc == 0 && sf[4])
			rc = map_finding_pids(c, sf[4], fd);
		path_pop(c, old);
	}
	if (rc == 0)
		rc = get_text(c, f[F_TITLE], "title", fd->title, sizeof(fd->title));
	if (rc == 0)
		rc = get_text(c, f[F_DETAIL], "detail", fd->detail, sizeof(fd->detail));
	if (rc == 0)
		rc = get_text(c, f[F_NEXT_STEP], "next_step", fd->next_step, sizeof(fd->next_step));
	if (rc == 0)
		rc = map_evidence(c, f[F_EVIDENCE], fd);
	if (rc == 0)
		rc = get_u32(c, f[F_SOCKET_COUNT], "socket_count", &count);
	if (rc == 0)
		rc = map_finding_sockets(c, f[F_SOCKETS], fd);
	return rc;
}

static int map_findings(struct rctx *c, const jnode *a)
{
	struct sk_findings *fs = &c->r->findings;
	const jnode *e;
	size_t old;
	int rc = want(c, a, "findings", SK_JSON_ARRAY);

	if (rc)
		return rc;
	old = path_push_key(c, "findings");
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		struct sk_finding *fd = SK_VEC_PUSH(&fs->list);
		size_t o = path_push_index(c, i);

		rc = fd ? map_finding(c, e, fd) : nomem(c);
		if (rc == 0)
			fs->by_severity[fd->severity]++;
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	return rc;
}

/* --- history ---------------------------------------------------------------------- */

/* [[t_ms, value], ...]: the kept samples oldest first, then the newest
 * (the series' `last`), as write_ring puts them. */
static int get_ring(struct rctx *c, const jnode *a, const char *field, struct sk_series *se)
{
	const jnode *e;
	uint64_t prev_t = 0;
	size_t old;
	int rc = want(c, a, field, SK_JSON_ARRAY);

	if (rc)
		return rc;
	memset(se, 0, sizeof(*se));
	if (a->len == 0)
		return 0;
	if (a->len < 2 || a->len > SK_HISTORY_SLOTS + 1)
		return bad(c, field, "expected 2 to %d [t_ms, value] pairs, got %u",
			   SK_HISTORY_SLOTS + 1, a->len);
	old = path_push_key(c, field);
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		struct sk_sample sm = {0};
		size_t o = path_push_index(c, i);

		if (e->type != SK_JSON_ARRAY || e->len != 2)
			rc = bad(c, NULL, "expected a [t_ms, value] pair, got %s",
				 e->type == SK_JSON_ARRAY ? "another array" : sk_json_type_name(e));
		if (rc == 0)
			rc = get_u64(c, e + 1, "t_ms", &sm.t_ms);
		if (rc == 0)
			rc = get_i64(c, sk_json_next(c->d, e + 1), "value", &sm.v);
		if (rc == 0 && sm.t_ms < prev_t)
			rc = bad(c, NULL, "time goes backwards (%llu after %llu)",
				 (unsigned long long)sm.t_ms, (unsigned long long)prev_t);
		if (rc == 0) {
			prev_t = sm.t_ms;
			if (i + 1 < a->len)
				se->s[i] = sm;
			else
				se->last = sm;
		}
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	se->n = (uint8_t)(a->len - 1);
	se->head = (uint8_t)(se->n % SK_HISTORY_SLOTS);
	return rc;
}

/* per_min, monotonic, span_s follow from the samples: only they are read. */
static int history_series_member(struct rctx *c, const jnode *value, size_t i, void *h)
{
	static const char *const keys[] = {"samples"};
	const jnode *f[1];
	size_t old = path_push_key(c, sk_smetric_names[i]);
	int rc = collect(c, value, NULL, keys, 1, f);

	if (rc == 0 && f[0])
		rc = get_ring(c, f[0], "samples", &((struct sk_history *)h)->sys[i]);
	path_pop(c, old);
	return rc;
}

static int map_history_system(struct rctx *c, const jnode *o, struct sk_history *h)
{
	return each_member(c, o, "system", sk_smetric_names, SK_SM_LAST, history_series_member, h);
}

static int sort_history_procs(struct rctx *c, struct sk_history *h)
{
	struct sk_proc_history *sorted = NULL;
	struct kv *idx = NULL;
	bool in_order = true;
	int rc = 0;

	for (size_t i = 1; i < h->procs.n && in_order; i++)
		in_order = h->procs.v[i - 1].pid < h->procs.v[i].pid;
	if (in_order)
		return 0;
	idx = malloc(h->procs.n * sizeof(*idx));
	sorted = malloc(h->procs.n * sizeof(*sorted));
	if (!idx || !sorted)
		goto oom;
	for (size_t i = 0; i < h->procs.n; i++)
		idx[i] = (struct kv){(uint64_t)h->procs.v[i].pid, (uint32_t)i};
	if (kv_sort(idx, h->procs.n))
		goto oom;
	for (size_t i = 0; i < h->procs.n; i++) {
		if (i && idx[i].key == idx[i - 1].key) {
			rc = bad(c, NULL, "history.processes[%u]: duplicate pid %llu", idx[i].val,
				 (unsigned long long)idx[i].key);
			goto out;
		}
		sorted[i] = h->procs.v[idx[i].val];
	}
	free(h->procs.v);
	h->procs.v = sorted;
	h->procs.cap = h->procs.n;
	sorted = NULL;
	goto out;
oom:
	rc = nomem(c);
out:
	free(idx);
	free(sorted);
	return rc;
}

static int map_history_procs(struct rctx *c, const jnode *a, struct sk_history *h)
{
	const char *keys[2 + SK_PM_LAST] = {"pid", "starttime"};
	const jnode *e;
	size_t old;
	int rc = want(c, a, "processes", SK_JSON_ARRAY);

	if (rc)
		return rc;
	for (int m = 0; m < SK_PM_LAST; m++)
		keys[2 + m] = sk_pmetric_names[m];
	old = path_push_key(c, "processes");
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		struct sk_proc_history *ph = SK_VEC_PUSH(&h->procs);
		const jnode *f[2 + SK_PM_LAST];
		size_t o = path_push_index(c, i);

		if (!ph) {
			rc = nomem(c);
			break;
		}
		rc = collect(c, e, NULL, keys, 2 + SK_PM_LAST, f);
		if (rc == 0)
			rc = get_pid(c, f[0], "pid", &ph->pid);
		if (rc == 0)
			rc = get_u64(c, f[1], "starttime", &ph->starttime);
		/* A metric the file lacks is an empty series. */
		for (int m = 0; m < SK_PM_LAST && rc == 0; m++)
			if (f[2 + m])
				rc = get_ring(c, f[2 + m], keys[2 + m], &ph->m[m]);
		ph->seen_seq = c->r->snap.seq;
		path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	path_pop(c, old);
	return rc ? rc : sort_history_procs(c, h);
}

static int map_history(struct rctx *c, const jnode *o)
{
	static const char *const keys[] = {"window_s", "samples", "system", "processes"};
	struct sk_history *h = &c->r->history;
	const jnode *f[4];
	uint64_t window_s = 0;
	size_t old = path_push_key(c, "history");
	int rc = collect(c, o, NULL, keys, 4, f);

	if (rc == 0)
		rc = get_uint(c, f[0], "window_s", UINT64_MAX / 1000, &window_s);
	if (rc == 0 && window_s)
		h->window_ms = window_s * 1000;
	if (rc == 0)
		rc = get_u64(c, f[1], "samples", &h->samples);
	if (rc == 0)
		rc = map_history_system(c, f[2], h);
	/* Only snapshot files carry the per-process rings (not batch lines). */
	if (rc == 0 && f[3])
		rc = map_history_procs(c, f[3], h);
	path_pop(c, old);
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

/* "2024-05-01T12:00:00Z", as write_time puts it. */
static int get_time(struct rctx *c, const jnode *n, const char *field, struct timespec *ts)
{
	static const char pattern[] = "dddd-dd-ddTdd:dd:ddZ";
	int v[6] = {0}, k = 0;
	char q[48];
	struct tm tm = {0}, back;
	time_t t;
	int rc = want(c, n, field, SK_JSON_STRING);

	if (rc)
		return rc;
	if (n->len != sizeof(pattern) - 1)
		goto invalid;
	for (size_t i = 0; i < n->len; i++) {
		char ch = n->v.str[i];

		if (pattern[i] == 'd') {
			if (ch < '0' || ch > '9')
				goto invalid;
			v[k] = v[k] * 10 + (ch - '0');
		} else if (ch != pattern[i]) {
			goto invalid;
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
		goto invalid;
	ts->tv_sec = t;
	ts->tv_nsec = 0;
	return 0;
invalid:
	return bad(c, field, "invalid time '%s' (expected YYYY-MM-DDTHH:MM:SSZ)",
		   quote(n, q, sizeof(q)));
}

enum {
	T_SCHEMA, T_TIME, T_HOST, T_KERNEL, T_ROOT, T_PARTIAL, T_SEQ, T_DURATION_US, T_DIAG,
	T_PROCFS, T_SYSTEM, T_FINDINGS, T_HISTORY, T_PROCESSES, T_SOCKETS, T_PENDING, T_LAST
};
static const char *const top_keys[T_LAST] = {
	"schema", "time", "host", "kernel", "root", "partial", "seq", "duration_us", "diag",
	"procfs", "system", "findings", "history", "processes", "sockets", "findings_pending",
};

static int map_counters(struct rctx *c, const jnode *o, const char *field, const char *const *keys,
			uint32_t *const *dst, size_t n)
{
	const jnode *f[8];
	size_t old = path_push_key(c, field);
	int rc = collect(c, o, NULL, keys, n, f);

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = get_u32(c, f[i], keys[i], dst[i]);
	path_pop(c, old);
	return rc;
}

static int map_procfs(struct rctx *c, const jnode *o, const char *const *keys,
		      uint32_t *const *dst)
{
	struct sk_snapshot *s = &c->r->snap;
	const jnode *f[7];
	size_t old = path_push_key(c, "procfs");
	int rc = collect(c, o, NULL, keys, 7, f);

	for (size_t i = 0; i < 4 && rc == 0; i++)
		rc = get_u32(c, f[i], keys[i], dst[i]);
	/* The owner cache came later: files from before it lack both. */
	if (rc == 0 && f[4])
		rc = get_u32(c, f[4], keys[4], &s->owners_cached);
	if (rc == 0 && f[5])
		rc = get_bool(c, f[5], keys[5], &s->owners_rescanned);
	/* Races were counted later still. */
	if (rc == 0 && f[6])
		rc = get_u32(c, f[6], keys[6], &s->procfs.closed_races);
	path_pop(c, old);
	return rc;
}

static int map_doc(struct rctx *c, const jnode *root)
{
	static const char *const diag_keys[] = {"messages", "rejected", "retries", "unsupported",
						"failed", "duplicates"};
	static const char *const procfs_keys[] = {"processes", "vanished", "fd_denied", "fds",
						  "owners_cached", "owners_rescanned", "closed_races"};
	struct sk_snapshot *s = &c->r->snap;
	uint32_t *const diag_dst[] = {&s->diag.messages, &s->diag.rejected, &s->diag.retries,
				      &s->diag.unsupported, &s->diag.failed, &s->duplicates};
	uint32_t *const procfs_dst[] = {&s->procfs.processes, &s->procfs.vanished,
					&s->procfs.fd_denied, &s->procfs.fds};
	const jnode *f[T_LAST];
	uint64_t schema = 0;
	int rc;

	if (!root || root->type != SK_JSON_OBJECT)
		return bad(c, NULL, "not an sktop snapshot (the JSON value is %s, not an object)",
			   sk_json_type_name(root));
	rc = collect(c, root, NULL, top_keys, T_LAST, f);
	if (rc == 0 && !f[T_SCHEMA])
		return bad(c, NULL, "not an sktop snapshot (no \"schema\")");
	if (rc == 0)
		rc = get_u64(c, f[T_SCHEMA], "schema", &schema);
	if (rc == 0 && schema != SK_JSON_SCHEMA)
		return bad(c, NULL, "snapshot schema %llu is not supported (this sktop reads schema %d)",
			   (unsigned long long)schema, SK_JSON_SCHEMA);
	if (rc == 0)
		rc = get_time(c, f[T_TIME], "time", &s->realtime);
	if (rc == 0)
		rc = get_text(c, f[T_HOST], "host", s->host, sizeof(s->host));
	if (rc == 0)
		rc = get_text(c, f[T_KERNEL], "kernel", s->kernel, sizeof(s->kernel));
	if (rc == 0)
		rc = get_bool(c, f[T_ROOT], "root", &s->root);
	if (rc == 0)
		rc = get_bool(c, f[T_PARTIAL], "partial", &s->partial);
	if (rc == 0)
		rc = get_u64(c, f[T_SEQ], "seq", &s->seq);
	if (rc == 0)
		rc = get_u32(c, f[T_DURATION_US], "duration_us", &s->duration_us);
	if (rc == 0)
		rc = map_counters(c, f[T_DIAG], "diag", diag_keys, diag_dst, 6);
	if (rc == 0)
		rc = map_procfs(c, f[T_PROCFS], procfs_keys, procfs_dst);
	/* Processes first: sockets, findings and history refer to them by pid. */
	if (rc == 0)
		rc = map_processes(c, f[T_PROCESSES]);
	if (rc == 0)
		rc = map_sockets(c, f[T_SOCKETS]);
	if (rc == 0)
		rc = build_fd_tables(c);
	if (rc == 0)
		rc = map_system(c, f[T_SYSTEM]);
	if (rc == 0)
		rc = map_findings(c, f[T_FINDINGS]);
	if (rc == 0 && f[T_PENDING])
		rc = get_counts(c, f[T_PENDING], "findings_pending", sk_finding_kind_names,
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
			   struct sk_json_error *je, size_t *base)
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

/* The document to map: the whole input, or its last complete line. */
static int parse_json(const char *buf, size_t len, const char *name, struct sk_json_doc *doc,
		      struct sk_error *err)
{
	struct sk_json_error je;
	size_t base = 0, line, col;
	int rc;

	if (blank(buf, len))
		return sk_error_set(err, EINVAL, "%s: empty file: no snapshot in it", name);
	rc = sk_json_parse(buf, len, doc, &je);
	if (rc == -EINVAL && je.kind == SK_JSON_E_TRAILING)
		rc = parse_last_line(buf, len, doc, &je, &base);
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
	free(c->str);
	free(c);
	sk_json_doc_free(doc);
	return rc;
}

int sk_replay_parse(const char *buf, size_t len, const char *name, struct sk_replay *r,
		    struct sk_error *err)
{
	struct sk_json_doc doc = {0};
	int rc;

	memset(r, 0, sizeof(*r));
	rc = parse_json(buf, len, name, &doc, err);
	return rc ? rc : map_json(&doc, name, r, err);
}

int sk_replay_load(const char *path, struct sk_replay *r, struct sk_error *err)
{
	struct sk_json_doc doc = {0};
	struct stat st;
	size_t size, got = 0;
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
	rc = parse_json(buf, got, path, &doc, err);
	free(buf);
	return rc ? rc : map_json(&doc, path, r, err);
}
