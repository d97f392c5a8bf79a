/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu_spy: watch what the DMA layer asks of the Intel IOMMU driver.
 *
 * Kprobes on the driver's map_pages and iotlb_sync_map callbacks record,
 * for one domain and IOVAs inside a window the test chooses, the number of map calls, the
 * page sizes and protection bits they used, and the number of IOTLB syncs.
 * A kretprobe on iommu_dma_alloc_iova() and a kprobe on
 * iommu_dma_free_iova() keep the balance of IOVA space reserved for the
 * domain and given back, so a test can show that nothing was leaked.
 * Tests use it to check the DMA layer's requests (MMIO protection, one sync
 * per batch, 2 MiB pages) without hooks in the code under test.
 */
#ifndef P2P_IOMMU_SPY_H
#define P2P_IOMMU_SPY_H

#include <linux/kprobes.h>
#include <linux/types.h>

struct iommu_spy {
	struct kprobe map_kp;
	struct kprobe sync_kp;
	struct kretprobe alloc_krp;
	struct kprobe free_kp;
	void *domain;			/* the struct iommu_domain watched */
	void *cookie;			/* ... and its IOVA cookie */
	unsigned long lo, hi;		/* IOVA window watched, [lo, hi) */
	atomic_t map_calls;
	atomic_t syncs;
	atomic_t prot_or;		/* prot bits of every map call, OR-ed */
	atomic_t prot_and;		/* ... and AND-ed */
	atomic_long_t pgsizes;		/* page sizes used, OR-ed */
	atomic_long_t iova_bytes;	/* IOVA reserved minus IOVA given back */
};

int iommu_spy_start(struct iommu_spy *spy, void *domain, unsigned long lo,
		    unsigned long hi);
void iommu_spy_reset(struct iommu_spy *spy);
void iommu_spy_stop(struct iommu_spy *spy);

#endif /* P2P_IOMMU_SPY_H */
