/* System figures: sockstat (including the field report's), counters found
 * by name whatever the column order, sysctls, and unknown stays unknown. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "fixture_root.h"
#include "sysinfo.h"

static void test_sockstat_field_report(void **state)
{
	/* seed 001: ss -s closed 157624, sockstat alloc 157760 */
	static const char in[] = "sockets: used 158400\n"
				 "TCP: inuse 89 orphan 2 tw 197 alloc 157760 mem 16\n"
				 "UDP: inuse 6 mem 0\nUDPLITE: inuse 0\nRAW: inuse 0\n"
				 "FRAG: inuse 0 memory 0\n";
	int64_t v[SK_SS_LAST];
	struct sk_system sys;

	(void)state;
	sk_system_init(&sys);
	memcpy(v, sys.sockstat, sizeof(v));
	assert_int_equal(sk_parse_sockstat(in, sizeof(in) - 1, v, 0), 0);
	assert_int_equal(v[SK_SS_SOCKETS_USED], 158400);
	assert_int_equal(v[SK_SS_TCP_INUSE], 89);
	assert_int_equal(v[SK_SS_TCP_ORPHAN], 2);
	assert_int_equal(v[SK_SS_TCP_TW], 197);
	assert_int_equal(v[SK_SS_TCP_ALLOC], 157760);
	assert_int_equal(v[SK_SS_TCP_MEM], 16);
	assert_int_equal(v[SK_SS_UDP_INUSE], 6);
	assert_int_equal(v[SK_SS_FRAG_MEMORY], 0);
	assert_int_equal(v[SK_SS_TCP6_INUSE], SK_UNKNOWN); /* v6 lines come from sockstat6 */

	static const char in6[] = "TCP6: inuse 3\nUDP6: inuse 2\nUDPLITE6: inuse 0\nRAW6: inuse 1\n"
				  "FRAG6: inuse 0 memory 0\n";
	assert_int_equal(sk_parse_sockstat(in6, sizeof(in6) - 1, v, 1), 0);
	assert_int_equal(v[SK_SS_TCP6_INUSE], 3);
	assert_int_equal(v[SK_SS_RAW6_INUSE], 1);
	assert_int_equal(v[SK_SS_TCP_INUSE], 89);
}

static void test_sockstat_scope_table(void **state)
{
	(void)state;
	for (int i = 0; i < SK_SS_LAST; i++) {
		const char *n = sk_sockstat_defs[i].name;
		int global = strcmp(n, "TCP_orphan") == 0 || strcmp(n, "TCP_alloc") == 0 ||
			     strcmp(n, "TCP_mem") == 0 || strcmp(n, "UDP_mem") == 0;

		if (sk_sockstat_defs[i].global != global)
			fail_msg("%s: global %d", n, sk_sockstat_defs[i].global);
		for (int k = 0; k < i; k++)
			assert_string_not_equal(n, sk_sockstat_defs[k].name);
	}
	for (int i = 0; i < SK_CTR_LAST; i++)
		for (int k = 0; k < i; k++)
			assert_string_not_equal(sk_counter_defs[i].name, sk_counter_defs[k].name);
}

static void test_netstat_by_name(void **state)
{
	/* Columns reordered, unknown ones, a huge value, a group with no value
	 * line, and Tcp's MaxConn of -1: all tolerated. */
	static const char in[] =
		"TcpExt: Foo ListenDrops TCPAbortOnMemory ListenOverflows\n"
		"TcpExt: 1 7 18446744073709551615 5\n"
		"IpExt: InNoRoutes\n"
		"Tcp: RtoAlgorithm MaxConn CurrEstab\n"
		"Tcp: 1 -1 103\n"
		"Udp: InDatagrams RcvbufErrors SndbufErrors\n"
		"Udp: 10 42 x\n";
	struct sk_system sys;

	(void)state;
	sk_system_init(&sys);
	assert_int_equal(sk_parse_netstat(in, sizeof(in) - 1, sys.counters), 0);
	assert_int_equal(sys.counters[SK_CTR_LISTEN_DROPS], 7);
	assert_int_equal(sys.counters[SK_CTR_LISTEN_OVERFLOWS], 5);
	assert_int_equal(sys.counters[SK_CTR_TCP_ABORT_ON_MEMORY], INT64_MAX); /* saturated */
	assert_int_equal(sys.counters[SK_CTR_TCP_CURR_ESTAB], 103);
	assert_int_equal(sys.counters[SK_CTR_UDP_RCVBUF_ERRORS], 42);
	assert_int_equal(sys.counters[SK_CTR_UDP_SNDBUF_ERRORS], SK_UNKNOWN); /* "x" */
	assert_int_equal(sys.counters[SK_CTR_TCP_ABORT_ON_CLOSE], SK_UNKNOWN);
}

static void test_ints(void **state)
{
	int64_t v[3] = {0};

	(void)state;
	assert_int_equal(sk_parse_ints("4096\t131072\t6291456\n", 20, v, 3), 3);
	assert_int_equal(v[2], 6291456);
	assert_int_equal(sk_parse_ints("32768\t60999\n", 12, v, 2), 2);
	assert_int_equal(sk_parse_ints("12 x 3", 6, v, 3), 1);
	assert_int_equal(sk_parse_ints("", 0, v, 1), 0);
}

static void test_read_fixture(void **state)
{
	char root[PATH_MAX];
	struct sk_system sys;
	struct sk_error err = {0};

	(void)state;
	fixture_root("proc", root, sizeof(root));
	sk_system_init(&sys);
	assert_int_equal(sk_sysinfo_read(root, &sys, &err), 0);
	assert_int_equal(sys.sockstat[SK_SS_TCP_ALLOC], 157760);
	assert_true(sys.counters[SK_CTR_TCP_CURR_ESTAB] >= 0);
	assert_int_equal(sys.limits.tcp_max_orphans, 65536);
	assert_int_equal(sys.limits.tcp_rmem[1], 131072);
	assert_int_equal(sys.limits.file_nr[0], 1234);
	assert_int_equal(sys.limits.file_max, 2442976);
	assert_true(sys.limits.ip_local_port_range[0] > 0);
	assert_true(sys.limits.page_size > 0);
	/* nr_open is missing from the fixture: unknown, and counted. */
	assert_int_equal(sys.limits.nr_open, SK_UNKNOWN);
	assert_int_equal(sys.missing, 1);
	assert_int_equal(sk_sysinfo_read("/nonexistent-sktop", &sys, &err), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sockstat_field_report),
		cmocka_unit_test(test_sockstat_scope_table),
		cmocka_unit_test(test_netstat_by_name),
		cmocka_unit_test(test_ints),
		cmocka_unit_test(test_read_fixture),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
