/* node_exporter's textfile collector reads every *.prom file in its
 * directory whenever it is scraped: a file it reads must never be half
 * written. So the metrics go to a temp file in the same directory (created
 * O_EXCL|O_NOFOLLOW, so a planted symlink or file is refused, and named
 * ".NAME.tmp-*" so the collector ignores it), are synced, made 0644 and
 * renamed over the target in one step. */
#ifndef SKTOP_TEXTFILE_H
#define SKTOP_TEXTFILE_H

#include <stddef.h>

#include "util/error.h"

/* Replaces path with data[0..len) atomically. 0 or -errno (no temp file is
 * left behind). */
int sk_textfile_write(const char *path, const char *data, size_t len, struct sk_error *err);

#endif
