/* What the sock_diag suites parse into: a socket vector, its string table
 * and statistics behind one sink, as the engine hands them to the parser,
 * and the recorded dumps of tests/fixtures/diag. */
#ifndef SKTOP_TEST_DIAGFX_H
#define SKTOP_TEST_DIAGFX_H

#include <stddef.h>
#include <stdint.h>

#include "collect/diag.h"
#include "model/sock.h"
#include "util/strtab.h"

/* The namespace every parsed row must carry. */
#define TEST_NETNS 4026531840ull

struct fx {
	sk_sockvec socks;
	struct sk_strtab strs;
	struct sk_diag_stats stats;
	struct sk_diag_sink sink;
};

/* cmocka setup and teardown: *state is a struct fx. */
int fx_setup(void **state);
int fx_teardown(void **state);
/* A test case that starts on a fresh struct fx. */
#define FX_TEST(fn) cmocka_unit_test_setup_teardown(fn, fx_setup, fx_teardown)
/* Empties the rows, strings and statistics before the next parse. */
void fx_reset(struct fx *f);
/* tests/fixtures/diag/name in a malloc()ed buffer, aligned as a receive
 * buffer is; fails the test when it cannot be read. */
void *load_fixture(const char *name, size_t *len);
/* The row of inode in v, or NULL. */
const struct sk_socket *fx_find_inode(const sk_sockvec *v, uint64_t inode);
void assert_addr4(const struct sk_endpoint *ep, const char *text);

#endif
