// SPDX-License-Identifier: GPL-2.0
/*
 * iommu_spy: kprobes on the Intel IOMMU driver's map_pages and
 * iotlb_sync_map callbacks and on dma-iommu's IOVA allocation. See
 * iommu_spy.h.
 *
 * The driver's callbacks are reached only through its ops table, so they
 * are never inlined. Each handler reads the arguments of the function it
 * probes, named above it, with regs_get_kernel_argument().
 */
#include <linux/atomic.h>
#include <linux/iommu.h>
#include <linux/kprobes.h>

#include "iommu_spy.h"

/* A call of map_pages or iotlb_sync_map(domain, iova, ...) for @len bytes. */
static bool watched(struct iommu_spy *spy, struct pt_regs *regs,
		    unsigned long len)
{
	unsigned long iova = regs_get_kernel_argument(regs, 1);

	return (void *)regs_get_kernel_argument(regs, 0) == spy->domain &&
	       iova < spy->hi && iova + len > spy->lo;
}

/* intel_iommu_map_pages(domain, iova, paddr, pgsize, pgcount, prot, ...) */
static int map_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct iommu_spy *spy = container_of(kp, struct iommu_spy, map_kp);
	unsigned long pgsize = regs_get_kernel_argument(regs, 3);
	unsigned long pgcount = regs_get_kernel_argument(regs, 4);
	int prot = regs_get_kernel_argument(regs, 5);

	if (!watched(spy, regs, pgsize * pgcount))
		return 0;
	atomic_inc(&spy->map_calls);
	atomic_or(prot, &spy->prot_or);
	atomic_and(prot, &spy->prot_and);
	atomic_long_or(pgsize, &spy->pgsizes);
	return 0;
}

/* intel_iommu_iotlb_sync_map(domain, iova, size) */
static int sync_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct iommu_spy *spy = container_of(kp, struct iommu_spy, sync_kp);

	if (watched(spy, regs, regs_get_kernel_argument(regs, 2)))
		atomic_inc(&spy->syncs);
	return 0;
}

struct alloc_call {
	unsigned long size;
};

/* iommu_dma_alloc_iova(domain, size, ...): the IOVA, 0 on failure */
static int alloc_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct iommu_spy *spy = container_of(get_kretprobe(ri), struct iommu_spy,
					     alloc_krp);
	struct alloc_call *call = (struct alloc_call *)ri->data;

	if ((void *)regs_get_kernel_argument(regs, 0) != spy->domain)
		return 1;	/* another domain: skip the return handler */
	call->size = regs_get_kernel_argument(regs, 1);
	return 0;
}

static int alloc_ret(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct iommu_spy *spy = container_of(get_kretprobe(ri), struct iommu_spy,
					     alloc_krp);
	struct alloc_call *call = (struct alloc_call *)ri->data;

	if (regs_return_value(regs))
		atomic_long_add(call->size, &spy->iova_bytes);
	return 0;
}

/* iommu_dma_free_iova(cookie, iova, size, ...) */
static int free_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct iommu_spy *spy = container_of(kp, struct iommu_spy, free_kp);

	if ((void *)regs_get_kernel_argument(regs, 0) == spy->cookie)
		atomic_long_sub(regs_get_kernel_argument(regs, 2), &spy->iova_bytes);
	return 0;
}

/**
 * iommu_spy_reset() - zero the counters, keep watching
 * @spy: the spy
 */
void iommu_spy_reset(struct iommu_spy *spy)
{
	atomic_set(&spy->map_calls, 0);
	atomic_set(&spy->syncs, 0);
	atomic_set(&spy->prot_or, 0);
	atomic_set(&spy->prot_and, ~0);
	atomic_long_set(&spy->pgsizes, 0);
	atomic_long_set(&spy->iova_bytes, 0);
}

/**
 * iommu_spy_start() - watch map and sync calls for IOVAs in [lo, hi)
 * @spy: zeroed spy to start
 * @domain: the struct iommu_domain whose calls are counted
 * @lo: first IOVA watched
 * @hi: first IOVA past the window
 *
 * Return: 0, or the errno of register_kprobe() (no Intel IOMMU driver,
 * or a kernel without kprobes).
 */
int iommu_spy_start(struct iommu_spy *spy, void *domain, unsigned long lo,
		    unsigned long hi)
{
	int ret;

	spy->domain = domain;
	spy->cookie = ((struct iommu_domain *)domain)->iova_cookie;
	spy->lo = lo;
	spy->hi = hi;
	iommu_spy_reset(spy);
	spy->map_kp.symbol_name = "intel_iommu_map_pages";
	spy->map_kp.pre_handler = map_pre;
	spy->sync_kp.symbol_name = "intel_iommu_iotlb_sync_map";
	spy->sync_kp.pre_handler = sync_pre;
	spy->alloc_krp.kp.symbol_name = "iommu_dma_alloc_iova";
	spy->alloc_krp.entry_handler = alloc_entry;
	spy->alloc_krp.handler = alloc_ret;
	spy->alloc_krp.data_size = sizeof(struct alloc_call);
	spy->alloc_krp.maxactive = 8;
	spy->free_kp.symbol_name = "iommu_dma_free_iova";
	spy->free_kp.pre_handler = free_pre;

	ret = register_kprobe(&spy->map_kp);
	if (ret)
		return ret;
	ret = register_kprobe(&spy->sync_kp);
	if (ret)
		goto out_map;
	ret = register_kretprobe(&spy->alloc_krp);
	if (ret)
		goto out_sync;
	ret = register_kprobe(&spy->free_kp);
	if (!ret)
		return 0;

	unregister_kretprobe(&spy->alloc_krp);
out_sync:
	unregister_kprobe(&spy->sync_kp);
out_map:
	unregister_kprobe(&spy->map_kp);
	return ret;
}

/**
 * iommu_spy_stop() - stop watching
 * @spy: a started spy
 */
void iommu_spy_stop(struct iommu_spy *spy)
{
	unregister_kprobe(&spy->free_kp);
	unregister_kretprobe(&spy->alloc_krp);
	unregister_kprobe(&spy->sync_kp);
	unregister_kprobe(&spy->map_kp);
}
