#include <config.h>

#include "util/vec.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

int sk_vec_reserve(void **items, size_t *cap, size_t want, size_t elem)
{
	size_t ncap;
	void *p;

	if (want <= *cap)
		return 0;
	ncap = *cap ? *cap : 16;
	while (ncap < want) {
		if (ncap > SIZE_MAX / 2)
			return -ENOMEM;
		ncap *= 2;
	}
	if (ncap > SIZE_MAX / elem)
		return -ENOMEM;
	p = realloc(*items, ncap * elem);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = ncap;
	return 0;
}
