/* Lifetimes from the kernel: a BPF program on the sock:inet_sock_set_state
 * tracepoint keeps, per TCP socket cookie, who made the socket (connect or
 * listen, in the maker's own process context only; accept, from two on the
 * syscalls:sys_exit_accept{,4} tracepoints; else who closed it), when, and
 * when it entered its current state. The store is a bounded hash the
 * reader sweeps every refresh; events it had no room for are counted.
 *
 * Loading needs root (or CAP_BPF and CAP_PERFMON), kernel BTF, tp_btf (5.5)
 * and socket cookies from tracing programs (5.12); when any is
 * missing, open fails with one line saying which and the engine estimates
 * instead. The accept programs are optional: refused, the store loads
 * without them and sk_bpf_lifecycle_note says why. Nothing is pinned: the
 * programs, their links and the store go away with the process. */
#ifndef SKTOP_BPF_LIFECYCLE_H
#define SKTOP_BPF_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/vec.h"

/* Entry flags: the same bits as the kernel side's SK_LREC_*. */
#define SK_LIFE_F_CREATED 1u   /* created_ns is the socket's birth */
#define SK_LIFE_F_CREATOR 2u   /* tgid/comm/cgroup name its maker */
#define SK_LIFE_F_CLOSER 4u    /* ... or, with no maker seen, the process that closed it */
#define SK_LIFE_F_AFTERLIFE 8u /* closed into a TIME_WAIT/FIN_WAIT2 mini socket, maybe */
#define SK_LIFE_F_NOPID 16u    /* the process is not visible in sktop's pid namespace */
#define SK_LIFE_F_FIN_IN 32u   /* with AFTERLIFE: born TIME_WAIT (else FIN_WAIT2) */

#define SK_LIFE_COMM_LEN 16

/* One store entry as read back. Times are CLOCK_MONOTONIC ns, 0 unknown. */
struct sk_life_entry {
	uint64_t cookie;
	uint64_t created_ns;
	uint64_t state_ns;
	uint64_t cgroup_id;
	int32_t tgid;
	uint8_t state;  /* the kernel's TCP state numbers, as sk_socket.state */
	uint8_t flags;  /* SK_LIFE_F_* */
	char comm[SK_LIFE_COMM_LEN]; /* raw from the kernel: escape before use */
};

typedef SK_VEC(struct sk_life_entry) sk_lifevec;
typedef SK_VEC(uint64_t) sk_cookievec;

/* The store's bound by default: 1M sockets made while sktop runs. */
#define SK_LIFE_MAX_ENTRIES_DEFAULT (1u << 20)

struct sk_bpf_lifecycle;

/* Loads and attaches the programs with room for max_entries sockets (0:
 * the default). -EOPNOTSUPP when sktop was built without BPF; otherwise the
 * kernel's -errno, with err saying why in one line. */
int sk_bpf_lifecycle_open(struct sk_bpf_lifecycle **out, uint32_t max_entries,
			  struct sk_error *err);

/* Replaces out with every entry of the store, sorted by cookie, and sets
 * *lost to the events dropped since open: refused by a full store, or
 * skipped by the kernel because the program was already running on that
 * CPU (its recursion_misses). Machine-wide, like the store. */
int sk_bpf_lifecycle_read(struct sk_bpf_lifecycle *b, sk_lifevec *out, uint64_t *lost,
			  struct sk_error *err);

/* Deletes the entries of these cookies (the sweep: sockets gone from the
 * dumps). A cookie already gone is no error. */
int sk_bpf_lifecycle_delete(struct sk_bpf_lifecycle *b, const uint64_t *cookies, size_t n,
			    struct sk_error *err);

/* Why the accept hook is off while the rest of the store works (one line,
 * for the user), or "" when it is on or the store is not open. */
const char *sk_bpf_lifecycle_note(const struct sk_bpf_lifecycle *b);

/* Microseconds open took (verifier, BTF relocation, attach): paid once. */
uint64_t sk_bpf_lifecycle_load_us(const struct sk_bpf_lifecycle *b);

/* The store's capacity in entries and its bytes per entry (key + value). */
uint32_t sk_bpf_lifecycle_max_entries(const struct sk_bpf_lifecycle *b);
size_t sk_bpf_lifecycle_entry_bytes(void);

void sk_bpf_lifecycle_close(struct sk_bpf_lifecycle *b);

#endif
