/* The lifecycle store (issue #12): who made each socket and since when.
 *  - unit: the store meets the dump by cookie (creator, ages, the kernel
 *    age fed to the persistence rules, estimates without an entry), the
 *    sweep's choice, and the JSON keys through the replay reader;
 *  - live, in a private pid+net+mount world (tests/hermetic.h), with the
 *    engine running: TIME_WAIT sockets name the process that made them
 *    after it exited, a CLOSE_WAIT's state age is within a second of when
 *    the peer closed, FIN_WAIT1 orphans name their maker, accepted sockets
 *    name their acceptor (held, handed on, in TIME_WAIT), an entry does not
 *    outlive its socket, nothing stays loaded after close, and --no-bpf
 *    gives estimates. Those skip with the reason without root or BPF. */
#include <config.h>

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "suite.h"
#include "analyse/lives.h"
#include "bpf_fds.h"
#include "analyse/persist.h"
#include "collect/bpf_lifecycle.h"
#include "engine.h"
#include "hermetic.h"
#include "snapbuild.h"
#include "store/replay.h"

static bool world; /* the live tests run in a hermetic world */

/* --- unit: the store meets the dump ------------------------------------------------ */

static struct sk_life_entry entry(uint64_t cookie, uint8_t state, uint8_t flags, uint64_t created,
				  uint64_t state_ns, int32_t tgid, const char *comm)
{
	struct sk_life_entry e = {.cookie = cookie, .created_ns = created, .state_ns = state_ns,
				  .cgroup_id = 4242, .tgid = tgid, .state = state, .flags = flags};

	snprintf(e.comm, sizeof(e.comm), "%s", comm);
	return e;
}

#define SEC_NS 1000000000ull

/* Rows: 0 TIME_WAIT (store: maker 77 "mk\x1b", born TIME_WAIT 3 s ago),
 * 1 CLOSE_WAIT held by pid 10 (store: accepted 10 s ago, closed by nobody,
 * in CLOSE_WAIT since 4 s), 2 ESTABLISHED held by pid 10, no entry, tcp_info
 * last receive 7 s ago, 3 FIN_WAIT2 whose entry says it turned TIME_WAIT
 * (no match: no state age from the store), 4 UDP held by pid 10. */
static void build(struct sb_world *w, sk_lifevec *store, uint64_t now)
{
	struct sk_snapshot *s = &w->s;
	struct sk_socket *k;
	uint32_t p;

	sb_netns(s, NS_A, ALL_INET);
	p = sb_proc(s, 10, NS_A);
	sb_fd(s, p, 100, 2);
	sb_fd(s, p, 101, 3);
	sb_fd(s, p, 300, 5);
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_TIME_WAIT, 0, "10.0.0.1", 40000, NS_A);
	k->cookie = 1000;
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_CLOSE_WAIT, 2, "10.0.0.1", 80, NS_A);
	k->cookie = 2000;
	k->cgroup_id = 99;
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_ESTABLISHED, 3, "10.0.0.1", 81, NS_A);
	k->cookie = 3000;
	k->flags |= SK_SOCK_HAS_TCPINFO;
	k->tcp.last_data_recv_ms = 7000;
	k->tcp.last_ack_recv_ms = 6000;
	k = sb_sock(s, SK_PROTO_TCP, AF_INET, SK_TCP_FIN_WAIT2, 0, "10.0.0.1", 40001, NS_A);
	k->cookie = 4000;
	sb_sock(s, SK_PROTO_UDP, AF_INET, SK_TCP_CLOSE, 5, "10.0.0.1", 53, NS_A);
	sb_world_judge(w);

	struct sk_life_entry v[] = {
		entry(1000, SK_TCP_CLOSE,
		      SK_LIFE_F_CREATED | SK_LIFE_F_CREATOR | SK_LIFE_F_AFTERLIFE | SK_LIFE_F_FIN_IN,
		      now - 5 * SEC_NS, now - 3 * SEC_NS, 77, "mk\x1b"),
		entry(2000, SK_TCP_CLOSE_WAIT, SK_LIFE_F_CREATED, now - 10 * SEC_NS, now - 4 * SEC_NS,
		      0, ""),
		entry(4000, SK_TCP_CLOSE, SK_LIFE_F_CREATED | SK_LIFE_F_CREATOR | SK_LIFE_F_AFTERLIFE,
		      now - 9 * SEC_NS, now - 8 * SEC_NS, 78, "other"),
		entry(5000, SK_TCP_ESTABLISHED, SK_LIFE_F_CREATED, now - 9 * SEC_NS, now - 9 * SEC_NS,
		      0, ""), /* gone from the dump: stale */
		entry(6000, SK_TCP_SYN_SENT, SK_LIFE_F_CREATED, now, now, 0, ""), /* newer than the dump */
	};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct sk_life_entry *e = SK_VEC_PUSH(store);

		assert_non_null(e);
		*e = v[i];
	}
}

/* Every field of got is want's, the creators' comms compared as strings
 * (each life's comm is an index into its own snapshot's table). */
static void assert_life_eq(const struct sk_life *got, const char *got_comm,
			   const struct sk_life *want, const char *want_comm)
{
	assert_int_equal(got->creator_pid, want->creator_pid);
	assert_string_equal(got_comm, want_comm);
	assert_int_equal(got->creator_cgroup, want->creator_cgroup);
	assert_int_equal(got->creator_is_holder, want->creator_is_holder);
	assert_int_equal(got->age_ms, want->age_ms);
	assert_int_equal(got->state_age_ms, want->state_age_ms);
	assert_int_equal(got->estimated, want->estimated);
}

/* Every field of life i is want's, the creator's comm read as a string. */
static void assert_life(const struct sb_world *w, size_t i, const char *comm, struct sk_life want)
{
	const struct sk_life *l = &w->s.lives.v[i];

	assert_life_eq(l, sk_strtab_get(&w->s.strs, l->creator_comm), &want, comm);
}

static void test_fill_from_store(void **state)
{
	struct sb_world w;
	sk_lifevec store = {0};
	sk_cookievec stale = {0};
	uint64_t now = 1000 * SEC_NS;
	const struct sk_life *l;
	uint8_t *dumped;

	(void)state;
	sb_world_init(&w);
	build(&w, &store, now);
	dumped = calloc(store.n, 1);
	assert_non_null(dumped);
	assert_int_equal(sk_lives_fill(&w.s, &store, now, NULL), 0);
	assert_int_equal(w.s.lives.n, w.s.socks.n);
	assert_int_equal(w.s.ages.n, w.s.socks.n);

	/* the maker, escaped; exact ages, a kernel age for the rules */
	assert_life(&w, 0, "mk\\x1b", (struct sk_life){.creator_pid = 77, .creator_cgroup = 4242,
						   .age_ms = 5000, .state_age_ms = 3000});
	assert_int_equal(w.s.ages.v[0].source, SK_AGE_KERNEL);
	assert_int_equal(w.s.ages.v[0].state_ms, 3000);
	/* no maker seen: the fd holder, the socket's cgroup */
	assert_life(&w, 1, "proc10", (struct sk_life){.creator_pid = 10, .creator_cgroup = 99,
						   .creator_is_holder = true, .age_ms = 10000,
						   .state_age_ms = 4000});

	l = &w.s.lives.v[2]; /* no entry: tcp_info's lower bound, marked */
	assert_int_equal(l->creator_pid, 10);
	assert_int_equal(l->age_ms, 7000);
	assert_int_equal(l->state_age_ms, SK_LIFE_AGE_UNKNOWN);
	assert_true(l->estimated);
	assert_int_equal(w.s.ages.v[2].source, SK_AGE_NONE);

	l = &w.s.lives.v[3]; /* born FIN_WAIT2, dumped FIN_WAIT2: matches */
	assert_int_equal(l->creator_pid, 78);
	assert_int_equal(l->state_age_ms, 8000);
	w.s.socks.v[3].state = SK_TCP_TIME_WAIT; /* turned TIME_WAIT with no event */
	assert_int_equal(sk_lives_fill(&w.s, &store, now, dumped), 0);
	assert_int_equal(w.s.lives.v[3].state_age_ms, SK_LIFE_AGE_UNKNOWN);
	assert_int_equal(w.s.lives.v[3].age_ms, 9000);

	l = &w.s.lives.v[4]; /* UDP: the holder, no ages */
	assert_int_equal(l->creator_pid, 10);
	assert_int_equal(l->age_ms, SK_LIFE_AGE_UNKNOWN);
	assert_false(l->estimated);

	/* Only the entry gone from the dump before it began is swept: the
	 * fill marked which entries the dumped rows hold. */
	assert_int_equal(sk_lives_stale(&store, dumped, now - SEC_NS / 2, &stale), 0);
	assert_int_equal(stale.n, 1);
	assert_int_equal(stale.v[0], 5000);

	/* Without a store: estimates and holders, the ages table untouched. */
	w.s.ages.n = 0;
	assert_int_equal(sk_lives_fill(&w.s, NULL, now, NULL), 0);
	assert_int_equal(w.s.ages.n, 0);
	assert_int_equal(w.s.lives.v[0].creator_pid, 0);
	assert_true(w.s.lives.v[0].estimated == (w.s.lives.v[0].age_ms >= 0));
	assert_int_equal(w.s.lives.v[1].age_ms, SK_LIFE_AGE_UNKNOWN); /* no tcp_info */
	free(dumped);
	free(stale.v);
	free(store.v);
	sb_world_free(&w);
}

/* The JSON keys go out and come back: creator, ages to the ms, the flag,
 * the top-level object; a file without them has no lives. */
static void test_json_round_trip(void **state)
{
	struct sb_world w;
	sk_lifevec store = {0};
	uint64_t now = 1000 * SEC_NS;
	struct sk_replay r;
	struct sk_error err = {0};
	size_t len;
	char *doc;

	(void)state;
	sb_world_init(&w);
	build(&w, &store, now);
	assert_int_equal(sk_lives_fill(&w.s, &store, now, NULL), 0);
	w.s.lives.v[2].age_ms = 1234567; /* 1234.567 s */
	w.s.lives.v[4] = (struct sk_life){.age_ms = SK_LIFE_AGE_UNKNOWN,
					  .state_age_ms = SK_LIFE_AGE_UNKNOWN}; /* nothing known */
	w.s.lifecycle = (struct sk_lifecycle_info){SK_LIFE_BPF, 1796457698, 17};
	doc = sb_json(&w.s, 0, &len);
	assert_non_null(strstr(doc, "\"lifecycle\":{\"source\":\"bpf\",\"since\":1796457698,"
				    "\"events_lost\":17}"));
	assert_non_null(strstr(doc, "\"creator\":{\"pid\":77,\"comm\":\"mk\\\\x1b\",\"cgroup_id\":4242}"
				    ",\"age_s\":5.000,\"state_age_s\":3.000,\"age_estimated\":false"));
	assert_non_null(strstr(doc, "\"creator\":null,\"age_s\":null,\"state_age_s\":null"));
	assert_int_equal(sk_replay_parse(doc, len, "life.json", &r, &err), 0);
	assert_int_equal(r.snap.lifecycle.source, SK_LIFE_BPF);
	assert_int_equal(r.snap.lifecycle.since, 1796457698);
	assert_int_equal(r.snap.lifecycle.events_lost, 17);
	assert_int_equal(r.snap.lives.n, w.s.socks.n);
	for (size_t i = 0; i < w.s.socks.n; i++) {
		const struct sk_life *a = &w.s.lives.v[i], *b = &r.snap.lives.v[i];

		assert_life_eq(b, sk_strtab_get(&r.snap.strs, b->creator_comm), a,
			       sk_strtab_get(&w.s.strs, a->creator_comm));
	}
	sk_replay_free(&r);
	free(doc);

	/* Bad values are refused with their place. */
	w.s.lives.v[0].age_ms = SK_LIFE_AGE_UNKNOWN;
	doc = sb_json(&w.s, 0, &len);
	char *bad = strstr(doc, "\"age_s\":null");

	assert_non_null(bad);
	memcpy(bad, "\"age_s\":-1.0", 12);
	assert_true(sk_replay_parse(doc, len, "life.json", &r, &err) < 0);
	assert_non_null(strstr(err.msg, "age_s"));
	sk_replay_free(&r);
	free(doc);

	/* Files from before the store: no lifecycle, no lives. */
	w.s.lifecycle.source = SK_LIFE_NONE;
	doc = sb_json(&w.s, 0, &len);
	assert_null(strstr(doc, "\"creator\""));
	assert_int_equal(sk_replay_parse(doc, len, "old.json", &r, &err), 0);
	assert_int_equal(r.snap.lives.n, 0);
	assert_int_equal(r.snap.lifecycle.source, SK_LIFE_NONE);
	sk_replay_free(&r);
	free(doc);
	free(store.v);
	sb_world_free(&w);
}

/* --- live: a private world with the engine running ---------------------------------- */

static void need_world(void)
{
	if (!world) {
		fprintf(stderr, "skipped: needs root for a private pid/net/mount world\n");
		skip();
	}
}

/* Skips unless the store loads here; returns it open. */
static struct sk_bpf_lifecycle *need_store(void)
{
	struct sk_bpf_lifecycle *b = NULL;
	struct sk_error err = {0};

	need_world();
	if (sk_bpf_lifecycle_open(&b, 0, &err) != 0) { /* the whole machine churns into it */
		fprintf(stderr, "skipped: %s\n", err.msg);
		skip();
	}
	return b;
}

static struct sk_engine *engine(bool bpf)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_tcpinfo = true, .no_bpf = !bpf,
				       .no_services = true};
	struct sk_error err = {0};
	struct sk_engine *e = NULL;

	if (sk_engine_new(&cfg, &e, &err) != 0)
		fail_msg("engine: %s", err.msg);
	return e;
}

/* An engine with its lifecycle store loaded; skips with the reason when no
 * store loads here. A store that loads alone but not in the engine is a
 * failure, not a skip. Probing with a load of the test's own only when the
 * engine has none spares every test a second verifier run. */
static struct sk_engine *store_engine(void)
{
	char note[SK_ERROR_MSG_MAX];
	struct sk_engine *e;

	need_world();
	e = engine(true);
	if (sk_engine_lifecycle_load_us(e) > 0)
		return e;
	snprintf(note, sizeof(note), "%s", sk_engine_lifecycle_note(e));
	sk_engine_free(e);
	sk_bpf_lifecycle_close(need_store());
	fail_msg("the store loads, but the engine has none: '%s'", note);
	return NULL;
}

static const struct sk_snapshot *refresh(struct sk_engine *e)
{
	struct sk_error err = {0};

	if (sk_engine_refresh(e, &err) != 0)
		fail_msg("refresh: %s", err.msg);
	return sk_engine_snapshot(e);
}

static int listener(uint16_t *port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 512), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	*port = ntohs(a.sin_port);
	return fd;
}

static int connect_to(uint16_t port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port),
				.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		_exit(3);
	return fd;
}

/* Runs fn(port, arg) in a child named comm; returns its pid once it has
 * done its work and exited (its sockets outlive it). */
static pid_t run_child(const char *comm, void (*fn)(uint16_t, int), uint16_t port, int arg)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		prctl(PR_SET_NAME, comm);
		fn(port, arg);
		_exit(0);
	}
	assert_int_equal(hermetic_wait(pid), 0);
	return pid;
}

static void accept_all(int lfd, int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		fds[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		assert_true(fds[i] >= 0);
	}
}

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * SEC_NS + (uint64_t)t.tv_nsec;
}

/* Sets a sysctl of this world's network namespace (never the machine's). */
static void netns_sysctl(const char *path, const char *value)
{
	FILE *f = fopen(path, "we");

	assert_non_null(f);
	assert_true(fputs(value, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

/* A TIME_WAIT dies on any RST it receives (RFC 1337's "assassination")
 * unless tcp_rfc1337 is set, and loopback closes draw one now and then: a
 * late segment of the close finds the server's socket gone and the listener
 * answers it with an RST (traced: reason TCP_FLAGS, one per TIME_WAIT lost;
 * 1 run in 5-20 lost 1-3 of 16). This world keeps its TIME_WAITs, so every
 * one of them is asserted. */
static void keep_time_waits(void)
{
	netns_sysctl("/proc/sys/net/ipv4/tcp_rfc1337", "1\n");
}

#define N 16

static void connect_and_close(uint16_t port, int n)
{
	for (int i = 0; i < n; i++)
		close(connect_to(port));
}

/* Whether row k is on port's side of its connections: the server's
 * (local) or the clients' (peer). */
static bool on_side(const struct sk_socket *k, uint16_t port, bool server)
{
	return (server ? k->local.port : k->peer.port) == port;
}

/* Rows in state on port's server or client side. */
static size_t count_rows(const struct sk_snapshot *s, uint8_t state, uint16_t port, bool server)
{
	size_t n = 0;

	for (size_t i = 0; i < s->socks.n; i++)
		n += s->socks.v[i].state == state && on_side(&s->socks.v[i], port, server);
	return n;
}

/* Refreshes until want rows in state are on that side of port (the kernel
 * may finish a close after the call returns: on a busy machine loopback's
 * softirq runs later), 10 s at most; returns the last snapshot. No fixed
 * sleep. */
static const struct sk_snapshot *refresh_until(struct sk_engine *e, uint8_t state,
					       uint16_t port, bool server, size_t want)
{
	const struct sk_snapshot *s;

	for (int tries = 0;; tries++) {
		s = refresh(e);
		if (count_rows(s, state, port, server) == want || tries == 100)
			return s;
		usleep(100 * 1000);
	}
}

/* The maker closes first and exits; the peer's close then turns each of its
 * sockets TIME_WAIT, with no fd and no process left: the store still names
 * the maker, and the rows of its TIME_WAITs are all there. */
static void test_time_wait_names_maker(void **state)
{
	struct sk_engine *e;
	const struct sk_snapshot *s;
	uint16_t port;
	int lfd, fds[N], named = 0;
	pid_t maker;

	(void)state;
	e = store_engine();
	/* The maker's closed sockets are FIN_WAIT2 orphans until the peer
	 * closes: a test_rules lowering tcp_max_orphans would reset them. */
	assert_int_equal(machine_lock(false), 0);
	keep_time_waits();
	lfd = listener(&port);
	s = refresh(e);
	assert_int_equal(s->lifecycle.source, SK_LIFE_BPF);
	maker = run_child("twmaker", connect_and_close, port, N);
	accept_all(lfd, fds, N);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	s = refresh_until(e, SK_TCP_TIME_WAIT, port, false, N);
	assert_int_equal(s->lives.n, s->socks.n);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		const struct sk_life *l = &s->lives.v[i];

		if (k->state != SK_TCP_TIME_WAIT || k->peer.port != port)
			continue;
		if (l->creator_pid != maker)
			fail_msg("TIME_WAIT row %zu: creator %d, not the maker %d", i,
				 (int)l->creator_pid, (int)maker);
		assert_string_equal(sk_strtab_get(&s->strs, l->creator_comm), "twmaker");
		assert_false(l->creator_is_holder);
		assert_true(l->age_ms >= 0 && l->age_ms < 60000);
		named++;
	}
	/* All N, each naming its maker (keep_time_waits). events_lost counts
	 * the whole machine's store, so it is not asserted. */
	assert_int_equal(named, N);
	close(lfd);
	sk_engine_free(e);
}

/* The peer closes at a known instant: the CLOSE_WAIT row's state age is the
 * time since then, within a second, and the persistence rules get it as a
 * kernel age. */
static void test_close_wait_state_age(void **state)
{
	struct sk_engine *e;
	const struct sk_snapshot *s;
	uint16_t port;
	int lfd, c, a, found = 0;
	uint64_t closed_at, seen_at;

	(void)state;
	e = store_engine();
	lfd = listener(&port);
	c = connect_to(port);
	accept_all(lfd, &a, 1);
	close(c);
	closed_at = mono_ns();
	/* The age must grow past what a stale or zero value could pass for. */
	usleep(1500 * 1000);
	s = refresh(e);
	seen_at = (uint64_t)s->monotonic.tv_sec * SEC_NS + (uint64_t)s->monotonic.tv_nsec;
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		int64_t truth = (int64_t)((seen_at - closed_at) / 1000000u);

		if (k->state != SK_TCP_CLOSE_WAIT || k->local.port != port)
			continue;
		found++;
		if (s->lives.v[i].state_age_ms < truth - 1000 ||
		    s->lives.v[i].state_age_ms > truth + 1000)
			fail_msg("CLOSE_WAIT for %lld ms, the store says %lld ms", (long long)truth,
				 (long long)s->lives.v[i].state_age_ms);
		assert_false(s->lives.v[i].estimated);
		assert_int_equal(sk_age_of(s, (uint32_t)i).source, SK_AGE_KERNEL);
		assert_int_equal(s->lives.v[i].creator_pid, getpid()); /* the holder */
	}
	assert_int_equal(found, 1);
	close(a);
	close(lfd);
	sk_engine_free(e);
}

/* --- accepted sockets: named by the process that accepted them ---------------------- */

static void wait_byte(int fd)
{
	char c;

	if (read(fd, &c, 1) != 1)
		_exit(4);
}

static void say(int fd)
{
	if (write(fd, "x", 1) != 1)
		_exit(5);
}

/* The client: connects N, says so, closes them all when told, exits. */
static void client(int port, int go, int ready)
{
	int fds[N];

	prctl(PR_SET_NAME, "acclient");
	for (int i = 0; i < N; i++)
		fds[i] = connect_to((uint16_t)port);
	say(ready);
	wait_byte(go);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	_exit(0);
}

/* The acceptor: accepts N and says so; when told, forks a keeper that
 * inherits the sockets, sends the keeper's pid and exits. The keeper closes
 * them when told (the server closes first: its sockets end in TIME_WAIT),
 * says so, and exits when told. */
static void acceptor(int lfd, int go, int ready)
{
	int fds[N];
	pid_t keeper;

	prctl(PR_SET_NAME, "acceptor");
	for (int i = 0; i < N; i++)
		if ((fds[i] = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			_exit(6);
	say(ready);
	wait_byte(go);
	keeper = fork();
	if (keeper < 0)
		_exit(7);
	if (keeper > 0)
		_exit(write(ready, &keeper, sizeof(keeper)) == sizeof(keeper) ? 0 : 8);
	prctl(PR_SET_NAME, "keeper");
	wait_byte(go);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	say(ready);
	wait_byte(go);
	_exit(0);
}

static pid_t spawn(void (*fn)(int, int, int), int a, int go[2], int ready)
{
	pid_t pid;

	assert_int_equal(pipe2(go, O_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		fn(a, go[0], ready);
	}
	close(go[0]);
	return pid;
}

/* Every row in state on the server side of port names the acceptor, which
 * is not (or no longer) what a holder or a closer would say: without the
 * accept hook these rows name the holder or the closer, flagged so.
 * Returns how many there are. */
static int assert_acceptor(const struct sk_snapshot *s, uint8_t state, uint16_t port,
			   pid_t acc)
{
	int named = 0;

	assert_int_equal(s->lives.n, s->socks.n);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		const struct sk_life *l = &s->lives.v[i];

		if (k->proto != SK_PROTO_TCP || k->state != state || !on_side(k, port, true))
			continue;
		if (l->creator_pid != acc || l->creator_is_holder)
			fail_msg("%s row %zu: creator %d%s, not the acceptor %d",
				 state == SK_TCP_TIME_WAIT ? "TIME_WAIT" : "server", i,
				 (int)l->creator_pid, l->creator_is_holder ? " (holder)" : "",
				 (int)acc);
		assert_string_equal(sk_strtab_get(&s->strs, l->creator_comm), "acceptor");
		named++;
	}
	return named; /* events_lost is machine-wide: see test_time_wait_names_maker */
}

/* Skips unless this kernel lets the accept hook attach (it is the only
 * part of the store that needs perf_event_open on a syscall tracepoint). */
static void need_accept_hook(void)
{
	struct sk_bpf_lifecycle *b = need_store();
	char note[SK_ERROR_MSG_MAX];

	snprintf(note, sizeof(note), "%s", sk_bpf_lifecycle_note(b));
	sk_bpf_lifecycle_close(b);
	if (note[0]) {
		fprintf(stderr, "skipped: %s\n", note);
		skip();
	}
}

/* An acceptor's sockets name it while it holds them, after it handed them
 * to a child and exited, and in the TIME_WAIT they end in when the server
 * side closes first. */
static void test_accept_names_acceptor(void **state)
{
	struct sk_engine *e;
	const struct sk_snapshot *s;
	uint16_t port;
	int lfd, ready[2], go_a[2], go_c[2];
	pid_t acc, cli, keeper = 0;

	(void)state;
	need_accept_hook();
	e = store_engine();
	/* Once the keeper closes first, the server's sockets are FIN_WAIT2
	 * orphans: a test_rules lowering tcp_max_orphans would reset them. */
	assert_int_equal(machine_lock(false), 0);
	keep_time_waits();
	lfd = listener(&port);
	assert_int_equal(pipe2(ready, O_CLOEXEC), 0);
	acc = spawn(acceptor, lfd, go_a, ready[1]);
	cli = spawn(client, port, go_c, ready[1]);
	close(lfd);
	wait_byte(ready[0]);
	wait_byte(ready[0]);

	s = refresh(e); /* held by the acceptor */
	assert_int_equal(assert_acceptor(s, SK_TCP_ESTABLISHED, port, acc), N);

	say(go_a[1]); /* handed to the keeper, the acceptor gone */
	assert_int_equal(read(ready[0], &keeper, sizeof(keeper)), sizeof(keeper));
	assert_int_equal(hermetic_wait(acc), 0);
	s = refresh(e);
	for (size_t i = 0; i < s->socks.n; i++) /* the holder is someone else now */
		if (s->socks.v[i].state == SK_TCP_ESTABLISHED && on_side(&s->socks.v[i], port, true))
			assert_int_equal(s->procs.v[sk_snapshot_first_ref(s, &s->socks.v[i])->proc].pid,
					 keeper);
	assert_int_equal(assert_acceptor(s, SK_TCP_ESTABLISHED, port, acc), N);

	say(go_a[1]); /* the keeper closes first, then the client */
	wait_byte(ready[0]);
	say(go_c[1]);
	assert_int_equal(hermetic_wait(cli), 0);
	s = refresh_until(e, SK_TCP_TIME_WAIT, port, true, N);
	assert_int_equal(assert_acceptor(s, SK_TCP_TIME_WAIT, port, acc), N);

	say(go_a[1]);
	assert_int_equal(hermetic_wait(keeper), 0);
	close(go_a[1]);
	close(go_c[1]);
	close(ready[0]);
	close(ready[1]);
	sk_engine_free(e);
}

/* Unsent data the peer never reads keeps a closed socket in FIN_WAIT1, an
 * orphan with no fd: it names the process that made it. */
static void fill_and_close(uint16_t port, int n)
{
	static char buf[65536];

	for (int i = 0; i < n; i++) {
		int fd = connect_to(port), small = 4096;

		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
		while (send(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0)
			;
		close(fd);
	}
}

static void test_orphans_name_maker(void **state)
{
	struct sk_engine *e;
	const struct sk_snapshot *s;
	uint16_t port;
	int lfd, fds[4], rcv = 4096, named = 0;
	pid_t maker;

	(void)state;
	e = store_engine();
	assert_int_equal(machine_lock(false), 0);
	lfd = listener(&port);
	setsockopt(lfd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	maker = run_child("orphmaker", fill_and_close, port, 4);
	accept_all(lfd, fds, 4); /* held, never read: the window stays shut */
	s = refresh(e);
	for (size_t i = 0; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];
		const struct sk_life *l = &s->lives.v[i];

		if (k->peer.port != port || !(k->flags & SK_SOCK_ORPHAN))
			continue;
		assert_int_equal(k->state, SK_TCP_FIN_WAIT1);
		assert_int_equal(l->creator_pid, maker);
		assert_string_equal(sk_strtab_get(&s->strs, l->creator_comm), "orphmaker");
		named++;
	}
	assert_int_equal(named, 4);
	for (int i = 0; i < 4; i++)
		close(fds[i]);
	close(lfd);
	sk_engine_free(e);
}

/* FIN_WAIT2 mini sockets die after tcp_fin_timeout with no event: once the
 * dump no longer lists them, the sweep deletes their entries, and sockets
 * reset away are deleted by the kernel side at once. Checked on a store of
 * the test's own, swept as the engine sweeps its own. */
static bool has(const sk_lifevec *v, uint64_t cookie)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].cookie == cookie)
			return true;
	return false;
}

/* Which of v's entries a dumped TCP row of s holds: what the engine's fill
 * marks for its sweep (see test_fill_from_store for that marking). */
static uint8_t *dumped_marks(const struct sk_snapshot *s, const sk_lifevec *v)
{
	uint8_t *m = calloc(v->n ? v->n : 1, 1);

	assert_non_null(m);
	for (size_t i = 0; i < s->dumped_rows; i++)
		for (size_t j = 0; j < v->n; j++)
			m[j] |= s->socks.v[i].proto == SK_PROTO_TCP &&
				s->socks.v[i].cookie == v->v[j].cookie;
	return m;
}

static void test_no_entry_outlives_socket(void **state)
{
	struct sk_bpf_lifecycle *b = need_store();
	struct sk_engine *e = engine(true);
	const struct sk_snapshot *s;
	sk_lifevec v = {0};
	sk_cookievec stale = {0}, ours = {0};
	struct sk_error err = {0};
	struct linger lg = {1, 0};
	uint64_t lost, t0;
	uint16_t port;
	int lfd, fds[N], rst[N];

	(void)state;
	netns_sysctl("/proc/sys/net/ipv4/tcp_fin_timeout", "1\n");
	lfd = listener(&port);
	run_child("fw2maker", connect_and_close, port, N);
	accept_all(lfd, fds, N); /* held open: the makers' sockets wait in FIN_WAIT2 */
	for (int i = 0; i < N; i++) {
		rst[i] = connect_to(port);
		setsockopt(rst[i], SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	s = refresh(e);
	for (size_t i = 0; i < s->socks.n; i++)
		if (s->socks.v[i].proto == SK_PROTO_TCP && s->socks.v[i].peer.port == port) {
			uint64_t *c = SK_VEC_PUSH(&ours);

			assert_non_null(c);
			*c = s->socks.v[i].cookie;
		}
	assert_int_equal(ours.n, 2 * N);
	assert_int_equal(sk_bpf_lifecycle_read(b, &v, &lost, &err), 0);
	for (size_t i = 0; i < ours.n; i++)
		assert_true(has(&v, ours.v[i]));
	for (int i = 0; i < N; i++)
		close(rst[i]); /* RST: CLOSE from ESTABLISHED, deleted by the kernel side */
	/* Wait for the FIN_WAIT2 mini sockets to time out (1 s, reaped by a
	 * timer). */
	s = refresh_until(e, SK_TCP_FIN_WAIT2, port, false, 0);
	assert_int_equal(count_rows(s, SK_TCP_FIN_WAIT2, port, false), 0);
	t0 = (uint64_t)s->monotonic.tv_sec * SEC_NS + (uint64_t)s->monotonic.tv_nsec;
	assert_int_equal(sk_bpf_lifecycle_read(b, &v, &lost, &err), 0);
	uint8_t *dumped = dumped_marks(s, &v);

	assert_int_equal(sk_lives_stale(&v, dumped, t0, &stale), 0);
	free(dumped);
	assert_int_equal(sk_bpf_lifecycle_delete(b, stale.v, stale.n, &err), 0);
	assert_int_equal(sk_bpf_lifecycle_read(b, &v, &lost, &err), 0);
	for (size_t i = 0; i < ours.n; i++)
		if (has(&v, ours.v[i]))
			fail_msg("cookie %llu outlived its socket", (unsigned long long)ours.v[i]);
	for (int i = 0; i < N; i++)
		close(fds[i]);
	close(lfd);
	free(v.v);
	free(stale.v);
	free(ours.v);
	sk_engine_free(e);
	sk_bpf_lifecycle_close(b);
}

/* Loading is the verifier's test; closing leaves nothing (nothing pinned). */
static void test_loads_and_leaves_nothing(void **state)
{
	int before;
	struct sk_bpf_lifecycle *b;

	(void)state;
	need_world();
	before = bpf_fds();
	assert_true(before >= 0);
	b = need_store();
	assert_true(bpf_fds() > before);
	fprintf(stderr, "lifecycle load: %llu us, accept hook %s\n",
		(unsigned long long)sk_bpf_lifecycle_load_us(b),
		sk_bpf_lifecycle_note(b)[0] ? sk_bpf_lifecycle_note(b) : "on");
	sk_bpf_lifecycle_close(b);
	assert_int_equal(bpf_fds(), before);
}

/* --no-bpf: estimates, said so. */
static void test_no_bpf_estimates(void **state)
{
	struct sk_engine *e;
	const struct sk_snapshot *s;

	(void)state;
	need_world();
	e = engine(false);
	s = refresh(e);
	assert_int_equal(s->lifecycle.source, SK_LIFE_ESTIMATE);
	assert_int_equal(s->lifecycle.since, 0);
	assert_int_equal(s->lives.n, s->socks.n);
	assert_string_equal(sk_engine_lifecycle_note(e), "");
	assert_int_equal(sk_engine_lifecycle_load_us(e), 0);
	sk_engine_free(e);
}

/* A one-shot engine, where the store could be loaded, loads none: the
 * ages are estimates and nothing stays attached for the one dump. */
static void test_one_shot_loads_no_store(void **state)
{
	struct sk_engine_config cfg = {.proc_root = "/proc", .want_tcpinfo = true,
				       .no_services = true, .one_shot = true};
	struct sk_error err = {0};
	struct sk_engine *e = NULL;
	const struct sk_snapshot *s;

	(void)state;
	sk_bpf_lifecycle_close(need_store());
	assert_int_equal(sk_engine_new(&cfg, &e, &err), 0);
	s = refresh(e);
	assert_int_equal(s->lifecycle.source, SK_LIFE_ESTIMATE);
	assert_int_equal(sk_engine_lifecycle_load_us(e), 0);
	assert_string_equal(sk_engine_lifecycle_note(e), "");
	sk_engine_free(e);
}

/* The accept hook's syscall tracepoints are found through tracefs, which
 * a host may not have mounted (systemd mounts it; a bare VM may not): the
 * world mounts its own, in its private mount namespace, so that the suite
 * runs them wherever the kernel allows. */
static bool enter_world(void)
{
	struct stat st;

	if (hermetic_world(true) != 0)
		return false;
	if (stat("/sys/kernel/tracing/events", &st) != 0 &&
	    mount("tracefs", "/sys/kernel/tracing", "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) != 0)
		fprintf(stderr, "no tracefs in the world: %s\n", strerror(errno));
	return true;
}

SK_SUITE_MAIN_PREPARE(world = enter_world(), NULL, NULL,
	cmocka_unit_test(test_fill_from_store),
	cmocka_unit_test(test_json_round_trip),
	cmocka_unit_test(test_loads_and_leaves_nothing),
	cmocka_unit_test(test_time_wait_names_maker),
	cmocka_unit_test(test_close_wait_state_age),
	cmocka_unit_test(test_orphans_name_maker),
	cmocka_unit_test(test_accept_names_acceptor),
	cmocka_unit_test(test_no_entry_outlives_socket),
	cmocka_unit_test(test_no_bpf_estimates),
	cmocka_unit_test(test_one_shot_loads_no_store))
