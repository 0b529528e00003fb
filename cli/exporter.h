/* sktop --exporter: Prometheus metrics over HTTP (libmicrohttpd), and
 * sktop -b --textfile. The refresh loop owns the engine; a scrape only takes
 * a reference to the last rendered text, so it never triggers a dump and a
 * scrape storm costs the refreshes nothing. */
#ifndef SKTOP_EXPORTER_H
#define SKTOP_EXPORTER_H

#include "util/error.h"
#include "options.h"

/* Runs --exporter until SIGINT or SIGTERM. */
int sk_exporter_run(const struct sk_options *o, struct sk_error *err);

/* Runs -b --textfile: each refresh's metrics replace the file atomically. */
int sk_textfile_run(const struct sk_options *o, struct sk_error *err);

#endif
