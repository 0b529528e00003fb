/* One main for every cmocka suite whose main only runs its tests.
 *
 *	SK_SUITE_MAIN(group_setup, group_teardown,
 *		cmocka_unit_test(test_a),
 *		cmocka_unit_test_setup_teardown(test_b, setup, teardown))
 *
 * The array keeps the name `tests`: cmocka prints it as the group's name,
 * and the logs and TAP output of every suite say it so. A suite whose main
 * decides whether to run at all, or cleans up after its tests, writes its
 * own main. */
#ifndef SKTOP_TEST_SUITE_H
#define SKTOP_TEST_SUITE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define SK_SUITE_MAIN(group_setup, group_teardown, ...)                              \
	SK_SUITE_MAIN_PREPARE((void)0, group_setup, group_teardown, __VA_ARGS__)

/* The same main for a suite that must first prepare the process it runs in
 * (prepare: one expression, evaluated once before the first test). */
#define SK_SUITE_MAIN_PREPARE(prepare, group_setup, group_teardown, ...)               \
	int main(void)                                                               \
	{                                                                            \
		const struct CMUnitTest tests[] = {__VA_ARGS__};                      \
                                                                                     \
		prepare;                                                             \
		if (getenv("SK_TEST_FILTER"))                                        \
			cmocka_set_test_filter(getenv("SK_TEST_FILTER"));            \
		return cmocka_run_group_tests(tests, group_setup, group_teardown);   \
	}

/* A NULL-ended list of strings: for sk_assert_has and sk_assert_lacks, or an
 * argument vector. */
#define SK_STRS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Every string of the list is somewhere in text; a failure names it. */
static inline void sk_assert_has(const char *text, const char *const *strs)
{
	for (; *strs; strs++)
		if (!strstr(text, *strs))
			fail_msg("'%s' is missing from:\n%s", *strs, text);
}

/* No string of the list is anywhere in text; a failure names it. */
static inline void sk_assert_lacks(const char *text, const char *const *strs)
{
	for (; *strs; strs++)
		if (strstr(text, *strs))
			fail_msg("'%s' should not be in:\n%s", *strs, text);
}

#endif
