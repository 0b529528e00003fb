#include <config.h>

#include "collect/sysinfo.h"

#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const struct sk_sockstat_def sk_sockstat_defs[SK_SS_LAST] = {
	[SK_SS_SOCKETS_USED] = {"sockets_used", "sockets", "used", 0},
	[SK_SS_TCP_INUSE] = {"TCP_inuse", "TCP", "inuse", 0},
	[SK_SS_TCP_ORPHAN] = {"TCP_orphan", "TCP", "orphan", 1},
	[SK_SS_TCP_TW] = {"TCP_tw", "TCP", "tw", 0},
	[SK_SS_TCP_ALLOC] = {"TCP_alloc", "TCP", "alloc", 1},
	[SK_SS_TCP_MEM] = {"TCP_mem", "TCP", "mem", 1},
	[SK_SS_UDP_INUSE] = {"UDP_inuse", "UDP", "inuse", 0},
	[SK_SS_UDP_MEM] = {"UDP_mem", "UDP", "mem", 1},
	[SK_SS_UDPLITE_INUSE] = {"UDPLITE_inuse", "UDPLITE", "inuse", 0},
	[SK_SS_RAW_INUSE] = {"RAW_inuse", "RAW", "inuse", 0},
	[SK_SS_FRAG_INUSE] = {"FRAG_inuse", "FRAG", "inuse", 0},
	[SK_SS_FRAG_MEMORY] = {"FRAG_memory", "FRAG", "memory", 0},
	[SK_SS_TCP6_INUSE] = {"TCP6_inuse", "TCP6", "inuse", 0},
	[SK_SS_UDP6_INUSE] = {"UDP6_inuse", "UDP6", "inuse", 0},
	[SK_SS_UDPLITE6_INUSE] = {"UDPLITE6_inuse", "UDPLITE6", "inuse", 0},
	[SK_SS_RAW6_INUSE] = {"RAW6_inuse", "RAW6", "inuse", 0},
	[SK_SS_FRAG6_INUSE] = {"FRAG6_inuse", "FRAG6", "inuse", 0},
	[SK_SS_FRAG6_MEMORY] = {"FRAG6_memory", "FRAG6", "memory", 0},
};

const struct sk_counter_def sk_counter_defs[SK_CTR_LAST] = {
	[SK_CTR_TCP_ABORT_ON_MEMORY] = {"TCPAbortOnMemory", "TcpExt", "TCPAbortOnMemory"},
	[SK_CTR_TCP_ABORT_ON_CLOSE] = {"TCPAbortOnClose", "TcpExt", "TCPAbortOnClose"},
	[SK_CTR_TCP_ABORT_ON_TIMEOUT] = {"TCPAbortOnTimeout", "TcpExt", "TCPAbortOnTimeout"},
	[SK_CTR_TCP_ABORT_ON_DATA] = {"TCPAbortOnData", "TcpExt", "TCPAbortOnData"},
	[SK_CTR_TCP_ABORT_ON_LINGER] = {"TCPAbortOnLinger", "TcpExt", "TCPAbortOnLinger"},
	[SK_CTR_LISTEN_OVERFLOWS] = {"ListenOverflows", "TcpExt", "ListenOverflows"},
	[SK_CTR_LISTEN_DROPS] = {"ListenDrops", "TcpExt", "ListenDrops"},
	[SK_CTR_TCP_TIMEWAIT_OVERFLOW] = {"TCPTimeWaitOverflow", "TcpExt", "TCPTimeWaitOverflow"},
	[SK_CTR_TCP_MEMORY_PRESSURES] = {"TCPMemoryPressures", "TcpExt", "TCPMemoryPressures"},
	[SK_CTR_TCP_RCVQ_DROP] = {"TCPRcvQDrop", "TcpExt", "TCPRcvQDrop"},
	[SK_CTR_TCP_ZERO_WINDOW_DROP] = {"TCPZeroWindowDrop", "TcpExt", "TCPZeroWindowDrop"},
	[SK_CTR_TCP_CURR_ESTAB] = {"CurrEstab", "Tcp", "CurrEstab"},
	[SK_CTR_TCP_ACTIVE_OPENS] = {"ActiveOpens", "Tcp", "ActiveOpens"},
	[SK_CTR_TCP_PASSIVE_OPENS] = {"PassiveOpens", "Tcp", "PassiveOpens"},
	[SK_CTR_TCP_ATTEMPT_FAILS] = {"AttemptFails", "Tcp", "AttemptFails"},
	[SK_CTR_TCP_ESTAB_RESETS] = {"EstabResets", "Tcp", "EstabResets"},
	[SK_CTR_TCP_RETRANS_SEGS] = {"RetransSegs", "Tcp", "RetransSegs"},
	[SK_CTR_UDP_RCVBUF_ERRORS] = {"RcvbufErrors", "Udp", "RcvbufErrors"},
	[SK_CTR_UDP_SNDBUF_ERRORS] = {"SndbufErrors", "Udp", "SndbufErrors"},
	[SK_CTR_UDP_IN_ERRORS] = {"InErrors", "Udp", "InErrors"},
};

static void set_unknown(int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = SK_UNKNOWN;
}

#define UNKNOWN_ALL(a) set_unknown((a), sizeof(a) / sizeof((a)[0]))
#define UNKNOWN_ONE(x) set_unknown(&(x), 1)

void sk_system_init(struct sk_system *sys)
{
	struct sk_limits *l = &sys->limits;

	UNKNOWN_ALL(sys->sockstat);
	UNKNOWN_ALL(sys->counters);
	sys->limits_from = SK_LIMITS_HERE;
	/* Field by field: a field added to sk_limits and forgotten here reads
	 * as 0 in the init test, not as a silent out-of-bounds write. */
	UNKNOWN_ONE(l->tcp_max_orphans);
	UNKNOWN_ALL(l->tcp_mem);
	UNKNOWN_ONE(l->page_size);
	UNKNOWN_ALL(l->tcp_rmem);
	UNKNOWN_ALL(l->tcp_wmem);
	UNKNOWN_ONE(l->tcp_max_tw_buckets);
	UNKNOWN_ONE(l->tcp_fin_timeout);
	UNKNOWN_ONE(l->tcp_orphan_retries);
	UNKNOWN_ALL(l->ip_local_port_range);
	UNKNOWN_ONE(l->somaxconn);
	UNKNOWN_ALL(l->file_nr);
	UNKNOWN_ONE(l->file_max);
	UNKNOWN_ONE(l->nr_open);
	UNKNOWN_ONE(l->rmem_max);
	UNKNOWN_ONE(l->wmem_max);
	sys->missing = 0;
}

/* A token of buf[*pos..len) delimited by spaces/tabs; stops at '\n'. */
static bool next_token(const char *buf, size_t len, size_t *pos, const char **tok, size_t *tlen)
{
	size_t i = *pos;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i >= len || buf[i] == '\n') {
		*pos = i;
		return false;
	}
	*tok = buf + i;
	while (i < len && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n')
		i++;
	*tlen = (size_t)(buf + i - *tok);
	*pos = i;
	return true;
}

static bool tok_eq(const char *tok, size_t tlen, const char *s)
{
	return strlen(s) == tlen && memcmp(tok, s, tlen) == 0;
}

/* Signed decimal with overflow check; the whole token must be a number. */
static bool parse_i64(const char *tok, size_t tlen, int64_t *out)
{
	size_t i = 0;
	bool neg = false;
	uint64_t v = 0;

	if (tlen && (tok[0] == '-' || tok[0] == '+'))
		neg = tok[i++] == '-';
	if (i == tlen)
		return false;
	for (; i < tlen; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return false;
		uint64_t d = (uint64_t)(tok[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	if (neg) {
		if (v > (uint64_t)INT64_MAX + 1)
			return false;
		*out = v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	} else {
		/* Counters are u64 in the kernel; anything past int64 saturates. */
		*out = v > INT64_MAX ? INT64_MAX : (int64_t)v;
	}
	return true;
}

static size_t line_end(const char *buf, size_t len, size_t pos)
{
	while (pos < len && buf[pos] != '\n')
		pos++;
	return pos;
}

/* The next name and its value: on one line ("name value name value ...",
 * both cursors the same) or on two (a line of names over a line of values).
 * 1: a pair; 0: the value is not a number, pass over it; -1: no more. */
static int next_pair(const char *buf, size_t name_end, size_t *np, size_t value_end, size_t *vp,
		     const char **name, size_t *nlen, int64_t *v)
{
	const char *val;
	size_t vlen;

	if (!next_token(buf, name_end, np, name, nlen) || !next_token(buf, value_end, vp, &val, &vlen))
		return -1;
	return parse_i64(val, vlen, v);
}

int sk_parse_sockstat(const char *buf, size_t len, int64_t out[SK_SS_LAST], int v6)
{
	size_t pos = 0;

	while (pos < len) {
		size_t end = line_end(buf, len, pos);
		const char *tok;
		size_t tlen;
		char line[16];

		if (next_token(buf, end, &pos, &tok, &tlen) && tlen > 1 && tok[tlen - 1] == ':' &&
		    tlen - 1 < sizeof(line)) {
			memcpy(line, tok, tlen - 1);
			line[tlen - 1] = '\0';
			/* "name value" pairs follow. */
			const char *name;
			size_t nlen;
			int64_t v;
			int got;

			while ((got = next_pair(buf, end, &pos, end, &pos, &name, &nlen, &v)) >= 0) {
				if (!got)
					continue;
				for (int i = 0; i < SK_SS_LAST; i++) {
					const struct sk_sockstat_def *d = &sk_sockstat_defs[i];
					bool is6 = strchr(d->line, '6') != NULL;

					if (is6 == (v6 != 0) && strcmp(d->line, line) == 0 &&
					    tok_eq(name, nlen, d->field))
						out[i] = v;
				}
			}
		}
		pos = end + 1;
	}
	return 0;
}

int sk_parse_netstat(const char *buf, size_t len, int64_t out[SK_CTR_LAST])
{
	size_t pos = 0;

	/* Pairs of lines: "Group: name1 name2\nGroup: v1 v2". */
	while (pos < len) {
		size_t end1 = line_end(buf, len, pos);
		size_t start2 = end1 + 1;

		if (start2 >= len)
			break;
		size_t end2 = line_end(buf, len, start2);
		size_t p1 = pos, p2 = start2;
		const char *g1, *g2;
		size_t g1len, g2len;

		if (!next_token(buf, end1, &p1, &g1, &g1len) || !next_token(buf, end2, &p2, &g2, &g2len) ||
		    g1len != g2len || memcmp(g1, g2, g1len) != 0 || g1[g1len - 1] != ':') {
			pos = end1 + 1; /* not a pair: resynchronise on the next line */
			continue;
		}
		const char *name;
		size_t nlen;
		int64_t v;
		int got;

		while ((got = next_pair(buf, end1, &p1, end2, &p2, &name, &nlen, &v)) >= 0) {
			if (!got)
				continue;
			for (int i = 0; i < SK_CTR_LAST; i++) {
				const struct sk_counter_def *d = &sk_counter_defs[i];

				if (strlen(d->group) == g1len - 1 && memcmp(d->group, g1, g1len - 1) == 0 &&
				    tok_eq(name, nlen, d->field))
					out[i] = v;
			}
		}
		pos = end2 + 1;
	}
	return 0;
}

int sk_parse_ints(const char *buf, size_t len, int64_t *out, int n)
{
	size_t pos = 0;
	int got = 0;

	while (got < n && pos < len) {
		while (pos < len && (buf[pos] == ' ' || buf[pos] == '\t' || buf[pos] == '\n'))
			pos++;
		size_t start = pos;

		while (pos < len && buf[pos] != ' ' && buf[pos] != '\t' && buf[pos] != '\n')
			pos++;
		if (pos == start || !parse_i64(buf + start, pos - start, &out[got]))
			break;
		got++;
	}
	return got;
}


static void read_ints(int rootfd, const char *path, int64_t *out, int n, struct sk_system *sys)
{
	char buf[256];
	ssize_t len = sk_read_at(rootfd, path, buf, sizeof(buf));

	if (len < 0 || sk_parse_ints(buf, (size_t)len, out, n) != n) {
		for (int i = 0; i < n; i++)
			out[i] = SK_UNKNOWN;
		sys->missing++;
	}
}

int sk_sysinfo_read(const char *proc_root, struct sk_system *sys, struct sk_error *err)
{
	struct sk_limits *l = &sys->limits;
	static const size_t big = 64 * 1024;
	char *buf;
	ssize_t len;
	int rootfd = open(proc_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long page;

	if (rootfd < 0)
		return sk_error_set(err, errno, "cannot open %s: %s", proc_root, strerror(errno));
	buf = malloc(big);
	if (!buf) {
		close(rootfd);
		return sk_error_set(err, ENOMEM, "out of memory");
	}
	static const struct {
		const char *path;
		int kind; /* 0 sockstat, 1 sockstat6, 2 netstat */
	} files[] = {
		{"net/sockstat", 0}, {"net/sockstat6", 1}, {"net/netstat", 2}, {"net/snmp", 2},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		len = sk_read_at(rootfd, files[i].path, buf, big);
		if (len < 0) {
			sys->missing++;
			continue;
		}
		if (files[i].kind == 2)
			sk_parse_netstat(buf, (size_t)len, sys->counters);
		else
			sk_parse_sockstat(buf, (size_t)len, sys->sockstat, files[i].kind);
	}
	read_ints(rootfd, "sys/net/ipv4/tcp_max_orphans", &l->tcp_max_orphans, 1, sys);
	read_ints(rootfd, "sys/net/ipv4/tcp_mem", l->tcp_mem, 3, sys);
	read_ints(rootfd, "sys/net/ipv4/tcp_rmem", l->tcp_rmem, 3, sys);
	read_ints(rootfd, "sys/net/ipv4/tcp_wmem", l->tcp_wmem, 3, sys);
	read_ints(rootfd, "sys/net/ipv4/tcp_max_tw_buckets", &l->tcp_max_tw_buckets, 1, sys);
	read_ints(rootfd, "sys/net/ipv4/tcp_fin_timeout", &l->tcp_fin_timeout, 1, sys);
	read_ints(rootfd, "sys/net/ipv4/tcp_orphan_retries", &l->tcp_orphan_retries, 1, sys);
	read_ints(rootfd, "sys/net/ipv4/ip_local_port_range", l->ip_local_port_range, 2, sys);
	read_ints(rootfd, "sys/net/core/somaxconn", &l->somaxconn, 1, sys);
	read_ints(rootfd, "sys/net/core/rmem_max", &l->rmem_max, 1, sys);
	read_ints(rootfd, "sys/net/core/wmem_max", &l->wmem_max, 1, sys);
	read_ints(rootfd, "sys/fs/file-nr", l->file_nr, 3, sys);
	read_ints(rootfd, "sys/fs/file-max", &l->file_max, 1, sys);
	read_ints(rootfd, "sys/fs/nr_open", &l->nr_open, 1, sys);
	page = sysconf(_SC_PAGESIZE);
	l->page_size = page > 0 ? page : SK_UNKNOWN;
	free(buf);
	close(rootfd);
	return 0;
}
