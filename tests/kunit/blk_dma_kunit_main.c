// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the block layer's DMA iterator (block/blk-mq-dma.c) on
 * synthetic requests, mapped for QEMU's edu device (no driver bound).
 *
 * Each case builds a request of bios over pages it chooses (contiguous or
 * scattered, whole or partial, split across bios) on a queue whose limits
 * it sets, maps it with blk_rq_dma_map_iter_start() and _next(), and checks
 * every range against the pages: with a translating IOMMU ("strict",
 * "lazy") through the IOMMU's page tables, and the map calls, IOTLB syncs
 * and IOVA space counted by iommu_spy; without one ("off", "pt") the DMA
 * addresses are the physical ones. Peer memory comes from a QEMU NVMe
 * controller's CMB, mapped for edu and for the other controller: the
 * iterator must map it as the routing engine decides.
 */
#include <linux/blk-mq-dma.h>
#include <linux/blkdev.h>
#include <linux/iommu.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/sizes.h>

#include "iommu_spy.h"
#include "qemu_devs.h"
#include "p2p_kunit.h"

#define NPAGES		16	/* one order-4 block: 64 KiB, 64 KiB aligned */
#define MAX_SEGS	16
#define MAX_BIOS	4
#define MAX_RANGES	16

/* One bvec: page @page of the block (or of @pages when set), @off, @len. */
struct seg {
	int page;
	unsigned int off, len;
};

struct rq_env {
	struct device *dev;
	struct pci_dev *edu;
	struct iommu_domain *domain;	/* NULL unless translated */
	struct page *block;
	struct page *pages[MAX_SEGS];	/* pages of the request's bvecs */
	struct request_queue q;
	struct request rq;
	struct bio *bios[MAX_BIOS];
	struct iommu_spy spy;
	bool spying;
};

struct step_range {
	dma_addr_t addr;
	u32 len;
};

static bool translated(struct rq_env *env)
{
	return env->domain;
}

static long iova_held(struct rq_env *env)
{
	return atomic_long_read(&env->spy.iova_bytes);
}

static int rq_init(struct kunit *test)
{
	struct rq_env *env = kunit_kzalloc(test, sizeof(*env), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, env);
	test->priv = env;
	env->edu = qemu_edu_get();
	KUNIT_ASSERT_NOT_NULL_MSG(test, env->edu, "no edu device");
	env->dev = &env->edu->dev;
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(env->dev, DMA_BIT_MASK(64)), 0);
	env->block = alloc_pages(GFP_KERNEL, ilog2(NPAGES));
	KUNIT_ASSERT_NOT_NULL(test, env->block);
	for (i = 0; i < MAX_SEGS; i++)
		env->pages[i] = env->block + i;

	/* NVMe's limits: 4 KiB virtual boundary, no segment boundary */
	env->q.limits.seg_boundary_mask = ULONG_MAX;
	env->q.limits.max_segment_size = UINT_MAX;
	env->q.limits.virt_boundary_mask = SZ_4K - 1;

	if (p2p_iommu_translates()) {
		env->domain = iommu_get_domain_for_dev(env->dev);
		KUNIT_ASSERT_NOT_NULL(test, env->domain);
		KUNIT_ASSERT_EQ(test, iommu_spy_start(&env->spy, env->domain, 0, ULONG_MAX), 0);
		env->spying = true;
	}
	return 0;
}

static void rq_exit(struct kunit *test)
{
	struct rq_env *env = test->priv;

	if (env->spying)
		iommu_spy_stop(&env->spy);
	if (env->block)
		__free_pages(env->block, ilog2(NPAGES));
	dma_set_mask_and_coherent(&env->edu->dev, DMA_BIT_MASK(32));
	pci_dev_put(env->edu);
}

static phys_addr_t seg_phys(struct rq_env *env, const struct seg *s)
{
	return page_to_phys(env->pages[s->page]) + s->off;
}

/*
 * Build a write request of @n bvecs, @per_bio to a bio: the bvecs as given,
 * never merged, the way a driver above the block layer could have added
 * them.
 */
static void build_rq(struct kunit *test, const struct seg *segs, int n,
		     int per_bio)
{
	struct rq_env *env = test->priv;
	unsigned int total = 0;
	struct bio *prev = NULL;
	int b, i;

	KUNIT_ASSERT_LE(test, DIV_ROUND_UP(n, per_bio), MAX_BIOS);
	env->rq = (struct request) {
		.q = &env->q,
		.cmd_flags = REQ_OP_WRITE,
	};
	for (b = 0; b * per_bio < n; b++) {
		int nr = min(per_bio, n - b * per_bio);
		struct bio *bio = kunit_kzalloc(test, struct_size(bio, bi_inline_vecs, nr),
						GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, bio);
		bio_init(bio, NULL, bio->bi_inline_vecs, nr, REQ_OP_WRITE);
		for (i = 0; i < nr; i++) {
			const struct seg *s = &segs[b * per_bio + i];

			bio->bi_io_vec[i] = (struct bio_vec) {
				.bv_page = env->pages[s->page],
				.bv_offset = s->off,
				.bv_len = s->len,
			};
			bio->bi_iter.bi_size += s->len;
		}
		bio->bi_vcnt = nr;
		total += bio->bi_iter.bi_size;
		if (prev)
			prev->bi_next = bio;
		else
			env->rq.bio = bio;
		prev = bio;
		env->bios[b] = bio;
	}
	env->rq.biotail = prev;
	env->rq.__data_len = total;
}

/* Map the whole request; the ranges in @out. Return: how many. */
static int map_rq(struct kunit *test, struct dma_iova_state *state,
		  struct blk_dma_iter *iter, struct step_range *out)
{
	struct rq_env *env = test->priv;
	int n = 0;

	if (!blk_rq_dma_map_iter_start(&env->rq, env->dev, state, iter))
		return 0;
	do {
		KUNIT_ASSERT_LT(test, n, MAX_RANGES);
		out[n++] = (struct step_range) { iter->addr, iter->len };
	} while (blk_rq_dma_map_iter_next(&env->rq, env->dev, state, iter));
	return n;
}

/* Undo map_rq() as a driver does: one call where it can, else per range. */
static void unmap_rq(struct kunit *test, struct dma_iova_state *state,
		     enum pci_p2pdma_map_type map, struct step_range *r, int n)
{
	struct rq_env *env = test->priv;
	size_t total = 0;
	int i;

	for (i = 0; i < n; i++)
		total += r[i].len;
	if (blk_rq_dma_unmap(&env->rq, env->dev, state, total, map))
		return;
	for (i = 0; i < n; i++)
		dma_unmap_phys(env->dev, r[i].addr, r[i].len, rq_dma_dir(&env->rq),
			       map == PCI_P2PDMA_MAP_THRU_HOST_BRIDGE ? DMA_ATTR_MMIO : 0);
}

/* The physical address byte @off of the request's data must reach. */
static phys_addr_t data_phys(struct rq_env *env, const struct seg *segs, int n,
			     size_t off)
{
	int i;

	for (i = 0; i < n; i++) {
		if (off < segs[i].len)
			return seg_phys(env, &segs[i]) + off;
		off -= segs[i].len;
	}
	return 0;
}

/* Where the device's address @addr leads. */
static phys_addr_t dev_phys(struct rq_env *env, dma_addr_t addr)
{
	return translated(env) ? iommu_iova_to_phys(env->domain, addr) : addr;
}

/*
 * Every bvec's first and last byte must be reached through the ranges, in
 * order, and the ranges must cover the request exactly.
 */
static void expect_covers(struct kunit *test, const struct seg *segs, int n,
			  struct step_range *r, int nr)
{
	struct rq_env *env = test->priv;
	size_t off = 0, want = 0;
	int i, s;

	for (s = 0; s < n; s++)
		want += segs[s].len;
	for (i = 0; i < nr; i++) {
		KUNIT_EXPECT_EQ_MSG(test, dev_phys(env, r[i].addr),
				    data_phys(env, segs, n, off), "range %d start", i);
		KUNIT_EXPECT_EQ_MSG(test, dev_phys(env, r[i].addr + r[i].len - 1),
				    data_phys(env, segs, n, off + r[i].len - 1),
				    "range %d end", i);
		off += r[i].len;
	}
	KUNIT_EXPECT_EQ(test, off, want);
}

/* What blk_rq_dma_map_coalesce() must say of a mapping */
enum coalesce { COALESCE_UNCHECKED, COALESCED, NOT_COALESCED };

/* What mapping a request gives in one IOMMU mode; a field left zero is not checked. */
struct map_figures {
	int ranges;		/* DMA ranges the iterator returns */
	int map_calls;		/* IOMMU map calls (counted when translated) */
	int syncs;		/* IOTLB syncs (counted when translated) */
	enum coalesce coalesce;
	u32 len[MAX_RANGES];	/* the lengths of the first ranges */
};

/* What mapping a request gives without a translating IOMMU, and with one */
struct map_want {
	struct map_figures direct;	/* "off", "pt" */
	struct map_figures iommu;	/* "strict", "lazy" */
};

/* A request mapped by map_rq_expect(), for unmap_rq_balanced() */
struct rq_map {
	struct dma_iova_state state;
	struct blk_dma_iter iter;
	struct step_range r[MAX_RANGES];
	int n;
};

/**
 * map_rq_expect() - map the request build_rq() built and check the mapping
 * @test: the test
 * @m: filled with the mapping
 * @segs: the data the ranges must cover
 * @n: how many bvecs @segs holds
 * @want: the figures expected, in the IOMMU mode the VM was booted with
 *
 * The IOMMU spy counts from zero; mapping must succeed, give @want's
 * figures and cover @segs exactly (expect_covers()).
 */
static void map_rq_expect(struct kunit *test, struct rq_map *m, const struct seg *segs,
			  int n, const struct map_want *want)
{
	struct rq_env *env = test->priv;
	const struct map_figures *f = translated(env) ? &want->iommu : &want->direct;
	int i;

	if (env->spying)
		iommu_spy_reset(&env->spy);
	m->n = map_rq(test, &m->state, &m->iter, m->r);
	KUNIT_ASSERT_EQ(test, m->iter.status, BLK_STS_OK);
	if (f->ranges)
		KUNIT_EXPECT_EQ(test, m->n, f->ranges);
	if (f->coalesce == COALESCED)
		KUNIT_EXPECT_TRUE(test, blk_rq_dma_map_coalesce(&m->state));
	else if (f->coalesce == NOT_COALESCED)
		KUNIT_EXPECT_FALSE(test, blk_rq_dma_map_coalesce(&m->state));
	if (env->spying && f->map_calls)
		KUNIT_EXPECT_EQ(test, atomic_read(&env->spy.map_calls), f->map_calls);
	if (env->spying && f->syncs)
		KUNIT_EXPECT_EQ(test, atomic_read(&env->spy.syncs), f->syncs);
	for (i = 0; i < m->n && f->len[i]; i++)
		KUNIT_EXPECT_EQ_MSG(test, m->r[i].len, f->len[i], "range %d", i);
	expect_covers(test, segs, n, m->r, m->n);
}

/* Unmap what map_rq_expect() mapped: no IOVA space may stay reserved. */
static void unmap_rq_balanced(struct kunit *test, struct rq_map *m)
{
	struct rq_env *env = test->priv;

	unmap_rq(test, &m->state, m->iter.p2pdma.map, m->r, m->n);
	if (env->spying)
		KUNIT_EXPECT_EQ(test, iova_held(env), 0L);
}

/* Scattered whole pages over three bios. */
static void scattered_pages(struct kunit *test)
{
	static const struct seg segs[] = {
		{ 0, 0, SZ_4K }, { 2, 0, SZ_4K }, { 4, 0, SZ_4K },
		{ 6, 0, SZ_4K }, { 8, 0, SZ_4K }, { 10, 0, SZ_4K },
	};
	static const struct map_want want = {
		.direct = { .ranges = 6, .coalesce = NOT_COALESCED },
		/* one IOVA range: a link per page, one IOTLB sync */
		.iommu = { .ranges = 1, .coalesce = COALESCED, .map_calls = 6, .syncs = 1 },
	};
	struct rq_map m;

	build_rq(test, segs, ARRAY_SIZE(segs), 2);
	map_rq_expect(test, &m, segs, ARRAY_SIZE(segs), &want);
	KUNIT_EXPECT_EQ(test, m.iter.p2pdma.map, PCI_P2PDMA_MAP_NONE);
	unmap_rq_balanced(test, &m);
}

/* Physically contiguous bvecs, in several bios, make one range. */
static void contiguous_bvecs_join(struct kunit *test)
{
	static const struct seg segs[] = {
		{ 0, 0, SZ_4K }, { 1, 0, SZ_4K }, { 2, 0, SZ_4K }, { 3, 0, SZ_4K },
		{ 4, 0, SZ_4K }, { 5, 0, SZ_4K }, { 6, 0, SZ_4K }, { 7, 0, SZ_4K },
	};
	static const struct map_want want = {
		.direct = { .ranges = 1, .len = { SZ_32K } },
		.iommu = { .ranges = 1, .len = { SZ_32K }, .map_calls = 1, .syncs = 1 },
	};
	struct rq_map m;

	build_rq(test, segs, ARRAY_SIZE(segs), 2);
	map_rq_expect(test, &m, segs, ARRAY_SIZE(segs), &want);
	unmap_rq_balanced(test, &m);
}

/*
 * The queue's maximum segment size and segment boundary cut ranges as
 * blk_rq_map_sg() cuts segments.
 */
static void queue_limits_cut_ranges(struct kunit *test)
{
	static const struct seg segs[] = {
		{ 0, 0, SZ_16K }, { 4, 0, SZ_16K },
	};
	static const struct map_want by_size = {
		.direct = { .ranges = 4, .len = { SZ_8K, SZ_8K, SZ_8K, SZ_8K } },
		.iommu = { .ranges = 1, .map_calls = 4, .syncs = 1 },
	};
	/* a 16 KiB boundary inside 24 KiB starting at 8 KiB: 8 + 16 KiB */
	static const struct seg across[] = {
		{ 2, 0, SZ_8K }, { 4, 0, SZ_16K },
	};
	static const struct map_want by_boundary = {
		.direct = { .ranges = 2, .len = { SZ_8K, SZ_16K } },
	};
	struct rq_env *env = test->priv;
	struct rq_map m;

	env->q.limits.max_segment_size = SZ_8K;
	build_rq(test, segs, ARRAY_SIZE(segs), 1);
	map_rq_expect(test, &m, segs, ARRAY_SIZE(segs), &by_size);
	unmap_rq_balanced(test, &m);

	env->q.limits.max_segment_size = UINT_MAX;
	env->q.limits.seg_boundary_mask = SZ_16K - 1;
	build_rq(test, across, ARRAY_SIZE(across), 2);
	map_rq_expect(test, &m, across, ARRAY_SIZE(across), &by_boundary);
	unmap_rq_balanced(test, &m);
}

/* Partial first and last pages: the offset carries into the DMA address. */
static void partial_pages_keep_offsets(struct kunit *test)
{
	static const struct seg segs[] = {
		{ 0, 512, SZ_4K - 512 }, { 2, 0, SZ_4K }, { 4, 0, 512 },
	};
	static const struct map_want want = {
		.direct = { .ranges = 3 },
		.iommu = { .ranges = 1 },
	};
	struct rq_map m;

	build_rq(test, segs, ARRAY_SIZE(segs), 1);
	map_rq_expect(test, &m, segs, ARRAY_SIZE(segs), &want);
	KUNIT_EXPECT_EQ(test, m.r[0].addr & (SZ_4K - 1), (dma_addr_t)512);
	unmap_rq_balanced(test, &m);
}

/*
 * Without a virtual boundary the ranges need not start on an IOMMU page:
 * no IOVA range, each range mapped on its own even when translated.
 */
static void no_virt_boundary_maps_each_range(struct kunit *test)
{
	static const struct seg segs[] = {
		{ 0, 0, SZ_4K }, { 2, 0, SZ_4K }, { 4, 0, SZ_4K },
	};
	static const struct map_want want = {
		.direct = { .ranges = 3, .coalesce = NOT_COALESCED },
		.iommu = { .ranges = 3, .coalesce = NOT_COALESCED },
	};
	struct rq_env *env = test->priv;
	struct rq_map m;

	env->q.limits.virt_boundary_mask = 0;
	build_rq(test, segs, ARRAY_SIZE(segs), 3);
	map_rq_expect(test, &m, segs, ARRAY_SIZE(segs), &want);
	unmap_rq_balanced(test, &m);
}

/* A request without data maps nothing and reports no error. */
static void no_data_maps_nothing(struct kunit *test)
{
	struct rq_env *env = test->priv;
	struct dma_iova_state state;
	struct blk_dma_iter iter;

	env->rq = (struct request) { .q = &env->q, .cmd_flags = REQ_OP_FLUSH };
	KUNIT_EXPECT_FALSE(test, blk_rq_dma_map_iter_start(&env->rq, env->dev, &state, &iter));
	KUNIT_EXPECT_EQ(test, iter.status, BLK_STS_OK);
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
}

/* A special payload (a discard's range list) is the request's only data. */
static void special_payload_is_the_data(struct kunit *test)
{
	static const struct seg segs[] = { { 1, 64, 256 } };
	static const struct map_want want = {
		.direct = { .ranges = 1 },
		.iommu = { .ranges = 1 },
	};
	struct rq_env *env = test->priv;
	struct rq_map m;

	build_rq(test, (const struct seg[]) { { 3, 0, SZ_4K } }, 1, 1);
	env->rq.rq_flags |= RQF_SPECIAL_PAYLOAD;
	env->rq.special_vec = (struct bio_vec) {
		.bv_page = env->pages[1], .bv_offset = 64, .bv_len = 256,
	};
	map_rq_expect(test, &m, segs, ARRAY_SIZE(segs), &want);
	unmap_rq(test, &m.state, m.iter.p2pdma.map, m.r, m.n);
}

/* The device p2p_follows_the_engine() maps peer memory for. */
struct peer_client {
	const char *desc;
	bool edu;		/* edu, or the NVMe controller that is not the provider */
};

static const struct peer_client peer_clients[] = {
	{ "edu", true },
	{ "the other NVMe controller", false },
};

static void peer_client_desc(const struct peer_client *c, char *desc)
{
	strscpy(desc, c->desc, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(peer_client, peer_clients, peer_client_desc);

/*
 * Peer memory, from a CMB, mapped for a client: the request's kind and its
 * addresses follow the routing engine's verdict for the pair; a refused
 * pair maps nothing and fails the request with BLK_STS_TARGET.
 */
static void p2p_follows_the_engine(struct kunit *test)
{
	const struct peer_client *c = test->param_value;
	struct rq_env *env = test->priv;
	struct pci_dev *nvme = NULL, *provider = NULL, *other = NULL;
	enum pci_p2pdma_map_type want;
	struct dma_iova_state state;
	struct blk_dma_iter iter;
	struct step_range r[MAX_RANGES];
	phys_addr_t phys;
	void *mem;
	int n;

	while ((nvme = pci_get_device(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, nvme))) {
		if (!provider && pci_has_p2pmem(nvme))
			provider = pci_dev_get(nvme);
		else if (!other)
			other = pci_dev_get(nvme);
	}
	if (!provider || (!c->edu && !other)) {
		pci_dev_put(provider);
		pci_dev_put(other);
		kunit_skip(test, provider ? "no second NVMe controller" :
			   "no NVMe controller with p2pmem");
	}
	/* map_rq() and unmap_rq() map for env->dev; rq_exit() resets edu's mask */
	if (!c->edu)
		env->dev = &other->dev;

	mem = pci_alloc_p2pmem(provider, SZ_8K);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	env->pages[14] = virt_to_page(mem);
	env->pages[15] = virt_to_page(mem + SZ_4K);
	phys = page_to_phys(env->pages[14]);
	want = pci_p2pdma_map_type(to_p2p_pgmap(env->pages[14]->pgmap)->mem, env->dev);
	if (env->spying)
		iommu_spy_reset(&env->spy);

	build_rq(test, (const struct seg[]) { { 14, 0, SZ_4K }, { 15, 0, SZ_4K } }, 2, 1);
	n = map_rq(test, &state, &iter, r);
	KUNIT_EXPECT_EQ_MSG(test, iter.p2pdma.map, want, "client %s", dev_name(env->dev));
	switch (want) {
	case PCI_P2PDMA_MAP_NOT_SUPPORTED:
		KUNIT_EXPECT_EQ(test, n, 0);
		KUNIT_EXPECT_EQ(test, iter.status, BLK_STS_TARGET);
		break;
	case PCI_P2PDMA_MAP_BUS_ADDR:
		KUNIT_EXPECT_EQ(test, n, 1);
		KUNIT_EXPECT_EQ(test, r[0].addr, pci_p2pdma_bus_addr_map(iter.p2pdma.mem, phys));
		KUNIT_EXPECT_EQ(test, r[0].len, (u32)SZ_8K);
		break;
	case PCI_P2PDMA_MAP_THRU_HOST_BRIDGE:
		KUNIT_EXPECT_GE(test, n, 1);
		if (c->edu && translated(env)) {
			KUNIT_EXPECT_EQ(test, dev_phys(env, r[0].addr), phys);
			KUNIT_EXPECT_TRUE(test, atomic_read(&env->spy.prot_and) & IOMMU_MMIO);
		} else if (c->edu) {
			KUNIT_EXPECT_EQ(test, r[0].addr, (dma_addr_t)phys);
		}
		break;
	default:
		KUNIT_FAIL(test, "unexpected verdict %d", want);
	}
	unmap_rq(test, &state, iter.p2pdma.map, r, n);
	pci_free_p2pmem(provider, mem, SZ_8K);
	if (env->spying)
		KUNIT_EXPECT_EQ(test, iova_held(env), 0L);
	pci_dev_put(other);
	pci_dev_put(provider);
}

/*
 * A bio holds one kind of memory: bio_add_page() refuses a CMB page after a
 * host page and a host page after a CMB page, as it refuses a full bio.
 */
static void bio_keeps_one_kind(struct kunit *test)
{
	struct rq_env *env = test->priv;
	struct pci_dev *nvme = NULL, *provider = NULL;
	struct page *host = env->pages[0], *peer;
	struct bio *bio;
	void *mem;

	while ((nvme = pci_get_device(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, nvme)))
		if (!provider && pci_has_p2pmem(nvme))
			provider = pci_dev_get(nvme);
	if (!provider)
		kunit_skip(test, "no NVMe controller with p2pmem");
	mem = pci_alloc_p2pmem(provider, SZ_4K);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	peer = virt_to_page(mem);
	bio = kunit_kzalloc(test, struct_size(bio, bi_inline_vecs, 4), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, bio);

	bio_init(bio, NULL, bio->bi_inline_vecs, 4, REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, bio_add_page(bio, host, SZ_4K, 0), SZ_4K);
	KUNIT_EXPECT_EQ(test, bio_add_page(bio, peer, SZ_4K, 0), 0);
	KUNIT_EXPECT_EQ(test, bio->bi_vcnt, 1);

	bio_init(bio, NULL, bio->bi_inline_vecs, 4, REQ_OP_WRITE);
	KUNIT_EXPECT_EQ(test, bio_add_page(bio, peer, SZ_4K, 0), SZ_4K);
	KUNIT_EXPECT_EQ(test, bio_add_page(bio, host, SZ_4K, 0), 0);
	KUNIT_EXPECT_EQ(test, bio->bi_vcnt, 1);

	pci_free_p2pmem(provider, mem, SZ_4K);
	pci_dev_put(provider);
}

/*
 * With too little IOVA space for the request, the iterator falls back to
 * mapping range by range, and fails with BLK_STS_RESOURCE at the range that
 * finds no space: the earlier ranges stay mapped for the caller to undo.
 * A DMA mask of 20 bits leaves edu at most three 256 KiB IOVA slots (fewer
 * where a PCI window below 1 MiB is reserved) and no 1 MiB one.
 */
static void iova_exhaustion_fails_half_way(struct kunit *test)
{
	struct rq_env *env = test->priv;
	struct page *blocks[4];
	struct dma_iova_state state;
	struct blk_dma_iter iter;
	struct step_range r[MAX_RANGES];
	struct seg segs[4];
	int i, n = 0;

	if (!translated(env))
		kunit_skip(test, "needs a translating IOMMU (booted with %s)", p2p_iommu_mode());
	for (i = 0; i < 4; i++) {
		/* the first half of 512 KiB blocks: never contiguous */
		blocks[i] = alloc_pages(GFP_KERNEL, get_order(SZ_512K));
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		env->pages[i] = blocks[i];
		segs[i] = (struct seg) { i, 0, SZ_256K };
	}
	KUNIT_ASSERT_EQ(test, dma_set_mask_and_coherent(env->dev, DMA_BIT_MASK(20)), 0);
	iommu_spy_reset(&env->spy);
	build_rq(test, segs, 4, 1);

	if (blk_rq_dma_map_iter_start(&env->rq, env->dev, &state, &iter)) {
		do {
			r[n++] = (struct step_range) { iter.addr, iter.len };
		} while (n < MAX_RANGES &&
			 blk_rq_dma_map_iter_next(&env->rq, env->dev, &state, &iter));
	}
	KUNIT_EXPECT_FALSE(test, dma_use_iova(&state));
	KUNIT_EXPECT_GT(test, n, 0);
	KUNIT_EXPECT_LT(test, n, 4);
	KUNIT_EXPECT_EQ(test, iter.status, BLK_STS_RESOURCE);
	expect_covers(test, segs, n, r, n);
	KUNIT_EXPECT_EQ(test, iova_held(env), (long)n * SZ_256K);
	unmap_rq(test, &state, iter.p2pdma.map, r, n);
	KUNIT_EXPECT_EQ(test, iova_held(env), 0L);
	for (i = 0; i < 4; i++)
		__free_pages(blocks[i], get_order(SZ_512K));
}

static struct kunit_case blk_dma_cases[] = {
	KUNIT_CASE(scattered_pages),
	KUNIT_CASE(contiguous_bvecs_join),
	KUNIT_CASE(queue_limits_cut_ranges),
	KUNIT_CASE(partial_pages_keep_offsets),
	KUNIT_CASE(no_virt_boundary_maps_each_range),
	KUNIT_CASE(no_data_maps_nothing),
	KUNIT_CASE(special_payload_is_the_data),
	KUNIT_CASE_PARAM(p2p_follows_the_engine, peer_client_gen_params),
	KUNIT_CASE(bio_keeps_one_kind),
	KUNIT_CASE(iova_exhaustion_fails_half_way),
	{}
};

static struct kunit_suite blk_dma_suite = {
	.name = "blk_dma_iter",
	.init = rq_init,
	.exit = rq_exit,
	.test_cases = blk_dma_cases,
};

p2p_kunit_param_suites(&blk_dma_suite);
MODULE_DESCRIPTION("KUnit tests of the block layer's DMA iterator");
MODULE_LICENSE("GPL");
