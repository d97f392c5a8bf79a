// SPDX-License-Identifier: GPL-2.0
/*
 * P2PTEST_IOC_EXPORT and P2PTEST_IOC_REVOKE: ranges of a bound device's
 * memory BAR as a dma-buf (dma_buf_phys_export()), validated the way VFIO
 * validates VFIO_DEVICE_FEATURE_DMA_BUF, each failure its own errno.
 */
#include <linux/dma-buf.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "p2ptest.h"

/*
 * A buffer exported here: found again to revoke it when its device goes,
 * is reset or stops decoding memory. It is revoked while @holds has any
 * bit (enum p2ptest_hold) and restored when the last one goes.
 */
struct export_rec {
	struct p2ptest_dev *pd;
	struct dma_buf *dmabuf;
	struct mutex hold_lock;		/* serialises revoke and restore */
	unsigned long holds;
	struct list_head node;
	struct list_head revoke_node;
};

static LIST_HEAD(exports);
static DEFINE_MUTEX(exports_lock);

/* The dma-buf's last reference is gone. */
static void export_release(void *priv)
{
	struct export_rec *rec = priv;

	mutex_lock(&exports_lock);
	list_del(&rec->node);
	mutex_unlock(&exports_lock);
	p2ptest_dev_put(rec->pd);
	mutex_destroy(&rec->hold_lock);
	kfree(rec);
}

/* Check the user's ranges against BAR @bar of @pdev; fill @vecs. */
static int check_ranges(struct pci_dev *pdev, int bar, const struct p2ptest_range *r,
			u32 nr, struct dma_buf_phys_vec *vecs)
{
	resource_size_t len = pci_resource_len(pdev, bar);
	u64 end;
	u32 i;

	for (i = 0; i < nr; i++) {
		if (!r[i].length || !PAGE_ALIGNED(r[i].offset) || !PAGE_ALIGNED(r[i].length))
			return -EINVAL;
		if (check_add_overflow(r[i].offset, r[i].length, &end))
			return -EOVERFLOW;
		if (end > len)
			return -ERANGE;
		vecs[i].paddr = pci_resource_start(pdev, bar) + r[i].offset;
		vecs[i].len = r[i].length;
	}
	return 0;
}

int p2ptest_export(struct p2ptest_export *arg)
{
	struct dma_buf_phys_export_info info = { .flags = O_RDWR | O_CLOEXEC };
	struct dma_buf_phys_vec *vecs = NULL;
	struct p2ptest_range *ranges = NULL;
	struct export_rec *rec = NULL;
	struct p2ptest_dev *pd;
	struct dma_buf *dmabuf;
	int ret, fd;

	if (arg->flags || arg->reserved || arg->reserved2 || arg->bar >= PCI_STD_NUM_BARS ||
	    !arg->nr_ranges)
		return -EINVAL;
	if (arg->nr_ranges > P2PTEST_MAX_RANGES)
		return -E2BIG;
	pd = p2ptest_dev_get(&arg->provider);
	if (!pd)
		return -ENODEV;
	if (pci_resource_flags(pd->pdev, arg->bar) & IORESOURCE_MEM)
		info.provider = pcim_p2pdma_provider(pd->pdev, arg->bar);
	if (!info.provider) {
		ret = -ENXIO;
		goto put;
	}

	ranges = memdup_user(u64_to_user_ptr(arg->ranges),
			     array_size(arg->nr_ranges, sizeof(*ranges)));
	if (IS_ERR(ranges)) {
		ret = PTR_ERR(ranges);
		ranges = NULL;
		goto put;
	}
	vecs = kcalloc(arg->nr_ranges, sizeof(*vecs), GFP_KERNEL);
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	ret = vecs && rec ? check_ranges(pd->pdev, arg->bar, ranges, arg->nr_ranges, vecs) :
	      -ENOMEM;
	if (ret)
		goto put;

	rec->pd = pd;
	mutex_init(&rec->hold_lock);
	info.vecs = vecs;
	info.nr = arg->nr_ranges;
	info.release = export_release;
	info.priv = rec;
	mutex_lock(&exports_lock);
	dmabuf = dma_buf_phys_export(&info);
	if (IS_ERR(dmabuf)) {
		mutex_unlock(&exports_lock);
		ret = PTR_ERR(dmabuf);
		goto put;
	}
	rec->dmabuf = dmabuf;
	list_add(&rec->node, &exports);
	mutex_unlock(&exports_lock);
	kfree(vecs);
	kfree(ranges);

	fd = dma_buf_fd(dmabuf, O_CLOEXEC);
	if (fd < 0) {
		dma_buf_put(dmabuf);	/* releases rec and pd */
		return fd;
	}
	arg->fd = fd;
	return 0;

put:
	kfree(rec);
	kfree(vecs);
	kfree(ranges);
	p2ptest_dev_put(pd);
	return ret;
}

/*
 * Take (@hold) or drop hold @why on @rec: the first hold revokes the buffer,
 * importers unmap before this returns; dropping the last restores it.
 * Return: 1 when the buffer was revoked or restored, 0 when it stays as it
 * was, -ETIMEDOUT when an importer did not unmap (still revoked).
 */
static int export_hold(struct export_rec *rec, enum p2ptest_hold why, bool hold)
{
	unsigned long was;
	int ret = 0;

	mutex_lock(&rec->hold_lock);
	was = rec->holds;
	if (hold)
		rec->holds |= BIT(why);
	else
		rec->holds &= ~BIT(why);
	if (!was && rec->holds) {
		ret = dma_buf_phys_revoke(rec->dmabuf) ?: 1;
	} else if (was && !rec->holds) {
		dma_buf_phys_restore(rec->dmabuf);
		ret = 1;
	}
	mutex_unlock(&rec->hold_lock);
	return ret;
}

/**
 * p2ptest_hold_exports_of() - revoke or restore every buffer @pd exported
 * @pd: the provider device
 * @why: the reason taken or dropped
 * @hold: take it (revoke) or drop it (restore when no other reason holds)
 * @what: what happened to the device, for the log
 *
 * Logs how many buffers changed state. Return: 0, or -ETIMEDOUT when an
 * importer did not unmap in time (the kernel log names it).
 */
int p2ptest_hold_exports_of(struct p2ptest_dev *pd, enum p2ptest_hold why, bool hold,
			    const char *what)
{
	struct export_rec *rec, *tmp;
	unsigned int changed = 0;
	LIST_HEAD(todo);
	int ret = 0;

	mutex_lock(&exports_lock);
	list_for_each_entry(rec, &exports, node) {
		if (rec->pd == pd) {
			get_dma_buf(rec->dmabuf);
			list_add(&rec->revoke_node, &todo);
		}
	}
	mutex_unlock(&exports_lock);
	list_for_each_entry_safe(rec, tmp, &todo, revoke_node) {
		int r = export_hold(rec, why, hold);

		if (r < 0)
			ret = r;
		else
			changed += r;
		dma_buf_put(rec->dmabuf);
	}
	if (changed)
		pci_info(pd->pdev, "%s: %u exported buffer(s) %s\n", what, changed,
			 hold ? "revoked" : "restored");
	return ret;
}

/* The record of @dmabuf if it was exported here, else NULL. */
static struct export_rec *export_of(struct dma_buf *dmabuf)
{
	struct export_rec *rec, *found = NULL;

	mutex_lock(&exports_lock);
	list_for_each_entry(rec, &exports, node)
		if (rec->dmabuf == dmabuf)
			found = rec;
	mutex_unlock(&exports_lock);
	return found;
}

int p2ptest_revoke(const struct p2ptest_revoke *arg)
{
	struct export_rec *rec;
	struct dma_buf *dmabuf;
	int ret;

	if (arg->restore > 1)
		return -EINVAL;
	dmabuf = dma_buf_get(arg->dmabuf_fd);
	if (IS_ERR(dmabuf))
		return -EBADF;
	/* Our reference keeps @rec: it goes with the buffer's last one. */
	rec = export_of(dmabuf);
	if (!rec) {
		ret = -EINVAL;
	} else {
		ret = export_hold(rec, P2PTEST_HOLD_USER, !arg->restore);
		mutex_lock(&rec->hold_lock);
		if (ret >= 0 && arg->restore && rec->holds)
			ret = -EBUSY;
		mutex_unlock(&rec->hold_lock);
	}
	dma_buf_put(dmabuf);
	return ret < 0 ? ret : 0;
}
