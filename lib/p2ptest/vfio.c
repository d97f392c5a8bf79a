// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A device owned through vfio-pci: opening it, its regions, its dma-bufs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/pci_regs.h>

#include "p2ptest_client.h"
#include "p2ptest_vfio.h"

/*
 * The IOMMU group of @bdf, its /dev/vfio node in @path, and the container's
 * IOMMU model in *@model: type1v2, or no IOMMU for the group vfio-pci made
 * itself in VFIO's no-IOMMU mode (node "noiommu-N").
 */
static int group_path(const char *bdf, char *path, size_t len, unsigned long *model)
{
	int ret = p2ptest_sysfs_path(path, len, P2PTEST_SYSFS_PCI "/devices/%s/iommu_group", bdf);
	char link[256], *group;
	ssize_t n;

	if (ret)
		return ret;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return -errno;
	link[n] = '\0';
	group = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	*model = VFIO_TYPE1v2_IOMMU;
	snprintf(path, len, "/dev/vfio/%s", group);
	if (access(path, F_OK)) {
		*model = VFIO_NOIOMMU_IOMMU;
		snprintf(path, len, "/dev/vfio/noiommu-%s", group);
	}
	return 0;
}

/* Put @group into @container and open its device @bdf: the fd, or -errno. */
static int group_device(int container, int group, unsigned long model, const char *bdf)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	int fd;

	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st))
		return -errno;
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		return -EBUSY;
	if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) ||
	    ioctl(container, VFIO_SET_IOMMU, model))
		return -errno;
	fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	return fd < 0 ? -errno : fd;
}

int __vfio_open_device(const char *bdf)
{
	char path[PATH_MAX];
	unsigned long model = VFIO_TYPE1v2_IOMMU;
	int container, group, fd = group_path(bdf, path, sizeof(path), &model);

	if (fd)
		return fd;
	container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (container < 0)
		return -errno;
	group = open(path, O_RDWR | O_CLOEXEC);
	fd = group < 0 ? -errno : group_device(container, group, model, bdf);
	/* An open device keeps its group and the container in use. */
	if (group >= 0)
		close(group);
	close(container);
	return fd;
}

int __vfio_region_info(int device, uint32_t index, struct vfio_region_info *info)
{
	*info = (struct vfio_region_info){ .argsz = sizeof(*info), .index = index };
	return ioctl(device, VFIO_DEVICE_GET_REGION_INFO, info) ? -errno : 0;
}

int __vfio_device_feature(int device, struct vfio_device_feature *feature)
{
	int ret = ioctl(device, VFIO_DEVICE_FEATURE, feature);

	return ret < 0 ? -errno : ret;
}

int __vfio_dma_buf_export(int device, uint32_t region, const struct vfio_region_dma_range *ranges,
			  uint32_t nr_ranges)
{
	size_t size = sizeof(struct vfio_device_feature) +
		      sizeof(struct vfio_device_feature_dma_buf) + nr_ranges * sizeof(*ranges);
	struct vfio_device_feature *f = calloc(1, size);
	struct vfio_device_feature_dma_buf *d;
	int ret;

	if (!f)
		return -ENOMEM;
	f->argsz = (uint32_t)size;
	f->flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	d = (struct vfio_device_feature_dma_buf *)f->data;
	d->region_index = region;
	d->open_flags = O_RDWR | O_CLOEXEC;
	d->nr_ranges = nr_ranges;
	memcpy(d->dma_ranges, ranges, nr_ranges * sizeof(*ranges));
	ret = __vfio_device_feature(device, f);
	free(f);
	return ret;
}

int __vfio_dma_buf_export_range(int device, uint32_t region, uint64_t offset, uint64_t length)
{
	struct vfio_region_dma_range r = { .offset = offset, .length = length };

	return __vfio_dma_buf_export(device, region, &r, 1);
}

int __vfio_reset(int device)
{
	return ioctl(device, VFIO_DEVICE_RESET) ? -errno : 0;
}

int __vfio_set_decode(int device, bool on)
{
	struct vfio_region_info cfg;
	uint16_t cmd;
	ssize_t n;
	off_t at;
	int ret = __vfio_region_info(device, VFIO_PCI_CONFIG_REGION_INDEX, &cfg);

	if (ret)
		return ret;
	at = (off_t)cfg.offset + PCI_COMMAND;
	n = pread(device, &cmd, sizeof(cmd), at);
	if (n == sizeof(cmd)) {
		cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
		n = pwrite(device, &cmd, sizeof(cmd), at);
	}
	return n == sizeof(cmd) ? 0 : n < 0 ? -errno : -EIO;
}
