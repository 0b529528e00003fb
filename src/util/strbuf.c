#include <config.h>

#include "util/strbuf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

void sk_strbuf_init(struct sk_strbuf *sb, char *buf, size_t size)
{
	sb->buf = buf;
	sb->size = size;
	sb->len = 0;
	if (size)
		buf[0] = '\0';
}

void sk_strbuf_printf(struct sk_strbuf *sb, const char *fmt, ...)
{
	bool room = sb->len < sb->size;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(room ? sb->buf + sb->len : NULL, room ? sb->size - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb->len += (size_t)n;
}
