/* Puts the resolver's answers into a snapshot: one services row per
 * distinct cgroup seen this refresh, strings copied into the snapshot's
 * strtab so the snapshot stands alone (the double-buffered reader keeps it
 * while the resolver's cache moves on). A steady refresh allocates
 * nothing here: the row of each cgroup is scratch in the cache entry. */
#include <config.h>

#include "collect/service.h"
#include "model/snapshot.h"
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int add_str(struct sk_snapshot *s, const char *v, uint32_t *off)
{
	int rc = 0;

	*off = *v ? sk_strtab_add(&s->strs, v, strlen(v), &rc) : 0;
	return rc;
}

static int new_row(struct sk_snapshot *s, const struct sk_service_info *in)
{
	struct sk_service *sv = SK_VEC_PUSH(&s->services);
	int rc;

	if (!sv)
		return -ENOMEM;
	sv->cgroup_id = in->cgroup_id;
	sv->kind = in->kind;
	rc = add_str(s, in->name, &sv->name);
	if (rc == 0)
		rc = add_str(s, in->id, &sv->id);
	if (rc == 0)
		rc = add_str(s, in->pod, &sv->pod);
	if (rc == 0)
		rc = add_str(s, in->pod_uid, &sv->pod_uid);
	if (rc == 0)
		rc = add_str(s, in->ns, &sv->ns);
	if (rc == 0)
		rc = add_str(s, in->container, &sv->container);
	if (rc == 0)
		rc = add_str(s, in->unit, &sv->unit);
	if (rc == 0)
		rc = add_str(s, in->cgroup, &sv->cgroup);
	return rc;
}

/* The row of a resolved cgroup, added on first sight this refresh. */
static int row_of(struct sk_service_resolver *r, struct sk_snapshot *s,
		  const struct sk_service_info *in, uint32_t *row)
{
	uint32_t *slot = sk_service_row(r, in);
	int rc;

	if (!*slot) {
		rc = new_row(s, in);
		if (rc)
			return rc;
		*slot = (uint32_t)s->services.n;
	}
	*row = *slot;
	return 0;
}

/* Whether pid is still the process the scan read: its start time. */
static bool same_process(const char *proc_root, int32_t pid, uint64_t starttime)
{
	char path[PATH_MAX], buf[1024];
	struct sk_proc_stat st;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/stat", proc_root, (int)pid);
	n = sk_read_at(AT_FDCWD, path, buf, sizeof(buf));
	return n > 0 && sk_parse_proc_stat(buf, (size_t)n, &st) == 0 && st.starttime == starttime;
}

/* The service of a scanned process, NULL when unknown (gone, no cgroup,
 * or its pid already another process's); *rc on ENOMEM. The v2 path,
 * unless it says nothing ("/" or none) where a v1 hierarchy does. The
 * cgroup file is read after the scan (every refresh: a process moved to
 * another cgroup keeps its pid and start time). */
static const struct sk_service_info *proc_cgroup(struct sk_service_resolver *r,
						 const struct sk_process *p, int *rc)
{
	const char *root = sk_service_resolver_paths(r)->proc_root;
	char path[PATH_MAX], buf[SK_CGROUP_PATH_MAX + 64];
	const struct sk_service_info *in;
	const char *cg;
	size_t len;
	ssize_t n;
	int rc2;

	snprintf(path, sizeof(path), "%s/%d/cgroup", root, (int)p->pid);
	n = sk_read_at(AT_FDCWD, path, buf, sizeof(buf));
	if (n <= 0 || (size_t)n >= sizeof(buf))
		return NULL; /* gone, or cut */
	rc2 = sk_parse_proc_cgroup(buf, (size_t)n, sizeof(buf), &cg, &len);
	if ((rc2 == -ENOENT || (rc2 == 0 && len == 1)) &&
	    sk_parse_proc_cgroup_v1(buf, (size_t)n, &cg, &len) == 0)
		rc2 = 0;
	if (rc2)
		return NULL;
	if (!sk_service_pid_same(r, p->pid, p->starttime, cg, len) &&
	    !same_process(root, p->pid, p->starttime))
		return NULL;
	in = sk_service_resolve_path(r, cg, len);
	*rc = in ? sk_service_pid_note(r, p->pid, p->starttime, cg, len) : -ENOMEM;
	return *rc ? NULL : in;
}

static int attach_procs(struct sk_service_resolver *r, struct sk_snapshot *s)
{
	for (size_t i = 0; i < s->procs.n; i++) {
		struct sk_process *p = &s->procs.v[i];
		const struct sk_service_info *in;
		int rc = 0;

		p->service = 0;
		if (p->flags & SK_PROC_KERNEL)
			continue; /* all in the root cgroup, and no sockets */
		in = proc_cgroup(r, p, &rc);
		if (rc)
			return rc;
		if (!in)
			continue;
		rc = row_of(r, s, in, &p->service);
		if (rc)
			return rc;
		s->services.v[p->service - 1].nprocs++;
	}
	return 0;
}

static int attach_socks(struct sk_service_resolver *r, struct sk_snapshot *s)
{
	if (sk_vec_reserve((void **)&s->sock_service.v, &s->sock_service.cap, s->socks.n,
			   sizeof(uint32_t)))
		return -ENOMEM;
	s->sock_service.n = s->socks.n;
	if (s->socks.n) /* v is still NULL for a snapshot without sockets */
		memset(s->sock_service.v, 0, s->socks.n * sizeof(uint32_t));
	for (size_t k = 0; k < s->socks.n; k++) {
		const struct sk_socket *so = &s->socks.v[k];
		const struct sk_service_info *in;
		int rc;

		if (so->owners_count || !so->cgroup_id)
			continue;
		in = sk_service_resolve_id(r, so->cgroup_id);
		if (!in)
			continue;
		rc = row_of(r, s, in, &s->sock_service.v[k]);
		if (rc)
			return rc;
		s->services.v[s->sock_service.v[k] - 1].nsockets++;
	}
	return 0;
}

int sk_service_attach(struct sk_service_resolver *r, struct sk_snapshot *s,
		      struct sk_error *err)
{
	int rc;

	sk_service_resolver_tick(r);
	s->services.n = 0;
	s->sock_service.n = 0;
	rc = attach_procs(r, s);
	if (rc == 0)
		rc = attach_socks(r, s);
	if (rc)
		return sk_error_set(err, -rc, "resolving services: %s", strerror(-rc));
	return 0;
}
