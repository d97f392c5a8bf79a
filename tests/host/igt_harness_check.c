// SPDX-License-Identifier: MIT
/*
 * A test program on tests/igt/lib, the IGT-compatible harness, for
 * test_igt_harness.py: one subtest per outcome, a dynamic subtest with a
 * passing and a failing part, and a fixture that fails when asked to
 * (IGT_CHECK_FIXTURE_FAILS in the environment), before a last subtest.
 */
#include <stdlib.h>

#include "igt_core.h"

igt_main
{
	igt_describe("Holds.");
	igt_subtest("pass")
		igt_assert_eq(1, 1);

	igt_describe("Does not hold.");
	igt_subtest("fail")
		igt_assert_eq(1, 2);

	igt_subtest("skip")
		igt_require(0);

	igt_subtest_with_dynamic("dynamic") {
		igt_dynamic("holds")
			igt_assert(1);
		igt_dynamic("fails")
			igt_assert(0);
	}

	igt_fixture
		igt_assert(!getenv("IGT_CHECK_FIXTURE_FAILS"));

	igt_subtest("after-fixture")
		igt_assert(1);
}
