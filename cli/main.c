#include <config.h>

#include <stdio.h>
#include <sys/resource.h>
#include <unistd.h>

#include "batch.h"
#include "exporter.h"
#include "check.h"
#include "kill.h"
#include "options.h"
#include "tui.h"

/* Every network namespace on the host may cost a netlink socket, and the
 * soft limit (1024 by default) is far below what the hard one allows: take
 * it all. Failing to is no error; the engine keeps under whatever it has. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	struct sk_options opts;
	struct sk_error err = {0};
	int rc = sk_options_parse(argc, argv, &opts, stdout, &err);

	if (rc == SK_OPTIONS_EXIT)
		return 0;
	if (rc < 0) {
		fprintf(stderr, "sktop: %s\nTry 'sktop --help'.\n", err.msg);
		return 2;
	}
	raise_nofile();
	if (opts.check)
		return sk_check_run(&opts, stdout);
	if (opts.kill_filter)
		return sk_kill_run(&opts, stdout, stderr);
	if (opts.exporter)
		rc = sk_exporter_run(&opts, &err);
	else if (opts.textfile)
		rc = sk_textfile_run(&opts, &err);
	else if (opts.write_file)
		rc = sk_batch_write(&opts, &err);
	else if (opts.replay_file && opts.batch)
		rc = sk_batch_replay(&opts, stdout, &err);
	else if (opts.batch)
		rc = sk_batch_run(&opts, stdout, &err);
	else
		rc = sk_tui_run(&opts, &err);
	if (rc < 0) {
		fprintf(stderr, "sktop: %s\n", err.msg[0] ? err.msg : "failed");
		return 1;
	}
	/* The TUI stopped by a signal: 128 + its number, as shells expect. */
	return rc > 0 ? 128 + rc : 0;
}
