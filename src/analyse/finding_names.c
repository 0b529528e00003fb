/* The names findings go by in JSON, the text report and the TUI: each is a
 * contract, so they live in one place that the writer and the replay reader
 * share, apart from the rules that use them. */
#include <config.h>

#include "analyse/findings.h"

const char *const sk_severity_names[SK_SEV_LAST] = {"info", "warning", "critical"};

const char *const sk_evidence_names[SK_EV_LAST] = {
	[SK_EV_CLOSE_WAIT] = "close_wait",
	[SK_EV_FDS] = "fds",
	[SK_EV_CLOSED] = "closed",
	[SK_EV_SOCKETS] = "sockets",
	[SK_EV_FILES] = "files",
	[SK_EV_RECV_Q] = "recv_q",
	[SK_EV_RMEM] = "rmem",
	[SK_EV_RSS] = "rss",
	[SK_EV_ORPHANED] = "orphaned",
	[SK_EV_SEND_Q] = "send_q",
	[SK_EV_BACKOFF] = "backoff",
	[SK_EV_TCP_ORPHAN_RETRIES] = "tcp_orphan_retries",
	[SK_EV_ORPHANS] = "orphans",
	[SK_EV_TCP_MEM_PAGES] = "tcp_mem_pages",
	[SK_EV_TCP_MEM_HIGH] = "tcp_mem_high",
	[SK_EV_PORTS] = "ports",
	[SK_EV_TIME_WAIT] = "time_wait",
	[SK_EV_ACCEPT_QUEUE] = "accept_queue",
	[SK_EV_DROPS] = "drops",
	[SK_EV_TCP_ABORT_ON_MEMORY] = "TCPAbortOnMemory",
	[SK_EV_LISTEN_OVERFLOWS] = "ListenOverflows",
	[SK_EV_RCVBUF_ERRORS] = "RcvbufErrors",
	[SK_EV_OLDEST_S] = "oldest_s",
	[SK_EV_ZERO_WINDOW] = "zero_window",
	[SK_EV_KERNEL_TOO_MANY_ORPHANS] = "kernel_too_many_orphans",
	[SK_EV_KERNEL_TCP_OUT_OF_MEMORY] = "kernel_tcp_out_of_memory",
	[SK_EV_PER_MIN] = "per_min",
	[SK_EV_TW_BUCKETS] = "tw_buckets",
};

const char *const sk_finding_kind_names[SK_FIND_LAST] = {
	[SK_FIND_CLOSE_WAIT] = "close_wait",
	[SK_FIND_CLOSED_LEAK] = "closed_leak",
	[SK_FIND_RECV_STUCK] = "recv_stuck",
	[SK_FIND_PEER_ZERO_WINDOW] = "peer_zero_window",
	[SK_FIND_ORPHANS] = "orphans",
	[SK_FIND_TCP_MEM] = "tcp_mem",
	[SK_FIND_EPHEMERAL_PORTS] = "ephemeral_ports",
	[SK_FIND_ACCEPT_OVERFLOW] = "accept_overflow",
	[SK_FIND_FD_EXHAUSTION] = "fd_exhaustion",
	[SK_FIND_UDP_RCVBUF] = "udp_rcvbuf",
	[SK_FIND_TIME_WAIT_CHURN] = "time_wait_churn",
};

const char *const sk_subject_names[SK_SUBJ_LAST] = {"system", "process", "listener",
						     "destination"};
