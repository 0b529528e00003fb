#include <config.h>

#include "check.h"

#include "batch.h"
#include "engine.h"
#include "options.h"
#include "util/strbuf.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>

static const char *const status_names[] = {
	[SK_CHECK_OK] = "OK",
	[SK_CHECK_WARNING] = "WARNING",
	[SK_CHECK_CRITICAL] = "CRITICAL",
	[SK_CHECK_UNKNOWN] = "UNKNOWN",
};

/* How many findings the line names before "and N more": a monitoring
 * console shows the first line of a plugin's output, often cut at 80-256
 * characters; the rest is in `sktop -b`. */
#define CHECK_NAMED 3

/* Whether "no finding" would be a guess: without root most fd tables and
 * every other namespace are hidden, and a namespace whose dump failed
 * hides its sockets. One process refusing its fd table to root (a
 * hardened init) is a note on an OK line, not a reason to page anyone. */
static bool blind(const struct sk_snapshot *s)
{
	if (!s->root)
		return true;
	for (size_t i = 0; i < s->netns.n; i++)
		if (s->netns.v[i].dump_error)
			return true;
	return false;
}

enum sk_check_status sk_check_status(const struct sk_snapshot *s, const struct sk_findings *f)
{
	if (!s || !f)
		return SK_CHECK_UNKNOWN;
	if (f->by_severity[SK_SEV_CRITICAL])
		return SK_CHECK_CRITICAL;
	if (f->by_severity[SK_SEV_WARNING])
		return SK_CHECK_WARNING;
	return blind(s) ? SK_CHECK_UNKNOWN : SK_CHECK_OK;
}

/* Nagios perfdata: 'label'=value;warn;crit;min;max. Labels are fixed
 * words, values counts from the snapshot's totals. */
static void perfdata(struct sk_strbuf *o, const struct sk_snapshot *s)
{
	const struct sk_totals *t = &s->totals;
	uint32_t closed = 0;

	for (int i = 0; i < SK_SN_LAST; i++)
		closed += t->closed[i];
	sk_strbuf_printf(o,
			 " | sockets=%" PRIu32 ";;;0 close_wait=%" PRIu32 ";;;0 closed=%" PRIu32
			 ";;;0 orphans=%" PRIu32 ";;;0 time_wait=%" PRIu32 ";;;0 rmem=%" PRIu64 "B;;;0",
			 t->sockets, t->tcp_states[SK_TCP_CLOSE_WAIT], closed, t->orphans,
			 t->tcp_states[SK_TCP_TIME_WAIT], t->rmem);
}

static void summary(struct sk_strbuf *o, const struct sk_findings *f)
{
	size_t shown = 0;

	sk_strbuf_printf(o, "%" PRIu32 " critical, %" PRIu32 " warning",
			 f->by_severity[SK_SEV_CRITICAL], f->by_severity[SK_SEV_WARNING]);
	for (size_t i = 0; i < f->list.n && shown < CHECK_NAMED; i++) {
		const struct sk_finding *x = &f->list.v[i];

		if (x->severity < SK_SEV_WARNING)
			continue;
		char title[SK_FINDING_TEXT];

		/* '|' starts the performance data: a process name must not. */
		for (size_t c = 0; (title[c] = x->title[c] == '|' ? '/' : x->title[c]); c++)
			;
		sk_strbuf_printf(o, "%s %s: %s", shown ? ";" : ":", sk_finding_kind_names[x->kind], title);
		shown++;
	}
	size_t serious = f->by_severity[SK_SEV_CRITICAL] + f->by_severity[SK_SEV_WARNING];
	if (serious > shown)
		sk_strbuf_printf(o, "; and %zu more", serious - shown);
}

enum sk_check_status sk_check_format(const struct sk_snapshot *s, const struct sk_findings *f,
				     const char *error, char *buf, size_t size)
{
	enum sk_check_status st = s ? sk_check_status(s, f) : SK_CHECK_UNKNOWN;
	struct sk_strbuf o;

	sk_strbuf_init(&o, buf, size);
	sk_strbuf_printf(&o, "SKTOP %s - ", status_names[st]);
	if (!s || !f) {
		sk_strbuf_printf(&o, "%s", error && *error ? error : "no snapshot");
		return st;
	}
	if (st == SK_CHECK_OK) {
		sk_strbuf_printf(&o, "no socket leak found in %" PRIu32 " sockets", s->totals.sockets);
		if (s->procfs.fd_denied)
			sk_strbuf_printf(&o, " (%" PRIu32 " fd tables unreadable)", s->procfs.fd_denied);
	} else if (st == SK_CHECK_UNKNOWN) {
		sk_strbuf_printf(&o, "no finding, but %s",
				 s->root ? "a network namespace could not be dumped"
					 : "not root: other users' fd tables and other namespaces are hidden");
	}
	else
		summary(&o, f);
	perfdata(&o, s);
	return st;
}

int sk_check_run(const struct sk_options *o, FILE *out)
{
	struct sk_engine_config cfg = sk_batch_engine_config(o);
	struct sk_error err = {0};
	struct sk_engine *e = NULL;
	long refreshes = o->count > 0 ? o->count : 1;
	enum sk_check_status st;
	char line[1024];
	int rc;

	rc = sk_engine_new(&cfg, &e, &err);

	for (long i = 0; rc == 0 && i < refreshes; i++) {
		if (i > 0)
			sk_batch_sleep(o->interval);
		rc = sk_engine_refresh(e, &err);
	}
	if (rc == 0) {
		const struct sk_snapshot *s = sk_engine_snapshot(e);

		st = sk_check_format(s, s->findings, NULL, line, sizeof(line));
	} else {
		st = sk_check_format(NULL, NULL, err.msg[0] ? err.msg : "refresh failed", line,
				     sizeof(line));
	}
	sk_engine_free(e);
	fprintf(out, "%s\n", line);
	return fflush(out) == 0 ? (int)st : SK_CHECK_UNKNOWN;
}
