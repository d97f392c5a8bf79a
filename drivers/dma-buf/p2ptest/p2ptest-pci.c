// SPDX-License-Identifier: GPL-2.0
/*
 * The p2ptest PCI driver: it has no ID table, user space binds devices to
 * it with driver_override. A bound device can export its memory BARs
 * (pcim_p2pdma_init() gives each a provider) and be a DMA client; a QEMU
 * edu device is also a DMA engine p2ptest can drive. Unbinding revokes
 * every buffer the device exported and unmaps every import it is the
 * client of, before its BARs go away.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "p2ptest.h"

#define EDU_VENDOR	0x1234
#define EDU_DEVICE	0x11e8

static LIST_HEAD(devs);
static DEFINE_MUTEX(devs_lock);

static void dev_release(struct kref *ref)
{
	struct p2ptest_dev *pd = container_of(ref, struct p2ptest_dev, ref);

	pci_dev_put(pd->pdev);
	kfree(pd);
}

void p2ptest_dev_put(struct p2ptest_dev *pd)
{
	kref_put(&pd->ref, dev_release);
}

/* The bound device at @addr, referenced; NULL if there is none. */
struct p2ptest_dev *p2ptest_dev_get(const struct p2ptest_pci_addr *addr)
{
	struct p2ptest_dev *pd, *found = NULL;

	if (addr->reserved)
		return NULL;
	mutex_lock(&devs_lock);
	list_for_each_entry(pd, &devs, node) {
		if (pci_domain_nr(pd->pdev->bus) == addr->domain &&
		    pd->pdev->bus->number == addr->bus && pd->pdev->devfn == addr->devfn) {
			kref_get(&pd->ref);
			found = pd;
			break;
		}
	}
	mutex_unlock(&devs_lock);
	return found;
}

static int p2ptest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct p2ptest_dev *pd;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_p2pdma_init(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev, DMA_BIT_MASK(64));
	if (ret)
		return ret;
	pci_set_master(pdev);

	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	if (pdev->vendor == EDU_VENDOR && pdev->device == EDU_DEVICE) {
		pd->edu = pcim_iomap(pdev, 0, 0);
		pd->staging = dmam_alloc_coherent(&pdev->dev, P2PTEST_MAX_TRANSFER,
						  &pd->staging_dma, GFP_KERNEL);
		if (!pd->edu || !pd->staging) {
			kfree(pd);
			return -ENOMEM;
		}
	}
	pd->pdev = pci_dev_get(pdev);
	mutex_init(&pd->dma_lock);
	kref_init(&pd->ref);
	pci_set_drvdata(pdev, pd);
	mutex_lock(&devs_lock);
	list_add(&pd->node, &devs);
	mutex_unlock(&devs_lock);
	return 0;
}

static void p2ptest_remove(struct pci_dev *pdev)
{
	struct p2ptest_dev *pd = pci_get_drvdata(pdev);

	mutex_lock(&devs_lock);
	list_del(&pd->node);
	mutex_unlock(&devs_lock);

	/* Nobody maps the device's memory, nobody DMAs for it, then it goes. */
	p2ptest_revoke_exports_of(pd);
	p2ptest_drop_imports_of(pd);
	mutex_lock(&pd->dma_lock);
	pd->gone = true;
	pd->edu = NULL;
	mutex_unlock(&pd->dma_lock);
	p2ptest_dev_put(pd);
}

static struct pci_driver p2ptest_driver = {
	.name = "p2ptest",
	.probe = p2ptest_probe,
	.remove = p2ptest_remove,
};

int p2ptest_pci_register(void)
{
	return pci_register_driver(&p2ptest_driver);
}

void p2ptest_pci_unregister(void)
{
	pci_unregister_driver(&p2ptest_driver);
}
