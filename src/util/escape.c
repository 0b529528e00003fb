#include <config.h>

#include "util/escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t sk_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if (c >= 0xC2 && c <= 0xDF) {
		n = 2, v = c & 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3, v = c & 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return n;
}

bool sk_unsafe_codepoint(uint32_t cp)
{
	return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) ||
	       (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

static size_t escape(const char *in, size_t len, char *out, size_t outsize, bool keep_backslash)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (outsize == 0)
		return 0;
	while (i < len) {
		uint32_t cp = 0;
		size_t n = sk_utf8_decode(s + i, len - i, &cp);
		char tmp[4 * 4 + 1];
		size_t tlen;

		if (n == 1 && cp == '\\') {
			memcpy(tmp, "\\\\", 2);
			tlen = keep_backslash ? 1 : 2;
		} else if (n == 0 || sk_unsafe_codepoint(cp)) {
			/* Escape every byte of the offending sequence (one byte when
			 * invalid), so nothing of it reaches the output raw. */
			size_t m = n ? n : 1;

			tlen = 0;
			for (size_t k = 0; k < m; k++)
				tlen += (size_t)snprintf(tmp + tlen, sizeof(tmp) - tlen, "\\x%02x",
							 s[i + k]);
			n = m;
		} else {
			memcpy(tmp, s + i, n);
			tlen = n;
		}
		if (o + tlen + 1 > outsize)
			break;
		memcpy(out + o, tmp, tlen);
		o += tlen;
		i += n;
	}
	out[o] = '\0';
	return o;
}

size_t sk_escape(const char *in, size_t len, char *out, size_t outsize)
{
	return escape(in, len, out, outsize, false);
}

size_t sk_escape_again(const char *in, size_t len, char *out, size_t outsize)
{
	return escape(in, len, out, outsize, true);
}
