#include <config.h>

#include "collect/proc.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "util/escape.h"

/* Unsigned decimal at buf[*i..len), overflow-checked. */
static bool parse_u64(const char *buf, size_t len, size_t *i, uint64_t *out)
{
	uint64_t v = 0;
	size_t start = *i;

	while (*i < len && buf[*i] >= '0' && buf[*i] <= '9') {
		uint64_t d = (uint64_t)(buf[*i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
		(*i)++;
	}
	*out = v;
	return *i > start;
}

static const char *memrchr_bounded(const char *buf, size_t len, char c)
{
	for (size_t i = len; i > 0; i--)
		if (buf[i - 1] == c)
			return buf + i - 1;
	return NULL;
}

int sk_parse_proc_stat(const char *buf, size_t len, struct sk_proc_stat *out)
{
	const char *open = memchr(buf, '(', len);
	const char *close = memrchr_bounded(buf, len, ')');
	size_t i;
	int field;

	memset(out, 0, sizeof(*out));
	if (!open || !close || close < open)
		return -EINVAL;
	/* comm may hold anything, ')' included: it ends at the LAST ')'. */
	sk_escape(open + 1, (size_t)(close - open - 1), out->comm, sizeof(out->comm));
	i = (size_t)(close - buf) + 1;
	/* Field 3 (state) follows; flags is field 9, starttime field 22. */
	if (i + 2 > len || buf[i] != ' ')
		return -EINVAL;
	out->state = buf[i + 1];
	i += 2;
	for (field = 4; field <= 22; field++) {
		uint64_t v;

		if (i >= len || buf[i] != ' ')
			return -EINVAL;
		i++;
		if (i < len && buf[i] == '-')
			i++; /* some fields are signed; we only keep starttime */
		if (!parse_u64(buf, len, &i, &v))
			return -EINVAL;
		if (field == 9)
			out->flags = v;
		else if (field == 22)
			out->starttime = v;
	}
	return 0;
}

/* The value after "Key:" on its line, skipping blanks. */
static const char *find_key(const char *buf, size_t len, const char *key, size_t *vlen)
{
	size_t klen = strlen(key), pos = 0;

	while (pos < len) {
		size_t end = pos;

		while (end < len && buf[end] != '\n')
			end++;
		if (end - pos > klen && memcmp(buf + pos, key, klen) == 0) {
			size_t v = pos + klen;

			while (v < end && (buf[v] == ' ' || buf[v] == '\t'))
				v++;
			*vlen = end - v;
			return buf + v;
		}
		pos = end + 1;
	}
	return NULL;
}

int sk_parse_proc_status(const char *buf, size_t len, struct sk_proc_status *out)
{
	size_t vlen, i = 0;
	const char *v;
	uint64_t n;

	memset(out, 0, sizeof(*out));
	v = find_key(buf, len, "Uid:", &vlen);
	if (v && parse_u64(v, vlen, &i, &n) && n <= UINT32_MAX) {
		out->uid = (uint32_t)n;
		out->have_uid = true;
	}
	v = find_key(buf, len, "VmRSS:", &vlen);
	i = 0;
	if (v && parse_u64(v, vlen, &i, &n))
		out->rss_kb = n;
	return out->have_uid ? 0 : -EINVAL;
}

int sk_parse_proc_limits_nofile(const char *buf, size_t len, uint64_t *soft)
{
	size_t vlen, i = 0;
	const char *v = find_key(buf, len, "Max open files", &vlen);

	if (!v)
		return -EINVAL;
	if (vlen >= 9 && memcmp(v, "unlimited", 9) == 0) {
		*soft = SK_FD_LIMIT_UNLIMITED;
		return 0;
	}
	return parse_u64(v, vlen, &i, soft) ? 0 : -EINVAL;
}

int sk_parse_socket_link(const char *buf, size_t len, uint64_t *inode)
{
	size_t i = 8;

	if (len < 10 || memcmp(buf, "socket:[", 8) != 0 || buf[len - 1] != ']')
		return -EINVAL;
	if (!parse_u64(buf, len - 1, &i, inode) || i != len - 1)
		return -EINVAL;
	return 0;
}

size_t sk_format_cmdline(const char *buf, size_t len, char *out, size_t outsize)
{
	char joined[SK_CMDLINE_MAX];
	size_t n = len < sizeof(joined) ? len : sizeof(joined);

	memcpy(joined, buf, n);
	/* Trailing NULs end the last argument; the ones between join arguments. */
	while (n > 0 && joined[n - 1] == '\0')
		n--;
	for (size_t i = 0; i < n; i++)
		if (joined[i] == '\0')
			joined[i] = ' ';
	return sk_escape(joined, n, out, outsize);
}
