// SPDX-License-Identifier: GPL-2.0
/*
 * The p2ptest PCI driver: it has no ID table, user space binds devices to
 * it with driver_override. A bound device is a DMA client that dma-bufs
 * are imported for; a QEMU edu device is also a DMA engine p2ptest can
 * drive. Unbinding unmaps and detaches every import it is the client of
 * before its BARs go away; while it is reset, or user space has its memory
 * decode off, it starts no DMA.
 */
#include <linux/dma-mapping.h>
#include <linux/module.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>

#include "p2ptest.h"

static LIST_HEAD(devs);
static DEFINE_MUTEX(devs_lock);

/*
 * QEMU's edu reaches 28-bit DMA addresses unless started with a wider
 * dma_mask property, and silently truncates wider ones: the guest cannot
 * tell, so whoever starts the machine says it here.
 */
static unsigned int edu_dma_bits = 28;

static int edu_dma_bits_set(const char *val, const struct kernel_param *kp)
{
	return param_set_uint_minmax(val, kp, 28, 64);
}

static const struct kernel_param_ops edu_dma_bits_ops = {
	.set = edu_dma_bits_set,
	.get = param_get_uint,
};

module_param_cb(edu_dma_bits, &edu_dma_bits_ops, &edu_dma_bits, 0444);
MODULE_PARM_DESC(edu_dma_bits,
		 "DMA address bits of QEMU edu devices, 28 (QEMU's default) to 64 (dma_mask=0xffffffffffffffff)");

static void dev_release(struct kref *ref)
{
	struct p2ptest_dev *pd = container_of(ref, struct p2ptest_dev, ref);

	pci_dev_put(pd->pdev);
	mutex_destroy(&pd->dma_lock);
	kfree(pd);
}

void p2ptest_dev_put(struct p2ptest_dev *pd)
{
	kref_put(&pd->ref, dev_release);
}

/* The p2ptest device of @pdev, referenced; NULL if it is not bound here. */
static struct p2ptest_dev *p2ptest_dev_of(struct pci_dev *pdev)
{
	struct p2ptest_dev *pd, *found = NULL;

	mutex_lock(&devs_lock);
	list_for_each_entry(pd, &devs, node) {
		if (pd->pdev == pdev) {
			kref_get(&pd->ref);
			found = pd;
			break;
		}
	}
	mutex_unlock(&devs_lock);
	return found;
}

/* The bound device at @addr, referenced; NULL if there is none. */
struct p2ptest_dev *p2ptest_dev_get(const struct p2ptest_pci_addr *addr)
{
	struct p2ptest_dev *pd;
	struct pci_dev *pdev;

	if (addr->reserved)
		return NULL;
	pdev = pci_get_domain_bus_and_slot(addr->domain, addr->bus, addr->devfn);
	if (!pdev)
		return NULL;
	pd = p2ptest_dev_of(pdev);
	pci_dev_put(pdev);
	return pd;
}

static int p2ptest_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct p2ptest_dev *pd;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = dma_set_mask_and_coherent(&pdev->dev,
					DMA_BIT_MASK(p2ptest_is_edu(pdev) ? edu_dma_bits : 64));
	if (ret)
		return ret;
	pci_set_master(pdev);

	pd = kzalloc(sizeof(*pd), GFP_KERNEL);
	if (!pd)
		return -ENOMEM;
	if (p2ptest_is_edu(pdev)) {
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

	/*
	 * It DMAs no more and maps nothing again (imports check @gone), no
	 * import of it stays mapped; then it goes.
	 */
	mutex_lock(&pd->dma_lock);
	pd->gone = true;
	pd->edu = NULL;
	mutex_unlock(&pd->dma_lock);
	p2ptest_drop_imports_of(pd);
	p2ptest_dev_put(pd);
}

/*
 * A reset (sysfs "reset", pci_reset_function()) takes the device's
 * registers away for its duration: it starts no DMA meanwhile. @dma_lock
 * is not held across the reset: a slot reset takes the hotplug
 * controller's reset lock, which an unplug holds while it unbinds us, and
 * our remove() takes @dma_lock.
 */
static void p2ptest_reset_prepare(struct pci_dev *pdev)
{
	struct p2ptest_dev *pd = pci_get_drvdata(pdev);

	/* Waits for a DMA under way. */
	mutex_lock(&pd->dma_lock);
	pd->resetting = true;
	mutex_unlock(&pd->dma_lock);
}

static void p2ptest_reset_done(struct pci_dev *pdev)
{
	struct p2ptest_dev *pd = pci_get_drvdata(pdev);

	mutex_lock(&pd->dma_lock);
	pd->resetting = false;
	mutex_unlock(&pd->dma_lock);
}

static const struct pci_error_handlers p2ptest_err_handler = {
	.reset_prepare = p2ptest_reset_prepare,
	.reset_done = p2ptest_reset_done,
};

static struct pci_driver p2ptest_driver = {
	.name = "p2ptest",
	.probe = p2ptest_probe,
	.remove = p2ptest_remove,
	.err_handler = &p2ptest_err_handler,
};

/*
 * User space turns memory decode of a bound device off (called before the
 * write and after it) or on (after it): as a DMA engine it finishes the
 * DMA under way and starts none while decode is off (its registers would
 * read all ones while it still runs).
 */
static int p2ptest_decode_notify(struct notifier_block *nb, unsigned long event, void *data)
{
	struct p2ptest_dev *pd = p2ptest_dev_of(data);
	bool off = event == PCI_P2PDMA_MEM_DISABLED;

	if (!pd)
		return NOTIFY_DONE;
	mutex_lock(&pd->dma_lock);
	pd->decode_off = off;
	mutex_unlock(&pd->dma_lock);
	p2ptest_dev_put(pd);
	return NOTIFY_OK;
}

static struct notifier_block p2ptest_decode_nb = {
	.notifier_call = p2ptest_decode_notify,
};

int p2ptest_pci_register(void)
{
	int ret = pci_p2pdma_register_notifier(&p2ptest_decode_nb);

	if (ret)
		return ret;
	ret = pci_register_driver(&p2ptest_driver);
	if (ret)
		pci_p2pdma_unregister_notifier(&p2ptest_decode_nb);
	return ret;
}

void p2ptest_pci_unregister(void)
{
	pci_unregister_driver(&p2ptest_driver);
	pci_p2pdma_unregister_notifier(&p2ptest_decode_nb);
}
