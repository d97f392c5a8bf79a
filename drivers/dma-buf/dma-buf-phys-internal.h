/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by dma-buf-mapping.c and dma-buf-phys.c. */
#ifndef DMA_BUF_PHYS_INTERNAL_H
#define DMA_BUF_PHYS_INTERNAL_H

#include <linux/dma-buf-mapping.h>

int dma_buf_phys_map_vecs(struct device *dev, struct p2pdma_provider *provider,
			  const struct phys_vec *ranges, size_t nr,
			  size_t size, enum dma_data_direction dir,
			  struct dma_buf_vec_map *map);
int dma_buf_sgt_map_vecs(struct dma_buf_attachment *attach, enum dma_data_direction dir,
			 struct dma_buf_vec_map *map);
void dma_buf_unmap_vecs(struct dma_buf_attachment *attach, struct dma_buf_vec_map *map);

#endif /* DMA_BUF_PHYS_INTERNAL_H */
