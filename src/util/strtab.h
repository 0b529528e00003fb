/* Append-only string table: variable-length strings (cmdlines, unix paths)
 * live here so the fixed-size rows stay small and tables can be reused
 * across refreshes without per-string allocations. Offset 0 is the empty
 * string, so a zeroed row means "no string". */
#ifndef SKTOP_STRTAB_H
#define SKTOP_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct sk_strtab {
	char *buf;
	size_t len; /* bytes used, including the leading NUL */
	size_t cap;
};

void sk_strtab_init(struct sk_strtab *t);
void sk_strtab_reset(struct sk_strtab *t); /* keeps the allocation */
void sk_strtab_free(struct sk_strtab *t);

/* Copies len bytes (NUL-terminated in the table). Returns the offset, or 0
 * (the empty string) with -ENOMEM in *rc when memory runs out. */
uint32_t sk_strtab_add(struct sk_strtab *t, const char *s, size_t len, int *rc);

static inline const char *sk_strtab_get(const struct sk_strtab *t, uint32_t off)
{
	return (t->buf && off < t->len) ? t->buf + off : "";
}

#endif
