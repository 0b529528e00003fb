/* Writing files as root without becoming the way in: created in the target
 * directory as a temp file with O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600,
 * written, fsync'd, then linked to the final name without ever replacing an
 * existing file. A failure at any step leaves no file behind. */
#ifndef SKTOP_SNAPFILE_H
#define SKTOP_SNAPFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "util/error.h"

#define SK_SNAPFILE_PATH_MAX 4096

struct sk_snapfile {
	FILE *f;                            /* write here between create and commit */
	int dirfd;
	char tmpname[64];                   /* relative to dirfd */
	char path[SK_SNAPFILE_PATH_MAX];    /* final path, as given */
	char shown[1024];                   /* the same escaped (sk_escape), for messages */
	bool synced;                        /* flushed and fsync'd once */
};

/* Opens a temp file in dir for the final name `name` (a plain file name,
 * no '/'). */
int sk_snapfile_create(struct sk_snapfile *sf, const char *dir, const char *name,
		       struct sk_error *err);

/* Flushes, syncs and gives the file its final name; fails with EEXIST
 * rather than overwrite. Always releases the temp file. */
int sk_snapfile_commit(struct sk_snapfile *sf, struct sk_error *err);

/* Flushes and syncs the temp file (once) and links it as `name` in its
 * directory, keeping the temp file: when the name was taken since create
 * (-EEXIST, nothing changed) the caller may try another. */
int sk_snapfile_link(struct sk_snapfile *sf, const char *name, struct sk_error *err);

/* Removes `name`, linked by sk_snapfile_link, from the file's directory. */
int sk_snapfile_unlink(struct sk_snapfile *sf, const char *name);

/* Discards the temp file. */
void sk_snapfile_abort(struct sk_snapfile *sf);

/* "sktop-HOST-YYYYMMDD-HHMMSS" (UTC) with the host reduced to [A-Za-z0-9.-]. */
void sk_snapfile_basename(char *buf, size_t size, const char *host, time_t when);

#endif
