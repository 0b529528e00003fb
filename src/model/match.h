/* The filter language, one for the TUI's `/` and for --kill-sockets: the
 * filter is split at whitespace into terms, and a row matches when every
 * term is found, case-insensitively, somewhere in its text. A socket's
 * text is its display state, protocol, local and peer endpoint (label.h);
 * a process's is its comm, command line, pid and user. A socket row
 * carries the process it is shown with, so "CLOSE_WAIT nginx" selects
 * nginx's CLOSE_WAIT sockets. A term is a substring: "10.0.3.7" also
 * matches 10.0.3.70 (--dry-run shows what a filter selects). */
#ifndef SKTOP_MATCH_H
#define SKTOP_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/snapshot.h"

#define SK_MATCH_TEXT 256
#define SK_MATCH_TERMS (SK_MATCH_TEXT / 2)

/* uid -> user name (or the number) into buf. */
typedef void (*sk_match_user_fn)(void *ctx, uint32_t uid, char *buf, size_t size);

struct sk_match {
	char text[SK_MATCH_TEXT];         /* the terms, each NUL-terminated */
	uint16_t term[SK_MATCH_TERMS];    /* offsets into text */
	unsigned nterms;
	sk_match_user_fn user_name;       /* NULL: users match by number */
	void *user_ctx;
};

/* Splits filter into terms. Returns 0, or -ENAMETOOLONG when it does not
 * fit (the TUI's prompt never gets there). An empty filter matches all. */
int sk_match_compile(struct sk_match *m, const char *filter, sk_match_user_fn user_name,
		     void *user_ctx);

/* A socket shown with process p (NULL: with none). */
bool sk_match_sock_row(const struct sk_match *m, const struct sk_snapshot *s,
		       const struct sk_socket *k, const struct sk_process *p);
/* A socket with any process that holds it, or its likely owner (orphans),
 * or alone when it has neither. */
bool sk_match_socket(const struct sk_match *m, const struct sk_snapshot *s,
		     const struct sk_socket *k);
/* A process by its own text, or with any socket it holds ("10.0.3.7",
 * ":5432"). */
bool sk_match_proc(const struct sk_match *m, const struct sk_snapshot *s,
		   const struct sk_process *p);

#endif
