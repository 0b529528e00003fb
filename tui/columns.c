#include <config.h>

#include "columns.h"

#include <string.h>

#define R SK_ALIGN_RIGHT
#define L SK_ALIGN_LEFT

/* Priorities are what an operator hunting a leak gives up last: the leak
 * columns stay at 80 columns, the busy-connection ones go first. */
const struct sk_coldef sk_pcols[SK_PCOL_LAST] = {
	[SK_PCOL_PID] = {"PID", "process id", 7, 0, 0, R, false, SK_SORT_PID},
	[SK_PCOL_USER] = {"USER", "owner of the process", 8, 0, 4, L, false, -1},
	[SK_PCOL_FDS] = {"FDS/LIMIT", "open fds / RLIMIT_NOFILE soft limit", 9, 0, 2, R, true,
			 SK_SORT_FDS},
	[SK_PCOL_SOCK] = {"SOCK", "sockets held", 5, 0, 3, R, true, SK_SORT_SOCKETS},
	[SK_PCOL_CLOSE_WAIT] = {"CLOSE_WAIT", "TCP sockets in CLOSE_WAIT: the peer closed, this process did not",
				10, 0, 1, R, true, SK_SORT_CLOSE_WAIT},
	[SK_PCOL_CLOSED] = {"CLOSED", "socket fds in CLOSE (lsof: can't identify protocol)", 6, 0, 1,
			    R, true, SK_SORT_CLOSED},
	[SK_PCOL_ORPHANS] = {"ORPHANS", "orphaned TCP sockets of its listeners (likely owner)", 7, 0,
			     2, R, true, SK_SORT_ORPHANS},
	/* 7 wide so that at 80 columns it costs RECV-Q, not SOCK as well. */
	[SK_PCOL_GROWTH] = {"GROW/m", "growth per minute of the count last sorted by (else sockets)",
			    7, 0, 2, R, true, SK_VSORT_GROWTH},
	[SK_PCOL_ESTAB] = {"ESTAB", "established TCP sockets", 5, 0, 6, R, true, SK_SORT_ESTAB},
	[SK_PCOL_TIME_WAIT] = {"TIME_WAIT", "TIME_WAIT sockets still held by fds (rare)", 9, 0, 9, R,
			       true, SK_SORT_TIME_WAIT},
	[SK_PCOL_RECVQ] = {"RECV-Q", "bytes received, not read by the process", 6, 0, 5, R, true,
			   SK_SORT_RECVQ},
	[SK_PCOL_SENDQ] = {"SEND-Q", "bytes sent, not acknowledged by the peer", 6, 0, 7, R, true,
			   SK_SORT_SENDQ},
	[SK_PCOL_RMEM] = {"RMEM", "receive buffer memory", 5, 0, 2, R, true, SK_SORT_RMEM},
	[SK_PCOL_WMEM] = {"WMEM", "send buffer memory", 5, 0, 8, R, true, SK_SORT_WMEM},
	/* 11 wide so that at 80 columns it costs RMEM, not GROW/m: on a
	 * container host the pod says more than the memory. */
	[SK_PCOL_SERVICE] = {"SERVICE", "pod/container, container or systemd unit", 11, 48, 1, L,
			     false, SK_SORT_SERVICE},
	[SK_PCOL_NETNS] = {"NETNS", "network namespace: its ip netns name, else its inode", 10, 0,
			   10, L, false, -1},
	[SK_PCOL_COMMAND] = {"COMMAND", "command line", 16, SK_COL_REST, 0, L, false, -1},
};

const struct sk_coldef sk_scols[SK_SCOL_LAST] = {
	[SK_SCOL_PROTO] = {"PROTO", "protocol", 5, 0, 4, L, false, SK_SCOL_PROTO},
	[SK_SCOL_STATE] = {"STATE", "state, the troubled ones first", 10, 0, 0, L, true,
			   SK_SCOL_STATE},
	/* Costs RECV-Q at 80 columns: how long a CLOSE_WAIT has sat says
	 * more than its queue. Shown only when the snapshot has ages. */
	[SK_SCOL_AGE] = {"AGE", "time in its state (~: estimated from tcp_info; -: unknown)", 7, 0,
			 3, R, true, SK_SCOL_AGE},
	[SK_SCOL_FD] = {"FD", "file descriptor number", 5, 0, 2, R, false, SK_SCOL_FD},
	[SK_SCOL_LOCAL] = {"LOCAL", "local address:port", 15, 47, 0, L, false, SK_SCOL_LOCAL},
	[SK_SCOL_PEER] = {"PEER", "peer address:port", 15, 47, 0, L, false, SK_SCOL_PEER},
	[SK_SCOL_RECVQ] = {"RECV-Q", "bytes received, not read", 6, 0, 3, R, true, SK_SCOL_RECVQ},
	[SK_SCOL_SENDQ] = {"SEND-Q", "bytes not acknowledged", 6, 0, 3, R, true, SK_SCOL_SENDQ},
	[SK_SCOL_RMEM] = {"RMEM", "receive buffer memory", 5, 0, 6, R, true, SK_SCOL_RMEM},
	[SK_SCOL_WMEM] = {"WMEM", "send buffer memory", 5, 0, 7, R, true, SK_SCOL_WMEM},
	[SK_SCOL_TIMER] = {"TIMER", "timer kind, time left/retransmits", 12, 0, 5, L, true,
			   SK_SCOL_TIMER},
	[SK_SCOL_USER] = {"USER", "socket owner uid", 8, 0, 8, L, false, SK_SCOL_USER},
	[SK_SCOL_INODE] = {"INODE", "socket inode", 9, 0, 9, R, false, SK_SCOL_INODE},
	[SK_SCOL_PID] = {"PID", "holding process (~: likely owner)", 8, 0, 2, R, false, SK_SCOL_PID},
	[SK_SCOL_COMMAND] = {"COMMAND", "holding process", 10, SK_COL_REST, 0, L, false,
			     SK_SCOL_COMMAND},
};

const struct sk_coldef sk_gcols[SK_GCOL_LAST] = {
	[SK_GCOL_COUNT] = {"COUNT", "sockets in the group", 7, 0, 0, R, true, SK_GCOL_COUNT},
	[SK_GCOL_STATE] = {"STATE", "state", 10, 0, 0, L, true, SK_GCOL_STATE},
	[SK_GCOL_ADDR] = {"ADDRESS", "peer address or local port", 15, 47, 0, L, false,
			  SK_GCOL_ADDR},
	[SK_GCOL_PROCS] = {"PROCS", "processes holding them", 5, 0, 5, R, true, SK_GCOL_PROCS},
	[SK_GCOL_RECVQ] = {"RECV-Q", "bytes received, not read, summed", 6, 0, 3, R, true,
			   SK_GCOL_RECVQ},
	[SK_GCOL_SENDQ] = {"SEND-Q", "bytes not acknowledged, summed", 6, 0, 3, R, true,
			   SK_GCOL_SENDQ},
	[SK_GCOL_RMEM] = {"RMEM", "receive buffer memory, summed", 5, 0, 4, R, true, SK_GCOL_RMEM},
	[SK_GCOL_WMEM] = {"WMEM", "send buffer memory, summed", 5, 0, 7, R, true, SK_GCOL_WMEM},
	[SK_GCOL_TIMER] = {"MAXTIMER", "longest timer left", 8, 0, 8, R, true, SK_GCOL_TIMER},
	[SK_GCOL_OWNER] = {"OWNER", "a holding process", 12, SK_COL_REST, 0, L, false, -1},
};

const struct sk_coldef sk_ocols[SK_OCOL_LAST] = {
	[SK_OCOL_STATE] = {"STATE", "state", 10, 0, 0, L, true, SK_OCOL_STATE},
	[SK_OCOL_COUNT] = {"COUNT", "orphans in the group", 7, 0, 0, R, true, SK_OCOL_COUNT},
	[SK_OCOL_SENDQ] = {"SEND-Q", "unacknowledged bytes, summed", 6, 0, 1, R, true,
			   SK_OCOL_SENDQ},
	[SK_OCOL_RECVQ] = {"RECV-Q", "unread bytes, summed", 6, 0, 4, R, true, SK_OCOL_RECVQ},
	[SK_OCOL_TIMER] = {"TIMERS", "shortest..longest timer left", 13, 0, 2, L, true,
			   SK_OCOL_TIMER},
	[SK_OCOL_RETRANS] = {"PROBES", "most retransmits/probes of one socket", 6, 0, 3, R, true,
			     SK_OCOL_RETRANS},
	[SK_OCOL_OWNER] = {"LIKELY OWNER",
			   "the process that made them, else likely: the listener's process, "
			   "or cgroup",
			   20, SK_COL_REST, 0, L, false, SK_OCOL_OWNER},
};

/* The process pane grouped by service (v). */
const struct sk_coldef sk_vcols[SK_VCOL_LAST] = {
	[SK_VCOL_SERVICE] = {"SERVICE", "pod/container, container or systemd unit", 28,
			     SK_COL_REST, 0, L, false, -1},
	[SK_VCOL_KIND] = {"KIND", "k8s, docker, podman, systemd or cgroup", 7, 0, 4, L, false, -1},
	[SK_VCOL_PROCS] = {"PROCS", "its processes", 5, 0, 3, R, true, -1},
	[SK_VCOL_SOCK] = {"SOCK", "sockets its processes hold, and those its cgroup holds", 5, 0,
			  2, R, true, -1},
	[SK_VCOL_CLOSE_WAIT] = {"CLOSE_WAIT", "TCP sockets in CLOSE_WAIT", 10, 0, 0, R, true, -1},
	[SK_VCOL_CLOSED] = {"CLOSED", "socket fds in CLOSE", 6, 0, 0, R, true, -1},
	[SK_VCOL_ORPHANS] = {"ORPHANS", "orphaned TCP sockets (likely owner)", 7, 0, 1, R, true,
			     -1},
	[SK_VCOL_RECVQ] = {"RECV-Q", "bytes received, not read, summed", 6, 0, 5, R, true, -1},
	[SK_VCOL_RMEM] = {"RMEM", "receive buffer memory, summed", 5, 0, 6, R, true, -1},
};

#undef R
#undef L

enum sk_pcol sk_pcol_of_sort(enum sk_sort_key k)
{
	for (int i = 0; i < SK_PCOL_LAST; i++)
		if (sk_pcols[i].sort == (int)k)
			return (enum sk_pcol)i;
	return SK_PCOL_PID;
}

#define SK_COLS_MAX 32

size_t sk_columns_layout(const struct sk_coldef *defs, size_t n, const bool *enabled,
			 int sortcol, int width, const int *want, struct sk_colpos *out)
{
	bool on[SK_COLS_MAX];
	int w[SK_COLS_MAX];
	int need = 0, count = 0;

	if (n > SK_COLS_MAX)
		n = SK_COLS_MAX;
	for (size_t i = 0; i < n; i++) {
		on[i] = !enabled || enabled[i];
		w[i] = defs[i].width;
		if (on[i]) {
			need += w[i] + (count ? 1 : 0);
			count++;
		}
	}
	/* Drop the most expendable column until the minimum widths fit. */
	while (need > width) {
		int victim = -1;

		for (size_t i = 0; i < n; i++) {
			if (!on[i] || defs[i].prio == 0 || (int)i == sortcol)
				continue;
			if (victim < 0 || defs[i].prio >= defs[victim].prio)
				victim = (int)i;
		}
		if (victim < 0)
			break; /* the line clips the rest */
		on[victim] = false;
		need -= w[victim] + 1;
	}
	/* Room left after the drops may take back a narrower dropped column,
	 * the most useful first: unused space helps nobody. */
	for (int prio = 1; prio < 256; prio++)
		for (size_t i = 0; i < n; i++)
			if (!on[i] && (!enabled || enabled[i]) && defs[i].prio == prio &&
			    need + w[i] + 1 <= width) {
				on[i] = true;
				need += w[i] + 1;
			}
	/* Hand what is left to the flexible columns, in proportion to what the
	 * rows want, then the rest to the column that takes the rest. */
	int extra = width - need;
	int total_want = 0;

	for (size_t i = 0; i < n; i++) {
		if (!on[i] || defs[i].maxw <= 0)
			continue;
		int wi = want && want[i] > 0 ? want[i] : defs[i].width;

		if (wi > defs[i].maxw)
			wi = defs[i].maxw;
		if (wi > w[i])
			total_want += wi - w[i];
	}
	if (extra > 0 && total_want > 0) {
		int give_all = extra >= total_want;
		int given = 0;

		for (size_t i = 0; i < n; i++) {
			if (!on[i] || defs[i].maxw <= 0)
				continue;
			int wi = want && want[i] > 0 ? want[i] : defs[i].width;

			if (wi > defs[i].maxw)
				wi = defs[i].maxw;
			if (wi <= w[i])
				continue;
			int add = give_all ? wi - w[i]
					   : (int)((long)extra * (wi - w[i]) / total_want);

			w[i] += add;
			given += add;
		}
		extra -= given;
	}
	for (size_t i = 0; i < n && extra > 0; i++)
		if (on[i] && defs[i].maxw == SK_COL_REST) {
			w[i] += extra;
			extra = 0;
		}

	size_t k = 0;
	int x = 0;

	for (size_t i = 0; i < n; i++) {
		if (!on[i])
			continue;
		out[k].col = (uint8_t)i;
		out[k].x = x;
		out[k].w = w[i];
		x += w[i] + 1;
		k++;
	}
	return k;
}

static size_t rank_of(uint8_t col, const uint8_t *order, size_t norder)
{
	for (size_t i = 0; i < norder; i++)
		if (order[i] == col)
			return i;
	return norder + col;
}

void sk_columns_reorder(struct sk_colpos *pos, size_t n, const uint8_t *order, size_t norder)
{
	int x = 0;

	/* Insertion sort: a dozen columns, and stable. */
	for (size_t i = 1; i < n; i++) {
		struct sk_colpos p = pos[i];
		size_t r = rank_of(p.col, order, norder), j = i;

		for (; j > 0 && rank_of(pos[j - 1].col, order, norder) > r; j--)
			pos[j] = pos[j - 1];
		pos[j] = p;
	}
	for (size_t i = 0; i < n; i++) {
		pos[i].x = x;
		x += pos[i].w + 1;
	}
}
