// SPDX-License-Identifier: GPL-2.0
/*
 * dma_map_bench: CPU cost of mapping one DMA transaction four ways.
 *
 * For the same device and the same buffers, each transaction of N segments
 * is mapped and unmapped by:
 *   page    - one dma_map_page() per 4 KiB page (RAM) or dma_map_resource()
 *             per page (MMIO, which has no struct page to give)
 *   sgtable - build a scatterlist, dma_map_sgtable(), unmap, free (RAM only:
 *             a BAR without struct page cannot be put in a scatterlist)
 *   iova    - dma_iova_try_alloc(), dma_iova_link() per segment, one
 *             dma_iova_sync(), dma_iova_destroy(); dma_map_phys() per
 *             segment where no IOVA can be reserved
 *   phys    - one dma_map_phys() per segment
 * Segments are 4 KiB (N = 1, 16, 256, 4096) or 2 MiB (N = 1, 4); targets are
 * RAM pages and the NVMe CMB BAR. Per case it records the median and p99
 * CPU time of map + unmap, and, behind an Intel IOMMU, the map calls, page
 * sizes and IOTLB syncs per transaction (iommu_spy kprobes), plus the bytes
 * of mapping metadata the caller keeps. Then the cost of a P2PDMA routing
 * decision (route_cost.c). Results are in
 * /sys/kernel/debug/dma_map_bench/results: each table followed by its
 * JSON line.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/scatterlist.h>
#include <linux/seq_buf.h>
#include <linux/sizes.h>
#include <linux/sort.h>
#include <linux/vmalloc.h>

#include "iommu_spy.h"
#include "qemu_devs.h"
#include "route_cost.h"

static unsigned int iterations = 31;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations, "transactions timed per case (the first is a warm-up)");

enum method { M_PAGE, M_SGTABLE, M_IOVA, M_PHYS, M_NR };
static const char * const method_name[M_NR] = { "page", "sgtable", "iova", "phys" };

struct bench_case {
	bool mmio;
	size_t seg;
	unsigned int nseg;
};

static const struct bench_case cases[] = {
	{ false, SZ_4K, 1 }, { false, SZ_4K, 16 }, { false, SZ_4K, 256 },
	{ false, SZ_4K, 4096 }, { false, SZ_2M, 1 }, { false, SZ_2M, 4 },
	{ true, SZ_4K, 1 }, { true, SZ_4K, 16 }, { true, SZ_4K, 256 },
	{ true, SZ_4K, 4096 }, { true, SZ_2M, 1 }, { true, SZ_2M, 4 },
};

struct bench_result {
	bool valid;
	u64 median_ns, p99_ns;
	unsigned int map_calls, syncs;
	unsigned long pgsizes;
	size_t meta_bytes;
};

struct bench {
	struct device *dev;
	struct iommu_domain *domain;	/* translating domain, or NULL */
	phys_addr_t cmb;
	resource_size_t cmb_len;
	struct page *small[4096];	/* 4 KiB RAM segments, never adjacent */
	struct page *large[4];		/* 2 MiB RAM segments */
	dma_addr_t *addrs;		/* per-segment DMA addresses */
	u64 *samples;
	struct bench_result res[ARRAY_SIZE(cases)][M_NR];
};

static struct dentry *bench_dir;
static char *report;
static struct debugfs_blob_wrapper report_blob;

static phys_addr_t seg_phys(struct bench *b, const struct bench_case *c, unsigned int i)
{
	if (c->mmio)
		return b->cmb + (phys_addr_t)i * c->seg;
	return page_to_phys(c->seg == SZ_2M ? b->large[i] : b->small[i]);
}

static enum dma_data_direction dir = DMA_BIDIRECTIONAL;

static int run_page(struct bench *b, const struct bench_case *c)
{
	unsigned int n = c->nseg * (c->seg / PAGE_SIZE), i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		phys_addr_t p = seg_phys(b, c, i / (c->seg / PAGE_SIZE)) +
				(i % (c->seg / PAGE_SIZE)) * PAGE_SIZE;

		if (c->mmio)
			b->addrs[i] = dma_map_resource(b->dev, p, PAGE_SIZE, dir, 0);
		else
			b->addrs[i] = dma_map_page(b->dev, pfn_to_page(PHYS_PFN(p)), 0,
						   PAGE_SIZE, dir);
		if (dma_mapping_error(b->dev, b->addrs[i])) {
			ret = -ENOMEM;
			break;
		}
	}
	while (i--) {
		if (c->mmio)
			dma_unmap_resource(b->dev, b->addrs[i], PAGE_SIZE, dir, 0);
		else
			dma_unmap_page(b->dev, b->addrs[i], PAGE_SIZE, dir);
	}
	return ret;
}

static int run_sgtable(struct bench *b, const struct bench_case *c)
{
	struct scatterlist *sg;
	struct sg_table sgt;
	unsigned int i;
	int ret;

	ret = sg_alloc_table(&sgt, c->nseg, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, pfn_to_page(PHYS_PFN(seg_phys(b, c, i))), c->seg, 0);
	ret = dma_map_sgtable(b->dev, &sgt, dir, 0);
	if (!ret)
		dma_unmap_sgtable(b->dev, &sgt, dir, 0);
	sg_free_table(&sgt);
	return ret;
}

static int run_phys(struct bench *b, const struct bench_case *c)
{
	unsigned long attrs = c->mmio ? DMA_ATTR_MMIO : 0;
	unsigned int i;
	int ret = 0;

	for (i = 0; i < c->nseg; i++) {
		b->addrs[i] = dma_map_phys(b->dev, seg_phys(b, c, i), c->seg, dir, attrs);
		if (dma_mapping_error(b->dev, b->addrs[i])) {
			ret = -ENOMEM;
			break;
		}
	}
	while (i--)
		dma_unmap_phys(b->dev, b->addrs[i], c->seg, dir, attrs);
	return ret;
}

static int run_iova(struct bench *b, const struct bench_case *c)
{
	unsigned long attrs = c->mmio ? DMA_ATTR_MMIO : 0;
	size_t total = c->seg * c->nseg, mapped = 0;
	struct dma_iova_state state;
	unsigned int i;
	int ret = 0;

	if (!dma_iova_try_alloc(b->dev, &state, seg_phys(b, c, 0), total))
		return run_phys(b, c);
	for (i = 0; i < c->nseg && !ret; i++) {
		ret = dma_iova_link(b->dev, &state, seg_phys(b, c, i), mapped, c->seg,
				    dir, attrs);
		if (!ret)
			mapped += c->seg;
	}
	if (!ret)
		ret = dma_iova_sync(b->dev, &state, 0, mapped);
	dma_iova_destroy(b->dev, &state, mapped, dir, attrs);
	return ret;
}

static int (* const run[M_NR])(struct bench *, const struct bench_case *) = {
	run_page, run_sgtable, run_iova, run_phys,
};

static size_t meta_bytes(enum method m, const struct bench_case *c)
{
	switch (m) {
	case M_PAGE:
		return c->nseg * (c->seg / PAGE_SIZE) * sizeof(dma_addr_t);
	case M_SGTABLE:
		return sizeof(struct sg_table) + c->nseg * sizeof(struct scatterlist);
	case M_IOVA:
		return sizeof(struct dma_iova_state);
	default:
		return c->nseg * sizeof(dma_addr_t);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static int measure(struct bench *b, unsigned int ci, enum method m)
{
	const struct bench_case *c = &cases[ci];
	struct bench_result *r = &b->res[ci][m];
	struct iommu_spy spy = {};
	unsigned int i, n = iterations;
	int ret;

	if (m == M_SGTABLE && c->mmio)
		return 0;	/* no struct page: not expressible */
	if (c->nseg == 4096 && n > 11)
		n = 11;		/* keep the 4096-segment cases short */

	/* One transaction under the spy: counts, not timed. */
	if (b->domain) {
		ret = iommu_spy_start(&spy, b->domain, 0, ULONG_MAX);
		if (ret)
			return ret;
	}
	ret = run[m](b, c);
	if (b->domain)
		iommu_spy_stop(&spy);
	if (ret)
		return ret;
	r->map_calls = atomic_read(&spy.map_calls);
	r->syncs = atomic_read(&spy.syncs);
	r->pgsizes = atomic_long_read(&spy.pgsizes);

	for (i = 0; i < n; i++) {
		u64 t0 = ktime_get_ns();

		ret = run[m](b, c);
		b->samples[i] = ktime_get_ns() - t0;
		if (ret)
			return ret;
		cond_resched();
	}
	sort(b->samples, n, sizeof(u64), cmp_u64, NULL);
	r->median_ns = b->samples[n / 2];
	r->p99_ns = b->samples[min(n - 1, (n * 99 + 99) / 100 - 1)];
	r->meta_bytes = meta_bytes(m, c);
	r->valid = true;
	return 0;
}

static void print_row(struct seq_buf *s, const struct bench_case *c, enum method m,
		      const struct bench_result *r, const struct bench_result *sgt)
{
	const char *target = c->mmio ? "mmio" : "ram";
	const char *seg = c->seg == SZ_2M ? "2M" : "4K";
	char ratio[16] = "-";

	if (!r->valid) {
		seq_buf_printf(s, "%-6s %-5s %5u %-8s %12s\n", target, seg, c->nseg,
			       method_name[m], "n/a");
		return;
	}
	if (sgt->valid && sgt->median_ns)
		snprintf(ratio, sizeof(ratio), "%llu.%02llu", r->median_ns / sgt->median_ns,
			 r->median_ns * 100 / sgt->median_ns % 100);
	seq_buf_printf(s, "%-6s %-5s %5u %-8s %12llu %12llu ", target, seg, c->nseg,
		       method_name[m], r->median_ns, r->p99_ns);
	seq_buf_printf(s, "%6u %6u %-10lx %9zu %9s\n", r->map_calls, r->syncs,
		       r->pgsizes, r->meta_bytes, ratio);
}

static void print_json(struct seq_buf *s, const struct bench_case *c, enum method m,
		       const struct bench_result *r)
{
	seq_buf_printf(s, "{\"target\":\"%s\",\"seg\":%zu,\"nseg\":%u,",
		       c->mmio ? "mmio" : "ram", c->seg, c->nseg);
	seq_buf_printf(s, "\"method\":\"%s\",\"median_ns\":%llu,\"p99_ns\":%llu,",
		       method_name[m], r->median_ns, r->p99_ns);
	seq_buf_printf(s, "\"map_calls\":%u,\"syncs\":%u,\"pgsizes\":%lu,",
		       r->map_calls, r->syncs, r->pgsizes);
	seq_buf_printf(s, "\"meta_bytes\":%zu}", r->meta_bytes);
}

static void print_report(struct bench *b, struct seq_buf *s)
{
	const char *sep = "";
	unsigned int ci;
	enum method m;

	seq_buf_printf(s, "%-6s %-5s %5s %-8s %12s %12s %6s %6s %-10s %9s %9s\n",
		       "target", "seg", "nseg", "method", "median_ns", "p99_ns", "maps",
		       "syncs", "pgsizes", "meta_B", "vs_sgt");
	for (ci = 0; ci < ARRAY_SIZE(cases); ci++)
		for (m = 0; m < M_NR; m++)
			print_row(s, &cases[ci], m, &b->res[ci][m], &b->res[ci][M_SGTABLE]);

	seq_buf_printf(s, "JSON [");
	for (ci = 0; ci < ARRAY_SIZE(cases); ci++) {
		for (m = 0; m < M_NR; m++) {
			if (!b->res[ci][m].valid)
				continue;
			seq_buf_printf(s, "%s", sep);
			print_json(s, &cases[ci], m, &b->res[ci][m]);
			sep = ",";
		}
	}
	seq_buf_printf(s, "]\n");
}

static int bench_setup(struct bench *b, struct pci_dev *edu)
{
	int i;

	b->dev = &edu->dev;
	/* 2 MiB scatterlist segments must not exceed the device's limit. */
	if (dma_set_mask_and_coherent(b->dev, DMA_BIT_MASK(64)) ||
	    dma_set_max_seg_size(b->dev, UINT_MAX))
		return -EIO;
	b->domain = iommu_get_domain_for_dev(b->dev);
	if (b->domain && !(b->domain->type & __IOMMU_DOMAIN_DMA_API))
		b->domain = NULL;

	if (qemu_nvme_cmb(&b->cmb, &b->cmb_len) || b->cmb_len < SZ_16M ||
	    !IS_ALIGNED(b->cmb, SZ_2M))
		return -ENODEV;

	/*
	 * Each 4 KiB segment is the first half of its own 8 KiB block, so no
	 * two segments are physically adjacent and no method can merge them:
	 * a transaction of N segments really is N ranges.
	 */
	for (i = 0; i < ARRAY_SIZE(b->small); i++) {
		b->small[i] = alloc_pages(GFP_KERNEL, 1);
		if (!b->small[i])
			return -ENOMEM;
	}
	for (i = 0; i < ARRAY_SIZE(b->large); i++) {
		b->large[i] = alloc_pages(GFP_KERNEL, get_order(SZ_2M));
		if (!b->large[i])
			return -ENOMEM;
	}
	b->addrs = vmalloc(array_size(sizeof(*b->addrs), ARRAY_SIZE(b->small)));
	b->samples = vmalloc(sizeof(*b->samples) * iterations);
	if (!b->addrs || !b->samples)
		return -ENOMEM;
	return 0;
}

static void bench_teardown(struct bench *b)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(b->small); i++)
		if (b->small[i])
			__free_pages(b->small[i], 1);
	for (i = 0; i < ARRAY_SIZE(b->large); i++)
		if (b->large[i])
			__free_pages(b->large[i], get_order(SZ_2M));
	vfree(b->addrs);
	vfree(b->samples);
	dma_set_max_seg_size(b->dev, SZ_64K);
	dma_set_mask_and_coherent(b->dev, DMA_BIT_MASK(32));
}

static int __init dma_map_bench_init(void)
{
	struct pci_dev *edu;
	struct seq_buf s;
	struct bench *b;
	unsigned int ci;
	enum method m;
	int ret;

	if (iterations < 3)
		return -EINVAL;
	edu = qemu_edu_get();
	if (!edu) {
		pr_err("no edu device (1234:11e8) to map for\n");
		return -ENODEV;
	}
	b = vzalloc(sizeof(*b));
	report = vzalloc(PAGE_SIZE * 4);
	ret = (b && report) ? bench_setup(b, edu) : -ENOMEM;
	for (ci = 0; !ret && ci < ARRAY_SIZE(cases); ci++)
		for (m = 0; !ret && m < M_NR; m++)
			ret = measure(b, ci, m);
	if (!ret) {
		seq_buf_init(&s, report, PAGE_SIZE * 4);
		print_report(b, &s);
		ret = route_cost_report(&s);
	}
	if (!ret) {
		report_blob.data = report;
		report_blob.size = seq_buf_used(&s);
		bench_dir = debugfs_create_dir("dma_map_bench", NULL);
		debugfs_create_blob("results", 0444, bench_dir, &report_blob);
	}
	if (b) {
		bench_teardown(b);
		vfree(b);
	}
	pci_dev_put(edu);
	if (ret) {
		pr_err("failed: %d\n", ret);
		vfree(report);
	}
	return ret;
}
module_init(dma_map_bench_init);

static void __exit dma_map_bench_exit(void)
{
	debugfs_remove_recursive(bench_dir);
	vfree(report);
}
module_exit(dma_map_bench_exit);

MODULE_DESCRIPTION("CPU cost of per-page, scatterlist, IOVA and phys DMA mapping");
MODULE_LICENSE("GPL");
