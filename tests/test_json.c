/* JSON text out and in. The output is a contract: always valid, names
 * stable, hostile strings escaped. The reader's parser (store/json_read)
 * on its own: values, errors with their kind and offset, depth and size;
 * the snapshot reader on top of it is test_replay's. */
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

#include "suite.h"
#include "store/json.h"
#include "store/json_read.h"
#include "json_check.h"
#include "model/snapshot.h"
#include "snapbuild.h"

static char *render(const struct sk_snapshot *s, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	assert_non_null(f);
	assert_int_equal(sk_json_write_snapshot(f, s), 0);
	fclose(f);
	return buf;
}

static void build(struct sk_snapshot *s)
{
	struct sk_error err = {0};
	struct sk_netns *ns;
	struct sk_socket *k;
	struct sk_process *p;
	struct sk_fdref *r;
	int rc;

	sk_snapshot_init(s);
	snprintf(s->host, sizeof(s->host), "web-1");
	snprintf(s->kernel, sizeof(s->kernel), "6.18.0");
	s->root = true;
	s->sys.sockstat[SK_SS_TCP_ORPHAN] = 2;
	s->sys.limits.tcp_mem[0] = 1000;
	ns = SK_VEC_PUSH(&s->netns);
	ns->id = 4026531840ULL;
	ns->own = true;
	ns->dumped = 1u << SK_SN_TCP;

	k = sb_sock(s, SK_PROTO_TCP, AF_INET6, SK_TCP_CLOSE_WAIT, 77, "::1", 443, ns->id);
	sb_peer(k, "2001:db8::7", 5123);
	k->recv_q = 1;
	k->flags = SK_SOCK_HAS_MEM | SK_SOCK_HAS_TCPINFO | SK_SOCK_HAS_UID;
	k->mem.rmem_alloc = 2304;
	k->tcp.rtt_us = 1500;
	k->timer = SK_TIMER_KEEPALIVE;
	k->timer_ms = 7000;

	/* Escaping happened at parse time, but the writer must not trust that:
	 * a raw control byte and invalid UTF-8 still yield valid JSON. */
	sb_unix(s, SOCK_STREAM, SK_TCP_LISTEN, 78, "/run/\x1b[2Jevil\xff\"q\"", 0, ns->id);

	p = SK_VEC_PUSH(&s->procs);
	p->pid = 4684;
	snprintf(p->comm, sizeof(p->comm), "java\\x1b");
	p->cmdline = sk_strtab_add(&s->strs, "java -jar \"flume\".jar\ttab", 25, &rc);
	p->fd_limit = SK_FD_LIMIT_UNLIMITED;
	p->netns = ns->id;
	p->fdrefs_start = 0;
	p->fdrefs_count = 3;
	for (int i = 0; i < 3; i++) {
		r = SK_VEC_PUSH(&s->fdrefs);
		r->fd = 280 + i;
		r->inode = i == 0 ? 77 : i == 1 ? 78 : 675441359;
	}
	assert_int_equal(sk_snapshot_join(s, sb_sockname_as, SB_SOCKNAME_CTX(SK_SN_TCP), &err), 0);
}

static void test_valid_and_named(void **state)
{
	struct sk_snapshot s;
	size_t len;
	char *out;

	(void)state;
	build(&s);
	out = render(&s, &len);
	assert_true(json_check(out, len));
	assert_int_equal(out[len - 1], '\n');
	assert_null(memchr(out, '\n', len - 1)); /* one object per line */

	static const char *const expect[] = {
		"\"schema\":1", "\"host\":\"web-1\"", "\"root\":true", "\"system\":{",
		"\"sockstat\":{", "\"TCP_orphan\":2", "\"counters\":{", "\"limits\":{",
		"\"tcp_mem\":[1000,null,null]", "\"tcp_states\":{\"CLOSE_WAIT\":1}",
		"\"closed\":{\"TCP\":1}", "\"processes\":[{\"pid\":4684",
		"\"fd_limit\":null", "\"state\":\"CLOSE_WAIT\"", "\"local\":\"[::1]:443\"",
		"\"peer\":\"[2001:db8::7]:5123\"", "\"pids\":[4684]", "\"owner\":\"fd\"",
		"\"timer\":\"keepalive\"", "\"timer_ms\":7000", "\"rmem\":2304",
		"\"rtt_us\":1500", "\"undumped\":true", "\"inode\":675441359",
		"\"fds\":[{\"pid\":4684,\"fd\":280}]", "\"sockstat_global\":[",
		"\"comm\":\"java\\\\x1b\"", "\"cmdline\":\"java -jar \\\"flume\\\".jar\\u0009tab\"",
	};
	for (size_t i = 0; i < sizeof(expect) / sizeof(expect[0]); i++)
		if (!strstr(out, expect[i]))
			fail_msg("missing %s in %s", expect[i], out);
	assert_non_null(strstr(out, "\\u001b[2Jevil\\u00ff\\\"q\\\""));
	assert_null(strchr(out, '\x1b'));
	free(out);
	sk_snapshot_free(&s);
}

static void test_write_error_reported(void **state)
{
	struct sk_snapshot s;
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	build(&s);
	assert_true(sk_json_write_snapshot(f, &s) < 0);
	fclose(f);
	sk_snapshot_free(&s);
}

static void test_validator_rejects(void **state)
{
	static const char *const bad[] = {"{", "{\"a\":}", "[1,]", "\"\x01\"", "{\"a\":1}x",
					  "\"\xff\"", "01", "nul"};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_false(json_check(bad[i], strlen(bad[i])));
	const char *good = "{\"a\":[1,-2.5,true,null,\"\\u00e9\"]}";

	assert_true(json_check(good, strlen(good)));
}

/* --- the reader's parser on its own (store/json_read) ------------------------------- */

static int jparse(const char *text, struct sk_json_doc *d, struct sk_json_error *e)
{
	size_t len = strlen(text);
	char *copy = malloc(len ? len : 1);
	int rc;

	assert_non_null(copy);
	memcpy(copy, text, len);
	rc = sk_json_parse(copy, len, d, e);
	free(copy);
	return rc;
}

static void expect_json_error(const char *text, int kind, size_t offset)
{
	struct sk_json_doc d;
	struct sk_json_error e;

	if (jparse(text, &d, &e) == 0)
		fail_msg("accepted '%s'", text);
	if (e.kind != kind || e.offset != offset)
		fail_msg("'%s': kind %d at %zu (%s), wanted kind %d at %zu", text, e.kind, e.offset,
			 e.msg, kind, offset);
	assert_null(d.nodes);
	sk_json_doc_free(&d);
}

static void test_parser_values(void **state)
{
	struct sk_json_doc d;
	struct sk_json_error e;
	const struct sk_json_node *root, *a, *n;

	(void)state;
	assert_int_equal(jparse(" {\"a\":[0,-1,18446744073709551615,-9223372036854775808,2.5e-1,"
				"-0,\"x\\u00e9\\ud83d\\ude00\\n\\\"\\\\\\/\\b\\f\\r\\t\\u0000y\","
				"true,false,null,{},[]],\"b\":{\"c\":1},\"a\":7}\r\n",
				&d, &e), 0);
	root = sk_json_root(&d);
	assert_int_equal(root->type, SK_JSON_OBJECT);
	assert_int_equal(root->len, 3);
	a = sk_json_get(&d, root, "a"); /* the first of two */
	assert_int_equal(a->type, SK_JSON_ARRAY);
	assert_int_equal(a->len, 12);
	n = sk_json_first(a);
	assert_true(n->num == SK_JSON_UINT && n->v.u == 0);
	n = sk_json_next(&d, n);
	assert_true(n->num == SK_JSON_INT && n->v.i == -1);
	n = sk_json_next(&d, n);
	assert_true(n->num == SK_JSON_UINT && n->v.u == UINT64_MAX);
	n = sk_json_next(&d, n);
	assert_true(n->num == SK_JSON_INT && n->v.i == INT64_MIN);
	n = sk_json_next(&d, n);
	assert_true(n->num == SK_JSON_FLOAT && n->v.d == 0.25);
	n = sk_json_next(&d, n);
	assert_true(n->num == SK_JSON_UINT && n->v.u == 0);
	n = sk_json_next(&d, n);
	assert_int_equal(n->type, SK_JSON_STRING);
	assert_int_equal(n->len, 17);
	assert_memory_equal(n->v.str, "x\xc3\xa9\xf0\x9f\x98\x80\n\"\\/\b\f\r\t\0y", 18);
	n = sk_json_next(&d, n);
	assert_int_equal(n->type, SK_JSON_TRUE);
	n = sk_json_next(&d, n);
	assert_int_equal(n->type, SK_JSON_FALSE);
	n = sk_json_next(&d, n);
	assert_int_equal(n->type, SK_JSON_NULL);
	n = sk_json_next(&d, n);
	assert_true(n->type == SK_JSON_OBJECT && n->len == 0);
	n = sk_json_next(&d, n);
	assert_true(n->type == SK_JSON_ARRAY && n->len == 0);
	n = sk_json_get(&d, sk_json_get(&d, root, "b"), "c");
	assert_true(n && n->v.u == 1);
	assert_null(sk_json_get(&d, root, "c"));
	assert_null(sk_json_get(&d, a, "a"));
	sk_json_doc_free(&d);

	/* A key holding a NUL is not the key before the NUL. */
	assert_int_equal(jparse("{\"pid\\u0000x\":1}", &d, &e), 0);
	assert_null(sk_json_get(&d, sk_json_root(&d), "pid"));
	sk_json_doc_free(&d);
}

static void test_parser_errors(void **state)
{
	(void)state;
	expect_json_error("", SK_JSON_E_EOF, 0);
	expect_json_error("   ", SK_JSON_E_EOF, 3);
	expect_json_error("[1,]", SK_JSON_E_SYNTAX, 3);
	expect_json_error("{\"a\":1,}", SK_JSON_E_SYNTAX, 7);
	expect_json_error("{\"a\" 1}", SK_JSON_E_SYNTAX, 5);
	expect_json_error("{1:1}", SK_JSON_E_SYNTAX, 1);
	expect_json_error("[1 2]", SK_JSON_E_SYNTAX, 3);
	expect_json_error("01", SK_JSON_E_TRAILING, 1);
	expect_json_error("1 2", SK_JSON_E_TRAILING, 2);
	expect_json_error("1.", SK_JSON_E_EOF, 2);
	expect_json_error("1.x", SK_JSON_E_SYNTAX, 2);
	expect_json_error(".5", SK_JSON_E_SYNTAX, 0);
	expect_json_error("-", SK_JSON_E_EOF, 1);
	expect_json_error("-a", SK_JSON_E_SYNTAX, 1);
	expect_json_error("1e", SK_JSON_E_EOF, 2);
	expect_json_error("1e+", SK_JSON_E_EOF, 3);
	expect_json_error("+1", SK_JSON_E_SYNTAX, 0);
	expect_json_error("18446744073709551616", SK_JSON_E_RANGE, 0);
	expect_json_error("-9223372036854775809", SK_JSON_E_RANGE, 0);
	expect_json_error("[1e309]", SK_JSON_E_RANGE, 1);
	expect_json_error("tru", SK_JSON_E_EOF, 3);
	expect_json_error("trux", SK_JSON_E_SYNTAX, 0);
	expect_json_error("nul", SK_JSON_E_EOF, 3);
	expect_json_error("NaN", SK_JSON_E_SYNTAX, 0);
	expect_json_error("\"abc", SK_JSON_E_EOF, 4);
	expect_json_error("\"a\\", SK_JSON_E_EOF, 3);
	expect_json_error("\"\\u12", SK_JSON_E_EOF, 5);
	expect_json_error("\"\\ud83d", SK_JSON_E_EOF, 7);
	expect_json_error("\"\\ud83d\\", SK_JSON_E_EOF, 8);
	expect_json_error("\"\\ud83d\"", SK_JSON_E_STRING, 1);
	expect_json_error("\"\\ud83d\\n\"", SK_JSON_E_STRING, 1);
	expect_json_error("\"\\ud83d\\u0041\"", SK_JSON_E_STRING, 1);
	expect_json_error("\"\\x41\"", SK_JSON_E_STRING, 1);
	expect_json_error("\"\x7f\x01\"", SK_JSON_E_STRING, 2);
	expect_json_error("\"\xe2\x82\"", SK_JSON_E_STRING, 1);
	expect_json_error("\"\xf4\x90\x80\x80\"", SK_JSON_E_STRING, 1);
	expect_json_error("\"\xe0\x80\xaf\"", SK_JSON_E_STRING, 1);
	expect_json_error("[\"\xf0\x9f\x98", SK_JSON_E_STRING, 2);
	expect_json_error("{\"a\":1}}", SK_JSON_E_TRAILING, 7);
	expect_json_error("]", SK_JSON_E_SYNTAX, 0);
}

static void test_parser_depth_and_size(void **state)
{
	struct sk_json_doc d;
	struct sk_json_error e;
	size_t n = 1000000;
	char *big = malloc(3 * n + 2);
	size_t line, col;

	(void)state;
	assert_non_null(big);
	/* 64 levels are fine, 65 are not. */
	memset(big, '[', 64);
	memset(big + 64, ']', 64);
	assert_int_equal(sk_json_parse(big, 128, &d, &e), 0);
	assert_int_equal(d.n, 64);
	assert_int_equal(d.nodes[0].v.end, 64);
	sk_json_doc_free(&d);
	memset(big, '[', 65);
	memset(big + 65, ']', 65);
	assert_int_equal(sk_json_parse(big, 130, &d, &e), -EINVAL);
	assert_int_equal(e.kind, SK_JSON_E_DEPTH);
	assert_int_equal(e.offset, 64);

	/* A million elements: linear, and skipping a subtree is one step.
	 * ("10,": the densest a document may be, test_parser_memory_bound.) */
	big[0] = '[';
	for (size_t i = 0; i < n; i++) {
		big[1 + 3 * i] = '1';
		big[2 + 3 * i] = '0';
		big[3 + 3 * i] = i + 1 < n ? ',' : ']';
	}
	assert_int_equal(sk_json_parse(big, 3 * n + 1, &d, &e), 0);
	assert_int_equal(d.nodes[0].len, n);
	assert_int_equal(d.nodes[0].v.end, n + 1);
	sk_json_doc_free(&d);
	free(big);

	sk_json_position("ab\ncd\nef", 8, 7, &line, &col);
	assert_int_equal(line, 3);
	assert_int_equal(col, 2);
	sk_json_position("ab", 2, 0, &line, &col);
	assert_int_equal(line, 1);
	assert_int_equal(col, 1);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_valid_and_named),
	cmocka_unit_test(test_write_error_reported),
	cmocka_unit_test(test_validator_rejects),
	cmocka_unit_test(test_parser_values),
	cmocka_unit_test(test_parser_errors),
	cmocka_unit_test(test_parser_depth_and_size))
