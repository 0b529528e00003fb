/* tcp_max_orphans and tcp_mem bound the whole machine, but their sysctl
 * files exist only in the initial network namespace, and a file under
 * /proc/sys/net answers for the namespace of whoever opens it. Run inside a
 * container namespace, sktop enters PID 1's (or kthreadd's) to open them,
 * and comes back. */
#include <config.h>

#include "collect/sysinfo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/readfile.h"

const char *const sk_limits_from_names[SK_LIMITS_LAST] = {SK_LIMITS_FROMS(SK_XNAME)};

#define SK_LIMITS_TEXT(id, name, text) [id] = text,
const char *const sk_limits_from_text[SK_LIMITS_LAST] = {SK_LIMITS_FROMS(SK_LIMITS_TEXT)};

static int read_limit(int rootfd, const char *path, int64_t *out, int n)
{
	char buf[256];
	ssize_t len = sk_read_at(rootfd, path, buf, sizeof(buf));

	if (len < 0 || sk_parse_ints(buf, (size_t)len, out, n) != n) {
		for (int i = 0; i < n; i++)
			out[i] = SK_UNKNOWN;
		return -1;
	}
	return 0;
}

/* Opens the two files in the namespace behind nsfd; the thread is back
 * in its own (ownfd) before this returns, or the refresh must fail. */
static int read_in(const char *proc_root, int nsfd, int ownfd, struct sk_limits *l, bool *read)
{
	int rootfd, rc = 0;

	if (setns(nsfd, CLONE_NEWNET) < 0)
		return 1;
	rootfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	*read = rootfd >= 0 &&
		read_limit(rootfd, "sys/net/ipv4/tcp_max_orphans", &l->tcp_max_orphans, 1) == 0 &&
		read_limit(rootfd, "sys/net/ipv4/tcp_mem", l->tcp_mem, 3) == 0;
	if (rootfd >= 0)
		close(rootfd);
	if (setns(ownfd, CLONE_NEWNET) < 0)
		rc = -errno;
	return rc;
}

static int open_ns(const char *proc_root, const char *who, struct stat *st)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s/ns/net", proc_root, who);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && fstat(fd, st) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int sk_sysinfo_machine_limits(const char *proc_root, struct sk_system *sys)
{
	struct sk_limits *l = &sys->limits;
	struct stat init_st, own_st;
	int initfd, ownfd, rc;
	bool read = false;

	if (l->tcp_max_orphans != SK_UNKNOWN && l->tcp_mem[1] != SK_UNKNOWN) {
		sys->limits_from = SK_LIMITS_HERE;
		return 0;
	}
	if (geteuid() != 0) {
		sys->limits_from = SK_LIMITS_NOT_ROOT;
		return 0;
	}
	/* PID 1 may refuse even root (a sandbox's init); kthreadd, PID 2 in the
	 * initial pid namespace, lives in the initial namespaces like every
	 * kernel thread. Elsewhere the files' absence tells. */
	initfd = open_ns(proc_root, "1", &init_st);
	if (initfd < 0)
		initfd = open_ns(proc_root, "2", &init_st);
	ownfd = open_ns(proc_root, "thread-self", &own_st);
	if (initfd < 0 || ownfd < 0) {
		sys->limits_from = SK_LIMITS_NOT_READ;
		rc = 0;
	} else if (init_st.st_ino == own_st.st_ino && init_st.st_dev == own_st.st_dev) {
		sys->limits_from = SK_LIMITS_SAME_NETNS;
		rc = 0;
	} else {
		rc = read_in(proc_root, initfd, ownfd, l, &read);
		sys->limits_from = rc == 1 ? SK_LIMITS_SETNS_FAILED
				   : read ? SK_LIMITS_INITIAL_NETNS : SK_LIMITS_NOT_READ;
		if (rc == 1)
			rc = 0;
	}
	if (initfd >= 0)
		close(initfd);
	if (ownfd >= 0)
		close(ownfd);
	return rc;
}
