/* The shown entry's history, rebuilt from the entries before it: each one
 * recorded into a fresh sk_history as the engine recorded its refreshes,
 * from the first entry within the history window. Only what the recording
 * reads (processes with sockets, system figures, namespaces' dump errors)
 * is kept of each, and only for the entries in the window, so stepping
 * back and forth reloads little and memory stays bounded by the window. */
#include <config.h>

#include "store/replaylog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* What sk_history_record reads of s, in a snapshot of its own. */
static struct sk_snapshot *sample_of(const struct sk_snapshot *s)
{
	struct sk_snapshot *m = malloc(sizeof(*m));
	size_t np = 0;

	if (!m)
		return NULL;
	sk_snapshot_init(m);
	m->realtime = s->realtime;
	m->monotonic = s->monotonic;
	m->seq = s->seq;
	m->sys = s->sys;
	m->totals = s->totals;
	m->procs_sorted = true;
	for (size_t i = 0; i < s->procs.n; i++)
		np += s->procs.v[i].agg.sockets || s->procs.v[i].agg.orphans;
	if (sk_vec_reserve((void **)&m->procs.v, &m->procs.cap, np, sizeof(*m->procs.v)) ||
	    sk_vec_reserve((void **)&m->netns.v, &m->netns.cap, s->netns.n, sizeof(*m->netns.v))) {
		sk_snapshot_free(m);
		free(m);
		return NULL;
	}
	for (size_t i = 0; i < s->procs.n; i++)
		if (s->procs.v[i].agg.sockets || s->procs.v[i].agg.orphans)
			m->procs.v[m->procs.n++] = s->procs.v[i];
	if (s->netns.n)
		memcpy(m->netns.v, s->netns.v, s->netns.n * sizeof(*s->netns.v));
	m->netns.n = s->netns.n;
	return m;
}

void sk_replaylog_samples_free(struct sk_replaylog *log)
{
	for (size_t i = 0; log->samples && i < log->entries.n; i++)
		if (log->samples[i]) {
			sk_snapshot_free(log->samples[i]);
			free(log->samples[i]);
			log->samples[i] = NULL;
		}
}

/* The time the history orders samples by. A file without history rings
 * has no monotonic time: its wall clock stands in. */
static uint64_t sample_ms(const struct sk_snapshot *s)
{
	const struct timespec *ts = s->monotonic.tv_sec || s->monotonic.tv_nsec ? &s->monotonic
										 : &s->realtime;

	return (uint64_t)ts->tv_sec * 1000 + (uint64_t)ts->tv_nsec / 1000000;
}

/* The first entry of the shown one's window, by the times in the index.
 * A time going back (two runs' logs one after the other, a clock set
 * back) ends it: what lies before belongs to another stretch of time. */
static size_t window_start(const struct sk_replaylog *log, uint64_t window_ms)
{
	const struct sk_replaylog_entry *e = log->entries.v;
	int64_t window_s = (int64_t)((window_ms + 999) / 1000);
	size_t lo = log->pos;

	while (lo > 0 && e[lo - 1].time <= e[lo].time &&
	       e[log->pos].time - e[lo - 1].time <= window_s)
		lo--;
	return lo;
}

/* Loads samples for the entries lo..pos-1 that lack them. An unreadable
 * one is dropped: returns 1 so the caller finds the window again. */
static int load_samples(struct sk_replaylog *log, size_t lo, struct sk_error *err)
{
	struct sk_replay *r = NULL;
	int rc = 0;

	for (size_t j = lo; j < log->pos && rc == 0; j++) {
		if (log->samples[j])
			continue;
		if (!r && !(r = calloc(1, sizeof(*r))))
			return sk_error_set(err, ENOMEM, "out of memory");
		rc = sk_replaylog_load_entry(log, j, r, err);
		if (rc == 0) {
			log->samples[j] = sample_of(&r->snap);
			sk_replay_free(r);
			if (!log->samples[j])
				rc = sk_error_set(err, ENOMEM, "out of memory");
		} else if (rc != -ENOMEM) {
			sk_replaylog_drop(log, j);
			rc = 1;
		}
	}
	free(r);
	return rc;
}

/* Records lo..pos into log->hist; a new sktop run (its clock or its
 * refresh count going back) starts a new history, as a new engine would. */
static int feed(struct sk_replaylog *log, size_t lo, uint64_t window_ms)
{
	const struct sk_snapshot *prev = NULL;
	int rc = 0;

	sk_history_free(&log->hist);
	sk_history_init(&log->hist, window_ms);
	for (size_t j = lo; j <= log->pos && rc == 0; j++) {
		const struct sk_snapshot *s = log->samples[j];

		if (prev && (sample_ms(s) < sample_ms(prev) || s->seq <= prev->seq)) {
			sk_history_free(&log->hist);
			sk_history_init(&log->hist, window_ms);
		}
		rc = sk_history_record(&log->hist, s);
		prev = s;
	}
	return rc;
}

int sk_replaylog_rebuild_history(struct sk_replaylog *log, struct sk_error *err)
{
	uint64_t window_ms = log->cur.history.window_ms ? log->cur.history.window_ms
							: SK_HISTORY_WINDOW_MS_DEFAULT;
	size_t lo;
	int rc;

	if (!log->samples[log->pos] && !(log->samples[log->pos] = sample_of(&log->cur.snap)))
		return sk_error_set(err, ENOMEM, "out of memory");
	do {
		lo = window_start(log, window_ms);
		rc = load_samples(log, lo, err);
	} while (rc == 1);
	if (rc)
		return rc;
	for (size_t j = 0; j < log->entries.n; j++)
		if ((j < lo || j > log->pos) && log->samples[j]) {
			sk_snapshot_free(log->samples[j]);
			free(log->samples[j]);
			log->samples[j] = NULL;
		}
	if (feed(log, lo, window_ms) || sk_history_copy(&log->cur.history, &log->hist))
		return sk_error_set(err, ENOMEM, "out of memory rebuilding the history");
	return 0;
}
