/* Every destroy leaves a line in the system log (LOG_AUTHPRIV, LOG_NOTICE,
 * as "sktop"): where it was asked (the TUI's K, --kill-sockets), what was
 * chosen, how many went, and by whom (uid and login uid, which sudo keeps),
 * so a socket that vanished can be traced to the hand that destroyed it. */
#ifndef SKTOP_AUDIT_H
#define SKTOP_AUDIT_H

#include <stddef.h>

#include "act/killset.h"
#include "engine.h"

/* The line (no newline), for tests and the status line's "logged". rc and
 * error are sk_engine_destroy's. */
void sk_audit_format(const char *face, const char *what, const struct sk_killset *ks,
		     const struct sk_destroy_result *r, int rc, const char *error, char *buf,
		     size_t size);

/* Formats and logs it. */
void sk_audit_destroy(const char *face, const char *what, const struct sk_killset *ks,
		      const struct sk_destroy_result *r, int rc, const char *error);

#endif
