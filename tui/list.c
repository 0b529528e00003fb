#include <config.h>

#include "list.h"

size_t sk_list_step(size_t cursor, long delta, size_t n)
{
	size_t d = delta < 0 ? (size_t)-(delta + 1) + 1 : (size_t)delta;

	if (n == 0)
		return 0;
	if (delta < 0)
		cursor = d > cursor ? 0 : cursor - d;
	else
		cursor = cursor >= n || d >= n - 1 - cursor ? n - 1 : cursor + d;
	return cursor < n ? cursor : n - 1;
}

size_t sk_list_top(size_t cursor, size_t top, size_t n, size_t height)
{
	if (height == 0)
		return top;
	if (cursor < top)
		top = cursor;
	if (cursor >= top + height)
		top = cursor - height + 1;
	if (n <= height)
		return 0;
	return top > n - height ? n - height : top;
}

size_t sk_list_pager_top(size_t top, size_t n, size_t height)
{
	size_t maxtop = n > height ? n - height : 0;

	return top > maxtop ? maxtop : top;
}
