#include <config.h>

#include "batch.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine.h"
#include "analyse/findings.h"
#include "model/command.h"
#include "store/json.h"
#include "model/fields.h"
#include "model/procsort.h"
#include "model/services.h"
#include "store/replay.h"
#include "store/replaylog.h"
#include "util/escape.h"
#include "store/snapfile.h"
#include "util/units.h"

bool sk_batch_wants(const struct sk_options *o, const struct sk_snapshot *s,
		    const struct sk_process *p)
{
	if (p->agg.sockets == 0 && p->agg.orphans == 0)
		return false;
	if (o->have_uid && p->uid != o->uid)
		return false;
	if (o->service && !sk_proc_service_matches(s, p, o->service))
		return false;
	if (o->npids) {
		for (int i = 0; i < o->npids; i++)
			if (o->pids[i] == p->pid)
				return true;
		return false;
	}
	return true;
}

void sk_batch_user_name(uint32_t uid, char *buf, size_t size)
{
	struct passwd pw, *res = NULL;
	char tmp[1024];

	if (getpwuid_r(uid, &pw, tmp, sizeof(tmp), &res) == 0 && res && strlen(res->pw_name) < 9)
		snprintf(buf, size, "%s", res->pw_name);
	else
		snprintf(buf, size, "%u", uid);
}

/* label then value; a label ending in '/' or '-' joins the value directly. */
static void print_fig(FILE *out, const char *label, int64_t v)
{
	size_t n = strlen(label);
	const char *sep = n && (label[n - 1] == '/' || label[n - 1] == '-') ? "" : " ";

	if (v == SK_UNKNOWN)
		fprintf(out, "%s%s?", label, sep);
	else
		fprintf(out, "%s%s%lld", label, sep, (long long)v);
}

/* Why the figures are a lower bound, as the TUI's header says it: a
 * report that reads like the whole machine must be the whole machine. */
static void print_partial(FILE *out, const struct sk_snapshot *s)
{
	size_t undumped = 0;

	if (!s->partial)
		return;
	for (size_t i = 0; i < s->netns.n; i++)
		undumped += s->netns.v[i].dump_error != 0;
	fprintf(out, "Partial: not everything could be seen, every count below is a lower bound");
	if (!s->root)
		fprintf(out, "; not root");
	if (s->procfs.fd_denied)
		fprintf(out, "; %u fd tables unreadable", s->procfs.fd_denied);
	if (undumped)
		fprintf(out, "; %zu netns not dumped", undumped);
	fputc('\n', out);
}

/* At most this many namespaces are named one by one: a host with a
 * thousand of them gets a count, not a thousand-namespace line. */
#define SK_NETNS_NAMED 4

static void print_netns(FILE *out, const struct sk_snapshot *s)
{
	size_t undumped = 0, named = 0, skipped = 0, from_fds = 0;

	for (size_t i = 0; i < s->netns.n; i++) {
		undumped += s->netns.v[i].dump_error != 0;
		skipped += s->netns.v[i].skipped;
		from_fds += s->netns.v[i].tcp_from_fds;
	}
	if (s->netns.n <= 1 && !undumped)
		return;
	fprintf(out, "Netns:   %zu with processes", s->netns.n);
	if (skipped) /* judged empty from the kernel's counters, not dumped */
		fprintf(out, ", %zu skipped (empty)", skipped);
	if (from_fds) /* the same rows, read with the fds instead of a full dump */
		fprintf(out, ", %zu TCP read with fds", from_fds);
	if (undumped)
		fprintf(out, ", %zu not (fully) dumped: their sockets are not (all) judged", undumped);
	for (size_t i = 0; i < s->netns.n && named < SK_NETNS_NAMED; i++) {
		const struct sk_netns *ns = &s->netns.v[i];

		if (!ns->dump_error)
			continue;
		named++;
		if (!ns->dumped) {
			fprintf(out, "\n         %llu NOT dumped (%s)", (unsigned long long)ns->id,
				strerror(-ns->dump_error));
			continue;
		}
		/* One protocol failed (no udp_diag, say): the rest was judged. */
		fprintf(out, "\n         %llu partly dumped (%s), judged only:",
			(unsigned long long)ns->id, strerror(-ns->dump_error));
		for (int c = 0; c < SK_SN_LAST; c++)
			if (ns->dumped & (1u << c))
				fprintf(out, " %s", sk_sockname_names[c]);
	}
	if (undumped > named)
		fprintf(out, "\n         and %zu more (the JSON lists every one)", undumped - named);
	fputc('\n', out);
}

/* when as the report writes every time: UTC, to the second. */
static const char *utc_text(time_t when, char buf[32])
{
	struct tm tm;

	if (!gmtime_r(&when, &tm) || !strftime(buf, 32, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, 32, "%lld", (long long)when);
	return buf;
}

/* Where socket ages and creators come from (the JSON's "lifecycle"). */
static void print_lifecycle(FILE *out, const struct sk_snapshot *s)
{
	const struct sk_lifecycle_info *li = &s->lifecycle;
	char when[32];

	if (li->source == SK_LIFE_BPF) {
		utc_text((time_t)li->since, when);
		fprintf(out, "Ages:    lifecycle bpf since %s, %llu events lost\n", when,
			(unsigned long long)li->events_lost);
	} else if (li->source == SK_LIFE_ESTIMATE) {
		fprintf(out, "Ages:    lifecycle estimate (tcp_info lower bounds, fd holders as "
			"creators)\n");
	}
}

static void print_header(FILE *out, const struct sk_snapshot *s)
{
	const struct sk_system *sys = &s->sys;
	const struct sk_limits *l = &sys->limits;
	const struct sk_totals *t = &s->totals;
	char when[32], b1[16], b2[16];

	utc_text(s->realtime.tv_sec, when);
	fprintf(out, "sktop %s - %s - %s - Linux %s - refresh %llu took %u ms%s\n", PACKAGE_VERSION,
		when, s->host, s->kernel, (unsigned long long)s->seq, s->duration_us / 1000,
		s->root ? "" : " - NOT ROOT: other users' sockets are not attributed");
	print_partial(out, s);

	fprintf(out, "Sockets: %u seen (tcp %u, udp %u, unix %u)", t->sockets,
		t->by_proto[SK_PROTO_TCP], t->by_proto[SK_PROTO_UDP], t->by_proto[SK_PROTO_UNIX]);
	fprintf(out, " | this netns: ");
	print_fig(out, "used", sys->sockstat[SK_SS_SOCKETS_USED]);
	print_fig(out, ", TCP inuse", sys->sockstat[SK_SS_TCP_INUSE]);
	print_fig(out, ", tw", sys->sockstat[SK_SS_TCP_TW]);
	fprintf(out, " | machine-wide: ");
	print_fig(out, "TCP orphan", sys->sockstat[SK_SS_TCP_ORPHAN]);
	print_fig(out, ", alloc", sys->sockstat[SK_SS_TCP_ALLOC]);
	print_fig(out, ", mem", sys->sockstat[SK_SS_TCP_MEM]);
	fprintf(out, " pages\n");

	fprintf(out, "TCP:     ESTAB %u  SYN_RECV %u  FIN_WAIT1 %u  FIN_WAIT2 %u  TIME_WAIT %u  "
		"CLOSE_WAIT %u  LAST_ACK %u  CLOSING %u  LISTEN %u  closed %u  orphans %u\n",
		t->tcp_states[SK_TCP_ESTABLISHED],
		t->tcp_states[SK_TCP_SYN_RECV] + t->tcp_states[SK_TCP_NEW_SYN_RECV],
		t->tcp_states[SK_TCP_FIN_WAIT1], t->tcp_states[SK_TCP_FIN_WAIT2],
		t->tcp_states[SK_TCP_TIME_WAIT], t->tcp_states[SK_TCP_CLOSE_WAIT],
		t->tcp_states[SK_TCP_LAST_ACK], t->tcp_states[SK_TCP_CLOSING],
		t->tcp_states[SK_TCP_LISTEN], t->closed[SK_SN_TCP] + t->closed[SK_SN_TCPV6],
		t->orphans);

	fprintf(out, "Limits:  ");
	print_fig(out, "orphans", sys->sockstat[SK_SS_TCP_ORPHAN]);
	print_fig(out, "/", l->tcp_max_orphans);
	print_fig(out, "  tcp_mem", sys->sockstat[SK_SS_TCP_MEM]);
	print_fig(out, " pages (pressure", l->tcp_mem[1]);
	print_fig(out, ", high", l->tcp_mem[2]);
	print_fig(out, ")  TIME_WAIT", sys->sockstat[SK_SS_TCP_TW]);
	print_fig(out, "/", l->tcp_max_tw_buckets);
	print_fig(out, "  files", l->file_nr[0]);
	print_fig(out, "/", l->file_max);
	print_fig(out, "  ports", l->ip_local_port_range[0]);
	print_fig(out, "-", l->ip_local_port_range[1]);
	fputc('\n', out);
	if (sys->limits_from != SK_LIMITS_HERE && sys->limits_from < SK_LIMITS_LAST)
		fprintf(out, "         tcp_max_orphans, tcp_mem: %s\n",
			sk_limits_from_text[sys->limits_from]);

	fprintf(out, "Memory:  rmem %s  wmem %s  Recv-Q %s  Send-Q %s (%s)",
		sk_format_bytes(t->rmem, b1, sizeof(b1)), sk_format_bytes(t->wmem, b2, sizeof(b2)),
		sk_format_bytes(t->recv_q, (char[16]){0}, 16),
		sk_format_bytes(t->send_q, (char[16]){0}, 16),
		s->partial ? "of the sockets seen: partial" : "all sockets seen");
	uint32_t unbound = t->unbound[SK_SN_UDP] + t->unbound[SK_SN_UDPV6];

	if (unbound)
		fprintf(out, "  unbound UDP %u", unbound);
	fputc('\n', out);

	/* Counters are cumulative since boot; only the non-zero ones tell anything. */
	bool any = false;

	for (int i = 0; i < SK_CTR_LAST; i++) {
		int64_t v = sys->counters[i];

		if (v <= 0 || i == SK_CTR_TCP_ACTIVE_OPENS || i == SK_CTR_TCP_PASSIVE_OPENS ||
		    i == SK_CTR_TCP_CURR_ESTAB || i == SK_CTR_TCP_RETRANS_SEGS)
			continue;
		fprintf(out, "%s%s %lld", any ? "  " : "Counters: ", sk_counter_defs[i].name,
			(long long)v);
		any = true;
	}
	if (any)
		fputc('\n', out);

	print_netns(out, s);
	print_lifecycle(out, s);
	if (s->diag.rejected || s->diag.failed || s->diag.unsupported)
		fprintf(out, "Kernel:  %u malformed messages skipped, %u dumps failed, %u protocols "
			"without sock_diag support\n", s->diag.rejected, s->diag.failed,
			s->diag.unsupported);
}

/* The kernel's own complaints, or why they cannot be read. */
static void print_kernel_log(FILE *out, const struct sk_snapshot *s)
{
	uint64_t now = (uint64_t)s->monotonic.tv_sec * 1000000 + (uint64_t)s->monotonic.tv_nsec / 1000;
	char line[160];

	if (!s->klog.enabled)
		return;
	if (s->klog.error) {
		fprintf(out, "Kernel log: unreadable (%s): its TCP complaints cannot be shown\n",
			strerror(s->klog.error));
		return;
	}
	for (int k = 0; k < SK_KMSG_LAST; k++) {
		if (!s->klog.lines[k].count)
			continue;
		sk_klog_text(&s->klog, (enum sk_kmsg_line)k, now, line, sizeof(line));
		fprintf(out, "Kernel log: %s\n", line);
	}
}

/* What one look could not judge: a second refresh (-n 2) can. */
static void print_pending(FILE *out, const struct sk_findings *fs)
{
	static const char *const what[SK_FIND_LAST] = {
		[SK_FIND_CLOSE_WAIT] = "CLOSE_WAIT sockets of unknown age",
		[SK_FIND_CLOSED_LEAK] = "closed socket fds not yet seen held",
	};
	bool any = false;

	for (int k = 0; k < SK_FIND_LAST; k++) {
		if (!fs->pending[k] || !what[k])
			continue;
		fprintf(out, "%s %u %s (%s)", any ? "," : "Needs a second look (-n 2):",
			fs->pending[k], what[k], sk_finding_kind_names[k]);
		any = true;
	}
	if (any)
		fputc('\n', out);
}

/* -p, -u and --service (sel, NULL without it) narrow the findings as they
 * narrow the processes; findings about the machine or a destination show
 * unless --service selects their sockets away. */
static bool finding_wanted(const struct sk_options *o, const struct sk_snapshot *s,
			   const struct sk_service_selection *sel, const struct sk_finding *f)
{
	const struct sk_findings *fs = s->findings;

	if (sel && !sk_service_selection_keeps(sel, f->proc, fs->socks.v + f->socks_start,
					       f->socks_count))
		return false;
	if (!f->pid)
		return true;
	if (o->have_uid && f->proc < s->procs.n && s->procs.v[f->proc].uid != o->uid)
		return false;
	if (!o->npids)
		return true;
	for (int i = 0; i < o->npids; i++)
		if (sk_finding_has_pid(f, o->pids[i]))
			return true;
	return false;
}

static void print_findings(FILE *out, const struct sk_snapshot *s, const struct sk_options *o,
			   const struct sk_service_selection *sel)
{
	const struct sk_findings *fs = s->findings;
	uint32_t by[SK_SEV_LAST] = {0};
	size_t n = 0;

	if (!fs)
		return;
	for (size_t i = 0; i < fs->list.n; i++)
		if (finding_wanted(o, s, sel, &fs->list.v[i])) {
			by[fs->list.v[i].severity < SK_SEV_LAST ? fs->list.v[i].severity : 0]++;
			n++;
		}
	if (n == 0) {
		fprintf(out, "Findings: none%s\n",
			s->partial ? " in what could be seen (partial: see above)" : "");
		print_pending(out, fs);
		return;
	}
	fprintf(out, "Findings: %u critical, %u warning, %u info\n", by[SK_SEV_CRITICAL],
		by[SK_SEV_WARNING], by[SK_SEV_INFO]);
	for (size_t i = 0; i < fs->list.n; i++) {
		const struct sk_finding *f = &fs->list.v[i];
		char sev[16];
		size_t k;

		if (!finding_wanted(o, s, sel, f))
			continue;
		for (k = 0; sk_severity_names[f->severity][k] && k + 1 < sizeof(sev); k++)
			sev[k] = (char)(sk_severity_names[f->severity][k] - 'a' + 'A');
		sev[k] = '\0';
		fprintf(out, "  %-8s %-16s %s: %s\n", sev, sk_finding_kind_names[f->kind], f->subject,
			f->title);
		fprintf(out, "  %-8s %-16s %s\n", "", "", f->detail);
		fprintf(out, "  %-8s %-16s next: %s\n", "", "", f->next_step);
	}
	print_pending(out, fs);
}

/* One process metric in its column, by its unit. */
static void print_metric(FILE *out, const struct sk_field *f, const struct sk_process *p)
{
	char buf[16];
	uint64_t v = sk_field_value(f, p);

	if (f->unit == SK_UNIT_BYTES)
		fprintf(out, " %*s", f->colwidth, sk_format_bytes(v, buf, sizeof(buf)));
	else
		fprintf(out, " %*llu", f->colwidth, (unsigned long long)v);
}

static void print_process(FILE *out, const struct sk_snapshot *s, const struct sk_process *p)
{
	char user[16], fds[32];

	sk_batch_user_name(p->uid, user, sizeof(user));
	if (p->fd_limit == SK_FD_LIMIT_UNLIMITED)
		snprintf(fds, sizeof(fds), "%u/unlim", p->fd_count);
	else
		snprintf(fds, sizeof(fds), "%u/%llu", p->fd_count, (unsigned long long)p->fd_limit);
	char cmd[SK_CMDLINE_MAX + SK_COMM_MAX + 8];
	const struct sk_service *sv = sk_snapshot_service(s, p->service);
	const char *service = sv && sv->name ? sk_strtab_get(&s->strs, sv->name) : "-";

	sk_command_format(p->comm, sk_strtab_get(&s->strs, p->cmdline), false, cmd, sizeof(cmd));

	fprintf(out, "%7d %-8s %13s", (int)p->pid, user, fds);
	for (int i = 0; i < SK_SORT_LAST; i++)
		if (sk_proc_fields[i].flags & SK_FIELD_BATCH)
			print_metric(out, &sk_proc_fields[i], p);
	/* A long name pushes the command right rather than lose its tail:
	 * the pod's hash suffix is what tells replicas apart. */
	fprintf(out, " %-*s %s\n", sk_proc_fields[SK_SORT_SERVICE].colwidth, service, cmd);
}

static void print_columns(FILE *out)
{
	fprintf(out, "%7s %-8s %13s", "PID", "USER", "FDS/LIMIT");
	for (int i = 0; i < SK_SORT_LAST; i++)
		if (sk_proc_fields[i].flags & SK_FIELD_BATCH)
			fprintf(out, " %*s", sk_proc_fields[i].colwidth, sk_proc_fields[i].title);
	fprintf(out, " %-*s %s\n", sk_proc_fields[SK_SORT_SERVICE].colwidth, "SERVICE", "COMMAND");
}

void sk_batch_print_text(FILE *out, const struct sk_snapshot *s, const struct sk_options *o)
{
	uint32_t *idx = malloc((s->procs.n + 1) * sizeof(*idx));
	struct sk_service_selection sel = {0};
	bool selected = o->service && sk_service_select(&sel, s, o->service) == 0;
	size_t n = 0;

	print_header(out, s);
	print_kernel_log(out, s);
	if (o->service && !selected)
		fprintf(out, "(out of memory selecting --service: findings not shown)\n");
	else
		print_findings(out, s, o, selected ? &sel : NULL);
	sk_service_selection_free(&sel);
	fputc('\n', out);
	print_columns(out);
	if (!idx) {
		fprintf(out, "(out of memory sorting processes)\n");
		return;
	}
	for (size_t i = 0; i < s->procs.n; i++)
		if (sk_batch_wants(o, s, &s->procs.v[i]))
			idx[n++] = (uint32_t)i;
	sk_proc_sort_snapshot(s, idx, n, o->sort, o->sort_invert);
	for (size_t i = 0; i < n && (o->top == 0 || (long)i < o->top); i++)
		print_process(out, s, &s->procs.v[idx[i]]);
	if (n == 0 && (o->npids || o->have_uid))
		fprintf(out, "no such process: none %s holds a socket\n",
			o->npids ? "of the -p pids" : "of the -u user's processes");
	free(idx);
	if (s->totals.orphans_attributed)
		fprintf(out, "ORPHANS: %u of %u orphans attributed to the process listening on their "
			"local address:port (likely owner, not certain)\n",
			s->totals.orphans_attributed, s->totals.orphans);
}

/* A mode that looks once, so events between refreshes cannot matter and
 * the lifecycle store is not worth its load: a snapshot file, a kill, and
 * a batch or check run of one refresh (--check alone means one). */
static bool looks_once(const struct sk_options *o)
{
	if (o->write_file || o->kill_filter)
		return true;
	if (o->check)
		return o->count <= 1;
	return o->count == 1;
}

struct sk_engine_config sk_batch_engine_config(const struct sk_options *o)
{
	/* Ask the kernel only for what is shown: no text column needs
	 * tcp_info, and it is over half of each TCP message. The JSON and -w
	 * files carry every record for the post-mortem, and --check's
	 * findings read what the JSON holds. */
	uint32_t needs = o->json || o->write_file || o->check
				 ? sk_json_needs()
				 : sk_record_needs(&sk_rec_proc, SK_FIELD_BATCH);
	/* ... but the findings every mode prints judge socket memory, shut
	 * windows and ages from tcp_info: a one-shot report must say what
	 * one look can justify. */
	needs |= SK_NEED_MEMINFO | SK_NEED_INFO;
	struct sk_engine_config cfg = {
		.proc_root = o->proc_root,
		.host_root = o->host_root,
		.want_unix = !o->no_unix,
		.want_meminfo = needs & SK_NEED_MEMINFO,
		.want_tcpinfo = needs & SK_NEED_INFO,
		.kmsg_path = o->replay_file ? NULL : o->kmsg_path,
		.thresholds = &o->thresholds,
		.no_bpf = o->no_bpf,
		.one_shot = looks_once(o),
	};
	return cfg;
}

void sk_batch_owner_note(const struct sk_engine *e)
{
	if (sk_engine_owner_note(e)[0])
		fprintf(stderr, "sktop: %s; reading /proc instead\n", sk_engine_owner_note(e));
	/* One line: when both fail it is for the same reason (privileges, BTF),
	 * and the report's Ages line says the ages are estimates. */
	else if (sk_engine_lifecycle_note(e)[0])
		fprintf(stderr, "sktop: %s%s\n", sk_engine_lifecycle_note(e),
			sk_engine_lifecycle_load_us(e) ? "" : "; socket ages are estimates");
}

void sk_batch_sleep(double sec)
{
	struct timespec ts = {(time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int sk_batch_run(const struct sk_options *o, FILE *out, struct sk_error *err)
{
	struct sk_engine_config cfg = sk_batch_engine_config(o);
	struct sk_engine *e;
	int rc = sk_engine_new(&cfg, &e, err);

	if (rc)
		return rc;
	sk_batch_owner_note(e);
	for (long i = 0; o->count == 0 || i < o->count; i++) {
		if (i > 0 && o->interval > 0)
			sk_batch_sleep(o->interval);
		rc = sk_engine_refresh(e, err);
		if (rc)
			break;
		const struct sk_snapshot *s = sk_engine_snapshot(e);

		if (o->json) {
			rc = sk_json_write_snapshot_service(out, s,
							    o->no_sockets ? SK_JSON_NO_SOCKETS : 0,
							    o->service);
			if (rc) {
				sk_error_set(err, rc, "cannot write JSON: %s", strerror(-rc));
				break;
			}
		} else {
			sk_batch_print_text(out, s, o);
			fputc('\n', out);
			if (fflush(out) != 0) {
				rc = sk_error_set(err, errno, "cannot write output: %s", strerror(errno));
				break;
			}
		}
	}
	sk_engine_free(e);
	return rc;
}

/* One entry of a replay: the JSON line again, or its report. */
static int replay_print(const struct sk_options *o, FILE *out, const struct sk_replaylog *log,
			struct sk_error *err)
{
	unsigned flags = log->single ? SK_JSON_HISTORY : 0;
	char name[4096];
	int rc = 0;

	if (o->json) {
		rc = sk_json_write_snapshot_service(out, &log->cur.snap,
						    flags | (o->no_sockets ? SK_JSON_NO_SOCKETS : 0),
						    o->service);
		return rc ? sk_error_set(err, -rc, "cannot write JSON: %s", strerror(-rc)) : 0;
	}
	sk_replaylog_entry_name(log, log->pos, name, sizeof(name));
	if (log->single)
		fprintf(out, "Replay of %s (read-only)\n", o->replay_file);
	else
		fprintf(out, "Replay of %s, snapshot %zu/%zu (read-only)\n", name, log->pos + 1,
			sk_replaylog_count(log));
	sk_batch_print_text(out, &log->cur.snap, o);
	if (!log->single)
		fputc('\n', out);
	if (fflush(out) != 0)
		rc = sk_error_set(err, errno, "cannot write output: %s", strerror(errno));
	return rc;
}

/* Every entry, oldest first: each history is rebuilt from those before,
 * which stepping forward has already read. */
int sk_batch_replay(const struct sk_options *o, FILE *out, struct sk_error *err)
{
	struct sk_replaylog *log = malloc(sizeof(*log));
	size_t i = 0;
	int rc;

	if (!log)
		return sk_error_set(err, ENOMEM, "out of memory");
	rc = sk_replaylog_open(o->replay_file, log, err);
	if (rc) {
		free(log);
		return rc;
	}
	while (rc == 0 && i < sk_replaylog_count(log)) {
		rc = sk_replaylog_seek(log, i, err);
		if (rc || log->pos < i) /* the rest proved unreadable */
			break;
		rc = replay_print(o, out, log, err);
		i = log->pos + 1;
	}
	if (log->skipped) {
		char what[256];

		sk_replaylog_skipped_text(log, what, sizeof(what));
		fprintf(stderr, "sktop: %s: %s\n", o->replay_file, what);
	}
	sk_replaylog_free(log);
	free(log);
	return rc;
}

/* Scripts read where the snapshot went; a path is untrusted text too (a
 * name with an escape sequence in it must not reach a terminal). */
static void print_path(FILE *out, const char *path)
{
	char buf[4 * SK_SNAPFILE_PATH_MAX + 1];

	sk_escape(path, strlen(path), buf, sizeof(buf));
	fprintf(out, "%s\n", buf);
	fflush(out);
}

int sk_batch_write(const struct sk_options *o, struct sk_error *err)
{
	struct sk_engine_config cfg = sk_batch_engine_config(o);
	struct sk_engine *e;
	struct sk_snapfile sf;
	char dir[PATH_MAX], base[PATH_MAX];
	int rc;

	if (strlen(o->write_file) >= sizeof(dir))
		return sk_error_set(err, ENAMETOOLONG, "-w: path too long");
	strcpy(dir, o->write_file);
	strcpy(base, o->write_file);
	rc = sk_engine_new(&cfg, &e, err);
	if (rc)
		return rc;
	sk_batch_owner_note(e);
	rc = sk_engine_refresh(e, err);
	if (rc == 0)
		rc = sk_snapfile_create(&sf, dirname(dir), basename(base), err);
	if (rc == 0) {
		rc = sk_json_write_snapshot(sf.f, sk_engine_snapshot(e));
		if (rc) {
			sk_error_set(err, rc, "cannot write %s: %s", sf.shown, strerror(-rc));
			sk_snapfile_abort(&sf);
		} else {
			rc = sk_snapfile_commit(&sf, err);
		}
	}
	if (rc == 0)
		print_path(stdout, sf.path);
	sk_engine_free(e);
	return rc;
}
