/* The `s` key: the whole snapshot as JSON (the engine's format, as -w
 * writes it) and the current pane as plain text, side by side, so a
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
#include "render.h"
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

/* One line without the padding that only matters on a screen. */
static void put_line(FILE *f, const struct sk_line *l)
{
	size_t len = l->len;

	while (len > 0 && l->buf[len - 1] == ' ')
		len--;
	fprintf(f, "%.*s\n", (int)len, l->buf);
}

/* Everything the pane holds, not only the rows that fit the terminal. */
static int write_text(FILE *f, const struct sk_ui *ui, int width)
{
	struct sk_line *lines = malloc(sizeof(struct sk_line) * SK_HEADER_MAX);
	struct sk_frame fr;
	int n;

	if (!lines)
		return -ENOMEM;
	n = sk_render_header(ui, width, lines, SK_HEADER_MAX);
	for (int i = 0; i < n; i++)
		put_line(f, &lines[i]);
	fputc('\n', f);
	sk_render_layout(ui, width, 0, ui->view.nrows, &fr);
	sk_render_tabs(ui, width, &lines[0]);
	put_line(f, &lines[0]);
	sk_render_colhdr(ui, &fr, &lines[0]);
	put_line(f, &lines[0]);
	size_t rows = ui->view.nrows ? ui->view.nrows : 1;

	for (size_t r = 0; r < rows; r++) {
		sk_render_row(ui, &fr, r, &lines[0]);
		put_line(f, &lines[0]);
	}
	free(lines);
	return ferror(f) ? -EIO : 0;
}

/* "base.json"/"base.txt", or with "-N" before the extension for N > 1. */
static void pair_name(char *buf, size_t size, const char *base, int n, const char *ext)
{
	char suffix[8] = "";

	if (n > 1)
		snprintf(suffix, sizeof(suffix), "-%d", n);
	snprintf(buf, size, "%s%s.%s", base, suffix, ext);
}

/* Gives the written pair the first free name from attempt `n` on. Another
 * sktop pressing s in the same second may take a name between the check at
 * create and the link: that name is passed over, not given up on (a JSON
 * linked before its text's name turned out taken is unlinked again). */
static int link_pair(struct sk_snapfile *js, struct sk_snapfile *tx, const char *base, int n,
		     char *json_name, size_t size, struct sk_error *err)
{
	char txt_name[224];
	int rc = -EEXIST;

	for (; n <= SK_SNAPSHOT_TRIES; n++) {
		pair_name(json_name, size, base, n, "json");
		pair_name(txt_name, sizeof(txt_name), base, n, "txt");
		rc = sk_snapfile_link(js, json_name, err);
		if (rc == -EEXIST)
			continue;
		if (rc)
			return rc;
		rc = sk_snapfile_link(tx, txt_name, err);
		if (rc == 0)
			return 0;
		sk_snapfile_unlink(js, json_name);
		if (rc != -EEXIST)
			return rc;
	}
	return rc;
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

		pair_name(name, sizeof(name), base, attempt, "json");
		rc = sk_snapfile_create(&js, dir, name, &err);
		if (rc == -EEXIST)
			continue;
		if (rc)
			break;
		pair_name(name, sizeof(name), base, attempt, "txt");
		rc = sk_snapfile_create(&tx, dir, name, &err);
		if (rc) {
			sk_snapfile_abort(&js);
			if (rc == -EEXIST)
				continue;
			break;
		}
		rc = sk_json_write_snapshot(js.f, s);
		if (rc == 0)
			rc = write_text(tx.f, ui, ui->cols > 80 ? ui->cols : 80);
		if (rc)
			sk_error_set(&err, -rc, "cannot write %s: %s", js.shown, strerror(-rc));
		else
			rc = link_pair(&js, &tx, base, attempt, name, sizeof(name), &err);
		sk_snapfile_abort(&js); /* the temp names; the linked ones stay */
		sk_snapfile_abort(&tx);
		if (rc)
			break;
		/* The absolute path, ready to copy into scp; the text file sits
		 * beside the JSON. */
		char abs[PATH_MAX], nb[256];

		if (realpath(dir, abs))
			snprintf(msg, msgsize, "Saved %s/%s.json and .txt", abs,
				 name_base(name, nb, sizeof(nb)));
		else
			snprintf(msg, msgsize, "Saved %s/%s and .txt", dir, name);
		return 0;
	}
	if (rc == -EEXIST)
		snprintf(msg, msgsize, "Snapshot not saved: %s%s already exist", base, "-{1..9}");
	else
		snprintf(msg, msgsize, "Snapshot not saved: %s", err.msg[0] ? err.msg : strerror(-rc));
	return rc ? rc : -EIO;
}
