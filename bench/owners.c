/* owners: the time to find every socket's owner, by each path, on the live
 * machine (root). No dump and no join: only the process scan that produces
 * the fd -> inode rows the join reads.
 *
 *   owners [-r RUNS]
 *
 * Prints the BPF program's load time (verifier, BTF relocation, attach:
 * paid once per start), then the median over RUNS of
 *   iter     one iterator read alone
 *   iter_tcp one read of the TCP program: every fd, and each TCP socket's
 *            row as a dump would give it (kernel 6.2; skipped elsewhere)
 *   bpf      one iterator read + the /proc scan that takes fds from it
 *   full     the /proc walk with a readlink per fd (a cold sktop)
 *   cached   the /proc walk through a warm owner cache (a steady refresh)
 * (and the fastest run), with the socket fds each found, which must agree. */
#include <config.h>

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "collect/bpf_owners.h"
#include "collect/proc.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

enum path { P_ITER, P_ITER_TCP, P_BPF, P_FULL, P_CACHED, P_LAST };
static const char *const path_names[P_LAST] = {"iter", "iter_tcp", "bpf", "full", "cached"};

struct tables {
	sk_procvec procs;
	sk_fdrefvec fds;
	sk_fdrowvec rows;
	sk_sockvec socks;
	struct sk_bpf_tcp tcp;
	struct sk_strtab strs;
	struct sk_bpf_owners *with_tcp; /* NULL: the kernel refused the TCP program */
};

static int scan(enum path p, struct sk_bpf_owners *b, struct sk_procfs_cache *cache,
		struct tables *t, struct sk_error *err)
{
	struct sk_procfs_stats st = {0};
	int rc;

	t->procs.n = t->fds.n = 0;
	sk_strtab_reset(&t->strs);
	switch (p) {
	case P_ITER:
		return sk_bpf_owners_read(b, &t->rows, NULL, err);
	case P_ITER_TCP:
		t->socks.n = 0;
		t->tcp.socks = &t->socks;
		return sk_bpf_owners_read(t->with_tcp, &t->rows, &t->tcp, err);
	case P_BPF:
		rc = sk_bpf_owners_read(b, &t->rows, NULL, err);
		return rc ? rc : sk_procfs_scan_rows("/proc", &t->rows, &t->procs, &t->fds, &t->strs,
						     &st, err);
	case P_FULL:
		return sk_procfs_scan("/proc", &t->procs, &t->fds, &t->strs, &st, err);
	default:
		return sk_procfs_scan_cached("/proc", cache, &t->procs, &t->fds, &t->strs, &st, err);
	}
}

int main(int argc, char **argv)
{
	struct sk_error err = {0};
	struct sk_bpf_owners *b = NULL;
	struct sk_procfs_cache *cache = NULL;
	struct tables t = {0};
	int runs = 5, c;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r' || (runs = atoi(optarg)) < 1 || runs > 1000) {
			fprintf(stderr, "usage: owners [-r RUNS]\n");
			return 2;
		}
	}
	if (sk_bpf_owners_open(&b, false, &err) != 0) {
		fprintf(stderr, "owners: %s\n", err.msg);
		return 1;
	}
	printf("load_ms=%.1f\n", (double)sk_bpf_owners_load_us(b) / 1000.0);
	if (sk_bpf_owners_open(&t.with_tcp, true, &err) == 0 && sk_bpf_owners_reads_tcp(t.with_tcp)) {
		printf("load_tcp_ms=%.1f\n", (double)sk_bpf_owners_load_us(t.with_tcp) / 1000.0);
	} else {
		printf("iter_tcp: %s\n", err.msg[0] ? err.msg : sk_bpf_owners_tcp_note(t.with_tcp));
		sk_bpf_owners_close(t.with_tcp);
		t.with_tcp = NULL;
	}
	sk_strtab_init(&t.strs);
	if (sk_procfs_cache_new(&cache) != 0)
		return 1;
	for (int p = 0; p < P_LAST; p++) {
		double *ms = calloc((size_t)runs, sizeof(*ms));

		if (!ms)
			return 1;
		if (p == P_ITER_TCP && !t.with_tcp) {
			free(ms);
			continue;
		}
		if (p == P_CACHED && scan(P_CACHED, b, cache, &t, &err) != 0) /* warm it */
			goto fail;
		for (int i = 0; i < runs; i++) {
			double t0 = now_ms();

			if (scan((enum path)p, b, cache, &t, &err) != 0)
				goto fail;
			ms[i] = now_ms() - t0;
		}
		qsort(ms, (size_t)runs, sizeof(*ms), cmp_double);
		/* The minimum too: on a shared machine the median carries the
		 * neighbours' load. */
		if (p == P_ITER)
			printf("%s_ms=%.1f min=%.1f fds=%zu\n", path_names[p], ms[runs / 2], ms[0],
			       t.rows.n);
		else if (p == P_ITER_TCP)
			printf("%s_ms=%.1f min=%.1f fds=%zu tcp_sockets=%zu\n", path_names[p],
			       ms[runs / 2], ms[0], t.rows.n, t.tcp.n);
		else
			printf("%s_ms=%.1f min=%.1f processes=%zu socket_fds=%zu\n", path_names[p],
			       ms[runs / 2], ms[0], t.procs.n, t.fds.n);
		free(ms);
	}
	sk_bpf_owners_close(b);
	sk_bpf_owners_close(t.with_tcp);
	free(t.socks.v);
	free(t.tcp.syn_netns.v);
	free(t.tcp.unread_netns.v);
	sk_procfs_cache_free(cache);
	free(t.procs.v);
	free(t.fds.v);
	free(t.rows.v);
	sk_strtab_free(&t.strs);
	return 0;
fail:
	fprintf(stderr, "owners: %s\n", err.msg);
	return 1;
}
