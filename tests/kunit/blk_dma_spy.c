// SPDX-License-Identifier: GPL-2.0
/*
 * blk_dma_spy: count how the block layer maps requests for DMA, so that a
 * VM plan can show which path a driver's I/O took rather than guess.
 *
 * Kprobes count calls of blk_rq_dma_map_iter_start() (a request mapped with
 * the DMA iterator) and of __blk_rq_map_sg() (a request turned into a
 * scatterlist, which blk_rq_map_sg() also reaches), from module load on.
 * /sys/kernel/debug/blk_dma_spy/counts reads "dma_iter N" and "map_sg N".
 */
#include <linux/atomic.h>
#include <linux/debugfs.h>
#include <linux/kprobes.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static atomic_long_t dma_iter_calls, map_sg_calls;

static int dma_iter_pre(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_long_inc(&dma_iter_calls);
	return 0;
}

static int map_sg_pre(struct kprobe *kp, struct pt_regs *regs)
{
	atomic_long_inc(&map_sg_calls);
	return 0;
}

static struct kprobe dma_iter_kp = {
	.symbol_name = "blk_rq_dma_map_iter_start",
	.pre_handler = dma_iter_pre,
};

static struct kprobe map_sg_kp = {
	.symbol_name = "__blk_rq_map_sg",
	.pre_handler = map_sg_pre,
};

static struct kprobe *probes[] = { &dma_iter_kp, &map_sg_kp };
static struct dentry *dir;

static int counts_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "dma_iter %ld\nmap_sg %ld\n",
		   atomic_long_read(&dma_iter_calls),
		   atomic_long_read(&map_sg_calls));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(counts);

static int __init blk_dma_spy_init(void)
{
	int ret;

	ret = register_kprobes(probes, ARRAY_SIZE(probes));
	if (ret)
		return ret;
	dir = debugfs_create_dir("blk_dma_spy", NULL);
	debugfs_create_file("counts", 0444, dir, NULL, &counts_fops);
	return 0;
}

static void __exit blk_dma_spy_exit(void)
{
	debugfs_remove(dir);
	unregister_kprobes(probes, ARRAY_SIZE(probes));
}

module_init(blk_dma_spy_init);
module_exit(blk_dma_spy_exit);
MODULE_DESCRIPTION("Counts of the block layer's DMA mapping paths");
MODULE_LICENSE("GPL");
