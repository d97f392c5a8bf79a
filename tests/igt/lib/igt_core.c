// SPDX-License-Identifier: MIT
/*
 * Subtest bookkeeping of the IGT-compatible harness (igt.h says what it
 * promises). One block runs at a time: a fixture or a subtest, and inside
 * a subtest with dynamic parts one dynamic subtest.
 */
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "igt.h"

sigjmp_buf __igt_jmp[3];

enum block { NONE, FIXTURE, SUBTEST, DYNAMIC };

static const char *prog;
static bool listing, debugging;
static char *run_filter, *dyn_filter;
static bool filter_matched;
static const char *skip_rest;		/* why later subtests skip */
static bool failed, passed;
static enum block in;
static char subtest[256], dynamic[256];
static struct timespec subtest_start, dynamic_start;
static bool container, dyn_ran, dyn_failed;

/* Mark the kernel log as IGT does, so a runner can split it per subtest. */
static void kmsg(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int fd, n;

	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = snprintf(line, sizeof(line), "[IGT] %s: ", prog);
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	if (write(fd, line, strlen(line)) < 0)
		igt_debug("/dev/kmsg: %s\n", strerror(errno));
	close(fd);
}

static double since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t->tv_sec) + (now.tv_nsec - t->tv_nsec) / 1e9;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: %s [OPTIONS]\n"
		"  --list-subtests\n"
		"  --run-subtest <pattern>[,<pattern>...]\n"
		"  --dynamic-subtest <pattern>[,<pattern>...]\n"
		"  --debug\n"
		"  --help\n", prog);
}

void __igt_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "list-subtests", no_argument, NULL, 'l' },
		{ "run-subtest", required_argument, NULL, 'r' },
		{ "dynamic-subtest", required_argument, NULL, 'd' },
		{ "debug", no_argument, NULL, 'D' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int c;

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listing = true;
			break;
		case 'r':
			run_filter = optarg;
			break;
		case 'd':
			dyn_filter = optarg;
			break;
		case 'D':
			debugging = true;
			break;
		case 'h':
			usage(stdout);
			exit(IGT_EXIT_SUCCESS);
		default:
			usage(stderr);
			exit(IGT_EXIT_INVALID);
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument %s\n", prog, argv[optind]);
		usage(stderr);
		exit(IGT_EXIT_INVALID);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
}

/* Does @name match one of the comma-separated fnmatch patterns of @filter? */
static bool matches(const char *filter, const char *name)
{
	char buf[512], *save = NULL, *pat;

	if (!filter)
		return true;
	snprintf(buf, sizeof(buf), "%s", filter);
	for (pat = strtok_r(buf, ",", &save); pat; pat = strtok_r(NULL, ",", &save))
		if (!fnmatch(pat, name, 0))
			return true;
	return false;
}

const char *__igt_name(const char *fmt, ...)
{
	static char name[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	return name;
}

int __igt_fixture_begin(void)
{
	if (listing || skip_rest)
		return 0;
	in = FIXTURE;
	return 1;
}

void __igt_fixture_end(void)
{
	in = NONE;
}

static void subtest_result(const char *result)
{
	printf("Subtest %s: %s (%.3fs)\n", subtest, result, since(&subtest_start));
	fflush(stderr);
	in = NONE;
}

int __igt_subtest_begin(const char *name, bool dynamic_container)
{
	if (listing) {
		printf("%s\n", name);
		return 0;
	}
	if (!matches(run_filter, name))
		return 0;
	filter_matched = true;
	snprintf(subtest, sizeof(subtest), "%s", name);
	clock_gettime(CLOCK_MONOTONIC, &subtest_start);
	printf("Starting subtest: %s\n", subtest);
	kmsg("starting subtest %s\n", subtest);
	if (skip_rest) {
		printf("Subtest %s: SKIP (0.000s)\n", subtest);
		return 0;
	}
	in = SUBTEST;
	container = dynamic_container;
	dyn_ran = dyn_failed = false;
	return 1;
}

void __igt_subtest_end(void)
{
	if (container && dyn_failed) {
		failed = true;
		subtest_result("FAIL");
	} else if (container && !dyn_ran) {
		subtest_result("SKIP");
	} else {
		passed = true;
		subtest_result("SUCCESS");
	}
}

int __igt_dynamic_begin(const char *name)
{
	if (in != SUBTEST || !container) {
		fprintf(stderr, "%s: igt_dynamic(%s) outside igt_subtest_with_dynamic\n",
			prog, name);
		exit(IGT_EXIT_INVALID);
	}
	if (!matches(dyn_filter, name))
		return 0;
	snprintf(dynamic, sizeof(dynamic), "%s", name);
	clock_gettime(CLOCK_MONOTONIC, &dynamic_start);
	printf("Starting dynamic subtest: %s\n", dynamic);
	kmsg("starting dynamic subtest %s\n", dynamic);
	in = DYNAMIC;
	return 1;
}

static void dynamic_result(const char *result)
{
	printf("Dynamic subtest %s: %s (%.3fs)\n", dynamic, result, since(&dynamic_start));
	fflush(stderr);
	in = SUBTEST;
}

void __igt_dynamic_end(void)
{
	dyn_ran = true;
	dynamic_result("SUCCESS");
}

void igt_fail(int code)
{
	switch (in) {
	case DYNAMIC:
		dyn_ran = dyn_failed = true;
		dynamic_result("FAIL");
		siglongjmp(__igt_jmp[1], 1);
	case SUBTEST:
		failed = true;
		subtest_result("FAIL");
		siglongjmp(__igt_jmp[0], 1);
	case FIXTURE:
		failed = true;
		skip_rest = "a fixture failed";
		in = NONE;
		siglongjmp(__igt_jmp[0], 1);
	case NONE:
		break;
	}
	exit(code);
}

void __igt_assert_failed(const char *file, int line, const char *func,
			 const char *what, const char *fmt, ...)
{
	int pid = getpid();
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "(%s:%d) CRITICAL: Test assertion failure function %s, file %s:%d:\n",
		prog, pid, func, file, line);
	fprintf(stderr, "(%s:%d) CRITICAL: Failed assertion: %s\n", prog, pid, what);
	if (errno)
		fprintf(stderr, "(%s:%d) CRITICAL: Last errno: %d, %s\n", prog, pid, errno,
			strerror(errno));
	if (fmt) {
		fprintf(stderr, "(%s:%d) CRITICAL: ", prog, pid);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	igt_fail(IGT_EXIT_FAILURE);
}

static void vskip(const char *fmt, va_list ap)
{
	if (fmt)
		vprintf(fmt, ap);
	switch (in) {
	case DYNAMIC:
		dynamic_result("SKIP");
		siglongjmp(__igt_jmp[1], 1);
	case SUBTEST:
		subtest_result("SKIP");
		siglongjmp(__igt_jmp[0], 1);
	case FIXTURE:
		skip_rest = "a fixture's requirement was not met";
		in = NONE;
		siglongjmp(__igt_jmp[0], 1);
	case NONE:
		break;
	}
	skip_rest = "a requirement was not met";
	igt_exit();
}

void igt_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vskip(fmt, ap);
	va_end(ap);
	__builtin_unreachable();
}

void __igt_require_failed(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("Test requirement not met in %s: %s\n", in == NONE ? "main" :
	       in == FIXTURE ? "a fixture" : in == SUBTEST ? subtest : dynamic, what);
	va_start(ap, fmt);
	vskip(fmt, ap);
	va_end(ap);
	__builtin_unreachable();
}

void igt_exit(void)
{
	if (listing)
		exit(IGT_EXIT_SUCCESS);
	if (run_filter && !filter_matched) {
		fprintf(stderr, "%s: no subtest matches %s\n", prog, run_filter);
		exit(IGT_EXIT_INVALID);
	}
	exit(failed ? IGT_EXIT_FAILURE : passed ? IGT_EXIT_SUCCESS : IGT_EXIT_SKIP);
}

static void vlog(FILE *f, const char *level, const char *fmt, va_list ap)
{
	if (level)
		fprintf(f, "(%s:%d) %s: ", prog, getpid(), level);
	vfprintf(f, fmt, ap);
}

void igt_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stdout, NULL, fmt, ap);
	va_end(ap);
}

void igt_debug(const char *fmt, ...)
{
	va_list ap;

	if (!debugging)
		return;
	va_start(ap, fmt);
	vlog(stdout, "DEBUG", fmt, ap);
	va_end(ap);
}

void igt_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(stderr, "WARNING", fmt, ap);
	va_end(ap);
}

int igt_ioctl(int fd, unsigned long request, void *arg)
{
	int ret;

	do {
		ret = ioctl(fd, request, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret;
}
