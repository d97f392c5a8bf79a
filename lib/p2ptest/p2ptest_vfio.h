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
#include <stddef.h>
#include <stdint.h>

#include <linux/vfio.h>

/*
 * Open the device @bdf, bound to vfio-pci, through its IOMMU group and a
 * new container, as VFIO's group API does; the device keeps both in use.
 * The container is type1v2, or VFIO's no-IOMMU model for a device of a
 * machine without an IOMMU (vfio.enable_unsafe_noiommu_mode=1 before
 * vfio-pci was bound: its group's node is /dev/vfio/noiommu-N). Only one
 * open of a group at a time: a program opens its device once. The device's
 * file descriptor, or -errno: -ENOENT (no IOMMU group), -EBUSY (the group
 * is not viable: a device of it is bound to another driver; or it is open
 * already), or what opening /dev/vfio or an ioctl gave.
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
/* __vfio_dma_buf_export() of the one range [@offset, @offset + @length). */
int __vfio_dma_buf_export_range(int device, uint32_t region, uint64_t offset, uint64_t length);
/*
 * VFIO_DEVICE_RESET: a function reset. vfio-pci revokes the device's
 * dma-bufs around it and restores them after: 0 or -errno.
 */
int __vfio_reset(int device);
/*
 * Turn memory decode of the device on or off through VFIO's config region
 * (the Command register's memory space bit): 0 or -errno (-EIO for a
 * short read or write). Off revokes the device's dma-bufs (importers are
 * told to unmap; maps fail with -ENODEV), on restores them.
 */
int __vfio_set_decode(int device, bool on);

/*
 * VFIO_DEVICE_FEATURE_DMA_BUF's errnos as a table (contract.c), the one
 * vfio_dmabuf's bad_export, IGT's export-invalid and p2ptest_fuzz take
 * their cases from. Each row makes one argument of a good export bad and
 * names the errno the kernel must answer. The good export: flags GET |
 * DMA_BUF, argsz its size, the target's BAR, open_flags O_RDWR | O_CLOEXEC,
 * flags 0, one range [0, 4096).
 */

/* What a good export names. */
struct p2ptest_vfio_target {
	uint32_t bar;		/* the region index of a memory BAR */
	uint64_t bar_size;	/* its size */
	int empty_bar;		/* the region index of a BAR of size 0, or -1 */
};

/*
 * Fill *@t for BAR @bar of @device: its size, and the lowest BAR that has
 * size 0 through VFIO (absent, or the upper half of a 64-bit BAR). 0 or
 * -errno: -EINVAL when BAR @bar has size 0 itself.
 */
int p2ptest_vfio_target_get(int device, uint32_t bar, struct p2ptest_vfio_target *t);

/* The one argument a row of p2ptest_vfio_bad_exports makes bad. */
enum p2ptest_vfio_bad_what {
	P2PTEST_VFIO_BAD_FEATURE_FLAGS,	/* the feature's flags: value */
	P2PTEST_VFIO_BAD_ARGSZ,		/* the feature's argsz: value */
	P2PTEST_VFIO_BAD_FLAGS,		/* the dma-buf's flags: value */
	P2PTEST_VFIO_BAD_REGION,	/* region_index: value */
	P2PTEST_VFIO_BAD_EMPTY_BAR,	/* region_index: the target's empty BAR */
	P2PTEST_VFIO_BAD_NR_RANGES,	/* nr_ranges: value; one range [0, 4096),
					 * then the unmapped page */
	P2PTEST_VFIO_BAD_OFFSET,	/* the range's offset: value */
	P2PTEST_VFIO_BAD_LENGTH,	/* the range's length: value */
	P2PTEST_VFIO_BAD_LENGTHS,	/* two ranges at offset 0, value bytes each */
	P2PTEST_VFIO_BAD_OFFSET_LENGTH,	/* the range's offset and length: value */
	P2PTEST_VFIO_BAD_PAST_END,	/* the range: the BAR's last page and the next */
	P2PTEST_VFIO_BAD_SECOND_PAST_END, /* two ranges: [0, 4096), then the page
					   * right after the BAR */
	P2PTEST_VFIO_BAD_UNMAPPED,	/* only the argument's first value bytes are
					 * mapped */
};

/* A row: @what made bad with @value must fail with errno @err. */
struct p2ptest_vfio_bad_export {
	const char *name;		/* "zero-length" */
	int err;			/* positive: EINVAL */
	enum p2ptest_vfio_bad_what what;
	uint64_t value;
};

extern const struct p2ptest_vfio_bad_export p2ptest_vfio_bad_exports[];
extern const size_t p2ptest_vfio_nr_bad_exports;

/*
 * A row's argument: pass @feature to VFIO_DEVICE_FEATURE (ioctl(), or
 * __vfio_device_feature()). It ends where an unmapped page begins, so
 * that the kernel finds nothing past what the row says. A call that
 * succeeds (a kernel that takes the bad argument) returns a dma-buf's fd:
 * the caller closes it.
 */
struct p2ptest_vfio_bad_arg {
	struct vfio_device_feature *feature;
	void *map;			/* its mapping, for p2ptest_vfio_bad_arg_free() */
	size_t map_len;
};

/*
 * Build the argument of row @b for target @t into *@arg: 0, -ENOENT when
 * the row does not apply to @t (an empty BAR where it has none), or
 * -ENOMEM, or mmap()'s -errno. Free it with p2ptest_vfio_bad_arg_free(),
 * which leaves *@arg zeroed.
 */
int p2ptest_vfio_bad_export_prepare(const struct p2ptest_vfio_bad_export *b,
				    const struct p2ptest_vfio_target *t,
				    struct p2ptest_vfio_bad_arg *arg);
void p2ptest_vfio_bad_arg_free(struct p2ptest_vfio_bad_arg *arg);

#endif /* P2PTEST_VFIO_H */
