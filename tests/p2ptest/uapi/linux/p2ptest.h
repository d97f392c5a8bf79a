/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/p2ptest: export ranges of a PCI BAR as dma-bufs, import dma-bufs for
 * a client device and let it DMA to and from them. The kernel half of the
 * p2ptest tool; every call needs CAP_SYS_ADMIN (-EPERM otherwise).
 *
 * Devices take part once bound to the "p2ptest" PCI driver:
 *   echo p2ptest > /sys/bus/pci/devices/DEV/driver_override
 *   echo DEV > /sys/bus/pci/drivers/p2ptest/bind
 * Unknown flags and non-zero reserved fields fail with -EINVAL.
 */
#ifndef _UAPI_LINUX_P2PTEST_H
#define _UAPI_LINUX_P2PTEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define P2PTEST_API_VERSION	1

/* A PCI function, as in "dddd:bb:dd.f". */
struct p2ptest_pci_addr {
	__u32 domain;
	__u8 bus;
	__u8 devfn;
	__u16 reserved;
};

/* Part of a BAR: offset from its start, length; both page-aligned. */
struct p2ptest_range {
	__u64 offset;
	__u64 length;
};

#define P2PTEST_MAX_RANGES	256

/*
 * P2PTEST_IOC_EXPORT: ranges of a memory BAR of a bound device as one
 * dma-buf, in order; fd receives it (O_CLOEXEC, O_RDWR; mmap() maps it
 * uncached). Errors: ENODEV (device absent or not bound to p2ptest),
 * EINVAL (BAR index, nr_ranges 0, a zero or unaligned range, flags,
 * reserved), ENXIO (not a memory BAR), E2BIG (more than
 * P2PTEST_MAX_RANGES), EOVERFLOW (offset + length overflows), ERANGE (a
 * range past the end of the BAR), EFAULT.
 */
struct p2ptest_export {
	struct p2ptest_pci_addr provider;
	__u32 bar;
	__u32 flags;
	__u32 nr_ranges;
	__u32 reserved;
	__u64 ranges;		/* user pointer to nr_ranges struct p2ptest_range */
	__s32 fd;		/* out */
	__u32 reserved2;
};

/* How an import was mapped. */
#define P2PTEST_ROUTE_SYSTEM		0	/* a scatterlist exporter's memory */
#define P2PTEST_ROUTE_BUS_ADDR		1	/* PCI bus addresses, through a switch */
#define P2PTEST_ROUTE_HOST_BRIDGE	2	/* through the host bridge (DMA API) */

/*
 * P2PTEST_IOC_IMPORT: attach any dma-buf to a bound client device and map
 * it; handle names the import on this open file. Errors: ENODEV (client
 * absent or unbound, buffer revoked), EREMOTEIO (the client may not reach
 * the memory: the kernel log says why), EBADF, EINVAL (flags, reserved),
 * EMFILE (too many imports on this file), ENOMEM.
 */
struct p2ptest_import {
	__s32 dmabuf_fd;
	__u32 flags;
	struct p2ptest_pci_addr client;
	__u32 handle;		/* out */
	__u32 route;		/* out: P2PTEST_ROUTE_* */
	__u32 nr_vecs;		/* out: DMA ranges after merging */
	__u32 iova;		/* out: 1 when one IOVA range covers the buffer */
};

#define P2PTEST_TO_BUFFER	0	/* the client DMAs data into the buffer */
#define P2PTEST_FROM_BUFFER	1	/* the client DMAs the buffer out */

/*
 * The most one transfer moves: half the edu device's 4 KiB DMA buffer
 * (QEMU 7.2's edu stops the machine on a transfer of the whole buffer).
 */
#define P2PTEST_MAX_TRANSFER	2048

/*
 * P2PTEST_IOC_TRANSFER: the client of an import moves length bytes at
 * offset of the buffer, to (TO_BUFFER, from data) or from (FROM_BUFFER,
 * into data) the buffer, by DMA; an import its exporter revoked and
 * restored since is mapped again first. Errors: ENOENT (no such handle),
 * ENODEV (revoked, or the client unbound), EBUSY (the client is being
 * reset or its memory decode is off), EINVAL (direction, flags, reserved, length 0 or above
 * P2PTEST_MAX_TRANSFER, a range outside the buffer or across two DMA
 * ranges), EOPNOTSUPP (the client is not a DMA engine p2ptest drives: the
 * QEMU edu device), EFAULT. A transfer returns only once the client's
 * DMA engine has stopped.
 */
struct p2ptest_transfer {
	__u32 handle;
	__u32 direction;
	__u64 offset;
	__u64 length;
	__u64 data;		/* user pointer to length bytes */
	__u32 flags;
	__u32 reserved;
};

/* P2PTEST_IOC_UNIMPORT: unmap and detach an import. ENOENT: no such handle. */
struct p2ptest_handle {
	__u32 handle;
	__u32 reserved;
};

/*
 * P2PTEST_IOC_REVOKE: revoke (restore = 0) or restore (restore = 1) a
 * buffer exported here: importers are told and unmap; maps then fail with
 * ENODEV. p2ptest also revokes a device's buffers while user space has its
 * memory decode off (Command register) and during a reset, and for good
 * when it is unbound. Errors: EBADF, EINVAL (not exported by p2ptest,
 * restore above 1), EBUSY (restore: the buffer stays revoked for one of
 * those other reasons), ETIMEDOUT (an importer did not unmap: named in the
 * kernel log).
 */
struct p2ptest_revoke {
	__s32 dmabuf_fd;
	__u32 restore;
};

#define P2PTEST_IOC_MAGIC	'P'
#define P2PTEST_IOC_VERSION	_IOR(P2PTEST_IOC_MAGIC, 0, __u32)
#define P2PTEST_IOC_EXPORT	_IOWR(P2PTEST_IOC_MAGIC, 1, struct p2ptest_export)
#define P2PTEST_IOC_IMPORT	_IOWR(P2PTEST_IOC_MAGIC, 2, struct p2ptest_import)
#define P2PTEST_IOC_TRANSFER	_IOW(P2PTEST_IOC_MAGIC, 3, struct p2ptest_transfer)
#define P2PTEST_IOC_UNIMPORT	_IOW(P2PTEST_IOC_MAGIC, 4, struct p2ptest_handle)
#define P2PTEST_IOC_REVOKE	_IOW(P2PTEST_IOC_MAGIC, 5, struct p2ptest_revoke)

#endif /* _UAPI_LINUX_P2PTEST_H */
