/* SPDX-License-Identifier: GPL-2.0 */
/* Internal interfaces of the p2ptest test module (tests/p2ptest). */
#ifndef TESTS_P2PTEST_H
#define TESTS_P2PTEST_H

#include <linux/dma-buf-mapping.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/pci.h>

#include "uapi/linux/p2ptest.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8

/* QEMU's edu device: the one DMA engine p2ptest drives. */
static inline bool p2ptest_is_edu(const struct pci_dev *pdev)
{
	return pdev->vendor == EDU_VENDOR && pdev->device == EDU_DEVICE;
}

/*
 * A PCI device bound to the p2ptest driver. It outlives its binding while
 * imports for it hold references; @gone (under @dma_lock) then says it was
 * unbound.
 */
struct p2ptest_dev {
	struct pci_dev *pdev;
	void __iomem *edu;		/* BAR 0 of an edu device while bound, else NULL */
	void *staging;			/* edu: system memory the data passes through */
	dma_addr_t staging_dma;
	struct mutex dma_lock;		/* one DMA at a time; guards the flags */
	bool resetting;			/* between reset_prepare and reset_done */
	bool decode_off;		/* memory decode off, or about to be */
	bool gone;
	struct list_head node;
	struct kref ref;
};

/* p2ptest-pci.c */
int p2ptest_pci_register(void);
void p2ptest_pci_unregister(void);
struct p2ptest_dev *p2ptest_dev_get(const struct p2ptest_pci_addr *addr);
void p2ptest_dev_put(struct p2ptest_dev *pd);

/* p2ptest-main.c */
void p2ptest_drop_imports_of(struct p2ptest_dev *pd);

/* p2ptest-edu.c */
int p2ptest_edu_dma(struct p2ptest_dev *pd, dma_addr_t addr, void *buf, size_t len,
		    bool to_buffer);

#endif /* TESTS_P2PTEST_H */
