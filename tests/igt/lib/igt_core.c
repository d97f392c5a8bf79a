// SPDX-License-Identifier: MIT
/*
 * Subtest bookkeeping of the IGT-compatible harness (igt_core.h says what
 * it promises). One block runs at a time: a fixture or a subtest, and
 * inside a subtest with dynamic parts one dynamic subtest.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "igt_core.h"

jmp_buf igt_subtest_jmpbuf;
jmp_buf igt_dynamic_jmpbuf;

enum block { NONE, FIXTURE, SUBTEST, DYNAMIC };

static const char *prog;
static bool listing, describing, debugging;
static char *run_filter, *dyn_filter;
static char description[512];		/* igt_describe()'s, for the next subtest */
static bool filter_matched;
static const char *rest_result;		/* every later subtest's once a fixture skipped or failed */
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

static void usage(FILE *f, const char *help_str)
{
	fprintf(f, "Usage: %s [OPTIONS]\n"
		"  --list-subtests\n"
		"  --describe[=<pattern>]\n"
		"  --run-subtest <pattern>[,<pattern>...]\n"
		"  --dynamic-subtest <pattern>[,<pattern>...]\n"
		"  --debug\n"
		"  --help\n", prog);
	if (help_str)
		fprintf(f, "%s\n", help_str);
}

/* Values of our own long options, clear of any short option a test adds. */
enum { OPT_LIST = 500, OPT_DESCRIBE, OPT_RUN, OPT_DYNAMIC, OPT_DEBUG, OPT_HELP };

int igt_subtest_init_parse_opts(int *argc, char **argv,
				const char *extra_short_opts,
				const struct option *extra_long_opts,
				const char *help_str,
				igt_opt_handler_t extra_opt_handler,
				void *handler_data)
{
	static const struct option own[] = {
		{ "list-subtests", no_argument, NULL, OPT_LIST },
		{ "describe", optional_argument, NULL, OPT_DESCRIBE },
		{ "run-subtest", required_argument, NULL, OPT_RUN },
		{ "dynamic-subtest", required_argument, NULL, OPT_DYNAMIC },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "help", no_argument, NULL, OPT_HELP },
	};
	const size_t n_own = sizeof(own) / sizeof(own[0]);
	char *describe_filter = NULL;
	struct option *opts;
	size_t n_extra = 0;
	int c;

	while (extra_long_opts && extra_long_opts[n_extra].name)
		n_extra++;
	opts = calloc(n_own + n_extra + 1, sizeof(*opts));
	if (!opts) {
		perror("calloc");
		exit(IGT_EXIT_INVALID);
	}
	memcpy(opts, own, sizeof(own));
	if (n_extra)
		memcpy(opts + n_own, extra_long_opts, n_extra * sizeof(*opts));

	prog = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	while ((c = getopt_long(*argc, argv, extra_short_opts ? extra_short_opts : "",
				opts, NULL)) != -1) {
		switch (c) {
		case OPT_LIST:
			listing = true;
			break;
		case OPT_DESCRIBE:
			listing = describing = true;
			describe_filter = optarg;
			break;
		case OPT_RUN:
			run_filter = optarg;
			break;
		case OPT_DYNAMIC:
			dyn_filter = optarg;
			break;
		case OPT_DEBUG:
			debugging = true;
			break;
		case OPT_HELP:
			usage(stdout, help_str);
			exit(IGT_EXIT_SUCCESS);
		case '?':
			usage(stderr, help_str);
			exit(IGT_EXIT_INVALID);
		default:
			if (extra_opt_handler &&
			    extra_opt_handler(c, optind, handler_data) == IGT_OPT_HANDLER_SUCCESS)
				break;
			usage(stderr, help_str);
			exit(IGT_EXIT_INVALID);
		}
	}
	free(opts);
	/* As in IGT, a listing ignores --run-subtest; --describe=PATTERN filters. */
	if (listing)
		run_filter = describe_filter;
	if (optind < *argc) {
		fprintf(stderr, "%s: unexpected argument %s\n", prog, argv[optind]);
		usage(stderr, help_str);
		exit(IGT_EXIT_INVALID);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	return 0;
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

bool __igt_fixture(void)
{
	if (listing || rest_result)
		return false;
	in = FIXTURE;
	return true;
}

void __igt_fixture_complete(void)
{
	in = NONE;
}

/* Leaves a fixture that failed or skipped. */
void __igt_fixture_end(void)
{
	in = NONE;
	siglongjmp(igt_subtest_jmpbuf, 1);
}

/*
 * Prints @words indented by two, wrapped as IGT wraps them: a line takes
 * words while their letters, spaces not counted, fit in 78 columns.
 */
static void print_wrapped(const char *words)
{
	int letters = 0, len;

	for (words += strspn(words, " "); *words; words += strspn(words, " ")) {
		len = (int)strcspn(words, " ");
		if (letters && letters + len > 78) {
			putchar('\n');
			letters = 0;
		}
		printf("%s%.*s", letters ? " " : "  ", len, words);
		letters += len;
		words += len;
	}
	putchar('\n');
}

/* The --describe entry of subtest @name, as IGT prints it. */
static void describe(const char *name, const char *file, int line)
{
	printf("SUB %s %s:%d:\n", name, file, line);
	if (description[0])
		print_wrapped(description);
	else
		printf("  NO DOCUMENTATION!\n");
	putchar('\n');
	description[0] = '\0';
}

void igt_describe_f(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!describing)
		return;
	va_start(ap, fmt);
	n = vsnprintf(description, sizeof(description), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(description)) {
		fprintf(stderr, "%s: a description longer than %zu bytes\n", prog,
			sizeof(description) - 1);
		exit(IGT_EXIT_INVALID);
	}
}

static void subtest_result(const char *result)
{
	printf("Subtest %s: %s (%.3fs)\n", subtest, result, since(&subtest_start));
	fflush(stderr);
	in = NONE;
}

bool __igt_run_subtest(const char *subtest_name, const char *file, const int line)
{
	const char *name = subtest_name;

	if (!matches(run_filter, name)) {
		description[0] = '\0';
		return false;
	}
	filter_matched = true;
	if (describing) {
		describe(name, file, line);
		return false;
	}
	if (listing) {
		printf("%s\n", name);
		return false;
	}
	snprintf(subtest, sizeof(subtest), "%s", name);
	/* As in IGT, a subtest that cannot start only has its result line. */
	if (rest_result) {
		printf("Subtest %s: %s (0.000s)\n", subtest, rest_result);
		return false;
	}
	clock_gettime(CLOCK_MONOTONIC, &subtest_start);
	printf("Starting subtest: %s\n", subtest);
	kmsg("starting subtest %s\n", subtest);
	in = SUBTEST;
	container = false;
	dyn_ran = dyn_failed = false;
	return true;
}

bool __igt_enter_dynamic_container(void)
{
	container = true;
	return true;
}

bool __igt_run_dynamic_subtest(const char *dynamic_subtest_name)
{
	const char *name = dynamic_subtest_name;

	if (in != SUBTEST || !container) {
		fprintf(stderr, "%s: igt_dynamic(%s) outside igt_subtest_with_dynamic\n",
			prog, name);
		exit(IGT_EXIT_INVALID);
	}
	if (!matches(dyn_filter, name))
		return false;
	snprintf(dynamic, sizeof(dynamic), "%s", name);
	clock_gettime(CLOCK_MONOTONIC, &dynamic_start);
	printf("Starting dynamic subtest: %s\n", dynamic);
	kmsg("starting dynamic subtest %s\n", dynamic);
	in = DYNAMIC;
	return true;
}

static void dynamic_result(const char *result)
{
	printf("Dynamic subtest %s: %s (%.3fs)\n", dynamic, result, since(&dynamic_start));
	fflush(stderr);
	in = SUBTEST;
}

void igt_success(void)
{
	switch (in) {
	case DYNAMIC:
		dyn_ran = true;
		dynamic_result("SUCCESS");
		siglongjmp(igt_dynamic_jmpbuf, 1);
	case SUBTEST:
		if (container && dyn_failed) {
			failed = true;
			subtest_result("FAIL");
		} else if (container && !dyn_ran) {
			subtest_result("SKIP");
		} else {
			passed = true;
			subtest_result("SUCCESS");
		}
		siglongjmp(igt_subtest_jmpbuf, 1);
	case FIXTURE:
	case NONE:
		break;
	}
}

void igt_fail(int exitcode)
{
	switch (in) {
	case DYNAMIC:
		dyn_ran = dyn_failed = true;
		dynamic_result("FAIL");
		siglongjmp(igt_dynamic_jmpbuf, 1);
	case SUBTEST:
		failed = true;
		subtest_result("FAIL");
		siglongjmp(igt_subtest_jmpbuf, 1);
	case FIXTURE:
		failed = true;
		rest_result = "FAIL";
		__igt_fixture_end();
	case NONE:
		break;
	}
	exit(exitcode);
}

void __igt_fail_assert(const char *domain, const char *file,
		       const int line, const char *func, const char *assertion,
		       const char *format, ...)
{
	int pid = getpid();
	va_list ap;

	(void)domain;
	fflush(stdout);
	fprintf(stderr, "(%s:%d) CRITICAL: Test assertion failure function %s, file %s:%d:\n",
		prog, pid, func, file, line);
	fprintf(stderr, "(%s:%d) CRITICAL: Failed assertion: %s\n", prog, pid, assertion);
	if (errno)
		fprintf(stderr, "(%s:%d) CRITICAL: Last errno: %d, %s\n", prog, pid, errno,
			strerror(errno));
	if (format) {
		fprintf(stderr, "(%s:%d) CRITICAL: ", prog, pid);
		va_start(ap, format);
		vfprintf(stderr, format, ap);
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
		siglongjmp(igt_dynamic_jmpbuf, 1);
	case SUBTEST:
		subtest_result("SKIP");
		siglongjmp(igt_subtest_jmpbuf, 1);
	case FIXTURE:
		rest_result = "SKIP";
		__igt_fixture_end();
	case NONE:
		break;
	}
	igt_exit();
}

void igt_skip(const char *f, ...)
{
	va_list ap;

	va_start(ap, f);
	vskip(f, ap);
	va_end(ap);
	__builtin_unreachable();
}

void __igt_skip_check(const char *file, const int line,
		      const char *func, const char *check,
		      const char *format, ...)
{
	va_list ap;

	(void)file;
	(void)line;
	(void)func;
	printf("Test requirement not met in %s: %s\n", in == NONE ? "main" :
	       in == FIXTURE ? "a fixture" : in == SUBTEST ? subtest : dynamic, check);
	va_start(ap, format);
	vskip(format, ap);
	va_end(ap);
	__builtin_unreachable();
}

void igt_exit(void)
{
	if (run_filter && !filter_matched) {
		fprintf(stderr, "%s: no subtest matches %s\n", prog, run_filter);
		exit(IGT_EXIT_INVALID);
	}
	if (listing)
		exit(IGT_EXIT_SUCCESS);
	exit(failed ? IGT_EXIT_FAILURE : passed ? IGT_EXIT_SUCCESS : IGT_EXIT_SKIP);
}

void igt_vlog(const char *domain, enum igt_log_level level, const char *format,
	      va_list args)
{
	static const char *const names[] = {
		[IGT_LOG_DEBUG] = "DEBUG", [IGT_LOG_INFO] = "INFO",
		[IGT_LOG_WARN] = "WARNING", [IGT_LOG_CRITICAL] = "CRITICAL",
	};
	FILE *f = level <= IGT_LOG_INFO ? stdout : stderr;

	if (level >= IGT_LOG_NONE || (level == IGT_LOG_DEBUG && !debugging))
		return;
	if (domain)
		fprintf(f, "(%s:%d) %s-%s: ", prog, getpid(), domain, names[level]);
	else if (level != IGT_LOG_INFO)
		fprintf(f, "(%s:%d) %s: ", prog, getpid(), names[level]);
	vfprintf(f, format, args);
}

void igt_log(const char *domain, enum igt_log_level level, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	igt_vlog(domain, level, format, args);
	va_end(args);
}
