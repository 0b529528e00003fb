/* lifecycle: what the lifecycle store costs (root, BPF).
 *
 *   lifecycle [-r RUNS]
 *
 * Prints the store's load time (verifier, BTF relocation, attach: paid
 * once per start), median and fastest of RUNS opens at its default size,
 * then its memory as the kernel accounts it (memlock in fdinfo) empty and
 * holding 100k and 1M entries: a hash of the store's shape (8-byte cookie,
 * its 48-byte entry, 1M max, allocated as used) filled from user space,
 * since making a million sockets to fill the real one measures the sockets.
 * Events lost under churn need real connections: see the closing note of
 * issue #12 (leakgen --churn in a private netns, sktop -b --json). */
#include <config.h>

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collect/bpf_lifecycle.h"

#if HAVE_BPF
#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <unistd.h>

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

static long memlock(int fd)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

static int load_times(int runs)
{
	uint64_t *us = calloc((size_t)runs, sizeof(*us));

	if (!us)
		return 1;
	for (int i = 0; i < runs; i++) {
		struct sk_bpf_lifecycle *b;
		struct sk_error err = {0};

		if (sk_bpf_lifecycle_open(&b, 0, &err)) {
			fprintf(stderr, "lifecycle: %s\n", err.msg);
			free(us);
			return 1;
		}
		us[i] = sk_bpf_lifecycle_load_us(b);
		sk_bpf_lifecycle_close(b);
	}
	qsort(us, (size_t)runs, sizeof(*us), cmp_u64);
	printf("load: median %.1f ms, fastest %.1f ms (%d runs, %u entries max)\n",
	       (double)us[runs / 2] / 1000.0, (double)us[0] / 1000.0, runs,
	       SK_LIFE_MAX_ENTRIES_DEFAULT);
	free(us);
	return 0;
}

static int memory(void)
{
	/* What LIBBPF_OPTS expands to, spelled out: cppcheck does not read
	 * libbpf's headers and cannot parse the macro. */
	struct bpf_map_create_opts o = {.sz = sizeof(o), .map_flags = BPF_F_NO_PREALLOC};
	size_t value = sk_bpf_lifecycle_entry_bytes() - sizeof(uint64_t);
	char v[64] = {0};
	int fd;

	if (value > sizeof(v)) { /* an entry grown past the buffer that fills it */
		fprintf(stderr, "lifecycle: a %zu B value does not fit %zu B\n", value, sizeof(v));
		return 1;
	}
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "lives_bench", sizeof(uint64_t), (uint32_t)value,
			    SK_LIFE_MAX_ENTRIES_DEFAULT, &o);
	if (fd < 0) {
		perror("lifecycle: bpf_map_create");
		return 1;
	}
	printf("memory: empty %.1f MiB", (double)memlock(fd) / 1048576.0);
	for (uint64_t k = 1; k <= SK_LIFE_MAX_ENTRIES_DEFAULT; k++) {
		if (bpf_map_update_elem(fd, &k, v, BPF_NOEXIST)) {
			perror("lifecycle: bpf_map_update_elem");
			close(fd);
			return 1;
		}
		if (k == 100000 || k == 1000000)
			printf(", %llu entries %.1f MiB", (unsigned long long)k,
			       (double)memlock(fd) / 1048576.0);
	}
	printf(" (entry: 8 B key + %zu B value)\n", value);
	close(fd);
	return 0;
}
#endif

int main(int argc, char **argv)
{
	int runs = 5, c;

	while ((c = getopt(argc, argv, "r:")) != -1) {
		if (c != 'r' || (runs = atoi(optarg)) < 1 || runs > 1000) {
			fprintf(stderr, "usage: lifecycle [-r RUNS]\n");
			return 2;
		}
	}
#if HAVE_BPF
	return load_times(runs) || memory();
#else
	fprintf(stderr, "lifecycle: built without BPF\n");
	return 1;
#endif
}
