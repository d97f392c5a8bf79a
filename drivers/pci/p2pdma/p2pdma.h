/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of PCI peer-to-peer DMA: the per-device state that
 * drivers/pci/p2pdma.c keeps, and the routing engine of this folder.
 */
#ifndef DRIVERS_PCI_P2PDMA_H
#define DRIVERS_PCI_P2PDMA_H

#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/seq_buf.h>
#include <linux/xarray.h>

/**
 * struct pci_p2pdma - peer-to-peer state of a PCI device, at pdev->p2pdma
 * @pool: allocator of the p2pmem added with pci_p2pdma_add_resource(),
 *	NULL until the first resource is added
 * @p2pmem_published: whether pci_p2pmem_find() may hand out @pool
 * @map_types: routing verdicts for clients of this provider device; only
 *	cache.c knows the layout of its keys and entries
 * @mem: one provider per memory BAR (owner NULL for other BARs)
 */
struct pci_p2pdma {
	struct gen_pool *pool;
	bool p2pmem_published;
	struct xarray map_types;
	struct p2pdma_provider mem[PCI_STD_NUM_BARS];
};

/* route.c: the decision itself, never cached */
bool p2pdma_cpu_supports_p2p(void);
enum pci_p2pdma_map_type p2pdma_route_calc(struct pci_dev *provider,
					   struct pci_dev *client, int *dist,
					   struct seq_buf *why);
void p2pdma_explain(struct pci_dev *provider, struct device *client,
		    struct seq_buf *out);
struct pci_dev *p2pdma_client_pci_dev(struct device *dev);
const char *p2pdma_map_name(enum pci_p2pdma_map_type map);

/* allowlist.c: host bridges known to forward peer-to-peer TLPs */
bool p2pdma_host_bridge_allowed(struct pci_dev *root, bool same_host_bridge);

/* cache.c: verdicts per (provider, client), decided again after a change */
extern atomic_long_t p2pdma_cache_hits, p2pdma_cache_misses, p2pdma_cache_stale;
enum pci_p2pdma_map_type p2pdma_route(struct pci_dev *provider,
				      struct pci_dev *client, int *dist,
				      bool verbose);
void p2pdma_topology_changed(void);
u64 p2pdma_topology_gen(void);

/* What the cache holds for a pair. */
enum p2pdma_cache_state {
	P2PDMA_CACHE_NONE,
	P2PDMA_CACHE_STALE,	/* decided under an older generation */
	P2PDMA_CACHE_CURRENT,
};

/**
 * struct p2pdma_cache_entry - one remembered verdict
 * @provider: the provider device
 * @domain: the client's PCI domain
 * @bus: the client's bus number
 * @devfn: the client's device and function
 * @map: the verdict
 * @dist: its distance
 * @state: %P2PDMA_CACHE_CURRENT or %P2PDMA_CACHE_STALE
 *
 * The client is named by its address, not by a device: the cache holds no
 * reference on it (a client's entries are erased when it goes away).
 */
struct p2pdma_cache_entry {
	struct pci_dev *provider;
	unsigned int domain;
	unsigned int bus;
	unsigned int devfn;
	enum pci_p2pdma_map_type map;
	int dist;
	enum p2pdma_cache_state state;
};

enum p2pdma_cache_state p2pdma_cache_peek(struct pci_dev *provider, struct pci_dev *client,
					  enum pci_p2pdma_map_type *map, int *dist);
void p2pdma_cache_for_each(u64 gen,
			   void (*fn)(const struct p2pdma_cache_entry *e, void *data),
			   void *data);

/* mmap.c: p2pmem for user space (p2pmem/allocate) */
extern struct bin_attribute p2pmem_alloc_attr;
extern const struct dev_pagemap_ops p2pdma_pgmap_ops;
void p2pdma_unmap_mappings(void *data);

#endif /* DRIVERS_PCI_P2PDMA_H */
