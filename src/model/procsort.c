#include <config.h>

#include "model/procsort.h"

#include <stdlib.h>
#include <string.h>

const struct sk_sort_def sk_sort_defs[SK_SORT_LAST] = {
	[SK_SORT_PID] = {"pid", "PID", "process id", false},
	[SK_SORT_SOCKETS] = {"sockets", "SOCK", "sockets held", true},
	[SK_SORT_FDS] = {"fds", "FDS", "open file descriptors", true},
	[SK_SORT_CLOSE_WAIT] = {"close_wait", "CLOSE_WAIT", "TCP sockets in CLOSE_WAIT (peer closed, we did not)", true},
	[SK_SORT_CLOSED] = {"closed", "CLOSED", "socket fds in CLOSE state (lsof: can't identify protocol)", true},
	[SK_SORT_ORPHANS] = {"orphans", "ORPHANS", "orphaned TCP sockets attributed to its listeners (likely)", true},
	[SK_SORT_ESTAB] = {"estab", "ESTAB", "established TCP sockets", true},
	[SK_SORT_TIME_WAIT] = {"time_wait", "TIME_WAIT", "TCP sockets in TIME_WAIT held by fds (rare; most have none)", true},
	[SK_SORT_RECVQ] = {"recvq", "RECV-Q", "bytes received but not read, summed", true},
	[SK_SORT_SENDQ] = {"sendq", "SEND-Q", "bytes sent but not acknowledged, summed", true},
	[SK_SORT_RMEM] = {"rmem", "RMEM", "receive buffer memory (skmem rmem_alloc), summed", true},
	[SK_SORT_WMEM] = {"wmem", "WMEM", "send buffer memory (skmem wmem_queued), summed", true},
};

int sk_sort_key_parse(const char *name)
{
	for (int i = 0; i < SK_SORT_LAST; i++)
		if (strcmp(name, sk_sort_defs[i].name) == 0)
			return i;
	return -1;
}

uint64_t sk_proc_closed(const struct sk_process *p)
{
	uint64_t n = 0;

	for (int i = 0; i < SK_SN_LAST; i++)
		n += p->agg.closed[i];
	return n;
}

uint64_t sk_proc_sort_value(const struct sk_process *p, enum sk_sort_key key)
{
	switch (key) {
	case SK_SORT_PID: return (uint64_t)(uint32_t)p->pid;
	case SK_SORT_SOCKETS: return p->agg.sockets;
	case SK_SORT_FDS: return p->fd_count;
	case SK_SORT_CLOSE_WAIT: return p->agg.tcp_states[SK_TCP_CLOSE_WAIT];
	case SK_SORT_CLOSED: return sk_proc_closed(p);
	case SK_SORT_ORPHANS: return p->agg.orphans;
	case SK_SORT_ESTAB: return p->agg.tcp_states[SK_TCP_ESTABLISHED];
	case SK_SORT_TIME_WAIT: return p->agg.tcp_states[SK_TCP_TIME_WAIT];
	case SK_SORT_RECVQ: return p->agg.recv_q;
	case SK_SORT_SENDQ: return p->agg.send_q;
	case SK_SORT_RMEM: return p->agg.rmem;
	case SK_SORT_WMEM: return p->agg.wmem;
	case SK_SORT_LAST: break;
	}
	return 0;
}

int sk_proc_compare(const struct sk_process *a, const struct sk_process *b,
		    enum sk_sort_key key, bool invert)
{
	uint64_t va = sk_proc_sort_value(a, key), vb = sk_proc_sort_value(b, key);
	bool descending = sk_sort_defs[key].descending != invert;

	if (va != vb) {
		int c = va < vb ? -1 : 1;

		return descending ? -c : c;
	}
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

struct sort_ctx {
	const struct sk_process *procs;
	enum sk_sort_key key;
	bool invert;
};

static int compare_indices(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *c = arg;

	return sk_proc_compare(&c->procs[*(const uint32_t *)pa], &c->procs[*(const uint32_t *)pb],
			       c->key, c->invert);
}

void sk_proc_sort(const struct sk_process *procs, uint32_t *idx, size_t n,
		  enum sk_sort_key key, bool invert)
{
	struct sort_ctx c = {procs, key, invert};

	sk_qsort_r(idx, n, sizeof(*idx), compare_indices, &c);
}
