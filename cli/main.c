#include <config.h>

#include <stdio.h>
#include <unistd.h>

#include "batch.h"
#include "exporter.h"
#include "check.h"
#include "options.h"
#include "tui.h"

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
	if (opts.check)
		return sk_check_run(&opts, stdout);
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
	return 0;
}
