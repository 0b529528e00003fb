#include <config.h>

#include "model/fields.h"

#include <string.h>

#include "model/procsort.h"
#include "model/snapshot.h"

#define U(t, m) .offset = offsetof(t, m), .type = SK_FT_UINT, .width = sizeof(((t *)0)->m), .count = 1

/* --- tcp_info: in the writer's order, which is the JSON's ------------------ */

#define TI(k, lab, grp, u) {.key = #k, .label = lab, .group = grp, .unit = u, U(struct sk_tcpinfo, k)}
static const struct sk_field tcpinfo_fields[] = {
	TI(rtt_us, "smoothed", "rtt", SK_UNIT_US),
	TI(rttvar_us, "var", "rtt", SK_UNIT_US),
	TI(rto_us, "rto", "rtt", SK_UNIT_US),
	TI(ato_us, "ato", "rtt", SK_UNIT_US),
	TI(backoff, "backoff", "retries", SK_UNIT_COUNT),
	TI(probes, "probes", "retries", SK_UNIT_COUNT),
	TI(retransmits, "retransmits", "retries", SK_UNIT_COUNT),
	TI(total_retrans, "total retrans", "in flight", SK_UNIT_COUNT),
	TI(unacked, "unacked", "in flight", SK_UNIT_COUNT),
	TI(sacked, "sacked", "in flight", SK_UNIT_COUNT),
	TI(lost, "lost", "in flight", SK_UNIT_COUNT),
	TI(retrans, "retrans", "in flight", SK_UNIT_COUNT),
	TI(snd_cwnd, "cwnd", "window", SK_UNIT_COUNT),
	TI(snd_ssthresh, "ssthresh", "window", SK_UNIT_COUNT),
	TI(snd_mss, "snd mss", "window", SK_UNIT_BYTES),
	TI(rcv_mss, "rcv mss", "window", SK_UNIT_BYTES),
	TI(snd_wscale, "snd wscale", "window", SK_UNIT_COUNT),
	TI(rcv_wscale, "rcv wscale", "window", SK_UNIT_COUNT),
	{.key = "snd_wnd", .label = "peer's", .group = "window bytes", .unit = SK_UNIT_BYTES,
	 .description = "The peer advertises a zero window: it is not reading.", U(struct sk_tcpinfo, snd_wnd),
	 .flags = SK_FIELD_OPTIONAL | SK_FIELD_ZERO_NOTE},
	{.key = "rcv_wnd", .label = "ours", .group = "window bytes", .unit = SK_UNIT_BYTES,
	 U(struct sk_tcpinfo, rcv_wnd), .flags = SK_FIELD_OPTIONAL},
	TI(rcv_space, "rcv_space", "buffers", SK_UNIT_BYTES),
	TI(notsent_bytes, "not sent", "buffers", SK_UNIT_BYTES),
	TI(last_data_sent_ms, "data sent", "last (ago)", SK_UNIT_MS),
	TI(last_data_recv_ms, "data received", "last (ago)", SK_UNIT_MS),
	TI(last_ack_recv_ms, "ack received", "last (ago)", SK_UNIT_MS),
	TI(delivered, "delivered segments", "buffers", SK_UNIT_COUNT),
	TI(bytes_acked, "acked", "bytes", SK_UNIT_BYTES),
	TI(bytes_received, "received", "bytes", SK_UNIT_BYTES),
	TI(bytes_sent, "sent", "bytes", SK_UNIT_BYTES),
	TI(bytes_retrans, "retransmitted", "bytes", SK_UNIT_BYTES),
	TI(ca_state, "ca_state", "retries", SK_UNIT_ID),
	{.key = "tcp_info_len", .label = "from the kernel", .group = "tcp_info",
	 .unit = SK_UNIT_BYTES, U(struct sk_tcpinfo, tcpinfo_len)},
};
#undef TI

const struct sk_record sk_rec_tcpinfo = {
	"tcp_info", tcpinfo_fields, sizeof(tcpinfo_fields) / sizeof(tcpinfo_fields[0]),
	SK_SOCK_HAS_TCPINFO, SK_NEED_INFO,
};

/* --- skmem: SK_MEMINFO_*, bytes but for drops ------------------------------ */

#define SM(k, lab, grp, u) {.key = #k, .label = lab, .group = grp, .unit = u, U(struct sk_meminfo, k)}
static const struct sk_field skmem_fields[] = {
	SM(rmem_alloc, "rmem_alloc", "receive", SK_UNIT_BYTES),
	SM(rcvbuf, "of rcvbuf", "receive", SK_UNIT_BYTES),
	SM(wmem_alloc, "alloc", "send", SK_UNIT_BYTES),
	SM(sndbuf, "of sndbuf", "send", SK_UNIT_BYTES),
	SM(fwd_alloc, "fwd_alloc", "other", SK_UNIT_BYTES),
	SM(wmem_queued, "wmem_queued", "send", SK_UNIT_BYTES),
	SM(optmem, "optmem", "other", SK_UNIT_BYTES),
	SM(backlog, "backlog", "receive", SK_UNIT_BYTES),
	SM(drops, "drops", "receive", SK_UNIT_COUNT),
};
#undef SM

const struct sk_record sk_rec_skmem = {
	"skmem", skmem_fields, sizeof(skmem_fields) / sizeof(skmem_fields[0]),
	SK_SOCK_HAS_MEM, SK_NEED_MEMINFO,
};

/* --- limits: sysctls and /proc/sys/fs figures ------------------------------- */

#define LI(k, u, desc)                                                                  \
	{.key = #k, .label = #k, .description = desc, .unit = u, .type = SK_FT_FIG,      \
	 .offset = offsetof(struct sk_limits, k), .width = sizeof(int64_t),             \
	 .count = sizeof(((struct sk_limits *)0)->k) / sizeof(int64_t)}
static const struct sk_field limits_fields[] = {
	LI(tcp_max_orphans, SK_UNIT_COUNT, "orphaned TCP sockets the kernel keeps"),
	LI(tcp_mem, SK_UNIT_PAGES, "TCP memory: low, pressure, high"),
	LI(page_size, SK_UNIT_BYTES, "bytes in a page"),
	LI(tcp_rmem, SK_UNIT_BYTES, "receive buffer: min, default, max"),
	LI(tcp_wmem, SK_UNIT_BYTES, "send buffer: min, default, max"),
	LI(tcp_max_tw_buckets, SK_UNIT_COUNT, "TIME_WAIT sockets the kernel keeps"),
	LI(tcp_fin_timeout, SK_UNIT_SECONDS, "how long an orphan stays in FIN_WAIT2"),
	LI(tcp_orphan_retries, SK_UNIT_COUNT, "retries before an orphan is killed"),
	LI(ip_local_port_range, SK_UNIT_ID, "ephemeral ports: first, last"),
	LI(somaxconn, SK_UNIT_COUNT, "accept queue cap"),
	LI(file_nr, SK_UNIT_COUNT, "files: allocated, free, max"),
	LI(file_max, SK_UNIT_COUNT, "files the kernel will allocate"),
	LI(nr_open, SK_UNIT_COUNT, "highest RLIMIT_NOFILE a process can get"),
	LI(rmem_max, SK_UNIT_BYTES, "largest SO_RCVBUF"),
	LI(wmem_max, SK_UNIT_BYTES, "largest SO_SNDBUF"),
};
#undef LI

const struct sk_record sk_rec_limits = {
	"limits", limits_fields, sizeof(limits_fields) / sizeof(limits_fields[0]), 0, SK_NEED_NONE,
};

/* --- the refresh's own figures, members of struct sk_snapshot --------------- */

#define SN(k, m, desc) {.key = k, .label = k, .description = desc, .unit = SK_UNIT_COUNT, \
			U(struct sk_snapshot, m)}
static const struct sk_field diag_fields[] = {
	SN("messages", diag.messages, "netlink messages seen"),
	SN("rejected", diag.rejected, "malformed messages skipped"),
	SN("retries", diag.retries, "dumps redone after an interrupted or overrun dump"),
	SN("unsupported", diag.unsupported, "dumps the kernel refused"),
	SN("failed", diag.failed, "dumps given up after the retry bound"),
	SN("duplicates", duplicates, "dumped rows whose inode was already seen"),
};

const struct sk_record sk_rec_diag = {
	"diag", diag_fields, sizeof(diag_fields) / sizeof(diag_fields[0]), 0, SK_NEED_NONE,
};

static const struct sk_field procfs_fields[] = {
	SN("processes", procfs.processes, "processes read"),
	SN("vanished", procfs.vanished, "processes gone before they were read"),
	SN("fd_denied", procfs.fd_denied, "fd tables sktop was not allowed to list"),
	SN("fds", procfs.fds, "fds listed"),
	{.key = "owners_cached", .label = "owners_cached", .unit = SK_UNIT_COUNT,
	 .description = "processes first taken from the owner cache",
	 U(struct sk_snapshot, owners_cached), .flags = SK_FIELD_LATER},
	{.key = "owners_rescanned", .label = "owners_rescanned",
	 .description = "the owner cache proved stale: every fd table was read again",
	 .offset = offsetof(struct sk_snapshot, owners_rescanned), .type = SK_FT_BOOL,
	 .width = sizeof(bool), .count = 1, .flags = SK_FIELD_LATER},
	{.key = "closed_races", .label = "closed_races", .unit = SK_UNIT_COUNT,
	 .description = "fds that changed between the walk and the dump: not closed sockets",
	 U(struct sk_snapshot, procfs.closed_races), .flags = SK_FIELD_LATER},
};
#undef SN

const struct sk_record sk_rec_procfs = {
	"procfs", procfs_fields, sizeof(procfs_fields) / sizeof(procfs_fields[0]), 0, SK_NEED_NONE,
};

/* --- process metrics: one spelling per face, each a contract ----------------- */

#define P(m) U(struct sk_process, m)
#define SORT_TREND_BATCH (SK_FIELD_SORTABLE | SK_FIELD_TRENDED | SK_FIELD_BATCH)
const struct sk_field sk_proc_fields[SK_SORT_LAST] = {
	[SK_SORT_PID] = {"pid", "PID", "pid", NULL, "process id", "pid", P(pid),
			 .unit = SK_UNIT_ID, .colwidth = 7, .flags = SK_FIELD_SORTABLE},
	[SK_SORT_SOCKETS] = {"sockets", "SOCK", "sockets", NULL, "sockets held", "sockets",
			     P(agg.sockets), .unit = SK_UNIT_COUNT, .colwidth = 5,
			     .flags = SORT_TREND_BATCH, .descending = true},
	/* Batch text and the TUI show it as "FDS/LIMIT", fds over the limit. */
	[SK_SORT_FDS] = {"fds", "FDS", "fds", NULL, "open file descriptors", "fds", P(fd_count),
			 .unit = SK_UNIT_COUNT, .colwidth = 9,
			 .flags = SK_FIELD_SORTABLE | SK_FIELD_TRENDED, .descending = true},
	[SK_SORT_CLOSE_WAIT] = {"close_wait", "CLOSE_WAIT", "CLOSE_WAIT", NULL,
				"TCP sockets in CLOSE_WAIT (peer closed, we did not)", "close_wait",
				P(agg.tcp_states[SK_TCP_CLOSE_WAIT]), .unit = SK_UNIT_COUNT,
				.colwidth = 10, .flags = SORT_TREND_BATCH, .descending = true},
	[SK_SORT_CLOSED] = {"closed", "CLOSED", "closed", NULL,
			    "socket fds in CLOSE state (lsof: can't identify protocol)", "closed",
			    .offset = offsetof(struct sk_process, agg.closed), .type = SK_FT_UINT,
			    .width = sizeof(uint32_t), .count = SK_SN_LAST, .unit = SK_UNIT_COUNT,
			    .colwidth = 6, .flags = SORT_TREND_BATCH | SK_FIELD_SUM,
			    .descending = true},
	[SK_SORT_ORPHANS] = {"orphans", "ORPHANS", "orphans", NULL,
			     "orphaned TCP sockets attributed to its listeners (likely)", "orphans",
			     P(agg.orphans), .unit = SK_UNIT_COUNT, .colwidth = 7,
			     .flags = SORT_TREND_BATCH, .descending = true},
	[SK_SORT_ESTAB] = {"estab", "ESTAB", "ESTAB", NULL, "established TCP sockets", "estab",
			   P(agg.tcp_states[SK_TCP_ESTABLISHED]), .unit = SK_UNIT_COUNT,
			   .colwidth = 5, .flags = SK_FIELD_SORTABLE | SK_FIELD_BATCH,
			   .descending = true},
	[SK_SORT_TIME_WAIT] = {"time_wait", "TIME_WAIT", "TIME_WAIT", NULL,
			       "TCP sockets in TIME_WAIT held by fds (rare; most have none)",
			       "time_wait", P(agg.tcp_states[SK_TCP_TIME_WAIT]),
			       .unit = SK_UNIT_COUNT, .colwidth = 9,
			       .flags = SK_FIELD_SORTABLE | SK_FIELD_BATCH, .descending = true},
	[SK_SORT_RECVQ] = {"recv_q", "RECV-Q", "Recv-Q", NULL, "bytes received but not read, summed",
			   "recvq", P(agg.recv_q), .unit = SK_UNIT_BYTES, .colwidth = 6,
			   .flags = SORT_TREND_BATCH, .descending = true},
	[SK_SORT_SENDQ] = {"send_q", "SEND-Q", "Send-Q", NULL,
			   "bytes sent but not acknowledged, summed", "sendq", P(agg.send_q),
			   .unit = SK_UNIT_BYTES, .colwidth = 6,
			   .flags = SK_FIELD_SORTABLE | SK_FIELD_BATCH, .descending = true},
	[SK_SORT_RMEM] = {"rmem", "RMEM", "rmem", NULL,
			  "receive buffer memory (skmem rmem_alloc), summed", "rmem", P(agg.rmem),
			  .unit = SK_UNIT_BYTES, .colwidth = 5, .flags = SORT_TREND_BATCH,
			  .needs = SK_NEED_MEMINFO, .descending = true},
	[SK_SORT_WMEM] = {"wmem", "WMEM", "wmem", NULL,
			  "send buffer memory (skmem wmem_queued), summed", "wmem", P(agg.wmem),
			  .unit = SK_UNIT_BYTES, .colwidth = 5,
			  .flags = SK_FIELD_SORTABLE | SK_FIELD_BATCH, .needs = SK_NEED_MEMINFO,
			  .descending = true},
	/* A name, not a number: only sk_proc_sort_snapshot orders by it. */
	[SK_SORT_SERVICE] = {"service", "SERVICE", "service", NULL,
			     "pod/container, else systemd unit, by name", "service", P(service),
			     .unit = SK_UNIT_ID, .colwidth = 20, .flags = SK_FIELD_SORTABLE},
};
#undef P
#undef SORT_TREND_BATCH
#undef U

const struct sk_record sk_rec_proc = {
	"processes", sk_proc_fields, SK_SORT_LAST, 0, SK_NEED_NONE,
};

/* --- access ------------------------------------------------------------------ */

/* memcpy: a row's offset says nothing of its alignment in a packed use. */
uint64_t sk_field_get(const struct sk_field *f, const void *rec, unsigned i)
{
	const char *p = (const char *)rec + f->offset + (size_t)i * f->width;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	switch (f->width) {
	case 1: memcpy(&v8, p, 1); return v8;
	case 2: memcpy(&v16, p, 2); return v16;
	case 4: memcpy(&v32, p, 4); return v32;
	default: memcpy(&v64, p, 8); return v64;
	}
}

void sk_field_set(const struct sk_field *f, void *rec, unsigned i, uint64_t v)
{
	char *p = (char *)rec + f->offset + (size_t)i * f->width;
	uint8_t v8 = (uint8_t)v;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	switch (f->width) {
	case 1: memcpy(p, &v8, 1); break;
	case 2: memcpy(p, &v16, 2); break;
	case 4: memcpy(p, &v32, 4); break;
	default: memcpy(p, &v, 8); break;
	}
}

uint64_t sk_field_value(const struct sk_field *f, const void *rec)
{
	uint64_t sum = 0;

	if (!(f->flags & SK_FIELD_SUM))
		return sk_field_get(f, rec, 0);
	for (unsigned i = 0; i < f->count; i++)
		sum += sk_field_get(f, rec, i);
	return sum;
}

uint64_t sk_field_max(const struct sk_field *f)
{
	if (f->type == SK_FT_BOOL)
		return 1;
	if (f->type == SK_FT_FIG || f->width >= 8)
		return UINT64_MAX;
	return (UINT64_C(1) << (8 * f->width)) - 1;
}

uint32_t sk_record_needs(const struct sk_record *r, unsigned flags)
{
	uint32_t needs = 0;

	for (size_t i = 0; i < r->n; i++)
		if ((r->fields[i].flags & flags) == flags)
			needs |= r->fields[i].needs | r->needs;
	return needs;
}
