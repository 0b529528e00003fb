/* The lifecycle store's entry: one per TCP socket the kernel told us about
 * since sktop started, keyed by socket cookie (sock_diag's idiag_cookie; a
 * TIME_WAIT socket keeps its parent's). One layout for both sides. */
#ifndef SKTOP_LIFECYCLE_RECORD_H
#define SKTOP_LIFECYCLE_RECORD_H

/* flags */
#define SK_LREC_CREATED 1u  /* created_ns is the socket's birth (made while sktop ran) */
#define SK_LREC_CREATOR 2u  /* tgid/comm/cgroup name its maker (connect, listen) */
#define SK_LREC_CLOSER 4u   /* no maker seen: they name the process that closed it */
#define SK_LREC_AFTERLIFE 8u /* closed from FIN_WAIT1/FIN_WAIT2/CLOSING: may live on
                              * as a TIME_WAIT (or FIN_WAIT2) under the same cookie */
#define SK_LREC_NOPID 16u   /* the maker is not visible in sktop's pid namespace */
#define SK_LREC_FIN_IN 32u  /* with AFTERLIFE: the peer's FIN was in, so the mini socket
                             * starts as TIME_WAIT; else as FIN_WAIT2, and it turns
                             * TIME_WAIT later with no event */

#define SK_LREC_COMM_LEN 16

/* The per-CPU counters, by index */
#define SK_LREC_COUNT_LOST 0    /* events dropped: the store was full */
#define SK_LREC_COUNTS 1

struct sk_lifecycle_record {
	__u64 created_ns; /* CLOCK_MONOTONIC (bpf_ktime_get_ns) */
	__u64 state_ns;   /* when it entered `state` */
	__u64 cgroup_id;  /* the maker's cgroup v2 id */
	__s32 tgid;       /* in sktop's pid namespace */
	__u8 state;       /* kernel TCP state of the last event (TCP_CLOSE with AFTERLIFE) */
	__u8 flags;
	__u8 pad[2];
	char comm[SK_LREC_COMM_LEN];
};

#endif
