// SPDX-License-Identifier: GPL-2.0
/*
 * What user space's writes to config space, and the kernel's own ACS
 * writes, mean for peer-to-peer DMA.
 *
 * pci_user_write_config_*() report every write here, before and after it
 * is done, outside pci_lock, in the writer's process context (sysfs,
 * procfs, VFIO). A write to a device's ACS control makes every routing
 * verdict stale; a write to its Command register is passed on to the
 * P2PDMA notifier chain with the memory decode state it leaves, so that
 * whoever exported the device's memory revokes it while decode is off. A
 * write that turns decode off is announced before it is made, while the
 * BAR still answers, and again after it.
 *
 * Not announced: writes to the BARs themselves (a BAR that moves under
 * an export) and to an upstream bridge's Command register or windows;
 * an exporter that must survive those has to watch them itself.
 */
#include <linux/notifier.h>

#include "p2pdma.h"
#include "../pci.h"

static BLOCKING_NOTIFIER_HEAD(p2pdma_chain);

/**
 * pci_p2pdma_register_notifier() - hear about memory decode changes
 * @nb: called with PCI_P2PDMA_MEM_DISABLED or PCI_P2PDMA_MEM_ENABLED and
 *	the struct pci_dev, in process context; it may sleep
 *
 * Every user write to any device's Command register is reported, with the
 * state it left, also when it did not change the state; a write that turns
 * memory decode off is reported before it is made as well: callbacks act
 * only on devices they own and must be idempotent.
 *
 * Return: 0 or a negative errno.
 */
int pci_p2pdma_register_notifier(struct notifier_block *nb)
{
	return blocking_notifier_chain_register(&p2pdma_chain, nb);
}
EXPORT_SYMBOL_GPL(pci_p2pdma_register_notifier);

/**
 * pci_p2pdma_unregister_notifier() - stop hearing about decode changes
 * @nb: as registered; no call to it runs once this returns
 */
void pci_p2pdma_unregister_notifier(struct notifier_block *nb)
{
	blocking_notifier_chain_unregister(&p2pdma_chain, nb);
}
EXPORT_SYMBOL_GPL(pci_p2pdma_unregister_notifier);

/**
 * pci_p2pdma_acs_enabled() - the kernel has (re)applied its ACS policy
 * @dev: the device, just added or with its state restored
 *
 * Called at the end of pci_enable_acs(), which pci_restore_state() runs
 * after a reset, on resume and runtime-PM resume and in error recovery:
 * it sets the redirect bits the kernel wants, whatever was there before,
 * so every routing verdict may have changed. Any context.
 */
void pci_p2pdma_acs_enabled(struct pci_dev *dev)
{
	p2pdma_topology_changed();
}

static bool written(int reg, int size, int pos, int len)
{
	return pos < reg + size && pos + len > reg;
}

/**
 * pci_p2pdma_config_writing() - user space is about to write config space
 * @dev: the device to be written
 * @pos: offset of the write
 * @len: its length in bytes
 * @val: the value to be written
 *
 * Called by pci_user_write_config_*() before every write from user space:
 * one that turns memory decode off is announced now, so that exporters of
 * the device's memory revoke it while the BAR still answers.
 */
void pci_p2pdma_config_writing(struct pci_dev *dev, int pos, int len, u32 val)
{
	u16 cmd;

	/* Memory Space Enable is in the Command register's low byte. */
	if (!written(PCI_COMMAND, 1, pos, len) ||
	    pci_read_config_word(dev, PCI_COMMAND, &cmd))
		return;
	val >>= (PCI_COMMAND - pos) * BITS_PER_BYTE;
	if ((cmd & PCI_COMMAND_MEMORY) && !(val & PCI_COMMAND_MEMORY))
		blocking_notifier_call_chain(&p2pdma_chain, PCI_P2PDMA_MEM_DISABLED, dev);
}

/**
 * pci_p2pdma_config_written() - note a write to a device's config space
 * @dev: the device written
 * @pos: offset of the write
 * @len: its length in bytes
 *
 * Called by pci_user_write_config_*() after every write from user space.
 */
void pci_p2pdma_config_written(struct pci_dev *dev, int pos, int len)
{
	u16 cmd;

	if (dev->acs_cap && written(dev->acs_cap + PCI_ACS_CTRL, 2, pos, len))
		p2pdma_topology_changed();
	if (!written(PCI_COMMAND, 2, pos, len) ||
	    pci_read_config_word(dev, PCI_COMMAND, &cmd))
		return;
	blocking_notifier_call_chain(&p2pdma_chain, cmd & PCI_COMMAND_MEMORY ?
				     PCI_P2PDMA_MEM_ENABLED : PCI_P2PDMA_MEM_DISABLED, dev);
}
