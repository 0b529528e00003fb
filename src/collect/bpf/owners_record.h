/* The records the owner iterator writes and the loader reads: one layout
 * shared by both sides, fixed-size so a read() boundary can fall anywhere. */
#ifndef SKTOP_OWNERS_RECORD_H
#define SKTOP_OWNERS_RECORD_H

struct sk_owner_record {
	__s32 pid;      /* thread group id in the reader's pid namespace */
	__u32 fd;
	__u64 inode;    /* socket inode; 0 for an fd that is not a socket */
	__u64 start_ns; /* start_boottime: tells a reused pid from the old one */
	/* The TCP program: SK_OWNER_TCP when a struct sk_tcp_record follows,
	 * SK_OWNER_TCP_UNREAD for a TCP socket left unread (nothing asked
	 * its cookie yet), then with netns set, and SK_OWNER_TCP_GAVE_UP on
	 * the fd after which this read reads no more sockets, most having
	 * been left unread (every namespace is then dumped). */
	__u32 tcp;
	__u32 netns;
};

#define SK_OWNER_TCP 1
#define SK_OWNER_TCP_UNREAD 2
#define SK_OWNER_TCP_GAVE_UP 3

/* A TCP socket as sock_diag would report it with meminfo and tcp_info,
 * read in the same pass as its fd (the TCP program only). Times are
 * already the kernel's units for the dump: ms and us, not jiffies. */
struct sk_tcp_record {
	__u64 cookie;
	__u64 cgroup_id;  /* 0: the kernel has no cgroup in struct sock */
	__u32 netns;      /* inode of the socket's own network namespace */
	__u32 uid;
	__u8 src[16], dst[16];
	__u16 sport, dport; /* host order */
	__u8 family, state, timer, retrans;
	__u8 shutdown, v6only, pad8[2];
	__u32 timer_ms, ifindex, recv_q, send_q;
	__u32 syn_queue;  /* listeners: request sockets waiting (no fd, not counted in inuse) */
	__u32 mem[9];     /* the SK_MEMINFO_* vector */
	__u8 ca_state, retransmits, probes, backoff, snd_wscale, rcv_wscale, pad8b[2];
	__u32 rto_us, ato_us, snd_mss, rcv_mss;
	__u32 unacked, sacked, lost, retrans_out, total_retrans;
	__u32 last_data_sent_ms, last_data_recv_ms, last_ack_recv_ms;
	__u32 rtt_us, rttvar_us, snd_cwnd, snd_ssthresh, rcv_space;
	__u32 notsent_bytes, delivered, snd_wnd, rcv_wnd;
	__u64 bytes_acked, bytes_received, bytes_sent, bytes_retrans;
};

#endif
