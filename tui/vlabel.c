/* How the view names things on screen (vlabel.h). */
#include <config.h>

#include "vlabel.h"

#include "model/fields.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "hunits.h"
#include "vlife.h"
#include "vrows.h"

const char *const sk_pane_names[SK_PANE_LAST] = {SK_PANES(SK_XNAME)};

const char *const sk_group_names[SK_GROUP_LAST] = {SK_GROUPS(SK_XNAME)};

/* --- display states -------------------------------------------------------- */

/* What to look at first when sorting by state: leaks, then stuck closes. */
static const int8_t dstate_rank[SK_DS_LAST] = {
	[SK_TCP_CLOSE_WAIT] = 100, [SK_DS_CLOSED] = 95,     [SK_TCP_FIN_WAIT1] = 90,
	[SK_TCP_LAST_ACK] = 85,    [SK_TCP_CLOSING] = 80,   [SK_DS_ORPHANS] = 78,
	[SK_TCP_SYN_RECV] = 70,    [SK_TCP_NEW_SYN_RECV] = 70, [SK_TCP_FIN_WAIT2] = 60,
	[SK_TCP_SYN_SENT] = 55,    [SK_TCP_ESTABLISHED] = 40, [SK_TCP_TIME_WAIT] = 30,
	[SK_TCP_LISTEN] = 20,      [SK_DS_UNBOUND] = 15,    [SK_DS_UNCONN] = 10,
	[SK_TCP_CLOSE] = 8,        [SK_TCP_BOUND_INACTIVE] = 5, [SK_TCP_UNKNOWN] = 0,
};

int sk_dstate_badness(unsigned ds)
{
	return ds < SK_DS_LAST ? dstate_rank[ds] : 0;
}

void sk_view_proc_label(const struct sk_process *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s[%d]", p->comm, (int)p->pid);
}

void sk_view_timer(const struct sk_socket *k, char *buf, size_t size)
{
	static const char *const shortname[SK_TIMER_LAST] = {
		[SK_TIMER_ON] = "on", [SK_TIMER_KEEPALIVE] = "keep",
		[SK_TIMER_TIMEWAIT] = "tw", [SK_TIMER_PERSIST] = "probe",
	};
	char t[16];
	unsigned n = k->retrans;

	if (size == 0)
		return;
	buf[0] = '\0';
	if (k->timer == SK_TIMER_OFF || k->timer >= SK_TIMER_LAST || k->proto != SK_PROTO_TCP)
		return;
	/* Zero-window probes count in tcp_info, not in idiag_retrans. */
	if (k->timer == SK_TIMER_PERSIST && sk_socket_probes(k) > n)
		n = sk_socket_probes(k);
	sk_tui_fmt_ms(k->timer_ms, t, sizeof(t));
	if (n)
		snprintf(buf, size, "%s %s/%u", shortname[k->timer], t, n);
	else
		snprintf(buf, size, "%s %s", shortname[k->timer], t);
}

void sk_view_gkey_label(const struct sk_gkey *g, char *buf, size_t size)
{
	if (g->mode == SK_GROUP_LPORT) {
		snprintf(buf, size, "port %u", g->port);
		return;
	}
	if (g->family == AF_INET || g->family == AF_INET6) {
		struct sk_endpoint ep = {{0}, 0};
		char tmp[64];

		memcpy(ep.addr, g->addr, (size_t)sk_addr_len(g->family));
		sk_endpoint_format(&ep, g->family, tmp, sizeof(tmp));
		/* Strip the ":0" port the formatter adds. */
		char *colon = strrchr(tmp, ':');

		if (colon)
			*colon = '\0';
		if (g->family == AF_INET6 && tmp[0] == '[') {
			size_t l = strlen(tmp);

			if (l >= 2 && tmp[l - 1] == ']') {
				tmp[l - 1] = '\0';
				snprintf(buf, size, "%s", tmp + 1);
				return;
			}
		}
		snprintf(buf, size, "%s", tmp);
		return;
	}
	snprintf(buf, size, "%s", g->family == AF_UNIX ? "(unix)" : "(no peer)");
}

void sk_view_okey_label(const struct sk_snapshot *s, const struct sk_vorphan *o, char *buf,
			size_t size)
{
	/* Where a lifecycle names makers, a guess is marked as the sockets pane
	 * marks a likely owner: ~ (a word would not fit the column at 80). */
	const char *likely = sk_view_has_lives(s) ? "~" : "";
	const struct sk_life *lf;
	char who[96];

	switch (o->key.owner_kind) {
	case SK_OKEY_CREATOR:
		lf = sk_view_life_creator(s, o->sample);
		if (lf)
			sk_view_creator_label(s, lf, who, sizeof(who));
		else
			snprintf(who, sizeof(who), "pid %d", (int)o->key.pid);
		snprintf(buf, size, "%s made %s", who, o->count == 1 ? "it" : "them");
		break;
	case SK_OWNER_LISTENER:
		if (o->proc != SK_NONE && o->proc < s->procs.n)
			sk_view_proc_label(&s->procs.v[o->proc], who, sizeof(who));
		else
			snprintf(who, sizeof(who), "pid %d", (int)o->key.pid);
		snprintf(buf, size, "%s%s via :%u", likely, who, o->key.lport);
		break;
	case SK_OWNER_CGROUP:
		snprintf(buf, size, "%scgroup %llu (client side)", likely,
			 (unsigned long long)o->key.cgroup);
		break;
	default:
		snprintf(buf, size, "unknown (client side)");
		break;
	}
}

/* --- growth ---------------------------------------------------------------------- */

/* A growth series is named and formatted by its process field row. */
const char *sk_view_metric_name(enum sk_pmetric m)
{
	return m < SK_PM_LAST ? sk_pmetric_field(m)->label : "?";
}

bool sk_view_metric_bytes(enum sk_pmetric m)
{
	return m < SK_PM_LAST && sk_pmetric_field(m)->unit == SK_UNIT_BYTES;
}
