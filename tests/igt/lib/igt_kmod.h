/* SPDX-License-Identifier: MIT */
/* The part of IGT's lib/igt_kmod.h our tests use (see igt_core.h). */
#ifndef IGT_KMOD_H
#define IGT_KMOD_H

#include <libkmod.h>

/*
 * Runs the selftests of @module_name (module parameters igt__<N>__<name>)
 * as dynamic subtests of "all-tests", each by loading the module with its
 * parameter and @module_options set. @filter (NULL: all) keeps the
 * selftests whose name starts with it and, as in IGT, names the subtest
 * instead of "all-tests" and is left out of the dynamic subtests' names.
 * @result_option names the parameter through which a module reports a
 * result other than by failing its load; this harness runs only modules
 * that report through the load, and ignores it.
 */
void igt_kselftests(const char *module_name,
		    const char *module_options,
		    const char *result_option,
		    const char *filter);

#endif /* IGT_KMOD_H */
