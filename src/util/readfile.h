/* Reading the small files of /proc: bounded, read() into the caller's
 * buffer, no stdio, relative to a directory fd so fixture trees work. */
#ifndef SKTOP_READFILE_H
#define SKTOP_READFILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads at most size bytes of dirfd/name into buf. Returns the bytes read
 * (a file larger than size is cut), or -errno. */
ssize_t sk_read_at(int dirfd, const char *name, char *buf, size_t size);

#endif
