/* SPDX-License-Identifier: MIT */
/*
 * The asserting forms of the p2ptest client library's /dev/p2ptest calls
 * and p2pmem mappings (lib/p2ptest/p2ptest_client.h) and of its VFIO calls
 * (lib/p2ptest/p2ptest_vfio.h), for IGT tests: p2ptest_X() makes the call
 * __p2ptest_X() makes, vfio_X() the call __vfio_X() makes, and each fails
 * the test (igt_assert, the errno in the message) unless it succeeded.
 */
#ifndef P2PTEST_IGT_H
#define P2PTEST_IGT_H

#include <string.h>

#include "igt_core.h"
#include "p2ptest_client.h"
#include "p2ptest_vfio.h"

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

/* Open @bdf, bound to vfio-pci, through VFIO: the device's file descriptor. */
static inline int vfio_open_device(const char *bdf)
{
	int fd = __vfio_open_device(bdf);

	igt_assert_f(fd >= 0, "%s through VFIO: %s\n", bdf, strerror(-fd));
	return fd;
}

/* Export @nr_ranges @ranges of region (BAR) @region of VFIO device @device: the dma-buf's fd. */
static inline int vfio_dma_buf_export(int device, uint32_t region,
				      const struct vfio_region_dma_range *ranges,
				      uint32_t nr_ranges)
{
	int fd = __vfio_dma_buf_export(device, region, ranges, nr_ranges);

	igt_assert_f(fd >= 0, "VFIO export of region %u [%#llx, +%#llx)%s: %s\n", region,
		     nr_ranges ? (unsigned long long)ranges[0].offset : 0ULL,
		     nr_ranges ? (unsigned long long)ranges[0].length : 0ULL,
		     nr_ranges > 1 ? " and more ranges" : "", strerror(-fd));
	return fd;
}

/* Export the one range [@offset, @offset + @length) of region @region: the dma-buf's fd. */
static inline int vfio_dma_buf_export_range(int device, uint32_t region, uint64_t offset,
					    uint64_t length)
{
	int fd = __vfio_dma_buf_export_range(device, region, offset, length);

	igt_assert_f(fd >= 0, "VFIO export of region %u [%#llx, +%#llx): %s\n", region,
		     (unsigned long long)offset, (unsigned long long)length, strerror(-fd));
	return fd;
}

/* Memory decode of VFIO device @device on or off (off revokes its dma-bufs). */
static inline void vfio_set_decode(int device, bool on)
{
	int ret = __vfio_set_decode(device, on);

	igt_assert_f(!ret, "memory decode %s through VFIO: %s\n", on ? "on" : "off",
		     strerror(-ret));
}

/* VFIO_DEVICE_RESET of @device (its dma-bufs revoked around it). */
static inline void vfio_reset(int device)
{
	int ret = __vfio_reset(device);

	igt_assert_f(!ret, "VFIO_DEVICE_RESET: %s\n", strerror(-ret));
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
