#include <config.h>

#include "engine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "analyse/lives.h"
#include "analyse/persist.h"
#include "collect/kmsg.h"
#include "collect/bpf_lifecycle.h"
#include "collect/bpf_owners.h"
#include "collect/netns_names.h"
#include "collect/nsinuse.h"
#include "collect/service.h"
#include "util/escape.h"

/* Every TCP state bit, including the bound-inactive pseudo state: kernels
 * before 6.8 ignore that bit, later ones then report bound sockets too. */
#define SK_ALL_TCP_STATES ((1u << SK_TCP_STATE_LAST) - 1)
#define SK_ALL_STATES 0xffffffffu

/* One sock_diag connection per network namespace. A netlink socket answers
 * for the namespace it was created in, so entering a namespace is needed
 * only to open it. Connections are dropped as soon as their namespace has
 * no scanned process, because an open socket would keep a dead namespace
 * alive.
 *
 * A host may have more namespaces than sktop may open files: at most
 * max_conns are kept (a quarter of RLIMIT_NOFILE, the rest is for /proc
 * and the terminal), the namespaces beyond are dumped through a socket
 * closed right after (a setns more per refresh, not a failure), and an
 * EMFILE on opening one gives back every kept socket before it is tried
 * again. */
#define SK_CONNS_MAX 1024
struct live_conn {
	uint64_t netns;
	struct sk_diag_conn *conn;
	uint64_t used_seq;
};

struct live_diag {
	const char *proc_root;
	int own_ns_fd;      /* to come back after entering another namespace */
	uint64_t own_netns;
	SK_VEC(struct live_conn) conns;
	size_t max_conns;
	uint64_t seq;
};

/* What one refresh produces, kept whole for a reader while (with
 * double_buffer) the other buffer takes the next refresh. */
struct refresh_buffer {
	struct sk_snapshot snap;
	struct sk_findings findings;
	struct sk_history history; /* the engine's, as of this snapshot (double_buffer) */
};

struct sk_engine {
	struct sk_engine_config cfg;
	struct sk_diag_ops live_ops;
	struct live_diag *live;
	struct refresh_buffer buf[2];
	unsigned shown;                    /* the buffer sk_engine_snapshot returns */
	struct sk_history history;         /* recorded by every refresh */
	atomic_bool cancel;
	struct sk_thresholds thresholds;
	struct sk_procfs_cache *owners;    /* the incremental owner map */
	struct sk_persist *persist;        /* how long each socket has been in its state */
	struct sk_kmsg *kmsg;              /* the kernel log, or NULL */
	struct sk_service_resolver *services; /* cgroup -> service, cached across refreshes */
	struct sk_netns_names netns_names;    /* /run/netns: `ip netns` names */
	SK_VEC(uint64_t) unowned;          /* dumped inodes no fd held, last exact refresh */
	SK_VEC(uint64_t) quiet_netns;      /* sorted: namespaces the last refresh saw empty */
	uint64_t seq;
	uint64_t owner_rescans;            /* refreshes where the cache proved stale */
	/* Mount options do not change under a running sktop: read once, on the
	 * first refresh that is not root (the only one that can be hidden from). */
	bool hidepid_checked, hidepid;
	struct sk_bpf_owners *bpf;         /* NULL: owners from /proc */
	sk_fdrowvec fdrows;                /* the iterator's rows, memory reused */
	/* The TCP sockets the iterator read with their fds this refresh (none
	 * when it reads owners only): the first rows of the snapshot, by
	 * namespace then inode, until the dumps decide which stay. */
	struct sk_bpf_tcp fdtcp;
	char owner_note[SK_ERROR_MSG_MAX];
	/* The lifecycle store (NULL: estimates only), what it held at the last
	 * read, which of those entries a dumped row holds, the cookies its sweep
	 * deletes, since when it records. */
	struct sk_bpf_lifecycle *life;
	sk_lifevec life_store;
	SK_VEC(uint8_t) life_dumped;
	sk_cookievec life_stale;
	int64_t life_since;
	uint64_t life_lost;
	char life_note[SK_ERROR_MSG_MAX];
};

/* --- live sock_diag -------------------------------------------------------------- */

static int enter_and_open(struct live_diag *ld, uint64_t netns, int32_t pid,
			  struct sk_diag_conn **conn, struct sk_error *err)
{
	char path[PATH_MAX];
	struct stat st;
	int fd, rc;

	snprintf(path, sizeof(path), "%s/%d/ns/net", ld->proc_root, (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return sk_error_set(err, errno, "cannot open network namespace of pid %d: %s",
				    (int)pid, strerror(errno));
	/* The pid may have exited and been reused since the scan: make sure the
	 * namespace is still the one we mean. */
	if (fstat(fd, &st) < 0 || (uint64_t)st.st_ino != netns) {
		close(fd);
		return sk_error_set(err, ESRCH, "pid %d left network namespace %llu during the scan",
				    (int)pid, (unsigned long long)netns);
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		rc = errno;
		close(fd);
		return sk_error_set(err, rc, "cannot enter network namespace %llu of pid %d: %s",
				    (unsigned long long)netns, (int)pid, strerror(rc));
	}
	close(fd);
	rc = sk_diag_open(conn, err);
	if (setns(ld->own_ns_fd, CLONE_NEWNET) < 0) {
		/* Staying in the wrong namespace would make every later figure a lie. */
		int e = errno;

		if (rc == 0)
			sk_diag_close(*conn);
		*conn = NULL;
		return sk_error_set(err, e, "cannot return to sktop's own network namespace: %s",
				    strerror(e));
	}
	return rc;
}

static void live_close_all(struct live_diag *ld)
{
	for (size_t i = 0; i < ld->conns.n; i++)
		sk_diag_close(ld->conns.v[i].conn);
	ld->conns.n = 0;
}

static int live_open(struct live_diag *ld, uint64_t netns, int32_t pid,
		     struct sk_diag_conn **conn, struct sk_error *err)
{
	if (netns == ld->own_netns || pid == 0)
		return sk_diag_open(conn, err);
	return enter_and_open(ld, netns, pid, conn, err);
}

static int live_dump(void *ctx, uint64_t netns, int32_t pid, const struct sk_diag_request *req,
		     struct sk_diag_sink *sink, struct sk_error *err)
{
	struct live_diag *ld = ctx;
	struct live_conn *c = NULL;
	int rc;

	for (size_t i = 0; i < ld->conns.n; i++)
		if (ld->conns.v[i].netns == netns)
			c = &ld->conns.v[i];
	if (!c) {
		struct sk_diag_conn *conn = NULL;

		rc = live_open(ld, netns, pid, &conn, err);
		if ((rc == -EMFILE || rc == -ENFILE) && ld->conns.n) {
			live_close_all(ld);
			sk_error_clear(err);
			rc = live_open(ld, netns, pid, &conn, err);
		}
		if (rc)
			return rc;
		if (ld->conns.n >= ld->max_conns) {
			rc = sk_diag_dump(conn, req, sink, err);
			sk_diag_close(conn);
			return rc;
		}
		c = SK_VEC_PUSH(&ld->conns);
		if (!c) {
			sk_diag_close(conn);
			return sk_error_set(err, ENOMEM, "out of memory");
		}
		c->netns = netns;
		c->conn = conn;
	}
	c->used_seq = ld->seq;
	return sk_diag_dump(c->conn, req, sink, err);
}

/* Through the namespace's kept connection (every namespace the last refresh
 * dumped has one), else one opened for this row and closed after it. */
static int live_destroy(void *ctx, uint64_t netns, int32_t pid, const struct sk_socket *row,
			struct sk_error *err)
{
	struct live_diag *ld = ctx;
	struct sk_diag_conn *conn = NULL;
	int rc;

	if (geteuid() != 0)
		return sk_error_set(err, EPERM, "destroying sockets needs root");
	for (size_t i = 0; i < ld->conns.n; i++)
		if (ld->conns.v[i].netns == netns)
			return sk_diag_destroy(ld->conns.v[i].conn, row, err);
	if (netns == ld->own_netns || pid == 0)
		rc = sk_diag_open(&conn, err);
	else
		rc = enter_and_open(ld, netns, pid, &conn, err);
	if (rc == 0)
		rc = sk_diag_destroy(conn, row, err);
	sk_diag_close(conn);
	return rc;
}

static void live_drop_unused(struct live_diag *ld)
{
	size_t out = 0;

	for (size_t i = 0; i < ld->conns.n; i++) {
		if (ld->conns.v[i].used_seq != ld->seq) {
			sk_diag_close(ld->conns.v[i].conn);
			continue;
		}
		ld->conns.v[out++] = ld->conns.v[i];
	}
	ld->conns.n = out;
}

static void live_free(void *ctx)
{
	struct live_diag *ld = ctx;

	if (!ld)
		return;
	live_close_all(ld);
	free(ld->conns.v);
	if (ld->own_ns_fd >= 0)
		close(ld->own_ns_fd);
	free(ld);
}

static int live_new(const char *proc_root, struct live_diag **out, struct sk_error *err)
{
	struct live_diag *ld = calloc(1, sizeof(*ld));
	char path[PATH_MAX];
	struct rlimit rl;

	if (!ld)
		return sk_error_set(err, ENOMEM, "out of memory");
	ld->proc_root = proc_root;
	ld->max_conns = SK_CONNS_MAX;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur / 4 < ld->max_conns)
		ld->max_conns = rl.rlim_cur / 4;
	snprintf(path, sizeof(path), "%s/self/ns/net", proc_root);
	/* Without it we cannot come back from another namespace: then only our
	 * own is dumped (own_netns_only behaviour), which the snapshot reports. */
	ld->own_ns_fd = open(path, O_RDONLY | O_CLOEXEC);
	ld->own_netns = sk_procfs_ns_inode(proc_root, 0, "net");
	*out = ld;
	return 0;
}

/* The class of a socket fd no dump listed, if that fd still is the socket
 * the walk saw: a busy server closes an fd and reuses its number between
 * the walk and the dump, and the new socket's class must not make the old
 * one look like a leaked closed socket. */
static enum sk_sockname xattr_sockname(void *ctx, int32_t pid, int32_t fd, uint64_t inode)
{
	enum sk_sockname sn = sk_procfs_sockname(ctx, pid, fd);

	if (!sk_procfs_fd_is(ctx, pid, fd, inode))
		return SK_SOCKNAME_RACED;
	return sn;
}

/* --- owners from BPF ------------------------------------------------------------- */

/* Only the live /proc: a fixture tree's processes are not the kernel's.
 * Without the capabilities, or in a build without BPF, nothing is tried and
 * nothing is said: sktop reads /proc as it always did. */
static void open_bpf(struct sk_engine *e)
{
	struct sk_error berr;

	if (!HAVE_BPF || e->cfg.no_bpf || strcmp(e->cfg.proc_root, "/proc") != 0 ||
	    !sk_bpf_owners_permitted())
		return;
	sk_error_clear(&berr);
	if (sk_bpf_owners_open(&e->bpf, true, &berr))
		snprintf(e->owner_note, sizeof(e->owner_note), "%s", berr.msg);
}

const char *sk_engine_owner_note(const struct sk_engine *e)
{
	return e->owner_note;
}

uint64_t sk_engine_bpf_load_us(const struct sk_engine *e)
{
	return sk_bpf_owners_load_us(e->bpf);
}

/* --- lifetimes from BPF ---------------------------------------------------------- */

/* Under the same conditions as the owner iterator, and only with live
 * dumps: the store is joined with them by cookie. */
static void open_lifecycle(struct sk_engine *e)
{
	struct sk_error lerr;

	if (!HAVE_BPF || e->cfg.no_bpf || e->cfg.one_shot || !e->live ||
	    strcmp(e->cfg.proc_root, "/proc") != 0 || !sk_bpf_owners_permitted())
		return;
	sk_error_clear(&lerr);
	if (sk_bpf_lifecycle_open(&e->life, e->cfg.lifecycle_max_entries, &lerr))
		snprintf(e->life_note, sizeof(e->life_note), "%s", lerr.msg);
	else { /* loaded, maybe without its accept hook: then why not */
		e->life_since = (int64_t)time(NULL);
		snprintf(e->life_note, sizeof(e->life_note), "%s", sk_bpf_lifecycle_note(e->life));
	}
}

const char *sk_engine_lifecycle_note(const struct sk_engine *e)
{
	return e->life_note;
}

uint64_t sk_engine_lifecycle_load_us(const struct sk_engine *e)
{
	return sk_bpf_lifecycle_load_us(e->life);
}

static uint64_t mono_ns(const struct timespec *t)
{
	return (uint64_t)t->tv_sec * 1000000000u + (uint64_t)t->tv_nsec;
}

/* Entries of sockets gone from the dumps go. Not after a namespace failed
 * to dump: its sockets would look gone. A store that fails to read or
 * sweep is dropped for good, said in the note, and rows get estimates. */
static int sweep_lifecycle(struct sk_engine *e, const struct sk_snapshot *s,
			   struct sk_error *lerr)
{
	int rc;

	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].dump_error)
			return 0;
	rc = sk_lives_stale(&e->life_store, e->life_dumped.v, mono_ns(&s->monotonic),
			    &e->life_stale);
	if (rc)
		return sk_error_set(lerr, -rc, "out of memory sweeping the lifecycle store");
	return sk_bpf_lifecycle_delete(e->life, e->life_stale.v, e->life_stale.n, lerr);
}

static int fill_lifecycle(struct sk_engine *e, struct sk_snapshot *s, struct sk_error *err)
{
	const sk_lifevec *store = NULL;
	struct sk_error lerr;
	struct timespec now;
	int rc;

	sk_error_clear(&lerr);
	if (e->life && sk_bpf_lifecycle_read(e->life, &e->life_store, &e->life_lost, &lerr) == 0) {
		if (sk_vec_reserve((void **)&e->life_dumped.v, &e->life_dumped.cap,
				   e->life_store.n, 1))
			return sk_error_set(err, ENOMEM, "out of memory joining lifetimes");
		store = &e->life_store;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	s->lifecycle.source = store ? SK_LIFE_BPF : SK_LIFE_ESTIMATE;
	s->lifecycle.since = store ? e->life_since : 0;
	s->lifecycle.events_lost = e->life_lost;
	rc = sk_lives_fill(s, store, mono_ns(&now), store ? e->life_dumped.v : NULL);
	if (rc)
		return sk_error_set(err, -rc, "out of memory filling lifetimes");
	if (store && sweep_lifecycle(e, s, &lerr) == 0)
		return 0;
	if (e->life) {
		snprintf(e->life_note, sizeof(e->life_note), "%s", lerr.msg);
		sk_bpf_lifecycle_close(e->life);
		e->life = NULL;
	}
	return 0;
}

/* The process scan, with fd tables from the BPF iterator when it is
 * loaded. An iterator that fails mid-run is dropped for good, said once in
 * the note, and this refresh reads /proc like every later one. */
static int scan_processes(struct sk_engine *e, struct sk_snapshot *s, struct sk_error *err)
{
	if (e->bpf) {
		struct sk_error berr;

		sk_error_clear(&berr);
		e->fdtcp.socks = &s->socks;
		e->fdtcp.n = 0;
		if (sk_bpf_owners_read(e->bpf, &e->fdrows,
				       sk_bpf_owners_reads_tcp(e->bpf) ? &e->fdtcp : NULL, &berr) == 0) {
			s->owners_bpf = true;
			return sk_procfs_scan_rows(e->cfg.proc_root, &e->fdrows, &s->procs,
						   &s->fdrefs, &s->strs, &s->procfs, err);
		}
		snprintf(e->owner_note, sizeof(e->owner_note), "%s", berr.msg);
		sk_bpf_owners_close(e->bpf);
		e->bpf = NULL;
		e->fdtcp.n = 0;
	}
	return sk_procfs_scan_cached(e->cfg.proc_root, e->owners, &s->procs, &s->fdrefs, &s->strs,
				     &s->procfs, err);
}

/* --- engine ------------------------------------------------------------------------ */

int sk_engine_new(const struct sk_engine_config *cfg, struct sk_engine **out,
		  struct sk_error *err)
{
	struct sk_engine *e = calloc(1, sizeof(*e));
	int rc;

	*out = NULL;
	if (!e)
		return sk_error_set(err, ENOMEM, "out of memory");
	e->cfg = *cfg;
	if (!e->cfg.proc_root)
		e->cfg.proc_root = "/proc";
	if (!e->cfg.sockname) {
		e->cfg.sockname = xattr_sockname;
		e->cfg.sockname_ctx = (void *)e->cfg.proc_root;
	}
	if (!e->cfg.diag) {
		rc = live_new(e->cfg.proc_root, &e->live, err);
		if (rc) {
			free(e);
			return rc;
		}
		e->live_ops.dump = live_dump;
		e->live_ops.destroy = live_destroy;
		e->live_ops.ctx = e->live;
		e->cfg.diag = &e->live_ops;
	}
	open_bpf(e);
	open_lifecycle(e);
	if (sk_procfs_cache_new(&e->owners) || sk_persist_new(&e->persist) ||
	    (e->cfg.kmsg_path && sk_kmsg_open(e->cfg.kmsg_path, &e->kmsg))) {
		sk_engine_free(e);
		return sk_error_set(err, ENOMEM, "out of memory");
	}
	sk_netns_names_init(&e->netns_names, e->cfg.host_root, e->cfg.proc_root);
	if (!e->cfg.no_services) {
		struct sk_service_paths sp = {e->cfg.proc_root, e->cfg.host_root,
					      e->cfg.cgroup_mount};

		rc = sk_service_resolver_new(&sp, &e->services, err);
		if (rc) {
			sk_engine_free(e);
			return rc;
		}
	}
	for (size_t i = 0; i < 2; i++) {
		sk_snapshot_init(&e->buf[i].snap);
		sk_findings_init(&e->buf[i].findings);
		sk_history_init(&e->buf[i].history, e->cfg.history_window_ms);
	}
	sk_history_init(&e->history, e->cfg.history_window_ms);
	atomic_init(&e->cancel, false);
	if (e->cfg.thresholds)
		e->thresholds = *e->cfg.thresholds;
	else
		sk_thresholds_default(&e->thresholds);
	e->cfg.thresholds = &e->thresholds;
	*out = e;
	return 0;
}

void sk_engine_free(struct sk_engine *e)
{
	if (!e)
		return;
	live_free(e->live);
	sk_persist_free(e->persist);
	sk_kmsg_free(e->kmsg);
	if (e->cfg.diag && e->cfg.diag != &e->live_ops && e->cfg.diag->free)
		e->cfg.diag->free(e->cfg.diag->ctx);
	for (size_t i = 0; i < 2; i++) {
		sk_snapshot_free(&e->buf[i].snap);
		sk_findings_free(&e->buf[i].findings);
		sk_history_free(&e->buf[i].history);
	}
	sk_procfs_cache_free(e->owners);
	sk_bpf_owners_close(e->bpf);
	free(e->fdrows.v);
	free(e->fdtcp.syn_netns.v);
	free(e->fdtcp.unread_netns.v);
	sk_bpf_lifecycle_close(e->life);
	free(e->life_store.v);
	free(e->life_dumped.v);
	free(e->life_stale.v);
	sk_service_resolver_free(e->services);
	sk_netns_names_free(&e->netns_names);
	free(e->unowned.v);
	free(e->quiet_netns.v);
	sk_history_free(&e->history);
	free(e);
}

const struct sk_snapshot *sk_engine_snapshot(const struct sk_engine *e)
{
	return &e->buf[e->shown].snap;
}

void sk_engine_cancel(struct sk_engine *e)
{
	atomic_store(&e->cancel, true);
}

static int check_cancel(struct sk_engine *e, struct sk_error *err)
{
	if (atomic_load_explicit(&e->cancel, memory_order_relaxed))
		return sk_error_set(err, ECANCELED, "refresh cancelled");
	return 0;
}

static void fill_identity(struct sk_snapshot *s)
{
	struct utsname u;

	if (uname(&u) == 0) {
		sk_escape(u.nodename, strnlen(u.nodename, sizeof(u.nodename)), s->host,
			  sizeof(s->host));
		sk_escape(u.release, strnlen(u.release, sizeof(u.release)), s->kernel,
			  sizeof(s->kernel));
	}
	s->root = geteuid() == 0;
}

/* Counts the scanned processes of each network namespace, adding the
 * namespaces not listed yet. Before the dumps that is how the list is made
 * (sktop's own is put first by the caller). After them, when the owner
 * cache proved stale and /proc was read again, a process may live in a
 * namespace that was never dumped: its fds cannot be judged (link_fds
 * finds no such namespace), so the namespace is listed as not dumped and
 * the snapshot says it is partial. */
static int count_netns(struct sk_snapshot *s, bool after_dumps, struct sk_error *err)
{
	for (size_t k = 0; k < s->netns.n; k++)
		s->netns.v[k].nprocs = 0;
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];
		struct sk_netns *found = NULL;

		if (p->netns == 0)
			continue; /* unreadable: its fds cannot be judged */
		for (size_t k = 0; k < s->netns.n; k++)
			if (s->netns.v[k].id == p->netns)
				found = &s->netns.v[k];
		if (!found) {
			found = SK_VEC_PUSH(&s->netns);
			if (!found)
				return sk_error_set(err, ENOMEM, "out of memory");
			found->id = p->netns;
			found->rep_pid = p->pid;
			if (after_dumps) {
				found->dump_error = -EAGAIN; /* born during the refresh: next time */
				s->partial = true;
			}
		}
		found->nprocs++;
	}
	return 0;
}

/* Groups scanned processes by network namespace; sktop's own comes first. */
static int collect_netns(struct sk_engine *e, struct sk_snapshot *s, struct sk_error *err)
{
	struct sk_netns *ns = SK_VEC_PUSH(&s->netns);

	if (!ns)
		return sk_error_set(err, ENOMEM, "out of memory");
	ns->id = sk_procfs_ns_inode(e->cfg.proc_root, 0, "net");
	ns->own = true;
	return count_netns(s, false, err);
}

/* Whether proc_root is a procfs mounted with hidepid (noaccess, invisible
 * or ptraceable) that hides other users' processes from us. Those are not
 * listed at all, so no fd table counts as denied, and without this check an
 * unprivileged snapshot would pass for the whole machine. The gid= group is
 * exempt. A fixture tree has no mountinfo and hides nothing. */
static bool procfs_hides_processes(const char *proc_root)
{
	char path[PATH_MAX], line[4096];
	struct stat st;
	bool hides = false;
	FILE *f;

	if (stat(proc_root, &st) < 0)
		return false;
	snprintf(path, sizeof(path), "%s/self/mountinfo", proc_root);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (!hides && fgets(line, sizeof(line), f)) {
		unsigned maj, min;
		char *sep = strstr(line, " - "), *opts, *save = NULL;
		long gid = -1;

		/* id parent major:minor root mountpoint ... - fstype source superoptions */
		if (sscanf(line, "%*u %*u %u:%u", &maj, &min) != 2 || !sep ||
		    makedev(maj, min) != st.st_dev || strncmp(sep + 3, "proc ", 5) != 0)
			continue;
		opts = strchr(sep + 8, ' ');
		if (!opts)
			continue;
		opts[strcspn(opts, "\n")] = '\0';
		for (char *o = strtok_r(opts + 1, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
			if (strncmp(o, "hidepid=", 8) == 0)
				hides = strcmp(o + 8, "0") != 0 && strcmp(o + 8, "off") != 0;
			else if (strncmp(o, "gid=", 4) == 0)
				gid = strtol(o + 4, NULL, 10);
		}
		if (hides && gid >= 0) {
			gid_t groups[256];
			int n = getgroups(256, groups);

			if (getegid() == (gid_t)gid)
				hides = false;
			for (int i = 0; i < n; i++)
				if (groups[i] == (gid_t)gid)
					hides = false;
		}
	}
	fclose(f);
	return hides;
}

#define SN(x) (1u << (x))

struct dump_plan {
	uint8_t kind, family, protocol;
	uint32_t classes;  /* 1 << enum sk_sockname for each class the dump covers */
	/* Tried first; when it fails, the plans after it that cover its
	 * classes run instead and report any error themselves. */
	bool optional;
};

static const struct dump_plan dump_plans[] = {
	/* TCP: both families in one walk of the kernel's tables (diag.h). */
	{SK_DIAG_INET, AF_UNSPEC, IPPROTO_TCP, SN(SK_SN_TCP) | SN(SK_SN_TCPV6), true},
	{SK_DIAG_INET, AF_INET, IPPROTO_TCP, SN(SK_SN_TCP), false},
	{SK_DIAG_INET, AF_INET6, IPPROTO_TCP, SN(SK_SN_TCPV6), false},
	{SK_DIAG_INET, AF_INET, IPPROTO_UDP, SN(SK_SN_UDP), false},
	{SK_DIAG_INET, AF_INET6, IPPROTO_UDP, SN(SK_SN_UDPV6), false},
	{SK_DIAG_UNIX, AF_UNIX, 0, SN(SK_SN_UNIX), false},
};

/* The `ip netns` name of each dumped namespace, for hosts where no
 * orchestrator names anything. */
static int name_netns(struct sk_engine *e, struct sk_snapshot *s, struct sk_error *err)
{
	int rc = sk_netns_names_refresh(&e->netns_names);

	for (size_t i = 0; rc == 0 && i < s->netns.n; i++) {
		const char *name = sk_netns_names_get(&e->netns_names, s->netns.v[i].id);

		s->netns.v[i].name = *name ? sk_strtab_add(&s->strs, name, strlen(name), &rc) : 0;
	}
	return rc ? sk_error_set(err, -rc, "out of memory naming namespaces") : 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The classes a full dump of one namespace covers. */
static uint32_t dumped_classes(const struct sk_engine *e)
{
	uint32_t classes = 0;

	for (size_t i = 0; i < sizeof(dump_plans) / sizeof(dump_plans[0]); i++)
		if (dump_plans[i].kind != SK_DIAG_UNIX || e->cfg.want_unix)
			classes |= dump_plans[i].classes;
	return classes;
}

/* The gate for empty namespaces. Every sock_diag dump walks the kernel's
 * whole socket hash whatever namespace it is for, so a host with a hundred
 * namespaces holding a `sleep` each paid a hundred walks per refresh.
 * A namespace is skipped only when the last refresh saw it hold no row and
 * none of its processes hold any socket fd (a never-connected TCP socket is
 * in no "inuse" count, but its fd is seen and the next refresh dumps the
 * namespace), and the kernel's counters read now say it holds no TCP, UDP
 * (unix) socket and no TIME_WAIT. Any unreadable counter means a dump. */
static bool netns_gate(struct sk_engine *e, const struct sk_netns *ns)
{
	struct sk_nsinuse u;

	if (!e->live || ns->own || ns->rep_pid <= 0 ||
	    !sk_bsearch(&ns->id, e->quiet_netns.v, e->quiet_netns.n, sizeof(uint64_t), cmp_u64))
		return false;
	if (sk_nsinuse_read(e->cfg.proc_root, ns->rep_pid, ns->id, &u) < 0)
		return false;
	return sk_nsinuse_empty(&u, e->cfg.want_unix);
}

/* Remembers, for the next refresh's gate, the namespaces of this snapshot
 * that hold no row and whose processes hold no socket fd (an fd table we
 * could not read may hold one): bounded by the namespaces listed now.
 * quiet_netns first collects, sorted, the namespaces of the processes that
 * hold (or may hold) one, so that the whole costs O((processes + namespaces)
 * log) and not processes x namespaces. */
static int remember_quiet(struct sk_engine *e, const struct sk_snapshot *s)
{
	uint32_t all = dumped_classes(e);
	size_t noisy;

	e->quiet_netns.n = 0;
	for (size_t j = 0; j < s->procs.n; j++) {
		const struct sk_process *p = &s->procs.v[j];
		uint64_t *slot;

		if (p->fdrefs_count == 0 && !(p->flags & (SK_PROC_FD_DENIED | SK_PROC_PARTIAL)))
			continue;
		slot = SK_VEC_PUSH(&e->quiet_netns);
		if (!slot)
			goto nomem;
		*slot = p->netns;
	}
	sk_qsort(e->quiet_netns.v, e->quiet_netns.n, sizeof(uint64_t), cmp_u64);
	noisy = e->quiet_netns.n;
	for (size_t i = 0; i < s->netns.n; i++) {
		const struct sk_netns *ns = &s->netns.v[i];
		uint64_t *slot;

		if (ns->own || ns->dump_error || ns->sockets || (ns->dumped & all) != all ||
		    sk_bsearch(&ns->id, e->quiet_netns.v, noisy, sizeof(uint64_t), cmp_u64))
			continue;
		slot = SK_VEC_PUSH(&e->quiet_netns);
		if (!slot)
			goto nomem;
		*slot = ns->id;
	}
	/* Keep the quiet ones only, sorted for the gate's search. */
	if (noisy)
		memmove(e->quiet_netns.v, e->quiet_netns.v + noisy,
			(e->quiet_netns.n - noisy) * sizeof(uint64_t));
	e->quiet_netns.n -= noisy;
	sk_qsort(e->quiet_netns.v, e->quiet_netns.n, sizeof(uint64_t), cmp_u64);
	return 0;
nomem:
	e->quiet_netns.n = 0; /* half a list would skip a noisy namespace */
	return -ENOMEM;
}

static int cmp_tcp_netns(const void *key, const void *elem)
{
	uint64_t netns = *(const uint64_t *)key, have = ((const struct sk_socket *)elem)->netns;

	return (netns > have) - (netns < have);
}

/* The iterator's rows of one namespace: [*first, *end) of s->socks. */
static bool fdtcp_range(const struct sk_engine *e, const struct sk_snapshot *s, uint64_t netns,
			size_t *first, size_t *end)
{
	const struct sk_socket *v = s->socks.v + e->fdtcp.first;
	const struct sk_socket *hit = sk_bsearch(&netns, v, e->fdtcp.n, sizeof(*v), cmp_tcp_netns);
	size_t i, j;

	if (!hit)
		return false;
	i = j = (size_t)(hit - v);
	while (i > 0 && v[i - 1].netns == netns)
		i--;
	while (j < e->fdtcp.n && v[j].netns == netns)
		j++;
	*first = e->fdtcp.first + i;
	*end = e->fdtcp.first + j;
	return true;
}

/* Keeps of the iterator's rows those of the namespaces that took them
 * (tcp_from_fds), bar the unconnected, unbound sockets, which are in no
 * table and which their fd alone shows (an undumped row), as after a
 * dump; the rows the dumps added after them move down. */
static void keep_fdtcp(struct sk_engine *e, struct sk_snapshot *s)
{
	size_t from = e->fdtcp.first, end = from + e->fdtcp.n, to = from;
	const struct sk_netns *ns = NULL;

	for (size_t i = from; i < end; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (!ns || ns->id != k->netns) {
			ns = NULL;
			for (size_t j = 0; j < s->netns.n && !ns; j++)
				if (s->netns.v[j].id == k->netns)
					ns = &s->netns.v[j];
		}
		if (!ns || !ns->tcp_from_fds || k->state == SK_TCP_CLOSE)
			continue;
		if (to != i)
			s->socks.v[to] = *k;
		to++;
	}
	if (to != end)
		memmove(s->socks.v + to, s->socks.v + end, (s->socks.n - end) * sizeof(*s->socks.v));
	s->socks.n -= end - to;
	s->diag.sockets += (uint32_t)(to - from);
	e->fdtcp.n = 0;
}

/* The states a TCP socket no fd holds can be in, bar the rare ones (a
 * connection waiting for accept(), a kernel socket): TIME_WAIT, requests,
 * and orphans, closed by their process and finishing on their own. */
#define SK_NO_FD_TCP_STATES                                                              \
	((1u << SK_TCP_TIME_WAIT) | (1u << SK_TCP_SYN_RECV) | (1u << SK_TCP_NEW_SYN_RECV) | \
	 (1u << SK_TCP_FIN_WAIT1) | (1u << SK_TCP_FIN_WAIT2) | (1u << SK_TCP_CLOSING) |      \
	 (1u << SK_TCP_LAST_ACK))

/* Dumps only the namespace's TCP sockets in SK_NO_FD_TCP_STATES, keeping
 * those no fd holds (the fd-held ones came with their fds). The walk of
 * the kernel's tables is the same as a full dump's, but the messages, with
 * their tcp_info, are for a few rows instead of all. Sets *orphans to the
 * full sockets among the kept rows. Returns 0, -ECANCELED or another
 * -errno; the caller takes back what it added when it is not used. */
static int dump_no_fd_states(struct sk_engine *e, struct sk_snapshot *s, struct sk_netns *ns,
			     int64_t *orphans)
{
	struct sk_diag_request req = {
		.kind = SK_DIAG_INET, .family = AF_UNSPEC, .protocol = IPPROTO_TCP,
		.states = SK_NO_FD_TCP_STATES, .ext_meminfo = e->cfg.want_meminfo,
		.ext_tcpinfo = e->cfg.want_tcpinfo,
	};
	struct sk_diag_sink sink = {
		.socks = &s->socks, .strs = &s->strs, .netns = ns->id, .stats = &s->diag,
		.cancel = &e->cancel,
	};
	size_t base = s->socks.n, kept = base;
	struct sk_error derr;
	int rc;

	sk_error_clear(&derr);
	rc = e->cfg.diag->dump(e->cfg.diag->ctx, ns->id, ns->own ? 0 : ns->rep_pid, &req, &sink,
			       &derr);
	if (rc)
		return rc;
	*orphans = 0;
	for (size_t i = base; i < s->socks.n; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->inode)
			continue;
		/* Only a full socket carries INET_DIAG_SHUTDOWN (diag_parse.c). */
		*orphans += k->state != SK_TCP_TIME_WAIT && (k->flags & SK_SOCK_HAS_SHUTDOWN);
		s->socks.v[kept++] = *k;
	}
	s->diag.sockets -= (uint32_t)(s->socks.n - kept);
	s->socks.n = kept;
	return 0;
}

/* Takes a namespace's TCP rows from those the iterator read with its fds
 * where the kernel's counters prove them to be all of them, so that its
 * TCP tables need no full dump. A dump walks the kernel's whole TCP hash
 * whatever namespace it asks for (at 100k sockets, 20 ms for each
 * namespace however few sockets it has) and builds a message with
 * tcp_info for every row.
 *
 * The counters say how many TCP sockets are hashed (listening or
 * connected: "inuse", both families) and in TIME_WAIT. Hashed sockets no
 * fd holds are the difference between "inuse" and the fd-held ones seen
 * hashed. None, and no TIME_WAIT and no handshake in a syn queue: the fds
 * are the whole namespace. Otherwise a dump of the states such sockets
 * can be in must find exactly that many (orphans); then the fds and that
 * dump are the whole namespace. Anything else means a full dump: a
 * connection waiting in an accept queue (hashed, no fd), a kernel socket,
 * a process we cannot see, a bound, unconnected socket (a dump reports it,
 * BOUND_INACTIVE, no counter has it), a socket nothing asked the cookie of
 * yet (the key of its lifetime: the dump gives it one for good), or a
 * socket made or closed between the iterator and the counters. */
static int tcp_from_fds(struct sk_engine *e, struct sk_snapshot *s, struct sk_netns *ns)
{
	int64_t hashed = 0, unheld, orphans = 0;
	struct sk_diag_stats stats_before = s->diag;
	size_t first, end, base = s->socks.n;
	struct sk_nsinuse u;
	bool requests;
	int rc;

	/* A socket without a cookie has no row: its namespace is listed. */
	if (!e->live || e->fdtcp.gave_up || !fdtcp_range(e, s, ns->id, &first, &end) ||
	    sk_bsearch(&ns->id, e->fdtcp.unread_netns.v, e->fdtcp.unread_netns.n, sizeof(uint64_t),
		       cmp_u64))
		return 0;
	for (size_t i = first; i < end; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if ((k->state == SK_TCP_LISTEN && k->recv_q) ||
		    (k->state == SK_TCP_CLOSE && k->local.port))
			return 0;
		hashed += k->state != SK_TCP_CLOSE;
	}
	requests = sk_bsearch(&ns->id, e->fdtcp.syn_netns.v, e->fdtcp.syn_netns.n, sizeof(uint64_t),
			      cmp_u64) != NULL;
	if (sk_nsinuse_read(e->cfg.proc_root, ns->own ? getpid() : ns->rep_pid, ns->id, &u) < 0 ||
	    u.tw == SK_NSINUSE_UNKNOWN || u.inuse[SK_NSINUSE_TCP] == SK_NSINUSE_UNKNOWN ||
	    u.inuse[SK_NSINUSE_TCP6] == SK_NSINUSE_UNKNOWN)
		return 0;
	unheld = u.inuse[SK_NSINUSE_TCP] + u.inuse[SK_NSINUSE_TCP6] - hashed;
	if (unheld < 0)
		return 0;
	if (unheld || u.tw || requests) {
		rc = dump_no_fd_states(e, s, ns, &orphans);
		if (rc == -ECANCELED)
			return rc;
		if (rc || orphans != unheld) {
			/* The full dump has them all, and counts them itself. */
			s->socks.n = base;
			s->diag = stats_before;
			return 0;
		}
	}
	ns->dumped |= SN(SK_SN_TCP) | SN(SK_SN_TCPV6);
	ns->tcp_from_fds = true; /* its rows stay: keep_fdtcp() */
	return 0;
}

/* Returns -ECANCELED when cancelled; every other failure is the
 * namespace's, recorded in it, and the snapshot goes on without it. */
static int dump_netns(struct sk_engine *e, struct sk_snapshot *s, struct sk_netns *ns)
{
	for (size_t i = 0; i < sizeof(dump_plans) / sizeof(dump_plans[0]); i++) {
		const struct dump_plan *plan = &dump_plans[i];
		struct sk_diag_request req = {
			.kind = plan->kind,
			.family = plan->family,
			.protocol = plan->protocol,
			.states = plan->protocol == IPPROTO_TCP ? SK_ALL_TCP_STATES : SK_ALL_STATES,
			.ext_meminfo = e->cfg.want_meminfo,
			.ext_tcpinfo = e->cfg.want_tcpinfo && plan->protocol == IPPROTO_TCP,
		};
		struct sk_diag_sink sink = {
			.socks = &s->socks, .strs = &s->strs, .netns = ns->id, .stats = &s->diag,
			.cancel = &e->cancel,
		};
		struct sk_diag_stats stats_before = s->diag;
		struct sk_error derr;
		int rc;

		if (plan->kind == SK_DIAG_UNIX && !e->cfg.want_unix)
			continue;
		if ((ns->dumped & plan->classes) == plan->classes)
			continue; /* an optional plan before this one covered it */
		sk_error_clear(&derr);
		rc = e->cfg.diag->dump(e->cfg.diag->ctx, ns->id, ns->own ? 0 : ns->rep_pid, &req,
				       &sink, &derr);
		if (rc == 0) {
			ns->dumped |= plan->classes;
			continue;
		}
		if (rc == -ECANCELED)
			return rc;
		if (plan->optional) {
			/* Not a failure of the snapshot: the plans after it dump
			 * the same classes and count their own outcome. */
			s->diag = stats_before;
			continue;
		}
		/* A namespace or protocol we could not dump is reported, and its
		 * fds are not judged: "unknown" is better than a wrong zero. */
		s->partial = true;
		if (!ns->dump_error)
			ns->dump_error = rc;
		if (rc != -ENOENT && rc != -EOPNOTSUPP && rc != -EPERM && rc != -EACCES &&
		    rc != -ESRCH)
			break; /* the namespace is unreachable: don't try its other tables */
	}
	return 0;
}

/* Whether every fd taken from the owner cache still holds its inode. A
 * cached fd may have been replaced in place (close + socket, dup2) since it
 * was read. Its old inode is then either gone from the dumps (a closed
 * socket has no inode: it shows as undumped here) or lives on in another fd
 * (several owners here): a readlink of just that fd settles it. */
static bool cached_fds_verified(struct sk_engine *e, const struct sk_snapshot *s)
{
	for (size_t f = 0; f < s->fdrefs.n; f++) {
		const struct sk_fdref *r = &s->fdrefs.v[f];

		if (!(r->flags & SK_FDREF_CACHED))
			continue;
		if (r->sock != SK_NONE && !(s->socks.v[r->sock].flags & SK_SOCK_UNDUMPED) &&
		    s->socks.v[r->sock].owners_count < 2)
			continue;
		if (!sk_procfs_fd_is(e->cfg.proc_root, s->procs.v[r->proc].pid, r->fd, r->inode))
			return false;
	}
	return true;
}

/* Whether every dumped socket nobody owns was unowned at the last exact
 * refresh too (sockets of processes whose fds cannot be read stay unowned
 * every time). A new one is a socket whose fd appeared after its process's
 * fd directory was listed, or whose process did. */
static bool unowned_known(struct sk_engine *e, const struct sk_snapshot *s)
{
	for (size_t i = 0; i < s->dumped_rows; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->inode && k->owners_count == 0 &&
		    !sk_bsearch(&k->inode, e->unowned.v, e->unowned.n, sizeof(uint64_t), cmp_u64))
			return false;
	}
	return true;
}

static int remember_unowned(struct sk_engine *e, const struct sk_snapshot *s)
{
	e->unowned.n = 0;
	for (size_t i = 0; i < s->dumped_rows; i++) {
		const struct sk_socket *k = &s->socks.v[i];

		if (k->inode && k->owners_count == 0) {
			uint64_t *slot = SK_VEC_PUSH(&e->unowned);

			if (!slot)
				return -ENOMEM;
			*slot = k->inode;
		}
	}
	sk_qsort(e->unowned.v, e->unowned.n, sizeof(uint64_t), cmp_u64);
	return 0;
}

/* Scans /proc through the owner cache and joins; when the result cannot be
 * trusted, scans every fd table again and joins again: the answer is always
 * the one a full scan gives. */
/* Scans /proc again and joins again, through the cache or (full) with
 * every fd table read. */
static int rescan_and_join(struct sk_engine *e, struct sk_snapshot *s, bool full,
			   struct sk_error *err)
{
	int rc;

	if (full) {
		e->owner_rescans++;
		s->owners_rescanned = true;
		sk_procfs_cache_invalidate(e->owners);
	}
	sk_snapshot_unjoin(s);
	rc = sk_procfs_scan_cached(e->cfg.proc_root, e->owners, &s->procs, &s->fdrefs, &s->strs,
				   &s->procfs, err);
	if (rc == 0 && s->procfs.fd_denied)
		s->partial = true;
	if (rc == 0)
		rc = count_netns(s, true, err);
	if (rc == 0)
		rc = sk_snapshot_join(s, e->cfg.sockname, e->cfg.sockname_ctx, err);
	return rc;
}

/* Scans /proc through the owner cache and joins; when the result cannot be
 * trusted, scans every fd table again and joins again: the answer is always
 * the one a full scan gives.
 *
 * A busy server opens sockets all the time, and one opened between the
 * listing of its fd directory and the dump shows up owned by nobody. That
 * alone needs no full scan (450 ms at 100k sockets, against 80 ms for a
 * listing): listing the fd directories again reads the new fd numbers.
 * Only if the second pass still cannot be proven (a socket nobody owns may
 * also be a cached fd replaced in place whose old socket lives on in a
 * process we cannot read) is every fd table read. */
static int scan_and_join(struct sk_engine *e, struct sk_snapshot *s, struct sk_error *err)
{
	int rc = sk_snapshot_join(s, e->cfg.sockname, e->cfg.sockname_ctx, err);

	if (rc)
		return rc;
	s->owners_cached = s->procfs.cached;
	if (s->procfs.cached) {
		bool fds_hold = cached_fds_verified(e, s);

		if (fds_hold && !unowned_known(e, s)) {
			rc = rescan_and_join(e, s, false, err);
			if (rc)
				return rc;
			fds_hold = !s->procfs.cached ||
				   (cached_fds_verified(e, s) && unowned_known(e, s));
		}
		if (!fds_hold) {
			rc = rescan_and_join(e, s, true, err);
			if (rc)
				return rc;
		}
	}
	if (remember_unowned(e, s))
		return sk_error_set(err, ENOMEM, "out of memory");
	return 0;
}

int sk_engine_refresh(struct sk_engine *e, struct sk_error *err)
{
	unsigned into = e->cfg.double_buffer ? !e->shown : e->shown;
	struct refresh_buffer *b = &e->buf[into];
	struct sk_snapshot *s = &b->snap;
	struct timespec t0, t1;
	int rc;

	rc = check_cancel(e, err);
	if (rc)
		return rc;
	sk_snapshot_reset(s);
	s->findings = NULL;
	s->history = NULL;
	clock_gettime(CLOCK_REALTIME, &s->realtime);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	s->monotonic = t0;
	s->seq = ++e->seq;
	fill_identity(s);

	rc = scan_processes(e, s, err);
	if (rc)
		return rc;
	/* A vanished process is no loss: it has no sockets left. A hidden one is. */
	if (!s->root && !e->hidepid_checked) {
		e->hidepid = procfs_hides_processes(e->cfg.proc_root);
		e->hidepid_checked = true;
	}
	if (s->procfs.fd_denied || (!s->root && e->hidepid))
		s->partial = true;
	rc = sk_sysinfo_read(e->cfg.proc_root, &s->sys, err);
	if (rc)
		return rc;
	if (e->kmsg)
		sk_kmsg_poll(e->kmsg, &s->klog);
	/* Only a live engine may enter namespaces (fixtures have none). */
	if (e->live && (rc = sk_sysinfo_machine_limits(e->cfg.proc_root, &s->sys)) < 0)
		return sk_error_set(err, -rc, "could not return to sktop's own network namespace");
	rc = collect_netns(e, s, err);
	if (rc)
		return rc;

	if (e->live)
		e->live->seq = s->seq;
	for (size_t i = 0; i < s->netns.n && rc == 0; i++) {
		struct sk_netns *ns = &s->netns.v[i];

		if (!ns->own && (e->cfg.own_netns_only || (e->live && e->live->own_ns_fd < 0))) {
			ns->dump_error = -EPERM;
			s->partial = true;
			continue;
		}
		if (netns_gate(e, ns)) {
			ns->dumped = dumped_classes(e); /* judged as dumped, with no row */
			ns->skipped = true;
			continue;
		}
		rc = tcp_from_fds(e, s, ns);
		if (rc == 0)
			rc = dump_netns(e, s, ns);
	}
	if (rc)
		return sk_error_set(err, ECANCELED, "refresh cancelled");
	keep_fdtcp(e, s);
	if (e->live)
		live_drop_unused(e->live);

	rc = scan_and_join(e, s, err);
	if (rc == 0 && e->services)
		rc = sk_service_attach(e->services, s, err);
	if (rc == 0 && remember_quiet(e, s))
		rc = sk_error_set(err, ENOMEM, "out of memory");
	if (rc == 0)
		rc = name_netns(e, s, err);
	if (rc == 0)
		rc = check_cancel(e, err);
	if (rc)
		return rc;
	rc = fill_lifecycle(e, s, err);
	if (rc)
		return rc;
	rc = sk_persist_update(e->persist, s);
	if (rc == 0)
		rc = sk_history_record(&e->history, s);
	if (rc == 0)
		rc = sk_findings_evaluate(&b->findings, s, &e->history, &e->thresholds);
	/* The reader of the other buffer keeps its own history: the copy is the
	 * price of never locking (a few KiB per process with sockets). */
	if (rc == 0 && e->cfg.double_buffer)
		rc = sk_history_copy(&b->history, &e->history);
	if (rc)
		return sk_error_set(err, -rc, "out of memory evaluating findings");
	s->history = e->cfg.double_buffer ? &b->history : &e->history;
	s->findings = &b->findings;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s->duration_us = (uint32_t)((t1.tv_sec - t0.tv_sec) * 1000000 +
				    (t1.tv_nsec - t0.tv_nsec) / 1000);
	e->shown = into;
	return 0;
}

/* --- acting on sockets ------------------------------------------------------------ */

/* The pid whose namespace link leads into netns, from the latest snapshot
 * (0: the engine's own); -1 when no scanned process lives there any more. */
static int32_t netns_pid(const struct sk_engine *e, uint64_t netns)
{
	const struct sk_snapshot *s = sk_engine_snapshot(e);

	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].id == netns)
			return s->netns.v[i].own ? 0 : s->netns.v[i].rep_pid;
	return -1;
}

int sk_engine_destroy(struct sk_engine *e, const struct sk_socket *rows, size_t n,
		      struct sk_destroy_result *res, struct sk_error *err)
{
	int first = 0;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < n; i++) {
		const struct sk_socket *k = &rows[i];
		struct sk_error rerr;
		int32_t pid = netns_pid(e, k->netns);
		int rc;

		sk_error_clear(&rerr);
		if (!e->cfg.diag->destroy)
			rc = sk_error_set(&rerr, EOPNOTSUPP, "this engine cannot destroy sockets");
		else if ((k->flags & SK_SOCK_UNDUMPED) || k->proto == SK_PROTO_UNIX)
			rc = sk_error_set(&rerr, EINVAL, "only TCP and UDP sockets in the kernel's "
							 "tables can be destroyed");
		else if (pid < 0)
			rc = -ENOENT; /* its namespace is gone, and the socket with it */
		else
			rc = e->cfg.diag->destroy(e->cfg.diag->ctx, k->netns, pid, k, &rerr);
		if (rc == 0) {
			res->destroyed++;
			continue;
		}
		if (rc == -ENOENT) {
			res->gone++;
			continue;
		}
		res->refused++;
		if (!first) {
			first = rc;
			*err = rerr;
		}
		if (rc == -EPERM || rc == -EOPNOTSUPP) {
			res->refused += (uint32_t)(n - i - 1);
			break;
		}
	}
	return first;
}
