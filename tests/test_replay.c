/* sktop -r: a saved snapshot reads back into the view it was written from
 * (written again, it is byte for byte the same file), and a broken or
 * hostile file is refused with one line that names the problem. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>


#include "suite.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "analyse/persist.h"
#include "store/json.h"
#include "store/json_read.h"
#include "store/replay.h"
#include "snapbuild.h"

#define T0 1714564800 /* 2024-05-01T12:00:00Z */
#define NS_C 4026533000ULL

struct fixture {
	char *json;    /* a snapshot file with findings and history */
	size_t len;
	char dir[64];  /* scratch directory */
};

/* --- helpers ------------------------------------------------------------------------ */

static char *render(const struct sk_snapshot *s, unsigned flags, size_t *len)
{
	return sb_json(s, flags, len);
}

static char *write_file(const struct fixture *fx, const char *name, const char *data, size_t len)
{
	char *path = malloc(strlen(fx->dir) + strlen(name) + 2);
	FILE *f;

	assert_non_null(path);
	sprintf(path, "%s/%s", fx->dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* Replaces the first `from` (which must be there). */
static char *replace(const char *s, const char *from, const char *to, size_t *outlen)
{
	const char *at = strstr(s, from);
	size_t flen = strlen(from), tlen = strlen(to), slen = strlen(s);
	char *out;

	if (!at)
		fail_msg("'%s' not in the document", from);
	out = malloc(slen - flen + tlen + 1);
	assert_non_null(out);
	memcpy(out, s, (size_t)(at - s));
	memcpy(out + (at - s), to, tlen);
	memcpy(out + (at - s) + tlen, at + flen, slen - (size_t)(at - s) - flen + 1);
	if (outlen)
		*outlen = slen - flen + tlen;
	return out;
}

/* The input in a buffer of exactly its length (no NUL after it), so ASan
 * sees any read past the end. */
static int parse_exact(const char *doc, size_t len, struct sk_replay *r, struct sk_error *err)
{
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, doc, len);
	rc = sk_replay_parse(copy, len, "snap.json", r, err);
	free(copy);
	return rc;
}

static void check_refused(int rc, const struct sk_replay *r, const struct sk_error *err,
			  const char *needle)
{
	if (rc >= 0)
		fail_msg("accepted a bad file (wanted an error with '%s')", needle);
	assert_int_equal(rc, -err->code);
	if (strchr(err->msg, '\n') || err->msg[0] == '\0')
		fail_msg("not one line: '%s'", err->msg);
	if (!strstr(err->msg, needle))
		fail_msg("message '%s' lacks '%s'", err->msg, needle);
	/* Nothing half-built is left behind. */
	assert_null(r->snap.socks.v);
	assert_null(r->snap.procs.v);
	assert_null(r->snap.strs.buf);
	assert_null(r->findings.list.v);
	assert_null(r->history.procs.v);
}

static void expect_bad_len(const char *doc, size_t len, const char *needle)
{
	struct sk_replay r;
	struct sk_error err = {0};
	int rc = parse_exact(doc, len, &r, &err);

	check_refused(rc, &r, &err, needle);
	sk_replay_free(&r);
}

static void expect_bad(const char *doc, const char *needle)
{
	expect_bad_len(doc, strlen(doc), needle);
}

/* The fixture with one change, refused with a message holding needle. */
static void expect_bad_edit(const struct fixture *fx, const char *from, const char *to,
			    const char *needle)
{
	size_t len;
	char *doc = replace(fx->json, from, to, &len);

	expect_bad_len(doc, len, needle);
	free(doc);
}

/* The fixture's edits that must be refused, each with a word of the message,
 * by the test that owns them. */
enum edit_group {
	E_SERVICE, E_ERRNO, E_HUGE, E_TYPES, E_SCHEMA, E_NAMES, E_STRINGS, E_REFS, E_HISTORY
};

static const struct bad_edit {
	enum edit_group group;
	const char *from, *to, *needle;
} bad_edits[] = {
	/* a service object that is not one */
	{E_SERVICE, "\"kind\":\"k8s\"",
	 "\"kind\":\"nomad\"",
	 "unknown service kind"},
	{E_SERVICE, "\"container\":\"checkout\"",
	 "\"container\":7",
	 "container"},
	/* a dump error that is no errno */
	{E_ERRNO, "\"errno\":1,",
	 "\"errno\":0,",
	 "errno: 0 is not an error"},
	{E_ERRNO, "\"errno\":1,",
	 "\"errno\":\"EPERM\",",
	 "errno: expected an integer"},
	/* numbers out of their range */
	{E_HUGE, "\"seq\":5,",
	 "\"seq\":184467440737095516150,",
	 "integer out of range"},
	{E_HUGE, "\"seq\":5,",
	 "\"seq\":18446744073709551616,",
	 "integer out of range"},
	{E_HUGE, "\"seq\":5,",
	 "\"seq\":-9223372036854775809,",
	 "integer out of range"},
	{E_HUGE, "\"seq\":5,",
	 "\"seq\":1e400,",
	 "number out of range"},
	{E_HUGE, "\"seq\":5,",
	 "\"seq\":1.00000000000000000000000000000000000000000000000000000000000000001,",
	 "number too long"},
	{E_HUGE, "\"seq\":5,",
	 "\"seq\":5.0,",
	 "seq: expected an integer, got a fraction"},
	{E_HUGE, "\"duration_us\":4325",
	 "\"duration_us\":4294967296",
	 "duration_us: 4294967296 is out of range (0..4294967295)"},
	{E_HUGE, "{\"pid\":100,\"comm\"",
	 "{\"pid\":2147483648,\"comm\"",
	 "processes[0].pid: 2147483648 is out of range"},
	{E_HUGE, "\"retrans\":0,",
	 "\"retrans\":256,",
	 "sockets[0].retrans: 256 is out of range (0..255)"},
	{E_HUGE, "\"recv_q\":3,",
	 "\"recv_q\":-3,",
	 "sockets[0].recv_q: negative value -3"},
	{E_HUGE, "\"tcp_info_len\":232",
	 "\"tcp_info_len\":65536",
	 "tcp_info.tcp_info_len: 65536 is out of range (0..65535)"},
	{E_HUGE, "{\"pid\":100,\"comm\"",
	 "{\"pid\":0,\"comm\"",
	 "pid 0 is not a process"},
	{E_HUGE, "\"window_s\":600",
	 "\"window_s\":18446744073709552",
	 "window_s: 18446744073709552 is out of range"},
	/* values of the wrong type */
	{E_TYPES, "\"inode\":1000,",
	 "\"inode\":\"1000\",",
	 "sockets[0].inode: expected an integer, got a string"},
	{E_TYPES, "\"root\":true",
	 "\"root\":1",
	 "root: expected true or false, got an integer"},
	{E_TYPES, "\"host\":\"db-1",
	 "\"host\":[\"db-1\"],\"x\":\"",
	 "host: expected a string, got an array"},
	{E_TYPES, "\"sockets\":[{\"proto\"",
	 "\"sockets\":{},\"x\":[{\"proto\"",
	 "sockets: expected an array, got an object"},
	{E_TYPES, "\"fds\":[{\"pid\":100,\"fd\":3},",
	 "\"fds\":[100,",
	 "sockets[0].fds[0]: expected an object, got an integer"},
	{E_TYPES, "\"tcp_mem\":[90000,120000,180000]",
	 "\"tcp_mem\":[90000,120000]",
	 "system.limits.tcp_mem: expected 3 values, got 2"},
	{E_TYPES, "\"tcp_mem\":[90000,",
	 "\"tcp_mem\":[\"90000\",",
	 "system.limits.tcp_mem[0]: expected an integer, got a string"},
	/* The totals are counted from the rows, not read: "other" (fds with no
	 * row) is what the file still says about them. */
	{E_TYPES, "\"other\":{",
	 "\"other\":{\"TCP\":-1,",
	 "system.other.TCP: negative value -1"},
	{E_TYPES, "\"fd_limit\":1024",
	 "\"fd_limit\":\"unlimited\"",
	 "processes[0].fd_limit: expected an integer, got a string"},
	{E_TYPES, "\"samples\":[[",
	 "\"samples\":[5,[",
	 "expected a [t_ms, value] pair"},
	{E_TYPES, "\"time\":\"2024-05-01T12:02:40Z\"",
	 "\"time\":\"2024-02-30T12:02:40Z\"",
	 "time: invalid time '2024-02-30T12:02:40Z'"},
	{E_TYPES, "\"local\":\"0.0.0.0:80\"",
	 "\"local\":\"0.0.0.0:800000\"",
	 "sockets[0].local: invalid IPv4 address '0.0.0.0:800000'"},
	{E_TYPES, "\"local\":\"0.0.0.0:80\"",
	 "\"local\":\"[::]:80\"",
	 "invalid IPv4 address"},
	{E_TYPES, "\"family\":\"inet\"",
	 "\"family\":\"unix\"",
	 "sockets[0].family: family 'unix' does not go with protocol 'tcp'"},
	/* another schema */
	{E_SCHEMA, "{\"schema\":1,",
	 "{\"schema\":2,",
	 "snapshot schema 2 is not supported (this sktop reads schema 1)"},
	{E_SCHEMA, "{\"schema\":1,",
	 "{\"schema\":\"1\",",
	 "schema: expected an integer"},
	/* names the reader does not know */
	{E_NAMES, "\"state\":\"LISTEN\"",
	 "\"state\":\"FOO\"",
	 "snap.json: sockets[0].state: unknown state 'FOO'"},
	{E_NAMES, "\"state\":\"LISTEN\"",
	 "\"state\":\"\\u001b[2J\"",
	 "unknown state '\\x1b[2J'"},
	{E_NAMES, "\"proto\":\"tcp\"",
	 "\"proto\":\"sctp\"",
	 "unknown protocol 'sctp'"},
	{E_NAMES, "\"timer\":\"off\"",
	 "\"timer\":\"never\"",
	 "unknown timer 'never'"},
	{E_NAMES, "\"owner\":\"fd\"",
	 "\"owner\":\"me\"",
	 "unknown owner kind 'me'"},
	{E_NAMES, "\"severity\":\"critical\"",
	 "\"severity\":\"fatal\"",
	 "findings[0].severity: unknown severity 'fatal'"},
	{E_NAMES, "\"type\":\"process\"",
	 "\"type\":\"planet\"",
	 "findings[0].subject.type: unknown subject type 'planet'"},
	/* strings that are not valid JSON text */
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\xff" "6.1",
	 "invalid UTF-8 in string"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\xc0\x80" "6.1",
	 "invalid UTF-8"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\xed\xa0\x80" "6.1",
	 "invalid UTF-8"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\\q6.1",
	 "invalid escape in string"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\\u12G46.1",
	 "invalid \\u escape"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\\ud800x6.1",
	 "unpaired UTF-16 surrogate"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\\udc006.1",
	 "unpaired UTF-16 surrogate"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\t6.1",
	 "control character in string"},
	{E_STRINGS, "\"kernel\":\"6.1",
	 "\"kernel\":\"\n6.1",
	 "line 1, column"},
	/* references to rows that are not there */
	{E_REFS, "{\"pid\":150,\"fd\":4}",
	 "{\"pid\":999,\"fd\":4}",
	 "sockets[0].fds[1].pid: pid 999 is not in \"processes\""},
	{E_REFS, "\"likely_pid\":100",
	 "\"likely_pid\":101",
	 "likely_pid: pid 101 is not in \"processes\""},
	{E_REFS, "{\"pid\":150,\"comm\"",
	 "{\"pid\":100,\"comm\"",
	 "duplicate pid 100"},
	{E_REFS, "\"sockets\":[{\"inode\":",
	 "\"sockets\":[{\"inode\":77777,\"x\":",
	 "no socket with inode 77777"},
	{E_REFS, "\"pid\":100,\"comm\"",
	 "\"pid\":100,\"pid\":100,\"comm\"",
	 "processes[0]: duplicate key 'pid'"},
	{E_REFS, "\"other\":{",
	 "\"other\":{\"TCP\":1,\"TCP\":1,",
	 "duplicate key 'TCP'"},
	{E_REFS, "{\"pid\":100,\"starttime\":1100,",
	 "{\"pid\":100,\"starttime\":1100,\"sockets\":[[1,1],[2,2]],",
	 "history.processes[0]: duplicate key 'sockets'"},
	/* history rings that cannot be */
	{E_HISTORY, "\"samples\":[[",
	 "\"samples\":[[999999,1],[",
	 "time goes backwards"},
	{E_HISTORY, "\"samples\":[[",
	 "\"samples\":[[1,2,3],[",
	 "[t_ms, value] pair"},
	{E_HISTORY, "\"samples\":[[",
	 "\"samples\":[[1,2]],\"x\":[[",
	 "expected 2 to 33 [t_ms, value] pairs, got 1"},
};

/* Every edit of the group, applied to the fixture alone, is refused. */
static void expect_bad_edits(const struct fixture *fx, enum edit_group group)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(bad_edits) / sizeof(bad_edits[0]); i++) {
		if (bad_edits[i].group != group)
			continue;
		expect_bad_edit(fx, bad_edits[i].from, bad_edits[i].to, bad_edits[i].needle);
		n++;
	}
	assert_true(n > 0);
}

static void load_ok(const char *doc, size_t len, struct sk_replay *r)
{
	struct sk_error err = {0};
	int rc = parse_exact(doc, len, r, &err);

	if (rc != 0)
		fail_msg("refused: %s", err.msg);
}

/* Where two renderings first differ, for a readable failure. */
static void assert_same_json(const char *want, size_t wlen, const char *got, size_t glen)
{
	size_t i = 0;

	while (i < wlen && i < glen && want[i] == got[i])
		i++;
	if (i == wlen && i == glen)
		return;
	size_t from = i > 60 ? i - 60 : 0;

	fail_msg("JSON differs at byte %zu:\n want ...%.120s\n got  ...%.120s", i, want + from,
		 got + from);
}

/* --- the world: a snapshot with something of every kind ----------------------------- */

static void set_cmdline(struct sk_snapshot *s, uint32_t p, const char *cmd)
{
	int rc = 0;

	s->procs.v[p].cmdline = sk_strtab_add(&s->strs, cmd, strlen(cmd), &rc);
	assert_int_equal(rc, 0);
}

static void system_figures(struct sk_snapshot *s, int round)
{
	struct sk_limits *l = &s->sys.limits;

	/* sk_snapshot_reset left every figure unknown: some stay so (null). */
	s->sys.sockstat[SK_SS_SOCKETS_USED] = 420;
	s->sys.sockstat[SK_SS_TCP_INUSE] = 90;
	s->sys.sockstat[SK_SS_TCP_ORPHAN] = 2 + round;
	s->sys.sockstat[SK_SS_TCP_TW] = 3;
	s->sys.sockstat[SK_SS_TCP_ALLOC] = 120;
	s->sys.sockstat[SK_SS_TCP_MEM] = 5 + round;
	s->sys.sockstat[SK_SS_UDP_INUSE] = 4;
	for (int i = 0; i < SK_CTR_LAST; i++)
		s->sys.counters[i] = i * 7;
	s->sys.counters[SK_CTR_LISTEN_OVERFLOWS] = 3 * round;
	s->sys.counters[SK_CTR_TCP_ZERO_WINDOW_DROP] = SK_UNKNOWN;
	sb_limits(l);
	l->tcp_rmem[0] = 4096;
	l->tcp_rmem[1] = 131072;
	l->tcp_rmem[2] = 6291456;
	l->tcp_wmem[0] = 4096;
	l->tcp_wmem[1] = 16384;
	l->tcp_wmem[2] = 4194304;
	l->tcp_max_tw_buckets = 262144;
	l->tcp_fin_timeout = 60;
	l->file_nr[0] = 1500 + round;
	l->file_nr[1] = 0;
	l->file_nr[2] = 9223372036854775807LL;
	l->nr_open = 1073741816;
	l->rmem_max = 212992;
	/* wmem_max stays unknown */
}

static void v6_details(struct sk_socket *k, int round)
{
	k->flags |= SK_SOCK_HAS_UID | SK_SOCK_HAS_CGROUP | SK_SOCK_HAS_SHUTDOWN | SK_SOCK_HAS_MEM |
		    SK_SOCK_HAS_TCPINFO;
	k->uid = 33;
	k->cgroup_id = 0x123456789ULL;
	k->shutdown = 1;
	k->timer = SK_TIMER_KEEPALIVE;
	k->timer_ms = 7200000;
	k->retrans = 3;
	k->recv_q = 17;
	k->send_q = 4000 + (uint32_t)round;
	k->mem = (struct sk_meminfo){1, 2, 3, 4, 5, 6, 7, 8, 9};
	k->tcp = (struct sk_tcpinfo){
		.ca_state = 4, .retransmits = 5, .probes = 6, .backoff = 7, .snd_wscale = 14,
		.rcv_wscale = 9, .tcpinfo_len = 232, .rto_us = 204000, .ato_us = 40000,
		.snd_mss = 1428, .rcv_mss = 536, .unacked = 11, .sacked = 12, .lost = 13,
		.retrans = 14, .total_retrans = 15, .last_data_sent_ms = 16, .last_data_recv_ms = 17,
		.last_ack_recv_ms = 18, .rtt_us = 19, .rttvar_us = 20, .snd_cwnd = 21,
		.snd_ssthresh = 2147483647u, .rcv_space = 23, .notsent_bytes = 24, .delivered = 25,
		.snd_wnd = 26, .rcv_wnd = 27, .bytes_acked = 18446744073709551615ULL,
		.bytes_received = 29, .bytes_sent = 30, .bytes_retrans = 31,
	};
}

static void build_round(struct sk_snapshot *s, int round)
{
	struct sk_socket *k;
	uint32_t p;
	int cw = 50 + 2 * round, closed = 50 + 3 * round; /* both under the 64 the writer lists */

	sb_refresh(s, (uint64_t)round + 1, 5000 + (uint64_t)round * 40000, T0 + round * 40,
		   "db-1\\x1b[31m.example", "6.1.0-18-amd64");
	s->partial = round % 2;
	s->duration_us = 4321 + (uint32_t)round;
	s->diag = (struct sk_diag_stats){.messages = 17, .rejected = 1, .retries = 2,
					 .unsupported = 1};
	s->procfs = (struct sk_procfs_stats){.processes = 5, .vanished = 1, .fd_denied = 1,
					     .fds = 300};
	s->owners_cached = 3;
	s->owners_rescanned = round == 4;
	s->owners_bpf = round >= 3; /* the last round, the one the file keeps, read fds with BPF */
	system_figures(s, round);
	sb_netns(s, NS_A, ALL_INET);
	s->netns.v[0].own = true;
	sb_netns(s, NS_B, ALL_INET);
	sb_netns(s, NS_C, 0);
	s->netns.v[2].dump_error = -EPERM;

	/* pid 100: a server with a listener, traffic, a dup()ed fd, and a
	 * CLOSE_WAIT pile-up. */
	p = sb_proc(s, 100, NS_A);
	snprintf(s->procs.v[p].comm, SK_COMM_MAX, "nginx");
	set_cmdline(s, p, "nginx: worker \\x07 \xc3\xa9t\xc3\xa9 \"quoted\"");
	s->procs.v[p].uid = 33;
	s->procs.v[p].rss_kb = 20480;
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 1000, "0.0.0.0", 80, NS_A);
	k->recv_q = 3;
	k->send_q = 511;
	sb_fd(s, p, 3, 1000);
	for (int i = 1; i <= 20; i++) {
		k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 1000 + (uint64_t)i,
			    "10.0.0.1", 80, NS_A);
		sb_peer(k, "10.0.0.9", (uint16_t)(40000 + i));
		k->recv_q = (uint32_t)(100 * i);
		sb_fd(s, p, 3 + i, 1000 + (uint64_t)i);
	}
	sb_fd(s, p, 50, 1001); /* dup */
	for (int i = 0; i < cw; i++) {
		k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, 3000 + (uint64_t)i,
			    "10.0.0.1", 80, NS_A);
		sb_peer(k, i % 3 ? "10.0.3.7" : "10.0.3.8", (uint16_t)(50000 + i));
		sb_fd(s, p, 60 + i, 3000 + (uint64_t)i);
	}

	/* pid 150: shares the listener (a prefork master), unix sockets, no fd limit. */
	p = sb_proc(s, 150, NS_A);
	snprintf(s->procs.v[p].comm, SK_COMM_MAX, "master\\x1b");
	set_cmdline(s, p, "/usr/sbin/master -f");
	s->procs.v[p].fd_limit = SK_FD_LIMIT_UNLIMITED;
	sb_fd(s, p, 4, 1000);
	sb_unix(s, SOCK_STREAM, SK_TCP_LISTEN, 7000, "/run/app.sock", 0, NS_A);
	sb_unix(s, SOCK_DGRAM, SK_TCP_CLOSE, 7001, "", 7002, NS_A);
	sb_unix(s, SOCK_SEQPACKET, SK_TCP_ESTABLISHED, 7002, "@abstract\\x00name", 7001, NS_A);
	sb_fd(s, p, 5, 7000);
	sb_fd(s, p, 6, 7001);
	sb_fd(s, p, 7, 7002);

	/* pid 200: TCP fds no dump reported (closed leak), an unbound UDP
	 * one, a netlink one. */
	p = sb_proc(s, 200, NS_A);
	snprintf(s->procs.v[p].comm, SK_COMM_MAX, "leaky");
	for (int i = 0; i < closed; i++)
		sb_fd(s, p, 100 + i, 5000 + (uint64_t)i);
	sb_fd(s, p, 300, 6000);
	sb_fd(s, p, 400, 6001);

	/* pid 300: IPv6 with every optional field, a UDP socket elsewhere. */
	p = sb_proc(s, 300, NS_B);
	snprintf(s->procs.v[p].comm, SK_COMM_MAX, "v6srv");
	s->procs.v[p].flags |= SK_PROC_FD_DENIED;
	s->procs.v[p].starttime = 18446744073709551615ULL;
	k = sb_sock(s, SK_PROTO_TCP, AF_INET6, SK_TCP_ESTABLISHED, 8000, "2001:db8::1", 443, NS_B);
	sb_peer(k, "2001:db8::2", 50000);
	v6_details(k, round);
	sb_fd(s, p, 10, 8000);
	k = sb_sock(s, SK_PROTO_TCP, AF_INET6, SK_TCP_LISTEN, 8001, "::", 443, NS_B);
	sb_fd(s, p, 11, 8001);
	k = sb_sock(s, SK_PROTO_TCP, AF_INET6, SK_TCP_ESTABLISHED, 8002, "::ffff:10.0.0.1", 443,
		    NS_B);
	sb_peer(k, "::ffff:10.0.0.2", 1);
	sb_fd(s, p, 12, 8002);
	k = sb_sock(s, SK_PROTO_UDP, AF_INET, SK_TCP_CLOSE, 9000, "0.0.0.0", 53, NS_B);
	k->recv_q = 2000;
	sb_fd(s, p, 13, 9000);

	/* pid 400: no sockets (not in "processes"), but near its fd limit. */
	p = sb_proc(s, 400, NS_A);
	s->procs.v[p].fd_count = 1000;

	/* fd-less rows: an orphan behind pid 100's listener, one only its
	 * cgroup explains, a TIME_WAIT. */
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0, "10.0.0.1", 80, NS_A);
	sb_peer(k, "10.0.0.9", 45000);
	k->send_q = 1000;
	k->timer = SK_TIMER_PERSIST;
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT2, 0, "10.0.0.1", 41000, NS_A);
	sb_peer(k, "192.0.2.1", 443);
	k->flags |= SK_SOCK_HAS_CGROUP;
	k->cgroup_id = 77;
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_TIME_WAIT, 0, "10.0.0.1", 42000, NS_A);
	sb_peer(k, "192.0.2.1", 443);
	k->timer = SK_TIMER_TIMEWAIT;
	k->timer_ms = 59000;

	for (size_t i = 0; i < s->socks.n; i++)
		s->socks.v[i].cookie = 0xC0FFEE00ULL + i;
}

/* What the resolver gives after the join: pid 100 and 150 in one pod
 * (two equal rows, as two cgroups of one container would give), pid 200
 * a systemd unit with a hostile name, the fd-less socket of cgroup 77 a
 * Docker container; namespace B has an `ip netns` name. */
static void add_services(struct sk_snapshot *s)
{
	uint32_t pod = sb_service(s, SK_SERVICE_K8S, "shop/checkout-7d9f8b-x2x4q",
				  "checkout-7d9f8b-x2x4q", "shop", "checkout", NULL);
	uint32_t pod2 = sb_service(s, SK_SERVICE_K8S, "shop/checkout-7d9f8b-x2x4q",
				   "checkout-7d9f8b-x2x4q", "shop", "checkout", NULL);
	uint32_t unit = sb_service(s, SK_SERVICE_SYSTEMD, "leaky\\x1b[31m.service", NULL, NULL,
				   NULL, "leaky\\x1b[31m.service");
	uint32_t web = sb_service(s, SK_SERVICE_DOCKER, "web", NULL, NULL, "web", NULL);
	int rc = 0;

	for (size_t i = 0; i < s->procs.n; i++) {
		struct sk_process *p = &s->procs.v[i];

		p->service = p->pid == 100 ? pod : p->pid == 150 ? pod2 : p->pid == 200 ? unit : 0;
	}
	for (size_t k = 0; k < s->socks.n; k++)
		if (s->socks.v[k].cgroup_id == 77)
			sb_sock_service(s, k, web);
	s->netns.v[1].name = sk_strtab_add(&s->strs, "blue", 4, &rc);
	assert_int_equal(rc, 0);
}

/* Five refreshes 40 s apart on a fake clock: findings and history fill up. */
static char *build_file(size_t *len)
{
	struct sk_snapshot s;
	struct sk_history h;
	struct sk_findings f;
	struct sk_thresholds th;
	struct sk_persist *ages;
	struct sk_error err = {0};
	char *json;

	assert_int_equal(sk_persist_new(&ages), 0);
	sk_snapshot_init(&s);
	sk_history_init(&h, 0);
	sk_findings_init(&f);
	sk_thresholds_default(&th);
	for (int round = 0; round < 5; round++) {
		build_round(&s, round);
		assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
		add_services(&s);
		assert_int_equal(sk_persist_update(ages, &s), 0);
		assert_int_equal(sk_history_record(&h, &s), 0);
		assert_int_equal(sk_findings_evaluate(&f, &s, &h, &th), 0);
	}
	assert_true(f.list.n >= 3);
	assert_true(f.socks.n > 0);
	assert_true(h.procs.n >= 3);
	s.findings = &f;
	s.history = &h;
	json = render(&s, SK_JSON_HISTORY, len);
	sk_snapshot_free(&s);
	sk_history_free(&h);
	sk_findings_free(&f);
	sk_persist_free(ages);
	return json;
}

static int group_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *tmp = getenv("TMPDIR");

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/sktop-replay-XXXXXX",
		 tmp && *tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (!mkdtemp(fx->dir)) {
		free(fx);
		return -1;
	}
	fx->json = build_file(&fx->len);
	*state = fx;
	return 0;
}

static int group_teardown(void **state)
{
	struct fixture *fx = *state;

	rmdir(fx->dir);
	free(fx->json);
	free(fx);
	return 0;
}

/* --- round trip ------------------------------------------------------------------------- */

/* The fixture's file read back into r: what the round-trip tests look at. */
static const struct sk_snapshot *load_fixture_file(void **state, struct sk_replay *r)
{
	const struct fixture *fx = *state;

	load_ok(fx->json, fx->len, r);
	return &r->snap;
}

static void test_round_trip_identical(void **state)
{
	struct fixture *fx = *state;
	char *path = write_file(fx, "snap.json", fx->json, fx->len);
	struct sk_replay r;
	struct sk_error err = {0};
	size_t len;
	char *again;

	if (sk_replay_load(path, &r, &err) != 0)
		fail_msg("load: %s", err.msg);
	again = render(&r.snap, SK_JSON_HISTORY, &len);
	assert_same_json(fx->json, fx->len, again, len);
	free(again);
	sk_replay_free(&r);
	unlink(path);
	free(path);
}

static void test_round_trip_structure(void **state)
{
	struct sk_replay r;
	const struct sk_snapshot *s = load_fixture_file(state, &r);
	const struct sk_process *p;
	uint32_t orphans = 0;

	assert_ptr_equal(s->findings, &r.findings);
	assert_ptr_equal(s->history, &r.history);
	assert_true(s->procs_sorted);
	assert_int_equal(s->procs.n, 4); /* 400 held no socket */
	for (size_t i = 1; i < s->procs.n; i++)
		assert_true(s->procs.v[i - 1].pid < s->procs.v[i].pid);
	/* Each process's fds are contiguous and point back at it. */
	size_t next = 0;

	for (size_t i = 0; i < s->procs.n; i++) {
		p = &s->procs.v[i];
		assert_int_equal(p->fdrefs_start, next);
		next += p->fdrefs_count;
		for (uint32_t f = p->fdrefs_start; f < p->fdrefs_start + p->fdrefs_count; f++) {
			assert_int_equal(s->fdrefs.v[f].proc, i);
			assert_int_equal(s->fdrefs.v[f].inode, s->socks.v[s->fdrefs.v[f].sock].inode);
		}
	}
	assert_int_equal(next, s->fdrefs.n);
	assert_int_equal(s->owner_index.n, s->fdrefs.n);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		for (uint32_t o = 0; o < k->owners_count; o++)
			assert_int_equal(s->fdrefs.v[s->owner_index.v[k->owners_start + o]].sock, i);
		if (k->flags & SK_SOCK_ORPHAN) {
			orphans++;
			if (k->owner_kind == SK_OWNER_LISTENER)
				assert_int_equal(s->procs.v[k->likely_owner].pid, 100);
		}
	}
	assert_int_equal(orphans, 2);
	/* pid 100: 71 + 1 dup fds; the listener is shared with 150. */
	p = sk_snapshot_find_pid(s, 100);
	assert_non_null(p);
	assert_int_equal(p->fdrefs_count, 1 + 20 + 1 + 58);
	assert_int_equal(s->socks.v[0].owners_count, 2);
	p = sk_snapshot_find_pid(s, 150);
	assert_true(p->fd_limit == SK_FD_LIMIT_UNLIMITED);
	assert_string_equal(p->comm, "master\\x1b");
	p = sk_snapshot_find_pid(s, 300);
	assert_true(p->flags & SK_PROC_FD_DENIED);
	assert_int_equal(s->sys.sockstat[SK_SS_FRAG6_MEMORY], SK_UNKNOWN);
	assert_int_equal(s->sys.limits.wmem_max, SK_UNKNOWN);
	assert_int_equal(s->netns.n, 3);
	assert_int_equal(s->netns.v[2].dump_error, -EPERM);
	assert_int_equal(s->realtime.tv_sec, T0 + 160);
	assert_int_equal(s->monotonic.tv_sec, 165);
	/* Findings point at real sockets and their evidence at static names. */
	assert_true(r.findings.list.n >= 3);
	for (size_t i = 0; i < r.findings.list.n; i++) {
		const struct sk_finding *f = &r.findings.list.v[i];

		assert_true(f->nev > 0);
		for (uint32_t j = 0; j < f->socks_count; j++)
			assert_true(r.findings.socks.v[f->socks_start + j] < s->socks.n);
		if (f->subject_type == SK_SUBJ_PROCESS && f->pid != 400)
			assert_int_equal(s->procs.v[f->proc].pid, f->pid);
		if (f->pid == 400)
			assert_int_equal(f->proc, SK_NONE);
	}
	assert_true(r.history.procs.n >= 3);
	assert_int_equal(r.history.samples, 5);
	assert_int_equal(r.history.sys[SK_SM_ORPHANS].n, 5);
	assert_int_equal(r.history.sys[SK_SM_ORPHANS].last.v, 6);
	sk_replay_free(&r);
}

/* One row per distinct object, each process and the fd-less socket
 * pointing at theirs, the namespace's name back. */
static void test_services_round_trip(void **state)
{
	struct sk_replay r;
	const struct sk_snapshot *s = load_fixture_file(state, &r);
	const struct sk_service *sv;
	size_t fdless = 0;

	assert_int_equal(s->services.n, 3);
	sv = sk_snapshot_service(s, sk_snapshot_find_pid(s, 100)->service);
	assert_non_null(sv);
	assert_ptr_equal(sv, sk_snapshot_service(s, sk_snapshot_find_pid(s, 150)->service));
	assert_int_equal(sv->kind, SK_SERVICE_K8S);
	assert_string_equal(sk_strtab_get(&s->strs, sv->pod), "checkout-7d9f8b-x2x4q");
	assert_string_equal(sk_strtab_get(&s->strs, sv->ns), "shop");
	assert_string_equal(sk_strtab_get(&s->strs, sv->container), "checkout");
	assert_int_equal(strlen(sk_strtab_get(&s->strs, sv->id)), 64);
	assert_int_equal(sv->nprocs, 2);
	sv = sk_snapshot_service(s, sk_snapshot_find_pid(s, 200)->service);
	assert_non_null(sv);
	assert_int_equal(sv->kind, SK_SERVICE_SYSTEMD);
	assert_string_equal(sk_strtab_get(&s->strs, sv->unit), "leaky\\x1b[31m.service");
	assert_null(sk_snapshot_service(s, sk_snapshot_find_pid(s, 300)->service));
	assert_int_equal(s->sock_service.n, s->socks.n);
	for (size_t k = 0; k < s->socks.n; k++) {
		sv = sk_snapshot_sock_service(s, k);
		if (!sv)
			continue;
		fdless++;
		assert_int_equal(s->socks.v[k].cgroup_id, 77);
		assert_string_equal(sk_strtab_get(&s->strs, sv->name), "web");
		assert_int_equal(sv->nsockets, 1);
	}
	assert_int_equal(fdless, 1);
	assert_string_equal(sk_strtab_get(&s->strs, s->netns.v[1].name), "blue");
	assert_int_equal(s->netns.v[0].name, 0);
	sk_replay_free(&r);
}

/* A service object that is not one is refused with its place. */
static void test_bad_service(void **state)
{
	struct fixture *fx = *state;

	expect_bad_edits(fx, E_SERVICE);
}

/* Every byte of every string is printable after loading, whatever the file says. */
static void assert_printable(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7F)
			fail_msg("control byte 0x%02x in '%s'", *c, s);
}

/* doc loads into r and is written back as the fixture itself. */
static void loads_as_fixture(const struct fixture *fx, const char *doc, size_t len,
			     struct sk_replay *r)
{
	size_t len2;
	char *again;

	load_ok(doc, len, r);
	again = render(&r->snap, SK_JSON_HISTORY, &len2);
	assert_same_json(fx->json, fx->len, again, len2);
	free(again);
}

struct edit {
	const char *from, *to;
};

/* The fixture with each edit made in turn (each `from` must be there). */
static char *edited(const struct fixture *fx, const struct edit *e, size_t n, size_t *len)
{
	char *doc = replace(fx->json, e[0].from, e[0].to, len);

	for (size_t i = 1; i < n; i++) {
		char *next = replace(doc, e[i].from, e[i].to, len);

		free(doc);
		doc = next;
	}
	return doc;
}

/* The fixture with those edits, loaded into r (the caller frees it). */
static void load_edited(const struct fixture *fx, const struct edit *e, size_t n,
			struct sk_replay *r)
{
	size_t len;
	char *doc = edited(fx, e, n, &len);

	load_ok(doc, len, r);
	free(doc);
}

static void load_edit(const struct fixture *fx, const char *from, const char *to,
		      struct sk_replay *r)
{
	load_edited(fx, &(struct edit){from, to}, 1, r);
}

/* The fixture with those edits loads into r and is written back as the
 * fixture itself: the edits changed nothing the reader keeps. */
static void edited_loads_as_fixture(const struct fixture *fx, const struct edit *e, size_t n,
				    struct sk_replay *r)
{
	size_t len;
	char *doc = edited(fx, e, n, &len);

	loads_as_fixture(fx, doc, len, r);
	free(doc);
}

static void test_hostile_strings_escaped(void **state)
{
	static const struct edit hostile[] = {
		{"\"host\":\"db-1", "\"host\":\"\\u001b]0;pwned\\u0007\\u0000db-1"},
		{"\"comm\":\"nginx\"", "\"comm\":\"\\u202egnp.exe\\u009b\\r\""},
		{"\"local\":\"/run/app.sock\"", "\"local\":\"/run/\\u001b[2J\\ud83d\\ude00.sock\""},
		{"\"cmdline\":\"/usr/sbin/master -f\"",
		 "\"cmdline\":\"\\u001b[1;1H\\u001b[2Jrm -rf\""},
	};
	struct sk_replay r;

	load_edited(*state, hostile, sizeof(hostile) / sizeof(hostile[0]), &r);
	assert_printable(r.snap.host);
	assert_non_null(strstr(r.snap.host, "\\x1b]0;pwned\\x07\\x00db-1"));
	assert_printable(r.snap.procs.v[0].comm);
	assert_string_equal(r.snap.procs.v[0].comm, "\\xe2\\x80\\xaegnp.exe\\xc2\\x9b\\x0d");
	for (size_t i = 0; i < r.snap.strs.len; i += strlen(r.snap.strs.buf + i) + 1)
		assert_printable(r.snap.strs.buf + i);
	assert_non_null(strstr(sk_strtab_get(&r.snap.strs, r.snap.procs.v[1].cmdline),
			       "\\x1b[1;1H\\x1b[2Jrm -rf"));
	sk_replay_free(&r);
}

static void test_unknown_fields_ignored(void **state)
{
	static const struct edit future[] = {
		{"{\"schema\":1,",
		 "{\"future\":{\"x\":[1,2.5e3,{\"y\":null}],\"z\":\"\\u00e9\"},\"schema\":1,"},
		{"\"cookie\":", "\"new_field\":[[],{}],\"cookie\":"},
		{"\"evidence\":{", "\"evidence\":{\"zz_future\":{\"value\":1},"},
	};
	struct sk_replay r;

	edited_loads_as_fixture(*state, future, sizeof(future) / sizeof(future[0]), &r);
	sk_replay_free(&r);
}

/* A file from before a field was added still loads. */
static void test_older_file(void **state)
{
	struct sk_replay r;

	load_edit(*state, ",\"owners_cached\":3,\"owners_rescanned\":true", "", &r);
	assert_int_equal(r.snap.owners_cached, 0);
	assert_false(r.snap.owners_rescanned);
	assert_int_equal(r.snap.procfs.fds, 300);
	sk_replay_free(&r);
	/* No "ownership" (before the BPF owner path): owners came from /proc. */
	load_edit(*state, ",\"ownership\":\"bpf\"", "", &r);
	assert_false(r.snap.owners_bpf);
	sk_replay_free(&r);
}

/* Counts are the join's, made again from the rows: a file whose counts
 * lie is read as the rows say, and written back as the original. */
static void test_counts_recounted(void **state)
{
	static const struct edit lies[] = {
		{"\"orphans_attributed\":1,", "\"orphans_attributed\":77,"},
		{"\"fd_limit\":1024,\"sockets\":", "\"fd_limit\":1024,\"sockets\":5000,\"y\":"},
		{"\"sockets\":", "\"sockets\":999999,\"x\":"},
	};
	struct sk_replay r;

	edited_loads_as_fixture(*state, lies, sizeof(lies) / sizeof(lies[0]), &r);
	assert_int_equal(r.snap.totals.orphans_attributed, 1);
	assert_int_equal(r.snap.totals.sockets, r.snap.socks.n);
	assert_int_equal(sk_snapshot_find_pid(&r.snap, 100)->agg.orphans, 1);
	assert_int_not_equal(sk_snapshot_find_pid(&r.snap, 100)->agg.sockets, 5000);
	sk_replay_free(&r);
}

/* A failed dump's code is read as a number; a file from before "errno"
 * falls back to its text. */
static void test_dump_errno(void **state)
{
	struct sk_replay r;

	load_edit(*state, "\"errno\":1,", "\"errno\":13,", &r);
	assert_int_equal(r.snap.netns.v[2].dump_error, -EACCES);
	sk_replay_free(&r);
	load_edit(*state, "\"errno\":1,", "", &r);
	assert_int_equal(r.snap.netns.v[2].dump_error, -EPERM);
	sk_replay_free(&r);
	expect_bad_edits(*state, E_ERRNO);
}

/* Adds a newline and indentation after every ',' '{' '[' outside strings. */
static char *prettify(const char *s, size_t *outlen)
{
	size_t n = strlen(s);
	char *out = malloc(n * 4 + 1), *o = out;
	bool in_str = false;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		*o++ = s[i];
		if (in_str) {
			if (s[i] == '\\')
				*o++ = s[++i];
			else if (s[i] == '"')
				in_str = false;
		} else if (s[i] == '"') {
			in_str = true;
		} else if (s[i] == ',' || s[i] == '{' || s[i] == '[') {
			memcpy(o, "\n\t ", 3);
			o += 3;
		}
	}
	*o = '\0';
	*outlen = (size_t)(o - out);
	return out;
}

static void test_pretty_printed(void **state)
{
	struct fixture *fx = *state;
	struct sk_replay r;
	size_t len, len2;
	char *pretty = prettify(fx->json, &len);
	char *again;

	load_ok(pretty, len, &r);
	again = render(&r.snap, SK_JSON_HISTORY, &len2);
	assert_same_json(fx->json, fx->len, again, len2);
	free(again);
	free(pretty);
	sk_replay_free(&r);
}

static void test_json_lines_last_complete(void **state)
{
	struct fixture *fx = *state;
	struct sk_snapshot s;
	struct sk_error err = {0};
	struct sk_replay r;
	char *lines[3], *doc;
	size_t lens[3], total = 0;

	(void)fx;
	sk_snapshot_init(&s);
	for (int i = 0; i < 3; i++) {
		build_round(&s, i);
		assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
		lines[i] = render(&s, 0, &lens[i]); /* batch lines: no rings */
		total += lens[i];
	}
	sk_snapshot_free(&s);
	doc = malloc(total + 64);
	assert_non_null(doc);
	memcpy(doc, lines[0], lens[0]);
	memcpy(doc + lens[0], lines[1], lens[1]);
	memcpy(doc + lens[0] + lens[1], lines[2], lens[2]);

	/* Three complete lines, and blank lines after them. */
	memcpy(doc + total, "\n  \n", 4);
	load_ok(doc, total + 4, &r);
	assert_int_equal(r.snap.seq, 3);
	sk_replay_free(&r);

	assert_int_equal(r.skipped_tail, 0);
	sk_replay_free(&r);

	/* A fourth line still being written: the third counts, and the
	 * caller learns how much was skipped (to say so, never silently). */
	memcpy(doc + total, "{\"schema\":1,\"ti", 15);
	load_ok(doc, total + 15, &r);
	assert_int_equal(r.snap.seq, 3);
	assert_int_equal(r.skipped_tail, 15);
	sk_replay_free(&r);

	/* The last line complete but without its newline. */
	load_ok(doc, total - 1, &r);
	assert_int_equal(r.snap.seq, 3);
	assert_int_equal(r.skipped_tail, 0);
	sk_replay_free(&r);

	/* The last complete line broken: that is an error, with its line. */
	doc[lens[0] + lens[1] + 1] = '#'; /* {#schema": a syntax error */
	memcpy(doc + total, "{\"sch", 5);
	expect_bad_len(doc, total + 5, "line 3,");
	free(doc);
	for (int i = 0; i < 3; i++)
		free(lines[i]);
}

/* Processes out of pid order in the file come back sorted, fds still right. */
static void test_unsorted_processes(void **state)
{
	struct sk_snapshot s;
	struct sk_error err = {0};
	struct sk_replay r;
	char *json;
	size_t len;
	const int32_t pids[] = {300, 100, 200};

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	/* A listener nobody holds: sk_snapshot_join hands its listener table to
	 * qsort_r, which UBSan faults when the table was never allocated. */
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 99, "0.0.0.0", 80, NS_A);
	for (int i = 0; i < 3; i++) {
		uint32_t p = sb_proc(&s, pids[i], NS_A);

		sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 10 + (uint64_t)i, "10.0.0.1",
			(uint16_t)(1000 + i), NS_A);
		sb_fd(&s, p, 3, 10 + (uint64_t)i);
		sb_fd(&s, p, 4, 10 + (uint64_t)i);
	}
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);
	json = render(&s, SK_JSON_HISTORY, &len);
	sk_snapshot_free(&s);
	load_ok(json, len, &r);
	assert_true(r.snap.procs_sorted);
	assert_int_equal(r.snap.procs.v[0].pid, 100);
	assert_int_equal(r.snap.procs.v[1].pid, 200);
	assert_int_equal(r.snap.procs.v[2].pid, 300);
	for (size_t i = 0; i < 3; i++) {
		const struct sk_process *p = &r.snap.procs.v[i];
		/* pid 300 held inode 10, 100 inode 11, 200 inode 12. */
		uint64_t want = p->pid == 300 ? 10 : p->pid == 100 ? 11 : 12;

		assert_int_equal(p->fdrefs_count, 2);
		for (uint32_t f = p->fdrefs_start; f < p->fdrefs_start + 2; f++)
			assert_int_equal(r.snap.fdrefs.v[f].inode, want);
	}
	sk_replay_free(&r);
	free(json);
}

/* --- refused files -------------------------------------------------------------------- */

static void test_empty_and_not_json(void **state)
{
	(void)state;
	expect_bad_len("", 0, "empty");
	expect_bad(" \n\t\r\n", "empty");
	expect_bad("hello", "line 1, column 1");
	expect_bad("\n\nsktop snapshot", "line 3, column 1");
	expect_bad("[1,2,3]", "not an sktop snapshot");
	expect_bad("\"schema\"", "not an sktop snapshot");
	expect_bad("{}", "no \"schema\"");
	expect_bad("{\"schema\":1}", "time: missing");
	/* A byte order mark is not JSON, but editors write it: skipped. */
	expect_bad("\xef\xbb\xbf{\"schema\":1}", "time: missing");
	expect_bad("\xef\xbb\xbf", "empty");
}

static void test_truncated(void **state)
{
	struct fixture *fx = *state;
	size_t cut = fx->len / 2;

	while (fx->json[cut] != ',')
		cut++;
	expect_bad_len(fx->json, cut, "truncated file?");
	expect_bad_len(fx->json, fx->len - 2, "truncated file?"); /* "}" and "\n" gone */
	expect_bad_len(fx->json, 1, "truncated file?");
	/* Many more cut points: never a crash, always one line. */
	for (size_t n = 0; n < fx->len - 2; n += 1 + n / 16)
		expect_bad_len(fx->json, n, "snap.json: ");
}

static void test_deep_nesting(void **state)
{
	size_t n = 100000;
	char *deep = malloc(n);

	(void)state;
	assert_non_null(deep);
	memset(deep, '[', n);
	expect_bad_len(deep, n, "nesting deeper than 64");
	memset(deep, '{', n);
	expect_bad_len(deep, n, "expected a string key");
	for (size_t i = 0; i + 5 < n; i += 5)
		memcpy(deep + i, "{\"a\":", 5);
	expect_bad_len(deep, n - n % 5, "nesting deeper than 64");
	free(deep);
}

/* A test whose whole body is its group of bad_edits. */
#define BAD_EDITS_TEST(name, group)                                               \
	static void name(void **state)                                            \
	{                                                                         \
		expect_bad_edits(*state, group);                                  \
	}

BAD_EDITS_TEST(test_huge_numbers, E_HUGE)
BAD_EDITS_TEST(test_wrong_types, E_TYPES)
BAD_EDITS_TEST(test_schema_2, E_SCHEMA)
BAD_EDITS_TEST(test_unknown_names, E_NAMES)
BAD_EDITS_TEST(test_bad_strings, E_STRINGS)
BAD_EDITS_TEST(test_dangling_references, E_REFS)

static void test_bad_history(void **state)
{
	struct fixture *fx = *state;
	char ring[1024] = "\"samples\":[";

	for (int i = 0; i <= SK_HISTORY_SLOTS + 1; i++)
		snprintf(ring + strlen(ring), sizeof(ring) - strlen(ring), "%s[%d,1]", i ? "," : "", i);
	strcat(ring, "],\"x\":[");
	expect_bad_edit(fx, "\"samples\":[", ring, "expected 2 to 33 [t_ms, value] pairs, got 34");
	expect_bad_edits(fx, E_HISTORY);
}

/* --- files ----------------------------------------------------------------------------- */

static void expect_load_fails(const char *path, int code, const char *needle)
{
	struct sk_replay r;
	struct sk_error err = {0};
	int rc = sk_replay_load(path, &r, &err);

	if (code)
		assert_int_equal(rc, -code);
	check_refused(rc, &r, &err, needle);
	sk_replay_free(&r);
}

static void test_files(void **state)
{
	struct fixture *fx = *state;
	char *path = write_file(fx, "real.json", fx->json, fx->len);
	char *empty = write_file(fx, "empty.json", "", 0);
	char link[128], fifo[128], missing[128];
	struct sk_replay r;
	struct sk_error err = {0};

	expect_load_fails(fx->dir, EISDIR, "is a directory");
	expect_load_fails("/dev/zero", EINVAL, "/dev/zero: not a regular file");
	expect_load_fails(empty, EINVAL, "empty file");
	snprintf(missing, sizeof(missing), "%s/missing.json", fx->dir);
	expect_load_fails(missing, ENOENT, "missing.json: No such file");
	snprintf(fifo, sizeof(fifo), "%s/fifo", fx->dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	expect_load_fails(fifo, EINVAL, "not a regular file"); /* and no hang */
	/* A symlink to a regular file is fine. */
	snprintf(link, sizeof(link), "%s/link.json", fx->dir);
	assert_int_equal(symlink(path, link), 0);
	if (sk_replay_load(link, &r, &err) != 0)
		fail_msg("symlink: %s", err.msg);
	assert_int_equal(r.snap.seq, 5);
	sk_replay_free(&r);
	unlink(link);
	unlink(fifo);
	unlink(empty);
	unlink(path);
	free(empty);
	free(path);
}

/* --- robustness ----------------------------------------------------------------------- */

static uint64_t next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* Random damage: each result is a clean load (which renders) or one line. */
static void test_mutations(void **state)
{
	struct fixture *fx = *state;
	static const char junk[] = "{}[],:\"\\0123456789-.eE ntfu\xff\xc3\x80";
	char *doc = malloc(fx->len + 8);
	uint64_t seed = 0x9E3779B97F4A7C15ULL;
	int loaded = 0;

	assert_non_null(doc);
	for (int iter = 0; iter < 400; iter++) {
		struct sk_replay r;
		struct sk_error err = {0};
		size_t len = fx->len;
		int edits = 1 + (int)(next_rand(&seed) % 3);

		memcpy(doc, fx->json, len);
		for (int e = 0; e < edits; e++) {
			size_t at = (size_t)(next_rand(&seed) % len);
			char ch = junk[next_rand(&seed) % (sizeof(junk) - 1)];

			switch (next_rand(&seed) % 3) {
			case 0: doc[at] = ch; break;
			case 1: memmove(doc + at, doc + at + 1, len - at - 1); len--; break;
			default:
				if (len < fx->len + 8) {
					memmove(doc + at + 1, doc + at, len - at);
					doc[at] = ch;
					len++;
				}
			}
		}
		if (parse_exact(doc, len, &r, &err) == 0) {
			size_t olen;
			char *out = render(&r.snap, SK_JSON_HISTORY, &olen);

			free(out);
			loaded++;
		} else {
			assert_true(err.code > 0);
			assert_null(strchr(err.msg, '\n'));
			assert_non_null(strstr(err.msg, "snap.json: "));
		}
		sk_replay_free(&r);
	}
	free(doc);
	print_message("mutations: %d of 400 still loaded\n", loaded);
}

/* --- the parser against a real snapshot ------------------------------------------------ */

/* A tree node is 16 bytes: "[0,0,0,...]" would make a tree eight times its
 * file (a 500 MB file took 4.6 GB). Denser than one value per 3 bytes is
 * refused before a node is allocated; a real snapshot is far below that. */
static void test_parser_memory_bound(void **state)
{
	struct fixture *fx = *state;
	size_t n = 8 * SK_JSON_FREE_NODES, len = 4 * n + 64;
	char *doc = malloc(len);
	struct sk_json_doc d;
	struct sk_json_error e;
	size_t at = 0, nodes;

	assert_non_null(doc);
	for (int form = 0; form < 3; form++) {
		static const char *const open[] = {"[", "{\"a\":[", "{\"schema\":1,\"a\":[["};

		at = (size_t)sprintf(doc, "%s", open[form]);
		for (size_t i = 0; i < n; i++) {
			if (form == 2) /* [0],[0],...: the containers count too */
				doc[at++] = '[';
			doc[at++] = '0';
			if (form == 2)
				doc[at++] = ']';
			doc[at++] = i + 1 < n ? ',' : ']';
		}
		if (form == 2)
			doc[at++] = ']';
		if (form)
			doc[at++] = '}';
		assert_int_equal(sk_json_parse(doc, at, &d, &e), -EINVAL);
		assert_int_equal(e.kind, SK_JSON_E_TOOBIG);
		assert_null(d.nodes);
		sk_json_doc_free(&d);
	}
	/* 3 bytes a value ("10,") still parses. */
	at = 0;
	doc[at++] = '[';
	for (size_t i = 0; i < n / 2; i++)
		memcpy(doc + at, i + 1 < n / 2 ? "10," : "10]", 3), at += 3;
	assert_int_equal(sk_json_parse(doc, at, &d, &e), 0);
	sk_json_doc_free(&d);
	free(doc);
	/* The real snapshot, with findings and history, is far from the bound. */
	assert_int_equal(sk_json_parse(fx->json, fx->len, &d, &e), 0);
	nodes = d.n;
	sk_json_doc_free(&d);
	assert_true(nodes * SK_JSON_MIN_BYTES_PER_NODE * 2 < fx->len);
}

SK_SUITE_MAIN(group_setup, group_teardown,
	cmocka_unit_test(test_parser_memory_bound),
	cmocka_unit_test(test_round_trip_identical),
	cmocka_unit_test(test_round_trip_structure),
	cmocka_unit_test(test_services_round_trip),
	cmocka_unit_test(test_bad_service),
	cmocka_unit_test(test_hostile_strings_escaped),
	cmocka_unit_test(test_unknown_fields_ignored),
	cmocka_unit_test(test_older_file),
	cmocka_unit_test(test_counts_recounted),
	cmocka_unit_test(test_dump_errno),
	cmocka_unit_test(test_pretty_printed),
	cmocka_unit_test(test_json_lines_last_complete),
	cmocka_unit_test(test_unsorted_processes),
	cmocka_unit_test(test_empty_and_not_json),
	cmocka_unit_test(test_truncated),
	cmocka_unit_test(test_deep_nesting),
	cmocka_unit_test(test_huge_numbers),
	cmocka_unit_test(test_wrong_types),
	cmocka_unit_test(test_schema_2),
	cmocka_unit_test(test_unknown_names),
	cmocka_unit_test(test_bad_strings),
	cmocka_unit_test(test_dangling_references),
	cmocka_unit_test(test_bad_history),
	cmocka_unit_test(test_files),
	cmocka_unit_test(test_mutations))
