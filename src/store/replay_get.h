/* The replay reader's tools: a cursor over a parsed snapshot document that
 * knows where it is (for one-line messages), typed getters that validate
 * every value from the file, and objects matched against known keys in one
 * pass. replay.c maps the document with them. */
#ifndef SKTOP_REPLAY_GET_H
#define SKTOP_REPLAY_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/fields.h"
#include "store/json_read.h"
#include "store/replay.h"
#include "util/hash.h"

typedef struct sk_json_node jnode;

#define STR_MAX (4 * SK_CMDLINE_MAX + 1) /* an escaped cmdline, the longest string stored */
#define NOT_FOUND SIZE_MAX

struct fdtmp {
	uint32_t proc, sock;
	int32_t fd;
};

struct kv {
	uint64_t key;
	uint32_t val;
};

struct rctx {
	const struct sk_json_doc *d;
	struct sk_replay *r;
	struct sk_error *err;
	const char *name;      /* the file, for messages */
	char path[128];        /* where in the document: "sockets[12].tcp_info" */
	size_t plen;
	char *str;             /* STR_MAX bytes of scratch for escaping */
	SK_VEC(struct fdtmp) fds;
	struct kv *by_inode, *by_cookie; /* findings -> sockets, built on first use */
	size_t n_inode, n_cookie;
	bool indexed;
	struct sk_itab services; /* services rows by content (replay_service.c) */
};

size_t rd_path_push_key(struct rctx *c, const char *key);
size_t rd_path_push_index(struct rctx *c, size_t i);
void rd_path_pop(struct rctx *c, size_t old);
__attribute__((format(printf, 3, 4)))
int rd_bad(struct rctx *c, const char *field, const char *fmt, ...);
int rd_nomem(struct rctx *c);
const char *rd_quote(const jnode *n, char *buf, size_t size);
int rd_get_uint(struct rctx *c, const jnode *n, const char *field, uint64_t max, uint64_t *out);
int rd_get_u64(struct rctx *c, const jnode *n, const char *field, uint64_t *out);
int rd_get_u32(struct rctx *c, const jnode *n, const char *field, uint32_t *out);
int rd_get_u8(struct rctx *c, const jnode *n, const char *field, uint8_t *out);
int rd_get_pid(struct rctx *c, const jnode *n, const char *field, int32_t *out);
int rd_get_i64(struct rctx *c, const jnode *n, const char *field, int64_t *out);
int rd_get_fig(struct rctx *c, const jnode *n, const char *field, int64_t *out);
int rd_get_bool(struct rctx *c, const jnode *n, const char *field, bool *out);
int rd_want(struct rctx *c, const jnode *n, const char *field, uint8_t type);
int rd_get_text(struct rctx *c, const jnode *n, const char *field, char *out, size_t size);
int rd_get_strtab(struct rctx *c, const jnode *n, const char *field, uint32_t *off);
size_t rd_name_index(const jnode *k, const char *const *names, size_t n);
int rd_get_enum(struct rctx *c, const jnode *n, const char *field, const char *const *names,
		    size_t count, const char *what, unsigned *out);
typedef int rd_member_fn(struct rctx *c, const jnode *value, size_t i, void *arg);

int rd_each_member(struct rctx *c, const jnode *obj, const char *field,
		       const char *const *names, size_t n, rd_member_fn *fn, void *arg);
int rd_collect(struct rctx *c, const jnode *obj, const char *field, const char *const *keys,
		   size_t n, const jnode **slots);
int rd_get_counts(struct rctx *c, const jnode *obj, const char *field, const char *const *names,
		      size_t n, uint32_t *out);
int rd_get_figs(struct rctx *c, const jnode *obj, const char *field, const char *const *names,
		    size_t n, int64_t *out);
int rd_kv_sort(struct kv *a, size_t n);
const struct kv *rd_kv_find(const struct kv *a, size_t n, uint64_t key);

/* Calls fn(c, element, i, arg) for each element of the array a, the
 * member field of the current object, with "field[i]" on the path of any
 * message; stops at the first error. */
int rd_each_element(struct rctx *c, const jnode *a, const char *field, rd_member_fn *fn,
		    void *arg);

/* How a member is read: the getter it goes through. */
enum rd_type { RD_U64, RD_U32, RD_U8, RD_PID, RD_BOOL, RD_TEXT, RD_STRTAB };

/* A member read straight into a struct: the slot rd_collect filled (its
 * key names it in messages), the getter, and where it goes. */
struct rd_member {
	uint8_t slot;
	uint8_t type;     /* enum rd_type */
	bool optional;    /* a file may lack it: then it is left as it is */
	uint32_t size;    /* RD_TEXT: the buffer's size */
	uint32_t offset;  /* offsetof in the struct */
};

#define RD_MEMBER(slot, type, st, m) {slot, type, false, sizeof(((st *)0)->m), offsetof(st, m)}
#define RD_OPTIONAL(slot, type, st, m) {slot, type, true, sizeof(((st *)0)->m), offsetof(st, m)}

/* Reads rows[0..n), in order, from slots (keys: rd_collect's) into rec;
 * stops at the first error. */
int rd_get_members(struct rctx *c, const jnode *const *slots, const char *const *keys,
		   const struct rd_member *rows, size_t n, void *rec);

/* The object at o, one member per row of r, into the record at rec. Every
 * row must be there but those added later (SK_FIELD_LATER), which files
 * from before them lack: those are left as they are. */
int rd_get_record(struct rctx *c, const jnode *o, const struct sk_record *r, void *rec);

#endif
