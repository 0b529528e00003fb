/* Services on a real kernel (root): cgroup v2 directories shaped like a
 * kubelet's, a Docker daemon's and a systemd unit's are made in a uniquely
 * named subtree of the real cgroup2 mount, a leaking leakgen is started in
 * each (the test process steps into the cgroup for the fork, so the
 * leaker's sockets, its orphans included, carry that cgroup's id), and the
 * engine's snapshot must name pod, container and unit, for the processes
 * and for the orphans no fd holds; the first leaker's network namespace,
 * bind-mounted as `ip netns add` would, must carry its name. Then sktop
 * itself: its JSON and its 80x24 screen (tmux) name them, and `v` groups
 * them (the captures are kept in tests/service_live_*.txt). The subtree is
 * removed by the teardown, which runs even when a check fails; the mount
 * is made in a private mount namespace, so it goes with the process. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "engine.h"
#include "leakrun.h"

#define KID "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"
#define DID "d0cca000d0cca000d0cca000d0cca000d0cca000d0cca000d0cca000d0cca000"
#define UID_ "12345678-9abc-def0-1234-56789abcdef0"
#define UIDS "12345678_9abc_def0_1234_56789abcdef0"

#define K8S_DIR "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UIDS \
		".slice/cri-containerd-" KID ".scope"
#define DOCKER_DIR "system.slice/docker-" DID ".scope"
#define UNIT_DIR "system.slice/leaky.service"

struct world {
	char mount[PATH_MAX];  /* the cgroup2 mount */
	char top[PATH_MAX + 64]; /* our subtree under it */
	char home[PATH_MAX];   /* our cgroup, to step back into */
	char host[64];         /* the fake /var tree */
	char tmux[64];         /* the tmux session showing sktop, "" none */
	struct leak leaks[3];
	int nleaks;
};

static const char *const dirs[] = {K8S_DIR, DOCKER_DIR, UNIT_DIR};

static bool find_mount(struct world *w)
{
	char line[8192], root[PATH_MAX];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	bool found = false;

	while (f && !found && fgets(line, sizeof(line), f))
		found = sk_parse_mountinfo_cgroup2(line, w->mount, sizeof(w->mount), root,
						   sizeof(root)) && strcmp(root, "/") == 0;
	if (f)
		fclose(f);
	return found;
}

static bool own_cgroup(char *out, size_t size)
{
	char buf[8192];
	const char *p;
	size_t len;
	FILE *f = fopen("/proc/self/cgroup", "re");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	if (f)
		fclose(f);
	if (sk_parse_proc_cgroup(buf, n, sizeof(buf), &p, &len) || len >= size)
		return false;
	memcpy(out, p, len);
	out[len] = '\0';
	return true;
}

static int write_pid(const char *dir, pid_t pid)
{
	char path[PATH_MAX * 2];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "we");
	if (!f)
		return -1;
	ok = fprintf(f, "%d\n", (int)pid) > 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void mkdirs(const char *base, const char *rel)
{
	char path[PATH_MAX * 2];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	for (char *p = path + strlen(base) + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void put_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Depth first: a cgroup can only go once its children are gone. */
static void rm_cgroups(const char *dir)
{
	char cmd[PATH_MAX * 2 + 128];

	snprintf(cmd, sizeof(cmd), "find '%s' -depth -type d -exec rmdir {} + 2>/dev/null", dir);
	if (system(cmd) != 0 && access(dir, F_OK) == 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

static int teardown(void **state)
{
	struct world *w = *state;
	char path[PATH_MAX * 2];

	if (!w)
		return 0;
	if (w->tmux[0]) {
		snprintf(path, sizeof(path), "tmux kill-session -t %s 2>/dev/null", w->tmux);
		if (system(path) != 0)
			fprintf(stderr, "tmux session %s already gone\n", w->tmux);
	}
	for (int i = 0; i < w->nleaks; i++)
		stop_leak(&w->leaks[i]);
	if (w->top[0]) {
		/* Anything left behind (a peer that outlived its leaker). */
		snprintf(path, sizeof(path), "%s/cgroup.kill", w->top);
		if (access(path, W_OK) == 0)
			put_file(path, "1\n");
		for (int i = 0; i < 50; i++) {
			struct timespec ts = {0, 20 * 1000 * 1000};

			rm_cgroups(w->top);
			if (access(w->top, F_OK) != 0)
				break;
			nanosleep(&ts, NULL);
		}
	}
	if (w->host[0]) {
		snprintf(path, sizeof(path), "%s/run/netns/leaky-ns", w->host);
		umount2(path, MNT_DETACH); /* may never have been mounted */
		snprintf(path, sizeof(path), "rm -rf '%s'", w->host);
		if (system(path) != 0)
			fprintf(stderr, "could not remove %s\n", w->host);
	}
	free(w);
	*state = NULL;
	return 0;
}

/* The kubelet's log link and Docker's config for our two containers. */
static void make_host(struct world *w)
{
	char path[PATH_MAX];

	snprintf(w->host, sizeof(w->host), "/tmp/sktop-svc-host-XXXXXX");
	assert_non_null(mkdtemp(w->host));
	mkdirs(w->host, "var/log/containers");
	mkdirs(w->host, "var/lib/docker/containers/" DID);
	snprintf(path, sizeof(path), "%s/var/log/containers/leaky-5f7b9-abcde_shop_leaker-" KID ".log",
		 w->host);
	assert_int_equal(symlink("/var/log/pods/x/leaker/0.log", path), 0);
	snprintf(path, sizeof(path), "%s/var/lib/docker/containers/" DID "/config.v2.json", w->host);
	put_file(path, "{\"ID\":\"" DID "\",\"Name\":\"/leaky_web\"}\n");
}

/* leakgen forked while this process sits in the cgroup: it and its
 * sockets belong there from the start, as a container's would. */
static void start_in(struct world *w, const char *rel)
{
	const char *args[] = {"--close-wait", "2", "--finwait1", "2", NULL};
	char dir[PATH_MAX * 2], home[PATH_MAX * 2];
	struct leak *l = &w->leaks[w->nleaks];

	snprintf(dir, sizeof(dir), "%s/%s", w->top, rel);
	snprintf(home, sizeof(home), "%s%s", w->mount, strcmp(w->home, "/") ? w->home : "");
	assert_int_equal(write_pid(dir, getpid()), 0);
	int rc = start_leak(l, args);

	assert_int_equal(write_pid(home, getpid()), 0);
	assert_int_equal(rc, 0);
	w->nleaks++;
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	*state = w;
	return w ? 0 : -1;
}

/* As `ip netns add leaky-ns` would, under the fake host root. */
static void name_netns(struct world *w, pid_t pid)
{
	char src[64], dst[PATH_MAX];

	if (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		fail_msg("cannot make a private mount namespace: %s", strerror(errno));
	mkdirs(w->host, "run/netns");
	snprintf(dst, sizeof(dst), "%s/run/netns/leaky-ns", w->host);
	put_file(dst, "");
	snprintf(src, sizeof(src), "/proc/%d/ns/net", (int)pid);
	if (mount(src, dst, NULL, MS_BIND, NULL) != 0)
		fail_msg("cannot bind %s: %s", src, strerror(errno));
}

static const char *netns_name(const struct sk_snapshot *s, uint64_t id)
{
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == id)
			return sk_strtab_get(&s->strs, s->netns.v[i].name);
	return NULL;
}

static const struct sk_service *leaker_service(const struct sk_snapshot *s, pid_t pid)
{
	const struct sk_process *p = sk_snapshot_find_pid(s, pid);

	return p ? sk_snapshot_service(s, p->service) : NULL;
}

static const char *str(const struct sk_snapshot *s, uint32_t off)
{
	return sk_strtab_get(&s->strs, off);
}

/* Orphans are the sockets no fd holds: each must name its leaker's service. */
static void check_orphans(const struct sk_snapshot *s, const struct sk_service *want,
			  uint64_t netns)
{
	int n = 0, with_ids = 0;

	for (size_t k = 0; k < s->socks.n; k++) {
		const struct sk_socket *so = &s->socks.v[k];

		with_ids += so->cgroup_id != 0;
		if (so->netns != netns || so->owners_count || !so->cgroup_id)
			continue;
		assert_ptr_equal(sk_snapshot_sock_service(s, k), want);
		n++;
	}
	/* Kernels before INET_DIAG_CGROUP_ID (5.9) give no socket any id. */
	if (with_ids)
		assert_true(n > 0);
}

/* --- the faces: sktop's JSON and its 80x24 screen ------------------------------- */

static void expect_in(const char *text, const char *needle, const char *where)
{
	if (!strstr(text, needle))
		fail_msg("%s lacks '%s':\n%s", where, needle, text);
}

/* sktop -b -n 1 --json names pod, namespace, container and unit, and
 * --service keeps only our three services' processes. */
static void check_json(const struct world *w)
{
	char cmd[PATH_MAX * 2];
	size_t len;
	char *out;

	snprintf(cmd, sizeof(cmd), "'%s/sktop' -b -n 1 --json --host-root '%s' --service leaky",
		 builddir(), w->host);
	out = run_capture(cmd, &len);
	expect_in(out, "\"service\":{\"kind\":\"k8s\",\"name\":\"leaky-5f7b9-abcde/leaker\"", "JSON");
	expect_in(out, "\"pod\":\"leaky-5f7b9-abcde\",\"namespace\":\"shop\",\"container\":\"leaker\"",
		  "JSON");
	expect_in(out, "\"kind\":\"docker\",\"name\":\"leaky_web\",\"id\":\"" DID "\"", "JSON");
	expect_in(out, "\"kind\":\"systemd\",\"name\":\"leaky.service\"", "JSON");
	expect_in(out, "\"unit\":\"leaky.service\"", "JSON");
	expect_in(out, "\"name\":\"leaky-ns\"", "JSON");
	free(out);
}

/* capture-pane into text until it holds needle (10 s at most); fails
 * the test with the last screen otherwise. */
static void screen_wait(const struct world *w, const char *needle, char **text)
{
	char cmd[256];
	size_t len;

	snprintf(cmd, sizeof(cmd), "tmux capture-pane -p -t %s", w->tmux);
	for (int i = 0; i < 200; i++) {
		struct timespec ts = {0, 50 * 1000 * 1000};

		*text = run_capture(cmd, &len);
		if (strstr(*text, needle))
			return;
		if (i < 199)
			free(*text);
		nanosleep(&ts, NULL);
	}
	fail_msg("the screen never showed '%s':\n%s", needle, *text);
}

/* Where the captures go for the closing note. */
static void keep_capture(const char *name, const char *text)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/tests/%s", builddir(), name);
	f = fopen(path, "we");
	if (!f)
		return;
	fputs(text, f);
	fclose(f);
}

/* The 80x24 screen: SERVICE beside COMMAND names pod/container, container
 * and unit; v groups by service. No locale or colour: plain ASCII. */
static void check_screen(struct world *w)
{
	char cmd[PATH_MAX * 2];
	char *text = NULL;

	if (system("tmux -V >/dev/null 2>&1") != 0) {
		fprintf(stderr, "screen check skipped: no tmux\n");
		return;
	}
	snprintf(w->tmux, sizeof(w->tmux), "sktop-svc-%d", (int)getpid());
	snprintf(cmd, sizeof(cmd),
		 "tmux new-session -d -s %s -x 80 -y 24 \"env TERM=vt100 LANG=C LC_ALL=C NO_COLOR=1 "
		 "'%s/sktop' -d 1 --host-root '%s' --service leaky -s service\"",
		 w->tmux, builddir(), w->host);
	assert_int_equal(system(cmd), 0);
	/* Findings come first when something is wrong (here it is): 1 is the
	 * process pane. */
	screen_wait(w, "1 Procs", &text);
	free(text);
	snprintf(cmd, sizeof(cmd), "tmux send-keys -t %s 1", w->tmux);
	assert_int_equal(system(cmd), 0);
	/* 11 columns at 80: the names are cut, their start is there. */
	screen_wait(w, "leaky.serv", &text);
	free(text);
	/* All three, once the first refresh with every service is drawn. */
	screen_wait(w, "leaky_web", &text);
	expect_in(text, "SERVICE", "80x24 process pane");
	expect_in(text, "leaky-5f7b", "80x24 process pane");
	expect_in(text, "leaky.serv", "80x24 process pane");
	keep_capture("service_live_procs.txt", text);
	free(text);
	snprintf(cmd, sizeof(cmd), "tmux send-keys -t %s v", w->tmux);
	assert_int_equal(system(cmd), 0);
	screen_wait(w, "KIND", &text);
	expect_in(text, "leaky-5f7b9-abcde/leaker", "80x24 services pane");
	expect_in(text, "k8s", "80x24 services pane");
	expect_in(text, "docker", "80x24 services pane");
	expect_in(text, "systemd", "80x24 services pane");
	keep_capture("service_live_services.txt", text);
	free(text);
}

static void test_live_services(void **state)
{
	struct world *w = *state;
	struct sk_engine_config cfg = {0};
	struct sk_engine *e;
	struct sk_error err = {0};
	const struct sk_snapshot *s;
	const struct sk_service *k8s, *docker, *unit;

	need_root_or_skip();
	if (!find_mount(w) || !own_cgroup(w->home, sizeof(w->home))) {
		fprintf(stderr, "skipped: no cgroup2 mount at the root of the hierarchy\n");
		skip();
	}
	snprintf(w->top, sizeof(w->top), "%s/sktop-test-%d-%ld", w->mount, (int)getpid(),
		 (long)time(NULL));
	if (mkdir(w->top, 0755) != 0) {
		fprintf(stderr, "skipped: cannot make a cgroup under %s: %s\n", w->mount,
			strerror(errno));
		w->top[0] = '\0';
		skip();
	}
	for (size_t i = 0; i < 3; i++)
		mkdirs(w->top, dirs[i]);
	make_host(w);
	for (size_t i = 0; i < 3; i++)
		start_in(w, dirs[i]);
	name_netns(w, w->leaks[0].leaker);

	cfg.host_root = w->host;
	assert_int_equal(sk_engine_new(&cfg, &e, &err), 0);
	for (int round = 0; round < 2; round++) { /* cold, then from the cache */
		if (sk_engine_refresh(e, &err) != 0)
			fail_msg("refresh: %s", err.msg);
		s = sk_engine_snapshot(e);
		k8s = leaker_service(s, w->leaks[0].leaker);
		docker = leaker_service(s, w->leaks[1].leaker);
		unit = leaker_service(s, w->leaks[2].leaker);
		assert_non_null(k8s);
		assert_non_null(docker);
		assert_non_null(unit);
		assert_int_equal(k8s->kind, SK_SERVICE_K8S);
		assert_string_equal(str(s, k8s->name), "leaky-5f7b9-abcde/leaker");
		assert_string_equal(str(s, k8s->pod), "leaky-5f7b9-abcde");
		assert_string_equal(str(s, k8s->ns), "shop");
		assert_string_equal(str(s, k8s->container), "leaker");
		assert_string_equal(str(s, k8s->id), KID);
		assert_string_equal(str(s, k8s->pod_uid), UID_);
		assert_int_equal(docker->kind, SK_SERVICE_DOCKER);
		assert_string_equal(str(s, docker->name), "leaky_web");
		assert_string_equal(str(s, docker->id), DID);
		assert_int_equal(unit->kind, SK_SERVICE_SYSTEMD);
		assert_string_equal(str(s, unit->name), "leaky.service");
		assert_string_equal(str(s, unit->unit), "leaky.service");
		/* The peer is in the same cgroup (forked by the leaker). */
		assert_ptr_equal(leaker_service(s, w->leaks[0].peer), k8s);
		assert_int_not_equal(k8s->cgroup_id, 0);
		check_orphans(s, k8s, w->leaks[0].netns);
		check_orphans(s, docker, w->leaks[1].netns);
		check_orphans(s, unit, w->leaks[2].netns);
		assert_string_equal(netns_name(s, w->leaks[0].netns), "leaky-ns");
		assert_string_equal(netns_name(s, w->leaks[1].netns), "");
	}
	sk_engine_free(e);
	check_json(w);
	check_screen(w);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test_setup_teardown(test_live_services, setup, teardown))
