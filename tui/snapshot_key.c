/* The `s` key: the whole snapshot as JSON (the engine's format, as -w
 * writes it) and the full text report (as -b prints it), side by side, so a
 * colleague can read what you saw and a tool can replay what sktop knew.
 * Files are created through snapfile.c: 0600, no symlinks followed, never
 * overwriting; when the name for this second is taken (two presses in one
 * second) the pair gets a "-2", "-3" suffix instead. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "store/json.h"
#include "batch.h"
#include "store/snapfile.h"

#define SK_SNAPSHOT_TRIES 9

/* "dir/sktop-host-stamp.json" -> "sktop-host-stamp". */
static const char *name_base(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	size_t n = strlen(name);

	if (n > 5 && strcmp(name + n - 5, ".json") == 0)
		n -= 5;
	snprintf(buf, size, "%.*s", (int)n, name);
	return buf;
}

/* The full report, as `sktop -b` prints it: every process and whole
 * lines, not the rows and columns the terminal happened to have. */
static int write_text(FILE *f, const struct sk_ui *ui)
{
	static const struct sk_options none;

	sk_batch_print_text(f, ui->snap, ui->opts ? ui->opts : &none);
	return ferror(f) ? -EIO : 0;
}

int sk_tui_snapshot_write(const struct sk_ui *ui, char *msg, size_t msgsize)
{
	const struct sk_snapshot *s = ui->snap;
	const char *dir = ui->opts && ui->opts->snapshot_dir ? ui->opts->snapshot_dir : ".";
	struct sk_error err = {0};
	char base[192], name[224];
	int rc = 0;

	if (!s) {
		snprintf(msg, msgsize, "Nothing to save: the last refresh failed.");
		return -ENODATA;
	}
	sk_snapfile_basename(base, sizeof(base), s->host, s->realtime.tv_sec);
	for (int attempt = 1; attempt <= SK_SNAPSHOT_TRIES; attempt++) {
		struct sk_snapfile js, tx;
		char suffix[8] = "";

		if (attempt > 1)
			snprintf(suffix, sizeof(suffix), "-%d", attempt);
		snprintf(name, sizeof(name), "%s%s.json", base, suffix);
		rc = sk_snapfile_create(&js, dir, name, &err);
		if (rc == -EEXIST)
			continue;
		if (rc)
			break;
		snprintf(name, sizeof(name), "%s%s.txt", base, suffix);
		rc = sk_snapfile_create(&tx, dir, name, &err);
		if (rc) {
			sk_snapfile_abort(&js);
			if (rc == -EEXIST)
				continue;
			break;
		}
		rc = sk_json_write_snapshot(js.f, s);
		if (rc == 0)
			rc = write_text(tx.f, ui);
		if (rc) {
			sk_error_set(&err, -rc, "cannot write %s: %s", js.path, strerror(-rc));
			sk_snapfile_abort(&js);
			sk_snapfile_abort(&tx);
			break;
		}
		rc = sk_snapfile_commit(&js, &err);
		if (rc) {
			sk_snapfile_abort(&tx);
			break;
		}
		rc = sk_snapfile_commit(&tx, &err);
		if (rc)
			break;
		/* The absolute path, ready to copy into scp; js.path ends in
		 * .json and the text file sits beside it. */
		char abs[PATH_MAX], nb[256];

		if (realpath(dir, abs))
			snprintf(msg, msgsize, "Saved %s/%s.json and .txt", abs,
				 name_base(js.path, nb, sizeof(nb)));
		else
			snprintf(msg, msgsize, "Saved %s and .txt", js.path);
		return 0;
	}
	if (rc == -EEXIST)
		snprintf(msg, msgsize, "Snapshot not saved: %s%s already exist", base, "-{1..9}");
	else
		snprintf(msg, msgsize, "Snapshot not saved: %s", err.msg[0] ? err.msg : strerror(-rc));
	return rc ? rc : -EIO;
}
