#include <config.h>

#include "store/json.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util/escape.h"
#include "analyse/findings.h"
#include "analyse/history.h"
#include "model/fields.h"
#include "model/procsort.h"
#include "model/services.h"

/* A buffered writer: a snapshot of 100k sockets is ~40 MB of JSON, and one
 * stdio call per field would cost more than the kernel dump itself. */
struct jw {
	FILE *f;
	size_t n;
	int err;
	bool first; /* no comma before the next member */
	const struct sk_service_selection *sel; /* --service: what is kept; NULL all */
	char buf[1 << 16];
};

static void jw_flush(struct jw *w)
{
	if (w->n && !w->err && fwrite(w->buf, 1, w->n, w->f) != w->n)
		w->err = errno ? errno : EIO;
	w->n = 0;
}

static void jw_raw(struct jw *w, const char *s, size_t len)
{
	if (len > sizeof(w->buf) - w->n) {
		jw_flush(w);
		if (len > sizeof(w->buf)) {
			if (!w->err && fwrite(s, 1, len, w->f) != len)
				w->err = errno ? errno : EIO;
			return;
		}
	}
	memcpy(w->buf + w->n, s, len);
	w->n += len;
}

static void jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

static void jw_u64(struct jw *w, uint64_t v)
{
	char tmp[24];
	size_t i = sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	jw_raw(w, tmp + i, sizeof(tmp) - i);
}

static void jw_i64(struct jw *w, int64_t v)
{
	if (v < 0) {
		jw_raw(w, "-", 1);
		jw_u64(w, (uint64_t)0 - (uint64_t)v);
	} else {
		jw_u64(w, (uint64_t)v);
	}
}

static void jw_str(struct jw *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), i = 0, run = 0;

	jw_raw(w, "\"", 1);
	while (i < len) {
		unsigned char c = p[i];
		uint32_t cp;
		size_t n = c < 0x80 ? 1 : sk_utf8_decode(p + i, len - i, &cp);

		if (n && c >= 0x20 && c != '"' && c != '\\') {
			i += n;
			run += n;
			continue;
		}
		jw_raw(w, s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};

			jw_raw(w, esc, 2);
		} else {
			/* Control byte, or a byte of invalid UTF-8: \u00XX keeps the
			 * document valid and the byte recoverable. */
			char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

			jw_raw(w, esc, 6);
		}
		i++;
	}
	jw_raw(w, s + i - run, run);
	jw_raw(w, "\"", 1);
}

/* --- object helpers: members are comma-separated automatically ---------------- */

static void jw_open(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->first = true;
}

static void jw_close(struct jw *w, char c)
{
	jw_raw(w, &c, 1);
	w->first = false;
}

static void jw_key(struct jw *w, const char *key)
{
	if (!w->first)
		jw_raw(w, ",", 1);
	w->first = false;
	jw_str(w, key);
	jw_raw(w, ":", 1);
}

static void jw_elem(struct jw *w)
{
	if (!w->first)
		jw_raw(w, ",", 1);
	w->first = false;
}

/* Opens the object or array c that is member key, or the next element. */
static void jw_open_key(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	jw_open(w, c);
}

static void jw_open_elem(struct jw *w, char c)
{
	jw_elem(w);
	jw_open(w, c);
}

/* "key": [the names of 0..n-1 that name_if gives, in order]; name_if says
 * NULL for those left out. */
static void jw_kv_names(struct jw *w, const char *key, int n,
			const char *(*name_if)(int i, const void *ctx), const void *ctx)
{
	jw_open_key(w, key, '[');
	for (int i = 0; i < n; i++) {
		const char *name = name_if(i, ctx);

		if (name) {
			jw_elem(w);
			jw_str(w, name);
		}
	}
	jw_close(w, ']');
}

static void jw_kv_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	jw_u64(w, v);
}

/* SK_UNKNOWN (-1) from a file that could not be read is null, not -1. */
static void jw_fig(struct jw *w, int64_t v);

static void jw_kv_fig(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_fig(w, v);
}

static void jw_kv_str(struct jw *w, const char *key, const char *v)
{
	jw_key(w, key);
	jw_str(w, v);
}

static void jw_kv_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	jw_lit(w, v ? "true" : "false");
}

static void jw_fig(struct jw *w, int64_t v)
{
	if (v == SK_UNKNOWN)
		jw_lit(w, "null");
	else
		jw_i64(w, v);
}

/* One row of a field table: a number, a figure (null when unknown), or an
 * array of either. */
static void jw_field(struct jw *w, const struct sk_field *f, const void *rec)
{
	jw_key(w, f->key);
	if (f->count > 1)
		jw_open(w, '[');
	for (unsigned i = 0; i < f->count; i++) {
		uint64_t v = sk_field_get(f, rec, i);

		if (f->count > 1)
			jw_elem(w);
		if (f->type == SK_FT_FIG)
			jw_fig(w, (int64_t)v);
		else if (f->type == SK_FT_BOOL)
			jw_lit(w, v ? "true" : "false");
		else
			jw_u64(w, v);
	}
	if (f->count > 1)
		jw_close(w, ']');
}

/* "KEY":{every row of the record}. */
static void jw_record(struct jw *w, const struct sk_record *r, const void *rec)
{
	jw_open_key(w, r->key, '{');
	for (size_t i = 0; i < r->n; i++)
		jw_field(w, &r->fields[i], rec);
	jw_close(w, '}');
}

/* {"NAME":count,...} for the non-zero entries of a counts array. */
static void jw_counts(struct jw *w, const char *key, const uint32_t *counts,
		      const char *const *names, int n)
{
	jw_open_key(w, key, '{');
	for (int i = 0; i < n; i++)
		if (counts[i])
			jw_kv_u64(w, names[i], counts[i]);
	jw_close(w, '}');
}

static void jw_tcp_states(struct jw *w, const char *key, const uint32_t *states)
{
	jw_counts(w, key, states, sk_tcp_state_names, SK_TCP_STATE_LAST);
}

/* --- sections ------------------------------------------------------------------------ */

static void jw_kv_double_or_null(struct jw *w, const char *key, bool known, double v);

/* "exhaustion":{"orphans":{"now":..,"limit":..,"per_min":..,"minutes_left":..},...}:
 * when each machine-wide count reaches its limit at the rate seen over the
 * history window; null where it is not growing or there is no limit. */
static void write_exhaustion(struct jw *w, const struct sk_snapshot *s)
{
	struct sk_exhaustion x[SK_EX_LAST];

	if (!s->history)
		return;
	sk_history_exhaustion(s->history, &s->sys, x);
	jw_open_key(w, "exhaustion", '{');
	for (int i = 0; i < SK_EX_LAST; i++) {
		jw_open_key(w, sk_exhaust_names[i], '{');
		jw_kv_fig(w, "now", x[i].now);
		jw_kv_fig(w, "limit", x[i].limit);
		jw_kv_double_or_null(w, "per_min", x[i].trend.known, x[i].trend.per_min);
		jw_kv_double_or_null(w, "minutes_left", x[i].minutes >= 0, x[i].minutes);
		jw_close(w, '}');
	}
	jw_close(w, '}');
}

static const char *global_sockstat(int i, const void *ctx)
{
	(void)ctx;
	return sk_sockstat_defs[i].global ? sk_sockstat_defs[i].name : NULL;
}

static const char *dumped_class(int c, const void *ns)
{
	return ((const struct sk_netns *)ns)->dumped & (1u << c) ? sk_sockname_names[c] : NULL;
}

static void write_system(struct jw *w, const struct sk_snapshot *s)
{
	const struct sk_system *sys = &s->sys;
	const struct sk_totals *t = &s->totals;

	jw_open_key(w, "system", '{');

	jw_open_key(w, "sockstat", '{');
	for (int i = 0; i < SK_SS_LAST; i++)
		jw_kv_fig(w, sk_sockstat_defs[i].name, sys->sockstat[i]);
	jw_close(w, '}');
	/* Which sockstat figures are machine-wide; the rest are sktop's own
	 * network namespace. Never subtract one kind from the other. */
	jw_kv_names(w, "sockstat_global", SK_SS_LAST, global_sockstat, NULL);

	jw_open_key(w, "counters", '{');
	for (int i = 0; i < SK_CTR_LAST; i++)
		jw_kv_fig(w, sk_counter_defs[i].name, sys->counters[i]);
	jw_close(w, '}');

	/* Where tcp_max_orphans and tcp_mem came from, or why they are unknown. */
	jw_kv_str(w, "machine_limits_from", sk_limits_from_names[sys->limits_from < SK_LIMITS_LAST
								  ? sys->limits_from : 0]);
	jw_record(w, &sk_rec_limits, &sys->limits);
	write_exhaustion(w, s);

	jw_tcp_states(w, "tcp_states", t->tcp_states);
	jw_kv_u64(w, "orphans", t->orphans);
	jw_tcp_states(w, "orphans_by_state", t->orphans_by_state);
	jw_kv_u64(w, "orphans_attributed", t->orphans_attributed);
	jw_counts(w, "closed", t->closed, sk_sockname_names, SK_SN_LAST);
	jw_counts(w, "unbound", t->unbound, sk_sockname_names, SK_SN_LAST);
	jw_counts(w, "other", t->other, sk_sockname_names, SK_SN_LAST);
	jw_kv_u64(w, "sockets", t->sockets);
	jw_counts(w, "by_proto", t->by_proto, sk_proto_names, SK_PROTO_LAST);
	jw_kv_u64(w, "rmem", t->rmem);
	jw_kv_u64(w, "wmem", t->wmem);
	jw_kv_u64(w, "recv_q", t->recv_q);
	jw_kv_u64(w, "send_q", t->send_q);

	jw_open_key(w, "netns", '[');
	for (size_t i = 0; i < s->netns.n; i++) {
		const struct sk_netns *ns = &s->netns.v[i];

		jw_open_elem(w, '{');
		jw_kv_u64(w, "id", ns->id);
		if (ns->name)
			jw_kv_str(w, "name", sk_strtab_get(&s->strs, ns->name));
		jw_kv_bool(w, "own", ns->own);
		jw_kv_u64(w, "processes", ns->nprocs);
		jw_kv_u64(w, "sockets", ns->sockets);
		jw_tcp_states(w, "tcp_states", ns->tcp_states);
		jw_tcp_states(w, "orphans", ns->orphans);
		jw_kv_bool(w, "dumped", ns->dump_error == 0);
		/* The code for programs, the text for people (and for files
		 * from before "errno"). */
		if (ns->dump_error) {
			jw_kv_u64(w, "errno", (uint64_t)-(int64_t)ns->dump_error);
			jw_kv_str(w, "error", strerror(-ns->dump_error));
		}
		/* A dump can fail for one protocol only (no udp_diag): the
		 * classes whose fds were judged closed/unbound here. */
		jw_kv_names(w, "dumped_classes", SK_SN_LAST, dumped_class, ns);
		/* Judged as dumped with no row, without a dump (engine.c's gate). */
		if (ns->skipped)
			jw_kv_str(w, "skipped", "empty");
		if (ns->tcp_from_fds)
			jw_kv_bool(w, "tcp_from_fds", true);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

/* Three decimals with a '.', whatever LC_NUMERIC says: the TUI sets the
 * locale, and "12,500" would not be JSON. */
static void jw_double(struct jw *w, double v)
{
	char frac[4];
	uint64_t milli;

	if (!isfinite(v))
		v = 0;
	if (v < 0) {
		jw_raw(w, "-", 1);
		v = -v;
	}
	if (v > 9e15)
		v = 9e15;
	milli = (uint64_t)(v * 1000.0 + 0.5);
	jw_u64(w, milli / 1000);
	frac[0] = '.';
	frac[1] = (char)('0' + milli / 100 % 10);
	frac[2] = (char)('0' + milli / 10 % 10);
	frac[3] = (char)('0' + milli % 10);
	jw_raw(w, frac, 4);
}

static void jw_kv_double_or_null(struct jw *w, const char *key, bool known, double v)
{
	jw_key(w, key);
	if (known)
		jw_double(w, v);
	else
		jw_lit(w, "null");
}

/* "growth_per_min":{"close_wait":12.5,...} and "growing":["close_wait"]
 * (monotonic over the window: the signature of a leak). */
static const char *growing_metric(int m, const void *trends)
{
	return ((const struct sk_trend *)trends)[m].monotonic
		       ? sk_pmetric_field((enum sk_pmetric)m)->key
		       : NULL;
}

static void write_growth(struct jw *w, const struct sk_snapshot *s, const struct sk_process *p)
{
	const struct sk_proc_history *ph = s->history ? sk_history_find(s->history, p->pid,
									  p->starttime) : NULL;
	struct sk_trend tr[SK_PM_LAST];

	if (!ph)
		return;
	for (int m = 0; m < SK_PM_LAST; m++)
		tr[m] = sk_series_trend(&ph->m[m]);
	if (!tr[SK_PM_SOCKETS].known)
		return;
	jw_open_key(w, "growth_per_min", '{');
	for (int m = 0; m < SK_PM_LAST; m++) {
		jw_key(w, sk_pmetric_field((enum sk_pmetric)m)->key);
		jw_double(w, tr[m].per_min);
	}
	jw_close(w, '}');
	jw_kv_names(w, "growing", SK_PM_LAST, growing_metric, tr);
	jw_kv_u64(w, "history_span_s", tr[SK_PM_SOCKETS].span_ms / 1000);
}

/* Issue #13's object: only the names known, so a reader tells "unknown"
 * from "empty" by absence. */
static void write_service(struct jw *w, const struct sk_snapshot *s, const struct sk_service *sv)
{
	static const struct {
		const char *key;
		size_t off;
	} names[] = {
		{"name", offsetof(struct sk_service, name)},
		{"id", offsetof(struct sk_service, id)},
		{"pod", offsetof(struct sk_service, pod)},
		{"namespace", offsetof(struct sk_service, ns)},
		{"container", offsetof(struct sk_service, container)},
		{"cgroup", offsetof(struct sk_service, cgroup)},
		/* Beyond the keys, so that a replay is the live view. */
		{"unit", offsetof(struct sk_service, unit)},
		{"pod_uid", offsetof(struct sk_service, pod_uid)},
	};

	if (!sv)
		return;
	jw_open_key(w, "service", '{');
	if (sv->kind > SK_SERVICE_NONE && sv->kind < SK_SERVICE_KIND_LAST)
		jw_kv_str(w, "kind", sk_service_kind_names[sv->kind]);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint32_t off;

		memcpy(&off, (const char *)sv + names[i].off, sizeof(off));
		if (off)
			jw_kv_str(w, names[i].key, sk_strtab_get(&s->strs, off));
	}
	jw_close(w, '}');
}

/* The aggregate's sums, in the file's order: their keys and values are
 * the process field table's rows. */
static const uint8_t agg_sums[] = {SK_SORT_ORPHANS, SK_SORT_RMEM, SK_SORT_WMEM, SK_SORT_RECVQ,
				   SK_SORT_SENDQ};

static void write_process(struct jw *w, const struct sk_snapshot *s, const struct sk_process *p)
{
	const struct sk_agg *a = &p->agg;

	jw_open(w, '{');
	jw_kv_u64(w, "pid", (uint64_t)p->pid);
	jw_kv_str(w, "comm", p->comm);
	jw_kv_str(w, "cmdline", sk_strtab_get(&s->strs, p->cmdline));
	jw_kv_u64(w, "uid", p->uid);
	jw_kv_u64(w, "netns", p->netns);
	jw_kv_u64(w, "fds", p->fd_count);
	jw_key(w, "fd_limit");
	if (p->fd_limit == SK_FD_LIMIT_UNLIMITED)
		jw_lit(w, "null");
	else
		jw_u64(w, p->fd_limit);
	jw_kv_u64(w, "sockets", a->sockets);
	jw_tcp_states(w, "tcp_states", a->tcp_states);
	jw_counts(w, "closed", a->closed, sk_sockname_names, SK_SN_LAST);
	jw_counts(w, "unbound", a->unbound, sk_sockname_names, SK_SN_LAST);
	jw_counts(w, "other", a->other, sk_sockname_names, SK_SN_LAST);
	jw_counts(w, "by_proto", a->by_proto, sk_proto_names, SK_PROTO_LAST);
	for (size_t i = 0; i < sizeof(agg_sums) / sizeof(agg_sums[0]); i++)
		jw_field(w, &sk_proc_fields[agg_sums[i]], p);
	jw_kv_u64(w, "rss_kb", p->rss_kb);
	jw_kv_u64(w, "starttime", p->starttime);
	write_growth(w, s, p);
	write_service(w, s, sk_snapshot_service(s, p->service));
	if (p->flags & SK_PROC_FD_DENIED)
		jw_kv_bool(w, "fds_denied", true);
	jw_close(w, '}');
}

static void write_endpoint(struct jw *w, const char *key, const struct sk_socket *k,
			   const struct sk_endpoint *ep)
{
	char buf[64];

	sk_endpoint_format(ep, k->family, buf, sizeof(buf));
	jw_kv_str(w, key, buf);
}

/* "creator": {"pid", "comm", "cgroup_id"} or null, "age_s" and
 * "state_age_s" in seconds with ms precision or null, "age_estimated". */
static void write_life(struct jw *w, const struct sk_snapshot *s, const struct sk_life *l)
{
	jw_key(w, "creator");
	if (l->creator_pid > 0) {
		jw_open(w, '{');
		jw_kv_u64(w, "pid", (uint64_t)l->creator_pid);
		jw_kv_str(w, "comm", sk_strtab_get(&s->strs, l->creator_comm));
		jw_kv_u64(w, "cgroup_id", l->creator_cgroup);
		if (l->creator_is_holder)
			jw_kv_bool(w, "holder", true);
		jw_close(w, '}');
	} else {
		jw_lit(w, "null");
	}
	jw_kv_double_or_null(w, "age_s", l->age_ms >= 0, (double)l->age_ms / 1000.0);
	jw_kv_double_or_null(w, "state_age_s", l->state_age_ms >= 0,
			     (double)l->state_age_ms / 1000.0);
	jw_kv_bool(w, "age_estimated", l->estimated);
}

static void write_socket(struct jw *w, const struct sk_snapshot *s, const struct sk_socket *k)
{
	const char *family = k->family == AF_INET6 ? "inet6" : k->family == AF_UNIX ? "unix" : "inet";

	jw_open(w, '{');
	jw_kv_str(w, "proto", k->proto < SK_PROTO_LAST ? sk_proto_names[k->proto] : "?");
	jw_kv_str(w, "family", family);
	jw_kv_str(w, "state", sk_tcp_state_name(k->state));
	if (k->family == AF_UNIX) {
		jw_kv_str(w, "local", sk_strtab_get(&s->strs, k->path));
		jw_kv_u64(w, "peer_inode", k->unix_peer);
		jw_kv_str(w, "type", k->sock_type == SOCK_STREAM ? "stream"
				     : k->sock_type == SOCK_DGRAM ? "dgram"
				     : k->sock_type == SOCK_SEQPACKET ? "seqpacket" : "?");
	} else {
		write_endpoint(w, "local", k, &k->local);
		write_endpoint(w, "peer", k, &k->peer);
	}
	jw_kv_u64(w, "recv_q", k->recv_q);
	jw_kv_u64(w, "send_q", k->send_q);
	jw_kv_u64(w, "inode", k->inode);
	if (k->flags & SK_SOCK_HAS_UID)
		jw_kv_u64(w, "uid", k->uid);
	jw_kv_u64(w, "netns", k->netns);

	jw_open_key(w, "pids", '[');
	for (uint32_t i = 0; i < k->owners_count; i++) {
		const struct sk_fdref *ref = &s->fdrefs.v[s->owner_index.v[k->owners_start + i]];

		jw_elem(w);
		jw_u64(w, (uint64_t)s->procs.v[ref->proc].pid);
	}
	jw_close(w, ']');
	jw_open_key(w, "fds", '[');
	for (uint32_t i = 0; i < k->owners_count; i++) {
		const struct sk_fdref *ref = &s->fdrefs.v[s->owner_index.v[k->owners_start + i]];

		jw_open_elem(w, '{');
		jw_kv_u64(w, "pid", (uint64_t)s->procs.v[ref->proc].pid);
		jw_kv_u64(w, "fd", (uint64_t)ref->fd);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_kv_str(w, "owner", sk_owner_names[k->owner_kind < SK_OWNER_LAST ? k->owner_kind : 0]);
	if (k->owner_kind == SK_OWNER_LISTENER && k->likely_owner != SK_NONE)
		jw_kv_u64(w, "likely_pid", (uint64_t)s->procs.v[k->likely_owner].pid);
	if (k->flags & SK_SOCK_HAS_CGROUP)
		jw_kv_u64(w, "cgroup_id", k->cgroup_id);
	write_service(w, s, sk_snapshot_sock_service(s, (size_t)(k - s->socks.v)));
	if (k->flags & SK_SOCK_ORPHAN)
		jw_kv_bool(w, "orphan", true);
	if (k->flags & SK_SOCK_UNDUMPED)
		jw_kv_bool(w, "undumped", true);
	jw_kv_str(w, "timer", sk_timer_names[k->timer < SK_TIMER_LAST ? k->timer : 0]);
	jw_kv_u64(w, "timer_ms", k->timer_ms);
	jw_kv_u64(w, "retrans", k->retrans);
	if (k->flags & SK_SOCK_HAS_SHUTDOWN)
		jw_kv_u64(w, "shutdown", k->shutdown);
	jw_kv_u64(w, "cookie", k->cookie);
	if (s->lifecycle.source != SK_LIFE_NONE && (size_t)(k - s->socks.v) < s->lives.n)
		write_life(w, s, &s->lives.v[k - s->socks.v]);
	if (k->flags & sk_rec_skmem.present) {
		jw_kv_u64(w, "rmem", sk_socket_rmem(k));
		jw_kv_u64(w, "wmem", sk_socket_wmem(k));
		jw_record(w, &sk_rec_skmem, &k->mem);
	}
	if (k->flags & sk_rec_tcpinfo.present)
		jw_record(w, &sk_rec_tcpinfo, &k->tcp);
	jw_close(w, '}');
}

/* "kernel_log": {"error": null, "records": 812, "lines": {"too_many_orphans":
 * {"count": 12, "first_us": ..., "last_us": ...}}}, timestamps in the
 * kernel's microseconds since boot. Only when a log was asked for. */
static void write_kernel_log(struct jw *w, const struct sk_snapshot *s)
{
	const struct sk_klog *log = &s->klog;

	if (!log->enabled)
		return;
	jw_open_key(w, "kernel_log", '{');
	if (log->error)
		jw_kv_str(w, "error", strerror(log->error));
	jw_kv_u64(w, "records", log->records);
	jw_open_key(w, "lines", '{');
	for (int k = 0; k < SK_KMSG_LAST; k++) {
		if (!log->lines[k].count)
			continue;
		jw_open_key(w, sk_kmsg_lines[k].name, '{');
		jw_kv_u64(w, "count", log->lines[k].count);
		jw_kv_u64(w, "first_us", log->lines[k].first_us);
		jw_kv_u64(w, "last_us", log->lines[k].last_us);
		jw_close(w, '}');
	}
	jw_close(w, '}');
	jw_close(w, '}');
}

/* "findings_pending": {"closed_leak": 40}: sockets a rule could not judge
 * at this refresh; a later one can. */
static void write_pending(struct jw *w, const struct sk_snapshot *s)
{
	const struct sk_findings *fs = s->findings;

	jw_open_key(w, "findings_pending", '{');
	for (int k = 0; fs && k < SK_FIND_LAST; k++)
		if (fs->pending[k])
			jw_kv_u64(w, sk_finding_kind_names[k], fs->pending[k]);
	jw_close(w, '}');
}

static bool finding_kept(const struct jw *w, const struct sk_findings *fs,
			 const struct sk_finding *f)
{
	return !w->sel || sk_service_selection_keeps(w->sel, f->proc, fs->socks.v + f->socks_start,
						     f->socks_count);
}

static void write_findings(struct jw *w, const struct sk_snapshot *s, bool refs)
{
	const struct sk_findings *fs = s->findings;
	uint32_t by_severity[SK_SEV_LAST] = {0};

	jw_open_key(w, "findings", '[');
	for (size_t i = 0; fs && i < fs->list.n; i++) {
		const struct sk_finding *f = &fs->list.v[i];

		if (!finding_kept(w, fs, f))
			continue;
		by_severity[f->severity < SK_SEV_LAST ? f->severity : 0]++;
		jw_open_elem(w, '{');
		jw_kv_str(w, "kind", sk_finding_kind_names[f->kind]);
		jw_kv_str(w, "severity", sk_severity_names[f->severity]);
		jw_open_key(w, "subject", '{');
		jw_kv_str(w, "type", sk_subject_names[f->subject_type]);
		jw_kv_str(w, "name", f->subject);
		if (f->pid)
			jw_kv_u64(w, "pid", (uint64_t)f->pid);
		/* One program's processes merged: how many, and the first pids. */
		if (f->nprocs > 1) {
			jw_kv_u64(w, "processes", f->nprocs);
			jw_open_key(w, "pids", '[');
			for (uint32_t k = 0; k < f->nprocs && k < SK_FINDING_PIDS; k++) {
				jw_elem(w);
				jw_i64(w, f->pids[k]);
			}
			jw_close(w, ']');
		}
		jw_close(w, '}');
		jw_kv_str(w, "title", f->title);
		jw_kv_str(w, "detail", f->detail);
		jw_kv_str(w, "next_step", f->next_step);
		jw_open_key(w, "evidence", '{');
		for (int e = 0; e < f->nev; e++) {
			jw_open_key(w, f->ev[e].name, '{');
			jw_key(w, "value");
			jw_i64(w, f->ev[e].value);
			if (f->ev[e].limit != SK_UNKNOWN) {
				jw_key(w, "limit");
				jw_i64(w, f->ev[e].limit);
			}
			jw_close(w, '}');
		}
		jw_close(w, '}');
		jw_kv_u64(w, "socket_count", f->socks_count);
		if (!refs) {
			jw_close(w, '}');
			continue;
		}
		/* The inodes (or cookies, for fd-less sockets) of the first few
		 * supporting sockets, to find them in "sockets". */
		jw_open_key(w, "sockets", '[');
		for (uint32_t k = 0; k < f->socks_count && k < 64; k++) {
			uint32_t si = fs->socks.v[f->socks_start + k];
			const struct sk_socket *so = &s->socks.v[si];

			if (w->sel && !w->sel->socks[si])
				continue; /* not in this document's "sockets" */
			jw_open_elem(w, '{');
			jw_kv_u64(w, "inode", so->inode);
			jw_kv_u64(w, "cookie", so->cookie);
			jw_close(w, '}');
		}
		jw_close(w, ']');
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_open_key(w, "findings_by_severity", '{');
	for (int sev = 0; sev < SK_SEV_LAST; sev++)
		jw_kv_u64(w, sk_severity_names[sev],
			  !fs ? 0 : w->sel ? by_severity[sev] : fs->by_severity[sev]);
	jw_close(w, '}');
}

static void write_ring(struct jw *w, const char *key, const struct sk_series *se)
{
	int start = (se->head + SK_HISTORY_SLOTS - se->n) % SK_HISTORY_SLOTS;

	jw_open_key(w, key, '[');
	for (int i = 0; i < se->n; i++) {
		const struct sk_sample *sm = &se->s[(start + i) % SK_HISTORY_SLOTS];

		jw_elem(w);
		jw_raw(w, "[", 1);
		jw_u64(w, sm->t_ms);
		jw_raw(w, ",", 1);
		jw_i64(w, sm->v);
		jw_raw(w, "]", 1);
	}
	if (se->n) {
		jw_elem(w);
		jw_raw(w, "[", 1);
		jw_u64(w, se->last.t_ms);
		jw_raw(w, ",", 1);
		jw_i64(w, se->last.v);
		jw_raw(w, "]", 1);
	}
	jw_close(w, ']');
}

static void write_history(struct jw *w, const struct sk_snapshot *s, bool rings)
{
	const struct sk_history *h = s->history;

	if (!h)
		return;
	jw_open_key(w, "history", '{');
	jw_kv_u64(w, "window_s", h->window_ms / 1000);
	jw_kv_u64(w, "samples", h->samples);
	jw_open_key(w, "system", '{');
	for (int m = 0; m < SK_SM_LAST; m++) {
		struct sk_trend tr = sk_series_trend(&h->sys[m]);

		if (!h->sys[m].n)
			continue;
		jw_open_key(w, sk_smetric_names[m], '{');
		jw_key(w, "per_min");
		jw_double(w, tr.known ? tr.per_min : 0);
		jw_kv_bool(w, "monotonic", tr.monotonic);
		jw_kv_u64(w, "span_s", tr.span_ms / 1000);
		if (rings)
			write_ring(w, "samples", &h->sys[m]);
		jw_close(w, '}');
	}
	jw_close(w, '}');
	if (rings) {
		/* [t_ms, value] pairs, monotonic clock; the last pair is the newest. */
		jw_open_key(w, "processes", '[');
		for (size_t i = 0; i < h->procs.n; i++) {
			const struct sk_proc_history *ph = &h->procs.v[i];

			jw_open_elem(w, '{');
			jw_kv_u64(w, "pid", (uint64_t)ph->pid);
			jw_kv_u64(w, "starttime", ph->starttime);
			for (int m = 0; m < SK_PM_LAST; m++)
				write_ring(w, sk_pmetric_field((enum sk_pmetric)m)->key, &ph->m[m]);
			jw_close(w, '}');
		}
		jw_close(w, ']');
	}
	jw_close(w, '}');
}

static void write_time(struct jw *w, const struct timespec *ts)
{
	struct tm tm;
	char buf[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	jw_kv_str(w, "time", buf);
}

uint32_t sk_json_needs(void)
{
	return sk_rec_tcpinfo.needs | sk_rec_skmem.needs | sk_record_needs(&sk_rec_proc, 0);
}

int sk_json_write_snapshot(FILE *f, const struct sk_snapshot *s)
{
	return sk_json_write_snapshot_ex(f, s, SK_JSON_HISTORY);
}

int sk_json_write_snapshot_ex(FILE *f, const struct sk_snapshot *s, unsigned flags)
{
	return sk_json_write_snapshot_service(f, s, flags, NULL);
}

static int write_doc(FILE *f, const struct sk_snapshot *s, unsigned flags,
		     const struct sk_service_selection *sel);

int sk_json_write_snapshot_service(FILE *f, const struct sk_snapshot *s, unsigned flags,
				   const char *service)
{
	struct sk_service_selection sel;
	int rc;

	if (!service)
		return write_doc(f, s, flags, NULL);
	rc = sk_service_select(&sel, s, service);
	if (rc == 0)
		rc = write_doc(f, s, flags, &sel);
	sk_service_selection_free(&sel);
	return rc;
}

static int write_doc(FILE *f, const struct sk_snapshot *s, unsigned flags,
		     const struct sk_service_selection *sel)
{
	struct jw *w = malloc(sizeof(*w)); /* 64 KiB: too big for a stack frame */

	if (!w)
		return -ENOMEM;
	w->f = f;
	w->n = 0;
	w->err = 0;
	w->sel = sel;
	jw_open(w, '{');
	jw_kv_u64(w, "schema", SK_JSON_SCHEMA);
	write_time(w, &s->realtime);
	jw_kv_str(w, "host", s->host);
	jw_kv_str(w, "kernel", s->kernel);
	jw_kv_bool(w, "root", s->root);
	jw_kv_bool(w, "partial", s->partial);
	jw_kv_u64(w, "seq", s->seq);
	jw_kv_u64(w, "duration_us", s->duration_us);
	/* The refresh's clock, so a replayed log orders and spaces its
	 * entries as the history did ("time" has whole seconds only). */
	jw_kv_u64(w, "monotonic_ms", (uint64_t)s->monotonic.tv_sec * 1000 +
					     (uint64_t)s->monotonic.tv_nsec / 1000000);
	jw_kv_str(w, "ownership", s->owners_bpf ? "bpf" : "procfs");
	if (s->lifecycle.source != SK_LIFE_NONE && s->lifecycle.source < SK_LIFE_LAST) {
		jw_open_key(w, "lifecycle", '{');
		jw_kv_str(w, "source", sk_life_source_names[s->lifecycle.source]);
		jw_kv_u64(w, "since", (uint64_t)(s->lifecycle.since > 0 ? s->lifecycle.since : 0));
		jw_kv_u64(w, "events_lost", s->lifecycle.events_lost);
		jw_close(w, '}');
	}

	jw_record(w, &sk_rec_diag, s);
	jw_record(w, &sk_rec_procfs, s);

	write_system(w, s);
	write_findings(w, s, !(flags & SK_JSON_NO_SOCKETS));
	write_pending(w, s);
	write_kernel_log(w, s);
	write_history(w, s, flags & SK_JSON_HISTORY);

	jw_open_key(w, "processes", '[');
	for (size_t i = 0; i < s->procs.n; i++) {
		const struct sk_process *p = &s->procs.v[i];

		if (p->agg.sockets == 0 && p->agg.orphans == 0)
			continue; /* sktop is about sockets: others only add noise */
		if (sel && !sel->procs[i])
			continue;
		jw_elem(w);
		write_process(w, s, p);
	}
	jw_close(w, ']');

	if (flags & SK_JSON_NO_SOCKETS) {
		jw_kv_bool(w, "sockets_omitted", true);
	} else {
		jw_open_key(w, "sockets", '[');
		for (size_t i = 0; i < s->socks.n; i++) {
			if (sel && !sel->socks[i])
				continue;
			jw_elem(w);
			write_socket(w, s, &s->socks.v[i]);
		}
		jw_close(w, ']');
	}
	jw_close(w, '}');
	jw_raw(w, "\n", 1);
	jw_flush(w);

	int err = w->err;

	free(w);
	if (!err && fflush(f) != 0)
		err = errno ? errno : EIO;
	return -err;
}

void sk_json_write_string(FILE *f, const char *s)
{
	struct jw *w = malloc(sizeof(*w));

	if (!w)
		return;
	w->f = f;
	w->n = 0;
	w->err = 0;
	w->sel = NULL;
	jw_str(w, s);
	jw_flush(w);
	free(w);
}
