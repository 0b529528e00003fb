/* System figures: sockstat (a real machine's and the field report's),
 * counters found by name whatever the column order, sysctls, and unknown
 * stays unknown. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"
#include "fixture_root.h"
#include "collect/sysinfo.h"

static size_t read_fixture(const char *rel, char *buf, size_t size)
{
	char root[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n;
	int fd;

	fixture_root("proc", root, sizeof(root));
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("open %s", path);
	n = read(fd, buf, size);
	close(fd);
	assert_true(n > 0 && (size_t)n < size);
	return (size_t)n;
}

static void unknown_all(int64_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		v[i] = SK_UNKNOWN;
}

struct ss_want {
	enum sk_sockstat id;
	int64_t v;
};

/* A sockstat fixture (and the sockstat6 beside it, if any) and what it
 * must read as. */
static const struct sockstat_case {
	const char *v4, *v6;
	size_t n;
	struct ss_want want[SK_SS_LAST];
} sockstat_cases[] = {
	/* seed 001: ss -s said closed 157624, sockstat alloc 157760 */
	{"net/sockstat.seed001", NULL, 14, {
		{SK_SS_SOCKETS_USED, 158400}, {SK_SS_TCP_INUSE, 89}, {SK_SS_TCP_ORPHAN, 2},
		{SK_SS_TCP_TW, 197}, {SK_SS_TCP_ALLOC, 157760}, {SK_SS_TCP_MEM, 16},
		{SK_SS_UDP_INUSE, 6}, {SK_SS_UDP_MEM, 0}, {SK_SS_UDPLITE_INUSE, 0},
		{SK_SS_RAW_INUSE, 0}, {SK_SS_FRAG_INUSE, 0}, {SK_SS_FRAG_MEMORY, 0},
		/* v6 lines come from sockstat6 only */
		{SK_SS_TCP6_INUSE, SK_UNKNOWN}, {SK_SS_FRAG6_MEMORY, SK_UNKNOWN}}},
	/* a real machine's */
	{"net/sockstat", "net/sockstat6", 12, {
		{SK_SS_SOCKETS_USED, 15}, {SK_SS_TCP_INUSE, 1}, {SK_SS_TCP_ORPHAN, 3},
		{SK_SS_TCP_TW, 0}, {SK_SS_TCP_ALLOC, 98}, {SK_SS_TCP_MEM, 3541},
		{SK_SS_TCP6_INUSE, 0}, {SK_SS_UDP6_INUSE, 0}, {SK_SS_UDPLITE6_INUSE, 0},
		{SK_SS_RAW6_INUSE, 0}, {SK_SS_FRAG6_INUSE, 0}, {SK_SS_FRAG6_MEMORY, 0}}},
};

/* Parses case c's files into v (all unknown before) and checks its rows. */
static void check_sockstat_case(const struct sockstat_case *c, int64_t *v)
{
	char buf[1024];

	unknown_all(v, SK_SS_LAST);
	assert_int_equal(sk_parse_sockstat(buf, read_fixture(c->v4, buf, sizeof(buf)), v, 0), 0);
	if (c->v6)
		assert_int_equal(sk_parse_sockstat(buf, read_fixture(c->v6, buf, sizeof(buf)), v, 1),
				 0);
	for (const struct ss_want *w = c->want; w < c->want + c->n; w++)
		if (v[w->id] != w->v)
			fail_msg("%s: %s: %lld, want %lld", c->v4, sk_sockstat_defs[w->id].name,
				 (long long)v[w->id], (long long)w->v);
}

static void test_sockstat_field_report(void **state)
{
	int64_t v[SK_SS_LAST];

	(void)state;
	check_sockstat_case(&sockstat_cases[0], v);
}

static void test_sockstat_real(void **state)
{
	int64_t v[SK_SS_LAST];

	(void)state;
	check_sockstat_case(&sockstat_cases[1], v);
	for (int i = 0; i < SK_SS_LAST; i++)
		if (v[i] == SK_UNKNOWN)
			fail_msg("%s not found in a real sockstat", sk_sockstat_defs[i].name);
}

static void test_sockstat_hostile(void **state)
{
	static const char in[] = "TCP: inuse 5 orphan 99999999999999999999 tw x alloc\n"
				 "TCP6: inuse 44\n"  /* a v6 line in the v4 file: ignored */
				 "XYZ: inuse 7\n"
				 "\n"
				 "UDP:inuse 3\n"     /* no blank after the colon: not a line name */
				 "RAW: mem 1 inuse 12\n"
				 "FRAG: inuse 4 memory 12345";  /* no trailing newline, cut below */
	int64_t v[SK_SS_LAST];

	(void)state;
	unknown_all(v, SK_SS_LAST);
	assert_int_equal(sk_parse_sockstat(in, sizeof(in) - 1 - 3, v, 0), 0);
	assert_int_equal(v[SK_SS_TCP_INUSE], 5);
	assert_int_equal(v[SK_SS_TCP_ORPHAN], SK_UNKNOWN); /* overflow: not a value */
	assert_int_equal(v[SK_SS_TCP_TW], SK_UNKNOWN);
	assert_int_equal(v[SK_SS_TCP_ALLOC], SK_UNKNOWN);
	assert_int_equal(v[SK_SS_TCP6_INUSE], SK_UNKNOWN);
	assert_int_equal(v[SK_SS_UDP_INUSE], SK_UNKNOWN);
	assert_int_equal(v[SK_SS_RAW_INUSE], 12); /* by name, not position */
	assert_int_equal(v[SK_SS_FRAG_INUSE], 4);
	assert_int_equal(v[SK_SS_FRAG_MEMORY], 12); /* len, not the NUL, ends the buffer */
	assert_int_equal(sk_parse_sockstat("", 0, v, 1), 0);
}

static void test_sockstat_scope_table(void **state)
{
	(void)state;
	for (int i = 0; i < SK_SS_LAST; i++) {
		const struct sk_sockstat_def *d = &sk_sockstat_defs[i];
		char name[64];
		/* orphan, alloc and mem are machine-wide counters in the kernel;
		 * inuse, tw, "sockets used" and FRAG are per network namespace. */
		int global = strcmp(d->name, "TCP_orphan") == 0 || strcmp(d->name, "TCP_alloc") == 0 ||
			     strcmp(d->name, "TCP_mem") == 0 || strcmp(d->name, "UDP_mem") == 0;

		assert_non_null(d->name);
		if (d->global != global)
			fail_msg("%s: global %d", d->name, d->global);
		snprintf(name, sizeof(name), "%s_%s", d->line, d->field);
		assert_string_equal(d->name, name);
		for (int k = 0; k < i; k++)
			assert_string_not_equal(d->name, sk_sockstat_defs[k].name);
	}
	for (int i = 0; i < SK_CTR_LAST; i++) {
		assert_non_null(sk_counter_defs[i].name);
		for (int k = 0; k < i; k++)
			assert_string_not_equal(sk_counter_defs[i].name, sk_counter_defs[k].name);
	}
	assert_string_equal(sk_counter_defs[SK_CTR_TCP_CURR_ESTAB].name, "CurrEstab");
	assert_string_equal(sk_counter_defs[SK_CTR_UDP_RCVBUF_ERRORS].group, "Udp");
	assert_string_equal(sk_counter_defs[SK_CTR_UDP_RCVBUF_ERRORS].name, "RcvbufErrors");
	assert_string_equal(sk_counter_defs[SK_CTR_TCP_ABORT_ON_MEMORY].group, "TcpExt");
}

static void test_netstat_by_name(void **state)
{
	/* Columns reordered, unknown ones, a huge value, a group with no value
	 * line, UdpLite's same-named columns, and Tcp's MaxConn of -1. */
	static const char in[] =
		"TcpExt: Foo ListenDrops TCPAbortOnMemory ListenOverflows TCPAbortOnClose\n"
		"TcpExt: 1 7 18446744073709551615 5 18446744073709551616\n"
		"IpExt: InNoRoutes\n"
		"Tcp: RtoAlgorithm MaxConn CurrEstab AttemptFails\n"
		"Tcp: 1 -1 103 -9223372036854775808\n"
		"\n"
		"Udp: InDatagrams RcvbufErrors SndbufErrors InErrors\n"
		"Udp: 10 42 x\n" /* short value line: InErrors unknown */
		"UdpLite: InDatagrams RcvbufErrors SndbufErrors InErrors\n"
		"UdpLite: 10 99 99 99\n"
		"TcpExt: TCPAbortOnData\n"; /* a name line at the end, no values */
	struct sk_system sys;

	(void)state;
	sk_system_init(&sys);
	assert_int_equal(sk_parse_netstat(in, sizeof(in) - 1, sys.counters), 0);
	assert_int_equal(sys.counters[SK_CTR_LISTEN_DROPS], 7);
	assert_int_equal(sys.counters[SK_CTR_LISTEN_OVERFLOWS], 5);
	assert_int_equal(sys.counters[SK_CTR_TCP_ABORT_ON_MEMORY], INT64_MAX); /* saturated */
	assert_int_equal(sys.counters[SK_CTR_TCP_ABORT_ON_CLOSE], SK_UNKNOWN);  /* past u64 */
	assert_int_equal(sys.counters[SK_CTR_TCP_ABORT_ON_DATA], SK_UNKNOWN);
	assert_int_equal(sys.counters[SK_CTR_TCP_CURR_ESTAB], 103);
	assert_int_equal(sys.counters[SK_CTR_TCP_ATTEMPT_FAILS], INT64_MIN);
	assert_int_equal(sys.counters[SK_CTR_UDP_RCVBUF_ERRORS], 42); /* Udp's, not UdpLite's */
	assert_int_equal(sys.counters[SK_CTR_UDP_SNDBUF_ERRORS], SK_UNKNOWN); /* "x" */
	assert_int_equal(sys.counters[SK_CTR_UDP_IN_ERRORS], SK_UNKNOWN);
	assert_int_equal(sys.counters[SK_CTR_TCP_RETRANS_SEGS], SK_UNKNOWN);
}

static void test_netstat_bounds(void **state)
{
	static const char in[] = "Tcp: CurrEstab RetransSegs\nTcp: 12345 77\n";
	int64_t v[SK_CTR_LAST];

	(void)state;
	/* Cut inside the first value: what is inside len is all there is. */
	unknown_all(v, SK_CTR_LAST);
	assert_int_equal(sk_parse_netstat(in, 35, v), 0);
	assert_int_equal(v[SK_CTR_TCP_CURR_ESTAB], 123);
	assert_int_equal(v[SK_CTR_TCP_RETRANS_SEGS], SK_UNKNOWN);
	/* Cut right after the name line: no values at all. */
	unknown_all(v, SK_CTR_LAST);
	assert_int_equal(sk_parse_netstat(in, 27, v), 0);
	assert_int_equal(v[SK_CTR_TCP_CURR_ESTAB], SK_UNKNOWN);
	/* Mismatched groups resynchronise on the next line. */
	static const char skew[] = "Ip: a b\nTcp: CurrEstab\nTcp: 8\n";

	unknown_all(v, SK_CTR_LAST);
	assert_int_equal(sk_parse_netstat(skew, sizeof(skew) - 1, v), 0);
	assert_int_equal(v[SK_CTR_TCP_CURR_ESTAB], 8);
	assert_int_equal(sk_parse_netstat("", 0, v), 0);
	assert_int_equal(sk_parse_netstat(":\n:\n", 4, v), 0);
}

static void test_netstat_real(void **state)
{
	static char buf[65536];
	int64_t v[SK_CTR_LAST];

	(void)state;
	unknown_all(v, SK_CTR_LAST);
	assert_int_equal(sk_parse_netstat(buf, read_fixture("net/netstat", buf, sizeof(buf)), v), 0);
	assert_int_equal(sk_parse_netstat(buf, read_fixture("net/snmp", buf, sizeof(buf)), v), 0);
	/* Every name in the table is a real kernel column. */
	for (int i = 0; i < SK_CTR_LAST; i++)
		if (v[i] == SK_UNKNOWN)
			fail_msg("%s:%s not found in a real netstat/snmp", sk_counter_defs[i].group,
				 sk_counter_defs[i].field);
	assert_int_equal(v[SK_CTR_TCP_ACTIVE_OPENS], 13);
	assert_int_equal(v[SK_CTR_TCP_PASSIVE_OPENS], 2);
	assert_int_equal(v[SK_CTR_TCP_ABORT_ON_DATA], 1);
	assert_int_equal(v[SK_CTR_TCP_CURR_ESTAB], 0);
}

static void test_ints(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		int n, got;
		int64_t v[3];
	} cases[] = {
		{"4096\t131072\t6291456\n", 20, 3, 3, {4096, 131072, 6291456}},
		{"32768\t60999\n", 12, 2, 2, {32768, 60999, 0}},
		{"12 x 3", 6, 3, 1, {12, 0, 0}},
		{"-1\n", 3, 1, 1, {-1, 0, 0}},
		{"9223372036854775807 18446744073709551615", 40, 2, 2, {INT64_MAX, INT64_MAX, 0}},
		{"99999999999999999999", 20, 1, 0, {0, 0, 0}},
		{"1 2 3 4", 7, 3, 3, {1, 2, 3}},   /* no more than asked */
		{"1 2", 3, 3, 2, {1, 2, 0}},       /* fewer than asked */
		{"1234", 2, 1, 1, {12, 0, 0}},     /* len bounds the number */
		{"", 0, 1, 0, {0, 0, 0}},
		{"\n", 1, 1, 0, {0, 0, 0}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t v[3] = {0, 0, 0};
		int got = sk_parse_ints(cases[i].in, cases[i].len, v, cases[i].n);

		if (got != cases[i].got)
			fail_msg("case %zu: got %d, want %d", i, got, cases[i].got);
		for (int k = 0; k < got; k++)
			if (v[k] != cases[i].v[k])
				fail_msg("case %zu: v[%d] %lld", i, k, (long long)v[k]);
	}
}

static void test_init(void **state)
{
	struct sk_system sys;
	int64_t lim[sizeof(sys.limits) / sizeof(int64_t)];

	(void)state;
	memset(&sys, 0x5a, sizeof(sys));
	sk_system_init(&sys);
	assert_int_equal(sys.missing, 0);
	for (int i = 0; i < SK_SS_LAST; i++)
		assert_int_equal(sys.sockstat[i], SK_UNKNOWN);
	for (int i = 0; i < SK_CTR_LAST; i++)
		assert_int_equal(sys.counters[i], SK_UNKNOWN);
	/* sk_limits is all int64_t: every one of them must start unknown. */
	_Static_assert(sizeof(sys.limits) % sizeof(int64_t) == 0, "sk_limits is int64_t only");
	memcpy(lim, &sys.limits, sizeof(lim));
	for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++)
		if (lim[i] != SK_UNKNOWN)
			fail_msg("limits field %zu not unknown", i);
}

static void test_read_fixture(void **state)
{
	char root[PATH_MAX];
	struct sk_system sys;
	struct sk_error err = {0};
	const struct sk_limits *l = &sys.limits;
	const struct {
		const char *name;
		const int64_t *got;
		int n;
		int64_t want[3];
	} sysctls[] = {
		{"tcp_max_orphans", &sys.limits.tcp_max_orphans, 1, {65536}},
		{"tcp_mem", sys.limits.tcp_mem, 3, {287898, 383866, 575796}},
		{"tcp_rmem", sys.limits.tcp_rmem, 3, {4096, 131072, 6291456}},
		{"tcp_wmem", sys.limits.tcp_wmem, 3, {4096, 16384, 4194304}},
		{"tcp_max_tw_buckets", &sys.limits.tcp_max_tw_buckets, 1, {131072}},
		{"tcp_fin_timeout", &sys.limits.tcp_fin_timeout, 1, {60}},
		{"tcp_orphan_retries", &sys.limits.tcp_orphan_retries, 1, {0}},
		{"ip_local_port_range", sys.limits.ip_local_port_range, 2, {32768, 60999}},
		{"somaxconn", &sys.limits.somaxconn, 1, {4096}},
		{"rmem_max", &sys.limits.rmem_max, 1, {4194304}},
		{"wmem_max", &sys.limits.wmem_max, 1, {4194304}},
		{"file-nr", sys.limits.file_nr, 3, {1234, 0, 2442976}},
		{"file-max", &sys.limits.file_max, 1, {2442976}},
		{"nr_open", &sys.limits.nr_open, 1, {SK_UNKNOWN}}, /* missing on purpose */
	};

	(void)state;
	fixture_root("proc", root, sizeof(root));
	sk_system_init(&sys);
	assert_int_equal(sk_sysinfo_read(root, &sys, &err), 0);
	assert_int_equal(sys.sockstat[SK_SS_TCP_ALLOC], 98);
	assert_int_equal(sys.sockstat[SK_SS_TCP6_INUSE], 0);
	assert_int_equal(sys.counters[SK_CTR_TCP_ACTIVE_OPENS], 13);
	assert_int_equal(sys.counters[SK_CTR_TCP_ABORT_ON_DATA], 1);
	for (size_t i = 0; i < sizeof(sysctls) / sizeof(sysctls[0]); i++)
		for (int k = 0; k < sysctls[i].n; k++)
			if (sysctls[i].got[k] != sysctls[i].want[k])
				fail_msg("%s[%d]: %lld, want %lld", sysctls[i].name, k,
					 (long long)sysctls[i].got[k], (long long)sysctls[i].want[k]);
	assert_int_equal(l->page_size, sysconf(_SC_PAGESIZE));
	assert_int_equal(sys.missing, 1); /* nr_open, and nothing else */
}

/* A root with nothing in it: every figure unknown, every file counted. */
static void test_read_empty_root(void **state)
{
	char root[PATH_MAX];
	struct sk_system sys;
	struct sk_error err = {0};

	(void)state;
	fixture_root("proc/notapid", root, sizeof(root));
	sk_system_init(&sys);
	assert_int_equal(sk_sysinfo_read(root, &sys, &err), 0);
	assert_int_equal(sys.missing, 4 + 14); /* 4 net files, 14 sysctl files */
	for (int i = 0; i < SK_SS_LAST; i++)
		assert_int_equal(sys.sockstat[i], SK_UNKNOWN);
	for (int i = 0; i < SK_CTR_LAST; i++)
		assert_int_equal(sys.counters[i], SK_UNKNOWN);
	assert_int_equal(sys.limits.tcp_mem[2], SK_UNKNOWN);
	assert_int_equal(sys.limits.file_nr[0], SK_UNKNOWN);
	assert_true(sys.limits.page_size > 0); /* ours, not the tree's */

	assert_int_equal(sk_sysinfo_read("/nonexistent-sktop", &sys, &err), -ENOENT);
	assert_non_null(strstr(err.msg, "/nonexistent-sktop"));
}

/* The live machine: the files exist and the counters are found. */
static void test_read_live(void **state)
{
	struct sk_system sys;
	struct sk_error err = {0};

	(void)state;
	sk_system_init(&sys);
	assert_int_equal(sk_sysinfo_read("/proc", &sys, &err), 0);
	assert_true(sys.sockstat[SK_SS_SOCKETS_USED] >= 0);
	assert_true(sys.sockstat[SK_SS_TCP_ALLOC] >= 0);
	assert_true(sys.counters[SK_CTR_TCP_ACTIVE_OPENS] >= 0);
	assert_true(sys.counters[SK_CTR_LISTEN_DROPS] >= 0);
	assert_true(sys.limits.tcp_mem[0] > 0);
	assert_true(sys.limits.file_nr[2] > 0);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_sockstat_field_report),
	cmocka_unit_test(test_sockstat_real),
	cmocka_unit_test(test_sockstat_hostile),
	cmocka_unit_test(test_sockstat_scope_table),
	cmocka_unit_test(test_netstat_by_name),
	cmocka_unit_test(test_netstat_bounds),
	cmocka_unit_test(test_netstat_real),
	cmocka_unit_test(test_ints),
	cmocka_unit_test(test_init),
	cmocka_unit_test(test_read_fixture),
	cmocka_unit_test(test_read_empty_root),
	cmocka_unit_test(test_read_live))
