#include <config.h>

#include "collect/proc.h"
#include "util/readfile.h"

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

SK_LOWER_BOUND_BY(entries_lower_bound, struct cache_entry, pid, int32_t)
SK_LOWER_BOUND_BY(fds_lower_bound, struct cached_fd, fd, int32_t)

static const struct cache_entry *cache_find(const struct sk_procfs_cache *c, int32_t pid,
					    uint64_t starttime)
{
	size_t lo = entries_lower_bound(c->cur.procs.v, 0, c->cur.procs.n, pid);

	if (lo < c->cur.procs.n && c->cur.procs.v[lo].pid == pid &&
	    c->cur.procs.v[lo].starttime == starttime)
		return &c->cur.procs.v[lo];
	return NULL; /* unknown, or the pid now belongs to another process */
}

/* The cached socket inode of an fd: 0 when it was not a socket or is new.
 * /proc lists a process's fds in ascending order, so *at follows the
 * listing forward (a binary search per fd cost about 2 ms a refresh at
 * 93k fds); a listing out of order (a fixture tree on another filesystem)
 * falls back to a binary search below *at. */
static uint64_t cached_socket(const struct sk_procfs_cache *c, const struct cache_entry *e,
			      int32_t fd, size_t *at)
{
	const struct cached_fd *v = c->cur.fds.v;
	size_t end = (size_t)e->start + e->count;

	if (*at > e->start && v[*at - 1].fd >= fd) {
		*at = fds_lower_bound(v, e->start, *at, fd);
	} else {
		while (*at < end && v[*at].fd < fd)
			(*at)++;
	}
	return *at < end && v[*at].fd == fd ? v[*at].inode : 0;
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

static int cmp_cached_fd(const void *a, const void *b)
{
	const struct cached_fd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

/* The lookups need each process's fds ascending. /proc lists them so; a
 * fixture tree's filesystem may list them in hash order. */
static void cache_end(struct sk_procfs_cache *c, bool ascending)
{
	const struct cache_entry *e = &c->next.procs.v[c->next.procs.n - 1];

	if (!ascending)
		sk_qsort(c->next.fds.v + e->start, e->count, sizeof(struct cached_fd), cmp_cached_fd);
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
	sk_qsort(c->cur.procs.v, c->cur.procs.n, sizeof(*c->cur.procs.v), cmp_entry_pid);
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

/* PF_KTHREAD in stat's flags field (include/linux/sched.h). */
#define SK_PF_KTHREAD 0x00200000u


/* A line-oriented file that filled the buffer was cut: its last line may be
 * a prefix ("VmRSS: 12" of "VmRSS: 1234 kB"), so it is dropped rather than
 * misread. (status grows with the Groups: line.) */
static size_t whole_lines(const char *buf, size_t n, size_t size)
{
	if (n < size)
		return n;
	while (n > 0 && buf[n - 1] != '\n')
		n--;
	return n;
}

/* "<ns>:[N]" behind a namespace link -> N, 0 when it is anything else. */
static uint64_t ns_inode_at(int dirfd, const char *path, const char *ns)
{
	char link[64];
	ssize_t n = readlinkat(dirfd, path, link, sizeof(link));
	size_t nslen = strlen(ns), i;
	uint64_t v = 0;

	if (n <= 0 || (size_t)n >= sizeof(link) || (size_t)n < nslen + 4 ||
	    memcmp(link, ns, nslen) != 0 || link[nslen] != ':' || link[nslen + 1] != '[' ||
	    link[n - 1] != ']')
		return 0;
	for (i = nslen + 2; i < (size_t)n - 1; i++) {
		uint64_t d = (uint64_t)(link[i] - '0');

		if (link[i] < '0' || link[i] > '9' || v > (UINT64_MAX - d) / 10)
			return 0;
		v = v * 10 + d;
	}
	return v;
}

uint64_t sk_procfs_ns_inode(const char *proc_root, int32_t pid, const char *ns)
{
	char path[PATH_MAX];
	int n;

	if (pid == 0)
		n = snprintf(path, sizeof(path), "%s/self/ns/%s", proc_root, ns);
	else
		n = snprintf(path, sizeof(path), "%s/%d/ns/%s", proc_root, (int)pid, ns);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	return ns_inode_at(AT_FDCWD, path, ns);
}

enum sk_sockname sk_procfs_sockname(const char *proc_root, int32_t pid, int32_t fd)
{
	char path[PATH_MAX], name[32];
	ssize_t n;
	int len = snprintf(path, sizeof(path), "%s/%d/fd/%d", proc_root, (int)pid, (int)fd);

	if (len < 0 || (size_t)len >= sizeof(path))
		return SK_SN_OTHER;
	n = getxattr(path, "system.sockprotoname", name, sizeof(name) - 1);
	if (n <= 0)
		return SK_SN_OTHER;
	name[n] = '\0';
	return sk_sockname_parse(name);
}

/* A decimal directory entry name (pid or fd number) within int32. */
static bool is_number(const char *s, int32_t *out)
{
	int32_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT32_MAX - (*s - '0')) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return true;
}

/* Errors that say nothing about the process but everything about us: they
 * abort the scan instead of passing every process off as vanished. */
static bool scan_fatal(int e)
{
	return e == ENOMEM || e == EMFILE || e == ENFILE;
}

/* Lists PID/fd: counts every fd, keeps the socket ones. With a cache, an fd
 * that was a socket last time is taken from it without a readlink (marked
 * SK_FDREF_CACHED for the join to verify); new fds and fds that were not
 * sockets are read, since open() hands out the lowest free number and a
 * closed file's number is soon a socket's. Returns 0, or -errno (ENOENT:
 * the process is gone; EACCES: not ours to see, fd_count still counted when
 * the listing itself was allowed). */
static int scan_fds(int piddir, uint32_t proc, struct sk_process *p, sk_fdrefvec *fds,
		    struct sk_procfs_stats *st, struct sk_procfs_cache *cache)
{
	int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const struct cache_entry *prev = cache ? cache_find(cache, p->pid, p->starttime) : NULL;
	size_t at = prev ? prev->start : 0;
	bool any_cached = false, denied = false, ascending = true;
	int32_t last = -1;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	p->fdrefs_start = (uint32_t)fds->n;
	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		rc = -errno;
		close(fd);
		return rc;
	}
	if (cache && (rc = cache_begin(cache, p)) != 0)
		goto out;
	for (;;) {
		char link[64];
		int32_t num;
		uint64_t inode = 0;
		uint32_t flags = 0;

		/* readdir's NULL is the end or an error: a process dying under
		 * us ends the listing with ENOENT, which must not pass for a
		 * short fd table. */
		errno = 0;
		e = readdir(d);
		if (!e) {
			rc = errno ? -errno : 0;
			break;
		}
		if (!is_number(e->d_name, &num))
			continue; /* "." and ".." */
		ascending &= num > last;
		last = num;
		p->fd_count++;
		if (denied)
			continue; /* still counting: the number of fds is known */
		if (prev)
			inode = cached_socket(cache, prev, num, &at);
		if (inode) {
			flags = SK_FDREF_CACHED;
			any_cached = true;
		} else {
			ssize_t n = readlinkat(fd, e->d_name, link, sizeof(link));

			if (n < 0 && (errno == EACCES || errno == EPERM)) {
				/* Listing allowed, reading not (root without
				 * CAP_SYS_PTRACE, e.g. in a container): the snapshot
				 * must say it could not see these sockets. */
				denied = true;
				continue;
			}
			/* A failed or too long link: closed meanwhile, or not a socket. */
			if (n <= 0 || (size_t)n >= sizeof(link) ||
			    sk_parse_socket_link(link, (size_t)n, &inode) != 0)
				inode = 0;
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
	if (!rc && denied)
		rc = -EACCES;
out:
	closedir(d);
	if (rc) {
		fds->n = p->fdrefs_start;
		if (cache && cache->next.procs.n &&
		    cache->next.procs.v[cache->next.procs.n - 1].pid == p->pid) {
			cache->next.fds.n = cache->next.procs.v[cache->next.procs.n - 1].start;
			cache->next.procs.n--;
		}
		return rc;
	}
	if (cache)
		cache_end(cache, ascending);
	p->fdrefs_count = (uint32_t)(fds->n - p->fdrefs_start);
	st->cached += any_cached;
	return 0;
}

/* Where a scan takes fd tables from: /proc (through the owner cache when
 * there is one), or rows the kernel listed in one pass. */
struct fd_source {
	struct sk_procfs_cache *cache;
	const sk_fdrowvec *rows;
};

SK_LOWER_BOUND_BY(rows_lower_bound, struct sk_fdrow, pid, int32_t)

/* Takes p's fds from the rows. -ENODATA when the rows do not cover this
 * process: it has no rows (born after they were taken, or no fd at all),
 * or they belong to an earlier process with the same pid. */
static int fds_from_rows(const sk_fdrowvec *rows, uint32_t proc, struct sk_process *p,
			 sk_fdrefvec *fds, struct sk_procfs_stats *st)
{
	size_t i = rows_lower_bound(rows->v, 0, rows->n, p->pid);

	p->fdrefs_start = (uint32_t)fds->n;
	if (i == rows->n || rows->v[i].pid != p->pid || rows->v[i].starttime != p->starttime)
		return -ENODATA;
	for (; i < rows->n && rows->v[i].pid == p->pid; i++) {
		const struct sk_fdrow *r = &rows->v[i];
		struct sk_fdref *ref;

		p->fd_count++;
		if (!r->inode)
			continue;
		ref = SK_VEC_PUSH(fds);
		if (!ref) {
			fds->n = p->fdrefs_start;
			return -ENOMEM;
		}
		*ref = (struct sk_fdref){r->inode, r->fd, proc, SK_NONE, 0};
	}
	p->fdrefs_count = (uint32_t)(fds->n - p->fdrefs_start);
	st->from_rows++;
	return 0;
}

/* Reads one process into *p (zeroed). Returns 0; -ENOENT when it vanished
 * before its fds were read (the caller rolls back what was appended);
 * -errno for a failure of ours (scan_fatal).
 *
 * Only fd links are ever taken from the owner cache. Everything else is
 * read every refresh, because each can change under an unchanged start
 * time with no event and no trace in the fd table: the real uid with
 * setresuid (the /proc/PID owner is the effective uid, so not even a stat
 * of the directory shows it), RLIMIT_NOFILE with prlimit from another
 * process, comm with PR_SET_NAME, cmdline when a process rewrites its argv
 * (setproctitle: sshd, postgres, nginx), the network namespace with setns
 * or unshare, and RSS all the time. RSS cannot come from stat's rss field
 * instead of status: since 6.16 VmRSS sums the per-CPU counters and stat
 * does not, and the two differ by hundreds of kB (measured on every
 * process of the 6.18 bench VM). Together these files cost about 3 ms a
 * refresh for 95 processes (tests/test_owners checks that each change is
 * seen). */
static int read_process(int rootfd, int32_t pid, uint32_t index, struct sk_process *p,
			sk_fdrefvec *fds, struct sk_strtab *strs, struct sk_procfs_stats *st,
			const struct fd_source *src)
{
	char name[16], buf[4096], cmd[SK_CMDLINE_MAX * 4 + 1];
	_Static_assert(sizeof(buf) >= SK_CMDLINE_MAX, "cmdline buffer");
	struct sk_proc_stat pst;
	struct sk_proc_status pstatus;
	int piddir, rc = 0;
	ssize_t n;

	snprintf(name, sizeof(name), "%d", (int)pid);
	piddir = openat(rootfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return scan_fatal(errno) ? -errno : -ENOENT;
	p->pid = pid;
	p->fd_limit = SK_FD_LIMIT_UNLIMITED;
	p->fdrefs_start = (uint32_t)fds->n;
	n = sk_read_at(piddir, "stat", buf, sizeof(buf));
	if (n < 0 && scan_fatal((int)-n)) {
		rc = (int)n;
		goto out;
	}
	if (n <= 0 || sk_parse_proc_stat(buf, (size_t)n, &pst) != 0) {
		rc = -ENOENT; /* gone (or never a process): skipped */
		goto out;
	}
	memcpy(p->comm, pst.comm, sizeof(p->comm));
	p->starttime = pst.starttime;
	n = sk_read_at(piddir, "status", buf, sizeof(buf));
	if (n > 0 &&
	    sk_parse_proc_status(buf, whole_lines(buf, (size_t)n, sizeof(buf)), &pstatus) == 0) {
		p->uid = pstatus.uid;
		p->rss_kb = pstatus.rss_kb;
	}
	n = sk_read_at(piddir, "limits", buf, sizeof(buf));
	if (n > 0)
		sk_parse_proc_limits_nofile(buf, whole_lines(buf, (size_t)n, sizeof(buf)),
					    &p->fd_limit);
	p->netns = ns_inode_at(piddir, "ns/net", "net");
	if (pst.flags & SK_PF_KTHREAD) {
		/* No cmdline, no fd table: nothing to read, and nothing an
		 * unprivileged reader should be told it was denied. */
		p->flags |= SK_PROC_KERNEL;
		goto out;
	}
	n = sk_read_at(piddir, "cmdline", buf, SK_CMDLINE_MAX);
	if (n > 0) {
		size_t len = sk_format_cmdline(buf, (size_t)n, cmd, sizeof(cmd));

		p->cmdline = sk_strtab_add(strs, cmd, len, &rc);
		if (rc)
			goto out;
	}
	if (pst.state == 'Z' || pst.state == 'X') {
		/* Dead: the fd table is already released (a zombie leader's
		 * listing is empty even for root), so there is nothing to be
		 * denied either. */
		goto out;
	}
	rc = src->rows ? fds_from_rows(src->rows, index, p, fds, st) : -ENODATA;
	if (rc == -ENODATA)
		rc = scan_fds(piddir, index, p, fds, st, src->cache);
	if (rc == -EACCES || rc == -EPERM) {
		p->flags |= SK_PROC_FD_DENIED;
		st->fd_denied++;
		rc = 0;
	} else if (rc && !scan_fatal(-rc)) {
		rc = -ENOENT;
	}
	if (!rc && n == 0 && p->fd_count == 0 && !(p->flags & SK_PROC_FD_DENIED))
		p->flags |= SK_PROC_KERNEL; /* the stat flags missed it: no mm, no files */
out:
	close(piddir);
	if (!rc)
		st->fds += p->fd_count;
	return rc;
}

int sk_procfs_scan(const char *proc_root, sk_procvec *procs, sk_fdrefvec *fds,
		   struct sk_strtab *strs, struct sk_procfs_stats *stats, struct sk_error *err)
{
	return sk_procfs_scan_cached(proc_root, NULL, procs, fds, strs, stats, err);
}

static int scan_from(const char *proc_root, const struct fd_source *src, sk_procvec *procs,
		     sk_fdrefvec *fds, struct sk_strtab *strs, struct sk_procfs_stats *stats,
		     struct sk_error *err);

int sk_procfs_scan_cached(const char *proc_root, struct sk_procfs_cache *cache,
			  sk_procvec *procs, sk_fdrefvec *fds, struct sk_strtab *strs,
			  struct sk_procfs_stats *stats, struct sk_error *err)
{
	const struct fd_source src = {cache, NULL};

	return scan_from(proc_root, &src, procs, fds, strs, stats, err);
}

int sk_procfs_scan_rows(const char *proc_root, const sk_fdrowvec *rows, sk_procvec *procs,
			sk_fdrefvec *fds, struct sk_strtab *strs, struct sk_procfs_stats *stats,
			struct sk_error *err)
{
	const struct fd_source src = {NULL, rows};

	return scan_from(proc_root, &src, procs, fds, strs, stats, err);
}

static int scan_from(const char *proc_root, const struct fd_source *src, sk_procvec *procs,
		     sk_fdrefvec *fds, struct sk_strtab *strs, struct sk_procfs_stats *stats,
		     struct sk_error *err)
{
	struct sk_procfs_cache *cache = src->cache;
	int rootfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (rootfd < 0)
		return sk_error_set(err, errno, "cannot open %s: %s", proc_root, strerror(errno));
	if (cache)
		cache->next.procs.n = cache->next.fds.n = 0; /* an aborted scan's leftovers */
	/* One fd: readdir moves its offset, openat relative to it does not. */
	d = fdopendir(rootfd);
	if (!d) {
		rc = errno;
		close(rootfd);
		return sk_error_set(err, rc, "cannot list %s: %s", proc_root, strerror(rc));
	}
	for (;;) {
		int32_t pid;
		size_t procs_before = procs->n, fds_before = fds->n, strs_before = strs->len;
		struct sk_process *p;

		errno = 0;
		e = readdir(d);
		if (!e) {
			rc = -errno; /* a listing cut short must not pass for a complete one */
			break;
		}
		if (!is_number(e->d_name, &pid) || pid == 0)
			continue;
		p = SK_VEC_PUSH(procs);
		rc = p ? read_process(rootfd, pid, (uint32_t)procs_before, p, fds, strs, stats, src)
		       : -ENOMEM;
		if (rc == 0) {
			stats->processes++;
			continue;
		}
		/* Gone mid-scan: as if it had never been listed. */
		procs->n = procs_before;
		fds->n = fds_before;
		strs->len = strs_before;
		if (rc != -ENOENT)
			break;
		stats->vanished++;
	}
	closedir(d);
	if (rc) {
		if (cache)
			cache->next.procs.n = cache->next.fds.n = 0;
		return sk_error_set(err, -rc, "scanning %s: %s", proc_root, strerror(-rc));
	}
	if (cache)
		cache_swap(cache);
	return 0;
}
