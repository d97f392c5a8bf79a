// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the routing engine and exporters hear about config changes
 * made by the kernel and by user space, in time.
 *
 * restore_state_makes_verdict_stale: on the multifunction machine
 * (tests/vm/topologies.py) the two functions of one QEMU NVMe sit below
 * one root port, whose ACS control alone decides
 * their route. An administrator clears its redirect bits (a user-space
 * config write, as setpci makes): the pair routes by bus address and the
 * verdict is cached. Then the kernel restores the port's state, as it does
 * after a reset, on resume and runtime-PM resume and in AER recovery:
 * pci_restore_state() re-applies the ACS policy, redirects come back, and
 * the cached bus-address verdict must not be served again.
 *
 * decode_off_announced_before_write: a user-space write that turns memory
 * decode off reaches the P2PDMA notifier chain while the device still
 * decodes, so that exporters revoke before their BAR stops answering.
 */
#include <kunit/test.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>

#include "p2pdma.h"
#include "qemu_devs.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define ACS_REDIRECT	(PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC)

/* Function @fn of the first QEMU NVMe that has two, referenced. */
static struct pci_dev *nvme_function(unsigned int fn)
{
	struct pci_dev *pdev = NULL;

	while ((pdev = pci_get_device(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, pdev)))
		if (pdev->multifunction && PCI_FUNC(pdev->devfn) == fn)
			return pdev;
	return NULL;
}

static u16 acs_ctrl(struct pci_dev *port)
{
	u16 ctrl = 0;

	pci_read_config_word(port, port->acs_cap + PCI_ACS_CTRL, &ctrl);
	return ctrl;
}

static void restore_state_makes_verdict_stale(struct kunit *test)
{
	struct pci_dev *f0 = nvme_function(0), *f1 = nvme_function(1), *port;
	long stale;
	int dist;

	if (!f0 || !f1) {
		pci_dev_put(f0);
		pci_dev_put(f1);
		kunit_skip(test, "no two-function QEMU NVMe (multifunction machine only)");
	}
	port = pci_upstream_bridge(f0);
	if (!port || !port->acs_cap || !(acs_ctrl(port) & ACS_REDIRECT)) {
		pci_dev_put(f0);
		pci_dev_put(f1);
		kunit_skip(test, "the root port does not redirect (IOMMU off?)");
	}

	KUNIT_ASSERT_EQ(test, pci_save_state(port), 0);
	/* The administrator's setpci: a user write, seen by the engine. */
	KUNIT_ASSERT_EQ(test, pci_user_write_config_word(port, port->acs_cap + PCI_ACS_CTRL,
							 acs_ctrl(port) & ~ACS_REDIRECT), 0);
	KUNIT_EXPECT_EQ(test, p2pdma_route(f0, f1, &dist, false), PCI_P2PDMA_MAP_BUS_ADDR);
	KUNIT_EXPECT_EQ(test, p2pdma_route(f0, f1, &dist, false), PCI_P2PDMA_MAP_BUS_ADDR);

	/* The kernel's restore, as after a reset or a resume. */
	pci_restore_state(port);
	KUNIT_EXPECT_NE(test, acs_ctrl(port) & ACS_REDIRECT, 0);
	stale = atomic_long_read(&p2pdma_cache_stale);
	KUNIT_EXPECT_NE(test, p2pdma_route(f0, f1, &dist, false), PCI_P2PDMA_MAP_BUS_ADDR);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&p2pdma_cache_stale), stale + 1);

	pci_dev_put(f0);
	pci_dev_put(f1);
}

/* What the notifier heard: the first event, and the decode state then. */
struct heard {
	struct notifier_block nb;
	struct pci_dev *dev;
	int calls;
	unsigned long first;
	bool decoding_then;
};

static int hear(struct notifier_block *nb, unsigned long event, void *data)
{
	struct heard *h = container_of(nb, struct heard, nb);
	u16 cmd;

	if (data != h->dev)
		return NOTIFY_DONE;
	if (!h->calls++) {
		pci_read_config_word(h->dev, PCI_COMMAND, &cmd);
		h->first = event;
		h->decoding_then = cmd & PCI_COMMAND_MEMORY;
	}
	return NOTIFY_OK;
}

static void decode_off_announced_before_write(struct kunit *test)
{
	struct heard h = { .nb.notifier_call = hear, .dev = qemu_edu_get() };
	u16 cmd;

	if (!h.dev)
		kunit_skip(test, "no QEMU edu device");
	pci_read_config_word(h.dev, PCI_COMMAND, &cmd);
	KUNIT_ASSERT_EQ(test, pci_p2pdma_register_notifier(&h.nb), 0);
	KUNIT_EXPECT_EQ(test, pci_user_write_config_word(h.dev, PCI_COMMAND,
							 cmd | PCI_COMMAND_MEMORY), 0);
	h.calls = 0;
	KUNIT_EXPECT_EQ(test, pci_user_write_config_word(h.dev, PCI_COMMAND,
							 cmd & ~PCI_COMMAND_MEMORY), 0);
	KUNIT_EXPECT_GE(test, h.calls, 1);
	KUNIT_EXPECT_EQ(test, h.first, (unsigned long)PCI_P2PDMA_MEM_DISABLED);
	KUNIT_EXPECT_TRUE_MSG(test, h.decoding_then,
			      "memory decode was already off when the chain heard of it");
	pci_user_write_config_word(h.dev, PCI_COMMAND, cmd);
	pci_p2pdma_unregister_notifier(&h.nb);
	pci_dev_put(h.dev);
}

static struct kunit_case events_cases[] = {
	KUNIT_CASE(restore_state_makes_verdict_stale),
	KUNIT_CASE(decode_off_announced_before_write),
	{}
};

static struct kunit_suite events_suite = {
	.name = "p2pdma-events",
	.test_cases = events_cases,
};

kunit_test_suite(events_suite);

MODULE_DESCRIPTION("KUnit: verdicts and exporters follow the kernel's and user space's config writes");
MODULE_LICENSE("GPL");
