/* One main for every cmocka suite whose main only runs its tests.
 *
 *	SK_SUITE_MAIN(group_setup, group_teardown,
 *		cmocka_unit_test(test_a),
 *		cmocka_unit_test_setup_teardown(test_b, setup, teardown))
 *
 * The array keeps the name `tests`: cmocka prints it as the group's name,
 * and the logs and TAP output of every suite say it so. A suite whose main
 * does more (a lock, a namespace, a locale, a directory to clean up)
 * writes its own main. */
#ifndef SKTOP_TEST_SUITE_H
#define SKTOP_TEST_SUITE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define SK_SUITE_MAIN(group_setup, group_teardown, ...)                              \
	int main(void)                                                               \
	{                                                                            \
		const struct CMUnitTest tests[] = {__VA_ARGS__};                      \
		return cmocka_run_group_tests(tests, group_setup, group_teardown);   \
	}

#endif
