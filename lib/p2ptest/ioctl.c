// SPDX-License-Identifier: GPL-2.0 OR MIT
/* /dev/p2ptest's ioctls, one call each: the result, or -errno. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "p2ptest_client.h"

int p2ptest_open(void)
{
	int fd = open(P2PTEST_DEV, O_RDWR | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

int __p2ptest_ioctl(int ctl, unsigned long request, void *arg)
{
	int ret = ioctl(ctl, request, arg);

	return ret < 0 ? -errno : ret;
}

int __p2ptest_version(int ctl, uint32_t *version)
{
	return __p2ptest_ioctl(ctl, P2PTEST_IOC_VERSION, version);
}

int __p2ptest_import(int ctl, int dmabuf_fd, const struct p2ptest_pci_addr *client,
		     struct p2ptest_import *imp)
{
	*imp = (struct p2ptest_import){ .dmabuf_fd = dmabuf_fd, .client = *client };
	return __p2ptest_ioctl(ctl, P2PTEST_IOC_IMPORT, imp);
}

int __p2ptest_unimport(int ctl, uint32_t handle)
{
	struct p2ptest_handle h = { .handle = handle };

	return __p2ptest_ioctl(ctl, P2PTEST_IOC_UNIMPORT, &h);
}

int __p2ptest_transfer(int ctl, uint32_t handle, uint32_t direction, uint64_t offset,
		       void *data, uint64_t length)
{
	struct p2ptest_transfer t = {
		.handle = handle, .direction = direction, .offset = offset, .length = length,
		.data = (uint64_t)(uintptr_t)data,
	};

	return __p2ptest_ioctl(ctl, P2PTEST_IOC_TRANSFER, &t);
}
