#include <config.h>

#include "export/metrics.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyse/findings.h"
#include "analyse/history.h"
#include "model/procsort.h"
#include "model/services.h"
#include "util/escape.h"

#define LABEL_BUF (2 * SK_METRICS_LABEL_MAX + 1)
#define OTHER "other"

/* Lowercase like node_exporter's tcpstat; index 0 (UNKNOWN) is never shown. */
static const char *const state_label[SK_TCP_STATE_LAST] = {
	NULL, "established", "syn_sent", "syn_recv", "fin_wait1", "fin_wait2",
	"time_wait", "close", "close_wait", "last_ack", "listen", "closing",
	"new_syn_recv", "bound_inactive",
};

/* The resource names, not the JSON keys (sk_exhaust_names). */
static const char *const exhaust_label[SK_EX_LAST] = {"orphans", "tcp_mem", "time_wait", "files"};

/* One group's (or, with --per-process, one process's) figures. */
struct entry {
	char label[LABEL_BUF];  /* escaped group */
	int32_t pid;            /* 0 in a group entry, -1 in a process "other" */
	uint8_t sev;            /* 0 none, else 1 + the worst finding's severity */
	uint64_t leak;          /* close_wait + closed + orphans: the cap's ranking */
	uint32_t tcp[SK_TCP_STATE_LAST];
	uint64_t closed, fds, orphans, recvq, sendq;
	double fd_ratio;        /* max fds/limit, < 0 when no limit is known */
};

const char *sk_metrics_content_type(enum sk_metrics_format f)
{
	return f == SK_METRICS_OPENMETRICS ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
					   : "text/plain; version=0.0.4; charset=utf-8";
}

void sk_metrics_buf_free(struct sk_metrics_buf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

void sk_metrics_group_of(const struct sk_snapshot *s, const struct sk_process *p, char *buf,
			 size_t size)
{
	if (!sk_service_group(s, sk_snapshot_service(s, p->service), buf, size))
		snprintf(buf, size, "%s", p->comm);
}

__attribute__((format(printf, 2, 3)))
static void put(struct sk_metrics_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->data ? b->data + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = b->cap ? b->cap * 2 : 16384;

		while (cap - b->len <= (size_t)n)
			cap *= 2;
		char *d = realloc(b->data, cap);

		if (!d) {
			b->oom = true;
			return;
		}
		b->data = d;
		b->cap = cap;
	}
}

size_t sk_metrics_label_escape(const char *in, char *out, size_t outsize)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t len = strlen(in), i = 0, o = 0;

	if (outsize == 0)
		return 0;
	if (len > SK_METRICS_LABEL_MAX)
		len = SK_METRICS_LABEL_MAX; /* the decoder below never reads a cut sequence */
	while (i < len) {
		uint32_t cp;
		size_t n = sk_utf8_decode(s + i, len - i, &cp);

		if (n == 0) { /* invalid or cut: dropped */
			i++;
			continue;
		}
		if (!sk_unsafe_codepoint(cp)) {
			const char *esc = cp == '\\' ? "\\\\" : cp == '"' ? "\\\"" : NULL;
			size_t need = esc ? 2 : n;

			if (o + need >= outsize)
				break;
			memcpy(out + o, esc ? esc : (const char *)s + i, need);
			o += need;
		}
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* HELP and TYPE; OpenMetrics names a counter's family without "_total",
 * an info family without "_info", and gives the unit of one that has it. */
static void family(struct sk_metrics_buf *b, const struct sk_metrics_opts *o, const char *name,
		   const char *type, const char *help)
{
	char fam[128];
	size_t n = strlen(name);
	bool om = o->format == SK_METRICS_OPENMETRICS;

	snprintf(fam, sizeof(fam), "%s", name);
	if (om && strcmp(type, "counter") == 0 && n > 6 && strcmp(name + n - 6, "_total") == 0)
		fam[n - 6] = '\0';
	if (om && strcmp(type, "info") == 0 && n > 5 && strcmp(name + n - 5, "_info") == 0)
		fam[n - 5] = '\0';
	if (!om && strcmp(type, "info") == 0)
		type = "gauge";
	put(b, "# HELP %s %s\n# TYPE %s %s\n", fam, help, fam, type);
	if (om) {
		n = strlen(fam);
		if (n > 8 && strcmp(fam + n - 8, "_seconds") == 0)
			put(b, "# UNIT %s seconds\n", fam);
		else if (n > 6 && strcmp(fam + n - 6, "_bytes") == 0)
			put(b, "# UNIT %s bytes\n", fam);
		else if (n > 6 && strcmp(fam + n - 6, "_ratio") == 0)
			put(b, "# UNIT %s ratio\n", fam);
	}
}

/* --- building the entries ---------------------------------------------------- */

static void entry_of_process(struct entry *e, const struct sk_snapshot *s,
			     const struct sk_process *p)
{
	char group[SK_SERVICE_NAME_MAX + 1];

	memset(e, 0, sizeof(*e));
	sk_metrics_group_of(s, p, group, sizeof(group));
	sk_metrics_label_escape(group, e->label, sizeof(e->label));
	if (!e->label[0])
		snprintf(e->label, sizeof(e->label), "unknown");
	e->pid = p->pid;
	memcpy(e->tcp, p->agg.tcp_states, sizeof(e->tcp));
	e->closed = sk_proc_closed(p);
	e->fds = p->fd_count;
	e->orphans = p->agg.orphans;
	e->recvq = p->agg.recv_q;
	e->sendq = p->agg.send_q;
	e->fd_ratio = p->fd_limit == SK_FD_LIMIT_UNLIMITED || p->fd_limit == 0
			      ? -1.0
			      : (double)p->fd_count / (double)p->fd_limit;
	e->leak = e->tcp[SK_TCP_CLOSE_WAIT] + e->closed + e->orphans;
}

static void entry_add(struct entry *dst, const struct entry *src)
{
	for (int i = 0; i < SK_TCP_STATE_LAST; i++)
		dst->tcp[i] += src->tcp[i];
	dst->closed += src->closed;
	dst->fds += src->fds;
	dst->orphans += src->orphans;
	dst->recvq += src->recvq;
	dst->sendq += src->sendq;
	dst->leak += src->leak;
	if (src->fd_ratio > dst->fd_ratio)
		dst->fd_ratio = src->fd_ratio;
	if (src->sev > dst->sev)
		dst->sev = src->sev;
}

static int by_label(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c = strcmp(x->label, y->label);

	return c ? c : (x->pid > y->pid) - (x->pid < y->pid);
}

/* Worst first: a finding's severity, then the leak, then the fd limit. */
static int by_worst(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->sev != y->sev)
		return x->sev > y->sev ? -1 : 1;
	if (x->leak != y->leak)
		return x->leak > y->leak ? -1 : 1;
	if (x->fd_ratio != y->fd_ratio)
		return x->fd_ratio > y->fd_ratio ? -1 : 1;
	if (x->fds != y->fds)
		return x->fds > y->fds ? -1 : 1;
	return by_label(a, b);
}

/* Sums entries of one label (sorted by label) in place; returns the count. */
static size_t merge_runs(struct entry *v, size_t n)
{
	size_t out = 0;

	for (size_t i = 0; i < n; i++) {
		if (out && strcmp(v[out - 1].label, v[i].label) == 0) {
			entry_add(&v[out - 1], &v[i]);
			continue;
		}
		if (out != i)
			v[out] = v[i];
		v[out].pid = 0;
		out++;
	}
	return out;
}

/* Keeps the max worst entries; the rest, and any real group named "other",
 * are summed into one "other" entry at the end. Returns the new count. */
static size_t cap_entries(struct entry *v, size_t n, uint32_t max, bool groups)
{
	struct entry other;
	size_t kept = 0;
	bool any = false;

	qsort(v, n, sizeof(*v), by_worst);
	memset(&other, 0, sizeof(other));
	other.fd_ratio = -1.0;
	snprintf(other.label, sizeof(other.label), OTHER);
	other.pid = groups ? 0 : -1;
	for (size_t i = 0; i < n; i++) {
		if (kept < max && !(groups && strcmp(v[i].label, OTHER) == 0)) {
			if (kept != i)
				v[kept] = v[i];
			kept++;
			continue;
		}
		entry_add(&other, &v[i]);
		any = true;
	}
	if (any)
		v[kept++] = other;
	return kept;
}

/* --- the families ---------------------------------------------------------------- */

static void put_value(struct sk_metrics_buf *b, double v)
{
	if (v == (double)(int64_t)v)
		put(b, " %lld\n", (long long)v);
	else
		put(b, " %.6g\n", v);
}

static void sample(struct sk_metrics_buf *b, const char *name, const struct entry *e,
		   const char *extra_key, const char *extra_val, double v)
{
	put(b, "%s{", name);
	if (e->pid > 0)
		put(b, "pid=\"%d\",", (int)e->pid);
	else if (e->pid < 0)
		put(b, "pid=\"" OTHER "\",");
	put(b, "group=\"%s\"", e->label);
	if (extra_key)
		put(b, ",%s=\"%s\"", extra_key, extra_val);
	put(b, "}");
	put_value(b, v);
}

/* The per-group families, or with prefix "sktop_process" the per-pid ones. */
static void render_entries(struct sk_metrics_buf *b, const struct sk_metrics_opts *o,
			   const char *prefix, const char *whom, const struct entry *v, size_t n)
{
	char name[96], help[256];

#define FAMILY(suffix, text)                                                        \
	do {                                                                            \
		snprintf(name, sizeof(name), "%s_%s", prefix, suffix);                   \
		snprintf(help, sizeof(help), text " (%s).", whom);                       \
		family(b, o, name, "gauge", help);                                       \
	} while (0)

	FAMILY("tcp_sockets", "TCP sockets held by fds, by state; close_wait is always present");
	for (size_t i = 0; i < n; i++)
		for (int st = 1; st < SK_TCP_STATE_LAST; st++)
			if (v[i].tcp[st] || st == SK_TCP_CLOSE_WAIT)
				sample(b, name, &v[i], "state", state_label[st], v[i].tcp[st]);
	FAMILY("closed_socket_fds", "Socket fds whose TCP socket is closed: a leak when it grows");
	for (size_t i = 0; i < n; i++)
		sample(b, name, &v[i], NULL, NULL, (double)v[i].closed);
	FAMILY("open_fds", "Open file descriptors");
	for (size_t i = 0; i < n; i++)
		sample(b, name, &v[i], NULL, NULL, (double)v[i].fds);
	FAMILY("fd_limit_ratio", "Open fds over RLIMIT_NOFILE, the max over the processes");
	for (size_t i = 0; i < n; i++)
		if (v[i].fd_ratio >= 0)
			sample(b, name, &v[i], NULL, NULL, v[i].fd_ratio);
	FAMILY("socket_queue_bytes", "Bytes queued on its sockets: recv unread, send unacknowledged");
	for (size_t i = 0; i < n; i++) {
		sample(b, name, &v[i], "queue", "recv", (double)v[i].recvq);
		sample(b, name, &v[i], "queue", "send", (double)v[i].sendq);
	}
	FAMILY("orphan_sockets", "Orphaned TCP sockets likely its own (by listener)");
	for (size_t i = 0; i < n; i++)
		sample(b, name, &v[i], NULL, NULL, (double)v[i].orphans);
#undef FAMILY
}

struct finding_key {
	const char *group;  /* a kept entry's label, "other", or NULL (system) */
	uint8_t kind, severity;
	uint32_t procs;     /* processes it is about: one program's are merged into one */
};

static int by_finding(const void *a, const void *b)
{
	const struct finding_key *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind - y->kind;
	if (x->severity != y->severity)
		return x->severity - y->severity;
	if (!x->group || !y->group)
		return (x->group != NULL) - (y->group != NULL);
	return strcmp(x->group, y->group);
}

static int find_label(const void *key, const void *elem)
{
	return strcmp(key, ((const struct entry *)elem)->label);
}

/* One sample per (kind, severity, group): 1 per process a finding is
 * about, so two processes of one group with the same finding give 2 (one
 * finding since they are merged by program), as does "other". kept[] is the
 * capped groups sorted by label; plabel[proc] each process's label. */
static int render_findings(struct sk_metrics_buf *b, const struct sk_metrics_opts *o,
			   const struct sk_snapshot *s, const struct entry *kept, size_t nkept,
			   char (*plabel)[LABEL_BUF])
{
	const struct sk_findings *fs = s->findings;
	struct finding_key *k;
	size_t n = fs ? fs->list.n : 0;

	family(b, o, "sktop_finding", "gauge",
	       "Active findings by kind, severity and group (system findings have no group).");
	if (n == 0)
		return 0;
	k = calloc(n, sizeof(*k));
	if (!k)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct sk_finding *f = &fs->list.v[i];

		k[i].kind = f->kind;
		k[i].severity = f->severity;
		k[i].procs = f->nprocs > 1 ? f->nprocs : 1;
		if (f->proc != SK_NONE && f->proc < s->procs.n) {
			const struct entry *e = bsearch(plabel[f->proc], kept, nkept, sizeof(*kept),
							find_label);

			k[i].group = e ? e->label : OTHER;
		}
	}
	qsort(k, n, sizeof(*k), by_finding);
	for (size_t i = 0, run; i < n; i += run) {
		size_t procs = k[i].procs;

		for (run = 1; i + run < n && by_finding(&k[i], &k[i + run]) == 0; run++)
			procs += k[i + run].procs;
		if (k[i].kind >= SK_FIND_LAST || k[i].severity >= SK_SEV_LAST)
			continue;
		put(b, "sktop_finding{kind=\"%s\",severity=\"%s\"", sk_finding_kind_names[k[i].kind],
		    sk_severity_names[k[i].severity]);
		if (k[i].group)
			put(b, ",group=\"%s\"", k[i].group);
		put(b, "} %zu\n", procs);
	}
	free(k);
	return 0;
}

static void render_system(struct sk_metrics_buf *b, const struct sk_metrics_opts *o,
			  const struct sk_snapshot *s)
{
	const struct sk_system *sys = &s->sys;
	static const char *const mem_kind[3] = {"used", "pressure", "high"};
	int64_t mem[3] = {sys->sockstat[SK_SS_TCP_MEM], sys->limits.tcp_mem[1],
			  sys->limits.tcp_mem[2]};
	int64_t orphans = sys->sockstat[SK_SS_TCP_ORPHAN];

	family(b, o, "sktop_tcp_sockets", "gauge", "TCP sockets by state, every network namespace.");
	for (int st = 1; st < SK_TCP_STATE_LAST; st++)
		put(b, "sktop_tcp_sockets{state=\"%s\"} %u\n", state_label[st],
		    s->totals.tcp_states[st]);
	family(b, o, "sktop_orphan_sockets", "gauge",
	       "Orphaned TCP sockets, machine-wide (sockstat TCP orphan).");
	put(b, "sktop_orphan_sockets %lld\n",
	    (long long)(orphans == SK_UNKNOWN ? s->totals.orphans : orphans));
	family(b, o, "sktop_tcp_mem_pages", "gauge",
	       "TCP memory in pages: used (sockstat) and the tcp_mem pressure and high marks.");
	for (int i = 0; i < 3; i++)
		if (mem[i] != SK_UNKNOWN)
			put(b, "sktop_tcp_mem_pages{kind=\"%s\"} %lld\n", mem_kind[i], (long long)mem[i]);
	family(b, o, "sktop_exhaustion_seconds", "gauge",
	       "Seconds until the resource reaches its limit at the rate of the last minutes; "
	       "absent when not growing.");
	if (s->history) {
		struct sk_exhaustion ex[SK_EX_LAST];

		sk_history_exhaustion(s->history, sys, ex);
		for (int i = 0; i < SK_EX_LAST; i++)
			if (ex[i].minutes >= 0)
				put(b, "sktop_exhaustion_seconds{resource=\"%s\"} %.0f\n", exhaust_label[i],
				    ex[i].minutes * 60.0);
	}
}

static void render_self(struct sk_metrics_buf *b, const struct sk_metrics_opts *o,
			const struct sk_snapshot *s, size_t ngroups)
{
	family(b, o, "sktop_refresh_duration_seconds", "gauge", "How long the last refresh took.");
	put(b, "sktop_refresh_duration_seconds %.6f\n", s->duration_us / 1e6);
	family(b, o, "sktop_last_refresh_timestamp_seconds", "gauge",
	       "When the snapshot being served was taken (Unix time): tells a stale exporter.");
	put(b, "sktop_last_refresh_timestamp_seconds %lld.%03ld\n", (long long)s->realtime.tv_sec,
	    s->realtime.tv_nsec / 1000000);
	family(b, o, "sktop_refreshes_total", "counter", "Refreshes completed.");
	put(b, "sktop_refreshes_total %llu\n", (unsigned long long)o->refreshes);
	family(b, o, "sktop_refresh_errors_total", "counter", "Refreshes that failed.");
	put(b, "sktop_refresh_errors_total %llu\n", (unsigned long long)o->refresh_errors);
	family(b, o, "sktop_groups", "gauge",
	       "Distinct groups before the --max-groups cap (beyond it they are summed as \"other\").");
	put(b, "sktop_groups %zu\n", ngroups);
	family(b, o, "sktop_build_info", "info", "The sktop that exports these metrics.");
	put(b, "sktop_build_info{version=\"%s\"} 1\n", o->version ? o->version : "unknown");
}

/* Per-process entries of the processes that hold a socket, likely own an
 * orphan or have a finding: a shell with no socket would only add series of
 * zeros. Each process's label goes to plabel, for the findings. */
static size_t collect(const struct sk_snapshot *s, struct entry *v, char (*plabel)[LABEL_BUF])
{
	uint8_t *sev = calloc(s->procs.n + 1, 1);
	size_t n = 0;

	if (!sev)
		return SIZE_MAX;
	for (size_t i = 0; s->findings && i < s->findings->list.n; i++) {
		const struct sk_finding *f = &s->findings->list.v[i];

		if (f->proc < s->procs.n && sev[f->proc] < 1 + f->severity)
			sev[f->proc] = (uint8_t)(1 + f->severity);
		/* One program's processes merged into it: each of them has it. */
		for (uint32_t j = 1; j < f->nprocs && j < SK_FINDING_PIDS; j++) {
			const struct sk_process *p = sk_snapshot_find_pid(s, f->pids[j]);
			size_t pi = p ? (size_t)(p - s->procs.v) : s->procs.n;

			if (pi < s->procs.n && sev[pi] < 1 + f->severity)
				sev[pi] = (uint8_t)(1 + f->severity);
		}
	}
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];

		entry_of_process(&v[n], s, p);
		v[n].sev = sev[i];
		memcpy(plabel[i], v[n].label, LABEL_BUF);
		if (!(p->flags & SK_PROC_KERNEL) && (p->agg.sockets || p->agg.orphans || sev[i]))
			n++;
	}
	free(sev);
	return n;
}

int sk_metrics_render(struct sk_metrics_buf *out, const struct sk_snapshot *s,
		      const struct sk_metrics_opts *o)
{
	size_t np = s->procs.n, n, ngroups, nkept;
	uint32_t max = o->max_groups ? o->max_groups : 1;
	struct entry *procs = malloc((np + 1) * sizeof(*procs));
	struct entry *groups = malloc((np + 1) * sizeof(*groups));
	char (*plabel)[LABEL_BUF] = malloc((np + 1) * LABEL_BUF);
	int rc = -ENOMEM;

	if (!procs || !groups || !plabel)
		goto out;
	n = collect(s, procs, plabel);
	if (n == SIZE_MAX)
		goto out;
	memcpy(groups, procs, n * sizeof(*groups));
	qsort(groups, n, sizeof(*groups), by_label);
	ngroups = merge_runs(groups, n);
	nkept = cap_entries(groups, ngroups, max, true);

	render_system(out, o, s);
	render_entries(out, o, "sktop_group", "per group", groups, nkept);
	if (o->per_process) {
		size_t nproc = cap_entries(procs, n, max, false);

		render_entries(out, o, "sktop_process", "per process, with --per-process", procs,
			       nproc);
	}
	qsort(groups, nkept, sizeof(*groups), by_label);
	rc = render_findings(out, o, s, groups, nkept, plabel);
	if (rc == 0) {
		render_self(out, o, s, ngroups);
		if (o->format == SK_METRICS_OPENMETRICS)
			put(out, "# EOF\n");
		rc = out->oom ? -ENOMEM : 0;
	}
out:
	free(procs);
	free(groups);
	free(plabel);
	return rc;
}
