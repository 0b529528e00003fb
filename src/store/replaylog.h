/* Travelling through many snapshots (sktop -r LOG): a `--json` log (one
 * snapshot per line, as `sktop -b -d 5 --json > log` writes) or a directory
 * of snapshot files (`-w`, the TUI's `s` key) becomes an index of entries,
 * in file order for a log and by the time inside them for a directory.
 * Only the index (offsets, not the snapshots) is kept: a day of 15 s
 * snapshots at 100k sockets is thousands of lines of tens of MB each, so
 * one snapshot is loaded at a time.
 *
 * The history (trends, GROW/m) of the shown entry is rebuilt from the
 * entries before it, as the engine would have recorded them live: a log
 * line carries no per-process rings. A single-snapshot file keeps its own
 * history, exactly as sk_replay_load gives it.
 *
 * Bad entries are skipped and counted, never fatal: a line or file that
 * does not start like a snapshot is dropped when indexing, one that fails
 * to parse is dropped when it is first loaded (a truncated last line, a
 * line cut by a full disk). Only an index with nothing readable is an
 * error. */
#ifndef SKTOP_REPLAYLOG_H
#define SKTOP_REPLAYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/vec.h"
#include "analyse/history.h"
#include "store/replay.h"

/* More entries than this (a directory of a million files) is refused
 * rather than indexed without bound. */
#define SK_REPLAYLOG_MAX_ENTRIES ((size_t)1 << 22)

struct sk_replaylog_entry {
	uint64_t off, len;  /* a log's line: its bytes; len 0: the whole file */
	char *name;         /* a directory's file name; NULL for a log's line */
	uint64_t line;      /* a log's line number, from 1 */
	int64_t time;       /* the snapshot's "time", seconds since the epoch */
};

struct sk_replaylog {
	char *path;
	bool is_dir;
	bool single;        /* one document: shown with its own history */
	SK_VEC(struct sk_replaylog_entry) entries;
	size_t skipped;     /* unreadable lines or files found so far */
	size_t skipped_tail; /* bytes of an incomplete last line among them, 0: none */
	size_t pos;         /* the entry in cur */
	struct sk_replay cur;
	/* Per entry, what the history needs of it (processes, system
	 * figures), kept only for the entries in the shown one's window. */
	struct sk_snapshot **samples;
	struct sk_history hist;
};

/* Indexes path (a log, a snapshot file or a directory) and loads the last
 * entry. log must stay where it is (cur points into itself). Returns 0,
 * or -errno with one line in err: nothing readable, an unreadable path;
 * on failure log is freed. */
int sk_replaylog_open(const char *path, struct sk_replaylog *log, struct sk_error *err);

/* Shows entry i (clamped to the index), with its history rebuilt. An entry
 * that turns out unreadable is dropped (skipped grows) and its neighbour
 * in the direction of travel shown instead. -errno only when nothing
 * readable is left or memory ran out; the shown entry then stays. */
int sk_replaylog_seek(struct sk_replaylog *log, size_t i, struct sk_error *err);

/* seek(pos + delta), clamped at both ends. */
int sk_replaylog_step(struct sk_replaylog *log, long delta, struct sk_error *err);

static inline size_t sk_replaylog_count(const struct sk_replaylog *log)
{
	return log->entries.n;
}

void sk_replaylog_free(struct sk_replaylog *log);

/* What was skipped, as one line for stderr or the status line ("skipped
 * 2 unreadable lines", "skipped its incomplete last line (300 bytes)");
 * "" when nothing was. */
void sk_replaylog_skipped_text(const struct sk_replaylog *log, char *buf, size_t size);

/* The file and the loading behind entry i, for a message ("log:12"). */
void sk_replaylog_entry_name(const struct sk_replaylog *log, size_t i, char *buf, size_t size);

/* Internals shared by replaylog.c (the index) and replaytrail.c (the
 * history); not for frontends. */
int sk_replaylog_load_entry(struct sk_replaylog *log, size_t i, struct sk_replay *r,
			    struct sk_error *err);
void sk_replaylog_drop(struct sk_replaylog *log, size_t i);
int sk_replaylog_rebuild_history(struct sk_replaylog *log, struct sk_error *err);
void sk_replaylog_samples_free(struct sk_replaylog *log);

#endif
