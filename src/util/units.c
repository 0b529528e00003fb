#include <config.h>

#include "util/units.h"

#include <stdio.h>

char *sk_format_bytes(uint64_t bytes, char *buf, size_t size)
{
	static const char suffix[] = "KMGTPE";
	double v = (double)bytes;
	int unit = -1;

	if (bytes < 1000) {
		snprintf(buf, size, "%u", (unsigned)bytes);
		return buf;
	}
	/* 1000..1023 would print as "1000" and overflow the column: go up. */
	do {
		v /= 1024;
		unit++;
	} while (v >= 1000 && unit < 5);
	if (v < 9.95)
		snprintf(buf, size, "%.1f%c", v, suffix[unit]);
	else
		snprintf(buf, size, "%.0f%c", v, suffix[unit]);
	return buf;
}
