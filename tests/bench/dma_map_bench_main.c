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
 * RAM pages and the NVMe CMB BAR.
 *
 * The figures compare methods, so whatever disturbs the machine (other
 * guests, host load under TCG) must land on every method alike: the
 * methods of a case take turns transaction by transaction, and the run
 * goes over all cases several times (rounds), so a slow spell shows up
 * as a spread between one case's per-round medians instead of as one
 * method's slowdown. Per case and method it records the median and p99
 * CPU time of map + unmap over all rounds, the lowest and highest
 * per-round median, and, behind an Intel IOMMU, the map calls, page sizes
 * and IOTLB syncs per transaction (iommu_spy kprobes, in one transaction
 * of each before the timed rounds), plus the bytes of mapping metadata the
 * caller keeps. For 256 x 4 KiB of RAM behind a translating IOMMU, the
 * sgtable and iova samples also time each of their steps (setup, map,
 * sync, unmap, free), which says where the difference between the two
 * goes. Then the cost of a P2PDMA routing
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

static unsigned int iterations = 35;
module_param(iterations, uint, 0444);
MODULE_PARM_DESC(iterations,
		 "timed transactions per case and method, spread over the rounds (4096 segments: at most 15)");

static unsigned int rounds = 5;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "passes over all cases, 1 to 16 (no more than a case has transactions)");

static unsigned int max_pages;
module_param(max_pages, uint, 0444);
MODULE_PARM_DESC(max_pages,
		 "leave out the cases of more than this many pages per transaction (0: none)");

/* The round medians are kept per case and method: a bound keeps them inline. */
#define MAX_ROUNDS	16
/* The 4096-segment transactions are the slow ones: fewer of them. */
#define LONG_NSEG	4096
#define LONG_ITERATIONS	15U

enum method { M_PAGE, M_SGTABLE, M_IOVA, M_PHYS, M_NR };
static const char * const method_name[M_NR] = { "page", "sgtable", "iova", "phys" };

/*
 * Where a transaction's time goes. run_sgtable() and run_iova() take the
 * time at the boundaries of their steps when given somewhere to put it
 * (@t, PH_NR entries): the timed samples of the phase case behind a
 * translating IOMMU do; the warm-up, the counting and every other sample
 * pass NULL. A step a method does not have (the scatterlist's IOTLB sync,
 * inside its map; the IOVA's free, inside its destroy) is an empty span.
 */
enum phase { PH_START, PH_SETUP, PH_MAP, PH_SYNC, PH_UNMAP, PH_FREE, PH_NR };
static const char * const phase_name[PH_NR] = {
	[PH_SETUP] = "setup", [PH_MAP] = "map", [PH_SYNC] = "sync",
	[PH_UNMAP] = "unmap", [PH_FREE] = "free",
};

/*
 * The case the two-step API is held against the scatterlist by (phase_case())
 * and its two methods, whose timed samples there also keep each step's time.
 */
static const enum method phase_method[] = { M_SGTABLE, M_IOVA };
#define NR_PHASE_METHODS	ARRAY_SIZE(phase_method)
#define PHASE_NSEG		256	/* of 4 KiB of RAM */

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
	u64 median_ns, p99_ns;		/* over the samples of every round */
	u64 round_median[MAX_ROUNDS];
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
	unsigned int rounds;		/* rounds run (the parameter, bounded) */
	size_t stride;			/* samples kept per case and method */
	u64 *samples;			/* [case][method][round][sample] */
	struct bench_result res[ARRAY_SIZE(cases)][M_NR];
	u64 *phase_samples;		/* [phase method][phase][round][sample] */
	unsigned int phase_kept[NR_PHASE_METHODS];	/* samples with every step timed */
	bool phases_valid;
	u64 phase_ns[NR_PHASE_METHODS][PH_NR];		/* medians */
};

/* The tables and their JSON lines: about 16 to 20 KiB with the default rounds. */
#define REPORT_SIZE	SZ_64K

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

static void stamp(u64 *t, enum phase p)
{
	if (t)
		t[p] = ktime_get_ns();
}

static bool phase_case(const struct bench_case *c)
{
	return !c->mmio && c->seg == SZ_4K && c->nseg == PHASE_NSEG;
}

/*
 * Which of phase_method[] @m is in the phase case behind a translating
 * IOMMU, or -1: elsewhere no sample pays for the clock reads.
 */
static int phase_index(const struct bench *b, const struct bench_case *c, enum method m)
{
	unsigned int k;

	for (k = 0; b->domain && phase_case(c) && k < NR_PHASE_METHODS; k++)
		if (phase_method[k] == m)
			return k;
	return -1;
}

static int run_page(struct bench *b, const struct bench_case *c, u64 *t)
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

static int run_sgtable(struct bench *b, const struct bench_case *c, u64 *t)
{
	struct scatterlist *sg;
	struct sg_table sgt;
	unsigned int i;
	int ret;

	stamp(t, PH_START);
	ret = sg_alloc_table(&sgt, c->nseg, GFP_KERNEL);
	if (ret)
		return ret;
	for_each_sgtable_sg(&sgt, sg, i)
		sg_set_page(sg, pfn_to_page(PHYS_PFN(seg_phys(b, c, i))), c->seg, 0);
	stamp(t, PH_SETUP);
	ret = dma_map_sgtable(b->dev, &sgt, dir, 0);
	stamp(t, PH_MAP);
	stamp(t, PH_SYNC);	/* dma_map_sgtable() syncs the IOTLB itself */
	if (!ret)
		dma_unmap_sgtable(b->dev, &sgt, dir, 0);
	stamp(t, PH_UNMAP);
	sg_free_table(&sgt);
	stamp(t, PH_FREE);
	return ret;
}

static int run_phys(struct bench *b, const struct bench_case *c, u64 *t)
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

static int run_iova(struct bench *b, const struct bench_case *c, u64 *t)
{
	unsigned long attrs = c->mmio ? DMA_ATTR_MMIO : 0;
	size_t total = c->seg * c->nseg, mapped = 0;
	struct dma_iova_state state;
	unsigned int i;
	int ret = 0;

	stamp(t, PH_START);
	if (!dma_iova_try_alloc(b->dev, &state, seg_phys(b, c, 0), total))
		return run_phys(b, c, NULL);
	stamp(t, PH_SETUP);
	for (i = 0; i < c->nseg && !ret; i++) {
		ret = dma_iova_link(b->dev, &state, seg_phys(b, c, i), mapped, c->seg,
				    dir, attrs);
		if (!ret)
			mapped += c->seg;
	}
	stamp(t, PH_MAP);
	if (!ret)
		ret = dma_iova_sync(b->dev, &state, 0, mapped);
	stamp(t, PH_SYNC);
	dma_iova_destroy(b->dev, &state, mapped, dir, attrs);
	stamp(t, PH_UNMAP);
	stamp(t, PH_FREE);	/* the IOVA went back with the unmap */
	return ret;
}

static int (* const run[M_NR])(struct bench *, const struct bench_case *, u64 *) = {
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

/* The median of @n sorted samples (the mean of the middle two for even @n). */
static u64 median_of(const u64 *v, unsigned int n)
{
	return (v[(n - 1) / 2] + v[n / 2]) / 2;
}

static bool expressible(const struct bench_case *c, enum method m)
{
	if (max_pages && c->nseg * (c->seg / PAGE_SIZE) > max_pages)
		return false;
	return !(m == M_SGTABLE && c->mmio);	/* no struct page: no scatterlist */
}

/* Timed transactions per round of a case of @nseg segments. */
static unsigned int per_round(const struct bench *b, unsigned int nseg)
{
	unsigned int n = nseg == LONG_NSEG ? min(iterations, LONG_ITERATIONS) : iterations;

	return DIV_ROUND_UP(n, b->rounds);
}

static u64 *samples_of(struct bench *b, unsigned int ci, enum method m)
{
	return b->samples + (ci * M_NR + m) * b->stride;
}

static u64 *phase_samples_of(struct bench *b, unsigned int k, enum phase p)
{
	return b->phase_samples + (k * PH_NR + p) * b->stride;
}

/*
 * Keep the steps of sample @i of phase method @k. Without a translating
 * IOMMU the IOVA method is dma_map_phys() and times no step: nothing kept.
 */
static void keep_phases(struct bench *b, unsigned int k, const u64 *t, unsigned int i)
{
	enum phase p;

	if (!t[PH_FREE])
		return;
	for (p = PH_SETUP; p < PH_NR; p++)
		phase_samples_of(b, k, p)[i] = t[p] - t[p - 1];
	b->phase_kept[k]++;
}

/*
 * What each method asks of the IOMMU driver, from one transaction of every
 * case and method under the spy. Its probes are put in once, before the
 * timed rounds, and taken out before them: none of the timed samples runs
 * with a probe in place.
 */
static int count_calls(struct bench *b)
{
	struct iommu_spy spy = {};
	unsigned int ci;
	enum method m;
	int ret;

	if (!b->domain)
		return 0;
	ret = iommu_spy_start(&spy, b->domain, 0, ULONG_MAX);
	if (ret)
		return ret;
	for (ci = 0; ci < ARRAY_SIZE(cases) && !ret; ci++) {
		for (m = 0; m < M_NR && !ret; m++) {
			struct bench_result *r = &b->res[ci][m];

			if (!expressible(&cases[ci], m))
				continue;
			iommu_spy_reset(&spy);
			ret = run[m](b, &cases[ci], NULL);
			r->map_calls = atomic_read(&spy.map_calls);
			r->syncs = atomic_read(&spy.syncs);
			r->pgsizes = atomic_long_read(&spy.pgsizes);
			cond_resched();
		}
	}
	iommu_spy_stop(&spy);
	return ret;
}

/*
 * One untimed transaction of every method before a round's samples, so
 * that none of them pays for what the previous case left in the caches.
 */
static int warm_up(struct bench *b, unsigned int ci)
{
	const struct bench_case *c = &cases[ci];
	enum method m;
	int ret;

	for (m = 0; m < M_NR; m++) {
		if (!expressible(c, m))
			continue;
		ret = run[m](b, c, NULL);
		if (ret)
			return ret;
		/*
		 * The bench kernel does not preempt: without a scheduling point
		 * module init would hold this CPU for the whole run, which RCU
		 * reports as a stall under slow TCG.
		 */
		cond_resched();
	}
	return 0;
}

/*
 * One round of case @ci: sample i of every method before sample i + 1 of
 * any, so a disturbance hits all methods alike. The method that starts
 * moves on each time, so none always runs right after the same other one.
 */
static int measure_round(struct bench *b, unsigned int ci, unsigned int round)
{
	const struct bench_case *c = &cases[ci];
	unsigned int n = per_round(b, c->nseg), i, k;
	int ret;

	ret = warm_up(b, ci);
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		for (k = 0; k < M_NR; k++) {
			enum method m = (round * n + i + k) % M_NR;
			int pk = phase_index(b, c, m);
			u64 t0, t[PH_NR] = {};

			if (!expressible(c, m))
				continue;
			t0 = ktime_get_ns();
			ret = run[m](b, c, pk < 0 ? NULL : t);
			samples_of(b, ci, m)[round * n + i] = ktime_get_ns() - t0;
			if (ret)
				return ret;
			if (pk >= 0)
				keep_phases(b, pk, t, round * n + i);
			cond_resched();	/* outside the timed span */
		}
	}
	return 0;
}

/* Medians per round and over all rounds, p99 over all rounds. */
static void summarize(struct bench *b, unsigned int ci, enum method m)
{
	const struct bench_case *c = &cases[ci];
	struct bench_result *r = &b->res[ci][m];
	unsigned int n = per_round(b, c->nseg), total = n * b->rounds, i;
	u64 *v = samples_of(b, ci, m);

	if (!expressible(c, m))
		return;
	for (i = 0; i < b->rounds; i++) {
		sort(v + i * n, n, sizeof(u64), cmp_u64, NULL);
		r->round_median[i] = median_of(v + i * n, n);
	}
	sort(v, total, sizeof(u64), cmp_u64, NULL);
	r->median_ns = median_of(v, total);
	r->p99_ns = v[min(total - 1, DIV_ROUND_UP(total * 99, 100) - 1)];
	r->meta_bytes = meta_bytes(m, c);
	r->valid = true;
}

/* The median of each step, when every sample of both methods timed its steps. */
static void summarize_phases(struct bench *b)
{
	unsigned int n = b->rounds * per_round(b, PHASE_NSEG), k;
	enum phase p;

	for (k = 0; k < NR_PHASE_METHODS; k++)
		if (b->phase_kept[k] != n)
			return;
	for (k = 0; k < NR_PHASE_METHODS; k++) {
		for (p = PH_SETUP; p < PH_NR; p++) {
			u64 *v = phase_samples_of(b, k, p);

			sort(v, n, sizeof(u64), cmp_u64, NULL);
			b->phase_ns[k][p] = median_of(v, n);
		}
	}
	b->phases_valid = true;
}

static int measure_all(struct bench *b)
{
	unsigned int round, ci;
	enum method m;
	int ret;

	ret = count_calls(b);
	if (ret)
		return ret;
	for (round = 0; round < b->rounds; round++) {
		for (ci = 0; ci < ARRAY_SIZE(cases); ci++) {
			ret = measure_round(b, ci, round);
			if (ret)
				return ret;
		}
	}
	for (ci = 0; ci < ARRAY_SIZE(cases); ci++)
		for (m = 0; m < M_NR; m++)
			summarize(b, ci, m);
	summarize_phases(b);
	return 0;
}

/* @num / @den to two decimals, rounded, as text that is also a JSON number. */
static void ratio_str(char *buf, size_t len, u64 num, u64 den)
{
	u64 hundredths = div64_u64(num * 100 + den / 2, den);

	snprintf(buf, len, "%llu.%02llu", hundredths / 100, hundredths % 100);
}

static void round_range(const struct bench *b, const struct bench_result *r,
			u64 *lo, u64 *hi)
{
	unsigned int i;

	*lo = U64_MAX;
	*hi = 0;
	for (i = 0; i < b->rounds; i++) {
		*lo = min(*lo, r->round_median[i]);
		*hi = max(*hi, r->round_median[i]);
	}
}

/*
 * The ratio to the scatterlist path, of the medians and per round, lowest
 * and highest: the methods of a round ran side by side, so the per-round
 * ratio varies less than the two methods' own medians do. False when there
 * is no sgtable figure to compare with.
 */
static bool vs_sgt(const struct bench *b, const struct bench_result *r,
		   const struct bench_result *sgt, char *med, char *lo, char *hi, size_t len)
{
	unsigned int i, imin = 0, imax = 0;
	u64 q, qmin = U64_MAX, qmax = 0;

	if (!sgt->valid || !sgt->median_ns)
		return false;
	for (i = 0; i < b->rounds; i++) {
		if (!sgt->round_median[i])
			return false;
		/* in millionths: enough to rank ratios printed to hundredths */
		q = div64_u64(r->round_median[i] * 1000000, sgt->round_median[i]);
		if (q < qmin) {
			qmin = q;
			imin = i;
		}
		if (q > qmax) {
			qmax = q;
			imax = i;
		}
	}
	ratio_str(med, len, r->median_ns, sgt->median_ns);
	ratio_str(lo, len, r->round_median[imin], sgt->round_median[imin]);
	ratio_str(hi, len, r->round_median[imax], sgt->round_median[imax]);
	return true;
}

#define ROW_FMT "%-6s %-5s %5s %-8s %10s %10s %10s %10s %6s %6s %-10s %7s %6s %s\n"

static void print_row(struct bench *b, struct seq_buf *s, const struct bench_case *c,
		      enum method m, const struct bench_result *r,
		      const struct bench_result *sgt)
{
	const char *target = c->mmio ? "mmio" : "ram";
	const char *seg = c->seg == SZ_2M ? "2M" : "4K";
	char ratio[16] = "-", lo[16], hi[16], range[40] = "-";
	u64 rmin, rmax;

	if (!r->valid) {
		seq_buf_printf(s, "%-6s %-5s %5u %-8s %10s\n", target, seg, c->nseg,
			       method_name[m], "n/a");
		return;
	}
	if (vs_sgt(b, r, sgt, ratio, lo, hi, sizeof(ratio)))
		snprintf(range, sizeof(range), "%s-%s", lo, hi);
	round_range(b, r, &rmin, &rmax);
	seq_buf_printf(s, "%-6s %-5s %5u %-8s %10llu %10llu %10llu %10llu ", target, seg,
		       c->nseg, method_name[m], r->median_ns, rmin, rmax, r->p99_ns);
	seq_buf_printf(s, "%6u %6u %-10lx %7zu %6s %s\n", r->map_calls, r->syncs,
		       r->pgsizes, r->meta_bytes, ratio, range);
}

static void print_json(struct bench *b, struct seq_buf *s, const struct bench_case *c,
		       enum method m, const struct bench_result *r,
		       const struct bench_result *sgt)
{
	char ratio[16], lo[16], hi[16];
	unsigned int i;

	seq_buf_printf(s, "{\"target\":\"%s\",\"seg\":%zu,\"nseg\":%u,",
		       c->mmio ? "mmio" : "ram", c->seg, c->nseg);
	seq_buf_printf(s, "\"method\":\"%s\",\"median_ns\":%llu,\"p99_ns\":%llu,",
		       method_name[m], r->median_ns, r->p99_ns);
	seq_buf_printf(s, "\"samples\":%u,\"round_medians_ns\":[",
		       per_round(b, c->nseg) * b->rounds);
	for (i = 0; i < b->rounds; i++)
		seq_buf_printf(s, "%s%llu", i ? "," : "", r->round_median[i]);
	seq_buf_printf(s, "],\"map_calls\":%u,\"syncs\":%u,\"pgsizes\":%lu,",
		       r->map_calls, r->syncs, r->pgsizes);
	seq_buf_printf(s, "\"meta_bytes\":%zu", r->meta_bytes);
	if (vs_sgt(b, r, sgt, ratio, lo, hi, sizeof(ratio)))
		seq_buf_printf(s, ",\"vs_sgt\":%s,\"vs_sgt_min\":%s,\"vs_sgt_max\":%s",
			       ratio, lo, hi);
	seq_buf_printf(s, "}");
}

static void print_phases(struct bench *b, struct seq_buf *s)
{
	u64 total[NR_PHASE_METHODS] = {};
	unsigned int k;
	enum phase p;

	if (!b->phases_valid)
		return;
	seq_buf_printf(s, "# Where a ram 4 KiB x %u transaction's time goes: the median ns of\n",
		       PHASE_NSEG);
	seq_buf_printf(s, "# each step over the %u timed transactions above (total: their sum).\n",
		       b->phase_kept[0]);
	seq_buf_printf(s, "# setup: sg_alloc_table() and filling it / dma_iova_try_alloc();\n");
	seq_buf_printf(s, "# map: dma_map_sgtable() (IOVA, map, IOTLB sync) / one\n");
	seq_buf_printf(s, "# dma_iova_link() per segment; sync: dma_iova_sync(); unmap:\n");
	seq_buf_printf(s, "# dma_unmap_sgtable() / dma_iova_destroy(); free: sg_free_table().\n");
	seq_buf_printf(s, "%-8s", "phase");
	for (k = 0; k < NR_PHASE_METHODS; k++)
		seq_buf_printf(s, " %10s", method_name[phase_method[k]]);
	for (p = PH_SETUP; p < PH_NR; p++) {
		seq_buf_printf(s, "\n%-8s", phase_name[p]);
		for (k = 0; k < NR_PHASE_METHODS; k++) {
			seq_buf_printf(s, " %10llu", b->phase_ns[k][p]);
			total[k] += b->phase_ns[k][p];
		}
	}
	seq_buf_printf(s, "\n%-8s", "total");
	for (k = 0; k < NR_PHASE_METHODS; k++)
		seq_buf_printf(s, " %10llu", total[k]);
	seq_buf_printf(s, "\n");
	seq_buf_printf(s, "JSON {\"phases\":{\"target\":\"ram\",\"seg\":%u,\"nseg\":%u",
		       SZ_4K, PHASE_NSEG);
	for (k = 0; k < NR_PHASE_METHODS; k++) {
		seq_buf_printf(s, ",\"%s\":{", method_name[phase_method[k]]);
		for (p = PH_SETUP; p < PH_NR; p++)
			seq_buf_printf(s, "%s\"%s_ns\":%llu", p == PH_SETUP ? "" : ",",
				       phase_name[p], b->phase_ns[k][p]);
		seq_buf_printf(s, "}");
	}
	seq_buf_printf(s, "}}\n");
}

static void print_report(struct bench *b, struct seq_buf *s)
{
	const char *sep = "";
	unsigned int ci;
	enum method m;

	/*
	 * How the figures were taken and what the columns mean. Constant lines
	 * go through seq_buf_printf() too: 6.1 does not export seq_buf_puts().
	 */
	seq_buf_printf(s, "# %u rounds over all cases; per round, case and method: one\n",
		       b->rounds);
	seq_buf_printf(s, "# untimed transaction, then %u timed (%u for %u segments),\n",
		       per_round(b, 1), per_round(b, LONG_NSEG), LONG_NSEG);
	seq_buf_printf(s, "# the methods taking turns. median_ns, p99_ns: over all rounds;\n");
	seq_buf_printf(s, "# rmed_min, rmed_max: the lowest and highest per-round median;\n");
	seq_buf_printf(s, "# vs_sgt: median / sgtable's median; vs_sgt_rng: the lowest and\n");
	seq_buf_printf(s, "# highest of that ratio per round.\n");
	seq_buf_printf(s, ROW_FMT, "target", "seg", "nseg", "method", "median_ns", "rmed_min",
		       "rmed_max", "p99_ns", "maps", "syncs", "pgsizes", "meta_B", "vs_sgt",
		       "vs_sgt_rng");
	for (ci = 0; ci < ARRAY_SIZE(cases); ci++)
		for (m = 0; m < M_NR; m++)
			print_row(b, s, &cases[ci], m, &b->res[ci][m], &b->res[ci][M_SGTABLE]);

	seq_buf_printf(s, "JSON [");
	for (ci = 0; ci < ARRAY_SIZE(cases); ci++) {
		for (m = 0; m < M_NR; m++) {
			if (!b->res[ci][m].valid)
				continue;
			seq_buf_printf(s, "%s", sep);
			print_json(b, s, &cases[ci], m, &b->res[ci][m], &b->res[ci][M_SGTABLE]);
			sep = ",";
		}
	}
	seq_buf_printf(s, "]\n");
	print_phases(b, s);
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
	/*
	 * Every round has at least one sample of every case; the rounds
	 * divide the samples of the longest case, rounded up.
	 */
	b->rounds = min3(rounds, iterations, LONG_ITERATIONS);
	b->stride = b->rounds * per_round(b, 1);
	b->samples = vmalloc(array_size(sizeof(*b->samples),
					array3_size(ARRAY_SIZE(cases), M_NR, b->stride)));
	b->phase_samples = vmalloc(array3_size(sizeof(*b->phase_samples),
					       NR_PHASE_METHODS * PH_NR, b->stride));
	if (!b->addrs || !b->samples || !b->phase_samples)
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
	vfree(b->phase_samples);
	dma_set_max_seg_size(b->dev, SZ_64K);
	dma_set_mask_and_coherent(b->dev, DMA_BIT_MASK(32));
}

static int __init dma_map_bench_init(void)
{
	struct pci_dev *edu;
	struct seq_buf s;
	struct bench *b;
	int ret;

	if (iterations < 3 || !rounds || rounds > MAX_ROUNDS) {
		pr_err("iterations=%u rounds=%u: iterations must be 3 or more, rounds 1 to %d\n",
		       iterations, rounds, MAX_ROUNDS);
		return -EINVAL;
	}
	edu = qemu_edu_get();
	if (!edu) {
		pr_err("no edu device (1234:11e8) to map for\n");
		return -ENODEV;
	}
	b = vzalloc(sizeof(*b));
	report = vzalloc(REPORT_SIZE);
	ret = (b && report) ? bench_setup(b, edu) : -ENOMEM;
	if (!ret)
		ret = measure_all(b);
	if (!ret) {
		seq_buf_init(&s, report, REPORT_SIZE);
		print_report(b, &s);
		ret = route_cost_report(&s, b->rounds);
	}
	/* A cut report would print, and parse, as a shorter one. */
	if (!ret && seq_buf_has_overflowed(&s)) {
		pr_err("the report does not fit in %d bytes\n", REPORT_SIZE);
		ret = -EOVERFLOW;
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
