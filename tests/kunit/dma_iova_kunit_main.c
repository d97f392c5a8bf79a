// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the two-step IOVA API on an emulated machine.
 *
 * The DMA master is QEMU's edu device (no driver bound), the MMIO target
 * the CMB BAR of a QEMU NVMe controller. In "strict" and "lazy" IOMMU modes
 * the suite checks the Intel IOMMU's page tables through
 * iommu_iova_to_phys() and counts, with kprobes on the driver (iommu_spy),
 * the map calls, page sizes, protection bits and IOTLB syncs the API asks
 * for, and the balance of IOVA space reserved and given back. In "off"
 * and "pt" it checks that dma_iova_try_alloc() declines. The untrusted
 * device cases mark edu untrusted for their duration; they need the
 * swiotlb pool, which the lanes running them get with iommu=soft.
 */
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/swiotlb.h>

#include "iommu_spy.h"
#include "qemu_devs.h"
#include "p2p_kunit.h"

#define NPAGES	16

struct iova_env {
	struct device *dev;
	struct pci_dev *edu;
	struct iommu_domain *domain;	/* NULL unless translated */
	phys_addr_t cmb;
	resource_size_t cmb_len;
	struct page *pages[NPAGES];
	struct iommu_spy spy;
	bool spying;
};

/* IOVA reserved and not given back since the last iommu_spy_reset(). */
static long iova_held(struct iova_env *env)
{
	return atomic_long_read(&env->spy.iova_bytes);
}

static int iova_init(struct kunit *test)
{
	struct iova_env *env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, env);
	test->priv = env;
	env->edu = qemu_edu_get();
	KUNIT_ASSERT_NOT_NULL_MSG(test, env->edu, "no edu device");
	env->dev = &env->edu->dev;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(env->dev, DMA_BIT_MASK(64)), 0);

	KUNIT_ASSERT_EQ_MSG(test, qemu_nvme_cmb(&env->cmb, &env->cmb_len), 0,
			    "no QEMU NVMe controller with a CMB");
	KUNIT_ASSERT_GE_MSG(test, env->cmb_len, (resource_size_t)SZ_4M, "no CMB BAR of 4 MiB");

	for (i = 0; i < NPAGES; i++) {
		env->pages[i] = alloc_page(GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, env->pages[i]);
	}
	if (p2p_iommu_translates()) {
		env->domain = iommu_get_domain_for_dev(env->dev);
		KUNIT_ASSERT_NOT_NULL(test, env->domain);
		KUNIT_ASSERT_EQ(test, iommu_spy_start(&env->spy, env->domain, 0, ULONG_MAX), 0);
		env->spying = true;
	}
	return 0;
}

static void iova_exit(struct kunit *test)
{
	struct iova_env *env = test->priv;
	int i;

	if (env->spying)
		iommu_spy_stop(&env->spy);
	env->edu->untrusted = 0;
	for (i = 0; i < NPAGES; i++)
		if (env->pages[i])
			__free_page(env->pages[i]);
	dma_set_mask_and_coherent(env->dev, DMA_BIT_MASK(32));
	pci_dev_put(env->edu);
}

static void require_translation(struct kunit *test)
{
	struct iova_env *env = test->priv;

	if (!env->domain)
		kunit_skip(test, "needs a translating IOMMU (booted with %s)", p2p_iommu_mode());
}

/* Reserve NPAGES pages of IOVA and link every page of env->pages. */
static void link_all(struct kunit *test, struct dma_iova_state *state)
{
	struct iova_env *env = test->priv;
	int i;

	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, state,
						   page_to_phys(env->pages[0]),
						   NPAGES * PAGE_SIZE));
	for (i = 0; i < NPAGES; i++)
		KUNIT_ASSERT_EQ(test, dma_iova_link(env->dev, state,
						    page_to_phys(env->pages[i]),
						    i * PAGE_SIZE, PAGE_SIZE,
						    DMA_BIDIRECTIONAL, 0), 0);
}

static phys_addr_t xlate(struct iova_env *env, struct dma_iova_state *state, size_t off)
{
	return iommu_iova_to_phys(env->domain, state->addr + off);
}

static void try_alloc_declines_without_translation(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;

	if (env->domain)
		kunit_skip(test, "translated: covered by the other cases");
	state.addr = 1;
	state.__size = 1;
	KUNIT_EXPECT_FALSE(test, dma_iova_try_alloc(env->dev, &state, 0, SZ_64K));
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
	KUNIT_EXPECT_EQ(test, dma_iova_size(&state), (size_t)0);
}

static void try_alloc_declines_bad_sizes_and_exhaustion(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;

	require_translation(test);
	iommu_spy_reset(&env->spy);
	/* Both warn once: the plan declares dma_iova_try_alloc warnings. */
	KUNIT_EXPECT_FALSE(test, dma_iova_try_alloc(env->dev, &state, 0, 0));
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
	KUNIT_EXPECT_FALSE(test, dma_iova_try_alloc(env->dev, &state, 0, (size_t)1 << 63));
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
	/* More than the IOMMU's address width can hold: no IOVA, no warning. */
	KUNIT_EXPECT_FALSE(test, dma_iova_try_alloc(env->dev, &state, 0, (size_t)1 << 62));
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
	KUNIT_EXPECT_EQ(test, iova_held(env), 0L);
}

static void batch_of_links_costs_one_sync(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;
	int i;

	require_translation(test);
	iommu_spy_reset(&env->spy);
	link_all(test, &state);
	KUNIT_EXPECT_TRUE(test, dma_use_iova(&state));
	KUNIT_EXPECT_EQ(test, dma_iova_size(&state), (size_t)NPAGES * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, atomic_read(&env->spy.map_calls), NPAGES);
	KUNIT_EXPECT_EQ(test, atomic_read(&env->spy.syncs), 0);
	KUNIT_EXPECT_EQ(test, dma_iova_sync(env->dev, &state, 0, NPAGES * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&env->spy.syncs), 1);

	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ(test, xlate(env, &state, i * PAGE_SIZE + 8),
				page_to_phys(env->pages[i]) + 8);
	KUNIT_EXPECT_TRUE(test, atomic_read(&env->spy.prot_and) & IOMMU_CACHE);
	KUNIT_EXPECT_FALSE(test, atomic_read(&env->spy.prot_or) & IOMMU_MMIO);

	dma_iova_destroy(env->dev, &state, NPAGES * PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
	KUNIT_EXPECT_EQ(test, iova_held(env), 0L);
}

static void unlink_removes_exactly_its_range(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;
	int i;

	require_translation(test);
	link_all(test, &state);
	KUNIT_ASSERT_EQ(test, dma_iova_sync(env->dev, &state, 0, NPAGES * PAGE_SIZE), 0);

	dma_iova_unlink(env->dev, &state, 4 * PAGE_SIZE, 3 * PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
	for (i = 0; i < NPAGES; i++) {
		phys_addr_t want = (i >= 4 && i < 7) ? 0 : page_to_phys(env->pages[i]);

		KUNIT_EXPECT_EQ_MSG(test, xlate(env, &state, i * PAGE_SIZE), want, "page %d", i);
	}

	/* Link the hole again, then unmap everything and give the IOVA back. */
	for (i = 4; i < 7; i++)
		KUNIT_ASSERT_EQ(test, dma_iova_link(env->dev, &state, page_to_phys(env->pages[i]),
						    i * PAGE_SIZE, PAGE_SIZE,
						    DMA_BIDIRECTIONAL, 0), 0);
	KUNIT_ASSERT_EQ(test, dma_iova_sync(env->dev, &state, 4 * PAGE_SIZE, 3 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, xlate(env, &state, 5 * PAGE_SIZE), page_to_phys(env->pages[5]));
	dma_iova_destroy(env->dev, &state, NPAGES * PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
}

static void mmio_link_uses_mmio_prot_and_2m_pages(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;
	size_t off;

	require_translation(test);
	iommu_spy_reset(&env->spy);
	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, &state, env->cmb, SZ_4M));
	KUNIT_ASSERT_EQ(test, dma_iova_link(env->dev, &state, env->cmb, 0, SZ_4M,
					    DMA_BIDIRECTIONAL, DMA_ATTR_MMIO), 0);
	KUNIT_ASSERT_EQ(test, dma_iova_sync(env->dev, &state, 0, SZ_4M), 0);
	for (off = 0; off < SZ_4M; off += SZ_512K)
		KUNIT_EXPECT_EQ(test, xlate(env, &state, off + 64), env->cmb + off + 64);

	KUNIT_EXPECT_TRUE(test, atomic_read(&env->spy.prot_and) & IOMMU_MMIO);
	KUNIT_EXPECT_FALSE(test, atomic_read(&env->spy.prot_or) & IOMMU_CACHE);
	KUNIT_EXPECT_EQ(test, atomic_read(&env->spy.syncs), 1);
	if (env->domain->pgsize_bitmap & SZ_2M)
		KUNIT_EXPECT_EQ(test, atomic_long_read(&env->spy.pgsizes), (long)SZ_2M);
	else
		kunit_info(test, "IOMMU has no 2 MiB pages (pgsize_bitmap %lx)",
			   env->domain->pgsize_bitmap);

	dma_iova_destroy(env->dev, &state, SZ_4M, DMA_BIDIRECTIONAL, DMA_ATTR_MMIO);
	KUNIT_EXPECT_EQ(test, iommu_iova_to_phys(env->domain, state.addr), (phys_addr_t)0);
}

static void link_rejects_bad_ranges(struct kunit *test)
{
	struct iova_env *env = test->priv;
	phys_addr_t p0 = page_to_phys(env->pages[0]), p1 = page_to_phys(env->pages[1]);
	struct dma_iova_state state;

	require_translation(test);
	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, &state, p0, 2 * PAGE_SIZE));
	/* Past the reservation, and a size whose end wraps: -EINVAL, nothing mapped. */
	KUNIT_EXPECT_EQ(test, dma_iova_link(env->dev, &state, p1, PAGE_SIZE, 2 * PAGE_SIZE,
					    DMA_TO_DEVICE, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, dma_iova_link(env->dev, &state, p1, PAGE_SIZE, SIZE_MAX,
					    DMA_TO_DEVICE, 0), -EINVAL);
	/* A later link that does not start on the granule: -EIO. */
	KUNIT_EXPECT_EQ(test, dma_iova_link(env->dev, &state, p1 + 8, PAGE_SIZE, 64,
					    DMA_TO_DEVICE, 0), -EIO);
	KUNIT_EXPECT_EQ(test, xlate(env, &state, PAGE_SIZE), (phys_addr_t)0);
	dma_iova_destroy(env->dev, &state, 0, DMA_TO_DEVICE, 0);
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
}

/*
 * sync, unlink and destroy check their range as link does: one outside the
 * reservation is refused and unmaps nothing (it would be other mappings').
 */
static void sync_unlink_destroy_reject_bad_ranges(struct kunit *test)
{
	struct iova_env *env = test->priv;
	phys_addr_t p0 = page_to_phys(env->pages[0]);
	struct dma_iova_state state;

	require_translation(test);
	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, &state, p0, 2 * PAGE_SIZE));
	KUNIT_ASSERT_EQ(test, dma_iova_link(env->dev, &state, p0, 0, 2 * PAGE_SIZE,
					    DMA_TO_DEVICE, 0), 0);
	KUNIT_EXPECT_EQ(test, dma_iova_sync(env->dev, &state, PAGE_SIZE, 2 * PAGE_SIZE),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, dma_iova_sync(env->dev, &state, PAGE_SIZE, SIZE_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, dma_iova_sync(env->dev, &state, 0, 2 * PAGE_SIZE), 0);
	dma_iova_unlink(env->dev, &state, PAGE_SIZE, 2 * PAGE_SIZE, DMA_TO_DEVICE, 0);
	dma_iova_destroy(env->dev, &state, 3 * PAGE_SIZE, DMA_TO_DEVICE, 0);
	/* Nothing was unmapped or given back. */
	KUNIT_EXPECT_TRUE(test, dma_use_iova(&state));
	KUNIT_EXPECT_EQ(test, xlate(env, &state, 0), p0);
	KUNIT_EXPECT_EQ(test, xlate(env, &state, PAGE_SIZE), p0 + PAGE_SIZE);
	dma_iova_destroy(env->dev, &state, 2 * PAGE_SIZE, DMA_TO_DEVICE, 0);
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
}

static void failed_batch_rolls_back_with_destroy(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;
	size_t mapped = 0;
	int i, ret = 0;

	require_translation(test);
	iommu_spy_reset(&env->spy);
	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, &state,
						   page_to_phys(env->pages[0]), 8 * PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, iova_held(env), 8L * PAGE_SIZE);
	/* The fifth link runs past the reservation and fails half way. */
	for (i = 0; i < 8 && !ret; i++) {
		size_t len = i == 4 ? 8 * PAGE_SIZE : PAGE_SIZE;

		ret = dma_iova_link(env->dev, &state, page_to_phys(env->pages[i]),
				    mapped, len, DMA_BIDIRECTIONAL, 0);
		if (!ret)
			mapped += len;
	}
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	KUNIT_EXPECT_EQ(test, mapped, (size_t)4 * PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, xlate(env, &state, 3 * PAGE_SIZE), page_to_phys(env->pages[3]));

	dma_iova_destroy(env->dev, &state, mapped, DMA_BIDIRECTIONAL, 0);
	/* No page-table entry of the batch is left. */
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ_MSG(test, iommu_iova_to_phys(env->domain,
							     state.addr + i * PAGE_SIZE),
				    (phys_addr_t)0, "page %d", i);
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
	/* ... and the IOVA range went back (to the flush queue in lazy mode). */
	KUNIT_EXPECT_EQ(test, iova_held(env), 0L);
}

static void require_untrusted(struct kunit *test)
{
	struct iova_env *env = test->priv;

	require_translation(test);
	KUNIT_ASSERT_TRUE_MSG(test, is_swiotlb_active(env->dev),
			      "no swiotlb pool: boot with iommu=soft");
	env->edu->untrusted = 1;
}

/* Bytes [off, off + len) of the page-sized buffer at @va all equal @c. */
static bool all_equal(const u8 *va, size_t off, size_t len, u8 c)
{
	return !memchr_inv(va + off, c, len);
}

#define HEAD	0x100	/* the range starts this far into its first page ... */
#define TAIL	0x80	/* ... and ends this far into its last one */

static void untrusted_ram_bounces_head_and_tail(struct kunit *test)
{
	struct iova_env *env = test->priv;
	size_t size = 3 * PAGE_SIZE - HEAD + TAIL, mid = PAGE_SIZE - HEAD;
	struct dma_iova_state state;
	struct page *buf;
	phys_addr_t phys, head_slot, tail_slot;
	u8 *va;
	int i;

	require_untrusted(test);
	buf = alloc_pages(GFP_KERNEL, 2);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	va = page_address(buf);
	phys = page_to_phys(buf) + HEAD;
	/* The range holds 1, 2, 3, ...; the bytes around it hold secrets. */
	memset(va, 0xee, 4 * PAGE_SIZE);
	for (i = 0; i < size; i++)
		va[HEAD + i] = i % 251 + 1;

	iommu_spy_reset(&env->spy);
	/*
	 * As a coherent device skips syncs until one of its mappings is
	 * bounced: the first bounce turns that off, and dma_need_unmap()
	 * true, for good.
	 */
	env->dev->dma_skip_sync = true;
	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, &state, phys, size));
	KUNIT_ASSERT_EQ(test, dma_iova_link(env->dev, &state, phys, 0, size,
					    DMA_BIDIRECTIONAL, 0), 0);
	KUNIT_EXPECT_FALSE(test, env->dev->dma_skip_sync);
	KUNIT_ASSERT_EQ(test, dma_iova_sync(env->dev, &state, 0, size), 0);

	/* Head and tail are slots; the two whole pages between are direct. */
	head_slot = xlate(env, &state, 0) - HEAD;
	tail_slot = xlate(env, &state, size - 1) - (TAIL - 1);
	KUNIT_EXPECT_TRUE(test, is_swiotlb_buffer(env->dev, head_slot));
	KUNIT_EXPECT_TRUE(test, is_swiotlb_buffer(env->dev, tail_slot));
	KUNIT_EXPECT_EQ(test, xlate(env, &state, mid), page_to_phys(buf) + PAGE_SIZE);
	KUNIT_EXPECT_EQ(test, xlate(env, &state, mid + PAGE_SIZE + 8),
			page_to_phys(buf) + 2 * PAGE_SIZE + 8);

	/* The slots hold the range's bytes and zeros, never the secrets. */
	KUNIT_EXPECT_TRUE(test, all_equal(phys_to_virt(head_slot), 0, HEAD, 0));
	KUNIT_EXPECT_EQ(test, memcmp(phys_to_virt(head_slot) + HEAD, va + HEAD, mid), 0);
	KUNIT_EXPECT_EQ(test, memcmp(phys_to_virt(tail_slot), va + 3 * PAGE_SIZE, TAIL), 0);
	KUNIT_EXPECT_TRUE(test, all_equal(phys_to_virt(tail_slot), TAIL, PAGE_SIZE - TAIL, 0));

	/* The "device" writes inside and outside the range in both slots. */
	((u8 *)phys_to_virt(head_slot))[HEAD] = 0x5a;
	((u8 *)phys_to_virt(head_slot))[0] = 0x77;
	((u8 *)phys_to_virt(tail_slot))[TAIL - 1] = 0x5b;
	((u8 *)phys_to_virt(tail_slot))[TAIL] = 0x77;

	dma_iova_destroy(env->dev, &state, size, DMA_BIDIRECTIONAL, 0);
	/* Only the bytes inside the range came back. */
	KUNIT_EXPECT_EQ(test, va[HEAD], 0x5a);
	KUNIT_EXPECT_EQ(test, va[3 * PAGE_SIZE + TAIL - 1], 0x5b);
	KUNIT_EXPECT_TRUE(test, all_equal(va, 0, HEAD, 0xee));
	KUNIT_EXPECT_TRUE(test, all_equal(va, 3 * PAGE_SIZE + TAIL, PAGE_SIZE - TAIL, 0xee));
	/*
	 * Nothing left behind: page-table entries, IOVA here; the plan checks
	 * that swiotlb's count of slots in use is back where it started.
	 */
	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_EQ_MSG(test, iommu_iova_to_phys(env->domain, state.addr - HEAD +
							     i * PAGE_SIZE),
				    (phys_addr_t)0, "page %d", i);
	KUNIT_EXPECT_EQ(test, iova_held(env), 0L);
	__free_pages(buf, 2);
}

static void untrusted_aligned_ram_is_not_bounced(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;
	int i;

	require_untrusted(test);
	env->dev->dma_skip_sync = true;
	link_all(test, &state);
	/* Nothing bounced: syncs may still be skipped. */
	KUNIT_EXPECT_TRUE(test, env->dev->dma_skip_sync);
	env->dev->dma_skip_sync = false;
	for (i = 0; i < NPAGES; i++)
		KUNIT_EXPECT_EQ(test, xlate(env, &state, i * PAGE_SIZE),
				page_to_phys(env->pages[i]));
	KUNIT_EXPECT_EQ(test, xlate(env, &state, PAGE_SIZE), page_to_phys(env->pages[1]));
	dma_iova_destroy(env->dev, &state, NPAGES * PAGE_SIZE, DMA_BIDIRECTIONAL, 0);
}

static void untrusted_unaligned_mmio_is_refused(struct kunit *test)
{
	struct iova_env *env = test->priv;
	struct dma_iova_state state;

	require_untrusted(test);
	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, &state, env->cmb + 64, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, dma_iova_link(env->dev, &state, env->cmb + 64, 0, PAGE_SIZE,
					    DMA_TO_DEVICE, DMA_ATTR_MMIO), -EPERM);
	KUNIT_EXPECT_EQ(test, xlate(env, &state, 0), (phys_addr_t)0);
	/* Aligned MMIO needs no bounce and is mapped. */
	dma_iova_destroy(env->dev, &state, 0, DMA_TO_DEVICE, DMA_ATTR_MMIO);
	KUNIT_ASSERT_TRUE(test, dma_iova_try_alloc(env->dev, &state, env->cmb, PAGE_SIZE));
	KUNIT_EXPECT_EQ(test, dma_iova_link(env->dev, &state, env->cmb, 0, PAGE_SIZE,
					    DMA_TO_DEVICE, DMA_ATTR_MMIO), 0);
	KUNIT_EXPECT_EQ(test, xlate(env, &state, 8), env->cmb + 8);
	dma_iova_destroy(env->dev, &state, PAGE_SIZE, DMA_TO_DEVICE, DMA_ATTR_MMIO);
}

static struct kunit_case dma_iova_cases[] = {
	KUNIT_CASE(try_alloc_declines_without_translation),
	KUNIT_CASE(try_alloc_declines_bad_sizes_and_exhaustion),
	KUNIT_CASE(batch_of_links_costs_one_sync),
	KUNIT_CASE(unlink_removes_exactly_its_range),
	KUNIT_CASE(mmio_link_uses_mmio_prot_and_2m_pages),
	KUNIT_CASE(link_rejects_bad_ranges),
	KUNIT_CASE(sync_unlink_destroy_reject_bad_ranges),
	KUNIT_CASE(failed_batch_rolls_back_with_destroy),
	KUNIT_CASE(untrusted_ram_bounces_head_and_tail),
	KUNIT_CASE(untrusted_aligned_ram_is_not_bounced),
	KUNIT_CASE(untrusted_unaligned_mmio_is_refused),
	{}
};

static struct kunit_suite dma_iova_suite = {
	.name = "dma-iova",
	.init = iova_init,
	.exit = iova_exit,
	.test_cases = dma_iova_cases,
};

p2p_kunit_param_suites(&dma_iova_suite);

MODULE_DESCRIPTION("KUnit checks of the two-step IOVA API");
MODULE_LICENSE("GPL");
