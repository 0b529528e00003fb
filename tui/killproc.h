/* F9: the signals the menu offers, and sending one to the process the
 * operator picked, not to whatever took its pid since the snapshot. */
#ifndef SKTOP_TUI_KILLPROC_H
#define SKTOP_TUI_KILLPROC_H

#include <stddef.h>
#include <stdint.h>

struct sk_signal_def {
	int sig;
	const char *name;  /* "SIGTERM" */
	const char *help;
};
extern const struct sk_signal_def sk_signals[];
extern const size_t sk_nsignals;
extern const size_t sk_signal_default; /* index of SIGTERM */

/* How the UI sends a signal (a fake in the tests). Returns 0 or -errno. */
typedef int (*sk_signal_fn)(int32_t pid, uint64_t starttime, int sig);

/* Sends sig to pid if it is still the process started at `starttime`
 * (stat field 22), through a pidfd so that the pid cannot be reused between
 * the check and the signal. -ESRCH when it has gone or been replaced. */
int sk_killproc_send(int32_t pid, uint64_t starttime, int sig);

#endif
