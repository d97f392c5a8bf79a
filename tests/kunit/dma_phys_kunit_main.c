// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: dma_map_phys() and DMA_ATTR_MMIO on an emulated machine.
 *
 * The DMA master is QEMU's edu device (no driver bound); the MMIO target
 * is the CMB BAR of a QEMU NVMe controller, the RAM
 * target a page from the page allocator. The plan passes the IOMMU mode the
 * VM was booted with: in "strict" and "lazy" mappings go through the Intel
 * IOMMU, and the suite checks the page tables (iommu_iova_to_phys()) and,
 * through kprobes on the driver (iommu_spy), the protection bits the DMA
 * layer asked for; in "off" and "pt" they are dma-direct, and DMA address
 * equals physical address.
 */
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/sizes.h>

#include "iommu_spy.h"
#include "qemu_devs.h"
#include "p2p_kunit.h"

struct phys_env {
	struct pci_dev *edu;
	struct iommu_domain *domain;	/* NULL unless translated */
	phys_addr_t cmb;		/* start of the NVMe CMB BAR */
	resource_size_t cmb_len;
};

static int phys_init(struct kunit *test)
{
	struct phys_env *env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, env);
	test->priv = env;
	env->edu = qemu_edu_get();
	KUNIT_ASSERT_NOT_NULL_MSG(test, env->edu, "no edu device");
	KUNIT_ASSERT_EQ_MSG(test, qemu_nvme_cmb(&env->cmb, &env->cmb_len), 0,
			    "no QEMU NVMe controller with a CMB");
	KUNIT_ASSERT_GE(test, env->cmb_len, (resource_size_t)SZ_1M);
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(&env->edu->dev, DMA_BIT_MASK(64)), 0);
	if (p2p_iommu_translates()) {
		env->domain = iommu_get_domain_for_dev(&env->edu->dev);
		KUNIT_ASSERT_NOT_NULL(test, env->domain);
	}
	return 0;
}

static void phys_exit(struct kunit *test)
{
	struct phys_env *env = test->priv;

	dma_set_mask_and_coherent(&env->edu->dev, DMA_BIT_MASK(32));
	pci_dev_put(env->edu);
}

/* Every page of [dma, dma + len) must translate to [phys, phys + len). */
static void expect_translates(struct kunit *test, struct phys_env *env,
			      dma_addr_t dma, phys_addr_t phys, size_t len)
{
	size_t off;

	if (!env->domain) {
		KUNIT_EXPECT_EQ(test, dma, (dma_addr_t)phys);
		return;
	}
	for (off = 0; off < len; off += PAGE_SIZE)
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(env->domain, dma + off), phys + off);
}

static void mmio_maps_to_bar(struct kunit *test)
{
	struct phys_env *env = test->priv;
	phys_addr_t phys = env->cmb + SZ_64K;
	struct device *dev = &env->edu->dev;
	struct iommu_spy spy = {};
	dma_addr_t dma;

	if (env->domain)
		KUNIT_ASSERT_EQ(test, iommu_spy_start(&spy, env->domain, 0, ULONG_MAX), 0);
	dma = dma_map_phys(dev, phys, SZ_64K, DMA_BIDIRECTIONAL, DMA_ATTR_MMIO);
	if (env->domain)
		iommu_spy_stop(&spy);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	expect_translates(test, env, dma, phys, SZ_64K);

	if (env->domain) {
		/* MMIO protection, never cacheable, read and write. */
		KUNIT_EXPECT_GE(test, atomic_read(&spy.map_calls), 1);
		KUNIT_EXPECT_TRUE(test, atomic_read(&spy.prot_and) & IOMMU_MMIO);
		KUNIT_EXPECT_FALSE(test, atomic_read(&spy.prot_or) & IOMMU_CACHE);
		KUNIT_EXPECT_EQ(test, atomic_read(&spy.prot_and) & (IOMMU_READ | IOMMU_WRITE),
				IOMMU_READ | IOMMU_WRITE);
	}

	dma_unmap_phys(dev, dma, SZ_64K, DMA_BIDIRECTIONAL, DMA_ATTR_MMIO);
	if (env->domain)
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(env->domain, dma), (phys_addr_t)0);
}

static void ram_maps_like_a_page(struct kunit *test)
{
	struct phys_env *env = test->priv;
	struct device *dev = &env->edu->dev;
	struct page *page = alloc_page(GFP_KERNEL);
	struct iommu_spy spy = {};
	phys_addr_t phys;
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, page);
	phys = page_to_phys(page) + 256;
	if (env->domain)
		KUNIT_ASSERT_EQ(test, iommu_spy_start(&spy, env->domain, 0, ULONG_MAX), 0);
	dma = dma_map_phys(dev, phys, 512, DMA_TO_DEVICE, 0);
	if (env->domain)
		iommu_spy_stop(&spy);
	if (dma_mapping_error(dev, dma)) {
		__free_page(page);
		KUNIT_FAIL(test, "dma_map_phys() of RAM failed");
		return;
	}
	if (env->domain) {
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(env->domain, dma), phys);
		/* RAM on x86 is coherent: cacheable, read-only for TO_DEVICE. */
		KUNIT_EXPECT_TRUE(test, atomic_read(&spy.prot_and) & IOMMU_CACHE);
		KUNIT_EXPECT_FALSE(test, atomic_read(&spy.prot_or) & (IOMMU_MMIO | IOMMU_WRITE));
	} else {
		KUNIT_EXPECT_EQ(test, dma, (dma_addr_t)phys);
	}
	dma_unmap_phys(dev, dma, 512, DMA_TO_DEVICE, 0);
	__free_page(page);
}

static void map_resource_is_mmio_phys(struct kunit *test)
{
	struct phys_env *env = test->priv;
	struct device *dev = &env->edu->dev;
	dma_addr_t dma;

	dma = dma_map_resource(dev, env->cmb, SZ_8K, DMA_FROM_DEVICE, 0);
	KUNIT_ASSERT_FALSE(test, dma_mapping_error(dev, dma));
	expect_translates(test, env, dma, env->cmb, SZ_8K);
	/* dma_unmap_phys() with DMA_ATTR_MMIO undoes a dma_map_resource(). */
	dma_unmap_phys(dev, dma, SZ_8K, DMA_FROM_DEVICE, DMA_ATTR_MMIO);
	if (env->domain)
		KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(env->domain, dma), (phys_addr_t)0);
}

static void map_page_refuses_mmio_attr(struct kunit *test)
{
	struct phys_env *env = test->priv;
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, page);
	/* Warns once: the plan declares the warning as expected. */
	dma = dma_map_page_attrs(&env->edu->dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE,
				 DMA_ATTR_MMIO);
	__free_page(page);
	KUNIT_EXPECT_EQ(test, dma, DMA_MAPPING_ERROR);
}

static void mmio_out_of_reach_is_refused_not_bounced(struct kunit *test)
{
	struct phys_env *env = test->priv;
	struct device *dev = &env->edu->dev;
	dma_addr_t dma;

	if (env->domain)
		kunit_skip(test, "behind a translating IOMMU every BAR is in reach");
	/* A bus that cannot reach the BAR: dma-direct must refuse, not bounce. */
	dev->bus_dma_limit = env->cmb - 1;
	dma = dma_map_phys(dev, env->cmb, SZ_4K, DMA_TO_DEVICE, DMA_ATTR_MMIO);
	dev->bus_dma_limit = 0;
	KUNIT_EXPECT_EQ(test, dma, DMA_MAPPING_ERROR);
}

/*
 * A page mapping and a physical-address mapping are one kind of mapping to
 * dma-debug: a driver converted one call at a time unmaps either with the
 * other. Were they two kinds, dma-debug would report "frees DMA memory
 * with wrong function" and the lane's kernel-log test would fail.
 */
static void page_and_phys_unmap_each_other(struct kunit *test)
{
	struct phys_env *env = test->priv;
	struct device *dev = &env->edu->dev;
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, page);
	dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, dma));
	if (!dma_mapping_error(dev, dma))
		dma_unmap_phys(dev, dma, PAGE_SIZE, DMA_TO_DEVICE, 0);

	dma = dma_map_phys(dev, page_to_phys(page), PAGE_SIZE, DMA_FROM_DEVICE, 0);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, dma));
	if (!dma_mapping_error(dev, dma))
		dma_unmap_page(dev, dma, PAGE_SIZE, DMA_FROM_DEVICE);
	__free_page(page);
}

/*
 * On dma-direct a coherent device skips syncs, and so may skip unmapping,
 * until one of its mappings is bounced: dma_need_unmap() is then false
 * without DMA-API debugging, whether or not swiotlb has a pool.
 */
static void direct_coherent_device_may_skip_unmap(struct kunit *test)
{
	struct phys_env *env = test->priv;
	struct device *dev = &env->edu->dev;
	struct page *page = alloc_page(GFP_KERNEL);
	dma_addr_t dma;

	KUNIT_ASSERT_NOT_NULL(test, page);
	if (env->domain) {
		__free_page(page);
		kunit_skip(test, "behind a translating IOMMU every mapping needs its unmap");
	}
	/* phys_init() set a 64-bit mask: x86 devices are coherent. */
	KUNIT_EXPECT_TRUE(test, dev->dma_skip_sync);
	dma = dma_map_page(dev, page, 0, PAGE_SIZE, DMA_TO_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, dma));
	/* In reach: not bounced, so still nothing to sync or unmap. */
	KUNIT_EXPECT_TRUE(test, dev->dma_skip_sync);
	KUNIT_EXPECT_EQ(test, dma_need_unmap(dev), IS_ENABLED(CONFIG_DMA_API_DEBUG));
	if (!dma_mapping_error(dev, dma))
		dma_unmap_page(dev, dma, PAGE_SIZE, DMA_TO_DEVICE);
	__free_page(page);
}

static void need_unmap_behind_iommu(struct kunit *test)
{
	struct phys_env *env = test->priv;

	if (!env->domain)
		kunit_skip(test, "dma-direct: the answer depends on coherency and swiotlb");
	KUNIT_EXPECT_TRUE(test, dma_need_unmap(&env->edu->dev));
}

/*
 * Where the architecture asks no DMA alignment of kmalloc() (x86), small
 * buffers share cache lines, and two of them may be mapped for the device
 * to write at once, as the block layer's integrity buffers are: dma-debug
 * must not report that as an overlap (patch 0029). What fails here if it
 * does is the lane's kernel-log check, on the warning.
 */
static void small_buffers_share_a_cache_line(struct kunit *test)
{
	struct phys_env *env = test->priv;
	struct device *dev = &env->edu->dev;
	u8 *buf = kunit_kzalloc(test, 2 * L1_CACHE_BYTES, GFP_KERNEL);
	u8 *line = PTR_ALIGN(buf, L1_CACHE_BYTES);
	dma_addr_t a, b;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_LT(test, dma_get_cache_alignment(), L1_CACHE_BYTES);
	a = dma_map_single(dev, line, 8, DMA_FROM_DEVICE);
	b = dma_map_single(dev, line + 8, 8, DMA_FROM_DEVICE);
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, a));
	KUNIT_EXPECT_FALSE(test, dma_mapping_error(dev, b));
	if (!dma_mapping_error(dev, b))
		dma_unmap_single(dev, b, 8, DMA_FROM_DEVICE);
	if (!dma_mapping_error(dev, a))
		dma_unmap_single(dev, a, 8, DMA_FROM_DEVICE);
}

static struct kunit_case dma_phys_cases[] = {
	KUNIT_CASE(mmio_maps_to_bar),
	KUNIT_CASE(ram_maps_like_a_page),
	KUNIT_CASE(map_resource_is_mmio_phys),
	KUNIT_CASE(map_page_refuses_mmio_attr),
	KUNIT_CASE(mmio_out_of_reach_is_refused_not_bounced),
	KUNIT_CASE(page_and_phys_unmap_each_other),
	KUNIT_CASE(direct_coherent_device_may_skip_unmap),
	KUNIT_CASE(need_unmap_behind_iommu),
	KUNIT_CASE(small_buffers_share_a_cache_line),
	{}
};

static struct kunit_suite dma_phys_suite = {
	.name = "dma-map-phys",
	.init = phys_init,
	.exit = phys_exit,
	.test_cases = dma_phys_cases,
};

p2p_kunit_param_suites(&dma_phys_suite);

MODULE_DESCRIPTION("KUnit checks of dma_map_phys() and DMA_ATTR_MMIO");
MODULE_LICENSE("GPL");
