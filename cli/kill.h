/* --kill-sockets FILTER [--dry-run]: destroy, from a script or a shell, the
 * sockets the TUI's filter language selects, with the same confirmation
 * facts the TUI's K shows (one line per socket, a summary) and the same
 * line in the system log. */
#ifndef SKTOP_KILL_H
#define SKTOP_KILL_H

#include <stdio.h>

#include "options.h"

/* Takes one snapshot, destroys (or with --dry-run lists) what the filter
 * selects. Returns the exit status: 0 when every selected socket went, 1
 * otherwise (nothing selected, refused, a failure), with the reason on err_out. */
int sk_kill_run(const struct sk_options *o, FILE *out, FILE *err_out);

#endif
