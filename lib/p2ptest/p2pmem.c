// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * User-space P2PDMA: what a provider's p2pmem/ folder says, and mappings
 * of its allocate file.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"

/* p2pmem/@attr of @bdf as a number into *@val: 0 or -errno (-EINVAL: not a number). */
static int p2pmem_attr(const char *bdf, const char *attr, uint64_t *val)
{
	char name[32], buf[32], *end;
	int ret;

	snprintf(name, sizeof(name), "p2pmem/%s", attr);
	ret = p2ptest_pci_read(bdf, name, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 0);
	return errno || end == buf || *end ? -EINVAL : 0;
}

int p2ptest_p2pmem_info(const char *bdf, struct p2ptest_p2pmem *info)
{
	char path[PATH_MAX];
	uint64_t published;
	int ret;

	memset(info, 0, sizeof(*info));
	if (!p2ptest_pci_exists(bdf))
		return -ENODEV;
	ret = p2pmem_attr(bdf, "size", &info->size);
	if (!ret)
		ret = p2pmem_attr(bdf, "available", &info->available);
	if (!ret)
		ret = p2pmem_attr(bdf, "published", &published);
	if (ret)
		return ret;
	info->published = published;
	ret = p2ptest_sysfs_path(path, sizeof(path),
				 P2PTEST_SYSFS_PCI "/devices/%s/p2pmem/allocate", bdf);
	if (ret)
		return ret;
	info->mappable = !access(path, F_OK);
	return 0;
}

int __p2ptest_p2pmem_map(const char *bdf, size_t len, void **addr)
{
	char path[PATH_MAX];
	int fd, ret = p2ptest_sysfs_path(path, sizeof(path),
					 P2PTEST_SYSFS_PCI "/devices/%s/p2pmem/allocate", bdf);
	void *p;

	*addr = NULL;
	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* The mapping holds its pages; the file is not needed after it. */
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = p == MAP_FAILED ? -errno : 0;
	close(fd);
	if (!ret)
		*addr = p;
	return ret;
}
