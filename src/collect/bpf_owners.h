/* Owners from the kernel: a BPF task_file iterator lists every fd of every
 * process in one read, in place of a readlink per fd under /proc.
 *
 * Loading needs root (or CAP_BPF and CAP_PERFMON), kernel BTF and a kernel
 * with task_file iterators (5.8); when any is missing, open fails with one
 * line saying which and the engine keeps the /proc walk. Nothing is pinned:
 * the program and its link go away with the process. */
#ifndef SKTOP_BPF_OWNERS_H
#define SKTOP_BPF_OWNERS_H

#include <stdbool.h>
#include <stdint.h>

#include "collect/proc.h"
#include "model/sock.h"
#include "util/error.h"

struct sk_bpf_owners;

/* Whether this process may load BPF at all: CAP_SYS_ADMIN, or CAP_BPF with
 * CAP_PERFMON, effective. Without them open would only fail. */
bool sk_bpf_owners_permitted(void);

/* What the TCP program reads besides the fds. socks: each TCP socket the
 * fds hold, once, as the row a sock_diag dump with meminfo and tcp_info
 * would give (netns is the socket's own namespace), appended in (netns,
 * inode) order; read sets first and n to where they are. syn_netns: the
 * namespaces, sorted, where a listener has handshakes in its syn queue,
 * which neither fds nor "inuse" counters account for. unread_netns: those
 * with a connected or listening socket left unread, having no cookie yet
 * (the dump gives it one). gave_up: the program stopped reading sockets
 * part way, most having no cookie (a first look): the rows are not all of
 * any namespace's. */
typedef SK_VEC(uint64_t) sk_netnsidvec;

struct sk_bpf_tcp {
	sk_sockvec *socks;
	size_t first, n;
	sk_netnsidvec syn_netns;
	sk_netnsidvec unread_netns;
	bool gave_up;
};

/* Loads and attaches the iterator. -EOPNOTSUPP when sktop was built
 * without BPF; otherwise the kernel's -errno, with err saying why in one
 * line (libbpf's own last complaint folded in, never printed).
 * read_tcp: load the program that also reads every fd-held TCP socket,
 * falling back to the owners-only one where the kernel refuses it
 * (sk_bpf_owners_reads_tcp says which, sk_bpf_owners_tcp_note why). */
int sk_bpf_owners_open(struct sk_bpf_owners **out, bool read_tcp, struct sk_error *err);

/* Replaces rows with every fd of every thread-group leader visible in the
 * caller's pid namespace, sorted by pid then fd; and, when tcp is not
 * NULL and the TCP program is loaded, fills tcp (above). On failure
 * tcp->socks is as it was. */
int sk_bpf_owners_read(struct sk_bpf_owners *b, sk_fdrowvec *rows, struct sk_bpf_tcp *tcp,
		       struct sk_error *err);

/* Whether reads fill tcp; else why not in one line ("" when not asked). */
bool sk_bpf_owners_reads_tcp(const struct sk_bpf_owners *b);
const char *sk_bpf_owners_tcp_note(const struct sk_bpf_owners *b);

/* Microseconds open took (verifier, BTF relocation, attach): paid once. */
uint64_t sk_bpf_owners_load_us(const struct sk_bpf_owners *b);

void sk_bpf_owners_close(struct sk_bpf_owners *b);

#if HAVE_BPF
/* For every BPF loader of sktop: runs fn with libbpf's first complaint of
 * the load kept in last (SK_ERROR_MSG_MAX bytes, "" when none), never
 * printed, and sets *took_us to how long fn took (the figure load_us
 * reports). Returns what fn returns. */
int sk_bpf_load_noting(int (*fn)(void *ctx, char *last, struct sk_error *err), void *ctx,
		       uint64_t *took_us, struct sk_error *err);
/* "WHAT unavailable: STEP: strerror (hint); libbpf: LAST" in err, the hint
 * naming privileges, BTF, or (too_old) what the kernel lacks. Returns -rc. */
int sk_bpf_why_not(int rc, const char *what, const char *step, const char *too_old,
		   const char *last, struct sk_error *err);
#endif

#endif
