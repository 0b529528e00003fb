/* Which service a process or socket belongs to, from its cgroup v2 path:
 * a Kubernetes pod's container, a Docker or Podman container, a systemd
 * unit, else the raw cgroup. The path gives the kind and the ids; the
 * names come from the files the orchestrators keep on the host (the
 * kubelet's log links, Docker's config.v2.json, containers/storage's
 * containers.json), since asking a CRI socket or a daemon would make a
 * socket monitor depend on the daemons it may be watching leak.
 *
 * Every host path is a parameter (procfs root, cgroup2 mount, a prefix for
 * /var), so tests point the resolver at fixture trees. Everything read is
 * untrusted: reads are bounded and every name is escaped (util/escape.h). */
#ifndef SKTOP_SERVICE_H
#define SKTOP_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum sk_service_kind {
	SK_SERVICE_NONE,    /* unknown: no readable cgroup */
	SK_SERVICE_K8S,
	SK_SERVICE_DOCKER,
	SK_SERVICE_PODMAN,
	SK_SERVICE_SYSTEMD,
	SK_SERVICE_CGROUP,  /* none of the above: the path is the name */
	SK_SERVICE_KIND_LAST
};

/* "", "k8s", "docker", "podman", "systemd", "cgroup": the JSON "kind". */
extern const char *const sk_service_kind_names[SK_SERVICE_KIND_LAST];

#define SK_SERVICE_NAME_MAX 4096 /* longer names are cut (escaped form) */
#define SK_CGROUP_PATH_MAX 4096  /* raw bytes of a cgroup path */

/* One service as a snapshot carries it. Strings are offsets in the
 * snapshot's strtab, escaped; 0 (the empty string) means unknown. */
struct sk_service {
	uint64_t cgroup_id;  /* inode of the cgroup directory; 0 when unknown */
	uint32_t name;       /* what a column shows: pod/container, container, unit or path */
	uint32_t id;         /* container id (full hex) */
	uint32_t pod;        /* k8s pod name */
	uint32_t pod_uid;    /* k8s pod UID */
	uint32_t ns;         /* k8s namespace ("namespace" in JSON) */
	uint32_t container;  /* container name */
	uint32_t unit;       /* systemd unit (innermost .service or .scope) */
	uint32_t cgroup;     /* the cgroup path */
	uint32_t nprocs;     /* processes of the snapshot in it */
	uint32_t nsockets;   /* fd-less sockets of the snapshot attributed to it */
	uint8_t kind;        /* enum sk_service_kind */
};

/* --- the pure part: a cgroup path's shape (no I/O) -------------------------- */

/* What the path alone says. Pointers are into the caller's path (not
 * NUL-terminated: use the lengths); a pod UID in the systemd driver's form
 * (underscores for dashes) is given as found. */
struct sk_cgroup_shape {
	uint8_t kind;                  /* enum sk_service_kind */
	const char *id; size_t id_len; /* container id */
	const char *pod_uid; size_t pod_uid_len;
	const char *unit; size_t unit_len;
	bool conmon;                   /* the runtime's monitor, not the container itself */
};

void sk_cgroup_classify(const char *path, size_t len, struct sk_cgroup_shape *out);

/* The v2 path in a /proc/PID/cgroup buffer ("0::/a/b\n"). The 0:: line is
 * the kernel's last, and a cgroup name may hold a newline, so the path is
 * everything after "0::" to the final newline when it is the last line.
 * Returns 0 with *path and *plen into buf, or -ENOENT (no v2 line: a v1-only
 * host) or -EINVAL (cut: the buffer was full). */
int sk_parse_proc_cgroup(const char *buf, size_t len, size_t bufsize, const char **path,
			 size_t *plen);

/* The path a cgroup v1 hierarchy gives, for hosts where v2 says nothing
 * (v1 only: RHEL 7 and 8 by default; hybrid, where Docker's cgroupfs
 * driver leaves the v2 path at "/"): the name=systemd line's path, else
 * the first other non-root one. The shapes are the same; only v2 has the
 * ids sockets carry. Returns 0 with *path and *plen into buf, or -ENOENT. */
int sk_parse_proc_cgroup_v1(const char *buf, size_t len, const char **path, size_t *plen);

/* From one mountinfo line: whether it is a cgroup2 mount, with its mount
 * point and root unescaped (\040 and friends) into the given buffers. */
bool sk_parse_mountinfo_cgroup2(const char *line, char *point, size_t psize, char *root,
				size_t rsize);

/* "<pod>_<namespace>_<container>-<64 hex id>.log" (a /var/log/containers
 * entry). Returns 0 with pointers into name, or -EINVAL. */
struct sk_k8s_logname {
	const char *pod, *ns, *container, *id;
	size_t pod_len, ns_len, container_len, id_len;
};
int sk_parse_k8s_logname(const char *name, size_t len, struct sk_k8s_logname *out);

/* Lower-case hex of 64 chars, the only container id shape accepted: a
 * path component or file name that claims to be an id and is not one is
 * never used to build a host path. */
bool sk_is_container_id(const char *s, size_t len);

/* --- the resolver ----------------------------------------------------------- */

struct sk_service_paths {
	const char *proc_root;    /* "/proc" */
	const char *host_root;    /* prefix for /var/log/..., /var/lib/...: "" or NULL in production */
	const char *cgroup_mount; /* NULL: the cgroup2 mount in proc_root's mountinfo */
};

/* A resolved cgroup as the cache holds it: escaped, NUL-terminated
 * strings, "" when unknown. */
struct sk_service_info {
	uint64_t cgroup_id;
	uint8_t kind;
	const char *name, *id, *pod, *pod_uid, *ns, *container, *unit, *cgroup;
};

struct sk_service_resolver;

struct sk_service_stats {
	uint64_t resolved;     /* cgroups resolved (cache misses), ever */
	uint64_t walks;        /* walks of the cgroup2 mount for socket cgroup ids */
	uint32_t cached;       /* cgroups in the cache now */
	uint32_t unknown_ids;  /* socket cgroup ids no walk found (last refresh) */
};

int sk_service_resolver_new(const struct sk_service_paths *paths,
			    struct sk_service_resolver **out, struct sk_error *err);
void sk_service_resolver_free(struct sk_service_resolver *r);

/* Resolves a raw cgroup path (as /proc/PID/cgroup gives it, from "/";
 * cut at SK_CGROUP_PATH_MAX). The cache keeps it; NULL only when memory
 * runs out. */
const struct sk_service_info *sk_service_resolve_path(struct sk_service_resolver *r,
						       const char *path, size_t len);

/* Resolves a cgroup id (a socket's INET_DIAG_CGROUP_ID): from the cgroups
 * resolved before, else from a walk of the cgroup2 mount, bounded and done
 * at most once per SK_SERVICE_WALK_EVERY refreshes. NULL when unknown. */
const struct sk_service_info *sk_service_resolve_id(struct sk_service_resolver *r, uint64_t id);

/* Marks the start of a refresh: entries unused for a while are dropped. */
void sk_service_resolver_tick(struct sk_service_resolver *r);

const struct sk_service_paths *sk_service_resolver_paths(const struct sk_service_resolver *r);
void sk_service_resolver_stats(const struct sk_service_resolver *r, struct sk_service_stats *out);

/* Fills s->services, each process's service and s->sock_service for the
 * sockets no fd holds, reading /proc/PID/cgroup of every process each
 * refresh (a process moved to another cgroup keeps its pid and start
 * time, so the path cannot be cached by them; its resolution is). The
 * v2 path is used, else a v1 one (sk_parse_proc_cgroup_v1). */
struct sk_snapshot;
int sk_service_attach(struct sk_service_resolver *r, struct sk_snapshot *s,
		      struct sk_error *err);

/* sk_service_attach's scratch: the snapshot row (index + 1) given to this
 * cgroup since the last tick, 0 for none yet. */
uint32_t *sk_service_row(struct sk_service_resolver *r, const struct sk_service_info *in);

/* sk_service_attach's memory of each process's cgroup path at the last
 * refresh, by pid and start time. A path read after the scan may be a
 * new process's that took a dead one's pid: when it is not the one seen
 * last time, the caller checks the start time before trusting it. */
bool sk_service_pid_same(const struct sk_service_resolver *r, int32_t pid, uint64_t starttime,
			 const char *path, size_t len);
int sk_service_pid_note(struct sk_service_resolver *r, int32_t pid, uint64_t starttime,
			const char *path, size_t len);

#define SK_SERVICE_WALK_EVERY 30   /* refreshes between walks of the cgroup2 mount */
#define SK_SERVICE_WALK_MAX 65536  /* directories one walk visits at most */
#define SK_SERVICE_STALE 64        /* refreshes an unused cache entry survives */

#endif
