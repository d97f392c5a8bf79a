// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: real P2P DMA through 6.1's struct-page path, decided by the
 * routing engine.
 *
 * One QEMU NVMe controller reads blocks of its namespace straight into
 * p2pmem allocated from the other controller's CMB: the bio's pages are
 * p2pmem pages, so dma_map_sg() asks the engine (pci_p2pdma_state()) how
 * to address them and the controller writes to the peer's BAR. Every word
 * read is compared with the pattern the host wrote into the namespace's
 * image (tests/vm/topologies.py). Meaningful with the IOMMU off: QEMU does
 * not route P2P inside a switch, so a translating IOMMU would see the bus
 * addresses.
 */
#include <kunit/test.h>
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/sizes.h>

#include "p2pdma.h"
#include "qemu_devs.h"
#include "p2p_kunit.h"
#include "p2ptest_pattern.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

static char *bdev = "";
module_param(bdev, charp, 0444);
MODULE_PARM_DESC(bdev, "NVMe namespace to read from, e.g. /dev/nvme0n1");
static ulong seed;
module_param(seed, ulong, 0444);
MODULE_PARM_DESC(seed, "pattern seed of that namespace's image");
static int distance = 4;
module_param(distance, int, 0444);
MODULE_PARM_DESC(distance, "expected distance between the two controllers");

#define XFER	SZ_1M

/* The other QEMU NVMe controller with published p2pmem, referenced. */
static struct pci_dev *peer_with_p2pmem(struct pci_dev *client)
{
	struct pci_dev *pdev = NULL;

	while ((pdev = pci_get_device(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, pdev)))
		if (pdev != client && pci_has_p2pmem(pdev))
			return pdev;
	return NULL;
}

static void read_namespace_into_peer_cmb(struct kunit *test)
{
	long decided = atomic_long_read(&p2pdma_cache_hits) +
		       atomic_long_read(&p2pdma_cache_misses) +
		       atomic_long_read(&p2pdma_cache_stale);
	struct block_device *bd;
	struct pci_dev *client, *provider;
	struct device *d;
	size_t i, bad = 0, first_bad = 0;
	struct bio *bio;
	u64 *buf;
	int ret;

	bd = blkdev_get_by_path(bdev, FMODE_READ, NULL);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(bd), "cannot open %s: %ld", bdev, PTR_ERR(bd));
	for (d = disk_to_dev(bd->bd_disk); d && !dev_is_pci(d); d = d->parent)
		;
	KUNIT_ASSERT_NOT_NULL_MSG(test, d, "%s has no PCI device", bdev);
	client = to_pci_dev(d);
	provider = peer_with_p2pmem(client);
	KUNIT_ASSERT_NOT_NULL_MSG(test, provider, "no other NVMe controller with p2pmem");
	kunit_info(test, "%s (%s) reads into the CMB of %s", bdev, pci_name(client),
		   pci_name(provider));
	KUNIT_EXPECT_EQ(test, pci_p2pdma_distance(provider, &client->dev, true), distance);

	buf = pci_alloc_p2pmem(provider, XFER);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	memset(buf, 0, XFER);

	bio = bio_alloc(bd, XFER / PAGE_SIZE, REQ_OP_READ, GFP_KERNEL);
	bio->bi_iter.bi_sector = 0;
	for (i = 0; i < XFER; i += PAGE_SIZE)
		KUNIT_ASSERT_EQ(test, bio_add_page(bio, virt_to_page((void *)buf + i),
						   PAGE_SIZE, 0), (int)PAGE_SIZE);
	ret = submit_bio_wait(bio);
	bio_put(bio);
	KUNIT_EXPECT_EQ(test, ret, 0);

	for (i = 0; i < XFER / 8; i++) {
		if (READ_ONCE(buf[i]) != p2ptest_pattern_word(seed, i) && !bad++)
			first_bad = i;
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, (size_t)0, "first wrong word %zu: %llx, want %llx",
			    first_bad, buf[first_bad], p2ptest_pattern_word(seed, first_bad));
	/* The struct-page path asked the routing engine. */
	KUNIT_EXPECT_GT(test, atomic_long_read(&p2pdma_cache_hits) +
			atomic_long_read(&p2pdma_cache_misses) +
			atomic_long_read(&p2pdma_cache_stale), decided);

	pci_free_p2pmem(provider, buf, XFER);
	pci_dev_put(provider);
	blkdev_put(bd, FMODE_READ);
}

static struct kunit_case nvme_cases[] = {
	KUNIT_CASE(read_namespace_into_peer_cmb),
	{}
};

static struct kunit_suite nvme_suite = {
	.name = "p2pdma-nvme-transfer",
	.test_cases = nvme_cases,
};

p2p_kunit_param_suites(&nvme_suite);

MODULE_DESCRIPTION("KUnit check of real P2P DMA between two QEMU NVMe controllers");
MODULE_LICENSE("GPL");
