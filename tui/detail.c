/* The detail view of one socket: everything the snapshot knows of it,
 * as label/value lines, with one plain-words note on what its state means
 * for an operator. Part of the view model (pure, no ncurses). */
#include <config.h>

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hunits.h"
#include "model/fields.h"
#include "line.h"
#include "util/units.h"
#include "detail.h"
#include "vlabel.h"
#include "vlife.h"

static int add(struct sk_view *v, enum sk_vline_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int push(struct sk_view *v, enum sk_vline_kind kind, const char *text, size_t len)
{
	struct sk_vline *ln = SK_VEC_PUSH(&v->lines);

	if (!ln)
		return -ENOMEM;
	ln->kind = (uint8_t)kind;
	if (len >= sizeof(ln->text))
		len = sizeof(ln->text) - 1;
	memcpy(ln->text, text, len);
	ln->text[len] = '\0';
	return 0;
}

/* Long values and notes wrap at spaces to the view's width, so nothing an
 * operator needs is cut off at 80 columns; continuation lines of a field
 * have an empty label. */
static int push_wrapped(struct sk_view *v, enum sk_vline_kind kind, const char *text)
{
	int avail = (v->width > 40 ? v->width : 40) - 2;
	const char *tab = strchr(text, '\t');
	char label[SK_DETAIL_LABEL + 2] = "";
	int rc;

	if (kind == SK_VL_HEADING)
		return push(v, kind, text, strlen(text));
	if (kind == SK_VL_FIELD && tab) {
		size_t ll = (size_t)(tab - text) < SK_DETAIL_LABEL ? (size_t)(tab - text)
								    : SK_DETAIL_LABEL;

		memcpy(label, text, ll);
		label[ll] = '\0';
		text = tab + 1;
		avail -= SK_DETAIL_LABEL + 1 - 2;
	}
	do {
		size_t n = sk_text_prefix(text, avail);
		char buf[sizeof(((struct sk_vline *)0)->text)];

		if (text[n] != '\0') {
			size_t cut = n;

			while (cut > 0 && text[cut] != ' ')
				cut--;
			if (cut > 0)
				n = cut;
			else if (n == 0)
				n = 1; /* a character wider than the line: show it anyway */
		}
		if (kind == SK_VL_FIELD)
			snprintf(buf, sizeof(buf), "%s\t%.*s", label, (int)n, text);
		else
			snprintf(buf, sizeof(buf), "%.*s", (int)n, text);
		rc = push(v, kind, buf, strlen(buf));
		if (rc)
			return rc;
		label[0] = '\0';
		text += n;
		while (*text == ' ')
			text++;
	} while (*text);
	return 0;
}

static int add(struct sk_view *v, enum sk_vline_kind kind, const char *fmt, ...)
{
	char tmp[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	return push_wrapped(v, kind, tmp);
}

#define FIELD(label, ...) add(v, SK_VL_FIELD, label "\t" __VA_ARGS__)

static const char *bytes(uint64_t b, char *buf)
{
	return sk_format_bytes(b, buf, 16);
}

static const char *ms(uint64_t v, char *buf)
{
	return sk_tui_fmt_ms(v, buf, 16);
}

/* One formatter per unit (model/fields.h). buf holds 32 bytes. */
static const char *unit_value(unsigned unit, uint64_t v, char *buf)
{
	switch (unit) {
	case SK_UNIT_BYTES: return bytes(v, buf);
	case SK_UNIT_KB: return bytes(v * 1024, buf);
	case SK_UNIT_MS: return ms(v, buf);
	case SK_UNIT_US: snprintf(buf, 32, "%.1f ms", (double)v / 1000.0); return buf;
	case SK_UNIT_PAGES: snprintf(buf, 32, "%llu pages", (unsigned long long)v); return buf;
	case SK_UNIT_SECONDS: snprintf(buf, 32, "%llus", (unsigned long long)v); return buf;
	default: snprintf(buf, 32, "%llu", (unsigned long long)v); return buf;
	}
}

static bool same_group(const struct sk_field *a, const struct sk_field *b)
{
	return strcmp(a->group, b->group) == 0;
}

/* The rows of one group as one line, "cwnd 10  ssthresh 7  ..."; false
 * when every row is optional and 0 (a kernel that does not send them). */
static bool group_line(const struct sk_record *r, size_t first, const void *rec, char *line,
		       size_t size)
{
	bool shown = false;
	size_t n = 0;

	line[0] = '\0';
	for (size_t j = first; j < r->n && n < size; j++) {
		const struct sk_field *f = &r->fields[j];
		uint64_t val = sk_field_get(f, rec, 0);
		char buf[32];

		if (!same_group(f, &r->fields[first]))
			continue;
		shown |= val != 0 || !(f->flags & SK_FIELD_OPTIONAL);
		n += (size_t)snprintf(line + n, size - n, "%s%s %s", n ? "  " : "", f->label,
				      unit_value(f->unit, val, buf));
	}
	return shown;
}

/* A record, one line per group in the order of each group's first row. */
static void record_lines(struct sk_view *v, const struct sk_record *r, const void *rec)
{
	for (size_t i = 0; i < r->n; i++) {
		char line[512];
		bool earlier = false;

		for (size_t j = 0; j < i && !earlier; j++)
			earlier = same_group(&r->fields[j], &r->fields[i]);
		if (earlier || !group_line(r, i, rec, line, sizeof(line)))
			continue;
		add(v, SK_VL_FIELD, "%s\t%s", r->fields[i].group, line);
		for (size_t j = i; j < r->n; j++)
			if ((r->fields[j].flags & SK_FIELD_ZERO_NOTE) &&
			    same_group(&r->fields[j], &r->fields[i]) &&
			    sk_field_get(&r->fields[j], rec, 0) == 0)
				add(v, SK_VL_WARN, "%s", r->fields[j].description);
	}
}

struct state_note {
	unsigned state; /* a display state, sk_dstate_of */
	uint8_t kind;   /* enum sk_vline_kind */
	const char *text;
};

/* Why an operator should care, in one or two sentences per state. */
static const struct state_note state_notes[] = {
	{SK_TCP_CLOSE_WAIT, SK_VL_WARN, "The peer closed its end; this process has not called "
	 "close(). A pile of these is a leak in the process (a missed close on an error path)."},
	{SK_DS_UNBOUND, SK_VL_NOTE, "A UDP socket never bound or connected: harmless alone, a "
	 "leak only if the count keeps growing."},
	{SK_TCP_FIN_WAIT2, SK_VL_NOTE, "Closed by this side and acknowledged; waiting for the "
	 "peer's close (tcp_fin_timeout bounds it for orphans)."},
	{SK_TCP_LAST_ACK, SK_VL_NOTE, "Both sides closed; waiting for the peer's last ACK."},
	{SK_TCP_CLOSING, SK_VL_NOTE, "Both sides closed at once; waiting for the peer's ACK."},
	{SK_TCP_TIME_WAIT, SK_VL_NOTE, "Normal after this side closed first; it goes away by "
	 "itself (60 s on Linux)."},
	{SK_TCP_SYN_RECV, SK_VL_NOTE, "Handshake in progress (server side)."},
	{SK_TCP_SYN_SENT, SK_VL_NOTE, "Connecting: no answer from the peer yet."},
};

static void state_note(struct sk_view *v, const struct sk_socket *k, unsigned ds)
{
	for (size_t i = 0; i < sizeof(state_notes) / sizeof(state_notes[0]); i++)
		if (state_notes[i].state == ds)
			add(v, state_notes[i].kind, "%s", state_notes[i].text);
	if (ds == SK_DS_CLOSED && (k->flags & SK_SOCK_UNDUMPED))
		add(v, SK_VL_WARN, "An fd to a TCP socket the kernel's tables no longer list: "
		    "connect() failed or the connection ended, and the fd was never closed "
		    "(lsof: \"can't identify protocol\"). A growing count is an fd leak.");
	else if (ds == SK_DS_CLOSED)
		add(v, SK_VL_NOTE, "Bound but neither listening nor connected; counted with the "
		    "closed fds.");
	if (ds == SK_TCP_FIN_WAIT1)
		add(v, (k->flags & SK_SOCK_ORPHAN) ? SK_VL_WARN : SK_VL_NOTE,
		    "Closed by this side with data the peer has not acknowledged (Send-Q). "
		    "%s", (k->flags & SK_SOCK_ORPHAN)
		    ? "An orphan: the kernel keeps it and its memory until tcp_orphan_retries "
		      "run out; a stuck peer window keeps it there."
		    : "Still held by an fd.");
	if (k->recv_q >= (1u << 20) && k->state != SK_TCP_LISTEN)
		add(v, SK_VL_WARN, "%u bytes received and not read by the process.", k->recv_q);
	if (k->state == SK_TCP_LISTEN && k->recv_q)
		add(v, SK_VL_NOTE, "Accept queue: %u connections waiting for accept() (backlog %u).",
		    k->recv_q, k->send_q);
}

static int owners(struct sk_view *v, const struct sk_snapshot *s, const struct sk_socket *k)
{
	char buf[400];
	size_t n = 0;
	uint32_t last_proc = SK_NONE;

	buf[0] = '\0';
	for (uint32_t i = 0; i < k->owners_count && n + 40 < sizeof(buf); i++) {
		uint32_t oi = k->owners_start + i;

		if (oi >= s->owner_index.n)
			break;
		const struct sk_fdref *ref = &s->fdrefs.v[s->owner_index.v[oi]];
		const struct sk_process *p = &s->procs.v[ref->proc];

		if (ref->proc != last_proc)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s[%d] fd %d",
					      n ? "; " : "", p->comm, (int)p->pid, (int)ref->fd);
		else
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", %d", (int)ref->fd);
		last_proc = ref->proc;
	}
	if (n)
		return FIELD("held by", "%s", buf);
	if (k->likely_owner < s->procs.n) {
		const struct sk_process *p = &s->procs.v[k->likely_owner];

		return FIELD("held by", "no fd (%s); likely owner %s[%d], the process listening "
			     "on port %u", (k->flags & SK_SOCK_ORPHAN) ? "orphan" : "accept queue",
			     p->comm, (int)p->pid, k->local.port);
	}
	if (k->owner_kind == SK_OWNER_CGROUP)
		return FIELD("held by", "no fd (orphan); cgroup id %llu",
			     (unsigned long long)k->cgroup_id);
	return FIELD("held by", "no process (%s)",
		     k->state == SK_TCP_TIME_WAIT ? "TIME_WAIT is kept by the kernel alone"
		     : (k->flags & SK_SOCK_ORPHAN) ? "orphan, owner unknown" : "not held by any fd");
}

/* An age in words where the AGE column has "-". */
static const char *age_text(int64_t ms, bool estimated, char *buf, size_t size)
{
	return ms < 0 ? "unknown" : sk_tui_fmt_age(ms, estimated, buf, size);
}

/* Who made it and since when (the lifecycle, vlife.h): nothing when the
 * snapshot has none, "unknown" for what it does not know. */
static void lifetime(struct sk_view *v, const struct sk_snapshot *s, uint32_t si, unsigned ds)
{
	const struct sk_life *lf = sk_view_life(s, si);
	char who[96], age[16];

	if (!lf)
		return;
	if (lf->creator_pid > 0) {
		char cg[40] = "";

		sk_view_creator_label(s, lf, who, sizeof(who));
		if (lf->creator_cgroup)
			snprintf(cg, sizeof(cg), "  cgroup id %llu",
				 (unsigned long long)lf->creator_cgroup);
		FIELD("created by", "%s%s%s", who, cg,
		      lf->creator_is_holder ? "  (fd holder, made before sktop)" : "");
	} else {
		FIELD("created by", "unknown");
	}
	FIELD("age", "%s", age_text(lf->age_ms, lf->estimated, age, sizeof(age)));
	FIELD("state age", "%s in %s", age_text(lf->state_age_ms, lf->estimated, age, sizeof(age)),
	      sk_dstate_name(ds));
	if (lf->estimated && (lf->age_ms >= 0 || lf->state_age_ms >= 0))
		add(v, SK_VL_NOTE, "~: estimated from tcp_info (the last data or ACK seen): at "
		    "least this old. Made before sktop's lifecycle started recording.");
}

int sk_view_detail(struct sk_view *v, const struct sk_snapshot *s, uint32_t si, uint32_t pi)
{
	const struct sk_socket *k = &s->socks.v[si];
	unsigned ds = sk_dstate_of(k);
	char a[4200], b[64], c[16], d[16];
	const char *fam = k->family == AF_INET6 ? "IPv6" : k->family == AF_INET ? "IPv4"
			  : k->family == AF_UNIX ? "unix" : "?";

	v->lines.n = 0;
	add(v, SK_VL_HEADING, "Socket");
	if (k->flags & SK_SOCK_UNDUMPED)
		FIELD("protocol", "%s (%s fd; not in any sock_diag dump)", sk_view_proto(k),
		      k->sockname < SK_SN_LAST ? sk_sockname_names[k->sockname] : "?");
	else
		FIELD("protocol", "%s (%s)", sk_view_proto(k), fam);
	FIELD("state", "%s%s%s", sk_dstate_name(ds),
	      (k->flags & SK_SOCK_ORPHAN) ? "  (orphan: no process holds it)" : "",
	      ds == SK_DS_CLOSED && !(k->flags & SK_SOCK_UNDUMPED) ? "  (kernel state CLOSE)" : "");
	state_note(v, k, ds);
	sk_view_endpoint(s, k, false, a, sizeof(a));
	FIELD("local", "%s", a);
	sk_view_endpoint(s, k, true, a, sizeof(a));
	FIELD("peer", "%s", a);
	owners(v, s, k);
	lifetime(v, s, si, ds);
	FIELD("inode", "%llu   cookie 0x%llx", (unsigned long long)k->inode,
	      (unsigned long long)k->cookie);
	if (k->flags & SK_SOCK_HAS_UID) {
		v->cfg.user_name(v->cfg.user_ctx, k->uid, b, sizeof(b));
		FIELD("uid", "%u (%s)", k->uid, b);
	}
	{
		bool own = false;

		for (size_t i = 0; i < s->netns.n; i++)
			if (s->netns.v[i].id == k->netns)
				own = s->netns.v[i].own;
		FIELD("netns", "%llu%s", (unsigned long long)k->netns,
		      own ? " (sktop's own)" : "");
	}
	if (k->flags & SK_SOCK_HAS_CGROUP)
		FIELD("cgroup id", "%llu", (unsigned long long)k->cgroup_id);
	if (k->flags & SK_SOCK_HAS_SHUTDOWN)
		FIELD("shutdown", "receive %s, send %s%s",
		      (k->shutdown & 1) ? "shut" : "open", (k->shutdown & 2) ? "shut" : "open",
		      k->shutdown == 3 ? " (both directions shut down)" : "");
	if (k->ifindex)
		FIELD("bound to", "interface index %u", k->ifindex);
	if (k->flags & SK_SOCK_V6ONLY)
		FIELD("v6only", "yes");

	if (!(k->flags & SK_SOCK_UNDUMPED)) {
		add(v, SK_VL_HEADING, "Queues and memory");
		FIELD("recv-q", "%u%s", k->recv_q,
		      k->state == SK_TCP_LISTEN ? " connections waiting for accept()"
		      : k->recv_q == 1 ? " byte" : " bytes");
		FIELD("send-q", "%u%s", k->send_q,
		      k->state == SK_TCP_LISTEN ? " (the backlog limit)"
		      : k->send_q == 1 ? " byte" : " bytes");
		if (k->flags & sk_rec_skmem.present)
			record_lines(v, &sk_rec_skmem, &k->mem);
		add(v, SK_VL_HEADING, "Timer");
		if (k->timer == SK_TIMER_OFF || k->timer >= SK_TIMER_LAST) {
			FIELD("timer", "none");
		} else {
			static const char *const what[SK_TIMER_LAST] = {
				[SK_TIMER_ON] = "retransmit", [SK_TIMER_KEEPALIVE] = "keepalive",
				[SK_TIMER_TIMEWAIT] = "TIME_WAIT expiry",
				[SK_TIMER_PERSIST] = "zero-window probe",
			};
			FIELD("timer", "%s, %s left, %u retransmits", what[k->timer],
			      ms(k->timer_ms, c), k->retrans);
		}
		if (k->family == AF_UNIX && k->unix_peer)
			FIELD("unix peer", "inode %u", k->unix_peer);
		if (k->flags & sk_rec_tcpinfo.present) {
			add(v, SK_VL_HEADING, "TCP (tcp_info)");
			record_lines(v, &sk_rec_tcpinfo, &k->tcp);
		}
	}
	if (pi != SK_NONE && pi < s->procs.n) {
		const struct sk_process *p = &s->procs.v[pi];

		add(v, SK_VL_HEADING, "Process");
		v->cfg.user_name(v->cfg.user_ctx, p->uid, b, sizeof(b));
		FIELD("process", "%s[%d]  user %s", p->comm, (int)p->pid, b);
		FIELD("command", "%s", sk_strtab_get(&s->strs, p->cmdline));
		if (p->fd_limit == SK_FD_LIMIT_UNLIMITED)
			FIELD("fds", "%u open, no limit", p->fd_count);
		else
			FIELD("fds", "%u open of %llu allowed", p->fd_count,
			      (unsigned long long)p->fd_limit);
		FIELD("memory", "RSS %s; its sockets hold rmem %s, wmem %s",
		      bytes(p->rss_kb * 1024, c), bytes(p->agg.rmem, d), bytes(p->agg.wmem, b));
		if (p->agg.rmem > p->rss_kb * 1024 && p->agg.rmem >= (1u << 20))
			add(v, SK_VL_WARN, "Its socket buffers hold more memory than its RSS: kernel "
				"memory charged to unread data, invisible in top.");
	}
	return 0;
}
