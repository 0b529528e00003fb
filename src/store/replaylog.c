/* The index of a log or a directory of snapshots, and moving through it.
 * Indexing reads every byte once in fixed chunks but keeps only each
 * line's offset, length and time: what a line holds is judged from its
 * head (the writer puts "schema" and "time" first) and its last byte, and
 * the full parse waits until the line is shown. */
#include <config.h>

#include "store/replaylog.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEAD_MAX 512
#define CHUNK ((size_t)1 << 20)

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static const char *skip_blank(const char *p, const char *end)
{
	while (p < end && is_blank(*p))
		p++;
	return p;
}

/* p past `lit` (after blanks), or NULL. */
static const char *expect(const char *p, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	p = skip_blank(p, end);
	return (size_t)(end - p) >= n && memcmp(p, lit, n) == 0 ? p + n : NULL;
}

/* Whether a document starts as the writer starts one,
 * {"schema":N,"time":"YYYY-MM-DDTHH:MM:SSZ", and its time. */
static bool head_time(const char *p, size_t n, int64_t *t)
{
	const char *end = p + n;

	if (!(p = expect(p, end, "{")) || !(p = expect(p, end, "\"schema\"")) ||
	    !(p = expect(p, end, ":")))
		return false;
	p = skip_blank(p, end);
	if (p == end || *p < '0' || *p > '9')
		return false;
	while (p < end && *p >= '0' && *p <= '9')
		p++;
	if (!(p = expect(p, end, ",")) || !(p = expect(p, end, "\"time\"")) ||
	    !(p = expect(p, end, ":")) || !(p = expect(p, end, "\"")))
		return false;
	const char *q = memchr(p, '"', (size_t)(end - p));

	return q && sk_replay_time_parse(p, (size_t)(q - p), t);
}

static int add_entry(struct sk_replaylog *log, struct sk_error *err, const char *what)
{
	if (log->entries.n >= SK_REPLAYLOG_MAX_ENTRIES)
		return sk_error_set(err, EFBIG, "%s: more than %zu %s: too many to index", log->path,
				    SK_REPLAYLOG_MAX_ENTRIES, what);
	return SK_VEC_PUSH(&log->entries) ? 0
					  : sk_error_set(err, ENOMEM, "%s: out of memory", log->path);
}

/* --- a log: one snapshot per line ------------------------------------------------------- */

struct line_scan {
	char head[HEAD_MAX];
	size_t hlen;
	uint64_t start, line;
	char last;          /* the last byte that is not blank */
	bool any;           /* the line has something on it */
};

static int end_line(struct sk_replaylog *log, struct line_scan *ls, uint64_t end,
		    struct sk_error *err)
{
	int64_t t = 0;
	int rc = 0;

	ls->line++;
	if (ls->any && ls->last == '}' && end - ls->start <= SK_REPLAY_MAX_FILE &&
	    head_time(ls->head, ls->hlen, &t)) {
		rc = add_entry(log, err, "lines");
		if (rc == 0)
			log->entries.v[log->entries.n - 1] = (struct sk_replaylog_entry){
				.off = ls->start, .len = end - ls->start, .line = ls->line, .time = t};
	} else if (ls->any) {
		log->skipped++;
	}
	ls->hlen = 0;
	ls->any = false;
	ls->start = end + 1;
	return rc;
}

/* The bytes [p, p + n) of the current line (no newline in them). */
static void add_bytes(struct line_scan *ls, const char *p, size_t n)
{
	size_t room = HEAD_MAX - ls->hlen;

	memcpy(ls->head + ls->hlen, p, n < room ? n : room);
	ls->hlen += n < room ? n : room;
	for (size_t k = n; k > 0; k--)
		if (!is_blank(p[k - 1])) {
			ls->last = p[k - 1];
			ls->any = true;
			break;
		}
}

static int scan_log(struct sk_replaylog *log, int fd, struct sk_error *err)
{
	struct line_scan *ls = calloc(1, sizeof(*ls));
	char *buf = malloc(CHUNK);
	uint64_t at = 0;
	int rc = 0;

	if (!ls || !buf) {
		rc = sk_error_set(err, ENOMEM, "%s: out of memory", log->path);
		goto out;
	}
	for (;;) {
		ssize_t got = read(fd, buf, CHUNK);

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = sk_error_set(err, errno, "%s: %s", log->path, strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		for (const char *p = buf, *end = buf + got; p < end && rc == 0;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *stop = nl ? nl : end;

			add_bytes(ls, p, (size_t)(stop - p));
			if (nl)
				rc = end_line(log, ls, at + (uint64_t)(nl - buf), err);
			p = stop + (nl != NULL);
		}
		if (rc)
			goto out;
		at += (uint64_t)got;
	}
	/* A last line without its newline: kept if it looks whole; the parse
	 * decides when it is shown. */
	if (at > ls->start) {
		size_t before = log->skipped, len = (size_t)(at - ls->start);

		rc = end_line(log, ls, at, err);
		if (log->skipped > before)
			log->skipped_tail = len;
	}
out:
	free(ls);
	free(buf);
	return rc;
}

/* --- a directory of snapshot files ------------------------------------------------------- */

static bool snapshot_name(const char *name)
{
	size_t n = strlen(name);

	return name[0] != '.' && n > 5 && strcmp(name + n - 5, ".json") == 0;
}

/* Reads a file's head; false when it is not a regular file starting like
 * a snapshot. */
static bool file_head_time(int dirfd, const char *name, int64_t *t)
{
	char head[HEAD_MAX];
	struct stat st;
	ssize_t got;
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	bool ok = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		do
			got = read(fd, head, sizeof(head));
		while (got < 0 && errno == EINTR);
		ok = got > 0 && head_time(head, (size_t)got, t);
	}
	close(fd);
	return ok;
}

static int cmp_entry_time(const void *a, const void *b)
{
	const struct sk_replaylog_entry *x = a, *y = b;

	if (x->time != y->time)
		return (x->time > y->time) - (x->time < y->time);
	return strcmp(x->name, y->name);
}

static int scan_dir(struct sk_replaylog *log, int fd, struct sk_error *err)
{
	DIR *d = fdopendir(fd);
	struct dirent *de;
	int rc = 0;

	if (!d) {
		rc = errno;
		close(fd);
		return sk_error_set(err, rc, "%s: %s", log->path, strerror(rc));
	}
	while (rc == 0 && (de = readdir(d))) {
		int64_t t = 0;
		char *name;

		if (!snapshot_name(de->d_name))
			continue;
		if (!file_head_time(dirfd(d), de->d_name, &t)) {
			log->skipped++;
			continue;
		}
		name = strdup(de->d_name);
		rc = name ? add_entry(log, err, "files")
			  : sk_error_set(err, ENOMEM, "%s: out of memory", log->path);
		if (rc == 0)
			log->entries.v[log->entries.n - 1] =
				(struct sk_replaylog_entry){.name = name, .time = t};
		else
			free(name);
	}
	closedir(d);
	sk_qsort(log->entries.v, log->entries.n, sizeof(*log->entries.v), cmp_entry_time);
	return rc;
}

/* --- loading --------------------------------------------------------------------------- */

void sk_replaylog_skipped_text(const struct sk_replaylog *log, char *buf, size_t size)
{
	const char *noun = log->is_dir ? (log->skipped == 1 ? "file" : "files")
				       : (log->skipped == 1 ? "line" : "lines");

	if (!log->skipped)
		snprintf(buf, size, "%s", "");
	else if (log->skipped_tail && log->skipped == 1)
		snprintf(buf, size, "skipped its incomplete last line (%zu bytes)%s",
			 log->skipped_tail, log->single ? "; showing the line before it" : "");
	else if (log->skipped_tail)
		snprintf(buf, size, "skipped %zu unreadable lines, its incomplete last line "
			 "(%zu bytes) among them", log->skipped, log->skipped_tail);
	else
		snprintf(buf, size, "skipped %zu unreadable %s", log->skipped, noun);
}

void sk_replaylog_entry_name(const struct sk_replaylog *log, size_t i, char *buf, size_t size)
{
	const struct sk_replaylog_entry *e = &log->entries.v[i];

	if (e->name)
		snprintf(buf, size, "%s/%s", log->path, e->name);
	else if (e->len == 0) /* the whole file */
		snprintf(buf, size, "%s", log->path);
	else
		snprintf(buf, size, "%s:%llu", log->path, (unsigned long long)e->line);
}

static int read_at(const char *path, uint64_t off, uint64_t len, char **out, struct sk_error *err)
{
	int fd;
	char *buf = NULL;
	uint64_t got = 0;
	int rc = 0;

	if (!path)
		return sk_error_set(err, EINVAL, "no log to read");
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return sk_error_set(err, errno, "%s: %s", path, strerror(errno));
	buf = malloc(len + 1);
	if (!buf)
		rc = sk_error_set(err, ENOMEM, "%s: out of memory for %llu bytes", path,
				  (unsigned long long)len);
	while (rc == 0 && got < len) {
		ssize_t n = pread(fd, buf + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = sk_error_set(err, errno, "%s: %s", path, strerror(errno));
		else if (n == 0)
			rc = sk_error_set(err, EINVAL, "%s: the file shrank since it was indexed",
					  path);
		else
			got += (uint64_t)n;
	}
	close(fd);
	if (rc)
		free(buf);
	else
		*out = buf;
	return rc;
}

int sk_replaylog_load_entry(struct sk_replaylog *log, size_t i, struct sk_replay *r,
			    struct sk_error *err)
{
	const struct sk_replaylog_entry *e = &log->entries.v[i];
	char name[4096];
	char *buf = NULL;
	int rc;

	sk_replaylog_entry_name(log, i, name, sizeof(name));
	if (e->name || e->len == 0)
		return sk_replay_load(name, r, err);
	rc = read_at(log->path, e->off, e->len, &buf, err);
	if (rc == 0)
		rc = sk_replay_parse(buf, (size_t)e->len, name, r, err);
	free(buf);
	return rc;
}

void sk_replaylog_drop(struct sk_replaylog *log, size_t i)
{
	size_t tail = log->entries.n - i - 1;

	free(log->entries.v[i].name);
	if (log->samples && log->samples[i]) {
		sk_snapshot_free(log->samples[i]);
		free(log->samples[i]);
	}
	memmove(&log->entries.v[i], &log->entries.v[i + 1], tail * sizeof(*log->entries.v));
	log->entries.n--;
	if (log->samples) {
		memmove(&log->samples[i], &log->samples[i + 1], tail * sizeof(*log->samples));
		log->samples[log->entries.n] = NULL;
	}
	if (i < log->pos)
		log->pos--;
	log->skipped++;
}

/* r's tables into cur; the pointers into the struct follow it. */
static void adopt(struct sk_replaylog *log, struct sk_replay *r)
{
	sk_replay_free(&log->cur);
	log->cur = *r;
	log->cur.snap.findings = &log->cur.findings;
	log->cur.snap.history = &log->cur.history;
	memset(r, 0, sizeof(*r));
}

int sk_replaylog_seek(struct sk_replaylog *log, size_t i, struct sk_error *err)
{
	struct sk_replay *next = calloc(1, sizeof(*next));
	bool back = i < log->pos;
	int rc = 0;

	if (!next)
		return sk_error_set(err, ENOMEM, "out of memory");
	for (;;) {
		if (log->entries.n == 0) {
			rc = sk_error_set(err, EINVAL, "%s: no readable snapshot in it", log->path);
			break;
		}
		if (i >= log->entries.n)
			i = log->entries.n - 1;
		rc = sk_replaylog_load_entry(log, i, next, err);
		if (rc == -ENOMEM)
			break;
		if (rc == 0) {
			adopt(log, next);
			log->pos = i;
			break;
		}
		/* The neighbour slides into i going forward; going back, it is i - 1. */
		sk_replaylog_drop(log, i);
		if (back && i > 0)
			i--;
	}
	free(next);
	if (rc == 0 && !log->single)
		rc = sk_replaylog_rebuild_history(log, err);
	return rc;
}

int sk_replaylog_step(struct sk_replaylog *log, long delta, struct sk_error *err)
{
	size_t n = log->entries.n, to;

	if (delta < 0)
		to = (size_t)-delta > log->pos ? 0 : log->pos - (size_t)-delta;
	else
		to = (size_t)delta >= n - log->pos ? n - 1 : log->pos + (size_t)delta;
	return to == log->pos ? 0 : sk_replaylog_seek(log, to, err);
}

/* --- opening ---------------------------------------------------------------------------- */

/* No line of the file looks like a snapshot: perhaps it is one document
 * over several lines (pretty-printed); sk_replay_load judges and words the
 * error as it always has. */
static int open_whole(struct sk_replaylog *log, struct sk_error *err)
{
	size_t bad = log->skipped;
	int rc = sk_replay_load(log->path, &log->cur, err);

	if (rc && bad > 1)
		return sk_error_set(err, -rc, "%s: no readable snapshot in it (%zu unreadable lines)",
				    log->path, bad);
	if (rc == 0)
		rc = add_entry(log, err, "lines");
	if (rc == 0) {
		log->entries.v[0].time = (int64_t)log->cur.snap.realtime.tv_sec;
		log->cur.snap.findings = &log->cur.findings;
		log->cur.snap.history = &log->cur.history;
		log->skipped = 0;
		log->skipped_tail = 0;
	}
	return rc;
}

static int index_path(struct sk_replaylog *log, struct sk_error *err)
{
	struct stat st;
	int fd = open(log->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	int rc;

	if (fd < 0)
		return sk_error_set(err, errno, "%s: %s", log->path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = errno;
		close(fd);
		return sk_error_set(err, rc, "%s: %s", log->path, strerror(rc));
	}
	if (S_ISDIR(st.st_mode)) {
		log->is_dir = true;
		return scan_dir(log, fd, err); /* takes fd */
	}
	if (!S_ISREG(st.st_mode))
		rc = sk_error_set(err, EINVAL, "%s: not a regular file or a directory", log->path);
	else
		rc = scan_log(log, fd, err);
	close(fd);
	return rc;
}

int sk_replaylog_open(const char *path, struct sk_replaylog *log, struct sk_error *err)
{
	int rc;

	memset(log, 0, sizeof(*log));
	sk_history_init(&log->hist, 0);
	log->path = strdup(path);
	rc = log->path ? index_path(log, err) : sk_error_set(err, ENOMEM, "out of memory");
	if (rc == 0 && log->entries.n == 0 && log->is_dir && log->skipped)
		rc = sk_error_set(err, EINVAL, "%s: no readable snapshot among its %zu *.json files",
				  path, log->skipped);
	else if (rc == 0 && log->entries.n == 0 && log->is_dir)
		rc = sk_error_set(err, ENOENT, "%s: no snapshot files (*.json) in it", path);
	if (rc == 0 && log->entries.n == 0) {
		log->single = true;
		rc = open_whole(log, err);
		if (rc == 0 && !(log->samples = calloc(1, sizeof(*log->samples))))
			rc = sk_error_set(err, ENOMEM, "out of memory");
		if (rc)
			sk_replaylog_free(log);
		return rc;
	}
	log->single = log->entries.n == 1;
	if (rc == 0 && !(log->samples = calloc(log->entries.n, sizeof(*log->samples))))
		rc = sk_error_set(err, ENOMEM, "out of memory");
	if (rc == 0) {
		log->pos = log->entries.n - 1;
		rc = sk_replaylog_seek(log, log->entries.n - 1, err);
	}
	if (rc)
		sk_replaylog_free(log);
	return rc;
}

void sk_replaylog_free(struct sk_replaylog *log)
{
	sk_replaylog_samples_free(log);
	for (size_t i = 0; i < log->entries.n; i++)
		free(log->entries.v[i].name);
	free(log->entries.v);
	free(log->samples);
	free(log->path);
	sk_replay_free(&log->cur);
	sk_history_free(&log->hist);
	memset(log, 0, sizeof(*log));
}
