// SPDX-License-Identifier: GPL-2.0
/*
 * p2pmem for user space: /sys/bus/pci/devices/DEV/p2pmem/allocate.
 *
 * A shared mmap() of that file, at offset 0, takes its length from the
 * device's p2pmem pool and maps those pages. The mapping is the buffer of
 * O_DIRECT reads and writes to a queue that can do P2PDMA: GUP hands its
 * pages to the block layer only when asked (FOLL_PCI_P2PDMA), and the
 * driver maps them along the routing engine's verdict for the pair.
 *
 * Lifetime: every mapped page holds a reference on the pagemap, dropped
 * when the page is freed (its last PTE zapped and its last pin released),
 * which gives the page back to the pool. When the provider's driver is
 * unbound, the file is removed first, which zaps every user mapping of it
 * (later accesses get SIGBUS); the pagemap then waits for pages still
 * pinned by I/O in flight, and the pool goes last.
 *
 * Known limitation, as in mainline: kernfs zaps through the file's address
 * space, which a new VMA joins only after ->mmap() returns. An mmap() that
 * has inserted its pages but not yet joined when the file is removed keeps
 * them, and the unbind waits until that process unmaps them.
 */
#include <linux/genalloc.h>
#include <linux/mm.h>
#include <linux/percpu-refcount.h>
#include <linux/sizes.h>
#include <linux/sysfs.h>

#include "p2pdma.h"

static int p2pmem_alloc_mmap(struct file *filp, struct kobject *kobj,
			     struct bin_attribute *attr,
			     struct vm_area_struct *vma)
{
	struct pci_dev *pdev = to_pci_dev(kobj_to_dev(kobj));
	size_t len = vma->vm_end - vma->vm_start;
	struct pci_p2pdma *p2pdma;
	struct percpu_ref *ref;
	unsigned long vaddr;
	void *kaddr;
	int ret;

	if (!(vma->vm_flags & VM_MAYSHARE)) {
		pci_info_ratelimited(pdev, "p2pmem/allocate: %s asked for a private mapping; only MAP_SHARED is supported\n",
				     current->comm);
		return -EINVAL;
	}
	if (vma->vm_pgoff) {
		pci_info_ratelimited(pdev, "p2pmem/allocate: %s asked for offset %#lx; only offset 0 is supported\n",
				     current->comm, vma->vm_pgoff << PAGE_SHIFT);
		return -EINVAL;
	}

	rcu_read_lock();
	p2pdma = rcu_dereference(pdev->p2pdma);
	if (!p2pdma || !p2pdma->pool) {
		ret = -ENODEV;
		goto out_unlock;
	}

	kaddr = (void *)gen_pool_alloc_owner(p2pdma->pool, len, (void **)&ref);
	if (!kaddr) {
		pci_info_ratelimited(pdev, "p2pmem/allocate: %s asked for %zu bytes; %zu of %zu are free in one piece or less\n",
				     current->comm, len,
				     gen_pool_avail(p2pdma->pool),
				     gen_pool_size(p2pdma->pool));
		ret = -ENOMEM;
		goto out_unlock;
	}

	/*
	 * A live reference keeps the pagemap, and with it the pool, until
	 * every page below holds its own.
	 */
	if (unlikely(!percpu_ref_tryget_live_rcu(ref))) {
		gen_pool_free(p2pdma->pool, (unsigned long)kaddr, len);
		ret = -ENODEV;
		goto out_unlock;
	}
	rcu_read_unlock();

	/* The kernel maps this memory uncached (memremap_pages()); so do we. */
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	for (vaddr = vma->vm_start; vaddr < vma->vm_end; vaddr += PAGE_SIZE) {
		struct page *page = virt_to_page(kaddr);

		/*
		 * An unused p2pmem page has a reference count of one (see
		 * free_zone_device_page()); the mapping takes it over.
		 */
		ret = vm_insert_page(vma, vaddr, page);
		if (ret) {
			/*
			 * The pages already inserted are freed by the unmap
			 * of the failed mmap(); the rest go back now.
			 */
			gen_pool_free(p2pdma->pool, (unsigned long)kaddr, len);
			break;
		}
		percpu_ref_get(ref);
		put_page(page);
		kaddr += PAGE_SIZE;
		len -= PAGE_SIZE;
	}
	percpu_ref_put(ref);
	return ret;

out_unlock:
	rcu_read_unlock();
	return ret;
}

/*
 * The size is not the pool's: tools that check a file's size before they
 * map it (Python's mmap module) must not stop at zero.
 */
struct bin_attribute p2pmem_alloc_attr = {
	.attr = { .name = "allocate", .mode = 0660 },
	.mmap = p2pmem_alloc_mmap,
	.size = SZ_1T,
};

/* A mapped page's last reference is gone: back to the pool. */
static void p2pdma_page_free(struct page *page)
{
	struct pci_p2pdma_pagemap *p2p_pgmap = to_p2p_pgmap(page->pgmap);
	struct pci_dev *pdev = to_pci_dev(p2p_pgmap->mem->owner);
	struct pci_p2pdma *p2pdma;
	struct percpu_ref *ref;

	/* The pool outlives the pagemap, whose reference this page holds. */
	p2pdma = rcu_dereference_protected(pdev->p2pdma, 1);
	gen_pool_free_owner(p2pdma->pool, (unsigned long)page_to_virt(page),
			    PAGE_SIZE, (void **)&ref);
	percpu_ref_put(ref);
}

const struct dev_pagemap_ops p2pdma_pgmap_ops = {
	.page_free = p2pdma_page_free,
};

/**
 * p2pdma_unmap_mappings() - end user space's use of a device's p2pmem
 * @data: the struct pci_dev
 *
 * A devm action that runs before the pagemap is torn down: removing the
 * allocate file zaps every mapping of it and refuses new ones, so that the
 * pagemap waits only for pages that I/O in flight still pins.
 */
void p2pdma_unmap_mappings(void *data)
{
	struct pci_dev *pdev = data;

	sysfs_remove_file_from_group(&pdev->dev.kobj, &p2pmem_alloc_attr.attr,
				     "p2pmem");
}
