/* The sock_diag suites' rows and recorded dumps (see diagfx.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "diagfx.h"
#include "fixture_root.h"

int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	sk_strtab_init(&f->strs);
	f->sink.socks = &f->socks;
	f->sink.strs = &f->strs;
	f->sink.netns = TEST_NETNS;
	f->sink.stats = &f->stats;
	*state = f;
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;

	free(f->socks.v);
	sk_strtab_free(&f->strs);
	free(f);
	return 0;
}

void fx_reset(struct fx *f)
{
	f->socks.n = 0;
	sk_strtab_reset(&f->strs);
	memset(&f->stats, 0, sizeof(f->stats));
}

void *load_fixture(const char *name, size_t *len)
{
	char path[PATH_MAX], sub[256];
	struct stat st;
	void *buf;
	int fd;

	snprintf(sub, sizeof(sub), "diag/%s", name);
	fixture_src(sub, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fail_msg("cannot open fixture %s: %s", path, strerror(errno));
	assert_int_equal(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	assert_non_null(buf);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

const struct sk_socket *fx_find_inode(const sk_sockvec *v, uint64_t inode)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].inode == inode)
			return &v->v[i];
	return NULL;
}

void assert_addr4(const struct sk_endpoint *ep, const char *text)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, text, &a), 1);
	assert_memory_equal(ep->addr, &a, 4);
}
