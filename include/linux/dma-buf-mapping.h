/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dma-buf buffers described by physical ranges (a PCI BAR, memory without
 * struct page): the exporter helpers with mainline's names, and this
 * project's importer interface that hands out DMA vectors instead of a
 * scatterlist. Documentation/driver-api/dma-buf-phys.rst is the contract.
 */
#ifndef __LINUX_DMA_BUF_MAPPING_H
#define __LINUX_DMA_BUF_MAPPING_H

#include <linux/dma-buf.h>
#include <linux/dma-mapping.h>
#include <linux/pci-p2pdma.h>

struct sg_table *dma_buf_phys_vec_to_sgt(struct dma_buf_attachment *attach,
					 struct p2pdma_provider *provider,
					 struct phys_vec *phys_vec,
					 size_t nr_ranges, size_t size,
					 enum dma_data_direction dir);
void dma_buf_free_sgt(struct dma_buf_attachment *attach, struct sg_table *sgt,
		      enum dma_data_direction dir);

/**
 * struct dma_vec - one range as a device addresses it
 * @addr: DMA address (bus address, IOVA or physical address)
 * @len: length in bytes
 */
struct dma_vec {
	dma_addr_t addr;
	size_t len;
};

/**
 * struct dma_buf_vec_map - an attachment mapped as DMA vectors
 * @vecs: the ranges, in buffer order; adjacent ones merged
 * @nr: how many
 * @route: how they were mapped: %PCI_P2PDMA_MAP_BUS_ADDR (bus addresses),
 *	%PCI_P2PDMA_MAP_THRU_HOST_BRIDGE (the DMA API), or
 *	%PCI_P2PDMA_MAP_NONE (the exporter's own scatterlist)
 * @state: dma_use_iova(&map->state) is true when @vecs is one IOVA range
 *	reserved for the whole buffer (%PCI_P2PDMA_MAP_THRU_HOST_BRIDGE only;
 *	false there when each range was mapped with dma_map_phys())
 *
 * Filled by dma_buf_map_attachment_vec(); the rest is private to it.
 * @route and @state alone say how to unmap.
 */
struct dma_buf_vec_map {
	struct dma_vec *vecs;
	size_t nr;
	enum pci_p2pdma_map_type route;
	struct dma_iova_state state;
	/* private: */
	size_t size;
	enum dma_data_direction dir;
	struct sg_table *sgt;		/* %PCI_P2PDMA_MAP_NONE */
	dma_addr_t *range_addr;		/* dma_map_phys() per range, unmerged */
	const struct phys_vec *ranges;
	size_t nr_ranges;
};

int dma_buf_map_attachment_vec(struct dma_buf_attachment *attach,
			       enum dma_data_direction dir,
			       struct dma_buf_vec_map *map);
void dma_buf_unmap_attachment_vec(struct dma_buf_attachment *attach,
				  struct dma_buf_vec_map *map);

/**
 * struct dma_buf_phys_export_info - what dma_buf_phys_export() needs
 * @provider: the owner of the ranges (pcim_p2pdma_provider())
 * @vecs: the ranges, copied
 * @nr: how many
 * @flags: O_* flags of the dma-buf file (O_RDWR, O_CLOEXEC)
 * @release: called when the last reference to the buffer is gone
 * @priv: for @release
 * @owner: the module of @release (THIS_MODULE), held while the buffer lives
 */
struct dma_buf_phys_export_info {
	struct p2pdma_provider *provider;
	const struct phys_vec *vecs;
	size_t nr;
	int flags;
	void (*release)(void *priv);
	void *priv;
	struct module *owner;
};

struct dma_buf *dma_buf_phys_export(const struct dma_buf_phys_export_info *info);
bool dma_buf_is_phys(struct dma_buf *dmabuf);
int dma_buf_phys_revoke(struct dma_buf *dmabuf);
void dma_buf_phys_restore(struct dma_buf *dmabuf);

#endif /* __LINUX_DMA_BUF_MAPPING_H */
