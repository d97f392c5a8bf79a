/* SPDX-License-Identifier: MIT */
/* The part of IGT's lib/drmtest.h our tests use (see igt_core.h). */
#ifndef DRMTEST_H
#define DRMTEST_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include <xf86drm.h>

#include "igt_core.h"

/* igt_ioctl() must succeed; errno is cleared after. */
#define do_ioctl(fd, ioc, ioc_data) \
	do { \
		igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), 0); \
		errno = 0; \
	} while (0)

/* igt_ioctl() must fail with errno @err; errno is cleared after. */
#define do_ioctl_err(fd, ioc, ioc_data, err) \
	do { \
		igt_assert_eq(igt_ioctl((fd), (ioc), (ioc_data)), -1); \
		igt_assert_eq(errno, (err)); \
		errno = 0; \
	} while (0)

#endif /* DRMTEST_H */
