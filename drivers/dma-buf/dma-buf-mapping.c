// SPDX-License-Identifier: GPL-2.0
/*
 * Mapping a buffer described by physical ranges for one device, along the
 * route the P2PDMA engine picks for the pair (Documentation/PCI/
 * p2pdma-routing.rst):
 *
 *  - PCI_P2PDMA_MAP_BUS_ADDR: the ranges' PCI bus addresses, adjacent
 *    ones merged; nothing to undo.
 *  - PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: through the DMA API, as MMIO: one
 *    IOVA range for the whole buffer with the two-step API (one entry, one
 *    IOTLB sync) where the device has a translating IOMMU and IOVA space
 *    is left; otherwise dma_map_phys() per range.
 *  - anything else: refused with -EREMOTEIO (-EINVAL, mainline's errno,
 *    from dma_buf_phys_vec_to_sgt()); the engine logs why.
 *
 * The result is an array of DMA vectors, which dma_buf_phys_vec_to_sgt()
 * turns into a DMA-only scatterlist for importers that want one. Buffers of
 * other exporters are mapped through their own scatterlist instead
 * (PCI_P2PDMA_MAP_NONE). Every strategy is undone by dma_buf_unmap_vecs(),
 * which tells them apart by the route and, on the DMA API's route, by
 * dma_use_iova() as mainline does; all of them merge vectors by add_vec().
 */
#include <linux/dma-buf-mapping.h>
#include <linux/dma-resv.h>
#include <linux/overflow.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include "dma-buf-phys-internal.h"

/* The longest scatterlist entry made: a page-aligned length that fits. */
#define SG_CHUNK	((size_t)(UINT_MAX & PAGE_MASK))

/*
 * Append [addr, addr + len) to @map's vectors, merging with the last when
 * it ends where this one starts. A vector that ends at the top of the DMA
 * address space is never extended: its end wraps to 0.
 */
static void add_vec(struct dma_buf_vec_map *map, dma_addr_t addr, size_t len)
{
	struct dma_vec *last = map->nr ? &map->vecs[map->nr - 1] : NULL;

	if (last && last->addr + last->len == addr && last->addr + last->len > last->addr) {
		last->len += len;
		return;
	}
	map->vecs[map->nr].addr = addr;
	map->vecs[map->nr++].len = len;
}

static int map_iova(struct device *dev, const struct phys_vec *ranges,
		    size_t nr, struct dma_buf_vec_map *map)
{
	size_t off = 0, i;
	int ret;

	for (i = 0; i < nr; i++) {
		ret = dma_iova_link(dev, &map->state, ranges[i].paddr, off, ranges[i].len,
				    map->dir, DMA_ATTR_MMIO);
		if (ret)
			goto undo;
		off += ranges[i].len;
	}
	ret = dma_iova_sync(dev, &map->state, 0, off);
	if (ret)
		goto undo;
	add_vec(map, map->state.addr, map->size);
	return 0;

undo:
	/* Also gives the range back; the failed map is never unmapped. */
	dma_iova_destroy(dev, &map->state, off, map->dir, DMA_ATTR_MMIO);
	return ret;
}

/* dma_map_phys() per range; the unmerged addresses are kept for unmapping. */
static int map_each(struct device *dev, const struct phys_vec *ranges,
		    size_t nr, struct dma_buf_vec_map *map)
{
	size_t i;

	map->range_addr = kmalloc_array(nr, sizeof(*map->range_addr), GFP_KERNEL);
	if (!map->range_addr)
		return -ENOMEM;
	for (i = 0; i < nr; i++) {
		dma_addr_t addr = dma_map_phys(dev, ranges[i].paddr, ranges[i].len, map->dir,
					       DMA_ATTR_MMIO);

		if (dma_mapping_error(dev, addr)) {
			while (i--)
				dma_unmap_phys(dev, map->range_addr[i], ranges[i].len, map->dir,
					       DMA_ATTR_MMIO);
			kfree(map->range_addr);
			map->range_addr = NULL;
			return -EIO;
		}
		map->range_addr[i] = addr;
		add_vec(map, addr, ranges[i].len);
	}
	map->ranges = ranges;
	map->nr_ranges = nr;
	return 0;
}

/**
 * dma_buf_phys_map_vecs() - map physical ranges for a device as DMA vectors
 * @dev: the device that will do the DMA
 * @provider: the owner of the ranges
 * @ranges: the ranges, page-aligned; must outlive the mapping
 * @nr: how many
 * @size: their total length
 * @dir: direction of the DMA
 * @map: filled in; undo with dma_buf_unmap_vecs()
 *
 * Return: 0; -EREMOTEIO when @dev may not reach @provider, -ENOMEM, or
 * the error of the DMA API. Nothing stays mapped on failure.
 */
int dma_buf_phys_map_vecs(struct device *dev, struct p2pdma_provider *provider,
			  const struct phys_vec *ranges, size_t nr,
			  size_t size, enum dma_data_direction dir,
			  struct dma_buf_vec_map *map)
{
	size_t i;
	int ret;

	memset(map, 0, sizeof(*map));
	map->route = pci_p2pdma_map_type(provider, dev);
	map->size = size;
	map->dir = dir;
	if (map->route != PCI_P2PDMA_MAP_BUS_ADDR &&
	    map->route != PCI_P2PDMA_MAP_THRU_HOST_BRIDGE)
		return -EREMOTEIO;

	map->vecs = kmalloc_array(nr, sizeof(*map->vecs), GFP_KERNEL);
	if (!map->vecs)
		return -ENOMEM;

	if (map->route == PCI_P2PDMA_MAP_BUS_ADDR) {
		for (i = 0; i < nr; i++)
			add_vec(map, pci_p2pdma_bus_addr_map(provider, ranges[i].paddr),
				ranges[i].len);
		return 0;
	}
	if (dma_iova_try_alloc(dev, &map->state, ranges[0].paddr, size))
		ret = map_iova(dev, ranges, nr, map);
	else
		ret = map_each(dev, ranges, nr, map);
	if (ret) {
		kfree(map->vecs);
		map->vecs = NULL;
		map->nr = 0;
	}
	return ret;
}

/**
 * dma_buf_sgt_map_vecs() - map an attachment through its exporter's scatterlist
 * @attach: the attachment; the buffer's reservation lock is held
 * @dir: direction of the DMA
 * @map: filled in; undo with dma_buf_unmap_vecs()
 *
 * For exporters other than dma_buf_phys_export(): their DMA entries become
 * vectors, contiguous runs merged; the route is %PCI_P2PDMA_MAP_NONE.
 *
 * Return: 0, -ENOMEM or the exporter's error. Nothing stays mapped on
 * failure.
 */
int dma_buf_sgt_map_vecs(struct dma_buf_attachment *attach, enum dma_data_direction dir,
			 struct dma_buf_vec_map *map)
{
	struct scatterlist *sg;
	struct sg_table *sgt;
	int i;

	memset(map, 0, sizeof(*map));
	sgt = dma_buf_map_attachment(attach, dir);
	if (IS_ERR(sgt))
		return PTR_ERR(sgt);
	map->vecs = kmalloc_array(sgt->nents ? sgt->nents : 1, sizeof(*map->vecs), GFP_KERNEL);
	if (!map->vecs) {
		dma_buf_unmap_attachment(attach, sgt, dir);
		return -ENOMEM;
	}
	for_each_sgtable_dma_sg(sgt, sg, i)
		add_vec(map, sg_dma_address(sg), sg_dma_len(sg));
	map->route = PCI_P2PDMA_MAP_NONE;
	map->sgt = sgt;
	map->dir = dir;
	return 0;
}

/**
 * dma_buf_unmap_vecs() - undo dma_buf_phys_map_vecs() or dma_buf_sgt_map_vecs()
 * @attach: the attachment the mapping was made for; the buffer's
 *	reservation lock is held
 * @map: the mapping, zeroed on return
 */
void dma_buf_unmap_vecs(struct dma_buf_attachment *attach, struct dma_buf_vec_map *map)
{
	struct device *dev = attach->dev;
	size_t i;

	switch (map->route) {
	case PCI_P2PDMA_MAP_THRU_HOST_BRIDGE:
		if (dma_use_iova(&map->state)) {
			dma_iova_destroy(dev, &map->state, map->size, map->dir, DMA_ATTR_MMIO);
			break;
		}
		for (i = 0; i < map->nr_ranges; i++)
			dma_unmap_phys(dev, map->range_addr[i], map->ranges[i].len, map->dir,
				       DMA_ATTR_MMIO);
		kfree(map->range_addr);
		break;
	case PCI_P2PDMA_MAP_NONE:
		dma_buf_unmap_attachment(attach, map->sgt, map->dir);
		break;
	default:
		/* PCI_P2PDMA_MAP_BUS_ADDR: bus addresses, nothing was mapped. */
		break;
	}
	kfree(map->vecs);
	memset(map, 0, sizeof(*map));
}

/* A DMA-only scatterlist and the mapping behind it. */
struct phys_sgt {
	struct sg_table sgt;
	struct dma_buf_vec_map map;
};

/**
 * dma_buf_phys_vec_to_sgt() - map physical ranges as a DMA-only scatterlist
 * @attach: the importer's attachment; its reservation lock is held
 * @provider: the owner of the ranges
 * @phys_vec: the ranges, page-aligned; must outlive the mapping
 * @nr_ranges: how many
 * @size: their total length
 * @dir: direction of the DMA
 *
 * For an exporter's map_dma_buf callback. The table has no pages, only DMA
 * addresses and lengths, split so that no entry exceeds what a scatterlist
 * entry can hold (buffers of any size, 8 GiB and more included); its CPU
 * list is empty (@orig_nents is 0), so sg_page() walkers and CPU syncs of
 * the table see nothing. The route
 * is the P2PDMA engine's for the exporter's provider and the importer's
 * device: bus addresses, one IOVA range for the whole buffer (one IOTLB
 * sync), or dma_map_phys() per range; always DMA_ATTR_MMIO.
 *
 * Return: the table, or ERR_PTR(-EINVAL) for bad ranges (and a warning,
 * a bug of the caller, when they do not add up to @size) or when the
 * importer may not reach the provider, -ENOMEM, or the DMA API's error.
 */
struct sg_table *dma_buf_phys_vec_to_sgt(struct dma_buf_attachment *attach,
					 struct p2pdma_provider *provider,
					 struct phys_vec *phys_vec,
					 size_t nr_ranges, size_t size,
					 enum dma_data_direction dir)
{
	struct scatterlist *sg;
	struct phys_sgt *ps;
	size_t i, total = 0, nents = 0;
	int ret;

	dma_resv_assert_held(attach->dmabuf->resv);
	if (!nr_ranges || !size || (u64)size >> 63)
		return ERR_PTR(-EINVAL);
	for (i = 0; i < nr_ranges; i++)
		if (check_add_overflow(total, phys_vec[i].len, &total))
			break;
	if (WARN_ON_ONCE(i < nr_ranges || total != size))
		return ERR_PTR(-EINVAL);

	ps = kzalloc(sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return ERR_PTR(-ENOMEM);
	ret = dma_buf_phys_map_vecs(attach->dev, provider, phys_vec, nr_ranges, size, dir,
				    &ps->map);
	if (ret == -EREMOTEIO)
		ret = -EINVAL;	/* mainline's errno here; the engine logged why */
	if (ret)
		goto free;

	for (i = 0; i < ps->map.nr; i++)
		nents += DIV_ROUND_UP(ps->map.vecs[i].len, SG_CHUNK);
	ret = sg_alloc_table(&ps->sgt, nents, GFP_KERNEL);
	if (ret)
		goto unmap;

	sg = ps->sgt.sgl;
	for (i = 0; i < ps->map.nr; i++) {
		dma_addr_t addr = ps->map.vecs[i].addr;
		size_t left = ps->map.vecs[i].len;

		while (left) {
			unsigned int len = min(left, SG_CHUNK);

			sg_dma_address(sg) = addr;
			sg_dma_len(sg) = len;
			addr += len;
			left -= len;
			sg = sg_next(sg);
		}
	}
	ps->sgt.orig_nents = 0;
	return &ps->sgt;

unmap:
	dma_buf_unmap_vecs(attach, &ps->map);
free:
	kfree(ps);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_vec_to_sgt, DMA_BUF);

/**
 * dma_buf_free_sgt() - undo dma_buf_phys_vec_to_sgt()
 * @attach: the attachment it was made for; its reservation lock is held
 * @sgt: the table
 * @dir: the direction it was mapped with
 */
void dma_buf_free_sgt(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir)
{
	struct phys_sgt *ps = container_of(sgt, struct phys_sgt, sgt);

	dma_resv_assert_held(attach->dmabuf->resv);
	dma_buf_unmap_vecs(attach, &ps->map);
	/* sg_free_table() walks the entries that were allocated. */
	ps->sgt.orig_nents = ps->sgt.nents;
	sg_free_table(&ps->sgt);
	kfree(ps);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_free_sgt, DMA_BUF);
