/* SPDX-License-Identifier: MIT */
/*
 * The part of IGT GPU Tools' lib/igt_core.h our dma-buf tests use, for
 * machines without an IGT tree (Debian bookworm packages libigt without
 * its headers). Every name below is IGT's, with IGT's parameters, types
 * and meaning, so a test written against this file builds unchanged
 * against IGT's own headers (make IGT=...). Output lines and exit codes
 * are IGT's too, so igt_runner, piglit and people who know IGT read our
 * results as theirs:
 *
 *   Starting subtest: NAME              Subtest NAME: SUCCESS (0.012s)
 *   Starting dynamic subtest: NAME      Dynamic subtest NAME: FAIL (0.100s)
 *
 * Exit status: 0 when a subtest ran and none failed, 77 when every one
 * skipped, 98 when one failed, 79 for a --run-subtest (or --describe)
 * that names none. Options: --list-subtests, --describe[=PATTERN] (each
 * subtest's igt_describe() text, in IGT's format), --run-subtest
 * PATTERN[,PATTERN], --dynamic-subtest PATTERN (fnmatch patterns), --debug.
 *
 * As in IGT, every block (fixture, subtest, dynamic subtest) is left with
 * a siglongjmp once its result is known, success included: a local
 * variable written in a block and read after it must be static or
 * volatile, and clean-up belongs in a later igt_fixture. After a fixture
 * that skips, every later subtest and fixture is skipped; after one that
 * fails, every later subtest fails without running, and later fixtures are
 * skipped.
 */
#ifndef IGT_CORE_H
#define IGT_CORE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef IGT_LOG_DOMAIN
#define IGT_LOG_DOMAIN (NULL)
#endif

#define IGT_EXIT_SKIP		77
#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_FAILURE	98

#define igt_tokencat(x, y)	__igt_tokencat2(x, y)
#define __igt_tokencat2(x, y)	x ## y
/* An identifier of its own for each use of a macro on a different line. */
#define igt_unique(prefix)	igt_tokencat(igt_tokencat(__igt_unique__, prefix), __LINE__)

/* Where a fixture or subtest, and a dynamic subtest, is left for. */
extern jmp_buf igt_subtest_jmpbuf;
extern jmp_buf igt_dynamic_jmpbuf;

bool __igt_fixture(void);
void __igt_fixture_complete(void);
__attribute__((noreturn)) void __igt_fixture_end(void);

/* Set-up or clean-up run before, between or after subtests; not when listing. */
#define igt_fixture \
	for (int igt_unique(__fixture) = __igt_fixture(); \
	     igt_unique(__fixture) && sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_unique(__fixture) = 0, __igt_fixture_complete())

/* Returns IGT_OPT_HANDLER_SUCCESS, or IGT_OPT_HANDLER_ERROR for a bad argument. */
typedef int (*igt_opt_handler_t)(int opt, int opt_index, void *data);
#define IGT_OPT_HANDLER_SUCCESS	0
#define IGT_OPT_HANDLER_ERROR	-2

struct option;
int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data);

bool __igt_run_subtest(const char *subtest_name, const char *file, const int line);
bool __igt_enter_dynamic_container(void);
bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name);

#define igt_subtest(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

/* A subtest named by a format; ENTER runs once the name is chosen. */
#define __igt_subtest_f(tmp, enter, ...) \
	for (char tmp[256]; \
	     snprintf(tmp, sizeof(tmp), __VA_ARGS__), \
	     __igt_run_subtest(tmp, __FILE__, __LINE__) && (enter) && \
	     sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define igt_subtest_f(...) __igt_subtest_f(igt_unique(__name), true, __VA_ARGS__)

/* A subtest made of igt_dynamic blocks: it fails if one fails, skips if none ran. */
#define igt_subtest_with_dynamic(name) \
	for (; __igt_run_subtest((name), __FILE__, __LINE__) && \
	       __igt_enter_dynamic_container() && \
	       sigsetjmp(igt_subtest_jmpbuf, 1) == 0; \
	     igt_success())

#define igt_subtest_with_dynamic_f(...) \
	__igt_subtest_f(igt_unique(__name), __igt_enter_dynamic_container(), __VA_ARGS__)

#define igt_dynamic(name) \
	for (; __igt_run_dynamic_subtest((name)) && \
	       sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())

#define igt_dynamic_f(...) \
	for (char igt_unique(__name)[256]; \
	     snprintf(igt_unique(__name), sizeof(igt_unique(__name)), __VA_ARGS__), \
	     __igt_run_dynamic_subtest(igt_unique(__name)) && \
	     sigsetjmp(igt_dynamic_jmpbuf, 1) == 0; \
	     igt_success())

#define igt_main_args(short_opts, long_opts, help_str, opt_handler, handler_data) \
	static void igt_unique(__main_body)(void); \
	int main(int argc, char **argv) \
	{ \
		igt_subtest_init_parse_opts(&argc, argv, (short_opts), (long_opts), \
					    (help_str), (opt_handler), (handler_data)); \
		igt_unique(__main_body)(); \
		igt_exit(); \
	} \
	static void igt_unique(__main_body)(void)

#define igt_main igt_main_args(NULL, NULL, NULL, NULL, NULL)

__attribute__((noreturn, format(printf, 1, 2)))
void igt_skip(const char *f, ...);
__attribute__((noreturn, format(printf, 5, 6)))
void __igt_skip_check(const char *file, const int line,
		      const char *func, const char *check,
		      const char *format, ...);
#define igt_skip_check(E, ...) \
	__igt_skip_check(__FILE__, __LINE__, __func__, (E), __VA_ARGS__)

/* Ends the current (dynamic) subtest as passed; outside one, does nothing. */
void igt_success(void);
__attribute__((noreturn)) void igt_fail(int exitcode);
__attribute__((noreturn, format(printf, 6, 7)))
void __igt_fail_assert(const char *domain, const char *file,
		       const int line, const char *func, const char *assertion,
		       const char *format, ...);
__attribute__((noreturn)) void igt_exit(void);

/*
 * Describes the next igt_subtest: what it checks, for --describe, which
 * prints it under the subtest's name; a run or a listing ignores it.
 */
__attribute__((format(printf, 1, 2)))
void igt_describe_f(const char *fmt, ...);
#define igt_describe(dsc)	igt_describe_f("%s", (dsc))

#define igt_assert(expr) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
					  #expr, NULL); \
	} while (0)

#define igt_assert_f(expr, ...) \
	do { \
		if (!(expr)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
					  #expr, __VA_ARGS__); \
	} while (0)

#define igt_fail_on(expr)		igt_assert(!(expr))
#define igt_fail_on_f(expr, ...)	igt_assert_f(!(expr), __VA_ARGS__)

/*
 * n1 cmp n2, compared as int, uint32_t or uint64_t; ncmp is the opposite
 * comparison (IGT prints it on failure, this harness prints cmp). One
 * body: TYPE the operands are read as, FMT one operand's format, CAST what
 * it is printed as.
 */
#define __igt_assert_cmp(type, fmt, cast, n1, cmp, n2) \
	do { \
		type __n1 = (n1), __n2 = (n2); \
		if (!(__n1 cmp __n2)) \
			__igt_fail_assert(IGT_LOG_DOMAIN, __FILE__, __LINE__, __func__, \
					  #n1 " " #cmp " " #n2, \
					  "error: " fmt " " #cmp " " fmt " is false\n", \
					  (cast)__n1, (cast)__n2); \
	} while (0)

#define igt_assert_cmpint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(int, "%d", int, n1, cmp, n2)
#define igt_assert_cmpuint(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(uint32_t, "%#x", unsigned int, n1, cmp, n2)
#define igt_assert_cmpu64(n1, cmp, ncmp, n2) \
	__igt_assert_cmp(uint64_t, "%#llx", unsigned long long, n1, cmp, n2)

#define igt_assert_eq(n1, n2)		igt_assert_cmpint(n1, ==, !=, n2)
#define igt_assert_neq(n1, n2)		igt_assert_cmpint(n1, !=, ==, n2)
#define igt_assert_lt(n1, n2)		igt_assert_cmpint(n1, <, >=, n2)
#define igt_assert_lte(n1, n2)		igt_assert_cmpint(n1, <=, >, n2)
#define igt_assert_eq_u32(n1, n2)	igt_assert_cmpuint(n1, ==, !=, n2)
#define igt_assert_eq_u64(n1, n2)	igt_assert_cmpu64(n1, ==, !=, n2)

#define igt_require(expr) \
	do { \
		if (!(expr)) \
			igt_skip_check(#expr, NULL); \
	} while (0)

#define igt_require_f(expr, ...) \
	do { \
		if (!(expr)) \
			igt_skip_check(#expr, __VA_ARGS__); \
	} while (0)

#define igt_skip_on(expr) \
	do { \
		if ((expr)) \
			igt_skip_check("!(" #expr ")", NULL); \
	} while (0)

#define igt_skip_on_f(expr, ...) \
	do { \
		if ((expr)) \
			igt_skip_check("!(" #expr ")", __VA_ARGS__); \
	} while (0)

enum igt_log_level {
	IGT_LOG_DEBUG,
	IGT_LOG_INFO,
	IGT_LOG_WARN,
	IGT_LOG_CRITICAL,
	IGT_LOG_NONE,
};

/* INFO goes to stdout as it is, DEBUG too with --debug only, the rest to stderr. */
__attribute__((format(printf, 3, 4)))
void igt_log(const char *domain, enum igt_log_level level, const char *format, ...);
__attribute__((format(printf, 3, 0)))
void igt_vlog(const char *domain, enum igt_log_level level, const char *format,
	      va_list args);

#define igt_debug(...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_DEBUG, __VA_ARGS__)
#define igt_info(...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_INFO, __VA_ARGS__)
#define igt_warn(...)		igt_log(IGT_LOG_DOMAIN, IGT_LOG_WARN, __VA_ARGS__)
#define igt_critical(...)	igt_log(IGT_LOG_DOMAIN, IGT_LOG_CRITICAL, __VA_ARGS__)

#endif /* IGT_CORE_H */
