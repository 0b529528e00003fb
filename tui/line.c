#include <config.h>

#include "line.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "util/escape.h"

/* One displayable character from s: its bytes in out, its width. Returns
 * the bytes of input consumed (at least 1). */
static size_t next_char(const char *s, size_t avail, bool ascii, bool at_start, char out[4],
			size_t *outlen, int *width)
{
	uint32_t cp = 0;
	size_t n = sk_utf8_decode((const unsigned char *)s, avail, &cp);
	int w;

	if (n == 0 || sk_unsafe_codepoint(cp) || (ascii && cp >= 0x80)) {
		out[0] = '?';
		*outlen = 1;
		*width = 1;
		/* An invalid byte is replaced alone; a valid but unwanted
		 * character is replaced whole. */
		return n ? n : 1;
	}
	if (cp < 0x80) {
		out[0] = (char)cp;
		*outlen = 1;
		*width = 1;
		return 1;
	}
	w = wcwidth((wchar_t)cp);
	/* Unknown to the locale, or a combining mark with nothing to combine
	 * with: a visible stand-in keeps the columns honest. */
	if (w < 0 || (w == 0 && at_start)) {
		out[0] = '?';
		*outlen = 1;
		*width = 1;
		return n;
	}
	memcpy(out, s, n);
	*outlen = n;
	*width = w;
	return n;
}

void sk_line_init(struct sk_line *l, int max_cols, bool ascii)
{
	if (max_cols > SK_LINE_COLS_MAX)
		max_cols = SK_LINE_COLS_MAX;
	if (max_cols < 0)
		max_cols = 0;
	l->buf[0] = '\0';
	l->len = 0;
	l->cols = 0;
	l->max = max_cols;
	l->ascii = ascii;
	l->nspans = 0;
}

static void span_extend(struct sk_line *l, uint8_t color, size_t start, size_t len)
{
	struct sk_span *last = l->nspans ? &l->spans[l->nspans - 1] : NULL;

	if (len == 0)
		return;
	if (last && last->color == color && (size_t)last->start + last->len == start) {
		last->len = (uint16_t)(last->len + len);
		return;
	}
	if (last && l->nspans == SK_LINE_SPANS) {
		/* Out of spans: the text still shows, in the last span's colour. */
		last->len = (uint16_t)(start + len - last->start);
		return;
	}
	l->spans[l->nspans++] = (struct sk_span){(uint16_t)start, (uint16_t)len, color};
}

/* Appends up to `limit` columns of text (the line's end bounds it too).
 * Sets *clipped when text did not fit whole. */
static int add_limited(struct sk_line *l, uint8_t color, const char *text, int limit,
		       bool *clipped)
{
	size_t start = l->len, i = 0, tlen = strlen(text);
	int used = 0;

	if (clipped)
		*clipped = false;
	if (limit > l->max - l->cols)
		limit = l->max - l->cols;
	while (i < tlen) {
		char ch[4];
		size_t chlen;
		int w;
		size_t n = next_char(text + i, tlen - i, l->ascii, l->cols == 0, ch, &chlen, &w);

		if (used + w > limit || l->len + chlen >= sizeof(l->buf)) {
			if (clipped)
				*clipped = true;
			break;
		}
		memcpy(l->buf + l->len, ch, chlen);
		l->len += chlen;
		l->cols += w;
		used += w;
		i += n;
	}
	l->buf[l->len] = '\0';
	span_extend(l, color, start, l->len - start);
	return used;
}

int sk_line_add(struct sk_line *l, uint8_t color, const char *text)
{
	return add_limited(l, color, text, l->max, NULL);
}

int sk_line_addf(struct sk_line *l, uint8_t color, const char *fmt, ...)
{
	char tmp[SK_LINE_BYTES];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return sk_line_add(l, color, tmp);
}

void sk_line_pad_to(struct sk_line *l, uint8_t color, int col)
{
	size_t start = l->len;

	if (col > l->max)
		col = l->max;
	while (l->cols < col && l->len + 1 < sizeof(l->buf)) {
		l->buf[l->len++] = ' ';
		l->cols++;
	}
	l->buf[l->len] = '\0';
	span_extend(l, color, start, l->len - start);
}

void sk_line_field(struct sk_line *l, uint8_t color, const char *text, int width,
		   enum sk_align align)
{
	int room = l->max - l->cols, w;
	int end;

	if (width > room)
		width = room;
	if (width <= 0)
		return;
	end = l->cols + width;
	w = sk_text_width(text, l->ascii);
	if (w <= width) {
		if (align == SK_ALIGN_RIGHT)
			sk_line_pad_to(l, color, end - w);
		add_limited(l, color, text, width, NULL);
		sk_line_pad_to(l, color, end);
		return;
	}
	/* Too long: keep the start, mark the cut with one column. */
	add_limited(l, color, text, width - 1, NULL);
	sk_line_pad_to(l, color, end - 1);
	add_limited(l, color, l->ascii ? "~" : "\xe2\x80\xa6", 1, NULL);
	sk_line_pad_to(l, color, end);
}

/* Walks text a character at a time as the screen shows it, while it fits
 * in max_cols columns and, with out, in outsize bytes copied there.
 * Returns the bytes of text taken; *cols gets their columns. */
static size_t walk(const char *text, bool ascii, int max_cols, char *out, size_t outsize,
		   int *cols)
{
	size_t i = 0, o = 0, tlen = strlen(text);

	*cols = 0;
	while (i < tlen) {
		char ch[4];
		size_t chlen;
		int w;
		size_t n = next_char(text + i, tlen - i, ascii, *cols == 0, ch, &chlen, &w);

		if (*cols + w > max_cols || (out && o + chlen + 1 > outsize))
			break;
		if (out) {
			memcpy(out + o, ch, chlen);
			o += chlen;
		}
		*cols += w;
		i += n;
	}
	if (out)
		out[o] = '\0';
	return i;
}

int sk_text_width(const char *text, bool ascii)
{
	int cols;

	walk(text, ascii, INT_MAX, NULL, 0, &cols);
	return cols;
}

int sk_text_clip(const char *text, bool ascii, int max_cols, char *out, size_t outsize)
{
	int cols;

	if (outsize == 0)
		return 0;
	walk(text, ascii, max_cols, out, outsize, &cols);
	return cols;
}

size_t sk_text_prefix(const char *text, int max_cols)
{
	int cols;

	return walk(text, false, max_cols, NULL, 0, &cols);
}
