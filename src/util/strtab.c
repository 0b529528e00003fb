#include <config.h>

#include "util/strtab.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/vec.h"

void sk_strtab_init(struct sk_strtab *t)
{
	t->buf = NULL;
	t->len = 0;
	t->cap = 0;
}

void sk_strtab_reset(struct sk_strtab *t)
{
	t->len = 0;
}

void sk_strtab_free(struct sk_strtab *t)
{
	free(t->buf);
	sk_strtab_init(t);
}

uint32_t sk_strtab_add(struct sk_strtab *t, const char *s, size_t len, int *rc)
{
	size_t off;

	if (rc)
		*rc = 0;
	if (len == 0)
		return 0;
	/* Offsets are 32-bit: a table that large means something is badly wrong. */
	if (t->len + len + 2 > UINT32_MAX ||
	    sk_vec_reserve((void **)&t->buf, &t->cap, t->len + len + 2, 1)) {
		if (rc)
			*rc = -ENOMEM;
		return 0;
	}
	if (t->len == 0)
		t->buf[t->len++] = '\0'; /* offset 0: the empty string */
	off = t->len;
	memcpy(t->buf + off, s, len);
	t->buf[off + len] = '\0';
	t->len += len + 1;
	return (uint32_t)off;
}
