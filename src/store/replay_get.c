#include <config.h>

#include "store/replay_get.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/escape.h"

/* --- messages ---------------------------------------------------------------- */

size_t rd_path_push_key(struct rctx *c, const char *key)
{
	size_t old = c->plen;
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s%s",
			 c->plen ? "." : "", key);

	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n
								    : sizeof(c->path) - c->plen - 1;
	return old;
}

size_t rd_path_push_index(struct rctx *c, size_t i)
{
	size_t old = c->plen;
	int n = snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);

	if (n > 0)
		c->plen += (size_t)n < sizeof(c->path) - c->plen ? (size_t)n
								    : sizeof(c->path) - c->plen - 1;
	return old;
}

void rd_path_pop(struct rctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* The problem with `field` of the current object (NULL: the object itself),
 * as one line: "FILE: sockets[12].state: unknown state 'FOO'". */
__attribute__((format(printf, 3, 4)))
int rd_bad(struct rctx *c, const char *field, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (field && c->plen)
		return sk_error_set(c->err, EINVAL, "%s: %s.%s: %s", c->name, c->path, field, what);
	if (field || c->plen)
		return sk_error_set(c->err, EINVAL, "%s: %s: %s", c->name, field ? field : c->path,
				    what);
	return sk_error_set(c->err, EINVAL, "%s: %s", c->name, what);
}

int rd_nomem(struct rctx *c)
{
	return sk_error_set(c->err, ENOMEM, "%s: out of memory", c->name);
}

/* A string from the file, made safe to print in a message. */
const char *rd_quote(const jnode *n, char *buf, size_t size)
{
	sk_escape_again(n->v.str, n->len, buf, size);
	return buf;
}

/* --- typed values ---------------------------------------------------------------- */

int rd_get_uint(struct rctx *c, const jnode *n, const char *field, uint64_t max, uint64_t *out)
{
	if (!n)
		return rd_bad(c, field, "missing");
	if (n->type != SK_JSON_NUMBER || n->num == SK_JSON_FLOAT)
		return rd_bad(c, field, "expected an integer, got %s", sk_json_type_name(n));
	if (n->num == SK_JSON_INT)
		return rd_bad(c, field, "negative value %lld", (long long)n->v.i);
	if (n->v.u > max)
		return rd_bad(c, field, "%llu is out of range (0..%llu)", (unsigned long long)n->v.u,
			   (unsigned long long)max);
	*out = n->v.u;
	return 0;
}

int rd_get_u64(struct rctx *c, const jnode *n, const char *field, uint64_t *out)
{
	return rd_get_uint(c, n, field, UINT64_MAX, out);
}

int rd_get_u32(struct rctx *c, const jnode *n, const char *field, uint32_t *out)
{
	uint64_t v = 0;
	int rc = rd_get_uint(c, n, field, UINT32_MAX, &v);

	if (rc == 0)
		*out = (uint32_t)v;
	return rc;
}

int rd_get_u8(struct rctx *c, const jnode *n, const char *field, uint8_t *out)
{
	uint64_t v = 0;
	int rc = rd_get_uint(c, n, field, UINT8_MAX, &v);

	if (rc == 0)
		*out = (uint8_t)v;
	return rc;
}

/* A pid: 1..INT32_MAX. */
int rd_get_pid(struct rctx *c, const jnode *n, const char *field, int32_t *out)
{
	uint64_t v = 0;
	int rc = rd_get_uint(c, n, field, INT32_MAX, &v);

	if (rc == 0 && v == 0)
		rc = rd_bad(c, field, "pid 0 is not a process");
	if (rc == 0)
		*out = (int32_t)v;
	return rc;
}

int rd_get_i64(struct rctx *c, const jnode *n, const char *field, int64_t *out)
{
	if (!n)
		return rd_bad(c, field, "missing");
	if (n->type != SK_JSON_NUMBER || n->num == SK_JSON_FLOAT)
		return rd_bad(c, field, "expected an integer, got %s", sk_json_type_name(n));
	if (n->num == SK_JSON_INT) {
		*out = n->v.i;
		return 0;
	}
	if (n->v.u > INT64_MAX)
		return rd_bad(c, field, "%llu is out of range (64-bit signed)",
			   (unsigned long long)n->v.u);
	*out = (int64_t)n->v.u;
	return 0;
}

/* A system figure: null when the kernel did not provide it. */
int rd_get_fig(struct rctx *c, const jnode *n, const char *field, int64_t *out)
{
	if (n && n->type == SK_JSON_NULL) {
		*out = SK_UNKNOWN;
		return 0;
	}
	return rd_get_i64(c, n, field, out);
}

int rd_get_bool(struct rctx *c, const jnode *n, const char *field, bool *out)
{
	if (!n)
		return rd_bad(c, field, "missing");
	if (n->type != SK_JSON_TRUE && n->type != SK_JSON_FALSE)
		return rd_bad(c, field, "expected true or false, got %s", sk_json_type_name(n));
	*out = n->type == SK_JSON_TRUE;
	return 0;
}

int rd_want(struct rctx *c, const jnode *n, const char *field, uint8_t type)
{
	static const char *const names[] = {
		[SK_JSON_STRING] = "a string", [SK_JSON_ARRAY] = "an array",
		[SK_JSON_OBJECT] = "an object",
	};

	if (!n)
		return rd_bad(c, field, "missing");
	if (n->type != type)
		return rd_bad(c, field, "expected %s, got %s", names[type], sk_json_type_name(n));
	return 0;
}

/* A string into a fixed buffer, escaped (and cut on a character boundary). */
int rd_get_text(struct rctx *c, const jnode *n, const char *field, char *out, size_t size)
{
	int rc = rd_want(c, n, field, SK_JSON_STRING);

	if (rc == 0)
		sk_escape_again(n->v.str, n->len, out, size);
	return rc;
}

/* A string into the snapshot's string table; 0 (the empty string) for "". */
int rd_get_strtab(struct rctx *c, const jnode *n, const char *field, uint32_t *off)
{
	int rc = rd_want(c, n, field, SK_JSON_STRING);
	size_t len;

	if (rc)
		return rc;
	len = sk_escape_again(n->v.str, n->len, c->str, STR_MAX);
	*off = sk_strtab_add(&c->r->snap.strs, c->str, len, &rc);
	return rc ? rd_nomem(c) : 0;
}

size_t rd_name_index(const jnode *k, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (names[i] && sk_json_str_eq(k, names[i]))
			return i;
	return NOT_FOUND;
}

/* A name from one of the engine's tables ("ESTABLISHED", "keepalive"). */
int rd_get_enum(struct rctx *c, const jnode *n, const char *field, const char *const *names,
		    size_t count, const char *what, unsigned *out)
{
	char q[48];
	int rc = rd_want(c, n, field, SK_JSON_STRING);
	size_t i;

	if (rc)
		return rc;
	i = rd_name_index(n, names, count);
	if (i == NOT_FOUND)
		return rd_bad(c, field, "unknown %s '%s'", what, rd_quote(n, q, sizeof(q)));
	*out = (unsigned)i;
	return 0;
}

/* --- objects --------------------------------------------------------------------- */

/* Which of keys[0..n) the member key k is. The writer's order is the
 * likely one, so the search starts after the previous match: a file from
 * sktop costs one comparison per member. */
static size_t find_key(const jnode *k, const char *const *keys, size_t n, size_t *hint)
{
	for (size_t j = 0; j < n; j++) {
		size_t i = (*hint + j) % n;

		if (keys[i] && sk_json_str_eq(k, keys[i])) {
			*hint = i + 1;
			return i;
		}
	}
	return NOT_FOUND;
}

/* Calls fn(c, value, i, arg) for each member of obj whose key is names[i],
 * with field on the path of any message. Unknown members are ignored: later
 * versions add fields. A known key given twice is an error: which one would
 * count is exactly the ambiguity a crafted file could use to show one thing
 * here and another elsewhere. */
#define MAX_NAMES 256

int rd_each_member(struct rctx *c, const jnode *obj, const char *field,
		       const char *const *names, size_t n, rd_member_fn *fn, void *arg)
{
	uint64_t seen[MAX_NAMES / 64] = {0};
	const jnode *k;
	size_t hint = 0, old;
	int rc = rd_want(c, obj, field, SK_JSON_OBJECT);

	if (rc)
		return rc;
	if (n > MAX_NAMES)
		return rd_bad(c, field, "internal: %zu names", n);
	old = field ? rd_path_push_key(c, field) : c->plen;
	k = sk_json_first(obj);
	for (uint32_t m = 0; m < obj->len && rc == 0; m++) {
		size_t i = find_key(k, names, n, &hint);

		if (i != NOT_FOUND) {
			if (seen[i / 64] & (1ULL << (i % 64)))
				rc = rd_bad(c, NULL, "duplicate key '%s'", names[i]);
			else
				rc = fn(c, k + 1, i, arg);
			seen[i / 64] |= 1ULL << (i % 64);
		}
		k = sk_json_next(c->d, k + 1);
	}
	rd_path_pop(c, old);
	return rc;
}

int rd_each_element(struct rctx *c, const jnode *a, const char *field, rd_member_fn *fn,
		    void *arg)
{
	const jnode *e;
	size_t old;
	int rc = rd_want(c, a, field, SK_JSON_ARRAY);

	if (rc)
		return rc;
	old = rd_path_push_key(c, field);
	e = sk_json_first(a);
	for (uint32_t i = 0; i < a->len && rc == 0; i++) {
		size_t o = rd_path_push_index(c, i);

		rc = fn(c, e, i, arg);
		rd_path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	rd_path_pop(c, old);
	return rc;
}

static int slot_member(struct rctx *c, const jnode *value, size_t i, void *slots)
{
	(void)c;
	((const jnode **)slots)[i] = value;
	return 0;
}

/* Fills slots[i] with the value of member keys[i] (NULL when absent). */
int rd_collect(struct rctx *c, const jnode *obj, const char *field, const char *const *keys,
		   size_t n, const jnode **slots)
{
	for (size_t i = 0; i < n; i++)
		slots[i] = NULL;
	return rd_each_member(c, obj, field, keys, n, slot_member, (void *)slots);
}

struct named_out {
	const char *const *names;
	void *out;
};

static int count_member(struct rctx *c, const jnode *value, size_t i, void *arg)
{
	const struct named_out *o = arg;

	return rd_get_u32(c, value, o->names[i], &((uint32_t *)o->out)[i]);
}

static int fig_member(struct rctx *c, const jnode *value, size_t i, void *arg)
{
	const struct named_out *o = arg;

	return rd_get_fig(c, value, o->names[i], &((int64_t *)o->out)[i]);
}

/* {"NAME":count,...} over one of the engine's name tables (counts the
 * writer left out are zero). */
int rd_get_counts(struct rctx *c, const jnode *obj, const char *field, const char *const *names,
		      size_t n, uint32_t *out)
{
	struct named_out o = {names, out};

	for (size_t i = 0; i < n; i++)
		out[i] = 0;
	return rd_each_member(c, obj, field, names, n, count_member, &o);
}

/* {"NAME":figure|null,...}; figures the file lacks stay SK_UNKNOWN. */
int rd_get_figs(struct rctx *c, const jnode *obj, const char *field, const char *const *names,
		    size_t n, int64_t *out)
{
	struct named_out o = {names, out};

	return rd_each_member(c, obj, field, names, n, fig_member, &o);
}

/* --- sorting and lookups ---------------------------------------------------------- */

/* Stable LSD radix sort on the 64-bit key: linear whatever the input, where
 * a comparison sort's worst case is for an attacker to pick. */
int rd_kv_sort(struct kv *a, size_t n)
{
	struct kv *tmp;

	if (n < 2)
		return 0;
	tmp = malloc(n * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (unsigned shift = 0; shift < 64; shift += 8) {
		size_t count[257] = {0};

		for (size_t i = 0; i < n; i++)
			count[((a[i].key >> shift) & 0xFF) + 1]++;
		if (count[((a[0].key >> shift) & 0xFF) + 1] == n)
			continue; /* every key has the same byte here */
		for (size_t b = 1; b < 257; b++)
			count[b] += count[b - 1];
		for (size_t i = 0; i < n; i++)
			tmp[count[(a[i].key >> shift) & 0xFF]++] = a[i];
		memcpy(a, tmp, n * sizeof(*a));
	}
	free(tmp);
	return 0;
}

SK_LOWER_BOUND_BY(kv_lower_bound, struct kv, key, uint64_t)

/* First entry with this key (the lowest index, the sort being stable). */
const struct kv *rd_kv_find(const struct kv *a, size_t n, uint64_t key)
{
	size_t lo = kv_lower_bound(a, 0, n, key);

	return lo < n && a[lo].key == key ? &a[lo] : NULL;
}

/* --- members read as they are ------------------------------------------------- */

static int get_member(struct rctx *c, const jnode *n, const char *field,
		      const struct rd_member *m, char *at)
{
	/* A row whose type does not fit its member would write past it. */
	static const uint32_t size_of[] = {
		[RD_U64] = sizeof(uint64_t), [RD_U32] = sizeof(uint32_t), [RD_U8] = sizeof(uint8_t),
		[RD_PID] = sizeof(int32_t),  [RD_BOOL] = sizeof(bool),    [RD_STRTAB] = sizeof(uint32_t),
	};

	if (m->type != RD_TEXT && (m->type >= sizeof(size_of) / sizeof(size_of[0]) ||
				   size_of[m->type] != m->size))
		return rd_bad(c, field, "internal: member type %u, %u bytes", m->type, m->size);
	switch ((enum rd_type)m->type) {
	case RD_U64: return rd_get_u64(c, n, field, (uint64_t *)(void *)at);
	case RD_U32: return rd_get_u32(c, n, field, (uint32_t *)(void *)at);
	case RD_U8: return rd_get_u8(c, n, field, (uint8_t *)at);
	case RD_PID: return rd_get_pid(c, n, field, (int32_t *)(void *)at);
	case RD_BOOL: return rd_get_bool(c, n, field, (bool *)(void *)at);
	case RD_TEXT: return rd_get_text(c, n, field, at, m->size);
	case RD_STRTAB: return rd_get_strtab(c, n, field, (uint32_t *)(void *)at);
	}
	return rd_bad(c, field, "internal: member type %u", m->type);
}

int rd_get_members(struct rctx *c, const jnode *const *slots, const char *const *keys,
		   const struct rd_member *rows, size_t n, void *rec)
{
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		const struct rd_member *m = &rows[i];

		if (!slots[m->slot] && m->optional)
			continue;
		rc = get_member(c, slots[m->slot], keys[m->slot], m, (char *)rec + m->offset);
	}
	return rc;
}

/* --- field tables ---------------------------------------------------------------- */

/* Element i of row f: an unsigned integer within the row's width, or a
 * figure (null when unknown). */
static int get_element(struct rctx *c, const jnode *n, const char *field,
		       const struct sk_field *f, void *rec, unsigned i)
{
	uint64_t v = 0;
	int64_t fig = 0;
	int rc;

	if (f->type == SK_FT_FIG) {
		rc = rd_get_fig(c, n, field, &fig);
		v = (uint64_t)fig;
	} else if (f->type == SK_FT_BOOL) {
		bool b = false;

		rc = rd_get_bool(c, n, field, &b);
		v = b;
	} else {
		rc = rd_get_uint(c, n, field, sk_field_max(f), &v);
	}
	if (rc == 0)
		sk_field_set(f, rec, i, v);
	return rc;
}

static int get_field(struct rctx *c, const jnode *n, const struct sk_field *f, void *rec)
{
	const jnode *e;
	size_t old;
	int rc;

	if (!n && (f->flags & SK_FIELD_LATER))
		return 0;
	if (f->count <= 1)
		return get_element(c, n, f->key, f, rec, 0);
	rc = rd_want(c, n, f->key, SK_JSON_ARRAY);
	if (rc || !n) /* rd_want refuses a missing n; said again for the analyzer */
		return rc ? rc : -EINVAL;
	if (n->len != f->count)
		return rd_bad(c, f->key, "expected %u values, got %u", f->count, n->len);
	old = rd_path_push_key(c, f->key);
	e = sk_json_first(n);
	for (unsigned i = 0; i < f->count && rc == 0; i++) {
		size_t o = rd_path_push_index(c, i);

		rc = get_element(c, e, NULL, f, rec, i);
		rd_path_pop(c, o);
		e = sk_json_next(c->d, e);
	}
	rd_path_pop(c, old);
	return rc;
}

#define RECORD_MAX 64

int rd_get_record(struct rctx *c, const jnode *o, const struct sk_record *r, void *rec)
{
	const char *keys[RECORD_MAX];
	const jnode *f[RECORD_MAX];
	size_t old;
	int rc;

	if (r->n > RECORD_MAX)
		return rd_bad(c, r->key, "internal: %zu fields", r->n);
	for (size_t i = 0; i < r->n; i++)
		keys[i] = r->fields[i].key;
	old = rd_path_push_key(c, r->key);
	rc = rd_collect(c, o, NULL, keys, r->n, f);
	for (size_t i = 0; i < r->n && rc == 0; i++)
		rc = get_field(c, f[i], &r->fields[i], rec);
	rd_path_pop(c, old);
	return rc;
}
