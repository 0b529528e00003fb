/* The cgroup -> service resolver: table-driven path shapes and file
 * parsers, then the resolver over a fixture tree (tests/fixtures/service,
 * see its README) with names from the kubelet's links, Docker's and
 * Podman's files, hostile and 4 KB names made here, the cache, the walk
 * for socket cgroup ids, the attach step into a snapshot, and the
 * questions the faces ask of it (filter, sort, totals per service). */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "suite.h"
#include "fixture_root.h"
#include "collect/netns_names.h"
#include "collect/service.h"
#include "model/services.h"
#include "model/snapshot.h"
#include "snapbuild.h"

#define K1 "6ab9f1eb8f7d3388f4f9d586f66e99fd54080df2c446f0e58668b09c08a16dd0"
#define K2 "015f7e6bc5aeaf483724089e9252cc13b50951a6b69412522765cff4d780306e"
#define K3 "2f5052c9fd15b19a18c584d01363568198613f0c34e84409ef7938709a159ec2"
#define K4 "94091dd64a21ffe94214bc6d17deeb43873a5cf2f0a71b4b5caa9a5c81b6967d"
#define D1 "8b53639f152c8fc6ef30802fde462ba0be9cf085f7580dc69efd72e002abbb35"
#define D2 "e788103ee15318fcd2af9b73b4ebbb33a903b020de7b307d71f5fed0f433e548"
#define D3 "f451a61749c611ba0fa0e16c61831db44f38c611dff25879cf271a24c81a88b6"
#define P1 "f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a"
#define P2 "3946ca64ff78d93ca61090a437cbb6b3d2ca0d488f5f9ccf3059608368b27693"
#define U1 "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
#define U1S "0f1e2d3c_4b5a_6978_8a9b_0c1d2e3f4a5b"
#define U2 "11111111-2222-3333-4444-555555555555"
#define U3 "66666666-7777-8888-9999-aaaaaaaaaaaa"
#define U4S "bbbbbbbb_cccc_dddd_eeee_ffffffffffff"

#define POD1 "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" U1S ".slice"

/* --- the fixture tree, copied with its links made ----------------------------- */

static char tree[64];

static void tree_remove(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tree);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tree);
}

static const char *tree_copy(void)
{
	if (!tree[0])
		fixture_copy_with_links("service", tree, sizeof(tree), tree_remove);
	return tree;
}

static void tree_path(char *out, size_t size, const char *sub)
{
	snprintf(out, size, "%s/%s", tree_copy(), sub);
}

static struct sk_service_resolver *resolver(void)
{
	char proc[PATH_MAX], host[PATH_MAX], cg[PATH_MAX];
	struct sk_service_paths p = {proc, host, cg};
	struct sk_service_resolver *r;
	struct sk_error err = {0};

	tree_path(proc, sizeof(proc), "proc");
	tree_path(host, sizeof(host), "host");
	tree_path(cg, sizeof(cg), "cgroup");
	assert_int_equal(sk_service_resolver_new(&p, &r, &err), 0);
	sk_service_resolver_tick(r);
	return r;
}

/* The resolver's figures after n more refreshes (0: as it stands). */
static struct sk_service_stats stats_after(struct sk_service_resolver *r, int n)
{
	struct sk_service_stats st;

	for (int i = 0; i < n; i++)
		sk_service_resolver_tick(r);
	sk_service_resolver_stats(r, &st);
	return st;
}

static uint64_t inode_of(const char *cgroup_path)
{
	char path[PATH_MAX * 2];
	struct stat st;

	snprintf(path, sizeof(path), "%s/cgroup%s", tree_copy(), cgroup_path);
	return stat(path, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

static void write_file(const char *sub, const char *text, size_t len)
{
	char path[PATH_MAX];
	FILE *f;

	tree_path(path, sizeof(path), sub);
	mkdir_parents(path);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void assert_printable(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", *p, s);
}

/* --- path shapes ------------------------------------------------------------------ */

struct shape_case {
	const char *path;
	uint8_t kind;
	const char *id, *pod_uid, *unit;
	bool conmon;
};

static const struct shape_case shapes[] = {
	{POD1 "/cri-containerd-" K1 ".scope", SK_SERVICE_K8S, K1, U1S, NULL, false},
	{POD1 "/crio-" K1 ".scope", SK_SERVICE_K8S, K1, U1S, NULL, false},
	{POD1 "/crio-conmon-" K1 ".scope", SK_SERVICE_K8S, K1, U1S, NULL, true},
	{POD1, SK_SERVICE_K8S, NULL, U1S, NULL, false}, /* the pod's own cgroup */
	{"/kubepods.slice/kubepods-pod" U4S ".slice/docker-" K4 ".scope", SK_SERVICE_K8S, K4, U4S,
	 NULL, false},
	{"/kubepods/besteffort/pod" U2 "/crio-" K2, SK_SERVICE_K8S, K2, U2, NULL, false},
	{"/kubepods/pod" U3 "/" K3, SK_SERVICE_K8S, K3, U3, NULL, false},
	{"/kubepods/burstable", SK_SERVICE_CGROUP, NULL, NULL, NULL, false},
	{"/kubepods.slice", SK_SERVICE_CGROUP, NULL, NULL, NULL, false},
	{"/system.slice/docker-" D1 ".scope", SK_SERVICE_DOCKER, D1, NULL, NULL, false},
	{"/docker/" D2, SK_SERVICE_DOCKER, D2, NULL, NULL, false},
	{"/docker/" D2 "/docker/" D1, SK_SERVICE_DOCKER, D1, NULL, NULL, false}, /* innermost */
	{"/docker/notanid", SK_SERVICE_CGROUP, NULL, NULL, NULL, false},
	{"/system.slice/docker-" D1 "x.scope", SK_SERVICE_SYSTEMD, NULL, NULL,
	 "docker-" D1 "x.scope", false},
	{"/machine.slice/libpod-" P1 ".scope/container", SK_SERVICE_PODMAN, P1, NULL, NULL, false},
	{"/machine.slice/libpod-conmon-" P1 ".scope", SK_SERVICE_PODMAN, P1, NULL, NULL, true},
	{"/libpod_parent/libpod-" P2, SK_SERVICE_PODMAN, P2, NULL, NULL, false},
	{"/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" P1 ".scope",
	 SK_SERVICE_PODMAN, P1, NULL, NULL, false},
	{"/system.slice/nginx.service", SK_SERVICE_SYSTEMD, NULL, NULL, "nginx.service", false},
	{"/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope", SK_SERVICE_SYSTEMD,
	 NULL, NULL, "x.scope", false},
	{"/system.slice/foo.service/delegated/child", SK_SERVICE_SYSTEMD, NULL, NULL,
	 "foo.service", false},
	{"/init.scope", SK_SERVICE_SYSTEMD, NULL, NULL, "init.scope", false},
	{"/", SK_SERVICE_CGROUP, NULL, NULL, NULL, false},
	{"/custom/group", SK_SERVICE_CGROUP, NULL, NULL, NULL, false},
	{"//system.slice//nginx.service/", SK_SERVICE_SYSTEMD, NULL, NULL, "nginx.service", false},
	{"/pod" U2 "/crio-" K2, SK_SERVICE_CGROUP, NULL, NULL, NULL, false}, /* no kubepods */
};

static void assert_span(const char *want, const char *got, size_t len)
{
	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(got, want, len);
}

static void test_classify(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
		const struct shape_case *c = &shapes[i];
		struct sk_cgroup_shape sh;

		sk_cgroup_classify(c->path, strlen(c->path), &sh);
		if (sh.kind != c->kind)
			fail_msg("%s: kind %u, want %u", c->path, sh.kind, c->kind);
		assert_span(c->id, sh.id, sh.id_len);
		assert_span(c->pod_uid, sh.pod_uid, sh.pod_uid_len);
		assert_span(c->unit, sh.unit, sh.unit_len);
		assert_int_equal(sh.conmon, c->conmon);
	}
}

struct cgfile_case {
	const char *text;
	int rc;
	const char *path;
};

static void test_parse_proc_cgroup(void **state)
{
	static const struct cgfile_case cases[] = {
		{"0::/system.slice/nginx.service\n", 0, "/system.slice/nginx.service"},
		{"0::/\n", 0, "/"},
		{"12:pids:/a\n1:name=systemd:/a\n0::/b/c\n", 0, "/b/c"},
		{"0::/a\nb\n", 0, "/a\nb"},          /* a newline in a name */
		{"4:memory:/x\n1:name=systemd:/x\n", -ENOENT, NULL},
		{"", -ENOENT, NULL},
		{"0::\n", -EINVAL, NULL},
		{"0::relative\n", -EINVAL, NULL},
		{"10::/not-v2\n", -ENOENT, NULL},
	};
	const char *p;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = sk_parse_proc_cgroup(cases[i].text, strlen(cases[i].text), 4096, &p, &len);

		if (rc != cases[i].rc)
			fail_msg("case %zu: rc %d, want %d", i, rc, cases[i].rc);
		if (!rc)
			assert_span(cases[i].path, p, len);
	}
	/* A buffer the file filled: cut, so not trusted. */
	assert_int_equal(sk_parse_proc_cgroup("0::/abcd", 8, 8, &p, &len), -EINVAL);

	static const struct cgfile_case v1[] = {
		{"4:memory:/x\n1:name=systemd:/y\n", 0, "/y"},
		{"12:memory:/docker/a\n3:cpu:/docker/a\n0::/\n", 0, "/docker/a"},
		{"4:memory:/\n1:name=systemd:/\n0::/\n", -ENOENT, NULL},
		{"0::/only-v2\n", -ENOENT, NULL},
		{"garbage\n:x:/y\n4:memory\n", -ENOENT, NULL},
		{"4:memory:/x", 0, "/x"},
	};
	for (size_t i = 0; i < sizeof(v1) / sizeof(v1[0]); i++) {
		int rc = sk_parse_proc_cgroup_v1(v1[i].text, strlen(v1[i].text), &p, &len);

		if (rc != v1[i].rc)
			fail_msg("v1 case %zu: rc %d, want %d", i, rc, v1[i].rc);
		if (!rc)
			assert_span(v1[i].path, p, len);
	}
}

static void test_parse_mountinfo(void **state)
{
	char point[64], root[64];

	(void)state;
	assert_true(sk_parse_mountinfo_cgroup2(
		"35 24 0:30 / /sys/fs/cgroup rw,nosuid shared:9 - cgroup2 cgroup2 rw\n", point,
		sizeof(point), root, sizeof(root)));
	assert_string_equal(point, "/sys/fs/cgroup");
	assert_string_equal(root, "/");
	assert_true(sk_parse_mountinfo_cgroup2(
		"41 31 0:38 /sub\\040dir /mnt/cg\\040v2 rw - cgroup2 cgroup2 rw\n", point,
		sizeof(point), root, sizeof(root)));
	assert_string_equal(point, "/mnt/cg v2");
	assert_string_equal(root, "/sub dir");
	assert_false(sk_parse_mountinfo_cgroup2(
		"32 31 0:29 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu\n", point,
		sizeof(point), root, sizeof(root)));
	assert_false(sk_parse_mountinfo_cgroup2("garbage - cgroup2 x\n", point, sizeof(point),
						root, sizeof(root)));
	assert_false(sk_parse_mountinfo_cgroup2(
		"35 24 0:30 / /a/very/long/mount/point/that/does/not/fit/in/eight - cgroup2 c rw\n",
		point, 8, root, sizeof(root)));
}

static void test_parse_logname(void **state)
{
	struct sk_k8s_logname ln;
	const char *good = "checkout-7d9f8b-x2x4q_shop_checkout-" K1 ".log";

	(void)state;
	assert_int_equal(sk_parse_k8s_logname(good, strlen(good), &ln), 0);
	assert_span("checkout-7d9f8b-x2x4q", ln.pod, ln.pod_len);
	assert_span("shop", ln.ns, ln.ns_len);
	assert_span("checkout", ln.container, ln.container_len);
	assert_span(K1, ln.id, ln.id_len);
	static const char *const bad[] = {
		"bad_name-" K2 ".log", "a_b_c_d-" K2 ".log", "a_b_c-" K2, "a_b_c-xyz.log",
		"_b_c-" K2 ".log", "a__c-" K2 ".log", "a_b_-" K2 ".log", "",
		"a_b_c-" "6AB9F1EB8F7D3388F4F9D586F66E99FD54080DF2C446F0E58668B09C08A16DD0" ".log",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sk_parse_k8s_logname(bad[i], strlen(bad[i]), &ln) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
}

/* --- the resolver over the fixture tree ----------------------------------------- */

struct resolve_case {
	const char *path;
	uint8_t kind;
	const char *name, *pod, *ns, *container, *id, *unit, *pod_uid;
};

static const struct resolve_case resolves[] = {
	{POD1 "/cri-containerd-" K1 ".scope", SK_SERVICE_K8S, "checkout-7d9f8b-x2x4q/checkout",
	 "checkout-7d9f8b-x2x4q", "shop", "checkout", K1, "", U1},
	/* No log link: pod and namespace from /var/log/pods; the container is
	 * not guessed from the pod's one log directory (this may be the pause
	 * container). */
	{"/kubepods/besteffort/pod" U2 "/crio-" K2, SK_SERVICE_K8S, "web-0", "web-0", "default",
	 "", K2, "", U2},
	{"/kubepods/pod" U3 "/" K3, SK_SERVICE_K8S, "multi", "multi", "batch", "", K3, "", U3},
	/* dockershim: the kubelet's labels in Docker's config. */
	{"/kubepods.slice/kubepods-pod" U4S ".slice/docker-" K4 ".scope", SK_SERVICE_K8S,
	 "api-5c6d/api", "api-5c6d", "prod", "api", K4, "", "bbbbbbbb-cccc-dddd-eeee-ffffffffffff"},
	{"/system.slice/docker-" D1 ".scope", SK_SERVICE_DOCKER, "web", "", "", "web", D1, "", ""},
	{"/system.slice/docker-" D3 ".scope", SK_SERVICE_DOCKER, "f451a61749c6", "", "", "", D3, "",
	 ""},
	{"/machine.slice/libpod-" P1 ".scope/container", SK_SERVICE_PODMAN, "db", "", "", "db", P1,
	 "", ""},
	{"/libpod_parent/libpod-" P2, SK_SERVICE_PODMAN, "3946ca64ff78", "", "", "", P2, "", ""},
	{"/system.slice/nginx.service", SK_SERVICE_SYSTEMD, "nginx.service", "", "", "", "",
	 "nginx.service", ""},
	{"/user.slice/user-1000.slice/user@1000.service/app.slice/x.scope", SK_SERVICE_SYSTEMD,
	 "x.scope", "", "", "", "", "x.scope", ""},
	{"/custom/group", SK_SERVICE_CGROUP, "/custom/group", "", "", "", "", "", ""},
	{"/", SK_SERVICE_CGROUP, "/", "", "", "", "", "", ""},
};

/* What test_resolve_fixture compares, in its order. */
static const char *const info_fields[] = {"pod",  "ns",      "container", "id",
					  "unit", "pod_uid", "cgroup"};

static void test_resolve_fixture(void **state)
{
	struct sk_service_resolver *r = resolver();

	(void)state;
	for (size_t i = 0; i < sizeof(resolves) / sizeof(resolves[0]); i++) {
		const struct resolve_case *c = &resolves[i];
		const struct sk_service_info *in = sk_service_resolve_path(r, c->path, strlen(c->path));

		assert_non_null(in);
		if (in->kind != c->kind || strcmp(in->name, c->name) != 0)
			fail_msg("%s: %s \"%s\", want %s \"%s\"", c->path,
				 sk_service_kind_names[in->kind], in->name,
				 sk_service_kind_names[c->kind], c->name);
		const char *const got[] = {in->pod,  in->ns,      in->container, in->id,
					   in->unit, in->pod_uid, in->cgroup};
		const char *const want[] = {c->pod,  c->ns,      c->container, c->id,
					    c->unit, c->pod_uid, c->path};

		for (size_t f = 0; f < sizeof(got) / sizeof(got[0]); f++)
			if (strcmp(got[f], want[f]) != 0)
				fail_msg("%s: %s \"%s\", want \"%s\"", c->path, info_fields[f], got[f],
					 want[f]);
		assert_int_not_equal(in->cgroup_id, 0);
		assert_int_equal(in->cgroup_id, inode_of(strcmp(c->path, "/") ? c->path : ""));
	}
	sk_service_resolver_free(r);
}

/* Escape sequences in Docker's "Name" and in a cgroup directory's name
 * come out escaped; names longer than 4 KB are cut there. */
static void test_hostile_names(void **state)
{
	struct sk_service_resolver *r = resolver();
	const char *path = "/docker/" D2;
	const struct sk_service_info *in = sk_service_resolve_path(r, path, strlen(path));
	char dir[PATH_MAX], *big, *json;
	size_t n = 6000;

	(void)state;
	assert_non_null(in);
	assert_printable(in->name);
	assert_non_null(strstr(in->name, "evil\\x1b]0;owned\\x07\\x0aname\\\\x"));

	/* A cgroup named with ESC and a newline, made under the mount. */
	tree_path(dir, sizeof(dir), "cgroup/custom/\x1b[2J\nx.service");
	assert_int_equal(mkdir(dir, 0755), 0);
	path = "/custom/\x1b[2J\nx.service";
	in = sk_service_resolve_path(r, path, strlen(path));
	assert_int_equal(in->kind, SK_SERVICE_SYSTEMD);
	assert_printable(in->name);
	assert_printable(in->cgroup);
	assert_string_equal(in->name, "\\x1b[2J\\x0ax.service");
	assert_int_not_equal(in->cgroup_id, 0);

	/* A 6000-byte name in config.v2.json. */
	big = malloc(n + 1);
	json = malloc(n + 200);
	assert_non_null(big);
	assert_non_null(json);
	memset(big, 'n', n);
	big[n] = '\0';
	snprintf(json, n + 200, "{\"Name\":\"/%s\"}", big);
	write_file("host/var/lib/docker/containers/" D3 "/config.v2.json", json, strlen(json));
	path = "/docker/" D3;
	in = sk_service_resolve_path(r, path, strlen(path));
	assert_int_equal(in->kind, SK_SERVICE_DOCKER);
	assert_true(strlen(in->name) <= SK_SERVICE_NAME_MAX);
	assert_true(strlen(in->name) >= SK_SERVICE_NAME_MAX - 4);
	assert_true(strlen(in->container) <= SK_SERVICE_NAME_MAX);

	/* A path longer than any cgroup path: cut, still an answer. */
	big[0] = '/';
	in = sk_service_resolve_path(r, big, n);
	assert_non_null(in);
	assert_int_equal(in->kind, SK_SERVICE_CGROUP);
	assert_int_equal(in->cgroup_id, 0);
	assert_true(strlen(in->cgroup) <= SK_SERVICE_NAME_MAX);

	/* Not JSON at all: no name, no error. */
	write_file("host/var/lib/docker/containers/" D3 "/config.v2.json", "{\"Name\":", 8);
	path = "/system.slice/docker-" D3 ".scope";
	in = sk_service_resolve_path(r, path, strlen(path));
	assert_string_equal(in->name, "f451a61749c6");
	rmdir(dir);
	free(big);
	free(json);
	sk_service_resolver_free(r);
	/* Put the fixture back for the tests after this one. */
	tree_path(dir, sizeof(dir), "host/var/lib/docker/containers/" D3 "/config.v2.json");
	unlink(dir);
}

/* Resolved once; a second lookup, by path or by id, is the same entry. A
 * cgroup that is gone is still classified, without an id. */
static void test_cache(void **state)
{
	struct sk_service_resolver *r = resolver();
	const char *path = "/system.slice/nginx.service";
	const struct sk_service_info *a, *b, *c, *gone;
	struct sk_service_stats st;

	(void)state;
	a = sk_service_resolve_path(r, path, strlen(path));
	sk_service_resolver_tick(r);
	b = sk_service_resolve_path(r, path, strlen(path));
	c = sk_service_resolve_id(r, a->cgroup_id);
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, c);
	st = stats_after(r, 0);
	assert_int_equal(st.resolved, 1);
	assert_int_equal(st.walks, 0);

	path = "/system.slice/gone.service";
	gone = sk_service_resolve_path(r, path, strlen(path));
	assert_non_null(gone);
	assert_int_equal(gone->kind, SK_SERVICE_SYSTEMD);
	assert_string_equal(gone->name, "gone.service");
	assert_int_equal(gone->cgroup_id, 0);

	/* Outside our cgroup namespace: classified, but never stat'ed out of
	 * the mount ("/.." of the fixture mount is the tree, a directory). */
	path = "/../cgroup/system.slice/nginx.service";
	gone = sk_service_resolve_path(r, path, strlen(path));
	assert_int_equal(gone->kind, SK_SERVICE_SYSTEMD);
	assert_int_equal(gone->cgroup_id, 0);
	path = "/..";
	assert_int_equal(sk_service_resolve_path(r, path, strlen(path))->cgroup_id, 0);

	/* Unused for longer than SK_SERVICE_STALE refreshes: dropped. */
	assert_int_equal(stats_after(r, SK_SERVICE_STALE + 32).cached, 0);
	sk_service_resolver_free(r);
}

/* A socket's cgroup id that no process showed: found by a walk of the
 * mount, and a walk happens at most once per SK_SERVICE_WALK_EVERY. */
static void test_resolve_id_walk(void **state)
{
	struct sk_service_resolver *r = resolver();
	const char *libpod = "/machine.slice/libpod-" P1 ".scope/container";
	const struct sk_service_info *in;
	struct sk_service_stats st;
	uint64_t id = inode_of(libpod);

	(void)state;
	assert_int_not_equal(id, 0);
	in = sk_service_resolve_id(r, id);
	assert_non_null(in);
	assert_int_equal(in->kind, SK_SERVICE_PODMAN);
	assert_string_equal(in->name, "db");
	assert_string_equal(in->cgroup, libpod);
	assert_int_equal(in->cgroup_id, id);
	in = sk_service_resolve_id(r, inode_of("/init.scope"));
	assert_string_equal(in->name, "init.scope");
	in = sk_service_resolve_id(r, inode_of(""));
	assert_string_equal(in->cgroup, "/");
	assert_null(sk_service_resolve_id(r, 0));
	assert_null(sk_service_resolve_id(r, UINT64_MAX));
	stats_after(r, 1);
	assert_null(sk_service_resolve_id(r, UINT64_MAX - 1));
	st = stats_after(r, 0);
	assert_int_equal(st.walks, 1);
	assert_int_equal(st.unknown_ids, 1);
	stats_after(r, SK_SERVICE_WALK_EVERY);
	assert_null(sk_service_resolve_id(r, UINT64_MAX - 1));
	assert_int_equal(stats_after(r, 0).walks, 2);
	sk_service_resolver_free(r);
}

/* Names written after the container was first seen (the kubelet links the
 * log once the container runs) are picked up a few refreshes later. */
static void test_names_later(void **state)
{
	struct sk_service_resolver *r = resolver();
	const char *path = "/system.slice/docker-" D3 ".scope";
	const char *json = "{\"Name\":\"/late\"}";
	const struct sk_service_info *in = sk_service_resolve_path(r, path, strlen(path));
	char file[PATH_MAX];

	(void)state;
	assert_string_equal(in->name, "f451a61749c6");
	write_file("host/var/lib/docker/containers/" D3 "/config.v2.json", json, strlen(json));
	for (int i = 0; i < 16; i++) {
		sk_service_resolver_tick(r);
		in = sk_service_resolve_path(r, path, strlen(path));
	}
	assert_string_equal(in->name, "late");
	tree_path(file, sizeof(file), "host/var/lib/docker/containers/" D3 "/config.v2.json");
	unlink(file);

	/* The kubelet's link for a container first named by its pod alone. */
	path = "/kubepods/besteffort/pod" U2 "/crio-" K2;
	in = sk_service_resolve_path(r, path, strlen(path));
	assert_string_equal(in->name, "web-0");
	tree_path(file, sizeof(file), "host/var/log/containers/web-0_default_web-" K2 ".log");
	assert_int_equal(symlink("/var/log/pods/x/web/0.log", file), 0);
	{
		/* A clock tick on: the same tick would need the once-a-second reload. */
		struct timespec t[2] = {{0, UTIME_OMIT}, {0, 0}};
		char dir[PATH_MAX];
		struct stat st;

		tree_path(dir, sizeof(dir), "host/var/log/containers");
		assert_int_equal(stat(dir, &st), 0);
		t[1].tv_sec = st.st_mtim.tv_sec + 10;
		assert_int_equal(utimensat(AT_FDCWD, dir, t, 0), 0);
	}
	for (int i = 0; i < 16; i++) {
		sk_service_resolver_tick(r);
		in = sk_service_resolve_path(r, path, strlen(path));
	}
	assert_string_equal(in->name, "web-0/web");
	assert_string_equal(in->ns, "default");
	unlink(file);
	sk_service_resolver_free(r);
}

/* The mount comes from mountinfo, escapes and all, not from a fixed path. */
static void test_mount_from_mountinfo(void **state)
{
	char proc[PATH_MAX], cg[PATH_MAX], link[PATH_MAX], line[PATH_MAX * 2];
	struct sk_service_paths p = {proc, "/nonexistent", NULL};
	struct sk_service_resolver *r;
	const struct sk_service_info *in;
	struct sk_error err = {0};
	const char *path = "/system.slice/nginx.service";

	(void)state;
	tree_path(proc, sizeof(proc), "proc");
	tree_path(cg, sizeof(cg), "cgroup");
	tree_path(link, sizeof(link), "cg mount");
	assert_int_equal(symlink(cg, link), 0);
	snprintf(line, sizeof(line),
		 "31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
		 "41 31 0:38 / %s/cg\\040mount rw - cgroup2 cgroup2 rw\n", tree_copy());
	write_file("proc/self/mountinfo", line, strlen(line));
	assert_int_equal(sk_service_resolver_new(&p, &r, &err), 0);
	sk_service_resolver_tick(r);
	in = sk_service_resolve_path(r, path, strlen(path));
	assert_int_equal(in->cgroup_id, inode_of(path));
	sk_service_resolver_free(r);

	/* None mounted: classified by path, no ids. */
	write_file("proc/self/mountinfo", "", 0);
	assert_int_equal(sk_service_resolver_new(&p, &r, &err), 0);
	sk_service_resolver_tick(r);
	in = sk_service_resolve_path(r, path, strlen(path));
	assert_string_equal(in->name, "nginx.service");
	assert_int_equal(in->cgroup_id, 0);
	assert_null(sk_service_resolve_id(r, inode_of(path)));
	sk_service_resolver_free(r);
	unlink(link);
}

/* --- attached to a snapshot --------------------------------------------------- */

static void add_proc(struct sk_snapshot *s, int32_t pid, uint32_t flags)
{
	struct sk_process *p = SK_VEC_PUSH(&s->procs);

	assert_non_null(p);
	p->pid = pid;
	p->starttime = 5000 + (uint64_t)pid; /* as in the fixture's stat files */
	p->flags = flags;
	p->service = 99; /* stale: must be overwritten */
}

static void add_sock(struct sk_snapshot *s, uint64_t cgroup_id, uint32_t owners)
{
	struct sk_socket *k = SK_VEC_PUSH(&s->socks);

	assert_non_null(k);
	k->cgroup_id = cgroup_id;
	k->owners_count = owners;
}

static const struct sk_service *proc_service(const struct sk_snapshot *s, size_t i)
{
	return sk_snapshot_service(s, s->procs.v[i].service);
}

static void test_attach(void **state)
{
	struct sk_service_resolver *r = resolver();
	struct sk_snapshot s;
	struct sk_error err = {0};
	const struct sk_service *v;
	const char *nginx = "/system.slice/nginx.service";
	char stat[PATH_MAX], moved[PATH_MAX];

	(void)state;
	tree_path(stat, sizeof(stat), "proc/10/stat");
	tree_path(moved, sizeof(moved), "proc/10/stat.away");
	sk_snapshot_init(&s);
	for (int round = 0; round < 2; round++) {
		sk_snapshot_reset(&s);
		add_proc(&s, 10, 0);
		add_proc(&s, 11, 0);
		add_proc(&s, 12, 0);
		add_proc(&s, 13, 0);            /* vanished */
		add_proc(&s, 14, 0);            /* v1 only: named by name=systemd */
		add_proc(&s, 15, 0);            /* newline in the path */
		add_proc(&s, 16, SK_PROC_KERNEL);
		add_proc(&s, 17, 0);            /* nginx again */
		add_proc(&s, 18, 0);            /* its pid taken by another process */
		s.procs.v[s.procs.n - 1].starttime = 1;
		add_proc(&s, 19, 0);            /* hybrid: v2 says "/", v1 docker/ID */
		add_sock(&s, inode_of(nginx), 0);
		add_sock(&s, inode_of("/machine.slice/libpod-" P1 ".scope/container"), 0);
		add_sock(&s, inode_of(nginx), 1); /* held: the process says */
		add_sock(&s, UINT64_MAX, 0);      /* unknown */
		add_sock(&s, 0, 0);
		assert_int_equal(sk_service_attach(r, &s, &err), 0);

		v = proc_service(&s, 0);
		assert_int_equal(v->kind, SK_SERVICE_K8S);
		assert_string_equal(sk_strtab_get(&s.strs, v->name), "checkout-7d9f8b-x2x4q/checkout");
		assert_string_equal(sk_strtab_get(&s.strs, v->pod), "checkout-7d9f8b-x2x4q");
		assert_string_equal(sk_strtab_get(&s.strs, v->ns), "shop");
		assert_string_equal(sk_strtab_get(&s.strs, v->container), "checkout");
		assert_string_equal(sk_strtab_get(&s.strs, v->id), K1);
		assert_string_equal(sk_strtab_get(&s.strs, v->pod_uid), U1);
		assert_int_equal(v->unit, 0);
		assert_string_equal(sk_strtab_get(&s.strs, proc_service(&s, 1)->name), "web");
		assert_string_equal(sk_strtab_get(&s.strs, proc_service(&s, 2)->name),
				    "nginx.service");
		assert_null(proc_service(&s, 3));
		assert_string_equal(sk_strtab_get(&s.strs, proc_service(&s, 4)->name), "/x");
		assert_int_equal(proc_service(&s, 4)->cgroup_id, 0);
		assert_string_equal(sk_strtab_get(&s.strs, proc_service(&s, 5)->cgroup),
				    "/custom/gr\\x0aoup");
		assert_int_equal(proc_service(&s, 5)->cgroup_id, 0);
		assert_null(proc_service(&s, 6));
		assert_ptr_equal(proc_service(&s, 2), proc_service(&s, 7));
		assert_int_equal(proc_service(&s, 2)->nprocs, 2);
		assert_null(proc_service(&s, 8));
		assert_int_equal(proc_service(&s, 9)->kind, SK_SERVICE_DOCKER);
		assert_string_equal(sk_strtab_get(&s.strs, proc_service(&s, 9)->name), "web");

		assert_int_equal(s.sock_service.n, s.socks.n);
		assert_ptr_equal(sk_snapshot_sock_service(&s, 0), proc_service(&s, 2));
		assert_int_equal(proc_service(&s, 2)->nsockets, 1);
		assert_string_equal(sk_strtab_get(&s.strs, sk_snapshot_sock_service(&s, 1)->name),
				    "db");
		assert_null(sk_snapshot_sock_service(&s, 2));
		assert_null(sk_snapshot_sock_service(&s, 3));
		assert_null(sk_snapshot_sock_service(&s, 4));
		/* k8s, web, nginx, /x, gr\noup, docker/D1, db */
		assert_int_equal(s.services.n, 7);
		/* Seen with the same cgroup last time: no need to read stat again. */
		if (round == 0)
			assert_int_equal(rename(stat, moved), 0);
	}
	assert_int_equal(rename(moved, stat), 0);
	sk_snapshot_free(&s);
	sk_service_resolver_free(r);
}

/* --- the faces' questions ------------------------------------------------------ */

static uint32_t add_service(struct sk_snapshot *s, uint8_t kind, const char *name,
			    const char *pod, const char *ns, const char *unit)
{
	struct sk_service *v = SK_VEC_PUSH(&s->services);
	int rc = 0;

	assert_non_null(v);
	v->kind = kind;
	v->name = sk_strtab_add(&s->strs, name, strlen(name), &rc);
	if (pod)
		v->pod = sk_strtab_add(&s->strs, pod, strlen(pod), &rc);
	if (ns)
		v->ns = sk_strtab_add(&s->strs, ns, strlen(ns), &rc);
	if (unit)
		v->unit = sk_strtab_add(&s->strs, unit, strlen(unit), &rc);
	assert_int_equal(rc, 0);
	return (uint32_t)s->services.n;
}

/* Pod A runs two workers sharing a listener, each with its own
 * connection; unit B one process with a CLOSE_WAIT; an orphan with no
 * listener belongs to B by its cgroup, one behind A's listener to A. */
static void test_totals(void **state)
{
	struct sk_snapshot s;
	struct sk_service_totals t = {0};
	struct sk_error err = {0};
	struct sk_socket *k;
	uint32_t a, b, p0, p1, p2;

	(void)state;
	sk_snapshot_init(&s);
	sb_netns(&s, NS_A, ALL_INET);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_LISTEN, 10, "0.0.0.0", 80, NS_A);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 11, "10.0.0.1", 80, NS_A);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 12, "10.0.0.1", 80, NS_A);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, 20, "10.0.0.2", 5432, NS_A);
	k = sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0, "10.0.0.2", 40000, NS_A);
	k->cgroup_id = 7;
	k->flags |= SK_SOCK_HAS_CGROUP;
	sb_peer(k, "10.0.0.9", 443);
	sb_sock(&s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT1, 0, "10.0.0.1", 80, NS_A);
	p0 = sb_proc(&s, 100, NS_A);
	p1 = sb_proc(&s, 101, NS_A);
	p2 = sb_proc(&s, 200, NS_A);
	sb_fd(&s, p0, 100, 10);
	sb_fd(&s, p0, 101, 11);
	sb_fd(&s, p0, 102, 10); /* dup()ed: still one socket */
	sb_fd(&s, p1, 100, 10);
	sb_fd(&s, p1, 101, 12);
	sb_fd(&s, p2, 100, 20);
	assert_int_equal(sk_snapshot_join(&s, sb_sockname, NULL, &err), 0);

	a = add_service(&s, SK_SERVICE_K8S, "checkout-7d9f8b-x2x4q/checkout",
			"checkout-7d9f8b-x2x4q", "shop", NULL);
	b = add_service(&s, SK_SERVICE_SYSTEMD, "pg.service", NULL, NULL, "pg.service");
	s.procs.v[p0].service = s.procs.v[p1].service = a;
	s.procs.v[p2].service = b;
	s.sock_service.n = s.socks.n;
	s.sock_service.v = calloc(s.socks.n, sizeof(uint32_t));
	s.sock_service.cap = s.socks.n;
	assert_non_null(s.sock_service.v);
	for (size_t i = 0; i < s.socks.n; i++)
		if (s.socks.v[i].cgroup_id == 7)
			s.sock_service.v[i] = b;

	assert_int_equal(sk_service_totals_compute(&t, &s), 0);
	assert_int_equal(t.v.n, 2);
	assert_int_equal(t.v.v[a - 1].nprocs, 2);
	assert_int_equal(t.v.v[a - 1].agg.sockets, 3);
	assert_int_equal(t.v.v[a - 1].agg.tcp_states[SK_TCP_LISTEN], 1);
	assert_int_equal(t.v.v[a - 1].agg.orphans, 1);
	assert_int_equal(t.v.v[a - 1].fdless, 0);
	assert_int_equal(t.v.v[b - 1].nprocs, 1);
	assert_int_equal(t.v.v[b - 1].agg.sockets, 2);
	assert_int_equal(t.v.v[b - 1].agg.tcp_states[SK_TCP_CLOSE_WAIT], 1);
	assert_int_equal(t.v.v[b - 1].agg.tcp_states[SK_TCP_FIN_WAIT1], 1);
	assert_int_equal(t.v.v[b - 1].fdless, 1);
	assert_int_equal(t.v.v[b - 1].agg.orphans, 1);

	/* The filter and the sort order. */
	static const struct {
		const char *pattern;
		bool a, b;
	} m[] = {
		{"", true, true},         {"CHECKOUT", true, false}, {"shop/checkout", true, false},
		{"pg.serv", false, true}, {"nothing", false, false}, {"shop/pg", false, false},
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		assert_int_equal(sk_service_matches(&s, sk_snapshot_service(&s, a), m[i].pattern),
				 m[i].a);
		assert_int_equal(sk_service_matches(&s, sk_snapshot_service(&s, b), m[i].pattern),
				 m[i].b);
	}
	assert_false(sk_service_matches(&s, NULL, ""));
	assert_true(sk_service_cmp(&s, sk_snapshot_service(&s, a), sk_snapshot_service(&s, b)) < 0);
	assert_true(sk_service_cmp(&s, NULL, sk_snapshot_service(&s, b)) > 0);
	assert_true(sk_service_cmp(&s, sk_snapshot_service(&s, a), NULL) < 0);
	assert_int_equal(sk_service_cmp(&s, NULL, NULL), 0);

	/* A snapshot with no services (hand-built, an older file). */
	sk_snapshot_reset(&s);
	assert_int_equal(sk_service_totals_compute(&t, &s), 0);
	assert_int_equal(t.v.n, 0);
	sk_service_totals_free(&t);
	sk_snapshot_free(&s);
}

/* A leftover file in /run/netns (the namespace's mount gone) names
 * nothing, whatever its inode; an absent directory names nothing either.
 * (A real bind mount is test_service_live's.) */
static void test_netns_names_plain_file(void **state)
{
	struct sk_netns_names n;
	char host[PATH_MAX], file[PATH_MAX];
	struct stat st;

	(void)state;
	tree_path(host, sizeof(host), "host");
	sk_netns_names_init(&n, host, "/proc");
	assert_int_equal(sk_netns_names_refresh(&n), 0);
	assert_string_equal(sk_netns_names_get(&n, 4026531840ULL), "");
	write_file("host/run/netns/stale", "", 0);
	tree_path(file, sizeof(file), "host/run/netns/stale");
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(sk_netns_names_refresh(&n), 0);
	assert_string_equal(sk_netns_names_get(&n, (uint64_t)st.st_ino), "");
	assert_int_equal(n.v.n, 0);
	unlink(file);
	sk_netns_names_free(&n);
}

SK_SUITE_MAIN(NULL, NULL,
	cmocka_unit_test(test_classify),
	cmocka_unit_test(test_parse_proc_cgroup),
	cmocka_unit_test(test_parse_mountinfo),
	cmocka_unit_test(test_parse_logname),
	cmocka_unit_test(test_resolve_fixture),
	cmocka_unit_test(test_hostile_names),
	cmocka_unit_test(test_cache),
	cmocka_unit_test(test_resolve_id_walk),
	cmocka_unit_test(test_names_later),
	cmocka_unit_test(test_mount_from_mountinfo),
	cmocka_unit_test(test_attach),
	cmocka_unit_test(test_totals),
	cmocka_unit_test(test_netns_names_plain_file))
