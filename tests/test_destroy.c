/* SOCK_DESTROY on real sockets in a private network namespace: exactly the
 * rows asked for go, a stale row (gone, or its four-tuple reused) is
 * refused, and unix sockets are refused before the kernel is asked. And
 * `sktop --kill-sockets` end to end: a filter destroys exactly the
 * CLOSE_WAIT pile of a test server (as `ss` in that namespace sees it),
 * --dry-run destroys nothing. */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "suite.h"

#include "collect/diag.h"
#include "helpers/loopback.h"
#include "hermetic.h"

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

/* The output of a shell command, for comparing `ss` before and after. */
static int capture(const char *cmd, char *buf, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n;

	if (!p)
		return -1;
	n = fread(buf, 1, size - 1, p);
	buf[n] = '\0';
	return pclose(p) == 0 ? 0 : -1;
}

static int lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* sktop in a pid namespace of its own: it sees no process of the host, so
 * it dumps only this test's network namespace. On the host it would enter
 * every namespace, and ":4200" also matches a peer's port 42001 in another
 * test's namespace. The sockets are then owned by nobody it can see, and
 * match by their own text. */
static int sktop(const char *args)
{
	char cmd[1024];
	const char *dir = getenv("SKTOP_BUILDDIR");
	int st;

	snprintf(cmd, sizeof(cmd), "unshare --pid --fork --mount-proc '%s/sktop' %s >/dev/null",
		 dir ? dir : ".", args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

#define KPORT 4200

/* A private /dev whose /dev/log is ours, to read the line sktop logs
 * (the machine may have no syslog daemon at all). -1 when this cannot be
 * arranged: the log is then not checked. */
static int private_syslog(void)
{
	struct sockaddr_un un = {.sun_family = AF_UNIX, .sun_path = "/dev/log"};
	int fd;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/dev", "tmpfs", 0, "mode=755") < 0 ||
	    mknod("/dev/null", S_IFCHR | 0666, makedev(1, 3)) < 0)
		return -1;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&un, sizeof(un)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The destroy's line: what, how many, by whom. */
static bool logged(int fd)
{
	char msg[2048];
	ssize_t n = recv(fd, msg, sizeof(msg) - 1, MSG_DONTWAIT);

	if (n <= 0)
		return false;
	msg[n] = '\0';
	return strstr(msg, "sktop[") && strstr(msg, "--kill-sockets: destroyed 3 of 3 sockets "
						  "(CLOSE_WAIT 3) chosen by \"CLOSE_WAIT :4200\"") &&
	       strstr(msg, "by uid 0 (root)");
}

/* In the child: a server on KPORT with a CLOSE_WAIT pile, a pair of
 * established connections on KPORT+1, then the command line at work, and
 * the line it logs. */
static int kill_child(void)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	static char est0[4096], est1[4096], lst0[4096], lst1[4096], cw[4096];
	int lfd[2], fds[8], logfd;

	if (unshare(CLONE_NEWNET) < 0 || loopback_up() < 0)
		return SKIP_CODE;
	logfd = private_syslog();
	if (logfd < 0)
		fprintf(stderr, "note: no private /dev/log here, the syslog line is not checked\n");
	if (capture("ss -Htan", cw, sizeof(cw)) < 0)
		return SKIP_CODE; /* no ss to judge by */
	for (int l = 0; l < 2; l++) {
		sa.sin_port = htons(KPORT + l);
		/* CLOEXEC: the shell that runs sktop must not hold them too, or
		 * its command line (the filter) would select every one. */
		lfd[l] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (lfd[l] < 0 || bind(lfd[l], (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
		    listen(lfd[l], 8) < 0)
			return 20;
	}
	for (int i = 0; i < 4; i++) {
		int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		sa.sin_port = htons(KPORT + (i >= 3));
		if (c < 0 || connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0)
			return 21;
		fds[i] = accept4(lfd[i >= 3], NULL, NULL, SOCK_CLOEXEC);
		if (fds[i] < 0)
			return 22;
		if (i < 3)
			close(c); /* the server side stays in CLOSE_WAIT */
		else
			fds[4] = c;
	}
	if (capture("ss -Htan state close-wait", cw, sizeof(cw)) < 0 || lines(cw) != 3 ||
	    capture("ss -Htan state established", est0, sizeof(est0)) < 0 || lines(est0) != 2 ||
	    capture("ss -Htan state listening", lst0, sizeof(lst0)) < 0 || lines(lst0) != 2)
		return 23;
	/* An empty filter is refused as misuse; a dry run lists and keeps. */
	if (sktop("--kill-sockets ' '") != 2)
		return 24;
	if (sktop("--kill-sockets 'CLOSE_WAIT :4200' --dry-run") != 0 ||
	    capture("ss -Htan state close-wait", cw, sizeof(cw)) < 0 || lines(cw) != 3)
		return 25;
	int rc = sktop("--kill-sockets 'CLOSE_WAIT :4200'");

	if (rc == 1 && capture("ss -Htan state close-wait", cw, sizeof(cw)) == 0 && lines(cw) == 3)
		return SKIP_CODE; /* a kernel without CONFIG_INET_DIAG_DESTROY */
	if (rc != 0)
		return 26;
	if (logfd >= 0 && !logged(logfd))
		return 30;
	if (capture("ss -Htan state close-wait", cw, sizeof(cw)) < 0 || lines(cw) != 0 ||
	    capture("ss -Htan state established", est1, sizeof(est1)) < 0 ||
	    capture("ss -Htan state listening", lst1, sizeof(lst1)) < 0)
		return 27;
	/* Exactly those: the other connections and the listeners are as they were. */
	if (strcmp(est0, est1) != 0 || strcmp(lst0, lst1) != 0)
		return 28;
	/* Nothing matches any more: exit 1. */
	if (sktop("--kill-sockets 'CLOSE_WAIT :4200'") != 1)
		return 29;
	return 0;
}

static void run_in_child(int (*fn)(void))
{
	int status;

	if (geteuid() != 0) {
		print_message("skipped: SOCK_DESTROY needs root (and unshare -n)\n");
		skip();
	}
	status = hermetic_child(fn);
	assert_true(status >= 0);
	if (status == SKIP_CODE) {
		print_message("skipped: no private network namespace, no ss, or a kernel without "
			      "CONFIG_INET_DIAG_DESTROY\n");
		skip();
	}
	assert_int_equal(status, 0);
}

static void test_kill_sockets_takes_exactly_the_pile(void **state)
{
	(void)state;
	run_in_child(kill_child);
}

static void test_destroy_exactly_the_rows_asked(void **state)
{
	(void)state;
	run_in_child(child);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_destroy_exactly_the_rows_asked),
	cmocka_unit_test(test_kill_sockets_takes_exactly_the_pile))
