/* One error channel for the whole engine: a code the caller can branch on and
 * one human line that reaches the user unchanged. */
#ifndef SKTOP_ERROR_H
#define SKTOP_ERROR_H

#include <stddef.h>

#define SK_ERROR_MSG_MAX 256

struct sk_error {
	int code;                   /* positive errno value, 0 = no error */
	char msg[SK_ERROR_MSG_MAX]; /* one line, no trailing newline */
};

/* Records the error and returns -code, so callers can `return sk_error_set(...)`. */
int sk_error_set(struct sk_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

void sk_error_clear(struct sk_error *err);

#endif
