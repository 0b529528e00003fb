/* The incremental owner map must give exactly what a full scan gives. This
 * process mutates its own fd table at random between refreshes (close, dup2
 * one socket over another so the count does not change, new sockets, files
 * over sockets) and compares the cached engine with a full scan each time. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine.h"

#define FIRST_FD 500 /* our fds live here, away from the engine's own */
#define SLOTS 64

struct ref {
	int32_t fd;
	uint64_t inode;
	bool dumped;
};

static int cmp_ref(const void *a, const void *b)
{
	const struct ref *x = a, *y = b;

	return x->fd - y->fd;
}

/* Our socket fds >= FIRST_FD as the snapshot sees them, sorted by fd. */
static size_t collect(const struct sk_snapshot *s, struct ref *out)
{
	const struct sk_process *me = sk_snapshot_find_pid(s, getpid());
	size_t n = 0;

	assert_non_null(me);
	for (uint32_t i = 0; i < me->fdrefs_count; i++) {
		const struct sk_fdref *r = &s->fdrefs.v[me->fdrefs_start + i];

		if (r->fd < FIRST_FD)
			continue;
		out[n].fd = r->fd;
		out[n].inode = r->inode;
		out[n].dumped = r->sock != SK_NONE && !(s->socks.v[r->sock].flags & SK_SOCK_UNDUMPED);
		n++;
	}
	qsort(out, n, sizeof(*out), cmp_ref);
	return n;
}

static int new_socket(unsigned r)
{
	static const int kinds[][2] = {{AF_INET, SOCK_STREAM}, {AF_INET6, SOCK_STREAM},
				       {AF_INET, SOCK_DGRAM}, {AF_UNIX, SOCK_STREAM}};
	int fd = socket(kinds[r % 4][0], kinds[r % 4][1], 0);

	assert_true(fd >= 0);
	if (r % 8 == 4) {
		/* a bound, listening one: dumped, with an inode */
		struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

		close(fd);
		fd = socket(AF_INET, SOCK_STREAM, 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(listen(fd, 1), 0);
	}
	return fd;
}

static void test_incremental_equals_full(void **state)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_unix = true};
	struct sk_error err = {0};
	struct sk_engine *inc;
	struct ref a[SLOTS], b[SLOTS];
	unsigned seed = 12345, cached = 0, rescans = 0;

	(void)state;
	assert_int_equal(sk_engine_new(&cfg, &inc, &err), 0);
	for (int i = 0; i < SLOTS / 2; i++) {
		int fd = new_socket((unsigned)i);

		assert_int_equal(dup2(fd, FIRST_FD + i), FIRST_FD + i);
		close(fd);
	}
	for (int iter = 0; iter < 150; iter++) {
		int slot = FIRST_FD + rand_r(&seed) % SLOTS, other = FIRST_FD + rand_r(&seed) % SLOTS;
		unsigned op = (unsigned)rand_r(&seed) % 6;
		int fd;

		switch (op) {
		case 0: close(slot); break;
		case 1: dup2(other, slot); break; /* same count when both are open */
		case 2:
		case 3:
			fd = new_socket((unsigned)rand_r(&seed));
			dup2(fd, slot); /* replaces whatever was there: count unchanged */
			close(fd);
			break;
		case 4:
			fd = open("/dev/null", O_RDONLY);
			dup2(fd, slot);
			close(fd);
			break;
		case 5: break; /* nothing changed: the cache must be used */
		}
		assert_int_equal(sk_engine_refresh(inc, &err), 0);
		const struct sk_snapshot *s = sk_engine_snapshot(inc);
		size_t na = collect(s, a);

		cached += s->owners_cached > 0;
		rescans += s->owners_rescanned;

		struct sk_engine *full;

		assert_int_equal(sk_engine_new(&cfg, &full, &err), 0);
		assert_int_equal(sk_engine_refresh(full, &err), 0);
		size_t nb = collect(sk_engine_snapshot(full), b);

		if (na != nb) {
			for (size_t k = 0; k < na || k < nb; k++)
				fprintf(stderr, "  %d:%llu%s   %d:%llu%s\n", k < na ? a[k].fd : -1,
					(unsigned long long)(k < na ? a[k].inode : 0),
					k < na && a[k].dumped ? "" : "u", k < nb ? b[k].fd : -1,
					(unsigned long long)(k < nb ? b[k].inode : 0),
					k < nb && b[k].dumped ? "" : "u");
			fprintf(stderr, "  cached %u rescanned %d\n", s->owners_cached, s->owners_rescanned);
		}
		if (na != nb)
			fail_msg("iteration %d (op %u): incremental %zu fds, full scan %zu", iter, op, na,
				 nb);
		for (size_t k = 0; k < na; k++)
			if (a[k].fd != b[k].fd || a[k].inode != b[k].inode || a[k].dumped != b[k].dumped)
				fail_msg("iteration %d (op %u): fd %d: incremental inode %llu%s, full "
					 "scan fd %d inode %llu%s", iter, op, a[k].fd,
					 (unsigned long long)a[k].inode, a[k].dumped ? "" : " (undumped)",
					 b[k].fd, (unsigned long long)b[k].inode,
					 b[k].dumped ? "" : " (undumped)");
		sk_engine_free(full);
	}
	for (int i = 0; i < SLOTS; i++)
		close(FIRST_FD + i);
	sk_engine_free(inc);
	/* Both paths were exercised: cache hits, and stale caches caught. */
	assert_true(cached > 100);
	assert_true(rescans > 10);
	printf("incremental == full over 150 mutations: %u refreshes used the cache, "
	       "%u caught a stale table and rescanned\n", cached, rescans);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_equals_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
