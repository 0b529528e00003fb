/* The resolver's cache: cgroup path -> resolved service, cgroup id ->
 * the same entry. A cgroup is resolved once (a stat for its id, and the
 * name files of its kind); after that a refresh costs a hash lookup per
 * process. Entries nothing used for SK_SERVICE_STALE refreshes go. */
#include <config.h>

#include "collect/service.h"
#include "collect/cgroup_mount.h"
#include "collect/service_names.h"
#include "util/escape.h"
#include "util/strtab.h"
#include "util/vec.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct entry {
	struct sk_service_info info; /* strings owned, "" when unknown */
	char *raw;                   /* the raw path: the cache key */
	size_t raw_len;
	uint64_t used_seq;
	uint64_t retry_seq;          /* names not found yet: look again then */
	uint64_t row_seq;            /* sk_service_row's scratch, valid in that refresh */
	uint32_t row;
};

struct pid_memo {
	int32_t pid;
	uint64_t starttime;
	uint64_t path_hash;
};

struct sk_service_resolver {
	struct sk_service_paths paths; /* strings owned */
	struct sk_cgroup_mount mount;
	SK_VEC(struct entry *) entries;
	uint32_t *by_path, *by_id;     /* entry index + 1, 0 = empty slot */
	size_t slots;                  /* power of two, both tables */
	struct sk_name_index k8s_logs, podman;
	uint64_t seq, walk_seq;        /* walk_seq: the refresh of the last walk, 0 none */
	struct sk_service_stats stats;
	/* Last refresh's pids (ascending) and the one being noted: swapped by tick. */
	SK_VEC(struct pid_memo) memo_cur, memo_next;
};

static const char empty[] = "";

/* --- hashing ------------------------------------------------------------------ */

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdULL;
	k ^= k >> 33;
	return k;
}

static uint64_t hash_bytes(const char *s, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return mix(h);
}

static void table_put(uint32_t *t, size_t slots, uint64_t h, uint32_t val)
{
	size_t i = (size_t)h & (slots - 1);

	while (t[i])
		i = (i + 1) & (slots - 1);
	t[i] = val;
}

static int rehash(struct sk_service_resolver *r, size_t want)
{
	size_t slots = 64;
	uint32_t *p, *d;

	while (slots / 2 < want)
		slots *= 2;
	p = calloc(slots, sizeof(*p));
	d = calloc(slots, sizeof(*d));
	if (!p || !d) {
		free(p);
		free(d);
		return -ENOMEM;
	}
	free(r->by_path);
	free(r->by_id);
	r->by_path = p;
	r->by_id = d;
	r->slots = slots;
	for (size_t i = 0; i < r->entries.n; i++) {
		const struct entry *e = r->entries.v[i];

		table_put(p, slots, hash_bytes(e->raw, e->raw_len), (uint32_t)i + 1);
		if (e->info.cgroup_id)
			table_put(d, slots, mix(e->info.cgroup_id), (uint32_t)i + 1);
	}
	return 0;
}

static struct entry *find_path(const struct sk_service_resolver *r, const char *path, size_t len)
{
	size_t i;

	if (!r->slots)
		return NULL;
	for (i = (size_t)hash_bytes(path, len) & (r->slots - 1); r->by_path[i];
	     i = (i + 1) & (r->slots - 1)) {
		struct entry *e = r->entries.v[r->by_path[i] - 1];

		if (e->raw_len == len && memcmp(e->raw, path, len) == 0)
			return e;
	}
	return NULL;
}

static struct entry *find_id(const struct sk_service_resolver *r, uint64_t id)
{
	if (!r->slots || !id)
		return NULL;
	for (size_t i = (size_t)mix(id) & (r->slots - 1); r->by_id[i];
	     i = (i + 1) & (r->slots - 1)) {
		struct entry *e = r->entries.v[r->by_id[i] - 1];

		if (e->info.cgroup_id == id)
			return e;
	}
	return NULL;
}

/* --- entries ------------------------------------------------------------------ */

static void info_free(struct sk_service_info *in)
{
	const char **f[] = {&in->name, &in->id,        &in->pod,  &in->pod_uid,
			    &in->ns,   &in->container, &in->unit, &in->cgroup};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		if (*f[i] != empty)
			free((char *)*f[i]);
		*f[i] = empty;
	}
}

static void entry_free(struct entry *e)
{
	if (!e)
		return;
	info_free(&e->info);
	free(e->raw);
	free(e);
}

/* The escaped form of untrusted bytes, cut at SK_SERVICE_NAME_MAX, in an
 * allocation of its own length (a thousand cgroups' worth of 4 KB buffers
 * would be tens of megabytes). */
static int set_escaped(const char **slot, const char *raw, size_t len)
{
	char buf[SK_SERVICE_NAME_MAX + 1], *out;
	size_t n;

	if (*slot != empty)
		free((char *)*slot);
	*slot = empty;
	if (!raw || !len)
		return 0;
	n = sk_escape(raw, len, buf, sizeof(buf));
	out = malloc(n + 1);
	if (!out)
		return -ENOMEM;
	memcpy(out, buf, n + 1);
	*slot = out;
	return 0;
}

static int set_raw_str(const char **slot, const char *s)
{
	return set_escaped(slot, s, s ? strlen(s) : 0);
}

/* A string of this entry that is escaped already. */
static int set_copy(const char **slot, const char *escaped)
{
	char *d = strdup(escaped);

	if (!d)
		return -ENOMEM;
	if (*slot != empty)
		free((char *)*slot);
	*slot = d;
	return 0;
}

static uint64_t stat_id(const struct sk_service_resolver *r, const char *path, size_t len)
{
	char dir[PATH_MAX];
	struct stat st;

	if (memchr(path, '\0', len) || !sk_cgroup_dir(&r->mount, path, len, dir, sizeof(dir)) ||
	    stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0; /* gone meanwhile, or not under our mount: no id, no error */
	return (uint64_t)st.st_ino;
}

static int name_k8s(struct sk_service_resolver *r, struct entry *e, struct sk_names *n)
{
	const char *host = r->paths.host_root;
	int rc = -ENOENT;

	if (e->info.id[0])
		rc = sk_names_k8s_logs(&r->k8s_logs, host, e->info.id, n);
	if (rc == -ENOENT && e->info.id[0])
		rc = sk_names_docker(host, e->info.id, n); /* dockershim's labels */
	if (rc == -ENOMEM)
		return rc;
	/* The pod's names from its log directory, once: enough for the
	 * sandbox (pause) container, which has no log of its own. */
	if (!n->pod && !e->info.pod[0] && e->info.pod_uid[0])
		rc = sk_names_k8s_pod(host, e->info.pod_uid, n);
	return rc == -ENOMEM ? rc : 0;
}

/* The column's name from the escaped parts, cut at SK_SERVICE_NAME_MAX on
 * a character boundary: pod/container, one of them, the short id, the
 * unit, the path. */
static int compose_name(struct entry *e)
{
	const struct sk_service_info *in = &e->info;
	char buf[SK_SERVICE_NAME_MAX * 2 + 2], out[SK_SERVICE_NAME_MAX + 1];
	int n;

	if (in->pod[0] && in->container[0])
		n = snprintf(buf, sizeof(buf), "%s/%s", in->pod, in->container);
	else if (in->pod[0] || in->container[0])
		n = snprintf(buf, sizeof(buf), "%s", in->pod[0] ? in->pod : in->container);
	else if (in->id[0])
		n = snprintf(buf, sizeof(buf), "%.12s", in->id);
	else
		n = snprintf(buf, sizeof(buf), "%s", in->unit[0] ? in->unit : in->cgroup);
	if (n < 0)
		return -EINVAL;
	sk_escape_again(buf, strlen(buf), out, sizeof(out));
	return set_copy(&e->info.name, out);
}

/* Looks the names up in the host's files. What a lookup does not find is
 * kept from an earlier one. */
static int fill_names(struct sk_service_resolver *r, struct entry *e)
{
	struct sk_names n = {0};
	const char *container;
	int rc = 0;

	switch (e->info.kind) {
	case SK_SERVICE_K8S: rc = name_k8s(r, e, &n); break;
	case SK_SERVICE_DOCKER: rc = sk_names_docker(r->paths.host_root, e->info.id, &n); break;
	case SK_SERVICE_PODMAN: rc = sk_names_podman(&r->podman, r->paths.host_root, e->info.id, &n); break;
	default: break;
	}
	if (rc == -ENOMEM)
		goto out;
	rc = 0;
	container = n.container ? n.container : n.name;
	if (n.pod)
		rc = set_raw_str(&e->info.pod, n.pod);
	if (rc == 0 && n.ns)
		rc = set_raw_str(&e->info.ns, n.ns);
	if (rc == 0 && container)
		rc = set_raw_str(&e->info.container, container);
	if (rc == 0)
		rc = compose_name(e);
	/* A container's names may be written after it starts (the kubelet
	 * links the log then): look again later, not every refresh. */
	e->retry_seq = e->info.id[0] && !e->info.container[0] ? r->seq + 8 : 0;
out:
	sk_names_free(&n);
	return rc;
}

static int shape_to_info(struct entry *e, const struct sk_cgroup_shape *sh)
{
	char uid[64];
	size_t ul = sh->pod_uid_len < sizeof(uid) - 1 ? sh->pod_uid_len : sizeof(uid) - 1;
	int rc;

	e->info.kind = sh->kind;
	for (size_t i = 0; i < ul; i++)
		uid[i] = sh->pod_uid[i] == '_' ? '-' : sh->pod_uid[i]; /* systemd slice form */
	rc = set_escaped(&e->info.pod_uid, uid, ul);
	if (rc == 0)
		rc = set_escaped(&e->info.id, sh->id, sh->id_len);
	if (rc == 0)
		rc = set_escaped(&e->info.unit, sh->unit, sh->unit_len);
	if (rc == 0)
		rc = set_escaped(&e->info.cgroup, e->raw, e->raw_len);
	return rc;
}

static struct entry *add_entry(struct sk_service_resolver *r, const char *path, size_t len,
			       uint64_t id)
{
	struct entry *e = calloc(1, sizeof(*e)), **slot;
	struct sk_cgroup_shape sh;

	if (!e)
		return NULL;
	e->info = (struct sk_service_info){.name = empty, .id = empty, .pod = empty,
					   .pod_uid = empty, .ns = empty, .container = empty,
					   .unit = empty, .cgroup = empty};
	e->raw = malloc(len + 1);
	if (!e->raw)
		goto fail;
	memcpy(e->raw, path, len);
	e->raw[len] = '\0';
	e->raw_len = len;
	e->info.cgroup_id = id ? id : stat_id(r, path, len);
	sk_cgroup_classify(path, len, &sh);
	if (shape_to_info(e, &sh) || fill_names(r, e))
		goto fail;
	if ((r->entries.n + 1) * 2 > r->slots && rehash(r, r->entries.n + 1))
		goto fail;
	slot = SK_VEC_PUSH(&r->entries);
	if (!slot)
		goto fail;
	*slot = e;
	table_put(r->by_path, r->slots, hash_bytes(path, len), (uint32_t)r->entries.n);
	if (e->info.cgroup_id && !find_id(r, e->info.cgroup_id))
		table_put(r->by_id, r->slots, mix(e->info.cgroup_id), (uint32_t)r->entries.n);
	r->stats.resolved++;
	return e;
fail:
	entry_free(e);
	return NULL;
}

static struct entry *resolve(struct sk_service_resolver *r, const char *path, size_t len,
			     uint64_t id)
{
	struct entry *e = find_path(r, path, len);

	if (!e)
		e = add_entry(r, path, len, id);
	else if (e->retry_seq && r->seq >= e->retry_seq && fill_names(r, e))
		return NULL;
	if (e)
		e->used_seq = r->seq;
	return e;
}

const struct sk_service_info *sk_service_resolve_path(struct sk_service_resolver *r,
						       const char *path, size_t len)
{
	struct entry *e;

	if (len > SK_CGROUP_PATH_MAX)
		len = SK_CGROUP_PATH_MAX;
	e = resolve(r, path, len, 0);
	return e ? &e->info : NULL;
}

/* --- ids: sockets whose process is gone ----------------------------------------- */

const struct sk_service_info *sk_service_resolve_id(struct sk_service_resolver *r, uint64_t id)
{
	struct entry *e = find_id(r, id);
	const char *path;

	if (e) {
		e->used_seq = r->seq;
		return &e->info;
	}
	if (!id)
		return NULL;
	path = sk_cgroup_walk_find(&r->mount, id);
	if (!path && (!r->walk_seq || r->seq >= r->walk_seq + SK_SERVICE_WALK_EVERY)) {
		r->walk_seq = r->seq ? r->seq : 1;
		r->stats.walks++;
		if (sk_cgroup_walk(&r->mount, SK_SERVICE_WALK_MAX))
			return NULL;
		path = sk_cgroup_walk_find(&r->mount, id);
	}
	if (!path) {
		r->stats.unknown_ids++;
		return NULL;
	}
	e = resolve(r, path, strlen(path), id);
	if (e && e->info.cgroup_id != id) {
		/* Removed and made again under the same path since it was
		 * resolved: the walk is the newer word. If the tables cannot
		 * be rebuilt, the next walk finds it again. */
		e->info.cgroup_id = id;
		(void)rehash(r, r->entries.n);
	}
	return e ? &e->info : NULL;
}

/* --- which pid had which cgroup ------------------------------------------------ */

static int cmp_memo(const void *a, const void *b)
{
	int32_t x = ((const struct pid_memo *)a)->pid, y = ((const struct pid_memo *)b)->pid;

	return (x > y) - (x < y);
}

bool sk_service_pid_same(const struct sk_service_resolver *r, int32_t pid, uint64_t starttime,
			 const char *path, size_t len)
{
	struct pid_memo key = {pid, 0, 0};
	const struct pid_memo *m = sk_bsearch(&key, r->memo_cur.v, r->memo_cur.n, sizeof(key),
					      cmp_memo);

	return m && m->starttime == starttime && m->path_hash == hash_bytes(path, len);
}

int sk_service_pid_note(struct sk_service_resolver *r, int32_t pid, uint64_t starttime,
			const char *path, size_t len)
{
	struct pid_memo *m = SK_VEC_PUSH(&r->memo_next);

	if (!m)
		return -ENOMEM;
	*m = (struct pid_memo){pid, starttime, hash_bytes(path, len)};
	return 0;
}

/* The noted pids become the ones to compare with. /proc lists pids in
 * ascending order; a fixture tree may not. */
static void memo_swap(struct sk_service_resolver *r)
{
	size_t cap = r->memo_cur.cap;
	struct pid_memo *v = r->memo_cur.v;

	r->memo_cur = r->memo_next;
	r->memo_next.v = v;
	r->memo_next.cap = cap;
	r->memo_next.n = 0;
	for (size_t i = 1; i < r->memo_cur.n; i++)
		if (r->memo_cur.v[i - 1].pid > r->memo_cur.v[i].pid) {
			sk_qsort(r->memo_cur.v, r->memo_cur.n, sizeof(*r->memo_cur.v), cmp_memo);
			break;
		}
}

/* --- lifetime ------------------------------------------------------------------ */

int sk_service_resolver_new(const struct sk_service_paths *paths,
			    struct sk_service_resolver **out, struct sk_error *err)
{
	struct sk_service_resolver *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r)
		return sk_error_set(err, ENOMEM, "out of memory");
	r->paths.proc_root = strdup(paths->proc_root ? paths->proc_root : "/proc");
	r->paths.host_root = strdup(paths->host_root ? paths->host_root : "");
	r->paths.cgroup_mount = paths->cgroup_mount ? strdup(paths->cgroup_mount) : NULL;
	sk_cgroup_mount_init(&r->mount);
	if (!r->paths.proc_root || !r->paths.host_root ||
	    (paths->cgroup_mount && !r->paths.cgroup_mount) || rehash(r, 0)) {
		sk_service_resolver_free(r);
		return sk_error_set(err, ENOMEM, "out of memory");
	}
	sk_cgroup_mount_find(&r->mount, r->paths.proc_root, paths->cgroup_mount);
	*out = r;
	return 0;
}

void sk_service_resolver_free(struct sk_service_resolver *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->entries.n; i++)
		entry_free(r->entries.v[i]);
	free(r->entries.v);
	free(r->by_path);
	free(r->by_id);
	sk_name_index_free(&r->k8s_logs);
	sk_name_index_free(&r->podman);
	sk_cgroup_mount_free(&r->mount);
	free(r->memo_cur.v);
	free(r->memo_next.v);
	free((char *)r->paths.proc_root);
	free((char *)r->paths.host_root);
	free((char *)r->paths.cgroup_mount);
	free(r);
}

void sk_service_resolver_tick(struct sk_service_resolver *r)
{
	size_t out = 0;

	r->seq++;
	r->stats.unknown_ids = 0;
	memo_swap(r);
	if (r->seq % 16)
		return; /* sweeping is linear: not every refresh */
	for (size_t i = 0; i < r->entries.n; i++) {
		if (r->entries.v[i]->used_seq + SK_SERVICE_STALE < r->seq)
			entry_free(r->entries.v[i]);
		else
			r->entries.v[out++] = r->entries.v[i];
	}
	if (out != r->entries.n) {
		r->entries.n = out;
		if (rehash(r, out))
			r->slots = 0; /* lookups miss until the next sweep: slower, not wrong */
	}
}

uint32_t *sk_service_row(struct sk_service_resolver *r, const struct sk_service_info *in)
{
	/* info is the entry's first member. */
	struct entry *e = (struct entry *)(uintptr_t)in;

	if (e->row_seq != r->seq) {
		e->row_seq = r->seq;
		e->row = 0;
	}
	return &e->row;
}

const struct sk_service_paths *sk_service_resolver_paths(const struct sk_service_resolver *r)
{
	return &r->paths;
}

void sk_service_resolver_stats(const struct sk_service_resolver *r, struct sk_service_stats *out)
{
	*out = r->stats;
	out->cached = (uint32_t)r->entries.n;
}
