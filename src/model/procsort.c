#include <config.h>

#include "model/procsort.h"

#include <stdlib.h>
#include <string.h>

int sk_sort_key_parse(const char *name)
{
	for (int i = 0; i < SK_SORT_LAST; i++)
		if (strcmp(name, sk_proc_fields[i].name) == 0)
			return i;
	return -1;
}

uint64_t sk_proc_closed(const struct sk_process *p)
{
	return sk_field_value(&sk_proc_fields[SK_SORT_CLOSED], p);
}

uint64_t sk_proc_sort_value(const struct sk_process *p, enum sk_sort_key key)
{
	return key < SK_SORT_LAST ? sk_field_value(&sk_proc_fields[key], p) : 0;
}

int sk_proc_compare(const struct sk_process *a, const struct sk_process *b,
		    enum sk_sort_key key, bool invert)
{
	uint64_t va = sk_proc_sort_value(a, key), vb = sk_proc_sort_value(b, key);
	bool descending = sk_proc_fields[key].descending != invert;

	if (va != vb) {
		int c = va < vb ? -1 : 1;

		return descending ? -c : c;
	}
	return a->pid < b->pid ? -1 : a->pid > b->pid;
}

struct sort_ctx {
	const struct sk_process *procs;
	enum sk_sort_key key;
	bool invert;
};

static int compare_indices(const void *pa, const void *pb, void *arg)
{
	const struct sort_ctx *c = arg;

	return sk_proc_compare(&c->procs[*(const uint32_t *)pa], &c->procs[*(const uint32_t *)pb],
			       c->key, c->invert);
}

void sk_proc_sort(const struct sk_process *procs, uint32_t *idx, size_t n,
		  enum sk_sort_key key, bool invert)
{
	struct sort_ctx c = {procs, key, invert};

	sk_qsort_r(idx, n, sizeof(*idx), compare_indices, &c);
}
