// SPDX-License-Identifier: GPL-2.0
/*
 * io_spy: count, machine-wide, the calls an I/O benchmark wants per request,
 * on the patched and on the unpatched kernel alike (it uses nothing the
 * series adds): IOVA allocations (iommu_dma_alloc_iova()), IOMMU map calls
 * (intel_iommu_map_pages()), IOTLB syncs after mapping
 * (intel_iommu_iotlb_sync_map()), memory taken from pools on the I/O
 * path (mempool_alloc(): bios and 6.1 nvme-pci's per-request scatterlist;
 * dma_pool_alloc(): PRP and SGL descriptor pages), and which way the block
 * layer mapped requests: with the DMA iterator (blk_rq_dma_map_iter_start(),
 * which only the patched kernel has) or as a scatterlist (__blk_rq_map_sg(),
 * which blk_rq_map_sg() also reaches). The VM plans read the last two to show
 * which path a driver's I/O took rather than guess.
 *
 * /sys/kernel/debug/io_spy/counts reads "NAME COUNT" lines ("NAME -" for a
 * function this kernel does not have or that kprobes cannot reach); writing
 * to it zeroes the counts.
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/seq_file.h>

struct io_count {
	const char *name;
	const char *symbol;
	struct kprobe kp;
	atomic_long_t calls;
	bool armed;
};

static struct io_count counts[] = {
	{ .name = "iova_allocs", .symbol = "iommu_dma_alloc_iova" },
	{ .name = "map_calls", .symbol = "intel_iommu_map_pages" },
	{ .name = "iotlb_syncs", .symbol = "intel_iommu_iotlb_sync_map" },
	{ .name = "mempool_allocs", .symbol = "mempool_alloc" },
	{ .name = "dma_pool_allocs", .symbol = "dma_pool_alloc" },
	{ .name = "dma_iter", .symbol = "blk_rq_dma_map_iter_start" },
	{ .name = "map_sg", .symbol = "__blk_rq_map_sg" },
};

static struct dentry *dir;

static int count_pre(struct kprobe *kp, struct pt_regs *regs)
{
	struct io_count *c = container_of(kp, struct io_count, kp);

	atomic_long_inc(&c->calls);
	return 0;
}

static int counts_show(struct seq_file *m, void *unused)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		if (counts[i].armed)
			seq_printf(m, "%s %ld\n", counts[i].name,
				   atomic_long_read(&counts[i].calls));
		else
			seq_printf(m, "%s -\n", counts[i].name);
	}
	return 0;
}

static int counts_open(struct inode *inode, struct file *file)
{
	return single_open(file, counts_show, NULL);
}

static ssize_t counts_write(struct file *file, const char __user *buf,
			    size_t len, loff_t *ppos)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++)
		atomic_long_set(&counts[i].calls, 0);
	return len;
}

static const struct file_operations counts_fops = {
	.owner = THIS_MODULE,
	.open = counts_open,
	.read = seq_read,
	.write = counts_write,
	.llseek = seq_lseek,
	.release = single_release,
};

static int __init io_spy_init(void)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(counts); i++) {
		counts[i].kp.symbol_name = counts[i].symbol;
		counts[i].kp.pre_handler = count_pre;
		/* a kernel without one of them (6.1: the iterator) counts the rest */
		counts[i].armed = !register_kprobe(&counts[i].kp);
	}
	dir = debugfs_create_dir("io_spy", NULL);
	debugfs_create_file("counts", 0644, dir, NULL, &counts_fops);
	return 0;
}

static void __exit io_spy_exit(void)
{
	int i;

	debugfs_remove(dir);
	for (i = 0; i < ARRAY_SIZE(counts); i++)
		if (counts[i].armed)
			unregister_kprobe(&counts[i].kp);
}

module_init(io_spy_init);
module_exit(io_spy_exit);
MODULE_DESCRIPTION("Machine-wide counts of DMA mapping and pool allocation calls");
MODULE_LICENSE("GPL");
