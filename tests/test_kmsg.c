/* The kernel log reader on records in the /dev/kmsg format: parsed from a
 * buffer, and read from a FIFO as they come, split across writes. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"
#include "collect/kmsg.h"

static void test_parse(void **state)
{
	static const struct {
		const char *rec;
		bool match;
		enum sk_kmsg_line kind;
		uint64_t ts;
	} cases[] = {
		{"6,1,63286239125,-;TCP: too many orphaned sockets", true, SK_KMSG_ORPHANS, 63286239125ULL},
		{"4,9,5,-,caller=T1;TCP: out of memory -- consider tuning tcp_mem", true, SK_KMSG_TCP_MEM, 5},
		{"6,2,7,-;TCP: time wait bucket table overflow", true, SK_KMSG_TW_OVERFLOW, 7},
		{"6,3,8,-;TCP: request_sock_TCP: Possible SYN flooding on port 80. Sending cookies.",
		 true, SK_KMSG_SYN_FLOOD, 8},
		{"4,4,9,-;nf_conntrack: nf_conntrack: table full, dropping packet", true,
		 SK_KMSG_CONNTRACK, 9},
		{"6,5,10,-;eth0: link up", false, SK_KMSG_LAST, 0},
		{" SUBSYSTEM=net", false, SK_KMSG_LAST, 0},
		{"6,5;TCP: too many orphaned sockets", false, SK_KMSG_LAST, 0},   /* no timestamp */
		{"6,5,1x,-;TCP: too many orphaned sockets", false, SK_KMSG_LAST, 0}, /* not a number */
		{"no semicolon TCP: too many orphaned sockets", false, SK_KMSG_LAST, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum sk_kmsg_line kind = SK_KMSG_LAST;
		uint64_t ts = 0;
		bool got = sk_kmsg_parse(cases[i].rec, strlen(cases[i].rec), &kind, &ts);

		if (got != cases[i].match)
			fail_msg("case %zu: %s", i, cases[i].rec);
		if (got) {
			assert_int_equal(kind, cases[i].kind);
			assert_int_equal(ts, cases[i].ts);
		}
	}
}

static void put(int fd, const char *s)
{
	assert_int_equal(write(fd, s, strlen(s)), (ssize_t)strlen(s));
}

static void test_fifo_as_it_comes(void **state)
{
	char dir[] = "/tmp/sktop-kmsg-XXXXXX", path[64];
	struct sk_kmsg *k;
	struct sk_klog log;
	int wfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kmsg", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(sk_kmsg_open(path, &k), 0);
	wfd = open(path, O_WRONLY | O_NONBLOCK);
	assert_true(wfd >= 0);

	sk_kmsg_poll(k, &log); /* nothing yet: returns at once */
	assert_true(log.enabled);
	assert_int_equal(log.error, 0);
	assert_int_equal(log.lines[SK_KMSG_ORPHANS].count, 0);

	/* The ring's past, a record cut in two by the writes. */
	put(wfd, "6,1,1000,-;TCP: too many orphaned sockets\n SUBSYSTEM=net\n6,2,2000,-;TCP: too");
	sk_kmsg_poll(k, &log);
	assert_int_equal(log.lines[SK_KMSG_ORPHANS].count, 1);
	put(wfd, " many orphaned sockets\n6,3,2500,-;eth0: up\n");
	sk_kmsg_poll(k, &log);
	assert_int_equal(log.lines[SK_KMSG_ORPHANS].count, 2);
	assert_int_equal(log.lines[SK_KMSG_ORPHANS].first_us, 1000);
	assert_int_equal(log.lines[SK_KMSG_ORPHANS].last_us, 2000);
	assert_int_equal(log.records, 3);

	char text[160];

	sk_klog_text(&log, SK_KMSG_ORPHANS, 2000 + 5000000, text, sizeof(text));
	assert_string_equal(text, "\"too many orphaned sockets\" x2, first 5 s ago, last 5 s ago");
	close(wfd);
	sk_kmsg_free(k);
	unlink(path);
	rmdir(dir);
}

static void test_unreadable_says_why(void **state)
{
	struct sk_kmsg *k;
	struct sk_klog log;

	(void)state;
	assert_int_equal(sk_kmsg_open("/nonexistent-sktop/kmsg", &k), 0);
	sk_kmsg_poll(k, &log);
	assert_true(log.enabled);
	assert_int_equal(log.error, ENOENT);
	sk_kmsg_free(k);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_parse),
	cmocka_unit_test(test_fifo_as_it_comes),
	cmocka_unit_test(test_unreadable_says_why))
