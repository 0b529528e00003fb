/* One screen line as text plus colour spans, built without ncurses.
 *
 * Every pane renders into sk_line; draw.c blits lines onto windows and the
 * snapshot key prints the same lines to a text file, so the file shows
 * exactly what the screen shows. Appending is where untrusted text is made
 * safe a second time (the engine escaped it already): control characters
 * and invalid UTF-8 become '?', non-ASCII becomes '?' on ASCII terminals,
 * and widths are counted in terminal columns (wcwidth) so wide characters
 * never push a row past the edge. */
#ifndef SKTOP_TUI_LINE_H
#define SKTOP_TUI_LINE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_LINE_COLS_MAX 1024                  /* wider terminals are clipped */
#define SK_LINE_BYTES (SK_LINE_COLS_MAX * 4 + 1)
#define SK_LINE_SPANS 48

enum sk_align { SK_ALIGN_LEFT, SK_ALIGN_RIGHT };

struct sk_span {
	uint16_t start, len; /* bytes in buf */
	uint8_t color;       /* enum sk_color (colors.h) */
};

struct sk_line {
	char buf[SK_LINE_BYTES];
	size_t len;           /* bytes */
	int cols;             /* columns used */
	int max;              /* columns available */
	bool ascii;           /* only ASCII may be emitted */
	struct sk_span spans[SK_LINE_SPANS];
	int nspans;
};

void sk_line_init(struct sk_line *l, int max_cols, bool ascii);

/* Appends as much of text as fits; returns the columns written. */
int sk_line_add(struct sk_line *l, uint8_t color, const char *text);
int sk_line_addf(struct sk_line *l, uint8_t color, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends text in a field of exactly `width` columns (or what is left of
 * the line): padded on the side opposite to `align`, clipped with a marker
 * ('~' on ASCII terminals, an ellipsis elsewhere) when too long. */
void sk_line_field(struct sk_line *l, uint8_t color, const char *text, int width,
		   enum sk_align align);

/* Pads with spaces to column `col` (or the end of the line). */
void sk_line_pad_to(struct sk_line *l, uint8_t color, int col);

/* Columns `text` takes on screen after sanitising (no clipping). */
int sk_text_width(const char *text, bool ascii);

/* Bytes of text that fit in max_cols columns (for wrapping). */
size_t sk_text_prefix(const char *text, int max_cols);

/* Copies text into out (NUL-terminated), sanitised as sk_line_add does and
 * clipped to max_cols columns. Returns the columns used. For text files
 * and prompts that are not drawn through a line. */
int sk_text_clip(const char *text, bool ascii, int max_cols, char *out, size_t outsize);

#endif
