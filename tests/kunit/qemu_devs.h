/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The QEMU devices the in-VM tests and the benchmark use.
 */
#ifndef P2P_QEMU_DEVS_H
#define P2P_QEMU_DEVS_H

#include <linux/pci.h>

#define QEMU_NVME_VENDOR	0x1b36
#define QEMU_NVME_DEVICE	0x0010
#define QEMU_EDU_VENDOR		0x1234
#define QEMU_EDU_DEVICE		0x11e8

int qemu_devs_get(unsigned int vendor, unsigned int device, struct pci_dev **devs, int n);
struct pci_dev *qemu_edu_get(void);
int qemu_nvme_cmb(phys_addr_t *start, resource_size_t *len);

#endif /* P2P_QEMU_DEVS_H */
