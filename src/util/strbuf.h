/* Text built by a run of printf calls into a caller's fixed buffer: the
 * Nagios line and the settings file both want "write what fits, never
 * overrun, tell me the length it needed" without checking each call. */
#ifndef SKTOP_STRBUF_H
#define SKTOP_STRBUF_H

#include <stddef.h>

struct sk_strbuf {
	char *buf;
	size_t size;
	size_t len; /* the length the text needs, which may pass size */
};

/* Empties buf (when size > 0) and points sb at it. */
void sk_strbuf_init(struct sk_strbuf *sb, char *buf, size_t size);

/* Appends like snprintf: what does not fit is dropped, buf stays
 * NUL-terminated, len still grows by the full length. */
void sk_strbuf_printf(struct sk_strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
