/* capture_diag: runs one sock_diag dump with sktop's own request and writes
 * the datagrams, exactly as received, one after the other, to a file. That
 * file is a parser fixture: sk_diag_parse_buffer() takes it whole.
 *
 *   capture_diag [-x] KIND OUTFILE
 *
 *   KIND  tcp4, tcp6 (every TCP state, bound-inactive included), udp4, udp6
 *         (every state) or unix
 *   -x    ask for no extensions; by default meminfo is asked for, and
 *         tcp_info too for TCP
 *
 * It dumps the network namespace it runs in; tests/fixtures/diag/README
 * says how the committed fixtures were made. Exit status 0, or 1 with one
 * line on stderr. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "collect/diag.h"

struct out {
	int fd;
	size_t bytes;
	int err;
};

static int write_dgram(const void *buf, size_t len, void *ctx)
{
	struct out *o = ctx;
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(o->fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			return 1;
		}
		p += n;
		len -= (size_t)n;
		o->bytes += (size_t)n;
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: capture_diag [-x] tcp4|tcp6|udp4|udp6|unix OUTFILE\n");
	return 1;
}

int main(int argc, char **argv)
{
	struct sk_diag_request req;
	struct sk_diag_conn *conn;
	struct sk_error err;
	struct out o = {.fd = -1};
	const char *kind, *path;
	int argi = 1, rc;
	int ext = 1;

	if (argi < argc && strcmp(argv[argi], "-x") == 0) {
		ext = 0;
		argi++;
	}
	if (argc - argi != 2)
		return usage();
	kind = argv[argi];
	path = argv[argi + 1];

	memset(&req, 0, sizeof(req));
	req.kind = SK_DIAG_INET;
	if (strcmp(kind, "tcp4") == 0 || strcmp(kind, "tcp6") == 0) {
		req.protocol = IPPROTO_TCP;
		req.states = (1u << SK_TCP_STATE_LAST) - 1;
		req.ext_tcpinfo = ext;
	} else if (strcmp(kind, "udp4") == 0 || strcmp(kind, "udp6") == 0) {
		req.protocol = IPPROTO_UDP;
		req.states = UINT32_MAX;
	} else if (strcmp(kind, "unix") == 0) {
		req.kind = SK_DIAG_UNIX;
		req.family = AF_UNIX;
	} else {
		return usage();
	}
	if (req.kind == SK_DIAG_INET)
		req.family = kind[3] == '6' ? AF_INET6 : AF_INET;
	req.ext_meminfo = ext;

	if (sk_diag_open(&conn, &err) < 0) {
		fprintf(stderr, "capture_diag: %s\n", err.msg);
		return 1;
	}
	o.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o.fd < 0) {
		fprintf(stderr, "capture_diag: %s: %s\n", path, strerror(errno));
		sk_diag_close(conn);
		return 1;
	}
	rc = sk_diag_dump_raw(conn, &req, write_dgram, &o, &err);
	sk_diag_close(conn);
	if (close(o.fd) < 0 && !o.err)
		o.err = errno;
	if (o.err) {
		fprintf(stderr, "capture_diag: %s: %s\n", path, strerror(o.err));
		return 1;
	}
	if (rc < 0) {
		fprintf(stderr, "capture_diag: %s\n", err.msg);
		return 1;
	}
	printf("%s: %zu bytes\n", path, o.bytes);
	return 0;
}
