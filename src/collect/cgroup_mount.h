/* The cgroup2 mount as the service resolver sees it: where a cgroup path
 * is on disk, and the walk that maps cgroup ids (directory inodes) back to
 * paths for sockets whose process is gone. Private to collect/service*.c. */
#ifndef SKTOP_CGROUP_MOUNT_H
#define SKTOP_CGROUP_MOUNT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/strtab.h"
#include "util/vec.h"

struct sk_cgroup_walk_row {
	uint64_t id;
	uint32_t path; /* offset in strs */
};

struct sk_cgroup_mount {
	char point[PATH_MAX]; /* "" when none */
	char root[PATH_MAX];  /* the hierarchy's path at the mount point, "/" usually */
	SK_VEC(struct sk_cgroup_walk_row) walk; /* the last walk, ascending id */
	struct sk_strtab strs;
};

void sk_cgroup_mount_init(struct sk_cgroup_mount *m);
void sk_cgroup_mount_free(struct sk_cgroup_mount *m);

/* The first cgroup2 mount in proc_root/{self,1}/mountinfo, or point
 * itself when given (tests). */
void sk_cgroup_mount_find(struct sk_cgroup_mount *m, const char *proc_root, const char *point);

/* The directory of a cgroup path: false when there is no mount, the path
 * is not below the mount's root, climbs out with "..", or is too long. */
bool sk_cgroup_dir(const struct sk_cgroup_mount *m, const char *path, size_t len, char *out,
		   size_t size);

/* Walks the whole mount (breadth first, at most max directories). 0 or
 * -ENOMEM; directories vanishing under it are skipped. */
int sk_cgroup_walk(struct sk_cgroup_mount *m, size_t max);

/* The path (NUL-terminated, from the last walk) of a cgroup id, or NULL. */
const char *sk_cgroup_walk_find(const struct sk_cgroup_mount *m, uint64_t id);

#endif
