// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: what the emulated machine's P2P topology must look like.
 *
 * Runs in a test VM (tests/vm) against QEMU's NVMe controllers (1b36:0010)
 * with a controller memory buffer each and QEMU's edu device (1234:11e8).
 * The plan loading this module passes the facts the topology promises:
 * the CMB size, the expected P2P distance between the two NVMe devices and
 * from an NVMe device to edu (-1: refused), and the IOMMU mode the VM was
 * booted with. Each case checks one of them against the running kernel.
 */
#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/sizes.h>

#include "p2p_kunit.h"
#include "qemu_devs.h"

static unsigned int cmb_size_mb = 16;
module_param(cmb_size_mb, uint, 0444);
MODULE_PARM_DESC(cmb_size_mb, "size of each NVMe CMB in MiB");

static int nvme_distance = -1;
module_param(nvme_distance, int, 0444);
MODULE_PARM_DESC(nvme_distance, "expected P2P distance between the NVMe devices (-1: refused)");

static int edu_distance = -1;
module_param(edu_distance, int, 0444);
MODULE_PARM_DESC(edu_distance, "expected P2P distance from an NVMe CMB to edu (-1: refused)");

struct topo {
	struct pci_dev *nvme[2];
	struct pci_dev *edu;
};

static int topo_init(struct kunit *test)
{
	struct topo *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	test->priv = t;
	KUNIT_ASSERT_EQ_MSG(test, qemu_devs_get(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, t->nvme, 2), 2,
			    "the topology must have exactly two QEMU NVMe controllers");
	KUNIT_ASSERT_EQ_MSG(test, qemu_devs_get(QEMU_EDU_VENDOR, QEMU_EDU_DEVICE, &t->edu, 1), 1,
			    "the topology must have exactly one edu device");
	return 0;
}

static void topo_exit(struct kunit *test)
{
	struct topo *t = test->priv;

	pci_dev_put(t->nvme[0]);
	pci_dev_put(t->nvme[1]);
	pci_dev_put(t->edu);
}

/* The memory BAR of @pdev holding bus address @bus, or -1. */
static int bar_of_bus_addr(struct pci_dev *pdev, pci_bus_addr_t bus)
{
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		pci_bus_addr_t start = pci_bus_address(pdev, bar);

		if ((pci_resource_flags(pdev, bar) & IORESOURCE_MEM) &&
		    bus >= start && bus - start < pci_resource_len(pdev, bar))
			return bar;
	}
	return -1;
}

static void nvme_cmb_is_p2pmem_provider(struct kunit *test)
{
	struct topo *t = test->priv;
	int i;

	for (i = 0; i < 2; i++) {
		struct pci_dev *pdev = t->nvme[i];
		pci_bus_addr_t bus;
		void *mem;
		int bar;

		KUNIT_ASSERT_TRUE_MSG(test, pci_has_p2pmem(pdev), "%s has no p2pmem",
				      pci_name(pdev));
		mem = pci_alloc_p2pmem(pdev, SZ_4K);
		KUNIT_ASSERT_NOT_NULL(test, mem);
		bus = pci_p2pmem_virt_to_bus(pdev, mem);
		bar = bar_of_bus_addr(pdev, bus);
		pci_free_p2pmem(pdev, mem, SZ_4K);

		KUNIT_ASSERT_GE_MSG(test, bar, 0, "%s: p2pmem bus address %pad is in no BAR",
				    pci_name(pdev), &bus);
		KUNIT_EXPECT_EQ(test, pci_resource_len(pdev, bar), (u64)cmb_size_mb * SZ_1M);
		KUNIT_EXPECT_TRUE(test, pci_resource_flags(pdev, bar) & IORESOURCE_PREFETCH);
	}
}

static void nvme_pair_distance(struct kunit *test)
{
	struct topo *t = test->priv;

	KUNIT_EXPECT_EQ(test, pci_p2pdma_distance(t->nvme[0], &t->nvme[1]->dev, true),
			nvme_distance);
	KUNIT_EXPECT_EQ(test, pci_p2pdma_distance(t->nvme[1], &t->nvme[0]->dev, true),
			nvme_distance);
}

static void edu_client_distance(struct kunit *test)
{
	struct topo *t = test->priv;
	struct device *client = &t->edu->dev;
	struct pci_dev *found;

	KUNIT_EXPECT_EQ(test, pci_p2pdma_distance(t->nvme[0], client, true), edu_distance);
	KUNIT_EXPECT_EQ(test, pci_p2pdma_distance(t->nvme[1], client, true), edu_distance);

	/* The p2pmem lookup must agree: no provider for edu when refused. */
	found = pci_p2pmem_find(client);
	if (edu_distance < 0)
		KUNIT_EXPECT_NULL(test, found);
	else
		KUNIT_EXPECT_NOT_NULL(test, found);
	pci_dev_put(found);
}

static const char *domain_mode(struct iommu_domain *dom)
{
	if (!dom)
		return "off";
	switch (dom->type) {
	case IOMMU_DOMAIN_IDENTITY:
		return "pt";
	case IOMMU_DOMAIN_DMA:
		return "strict";
	case IOMMU_DOMAIN_DMA_FQ:
		return "lazy";
	default:
		return "unknown";
	}
}

static void iommu_mode_matches_boot(struct kunit *test)
{
	struct topo *t = test->priv;
	const char *mode = p2p_iommu_mode();

	KUNIT_EXPECT_STREQ(test, domain_mode(iommu_get_domain_for_dev(&t->nvme[0]->dev)), mode);
	KUNIT_EXPECT_STREQ(test, domain_mode(iommu_get_domain_for_dev(&t->nvme[1]->dev)), mode);
	KUNIT_EXPECT_STREQ(test, domain_mode(iommu_get_domain_for_dev(&t->edu->dev)), mode);
}

static struct kunit_case p2pdma_topology_cases[] = {
	KUNIT_CASE(nvme_cmb_is_p2pmem_provider),
	KUNIT_CASE(nvme_pair_distance),
	KUNIT_CASE(edu_client_distance),
	KUNIT_CASE(iommu_mode_matches_boot),
	{}
};

static struct kunit_suite p2pdma_topology_suite = {
	.name = "p2pdma-topology",
	.init = topo_init,
	.exit = topo_exit,
	.test_cases = p2pdma_topology_cases,
};

p2p_kunit_param_suites(&p2pdma_topology_suite);

MODULE_DESCRIPTION("KUnit checks of the emulated machine's P2P topology");
MODULE_LICENSE("GPL");
