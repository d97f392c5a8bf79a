// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/p2ptest (uapi/linux/p2ptest.h): imports of any dma-buf for a bound
 * client device, and DMA transfers by the client. An import is a dynamic,
 * peer2peer attachment mapped with dma_buf_map_attachment_vec(); its
 * move_notify unmaps it, so a buffer its exporter (vfio-pci, for BAR
 * memory) revoked or moved is never touched again, and the next transfer
 * maps it again (and fails with -ENODEV while it is revoked). Imports
 * belong to the open file and go with it, so once every file is closed no
 * buffer has an attachment whose callbacks are this module's; the ioctls
 * on one file take turns, so an import is never freed under a transfer
 * that uses it.
 */
#include <linux/dma-resv.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/xarray.h>

#include "p2ptest.h"

MODULE_IMPORT_NS(DMA_BUF);

#define MAX_IMPORTS	64	/* per open file */

/* An open /dev/p2ptest. */
struct p2ptest_file {
	struct mutex lock;		/* one ioctl at a time */
	struct xarray imports;		/* handle -> struct import_rec */
};

struct import_rec {
	struct p2ptest_dev *client;
	struct dma_buf *dmabuf;
	struct dma_buf_attachment *attach;	/* NULL once its client is unbound */
	struct dma_buf_vec_map map;
	bool mapped;			/* under the buffer's reservation lock */
	struct list_head node;		/* in imports, for client removal */
};

/*
 * Every import of every file, so that a client's removal finds its own;
 * also guards @attach of each.
 */
static LIST_HEAD(imports);
static DEFINE_MUTEX(imports_lock);

static void import_unmap(struct import_rec *rec)
{
	if (rec->mapped)
		dma_buf_unmap_attachment_vec(rec->attach, &rec->map);
	rec->mapped = false;
}

/* The exporter moves or revokes the buffer: stop using it. */
static void import_move_notify(struct dma_buf_attachment *attach)
{
	import_unmap(attach->importer_priv);
}

static const struct dma_buf_attach_ops import_ops = {
	.allow_peer2peer = true,
	.move_notify = import_move_notify,
};

/* Unmap @rec and detach it from its buffer. */
static void import_detach(struct import_rec *rec, struct dma_buf_attachment *attach)
{
	dma_resv_lock(rec->dmabuf->resv, NULL);
	import_unmap(rec);
	dma_resv_unlock(rec->dmabuf->resv);
	dma_buf_detach(rec->dmabuf, attach);
}

/*
 * Unmap and detach every import whose client is @pd: it is being unbound.
 * Detaching matters for exporters that map at attach time (vgem, udmabuf):
 * their mapping lives until detach, which must not wait for the client to
 * be gone. The records stay until their file drops them.
 */
void p2ptest_drop_imports_of(struct p2ptest_dev *pd)
{
	struct import_rec *rec;

	mutex_lock(&imports_lock);
	list_for_each_entry(rec, &imports, node) {
		if (rec->client != pd || !rec->attach)
			continue;
		import_detach(rec, rec->attach);
		rec->attach = NULL;
	}
	mutex_unlock(&imports_lock);
}

/* A client being unbound sets @gone before it drops its imports. */
static bool client_gone(struct p2ptest_dev *pd)
{
	bool gone;

	mutex_lock(&pd->dma_lock);
	gone = pd->gone;
	mutex_unlock(&pd->dma_lock);
	return gone;
}

/*
 * Map @rec if its exporter moved or revoked it since; the reservation lock
 * is held.
 */
static int import_map(struct import_rec *rec)
{
	int ret;

	if (rec->mapped)
		return 0;
	if (client_gone(rec->client))
		return -ENODEV;
	ret = dma_buf_map_attachment_vec(rec->attach, DMA_BIDIRECTIONAL, &rec->map);
	rec->mapped = !ret;
	return ret;
}

/*
 * Attach @rec to its buffer and list it, under imports_lock: a removal of
 * the client either sees this import and detaches it, or is seen here
 * (@gone is set before the removal takes the lock). Static exporters map
 * at attach, which must not happen for a device on its way out.
 */
static int import_attach(struct import_rec *rec)
{
	lockdep_assert_held(&imports_lock);
	if (client_gone(rec->client))
		return -ENODEV;
	rec->attach = dma_buf_dynamic_attach(rec->dmabuf, &rec->client->pdev->dev,
					     &import_ops, rec);
	if (IS_ERR(rec->attach))
		return PTR_ERR(rec->attach);
	list_add(&rec->node, &imports);
	return 0;
}

/* Undo import_attach(); detach only if the client's removal has not. */
static void import_unlist(struct import_rec *rec)
{
	struct dma_buf_attachment *attach;

	mutex_lock(&imports_lock);
	list_del(&rec->node);
	attach = rec->attach;
	mutex_unlock(&imports_lock);
	if (attach)
		import_detach(rec, attach);
}

static void import_free(struct import_rec *rec)
{
	import_unlist(rec);
	dma_buf_put(rec->dmabuf);
	p2ptest_dev_put(rec->client);
	kfree(rec);
}

static u32 route_uapi(enum pci_p2pdma_map_type route)
{
	switch (route) {
	case PCI_P2PDMA_MAP_BUS_ADDR:
		return P2PTEST_ROUTE_BUS_ADDR;
	case PCI_P2PDMA_MAP_THRU_HOST_BRIDGE:
		return P2PTEST_ROUTE_HOST_BRIDGE;
	default:
		return P2PTEST_ROUTE_SYSTEM;
	}
}

static int do_import(struct xarray *xa, struct p2ptest_import *arg)
{
	struct import_rec *rec;
	u32 handle;
	int ret;

	if (arg->flags)
		return -EINVAL;
	rec = kzalloc(sizeof(*rec), GFP_KERNEL);
	if (!rec)
		return -ENOMEM;
	rec->client = p2ptest_dev_get(&arg->client);
	if (!rec->client) {
		ret = -ENODEV;
		goto err_free;
	}
	rec->dmabuf = dma_buf_get(arg->dmabuf_fd);
	if (IS_ERR(rec->dmabuf)) {
		ret = -EBADF;
		goto err_put_client;
	}
	mutex_lock(&imports_lock);
	ret = import_attach(rec);
	mutex_unlock(&imports_lock);
	if (ret)
		goto err_put_buf;

	/*
	 * What the import reports is read under the lock that mapped it: once
	 * the lock is dropped, a revoke may unmap it (move_notify).
	 */
	dma_resv_lock(rec->dmabuf->resv, NULL);
	ret = import_map(rec);
	if (!ret) {
		arg->route = route_uapi(rec->map.route);
		arg->nr_vecs = rec->map.nr;
		arg->iova = dma_use_iova(&rec->map.state);
	}
	dma_resv_unlock(rec->dmabuf->resv);
	if (ret)
		goto err_detach;
	ret = xa_alloc(xa, &handle, rec, XA_LIMIT(1, MAX_IMPORTS), GFP_KERNEL);
	if (ret == -EBUSY)
		ret = -EMFILE;
	if (ret)
		goto err_detach;
	arg->handle = handle;
	return 0;

err_detach:
	import_unlist(rec);
err_put_buf:
	dma_buf_put(rec->dmabuf);
err_put_client:
	p2ptest_dev_put(rec->client);
err_free:
	kfree(rec);
	return ret;
}

/* The DMA address of [offset, offset + len), which must lie in one vector. */
static int dma_addr_of(const struct dma_buf_vec_map *map, u64 offset, u64 len,
		       dma_addr_t *addr)
{
	u64 start = 0;
	size_t i;

	for (i = 0; i < map->nr; start += map->vecs[i++].len) {
		if (offset < start || offset >= start + map->vecs[i].len)
			continue;
		if (offset + len > start + map->vecs[i].len)
			return -EINVAL;
		*addr = map->vecs[i].addr + (offset - start);
		return 0;
	}
	return -EINVAL;
}

static int do_transfer(struct xarray *xa, const struct p2ptest_transfer *arg)
{
	bool to_buffer = arg->direction == P2PTEST_TO_BUFFER;
	struct import_rec *rec = xa_load(xa, arg->handle);
	dma_addr_t addr;
	void *buf;
	u64 end;
	int ret;

	if (!rec)
		return -ENOENT;
	if (arg->direction > P2PTEST_FROM_BUFFER || arg->flags || arg->reserved ||
	    !arg->length || arg->length > P2PTEST_MAX_TRANSFER ||
	    check_add_overflow(arg->offset, arg->length, &end) || end > rec->dmabuf->size)
		return -EINVAL;
	if (!p2ptest_is_edu(rec->client->pdev))
		return -EOPNOTSUPP;
	buf = kmalloc(arg->length, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (to_buffer && copy_from_user(buf, u64_to_user_ptr(arg->data), arg->length)) {
		ret = -EFAULT;
		goto out;
	}

	/* Holding the lock keeps the mapping until the DMA is over. */
	ret = dma_resv_lock_interruptible(rec->dmabuf->resv, NULL);
	if (ret)
		goto out;
	ret = import_map(rec);
	if (!ret)
		ret = dma_addr_of(&rec->map, arg->offset, arg->length, &addr);
	if (!ret)
		ret = p2ptest_edu_dma(rec->client, addr, buf, arg->length, to_buffer);
	dma_resv_unlock(rec->dmabuf->resv);

	if (!ret && !to_buffer && copy_to_user(u64_to_user_ptr(arg->data), buf, arg->length))
		ret = -EFAULT;
out:
	kfree(buf);
	return ret;
}

static int p2ptest_open(struct inode *inode, struct file *file)
{
	struct p2ptest_file *pf = kzalloc(sizeof(*pf), GFP_KERNEL);

	if (!pf)
		return -ENOMEM;
	mutex_init(&pf->lock);
	xa_init_flags(&pf->imports, XA_FLAGS_ALLOC1);
	file->private_data = pf;
	return 0;
}

static int p2ptest_release(struct inode *inode, struct file *file)
{
	struct p2ptest_file *pf = file->private_data;
	struct import_rec *rec;
	unsigned long handle;

	xa_for_each(&pf->imports, handle, rec)
		import_free(rec);
	xa_destroy(&pf->imports);
	mutex_destroy(&pf->lock);
	kfree(pf);
	return 0;
}

/* Every ioctl but VERSION: they use the file's imports; @pf's lock is held. */
static long import_ioctl(struct p2ptest_file *pf, unsigned int cmd, void *arg,
			 void __user *up)
{
	struct p2ptest_import *imp = arg;
	struct p2ptest_handle *h = arg;
	struct import_rec *rec;
	int ret;

	switch (cmd) {
	case P2PTEST_IOC_IMPORT:
		ret = do_import(&pf->imports, imp);
		if (ret || !copy_to_user(up, imp, sizeof(*imp)))
			return ret;
		/* User space never learnt the handle: take the import back. */
		import_free(xa_erase(&pf->imports, imp->handle));
		return -EFAULT;
	case P2PTEST_IOC_TRANSFER:
		return do_transfer(&pf->imports, arg);
	case P2PTEST_IOC_UNIMPORT:
		if (h->reserved)
			return -EINVAL;
		rec = xa_erase(&pf->imports, h->handle);
		if (!rec)
			return -ENOENT;
		import_free(rec);
		return 0;
	default:
		return -ENOTTY;
	}
}

static long p2ptest_ioctl(struct file *file, unsigned int cmd, unsigned long uarg)
{
	void __user *up = (void __user *)uarg;
	struct p2ptest_file *pf = file->private_data;
	union {
		struct p2ptest_import imp;
		struct p2ptest_transfer xfer;
		struct p2ptest_handle h;
	} a;
	long ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (cmd == P2PTEST_IOC_VERSION)
		return put_user(P2PTEST_API_VERSION, (u32 __user *)up);
	if (_IOC_TYPE(cmd) != P2PTEST_IOC_MAGIC || _IOC_SIZE(cmd) > sizeof(a))
		return -ENOTTY;
	if (copy_from_user(&a, up, _IOC_SIZE(cmd)))
		return -EFAULT;

	mutex_lock(&pf->lock);
	ret = import_ioctl(pf, cmd, &a, up);
	mutex_unlock(&pf->lock);
	return ret;
}

static const struct file_operations p2ptest_fops = {
	.owner = THIS_MODULE,
	.open = p2ptest_open,
	.release = p2ptest_release,
	.unlocked_ioctl = p2ptest_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice p2ptest_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "p2ptest",
	.fops = &p2ptest_fops,
};

static int __init p2ptest_init(void)
{
	int ret = p2ptest_pci_register();

	if (ret)
		return ret;
	ret = misc_register(&p2ptest_misc);
	if (ret)
		p2ptest_pci_unregister();
	return ret;
}
module_init(p2ptest_init);

static void __exit p2ptest_exit(void)
{
	misc_deregister(&p2ptest_misc);
	p2ptest_pci_unregister();
}
module_exit(p2ptest_exit);

MODULE_DESCRIPTION("Import dma-bufs for a PCI device and DMA to them: p2ptest's kernel half");
MODULE_LICENSE("GPL");
