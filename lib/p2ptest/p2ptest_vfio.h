/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The VFIO side of the p2ptest client library: a device owned through
 * vfio-pci, its regions, and VFIO_DEVICE_FEATURE_DMA_BUF, which exports
 * ranges of a memory BAR as a dma-buf. <linux/vfio.h> must be one that
 * has the feature (mainline's, or the project kernel's installed uAPI
 * headers: KHDR). Conventions as p2ptest_client.h: 0 or the result, or
 * -errno; nothing prints.
 */
#ifndef P2PTEST_VFIO_H
#define P2PTEST_VFIO_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/vfio.h>

/*
 * Open the device @bdf, bound to vfio-pci, through its IOMMU group and a
 * new type1v2 container, as VFIO's group API does; the device keeps both
 * in use. The device's file descriptor, or -errno: -ENOENT (no IOMMU
 * group), -EBUSY (the group is not viable: a device of it is bound to
 * another driver), or what opening /dev/vfio or an ioctl gave.
 */
int __vfio_open_device(const char *bdf);
/* VFIO_DEVICE_GET_REGION_INFO of region @index into *@info: 0 or -errno. */
int __vfio_region_info(int device, uint32_t index, struct vfio_region_info *info);
/* VFIO_DEVICE_FEATURE with @feature as it is: its result (>= 0) or -errno. */
int __vfio_device_feature(int device, struct vfio_device_feature *feature);
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF (GET): @nr_ranges @ranges of region @region
 * as one dma-buf (O_RDWR, O_CLOEXEC). Its file descriptor, or -errno.
 */
int __vfio_dma_buf_export(int device, uint32_t region, const struct vfio_region_dma_range *ranges,
			  uint32_t nr_ranges);
/*
 * Turn memory decode of the device on or off through VFIO's config region
 * (the Command register's memory space bit): 0 or -errno (-EIO for a
 * short read or write).
 */
int __vfio_set_decode(int device, bool on);

#endif /* P2PTEST_VFIO_H */
