/* SPDX-License-Identifier: MIT */
/*
 * The umbrella header, as IGT's lib/igt.h: the IGT headers this harness
 * has (IGT's igt.h includes these and many more). Like IGT's, it does not
 * include igt_kmod.h.
 */
#ifndef IGT_H
#define IGT_H

#include "drmtest.h"
#include "igt_core.h"
#include "ioctl_wrappers.h"

#endif /* IGT_H */
