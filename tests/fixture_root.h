/* Where the committed fixture trees are: $SKTOP_SRCDIR/tests/fixtures when
 * make check runs us, else next to this file (a test run by hand). */
#ifndef SKTOP_TEST_FIXTURE_ROOT_H
#define SKTOP_TEST_FIXTURE_ROOT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static inline void fixture_root(const char *sub, char *out, size_t size)
{
	const char *src = getenv("SKTOP_SRCDIR");

	if (src && *src) {
		snprintf(out, size, "%s/tests/fixtures/%s", src, sub);
	} else {
		const char *file = __FILE__, *slash = strrchr(file, '/');

		snprintf(out, size, "%.*s/fixtures/%s", slash ? (int)(slash - file) : 1,
			 slash ? file : ".", sub);
	}
}

#endif
