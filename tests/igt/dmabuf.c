// SPDX-License-Identifier: MIT
/*
 * The kernel's own dma-buf selftests (CONFIG_DMABUF_SELFTESTS,
 * drivers/dma-buf/selftest.c), as IGT's tests/dmabuf.c runs them:
 * igt@dmabuf@all-tests@<selftest>. They check the dma-buf, fence and
 * reservation code our series builds on, with tests we did not write.
 */
#include "igt_core.h"
#include "igt_kmod.h"

igt_main
{
	igt_kselftests("dmabuf_selftests", NULL, NULL, NULL);
}
