/* floor: the cost sktop cannot go below, measured the simplest way.
 *
 *   floor --scan none   one SOCK_DIAG dump of TCP v4+v6, all states,
 *                       meminfo + tcp_info, every message walked and counted
 *   floor --scan full   the same plus readlink() of every /proc/PID/fd/N
 *                       into an inode -> pid hash (what ss -p does, minus
 *                       its quadratic hash)
 *   floor --scan list   the same dump plus readdir() of every /proc/PID/fd,
 *                       no readlink: the floor of an incremental refresh
 *
 * Prints one line: "ms=TOTAL dump_ms=D scan_ms=S sockets=N fds=F". Runs in
 * the network namespace it is started in (use nsenter -n). */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int count_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(*(long *)data)++;
	return MNL_CB_OK;
}

static long dump_family(struct mnl_socket *nl, uint8_t family, unsigned seq)
{
	char buf[65536];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	long n = 0;
	int rc;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = ~0u;
	req->idiag_ext = (1 << (INET_DIAG_SKMEMINFO - 1)) | (1 << (INET_DIAG_INFO - 1));
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
		perror("sendto");
		exit(1);
	}
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(nl, buf, sizeof(buf));

		if (len < 0) {
			perror("recvfrom");
			exit(1);
		}
		rc = mnl_cb_run(buf, (size_t)len, seq, mnl_socket_get_portid(nl), count_cb, &n);
		if (rc <= MNL_CB_STOP)
			break;
	}
	return n;
}

struct inode_map {
	unsigned long long *keys;
	int *pids;
	size_t mask;
};

static void map_put(struct inode_map *m, unsigned long long inode, int pid)
{
	size_t i = (size_t)(inode * 0x9E3779B97F4A7C15ULL) & m->mask;

	while (m->keys[i] && m->keys[i] != inode)
		i = (i + 1) & m->mask;
	m->keys[i] = inode;
	m->pids[i] = pid;
}

static long scan_proc(int full, struct inode_map *m)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	long fds = 0;

	if (!proc)
		exit(1);
	while ((pe = readdir(proc))) {
		char path[64], link[64];
		DIR *fdd;
		struct dirent *fe;
		int pid = atoi(pe->d_name);

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd", pid);
		fdd = opendir(path);
		if (!fdd)
			continue;
		while ((fe = readdir(fdd))) {
			if (fe->d_name[0] == '.')
				continue;
			fds++;
			if (!full)
				continue;
			ssize_t n = readlinkat(dirfd(fdd), fe->d_name, link, sizeof(link) - 1);

			if (n > 8 && memcmp(link, "socket:[", 8) == 0) {
				link[n] = '\0';
				map_put(m, strtoull(link + 8, NULL, 10), pid);
			}
		}
		closedir(fdd);
	}
	closedir(proc);
	return fds;
}

int main(int argc, char **argv)
{
	const char *scan = "none";
	struct mnl_socket *nl;
	struct inode_map m = {0};
	double t0, t1, t2;
	long sockets, fds = 0;

	for (int i = 1; i + 1 < argc; i++)
		if (strcmp(argv[i], "--scan") == 0)
			scan = argv[i + 1];
	m.mask = (1u << 22) - 1; /* 4M slots: enough for a million sockets */
	m.keys = calloc(m.mask + 1, sizeof(*m.keys));
	m.pids = calloc(m.mask + 1, sizeof(*m.pids));
	nl = mnl_socket_open(NETLINK_SOCK_DIAG);
	if (!m.keys || !m.pids || !nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("setup");
		free(m.keys);
		free(m.pids);
		if (nl)
			mnl_socket_close(nl);
		return 1;
	}
	t0 = now_ms();
	sockets = dump_family(nl, AF_INET, 1) + dump_family(nl, AF_INET6, 2);
	t1 = now_ms();
	if (strcmp(scan, "none") != 0)
		fds = scan_proc(strcmp(scan, "full") == 0, &m);
	t2 = now_ms();
	printf("ms=%.1f dump_ms=%.1f scan_ms=%.1f sockets=%ld fds=%ld\n", t2 - t0, t1 - t0, t2 - t1,
	       sockets, fds);
	mnl_socket_close(nl);
	free(m.keys);
	free(m.pids);
	return 0;
}
