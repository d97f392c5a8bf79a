/* SPDX-License-Identifier: MIT */
/* The part of IGT's lib/ioctl_wrappers.h our tests use (see igt_core.h). */
#ifndef IOCTL_WRAPPERS_H
#define IOCTL_WRAPPERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/mman.h>

/*
 * The ioctl() every IGT helper goes through: libdrm's drmIoctl(), which
 * retries on EINTR and EAGAIN; a test may point it elsewhere.
 */
extern __thread int (*igt_ioctl)(int fd, unsigned long request, void *arg);

#endif /* IOCTL_WRAPPERS_H */
