#include <config.h>

#include "collect/netns_names.h"
#include "util/escape.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SK_NETNS_NAMES_MAX 4096 /* entries read from the directory */

void sk_netns_names_init(struct sk_netns_names *n, const char *host_root, const char *proc_root)
{
	char path[PATH_MAX];
	struct stat st;

	memset(n, 0, sizeof(*n));
	sk_strtab_init(&n->strs);
	snprintf(n->dir, sizeof(n->dir), "%s/run/netns", host_root ? host_root : "");
	snprintf(path, sizeof(path), "%s/self/ns/net", proc_root ? proc_root : "/proc");
	if (stat(path, &st) == 0)
		n->nsfs_dev = st.st_dev;
}

void sk_netns_names_free(struct sk_netns_names *n)
{
	free(n->v.v);
	sk_strtab_free(&n->strs);
	memset(n, 0, sizeof(*n));
}

/* One entry: a namespace only when mounted there (an unmounted leftover
 * is a plain file on tmpfs whose inode could pass for any number). */
static int add_entry(struct sk_netns_names *n, int dirfd, const char *name)
{
	char esc[4 * NAME_MAX + 1];
	struct sk_netns_name *e;
	struct stat st;
	int rc = 0;

	if (name[0] == '.' || fstatat(dirfd, name, &st, 0) < 0 || !n->nsfs_dev ||
	    st.st_dev != n->nsfs_dev)
		return 0;
	e = SK_VEC_PUSH(&n->v);
	if (!e)
		return -ENOMEM;
	e->inode = (uint64_t)st.st_ino;
	e->name = sk_strtab_add(&n->strs, esc, sk_escape(name, strlen(name), esc, sizeof(esc)),
				&rc);
	return rc;
}

int sk_netns_names_refresh(struct sk_netns_names *n)
{
	struct dirent *de;
	struct stat st;
	size_t seen = 0;
	int rc = 0;
	DIR *d;

	if (stat(n->dir, &st) < 0) {
		n->v.n = 0;
		n->loaded = false;
		return 0;
	}
	/* Same mtime, loaded a second after it: nothing can have changed. */
	if (n->loaded && st.st_mtim.tv_sec == n->mtime.tv_sec &&
	    st.st_mtim.tv_nsec == n->mtime.tv_nsec && time(NULL) > st.st_mtim.tv_sec + 1)
		return 0;
	n->v.n = 0;
	sk_strtab_reset(&n->strs);
	n->mtime = st.st_mtim;
	n->loaded = true;
	d = opendir(n->dir);
	if (!d)
		return 0;
	while (rc == 0 && seen++ < SK_NETNS_NAMES_MAX && (de = readdir(d)))
		rc = add_entry(n, dirfd(d), de->d_name);
	closedir(d);
	return rc;
}

const char *sk_netns_names_get(const struct sk_netns_names *n, uint64_t inode)
{
	for (size_t i = 0; i < n->v.n; i++)
		if (n->v.v[i].inode == inode)
			return sk_strtab_get(&n->strs, n->v.v[i].name);
	return "";
}
