#include <config.h>

#include "refresher.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum job {
	JOB_IDLE,    /* nothing asked (0: a calloc'ed slot) */
	JOB_ASKED,   /* the loop asked; the worker has not started it */
	JOB_RUNNING,
	JOB_DONE,    /* result waiting for the loop */
};

/* One kind of work the loop hands the worker, and its outcome. */
struct slot {
	enum job state;
	int rc;
	struct sk_error err;
};

struct sk_refresher {
	struct sk_engine *engine;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;     /* the worker: a job or stop */
	pthread_cond_t finished; /* sk_refresher_wait: a result */
	struct slot refresh;
	bool stopping;
	/* A destroy: its own job, taken before a refresh. */
	struct slot destroy;
	struct sk_socket *drows;
	size_t nrows;
	struct sk_destroy_result dres;
	sk_refresher_then_fn then; /* after each refresh that succeeded */
	void *then_ctx;
};

/* The slot and the lock are the caller's: idle becomes asked. */
static bool ask(struct sk_refresher *r, struct slot *j)
{
	if (j->state != JOB_IDLE)
		return false;
	j->state = JOB_ASKED;
	pthread_cond_signal(&r->wake);
	return true;
}

/* The worker's outcome, with the lock held again. */
static void finish(struct slot *j, int rc, const struct sk_error *err)
{
	j->rc = rc;
	j->err = *err;
	j->state = JOB_DONE;
}

/* The outcome for the loop, once (lock held): false until it is done. */
static bool take(struct slot *j, int *rc, struct sk_error *err)
{
	if (j->state != JOB_DONE)
		return false;
	*rc = j->rc;
	*err = j->err;
	j->state = JOB_IDLE;
	return true;
}

/* Called and returns with the lock held. */
static void run_destroy(struct sk_refresher *r)
{
	struct sk_destroy_result res;
	struct sk_error err;
	int rc;

	r->destroy.state = JOB_RUNNING;
	pthread_mutex_unlock(&r->lock);
	sk_error_clear(&err);
	rc = sk_engine_destroy(r->engine, r->drows, r->nrows, &res, &err);
	pthread_mutex_lock(&r->lock);
	free(r->drows);
	r->drows = NULL;
	r->dres = res;
	finish(&r->destroy, rc, &err);
}

static void *worker(void *arg)
{
	struct sk_refresher *r = arg;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		while (r->refresh.state != JOB_ASKED && r->destroy.state != JOB_ASKED &&
		       !r->stopping)
			pthread_cond_wait(&r->wake, &r->lock);
		if (r->stopping)
			break;
		if (r->destroy.state == JOB_ASKED) {
			run_destroy(r);
			continue;
		}
		r->refresh.state = JOB_RUNNING;
		pthread_mutex_unlock(&r->lock);

		struct sk_error err;
		int rc;

		sk_error_clear(&err);
		rc = sk_engine_refresh(r->engine, &err);
		if (rc == 0 && r->then)
			r->then(r->then_ctx);

		pthread_mutex_lock(&r->lock);
		finish(&r->refresh, rc, &err);
		pthread_cond_broadcast(&r->finished);
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

int sk_refresher_start(struct sk_engine *e, struct sk_refresher **out, struct sk_error *err)
{
	struct sk_refresher *r = calloc(1, sizeof(*r));
	pthread_condattr_t attr;
	sigset_t all, old;
	int rc;

	*out = NULL;
	if (!r)
		return sk_error_set(err, ENOMEM, "out of memory");
	r->engine = e; /* calloc: both slots JOB_IDLE */
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->wake, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&r->finished, &attr);
	pthread_condattr_destroy(&attr);
	/* Signals are the loop's: Ctrl-C, SIGTERM and SIGWINCH must reach the
	 * thread that handles them, never the worker. It inherits this mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&r->thread, NULL, worker, r);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&r->finished);
		pthread_cond_destroy(&r->wake);
		pthread_mutex_destroy(&r->lock);
		free(r);
		return sk_error_set(err, rc, "cannot start the refresh thread: %s", strerror(rc));
	}
	*out = r;
	return 0;
}

void sk_refresher_then(struct sk_refresher *r, sk_refresher_then_fn fn, void *ctx)
{
	/* Under the lock: the worker reads them after taking it for a job. */
	pthread_mutex_lock(&r->lock);
	r->then = fn;
	r->then_ctx = ctx;
	pthread_mutex_unlock(&r->lock);
}

bool sk_refresher_request(struct sk_refresher *r)
{
	bool asked = false;

	pthread_mutex_lock(&r->lock);
	asked = ask(r, &r->refresh);
	pthread_mutex_unlock(&r->lock);
	return asked;
}

bool sk_refresher_destroy(struct sk_refresher *r, const struct sk_socket *rows, size_t n)
{
	struct sk_socket *copy = malloc((n ? n : 1) * sizeof(*rows));
	bool asked = false;

	if (!copy)
		return false;
	if (n)
		memcpy(copy, rows, n * sizeof(*rows));
	pthread_mutex_lock(&r->lock);
	asked = ask(r, &r->destroy);
	if (asked) {
		r->drows = copy;
		r->nrows = n;
	}
	pthread_mutex_unlock(&r->lock);
	if (!asked)
		free(copy);
	return asked;
}

bool sk_refresher_destroyed(struct sk_refresher *r, int *rc, struct sk_destroy_result *res,
			    struct sk_error *err)
{
	bool done;

	pthread_mutex_lock(&r->lock);
	done = take(&r->destroy, rc, err);
	if (done)
		*res = r->dres;
	pthread_mutex_unlock(&r->lock);
	return done;
}

bool sk_refresher_busy(struct sk_refresher *r)
{
	bool busy;

	pthread_mutex_lock(&r->lock);
	busy = r->refresh.state != JOB_IDLE;
	pthread_mutex_unlock(&r->lock);
	return busy;
}

bool sk_refresher_collect(struct sk_refresher *r, int *rc, struct sk_error *err)
{
	bool done;

	pthread_mutex_lock(&r->lock);
	done = take(&r->refresh, rc, err);
	pthread_mutex_unlock(&r->lock);
	return done;
}

bool sk_refresher_wait(struct sk_refresher *r, unsigned timeout_ms)
{
	struct timespec until;
	bool done;

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&r->lock);
	while (r->refresh.state != JOB_DONE && r->refresh.state != JOB_IDLE) {
		if (pthread_cond_timedwait(&r->finished, &r->lock, &until) == ETIMEDOUT)
			break;
	}
	done = r->refresh.state == JOB_DONE;
	pthread_mutex_unlock(&r->lock);
	return done;
}

void sk_refresher_stop(struct sk_refresher *r)
{
	if (!r)
		return;
	/* Quitting must not wait out a dump of a million sockets. */
	sk_engine_cancel(r->engine);
	pthread_mutex_lock(&r->lock);
	r->stopping = true;
	pthread_cond_signal(&r->wake);
	pthread_mutex_unlock(&r->lock);
	pthread_join(r->thread, NULL);
	free(r->drows); /* a destroy asked for and never run */
	pthread_cond_destroy(&r->finished);
	pthread_cond_destroy(&r->wake);
	pthread_mutex_destroy(&r->lock);
	free(r);
}
