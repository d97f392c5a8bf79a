/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The p2ptest client library: what a program that drives /dev/p2ptest
 * (tests/p2ptest/uapi/linux/p2ptest.h) needs around its ioctls. PCI addresses,
 * sysfs, binding a device to a driver, the ioctls themselves, and what the
 * kernel publishes about dma-bufs, IOMMU page tables and P2P routes. The
 * VFIO side is p2ptest_vfio.h.
 *
 * Conventions, as IGT's: __p2ptest_X() makes one ioctl and returns its
 * result (0, or what the call returns: a file descriptor) or a negative
 * errno; its asserting form p2ptest_X() belongs to the IGT tests
 * (tests/igt/p2ptest_igt.h). Every other function here returns 0 (or the
 * count or index it names) or a negative errno too. Nothing here prints,
 * exits or asserts, and errno after a call is unspecified: the return
 * value says what failed.
 *
 * Every path under /sys this library opens (sysfs, and debugfs below
 * /sys/kernel/debug) starts from the sysfs root: /sys, or the folder
 * P2PTEST_SYSFS names in the environment, a fake tree for tests that run
 * without the devices. The paths below are as on a machine.
 */
#ifndef P2PTEST_CLIENT_H
#define P2PTEST_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/p2ptest.h>

#define P2PTEST_DEV		"/dev/p2ptest"
#define P2PTEST_SYSFS_PCI	"/sys/bus/pci"
#define P2PTEST_BUFINFO		"/sys/kernel/debug/dma_buf/bufinfo"
#define P2PTEST_IOMMU_PTES	"/sys/kernel/debug/iommu/intel/domain_translation_struct"
#define P2PTEST_EXPLAIN		"/sys/kernel/debug/p2pdma/explain"
#define P2PTEST_CACHE		"/sys/kernel/debug/p2pdma/cache"
#define P2PTEST_ALLOWLIST	"/sys/module/p2pdma/parameters/host_bridge_allowlist"

/* PCI addresses: "dddd:bb:dd.f", as sysfs names devices. */

#define P2PTEST_BDF_LEN		16	/* "dddd:bb:dd.f" and its NUL */

/* The address of domain @dom, bus @b, device @d, function @f. */
#define P2PTEST_PCI_ADDR(dom, b, d, f) ((struct p2ptest_pci_addr){ \
	.domain = (uint32_t)(dom), .bus = (uint8_t)(b), .devfn = (uint8_t)((d) << 3 | (f)) })

/* Parse "dddd:bb:dd.f" (hex, function 0-7) into *@addr: 0, or -EINVAL. */
int p2ptest_parse_bdf(const char *s, struct p2ptest_pci_addr *addr);
/* @addr as "dddd:bb:dd.f" in @buf (cut to @len); returns @buf. */
char *p2ptest_format_bdf(const struct p2ptest_pci_addr *addr, char *buf, size_t len);

/* sysfs (and debugfs, procfs) files. */

/* The sysfs root: $P2PTEST_SYSFS when set and not empty, else "/sys". */
const char *p2ptest_sysfs_root(void);
/*
 * The path printf(@fmt, ...) makes, with a leading "/sys" replaced by the
 * sysfs root, into @buf: for a program's own open()s of sysfs files. Other
 * paths are left as they are. 0, or -ENAMETOOLONG (@buf is "" then).
 */
int p2ptest_sysfs_path(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Read the file at @path (under the sysfs root if it is a /sys path, as
 * every @path of these three) into @buf: at most @len - 1 bytes, up to the
 * first newline, NUL-terminated. 0 or -errno; @buf is "" on failure.
 */
int p2ptest_sysfs_read(const char *path, char *buf, size_t len);
/* Write @val (one write()) to the file at @path: 0 or -errno. */
int p2ptest_sysfs_write(const char *path, const char *val);
/*
 * Write @query to the file at @path, then read its answer back from the
 * same open file (from offset 0) into @answer, NUL-terminated, as debugfs
 * query files work (p2pdma/explain). 0 or -errno of the open, the write
 * or the read; @answer is "" unless the read succeeded.
 */
int p2ptest_sysfs_query(const char *path, const char *query, char *answer, size_t len);

/* A PCI device's own sysfs folder, /sys/bus/pci/devices/BDF. */

/* Whether the device @bdf is there. */
bool p2ptest_pci_exists(const char *bdf);
/* Read attribute @attr of @bdf (as p2ptest_sysfs_read()): 0 or -errno. */
int p2ptest_pci_read(const char *bdf, const char *attr, char *buf, size_t len);
/* Write @val to attribute @attr of @bdf ("remove", "reset", ...): 0 or -errno. */
int p2ptest_pci_write(const char *bdf, const char *attr, const char *val);
/* Rescan every PCI bus, as "echo 1 > /sys/bus/pci/rescan": 0 or -errno. */
int p2ptest_pci_rescan(void);

/*
 * Turn memory decode (the Command register's memory space bit) of @bdf on
 * or off through its sysfs config file, as setpci does: 0 or -errno (-EIO
 * for a short read or write).
 */
int p2ptest_pci_set_decode(const char *bdf, bool on);

#define P2PTEST_NR_BARS		6

/* A BAR as the sysfs "resource" file gives it; all zero when absent. */
struct p2ptest_pci_bar {
	uint64_t start, size;
	uint64_t flags;			/* the kernel's IORESOURCE_*: 0x200 memory */
};

/* The six BARs of @bdf: 0 or -errno. */
int p2ptest_pci_bars(const char *bdf, struct p2ptest_pci_bar bars[P2PTEST_NR_BARS]);
/*
 * The index of @bdf's largest memory BAR, its size in *@size (may be
 * NULL); -ENOENT when it has none, or -errno.
 */
int p2ptest_pci_largest_bar(const char *bdf, uint64_t *size);

/*
 * User-space P2PDMA (mainline 6.2): the p2pmem a provider publishes,
 * /sys/bus/pci/devices/BDF/p2pmem. A shared mapping of its "allocate"
 * file is P2P memory, the buffer of O_DIRECT I/O to a block device whose
 * queue can reach the provider.
 */

/* What p2pmem/ says of a provider. */
struct p2ptest_p2pmem {
	bool published;			/* offered to other devices' drivers and to users */
	uint64_t size;			/* bytes in the pool */
	uint64_t available;		/* bytes free in it */
	bool mappable;			/* p2pmem/allocate is there: user space may map it */
};

/*
 * The p2pmem of @bdf into *@info: 0, -ENODEV when there is no such device,
 * -ENOENT when it has no p2pmem (it publishes none: no CMB, a driver that
 * does not register it, or a kernel without P2PDMA), or -errno.
 */
int p2ptest_p2pmem_info(const char *bdf, struct p2ptest_p2pmem *info);
/*
 * mmap() @len bytes (a multiple of the page size) of @bdf's p2pmem: a
 * MAP_SHARED, read-write mapping of p2pmem/allocate at offset 0, its
 * address in *@addr. Every call maps memory of its own, taken from the
 * device's pool; munmap() gives it back. The CPU reaches it uncached,
 * through the BAR. 0 or -errno: -ENOENT no p2pmem/allocate (no p2pmem,
 * or a kernel without user-space P2PDMA), -EACCES not root, -ENOMEM the
 * pool has no @len bytes in one piece, -ENODEV the device is going away.
 */
int __p2ptest_p2pmem_map(const char *bdf, size_t len, void **addr);

/*
 * Block devices as sysfs shows them, /sys/block/NAME, and the NVMe
 * namespaces among them.
 */

/*
 * The name in /sys/block of the block device at @path (/dev/nvme0n1:
 * "nvme0n1") into @name: 0, -ENOTBLK when @path is not a block device,
 * -EINVAL when it is a partition, or -errno.
 */
int p2ptest_block_name(const char *path, char *name, size_t len);
/*
 * The logical block size of block device @name in *@lbs and its size in
 * bytes in *@bytes: 0, -ENOENT no such block device, -EINVAL an attribute
 * that reads wrong, or -errno.
 */
int p2ptest_block_geometry(const char *name, uint32_t *lbs, uint64_t *bytes);
/*
 * The PCI device that does block device @name's DMA (an NVMe namespace's
 * controller) into @bdf (at least P2PTEST_BDF_LEN bytes): 0, -ENOENT no
 * such block device, -ENODEV none is a PCI device (a RAM disk, a loop
 * device), -EXDEV several are (a multipath namespace reached through more
 * than one controller), or -errno.
 */
int p2ptest_block_pci(const char *name, char *bdf, size_t len);
/*
 * The first namespace (the lowest namespace number) that NVMe controller
 * @bdf reaches, its block device's name into @name ("nvme0n1"): 0,
 * -ENOENT when it has none (or is not an NVMe controller bound to nvme),
 * or -errno.
 */
int p2ptest_nvme_namespace(const char *bdf, char *name, size_t len);

/* Drivers. */

/*
 * The driver @bdf is bound to, its name in @name ("" when none): 0, or
 * -ENOENT when there is no such device, or -errno.
 */
int p2ptest_pci_driver(const char *bdf, char *name, size_t len);
/* "echo BDF > /sys/bus/pci/drivers/DRIVER/bind": 0 or -errno. */
int p2ptest_driver_bind(const char *driver, const char *bdf);
/* "echo BDF > /sys/bus/pci/drivers/DRIVER/unbind": 0 or -errno. */
int p2ptest_driver_unbind(const char *driver, const char *bdf);
/*
 * Bind @bdf to @driver through its driver_override. A device already
 * bound to @driver is left alone once its probe() is over (waited for);
 * one bound to another driver is taken from it only when @take (-EBUSY
 * otherwise, nothing written). The driver
 * it had goes into @old ("" none; @old may be NULL): p2ptest_pci_bind()
 * with it gives the device back. 0, or -errno: -ENOENT no such device,
 * -ENODEV from the bind of a device the PCI core does not let drivers
 * match yet (just hot-added: try again), or what a sysfs write gave.
 */
int p2ptest_pci_bind(const char *bdf, const char *driver, bool take, char *old, size_t oldlen);

/* /dev/p2ptest: every call but p2ptest_open() takes its file, @ctl. */

/* Open /dev/p2ptest (O_RDWR, O_CLOEXEC): the file descriptor, or -errno. */
int p2ptest_open(void);
/* ioctl(@ctl, @request, @arg) as it is: its result (>= 0) or -errno. */
int __p2ptest_ioctl(int ctl, unsigned long request, void *arg);
/* P2PTEST_IOC_VERSION into *@version: 0 or -errno. */
int __p2ptest_version(int ctl, uint32_t *version);
/*
 * P2PTEST_IOC_IMPORT of dma-buf @dmabuf_fd for @client. *@imp is set to
 * the call's argument and result (handle, route, nr_vecs, iova): 0 or -errno.
 */
int __p2ptest_import(int ctl, int dmabuf_fd, const struct p2ptest_pci_addr *client,
		     struct p2ptest_import *imp);
/* P2PTEST_IOC_UNIMPORT of @handle: 0 or -errno. */
int __p2ptest_unimport(int ctl, uint32_t handle);
/*
 * P2PTEST_IOC_TRANSFER: the client of import @handle moves @length bytes at
 * @offset of the buffer, @direction P2PTEST_TO_BUFFER (from @data) or
 * P2PTEST_FROM_BUFFER (into @data): 0 or -errno.
 */
int __p2ptest_transfer(int ctl, uint32_t handle, uint32_t direction, uint64_t offset,
		       void *data, uint64_t length);

/* What the kernel publishes: proof that nothing was left behind, routes. */

/* dma-bufs of physical ranges alive in the kernel (debugfs bufinfo), or -errno. */
int p2ptest_count_phys_bufs(void);
/*
 * Present leaf entries of @bdf's IOMMU page table (Intel IOMMU debugfs:
 * one line per PTE under a "Device BDF" heading), or -errno without it.
 */
long p2ptest_count_iommu_ptes(const char *bdf);
/* File descriptors open in this process (entries of /proc/self/fd), or -errno. */
int p2ptest_count_fds(void);
/*
 * The kernel's explanation of the route from @provider's memory to
 * @client (debugfs p2pdma/explain) into @buf: 0 or -errno (-ENOENT: the
 * kernel publishes none or debugfs is not mounted, -EACCES: not root,
 * -ENODEV: no such device).
 */
int p2ptest_explain(const char *provider, const char *client, char *buf, size_t len);
/*
 * The value of the first "KEY value" line of an explanation into @buf:
 * @buf, or NULL when there is no such line.
 */
const char *p2ptest_explain_field(const char *explanation, const char *key, char *buf,
				  size_t len);
/*
 * The routing cache's current verdict for @provider's memory and @client
 * (debugfs p2pdma/cache: "PROVIDER CLIENT MAP DISTANCE current"), the
 * first time a mapping asked the routing engine for the pair: MAP
 * ("BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED") into @map, the
 * distance into *@distance (may be NULL). 0, or -ENODATA no current entry
 * for the pair, -ENOENT the kernel publishes no cache (or debugfs is not
 * mounted), -EACCES not root, or -errno.
 */
int p2ptest_route_cached(const char *provider, const char *client, char *map, size_t len,
			 int *distance);
/* The host bridges p2pdma trusts ("VVVV:DDDD,..."), as p2ptest_sysfs_read(). */
int p2ptest_allowlist_get(char *buf, size_t len);
/* Replace them with @list; "" clears the list: 0 or -errno. */
int p2ptest_allowlist_set(const char *list);

#endif /* P2PTEST_CLIENT_H */
