/* Reading a saved snapshot back (sktop -r FILE): the JSON that json.c
 * writes (schema 1) becomes the same snapshot, findings and history the
 * frontends would have had live, so every view works on it unchanged.
 *
 * The file is untrusted: every field is checked for type and range, names
 * must be known, cross references (fds to pids, findings to sockets) must
 * resolve, and strings are escaped again before they can reach a terminal.
 * A file with several JSON lines (sktop -b --json) yields its last complete
 * line. Fields the writer does not emit (fds of sockets no dump reported,
 * the V6ONLY flag, ifindex, ...) read back as zero; a finding keeps only
 * the supporting sockets listed in the file (the writer lists 64 at most). */
#ifndef SKTOP_REPLAY_H
#define SKTOP_REPLAY_H

#include <stddef.h>

#include "util/error.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "model/snapshot.h"

#define SK_REPLAY_MAX_FILE ((size_t)2 << 30) /* 2 GiB */

/* snap.findings and snap.history point into the struct itself: keep it
 * where it was loaded (do not copy it by value). */
struct sk_replay {
	struct sk_snapshot snap;
	struct sk_findings findings;
	struct sk_history history;
	/* A --json log whose last line is incomplete (cut, or still being
	 * written): its length in bytes. The line before it is the one shown;
	 * the caller tells the user. 0 otherwise. */
	size_t skipped_tail;
};

/* Loads path (a regular file, symlinks followed, at most
 * SK_REPLAY_MAX_FILE bytes). Returns 0, or -errno with a one-line message
 * naming the file and the field ("snap.json: sockets[12].state: unknown
 * state 'FOO'"); on failure *r is left zeroed, and sk_replay_free on it is
 * harmless. */
int sk_replay_load(const char *path, struct sk_replay *r, struct sk_error *err);

/* The same from a buffer; `name` only labels messages. For tests and the
 * fuzzer. */
int sk_replay_parse(const char *buf, size_t len, const char *name, struct sk_replay *r,
		    struct sk_error *err);

void sk_replay_free(struct sk_replay *r);

#endif
