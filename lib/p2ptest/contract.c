// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF's errnos as a table: one bad argument per
 * row, applied to an otherwise good export of one page, and the errno the
 * kernel must answer (vfio_ioctl_device_feature() and vfio_check_feature()
 * for the feature's header, vfio_pci_core_feature_dma_buf() for the rest).
 * vfio_dmabuf's bad_export, IGT's export-invalid subtests and the fuzzer
 * all take their cases from here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_vfio.h"

#define PAGE		4096ULL
#define GET		(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF)
/* The feature's header, then the dma-buf's: where the ranges begin. */
#define HEAD		(sizeof(struct vfio_device_feature) + \
			 sizeof(struct vfio_device_feature_dma_buf))

const struct p2ptest_vfio_bad_export p2ptest_vfio_bad_exports[] = {
	/* The feature's header. */
	{ "argsz-tiny", EINVAL, P2PTEST_VFIO_BAD_ARGSZ, 4 },
	{ "argsz-short", EINVAL, P2PTEST_VFIO_BAD_ARGSZ, sizeof(struct vfio_device_feature) + 8 },
	{ "set", EINVAL, P2PTEST_VFIO_BAD_FEATURE_FLAGS,
	  VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF },
	{ "get-and-set", EINVAL, P2PTEST_VFIO_BAD_FEATURE_FLAGS, GET | VFIO_DEVICE_FEATURE_SET },
	{ "no-get-or-set", EINVAL, P2PTEST_VFIO_BAD_FEATURE_FLAGS, VFIO_DEVICE_FEATURE_DMA_BUF },
	{ "unknown-feature-flag", EINVAL, P2PTEST_VFIO_BAD_FEATURE_FLAGS, GET | 1u << 19 },
	/* The dma-buf's header. */
	{ "flags", EINVAL, P2PTEST_VFIO_BAD_FLAGS, 1 },
	{ "no-ranges", EINVAL, P2PTEST_VFIO_BAD_NR_RANGES, 0 },
	{ "rom-region", ENODEV, P2PTEST_VFIO_BAD_REGION, VFIO_PCI_ROM_REGION_INDEX },
	{ "config-region", ENODEV, P2PTEST_VFIO_BAD_REGION, VFIO_PCI_CONFIG_REGION_INDEX },
	{ "empty-bar", EINVAL, P2PTEST_VFIO_BAD_EMPTY_BAR, 0 },
	/*
	 * No limit on the count, as in mainline: 64 GiB of ranges to copy
	 * fails the copy's allocation before anything reads them.
	 */
	{ "huge-nr-ranges", ENOMEM, P2PTEST_VFIO_BAD_NR_RANGES, UINT32_MAX },
	/* The ranges. */
	{ "zero-length", EINVAL, P2PTEST_VFIO_BAD_LENGTH, 0 },
	{ "unaligned-offset", EINVAL, P2PTEST_VFIO_BAD_OFFSET, 8 },
	{ "unaligned-length", EINVAL, P2PTEST_VFIO_BAD_LENGTH, PAGE + 8 },
	{ "past-bar", EINVAL, P2PTEST_VFIO_BAD_PAST_END, 0 },
	{ "second-past-bar", EINVAL, P2PTEST_VFIO_BAD_SECOND_PAST_END, 0 },
	/* The BAR's address plus offset and length must fit in 64 bits. */
	{ "offset-overflow", EOVERFLOW, P2PTEST_VFIO_BAD_OFFSET, ~(PAGE - 1) },
	/* offset + length fits; the BAR's address is what wraps. */
	{ "bar-address-overflow", EOVERFLOW, P2PTEST_VFIO_BAD_OFFSET, -(2 * PAGE) },
	/*
	 * A total of 2^63 bytes or more is EINVAL, checked before any range
	 * is placed in the BAR: 2^63 + 2^63 would otherwise overflow.
	 */
	{ "length-overflow", EINVAL, P2PTEST_VFIO_BAD_LENGTHS, 1ULL << 63 },
	{ "total-too-big", EINVAL, P2PTEST_VFIO_BAD_OFFSET_LENGTH, 1ULL << 63 },
	/* The argument where user memory ends. */
	{ "feature-unmapped", EFAULT, P2PTEST_VFIO_BAD_UNMAPPED, 0 },
	{ "dma-buf-unmapped", EFAULT, P2PTEST_VFIO_BAD_UNMAPPED,
	  sizeof(struct vfio_device_feature) },
	{ "ranges-unmapped", EFAULT, P2PTEST_VFIO_BAD_UNMAPPED, HEAD },
};

const size_t p2ptest_vfio_nr_bad_exports = sizeof(p2ptest_vfio_bad_exports) /
					   sizeof(p2ptest_vfio_bad_exports[0]);

int p2ptest_vfio_target_get(int device, uint32_t bar, struct p2ptest_vfio_target *t)
{
	struct vfio_region_info info;
	uint32_t i;
	int ret = __vfio_region_info(device, bar, &info);

	if (ret)
		return ret;
	if (!info.size)
		return -EINVAL;
	*t = (struct p2ptest_vfio_target){ .bar = bar, .bar_size = info.size, .empty_bar = -1 };
	for (i = VFIO_PCI_BAR0_REGION_INDEX; i <= VFIO_PCI_BAR5_REGION_INDEX; i++) {
		ret = __vfio_region_info(device, i, &info);
		if (ret)
			return ret;
		if (!info.size) {
			t->empty_bar = (int)i;
			break;
		}
	}
	return 0;
}

/* How many ranges row @b's argument holds. */
static size_t nr_held(const struct p2ptest_vfio_bad_export *b)
{
	switch (b->what) {
	case P2PTEST_VFIO_BAD_LENGTHS:
	case P2PTEST_VFIO_BAD_SECOND_PAST_END:
		return 2;
	default:
		return 1;
	}
}

/* Row @b's argument, whole, in @f (room for nr_held(@b) ranges). */
static void fill(const struct p2ptest_vfio_bad_export *b, const struct p2ptest_vfio_target *t,
		 struct vfio_device_feature *f, size_t held)
{
	struct vfio_device_feature_dma_buf *d = (void *)f->data;
	struct vfio_region_dma_range *r = d->dma_ranges;
	size_t i;

	f->argsz = (uint32_t)(HEAD + held * sizeof(*r));
	f->flags = GET;
	*d = (struct vfio_device_feature_dma_buf){
		.region_index = t->bar, .open_flags = O_RDWR | O_CLOEXEC, .nr_ranges = 1,
	};
	for (i = 0; i < held; i++)
		r[i] = (struct vfio_region_dma_range){ .offset = 0, .length = PAGE };
	switch (b->what) {
	case P2PTEST_VFIO_BAD_FEATURE_FLAGS:
		f->flags = (uint32_t)b->value;
		break;
	case P2PTEST_VFIO_BAD_ARGSZ:
		f->argsz = (uint32_t)b->value;
		break;
	case P2PTEST_VFIO_BAD_FLAGS:
		d->flags = (uint32_t)b->value;
		break;
	case P2PTEST_VFIO_BAD_REGION:
		d->region_index = (uint32_t)b->value;
		break;
	case P2PTEST_VFIO_BAD_EMPTY_BAR:
		d->region_index = (uint32_t)t->empty_bar;
		break;
	case P2PTEST_VFIO_BAD_NR_RANGES:
		d->nr_ranges = (uint32_t)b->value;
		break;
	case P2PTEST_VFIO_BAD_OFFSET:
		r[0].offset = b->value;
		break;
	case P2PTEST_VFIO_BAD_LENGTH:
		r[0].length = b->value;
		break;
	case P2PTEST_VFIO_BAD_LENGTHS:
		d->nr_ranges = 2;
		r[0].length = r[1].length = b->value;
		break;
	case P2PTEST_VFIO_BAD_OFFSET_LENGTH:
		r[0] = (struct vfio_region_dma_range){ b->value, b->value };
		break;
	case P2PTEST_VFIO_BAD_PAST_END:
		r[0] = (struct vfio_region_dma_range){ t->bar_size - PAGE, 2 * PAGE };
		break;
	case P2PTEST_VFIO_BAD_SECOND_PAST_END:
		d->nr_ranges = 2;
		r[1].offset = t->bar_size;
		break;
	case P2PTEST_VFIO_BAD_UNMAPPED:
		break;
	}
}

int p2ptest_vfio_bad_export_prepare(const struct p2ptest_vfio_bad_export *b,
				    const struct p2ptest_vfio_target *t,
				    struct p2ptest_vfio_bad_arg *arg)
{
	size_t held = nr_held(b), len = HEAD + held * sizeof(struct vfio_region_dma_range);
	size_t mapped = b->what == P2PTEST_VFIO_BAD_UNMAPPED && b->value < len ? b->value : len;
	size_t pages = (mapped + PAGE - 1) / PAGE;
	struct vfio_device_feature *whole;
	char *map, *end;

	if (b->what == P2PTEST_VFIO_BAD_EMPTY_BAR && t->empty_bar < 0)
		return -ENOENT;
	whole = calloc(1, len);
	if (!whole)
		return -ENOMEM;
	fill(b, t, whole, held);
	/* @pages for the argument, then one the kernel must not find. */
	map = mmap(NULL, (pages + 1) * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		   -1, 0);
	if (map == MAP_FAILED) {
		free(whole);
		return -errno;
	}
	end = map + pages * PAGE;
	if (mprotect(end, PAGE, PROT_NONE)) {
		int err = -errno;

		munmap(map, (pages + 1) * PAGE);
		free(whole);
		return err;
	}
	memcpy(end - mapped, whole, mapped);
	free(whole);
	*arg = (struct p2ptest_vfio_bad_arg){
		.feature = (struct vfio_device_feature *)(end - mapped),
		.map = map, .map_len = (pages + 1) * PAGE,
	};
	return 0;
}

void p2ptest_vfio_bad_arg_free(struct p2ptest_vfio_bad_arg *arg)
{
	if (arg->map)
		munmap(arg->map, arg->map_len);
	*arg = (struct p2ptest_vfio_bad_arg){ 0 };
}
