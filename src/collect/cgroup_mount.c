#include <config.h>

#include "collect/cgroup_mount.h"
#include "collect/service.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sk_cgroup_mount_init(struct sk_cgroup_mount *m)
{
	memset(m, 0, sizeof(*m));
	sk_strtab_init(&m->strs);
}

void sk_cgroup_mount_free(struct sk_cgroup_mount *m)
{
	free(m->walk.v);
	sk_strtab_free(&m->strs);
	memset(m, 0, sizeof(*m));
}

/* /sys/fs/cgroup on a unified host, /sys/fs/cgroup/unified on a hybrid
 * one, anywhere in a container: mountinfo knows. PID 1's is the fallback
 * for a procfs whose "self" is not ours (a fixture tree). */
void sk_cgroup_mount_find(struct sk_cgroup_mount *m, const char *proc_root, const char *point)
{
	const char *who[] = {"self", "1"};
	char path[PATH_MAX], line[8192], pt[PATH_MAX], root[PATH_MAX];

	m->point[0] = '\0';
	if (point) {
		snprintf(m->point, sizeof(m->point), "%s", point);
		snprintf(m->root, sizeof(m->root), "/");
		return;
	}
	for (size_t i = 0; i < 2 && !m->point[0]; i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s/mountinfo", proc_root, who[i]);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			if (!sk_parse_mountinfo_cgroup2(line, pt, sizeof(pt), root, sizeof(root)))
				continue;
			memcpy(m->point, pt, sizeof(pt));
			memcpy(m->root, root, sizeof(root));
			break;
		}
		fclose(f);
	}
	if (strcmp(m->point, "/") == 0)
		m->point[0] = '\0'; /* never walk the whole filesystem */
}

/* A ".." component: what a process outside our cgroup namespace shows.
 * Its directory is not under our mount, and the path must not lead a stat
 * out of it. */
static bool climbs(const char *path, size_t len)
{
	for (size_t i = 0; i + 2 <= len; i++)
		if ((i == 0 || path[i - 1] == '/') && path[i] == '.' && path[i + 1] == '.' &&
		    (i + 2 == len || path[i + 2] == '/'))
			return true;
	return false;
}

/* The path is relative to our cgroup namespace's root; the mount shows
 * the hierarchy from m->root. */
bool sk_cgroup_dir(const struct sk_cgroup_mount *m, const char *path, size_t len, char *out,
		   size_t size)
{
	size_t rl = strlen(m->root);
	int n;

	if (!m->point[0] || climbs(path, len))
		return false;
	if (rl > 1) {
		if (len < rl || memcmp(path, m->root, rl) != 0 || (len > rl && path[rl] != '/'))
			return false;
		path += rl;
		len -= rl;
	}
	n = snprintf(out, size, "%s%.*s", m->point, (int)len, path);
	return n > 0 && (size_t)n < size;
}

static int cmp_row(const void *a, const void *b)
{
	uint64_t x = ((const struct sk_cgroup_walk_row *)a)->id;
	uint64_t y = ((const struct sk_cgroup_walk_row *)b)->id;

	return (x > y) - (x < y);
}

static int walk_add(struct sk_cgroup_mount *m, uint64_t id, const char *path, size_t len)
{
	struct sk_cgroup_walk_row *row = SK_VEC_PUSH(&m->walk);
	int rc = 0;

	if (!row)
		return -ENOMEM;
	row->id = id;
	row->path = sk_strtab_add(&m->strs, path, len, &rc);
	return rc;
}

/* The subdirectories of one walked cgroup, appended for the walk to
 * visit. The id is stat's inode: kernfs gives the same in d_ino, other
 * filesystems (a test's tree on overlayfs) may not. */
static int walk_children(struct sk_cgroup_mount *m, size_t at, size_t max)
{
	char rel[PATH_MAX], dir[PATH_MAX];
	struct dirent *de;
	struct stat st;
	int rc = 0;
	DIR *d;

	snprintf(rel, sizeof(rel), "%s", sk_strtab_get(&m->strs, m->walk.v[at].path));
	if (!sk_cgroup_dir(m, rel, strlen(rel), dir, sizeof(dir)) || !(d = opendir(dir)))
		return 0; /* gone meanwhile */
	while (rc == 0 && m->walk.n < max && (de = readdir(d))) {
		char child[PATH_MAX];
		int n;

		if ((de->d_type != DT_DIR && de->d_type != DT_UNKNOWN) || de->d_name[0] == '.' ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		n = snprintf(child, sizeof(child), "%s/%s", strcmp(rel, "/") ? rel : "", de->d_name);
		if (n > 0 && (size_t)n < sizeof(child))
			rc = walk_add(m, (uint64_t)st.st_ino, child, (size_t)n);
	}
	closedir(d);
	return rc;
}

int sk_cgroup_walk(struct sk_cgroup_mount *m, size_t max)
{
	size_t rl = strlen(m->root);
	struct stat st;
	int rc;

	m->walk.n = 0;
	sk_strtab_reset(&m->strs);
	if (!m->point[0] || stat(m->point, &st) < 0)
		return 0;
	rc = walk_add(m, (uint64_t)st.st_ino, rl > 1 ? m->root : "/", rl > 1 ? rl : 1);
	for (size_t next = 0; rc == 0 && next < m->walk.n && m->walk.n < max; next++)
		rc = walk_children(m, next, max);
	sk_qsort(m->walk.v, m->walk.n, sizeof(*m->walk.v), cmp_row);
	return rc;
}

const char *sk_cgroup_walk_find(const struct sk_cgroup_mount *m, uint64_t id)
{
	struct sk_cgroup_walk_row key = {id, 0};
	const struct sk_cgroup_walk_row *row =
		sk_bsearch(&key, m->walk.v, m->walk.n, sizeof(key), cmp_row);

	return row ? sk_strtab_get(&m->strs, row->path) : NULL;
}
