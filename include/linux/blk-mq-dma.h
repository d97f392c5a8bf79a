/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Map a block request for DMA without a scatterlist: the request's segments
 * are walked as physical ranges and mapped one at a time, or all into one
 * IOVA range when the device sits behind a translating IOMMU. Mainline's
 * interface (6.17, with 6.18's DMA_ATTR_MMIO for host-bridge P2P), written
 * for 6.1; block/blk-mq-dma.c has the rules.
 */
#ifndef BLK_MQ_DMA_H
#define BLK_MQ_DMA_H

#include <linux/blk-mq.h>
#include <linux/dma-mapping.h>
#include <linux/pci-p2pdma.h>

/**
 * struct blk_map_iter - where a walk over a request's data stands
 * @iter: position in the current bio's (or the special payload's) bvecs
 * @bio: the current bio; NULL for a special payload
 * @bvecs: the bvec array @iter indexes
 */
struct blk_map_iter {
	struct bvec_iter iter;
	struct bio *bio;
	struct bio_vec *bvecs;
};

/**
 * struct blk_dma_iter - one step of mapping a request
 * @addr: DMA address of the range mapped by this step
 * @len: its length in bytes
 * @p2pdma: the P2PDMA state of the request's memory: @p2pdma.map is
 *	%PCI_P2PDMA_MAP_NONE for host memory, or how the peer memory was
 *	mapped; the caller keeps @p2pdma.map for blk_rq_dma_unmap()
 * @status: why nothing was mapped; valid only after a call returned false
 * @iter: internal to blk_rq_dma_map_iter_start() and _next()
 */
struct blk_dma_iter {
	dma_addr_t addr;
	u32 len;
	struct pci_p2pdma_map_state p2pdma;
	blk_status_t status;
	struct blk_map_iter iter;
};

bool blk_rq_dma_map_iter_start(struct request *req, struct device *dma_dev,
			       struct dma_iova_state *state,
			       struct blk_dma_iter *iter);
bool blk_rq_dma_map_iter_next(struct request *req, struct device *dma_dev,
			      struct dma_iova_state *state,
			      struct blk_dma_iter *iter);

/**
 * blk_rq_dma_map_coalesce() - did the first step map the whole request?
 * @state: the state blk_rq_dma_map_iter_start() filled
 *
 * Return: true when all segments were linked into one IOVA range, which the
 * first step returned whole: blk_rq_dma_map_iter_next() has nothing left.
 */
static inline bool blk_rq_dma_map_coalesce(struct dma_iova_state *state)
{
	return dma_use_iova(state);
}

/**
 * blk_rq_dma_unmap() - undo a request's mapping where one call can
 * @req: the request
 * @dma_dev: the device it was mapped for
 * @state: the state blk_rq_dma_map_iter_start() filled
 * @mapped_len: bytes mapped, the sum of every step's @len
 * @map: the step's @p2pdma.map
 *
 * Peer memory mapped as bus addresses needs no unmap; an IOVA range is
 * destroyed whole; a device whose mappings need no unmap
 * (dma_need_unmap()) has nothing to undo.
 *
 * Return: true when nothing is left to do, false when the caller must
 * unmap each step's range with dma_unmap_phys() (passing %DMA_ATTR_MMIO
 * for %PCI_P2PDMA_MAP_THRU_HOST_BRIDGE).
 */
static inline bool blk_rq_dma_unmap(struct request *req,
				    struct device *dma_dev,
				    struct dma_iova_state *state,
				    size_t mapped_len,
				    enum pci_p2pdma_map_type map)
{
	if (map == PCI_P2PDMA_MAP_BUS_ADDR)
		return true;
	if (dma_use_iova(state)) {
		dma_iova_destroy(dma_dev, state, mapped_len, rq_dma_dir(req),
				 map == PCI_P2PDMA_MAP_THRU_HOST_BRIDGE ?
				 DMA_ATTR_MMIO : 0);
		return true;
	}
	return !dma_need_unmap(dma_dev);
}

#endif /* BLK_MQ_DMA_H */
