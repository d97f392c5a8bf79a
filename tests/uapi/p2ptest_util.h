/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers the /dev/p2ptest test programs share: device addresses, one-range
 * exports, and the consistency checks that prove a run left nothing behind.
 */
#ifndef P2PTEST_UTIL_H
#define P2PTEST_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include <linux/p2ptest.h>

#define BUFINFO		"/sys/kernel/debug/dma_buf/bufinfo"
#define IOMMU_PTES	"/sys/kernel/debug/iommu/intel/domain_translation_struct"

static inline int parse_bdf(const char *s, struct p2ptest_pci_addr *a)
{
	unsigned int dom, bus, dev, fn;

	if (sscanf(s, "%x:%x:%x.%u", &dom, &bus, &dev, &fn) != 4 || dev > 31 || fn > 7)
		return -1;
	memset(a, 0, sizeof(*a));
	a->domain = dom;
	a->bus = (uint8_t)bus;
	a->devfn = (uint8_t)(dev << 3 | fn);
	return 0;
}

/* Write @val to the sysfs file @path: 0 or -errno. */
static inline int sysfs_write(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Export [off, off + len) of @bar of @provider; the fd, or -1 with errno. */
static inline int export_range(int ctl, const struct p2ptest_pci_addr *provider,
			       uint32_t bar, uint64_t off, uint64_t len)
{
	struct p2ptest_range r = { .offset = off, .length = len };
	struct p2ptest_export e = {
		.provider = *provider, .bar = bar, .nr_ranges = 1,
		.ranges = (uint64_t)(uintptr_t)&r,
	};

	if (ioctl(ctl, P2PTEST_IOC_EXPORT, &e))
		return -1;
	return e.fd;
}

/* dma-bufs of physical ranges alive in the kernel, or -1. */
static inline int count_phys_bufs(void)
{
	char line[512];
	FILE *f = fopen(BUFINFO, "r");
	int n = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "dma_buf_phys") != NULL;
	fclose(f);
	return n;
}

/*
 * Leaf entries of @bdf's IOMMU page table (Intel IOMMU debugfs: one line per
 * present PTE, under a "Device BDF" heading); -1 without that file.
 */
static inline long count_iommu_ptes(const char *bdf)
{
	char line[512];
	FILE *f = fopen(IOMMU_PTES, "r");
	long n = 0;
	int in = 0;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Device ", 7))
			in = strstr(line, bdf) != NULL;
		else if (in && !strncmp(line, "0x", 2))
			n++;
	}
	fclose(f);
	return n;
}

#endif /* P2PTEST_UTIL_H */
