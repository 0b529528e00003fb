#include <config.h>

#include "hunits.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util/units.h"
#include "collect/sysinfo.h"

char *sk_tui_fmt_count(uint64_t n, int width, char *buf, size_t size)
{
	static const char suffix[] = "kMGTPE";
	double v = (double)n;
	int unit = -1;

	if (width < 3)
		width = 3;
	if (snprintf(buf, size, "%llu", (unsigned long long)n) <= width)
		return buf;
	while (unit < 5) {
		v /= 1000;
		unit++;
		/* One decimal when it still fits and says something. */
		if (v < 9.95 && width >= 4) {
			snprintf(buf, size, "%.1f%c", v, suffix[unit]);
			return buf;
		}
		if (v < 999.5 || (v < 9999.5 && width >= 5)) {
			snprintf(buf, size, "%.0f%c", v, suffix[unit]);
			if ((int)strlen(buf) <= width)
				return buf;
		}
	}
	snprintf(buf, size, "%.0f%c", v, suffix[unit]);
	return buf;
}

/* Whole seconds of a minute or more: "12m30s", "2h05m", "3d04h"; from
 * `days_only` days on, "100d". */
static void fmt_minutes(uint64_t s, uint64_t days_only, char *buf, size_t size)
{
	if (s < 3600)
		snprintf(buf, size, "%llum%02llus", (unsigned long long)(s / 60),
			 (unsigned long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, size, "%lluh%02llum", (unsigned long long)(s / 3600),
			 (unsigned long long)(s % 3600 / 60));
	else if (s < days_only * 86400)
		snprintf(buf, size, "%llud%02lluh", (unsigned long long)(s / 86400),
			 (unsigned long long)(s % 86400 / 3600));
	else
		snprintf(buf, size, "%llud", (unsigned long long)(s / 86400));
}

char *sk_tui_fmt_ms(uint64_t ms, char *buf, size_t size)
{
	uint64_t s = ms / 1000;

	if (ms < 1000)
		snprintf(buf, size, "%llums", (unsigned long long)ms);
	else if (ms < 9950)
		snprintf(buf, size, "%.1fs", (double)ms / 1000);
	else if (s < 60)
		snprintf(buf, size, "%llus", (unsigned long long)((ms + 500) / 1000));
	else
		fmt_minutes(s, 100, buf, size);
	return buf;
}

char *sk_tui_fmt_age(int64_t ms, bool estimated, char *buf, size_t size)
{
	char t[24];

	if (ms < 0) {
		snprintf(buf, size, "-");
		return buf;
	}
	uint64_t s = (uint64_t)ms / 1000;

	/* Rounded down: an age is at least what it says, an estimate more so.
	 * From ten days on, days alone: "12d04h" would not fit six columns. */
	if (s < 60)
		snprintf(t, sizeof(t), "%llus", (unsigned long long)s);
	else
		fmt_minutes(s, 10, t, sizeof(t));
	snprintf(buf, size, "%s%s", estimated ? "~" : "", t);
	return buf;
}

char *sk_tui_fmt_rate(double per_min, bool bytes, char *buf, size_t size)
{
	double a = per_min < 0 ? -per_min : per_min;
	char sign = per_min < 0 ? '-' : '+', num[24];

	if (!isfinite(a)) {
		snprintf(buf, size, "?");
		return buf;
	}
	/* Under one a minute only counts get a decimal: half a byte means nothing. */
	if (bytes ? a < 0.5 : a < 0.05) {
		snprintf(buf, size, "0");
		return buf;
	}
	if (!bytes && a < 9.95) {
		snprintf(buf, size, "%c%.1f", sign, a);
		return buf;
	}
	/* 1e18 keeps the conversion defined whatever the history holds. */
	uint64_t n = a >= 1e18 ? (uint64_t)1e18 : (uint64_t)(a + 0.5);

	if (bytes)
		sk_format_bytes(n, num, sizeof(num));
	else
		sk_tui_fmt_count(n, 4, num, sizeof(num));
	snprintf(buf, size, "%c%s", sign, num);
	return buf;
}

int sk_tui_percent(int64_t value, int64_t limit)
{
	double p;

	if (value < 0 || limit <= 0)
		return -1;
	/* In floating point: limits like file-max are LONG_MAX. */
	p = (double)value * 100.0 / (double)limit;
	return p >= 999.0 ? 999 : (int)p;
}

const char *sk_tui_bytes(uint64_t b, char *buf)
{
	return sk_format_bytes(b, buf, SK_TUI_NUM);
}

const char *sk_tui_count(uint64_t n, int width, char *buf)
{
	return sk_tui_fmt_count(n, width, buf, SK_TUI_NUM);
}

const char *sk_tui_limit(int64_t v, char *buf)
{
	if (v == SK_UNKNOWN)
		return "?";
	if (v >= (int64_t)1 << 60)
		return "max";
	return sk_tui_count((uint64_t)v, 7, buf);
}

const char *sk_tui_amount(int64_t v, bool is_bytes, char *buf)
{
	if (v < 0)
		v = 0;
	return is_bytes ? sk_tui_bytes((uint64_t)v, buf) : sk_tui_count((uint64_t)v, 7, buf);
}
