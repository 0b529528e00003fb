/* The header: title line, meters against the kernel's limits, socket and
 * state totals, counters that moved, findings, and the trend line. */
#include <config.h>

#include "render.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "colors.h"
#include "hunits.h"
#include "fview.h"
#include "render_int.h"
#include "vlife.h"

/* Appends src's text, with its colours, to dst. */
static void append_line(struct sk_line *dst, const struct sk_line *src)
{
	for (int i = 0; i < src->nspans; i++) {
		char tmp[SK_LINE_BYTES];
		const struct sk_span *sp = &src->spans[i];

		memcpy(tmp, src->buf + sp->start, sp->len);
		tmp[sp->len] = '\0';
		sk_line_add(dst, sp->color, tmp);
	}
}

/* --- header -------------------------------------------------------------------- */

static void title_line(const struct sk_ui *ui, int width, struct sk_line *out)
{
	const struct sk_snapshot *s = ui->snap;
	const char *tag = NULL;
	uint8_t tagc = SK_C_PAUSED;
	struct sk_line *l = out;
	struct sk_line left;

	if (ui->paused)
		tag = " PAUSED ";
	else if (ui->engine_error[0])
		tag = " REFRESH FAILED ", tagc = SK_C_STATUS_ERR;
	sk_line_init(&left, tag ? width - (int)strlen(tag) - 1 : width, !ui->unicode);
	sk_line_add(&left, SK_C_TITLE, "sktop");
	if (s) {
		struct tm tm;
		char when[32];
		time_t t = s->realtime.tv_sec;

		localtime_r(&t, &tm);
		/* A log spans days: its entries say which. */
		strftime(when, sizeof(when), ui->replay_count ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S",
			 &tm);
		sk_line_addf(&left, SK_C_BOLD, " %s", s->host);
		sk_line_addf(&left, SK_C_DEFAULT, "  %s", when);
		/* The rows are from `when`; a slow refresh (a million sockets)
		 * says it is coming rather than looking frozen. */
		if (ui->refresh_started_ms && !ui->paused &&
		    ui->now_ms >= ui->refresh_started_ms + 1000)
			sk_line_addf(&left, SK_C_WARN, " (refreshing %llus)",
				     (unsigned long long)((ui->now_ms - ui->refresh_started_ms) / 1000));
	}
	if (ui->replay_count)
		sk_line_addf(&left, SK_C_WARN, "  REPLAY %zu/%zu", ui->replay_pos + 1,
			     ui->replay_count);
	else if (ui->opts && ui->opts->replay_file)
		sk_line_add(&left, SK_C_WARN, "  REPLAY (saved snapshot, read-only)");
	else
		sk_line_addf(&left, SK_C_DIM, "  every %gs", ui->interval);
	if (s) {
		if (s->root)
			sk_line_add(&left, SK_C_DIM, "  root");
		else
			sk_line_add(&left, SK_C_WARN, "  NOT ROOT: only your own processes' sockets");
		uint32_t undumped = 0;

		for (size_t i = 0; i < s->netns.n; i++)
			undumped += s->netns.v[i].dump_error != 0;
		if (undumped)
			sk_line_addf(&left, SK_C_WARN, "  %u netns not dumped", undumped);
		else if (s->procfs.fd_denied)
			sk_line_addf(&left, SK_C_WARN, "  %u fd tables unreadable", s->procfs.fd_denied);
		/* Where the AGE column comes from, and whether it has gaps. */
		const char *ages = sk_view_ages_source(s);

		if (ages)
			sk_line_addf(&left, SK_C_DIM, "  ages %s", ages);
		if (ages && s->lifecycle.events_lost)
			sk_line_addf(&left, SK_C_WARN, " (%llu events lost)",
				     (unsigned long long)s->lifecycle.events_lost);
		sk_line_addf(&left, SK_C_DIM, "  scan %ums", s->duration_us / 1000);
		/* A version cut short reads as another version: whole or not at all. */
		if (s->kernel[0] &&
		    left.cols + 8 + sk_text_width(s->kernel, !ui->unicode) <= left.max)
			sk_line_addf(&left, SK_C_DIM, "  Linux %s", s->kernel);
	}
	sk_line_init(l, width, !ui->unicode);
	append_line(l, &left);
	if (tag) {
		sk_line_pad_to(l, SK_C_DEFAULT, width - (int)strlen(tag));
		sk_line_add(l, tagc, tag);
	}
}

enum { LVL_OK, LVL_WARN, LVL_CRIT };

static uint8_t level_color(int lvl)
{
	return lvl == LVL_CRIT ? SK_C_CRIT : lvl == LVL_WARN ? SK_C_WARN : SK_C_BAR;
}

/* htop's meter: "Label[|||||       value/limit]", the figures written over
 * the right end of the bar. */
static void meter(struct sk_line *l, const struct sk_ui *ui, int width, const char *label,
		  int64_t value, int64_t limit, int lvl, const char *text)
{
	int lw = 9, bw = width - lw - 2, tw = (int)strlen(text), fill = 0;
	char cells[SK_LINE_COLS_MAX + 1];
	bool known = value != SK_UNKNOWN && limit > 0;

	sk_line_field(l, SK_C_LABEL, label, lw, SK_ALIGN_LEFT);
	if (bw < 4) {
		sk_line_add(l, SK_C_VALUE, text);
		return;
	}
	if (bw > SK_LINE_COLS_MAX)
		bw = SK_LINE_COLS_MAX;
	if (known) {
		fill = (int)((double)value / (double)limit * bw + 0.5);
		if (fill > bw)
			fill = bw;
		if (value > 0 && fill == 0)
			fill = 1;
	}
	if (tw > bw)
		tw = bw;
	sk_line_add(l, SK_C_BOLD, "[");
	for (int i = 0; i < bw; i++)
		cells[i] = i >= bw - tw ? text[i - (bw - tw)] : i < fill ? '|' : ' ';
	cells[bw] = '\0';
	/* Bar in the level's colour, the figures over it in bold. */
	char part[SK_LINE_COLS_MAX + 1];
	int split = bw - tw;

	memcpy(part, cells, (size_t)split);
	part[split] = '\0';
	sk_line_add(l, known ? level_color(lvl) : SK_C_DIM, part);
	sk_line_add(l, lvl == LVL_OK ? SK_C_VALUE : level_color(lvl), cells + split);
	sk_line_add(l, SK_C_BOLD, "]");
	(void)ui;
}

static int pct_level(int64_t value, int64_t limit, int64_t warn, int64_t crit)
{
	int p = sk_tui_percent(value, limit);

	if (p < 0)
		return LVL_OK;
	return p >= crit ? LVL_CRIT : p >= warn ? LVL_WARN : LVL_OK;
}

struct meter_spec {
	const char *label;
	int64_t value, limit;
	int lvl;
	char text[64];
};

/* A count that has grown steadily over the history window gets, in front
 * of its figures, when it reaches its limit at that rate ("full 12m:"),
 * unless that is two days away. The meters are in enum sk_exhaust order. */
static void meters_eta(const struct sk_ui *ui, struct meter_spec m[SK_EX_LAST])
{
	struct sk_exhaustion x[SK_EX_LAST];

	if (!ui->snap->history)
		return;
	sk_history_exhaustion(ui->snap->history, &ui->snap->sys, x);
	for (int i = 0; i < SK_EX_LAST; i++) {
		char eta[16], text[sizeof(m[i].text)];

		if (x[i].minutes < 0 || !x[i].trend.monotonic || x[i].minutes >= 48 * 60)
			continue;
		if (x[i].minutes < 60)
			snprintf(eta, sizeof(eta), "%.0fm", x[i].minutes);
		else
			snprintf(eta, sizeof(eta), "%.0fh", x[i].minutes / 60);
		/* Cutting the meter's text short is fine: it is a label. */
		if (snprintf(text, sizeof(text), "full %s: %s", eta, m[i].text) >= (int)sizeof(text))
			text[sizeof(text) - 1] = '\0';
		memcpy(m[i].text, text, sizeof(text));
		if (x[i].minutes < 60 && m[i].lvl == LVL_OK)
			m[i].lvl = LVL_WARN;
	}
}

/* Why the machine-wide limits read "?" here, in a word or two (the batch
 * text and JSON say it in full). */
static const char *limits_why(const struct sk_system *sys)
{
	switch (sys->limits_from) {
	case SK_LIMITS_NOT_ROOT: return " (not root)";
	case SK_LIMITS_SAME_NETNS: return " (container)";
	case SK_LIMITS_SETNS_FAILED: return " (setns refused)";
	case SK_LIMITS_NOT_READ: return " (unreadable)";
	default: return "";
	}
}

static void meters(const struct sk_ui *ui, struct meter_spec m[4])
{
	const struct sk_system *sys = &ui->snap->sys;
	const struct sk_limits *lim = &sys->limits;
	char a[24], b[24], c[24];
	int64_t page = lim->page_size > 0 ? lim->page_size : 4096;
	int64_t mem = sys->sockstat[SK_SS_TCP_MEM];

	m[0] = (struct meter_spec){"Orphans", sys->sockstat[SK_SS_TCP_ORPHAN], lim->tcp_max_orphans,
				   0, ""};
	m[0].lvl = pct_level(m[0].value, m[0].limit, th(ui, SK_TH_ORPHANS_WARN_PCT, 25),
			     th(ui, SK_TH_ORPHANS_CRIT_PCT, 75));
	snprintf(m[0].text, sizeof(m[0].text), "%s/%s%s", sk_tui_limit(m[0].value, a),
		 sk_tui_limit(m[0].limit, b), limits_why(sys));

	/* TCP memory turns at the kernel's own thresholds: pressure, then high. */
	m[1] = (struct meter_spec){"TCP mem", mem, lim->tcp_mem[2], LVL_OK, ""};
	if (mem != SK_UNKNOWN && lim->tcp_mem[2] > 0 && mem >= lim->tcp_mem[2])
		m[1].lvl = LVL_CRIT;
	else if (mem != SK_UNKNOWN && lim->tcp_mem[1] > 0 && mem >= lim->tcp_mem[1])
		m[1].lvl = LVL_WARN;
	if (mem == SK_UNKNOWN)
		snprintf(m[1].text, sizeof(m[1].text), "?");
	else if (lim->tcp_mem[1] > 0 && lim->tcp_mem[2] > 0)
		snprintf(m[1].text, sizeof(m[1].text), "%s/pres %s/high %s",
			 sk_tui_bytes((uint64_t)(mem * page), a), sk_tui_bytes((uint64_t)(lim->tcp_mem[1] * page), b),
			 sk_tui_bytes((uint64_t)(lim->tcp_mem[2] * page), c));
	else
		snprintf(m[1].text, sizeof(m[1].text), "%s", sk_tui_bytes((uint64_t)(mem * page), a));

	m[2] = (struct meter_spec){"TIME_WAIT", sys->sockstat[SK_SS_TCP_TW], lim->tcp_max_tw_buckets,
				   0, ""};
	m[2].lvl = pct_level(m[2].value, m[2].limit, 80, 95);
	snprintf(m[2].text, sizeof(m[2].text), "%s/%s", sk_tui_limit(m[2].value, a), sk_tui_limit(m[2].limit, b));

	int64_t fmax = lim->file_max > 0 ? lim->file_max : lim->file_nr[2];

	m[3] = (struct meter_spec){"Files", lim->file_nr[0], fmax, 0, ""};
	m[3].lvl = pct_level(m[3].value, m[3].limit, th(ui, SK_TH_FILES_WARN_PCT, 80), 95);
	snprintf(m[3].text, sizeof(m[3].text), "%s/%s", sk_tui_limit(m[3].value, a), sk_tui_limit(m[3].limit, b));
	meters_eta(ui, m);
}

/* The figures of the tcp_mem meter are long; a narrow meter gets the short
 * form. */
static const char *meter_text(const struct meter_spec *m, int width, char *buf, size_t size)
{
	int bw = width - 11;

	if ((int)strlen(m->text) <= bw - 2)
		return m->text;
	snprintf(buf, size, "%s", m->text);
	/* "1.2M/pres 5M/high 8M" -> "1.2M/5M/8M" */
	char *out = buf;

	for (const char *p = m->text; *p; p++) {
		if (strncmp(p, "pres ", 5) == 0)
			p += 4;
		else if (strncmp(p, "high ", 5) == 0)
			p += 4;
		else
			*out++ = *p;
	}
	*out = '\0';
	return buf;
}

/* Pieces of a header line in order of importance: each goes in only if
 * it fits whole, so a narrow terminal loses the least useful figures
 * rather than the end of the line. */
struct piece {
	const char *label;
	const char *value;
	uint8_t color;
};

static void add_pieces(struct sk_line *l, const struct piece *p, size_t n, const char *sep)
{
	bool used[16] = {false};
	int room = l->max - l->cols;

	for (size_t i = 0; i < n && i < 16; i++) {
		int w = (int)strlen(p[i].label) + sk_text_width(p[i].value, l->ascii) +
			(int)strlen(sep);

		if (w <= room) {
			used[i] = true;
			room -= w;
		}
	}
	for (size_t i = 0; i < n && i < 16; i++) {
		if (!used[i])
			continue;
		sk_line_add(l, SK_C_DEFAULT, p[i].label);
		sk_line_add(l, p[i].color, p[i].value);
		sk_line_add(l, SK_C_DEFAULT, sep);
	}
}

static void sockets_line(const struct sk_ui *ui, int width, struct sk_line *l)
{
	const struct sk_snapshot *s = ui->snap;
	const int64_t *ss = s->sys.sockstat;
	char a[24], b[24], c[24], d[24], e[24], f[24], g[24], h[24], alloc[48];

	snprintf(alloc, sizeof(alloc), "%s/%s", sk_tui_limit(ss[SK_SS_TCP_INUSE], b),
		 sk_tui_limit(ss[SK_SS_TCP_ALLOC], c));
	/* Listed in display order; the importance decides what stays. */
	struct piece p[] = {
		{"used ", sk_tui_limit(ss[SK_SS_SOCKETS_USED], a), SK_C_VALUE},
		{"tcp inuse/alloc ", alloc, SK_C_VALUE},
		{"udp ", sk_tui_limit(ss[SK_SS_UDP_INUSE], d), SK_C_VALUE},
		{"unix ", sk_tui_count(s->totals.by_proto[SK_PROTO_UNIX], 7, e), SK_C_VALUE},
		{"rmem ", sk_tui_bytes(s->totals.rmem, f), SK_C_VALUE},
		{"wmem ", sk_tui_bytes(s->totals.wmem, g), SK_C_VALUE},
		{"recv-q ", sk_tui_bytes(s->totals.recv_q, h), SK_C_VALUE},
	};

	sk_line_init(l, width, !ui->unicode);
	sk_line_field(l, SK_C_LABEL, "Sockets", 9, SK_ALIGN_LEFT);
	add_pieces(l, p, sizeof(p) / sizeof(p[0]), "  ");
}

struct hist_item {
	const char *name;
	uint64_t n;
	uint8_t bad;  /* colour when non-zero */
	uint8_t prio; /* 0 kept longest */
};

static void states_line(const struct sk_ui *ui, int width, struct sk_line *l)
{
	const struct sk_totals *t = &ui->snap->totals;
	const uint32_t *st = t->tcp_states;
	struct hist_item it[] = {
		{sk_dstate_name(SK_TCP_ESTABLISHED), st[SK_TCP_ESTABLISHED], SK_C_VALUE, 5},
		{sk_dstate_name(SK_TCP_SYN_RECV),
		 (uint64_t)st[SK_TCP_SYN_RECV] + st[SK_TCP_NEW_SYN_RECV], SK_C_WARN, 6},
		{sk_dstate_name(SK_TCP_FIN_WAIT1), st[SK_TCP_FIN_WAIT1], SK_C_WARN, 3},
		{sk_dstate_name(SK_TCP_FIN_WAIT2), st[SK_TCP_FIN_WAIT2], SK_C_VALUE, 8},
		{sk_dstate_name(SK_TCP_TIME_WAIT), st[SK_TCP_TIME_WAIT], SK_C_VALUE, 4},
		{sk_dstate_name(SK_TCP_CLOSE_WAIT), st[SK_TCP_CLOSE_WAIT], SK_C_CRIT, 0},
		{sk_dstate_name(SK_TCP_LAST_ACK), st[SK_TCP_LAST_ACK], SK_C_WARN, 7},
		{sk_dstate_name(SK_DS_CLOSED), (uint64_t)t->closed[SK_SN_TCP] + t->closed[SK_SN_TCPV6],
		 SK_C_CRIT, 1},
		{sk_dstate_name(SK_DS_ORPHANS), t->orphans, SK_C_WARN, 2},
	};
	enum { N = sizeof(it) / sizeof(it[0]) };
	bool on[N];
	char buf[24];
	int need = 9;

	for (size_t i = 0; i < N; i++) {
		on[i] = true;
		need += (int)strlen(it[i].name) + 1 + (int)strlen(sk_tui_count(it[i].n, 7, buf)) + 2;
	}
	/* Too wide: zeros go first, then the least telling states. */
	for (int pass = 0; pass < 2 && need - 2 > width; pass++) {
		for (int prio = 8; prio >= 0 && need - 2 > width; prio--)
			for (size_t i = 0; i < N && need - 2 > width; i++) {
				if (!on[i] || it[i].prio != prio || (pass == 0 && it[i].n))
					continue;
				if (it[i].prio <= 2 && pass == 0)
					continue; /* the leak states show even as 0 */
				on[i] = false;
				need -= (int)strlen(it[i].name) + 1 +
					(int)strlen(sk_tui_count(it[i].n, 7, buf)) + 2;
			}
	}
	sk_line_init(l, width, !ui->unicode);
	sk_line_field(l, SK_C_LABEL, "TCP", 9, SK_ALIGN_LEFT);
	for (size_t i = 0; i < N; i++) {
		if (!on[i])
			continue;
		sk_line_addf(l, SK_C_DEFAULT, "%s ", it[i].name);
		sk_line_add(l, it[i].n ? it[i].bad : SK_C_DIM, sk_tui_count(it[i].n, 7, buf));
		sk_line_add(l, SK_C_DEFAULT, "  ");
	}
}

static void counters_line(const struct sk_ui *ui, int width, struct sk_line *l)
{
	const struct sk_counter_track *t = &ui->counters;
	bool any = false;

	sk_line_init(l, width, !ui->unicode);
	sk_line_field(l, SK_C_LABEL, "Counters", 9, SK_ALIGN_LEFT);
	for (int i = 0; i < SK_CTR_LAST; i++) {
		/* Traffic counters always move; only trouble is news. */
		if (i == SK_CTR_TCP_CURR_ESTAB || i == SK_CTR_TCP_ACTIVE_OPENS ||
		    i == SK_CTR_TCP_PASSIVE_OPENS || i == SK_CTR_TCP_RETRANS_SEGS)
			continue;
		if (!t->moved_seq[i] || t->seq - t->moved_seq[i] >= SK_COUNTER_LINGER)
			continue;
		bool now = t->moved_seq[i] == t->seq;

		sk_line_addf(l, now ? SK_C_WARN : SK_C_DIM, "%s %+lld", sk_counter_defs[i].name,
			     (long long)t->delta[i]);
		if (!now)
			sk_line_addf(l, SK_C_DIM, " (%llu ago)",
				     (unsigned long long)(t->seq - t->moved_seq[i]));
		sk_line_add(l, SK_C_DEFAULT, "  ");
		any = true;
	}
	if (!any)
		sk_line_add(l, SK_C_DIM, t->have_prev && t->seq > 1
					 ? "no drop, abort or overflow counter moved lately"
					 : "(changes show from the second refresh)");
}

static void findings_line(const struct sk_ui *ui, int width, struct sk_line *l)
{
	const struct sk_findings *fs = ui->snap->findings;

	sk_line_init(l, width, !ui->unicode);
	sk_line_field(l, SK_C_LABEL, "Findings", 9, SK_ALIGN_LEFT);
	if (!fs || fs->list.n == 0) {
		sk_line_add(l, SK_C_DIM, "none");
		return;
	}
	const struct sk_finding *f = &fs->list.v[0];
	uint8_t c = f->severity == SK_SEV_CRITICAL ? SK_C_CRIT
		    : f->severity == SK_SEV_WARNING ? SK_C_WARN : SK_C_DEFAULT;

	if (fs->list.n > 1)
		sk_line_addf(l, SK_C_DIM, "(%zu) ", fs->list.n);
	sk_line_addf(l, c, "%s", f->severity < SK_SEV_LAST ? sk_severity_names[f->severity] : "?");
	sk_line_addf(l, SK_C_BOLD, " %s", f->subject);
	sk_line_addf(l, SK_C_DEFAULT, ": %s", f->title);
}

/* The samples of a series, oldest first: the kept ring, then the latest
 * refresh when the ring has not kept it (it keeps one per window/slots). */
static size_t series_points(const struct sk_series *se, struct sk_sample *out)
{
	int start = (se->head + SK_HISTORY_SLOTS - se->n) % SK_HISTORY_SLOTS;
	size_t k = 0;

	for (int i = 0; i < se->n; i++)
		out[k++] = se->s[(start + i) % SK_HISTORY_SLOTS];
	if (k && se->last.t_ms > out[k - 1].t_ms)
		out[k++] = se->last;
	return k;
}

/* Eighth blocks from the lowest to the highest of the points shown: the
 * shape of the curve, with the figures beside it for the scale. */
static void sparkline(const struct sk_ui *ui, const struct sk_sample *p, size_t n, char *buf,
		      size_t size)
{
	static const char *const blocks[8] = {
		"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
		"\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88",
	};
	static const char ascii[8] = "_.-:=+*#";
	int64_t lo = p[0].v, hi = lo;
	size_t len = 0;

	buf[0] = '\0';
	for (size_t i = 1; i < n; i++) {
		lo = p[i].v < lo ? p[i].v : lo;
		hi = p[i].v > hi ? p[i].v : hi;
	}
	for (size_t i = 0; i < n; i++) {
		double range = (double)hi - (double)lo;
		int lvl = range > 0 ? (int)(((double)p[i].v - (double)lo) * 7 / range + 0.5) : 0;
		const char *g = ui->unicode ? blocks[lvl] : (char[2]){ascii[lvl], '\0'};
		size_t gl = strlen(g);

		if (len + gl + 1 > size)
			break;
		memcpy(buf + len, g, gl + 1);
		len += gl;
	}
}

/* "45s", "4m", "10m": the time the sparkline covers ("last 4m"). */
static void span_text(uint64_t ms, char *buf, size_t size)
{
	if (ms < 60000)
		snprintf(buf, size, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, size, "%llum", (unsigned long long)(ms / 60000));
}

/* Where the count GROW/m measures has been going: for the process in
 * focus, else for the whole system. "leakgen[42] CLOSE_WAIT last 10m
 * _.-=*# 3->812 +80/m growing steadily" (in blocks on a UTF-8 terminal).
 * Narrow terminals lose the figures, then sparkline width, then the words,
 * never the rate. */
static void trend_line(const struct sk_ui *ui, int width, struct sk_line *l)
{
	const struct sk_snapshot *s = ui->snap;
	enum sk_pmetric m = (enum sk_pmetric)ui->view.growth_metric;
	uint32_t pi = sk_view_focus_proc(&ui->view, s);
	const char *name = sk_view_metric_name(m);
	bool is_bytes = sk_view_metric_bytes(m);
	const struct sk_series *se = NULL;
	char who[96];

	sk_line_init(l, width, !ui->unicode);
	sk_line_field(l, SK_C_LABEL, "Trend", 9, SK_ALIGN_LEFT);
	if (!s->history) {
		sk_line_add(l, SK_C_DIM, "no history in this snapshot");
		return;
	}
	if (pi != SK_NONE) {
		const struct sk_process *p = &s->procs.v[pi];
		const struct sk_proc_history *ph = sk_history_find(s->history, p->pid, p->starttime);

		sk_view_proc_label(p, who, sizeof(who));
		se = ph ? &ph->m[m] : NULL;
	} else {
		/* Nothing in focus (states, orphans, all sockets): the same count
		 * machine-wide where the history has it, CLOSE_WAIT otherwise. */
		enum sk_smetric sm = m == SK_PM_CLOSED ? SK_SM_CLOSED
				     : m == SK_PM_ORPHANS ? SK_SM_ORPHANS : SK_SM_CLOSE_WAIT;

		snprintf(who, sizeof(who), "system");
		name = sm == SK_SM_CLOSED ? "closed" : sm == SK_SM_ORPHANS ? "orphans" : "CLOSE_WAIT";
		is_bytes = false;
		se = &s->history->sys[sm];
	}
	sk_line_add(l, SK_C_BOLD, who);
	sk_line_addf(l, SK_C_DEFAULT, " %s", name);

	struct sk_sample pts[SK_HISTORY_SLOTS + 1];
	size_t n = se ? series_points(se, pts) : 0;
	struct sk_trend tr = se ? sk_series_trend(se) : (struct sk_trend){0};

	if (!tr.known || n < 2) {
		sk_line_add(l, SK_C_DIM, ui->replay_count
					 ? "  no trend in the log before this snapshot"
					 : ui->opts && ui->opts->replay_file
					 ? "  no trend saved in this file"
					 : "  no trend yet: it takes two refreshes a second apart");
		return;
	}
	char rate[32], r[24], vals[64], a[24], b[24], span[24];
	char spark[(SK_HISTORY_SLOTS + 1) * 3 + 1];
	const char *flag = tr.monotonic ? "growing steadily" : "";
	int room = l->max - l->cols;

	snprintf(rate, sizeof(rate), "%s/m", sk_tui_fmt_rate(tr.per_min, is_bytes, r, sizeof(r)));
	snprintf(vals, sizeof(vals), "%s%s%s", sk_tui_amount(pts[0].v, is_bytes, a), G_TO(ui),
		 sk_tui_amount(pts[n - 1].v, is_bytes, b));
	/* Widths of: span, sparkline, figures, rate, flag; each after a space. */
	size_t cols = n;
	int w_vals = sk_text_width(vals, !ui->unicode) + 1, w_rate = (int)strlen(rate) + 1;
	int w_flag = flag[0] ? (int)strlen(flag) + 2 : 0, w_span;

	span_text(pts[n - 1].t_ms - pts[0].t_ms, span, sizeof(span));
	w_span = (int)strlen(span) + 7;
	bool show_vals = true, show_flag = flag[0] != '\0';

	for (;;) {
		int need = w_span + (int)cols + 1 + (show_vals ? w_vals : 0) + w_rate +
			   (show_flag ? w_flag : 0);

		if (need <= room)
			break;
		if (show_vals)
			show_vals = false;
		else if (cols > 8)
			cols = need - room >= (int)cols - 8 ? 8 : cols - (size_t)(need - room);
		else if (show_flag)
			show_flag = false;
		else
			break; /* the line clips the rest */
	}
	const struct sk_sample *shown = pts + (n - cols);

	span_text(shown[cols - 1].t_ms - shown[0].t_ms, span, sizeof(span));
	sparkline(ui, shown, cols, spark, sizeof(spark));
	sk_line_addf(l, SK_C_DIM, " last %s ", span);
	sk_line_add(l, tr.monotonic ? growth_color(&tr) : SK_C_BAR, spark);
	if (show_vals)
		sk_line_addf(l, SK_C_DEFAULT, " %s", vals);
	sk_line_add(l, SK_C_DEFAULT, " ");
	sk_line_add(l, tr.monotonic ? growth_color(&tr) : SK_C_VALUE, rate);
	if (show_flag)
		sk_line_addf(l, growth_color(&tr), "  %s", flag);
}

/* An opened finding replaces the meters: its whole text is what the
 * operator came for, and the meters are one Esc away. */
static int finding_lines(const struct sk_ui *ui, const struct sk_finding *f, int width,
			 struct sk_line *out, int max)
{
	static const uint8_t colors[SK_FV_LAST] = {
		[SK_FV_TITLE] = SK_C_BOLD, [SK_FV_TEXT] = SK_C_DEFAULT, [SK_FV_COMMAND] = SK_C_KEY,
	};
	struct sk_fview_line fl[SK_HEADER_MAX];
	size_t n = sk_fview_lines(f, width, fl, SK_HEADER_MAX);

	if (n > (size_t)max)
		n = (size_t)max;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = colors[fl[i].kind];

		sk_line_init(&out[i], width, !ui->unicode);
		if (i == 0)
			c = f->severity == SK_SEV_CRITICAL ? SK_C_CRIT
			    : f->severity == SK_SEV_WARNING ? SK_C_WARN : SK_C_INFO;
		sk_line_add(&out[i], c, fl[i].text);
	}
	return (int)n;
}

int sk_render_header(const struct sk_ui *ui, int width, struct sk_line *out, int max)
{
	int n = 0;

	if (max <= 0)
		return 0;
	title_line(ui, width, &out[n++]);
	if (!ui->snap) {
		if (n < max) {
			sk_line_init(&out[n], width, !ui->unicode);
			sk_line_add(&out[n++], SK_C_CRIT, ui->engine_error[0] ? ui->engine_error
							 : "no snapshot yet");
		}
		return n;
	}
	const struct sk_finding *f = sk_view_level_finding(sk_view_top_c(&ui->view), ui->snap);

	if (f)
		return n + finding_lines(ui, f, width, out + n, max - n);
	struct meter_spec m[4];
	int per = width >= 200 ? 4 : width >= 60 ? 2 : 1;
	int mw = (width - (per - 1)) / per;

	meters(ui, m);
	for (int i = 0; i < 4 && n < max; i += per) {
		sk_line_init(&out[n], width, !ui->unicode);
		for (int k = 0; k < per && i + k < 4; k++) {
			char tmp[64];

			if (k)
				sk_line_pad_to(&out[n], SK_C_DEFAULT, k * (mw + 1));
			meter(&out[n], ui, mw, m[i + k].label, m[i + k].value, m[i + k].limit,
			      m[i + k].lvl, meter_text(&m[i + k], mw, tmp, sizeof(tmp)));
		}
		n++;
	}
	if (n < max)
		sockets_line(ui, width, &out[n++]);
	if (n < max)
		states_line(ui, width, &out[n++]);
	if (n < max)
		counters_line(ui, width, &out[n++]);
	if (n < max && ui->snap->findings)
		findings_line(ui, width, &out[n++]);
	if (n < max)
		trend_line(ui, width, &out[n++]);
	return n;
}
