#include <config.h>

#include "store/json_read.h"

#include <errno.h>
#include <float.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "util/vec.h"

/* Longest number with a fraction or exponent handed to strtod: longer ones
 * are never written by sktop, and strtod's cost on huge mantissas is not
 * linear. Integers have no such limit (they are scanned digit by digit). */
#define FLOAT_MAX_CHARS 64

struct parser {
	const unsigned char *buf;
	size_t len, pos;
	struct sk_json_doc *doc;
	size_t strs_len;
	locale_t c_locale;  /* for strtod_l: the program may run under any LC_NUMERIC */
	struct sk_json_error *err;
	size_t stack[SK_JSON_MAX_DEPTH]; /* open containers, as node indices */
	size_t depth;
	size_t max_nodes;   /* the density bound (json_read.h) */
};

#define TOO_DENSE "more values than a snapshot of this size holds (a tree larger than the file)"

static int fail(struct parser *p, int kind, size_t offset, const char *msg)
{
	p->err->kind = kind;
	p->err->offset = offset;
	p->err->msg = msg;
	return kind == SK_JSON_E_NOMEM ? -ENOMEM : -EINVAL;
}

static int fail_eof(struct parser *p, const char *msg)
{
	return fail(p, SK_JSON_E_EOF, p->len, msg);
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len) {
		unsigned char c = p->buf[p->pos];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
			return;
		p->pos++;
	}
}

static struct sk_json_node *new_node(struct parser *p, uint8_t type)
{
	struct sk_json_doc *d = p->doc;
	struct sk_json_node *n;

	if (d->n >= p->max_nodes)
		return NULL;
	if (sk_vec_reserve((void **)&d->nodes, &d->cap, d->n + 1, sizeof(*d->nodes)))
		return NULL;
	n = &d->nodes[d->n++];
	memset(n, 0, sizeof(*n));
	n->type = type;
	return n;
}

static int no_node(struct parser *p)
{
	if (p->doc->n >= p->max_nodes)
		return fail(p, SK_JSON_E_TOOBIG, p->pos, TOO_DENSE);
	return fail(p, SK_JSON_E_NOMEM, p->pos, "out of memory");
}

/* Length of the valid, shortest-form UTF-8 sequence at s (2..4 bytes for a
 * lead byte >= 0x80), 0 when invalid or cut short. */
static size_t utf8_len(const unsigned char *s, size_t avail)
{
	unsigned char c = s[0];
	size_t n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (avail < n)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((s[i] & 0xC0) != 0x80)
			return 0;
	/* Overlong forms, UTF-16 surrogates, and code points past U+10FFFF. */
	if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F) ||
	    (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
		return 0;
	return n;
}

static size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

/* Four hex digits at buf[at..at+4): the value, or -1. The caller checked
 * that they are inside the buffer. */
static int32_t hex4(const unsigned char *s)
{
	int32_t v = 0;

	for (int i = 0; i < 4; i++) {
		unsigned char c = s[i];
		int d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/* \uXXXX at p->pos (the backslash), with its low surrogate when it is a
 * high one. Writes the UTF-8 form to out; returns its length or -errno. */
static int parse_u_escape(struct parser *p, char *out, size_t *outlen)
{
	size_t at = p->pos;
	int32_t cp, lo;

	if (p->len - at < 6)
		return fail_eof(p, "unterminated string");
	cp = hex4(p->buf + at + 2);
	if (cp < 0)
		return fail(p, SK_JSON_E_STRING, at, "invalid \\u escape");
	p->pos += 6;
	if (cp >= 0xDC00 && cp <= 0xDFFF)
		return fail(p, SK_JSON_E_STRING, at, "unpaired UTF-16 surrogate in \\u escape");
	if (cp >= 0xD800 && cp <= 0xDBFF) {
		size_t avail = p->len - p->pos;

		/* Only a cut-off "\\uDC00" is truncation; anything else after a
		 * high surrogate is a lone surrogate. */
		if ((avail >= 1 && p->buf[p->pos] != '\\') ||
		    (avail >= 2 && p->buf[p->pos + 1] != 'u'))
			return fail(p, SK_JSON_E_STRING, at, "unpaired UTF-16 surrogate in \\u escape");
		if (avail < 6)
			return fail_eof(p, "unterminated string");
		lo = hex4(p->buf + p->pos + 2);
		if (lo < 0xDC00 || lo > 0xDFFF)
			return fail(p, SK_JSON_E_STRING, at, "unpaired UTF-16 surrogate in \\u escape");
		p->pos += 6;
		cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
	}
	*outlen = utf8_put(out, (uint32_t)cp);
	return 0;
}

/* A string at p->pos (the opening quote), decoded into the doc's string
 * area: decoding never lengthens a string, so the area sized to the input
 * always has room. */
static int parse_string(struct parser *p, struct sk_json_node *node)
{
	char *start = p->doc->strs + p->strs_len;
	char *out = start;
	size_t open = p->pos;

	node->type = SK_JSON_STRING;
	p->pos++;
	for (;;) {
		size_t run = p->pos;

		/* Plain bytes are copied in runs. */
		while (run < p->len && p->buf[run] >= 0x20 && p->buf[run] < 0x80 &&
		       p->buf[run] != '"' && p->buf[run] != '\\')
			run++;
		memcpy(out, p->buf + p->pos, run - p->pos);
		out += run - p->pos;
		p->pos = run;
		if (p->pos >= p->len)
			return fail_eof(p, "unterminated string");

		unsigned char c = p->buf[p->pos];

		if (c == '"') {
			p->pos++;
			break;
		}
		if (c < 0x20)
			return fail(p, SK_JSON_E_STRING, p->pos,
				    "control character in string (must be escaped)");
		if (c >= 0x80) {
			size_t n = utf8_len(p->buf + p->pos, p->len - p->pos);

			if (n == 0)
				return fail(p, SK_JSON_E_STRING, p->pos, "invalid UTF-8 in string");
			memcpy(out, p->buf + p->pos, n);
			out += n;
			p->pos += n;
			continue;
		}
		/* A backslash. */
		if (p->len - p->pos < 2)
			return fail_eof(p, "unterminated string");
		switch (p->buf[p->pos + 1]) {
		case '"': *out++ = '"'; break;
		case '\\': *out++ = '\\'; break;
		case '/': *out++ = '/'; break;
		case 'b': *out++ = '\b'; break;
		case 'f': *out++ = '\f'; break;
		case 'n': *out++ = '\n'; break;
		case 'r': *out++ = '\r'; break;
		case 't': *out++ = '\t'; break;
		case 'u': {
			size_t n = 0;
			int rc = parse_u_escape(p, out, &n);

			if (rc)
				return rc;
			out += n;
			continue;
		}
		default:
			return fail(p, SK_JSON_E_STRING, p->pos, "invalid escape in string");
		}
		p->pos += 2;
	}
	*out = '\0';
	if ((size_t)(out - start) > UINT32_MAX)
		return fail(p, SK_JSON_E_TOOBIG, open, "string too long");
	node->len = (uint32_t)(out - start);
	node->v.str = start;
	p->strs_len += (size_t)(out - start) + 1;
	return 0;
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* [0-9]+ of a fraction or an exponent; `what` says which when there is none. */
static int skip_digits(struct parser *p, const char *what)
{
	if (p->pos >= p->len)
		return fail_eof(p, "truncated number");
	if (!is_digit(p->buf[p->pos]))
		return fail(p, SK_JSON_E_SYNTAX, p->pos, what);
	while (p->pos < p->len && is_digit(p->buf[p->pos]))
		p->pos++;
	return 0;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int parse_number(struct parser *p, struct sk_json_node *node)
{
	size_t start = p->pos;
	bool neg = false, frac = false, overflow = false;
	uint64_t mag = 0;
	int rc;

	if (p->buf[p->pos] == '-') {
		neg = true;
		p->pos++;
	}
	if (p->pos >= p->len)
		return fail_eof(p, "truncated number");
	if (p->buf[p->pos] == '0') {
		p->pos++;
	} else if (is_digit(p->buf[p->pos])) {
		while (p->pos < p->len && is_digit(p->buf[p->pos])) {
			unsigned d = p->buf[p->pos] - '0';

			if (mag > (UINT64_MAX - d) / 10)
				overflow = true;
			else
				mag = mag * 10 + d;
			p->pos++;
		}
	} else {
		return fail(p, SK_JSON_E_SYNTAX, p->pos, "invalid number");
	}
	if (p->pos < p->len && p->buf[p->pos] == '.') {
		frac = true;
		p->pos++;
		rc = skip_digits(p, "invalid number: digit expected after '.'");
		if (rc)
			return rc;
	}
	if (p->pos < p->len && (p->buf[p->pos] == 'e' || p->buf[p->pos] == 'E')) {
		frac = true;
		p->pos++;
		if (p->pos < p->len && (p->buf[p->pos] == '+' || p->buf[p->pos] == '-'))
			p->pos++;
		rc = skip_digits(p, "invalid number: digit expected in exponent");
		if (rc)
			return rc;
	}
	node->type = SK_JSON_NUMBER;
	if (frac) {
		char tmp[FLOAT_MAX_CHARS + 1];
		size_t n = p->pos - start;
		double d;

		if (n > FLOAT_MAX_CHARS)
			return fail(p, SK_JSON_E_RANGE, start, "number too long");
		if (p->c_locale == (locale_t)0) {
			p->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
			if (p->c_locale == (locale_t)0)
				return fail(p, SK_JSON_E_NOMEM, start, "out of memory");
		}
		memcpy(tmp, p->buf + start, n);
		tmp[n] = '\0';
		d = strtod_l(tmp, NULL, p->c_locale);
		if (d > DBL_MAX || d < -DBL_MAX)
			return fail(p, SK_JSON_E_RANGE, start, "number out of range");
		node->num = SK_JSON_FLOAT;
		node->v.d = d;
		return 0;
	}
	if (overflow || (neg && mag > (uint64_t)INT64_MAX + 1))
		return fail(p, SK_JSON_E_RANGE, start, "integer out of range (64-bit)");
	if (neg && mag != 0) {
		node->num = SK_JSON_INT;
		/* mag <= 2^63: -(mag - 1) - 1 cannot overflow. */
		node->v.i = -(int64_t)(mag - 1) - 1;
	} else {
		node->num = SK_JSON_UINT;
		node->v.u = mag;
	}
	return 0;
}

static int parse_literal(struct parser *p, struct sk_json_node *node)
{
	static const struct {
		const char *text;
		size_t len;
		uint8_t type;
	} lits[] = {{"true", 4, SK_JSON_TRUE}, {"false", 5, SK_JSON_FALSE}, {"null", 4, SK_JSON_NULL}};
	size_t avail = p->len - p->pos;

	for (size_t i = 0; i < sizeof(lits) / sizeof(lits[0]); i++) {
		if (p->buf[p->pos] != (unsigned char)lits[i].text[0])
			continue;
		if (avail >= lits[i].len && memcmp(p->buf + p->pos, lits[i].text, lits[i].len) == 0) {
			node->type = lits[i].type;
			p->pos += lits[i].len;
			return 0;
		}
		if (avail < lits[i].len && memcmp(p->buf + p->pos, lits[i].text, avail) == 0)
			return fail_eof(p, "truncated literal");
		break;
	}
	return fail(p, SK_JSON_E_SYNTAX, p->pos, "invalid literal");
}

enum state { ST_VALUE, ST_KEY, ST_AFTER };

/* The whole document, iteratively: the open containers are on p->stack. */
static int parse_doc(struct parser *p)
{
	enum state st = ST_VALUE;
	int rc;

	for (;;) {
		skip_ws(p);
		if (st == ST_VALUE) {
			struct sk_json_node *n;

			if (p->pos >= p->len)
				return fail_eof(p, p->doc->n ? "unexpected end of input"
							     : "no JSON value (empty input)");
			unsigned char c = p->buf[p->pos];

			n = new_node(p, SK_JSON_NULL);
			if (!n)
				return no_node(p);
			if (c == '{' || c == '[') {
				if (p->depth == SK_JSON_MAX_DEPTH)
					return fail(p, SK_JSON_E_DEPTH, p->pos,
						    "nesting deeper than 64 levels");
				n->type = c == '{' ? SK_JSON_OBJECT : SK_JSON_ARRAY;
				p->stack[p->depth++] = p->doc->n - 1;
				p->pos++;
				skip_ws(p);
				if (p->pos < p->len && p->buf[p->pos] == (c == '{' ? '}' : ']')) {
					p->pos++;
					n->v.end = p->doc->n;
					p->depth--;
					st = ST_AFTER;
				} else {
					st = c == '{' ? ST_KEY : ST_VALUE;
				}
				continue;
			}
			if (c == '"')
				rc = parse_string(p, n);
			else if (c == '-' || is_digit(c))
				rc = parse_number(p, n);
			else if (c == 't' || c == 'f' || c == 'n')
				rc = parse_literal(p, n);
			else
				rc = fail(p, SK_JSON_E_SYNTAX, p->pos, "unexpected character");
			if (rc)
				return rc;
			st = ST_AFTER;
		} else if (st == ST_KEY) {
			struct sk_json_node *n;

			if (p->pos >= p->len)
				return fail_eof(p, "unexpected end of input");
			if (p->buf[p->pos] != '"')
				return fail(p, SK_JSON_E_SYNTAX, p->pos, "expected a string key");
			n = new_node(p, SK_JSON_STRING);
			if (!n)
				return no_node(p);
			rc = parse_string(p, n);
			if (rc)
				return rc;
			skip_ws(p);
			if (p->pos >= p->len)
				return fail_eof(p, "unexpected end of input");
			if (p->buf[p->pos] != ':')
				return fail(p, SK_JSON_E_SYNTAX, p->pos, "expected ':' after key");
			p->pos++;
			st = ST_VALUE;
		} else {
			if (p->depth == 0) {
				if (p->pos != p->len)
					return fail(p, SK_JSON_E_TRAILING, p->pos,
						    "unexpected data after the JSON value");
				return 0;
			}
			struct sk_json_node *top = &p->doc->nodes[p->stack[p->depth - 1]];
			bool obj = top->type == SK_JSON_OBJECT;

			top->len++; /* a member (or element) just ended */
			if (p->pos >= p->len)
				return fail_eof(p, "unexpected end of input");
			unsigned char c = p->buf[p->pos];

			if (c == ',') {
				p->pos++;
				st = obj ? ST_KEY : ST_VALUE;
			} else if (c == (obj ? '}' : ']')) {
				p->pos++;
				top->v.end = p->doc->n;
				p->depth--;
				/* st stays ST_AFTER: the container is a value of its parent. */
			} else {
				return fail(p, SK_JSON_E_SYNTAX, p->pos,
					    obj ? "expected ',' or '}'" : "expected ',' or ']'");
			}
		}
	}
}

/* At least the number of nodes the tree of buf will need: one per ','
 * and one per ':' (a key's value), counted outside strings. (Containers,
 * one more each, are left to the bound in new_node: a run of '[' is a
 * nesting error long before it is a memory one.) One pass, no memory. */
static size_t count_nodes(const unsigned char *b, size_t len)
{
	size_t n = 1;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = b[i];

		if (c == ',' || c == ':') {
			n++;
		} else if (c == '"') {
			for (i++; i < len && b[i] != '"'; i++)
				if (b[i] == '\\')
					i++;
		}
	}
	return n;
}

int sk_json_parse(const char *buf, size_t len, struct sk_json_doc *doc, struct sk_json_error *err)
{
	struct sk_json_error dummy;
	struct parser *p;
	int rc;

	if (!err)
		err = &dummy;
	memset(doc, 0, sizeof(*doc));
	err->kind = SK_JSON_OK;
	err->offset = 0;
	err->msg = "";
	if (len > SK_JSON_MAX_INPUT) {
		err->kind = SK_JSON_E_TOOBIG;
		err->msg = "input too large";
		return -EFBIG;
	}
	/* A node is 16 bytes: "[0,0,0,...]" would make a tree eight times the
	 * input. A snapshot has a quoted key for nearly every value (7.6 bytes
	 * a node on a real machine); one denser than a node per
	 * SK_JSON_MIN_BYTES_PER_NODE bytes is refused before anything is built. */
	if (count_nodes((const unsigned char *)buf, len) >
	    len / SK_JSON_MIN_BYTES_PER_NODE + SK_JSON_FREE_NODES) {
		err->kind = SK_JSON_E_TOOBIG;
		err->msg = TOO_DENSE;
		return -EINVAL;
	}
	/* The parser state holds the container stack: keep it off small stacks. */
	p = calloc(1, sizeof(*p));
	doc->strs = malloc(len + 1);
	if (!p || !doc->strs) {
		free(p);
		free(doc->strs);
		doc->strs = NULL;
		err->kind = SK_JSON_E_NOMEM;
		err->msg = "out of memory";
		return -ENOMEM;
	}
	p->buf = (const unsigned char *)buf;
	p->len = len;
	p->max_nodes = len / SK_JSON_MIN_BYTES_PER_NODE + SK_JSON_FREE_NODES;
	p->doc = doc;
	p->err = err;
	rc = parse_doc(p);
	if (p->c_locale != (locale_t)0)
		freelocale(p->c_locale);
	free(p);
	if (rc)
		sk_json_doc_free(doc);
	return rc;
}

void sk_json_doc_free(struct sk_json_doc *doc)
{
	free(doc->nodes);
	free(doc->strs);
	memset(doc, 0, sizeof(*doc));
}

bool sk_json_str_eq(const struct sk_json_node *n, const char *s)
{
	size_t l = strlen(s);

	return n->type == SK_JSON_STRING && n->len == l && memcmp(n->v.str, s, l) == 0;
}

const struct sk_json_node *sk_json_get(const struct sk_json_doc *d, const struct sk_json_node *obj,
				       const char *key)
{
	const struct sk_json_node *k;

	if (!obj || obj->type != SK_JSON_OBJECT)
		return NULL;
	k = sk_json_first(obj);
	for (uint32_t i = 0; i < obj->len; i++) {
		if (sk_json_str_eq(k, key))
			return k + 1;
		k = sk_json_next(d, k + 1);
	}
	return NULL;
}

const char *sk_json_type_name(const struct sk_json_node *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case SK_JSON_NULL: return "null";
	case SK_JSON_FALSE:
	case SK_JSON_TRUE: return "a boolean";
	case SK_JSON_NUMBER:
		return n->num == SK_JSON_FLOAT ? "a fraction"
		       : n->num == SK_JSON_INT ? "a negative integer" : "an integer";
	case SK_JSON_STRING: return "a string";
	case SK_JSON_ARRAY: return "an array";
	case SK_JSON_OBJECT: return "an object";
	}
	return "?";
}

void sk_json_position(const char *buf, size_t len, size_t offset, size_t *line, size_t *col)
{
	size_t l = 1, last_nl = 0;
	bool seen_nl = false;

	if (offset > len)
		offset = len;
	for (const char *q = buf; offset && (q = memchr(q, '\n', offset - (size_t)(q - buf))) != NULL;
	     q++) {
		l++;
		last_nl = (size_t)(q - buf);
		seen_nl = true;
	}
	*line = l;
	*col = seen_nl ? offset - last_nl : offset + 1;
}
