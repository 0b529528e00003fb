#include <config.h>

#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

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

/* Lists PID/fd: counts every fd, keeps the socket ones. Returns 0, or
 * -errno (ENOENT: the process is gone; EACCES: not ours to see). */
static int scan_fds(int piddir, uint32_t proc, struct sk_process *p, sk_fdrefvec *fds,
		    struct sk_procfs_stats *st)
{
	int fd = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		int rc = -errno;

		close(fd);
		return rc;
	}
	p->fdrefs_start = (uint32_t)fds->n;
	while ((e = readdir(d))) {
		char link[64];
		int32_t num;
		uint64_t inode;

		if (!is_pid(e->d_name, &num) && strcmp(e->d_name, "0") != 0)
			continue;
		if (strcmp(e->d_name, "0") == 0)
			num = 0;
		p->fd_count++;
		ssize_t n = readlinkat(dirfd(d), e->d_name, link, sizeof(link));

		if (n < 0 && (errno == EACCES || errno == EPERM)) {
			/* Listing allowed, reading not (e.g. a protected init): the
			 * snapshot must say it could not see this process's sockets. */
			closedir(d);
			fds->n = p->fdrefs_start;
			return -EACCES;
		}
		if (n <= 0 || (size_t)n >= sizeof(link))
			continue; /* closed meanwhile, or not a socket link anyway */
		if (sk_parse_socket_link(link, (size_t)n, &inode) != 0)
			continue;
		struct sk_fdref *ref = SK_VEC_PUSH(fds);

		if (!ref) {
			closedir(d);
			return -ENOMEM;
		}
		ref->inode = inode;
		ref->fd = num;
		ref->proc = proc;
		ref->sock = SK_NONE;
	}
	closedir(d);
	p->fdrefs_count = (uint32_t)(fds->n - p->fdrefs_start);
	st->fds += p->fd_count;
	return 0;
}

/* Reads one process. Returns 0, -ENOENT when it vanished (caller rolls
 * back), -ENOMEM. */
static int read_process(int rootfd, int32_t pid, uint32_t index, struct sk_process *p,
			sk_fdrefvec *fds, struct sk_strtab *strs, struct sk_procfs_stats *st)
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
	rc = scan_fds(piddir, index, p, fds, st);
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
		int rc = read_process(rootfd, pid, (uint32_t)(procs->n - 1), p, fds, strs, stats);

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
	return 0;
}
