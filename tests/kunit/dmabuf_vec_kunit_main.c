// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: physical-range dma-bufs and DMA-vector importers on an
 * emulated machine.
 *
 * The exporter is dma_buf_phys_export() over the CMB BAR of the first QEMU
 * NVMe controller. Importers: the other NVMe controller (behind the same
 * switch: bus addresses), the edu device (another root port: through the
 * host bridge when q35's host bridge is allow-listed, refused otherwise)
 * and a device that is not a PCI device. A small scatterlist exporter of
 * system pages stands for vgem and udmabuf. Nothing here moves data: the
 * mappings are checked address by address (iommu_iova_to_phys() behind a
 * translating IOMMU), the revocation protocol by what importers are told.
 */
#include <linux/dma-buf-mapping.h>
#include <linux/dma-resv.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "qemu_devs.h"
#include "p2p_kunit.h"

MODULE_IMPORT_NS(DMA_BUF);

static bool allowlisted;
module_param(allowlisted, bool, 0444);
MODULE_PARM_DESC(allowlisted, "whether the plan allow-listed q35's host bridge");

struct env {
	struct pci_dev *nvme[2];
	struct pci_dev *edu;
	struct p2pdma_provider *provider;
	phys_addr_t cmb;
	struct device plain;		/* not a PCI device */
	bool translated;
};

/* One importer: its attachment, its mapping, what it was told. */
struct importer {
	struct dma_buf_attachment *attach;
	struct dma_buf_vec_map map;
	bool mapped;
	int notified;
};

static void importer_move_notify(struct dma_buf_attachment *attach)
{
	struct importer *imp = attach->importer_priv;

	imp->notified++;
	if (imp->mapped) {
		dma_buf_unmap_attachment_vec(attach, &imp->map);
		imp->mapped = false;
	}
}

static const struct dma_buf_attach_ops importer_ops = {
	.allow_peer2peer = true,
	.move_notify = importer_move_notify,
};

static const struct dma_buf_attach_ops no_p2p_ops = {
	.allow_peer2peer = false,
	.move_notify = importer_move_notify,
};

static void plain_release(struct device *dev)
{
}

/* The CMB BAR of @pdev: the memory BAR that holds its p2pmem. */
static int cmb_bar(struct pci_dev *pdev)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++)
		if ((pci_resource_flags(pdev, bar) & IORESOURCE_PREFETCH) &&
		    pci_resource_len(pdev, bar) >= SZ_16M)
			return bar;
	return -1;
}

static int env_init(struct kunit *test)
{
	struct env *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);
	int bar;

	KUNIT_ASSERT_NOT_NULL(test, e);
	test->priv = e;
	KUNIT_ASSERT_GE_MSG(test, qemu_devs_get(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, e->nvme, 2),
			    2, "two QEMU NVMe controllers needed");
	e->edu = qemu_edu_get();
	KUNIT_ASSERT_NOT_NULL(test, e->edu);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(&e->edu->dev, DMA_BIT_MASK(64)), 0);

	bar = cmb_bar(e->nvme[0]);
	KUNIT_ASSERT_GE(test, bar, 0);
	e->provider = pcim_p2pdma_provider(e->nvme[0], bar);
	KUNIT_ASSERT_NOT_NULL(test, e->provider);
	e->cmb = pci_resource_start(e->nvme[0], bar);
	e->translated = p2p_iommu_translates();

	device_initialize(&e->plain);
	e->plain.release = plain_release;
	KUNIT_ASSERT_EQ(test, dev_set_name(&e->plain, "not-pci"), 0);
	return 0;
}

static void env_exit(struct kunit *test)
{
	struct env *e = test->priv;

	put_device(&e->plain);
	dma_set_mask_and_coherent(&e->edu->dev, DMA_BIT_MASK(32));
	pci_dev_put(e->edu);
	pci_dev_put(e->nvme[0]);
	pci_dev_put(e->nvme[1]);
}

/* Export @nr ranges of the CMB given as (offset, length) pairs. */
static struct dma_buf *export_cmb(struct kunit *test, const size_t (*r)[2], size_t nr)
{
	struct env *e = test->priv;
	struct phys_vec vecs[4];
	struct dma_buf_phys_export_info info = {
		.provider = e->provider, .vecs = vecs, .nr = nr, .flags = O_RDWR,
	};
	struct dma_buf *dmabuf;
	size_t i;

	for (i = 0; i < nr; i++) {
		vecs[i].paddr = e->cmb + r[i][0];
		vecs[i].len = r[i][1];
	}
	dmabuf = dma_buf_phys_export(&info);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(dmabuf), "export: %ld", PTR_ERR(dmabuf));
	return dmabuf;
}

static void importer_attach(struct kunit *test, struct dma_buf *dmabuf, struct device *dev,
			    struct importer *imp)
{
	imp->attach = dma_buf_dynamic_attach(dmabuf, dev, &importer_ops, imp);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(imp->attach), "attach: %ld", PTR_ERR(imp->attach));
}

static int importer_map(struct importer *imp)
{
	int ret;

	dma_resv_lock(imp->attach->dmabuf->resv, NULL);
	ret = dma_buf_map_attachment_vec(imp->attach, DMA_BIDIRECTIONAL, &imp->map);
	imp->mapped = !ret;
	dma_resv_unlock(imp->attach->dmabuf->resv);
	return ret;
}

static void importer_done(struct importer *imp)
{
	struct dma_buf *dmabuf = imp->attach->dmabuf;

	dma_resv_lock(dmabuf->resv, NULL);
	if (imp->mapped)
		dma_buf_unmap_attachment_vec(imp->attach, &imp->map);
	imp->mapped = false;
	dma_resv_unlock(dmabuf->resv);
	dma_buf_detach(dmabuf, imp->attach);
}

/* Two adjacent ranges and one apart: 64K + 64K at 0, 128K at 1M. */
static const size_t three[][2] = { { 0, SZ_64K }, { SZ_64K, SZ_64K }, { SZ_1M, SZ_128K } };

static void bus_addr_route_merges_adjacent_ranges(struct kunit *test)
{
	struct env *e = test->priv;
	struct dma_buf *dmabuf = export_cmb(test, three, 3);
	struct importer imp = {};

	importer_attach(test, dmabuf, &e->nvme[1]->dev, &imp);
	KUNIT_ASSERT_EQ(test, importer_map(&imp), 0);
	KUNIT_EXPECT_EQ(test, imp.map.route, PCI_P2PDMA_MAP_BUS_ADDR);
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&imp.map.state));
	KUNIT_ASSERT_EQ(test, imp.map.nr, (size_t)2);
	KUNIT_EXPECT_EQ(test, imp.map.vecs[0].addr,
			pci_p2pdma_bus_addr_map(e->provider, e->cmb));
	KUNIT_EXPECT_EQ(test, imp.map.vecs[0].len, (size_t)SZ_128K);
	KUNIT_EXPECT_EQ(test, imp.map.vecs[1].addr,
			pci_p2pdma_bus_addr_map(e->provider, e->cmb + SZ_1M));
	KUNIT_EXPECT_EQ(test, imp.map.vecs[1].len, (size_t)SZ_128K);
	importer_done(&imp);
	dma_buf_put(dmabuf);
}

static void host_bridge_route(struct kunit *test)
{
	struct env *e = test->priv;
	struct dma_buf *dmabuf = export_cmb(test, three, 3);
	struct iommu_domain *domain;
	struct importer imp = {};
	size_t i, off = 0;
	int ret;

	importer_attach(test, dmabuf, &e->edu->dev, &imp);
	ret = importer_map(&imp);
	if (!allowlisted) {
		/* q35's host bridge is not trusted: refused, nothing mapped. */
		KUNIT_EXPECT_EQ(test, ret, -EREMOTEIO);
		KUNIT_EXPECT_EQ(test, dma_buf_phys_revoke(dmabuf), 0);
		importer_done(&imp);
		dma_buf_put(dmabuf);
		return;
	}
	KUNIT_ASSERT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, imp.map.route, PCI_P2PDMA_MAP_THRU_HOST_BRIDGE);
	if (e->translated) {
		/* One IOVA range for the whole buffer. */
		KUNIT_EXPECT_TRUE(test, dma_use_iova(&imp.map.state));
		KUNIT_ASSERT_EQ(test, imp.map.nr, (size_t)1);
		KUNIT_EXPECT_EQ(test, imp.map.vecs[0].len, (size_t)SZ_256K);
		domain = iommu_get_domain_for_dev(&e->edu->dev);
		for (i = 0; i < 3; off += three[i++][1])
			KUNIT_EXPECT_EQ(test,
					iommu_iova_to_phys(domain, imp.map.vecs[0].addr + off),
					e->cmb + three[i][0]);
	} else {
		/* dma_map_phys() per range: physical addresses, adjacent merged. */
		KUNIT_EXPECT_FALSE(test, dma_use_iova(&imp.map.state));
		KUNIT_ASSERT_EQ(test, imp.map.nr, (size_t)2);
		KUNIT_EXPECT_EQ(test, imp.map.vecs[0].addr, (dma_addr_t)e->cmb);
		KUNIT_EXPECT_EQ(test, imp.map.vecs[1].addr, (dma_addr_t)e->cmb + SZ_1M);
	}
	importer_done(&imp);
	dma_buf_put(dmabuf);
}

/* A scatterlist exporter of system memory: two blocks of two pages. */
struct sg_export {
	struct page *block[2];
};

static struct sg_table *sg_map(struct dma_buf_attachment *attach, enum dma_data_direction dir)
{
	struct sg_export *x = attach->dmabuf->priv;
	struct sg_table *sgt = kzalloc(sizeof(*sgt), GFP_KERNEL);
	struct scatterlist *sg;
	int i, ret;

	if (!sgt || sg_alloc_table(sgt, 2, GFP_KERNEL)) {
		kfree(sgt);
		return ERR_PTR(-ENOMEM);
	}
	for_each_sgtable_sg(sgt, sg, i)
		sg_set_page(sg, x->block[i], 2 * PAGE_SIZE, 0);
	ret = dma_map_sgtable(attach->dev, sgt, dir, 0);
	if (ret) {
		sg_free_table(sgt);
		kfree(sgt);
		return ERR_PTR(ret);
	}
	return sgt;
}

static void sg_unmap(struct dma_buf_attachment *attach, struct sg_table *sgt,
		     enum dma_data_direction dir)
{
	dma_unmap_sgtable(attach->dev, sgt, dir, 0);
	sg_free_table(sgt);
	kfree(sgt);
}

static void sg_release(struct dma_buf *dmabuf)
{
	struct sg_export *x = dmabuf->priv;

	__free_pages(x->block[0], 1);
	__free_pages(x->block[1], 1);
	kfree(x);
}

static const struct dma_buf_ops sg_ops = {
	.map_dma_buf = sg_map,
	.unmap_dma_buf = sg_unmap,
	.release = sg_release,
};

static void scatterlist_exporter_becomes_vectors(struct kunit *test)
{
	struct env *e = test->priv;
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct sg_export *x = kzalloc(sizeof(*x), GFP_KERNEL);
	struct importer imp = {};
	struct dma_buf *dmabuf;
	size_t i, total = 0;

	KUNIT_ASSERT_NOT_NULL(test, x);
	x->block[0] = alloc_pages(GFP_KERNEL, 1);
	x->block[1] = alloc_pages(GFP_KERNEL, 1);
	KUNIT_ASSERT_TRUE(test, x->block[0] && x->block[1]);
	exp.ops = &sg_ops;
	exp.size = 4 * PAGE_SIZE;
	exp.flags = O_RDWR;
	exp.priv = x;
	dmabuf = dma_buf_export(&exp);
	KUNIT_ASSERT_FALSE(test, IS_ERR(dmabuf));

	importer_attach(test, dmabuf, &e->edu->dev, &imp);
	KUNIT_ASSERT_EQ(test, importer_map(&imp), 0);
	KUNIT_EXPECT_EQ(test, imp.map.route, PCI_P2PDMA_MAP_NONE);
	for (i = 0; i < imp.map.nr; i++)
		total += imp.map.vecs[i].len;
	KUNIT_EXPECT_EQ(test, total, (size_t)4 * PAGE_SIZE);
	if (e->translated) {
		/* dma-iommu maps the table into one IOVA range: one vector. */
		struct iommu_domain *domain = iommu_get_domain_for_dev(&e->edu->dev);

		KUNIT_ASSERT_EQ(test, imp.map.nr, (size_t)1);
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, imp.map.vecs[0].addr),
				page_to_phys(x->block[0]));
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(domain, imp.map.vecs[0].addr +
							 2 * PAGE_SIZE),
				page_to_phys(x->block[1]));
	} else {
		/* Physical addresses: merged only if the blocks touch. */
		bool touch = page_to_phys(x->block[0]) + 2 * PAGE_SIZE ==
			     page_to_phys(x->block[1]);

		KUNIT_EXPECT_EQ(test, imp.map.nr, touch ? (size_t)1 : (size_t)2);
		KUNIT_EXPECT_EQ(test, imp.map.vecs[0].addr,
				(dma_addr_t)page_to_phys(x->block[0]));
	}
	importer_done(&imp);
	dma_buf_put(dmabuf);
}

static void revoke_while_mapped_then_map_after_revoke(struct kunit *test)
{
	struct env *e = test->priv;
	struct dma_buf *dmabuf = export_cmb(test, three, 3);
	struct importer a = {}, b = {};
	struct sg_table *sgt;

	importer_attach(test, dmabuf, &e->nvme[1]->dev, &a);
	importer_attach(test, dmabuf, &e->nvme[1]->dev, &b);
	KUNIT_ASSERT_EQ(test, importer_map(&a), 0);
	KUNIT_ASSERT_EQ(test, importer_map(&b), 0);

	/* Both importers are told, both unmap: revoke does not time out. */
	KUNIT_EXPECT_EQ(test, dma_buf_phys_revoke(dmabuf), 0);
	KUNIT_EXPECT_EQ(test, a.notified, 1);
	KUNIT_EXPECT_EQ(test, b.notified, 1);
	KUNIT_EXPECT_FALSE(test, a.mapped);
	KUNIT_EXPECT_EQ(test, importer_map(&a), -ENODEV);
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(b.attach, DMA_TO_DEVICE);
	dma_resv_unlock(dmabuf->resv);
	KUNIT_EXPECT_EQ(test, PTR_ERR(sgt), -ENODEV);

	dma_buf_phys_restore(dmabuf);
	KUNIT_EXPECT_EQ(test, importer_map(&a), 0);
	importer_done(&a);
	importer_done(&b);
	dma_buf_put(dmabuf);
}

/* An importer that is told to unmap and keeps its mapping. */
static void stubborn_move_notify(struct dma_buf_attachment *attach)
{
	struct importer *imp = attach->importer_priv;

	imp->notified++;
}

static const struct dma_buf_attach_ops stubborn_ops = {
	.allow_peer2peer = true,
	.move_notify = stubborn_move_notify,
};

/*
 * Revoke waits for a bounded time, then fails and names the importer that
 * did not let go (the plan finds the warning in the kernel log).
 */
static void revoke_gives_up_on_an_importer_that_keeps_its_mapping(struct kunit *test)
{
	struct env *e = test->priv;
	struct dma_buf *dmabuf = export_cmb(test, three, 3);
	struct importer good = {}, stubborn = {};
	unsigned long start;

	importer_attach(test, dmabuf, &e->nvme[1]->dev, &good);
	stubborn.attach = dma_buf_dynamic_attach(dmabuf, &e->nvme[1]->dev, &stubborn_ops,
						 &stubborn);
	KUNIT_ASSERT_FALSE(test, IS_ERR(stubborn.attach));
	KUNIT_ASSERT_EQ(test, importer_map(&good), 0);
	KUNIT_ASSERT_EQ(test, importer_map(&stubborn), 0);

	start = jiffies;
	KUNIT_EXPECT_EQ(test, dma_buf_phys_revoke(dmabuf), -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, jiffies - start, 5 * HZ);
	KUNIT_EXPECT_EQ(test, good.notified, 1);
	KUNIT_EXPECT_FALSE(test, good.mapped);
	KUNIT_EXPECT_EQ(test, stubborn.notified, 1);
	KUNIT_EXPECT_TRUE(test, stubborn.mapped);

	/* Once it unmaps, nothing is left to wait for. */
	importer_done(&stubborn);
	KUNIT_EXPECT_EQ(test, dma_buf_phys_revoke(dmabuf), 0);
	importer_done(&good);
	dma_buf_put(dmabuf);
}

/*
 * An importer that detaches with a mapping alive has a bug (warned about),
 * but a later revoke does not wait for that mapping: it is gone with the
 * attachment as far as the exporter can know.
 */
static void detach_while_mapped_is_not_waited_for(struct kunit *test)
{
	struct env *e = test->priv;
	struct dma_buf *dmabuf = export_cmb(test, three, 3);
	struct importer leaky = {};

	importer_attach(test, dmabuf, &e->nvme[1]->dev, &leaky);
	KUNIT_ASSERT_EQ(test, importer_map(&leaky), 0);
	if (leaky.map.route != PCI_P2PDMA_MAP_BUS_ADDR) {
		importer_done(&leaky);
		dma_buf_put(dmabuf);
		kunit_skip(test, "needs the bus-address route, which maps nothing to leak");
	}
	dma_buf_detach(dmabuf, leaky.attach);
	/* All a bus-address mapping holds: its vectors. */
	kfree(leaky.map.vecs);
	KUNIT_EXPECT_EQ(test, dma_buf_phys_revoke(dmabuf), 0);
	dma_buf_put(dmabuf);
}

static void scatterlist_importer_gets_dma_only_table(struct kunit *test)
{
	struct env *e = test->priv;
	struct dma_buf *dmabuf = export_cmb(test, three, 3);
	struct importer imp = {};
	struct scatterlist *sg;
	struct sg_table *sgt;
	int i;

	importer_attach(test, dmabuf, &e->nvme[1]->dev, &imp);
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(imp.attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_EQ(test, sgt->nents, 2U);
	/* No CPU list: a walker of pages or a CPU sync finds nothing. */
	KUNIT_EXPECT_EQ(test, sgt->orig_nents, 0U);
	/* DMA addresses and lengths only (the core hides page pointers anyway). */
	for_each_sgtable_dma_sg(sgt, sg, i)
		KUNIT_EXPECT_EQ(test, sg_dma_len(sg), (unsigned int)SZ_128K);
	KUNIT_EXPECT_EQ(test, sg_dma_address(sgt->sgl),
			pci_p2pdma_bus_addr_map(e->provider, e->cmb));
	dma_buf_unmap_attachment(imp.attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dmabuf->resv);
	importer_done(&imp);
	dma_buf_put(dmabuf);
}

/*
 * An exporter's own map_dma_buf calling mainline's helper: mainline's
 * errno for a refused route, and ranges that do not add up to the size are
 * refused with a warning (the plan expects it) before anything is mapped.
 */
static void sgt_helper_refuses_like_mainline(struct kunit *test)
{
	struct env *e = test->priv;
	struct dma_buf *dmabuf = export_cmb(test, three, 3);
	struct phys_vec v[2] = { { e->cmb, SZ_64K }, { e->cmb + SZ_1M, SZ_64K } };
	struct importer plain = {}, peer = {};
	struct sg_table *sgt;

	importer_attach(test, dmabuf, &e->plain, &plain);
	importer_attach(test, dmabuf, &e->nvme[1]->dev, &peer);
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_phys_vec_to_sgt(plain.attach, e->provider, v, 2, SZ_128K,
				      DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -EINVAL);
	sgt = dma_buf_phys_vec_to_sgt(peer.attach, e->provider, v, 2, SZ_128K + SZ_4K,
				      DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(sgt), -EINVAL);
	sgt = dma_buf_phys_vec_to_sgt(peer.attach, e->provider, v, 2, SZ_128K,
				      DMA_BIDIRECTIONAL);
	KUNIT_EXPECT_FALSE(test, IS_ERR(sgt));
	if (!IS_ERR(sgt)) {
		KUNIT_EXPECT_EQ(test, sgt->nents, 2U);
		KUNIT_EXPECT_EQ(test, sgt->orig_nents, 0U);
		dma_buf_free_sgt(peer.attach, sgt, DMA_BIDIRECTIONAL);
	}
	dma_resv_unlock(dmabuf->resv);
	importer_done(&plain);
	importer_done(&peer);
	dma_buf_put(dmabuf);
}

/* Bus addresses are arithmetic: an 8 GiB range maps without touching it. */
static void eight_gib_table_is_split_safely(struct kunit *test)
{
	struct env *e = test->priv;
	const size_t big[][2] = { { 0, (size_t)SZ_4G * 2 } };
	struct dma_buf *dmabuf = export_cmb(test, big, 1);
	struct importer imp = {};
	struct scatterlist *sg;
	struct sg_table *sgt;
	u64 total = 0;
	int i;

	importer_attach(test, dmabuf, &e->nvme[1]->dev, &imp);
	dma_resv_lock(dmabuf->resv, NULL);
	sgt = dma_buf_map_attachment(imp.attach, DMA_BIDIRECTIONAL);
	KUNIT_ASSERT_FALSE(test, IS_ERR(sgt));
	KUNIT_EXPECT_EQ(test, sgt->nents, 3U);
	for_each_sgtable_dma_sg(sgt, sg, i) {
		KUNIT_EXPECT_EQ(test, sg_dma_address(sg),
				pci_p2pdma_bus_addr_map(e->provider, e->cmb) + total);
		total += sg_dma_len(sg);
	}
	KUNIT_EXPECT_EQ(test, total, (u64)SZ_4G * 2);
	dma_buf_unmap_attachment(imp.attach, sgt, DMA_BIDIRECTIONAL);
	dma_resv_unlock(dmabuf->resv);
	importer_done(&imp);
	dma_buf_put(dmabuf);
}

/*
 * The number of ranges has no limit, as mainline's VFIO export has none:
 * each page of 16 MiB of the BAR is a range, in reverse order so that no
 * two merge, and every one maps where it should.
 */
static void many_ranges_have_no_limit(struct kunit *test)
{
	struct env *e = test->priv;
	const size_t nr = SZ_16M / PAGE_SIZE;
	struct phys_vec *v = kunit_kcalloc(test, nr, sizeof(*v), GFP_KERNEL);
	struct dma_buf_phys_export_info info = { .provider = e->provider, .vecs = v, .nr = nr };
	struct importer imp = {};
	struct dma_buf *dmabuf;
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, v);
	for (i = 0; i < nr; i++) {
		v[i].paddr = e->cmb + (nr - 1 - i) * PAGE_SIZE;
		v[i].len = PAGE_SIZE;
	}
	dmabuf = dma_buf_phys_export(&info);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(dmabuf), "export: %ld", PTR_ERR(dmabuf));
	KUNIT_EXPECT_EQ(test, dmabuf->size, (size_t)SZ_16M);
	importer_attach(test, dmabuf, &e->nvme[1]->dev, &imp);
	KUNIT_ASSERT_EQ(test, importer_map(&imp), 0);
	KUNIT_ASSERT_EQ(test, imp.map.nr, nr);
	for (i = 0; i < nr; i++)
		if (imp.map.vecs[i].addr != pci_p2pdma_bus_addr_map(e->provider, v[i].paddr) ||
		    imp.map.vecs[i].len != PAGE_SIZE)
			break;
	KUNIT_EXPECT_EQ_MSG(test, i, nr, "range %zu is mapped elsewhere", i);
	importer_done(&imp);
	dma_buf_put(dmabuf);
}

static void bad_exports_and_importers(struct kunit *test)
{
	struct env *e = test->priv;
	struct phys_vec v[2] = { { e->cmb, SZ_64K }, { e->cmb + SZ_64K, SZ_64K } };
	struct dma_buf_phys_export_info info = { .provider = e->provider, .vecs = v, .nr = 1 };
	struct dma_buf_attachment *attach;
	struct importer imp = {};
	struct dma_buf *dmabuf;

	info.nr = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_phys_export(&info)), -EINVAL);
	info.nr = 1;
	info.provider = NULL;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_phys_export(&info)), -EINVAL);
	info.provider = e->provider;
	v[0].len = 0;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_phys_export(&info)), -EINVAL);
	v[0].len = 100;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_phys_export(&info)), -EINVAL);
	v[0].len = SZ_64K;
	v[0].paddr = e->cmb + 8;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_phys_export(&info)), -EINVAL);
	v[0].paddr = PHYS_ADDR_MAX & PAGE_MASK;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_phys_export(&info)), -EINVAL);
	v[0].paddr = e->cmb;
	v[1].len = SIZE_MAX & PAGE_MASK;
	info.nr = 2;
	KUNIT_EXPECT_EQ(test, PTR_ERR(dma_buf_phys_export(&info)), -EINVAL);

	dmabuf = export_cmb(test, three, 1);
	/* Importers that do not take peer memory, or cannot be revoked. */
	attach = dma_buf_dynamic_attach(dmabuf, &e->nvme[1]->dev, &no_p2p_ops, &imp);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	attach = dma_buf_attach(dmabuf, &e->nvme[1]->dev);
	KUNIT_EXPECT_EQ(test, PTR_ERR(attach), -EOPNOTSUPP);
	/* A device that is not on PCI cannot reach a BAR. */
	importer_attach(test, dmabuf, &e->plain, &imp);
	KUNIT_EXPECT_EQ(test, importer_map(&imp), -EREMOTEIO);
	importer_done(&imp);
	dma_buf_put(dmabuf);
}

static struct kunit_case dmabuf_vec_cases[] = {
	KUNIT_CASE(bus_addr_route_merges_adjacent_ranges),
	KUNIT_CASE(host_bridge_route),
	KUNIT_CASE(scatterlist_exporter_becomes_vectors),
	KUNIT_CASE(revoke_while_mapped_then_map_after_revoke),
	KUNIT_CASE(revoke_gives_up_on_an_importer_that_keeps_its_mapping),
	KUNIT_CASE(detach_while_mapped_is_not_waited_for),
	KUNIT_CASE(scatterlist_importer_gets_dma_only_table),
	KUNIT_CASE(sgt_helper_refuses_like_mainline),
	KUNIT_CASE(eight_gib_table_is_split_safely),
	KUNIT_CASE(many_ranges_have_no_limit),
	KUNIT_CASE(bad_exports_and_importers),
	{}
};

static struct kunit_suite dmabuf_vec_suite = {
	.name = "dmabuf-phys-vec",
	.init = env_init,
	.exit = env_exit,
	.test_cases = dmabuf_vec_cases,
};

p2p_kunit_param_suites(&dmabuf_vec_suite);

MODULE_DESCRIPTION("KUnit checks of physical-range dma-bufs and DMA-vector importers");
MODULE_LICENSE("GPL");
