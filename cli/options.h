/* Command-line options of both modes, parsed in one place so batch mode and
 * the TUI agree on names. */
#ifndef SKTOP_OPTIONS_H
#define SKTOP_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"
#include <stdio.h>

#include "analyse/findings.h"
#include "model/procsort.h"

#define SK_MAX_PIDS 64

struct sk_options {
	bool batch;                /* -b */
	bool json;                 /* --json (batch) */
	bool no_sockets;           /* --no-sockets: JSON without the per-socket array */
	bool check;                /* --check: one Nagios plugin line and exit status */
	long count;                /* -n: refreshes, 0 = until interrupted */
	double interval;           /* -d seconds; 0 = back to back (batch only) */
	enum sk_sort_key sort;     /* -s */
	bool sort_invert;          /* -I / --invert */
	int32_t pids[SK_MAX_PIDS]; /* -p PID[,PID] */
	int npids;
	bool have_uid;             /* -u USER */
	uid_t uid;
	const char *service;       /* --service PATTERN: processes, sockets, findings */
	const char *write_file;    /* -w FILE: one JSON snapshot, then exit */
	const char *replay_file;   /* -r FILE: a snapshot, a --json log or a directory, read-only */
	const char *snapshot_dir;  /* --snapshot-dir (TUI's `s` key) */
	const char *proc_root;     /* --proc-root (tests; default /proc) */
	const char *host_root;     /* --host-root (tests): where /var and /run are; NULL: / */
	bool no_color;             /* --no-color or NO_COLOR set */
	bool no_unix;              /* --no-unix: skip AF_UNIX dumps */
	bool no_bpf;               /* --no-bpf: owners from /proc only */
	long top;                  /* --top N: rows in batch text, 0 = all */
	const char *kmsg_path;     /* --kmsg PATH: the kernel log (default /dev/kmsg) */
	struct sk_thresholds thresholds; /* --threshold NAME=VALUE */
	/* Prometheus (README "Prometheus"). */
	bool exporter;             /* --exporter [ADDR:]PORT */
	char exporter_addr[64];    /* numeric IPv4 or IPv6, default 127.0.0.1 */
	uint16_t exporter_port;
	const char *textfile;      /* --textfile PATH (with -b) */
	long max_groups;           /* --max-groups N (default 200) */
	bool per_process;          /* --per-process */
	const char *kill_filter;   /* --kill-sockets FILTER: destroy what it selects */
	bool dry_run;              /* --dry-run: say what --kill-sockets would destroy */
};

enum sk_options_result {
	SK_OPTIONS_RUN = 0,   /* go on */
	SK_OPTIONS_EXIT = 1,  /* --help or --version printed: exit 0 */
};

/* Returns SK_OPTIONS_RUN, SK_OPTIONS_EXIT, or a negative errno with err set
 * to one line naming the problem (the caller exits 2). Reads NO_COLOR from
 * the environment. `out` receives --help/--version text. */
int sk_options_parse(int argc, char **argv, struct sk_options *o, FILE *out,
		     struct sk_error *err);

#endif
