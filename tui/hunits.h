/* Human units for the TUI's narrow columns. Byte counts use the engine's
 * sk_format_bytes (src/units.h) so batch text and the screen agree; these
 * are the shapes only the screen needs: counts that must fit a column, and
 * durations (timers, "last data sent"). */
#ifndef SKTOP_TUI_HUNITS_H
#define SKTOP_TUI_HUNITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* n in at most `width` characters: "812", "12345", then "123k", "1.2M",
 * "45G" (powers of 1000: these are counts, not bytes). Returns buf. */
char *sk_tui_fmt_count(uint64_t n, int width, char *buf, size_t size);

/* A duration in milliseconds, at most 6 characters: "0ms", "850ms", "1.2s",
 * "45s", "12m30s", "2h05m", "3d04h". Returns buf. */
char *sk_tui_fmt_ms(uint64_t ms, char *buf, size_t size);

/* An age (SK_LIFE_AGE_UNKNOWN or any negative: "-") in at most 6
 * characters, rounded down: "5s", "1m02s", "3h10m", "2d04h", "12d"; an
 * estimate is marked, one more: "~1m02s". Returns buf. */
char *sk_tui_fmt_age(int64_t ms, bool estimated, char *buf, size_t size);

/* A rate per minute with its sign, at most 6 characters: "+12", "-3",
 * "+0.5", "+1.2k" (counts); "+48K", "+1.5M" (bytes, powers of 1024);
 * "0" when it rounds to nothing. Returns buf. */
char *sk_tui_fmt_rate(double per_min, bool bytes, char *buf, size_t size);

/* The short forms the screen uses, one per unit, each into a buffer of at
 * least SK_TUI_NUM bytes. Return buf (or a constant string). */
#define SK_TUI_NUM 24
/* Bytes as sk_format_bytes writes them: "1.5K". */
const char *sk_tui_bytes(uint64_t b, char *buf);
/* A count in a column `width` wide (sk_tui_fmt_count). */
const char *sk_tui_count(uint64_t n, int width, char *buf);
/* A count read from the system that may be unknown ("?") or a limit that
 * is none ("max": file-max and friends default to LONG_MAX). */
const char *sk_tui_limit(int64_t v, char *buf);
/* A trend's sample, in bytes or as a count; negative reads as 0. */
const char *sk_tui_amount(int64_t v, bool is_bytes, char *buf);

/* Percentage of value against limit, clamped to 0..999; -1 when unknown. */
int sk_tui_percent(int64_t value, int64_t limit);

#endif
