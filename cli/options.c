#include <config.h>

#include "options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

enum {
	OPT_JSON = 0x100,
	OPT_SNAPSHOT_DIR,
	OPT_PROC_ROOT,
	OPT_NO_COLOR,
	OPT_NO_UNIX,
	OPT_TOP,
	OPT_THRESHOLD,
	OPT_EXPORTER,
	OPT_TEXTFILE,
	OPT_MAX_GROUPS,
	OPT_PER_PROCESS,
	OPT_CHECK,
	OPT_NO_SOCKETS,
	OPT_NO_BPF,
	OPT_KILL_SOCKETS,
	OPT_DRY_RUN,
	OPT_SERVICE,
	OPT_HOST_ROOT,
	OPT_KMSG,
};

static const struct option long_options[] = {
	{"batch", no_argument, NULL, 'b'},
	{"iterations", required_argument, NULL, 'n'},
	{"delay", required_argument, NULL, 'd'},
	{"sort", required_argument, NULL, 's'},
	{"invert", no_argument, NULL, 'I'},
	{"pid", required_argument, NULL, 'p'},
	{"user", required_argument, NULL, 'u'},
	{"write", required_argument, NULL, 'w'},
	{"replay", required_argument, NULL, 'r'},
	{"json", no_argument, NULL, OPT_JSON},
	{"snapshot-dir", required_argument, NULL, OPT_SNAPSHOT_DIR},
	{"proc-root", required_argument, NULL, OPT_PROC_ROOT},
	{"no-color", no_argument, NULL, OPT_NO_COLOR},
	{"no-unix", no_argument, NULL, OPT_NO_UNIX},
	{"no-bpf", no_argument, NULL, OPT_NO_BPF},
	{"top", required_argument, NULL, OPT_TOP},
	{"threshold", required_argument, NULL, OPT_THRESHOLD},
	{"exporter", required_argument, NULL, OPT_EXPORTER},
	{"textfile", required_argument, NULL, OPT_TEXTFILE},
	{"max-groups", required_argument, NULL, OPT_MAX_GROUPS},
	{"per-process", no_argument, NULL, OPT_PER_PROCESS},
	{"check", no_argument, NULL, OPT_CHECK},
	{"no-sockets", no_argument, NULL, OPT_NO_SOCKETS},
	{"kill-sockets", required_argument, NULL, OPT_KILL_SOCKETS},
	{"dry-run", no_argument, NULL, OPT_DRY_RUN},
	{"service", required_argument, NULL, OPT_SERVICE},
	{"host-root", required_argument, NULL, OPT_HOST_ROOT},
	{"kmsg", required_argument, NULL, OPT_KMSG},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

static void print_help(FILE *out)
{
	fprintf(out,
		"Usage: sktop [OPTION]...\n"
		"A top for sockets: which process holds the CLOSE_WAIT pile, the leaked\n"
		"closed sockets, the orphans, the megabytes of unread receive queue.\n"
		"\n"
		"Modes:\n"
		"  (default)              interactive terminal UI\n"
		"  -b, --batch            print a text report each refresh, like top -b\n"
		"      --json             with -b: one JSON snapshot per line instead\n"
		"      --no-sockets       with --json: summary, processes and findings only\n"
		"                         (no per-socket array, which holds the fds)\n"
		"  -w, --write FILE       write one JSON snapshot to FILE and exit\n"
		"                         (created 0600, never overwrites, never follows a symlink)\n"
		"  -r, --replay FILE      show a saved snapshot (from -w, the s key or --json)\n"
		"                         read-only: in the TUI, or with -b as a report;\n"
		"                         a --json log or a directory of snapshot files is\n"
		"                         travelled with [ ] { } (-b prints each)\n"
		"      --exporter [ADDR:]PORT  serve Prometheus metrics on http://ADDR:PORT/metrics\n"
		"                         (default address 127.0.0.1; -d defaults to 15 here)\n"
		"      --textfile PATH    with -b: write the metrics to PATH atomically each\n"
		"                         refresh (node_exporter's textfile collector)\n"
		"      --max-groups N     metrics: at most N groups, the rest summed as \"other\"\n"
		"                         (default 200)\n"
		"      --per-process      metrics: per-pid series too (capped by --max-groups)\n"
		"      --check            one line and a Nagios plugin exit status from the\n"
		"                         findings: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN\n"
		"                         (-n N -d S: judge the last of N refreshes)\n"
		"      --kill-sockets FILTER  destroy the TCP/UDP sockets FILTER selects (as\n"
		"                         ss -K does; root), one line each, logged to syslog;\n"
		"                         FILTER is the TUI's / language: every word must match\n"
		"      --dry-run          with --kill-sockets: only print what it would destroy\n"
		"\n"
		"Options:\n"
		"  -d, --delay SECONDS    refresh interval (default 2; batch: 0 = back to back)\n"
		"  -n, --iterations N     stop after N refreshes (default 0 = until\n"
		"                         interrupted)\n"
		"  -s, --sort KEY         sort processes by KEY (default close_wait):\n");
	for (int i = 0; i < SK_SORT_LAST; i++)
		fprintf(out, "                           %-11s %s\n", sk_proc_fields[i].name,
			sk_proc_fields[i].description);
	fprintf(out,
		"  -I, --invert           invert the sort order\n"
		"  -p, --pid PID[,PID]    only these processes\n"
		"  -u, --user USER        only processes of USER (name or uid)\n"
		"      --service PATTERN  only the processes, sockets and findings of the\n"
		"                         pods, containers or units whose names contain PATTERN\n"
		"      --top N            batch text: at most N process rows (0 = all)\n"
		"      --threshold NAME=VALUE  change a finding threshold (doc/THRESHOLDS.md)\n"
		"      --snapshot-dir DIR where the TUI's 's' key writes (default: .)\n"
		"      --no-color         monochrome TUI (also when NO_COLOR is set)\n"
		"      --no-unix          do not dump AF_UNIX sockets\n"
		"      --no-bpf           find socket owners by reading /proc/PID/fd, not with\n"
		"                         the BPF iterator (used by default when it loads)\n"
		"      --proc-root DIR    read processes and counters from DIR instead of /proc\n"
		"      --host-root DIR    read the orchestrators' files (/var/log/containers,\n"
		"                         /var/lib/docker, /run/netns, ...) under DIR\n"
		"      --kmsg PATH        the kernel log to search for TCP complaints\n"
		"                         (default /dev/kmsg; tests use a file or FIFO)\n"
		"  -h, --help             show this help and exit\n"
		"  -V, --version          show the version and exit\n"
		"\n"
		"Run as root to see every process's sockets and other network namespaces.\n"
		"Exit status: 0 ok, 1 runtime error, 2 invalid usage (--check: as above),\n"
		"128+N the interactive view stopped by signal N.\n");
}

/* Digits, and with `point` one '.': strtol and strtod also take leading
 * blanks, a sign, "0x10", "1e1" and "inf", none of which is how a person
 * writes a count or a number of seconds. */
static bool plain_number(const char *arg, bool point)
{
	bool digits = false;

	for (const char *p = arg; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits = true;
		else if (*p == '.' && point)
			point = false;
		else
			return false;
	}
	return digits;
}

static int parse_long(const char *opt, const char *arg, long min, long max, long *out,
		      struct sk_error *err)
{
	char *end;
	long v = 0;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (!plain_number(arg, false) || errno || end == arg || *end || v < min || v > max)
		return sk_error_set(err, EINVAL, "%s: '%s' is not a whole number from %ld to %ld",
				    opt, arg, min, max);
	*out = v;
	return 0;
}

static int parse_interval(const char *arg, double *out, struct sk_error *err)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (!plain_number(arg, true) || errno || end == arg || *end || !isfinite(v) || v < 0 || v > 86400)
		return sk_error_set(err, EINVAL,
				    "-d: '%s' is not a number of seconds from 0 to 86400", arg);
	*out = v;
	return 0;
}

static int parse_pids(const char *arg, struct sk_options *o, struct sk_error *err)
{
	char buf[1024];
	char *save = NULL;

	if (strlen(arg) >= sizeof(buf))
		return sk_error_set(err, EINVAL, "-p: list too long");
	strcpy(buf, arg);
	for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		long pid = 0;
		int rc = parse_long("-p", tok, 1, INT_MAX, &pid, err);

		if (rc)
			return rc;
		if (o->npids == SK_MAX_PIDS)
			return sk_error_set(err, EINVAL, "-p: at most %d pids", SK_MAX_PIDS);
		o->pids[o->npids++] = (int32_t)pid;
	}
	if (o->npids == 0)
		return sk_error_set(err, EINVAL, "-p: '%s' names no pid", arg);
	return 0;
}

/* PORT, ADDR:PORT or [ADDR6]:PORT, numeric only: the exporter binds
 * exactly where told, never where a resolver says. */
static int parse_listen(const char *arg, struct sk_options *o, struct sk_error *err)
{
	const char *colon = strrchr(arg, ':'), *port = colon ? colon + 1 : arg;
	size_t alen = colon ? (size_t)(colon - arg) : 0;
	unsigned char bin[16];
	long v = 0;
	int rc = parse_long("--exporter", port, 1, 65535, &v, err);

	if (rc)
		return rc;
	if (alen >= 2 && arg[0] == '[' && arg[alen - 1] == ']') {
		arg++;
		alen -= 2;
	}
	if (alen >= sizeof(o->exporter_addr))
		return sk_error_set(err, EINVAL, "--exporter: address too long");
	if (colon && alen) {
		memcpy(o->exporter_addr, arg, alen);
		o->exporter_addr[alen] = '\0';
	}
	if (inet_pton(AF_INET, o->exporter_addr, bin) != 1 &&
	    inet_pton(AF_INET6, o->exporter_addr, bin) != 1)
		return sk_error_set(err, EINVAL, "--exporter: '%s' is not a numeric IP address",
				    o->exporter_addr);
	o->exporter = true;
	o->exporter_port = (uint16_t)v;
	return 0;
}

static int parse_user(const char *arg, struct sk_options *o, struct sk_error *err)
{
	struct passwd *pw = getpwnam(arg);
	long uid = 0;

	if (pw) {
		o->uid = pw->pw_uid;
	} else if (arg[0] >= '0' && arg[0] <= '9' &&
		   parse_long("-u", arg, 0, UINT32_MAX - 1, &uid, err) == 0) {
		o->uid = (uid_t)uid;
	} else {
		return sk_error_set(err, EINVAL, "-u: no such user '%s'", arg);
	}
	o->have_uid = true;
	return 0;
}

int sk_options_parse(int argc, char **argv, struct sk_options *o, FILE *out,
		     struct sk_error *err)
{
	long v = 0;
	int c, rc = 0;
	bool delay_given = false;
	const char *no_color = getenv("NO_COLOR");

	memset(o, 0, sizeof(*o));
	o->interval = 2.0;
	o->sort = SK_SORT_CLOSE_WAIT;
	o->snapshot_dir = ".";
	o->proc_root = "/proc";
	o->kmsg_path = "/dev/kmsg";
	o->no_color = no_color && no_color[0];
	sk_thresholds_default(&o->thresholds);
	snprintf(o->exporter_addr, sizeof(o->exporter_addr), "127.0.0.1");
	o->max_groups = 200;

	opterr = 0;  /* our own one-line messages instead of getopt's */
	optind = 0;  /* full re-initialisation: tests parse more than once */
	while ((c = getopt_long(argc, argv, ":bn:d:s:Ip:u:w:r:hV", long_options, NULL)) != -1) {
		switch (c) {
		case 'b': o->batch = true; break;
		case 'n':
			rc = parse_long("-n", optarg, 0, LONG_MAX, &o->count, err);
			break;
		case 'd':
			rc = parse_interval(optarg, &o->interval, err);
			delay_given = true;
			break;
		case 's': {
			int key = sk_sort_key_parse(optarg);

			if (key < 0)
				rc = sk_error_set(err, EINVAL,
						  "-s: unknown sort key '%s' (see --help for the list)",
						  optarg);
			else
				o->sort = (enum sk_sort_key)key;
			break;
		}
		case 'I': o->sort_invert = true; break;
		case 'p': rc = parse_pids(optarg, o, err); break;
		case 'u': rc = parse_user(optarg, o, err); break;
		case 'w': o->write_file = optarg; break;
		case 'r': o->replay_file = optarg; break;
		case OPT_JSON: o->json = true; break;
		case OPT_SNAPSHOT_DIR: o->snapshot_dir = optarg; break;
		case OPT_PROC_ROOT: o->proc_root = optarg; break;
		case OPT_HOST_ROOT: o->host_root = optarg; break;
		case OPT_KMSG: o->kmsg_path = optarg; break;
		case OPT_NO_COLOR: o->no_color = true; break;
		case OPT_NO_UNIX: o->no_unix = true; break;
		case OPT_NO_BPF: o->no_bpf = true; break;
		case OPT_TOP:
			rc = parse_long("--top", optarg, 0, INT_MAX, &v, err);
			o->top = v;
			break;
		case OPT_THRESHOLD: rc = sk_thresholds_set(&o->thresholds, optarg, err); break;
		case OPT_EXPORTER: rc = parse_listen(optarg, o, err); break;
		case OPT_TEXTFILE: o->textfile = optarg; break;
		case OPT_MAX_GROUPS:
			rc = parse_long("--max-groups", optarg, 1, 100000, &o->max_groups, err);
			break;
		case OPT_PER_PROCESS: o->per_process = true; break;
		case OPT_CHECK: o->check = true; break;
		case OPT_NO_SOCKETS: o->no_sockets = true; break;
		case OPT_KILL_SOCKETS: o->kill_filter = optarg; break;
		case OPT_DRY_RUN: o->dry_run = true; break;
		case OPT_SERVICE:
			if (!optarg[0] || strlen(optarg) > 1024)
				return sk_error_set(err, EINVAL,
						    "--service: the pattern must be 1 to 1024 bytes");
			o->service = optarg;
			break;
		case 'h': print_help(out); return SK_OPTIONS_EXIT;
		case 'V': fprintf(out, "sktop %s\n", PACKAGE_VERSION); return SK_OPTIONS_EXIT;
		case ':':
			return sk_error_set(err, EINVAL, "option '%s' needs a value",
					    argv[optind - 1]);
		default:
			return sk_error_set(err, EINVAL, "unknown option '%s'", argv[optind - 1]);
		}
		if (rc)
			return rc;
	}
	if (optind < argc)
		return sk_error_set(err, EINVAL, "unexpected argument '%s'", argv[optind]);
	if (o->json && !o->batch)
		return sk_error_set(err, EINVAL, "--json goes with -b (or use -w FILE)");
	if (o->no_sockets && !o->json)
		return sk_error_set(err, EINVAL, "--no-sockets goes with -b --json");
	if (o->check && (o->batch || o->write_file || o->replay_file))
		return sk_error_set(err, EINVAL, "--check is a mode of its own: drop -b, -w and -r");
	if (o->write_file && o->batch)
		return sk_error_set(err, EINVAL, "-w and -b are separate modes: pick one");
	if (o->write_file && o->replay_file)
		return sk_error_set(err, EINVAL, "-r shows a saved snapshot; -w takes a new one: pick one");
	if (o->exporter && (o->batch || o->write_file || o->replay_file || o->check))
		return sk_error_set(err, EINVAL, "--exporter is a mode of its own: no -b, -w, -r or --check");
	if (o->textfile && (!o->batch || o->json || o->replay_file || o->check))
		return sk_error_set(err, EINVAL, "--textfile goes with -b (not --json, -r or --check)");
	if (o->kill_filter && (o->batch || o->write_file || o->replay_file || o->check ||
			       o->exporter))
		return sk_error_set(err, EINVAL, "--kill-sockets is a mode of its own: no -b, -w, -r, "
						 "--check or --exporter");
	if (o->kill_filter && !o->kill_filter[strspn(o->kill_filter, " \t\n\r\v\f")])
		return sk_error_set(err, EINVAL, "--kill-sockets needs a filter: an empty one "
						 "would select every socket");
	/* Ignoring them would destroy more than the operator meant. */
	if (o->kill_filter && (o->npids || o->have_uid))
		return sk_error_set(err, EINVAL, "--kill-sockets takes no -p or -u: put the pid, "
						 "command or user in the filter");
	if (o->dry_run && !o->kill_filter)
		return sk_error_set(err, EINVAL, "--dry-run goes with --kill-sockets");
	if (o->exporter && !delay_given)
		o->interval = 15.0;
	if (!o->batch && !o->write_file && !o->check && !o->kill_filter && o->interval < 0.1)
		return sk_error_set(err, EINVAL, "-d: the interactive interval must be at least 0.1 s");
	if (!o->proc_root[0] || !o->snapshot_dir[0])
		return sk_error_set(err, EINVAL, "an empty directory name");
	/* After every --threshold: raising both of a pair is fine in any order. */
	rc = sk_thresholds_check(&o->thresholds, err);
	if (rc)
		return rc;
	return SK_OPTIONS_RUN;
}
