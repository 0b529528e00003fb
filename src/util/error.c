#include <config.h>

#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
{
	if (code < 0)
		code = -code;
	if (err) {
		va_list ap;

		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		/* The message is shown as one line: cut at the first newline. */
		err->msg[strcspn(err->msg, "\r\n")] = '\0';
	}
	return -code;
}

void sk_error_clear(struct sk_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
