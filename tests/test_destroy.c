/* SOCK_DESTROY on real sockets in a private network namespace: exactly the
 * rows asked for go, a stale row (gone, or its four-tuple reused) is
 * refused, and unix sockets are refused before the kernel is asked. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "collect/diag.h"
#include "helpers/loopback.h"

#define PAIRS 3
#define PORT 4100
#define SKIP_CODE 77

static uint64_t inode_of(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static const struct sk_socket *find(const sk_sockvec *v, uint64_t inode)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].inode == inode)
			return &v->v[i];
	return NULL;
}

static int dump_tcp(struct sk_diag_conn *c, sk_sockvec *v, struct sk_strtab *strs)
{
	struct sk_diag_stats st = {0};
	struct sk_diag_sink sink = {.socks = v, .strs = strs, .netns = 1, .stats = &st};
	struct sk_diag_request req = {
		.kind = SK_DIAG_INET, .family = AF_INET, .protocol = IPPROTO_TCP,
		.states = (1u << SK_TCP_BOUND_INACTIVE) - 1,
	};
	struct sk_error err;

	v->n = 0;
	return sk_diag_dump(c, &req, &sink, &err);
}

/* In the child: 0 pass, SKIP_CODE skip, else the failing step. */
static int child(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int lfd, cfd[PAIRS], afd[PAIRS];
	sk_sockvec v = {0};
	struct sk_strtab strs;
	struct sk_diag_conn *conn;
	struct sk_error err;
	struct sk_socket row, unix_row = {.proto = SK_PROTO_UNIX, .family = AF_UNIX};

	if (unshare(CLONE_NEWNET) < 0 || loopback_up() < 0)
		return SKIP_CODE;
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0)
		return 2;
	for (int i = 0; i < PAIRS; i++) {
		cfd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (cfd[i] < 0 || connect(cfd[i], (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return 3;
		afd[i] = accept(lfd, NULL, NULL);
		if (afd[i] < 0)
			return 4;
		close(cfd[i]); /* the peer's FIN: afd[i] goes to CLOSE_WAIT */
	}
	sk_strtab_init(&strs);
	if (sk_diag_open(&conn, &err) < 0 || dump_tcp(conn, &v, &strs) < 0)
		return 5;
	for (int i = 0; i < PAIRS; i++) {
		const struct sk_socket *k = find(&v, inode_of(afd[i]));

		if (!k || k->state != SK_TCP_CLOSE_WAIT)
			return 6;
	}
	/* Destroy the first two, by the rows of the dump. */
	for (int i = 0; i < 2; i++) {
		row = *find(&v, inode_of(afd[i]));
		int rc = sk_diag_destroy(conn, &row, &err);

		if (rc == -EOPNOTSUPP) {
			fprintf(stderr, "%s\n", err.msg);
			return SKIP_CODE;
		}
		if (rc)
			return 7;
	}
	/* The same row again: gone. A row with the wrong cookie: refused. */
	if (sk_diag_destroy(conn, &row, &err) != -ENOENT)
		return 8;
	row = *find(&v, inode_of(afd[2]));
	row.cookie ^= 1;
	if (sk_diag_destroy(conn, &row, &err) != -ENOENT)
		return 9;
	if (sk_diag_destroy(conn, &unix_row, &err) != -EOPNOTSUPP)
		return 10;
	if (dump_tcp(conn, &v, &strs) < 0)
		return 11;
	/* The two are out of the tables (their fds stay open: the leak is the
	 * process's); the third and the listener are untouched. */
	if (find(&v, inode_of(afd[0])) || find(&v, inode_of(afd[1])))
		return 12;
	if (!find(&v, inode_of(afd[2])) || find(&v, inode_of(afd[2]))->state != SK_TCP_CLOSE_WAIT)
		return 13;
	if (!find(&v, inode_of(lfd)))
		return 14;
	/* The owner is told: the socket's pending error is ECONNABORTED. */
	int soerr = 0;
	socklen_t len = sizeof(soerr);
	if (getsockopt(afd[0], SOL_SOCKET, SO_ERROR, &soerr, &len) < 0 || soerr != ECONNABORTED)
		return 15;
	sk_diag_close(conn);
	sk_strtab_free(&strs);
	free(v.v);
	return 0;
}

static void test_destroy_exactly_the_rows_asked(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if (geteuid() != 0) {
		print_message("skipped: SOCK_DESTROY needs root (and unshare -n)\n");
		skip();
	}
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status) == SKIP_CODE) {
		print_message("skipped: no private network namespace, or a kernel without "
			      "CONFIG_INET_DIAG_DESTROY\n");
		skip();
	}
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_destroy_exactly_the_rows_asked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
