// SPDX-License-Identifier: GPL-2.0-only
/*
 * The block layer's DMA iterator: map a request's data for a device without
 * building a scatterlist.
 *
 * A request's bvecs are walked as physical ranges, neighbours that continue
 * each other joined as blk_rq_map_sg() joins them (the queue's segment
 * boundary and maximum segment size). The first range says what the request
 * is: host memory, or peer memory (P2PDMA) that the routing engine sends by
 * bus address or through the host bridge. A request never holds two kinds:
 * a bio is kept to one (bio_add_page(), bio_add_hw_page(),
 * bio_iov_iter_get_pages()), and so is a request (blk_rq_merge_ok(),
 * attempt_merge(), blk_rq_append_bio()); a range of another kind that gets
 * here anyway fails the request.
 *
 * Behind a translating IOMMU, when the queue's virtual boundary makes every
 * range start and end on an IOMMU page, one IOVA range is reserved for the
 * request, every range is linked into it and the IOTLB is synced once: the
 * first step returns the whole request as one DMA range. Otherwise each step
 * maps one range with dma_map_phys().
 */
#include <linux/blk-mq-dma.h>
#include <linux/pfn.h>

#include "blk.h"

/* The most of a range starting at @paddr that one segment may hold. */
static unsigned int blk_seg_max(const struct queue_limits *lim,
				phys_addr_t paddr)
{
	unsigned long mask = lim->seg_boundary_mask;
	unsigned long to_boundary = mask - (paddr & mask) + 1;

	/* to_boundary wraps to 0 when mask is all ones and paddr is 0 */
	return min_not_zero(to_boundary, (unsigned long)lim->max_segment_size);
}

static void blk_map_iter_init(struct request *req, struct blk_map_iter *iter)
{
	if (req->rq_flags & RQF_SPECIAL_PAYLOAD) {
		*iter = (struct blk_map_iter) {
			.bvecs = &req->special_vec,
			.iter.bi_size = req->special_vec.bv_len,
		};
	} else if (req->bio) {
		*iter = (struct blk_map_iter) {
			.bio = req->bio,
			.bvecs = req->bio->bi_io_vec,
			.iter = req->bio->bi_iter,
		};
	} else {
		/* a flush has no data */
		*iter = (struct blk_map_iter) {};
	}
}

/* Stand on data: move past used-up bios. False at the request's end. */
static bool blk_map_iter_more(struct blk_map_iter *iter)
{
	while (!iter->iter.bi_size) {
		if (!iter->bio || !iter->bio->bi_next)
			return false;
		iter->bio = iter->bio->bi_next;
		iter->bvecs = iter->bio->bi_io_vec;
		iter->iter = iter->bio->bi_iter;
	}
	return true;
}

/*
 * The next physical range: the rest of the current bvec, cut at the segment
 * limits, then, if the bvec was used up, the following bvecs of this bio and
 * the next ones for as long as they continue the range within the limits.
 */
static bool blk_map_iter_next(struct request *req, struct blk_map_iter *iter,
			      struct phys_vec *vec)
{
	struct bio_vec bv, next;
	unsigned int max;

	if (!blk_map_iter_more(iter))
		return false;

	bv = mp_bvec_iter_bvec(iter->bvecs, iter->iter);
	vec->paddr = page_to_phys(bv.bv_page) + bv.bv_offset;
	max = blk_seg_max(&req->q->limits, vec->paddr);
	bv.bv_len = min(bv.bv_len, max);
	bvec_iter_advance_single(iter->bvecs, &iter->iter, bv.bv_len);

	/*
	 * Join what follows once the bvec is used up, or the bio is (a split
	 * bio can end inside a bvec, and the next bio continue it).
	 */
	while ((!iter->iter.bi_size || !iter->iter.bi_bvec_done) &&
	       blk_map_iter_more(iter)) {
		next = mp_bvec_iter_bvec(iter->bvecs, iter->iter);
		if (bv.bv_len + next.bv_len > max ||
		    !biovec_phys_mergeable(req->q, &bv, &next))
			break;
		bv.bv_len += next.bv_len;
		bvec_iter_advance_single(iter->bvecs, &iter->iter, next.bv_len);
	}

	vec->len = bv.bv_len;
	return true;
}

/* Is the range of the kind the request's first range decided? */
static bool blk_dma_same_kind(struct blk_dma_iter *iter, struct phys_vec *vec)
{
	struct page *page = pfn_to_page(PHYS_PFN(vec->paddr));

	if (!is_pci_p2pdma_page(page))
		return iter->p2pdma.map == PCI_P2PDMA_MAP_NONE;
	return iter->p2pdma.map != PCI_P2PDMA_MAP_NONE &&
	       to_p2p_pgmap(page->pgmap)->mem == iter->p2pdma.mem;
}

static unsigned long blk_dma_attrs(struct blk_dma_iter *iter)
{
	return iter->p2pdma.map == PCI_P2PDMA_MAP_THRU_HOST_BRIDGE ?
	       DMA_ATTR_MMIO : 0;
}

static bool blk_dma_map_bus(struct blk_dma_iter *iter, struct phys_vec *vec)
{
	iter->addr = pci_p2pdma_bus_addr_map(iter->p2pdma.mem, vec->paddr);
	iter->len = vec->len;
	return true;
}

static bool blk_dma_map_direct(struct request *req, struct device *dma_dev,
			       struct blk_dma_iter *iter, struct phys_vec *vec)
{
	iter->addr = dma_map_phys(dma_dev, vec->paddr, vec->len,
				  rq_dma_dir(req), blk_dma_attrs(iter));
	if (dma_mapping_error(dma_dev, iter->addr)) {
		iter->status = BLK_STS_RESOURCE;
		return false;
	}
	iter->len = vec->len;
	return true;
}

/*
 * Link every range of the request into the IOVA range of @state, then sync
 * the IOTLB once. On failure nothing stays linked or reserved.
 */
static bool blk_dma_map_iova(struct request *req, struct device *dma_dev,
			     struct dma_iova_state *state,
			     struct blk_dma_iter *iter, struct phys_vec *vec)
{
	enum dma_data_direction dir = rq_dma_dir(req);
	unsigned long attrs = blk_dma_attrs(iter);
	size_t mapped = 0;
	int error;

	do {
		if (WARN_ON_ONCE(!blk_dma_same_kind(iter, vec))) {
			error = -EINVAL;
			goto undo;
		}
		error = dma_iova_link(dma_dev, state, vec->paddr, mapped,
				      vec->len, dir, attrs);
		if (error)
			goto undo;
		mapped += vec->len;
	} while (blk_map_iter_next(req, &iter->iter, vec));

	error = dma_iova_sync(dma_dev, state, 0, mapped);
	if (error)
		goto undo;
	iter->addr = state->addr;
	iter->len = mapped;
	return true;

undo:
	dma_iova_destroy(dma_dev, state, mapped, dir, attrs);
	iter->status = errno_to_blk_status(error);
	return false;
}

/**
 * blk_rq_dma_map_iter_start() - map the first DMA range of a request
 * @req: the request
 * @dma_dev: the device that will do the DMA
 * @state: IOVA state, filled here; the caller keeps it for unmapping
 * @iter: the iterator, filled here; needed only while mapping
 *
 * Neither @state nor @iter need initialising. The first range decides the
 * request's P2PDMA kind, kept in @iter->p2pdma.map. Peer memory the routing
 * engine refuses fails the request with %BLK_STS_TARGET (-EREMOTEIO), the
 * status 6.1's scatterlist path gave and user space knows (mainline 6.17
 * changed it to BLK_STS_INVAL, which 6.1 does not have).
 *
 * When the whole request was linked into one IOVA range
 * (blk_rq_dma_map_coalesce()), this step returns all of it.
 *
 * Context: any context; allocations (IOVA space, IOMMU page tables, bounce
 * slots) do not sleep.
 * Return: true with @iter->addr and @iter->len set when a range was mapped;
 * false when there was nothing to map or mapping failed, with the reason in
 * @iter->status, and then nothing this call mapped stays mapped.
 */
bool blk_rq_dma_map_iter_start(struct request *req, struct device *dma_dev,
			       struct dma_iova_state *state,
			       struct blk_dma_iter *iter)
{
	struct phys_vec vec;

	memset(state, 0, sizeof(*state));
	memset(&iter->p2pdma, 0, sizeof(iter->p2pdma));
	iter->p2pdma.map = PCI_P2PDMA_MAP_NONE;
	iter->status = BLK_STS_OK;
	blk_map_iter_init(req, &iter->iter);

	if (!blk_map_iter_next(req, &iter->iter, &vec))
		return false;

	switch (pci_p2pdma_state(&iter->p2pdma, dma_dev,
				 pfn_to_page(PHYS_PFN(vec.paddr)))) {
	case PCI_P2PDMA_MAP_BUS_ADDR:
		return blk_dma_map_bus(iter, &vec);
	case PCI_P2PDMA_MAP_THRU_HOST_BRIDGE:
		/* mapped as host memory is, with DMA_ATTR_MMIO */
	case PCI_P2PDMA_MAP_NONE:
		break;
	default:
		iter->status = BLK_STS_TARGET;
		return false;
	}

	if (!((queue_virt_boundary(req->q) + 1) &
	      dma_get_merge_boundary(dma_dev)) &&
	    dma_iova_try_alloc(dma_dev, state, vec.paddr,
			       blk_rq_payload_bytes(req)))
		return blk_dma_map_iova(req, dma_dev, state, iter, &vec);
	return blk_dma_map_direct(req, dma_dev, iter, &vec);
}
EXPORT_SYMBOL_GPL(blk_rq_dma_map_iter_start);

/**
 * blk_rq_dma_map_iter_next() - map the next DMA range of a request
 * @req: the request
 * @dma_dev: the device that will do the DMA
 * @state: the state blk_rq_dma_map_iter_start() filled
 * @iter: the iterator blk_rq_dma_map_iter_start() filled
 *
 * Context: any context; allocations (bounce slots) do not sleep.
 * Return: true with @iter->addr and @iter->len set when a range was mapped;
 * false at the request's end (@iter->status %BLK_STS_OK) or when mapping
 * failed (@iter->status says why, %BLK_STS_IOERR for a range of another
 * kind than the first; the ranges of earlier steps stay mapped).
 */
bool blk_rq_dma_map_iter_next(struct request *req, struct device *dma_dev,
			      struct dma_iova_state *state,
			      struct blk_dma_iter *iter)
{
	struct phys_vec vec;

	if (!blk_map_iter_next(req, &iter->iter, &vec))
		return false;
	if (WARN_ON_ONCE(!blk_dma_same_kind(iter, &vec))) {
		iter->status = BLK_STS_IOERR;
		return false;
	}
	if (iter->p2pdma.map == PCI_P2PDMA_MAP_BUS_ADDR)
		return blk_dma_map_bus(iter, &vec);
	return blk_dma_map_direct(req, dma_dev, iter, &vec);
}
EXPORT_SYMBOL_GPL(blk_rq_dma_map_iter_next);
