/* --check: one snapshot judged the way Nagios, Icinga and Sensu read a
 * plugin: one line of text (with performance data after '|') and the exit
 * status 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN. Pure: the caller runs the
 * refresh and prints. */
#ifndef SKTOP_CHECK_H
#define SKTOP_CHECK_H

#include <stddef.h>
#include <stdio.h>

#include "analyse/findings.h"
#include "model/snapshot.h"

enum sk_check_status {
	SK_CHECK_OK = 0,
	SK_CHECK_WARNING = 1,
	SK_CHECK_CRITICAL = 2,
	SK_CHECK_UNKNOWN = 3,
};

/* The status a snapshot and its findings earn. A finding decides whatever
 * the view; with none, a blind view (not root, or a namespace not dumped)
 * is UNKNOWN, not OK: "no leak" is a claim sktop cannot make about sockets
 * it could not see. */
enum sk_check_status sk_check_status(const struct sk_snapshot *s, const struct sk_findings *f);

/* Writes the plugin's line (no newline) into buf, cut to size. Returns the
 * status. s == NULL means the refresh failed: UNKNOWN with `error`. */
enum sk_check_status sk_check_format(const struct sk_snapshot *s, const struct sk_findings *f,
				     const char *error, char *buf, size_t size);

struct sk_options;

/* Runs --check: -n refreshes (at least one) -d apart, prints the line of the
 * last on out, and returns the status as the process's exit code. Every
 * failure is UNKNOWN with its reason on the line: a monitor reads stdout
 * and the exit code, never stderr. */
int sk_check_run(const struct sk_options *o, FILE *out);

#endif
