// SPDX-License-Identifier: GPL-2.0
/*
 * P2PTEST_IOC_EXPORT and P2PTEST_IOC_REVOKE: ranges of a bound device's
 * memory BAR as a dma-buf (dma_buf_phys_export()), validated the way VFIO
 * validates VFIO_DEVICE_FEATURE_DMA_BUF, each failure its own errno.
 */
#include <linux/dcache.h>
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
	struct dentry *dentry;		/* the buffer's: it lives as long */
	struct mutex hold_lock;		/* serialises revoke and restore */
	unsigned long holds;
	struct list_head node;		/* in exports */
	struct list_head todo;		/* under its device's revoke_lock */
};

/*
 * Every export, and every device's @holds (the reasons a new export of it
 * starts revoked). A revoker changes the holds and collects the device's
 * exports under it, so an export is either collected or created after the
 * change, seeing it: none escapes.
 *
 * In 6.1 a dma-buf lives as long as its dentry, not its file: the file
 * can be gone while something else (an O_PATH open of /proc/PID/fd/N)
 * holds the dentry. A revoker therefore pins the dentry, never the file,
 * and skips a buffer whose dentry is already dying: its release, which
 * waits for this lock to unlist it, has begun, and no importer or CPU
 * mapping is left (both hold the file).
 */
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
			u32 nr, struct phys_vec *vecs)
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

/*
 * Export for @rec the ranges in @vecs of BAR @bar of its device, under
 * exports_lock: the device is still bound (its provider alive) and the
 * buffer starts revoked if the device is reset or decodes no memory now.
 */
static struct dma_buf *export_locked(struct export_rec *rec, u32 bar,
				     const struct p2ptest_range *ranges, u32 nr,
				     struct phys_vec *vecs)
{
	struct dma_buf_phys_export_info info = {
		.vecs = vecs, .nr = nr, .flags = O_RDWR | O_CLOEXEC,
		.release = export_release, .priv = rec, .owner = THIS_MODULE,
	};
	struct pci_dev *pdev = rec->pd->pdev;
	struct dma_buf *dmabuf;
	u16 cmd;
	int ret;

	lockdep_assert_held(&exports_lock);
	if (rec->pd->holds & BIT(P2PTEST_HOLD_GONE))
		return ERR_PTR(-ENODEV);
	if (pci_resource_flags(pdev, bar) & IORESOURCE_MEM)
		info.provider = pcim_p2pdma_provider(pdev, bar);
	if (!info.provider)
		return ERR_PTR(-ENXIO);
	ret = check_ranges(pdev, bar, ranges, nr, vecs);
	if (ret)
		return ERR_PTR(ret);
	dmabuf = dma_buf_phys_export(&info);
	if (IS_ERR(dmabuf))
		return dmabuf;

	rec->dmabuf = dmabuf;
	rec->dentry = dmabuf->file->f_path.dentry;
	rec->holds = rec->pd->holds;
	pci_read_config_word(pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		rec->holds |= BIT(P2PTEST_HOLD_DECODE);
	/* No importer yet: nothing to wait for. */
	if (rec->holds)
		dma_buf_phys_revoke(dmabuf);
	list_add(&rec->node, &exports);
	return dmabuf;
}

/**
 * p2ptest_export() - P2PTEST_IOC_EXPORT without the file descriptor
 * @arg: the user's request, copied in
 *
 * Return: the buffer, for the caller to install as a file descriptor once
 * it has told user space its number, or an ERR_PTR() (errnos in the uAPI).
 */
struct dma_buf *p2ptest_export(const struct p2ptest_export *arg)
{
	struct p2ptest_range *ranges;
	struct phys_vec *vecs;
	struct export_rec *rec;
	struct p2ptest_dev *pd;
	struct dma_buf *dmabuf;

	if (arg->flags || arg->reserved || arg->reserved2 || arg->bar >= PCI_STD_NUM_BARS ||
	    !arg->nr_ranges)
		return ERR_PTR(-EINVAL);
	if (arg->nr_ranges > P2PTEST_MAX_RANGES)
		return ERR_PTR(-E2BIG);
	pd = p2ptest_dev_get(&arg->provider);
	if (!pd)
		return ERR_PTR(-ENODEV);
	/* May fault and wait for as long as user space likes: no lock held. */
	ranges = memdup_user(u64_to_user_ptr(arg->ranges),
			     array_size(arg->nr_ranges, sizeof(*ranges)));
	if (IS_ERR(ranges)) {
		dmabuf = ERR_CAST(ranges);
		goto err_put_dev;
	}
	vecs = kcalloc(arg->nr_ranges, sizeof(*vecs), GFP_KERNEL);
	if (!vecs) {
		dmabuf = ERR_PTR(-ENOMEM);
		goto err_free_ranges;
	}
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec) {
		dmabuf = ERR_PTR(-ENOMEM);
		goto err_free_vecs;
	}
	rec->pd = pd;
	mutex_init(&rec->hold_lock);

	mutex_lock(&exports_lock);
	dmabuf = export_locked(rec, arg->bar, ranges, arg->nr_ranges, vecs);
	mutex_unlock(&exports_lock);
	if (IS_ERR(dmabuf))
		goto err_free_rec;
	/* The buffer keeps its own copy of the ranges. */
	kfree(vecs);
	kfree(ranges);
	return dmabuf;		/* its release puts @pd and frees @rec */

err_free_rec:
	mutex_destroy(&rec->hold_lock);
	kfree(rec);
err_free_vecs:
	kfree(vecs);
err_free_ranges:
	kfree(ranges);
err_put_dev:
	p2ptest_dev_put(pd);
	return dmabuf;
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
 * The hold also applies to buffers @pd exports later, until it is dropped.
 * Revokers of one device take turns (@pd's revoke_lock), so holds are
 * applied in the order they were taken; those of different devices run at
 * once. Dropping DECODE while the device decodes no memory (a stale
 * announcement of an earlier write) changes nothing. The caller holds a
 * reference on @pd. Logs how many buffers changed state.
 *
 * Return: 0, or -ETIMEDOUT when an importer did not unmap in time (the
 * kernel log names it).
 */
int p2ptest_hold_exports_of(struct p2ptest_dev *pd, enum p2ptest_hold why, bool hold,
			    const char *what)
{
	struct export_rec *rec, *tmp;
	unsigned int changed = 0;
	LIST_HEAD(todo);
	u16 cmd;
	int ret = 0;

	mutex_lock(&pd->revoke_lock);
	if (why == P2PTEST_HOLD_DECODE && !hold &&
	    !pci_read_config_word(pd->pdev, PCI_COMMAND, &cmd) &&
	    !(cmd & PCI_COMMAND_MEMORY)) {
		mutex_unlock(&pd->revoke_lock);
		return 0;
	}
	mutex_lock(&exports_lock);
	if (hold)
		pd->holds |= BIT(why);
	else
		pd->holds &= ~BIT(why);
	list_for_each_entry(rec, &exports, node)
		if (rec->pd == pd && lockref_get_not_dead(&rec->dentry->d_lockref))
			list_add_tail(&rec->todo, &todo);
	mutex_unlock(&exports_lock);

	list_for_each_entry_safe(rec, tmp, &todo, todo) {
		struct dentry *dentry = rec->dentry;
		int r = export_hold(rec, why, hold);

		if (r < 0)
			ret = r;
		else
			changed += r;
		/* May be the last reference: @rec is freed with the buffer. */
		dput(dentry);
	}
	mutex_unlock(&pd->revoke_lock);
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
