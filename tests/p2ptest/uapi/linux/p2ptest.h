/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * /dev/p2ptest: import a dma-buf for a client device and drive that
 * client's DMA engine (QEMU's edu) to and from it. The kernel half of the
 * p2ptest tool; every call needs CAP_SYS_ADMIN (-EPERM otherwise).
 * Exporting ranges of a PCI BAR is VFIO's job (VFIO_DEVICE_FEATURE_DMA_BUF
 * in <linux/vfio.h>, on a device bound to vfio-pci), and revoking them
 * its exporter's.
 *
 * Clients take part once bound to the "p2ptest" PCI driver:
 *   echo p2ptest > /sys/bus/pci/devices/DEV/driver_override
 *   echo DEV > /sys/bus/pci/drivers/p2ptest/bind
 * Unknown flags and non-zero reserved fields of an argument fail with
 * -EINVAL; a PCI address whose reserved field is not zero names no device
 * (-ENODEV).
 */
#ifndef _UAPI_LINUX_P2PTEST_H
#define _UAPI_LINUX_P2PTEST_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* 2: P2PTEST_IOC_EXPORT and P2PTEST_IOC_REVOKE are gone. */
#define P2PTEST_API_VERSION	2

/* A PCI function, as in "dddd:bb:dd.f". */
struct p2ptest_pci_addr {
	__u32 domain;
	__u8 bus;
	__u8 devfn;
	__u16 reserved;
};

/* How an import was mapped. */
#define P2PTEST_ROUTE_SYSTEM		0	/* a scatterlist exporter's memory */
#define P2PTEST_ROUTE_BUS_ADDR		1	/* PCI bus addresses, through a switch */
#define P2PTEST_ROUTE_HOST_BRIDGE	2	/* through the host bridge (DMA API) */

/*
 * P2PTEST_IOC_IMPORT: attach any dma-buf to a bound client device and map
 * it; handle names the import on this open file, which keeps it until
 * UNIMPORT or its release. Errors: ENODEV (no device bound to p2ptest at
 * client, or it is being unbound; or the buffer is revoked: VFIO's while
 * the device's memory is inaccessible (decode off, a reset, a low-power
 * state) and for good once the device is closed), EREMOTEIO (the client
 * may not reach the memory: the kernel log says why), EBADF (dmabuf_fd is
 * not a dma-buf), EINVAL (flags), EMFILE (too many imports on this file),
 * ENOMEM, EFAULT; another exporter's own error when it refuses the
 * attachment or the mapping.
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
 * into data) the buffer, by DMA; an import its exporter revoked or moved
 * since (move_notify) is mapped again first. Errors: ENOENT (no such
 * handle), ENODEV (the buffer is revoked until its exporter restores it:
 * VFIO's while the device's memory is inaccessible (decode off, a reset, a
 * low-power state) and for good once the device is closed; or the client
 * was unbound or vanished), EBUSY (the client is being reset or its memory
 * decode is off), EINVAL (direction, flags, reserved, length 0 or above
 * P2PTEST_MAX_TRANSFER, a range outside the buffer or across two DMA
 * ranges), EOPNOTSUPP (the client is not a DMA engine p2ptest drives: the
 * QEMU edu device), EFAULT, ENOMEM, EINTR (a signal while waiting for the
 * buffer); mapping the import again can also fail as IMPORT's mapping
 * does (EREMOTEIO: the route changed and refuses the client; another
 * exporter's error). A transfer returns only once the client's DMA engine
 * has stopped.
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

/*
 * P2PTEST_IOC_UNIMPORT: unmap and detach an import. Errors: ENOENT (no
 * such handle), EINVAL (reserved), EFAULT.
 */
struct p2ptest_handle {
	__u32 handle;
	__u32 reserved;
};

#define P2PTEST_IOC_MAGIC	'P'
/* Numbers 1 and 5 once exported and revoked (version 1); not reused. */
#define P2PTEST_IOC_VERSION	_IOR(P2PTEST_IOC_MAGIC, 0, __u32)
#define P2PTEST_IOC_IMPORT	_IOWR(P2PTEST_IOC_MAGIC, 2, struct p2ptest_import)
#define P2PTEST_IOC_TRANSFER	_IOW(P2PTEST_IOC_MAGIC, 3, struct p2ptest_transfer)
#define P2PTEST_IOC_UNIMPORT	_IOW(P2PTEST_IOC_MAGIC, 4, struct p2ptest_handle)

#endif /* _UAPI_LINUX_P2PTEST_H */
