/* Untrusted bytes (process names, cmdlines, unix socket paths) become
 * printable text here, once, before they are stored: control characters,
 * DEL, backslash and invalid or overlong UTF-8 turn into \xNN / \\, valid
 * UTF-8 passes through. Everything downstream (terminal, text file, JSON)
 * can then trust that a stored string holds no escape sequence. */
#ifndef SKTOP_ESCAPE_H
#define SKTOP_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Writes the escaped form of in[0..len) into out (always NUL-terminated when
 * outsize > 0), truncating on a character boundary. Returns the length
 * written. */
size_t sk_escape(const char *in, size_t len, char *out, size_t outsize);

/* The same for a string that was escaped when it was stored and comes back
 * from a file (a replayed snapshot): a backslash passes through, since
 * escaping it twice would show "\\x1b" where the live view showed "\x1b".
 * A backslash is printable, so this opens no way to the terminal. */
size_t sk_escape_again(const char *in, size_t len, char *out, size_t outsize);

/* Length of the shortest-form UTF-8 sequence at s (1..4) with its scalar
 * value in *cp, or 0 when the bytes are not valid UTF-8. */
size_t sk_utf8_decode(const unsigned char *s, size_t avail, uint32_t *cp);

/* Code points a terminal acts on rather than shows: C0/C1 controls, DEL,
 * and the bidirectional overrides that can make a name read backwards. */
bool sk_unsafe_codepoint(uint32_t cp);

#endif
