// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure sweep of a BAR's export through VFIO and its import
 * through /dev/p2ptest: each operation (VFIO_DEVICE_FEATURE_DMA_BUF's
 * export, mmap of the export, /dev/p2ptest's import, which attaches and
 * maps, and the remap a transfer does after decode off and on through VFIO
 * revoked and restored the buffer) is run again and again with the Nth
 * slab or page allocation of this thread made to fail
 * (/proc/thread-self/fail-nth, N = 1, 2, ...) until it runs with no fault
 * left to inject. After every attempt, whether the fault made the
 * call fail or was absorbed, everything is undone and the kernel must be
 * back where it started:
 *
 *   - no dma-buf of physical ranges alive (debugfs dma_buf/bufinfo: an
 *     attachment or import left behind keeps its buffer there);
 *   - the client's IOMMU page table holds exactly the entries it held
 *     before (Intel IOMMU debugfs), so no IOVA mapping is left behind;
 *   - a failing call failed with ENOMEM, or with the errno its own
 *     contract gives an allocation failure below it.
 *
 * Leaks are the job of the kmemleak scan that ends every VM run. One test
 * per operation (a variant of the faults fixture), which says how many
 * faults it injected.
 *
 *   p2ptest_faults PROVIDER-BDF BAR CLIENT-BDF
 *
 * The provider is bound to vfio-pci, the client to p2ptest. The debugfs
 * knobs of failslab and fail_page_alloc must let every allocation fail
 * (the plan sets ignore-gfp-wait and ignore-gfp-highmem to N, min-order
 * to 0).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_vfio.h"

#define PAGE		4096
#define LEN		(2 * PAGE)	/* two pages: two ranges make two vectors */
#define MAX_NTH		2000	/* an operation needing more is a failure */

enum op { OP_EXPORT, OP_MMAP, OP_IMPORT, OP_REMAP };

/* From the command line. */
static struct p2ptest_pci_addr client;
static uint32_t bar;
static const char *provider_bdf, *client_bdf;

FIXTURE(faults) {
	int ctl;
	int dev;		/* the provider through VFIO */
	int nth_fd;		/* this test's thread's fail-nth */
	long ptes_before;	/* the client's IOMMU entries before the sweep */
};

FIXTURE_VARIANT(faults) {
	enum op op;
};

FIXTURE_VARIANT_ADD(faults, export) { .op = OP_EXPORT };
FIXTURE_VARIANT_ADD(faults, mmap) { .op = OP_MMAP };
FIXTURE_VARIANT_ADD(faults, import) { .op = OP_IMPORT };
FIXTURE_VARIANT_ADD(faults, remap) { .op = OP_REMAP };

FIXTURE_SETUP(faults)
{
	int bufs;

	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
	self->dev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, self->dev)
		TH_LOG("%s through VFIO: %s", provider_bdf, p2ptest_errname(self->dev));
	/* The file of the thread that opens it: this test's, which faults. */
	self->nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	ASSERT_LE(0, self->nth_fd) TH_LOG("/proc/thread-self/fail-nth: %s", strerror(errno));
	bufs = p2ptest_count_phys_bufs();
	ASSERT_EQ(0, bufs) TH_LOG("%s: %d dma-bufs of physical ranges before the sweep",
				  P2PTEST_BUFINFO, bufs);
	self->ptes_before = p2ptest_count_iommu_ptes(client_bdf);
}

/* Decode on, whatever an attempt that failed half-way left. */
FIXTURE_TEARDOWN(faults)
{
	int ret = __vfio_set_decode(self->dev, true);

	EXPECT_ERRNO(0, ret);
	close(self->nth_fd);
	close(self->dev);
	close(self->ctl);
}

static void set_nth(struct __test_metadata *_metadata, int nth_fd, unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	ASSERT_EQ(len, pwrite(nth_fd, s, (size_t)len, 0)) TH_LOG("fail-nth: %s", strerror(errno));
}

/* True when the fault set up by set_nth() was injected. */
static bool injected(struct __test_metadata *_metadata, int nth_fd)
{
	char s[16] = "";

	EXPECT_LT(0, pread(nth_fd, s, sizeof(s) - 1, 0)) TH_LOG("fail-nth: %s", strerror(errno));
	return atoi(s) == 0;
}

/* The errnos an allocation failure may surface as in @op. */
static bool allowed_errno(enum op op, int err)
{
	if (err == ENOMEM)
		return true;
	/* A failed remap is reported by TRANSFER as a lost mapping. */
	return op == OP_REMAP && err == ENODEV;
}

/*
 * Export two pages of the BAR apart as LEN bytes: the fd, or -errno. The
 * argument is on the stack, not calloc()ed as __vfio_dma_buf_export() does:
 * a brk() of malloc's could take the fault meant for the export.
 */
static int export(int dev)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf d;
		struct vfio_region_dma_range r[2];
	} arg = {
		.f = { .argsz = sizeof(arg),
		       .flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF },
		.d = { .region_index = bar, .open_flags = O_RDWR | O_CLOEXEC, .nr_ranges = 2 },
		.r = { { 0, PAGE }, { 2 * PAGE, PAGE } },
	};

	return __vfio_device_feature(dev, &arg.f);
}

/* Import @fd for the client: 0 or -errno; the handle in *@handle. */
static int import_buf(int ctl, int fd, uint32_t *handle)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(ctl, fd, &client, &imp);

	*handle = imp.handle;
	return ret;
}

/*
 * One attempt at @op with the @nth allocation failing. Returns the call's
 * result (0 or -errno) and sets *@hit when the fault was injected; undoes
 * everything before returning. What comes before the call runs without a
 * fault, and must work.
 */
static int attempt(struct __test_metadata *_metadata, FIXTURE_DATA(faults) *self,
		   enum op op, unsigned int nth, bool *hit)
{
	unsigned char byte = 0x5a;
	int fd = -1, ret = 0;
	uint32_t handle = 0;
	bool imported = false;
	void *p = MAP_FAILED;

	if (op != OP_EXPORT) {
		fd = export(self->dev);
		ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	}
	if (op == OP_REMAP) {
		/*
		 * Imported, then revoked and restored by memory decode off and
		 * on: the next transfer maps again.
		 */
		ret = import_buf(self->ctl, fd, &handle);
		ASSERT_ERRNO(0, ret);
		imported = true;
		ret = __vfio_set_decode(self->dev, false);
		ASSERT_ERRNO(0, ret);
		ret = __vfio_set_decode(self->dev, true);
		ASSERT_ERRNO(0, ret);
	}

	set_nth(_metadata, self->nth_fd, nth);
	switch (op) {
	case OP_EXPORT:
		fd = export(self->dev);
		ret = fd < 0 ? fd : 0;
		break;
	case OP_MMAP:
		/* munmap() comes after the fault: it allocates too. */
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ret = p == MAP_FAILED ? -errno : 0;
		break;
	case OP_IMPORT:
		ret = import_buf(self->ctl, fd, &handle);
		imported = !ret;
		break;
	case OP_REMAP:
		ret = __p2ptest_transfer(self->ctl, handle, P2PTEST_TO_BUFFER, 0, &byte, 1);
		break;
	}
	*hit = injected(_metadata, self->nth_fd);
	set_nth(_metadata, self->nth_fd, 0);
	if (p != MAP_FAILED)
		munmap(p, LEN);
	if (imported) {
		int err = __p2ptest_unimport(self->ctl, handle);

		EXPECT_ERRNO(0, err);
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/*
 * The sweep of one operation: a fault at every allocation in turn, until
 * the operation runs with none left to inject; then it must work.
 */
TEST_F_TIMEOUT(faults, unwound, P2PTEST_TIMEOUT)
{
	unsigned int nth, faults = 0;
	bool hit = true;
	long ptes;
	int ret = 0, bufs;

	for (nth = 1; hit && nth <= MAX_NTH; nth++) {
		ret = attempt(_metadata, self, variant->op, nth, &hit);
		bufs = p2ptest_count_phys_bufs();
		ASSERT_EQ(0, bufs) TH_LOG("fault %u left %d dma-buf(s) alive", nth, bufs);
		ptes = p2ptest_count_iommu_ptes(client_bdf);
		ASSERT_EQ(self->ptes_before, ptes)
			TH_LOG("fault %u left %ld IOMMU entries for %s (had %ld)", nth, ptes,
			       client_bdf, self->ptes_before);
		if (hit) {
			faults++;
			ASSERT_TRUE(!ret || allowed_errno(variant->op, -ret))
				TH_LOG("fault %u gave %s", nth, p2ptest_errname(ret));
		}
	}
	ASSERT_FALSE(hit) TH_LOG("still injecting after %u faults", MAX_NTH);
	EXPECT_EQ(0, ret) TH_LOG("fails without a fault: %s", p2ptest_errname(ret));
	TH_LOG("%u faults injected, each unwound", faults);
}

int main(int argc, char **argv)
{
	if (argc != 4 || p2ptest_parse_bdf(argv[3], &client)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR CLIENT-BDF\n", argv[0]);
		return 2;
	}
	provider_bdf = argv[1];
	bar = (uint32_t)atoi(argv[2]);
	client_bdf = argv[3];
	return test_harness_run(argc, argv);
}
