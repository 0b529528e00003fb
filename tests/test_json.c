/* The JSON output is a contract: always valid, names stable, hostile
 * strings escaped. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "store/json.h"
#include "json_check.h"
#include "model/snapshot.h"
#include "snapbuild.h"

static enum sk_sockname tcp_sockname(void *ctx, int32_t pid, int32_t fd, uint64_t inode)
{
	(void)inode;
	(void)ctx;
	(void)pid;
	(void)fd;
	return SK_SN_TCP;
}

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
	assert_int_equal(sk_snapshot_join(s, tcp_sockname, NULL, &err), 0);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_and_named),
		cmocka_unit_test(test_write_error_reported),
		cmocka_unit_test(test_validator_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
