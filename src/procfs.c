#include <config.h>

#include "proc.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

/* Every fd of a process as last read: its socket inode, or 0 for an fd that
 * is not a socket. */
struct cached_fd {
	uint64_t inode;
	int32_t fd;
};

struct cache_entry {
	int32_t pid;
	uint64_t starttime;
	uint32_t start, count; /* into the generation's fds, ascending fd */
};

struct cache_gen {
	SK_VEC(struct cache_entry) procs; /* ascending pid */
	SK_VEC(struct cached_fd) fds;
};

/* Two generations: the one read from (the last refresh) and the one being
 * written, swapped after each scan; memory is reused. */
struct sk_procfs_cache {
	struct cache_gen cur, next;
};

int sk_procfs_cache_new(struct sk_procfs_cache **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void sk_procfs_cache_free(struct sk_procfs_cache *c)
{
	if (!c)
		return;
	free(c->cur.procs.v);
	free(c->cur.fds.v);
	free(c->next.procs.v);
	free(c->next.fds.v);
	free(c);
}

void sk_procfs_cache_invalidate(struct sk_procfs_cache *c)
{
	if (c)
		c->cur.procs.n = c->cur.fds.n = 0;
}

static const struct cache_entry *cache_find(const struct sk_procfs_cache *c, int32_t pid,
					    uint64_t starttime)
{
	size_t lo = 0, hi = c->cur.procs.n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->cur.procs.v[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < c->cur.procs.n && c->cur.procs.v[lo].pid == pid &&
	    c->cur.procs.v[lo].starttime == starttime)
		return &c->cur.procs.v[lo];
	return NULL; /* unknown, or the pid now belongs to another process */
}

/* The cached socket inode of an fd: 0 when it was not a socket or is new. */
static uint64_t cached_socket(const struct sk_procfs_cache *c, const struct cache_entry *e,
			      int32_t fd)
{
	size_t lo = e->start, hi = (size_t)e->start + e->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (c->cur.fds.v[mid].fd < fd)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < (size_t)e->start + e->count && c->cur.fds.v[lo].fd == fd ? c->cur.fds.v[lo].inode
									      : 0;
}

static int cache_begin(struct sk_procfs_cache *c, const struct sk_process *p)
{
	struct cache_entry *e = SK_VEC_PUSH(&c->next.procs);

	if (!e)
		return -ENOMEM;
	e->pid = p->pid;
	e->starttime = p->starttime;
	e->start = (uint32_t)c->next.fds.n;
	return 0;
}

static int cache_add_fd(struct sk_procfs_cache *c, int32_t fd, uint64_t inode)
{
	struct cached_fd *cf = SK_VEC_PUSH(&c->next.fds);

	if (!cf)
		return -ENOMEM;
	cf->fd = fd;
	cf->inode = inode;
	c->next.procs.v[c->next.procs.n - 1].count++;
	return 0;
}

static int cmp_entry_pid(const void *a, const void *b)
{
	const struct cache_entry *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

static void cache_swap(struct sk_procfs_cache *c)
{
	struct cache_gen t = c->cur;

	c->cur = c->next;
	c->next = t;
	c->next.procs.n = c->next.fds.n = 0;
	/* /proc lists pids in ascending order; a fixture tree may not. */
	qsort(c->cur.procs.v, c->cur.procs.n, sizeof(*c->cur.procs.v), cmp_entry_pid);
}

bool sk_procfs_fd_is(const char *proc_root, int32_t pid, int32_t fd, uint64_t inode)
{
	char path[PATH_MAX], link[64];
	uint64_t now;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/fd/%d", proc_root, (int)pid, (int)fd);
	n = readlink(path, link, sizeof(link));
	return n > 0 && (size_t)n < sizeof(link) && sk_parse_socket_link(link, (size_t)n, &now) == 0 &&
	       now == inode;
}

/* Reads a whole small file relative to dirfd into buf (bounded, no stdio). */
static ssize_t read_at(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -errno;
	while (got < size) {
		ssize_t n = read(fd, buf + got, size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	return (ssize_t)got;
}

static uint64_t ns_inode_at(int dirfd, const char *path)
{
	char link[64];
	ssize_t n = readlinkat(dirfd, path, link, sizeof(link) - 1);
	char *open;
	uint64_t v = 0;

	if (n <= 0)
		return 0;
	link[n] = '\0';
	open = strchr(link, '[');
	if (!open)
		return 0;
	for (char *p = open + 1; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - 9) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	return v;
}

uint64_t sk_procfs_ns_inode(const char *proc_root, int32_t pid, const char *ns)
{
	char path[PATH_MAX];

	if (pid == 0)
		snprintf(path, sizeof(path), "%s/self/ns/%s", proc_root, ns);
	else
		snprintf(path, sizeof(path), "%s/%d/ns/%s", proc_root, (int)pid, ns);
	return ns_inode_at(AT_FDCWD, path);
}

enum sk_sockname sk_procfs_sockname(const char *proc_root, int32_t pid, int32_t fd)
{
	char path[PATH_MAX], name[32];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/fd/%d", proc_root, (int)pid, (int)fd);
	n = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
	if (n <= 0)
		return SK_SN_OTHER;
	name[n] = '\0';
	return sk_sockname_parse(name);
}

static bool is_pid(const char *s, int32_t *pid)
{
	long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > INT32_MAX / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*pid = (int32_t)v;
	return v > 0;
}

/* Lists PID/fd: counts every fd, keeps the socket ones. With a cache, an fd
 * that was a socket last time is taken from it without a readlink (marked
 * SK_FDREF_CACHED for the join to verify); new fds and fds that were not
 * sockets are read, since open() hands out the lowest free number and a
 * closed file's number is soon a socket's. Returns 0, or -errno (ENOENT:
 * the process is gone; EACCES: not ours to see). */
static int scan_fds(int piddir, uint32_t proc, struct sk_process *p, sk_fdrefvec *fds,
		    struct sk_procfs_stats *st, struct sk_procfs_cache *cache)
{
	int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const struct cache_entry *prev = cache ? cache_find(cache, p->pid, p->starttime) : NULL;
	bool any_cached = false;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	p->fdrefs_start = (uint32_t)fds->n;
	if (cache && (rc = cache_begin(cache, p)) != 0)
		goto out;
	while ((e = readdir(d))) {
		char link[64];
		int32_t num;
		uint64_t inode;
		uint32_t flags = 0;

		if (!is_pid(e->d_name, &num)) {
			if (strcmp(e->d_name, "0") != 0)
				continue;
			num = 0;
		}
		p->fd_count++;
		inode = prev ? cached_socket(cache, prev, num) : 0;
		if (inode) {
			flags = SK_FDREF_CACHED;
			any_cached = true;
		} else {
			ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link));

			if (n < 0 && (errno == EACCES || errno == EPERM)) {
				/* Listing allowed, reading not (e.g. a protected init):
				 * the snapshot must say it could not see these sockets. */
				rc = -EACCES;
				break;
			}
			if (n <= 0 || (size_t)n >= sizeof(link) ||
			    sk_parse_socket_link(link, (size_t)n, &inode) != 0)
				inode = 0; /* closed meanwhile, or not a socket */
		}
		if (cache && (rc = cache_add_fd(cache, num, inode)) != 0)
			break;
		if (!inode)
			continue;
		struct sk_fdref *ref = SK_VEC_PUSH(fds);

		if (!ref) {
			rc = -ENOMEM;
			break;
		}
		*ref = (struct sk_fdref){inode, num, proc, SK_NONE, flags};
	}
out:
	closedir(d);
	if (rc) {
		fds->n = p->fdrefs_start;
		if (cache && cache->next.procs.n && cache->next.procs.v[cache->next.procs.n - 1].pid == p->pid) {
			cache->next.fds.n = cache->next.procs.v[cache->next.procs.n - 1].start;
			cache->next.procs.n--;
		}
		return rc;
	}
	p->fdrefs_count = (uint32_t)(fds->n - p->fdrefs_start);
	st->fds += p->fd_count;
	st->cached += any_cached;
	return 0;
}

/* Reads one process. Returns 0, -ENOENT when it vanished (caller rolls
 * back), -ENOMEM. */
static int read_process(int rootfd, int32_t pid, uint32_t index, struct sk_process *p,
			sk_fdrefvec *fds, struct sk_strtab *strs, struct sk_procfs_stats *st,
			struct sk_procfs_cache *cache)
{
	char name[16], buf[4096], cmd[SK_CMDLINE_MAX * 4 + 1];
	int piddir;
	ssize_t n;
	struct sk_proc_stat pst;
	struct sk_proc_status pstatus;
	int rc;

	snprintf(name, sizeof(name), "%d", (int)pid);
	piddir = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return -ENOENT;
	p->pid = pid;
	p->fd_limit = SK_FD_LIMIT_UNLIMITED;
	n = read_at(piddir, "stat", buf, sizeof(buf));
	if (n <= 0 || sk_parse_proc_stat(buf, (size_t)n, &pst) != 0) {
		close(piddir);
		return -ENOENT;
	}
	memcpy(p->comm, pst.comm, sizeof(p->comm));
	p->starttime = pst.starttime;
	n = read_at(piddir, "status", buf, sizeof(buf));
	if (n > 0 && sk_parse_proc_status(buf, (size_t)n, &pstatus) == 0) {
		p->uid = pstatus.uid;
		p->rss_kb = pstatus.rss_kb;
	}
	n = read_at(piddir, "limits", buf, sizeof(buf));
	if (n > 0)
		sk_parse_proc_limits_nofile(buf, (size_t)n, &p->fd_limit);
	n = read_at(piddir, "cmdline", buf, sizeof(buf));
	if (n > 0) {
		size_t len = sk_format_cmdline(buf, (size_t)n, cmd, sizeof(cmd));

		p->cmdline = sk_strtab_add(strs, cmd, len, &rc);
		if (rc) {
			close(piddir);
			return rc;
		}
	} else if (n == 0) {
		p->flags |= SK_PROC_KERNEL;
	}
	p->netns = ns_inode_at(piddir, "ns/net");
	rc = scan_fds(piddir, index, p, fds, st, cache);
	close(piddir);
	if (rc == -EACCES || rc == -EPERM) {
		p->flags |= SK_PROC_FD_DENIED;
		p->fdrefs_start = (uint32_t)fds->n;
		st->fd_denied++;
		return 0;
	}
	return rc == -ENOMEM ? rc : rc ? -ENOENT : 0;
}

int sk_procfs_scan(const char *proc_root, sk_procvec *procs, sk_fdrefvec *fds,
		   struct sk_strtab *strs, struct sk_procfs_stats *stats, struct sk_error *err)
{
	return sk_procfs_scan_cached(proc_root, NULL, procs, fds, strs, stats, err);
}

int sk_procfs_scan_cached(const char *proc_root, struct sk_procfs_cache *cache,
			  sk_procvec *procs, sk_fdrefvec *fds, struct sk_strtab *strs,
			  struct sk_procfs_stats *stats, struct sk_error *err)
{
	int rootfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (rootfd < 0)
		return sk_error_set(err, errno, "cannot open %s: %s", proc_root, strerror(errno));
	d = opendir(proc_root);
	if (!d) {
		int rc = errno;

		close(rootfd);
		return sk_error_set(err, rc, "cannot list %s: %s", proc_root, strerror(rc));
	}
	while ((e = readdir(d))) {
		int32_t pid;
		size_t fds_before = fds->n, strs_before = strs->len;

		if (!is_pid(e->d_name, &pid))
			continue;
		struct sk_process *p = SK_VEC_PUSH(procs);

		if (!p) {
			closedir(d);
			close(rootfd);
			return sk_error_set(err, ENOMEM, "out of memory scanning %s", proc_root);
		}
		int rc = read_process(rootfd, pid, (uint32_t)(procs->n - 1), p, fds, strs, stats,
				      cache);

		if (rc == -ENOMEM) {
			closedir(d);
			close(rootfd);
			return sk_error_set(err, ENOMEM, "out of memory scanning %s", proc_root);
		}
		if (rc) {
			/* Gone mid-scan: as if it had never been listed. */
			procs->n--;
			fds->n = fds_before;
			strs->len = strs_before;
			stats->vanished++;
			continue;
		}
		stats->processes++;
	}
	closedir(d);
	close(rootfd);
	if (cache)
		cache_swap(cache);
	return 0;
}
