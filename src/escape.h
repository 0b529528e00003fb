/* Untrusted bytes (process names, cmdlines, unix socket paths) become
 * printable text here, once, before they are stored: control characters,
 * DEL, backslash and invalid or overlong UTF-8 turn into \xNN / \\, valid
 * UTF-8 passes through. Everything downstream (terminal, text file, JSON)
 * can then trust that a stored string holds no escape sequence. */
#ifndef SKTOP_ESCAPE_H
#define SKTOP_ESCAPE_H

#include <stddef.h>

/* Writes the escaped form of in[0..len) into out (always NUL-terminated when
 * outsize > 0), truncating on a character boundary. Returns the length
 * written. */
size_t sk_escape(const char *in, size_t len, char *out, size_t outsize);

#endif
