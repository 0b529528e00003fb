/* A small, strict JSON reader (RFC 8259) for snapshot files: bytes in, a
 * flat tree out. Built for hostile input: one pass, no recursion (nesting
 * is bounded by SK_JSON_MAX_DEPTH), every read bounded by the length, time
 * and memory linear in the input. Strings must be valid UTF-8; escapes,
 * \uXXXX and surrogate pairs included, are decoded. Integers are exact
 * (int64 or uint64, anything larger is an error); fractions and exponents
 * give a double. Duplicate object keys are kept: lookups return the first.
 *
 * The tree is one array of nodes in document order: a container's members
 * follow it, and sk_json_next() skips a whole subtree in O(1). An object's
 * members are (key, value) node pairs; the key is a string node. */
#ifndef SKTOP_JSON_READ_H
#define SKTOP_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SK_JSON_MAX_DEPTH 64
#define SK_JSON_MAX_INPUT ((size_t)0xFFFFFFF0u) /* node fields are 32-bit */
/* Memory is bounded by the input: more than one value per this many bytes
 * (beyond the first SK_JSON_FREE_NODES) is refused with SK_JSON_E_TOOBIG
 * before a tree is built. */
#define SK_JSON_MIN_BYTES_PER_NODE 3
#define SK_JSON_FREE_NODES 4096

enum sk_json_type {
	SK_JSON_NULL,
	SK_JSON_FALSE,
	SK_JSON_TRUE,
	SK_JSON_NUMBER,
	SK_JSON_STRING,
	SK_JSON_ARRAY,
	SK_JSON_OBJECT,
};

enum sk_json_numkind {
	SK_JSON_UINT,  /* v.u: an integer >= 0 */
	SK_JSON_INT,   /* v.i: a negative integer */
	SK_JSON_FLOAT, /* v.d: had a fraction or an exponent */
};

struct sk_json_node {
	uint8_t type;   /* enum sk_json_type */
	uint8_t num;    /* numbers: enum sk_json_numkind */
	uint32_t len;   /* string: bytes; array: elements; object: members */
	union {
		const char *str; /* NUL-terminated, but may hold NULs (\u0000): use len */
		uint64_t u;
		int64_t i;
		double d;
		size_t end;      /* containers: index one past the subtree's last node */
	} v;
};

struct sk_json_doc {
	struct sk_json_node *nodes; /* nodes[0] is the root */
	size_t n, cap;
	char *strs;                 /* decoded strings, owned */
};

enum sk_json_errkind {
	SK_JSON_OK,
	SK_JSON_E_EOF,      /* input ended inside a value: truncated */
	SK_JSON_E_SYNTAX,
	SK_JSON_E_TRAILING, /* a complete value followed by more than whitespace */
	SK_JSON_E_DEPTH,
	SK_JSON_E_RANGE,    /* a number that does not fit */
	SK_JSON_E_STRING,   /* invalid UTF-8, control byte, bad escape */
	SK_JSON_E_NOMEM,
	SK_JSON_E_TOOBIG,   /* longer than SK_JSON_MAX_INPUT, or denser than a snapshot */
};

struct sk_json_error {
	int kind;        /* enum sk_json_errkind */
	size_t offset;   /* byte offset of the problem in the input */
	const char *msg; /* static text: "expected ',' or ']'" */
};

/* Parses exactly one JSON value (with optional surrounding whitespace) from
 * buf[0..len). Returns 0, or -EINVAL (bad input, or more values than
 * SK_JSON_MIN_BYTES_PER_NODE allows), -ENOMEM, -EFBIG (longer than
 * SK_JSON_MAX_INPUT) with *err filled. The doc is empty on failure;
 * sk_json_doc_free is safe either way. */
int sk_json_parse(const char *buf, size_t len, struct sk_json_doc *doc, struct sk_json_error *err);
void sk_json_doc_free(struct sk_json_doc *doc);

static inline const struct sk_json_node *sk_json_root(const struct sk_json_doc *d)
{
	return d->n ? &d->nodes[0] : NULL;
}

/* The node after n's whole subtree: n's next sibling when there is one. */
static inline const struct sk_json_node *sk_json_next(const struct sk_json_doc *d,
						      const struct sk_json_node *n)
{
	return (n->type == SK_JSON_ARRAY || n->type == SK_JSON_OBJECT) ? d->nodes + n->v.end
									 : n + 1;
}

/* First element of an array, or first key of an object (only when len > 0). */
static inline const struct sk_json_node *sk_json_first(const struct sk_json_node *n)
{
	return n + 1;
}

/* The value of the first member named key, or NULL (also when obj is not
 * an object). Linear in the object's size. */
const struct sk_json_node *sk_json_get(const struct sk_json_doc *d, const struct sk_json_node *obj,
				       const char *key);

/* True when a string node's bytes equal the NUL-terminated s exactly. */
bool sk_json_str_eq(const struct sk_json_node *n, const char *s);

/* "null", "a number", "a string", ... for messages. */
const char *sk_json_type_name(const struct sk_json_node *n);

/* Line and column (from 1, column in bytes) of a byte offset: for messages. */
void sk_json_position(const char *buf, size_t len, size_t offset, size_t *line, size_t *col);

#endif
