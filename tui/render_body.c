/* The body's rows: one function per kind of list row (processes,
 * sockets, groups, orphans, states, findings, detail lines), and the help
 * and sort menu that take the body's place. */
#include <config.h>

#include "render.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "colors.h"
#include "analyse/findings.h"
#include "model/command.h"
#include "hunits.h"
#include "keys.h"
#include "render_int.h"
#include "setup.h"
#include "vlife.h"

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
	if (ui->mode == SK_MODE_SIGNAL)
		return sk_nsignals;
	if (ui->mode == SK_MODE_SETUP)
		return sk_setup_rows();
	return ui->view.nrows;
}

/* --- rows ------------------------------------------------------------------------------- */

/* The COMMAND cell of `width` columns: the name and command line whole
 * when they fit, else with the program's directory dropped, so the name an
 * operator looks for ("leakgen", "java") is not the part that is cut. */
static void command_text(const struct sk_ui *ui, const struct sk_process *p, int width, char *buf,
			 size_t size)
{
	const char *cmd = sk_strtab_get(&ui->snap->strs, p->cmdline);

	sk_command_format(p->comm, cmd, false, buf, size);
	if (sk_text_width(buf, !ui->unicode) > width)
		sk_command_format(p->comm, cmd, true, buf, size);
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

/* Number cells by unit: the figure, and its colour dimmed when it is zero
 * so that the one column that is not stands out. */
static uint8_t count_cell(uint64_t n, int width, uint8_t color, char *buf)
{
	sk_tui_count(n, width, buf);
	return zero_dim(n, color);
}

static uint8_t bytes_cell(uint64_t n, uint8_t color, char *buf)
{
	sk_tui_bytes(n, buf);
	return zero_dim(n, color);
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
				snprintf(buf, sizeof(buf), "%s/%s", sk_tui_count(p->fd_count, 5, a), G_INF(ui));
			} else {
				char b2[24];

				snprintf(buf, sizeof(buf), "%s/%s", sk_tui_count(p->fd_count, 5, a),
					 sk_tui_count(p->fd_limit, 4, b2));
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
		case SK_PCOL_SERVICE:
			snprintf(buf, sizeof(buf), "%s", sk_view_service_label(ui->snap, p));
			c = buf[0] == '-' && !buf[1] ? SK_C_DIM : SK_C_DEFAULT;
			break;
		case SK_PCOL_NETNS: sk_view_netns_label(ui->snap, p->netns, buf, sizeof(buf)); break;
		case SK_PCOL_COMMAND: command_text(ui, p, pos->w, buf, sizeof(buf)); break;
		default: break;
		number: c = count_cell(n, pos->w, c, buf); break;
		bytes: c = bytes_cell(n, c, buf); break;
		}
		cell(l, f, pos, c, buf);
	}
}

static uint8_t service_cell(const struct sk_ui *ui, const void *row, const struct sk_colpos *pos,
			    char *buf, size_t size)
{
	const struct sk_vservice *r = row;
	const struct sk_service *sv = sk_snapshot_service(ui->snap, r->service);
	uint64_t closed = 0;

	for (int i = 0; i < SK_SN_LAST; i++)
		closed += r->agg.closed[i];
	switch (pos->col) {
	case SK_VCOL_SERVICE:
		snprintf(buf, size, "%s", sv && sv->name ? sk_strtab_get(&ui->snap->strs, sv->name)
							 : "(no service)");
		return sv ? SK_C_GROUP : SK_C_DIM;
	case SK_VCOL_KIND:
		snprintf(buf, size, "%s", sv && sv->kind < SK_SERVICE_KIND_LAST
				  ? sk_service_kind_names[sv->kind] : "-");
		return SK_C_DEFAULT;
	case SK_VCOL_PROCS: return count_cell(r->nprocs, pos->w, SK_C_DEFAULT, buf);
	case SK_VCOL_SOCK: return count_cell(r->agg.sockets, pos->w, SK_C_DEFAULT, buf);
	case SK_VCOL_CLOSE_WAIT:
		return count_cell(r->agg.tcp_states[SK_TCP_CLOSE_WAIT], pos->w, SK_C_CRIT, buf);
	case SK_VCOL_CLOSED: return count_cell(closed, pos->w, SK_C_CRIT, buf);
	case SK_VCOL_ORPHANS: return count_cell(r->agg.orphans, pos->w, SK_C_WARN, buf);
	case SK_VCOL_RECVQ: return bytes_cell(r->agg.recv_q, SK_C_DEFAULT, buf);
	case SK_VCOL_RMEM: return bytes_cell(r->agg.rmem, SK_C_DEFAULT, buf);
	default: return SK_C_DEFAULT;
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

/* A row of a list whose cells fn fills: each cell's text into buf, and
 * its colour returned. */
typedef uint8_t (*cell_fn)(const struct sk_ui *ui, const void *row, const struct sk_colpos *pos,
			   char *buf, size_t size);

static void row_cells(const struct sk_ui *ui, const struct sk_frame *f, cell_fn fn,
		      const void *row, struct sk_line *l)
{
	char buf[SK_LINE_BYTES];

	for (size_t i = 0; i < f->ncols; i++) {
		buf[0] = '\0';
		cell(l, f, &f->pos[i], fn(ui, row, &f->pos[i], buf, sizeof(buf)), buf);
	}
}

/* A state cell: its name in its colour. */
static uint8_t state_cell(unsigned ds, bool orphan, char *buf, size_t size)
{
	snprintf(buf, size, "%s", sk_dstate_name(ds));
	return state_color(ds, orphan);
}

static uint8_t sock_cell(const struct sk_ui *ui, const void *row, const struct sk_colpos *pos,
			char *buf, size_t size)
{
	const struct sk_vsock *r = row;
	const struct sk_snapshot *s = ui->snap;
	const struct sk_socket *k = &s->socks.v[r->sock];
	const struct sk_process *p = row_proc(ui, r->proc);
	uint8_t c = SK_C_DEFAULT;

	switch (pos->col) {
	case SK_SCOL_PROTO: snprintf(buf, size, "%s", sk_view_proto(k)); break;
	case SK_SCOL_STATE:
		c = state_cell(r->dstate, k->flags & SK_SOCK_ORPHAN, buf, size);
		break;
	case SK_SCOL_AGE: {
		const struct sk_life *lf = sk_view_life(s, r->sock);
		int64_t ms = lf ? lf->state_age_ms : SK_LIFE_AGE_UNKNOWN;

		sk_tui_fmt_age(ms, lf && lf->estimated, buf, size);
		c = ms < 0 ? SK_C_DIM : SK_C_DEFAULT;
		break;
	}
	case SK_SCOL_FD:
		if (r->fd >= 0)
			snprintf(buf, size, "%d%s", (int)r->fd, r->nfds > 1 ? "+" : "");
		else if (k->flags & SK_SOCK_ORPHAN)
			snprintf(buf, size, "orph"), c = SK_C_WARN;
		else if (r->likely)
			snprintf(buf, size, "queue"), c = SK_C_DIM;
		else
			snprintf(buf, size, "-"), c = SK_C_DIM;
		break;
	case SK_SCOL_LOCAL: sk_view_endpoint(s, k, false, buf, size); break;
	case SK_SCOL_PEER: sk_view_endpoint(s, k, true, buf, size); break;
	case SK_SCOL_RECVQ:
		c = bytes_cell(k->state == SK_TCP_LISTEN ? 0 : k->recv_q, c, buf);
		break;
	case SK_SCOL_SENDQ:
		c = bytes_cell(k->state == SK_TCP_LISTEN ? 0 : k->send_q, c, buf);
		break;
	case SK_SCOL_RMEM: c = bytes_cell(sk_socket_rmem(k), c, buf); break;
	case SK_SCOL_WMEM: c = bytes_cell(sk_socket_wmem(k), c, buf); break;
	case SK_SCOL_TIMER:
		sk_view_timer(k, buf, size);
		if (k->timer == SK_TIMER_ON || k->timer == SK_TIMER_PERSIST)
			c = k->retrans ? SK_C_WARN : SK_C_DEFAULT;
		else
			c = SK_C_DIM;
		break;
	case SK_SCOL_USER:
		if (k->flags & SK_SOCK_HAS_UID)
			sk_view_user(&ui->view, k->uid, buf, 64);
		else
			snprintf(buf, size, "-");
		break;
	case SK_SCOL_INODE:
		snprintf(buf, size, "%llu", (unsigned long long)k->inode);
		c = k->inode ? SK_C_DEFAULT : SK_C_DIM;
		break;
	case SK_SCOL_PID:
		if (p)
			snprintf(buf, size, "%s%d", r->likely ? "~" : "", (int)p->pid);
		else
			snprintf(buf, size, "-"), c = SK_C_DIM;
		break;
	case SK_SCOL_COMMAND:
		if (p) {
			command_text(ui, p, pos->w, buf, size);
		} else {
			snprintf(buf, size, "%s",
				 k->state == SK_TCP_TIME_WAIT ? "(kernel: TIME_WAIT)"
				 : (k->flags & SK_SOCK_ORPHAN) ? "(orphan, owner unknown)"
				 : "(no process)");
			c = SK_C_DIM;
		}
		break;
	default: break;
	}
	return c;
}

static uint8_t group_cell(const struct sk_ui *ui, const void *row, const struct sk_colpos *pos,
			char *buf, size_t size)
{
	const struct sk_vgroup *g = row;
	const struct sk_process *p = row_proc(ui, g->proc);
	uint8_t c = SK_C_DEFAULT;

	switch (pos->col) {
	case SK_GCOL_COUNT:
		snprintf(buf, size, "%s%s", G_TIMES(ui),
			 sk_tui_count(g->count, pos->w - 1, (char[SK_TUI_NUM]){0}));
		c = SK_C_GROUP;
		break;
	case SK_GCOL_STATE:
		c = state_cell(g->key.dstate, false, buf, size);
		break;
	case SK_GCOL_ADDR: sk_view_gkey_label(&g->key, buf, size); break;
	case SK_GCOL_PROCS: sk_tui_count(g->nprocs, pos->w, buf); break;
	case SK_GCOL_RECVQ: c = bytes_cell(g->recv_q, c, buf); break;
	case SK_GCOL_SENDQ: c = bytes_cell(g->send_q, c, buf); break;
	case SK_GCOL_RMEM: c = bytes_cell(g->rmem, c, buf); break;
	case SK_GCOL_WMEM: c = bytes_cell(g->wmem, c, buf); break;
	case SK_GCOL_TIMER:
		if (g->timer_max_ms)
			sk_tui_fmt_ms(g->timer_max_ms, buf, size);
		break;
	case SK_GCOL_OWNER:
		if (p) {
			char who[96];

			sk_view_proc_label(p, who, sizeof(who));
			if (g->nprocs > 1)
				snprintf(buf, size, "%s +%u more", who, g->nprocs - 1);
			else
				snprintf(buf, size, "%s", who);
		} else {
			snprintf(buf, size, "(no process)");
			c = SK_C_DIM;
		}
		break;
	default: break;
	}
	return c;
}

/* Three lines a finding: severity, kind, subject and title; the evidence;
 * what to run next. The strings were built by the engine from escaped
 * names, and the line writer sanitises again. */
static void finding_row(const struct sk_ui *ui, size_t row, struct sk_line *l)
{
	const struct sk_finding *f = sk_view_finding_at(&ui->view, ui->snap, row);

	if (!f)
		return;
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

static uint8_t orphan_cell(const struct sk_ui *ui, const void *row, const struct sk_colpos *pos,
			char *buf, size_t size)
{
	const struct sk_vorphan *o = row;
	char a[16], b[16];
	uint8_t c = SK_C_DEFAULT;

	switch (pos->col) {
	case SK_OCOL_STATE:
		c = state_cell(o->key.dstate, true, buf, size);
		break;
	case SK_OCOL_COUNT: sk_tui_count(o->count, pos->w, buf); c = SK_C_GROUP; break;
	case SK_OCOL_SENDQ: c = bytes_cell(o->send_q, c, buf); break;
	case SK_OCOL_RECVQ: c = bytes_cell(o->recv_q, c, buf); break;
	case SK_OCOL_TIMER:
		if (o->timer_max_ms == 0 && o->timer_min_ms == UINT32_MAX)
			snprintf(buf, size, "-");
		else if (o->timer_min_ms == o->timer_max_ms || o->count == 1)
			snprintf(buf, size, "%s", sk_tui_fmt_ms(o->timer_max_ms, a, sizeof(a)));
		else
			snprintf(buf, size, "%s..%s",
				 sk_tui_fmt_ms(o->timer_min_ms, a, sizeof(a)),
				 sk_tui_fmt_ms(o->timer_max_ms, b, sizeof(b)));
		break;
	case SK_OCOL_RETRANS:
		snprintf(buf, size, "%u", o->retrans_max);
		c = zero_dim(o->retrans_max, SK_C_WARN);
		break;
	case SK_OCOL_OWNER:
		sk_view_okey_label(ui->snap, o, buf, size);
		c = o->key.owner_kind == SK_OWNER_NONE ? SK_C_DIM : SK_C_DEFAULT;
		break;
	default: break;
	}
	return c;
}

static void state_row(const struct sk_ui *ui, int width, const struct sk_vstate *st,
		      uint32_t max, struct sk_line *l)
{
	char buf[24];
	int bar = width >= 100 ? 30 : width >= 70 ? 16 : 8;

	sk_line_field(l, state_color(st->dstate, st->dstate == SK_DS_ORPHANS),
		      sk_dstate_name(st->dstate), 10, SK_ALIGN_LEFT);
	sk_line_add(l, SK_C_DEFAULT, " ");
	sk_line_field(l, zero_dim(st->count, SK_C_BOLD), sk_tui_count(st->count, 7, buf), 7,
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
		/* "closer[415] made 120": the lifecycle saw it make every one. */
		sk_line_addf(l, SK_C_DEFAULT, "%s%s%s ", i ? ", " : "", who,
			     st->top[i].made == st->top[i].count ? " made" : "");
		sk_line_add(l, SK_C_BOLD, sk_tui_count(st->top[i].count, 7, buf));
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
	"AGE = time in its state (~: estimated from tcp_info, a lower bound; -: unknown);",
	"the title says where ages come from. Orphans/States: maker, or ~likely owner.",
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
		if (v->cfg.npids || v->cfg.have_uid) {
			sk_line_add(l, SK_C_WARN, v->cfg.npids ? "No such process: no process given to -p "
						   "holds a socket." : "No such process: no process of the "
						   "-u user holds a socket.");
			break;
		}
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
	if (ui->mode == SK_MODE_SIGNAL) {
		if (row < sk_nsignals) {
			sk_line_addf(l, SK_C_DEFAULT, " %2d ", sk_signals[row].sig);
			sk_line_field(l, SK_C_BOLD, sk_signals[row].name, 9, SK_ALIGN_LEFT);
			sk_line_add(l, SK_C_DEFAULT, sk_signals[row].help);
		}
		return row == ui->menu_cursor;
	}
	if (ui->mode == SK_MODE_SETUP) {
		char buf[256];

		sk_setup_row_text(ui, row, buf, sizeof(buf));
		if (row == SK_SETUP_COLUMNS)
			sk_line_add(l, SK_C_DIM, "");
		sk_line_addf(l, row < SK_SETUP_COLUMNS ? SK_C_BOLD : SK_C_DEFAULT, " %s", buf);
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
			row_cells(ui, f, group_cell, &v->groups.v[row], l);
		else
			row_cells(ui, f, sock_cell, &v->socks.v[row], l);
		break;
	case SK_VK_ORPHANS:
		row_cells(ui, f, orphan_cell, &v->orphans.v[row], l);
		break;
	case SK_VK_SERVICES:
		row_cells(ui, f, service_cell, &v->services.v[row], l);
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
