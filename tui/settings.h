/* sktoprc: what F2 changes and a restart keeps. One `key = value` per line,
 * '#' comments, unknown keys skipped (a newer sktop's file still loads in
 * an older one). The file is untrusted: a malformed one is refused whole
 * with one line naming the line number, and the TUI starts on defaults.
 * Pure parsing and formatting; load and save do the file I/O. */
#ifndef SKTOP_TUI_SETTINGS_H
#define SKTOP_TUI_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define SK_SETTINGS_FILE_MAX 65536 /* far above any real file; bounds the read */
#define SK_SETTINGS_COLS 32

/* One column list: the shown columns in order, as indices into a name
 * table the caller gives (the TUI's column enum). n == 0: the default. */
struct sk_colset {
	uint8_t col[SK_SETTINGS_COLS];
	uint8_t n;
};

/* Names the parser may accept for the enumerated settings. */
struct sk_settings_names {
	const char *const *sorts;  /* sort key names, nsorts of them */
	size_t nsorts;
	const char *const *panes;
	size_t npanes;
	const char *const *pcols;  /* process pane column names */
	size_t npcols;
};

/* Every field has an "unset" value, so a file that sets only one thing
 * changes only that thing. */
struct sk_settings {
	double delay;        /* seconds; 0: unset */
	int sort;            /* index into names.sorts; -1 unset */
	int sort_invert;     /* 0, 1; -1 unset */
	int pane;            /* index into names.panes; -1 unset */
	int color;           /* 0, 1; -1 unset */
	int unicode;         /* 0, 1; -1 unset */
	struct sk_colset pcols;
};

void sk_settings_init(struct sk_settings *s);
bool sk_settings_equal(const struct sk_settings *a, const struct sk_settings *b);

/* Parses buf (not NUL-terminated; a UTF-8 BOM is skipped). On error
 * returns -EINVAL, leaves *s as it was, and sets err to "line N: ...". */
int sk_settings_parse(const char *buf, size_t len, const struct sk_settings_names *names,
		      struct sk_settings *s, struct sk_error *err);

/* Writes the file's text (set fields only). Returns the length it needed,
 * like snprintf. */
size_t sk_settings_format(const struct sk_settings *s, const struct sk_settings_names *names,
			  char *buf, size_t size);

/* $XDG_CONFIG_HOME/sktop/sktoprc, else $HOME/.config/sktop/sktoprc.
 * Returns -ENOENT when neither variable is usable (no file then). */
int sk_settings_path(char *buf, size_t size);

/* Reads path into *s. A missing file is 0 with *s untouched; an
 * unreadable, oversized or malformed one is an error with one line. */
int sk_settings_load(const char *path, const struct sk_settings_names *names,
		     struct sk_settings *s, struct sk_error *err);

/* Replaces path atomically (a temp file in its directory, written and
 * synced, then renamed over it; created 0600 with O_EXCL|O_NOFOLLOW), and
 * makes the sktop directory (0700) if it is missing. */
int sk_settings_save(const char *path, const struct sk_settings *s,
		     const struct sk_settings_names *names, struct sk_error *err);

#endif
