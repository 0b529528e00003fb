/* The leak and load generators' command lines, as a table: each option's
 * name, where its value goes and the range it must fall in. One parser
 * checks every value the same way (a whole number or decimal, in range)
 * instead of each generator switching over getopt_long by hand. */
#ifndef SKTOP_TEST_OPTTAB_H
#define SKTOP_TEST_OPTTAB_H

#include <stddef.h>

enum ot_kind {
	OT_FLAG,   /* bool, set by its presence */
	OT_INT,    /* int */
	OT_LONG,   /* long */
	OT_DOUBLE, /* double */
	OT_RANGE,  /* int[2], "LO-HI", each in [lo, hi] and LO < HI */
};

struct ot_opt {
	const char *name; /* --name, or NULL for a short option only */
	char shortopt;    /* -c, or 0 */
	enum ot_kind kind;
	void *dst;
	double lo, hi; /* inclusive bounds of a value */
};

/* Parses argv into the table's destinations (defaults are what they hold
 * before). Returns 0, or -1 after saying on stderr, as prog, which option
 * or value is wrong. */
int ot_parse(const char *prog, int argc, char **argv, const struct ot_opt *opts, size_t n);

#endif
