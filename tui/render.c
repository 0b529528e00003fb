#include <config.h>

#include "render.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "colors.h"
#include "analyse/findings.h"
#include "hunits.h"
#include "keys.h"
#include "util/units.h"

/* Glyphs with their ASCII stand-ins (TERM=vt100, no UTF-8 locale). */
#define G(ui, utf8, ascii) ((ui)->unicode ? (utf8) : (ascii))
#define G_SEP(ui) G(ui, " \xe2\x94\x82 ", " | ")
#define G_TIMES(ui) G(ui, "\xc3\x97", "x")
#define G_DOWN(ui) G(ui, "\xe2\x96\xbc", "v")
#define G_UP(ui) G(ui, "\xe2\x96\xb2", "^")
#define G_CRUMB(ui) G(ui, " \xe2\x80\xba ", " > ")
#define G_INF(ui) G(ui, "\xe2\x88\x9e", "inf")
#define G_RISING(ui) G(ui, "\xe2\x86\x91", "!")
#define G_TO(ui) G(ui, "\xe2\x86\x92", "->")

static const char *bytes(uint64_t b, char *buf)
{
	return sk_format_bytes(b, buf, 16);
}

static const char *count(uint64_t n, int width, char *buf)
{
	return sk_tui_fmt_count(n, width, buf, 24);
}

static const char *fig(int64_t v, char *buf)
{
	if (v == SK_UNKNOWN)
		return "?";
	/* file-max and friends default to "no limit" as LONG_MAX. */
	if (v >= (int64_t)1 << 60)
		return "max";
	return sk_tui_fmt_count((uint64_t)v, 7, buf, 24);
}

static int64_t th(const struct sk_ui *ui, enum sk_threshold t, int64_t fallback)
{
	return ui->opts ? ui->opts->thresholds.v[t] : fallback;
}

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
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
		sk_line_addf(&left, SK_C_BOLD, " %s", s->host);
		sk_line_addf(&left, SK_C_DEFAULT, "  %s", when);
		/* The rows are from `when`; a slow refresh (a million sockets)
		 * says it is coming rather than looking frozen. */
		if (ui->refresh_started_ms && !ui->paused &&
		    ui->now_ms >= ui->refresh_started_ms + 1000)
			sk_line_addf(&left, SK_C_WARN, " (refreshing %llus)",
				     (unsigned long long)((ui->now_ms - ui->refresh_started_ms) / 1000));
	}
	if (ui->opts && ui->opts->replay_file)
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
		sk_line_addf(&left, SK_C_DIM, "  scan %ums", s->duration_us / 1000);
		if (s->kernel[0])
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
	snprintf(m[0].text, sizeof(m[0].text), "%s/%s%s", fig(m[0].value, a), fig(m[0].limit, b),
		 limits_why(sys));

	/* TCP memory turns at the kernel's own thresholds: pressure, then high. */
	m[1] = (struct meter_spec){"TCP mem", mem, lim->tcp_mem[2], LVL_OK, ""};
	if (mem != SK_UNKNOWN && lim->tcp_mem[2] > 0 && mem >= lim->tcp_mem[2])
		m[1].lvl = LVL_CRIT;
	else if (mem != SK_UNKNOWN && lim->tcp_mem[1] > 0 && mem >= lim->tcp_mem[1])
		m[1].lvl = LVL_WARN;
	if (mem == SK_UNKNOWN)
		snprintf(m[1].text, sizeof(m[1].text), "?");
	else if (lim->tcp_mem[1] > 0 && lim->tcp_mem[2] > 0)
		snprintf(m[1].text, sizeof(m[1].text), "%s/pres %s/high %s", bytes((uint64_t)(mem * page), a),
			 bytes((uint64_t)(lim->tcp_mem[1] * page), b),
			 bytes((uint64_t)(lim->tcp_mem[2] * page), c));
	else
		snprintf(m[1].text, sizeof(m[1].text), "%s", bytes((uint64_t)(mem * page), a));

	m[2] = (struct meter_spec){"TIME_WAIT", sys->sockstat[SK_SS_TCP_TW], lim->tcp_max_tw_buckets,
				   0, ""};
	m[2].lvl = pct_level(m[2].value, m[2].limit, 80, 95);
	snprintf(m[2].text, sizeof(m[2].text), "%s/%s", fig(m[2].value, a), fig(m[2].limit, b));

	int64_t fmax = lim->file_max > 0 ? lim->file_max : lim->file_nr[2];

	m[3] = (struct meter_spec){"Files", lim->file_nr[0], fmax, 0, ""};
	m[3].lvl = pct_level(m[3].value, m[3].limit, th(ui, SK_TH_FILES_WARN_PCT, 80), 95);
	snprintf(m[3].text, sizeof(m[3].text), "%s/%s", fig(m[3].value, a), fig(m[3].limit, b));
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

	snprintf(alloc, sizeof(alloc), "%s/%s", fig(ss[SK_SS_TCP_INUSE], b),
		 fig(ss[SK_SS_TCP_ALLOC], c));
	/* Listed in display order; the importance decides what stays. */
	struct piece p[] = {
		{"used ", fig(ss[SK_SS_SOCKETS_USED], a), SK_C_VALUE},
		{"tcp inuse/alloc ", alloc, SK_C_VALUE},
		{"udp ", fig(ss[SK_SS_UDP_INUSE], d), SK_C_VALUE},
		{"unix ", count(s->totals.by_proto[SK_PROTO_UNIX], 7, e), SK_C_VALUE},
		{"rmem ", bytes(s->totals.rmem, f), SK_C_VALUE},
		{"wmem ", bytes(s->totals.wmem, g), SK_C_VALUE},
		{"recv-q ", bytes(s->totals.recv_q, h), SK_C_VALUE},
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
		need += (int)strlen(it[i].name) + 1 + (int)strlen(count(it[i].n, 7, buf)) + 2;
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
					(int)strlen(count(it[i].n, 7, buf)) + 2;
			}
	}
	sk_line_init(l, width, !ui->unicode);
	sk_line_field(l, SK_C_LABEL, "TCP", 9, SK_ALIGN_LEFT);
	for (size_t i = 0; i < N; i++) {
		if (!on[i])
			continue;
		sk_line_addf(l, SK_C_DEFAULT, "%s ", it[i].name);
		sk_line_add(l, it[i].n ? it[i].bad : SK_C_DIM, count(it[i].n, 7, buf));
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

/* A count that never fell is a leak's signature; red once it is more than
 * a trickle, yellow while it is. */
static uint8_t growth_color(const struct sk_trend *t)
{
	if (!t->known)
		return SK_C_DIM;
	if (t->monotonic)
		return t->per_min >= 1 ? SK_C_CRIT : SK_C_WARN;
	return t->per_min > -0.05 && t->per_min < 0.05 ? SK_C_DIM : SK_C_DEFAULT;
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

static const char *amount(int64_t v, bool is_bytes, char *buf)
{
	if (v < 0)
		v = 0;
	return is_bytes ? bytes((uint64_t)v, buf) : count((uint64_t)v, 7, buf);
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
		sk_line_add(l, SK_C_DIM, ui->opts && ui->opts->replay_file
					 ? "  no trend saved in this file"
					 : "  no trend yet: it takes two refreshes a second apart");
		return;
	}
	char rate[32], r[24], vals[64], a[24], b[24], span[24];
	char spark[(SK_HISTORY_SLOTS + 1) * 3 + 1];
	const char *flag = tr.monotonic ? "growing steadily" : "";
	int room = l->max - l->cols;

	snprintf(rate, sizeof(rate), "%s/m", sk_tui_fmt_rate(tr.per_min, is_bytes, r, sizeof(r)));
	snprintf(vals, sizeof(vals), "%s%s%s", amount(pts[0].v, is_bytes, a), G_TO(ui),
		 amount(pts[n - 1].v, is_bytes, b));
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

/* --- body: which rows -------------------------------------------------------------- */

static size_t help_count(void);

size_t sk_render_body_rows(const struct sk_ui *ui)
{
	if (ui->mode == SK_MODE_HELP)
		return help_count();
	if (ui->mode == SK_MODE_SORT) {
		int cols[64];

		return sk_view_sort_columns(&ui->view, cols, 64);
	}
	return ui->view.nrows;
}

/* --- layout -------------------------------------------------------------------------- */

static const struct sk_process *row_proc(const struct sk_ui *ui, uint32_t pi)
{
	return pi != SK_NONE && pi < ui->snap->procs.n ? &ui->snap->procs.v[pi] : NULL;
}

void sk_render_layout(const struct sk_ui *ui, int width, size_t first, size_t count_,
		      struct sk_frame *f)
{
	const struct sk_view *v = &ui->view;
	const struct sk_level *l = sk_view_top_c(v);
	const struct sk_sortstate *ss = sk_view_sortstate_c(v);
	int want[SK_SCOL_LAST + SK_PCOL_LAST];
	bool on[SK_SCOL_LAST + SK_PCOL_LAST];
	const bool *enabled = NULL;

	memset(f, 0, sizeof(*f));
	memset(want, 0, sizeof(want));
	f->width = width;
	f->sortcol = -1;
	if (ui->mode == SK_MODE_HELP || ui->mode == SK_MODE_SORT || !ui->snap)
		return;
	if (first + count_ > v->nrows)
		count_ = v->nrows > first ? v->nrows - first : 0;
	switch (l->kind) {
	case SK_VK_PROCS:
		f->defs = sk_pcols;
		f->ndefs = SK_PCOL_LAST;
		f->sortcol = sk_pcol_of_sort((enum sk_sort_key)ss->col);
		break;
	case SK_VK_SOCKS:
		if (v->grouped) {
			f->defs = sk_gcols;
			f->ndefs = SK_GCOL_LAST;
			for (size_t i = first; i < first + count_; i++) {
				char buf[96];
				int w;

				sk_view_gkey_label(&v->groups.v[i].key, buf, sizeof(buf));
				w = sk_text_width(buf, !ui->unicode);
				if (w > want[SK_GCOL_ADDR])
					want[SK_GCOL_ADDR] = w;
			}
		} else {
			f->defs = sk_scols;
			f->ndefs = SK_SCOL_LAST;
			sk_view_scols_enabled(l, on);
			enabled = on;
			for (size_t i = first; i < first + count_; i++) {
				const struct sk_socket *k = &ui->snap->socks.v[v->socks.v[i].sock];
				char buf[4200];
				int w;

				sk_view_endpoint(ui->snap, k, false, buf, sizeof(buf));
				w = sk_text_width(buf, !ui->unicode);
				if (w > want[SK_SCOL_LOCAL])
					want[SK_SCOL_LOCAL] = w;
				sk_view_endpoint(ui->snap, k, true, buf, sizeof(buf));
				w = sk_text_width(buf, !ui->unicode);
				if (w > want[SK_SCOL_PEER])
					want[SK_SCOL_PEER] = w;
			}
		}
		f->sortcol = ss->col;
		break;
	case SK_VK_ORPHANS:
		f->defs = sk_ocols;
		f->ndefs = SK_OCOL_LAST;
		f->sortcol = ss->col;
		break;
	default:
		return;
	}
	f->sort_desc = sk_view_sort_descending(v);
	f->ncols = sk_columns_layout(f->defs, f->ndefs, enabled, f->sortcol, width, want, f->pos);
}

/* --- tabs and breadcrumbs -------------------------------------------------------------- */

/* What one level is, as a breadcrumb ("nginx[4684]", "CLOSE_WAIT from
 * 10.0.3.7") or, for the level on screen, with its counts. */
static void level_label(const struct sk_ui *ui, const struct sk_level *lv, bool top, char *buf,
			size_t size)
{
	const struct sk_view *v = &ui->view;
	char a[128], b[24];
	size_t n = 0;

	buf[0] = '\0';
	switch (lv->kind) {
	case SK_VK_PROCS:
		if (v->filter[0])
			snprintf(buf, size, "%zu of %zu processes", v->nrows, v->nrows + v->hidden);
		else
			snprintf(buf, size, "%zu process%s with sockets", v->nrows,
				 v->nrows == 1 ? "" : "es");
		return;
	case SK_VK_STATES:
		snprintf(buf, size, "TCP states, all namespaces");
		return;
	case SK_VK_ORPHANS: {
		const struct sk_limits *lim = &ui->snap->sys.limits;
		uint32_t total = 0;

		if (!top) {
			snprintf(buf, size, "orphans");
			return;
		}
		for (size_t i = 0; i < v->orphans.n; i++)
			total += v->orphans.v[i].count;
		snprintf(buf, size, "%u orphans in %zu groups (max %s)", total, v->orphans.n,
			 fig(lim->tcp_max_orphans, b));
		return;
	}
	case SK_VK_DETAIL:
		snprintf(buf, size, "%s", v->stale && top ? "socket (gone)" : "socket details");
		return;
	case SK_VK_FINDINGS: {
		const struct sk_findings *fs = ui->snap->findings;

		if (!fs || !top) {
			snprintf(buf, size, "findings");
			return;
		}
		snprintf(buf, size, "%zu finding%s: %u critical, %u warning (Enter: the sockets)",
			 fs->list.n, fs->list.n == 1 ? "" : "s", fs->by_severity[SK_SEV_CRITICAL],
			 fs->by_severity[SK_SEV_WARNING]);
		return;
	}
	default:
		break;
	}
	/* Socket lists. */
	if (lv->in_group) {
		sk_view_gkey_label(&lv->gkey, a, sizeof(a));
		if (top)
			snprintf(buf, size, "%s %s %zu %s %s", sk_dstate_name(lv->gkey.dstate),
				 G_TIMES(ui), v->nrows, lv->gkey.mode == SK_GROUP_LPORT ? "on" : "from",
				 a);
		else
			snprintf(buf, size, "%s %s %s", sk_dstate_name(lv->gkey.dstate),
				 lv->gkey.mode == SK_GROUP_LPORT ? "on" : "from", a);
		return;
	}
	if (lv->scope == SK_SCOPE_PROC || lv->scope == SK_SCOPE_ORPHANS ||
	    lv->scope == SK_SCOPE_FINDING)
		n = (size_t)snprintf(buf, size, "%s", lv->who);
	else if (lv->scope == SK_SCOPE_STATE)
		n = (size_t)snprintf(buf, size, "%s", sk_dstate_name(lv->state));
	else
		n = (size_t)snprintf(buf, size, "all processes");
	if (!top || n >= size)
		return;
	if (v->grouped)
		snprintf(buf + n, size - n, ": %zu groups of %zu sockets, by %s", v->groups.n,
			 v->socks.n, lv->group == SK_GROUP_LPORT ? "local port" : "peer");
	else
		snprintf(buf + n, size - n, ": %zu socket%s", v->nrows, v->nrows == 1 ? "" : "s");
}

static void context(const struct sk_ui *ui, struct sk_line *l)
{
	const struct sk_view *v = &ui->view;
	char crumbs[SK_VIEW_DEPTH][256], top[256], filt[200] = "";
	int ncrumbs = 0, first = 0, width = 0;
	int room = l->max - l->cols;
	bool ascii = !ui->unicode;
	int sepw = sk_text_width(G_CRUMB(ui), ascii);

	/* The levels between the pane and the one on screen. */
	for (int d = 1; d < v->depth - 1; d++)
		level_label(ui, &v->stack[d], false, crumbs[ncrumbs++], sizeof(crumbs[0]));
	level_label(ui, sk_view_top_c(v), true, top, sizeof(top));
	if (v->filter[0])
		snprintf(filt, sizeof(filt), ", filter \"%s\"", v->filter);
	for (int i = 0; i < ncrumbs; i++)
		width += sk_text_width(crumbs[i], ascii) + sepw;
	width += sk_text_width(top, ascii) + sk_text_width(filt, ascii);
	/* Too long: the oldest crumbs give way to an ellipsis, never the end. */
	while (width > room && first < ncrumbs) {
		width -= sk_text_width(crumbs[first], ascii) + sepw;
		if (first == 0)
			width += sk_text_width(G(ui, "\xe2\x80\xa6", "..."), ascii) + sepw;
		first++;
	}
	if (first > 0) {
		sk_line_add(l, SK_C_DIM, G(ui, "\xe2\x80\xa6", "..."));
		sk_line_add(l, SK_C_DIM, G_CRUMB(ui));
	}
	for (int i = first; i < ncrumbs; i++) {
		sk_line_add(l, SK_C_DIM, crumbs[i]);
		sk_line_add(l, SK_C_DIM, G_CRUMB(ui));
	}
	sk_line_add(l, SK_C_BOLD, top);
	if (filt[0])
		sk_line_add(l, SK_C_WARN, filt);
	if (v->stale && sk_view_top_c(v)->kind == SK_VK_SOCKS)
		sk_line_add(l, SK_C_WARN, " - the process has exited");
}

void sk_render_tabs(const struct sk_ui *ui, int width, struct sk_line *l)
{
	static const char *const shortname[SK_PANE_LAST] = {"Procs", "Socks", "States", "Orph",
							    "Find"};
	enum sk_pane cur = sk_view_pane(&ui->view);
	bool narrow = width < 110;

	sk_line_init(l, width, !ui->unicode);
	for (int p = 0; p < SK_PANE_LAST; p++) {
		bool on = p == (int)cur;

		sk_line_addf(l, on ? SK_C_TAB_ACTIVE : SK_C_TAB, "%d %s", p + 1,
			     narrow ? shortname[p] : sk_pane_names[p]);
		sk_line_add(l, SK_C_DEFAULT, " ");
	}
	if (ui->mode == SK_MODE_HELP) {
		sk_line_add(l, SK_C_DIM, G_SEP(ui));
		sk_line_add(l, SK_C_BOLD, "Help: any other key returns");
		return;
	}
	if (!ui->snap)
		return;
	sk_line_add(l, SK_C_DIM, G_SEP(ui));
	context(ui, l);
}

/* --- column titles ---------------------------------------------------------------------- */

static void title_cell(struct sk_line *l, const struct sk_frame *f, const struct sk_colpos *p,
		       const char *title, bool sorted, const struct sk_ui *ui)
{
	uint8_t c = sorted ? SK_C_COLHDR_SORT : SK_C_COLHDR;
	char buf[64];

	sk_line_pad_to(l, SK_C_COLHDR, p->x);
	if (sorted && p->w > (int)strlen(title)) {
		/* The arrow goes on the side the numbers are aligned to. */
		if (f->defs[p->col].align == SK_ALIGN_RIGHT)
			snprintf(buf, sizeof(buf), "%s%s", f->sort_desc ? G_DOWN(ui) : G_UP(ui), title);
		else
			snprintf(buf, sizeof(buf), "%s%s", title, f->sort_desc ? G_DOWN(ui) : G_UP(ui));
		title = buf;
	}
	sk_line_field(l, c, title, p->w, (enum sk_align)f->defs[p->col].align);
}

void sk_render_colhdr(const struct sk_ui *ui, const struct sk_frame *f, struct sk_line *l)
{
	const struct sk_view *v = &ui->view;
	const struct sk_level *top = sk_view_top_c(v);

	sk_line_init(l, f->width, !ui->unicode);
	if (ui->mode == SK_MODE_HELP) {
		sk_line_add(l, SK_C_COLHDR, " KEYS            ACTION");
	} else if (ui->mode == SK_MODE_SORT) {
		sk_line_add(l, SK_C_COLHDR, " SORT BY         (Enter picks, Esc cancels, I inverts)");
	} else if (!ui->snap) {
		/* no titles without rows */
	} else if (top->kind == SK_VK_STATES) {
		sk_line_add(l, SK_C_COLHDR, "STATE        COUNT  TOP OWNERS (Enter: the sockets)");
	} else if (top->kind == SK_VK_DETAIL) {
		sk_line_add(l, SK_C_COLHDR, "SOCKET DETAILS (Up/Down scroll, Esc back)");
	} else {
		for (size_t i = 0; i < f->ncols; i++) {
			const struct sk_colpos *p = &f->pos[i];
			const char *title = f->defs[p->col].title;

			if (f->defs == sk_gcols && p->col == SK_GCOL_ADDR)
				title = top->group == SK_GROUP_LPORT ? "LOCAL PORT" : "PEER ADDRESS";
			title_cell(l, f, p, title, (int)p->col == f->sortcol, ui);
		}
	}
	sk_line_pad_to(l, SK_C_COLHDR, f->width);
}

/* --- rows ------------------------------------------------------------------------------- */

/* The command line as a COMMAND cell of `width` columns shows it: whole when
 * it fits, else with the directory of the program dropped, so the name an
 * operator looks for ("leakgen", "java") is not the part that is cut. */
static void command_text(const struct sk_ui *ui, const struct sk_process *p, int width, char *buf,
			 size_t size)
{
	const char *cmd = sk_strtab_get(&ui->snap->strs, p->cmdline);

	if (!cmd[0]) {
		snprintf(buf, size, "[%s]", p->comm); /* kernel threads, zombies */
		return;
	}
	if (sk_text_width(cmd, !ui->unicode) <= width) {
		snprintf(buf, size, "%s", cmd);
		return;
	}
	size_t arg0 = strcspn(cmd, " ");
	const char *base = cmd;

	for (const char *c = cmd; c < cmd + arg0; c++)
		if (*c == '/' && c + 1 < cmd + arg0)
			base = c + 1;
	snprintf(buf, size, "%s", base);
}

static void cell(struct sk_line *l, const struct sk_frame *f, const struct sk_colpos *p,
		 uint8_t color, const char *text)
{
	sk_line_pad_to(l, SK_C_DEFAULT, p->x);
	sk_line_field(l, color, text, p->w, (enum sk_align)f->defs[p->col].align);
}

static uint8_t zero_dim(uint64_t v, uint8_t color)
{
	return v ? color : SK_C_DIM;
}

static void proc_row(const struct sk_ui *ui, const struct sk_frame *f, const struct sk_process *p,
		     const struct sk_trend *growth, struct sk_line *l)
{
	char buf[SK_LINE_BYTES], a[24];

	for (size_t i = 0; i < f->ncols; i++) {
		const struct sk_colpos *pos = &f->pos[i];
		uint8_t c = SK_C_DEFAULT;
		uint64_t n = 0;

		buf[0] = '\0';
		switch (pos->col) {
		case SK_PCOL_PID: snprintf(buf, sizeof(buf), "%d", (int)p->pid); break;
		case SK_PCOL_USER: sk_view_user(&ui->view, p->uid, buf, 64); break;
		case SK_PCOL_FDS: {
			if (p->fd_limit == SK_FD_LIMIT_UNLIMITED) {
				snprintf(buf, sizeof(buf), "%s/%s", count(p->fd_count, 5, a), G_INF(ui));
			} else {
				char b2[24];

				snprintf(buf, sizeof(buf), "%s/%s", count(p->fd_count, 5, a),
					 count(p->fd_limit, 4, b2));
				int pct = sk_tui_percent(p->fd_count, (int64_t)p->fd_limit);

				c = pct >= th(ui, SK_TH_FDS_CRIT_PCT, 95) ? SK_C_CRIT
				    : pct >= th(ui, SK_TH_FDS_WARN_PCT, 80) ? SK_C_WARN : SK_C_DEFAULT;
			}
			break;
		}
		case SK_PCOL_SOCK: n = p->agg.sockets; goto number;
		case SK_PCOL_CLOSE_WAIT:
			n = p->agg.tcp_states[SK_TCP_CLOSE_WAIT];
			c = SK_C_CRIT;
			goto number;
		case SK_PCOL_CLOSED: n = sk_proc_closed(p); c = SK_C_CRIT; goto number;
		case SK_PCOL_ORPHANS: n = p->agg.orphans; c = SK_C_WARN; goto number;
		case SK_PCOL_GROWTH:
			if (!growth || !growth->known) {
				snprintf(buf, sizeof(buf), "-");
				c = SK_C_DIM;
				break;
			}
			sk_tui_fmt_rate(growth->per_min,
					sk_view_metric_bytes((enum sk_pmetric)ui->view.growth_metric),
					a, sizeof(a));
			snprintf(buf, sizeof(buf), "%s%s", a, growth->monotonic ? G_RISING(ui) : "");
			c = growth_color(growth);
			break;
		case SK_PCOL_ESTAB: n = p->agg.tcp_states[SK_TCP_ESTABLISHED]; goto number;
		case SK_PCOL_TIME_WAIT: n = p->agg.tcp_states[SK_TCP_TIME_WAIT]; goto number;
		case SK_PCOL_RECVQ: n = p->agg.recv_q; goto bytes;
		case SK_PCOL_SENDQ: n = p->agg.send_q; goto bytes;
		case SK_PCOL_RMEM:
			n = p->agg.rmem;
			/* The "huge rmem, tiny RSS" contrast: kernel memory top does not show. */
			if (n >= (1u << 20) && n > p->rss_kb * 1024)
				c = SK_C_WARN;
			goto bytes;
		case SK_PCOL_WMEM: n = p->agg.wmem; goto bytes;
		case SK_PCOL_COMMAND: command_text(ui, p, pos->w, buf, sizeof(buf)); break;
		default: break;
		number:
			count(n, pos->w, buf);
			c = zero_dim(n, c);
			break;
		bytes:
			bytes(n, buf);
			c = zero_dim(n, c);
			break;
		}
		cell(l, f, pos, c, buf);
	}
}

static uint8_t state_color(unsigned ds, bool orphan)
{
	switch (ds) {
	case SK_TCP_CLOSE_WAIT:
	case SK_DS_CLOSED: return SK_C_CRIT;
	case SK_TCP_FIN_WAIT1:
	case SK_TCP_LAST_ACK:
	case SK_TCP_CLOSING:
	case SK_TCP_SYN_RECV: return SK_C_WARN;
	case SK_TCP_FIN_WAIT2: return orphan ? SK_C_WARN : SK_C_DEFAULT;
	case SK_TCP_ESTABLISHED: return SK_C_OK;
	case SK_TCP_LISTEN: return SK_C_INFO;
	case SK_TCP_TIME_WAIT:
	case SK_DS_UNCONN:
	case SK_DS_UNBOUND: return SK_C_DIM;
	case SK_DS_ORPHANS: return SK_C_WARN;
	default: return SK_C_DEFAULT;
	}
}

static void sock_row(const struct sk_ui *ui, const struct sk_frame *f, const struct sk_vsock *r,
		     struct sk_line *l)
{
	const struct sk_snapshot *s = ui->snap;
	const struct sk_socket *k = &s->socks.v[r->sock];
	const struct sk_process *p = row_proc(ui, r->proc);
	char buf[SK_LINE_BYTES];

	for (size_t i = 0; i < f->ncols; i++) {
		const struct sk_colpos *pos = &f->pos[i];
		uint8_t c = SK_C_DEFAULT;
		uint64_t n = 0;

		buf[0] = '\0';
		switch (pos->col) {
		case SK_SCOL_PROTO: snprintf(buf, sizeof(buf), "%s", sk_view_proto(k)); break;
		case SK_SCOL_STATE:
			snprintf(buf, sizeof(buf), "%s", sk_dstate_name(r->dstate));
			c = state_color(r->dstate, k->flags & SK_SOCK_ORPHAN);
			break;
		case SK_SCOL_FD:
			if (r->fd >= 0)
				snprintf(buf, sizeof(buf), "%d%s", (int)r->fd, r->nfds > 1 ? "+" : "");
			else if (k->flags & SK_SOCK_ORPHAN)
				snprintf(buf, sizeof(buf), "orph"), c = SK_C_WARN;
			else if (r->likely)
				snprintf(buf, sizeof(buf), "queue"), c = SK_C_DIM;
			else
				snprintf(buf, sizeof(buf), "-"), c = SK_C_DIM;
			break;
		case SK_SCOL_LOCAL: sk_view_endpoint(s, k, false, buf, sizeof(buf)); break;
		case SK_SCOL_PEER: sk_view_endpoint(s, k, true, buf, sizeof(buf)); break;
		case SK_SCOL_RECVQ:
			n = k->state == SK_TCP_LISTEN ? 0 : k->recv_q;
			goto bytes;
		case SK_SCOL_SENDQ:
			n = k->state == SK_TCP_LISTEN ? 0 : k->send_q;
			goto bytes;
		case SK_SCOL_RMEM: n = k->mem.rmem_alloc; goto bytes;
		case SK_SCOL_WMEM: n = k->mem.wmem_queued; goto bytes;
		case SK_SCOL_TIMER:
			sk_view_timer(k, buf, sizeof(buf));
			if (k->timer == SK_TIMER_ON || k->timer == SK_TIMER_PERSIST)
				c = k->retrans ? SK_C_WARN : SK_C_DEFAULT;
			else
				c = SK_C_DIM;
			break;
		case SK_SCOL_USER:
			if (k->flags & SK_SOCK_HAS_UID)
				sk_view_user(&ui->view, k->uid, buf, 64);
			else
				snprintf(buf, sizeof(buf), "-");
			break;
		case SK_SCOL_INODE:
			snprintf(buf, sizeof(buf), "%llu", (unsigned long long)k->inode);
			c = k->inode ? SK_C_DEFAULT : SK_C_DIM;
			break;
		case SK_SCOL_PID:
			if (p)
				snprintf(buf, sizeof(buf), "%s%d", r->likely ? "~" : "", (int)p->pid);
			else
				snprintf(buf, sizeof(buf), "-"), c = SK_C_DIM;
			break;
		case SK_SCOL_COMMAND:
			if (p) {
				command_text(ui, p, pos->w, buf, sizeof(buf));
			} else {
				snprintf(buf, sizeof(buf), "%s",
					 k->state == SK_TCP_TIME_WAIT ? "(kernel: TIME_WAIT)"
					 : (k->flags & SK_SOCK_ORPHAN) ? "(orphan, owner unknown)"
					 : "(no process)");
				c = SK_C_DIM;
			}
			break;
		default: break;
		bytes:
			bytes(n, buf);
			c = zero_dim(n, SK_C_DEFAULT);
			break;
		}
		cell(l, f, pos, c, buf);
	}
}

static void group_row(const struct sk_ui *ui, const struct sk_frame *f, const struct sk_vgroup *g,
		      struct sk_line *l)
{
	char buf[SK_LINE_BYTES];
	const struct sk_process *p = row_proc(ui, g->proc);

	for (size_t i = 0; i < f->ncols; i++) {
		const struct sk_colpos *pos = &f->pos[i];
		uint8_t c = SK_C_DEFAULT;
		uint64_t n = 0;

		buf[0] = '\0';
		switch (pos->col) {
		case SK_GCOL_COUNT:
			snprintf(buf, sizeof(buf), "%s%s", G_TIMES(ui), count(g->count, pos->w - 1, (char[24]){0}));
			c = SK_C_GROUP;
			break;
		case SK_GCOL_STATE:
			snprintf(buf, sizeof(buf), "%s", sk_dstate_name(g->key.dstate));
			c = state_color(g->key.dstate, false);
			break;
		case SK_GCOL_ADDR: sk_view_gkey_label(&g->key, buf, sizeof(buf)); break;
		case SK_GCOL_PROCS: count(g->nprocs, pos->w, buf); break;
		case SK_GCOL_RECVQ: n = g->recv_q; goto bytes;
		case SK_GCOL_SENDQ: n = g->send_q; goto bytes;
		case SK_GCOL_RMEM: n = g->rmem; goto bytes;
		case SK_GCOL_WMEM: n = g->wmem; goto bytes;
		case SK_GCOL_TIMER:
			if (g->timer_max_ms)
				sk_tui_fmt_ms(g->timer_max_ms, buf, sizeof(buf));
			break;
		case SK_GCOL_OWNER:
			if (p) {
				char who[96];

				sk_view_proc_label(p, who, sizeof(who));
				if (g->nprocs > 1)
					snprintf(buf, sizeof(buf), "%s +%u more", who, g->nprocs - 1);
				else
					snprintf(buf, sizeof(buf), "%s", who);
			} else {
				snprintf(buf, sizeof(buf), "(no process)");
				c = SK_C_DIM;
			}
			break;
		default: break;
		bytes:
			bytes(n, buf);
			c = zero_dim(n, SK_C_DEFAULT);
			break;
		}
		cell(l, f, pos, c, buf);
	}
}

/* Three lines a finding: severity, kind, subject and title; the evidence;
 * what to run next. The strings were built by the engine from escaped
 * names, and the line writer sanitises again. */
static void finding_row(const struct sk_ui *ui, size_t row, struct sk_line *l)
{
	const struct sk_finding *f = &ui->snap->findings->list.v[row / SK_FINDING_ROWS];
	int color = f->severity == SK_SEV_CRITICAL ? SK_C_CRIT
		    : f->severity == SK_SEV_WARNING ? SK_C_WARN : SK_C_INFO;

	switch (row % SK_FINDING_ROWS) {
	case 0:
		sk_line_addf(l, color, "%-8s ", f->severity == SK_SEV_CRITICAL ? "CRITICAL"
					       : f->severity == SK_SEV_WARNING ? "WARNING" : "info");
		sk_line_addf(l, SK_C_BOLD, "%-16s ", sk_finding_kind_names[f->kind]);
		sk_line_addf(l, SK_C_DEFAULT, "%s: %s", f->subject, f->title);
		break;
	case 1:
		sk_line_addf(l, SK_C_DIM, "%26s", "");
		sk_line_add(l, SK_C_DEFAULT, f->detail);
		break;
	default:
		sk_line_addf(l, SK_C_DIM, "%26snext: ", "");
		sk_line_add(l, SK_C_DIM, f->next_step);
		break;
	}
}

static void orphan_row(const struct sk_ui *ui, const struct sk_frame *f,
		       const struct sk_vorphan *o, struct sk_line *l)
{
	char buf[SK_LINE_BYTES], a[16], b[16];

	for (size_t i = 0; i < f->ncols; i++) {
		const struct sk_colpos *pos = &f->pos[i];
		uint8_t c = SK_C_DEFAULT;
		uint64_t n = 0;

		buf[0] = '\0';
		switch (pos->col) {
		case SK_OCOL_STATE:
			snprintf(buf, sizeof(buf), "%s", sk_dstate_name(o->key.dstate));
			c = state_color(o->key.dstate, true);
			break;
		case SK_OCOL_COUNT: count(o->count, pos->w, buf); c = SK_C_GROUP; break;
		case SK_OCOL_SENDQ: n = o->send_q; goto bytes;
		case SK_OCOL_RECVQ: n = o->recv_q; goto bytes;
		case SK_OCOL_TIMER:
			if (o->timer_max_ms == 0 && o->timer_min_ms == UINT32_MAX)
				snprintf(buf, sizeof(buf), "-");
			else if (o->timer_min_ms == o->timer_max_ms || o->count == 1)
				snprintf(buf, sizeof(buf), "%s", sk_tui_fmt_ms(o->timer_max_ms, a, sizeof(a)));
			else
				snprintf(buf, sizeof(buf), "%s..%s",
					 sk_tui_fmt_ms(o->timer_min_ms, a, sizeof(a)),
					 sk_tui_fmt_ms(o->timer_max_ms, b, sizeof(b)));
			break;
		case SK_OCOL_RETRANS:
			snprintf(buf, sizeof(buf), "%u", o->retrans_max);
			c = zero_dim(o->retrans_max, SK_C_WARN);
			break;
		case SK_OCOL_OWNER:
			sk_view_okey_label(ui->snap, o, buf, sizeof(buf));
			c = o->key.owner_kind == SK_OWNER_NONE ? SK_C_DIM : SK_C_DEFAULT;
			break;
		default: break;
		bytes:
			bytes(n, buf);
			c = zero_dim(n, SK_C_DEFAULT);
			break;
		}
		cell(l, f, pos, c, buf);
	}
}

static void state_row(const struct sk_ui *ui, int width, const struct sk_vstate *st,
		      uint32_t max, struct sk_line *l)
{
	char buf[24];
	int bar = width >= 100 ? 30 : width >= 70 ? 16 : 8;

	sk_line_field(l, state_color(st->dstate, st->dstate == SK_DS_ORPHANS),
		      sk_dstate_name(st->dstate), 10, SK_ALIGN_LEFT);
	sk_line_add(l, SK_C_DEFAULT, " ");
	sk_line_field(l, zero_dim(st->count, SK_C_BOLD), count(st->count, 7, buf), 7,
		      SK_ALIGN_RIGHT);
	sk_line_add(l, SK_C_DEFAULT, " ");
	/* Bars in eighths where the terminal has block glyphs. */
	int start = l->cols;
	int eighths = max ? (int)((uint64_t)st->count * (uint64_t)bar * 8 / max) : 0;

	if (st->count && eighths == 0)
		eighths = 1;
	if (ui->unicode) {
		static const char *const part[8] = {"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
						    "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a",
						    "\xe2\x96\x89"};

		for (int i = 0; i < eighths / 8; i++)
			sk_line_add(l, state_color(st->dstate, true), "\xe2\x96\x88");
		sk_line_add(l, state_color(st->dstate, true), part[eighths % 8]);
	} else {
		for (int i = 0; i < (eighths + 7) / 8; i++)
			sk_line_add(l, state_color(st->dstate, true), "#");
	}
	sk_line_pad_to(l, SK_C_DEFAULT, start + bar + 1);
	for (int i = 0; i < st->ntop; i++) {
		const struct sk_process *p = row_proc(ui, st->top[i].proc);
		char who[96];

		if (!p)
			continue;
		sk_view_proc_label(p, who, sizeof(who));
		sk_line_addf(l, SK_C_DEFAULT, "%s%s ", i ? ", " : "", who);
		sk_line_add(l, SK_C_BOLD, count(st->top[i].count, 7, buf));
	}
	if (st->owners > st->ntop)
		sk_line_addf(l, SK_C_DIM, " +%u more", st->owners - st->ntop);
	if (st->unowned)
		sk_line_addf(l, SK_C_DIM, "%s%u without a process", st->ntop ? "; " : "", st->unowned);
}

static void detail_row(const struct sk_ui *ui, const struct sk_vline *ln, struct sk_line *l)
{
	const char *tab = strchr(ln->text, '\t');
	char label[SK_DETAIL_LABEL + 1];

	switch (ln->kind) {
	case SK_VL_HEADING:
		/* A rule after the heading: sections stand out without colour. */
		sk_line_add(l, SK_C_TITLE, ln->text);
		sk_line_add(l, SK_C_DIM, " ");
		while (l->cols < l->max && l->cols < 60)
			sk_line_add(l, SK_C_DIM, G(ui, "\xe2\x94\x80", "-"));
		break;
	case SK_VL_WARN:
		sk_line_add(l, SK_C_WARN, "! ");
		sk_line_add(l, SK_C_WARN, ln->text);
		break;
	case SK_VL_NOTE:
		sk_line_add(l, SK_C_DEFAULT, "  ");
		sk_line_add(l, SK_C_DIM, ln->text);
		break;
	default:
		if (!tab) {
			sk_line_add(l, SK_C_DEFAULT, ln->text);
			break;
		}
		snprintf(label, sizeof(label), "%.*s", (int)(tab - ln->text), ln->text);
		sk_line_field(l, SK_C_LABEL, label, SK_DETAIL_LABEL, SK_ALIGN_LEFT);
		sk_line_add(l, SK_C_DEFAULT, " ");
		sk_line_add(l, SK_C_DEFAULT, tab + 1);
		break;
	}
}

/* --- help ---------------------------------------------------------------------------- */

/* Under the keys: what the columns and lines mean. */
static const char *const legend[] = {
	"Columns: CLOSE_WAIT = peer closed, process did not; CLOSED = leaked socket fds",
	"(lsof: can't identify protocol); ORPHANS = closed by the process, still in the kernel",
	"(likely owner: the process listening on their port); ~PID = likely owner, no fd.",
	"GROW/m = growth per minute over the last 10 minutes of the count last sorted by",
	"(c l o r f; sockets otherwise), marked when it never fell: a leak's signature.",
	"The Trend line plots that count for the selected process (else the system).",
	"Counts come from sock_diag and /proc; root sees every process and namespace.",
};
#define NLEGEND (sizeof(legend) / sizeof(legend[0]))

/* Help rows: for each section a heading, then its actions. Row r maps to
 * (section, action) by walking the table; it is short. */
static size_t help_count(void)
{
	size_t n = 0;

	for (int s = 0; s < SK_HS_LAST; s++) {
		n += 1;
		for (int a = 1; a < SK_ACT_LAST; a++)
			n += sk_actions[a].section == s;
		n += 1; /* blank */
	}
	return n + NLEGEND;
}

static void help_row(const struct sk_ui *ui, size_t row, struct sk_line *l)
{
	size_t r = 0;

	for (int s = 0; s < SK_HS_LAST; s++) {
		if (r++ == row) {
			sk_line_add(l, SK_C_TITLE, sk_help_section_names[s]);
			return;
		}
		for (int a = 1; a < SK_ACT_LAST; a++) {
			if (sk_actions[a].section != s)
				continue;
			if (r++ == row) {
				sk_line_add(l, SK_C_DEFAULT, " ");
				sk_line_field(l, SK_C_BOLD, sk_actions[a].keys, 16, SK_ALIGN_LEFT);
				sk_line_add(l, SK_C_DEFAULT, sk_actions[a].help);
				return;
			}
		}
		if (r++ == row)
			return;
	}
	size_t i = row - r;

	if (i < NLEGEND)
		sk_line_add(l, SK_C_DIM, legend[i]);
	(void)ui;
}

static void menu_row(const struct sk_ui *ui, size_t row, struct sk_line *l)
{
	int cols[64];
	size_t n = sk_view_sort_columns(&ui->view, cols, 64);
	const struct sk_sortstate *ss = sk_view_sortstate_c(&ui->view);

	if (row >= n)
		return;
	sk_line_add(l, SK_C_DEFAULT, cols[row] == ss->col ? "*" : " ");
	sk_line_field(l, SK_C_BOLD, sk_view_sort_name(&ui->view, cols[row]), 16, SK_ALIGN_LEFT);
	sk_line_add(l, SK_C_DEFAULT, sk_view_sort_desc(&ui->view, cols[row]));
}

static void empty_message(const struct sk_ui *ui, struct sk_line *l)
{
	const struct sk_view *v = &ui->view;
	const struct sk_level *top = sk_view_top_c(v);

	if (v->filter[0]) {
		sk_line_addf(l, SK_C_WARN, "Nothing matches the filter \"%s\"", v->filter);
		sk_line_add(l, SK_C_DIM, " (Esc clears it)");
		return;
	}
	if (v->stale) {
		sk_line_add(l, SK_C_WARN, "The process has exited. Esc goes back.");
		return;
	}
	switch (top->kind) {
	case SK_VK_PROCS:
		sk_line_add(l, SK_C_DIM, ui->snap && !ui->snap->root
					 ? "No process of yours holds a socket (run as root to see all)."
					 : "No process holds a socket.");
		break;
	case SK_VK_ORPHANS:
		sk_line_add(l, SK_C_DIM, "No orphaned TCP sockets: nothing is stuck closing.");
		break;
	case SK_VK_FINDINGS:
		sk_line_add(l, SK_C_DIM, "No findings: nothing here looks like a socket leak.");
		break;
	default:
		sk_line_add(l, SK_C_DIM, "No sockets here.");
		break;
	}
}

bool sk_render_row(const struct sk_ui *ui, const struct sk_frame *f, size_t row,
		   struct sk_line *l)
{
	const struct sk_view *v = &ui->view;
	const struct sk_level *top = sk_view_top_c(v);

	sk_line_init(l, f->width, !ui->unicode);
	if (ui->mode == SK_MODE_HELP) {
		help_row(ui, row, l);
		return false;
	}
	if (ui->mode == SK_MODE_SORT) {
		menu_row(ui, row, l);
		return row == ui->menu_cursor;
	}
	if (!ui->snap) {
		if (row == 0)
			sk_line_add(l, SK_C_CRIT, "No data: the last refresh failed (see the bottom line); "
				    "retrying every interval.");
		return false;
	}
	if (v->nrows == 0) {
		if (row == 0)
			empty_message(ui, l);
		return false;
	}
	if (row >= v->nrows)
		return false;
	switch (top->kind) {
	case SK_VK_PROCS:
		proc_row(ui, f, &ui->snap->procs.v[v->procs.v[row]],
			 row < v->growth.n ? &v->growth.v[row].tr : NULL, l);
		break;
	case SK_VK_SOCKS:
		if (v->grouped)
			group_row(ui, f, &v->groups.v[row], l);
		else
			sock_row(ui, f, &v->socks.v[row], l);
		break;
	case SK_VK_ORPHANS:
		orphan_row(ui, f, &v->orphans.v[row], l);
		break;
	case SK_VK_FINDINGS:
		finding_row(ui, row, l);
		/* The whole finding is selected, whichever of its lines the cursor is on. */
		return row / SK_FINDING_ROWS == top->cursor / SK_FINDING_ROWS;
	case SK_VK_STATES: {
		uint32_t max = 0;

		for (size_t i = 0; i < v->states.n; i++)
			if (v->states.v[i].count > max)
				max = v->states.v[i].count;
		state_row(ui, f->width, &v->states.v[row], max, l);
		break;
	}
	case SK_VK_DETAIL:
		detail_row(ui, &v->lines.v[row], l);
		return false;
	default:
		break;
	}
	return row == top->cursor;
}

/* --- bottom line ------------------------------------------------------------------------ */

/* A line being typed on the bottom line: what it asks, the text so far with
 * the cursor after it, and how to finish. */
static void prompt(struct sk_line *l, const char *label, const char *input, const char *hint)
{
	sk_line_add(l, SK_C_KEY, label);
	sk_line_add(l, SK_C_DEFAULT, " ");
	sk_line_add(l, SK_C_BOLD, input);
	sk_line_add(l, SK_C_CURSOR, " ");
	sk_line_addf(l, SK_C_DIM, "  %s", hint);
}

/* "key what  key what": kv holds key, text pairs and ends with NULL. */
static void key_hints(struct sk_line *l, const char *const *kv)
{
	for (size_t i = 0; kv[i] && kv[i + 1]; i += 2) {
		sk_line_add(l, SK_C_KEY, kv[i]);
		sk_line_addf(l, SK_C_STATUS, kv[i + 2] ? " %s  " : " %s", kv[i + 1]);
	}
}

void sk_render_status(const struct sk_ui *ui, int width, struct sk_line *l)
{
	/* Key, what it does, and how long it stays when the line is short. */
	static const struct {
		const char *key, *label;
		int prio;
	} hints[] = {
		{"Enter", "Open", 0}, {"Esc", "Back", 1}, {"Tab", "Pane", 5}, {"/", "Filter", 2},
		{"F6", "Sort", 3},    {"g", "Group", 6},  {"s", "Save", 4},  {"p", "Pause", 4},
		{"h", "Help", 0},     {"q", "Quit", 0},
	};
	enum { NH = sizeof(hints) / sizeof(hints[0]) };
	char hint[64];

	sk_line_init(l, width, !ui->unicode);
	switch (ui->mode) {
	case SK_MODE_FILTER:
		prompt(l, "Filter:", ui->input, "Enter keeps it, Esc clears it");
		return;
	case SK_MODE_DELAY:
		snprintf(hint, sizeof(hint), "now %g; Enter sets, Esc cancels", ui->interval);
		prompt(l, "Refresh every (seconds):", ui->input, hint);
		return;
	case SK_MODE_HELP:
		key_hints(l, (const char *const[]){"Up/Down PgUp/PgDn", "scroll", "any other key",
						   "back to sktop", NULL});
		return;
	case SK_MODE_SORT:
		key_hints(l, (const char *const[]){"Enter", "sort by it", "I", "invert", "Esc",
						   "cancel", NULL});
		return;
	default:
		break;
	}
	if (ui->status[0]) {
		sk_line_add(l, ui->status_err ? SK_C_STATUS_ERR : SK_C_BOLD, ui->status);
		return;
	}
	if (ui->engine_error[0]) {
		sk_line_add(l, SK_C_STATUS_ERR, ui->engine_error);
		return;
	}
	bool on[NH];
	int need = 0;

	for (int i = 0; i < NH; i++) {
		on[i] = true;
		need += (int)(strlen(hints[i].key) + strlen(hints[i].label)) + 2;
	}
	for (int prio = 6; prio > 0 && need > width; prio--)
		for (int i = NH - 1; i >= 0 && need > width; i--)
			if (on[i] && hints[i].prio == prio) {
				on[i] = false;
				need -= (int)(strlen(hints[i].key) + strlen(hints[i].label)) + 2;
			}
	for (int i = 0; i < NH; i++) {
		if (!on[i])
			continue;
		sk_line_add(l, SK_C_KEY, hints[i].key);
		sk_line_add(l, SK_C_STATUS, " ");
		sk_line_add(l, SK_C_STATUS, hints[i].label);
		sk_line_add(l, SK_C_STATUS, " ");
	}
}
