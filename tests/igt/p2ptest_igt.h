/* SPDX-License-Identifier: MIT */
/*
 * The asserting forms of the p2ptest client library's /dev/p2ptest calls
 * and p2pmem mappings (lib/p2ptest/p2ptest_client.h), for IGT tests:
 * p2ptest_X() makes the call __p2ptest_X() makes and fails the test
 * (igt_assert, the errno in the message) unless it succeeded.
 */
#ifndef P2PTEST_IGT_H
#define P2PTEST_IGT_H

#include <string.h>

#include "igt_core.h"
#include "p2ptest_client.h"

/* Export @nr_ranges @ranges of BAR @bar of @provider: the dma-buf's fd. */
static inline int p2ptest_export(int ctl, const struct p2ptest_pci_addr *provider, uint32_t bar,
				 const struct p2ptest_range *ranges, uint32_t nr_ranges)
{
	int fd = __p2ptest_export(ctl, provider, bar, ranges, nr_ranges);
	char bdf[P2PTEST_BDF_LEN];

	igt_assert_f(fd >= 0, "export of %s BAR %u [%#llx, +%#llx)%s: %s\n",
		     p2ptest_format_bdf(provider, bdf, sizeof(bdf)), bar,
		     nr_ranges ? (unsigned long long)ranges[0].offset : 0ULL,
		     nr_ranges ? (unsigned long long)ranges[0].length : 0ULL,
		     nr_ranges > 1 ? " and more ranges" : "", strerror(-fd));
	return fd;
}

/* Import @dmabuf_fd for @client: the handle; *@imp (may be NULL) as __p2ptest_import() sets it. */
static inline uint32_t p2ptest_import(int ctl, int dmabuf_fd,
				      const struct p2ptest_pci_addr *client,
				      struct p2ptest_import *imp)
{
	struct p2ptest_import local;
	char bdf[P2PTEST_BDF_LEN];
	int ret;

	if (!imp)
		imp = &local;
	ret = __p2ptest_import(ctl, dmabuf_fd, client, imp);
	igt_assert_f(!ret, "import for %s: %s\n", p2ptest_format_bdf(client, bdf, sizeof(bdf)),
		     strerror(-ret));
	return imp->handle;
}

static inline void p2ptest_unimport(int ctl, uint32_t handle)
{
	int ret = __p2ptest_unimport(ctl, handle);

	igt_assert_f(!ret, "unimport of handle %u: %s\n", handle, strerror(-ret));
}

static inline void p2ptest_transfer(int ctl, uint32_t handle, uint32_t direction,
				    uint64_t offset, void *data, uint64_t length)
{
	int ret = __p2ptest_transfer(ctl, handle, direction, offset, data, length);

	igt_assert_f(!ret, "DMA %s the buffer at %#llx (%llu bytes): %s\n",
		     direction == P2PTEST_TO_BUFFER ? "into" : "out of",
		     (unsigned long long)offset, (unsigned long long)length, strerror(-ret));
}

/* @restore 0 revokes the buffer, 1 restores it. */
static inline void p2ptest_revoke(int ctl, int dmabuf_fd, uint32_t restore)
{
	int ret = __p2ptest_revoke(ctl, dmabuf_fd, restore);

	igt_assert_f(!ret, "%s of the buffer: %s\n", restore ? "restore" : "revoke",
		     strerror(-ret));
}

/* Map @len bytes of @bdf's p2pmem (user-space P2PDMA): the address; munmap() gives it back. */
static inline void *p2ptest_p2pmem_map(const char *bdf, size_t len)
{
	void *addr;
	int ret = __p2ptest_p2pmem_map(bdf, len, &addr);

	igt_assert_f(!ret, "mmap of %zu bytes of %s's p2pmem: %s\n", len, bdf, strerror(-ret));
	return addr;
}

#endif /* P2PTEST_IGT_H */
