/* services: what resolving processes to services costs (issue 13: "the
 * cost of resolving 1,000 distinct cgroups, cold, and per refresh after").
 *
 *   services [-n CGROUPS] [-r REFRESHES]       default 1000 20   (root)
 *
 * Makes CGROUPS real cgroups under the cgroup2 mount, in one uniquely named
 * subtree: 40% kubelet-shaped (pods of 10 cri-containerd scopes, with the
 * kubelet's /var/log/containers links), 30% Docker scopes (with a
 * config.v2.json each), 30% systemd services; forks one sleeping child
 * into each, scans the real /proc, and times sk_service_attach:
 *   cold     a new resolver: every cgroup stat'ed, classified and named
 *   refresh  the same resolver again (median of REFRESHES): one read of
 *            /proc/PID/cgroup per process and a hash lookup
 *   walk     the first lookup of a cgroup id no process showed (a socket
 *            whose process is gone): one walk of the whole mount
 * and, for scale, reading /proc/PID/cgroup alone for every process and
 * the procfs scan every refresh already makes (no owner cache). The
 * children, the cgroups and the host files are removed at the end. */
#include <config.h>

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "collect/proc.h"
#include "collect/service.h"
#include "model/snapshot.h"
#include "util/readfile.h"

#include <fcntl.h>

/* Wall and CPU time: on a shared machine the wall time also counts
 * waiting for a core. */
struct timing {
	double wall, cpu;
};

static double ms_of(const struct timespec *t)
{
	return (double)t->tv_sec * 1e3 + (double)t->tv_nsec / 1e6;
}

static struct timing stamp(void)
{
	struct timespec w, c;

	clock_gettime(CLOCK_MONOTONIC, &w);
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
	return (struct timing){ms_of(&w), ms_of(&c)};
}

static struct timing since(struct timing t0)
{
	struct timing t = stamp();

	return (struct timing){t.wall - t0.wall, t.cpu - t0.cpu};
}


static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0)
		die(path);
}

static void mkdirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die(path);
}

static void hex_id(char *out, unsigned kind, unsigned i)
{
	snprintf(out, 65, "%08x%056x", kind, i);
}

struct world {
	char mount[PATH_MAX], top[PATH_MAX + 64], host[64];
	pid_t *kids;
	unsigned n;
};

/* One cgroup of shape i % 10 (0-3 kubelet, 4-6 docker, 7-9 systemd), its
 * host files, and a child sleeping in it. Returns the child. */
static pid_t make_one(struct world *w, unsigned i)
{
	char dir[PATH_MAX * 2], file[PATH_MAX * 2 + 32], id[65], pid[32];
	unsigned shape = i % 10;
	pid_t kid;

	if (shape < 4) {
		hex_id(id, 1, i);
		snprintf(dir, sizeof(dir),
			 "%s/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod%08x_0000_0000_0000_%012u.slice/cri-containerd-%s.scope",
			 w->top, i / 40, i / 40, id);
		snprintf(file, sizeof(file), "%s/var/log/containers/app-%u-x_ns%u_c%u-%s.log",
			 w->host, i / 40, i % 7, i, id);
		if (symlink("/var/log/pods/x/0.log", file) < 0)
			die(file);
	} else if (shape < 7) {
		hex_id(id, 2, i);
		snprintf(dir, sizeof(dir), "%s/system.slice/docker-%s.scope", w->top, id);
		snprintf(file, sizeof(file), "%s/var/lib/docker/containers/%s", w->host, id);
		mkdirs(file);
		strncat(file, "/config.v2.json", sizeof(file) - strlen(file) - 1);
		put(file, "{\"Name\":\"/web\",\"Config\":{\"Labels\":{}},\"State\":{\"Running\":true}}\n");
	} else {
		snprintf(dir, sizeof(dir), "%s/system.slice/svc-%u.service", w->top, i);
	}
	mkdirs(dir);
	kid = fork();
	if (kid < 0)
		die("fork");
	if (kid == 0) {
		pause();
		_exit(0);
	}
	snprintf(file, sizeof(file), "%s/cgroup.procs", dir);
	snprintf(pid, sizeof(pid), "%d\n", (int)kid);
	put(file, pid);
	return kid;
}

static void cleanup(struct world *w)
{
	char cmd[PATH_MAX * 2 + 128];

	for (unsigned i = 0; i < w->n; i++)
		if (w->kids[i] > 0) {
			kill(w->kids[i], SIGKILL);
			waitpid(w->kids[i], NULL, 0);
		}
	snprintf(cmd, sizeof(cmd), "find '%s' -depth -type d -exec rmdir {} + 2>/dev/null", w->top);
	if (system(cmd) != 0 && access(w->top, F_OK) == 0)
		fprintf(stderr, "could not remove %s\n", w->top);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", w->host);
	if (w->host[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", w->host);
}

static void scan(struct sk_snapshot *s)
{
	struct sk_error err = {0};

	sk_snapshot_reset(s);
	if (sk_procfs_scan("/proc", &s->procs, &s->fdrefs, &s->strs, &s->procfs, &err))
		fprintf(stderr, "scan: %s\n", err.msg), exit(1);
}

static struct timing attach_ms(struct sk_service_resolver *r, struct sk_snapshot *s)
{
	struct sk_error err = {0};
	struct timing t0 = stamp();

	if (sk_service_attach(r, s, &err))
		fprintf(stderr, "attach: %s\n", err.msg), exit(1);
	return since(t0);
}

static int cmp_timing(const void *a, const void *b)
{
	double x = ((const struct timing *)a)->wall, y = ((const struct timing *)b)->wall;

	return (x > y) - (x < y);
}

static double read_cgroups_ms(const struct sk_snapshot *s)
{
	char path[64], buf[SK_CGROUP_PATH_MAX + 64];
	struct timing t0 = stamp();

	for (size_t i = 0; i < s->procs.n; i++) {
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)s->procs.v[i].pid);
		(void)sk_read_at(AT_FDCWD, path, buf, sizeof(buf));
	}
	return since(t0).wall;
}

static void find_mount(struct world *w)
{
	char line[8192], root[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sk_parse_mountinfo_cgroup2(line, w->mount, sizeof(w->mount), root, sizeof(root)))
			break;
	if (f)
		fclose(f);
	if (!w->mount[0])
		fprintf(stderr, "no cgroup2 mount\n"), exit(1);
}

int main(int argc, char **argv)
{
	struct world w = {.n = 1000};
	unsigned refreshes = 20, named = 0;
	struct sk_service_paths paths = {"/proc", NULL, NULL};
	struct sk_service_resolver *r;
	struct sk_service_stats st;
	struct sk_snapshot s;
	struct sk_error err = {0};
	char dir[PATH_MAX * 2];
	double walk, reads, scan_ms;
	struct timing cold, *warm;
	int opt;

	while ((opt = getopt(argc, argv, "n:r:")) != -1) {
		if (opt == 'n')
			w.n = (unsigned)strtoul(optarg, NULL, 10);
		else if (opt == 'r')
			refreshes = (unsigned)strtoul(optarg, NULL, 10);
		else
			return 2;
	}
	if (geteuid() != 0)
		fprintf(stderr, "services: needs root (cgroups)\n"), exit(1);
	if (!refreshes)
		refreshes = 1;
	find_mount(&w);
	snprintf(w.top, sizeof(w.top), "%s/sktop-bench-%d", w.mount, (int)getpid());
	snprintf(w.host, sizeof(w.host), "/tmp/sktop-bench-host-XXXXXX");
	if (!mkdtemp(w.host))
		die("mkdtemp");
	snprintf(dir, sizeof(dir), "%s/var/log/containers", w.host);
	mkdirs(dir);
	w.kids = calloc(w.n, sizeof(*w.kids));
	warm = calloc(refreshes, sizeof(*warm));
	if (!w.kids || !warm)
		die("calloc");
	for (unsigned i = 0; i < w.n; i++)
		w.kids[i] = make_one(&w, i);
	paths.host_root = w.host;

	sk_snapshot_init(&s);
	scan(&s);
	{
		struct timing t0 = stamp();

		scan(&s);
		scan_ms = since(t0).wall;
	}
	if (sk_service_resolver_new(&paths, &r, &err))
		fprintf(stderr, "%s\n", err.msg), exit(1);
	cold = attach_ms(r, &s);
	for (size_t i = 0; i < s.services.n; i++)
		named += s.services.v[i].kind != SK_SERVICE_CGROUP && s.services.v[i].name != 0;
	for (unsigned i = 0; i < refreshes; i++)
		warm[i] = attach_ms(r, &s);
	qsort(warm, refreshes, sizeof(*warm), cmp_timing);
	reads = read_cgroups_ms(&s);
	sk_service_resolver_stats(r, &st);
	printf("| processes | services | cold ms (cpu) | per refresh ms (cpu), median of %u | /proc/PID/cgroup reads alone ms | procfs scan ms (for scale) |\n", refreshes);
	printf("|---|---|---|---|---|---|\n");
	printf("| %zu | %zu (%u k8s/docker/systemd) | %.2f (%.2f) | %.2f (%.2f) | %.2f | %.2f |\n",
	       s.procs.n, s.services.n, named, cold.wall, cold.cpu, warm[refreshes / 2].wall,
	       warm[refreshes / 2].cpu, reads, scan_ms);
	sk_service_resolver_free(r);

	/* The walk: a fresh resolver asked for an id before any process. */
	if (sk_service_resolver_new(&paths, &r, &err))
		fprintf(stderr, "%s\n", err.msg), exit(1);
	sk_service_resolver_tick(r);
	{
		struct stat sb;

		snprintf(dir, sizeof(dir), "%s/system.slice/svc-7.service", w.top);
		if (stat(dir, &sb) < 0)
			die(dir);
		struct timing t0 = stamp();

		if (!sk_service_resolve_id(r, (uint64_t)sb.st_ino))
			fprintf(stderr, "walk did not find %s\n", dir);
		walk = since(t0).wall;
	}
	printf("\nwalk of the cgroup2 mount for one unknown socket cgroup id: %.2f ms\n", walk);
	sk_service_resolver_free(r);
	sk_snapshot_free(&s);
	cleanup(&w);
	free(w.kids);
	free(warm);
	return 0;
}
