#include <config.h>

#include "json_check.h"

#include <string.h>

struct cur {
	const unsigned char *p, *end;
	int depth;
};

static void ws(struct cur *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static bool lit(struct cur *c, const char *s)
{
	size_t n = strlen(s);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0)
		return false;
	c->p += n;
	return true;
}

static bool hex4(struct cur *c)
{
	for (int i = 0; i < 4; i++, c->p++) {
		if (c->p >= c->end)
			return false;
		unsigned char h = *c->p;

		if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
			return false;
	}
	return true;
}

static bool string(struct cur *c)
{
	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end) {
		unsigned char ch = *c->p;

		if (ch == '"') {
			c->p++;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch == '\\') {
			c->p++;
			if (c->p >= c->end)
				return false;
			ch = *c->p++;
			if (ch == 'u') {
				if (!hex4(c))
					return false;
			} else if (!strchr("\"\\/bfnrt", ch)) {
				return false;
			}
			continue;
		}
		if (ch >= 0x80) {
			/* UTF-8 must be valid: lead byte + continuation bytes. */
			int n = ch >= 0xF0 && ch <= 0xF4 ? 3 : ch >= 0xE0 ? 2 : ch >= 0xC2 && ch <= 0xDF ? 1 : -1;

			if (n < 0 || c->end - c->p <= n)
				return false;
			for (int i = 1; i <= n; i++)
				if ((c->p[i] & 0xC0) != 0x80)
					return false;
			c->p += n + 1;
			continue;
		}
		c->p++;
	}
	return false;
}

static bool number(struct cur *c)
{
	const unsigned char *start = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || *c->p < '0' || *c->p > '9')
		return false;
	if (*c->p == '0')
		c->p++;
	else
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || *c->p < '0' || *c->p > '9')
			return false;
		while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
			c->p++;
	}
	return c->p > start;
}

static bool value(struct cur *c);

static bool members(struct cur *c, char close, bool keyed)
{
	c->p++;
	if (++c->depth > 64)
		return false;
	ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return true;
	}
	for (;;) {
		ws(c);
		if (keyed) {
			if (!string(c))
				return false;
			ws(c);
			if (c->p >= c->end || *c->p++ != ':')
				return false;
		}
		if (!value(c))
			return false;
		ws(c);
		if (c->p >= c->end)
			return false;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == close) {
			c->p++;
			c->depth--;
			return true;
		}
		return false;
	}
}

static bool value(struct cur *c)
{
	ws(c);
	if (c->p >= c->end)
		return false;
	switch (*c->p) {
	case '{': return members(c, '}', true);
	case '[': return members(c, ']', false);
	case '"': return string(c);
	case 't': return lit(c, "true");
	case 'f': return lit(c, "false");
	case 'n': return lit(c, "null");
	default: return number(c);
	}
}

bool json_check(const char *buf, size_t len)
{
	struct cur c = {(const unsigned char *)buf, (const unsigned char *)buf + len, 0};

	if (!value(&c))
		return false;
	ws(&c);
	return c.p == c.end;
}
