#include <config.h>

#include "store/snapfile.h"
#include "util/escape.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

static void release(struct sk_snapfile *sf, bool unlink_tmp)
{
	if (sf->f) {
		fclose(sf->f);
		sf->f = NULL;
	}
	if (sf->dirfd >= 0) {
		if (unlink_tmp && sf->tmpname[0])
			unlinkat(sf->dirfd, sf->tmpname, 0);
		close(sf->dirfd);
		sf->dirfd = -1;
	}
	sf->tmpname[0] = '\0';
}

/* A path in a message goes to a terminal: the bytes a person typed or a
 * directory holds must not be able to drive it. */
static const char *shown(const char *s, char *buf, size_t size)
{
	sk_escape(s, strlen(s), buf, size);
	return buf;
}

int sk_snapfile_create(struct sk_snapfile *sf, const char *dir, const char *name,
		       struct sk_error *err)
{
	char d[256], n[256];
	int fd = -1, rc;

	memset(sf, 0, sizeof(*sf));
	sf->dirfd = -1;
	if (!name[0] || strchr(name, '/') || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return sk_error_set(err, EINVAL, "invalid snapshot file name '%s'",
				    shown(name, n, sizeof(n)));
	if ((size_t)snprintf(sf->path, sizeof(sf->path), "%s/%s", dir, name) >= sizeof(sf->path))
		return sk_error_set(err, ENAMETOOLONG, "snapshot path too long: %s/%s",
				    shown(dir, d, sizeof(d)), shown(name, n, sizeof(n)));
	shown(sf->path, sf->shown, sizeof(sf->shown));

	sf->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sf->dirfd < 0)
		return sk_error_set(err, errno, "cannot open directory %s: %s",
				    shown(dir, d, sizeof(d)), strerror(errno));
	if (faccessat(sf->dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		release(sf, false);
		return sk_error_set(err, EEXIST, "%s already exists: not overwriting it", sf->shown);
	}
	/* An unpredictable temp name: another user who can write the directory
	 * must not be able to plant it in advance (O_EXCL refuses it anyway). */
	for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
		uint64_t r = 0;

		if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
			r = ((uint64_t)getpid() << 32) ^ (uint64_t)time(NULL) ^ (uint64_t)attempt;
		snprintf(sf->tmpname, sizeof(sf->tmpname), ".sktop-%016llx.tmp",
			 (unsigned long long)r);
		fd = openat(sf->dirfd, sf->tmpname,
			    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		rc = errno;
		sf->tmpname[0] = '\0';
		release(sf, false);
		return sk_error_set(err, rc, "cannot create a file in %s: %s",
				    shown(dir, d, sizeof(d)), strerror(rc));
	}
	/* The umask may have taken bits away; make it exactly 0600. */
	if (fchmod(fd, 0600) < 0 || !(sf->f = fdopen(fd, "w"))) {
		rc = errno;
		close(fd);
		release(sf, true);
		return sk_error_set(err, rc, "cannot prepare %s: %s", sf->shown, strerror(rc));
	}
	return 0;
}

int sk_snapfile_link(struct sk_snapfile *sf, const char *name, struct sk_error *err)
{
	int rc = 0;

	if (!sf->f)
		return sk_error_set(err, EBADF, "snapshot file is not open");
	if (!name[0] || strchr(name, '/'))
		return sk_error_set(err, EINVAL, "invalid snapshot file name");
	if (!sf->synced) {
		if (fflush(sf->f) != 0 || ferror(sf->f))
			rc = errno ? errno : EIO;
		else if (fsync(fileno(sf->f)) < 0)
			rc = errno;
		if (rc)
			return sk_error_set(err, rc, "cannot write %s: %s", sf->shown, strerror(rc));
		sf->synced = true;
	}
	/* link() never replaces an existing name, unlike rename(). */
	if (linkat(sf->dirfd, sf->tmpname, sf->dirfd, name, 0) < 0) {
		rc = errno;
		if (rc == EEXIST)
			return sk_error_set(err, rc, "%s already exists: not overwriting it", sf->shown);
		return sk_error_set(err, rc, "cannot create %s: %s", sf->shown, strerror(rc));
	}
	return 0;
}

int sk_snapfile_unlink(struct sk_snapfile *sf, const char *name)
{
	if (sf->dirfd < 0 || !name[0] || strchr(name, '/'))
		return -EINVAL;
	return unlinkat(sf->dirfd, name, 0) < 0 ? -errno : 0;
}

int sk_snapfile_commit(struct sk_snapfile *sf, struct sk_error *err)
{
	int rc = sf->f ? sk_snapfile_link(sf, strrchr(sf->path, '/') + 1, err)
		       : sk_error_set(err, EBADF, "snapshot file is not open");

	release(sf, true);
	return rc;
}

void sk_snapfile_abort(struct sk_snapfile *sf)
{
	release(sf, true);
}

void sk_snapfile_basename(char *buf, size_t size, const char *host, time_t when)
{
	char clean[64];
	size_t n = 0;
	struct tm tm;
	char stamp[32];

	for (const char *p = host; *p && n + 1 < sizeof(clean); p++) {
		char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '-')
			clean[n++] = c;
	}
	if (n == 0)
		clean[n++] = 'x';
	clean[n] = '\0';
	gmtime_r(&when, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	snprintf(buf, size, "sktop-%s-%s", clean, stamp);
}
