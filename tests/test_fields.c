/* The field tables are the one description of each record: the writer and
 * the reader must cover every row of them (not only the rows a fixture
 * happens to set), and the tables must agree with the names that are
 * contracts. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "suite.h"
#include "analyse/history.h"
#include "model/fields.h"
#include "model/procsort.h"
#include "snapbuild.h"
#include "store/json.h"
#include "store/replay.h"

static const struct sk_record *const written[] = {
	&sk_rec_tcpinfo, &sk_rec_skmem, &sk_rec_limits, &sk_rec_diag, &sk_rec_procfs,
};

/* A value that fits the row's width and differs from every other element
 * of every table (n counts elements across the tables), with high bits
 * set where the width allows, so a reader that narrows a field shows. */
static uint64_t distinct(const struct sk_field *f, unsigned n)
{
	if (f->type == SK_FT_BOOL)
		return 1; /* false is what an unread row holds */
	switch (f->type == SK_FT_FIG ? 8 : f->width) {
	case 1: return n + 1;
	case 2: return ((uint64_t)(n + 1) << 8) | n;
	case 4: return ((uint64_t)(n + 1) << 20) | n;
	default: return ((uint64_t)(n + 1) << 40) | n;
	}
}

/* Every element of every row of r in rec gets its own value. */
static void fill(const struct sk_record *r, void *rec, unsigned *n)
{
	for (size_t i = 0; i < r->n; i++)
		for (unsigned e = 0; e < r->fields[i].count; e++)
			sk_field_set(&r->fields[i], rec, e, distinct(&r->fields[i], (*n)++));
}

static void *record_of(const struct sk_record *r, struct sk_snapshot *s, struct sk_socket *k)
{
	if (r == &sk_rec_tcpinfo)
		return &k->tcp;
	if (r == &sk_rec_skmem)
		return &k->mem;
	if (r == &sk_rec_limits)
		return &s->sys.limits;
	return s;
}

static char *render(const struct sk_snapshot *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(sk_json_write_snapshot_ex(f, s, 0), 0);
	fclose(f);
	return buf;
}

static void build(struct sk_snapshot *s)
{
	struct sk_error err = {0};
	struct sk_socket *k;
	unsigned n = 0;

	sk_snapshot_init(s);
	sb_netns(s, NS_A, ALL_INET);
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 1000, "10.0.0.1", 80, NS_A);
	sb_peer(k, "10.0.0.2", 40000);
	k->flags |= SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO;
	sb_fd(s, sb_proc(s, 100, NS_A), 3, 1000);
	for (size_t i = 0; i < sizeof(written) / sizeof(written[0]); i++)
		fill(written[i], record_of(written[i], s, k), &n);
	assert_int_equal(sk_snapshot_join(s, sb_sockname, NULL, &err), 0);
}

/* Fill, write, read, compare: every row of every written table. */
static void test_every_row_round_trips(void **state)
{
	struct sk_snapshot s;
	struct sk_replay r;
	struct sk_error err = {0};
	size_t len, len2;
	char *json, *again;

	(void)state;
	build(&s);
	json = render(&s, &len);
	if (sk_replay_parse(json, len, "fields.json", &r, &err) != 0)
		fail_msg("refused: %s", err.msg);
	for (size_t t = 0; t < sizeof(written) / sizeof(written[0]); t++) {
		const struct sk_record *rec = written[t];
		const void *want = record_of(rec, &s, &s.socks.v[0]);
		const void *got = record_of(rec, &r.snap, &r.snap.socks.v[0]);

		for (size_t i = 0; i < rec->n; i++)
			for (unsigned e = 0; e < rec->fields[i].count; e++)
				if (sk_field_get(&rec->fields[i], got, e) !=
				    sk_field_get(&rec->fields[i], want, e))
					fail_msg("%s.%s[%u]: wrote %llu, read %llu", rec->key,
						 rec->fields[i].key, e,
						 (unsigned long long)sk_field_get(&rec->fields[i], want, e),
						 (unsigned long long)sk_field_get(&rec->fields[i], got, e));
	}
	r.snap.history = NULL; /* the file had none; a replay always has one, empty */
	again = render(&r.snap, &len2);
	if (len != len2 || memcmp(json, again, len)) {
		size_t i = 0;

		while (i < len && i < len2 && json[i] == again[i])
			i++;
		fail_msg("rewritten differs at byte %zu:\n ...%.150s\n ...%.150s", i,
			 json + (i > 80 ? i - 80 : 0), again + (i > 80 ? i - 80 : 0));
	}
	assert_memory_equal(json, again, len);
	free(again);
	free(json);
	sk_replay_free(&r);
	sk_snapshot_free(&s);
}

/* A record the socket lacks is neither written nor invented on reading. */
static void test_absent_records(void **state)
{
	struct sk_snapshot s;
	struct sk_replay r;
	struct sk_error err = {0};
	size_t len;
	char *json;

	(void)state;
	build(&s);
	s.socks.v[0].flags &= ~(sk_rec_tcpinfo.present | sk_rec_skmem.present);
	json = render(&s, &len);
	assert_null(strstr(json, "\"tcp_info\""));
	assert_null(strstr(json, "\"skmem\""));
	assert_int_equal(sk_replay_parse(json, len, "fields.json", &r, &err), 0);
	assert_false(r.snap.socks.v[0].flags & (sk_rec_tcpinfo.present | sk_rec_skmem.present));
	free(json);
	sk_replay_free(&r);
	sk_snapshot_free(&s);
}

static void assert_unique_keys(const struct sk_record *r)
{
	for (size_t i = 0; i < r->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->fields[i].key, r->fields[j].key) == 0)
				fail_msg("%s: key '%s' twice", r->key, r->fields[i].key);
}

/* The spellings that are contracts: -s keys, JSON keys of the history's
 * series, the columns batch text prints. */
static void test_process_table(void **state)
{
	static const char *const sort_names[SK_SORT_LAST] = {
		"pid", "sockets", "fds", "close_wait", "closed", "orphans", "estab", "time_wait",
		"recvq", "sendq", "rmem", "wmem", "service",
	};
	static const char *const series[SK_PM_LAST] = {
		"sockets", "fds", "close_wait", "closed", "orphans", "rmem", "recv_q",
	};
	unsigned trended = 0;

	(void)state;
	assert_unique_keys(&sk_rec_proc);
	for (int i = 0; i < SK_SORT_LAST; i++) {
		assert_string_equal(sk_proc_fields[i].name, sort_names[i]);
		assert_int_equal(sk_sort_key_parse(sort_names[i]), i);
		trended += (sk_proc_fields[i].flags & SK_FIELD_TRENDED) != 0;
	}
	assert_int_equal(trended, SK_PM_LAST);
	for (int m = 0; m < SK_PM_LAST; m++) {
		assert_string_equal(sk_pmetric_field((enum sk_pmetric)m)->key, series[m]);
		assert_true(sk_pmetric_field((enum sk_pmetric)m)->flags & SK_FIELD_TRENDED);
	}
}

/* Text batch shows no tcp_info: the kernel is not asked for it then. */
static void test_needs(void **state)
{
	(void)state;
	assert_int_equal(sk_record_needs(&sk_rec_proc, SK_FIELD_BATCH), SK_NEED_MEMINFO);
	assert_int_equal(sk_json_needs(), SK_NEED_INFO | SK_NEED_MEMINFO);
	for (size_t t = 0; t < sizeof(written) / sizeof(written[0]); t++)
		assert_unique_keys(written[t]);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_every_row_round_trips),
	cmocka_unit_test(test_absent_records),
	cmocka_unit_test(test_process_table),
	cmocka_unit_test(test_needs))
