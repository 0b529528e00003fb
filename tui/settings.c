#include <config.h>

#include "settings.h"

#include "util/escape.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KEY_MAX 32
#define VALUE_MAX 512

void sk_settings_init(struct sk_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->sort = s->sort_invert = s->pane = s->color = s->unicode = -1;
}

bool sk_settings_equal(const struct sk_settings *a, const struct sk_settings *b)
{
	return a->delay == b->delay && a->sort == b->sort && a->sort_invert == b->sort_invert &&
	       a->pane == b->pane && a->color == b->color && a->unicode == b->unicode &&
	       a->pcols.n == b->pcols.n && memcmp(a->pcols.col, b->pcols.col, a->pcols.n) == 0;
}

static int name_index(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && strcasecmp(names[i], v) == 0)
			return (int)i;
	return -1;
}

static int parse_bool(const char *v)
{
	static const char *const yes[] = {"1", "true", "yes", "on"};
	static const char *const no[] = {"0", "false", "no", "off"};

	if (name_index(yes, 4, v) >= 0)
		return 1;
	return name_index(no, 4, v) >= 0 ? 0 : -1;
}

/* Plain decimal only: strtod would also take hex, "inf" and exponents,
 * which no person writes for a refresh interval. */
static int parse_delay(const char *v, double *out)
{
	size_t digits = 0, dots = 0;

	for (const char *p = v; *p; p++) {
		if (*p == '.')
			dots++;
		else if (*p >= '0' && *p <= '9')
			digits++;
		else
			return -1;
	}
	if (!digits || dots > 1)
		return -1;
	*out = strtod(v, NULL);
	return *out >= 0.1 && *out <= 86400 ? 0 : -1;
}

static int parse_cols(char *v, const struct sk_settings_names *names, struct sk_colset *out,
		      struct sk_error *err, size_t line)
{
	struct sk_colset c = {.n = 0};
	char *save = NULL;

	for (char *tok = strtok_r(v, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		while (*tok == ' ' || *tok == '\t')
			tok++;
		for (char *e = tok + strlen(tok); e > tok && (e[-1] == ' ' || e[-1] == '\t');)
			*--e = '\0';
		int i = name_index(names->pcols, names->npcols, tok);

		if (i < 0)
			return sk_error_set(err, EINVAL, "line %zu: unknown column '%s'", line, tok);
		for (size_t k = 0; k < c.n; k++)
			if (c.col[k] == i)
				return sk_error_set(err, EINVAL, "line %zu: column '%s' twice", line,
						    tok);
		if (c.n == SK_SETTINGS_COLS)
			return sk_error_set(err, EINVAL, "line %zu: too many columns", line);
		c.col[c.n++] = (uint8_t)i;
	}
	if (!c.n)
		return sk_error_set(err, EINVAL, "line %zu: no column named", line);
	*out = c;
	return 0;
}

static int set_value(struct sk_settings *s, const struct sk_settings_names *names,
		     const char *key, char *v, size_t line, struct sk_error *err)
{
	int *flag = NULL, i;

	if (strcmp(key, "delay") == 0) {
		if (parse_delay(v, &s->delay))
			return sk_error_set(err, EINVAL, "line %zu: delay must be 0.1 to 86400 seconds",
					    line);
		return 0;
	}
	if (strcmp(key, "sort") == 0 || strcmp(key, "pane") == 0) {
		bool sort = key[0] == 's';

		i = sort ? name_index(names->sorts, names->nsorts, v)
			 : name_index(names->panes, names->npanes, v);
		if (i < 0)
			return sk_error_set(err, EINVAL, "line %zu: unknown %s '%s'", line, key, v);
		*(sort ? &s->sort : &s->pane) = i;
		return 0;
	}
	if (strcmp(key, "process_columns") == 0)
		return parse_cols(v, names, &s->pcols, err, line);
	if (strcmp(key, "sort_invert") == 0)
		flag = &s->sort_invert;
	else if (strcmp(key, "color") == 0)
		flag = &s->color;
	else if (strcmp(key, "unicode") == 0)
		flag = &s->unicode;
	else
		return 0; /* a newer sktop's setting */
	i = parse_bool(v);
	if (i < 0)
		return sk_error_set(err, EINVAL, "line %zu: %s must be yes or no", line, key);
	*flag = i;
	return 0;
}

/* Splits one line (NUL-terminated, no newline) into key and value in place. */
static int parse_line(char *l, size_t line, const struct sk_settings_names *names,
		      struct sk_settings *s, struct sk_error *err)
{
	char *eq, *key, *v, *e;

	for (char *p = l; *p; p++)
		if ((unsigned char)*p < 0x20 && *p != '\t')
			return sk_error_set(err, EINVAL, "line %zu: a control character", line);
	key = l + strspn(l, " \t");
	if (!*key || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq)
		return sk_error_set(err, EINVAL, "line %zu: expected key = value", line);
	for (e = eq; e > key && (e[-1] == ' ' || e[-1] == '\t');)
		e--;
	*e = '\0';
	if (e == key || (size_t)(e - key) > KEY_MAX || strspn(key, "abcdefghijklmnopqrstuvwxyz_") !=
							      (size_t)(e - key))
		return sk_error_set(err, EINVAL, "line %zu: a key is lowercase letters and _", line);
	v = eq + 1 + strspn(eq + 1, " \t");
	for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t');)
		*--e = '\0';
	if (strlen(v) > VALUE_MAX)
		return sk_error_set(err, EINVAL, "line %zu: value too long", line);
	return set_value(s, names, key, v, line, err);
}

int sk_settings_parse(const char *buf, size_t len, const struct sk_settings_names *names,
		      struct sk_settings *s, struct sk_error *err)
{
	struct sk_settings tmp = *s;
	char l[KEY_MAX + VALUE_MAX + 64];
	size_t line = 0, i = 0;

	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len) {
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t end = nl ? (size_t)(nl - buf) : len, n = end - i;
		int rc;

		line++;
		if (n && buf[end - 1] == '\r')
			n--;
		if (n >= sizeof(l))
			return sk_error_set(err, EINVAL, "line %zu: too long", line);
		if (memchr(buf + i, '\0', n))
			return sk_error_set(err, EINVAL, "line %zu: a NUL byte", line);
		memcpy(l, buf + i, n);
		l[n] = '\0';
		rc = parse_line(l, line, names, &tmp, err);
		if (rc)
			return rc;
		i = end + 1;
	}
	*s = tmp;
	return 0;
}

struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->size ? o->buf + o->len : NULL,
		      o->len < o->size ? o->size - o->len : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

size_t sk_settings_format(const struct sk_settings *s, const struct sk_settings_names *names,
			  char *buf, size_t size)
{
	struct out o = {buf, size, 0};

	if (size)
		buf[0] = '\0';
	put(&o, "# sktop settings, written by F2 (Setup). Unknown keys are ignored.\n");
	if (s->delay > 0)
		put(&o, "delay = %g\n", s->delay);
	if (s->sort >= 0 && (size_t)s->sort < names->nsorts)
		put(&o, "sort = %s\n", names->sorts[s->sort]);
	if (s->sort_invert >= 0)
		put(&o, "sort_invert = %s\n", s->sort_invert ? "yes" : "no");
	if (s->pane >= 0 && (size_t)s->pane < names->npanes)
		put(&o, "pane = %s\n", names->panes[s->pane]);
	if (s->color >= 0)
		put(&o, "color = %s\n", s->color ? "yes" : "no");
	if (s->unicode >= 0)
		put(&o, "unicode = %s\n", s->unicode ? "yes" : "no");
	if (s->pcols.n) {
		put(&o, "process_columns = ");
		for (size_t i = 0; i < s->pcols.n; i++)
			if (s->pcols.col[i] < names->npcols)
				put(&o, "%s%s", i ? "," : "", names->pcols[s->pcols.col[i]]);
		put(&o, "\n");
	}
	return o.len;
}

int sk_settings_path(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;

	/* The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/sktop/sktoprc", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.config/sktop/sktoprc", home);
	else
		return -ENOENT;
	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

/* A path for a message: HOME and XDG_CONFIG_HOME are the environment's,
 * and a message reaches the terminal. */
static const char *shown(const char *path, char *buf, size_t size)
{
	sk_escape(path, strlen(path), buf, size);
	return buf;
}

int sk_settings_load(const char *path, const struct sk_settings_names *names,
		     struct sk_settings *s, struct sk_error *err)
{
	char esc[256];
	struct stat st;
	char *buf = NULL;
	ssize_t n = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), rc;

	if (fd < 0)
		return errno == ENOENT ? 0 : sk_error_set(err, errno, "%s: %s",
							  shown(path, esc, sizeof(esc)),
							  strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size >= SK_SETTINGS_FILE_MAX) {
		close(fd);
		return sk_error_set(err, EINVAL, "%s: not a settings file (a regular file under "
						 "64 KiB)", shown(path, esc, sizeof(esc)));
	}
	buf = malloc(SK_SETTINGS_FILE_MAX);
	if (buf)
		n = read(fd, buf, SK_SETTINGS_FILE_MAX);
	rc = !buf ? ENOMEM : n < 0 ? errno : 0;
	close(fd);
	if (!rc) {
		struct sk_error perr = {0};

		rc = -sk_settings_parse(buf, (size_t)n, names, s, &perr);
		if (rc)
			sk_error_set(err, rc, "%s: %s", shown(path, esc, sizeof(esc)), perr.msg);
	} else {
		sk_error_set(err, rc, "%s: %s", shown(path, esc, sizeof(esc)), strerror(rc));
	}
	free(buf);
	return -rc;
}

/* mkdir of the file's directory and of its parent (~/.config may not
 * exist on a fresh account); private, since it is root's home too. */
static int make_dirs(const char *dir)
{
	char parent[PATH_MAX];
	const char *slash = strrchr(dir, '/');

	if (slash && slash != dir && (size_t)(slash - dir) < sizeof(parent)) {
		memcpy(parent, dir, (size_t)(slash - dir));
		parent[slash - dir] = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST)
			return -errno;
	}
	return mkdir(dir, 0700) < 0 && errno != EEXIST ? -errno : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int sk_settings_save(const char *path, const struct sk_settings *s,
		     const struct sk_settings_names *names, struct sk_error *err)
{
	char dir[PATH_MAX], tmp[PATH_MAX + 32], esc[256], text[4096];
	const char *slash = strrchr(path, '/');
	size_t len = sk_settings_format(s, names, text, sizeof(text));
	uint64_t r = 0;
	int fd, rc;

	if (!slash || (size_t)(slash - path) >= sizeof(dir) || len >= sizeof(text))
		return sk_error_set(err, EINVAL, "%s: cannot save settings there",
				    shown(path, esc, sizeof(esc)));
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = '\0';
	rc = make_dirs(dir);
	if (rc)
		return sk_error_set(err, -rc, "%s: %s", shown(dir, esc, sizeof(esc)), strerror(-rc));
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = (uint64_t)getpid() << 20 ^ (uint64_t)time(NULL);
	snprintf(tmp, sizeof(tmp), "%s/.sktoprc-%016llx.tmp", dir, (unsigned long long)r);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return sk_error_set(err, errno, "%s: %s", shown(dir, esc, sizeof(esc)),
				    strerror(errno));
	rc = write_all(fd, text, len);
	if (!rc && fsync(fd) < 0)
		rc = -errno;
	if (close(fd) < 0 && !rc)
		rc = -errno;
	/* rename replaces a symlink at path, never what it points to. */
	if (!rc && rename(tmp, path) < 0)
		rc = -errno;
	if (rc) {
		unlink(tmp);
		return sk_error_set(err, -rc, "cannot save %s: %s", shown(path, esc, sizeof(esc)),
				    strerror(-rc));
	}
	return 0;
}
