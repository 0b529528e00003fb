#include <config.h>

#include "export/textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Opens a fresh temp name in dirfd; a name taken by a stale file or an
 * attacker's link is skipped, never opened. */
static int open_temp(int dirfd, const char *base, char *tmp, size_t size)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	for (unsigned i = 0; i < 100; i++) {
		snprintf(tmp, size, ".%s.tmp-%ld-%lx%u", base, (long)getpid(), (unsigned long)ts.tv_nsec,
			 i);
		int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

		if (fd >= 0 || errno != EEXIST)
			return fd >= 0 ? fd : -errno;
	}
	return -EEXIST;
}

int sk_textfile_write(const char *path, const char *data, size_t len, struct sk_error *err)
{
	char dir[PATH_MAX], tmp[NAME_MAX + 1];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	int dirfd, fd, rc;

	if (!base[0] || strlen(path) >= sizeof(dir) || strlen(base) > NAME_MAX - 32)
		return sk_error_set(err, EINVAL, "--textfile: '%s' is not a file name", path);
	if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else if (slash)
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof(dir), ".");
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return sk_error_set(err, errno, "--textfile: cannot open directory %s: %s", dir,
				    strerror(errno));
	fd = open_temp(dirfd, base, tmp, sizeof(tmp));
	if (fd < 0) {
		close(dirfd);
		return sk_error_set(err, -fd, "--textfile: cannot create a temp file in %s: %s", dir,
				    strerror(-fd));
	}
	rc = write_all(fd, data, len);
	/* fchmod, not the open mode: the umask must not hide it from node_exporter. */
	if (rc == 0 && fchmod(fd, 0644) < 0)
		rc = -errno;
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc == 0 && renameat(dirfd, tmp, dirfd, base) < 0)
		rc = -errno;
	if (rc) {
		unlinkat(dirfd, tmp, 0);
		close(dirfd);
		return sk_error_set(err, -rc, "--textfile: cannot write %s: %s", path, strerror(-rc));
	}
	close(dirfd);
	return 0;
}
