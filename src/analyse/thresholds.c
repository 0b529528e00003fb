/* The thresholds the rules judge by: their names and defaults (a contract,
 * documented in doc/THRESHOLDS.md), --threshold NAME=VALUE, and the check
 * that a warning level is not above its critical one. */
#include <config.h>

#include "analyse/findings.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

const struct sk_threshold_def sk_threshold_defs[SK_TH_LAST] = {
	[SK_TH_CLOSE_WAIT_WARN] = {"close_wait_warn", 1, "CLOSE_WAIT sockets in one process held close_wait_age_s or longer for a warning"},
	[SK_TH_CLOSE_WAIT_CRIT] = {"close_wait_crit", 500, "... for critical (also: growing over the window)"},
	[SK_TH_CLOSED_WARN] = {"closed_warn", 1, "closed socket fds in one process held closed_age_s or longer, across refreshes, for a warning"},
	[SK_TH_CLOSED_CRIT] = {"closed_crit", 1000, "... for critical (also: growing, or fds near the limit)"},
	[SK_TH_RECV_STUCK_BYTES] = {"recv_stuck_bytes", 65536, "Recv-Q of one socket that counts as a backlog when it does not shrink"},
	[SK_TH_RECV_STUCK_FIRST_BYTES] = {"recv_stuck_first_bytes", 1048576, "Recv-Q of one socket reported before a second refresh confirms it"},
	[SK_TH_ZERO_WINDOW_SOCKETS] = {"zero_window_sockets", 4, "sockets with unsent data behind a zero window (persist timer)"},
	[SK_TH_ZERO_WINDOW_SENDQ] = {"zero_window_sendq", 1048576, "... or their total Send-Q in bytes"},
	[SK_TH_ORPHANS_WARN_PCT] = {"orphans_warn_pct", 50, "orphans as % of tcp_max_orphans for a warning"},
	[SK_TH_ORPHANS_CRIT_PCT] = {"orphans_crit_pct", 80, "... for critical"},
	[SK_TH_TCP_MEM_WARN_PCT] = {"tcp_mem_warn_pct", 80, "TCP memory as % of the tcp_mem pressure threshold"},
	[SK_TH_PORTS_WARN_PCT] = {"ports_warn_pct", 50, "local ports towards one destination as % of ip_local_port_range"},
	[SK_TH_PORTS_CRIT_PCT] = {"ports_crit_pct", 80, "... for critical"},
	[SK_TH_PORTS_MIN] = {"ports_min", 32, "fewest connections to one destination worth a finding"},
	[SK_TH_ACCEPT_WARN_PCT] = {"accept_warn_pct", 80, "accept queue as % of the listen backlog"},
	[SK_TH_FDS_WARN_PCT] = {"fds_warn_pct", 80, "open fds as % of RLIMIT_NOFILE (or file-max) for a warning"},
	[SK_TH_FDS_CRIT_PCT] = {"fds_crit_pct", 95, "... for critical"},
	[SK_TH_FILES_WARN_PCT] = {"files_warn_pct", 80, "system open files as % of fs.file-max"},
	[SK_TH_UDP_RCVBUF_PCT] = {"udp_rcvbuf_pct", 90, "UDP receive memory as % of its rcvbuf"},
	[SK_TH_CLOSE_WAIT_AGE_S] = {"close_wait_age_s", 5, "seconds in CLOSE_WAIT after which a socket is held, not closing"},
	[SK_TH_CLOSED_AGE_S] = {"closed_age_s", 5, "seconds a closed socket fd must stay open, seen by two refreshes, to be a leak"},
	[SK_TH_TW_CHURN_PCT] = {"tw_churn_pct", 50, "TIME_WAIT made per minute towards one destination as % of the port range or of tcp_max_tw_buckets"},
};

void sk_thresholds_default(struct sk_thresholds *t)
{
	for (int i = 0; i < SK_TH_LAST; i++)
		t->v[i] = sk_threshold_defs[i].value;
}

int sk_thresholds_set(struct sk_thresholds *t, const char *assignment, struct sk_error *err)
{
	const char *eq = strchr(assignment, '=');
	char *end;

	if (!eq)
		return sk_error_set(err, EINVAL, "--threshold: '%s' is not NAME=VALUE", assignment);
	for (int i = 0; i < SK_TH_LAST; i++) {
		const char *name = sk_threshold_defs[i].name;

		if (strlen(name) != (size_t)(eq - assignment) ||
		    strncmp(assignment, name, (size_t)(eq - assignment)) != 0)
			continue;
		errno = 0;
		long long v = strtoll(eq + 1, &end, 10);

		if (errno || end == eq + 1 || *end || v < 0)
			return sk_error_set(err, EINVAL, "--threshold: '%s' needs a whole number >= 0",
					    name);
		t->v[i] = v;
		return 0;
	}
	return sk_error_set(err, EINVAL, "--threshold: unknown threshold '%.*s' (see doc/THRESHOLDS.md)",
			    (int)(eq - assignment), assignment);
}

int sk_thresholds_check(const struct sk_thresholds *t, struct sk_error *err)
{
	static const int pairs[][2] = {
		{SK_TH_CLOSE_WAIT_WARN, SK_TH_CLOSE_WAIT_CRIT},
		{SK_TH_CLOSED_WARN, SK_TH_CLOSED_CRIT},
		{SK_TH_ORPHANS_WARN_PCT, SK_TH_ORPHANS_CRIT_PCT},
		{SK_TH_PORTS_WARN_PCT, SK_TH_PORTS_CRIT_PCT},
		{SK_TH_FDS_WARN_PCT, SK_TH_FDS_CRIT_PCT},
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		int w = pairs[i][0], c = pairs[i][1];

		if (t->v[w] > t->v[c])
			return sk_error_set(err, EINVAL,
					    "--threshold: %s (%lld) is above %s (%lld): raise %s too, "
					    "or lower %s", sk_threshold_defs[w].name,
					    (long long)t->v[w], sk_threshold_defs[c].name,
					    (long long)t->v[c], sk_threshold_defs[c].name,
					    sk_threshold_defs[w].name);
	}
	return 0;
}
