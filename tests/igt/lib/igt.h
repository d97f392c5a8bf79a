/* SPDX-License-Identifier: MIT */
/*
 * The part of IGT GPU Tools' test API (lib/igt_core.h) our dma-buf tests
 * use, for machines without an IGT tree (Debian bookworm packages libigt
 * without its headers). Same names, output lines and exit codes as IGT,
 * so igt_runner, piglit and people who know IGT read our results as
 * theirs:
 *
 *   Starting subtest: NAME              Subtest NAME: SUCCESS (0.012s)
 *   Starting dynamic subtest: NAME      Dynamic subtest NAME: FAIL (0.100s)
 *
 * Exit status: 0 when a subtest ran and none failed, 77 when every one
 * skipped, 98 when one failed, 79 for a --run-subtest that names none.
 * Options: --list-subtests, --run-subtest PATTERN[,PATTERN],
 * --dynamic-subtest PATTERN (fnmatch patterns), --debug.
 *
 * A failed igt_assert or igt_require leaves the innermost block it is in
 * (dynamic subtest, subtest or fixture) with a longjmp, as in IGT: clean-up
 * belongs in a later igt_fixture. A fixture that skips skips every subtest
 * after it; one that fails fails the binary and skips the rest.
 */
#ifndef IGT_H
#define IGT_H

#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/ioctl.h>

#define IGT_EXIT_SUCCESS	0
#define IGT_EXIT_SKIP		77
#define IGT_EXIT_INVALID	79
#define IGT_EXIT_FAILURE	98

extern sigjmp_buf __igt_jmp[3];	/* fixture or subtest, then dynamic */

void __igt_init(int argc, char **argv);
int __igt_fixture_begin(void);
void __igt_fixture_end(void);
int __igt_subtest_begin(const char *name, bool dynamic_container);
void __igt_subtest_end(void);
int __igt_dynamic_begin(const char *name);
void __igt_dynamic_end(void);
const char *__igt_name(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void __igt_assert_failed(const char *file, int line, const char *func,
			 const char *what, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 5, 6)));
void __igt_require_failed(const char *what, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));

void igt_exit(void) __attribute__((noreturn));
void igt_fail(int code) __attribute__((noreturn));
void igt_skip(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void igt_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void igt_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define __igt_cat2(a, b) a##b
#define __igt_cat(a, b) __igt_cat2(a, b)
#define __igt_once __igt_cat(__igt_once_, __LINE__)

#define igt_main \
	static void __igt_main_body(void); \
	int main(int argc, char **argv) \
	{ \
		__igt_init(argc, argv); \
		__igt_main_body(); \
		igt_exit(); \
	} \
	static void __igt_main_body(void)

/* A block run before, between or after subtests; not run for listing. */
#define igt_fixture \
	for (int __igt_once = __igt_fixture_begin(); \
	     __igt_once && sigsetjmp(__igt_jmp[0], 1) == 0; \
	     __igt_once = 0, __igt_fixture_end())

#define igt_subtest(name) \
	for (int __igt_once = __igt_subtest_begin((name), false); \
	     __igt_once && sigsetjmp(__igt_jmp[0], 1) == 0; \
	     __igt_once = 0, __igt_subtest_end())

#define igt_subtest_f(...) igt_subtest(__igt_name(__VA_ARGS__))

/* A subtest made of igt_dynamic blocks: it fails if one fails, skips if none ran. */
#define igt_subtest_with_dynamic(name) \
	for (int __igt_once = __igt_subtest_begin((name), true); \
	     __igt_once && sigsetjmp(__igt_jmp[0], 1) == 0; \
	     __igt_once = 0, __igt_subtest_end())

#define igt_subtest_with_dynamic_f(...) igt_subtest_with_dynamic(__igt_name(__VA_ARGS__))

#define igt_dynamic(name) \
	for (int __igt_once = __igt_dynamic_begin(name); \
	     __igt_once && sigsetjmp(__igt_jmp[1], 1) == 0; \
	     __igt_once = 0, __igt_dynamic_end())

#define igt_dynamic_f(...) igt_dynamic(__igt_name(__VA_ARGS__))

#define igt_assert(expr) \
	do { \
		if (!(expr)) \
			__igt_assert_failed(__FILE__, __LINE__, __func__, #expr, NULL); \
	} while (0)

#define igt_assert_f(expr, ...) \
	do { \
		if (!(expr)) \
			__igt_assert_failed(__FILE__, __LINE__, __func__, #expr, __VA_ARGS__); \
	} while (0)

#define __igt_assert_cmp(T, fmt, a, op, b) \
	do { \
		T __a = (a), __b = (b); \
		if (!(__a op __b)) \
			__igt_assert_failed(__FILE__, __LINE__, __func__, #a " " #op " " #b, \
					    "error: " fmt " " #op " " fmt " is false\n", \
					    __a, __b); \
	} while (0)

#define igt_assert_eq(a, b)	__igt_assert_cmp(int, "%d", a, ==, b)
#define igt_assert_neq(a, b)	__igt_assert_cmp(int, "%d", a, !=, b)
#define igt_assert_lt(a, b)	__igt_assert_cmp(int, "%d", a, <, b)
#define igt_assert_lte(a, b)	__igt_assert_cmp(int, "%d", a, <=, b)
#define igt_assert_eq_u32(a, b)	__igt_assert_cmp(uint32_t, "%#x", a, ==, b)
#define igt_assert_eq_u64(a, b)	__igt_assert_cmp(unsigned long long, "%#llx", a, ==, b)

#define igt_require(expr) \
	do { \
		if (!(expr)) \
			__igt_require_failed(#expr, NULL); \
	} while (0)

#define igt_require_f(expr, ...) \
	do { \
		if (!(expr)) \
			__igt_require_failed(#expr, __VA_ARGS__); \
	} while (0)

#define igt_skip_on(expr)		igt_require(!(expr))
#define igt_skip_on_f(expr, ...)	igt_require_f(!(expr), __VA_ARGS__)

/* ioctl() retried on EINTR and EAGAIN, as IGT's igt_ioctl(). */
int igt_ioctl(int fd, unsigned long request, void *arg);

#define do_ioctl(fd, req, arg)	igt_assert_eq(igt_ioctl((fd), (req), (arg)), 0)
#define do_ioctl_err(fd, req, arg, err) \
	do { \
		igt_assert_eq(igt_ioctl((fd), (req), (arg)), -1); \
		igt_assert_eq(errno, (err)); \
	} while (0)

/* lib/igt_kmod.c: a kernel module's selftests as dynamic subtests of "all-tests". */
void igt_kselftests(const char *module_name, const char *module_options,
		    const char *result_option, const char *filter);

#endif /* IGT_H */
