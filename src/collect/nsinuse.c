#include <config.h>

#include "collect/nsinuse.h"

#include "collect/proc.h"
#include "util/readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* protocols is ~40 rows of ~130 bytes; sockstat a few short lines. */
#define PROTOCOLS_MAX 16384
#define SOCKSTAT_MAX 4096

static const char *const row_names[SK_NSINUSE_LAST] = {
	[SK_NSINUSE_TCP] = "TCP",
	[SK_NSINUSE_TCP6] = "TCPv6",
	[SK_NSINUSE_UDP] = "UDP",
	[SK_NSINUSE_UDP6] = "UDPv6",
	[SK_NSINUSE_UNIX] = "UNIX",
};

static void set_inuse_unknown(struct sk_nsinuse *out)
{
	for (int i = 0; i < SK_NSINUSE_LAST; i++)
		out->inuse[i] = SK_NSINUSE_UNKNOWN;
}

static void set_unknown(struct sk_nsinuse *out)
{
	set_inuse_unknown(out);
	out->tw = SK_NSINUSE_UNKNOWN;
}

/* One whitespace-separated token of [*p, end); NULL at the end of line. */
static const char *next_token(const char **p, const char *end, size_t *tlen)
{
	const char *s = *p, *t;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	t = s;
	while (s < end && *s != ' ' && *s != '\t')
		s++;
	*p = s;
	*tlen = (size_t)(s - t);
	return *tlen ? t : NULL;
}

/* A decimal count, optionally negative; saturates so that a huge value
 * stays non-zero. Returns -EINVAL unless the token is all digits. */
static int parse_count(const char *t, size_t n, int64_t *v)
{
	bool neg = false;
	uint64_t acc = 0;

	if (n && *t == '-') {
		neg = true;
		t++;
		n--;
	}
	if (n == 0)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (t[i] < '0' || t[i] > '9')
			return -EINVAL;
		if (acc > (uint64_t)INT64_MAX / 10)
			acc = (uint64_t)INT64_MAX; /* saturated */
		else
			acc = acc * 10 + (uint64_t)(t[i] - '0');
		if (acc > (uint64_t)INT64_MAX)
			acc = (uint64_t)INT64_MAX;
	}
	*v = neg ? -(int64_t)acc : (int64_t)acc;
	return 0;
}

static bool token_is(const char *t, size_t n, const char *word)
{
	return t && n == strlen(word) && memcmp(t, word, n) == 0;
}

/* Calls line() for each complete ('\n'-ended) line of buf. */
typedef int (*line_fn)(const char *s, const char *end, size_t lineno, struct sk_nsinuse *out);

static int each_line(const char *buf, size_t len, line_fn line, struct sk_nsinuse *out)
{
	const char *p = buf, *end = buf + len;
	size_t lineno = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int rc;

		if (!nl)
			break; /* a cut line: its row stays unknown */
		rc = line(p, nl, lineno++, out);
		if (rc)
			return rc;
		p = nl + 1;
	}
	return 0;
}

static int protocols_line(const char *s, const char *end, size_t lineno, struct sk_nsinuse *out)
{
	size_t n1, n2, n3;
	const char *name = next_token(&s, end, &n1);
	const char *size = next_token(&s, end, &n2);
	const char *socks = next_token(&s, end, &n3);

	if (lineno == 0) /* the header names the column we read */
		return token_is(name, n1, "protocol") && token_is(size, n2, "size") &&
			       token_is(socks, n3, "sockets") ? 0 : -EINVAL;
	for (int i = 0; i < SK_NSINUSE_LAST; i++) {
		int64_t v;

		if (!token_is(name, n1, row_names[i]))
			continue;
		if (!socks || parse_count(socks, n3, &v) < 0)
			return -EINVAL;
		out->inuse[i] = v;
	}
	return 0;
}

int sk_nsinuse_parse_protocols(const char *buf, size_t len, struct sk_nsinuse *out)
{
	int rc;

	set_inuse_unknown(out);
	rc = each_line(buf, len, protocols_line, out);
	for (int i = 0; rc == 0 && i < SK_NSINUSE_LAST; i++)
		if (out->inuse[i] == SK_NSINUSE_UNKNOWN)
			rc = -EINVAL;
	if (rc)
		set_inuse_unknown(out);
	return rc;
}

static int sockstat_line(const char *s, const char *end, size_t lineno, struct sk_nsinuse *out)
{
	size_t n, vn;
	const char *t = next_token(&s, end, &n);

	(void)lineno;
	if (!token_is(t, n, "TCP:"))
		return 0;
	while ((t = next_token(&s, end, &n)) != NULL) {
		const char *v = next_token(&s, end, &vn);

		if (!v)
			return -EINVAL;
		if (token_is(t, n, "tw"))
			return parse_count(v, vn, &out->tw);
	}
	return -EINVAL;
}

int sk_nsinuse_parse_sockstat(const char *buf, size_t len, struct sk_nsinuse *out)
{
	int rc;

	out->tw = SK_NSINUSE_UNKNOWN;
	rc = each_line(buf, len, sockstat_line, out);
	if (rc == 0 && out->tw == SK_NSINUSE_UNKNOWN)
		rc = -EINVAL;
	if (rc)
		out->tw = SK_NSINUSE_UNKNOWN;
	return rc;
}

int sk_nsinuse_read(const char *proc_root, int32_t pid, uint64_t netns, struct sk_nsinuse *out)
{
	char path[PATH_MAX], buf[PROTOCOLS_MAX];
	ssize_t n;
	int dfd, rc;

	set_unknown(out);
	if (pid <= 0 || netns == 0 || sk_procfs_ns_inode(proc_root, pid, "net") != netns)
		return -ESRCH;
	if (snprintf(path, sizeof(path), "%s/%d/net", proc_root, (int)pid) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	n = sk_read_at(dfd, "protocols", buf, sizeof(buf));
	rc = n < 0 ? (int)n : sk_nsinuse_parse_protocols(buf, (size_t)n, out);
	if (rc == 0) {
		n = sk_read_at(dfd, "sockstat", buf, SOCKSTAT_MAX);
		rc = n < 0 ? (int)n : sk_nsinuse_parse_sockstat(buf, (size_t)n, out);
	}
	close(dfd);
	if (rc == 0 && sk_procfs_ns_inode(proc_root, pid, "net") != netns)
		rc = -ESRCH; /* the pid moved or was reused: another namespace's counters */
	if (rc)
		set_unknown(out);
	return rc;
}

bool sk_nsinuse_empty(const struct sk_nsinuse *u, bool with_unix)
{
	for (int i = 0; i < SK_NSINUSE_LAST; i++) {
		if (i == SK_NSINUSE_UNIX && !with_unix)
			continue;
		if (u->inuse[i] != 0)
			return false;
	}
	return u->tw == 0;
}
