// SPDX-License-Identifier: GPL-2.0
/*
 * Two-step IOVA-based DMA mapping: reserve one IOVA range up front, link
 * physical ranges (RAM or MMIO) into it in the fast path, and make a batch
 * of links visible with one IOTLB sync.
 *
 * Only devices behind a translating IOMMU domain use it: for dma-direct and
 * identity (passthrough) domains dma_iova_try_alloc() returns false and the
 * caller maps each range with dma_map_phys(). Nothing here takes a lock;
 * callers serialise the calls on one dma_iova_state. dma_iova_link()
 * allocates page-table memory with GFP_ATOMIC, so it may be called in
 * atomic context.
 *
 * An untrusted device must not reach any byte outside the ranges it was
 * given, so for such a device the unaligned head and tail of a RAM range
 * are bounced through swiotlb: each gets a zeroed, granule-sized bounce
 * slot holding a copy of just its bytes, mapped in place of the granule.
 * The aligned middle is mapped directly. MMIO is never bounced: such a
 * link fails with -EPERM. A state with bounce slots is marked with
 * DMA_IOVA_USE_SWIOTLB; unlinking it walks the range granule by granule
 * to find the slots, copies their bytes back and frees them only after
 * the IOTLB no longer holds their translation.
 */
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/iova.h>
#include <linux/overflow.h>
#include <linux/swiotlb.h>

#include "dma-iommu.h"

/* The granule-aligned IOVA range backing @state, and its length. */
static dma_addr_t iova_base(struct iova_domain *iovad,
			    struct dma_iova_state *state, size_t *len)
{
	size_t pad = iova_offset(iovad, state->addr);

	*len = iova_align(iovad, dma_iova_size(state) + pad);
	return state->addr - pad;
}

/*
 * Is [@offset, @offset + @size) empty or not inside @state's reservation?
 * Then the caller has a bug: unmapping or syncing it would touch IOVA of
 * other mappings in the domain.
 */
static bool iova_range_bad(struct dma_iova_state *state, size_t offset, size_t size)
{
	size_t end;

	return !size || check_add_overflow(offset, size, &end) || end > dma_iova_size(state);
}

/* Sync the IOTLB for what @gather collected, if anything. */
static void iova_gather_sync(struct iommu_domain *domain,
			     struct iommu_iotlb_gather *gather)
{
	if (gather->start <= gather->end)
		iommu_iotlb_sync(domain, gather);
}

/* Unmap [addr, addr + size), mapped without bounce slots. */
static void iova_unmap_direct(struct device *dev, struct iommu_domain *domain,
			      dma_addr_t addr, size_t size,
			      enum dma_data_direction dir, unsigned long attrs,
			      struct iommu_iotlb_gather *gather)
{
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	size_t pad = iova_offset(iovad, addr);
	size_t len = iova_align(iovad, size + pad);
	size_t unmapped;

	if (!(attrs & (DMA_ATTR_MMIO | DMA_ATTR_SKIP_CPU_SYNC)) &&
	    !dev_is_dma_coherent(dev)) {
		size_t done, chunk;

		/* Granule by granule: only inside one is the memory contiguous. */
		for (done = 0; done < size; done += chunk) {
			phys_addr_t phys = iommu_iova_to_phys(domain, addr + done);

			chunk = min(size - done,
				    iovad->granule - iova_offset(iovad, addr + done));
			if (phys)
				arch_sync_dma_for_cpu(phys, chunk, dir);
		}
	}

	unmapped = iommu_unmap_fast(domain, addr - pad, len, gather);
	WARN_ON(unmapped != len);
}

/*
 * Unmap the bounce slot @slot mapped at granule @g, of which the caller's
 * bytes are [from, to): invalidate the IOTLB first, so the device can no
 * longer write, then copy the bytes back and free the slot.
 */
static void iova_unmap_slot(struct device *dev, struct iommu_domain *domain,
			    phys_addr_t slot, dma_addr_t g, dma_addr_t from,
			    dma_addr_t to, enum dma_data_direction dir,
			    unsigned long attrs)
{
	size_t granule = iommu_dma_iovad(domain)->granule;

	WARN_ON(iommu_unmap(domain, g, granule) != granule);
	if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)) {
		if (!dev_is_dma_coherent(dev))
			arch_sync_dma_for_cpu(slot, granule, dir);
		swiotlb_sync_single_for_cpu(dev, slot + (from - g), to - from, dir);
	}
	swiotlb_tbl_unmap_single(dev, slot, 0, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
}

/*
 * Unmap [addr, addr + size) of a range that has bounce slots. Only the
 * page tables know which granules are slots, so walk them one by one;
 * the runs between slots are unmapped directly, each as one call.
 */
static void iova_unmap_bounced(struct device *dev, struct iommu_domain *domain,
			       dma_addr_t addr, size_t size,
			       enum dma_data_direction dir, unsigned long attrs,
			       struct iommu_iotlb_gather *gather)
{
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	dma_addr_t end = addr + size;
	dma_addr_t run = addr;
	dma_addr_t g;

	for (g = addr - iova_offset(iovad, addr); g < end; g += iovad->granule) {
		phys_addr_t phys = iommu_iova_to_phys(domain, g);
		dma_addr_t from = max(g, addr);

		if (!phys || !is_swiotlb_buffer(dev, phys))
			continue;
		if (from > run)
			iova_unmap_direct(dev, domain, run, from - run, dir, attrs,
					  gather);
		run = min_t(dma_addr_t, g + iovad->granule, end);
		iova_unmap_slot(dev, domain, phys, g, from, run, dir, attrs);
	}
	if (end > run)
		iova_unmap_direct(dev, domain, run, end - run, dir, attrs, gather);
}

/* Unmap [addr, addr + size) of @state's range; CPU-sync RAM if needed. */
static void iova_unmap(struct device *dev, struct dma_iova_state *state,
		       struct iommu_domain *domain, dma_addr_t addr, size_t size,
		       enum dma_data_direction dir, unsigned long attrs,
		       struct iommu_iotlb_gather *gather)
{
	if (state->__size & DMA_IOVA_USE_SWIOTLB)
		iova_unmap_bounced(dev, domain, addr, size, dir, attrs, gather);
	else
		iova_unmap_direct(dev, domain, addr, size, dir, attrs, gather);
}

/**
 * dma_iova_try_alloc() - reserve an IOVA range for a mapping transaction
 * @dev: device that will do the DMA
 * @state: caller-allocated state, filled in here
 * @phys: physical address of the first range to be linked; only its offset
 *	in the IOMMU granule matters
 * @size: total length of all ranges that will be linked
 *
 * Return: true when an IOVA range of @size bytes was reserved; false when
 * the IOVA API cannot be used (dma-direct, identity or passthrough domain,
 * @size of 0 or with bit 63 set, IOVA space exhausted), in which case the
 * caller maps with dma_map_phys(). @state is valid either way:
 * dma_use_iova() tells which.
 */
bool dma_iova_try_alloc(struct device *dev, struct dma_iova_state *state,
			phys_addr_t phys, size_t size)
{
	struct iommu_domain *domain;
	struct iova_domain *iovad;
	size_t pad, len;
	dma_addr_t addr;

	memset(state, 0, sizeof(*state));
	if (!iommu_dma_dev_uses_ops(dev))
		return false;
	if (WARN_ON_ONCE(!size) || WARN_ON_ONCE((u64)size & DMA_IOVA_USE_SWIOTLB))
		return false;

	domain = iommu_get_dma_domain(dev);
	if (iommu_dma_deferred_attach(dev, domain))
		return false;

	iovad = iommu_dma_iovad(domain);
	pad = iova_offset(iovad, phys);
	if (check_add_overflow(size, pad, &len))
		return false;
	len = iova_align(iovad, len);
	if (len < size)
		return false;

	addr = iommu_dma_alloc_iova(domain, len, dma_get_mask(dev), dev);
	if (!addr)
		return false;

	state->addr = addr + pad;
	state->__size = size;
	return true;
}
EXPORT_SYMBOL_GPL(dma_iova_try_alloc);

/**
 * dma_iova_free() - give back an IOVA range without unmapping it
 * @dev: device the range was reserved for
 * @state: state filled by dma_iova_try_alloc()
 *
 * Every range linked into @state must have been unlinked first.
 */
void dma_iova_free(struct device *dev, struct dma_iova_state *state)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	size_t len;
	dma_addr_t base = iova_base(iommu_dma_iovad(domain), state, &len);

	iommu_dma_free_iova(domain->iova_cookie, base, len, NULL);
	state->__size = 0;
}
EXPORT_SYMBOL_GPL(dma_iova_free);

/* Map [phys, phys + size) at @iova; both have the same granule offset. */
static int iova_map(struct device *dev, struct iommu_domain *domain,
		    phys_addr_t phys, dma_addr_t iova, size_t size,
		    enum dma_data_direction dir, unsigned long attrs, int prot)
{
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	size_t pad = iova_offset(iovad, phys);

	if (!(attrs & (DMA_ATTR_MMIO | DMA_ATTR_SKIP_CPU_SYNC)) &&
	    !dev_is_dma_coherent(dev))
		arch_sync_dma_for_device(phys, size, dir);

	return iommu_map_nosync(domain, iova - pad, phys - pad,
				iova_align(iovad, size + pad), prot, GFP_ATOMIC);
}

/*
 * Bounce @len bytes at @phys, all inside one granule, and map the slot at
 * the granule of @iova. 6.1's swiotlb keeps no offset inside a granule, so
 * the slot is registered as the copy of the whole granule around @phys
 * with a mapping size of 0: swiotlb copies nothing by itself, and only
 * the @len bytes are copied here (always, as 6.1 does for every bounce,
 * so that a device that writes less leaves the original bytes) and back
 * in iova_unmap_slot(). The rest of the slot is zeroed.
 */
static int iova_map_slot(struct device *dev, struct iommu_domain *domain,
			 phys_addr_t phys, dma_addr_t iova, size_t len,
			 enum dma_data_direction dir, unsigned long attrs, int prot)
{
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	size_t off = iova_offset(iovad, phys);
	phys_addr_t slot;
	int ret;

	slot = swiotlb_tbl_map_single(dev, phys - off, 0, iovad->granule,
				      iova_mask(iovad), dir, attrs);
	if (slot == (phys_addr_t)DMA_MAPPING_ERROR)
		return -ENOMEM;
	memset(phys_to_virt(slot), 0, iovad->granule);
	swiotlb_sync_single_for_device(dev, slot + off, len, DMA_TO_DEVICE);
	if (!dev_is_dma_coherent(dev))
		arch_sync_dma_for_device(slot, iovad->granule, dir);

	ret = iommu_map_nosync(domain, iova - off, slot, iovad->granule, prot,
			       GFP_ATOMIC);
	if (ret)
		swiotlb_tbl_unmap_single(dev, slot, 0, dir,
					 attrs | DMA_ATTR_SKIP_CPU_SYNC);
	return ret;
}

/* An untrusted device's RAM range: bounce the unaligned head and tail. */
static int iova_link_bounced(struct device *dev, struct dma_iova_state *state,
			     phys_addr_t phys, dma_addr_t iova, size_t size,
			     enum dma_data_direction dir, unsigned long attrs,
			     int prot)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	size_t head = 0, done = 0, mid, tail;
	struct iommu_iotlb_gather gather;
	int ret;

	if (!is_swiotlb_active(dev))
		return -EOPNOTSUPP;

	if (iova_offset(iovad, phys)) {
		head = min_t(size_t, size, iovad->granule - iova_offset(iovad, phys));
		ret = iova_map_slot(dev, domain, phys, iova, head, dir, attrs, prot);
		if (ret)
			return ret;
		done = head;
	}
	mid = (size - head) & ~iova_mask(iovad);
	tail = size - head - mid;
	if (mid) {
		ret = iova_map(dev, domain, phys + done, iova + done, mid, dir,
			       attrs, prot);
		if (ret)
			goto undo;
		done += mid;
	}
	if (tail) {
		ret = iova_map_slot(dev, domain, phys + done, iova + done, tail,
				    dir, attrs, prot);
		if (ret)
			goto undo;
	}
	state->__size |= DMA_IOVA_USE_SWIOTLB;
	return 0;

undo:
	iommu_iotlb_gather_init(&gather);
	if (done)
		iova_unmap_bounced(dev, domain, iova, done, dir,
				   attrs | DMA_ATTR_SKIP_CPU_SYNC, &gather);
	iova_gather_sync(domain, &gather);
	return ret;
}

/**
 * dma_iova_link() - map a physical range into a reserved IOVA range
 * @dev: device the range was reserved for
 * @state: state filled by dma_iova_try_alloc()
 * @phys: physical address of the range: RAM, or MMIO with DMA_ATTR_MMIO
 * @offset: where in the IOVA range the mapping starts
 * @size: length of the range
 * @dir: direction of the DMA
 * @attrs: DMA_ATTR_* flags; DMA_ATTR_MMIO when @phys is device memory
 *
 * Writes the page tables without an IOTLB sync: call dma_iova_sync() over
 * the linked ranges before the device uses them. Every link but the first
 * must start on the IOMMU granule (both @phys and the IOVA), and must lie
 * inside the reserved range. A failed link leaves nothing of itself
 * mapped; earlier links stay, and the caller undoes them with
 * dma_iova_destroy().
 *
 * Return: 0; -EINVAL for a range outside the reservation, -EIO for a
 * misaligned link, -EPERM for MMIO that an untrusted device would need
 * bounced, -EOPNOTSUPP for RAM an untrusted device would need bounced on
 * a system without a swiotlb pool, -ENOMEM when no bounce slot is free,
 * or the error of the IOMMU driver.
 */
int dma_iova_link(struct device *dev, struct dma_iova_state *state,
		  phys_addr_t phys, size_t offset, size_t size,
		  enum dma_data_direction dir, unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	bool mmio = attrs & DMA_ATTR_MMIO;
	size_t pad = iova_offset(iovad, phys);
	int prot;

	if (WARN_ON_ONCE(iova_range_bad(state, offset, size)))
		return -EINVAL;
	if (WARN_ON_ONCE(offset && (pad || iova_offset(iovad, state->addr + offset))))
		return -EIO;
	prot = dma_info_to_prot(dir, !mmio && dev_is_dma_coherent(dev), attrs);
	if (mmio)
		prot |= IOMMU_MMIO;

	if (dev_use_swiotlb(dev) && iova_offset(iovad, phys | size)) {
		if (mmio)
			return -EPERM;
		return iova_link_bounced(dev, state, phys, state->addr + offset,
					 size, dir, attrs, prot);
	}

	return iova_map(dev, domain, phys, state->addr + offset, size, dir,
			attrs, prot);
}
EXPORT_SYMBOL_GPL(dma_iova_link);

/**
 * dma_iova_sync() - make linked ranges visible to the device
 * @dev: device the range was reserved for
 * @state: state filled by dma_iova_try_alloc()
 * @offset: start of the linked part to sync
 * @size: length of the linked part to sync
 *
 * One IOTLB sync for every range linked in [@offset, @offset + @size).
 * A failure does not undo the links.
 *
 * Return: 0, -EINVAL for a range outside the reservation, or the error of
 * the IOMMU driver.
 */
int dma_iova_sync(struct device *dev, struct dma_iova_state *state,
		  size_t offset, size_t size)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iova_domain *iovad = iommu_dma_iovad(domain);
	dma_addr_t addr = state->addr + offset;
	size_t pad = iova_offset(iovad, addr);

	if (WARN_ON_ONCE(iova_range_bad(state, offset, size)))
		return -EINVAL;

	return iommu_sync_map(domain, addr - pad, iova_align(iovad, size + pad));
}
EXPORT_SYMBOL_GPL(dma_iova_sync);

/**
 * dma_iova_unlink() - unmap part of a reserved IOVA range
 * @dev: device the range was reserved for
 * @state: state filled by dma_iova_try_alloc()
 * @offset: start of the linked part to unmap
 * @size: length of the linked part to unmap
 * @dir: direction passed to dma_iova_link()
 * @attrs: attributes passed to dma_iova_link()
 *
 * Unmaps and invalidates the IOTLB before returning. The IOVA range stays
 * reserved: link again, or give it back with dma_iova_free(). A range
 * outside the reservation is a bug: warned about, nothing unmapped.
 */
void dma_iova_unlink(struct device *dev, struct dma_iova_state *state,
		     size_t offset, size_t size, enum dma_data_direction dir,
		     unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iommu_iotlb_gather gather;

	if (WARN_ON_ONCE(iova_range_bad(state, offset, size)))
		return;

	iommu_iotlb_gather_init(&gather);
	iova_unmap(dev, state, domain, state->addr + offset, size, dir, attrs,
		   &gather);
	iova_gather_sync(domain, &gather);
}
EXPORT_SYMBOL_GPL(dma_iova_unlink);

/**
 * dma_iova_destroy() - unmap the linked part and give the range back
 * @dev: device the range was reserved for
 * @state: state filled by dma_iova_try_alloc()
 * @mapped_len: bytes linked from the start of the range; 0 only frees
 * @dir: direction passed to dma_iova_link()
 * @attrs: attributes passed to dma_iova_link()
 *
 * In lazy mode the IOTLB invalidation and the return of the IOVA range go
 * through the domain's flush queue; otherwise they happen before this
 * returns. Also the way to roll back a batch in which a link failed.
 * A @mapped_len past the reservation is a bug: warned about, nothing
 * unmapped or freed.
 */
void dma_iova_destroy(struct device *dev, struct dma_iova_state *state,
		      size_t mapped_len, enum dma_data_direction dir,
		      unsigned long attrs)
{
	struct iommu_domain *domain = iommu_get_dma_domain(dev);
	struct iommu_iotlb_gather gather;
	dma_addr_t base;
	size_t len;

	if (!mapped_len) {
		dma_iova_free(dev, state);
		return;
	}
	if (WARN_ON_ONCE(iova_range_bad(state, 0, mapped_len)))
		return;

	iommu_iotlb_gather_init(&gather);
	gather.queued = iommu_dma_fq_active(domain);
	iova_unmap(dev, state, domain, state->addr, mapped_len, dir, attrs,
		   &gather);
	if (!gather.queued)
		iova_gather_sync(domain, &gather);

	base = iova_base(iommu_dma_iovad(domain), state, &len);
	iommu_dma_free_iova(domain->iova_cookie, base, len, &gather);
	state->__size = 0;
}
EXPORT_SYMBOL_GPL(dma_iova_destroy);
