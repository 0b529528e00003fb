#include <config.h>

#include "opttab.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OT_MAX = 32, OT_LONG_BASE = 256 };

static bool number(const char *s, const struct ot_opt *o, double *v)
{
	char *end;

	errno = 0;
	if (o->kind == OT_DOUBLE)
		*v = strtod(s, &end);
	else
		*v = (double)strtol(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && *v >= o->lo && *v <= o->hi;
}

/* "LO-HI" into dst[0], dst[1]. */
static bool store_range(const struct ot_opt *o, const char *arg)
{
	const char *dash = arg[0] ? strchr(arg + 1, '-') : NULL;
	char lo[32];
	double v, w;

	if (!dash || (size_t)(dash - arg) >= sizeof(lo))
		return false;
	snprintf(lo, sizeof(lo), "%.*s", (int)(dash - arg), arg);
	if (!number(lo, o, &v) || !number(dash + 1, o, &w) || v >= w)
		return false;
	((int *)o->dst)[0] = (int)v;
	((int *)o->dst)[1] = (int)w;
	return true;
}

static bool store(const struct ot_opt *o, const char *arg)
{
	double v;

	if (o->kind == OT_FLAG) {
		*(bool *)o->dst = true;
		return true;
	}
	if (o->kind == OT_RANGE)
		return store_range(o, arg);
	if (!number(arg, o, &v))
		return false;
	if (o->kind == OT_INT)
		*(int *)o->dst = (int)v;
	else if (o->kind == OT_LONG)
		*(long *)o->dst = (long)v;
	else
		*(double *)o->dst = v;
	return true;
}

int ot_parse(const char *prog, int argc, char **argv, const struct ot_opt *opts, size_t n)
{
	struct option longs[OT_MAX + 1] = {{0}};
	char shorts[2 * OT_MAX + 1] = "";
	size_t nl = 0, ns = 0;
	int c;

	if (n > OT_MAX) {
		fprintf(stderr, "%s: too many options for the table\n", prog);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		int has_arg = opts[i].kind == OT_FLAG ? no_argument : required_argument;

		if (opts[i].name)
			longs[nl++] = (struct option){.name = opts[i].name, .has_arg = has_arg,
						      .val = OT_LONG_BASE + (int)i};
		if (opts[i].shortopt) {
			shorts[ns++] = opts[i].shortopt;
			if (has_arg == required_argument)
				shorts[ns++] = ':';
		}
	}
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		const struct ot_opt *o = NULL;

		if (c >= OT_LONG_BASE)
			o = &opts[c - OT_LONG_BASE];
		for (size_t i = 0; !o && c != '?' && i < n; i++)
			if (opts[i].shortopt == c)
				o = &opts[i];
		if (!o)
			return -1; /* getopt_long has said why */
		if (!store(o, optarg)) {
			fprintf(stderr, "%s: bad value for %s%s: %s\n", prog, o->name ? "--" : "-",
				o->name ? o->name : (char[]){o->shortopt, '\0'}, optarg);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument %s\n", prog, argv[optind]);
		return -1;
	}
	return 0;
}
