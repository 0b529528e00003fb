#include <config.h>

#include "exporter.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "engine.h"
#include "export/metrics.h"
#include "export/textfile.h"

/* Bounds that keep a hostile or broken client from costing more than a
 * little memory: every connection times out, and a request that does not
 * fit in the per-connection memory is answered 431/413 by the library. */
#define MAX_CONNECTIONS 512
#define CONNECTION_TIMEOUT_S 10
#define CONNECTION_MEMORY 16384
#define HTTP_THREADS 2

/* One refresh's metrics in both formats: immutable once published, freed
 * by whoever drops the last reference (the loop, or the last response). */
struct rendered {
	atomic_uint refs;
	struct sk_metrics_buf text[2]; /* by enum sk_metrics_format */
};

struct exporter {
	pthread_mutex_t lock;      /* guards cur only: held for a pointer swap or a ref */
	struct rendered *cur;
	struct sk_engine *engine;
	const struct sk_options *opts;
	uint64_t refreshes, refresh_errors;
};

static void rendered_unref(struct rendered *r)
{
	if (!r || atomic_fetch_sub(&r->refs, 1) != 1)
		return;
	sk_metrics_buf_free(&r->text[0]);
	sk_metrics_buf_free(&r->text[1]);
	free(r);
}

static struct rendered *take_current(struct exporter *x)
{
	struct rendered *r;

	pthread_mutex_lock(&x->lock);
	r = x->cur;
	if (r)
		atomic_fetch_add(&r->refs, 1);
	pthread_mutex_unlock(&x->lock);
	return r;
}

static void publish(struct exporter *x, struct rendered *r)
{
	struct rendered *old;

	pthread_mutex_lock(&x->lock);
	old = x->cur;
	x->cur = r;
	pthread_mutex_unlock(&x->lock);
	rendered_unref(old);
}

static struct sk_metrics_opts metrics_opts(const struct sk_options *o, enum sk_metrics_format f,
					   uint64_t refreshes, uint64_t errors)
{
	struct sk_metrics_opts m = {
		.format = f,
		.max_groups = (uint32_t)o->max_groups,
		.per_process = o->per_process,
		.version = PACKAGE_VERSION,
		.refreshes = refreshes,
		.refresh_errors = errors,
	};
	return m;
}

static int render_both(struct exporter *x, struct rendered **out)
{
	const struct sk_snapshot *s = sk_engine_snapshot(x->engine);
	struct rendered *r = calloc(1, sizeof(*r));
	int rc = 0;

	if (!r)
		return -ENOMEM;
	atomic_init(&r->refs, 1);
	for (int f = SK_METRICS_PROMETHEUS; f <= SK_METRICS_OPENMETRICS && rc == 0; f++) {
		struct sk_metrics_opts m = metrics_opts(x->opts, (enum sk_metrics_format)f,
							 x->refreshes, x->refresh_errors);

		rc = sk_metrics_render(&r->text[f], s, &m);
	}
	if (rc) {
		rendered_unref(r);
		return rc;
	}
	*out = r;
	return 0;
}

/* --- HTTP ------------------------------------------------------------------------ */

static void response_done(void *cls)
{
	rendered_unref(cls);
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, "Allow", "GET, HEAD");
	ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* OpenMetrics only when the scraper names it; everything else (no Accept,
 * text/plain, a browser) gets the text format every Prometheus reads. */
static enum sk_metrics_format negotiate(struct MHD_Connection *c)
{
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

	return accept && strstr(accept, "application/openmetrics-text") ? SK_METRICS_OPENMETRICS
									  : SK_METRICS_PROMETHEUS;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **req_cls)
{
	struct exporter *x = cls;
	struct rendered *r;
	struct MHD_Response *resp;
	enum sk_metrics_format f;
	enum MHD_Result ret;

	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "only GET and HEAD\n");
	if (strcmp(url, "/metrics") != 0)
		return reply_text(c, MHD_HTTP_NOT_FOUND, "sktop serves /metrics only\n");
	r = take_current(x);
	if (!r)
		return reply_text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet\n");
	f = negotiate(c);
	resp = MHD_create_response_from_buffer_with_free_callback_cls(r->text[f].len, r->text[f].data,
								       response_done, r);
	if (!resp) {
		rendered_unref(r);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", sk_metrics_content_type(f));
	ret = MHD_queue_response(c, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* Bound before privileges are dropped, so a port below 1024 works. */
static int listen_socket(const struct sk_options *o, struct sk_error *err)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, fd;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, o->exporter_addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		ss.ss_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons(o->exporter_port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, o->exporter_addr,
			     &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		ss.ss_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(o->exporter_port);
		len = sizeof(struct sockaddr_in6);
	} else {
		return sk_error_set(err, EINVAL, "--exporter: bad address %s", o->exporter_addr);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return sk_error_set(err, errno, "--exporter: socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		return sk_error_set(err, e, "--exporter: cannot listen on %s port %u: %s",
				    o->exporter_addr, o->exporter_port, strerror(e));
	}
	return fd;
}

/* No MHD_USE_ERROR_LOG: it writes a line per malformed or abandoned
 * request, so any client could flood the journal. */
static struct MHD_Daemon *start_http(struct exporter *x, int fd)
{
	return MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL,
				0, NULL, NULL, handle, x,
				MHD_OPTION_LISTEN_SOCKET, fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)HTTP_THREADS,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)MAX_CONNECTIONS,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONNECTION_TIMEOUT_S,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_MEMORY,
				MHD_OPTION_END);
}

/* --- privileges ------------------------------------------------------------------ */

/* What a refresh needs once the netlink and listening sockets are open:
 * SYS_PTRACE and DAC_READ_SEARCH to list and read other users' /proc/PID/fd
 * and ns links, SYS_ADMIN for setns into a namespace that appears later,
 * NET_ADMIN for the large sock_diag receive buffer (SO_RCVBUFFORCE). */
static const cap_value_t kept_caps[] = {CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH, CAP_SYS_ADMIN,
					CAP_NET_ADMIN};

static bool is_kept(cap_value_t c)
{
	for (size_t i = 0; i < sizeof(kept_caps) / sizeof(kept_caps[0]); i++)
		if (kept_caps[i] == c)
			return true;
	return false;
}

/* As root: become nobody with only kept_caps, nothing else in the bounding
 * set, and no way back (no_new_privs). Before any thread starts: capability
 * sets are per thread, and the HTTP threads must inherit the small one. */
static int drop_privileges(struct sk_error *err)
{
	struct passwd *pw = getpwnam("nobody");
	uid_t uid = pw ? pw->pw_uid : 65534;
	gid_t gid = pw ? pw->pw_gid : 65534;
	cap_t caps;
	int n = (int)(sizeof(kept_caps) / sizeof(kept_caps[0]));

	if (geteuid() != 0)
		return 0;
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!is_kept(c) && cap_drop_bound(c) < 0 && errno != EINVAL)
			return sk_error_set(err, errno, "cannot drop capability %d: %s", (int)c,
					    strerror(errno));
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
	    setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return sk_error_set(err, errno, "cannot switch to user nobody: %s", strerror(errno));
	caps = cap_init();
	if (!caps || cap_set_flag(caps, CAP_PERMITTED, n, kept_caps, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, n, kept_caps, CAP_SET) < 0 || cap_set_proc(caps) < 0) {
		int e = errno;

		cap_free(caps);
		return sk_error_set(err, e, "cannot keep the needed capabilities: %s", strerror(e));
	}
	cap_free(caps);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return sk_error_set(err, errno, "prctl: %s", strerror(errno));
	return 0;
}

/* --- the refresh loop ------------------------------------------------------------ */

static struct sk_engine_config engine_config(const struct sk_options *o)
{
	struct sk_engine_config cfg = {
		.proc_root = o->proc_root,
		.host_root = o->host_root,
		.want_unix = !o->no_unix,
		.want_meminfo = true,
		.want_tcpinfo = true, /* the findings' recv-stuck and zero-window rules read it */
		.kmsg_path = o->kmsg_path,
		.thresholds = &o->thresholds,
		.no_bpf = o->no_bpf,
	};
	return cfg;
}

static void refresh_once(struct exporter *x)
{
	struct sk_error err = {0};
	struct rendered *r = NULL;
	int rc = sk_engine_refresh(x->engine, &err);

	/* A failed refresh leaves the last good metrics served: their
	 * timestamp stops moving (the stale alert), and the error count shows
	 * with the next good one. */
	if (rc == -ECANCELED)
		return; /* stopping */
	if (rc) {
		x->refresh_errors++;
		fprintf(stderr, "sktop: refresh failed: %s\n", err.msg);
		return;
	}
	x->refreshes++;
	rc = render_both(x, &r);
	if (rc) {
		x->refresh_errors++;
		fprintf(stderr, "sktop: cannot render the metrics: %s\n", strerror(-rc));
		return;
	}
	publish(x, r);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Stopping: SIGINT and SIGTERM are blocked in every thread and taken by one
 * thread that cancels the refresh under way (a dump at a million sockets
 * takes seconds) and wakes the loop through a pipe. No handler, no global. */
struct stopper {
	sigset_t set;
	int pipe[2];
	struct sk_engine *engine;
	pthread_t thread;
	bool running;
};

static void *stop_thread(void *arg)
{
	struct stopper *st = arg;
	int sig;

	if (sigwait(&st->set, &sig) == 0) {
		sk_engine_cancel(st->engine);
		while (write(st->pipe[1], "x", 1) < 0 && errno == EINTR)
			;
	}
	return NULL;
}

/* Blocks the stop signals in the calling thread, and so in every thread
 * it starts afterwards. */
static void block_stop_signals(struct stopper *st)
{
	sigemptyset(&st->set);
	sigaddset(&st->set, SIGINT);
	sigaddset(&st->set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &st->set, NULL);
	signal(SIGPIPE, SIG_IGN);
	st->pipe[0] = st->pipe[1] = -1;
}

static int stopper_start(struct stopper *st, struct sk_engine *e, struct sk_error *err)
{
	int rc;

	st->engine = e;
	if (pipe2(st->pipe, O_CLOEXEC) < 0)
		return sk_error_set(err, errno, "pipe: %s", strerror(errno));
	rc = pthread_create(&st->thread, NULL, stop_thread, st);
	if (rc)
		return sk_error_set(err, rc, "cannot start a thread: %s", strerror(rc));
	st->running = true;
	return 0;
}

static void stopper_end(struct stopper *st)
{
	if (st->running) {
		/* A signal aimed at the thread ends its sigwait if none came. */
		pthread_kill(st->thread, SIGTERM);
		pthread_join(st->thread, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (st->pipe[i] >= 0)
			close(st->pipe[i]);
}

/* Sleeps until `until` (monotonic seconds); true once a stop signal came. */
static bool wait_or_stop(struct stopper *st, double until)
{
	for (;;) {
		double left = until - now_s();
		struct pollfd p = {.fd = st->pipe[0], .events = POLLIN};
		int n = poll(&p, 1, left > 0 ? (int)(left * 1000) + 1 : 0);

		if (n > 0)
			return true;
		if (n == 0 && left <= 0)
			return false;
	}
}

int sk_exporter_run(const struct sk_options *o, struct sk_error *err)
{
	struct sk_engine_config cfg = engine_config(o);
	struct exporter x = {.opts = o};
	struct MHD_Daemon *d;
	struct stopper st = {0};
	int fd, rc;

	block_stop_signals(&st);
	rc = sk_engine_new(&cfg, &x.engine, err);
	if (rc)
		return rc;
	sk_batch_owner_note(x.engine);
	pthread_mutex_init(&x.lock, NULL);
	fd = listen_socket(o, err);
	rc = fd < 0 ? fd : drop_privileges(err);
	/* Every thread starts after the drop: capabilities are per thread. */
	if (rc == 0)
		rc = stopper_start(&st, x.engine, err);
	if (rc < 0)
		goto out;
	refresh_once(&x);
	d = start_http(&x, fd);
	if (!d) {
		rc = sk_error_set(err, EIO, "--exporter: cannot start the HTTP server");
		goto out;
	}
	fd = -1; /* the daemon's now */
	fprintf(stderr, "sktop: serving http://%s%s%s:%u/metrics, refreshing every %g s\n",
		strchr(o->exporter_addr, ':') ? "[" : "", o->exporter_addr,
		strchr(o->exporter_addr, ':') ? "]" : "", o->exporter_port, o->interval);
	for (double next = now_s() + o->interval;; next += o->interval) {
		if (wait_or_stop(&st, next))
			break;
		/* A refresh longer than the interval starts the next at once,
		 * without a burst of catch-up refreshes. */
		if (next < now_s() - o->interval)
			next = now_s();
		refresh_once(&x);
	}
	MHD_stop_daemon(d);
	rc = 0;
out:
	stopper_end(&st);
	if (fd >= 0)
		close(fd);
	rendered_unref(x.cur);
	sk_engine_free(x.engine);
	pthread_mutex_destroy(&x.lock);
	return rc;
}

int sk_textfile_run(const struct sk_options *o, struct sk_error *err)
{
	struct sk_engine_config cfg = engine_config(o);
	struct sk_engine *e;
	uint64_t refreshes = 0;
	struct stopper st = {0};
	int rc;

	block_stop_signals(&st);
	rc = sk_engine_new(&cfg, &e, err);
	if (rc)
		return rc;
	sk_batch_owner_note(e);
	rc = stopper_start(&st, e, err);
	for (long i = 0; rc == 0 && (o->count == 0 || i < o->count); i++) {
		double t0 = now_s();
		struct sk_metrics_buf b = {0};
		struct sk_metrics_opts m;

		rc = sk_engine_refresh(e, err);
		if (rc == -ECANCELED)
			rc = 0; /* stopped by a signal: not a failure */
		if (rc || wait_or_stop(&st, 0))
			break;
		/* A failure ends the run, so the file never counts one. */
		m = metrics_opts(o, SK_METRICS_PROMETHEUS, ++refreshes, 0);
		rc = sk_metrics_render(&b, sk_engine_snapshot(e), &m);
		if (rc)
			sk_error_set(err, -rc, "cannot render the metrics: %s", strerror(-rc));
		else
			rc = sk_textfile_write(o->textfile, b.data, b.len, err);
		sk_metrics_buf_free(&b);
		if (rc)
			break;
		if ((o->count == 0 || i + 1 < o->count) && wait_or_stop(&st, t0 + o->interval))
			break;
	}
	stopper_end(&st);
	sk_engine_free(e);
	return rc;
}
