/* The snapshot as JSON (schema 1): one object on one line, the format of
 * `sktop -b --json`, `sktop -w FILE` and the TUI's snapshot key. Names are a
 * contract: add fields, never rename or drop. */
#ifndef SKTOP_JSON_H
#define SKTOP_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include "model/snapshot.h"

#define SK_JSON_SCHEMA 1

/* Writes the snapshot followed by '\n'. Returns 0 or -errno (write error).
 * Snapshot files carry the history rings (for replay and sparklines);
 * batch --json lines carry only the rates derived from them. */
int sk_json_write_snapshot(FILE *f, const struct sk_snapshot *s);

enum sk_json_flags {
	SK_JSON_HISTORY = 1u << 0, /* include the sample rings */
};
int sk_json_write_snapshot_ex(FILE *f, const struct sk_snapshot *s, unsigned flags);

/* Writes s as a JSON string literal (quotes included), escaping per RFC 8259;
 * bytes that are not valid UTF-8 become \u00XX of the byte, so the output is
 * always valid JSON. */
void sk_json_write_string(FILE *f, const char *s);

/* The dump extensions (enum sk_field_need) a snapshot's JSON carries. */
uint32_t sk_json_needs(void);

#endif
