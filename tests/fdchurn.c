#include <config.h>

#include "fdchurn.h"

#include <stdarg.h>
#include <setjmp.h>
#include <cmocka.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static int cmp_ref(const void *a, const void *b)
{
	const struct fdchurn_ref *x = a, *y = b;

	return x->fd - y->fd;
}

size_t fdchurn_collect(const struct sk_snapshot *s, struct fdchurn_ref *out)
{
	const struct sk_process *me = sk_snapshot_find_pid(s, getpid());
	size_t n = 0;

	assert_non_null(me);
	for (uint32_t i = 0; i < me->fdrefs_count; i++) {
		const struct sk_fdref *r = &s->fdrefs.v[me->fdrefs_start + i];

		if (r->fd < FDCHURN_FIRST_FD)
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

void fdchurn_fill(void)
{
	for (int i = 0; i < FDCHURN_SLOTS / 2; i++) {
		int fd = new_socket((unsigned)i);

		assert_int_equal(dup2(fd, FDCHURN_FIRST_FD + i), FDCHURN_FIRST_FD + i);
		close(fd);
	}
}

void fdchurn_close_all(void)
{
	for (int i = 0; i < FDCHURN_SLOTS; i++)
		close(FDCHURN_FIRST_FD + i);
}

unsigned fdchurn_mutate(unsigned *seed)
{
	int slot = FDCHURN_FIRST_FD + rand_r(seed) % FDCHURN_SLOTS;
	int other = FDCHURN_FIRST_FD + rand_r(seed) % FDCHURN_SLOTS;
	unsigned op = (unsigned)rand_r(seed) % 6;
	int fd;

	switch (op) {
	case 0: close(slot); break;
	case 1: dup2(other, slot); break; /* same count when both are open */
	case 2:
	case 3:
		fd = new_socket((unsigned)rand_r(seed));
		dup2(fd, slot); /* replaces whatever was there: count unchanged */
		close(fd);
		break;
	case 4:
		fd = open("/dev/null", O_RDONLY);
		dup2(fd, slot);
		close(fd);
		break;
	case 5: break; /* nothing changed: a cache must be used */
	}
	return op;
}

bool fdchurn_same(const struct fdchurn_ref *a, size_t na, const struct fdchurn_ref *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t k = 0; k < na; k++)
		if (a[k].fd != b[k].fd || a[k].inode != b[k].inode || a[k].dumped != b[k].dumped)
			return false;
	return true;
}

void fdchurn_expect_same(const char *name_a, const struct fdchurn_ref *a, size_t na,
			 const char *name_b, const struct fdchurn_ref *b, size_t nb, int iter,
			 unsigned op)
{
	if (fdchurn_same(a, na, b, nb))
		return;
	fprintf(stderr, "  %s   %s (fd:inode, u = undumped)\n", name_a, name_b);
	for (size_t k = 0; k < na || k < nb; k++)
		fprintf(stderr, "  %d:%llu%s   %d:%llu%s\n", k < na ? a[k].fd : -1,
			(unsigned long long)(k < na ? a[k].inode : 0), k < na && a[k].dumped ? "" : "u",
			k < nb ? b[k].fd : -1, (unsigned long long)(k < nb ? b[k].inode : 0),
			k < nb && b[k].dumped ? "" : "u");
	fail_msg("iteration %d (op %u): %s and %s disagree on this process's socket fds", iter,
		 op, name_a, name_b);
}
