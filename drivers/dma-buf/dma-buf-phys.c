// SPDX-License-Identifier: GPL-2.0
/*
 * dma-buf exporters of physical ranges, and importers of any dma-buf as
 * DMA vectors.
 *
 * dma_buf_phys_export() makes a dma-buf of page-aligned physical ranges
 * owned by a P2PDMA provider (a PCI BAR). Only dynamic importers that
 * accept peer-to-peer memory may attach: the exporter can revoke the
 * buffer (its device reset, unplugged, its memory decoding turned off)
 * and every importer must then stop and unmap when told by move_notify.
 * After dma_buf_phys_revoke() returns, no importer holds a mapping (or the
 * wait timed out and the importers that do not let go are named in the
 * log), new attachments, mappings and CPU mmaps fail with -ENODEV and CPU
 * mappings are zapped; dma_buf_phys_restore() allows them again and tells
 * importers through move_notify that they may map again. CPU mappings are
 * filled at fault time under the reservation lock, as vfio-pci does, so a
 * fault either sees the buffer revoked or inserts a page the revoke's zap
 * then removes.
 *
 * dma_buf_map_attachment_vec() maps an attachment as an array of DMA
 * vectors: for a physical-range buffer along the P2PDMA route, for any
 * other exporter from its scatterlist, DMA entries merged where contiguous
 * (both in dma-buf-mapping.c). Importers never see a scatterlist.
 *
 * Locking: every map and unmap happens under the buffer's reservation
 * lock; revoke takes it to flip the state and notify, then waits for the
 * mappings to go without it.
 */
#include <linux/dma-buf-mapping.h>
#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "dma-buf-phys-internal.h"

/* How long revoke waits for importers to unmap. */
#define REVOKE_TIMEOUT	(5 * HZ)

struct phys_buf {
	struct p2pdma_provider *provider;
	struct phys_vec *ranges;
	size_t nr;
	size_t size;
	bool revoked;			/* under the reservation lock */
	struct inode *inode;		/* held until the release: CPU mappings */
	atomic_t mapped;		/* importer mappings alive */
	wait_queue_head_t unmapped;
	void (*release)(void *priv);
	void *priv;
};

/* attach->priv: the mappings one importer holds. */
struct phys_importer {
	int mapped;			/* under the reservation lock */
};

static const struct dma_buf_ops phys_ops;

/**
 * dma_buf_is_phys() - is this a buffer made by dma_buf_phys_export()?
 * @dmabuf: the buffer
 */
bool dma_buf_is_phys(struct dma_buf *dmabuf)
{
	return dmabuf->ops == &phys_ops;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_is_phys, DMA_BUF);

static int phys_attach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct phys_buf *pb = dmabuf->priv;
	struct phys_importer *pi;

	if (!attach->peer2peer || !attach->importer_ops ||
	    !attach->importer_ops->move_notify)
		return -EOPNOTSUPP;
	/*
	 * Unlocked, and before the attachment is listed: one revoked after
	 * this check is not told, but its maps check @revoked under the lock.
	 */
	if (READ_ONCE(pb->revoked))
		return -ENODEV;
	pi = kzalloc(sizeof(*pi), GFP_KERNEL);
	if (!pi)
		return -ENOMEM;
	attach->priv = pi;
	return 0;
}

static void mapped_sub(struct phys_buf *pb, int n)
{
	if (atomic_sub_and_test(n, &pb->mapped))
		wake_up_all(&pb->unmapped);
}

/*
 * An importer that detaches with mappings alive has a bug (its DMA
 * addresses stay in the IOMMU); revoke must still not wait for them.
 */
static void phys_detach(struct dma_buf *dmabuf, struct dma_buf_attachment *attach)
{
	struct phys_importer *pi = attach->priv;

	if (WARN_ON(pi->mapped))
		mapped_sub(dmabuf->priv, pi->mapped);
	kfree(pi);
}

/* Revocable memory cannot be pinned. */
static int phys_pin(struct dma_buf_attachment *attach)
{
	return -EOPNOTSUPP;
}

static void phys_unpin(struct dma_buf_attachment *attach)
{
}

static void mapped_inc(struct phys_buf *pb, struct dma_buf_attachment *attach)
{
	((struct phys_importer *)attach->priv)->mapped++;
	atomic_inc(&pb->mapped);
}

static void mapped_dec(struct phys_buf *pb, struct dma_buf_attachment *attach)
{
	((struct phys_importer *)attach->priv)->mapped--;
	mapped_sub(pb, 1);
}

static struct sg_table *phys_map_dma_buf(struct dma_buf_attachment *attach,
					 enum dma_data_direction dir)
{
	struct phys_buf *pb = attach->dmabuf->priv;
	struct sg_table *sgt;

	if (pb->revoked)
		return ERR_PTR(-ENODEV);
	sgt = dma_buf_phys_vec_to_sgt(attach, pb->provider, pb->ranges, pb->nr, pb->size, dir);
	if (!IS_ERR(sgt))
		mapped_inc(pb, attach);
	return sgt;
}

static void phys_unmap_dma_buf(struct dma_buf_attachment *attach, struct sg_table *sgt,
			       enum dma_data_direction dir)
{
	dma_buf_free_sgt(attach, sgt, dir);
	mapped_dec(attach->dmabuf->priv, attach);
}

/* The physical page at byte @offset of @pb, which is inside it. */
static unsigned long phys_pfn_at(const struct phys_buf *pb, u64 offset)
{
	size_t i;

	for (i = 0; offset >= pb->ranges[i].len; i++)
		offset -= pb->ranges[i].len;
	return PHYS_PFN(pb->ranges[i].paddr + offset);
}

/*
 * One page of a CPU mapping, inserted under the reservation lock: a revoke
 * sets @revoked under it before it zaps, so no page of a revoked buffer is
 * mapped after the zap. The page is found by the fault's file offset, which
 * stays right when the mapping is split or moved.
 */
static vm_fault_t phys_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct dma_buf *dmabuf = vma->vm_file->private_data;
	struct phys_buf *pb = dmabuf->priv;
	u64 offset = (u64)vmf->pgoff << PAGE_SHIFT;
	vm_fault_t ret = VM_FAULT_SIGBUS;

	if (offset >= pb->size)
		return VM_FAULT_SIGBUS;
	/* Never held across a user access, which could fault here. */
	dma_resv_lock(dmabuf->resv, NULL);
	if (!pb->revoked)
		ret = vmf_insert_pfn(vma, vmf->address, phys_pfn_at(pb, offset));
	dma_resv_unlock(dmabuf->resv);
	return ret;
}

static const struct vm_operations_struct phys_vm_ops = {
	.fault = phys_fault,
};

/*
 * CPU access, for checking what peers wrote: uncached, the whole buffer,
 * shared only (a private copy-on-write mapping of MMIO makes no sense).
 */
static int phys_mmap(struct dma_buf *dmabuf, struct vm_area_struct *vma)
{
	struct phys_buf *pb = dmabuf->priv;

	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != pb->size ||
	    !(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	/* Unlocked, an early refusal only: phys_fault() decides under the lock. */
	if (READ_ONCE(pb->revoked))
		return -ENODEV;
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_ops = &phys_vm_ops;
	return 0;
}

static void phys_release(struct dma_buf *dmabuf)
{
	struct phys_buf *pb = dmabuf->priv;

	if (pb->release)
		pb->release(pb->priv);
	iput(pb->inode);
	kfree(pb->ranges);
	kfree(pb);
}

static const struct dma_buf_ops phys_ops = {
	.attach = phys_attach,
	.detach = phys_detach,
	.pin = phys_pin,
	.unpin = phys_unpin,
	.map_dma_buf = phys_map_dma_buf,
	.unmap_dma_buf = phys_unmap_dma_buf,
	.mmap = phys_mmap,
	.release = phys_release,
};

/**
 * dma_buf_phys_export() - export physical ranges as a dma-buf
 * @info: the provider, the ranges and how to release them
 *
 * Every range must be page-aligned and non-empty, and the total must not
 * overflow; the ranges are copied. Only dynamic importers that allow
 * peer-to-peer memory can attach. The buffer holds a reference on
 * @info->owner until it is released, so @info->release never runs in an
 * unloaded module.
 *
 * The number of ranges has no limit. The only caller outside tests,
 * VFIO_DEVICE_FEATURE_DMA_BUF, must take every count mainline takes, and
 * mainline has no limit: a limit here would be one only VFIO hits. Memory
 * bounds the count instead: the caller already holds the ranges, a count
 * too big for the copy fails with -ENOMEM without a warning, and on 64-bit
 * an importer's per-range arrays are no bigger than the copy.
 *
 * Needs CONFIG_DMABUF_MOVE_NOTIFY: without it 6.1 pins every attachment
 * when it is mapped, and revocable memory cannot be pinned.
 *
 * Return: the buffer, or ERR_PTR(-EINVAL) for bad ranges, -EOPNOTSUPP
 * without CONFIG_DMABUF_MOVE_NOTIFY, -ENOMEM, or dma_buf_export()'s error.
 */
struct dma_buf *dma_buf_phys_export(const struct dma_buf_phys_export_info *info)
{
	DEFINE_DMA_BUF_EXPORT_INFO(exp);
	struct dma_buf *dmabuf;
	struct phys_buf *pb;
	size_t i, size = 0;

	if (!IS_ENABLED(CONFIG_DMABUF_MOVE_NOTIFY))
		return ERR_PTR(-EOPNOTSUPP);
	if (!info->provider || !info->nr)
		return ERR_PTR(-EINVAL);
	for (i = 0; i < info->nr; i++) {
		const struct phys_vec *r = &info->vecs[i];
		phys_addr_t end;

		if (!r->len || !PAGE_ALIGNED(r->paddr) || !PAGE_ALIGNED(r->len) ||
		    check_add_overflow(r->paddr, (phys_addr_t)r->len, &end) ||
		    check_add_overflow(size, r->len, &size))
			return ERR_PTR(-EINVAL);
	}
	if ((u64)size >> 63)
		return ERR_PTR(-EINVAL);

	pb = kzalloc(sizeof(*pb), GFP_KERNEL);
	if (!pb)
		return ERR_PTR(-ENOMEM);
	pb->ranges = kmemdup(info->vecs, array_size(info->nr, sizeof(*info->vecs)),
			     GFP_KERNEL | __GFP_NOWARN);
	if (!pb->ranges) {
		dmabuf = ERR_PTR(-ENOMEM);
		goto err_free_pb;
	}
	pb->provider = info->provider;
	pb->nr = info->nr;
	pb->size = size;
	atomic_set(&pb->mapped, 0);
	init_waitqueue_head(&pb->unmapped);

	exp.ops = &phys_ops;
	exp.owner = info->owner;
	exp.size = size;
	exp.flags = info->flags;
	exp.priv = pb;
	dmabuf = dma_buf_export(&exp);
	if (IS_ERR(dmabuf))
		goto err_free_ranges;
	/*
	 * 6.1 drops the dentry's inode before the release: a revoker that
	 * finds the buffer listed while its release waits for the revoker's
	 * lock still zaps a live mapping.
	 */
	pb->inode = file_inode(dmabuf->file);
	ihold(pb->inode);
	/* Only now: a failed export must not call the caller's release. */
	pb->release = info->release;
	pb->priv = info->priv;
	return dmabuf;

err_free_ranges:
	kfree(pb->ranges);
err_free_pb:
	kfree(pb);
	return dmabuf;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_export, DMA_BUF);

/**
 * dma_buf_phys_revoke() - take the memory away from every importer
 * @dmabuf: a buffer made by dma_buf_phys_export()
 *
 * Importers are told through move_notify and must stop their DMA and
 * unmap. Waits until they have, for at most 5 seconds: an importer that
 * unmaps from move_notify, as it must, ends the wait at once however
 * slowly it runs; one that does not is named in a warning. New
 * attachments, mappings and CPU mmaps fail with -ENODEV until
 * dma_buf_phys_restore(); CPU mappings are zapped. May sleep.
 *
 * Return: 0, or -ETIMEDOUT when importers still hold mappings.
 */
int dma_buf_phys_revoke(struct dma_buf *dmabuf)
{
	struct phys_buf *pb = dmabuf->priv;
	struct dma_buf_attachment *attach;

	dma_resv_lock(dmabuf->resv, NULL);
	WRITE_ONCE(pb->revoked, true);
	dma_buf_move_notify(dmabuf);
	dma_resv_unlock(dmabuf->resv);
	unmap_mapping_range(pb->inode->i_mapping, 0, 0, 1);

	if (wait_event_timeout(pb->unmapped, !atomic_read(&pb->mapped), REVOKE_TIMEOUT))
		return 0;

	dma_resv_lock(dmabuf->resv, NULL);
	list_for_each_entry(attach, &dmabuf->attachments, node) {
		struct phys_importer *pi = attach->priv;

		if (pi->mapped)
			dev_warn(attach->dev,
				 "dma-buf %s revoked %us ago: this importer still holds %d mapping(s)\n",
				 dmabuf->exp_name, REVOKE_TIMEOUT / HZ, pi->mapped);
	}
	dma_resv_unlock(dmabuf->resv);
	return -ETIMEDOUT;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_revoke, DMA_BUF);

/**
 * dma_buf_phys_restore() - let importers map a revoked buffer again
 * @dmabuf: a buffer made by dma_buf_phys_export()
 *
 * Importers are told through move_notify, as on revoke, so that those
 * waiting for the buffer to come back map it again.
 */
void dma_buf_phys_restore(struct dma_buf *dmabuf)
{
	struct phys_buf *pb = dmabuf->priv;

	dma_resv_lock(dmabuf->resv, NULL);
	WRITE_ONCE(pb->revoked, false);
	dma_buf_move_notify(dmabuf);
	dma_resv_unlock(dmabuf->resv);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_phys_restore, DMA_BUF);

/**
 * dma_buf_map_attachment_vec() - map an attachment as DMA vectors
 * @attach: a dynamic attachment (dma_buf_dynamic_attach()); the buffer's
 *	reservation lock is held
 * @dir: direction of the DMA
 * @map: filled in: the vectors, how many, and the route taken
 *
 * For a buffer of physical ranges (dma_buf_phys_export()), the route is
 * the P2PDMA engine's for the exporter's provider and @attach's device:
 * bus addresses (adjacent ranges merged), one IOVA range for the whole
 * buffer (one vector, one IOTLB sync), or dma_map_phys() per range. For
 * any other exporter, its scatterlist's DMA entries, contiguous runs
 * merged. Undo with dma_buf_unmap_attachment_vec(), under the same lock,
 * and at the latest from the importer's move_notify.
 *
 * Return: 0; -ENODEV for a revoked buffer, -EREMOTEIO when the device may
 * not reach the memory (the reason is logged), -ENOMEM, or the exporter's
 * or the DMA API's error. Nothing is left mapped on failure, and @map then
 * holds nothing to undo: do not pass it to dma_buf_unmap_attachment_vec().
 */
int dma_buf_map_attachment_vec(struct dma_buf_attachment *attach,
			       enum dma_data_direction dir,
			       struct dma_buf_vec_map *map)
{
	struct dma_buf *dmabuf = attach->dmabuf;
	struct phys_buf *pb;
	int ret;

	dma_resv_assert_held(dmabuf->resv);
	if (!dma_buf_is_phys(dmabuf))
		return dma_buf_sgt_map_vecs(attach, dir, map);
	pb = dmabuf->priv;
	if (pb->revoked)
		return -ENODEV;
	ret = dma_buf_phys_map_vecs(attach->dev, pb->provider, pb->ranges, pb->nr, pb->size,
				    dir, map);
	if (!ret)
		mapped_inc(pb, attach);
	return ret;
}
EXPORT_SYMBOL_NS_GPL(dma_buf_map_attachment_vec, DMA_BUF);

/**
 * dma_buf_unmap_attachment_vec() - undo dma_buf_map_attachment_vec()
 * @attach: the attachment; the buffer's reservation lock is held
 * @map: the mapping, zeroed on return
 */
void dma_buf_unmap_attachment_vec(struct dma_buf_attachment *attach,
				  struct dma_buf_vec_map *map)
{
	struct dma_buf *dmabuf = attach->dmabuf;

	dma_resv_assert_held(dmabuf->resv);
	dma_buf_unmap_vecs(attach, map);
	if (dma_buf_is_phys(dmabuf))
		mapped_dec(dmabuf->priv, attach);
}
EXPORT_SYMBOL_NS_GPL(dma_buf_unmap_attachment_vec, DMA_BUF);
