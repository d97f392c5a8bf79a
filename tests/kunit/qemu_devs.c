// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the QEMU devices the in-VM tests and the benchmark use.
 */
#include <linux/pci.h>

#include "qemu_devs.h"

/**
 * qemu_devs_get() - the first devices with an ID, with a reference each
 * @vendor: their vendor ID
 * @device: their device ID
 * @devs: filled with the first @n of them (drop each with pci_dev_put())
 * @n: room in @devs
 *
 * Return: how many such devices there are, which may be more than @n.
 */
int qemu_devs_get(unsigned int vendor, unsigned int device, struct pci_dev **devs, int n)
{
	struct pci_dev *pdev = NULL;
	int found = 0;

	while ((pdev = pci_get_device(vendor, device, pdev)))
		if (found++ < n)
			devs[found - 1] = pci_dev_get(pdev);
	return found;
}

/**
 * qemu_edu_get() - the first edu DMA engine, with a reference
 *
 * Return: the device (drop it with pci_dev_put()) or NULL.
 */
struct pci_dev *qemu_edu_get(void)
{
	return pci_get_device(QEMU_EDU_VENDOR, QEMU_EDU_DEVICE, NULL);
}

/**
 * qemu_nvme_cmb() - the CMB BAR of the first QEMU NVMe controller
 * @start: its CPU physical address
 * @len: its length
 *
 * QEMU places the controller memory buffer in the controller's only
 * prefetchable memory BAR.
 *
 * Return: 0, or -ENODEV when there is no such controller or BAR.
 */
int qemu_nvme_cmb(phys_addr_t *start, resource_size_t *len)
{
	struct pci_dev *nvme = pci_get_device(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, NULL);
	int bar, ret = -ENODEV;

	if (!nvme)
		return ret;
	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (pci_resource_flags(nvme, bar) & IORESOURCE_PREFETCH) {
			*start = pci_resource_start(nvme, bar);
			*len = pci_resource_len(nvme, bar);
			ret = 0;
			break;
		}
	}
	pci_dev_put(nvme);
	return ret;
}
