// SPDX-License-Identifier: GPL-2.0
/*
 * VFIO_DEVICE_FEATURE_DMA_BUF from user space, as a program written against
 * mainline's <linux/vfio.h> uses it: a device bound to vfio-pci exports
 * ranges of a memory BAR as a dma-buf, /dev/p2ptest imports it for a client
 * device whose DMA engine (QEMU's edu) then reads and writes it, and every
 * byte is checked through VFIO's own access to the BAR.
 *
 *   vfio_dmabuf EXPORTER-BDF BAR CLIENT-BDF
 *
 * The exporter is bound to vfio-pci, the client to p2ptest, and the host
 * bridge between them allow-listed (the plan does all three). One line per
 * case, "ok NAME" or "not ok NAME: why"; exit status 1 if one failed:
 *
 *   probe               the feature is there for GET, refused for SET;
 *   errno/NAME          each bad argument gets mainline's errno and leaves
 *                       no file descriptor or buffer behind;
 *   export              two ranges make one buffer of their total size;
 *   import              the client maps it (not as system memory);
 *   transfer            edu writes a pattern into both ranges and reads
 *                       another back: every byte as VFIO sees it;
 *   revoke-decode       memory decode turned off through VFIO's config
 *                       space revokes the buffer (transfers: ENODEV) and
 *                       turning it on gives it back;
 *   revoke-reset        VFIO_DEVICE_RESET revokes and restores it: the
 *                       import is unmapped (behind an IOMMU, edu's page
 *                       table loses its entries) and maps again;
 *   export-vs-decode    an export parked (on a userfaultfd page) while
 *                       it reads its ranges, across decode turned off
 *                       through VFIO, starts revoked (import: ENODEV) and
 *                       is restored when decode comes back;
 *   revoke-waits-for-transfer  decode turned off through VFIO while edu's
 *                       DMA into the buffer runs returns only once the DMA
 *                       is over: the data is in the BAR (a DMA let run past
 *                       the revoke would hit a BAR that no longer decodes,
 *                       or behind an IOMMU an unmapped address);
 *   revoke-close        closing the device revokes it for good, and the
 *                       buffer is freed once its last user lets go.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/vfio.h>

#include "p2ptest_client.h"
#include "p2ptest_park.h"
#include "p2ptest_vfio.h"

#define PAGE		4096u
#define RANGE0_OFF	0x0000u
#define RANGE1_OFF	0x10000u
#define RANGE_LEN	0x2000u

_Static_assert(VFIO_DEVICE_FEATURE_DMA_BUF == 11, "mainline's feature number");
_Static_assert(sizeof(struct vfio_device_feature_dma_buf) == 16, "mainline's layout");
_Static_assert(sizeof(struct vfio_region_dma_range) == 16, "mainline's layout");

static int failed;
static int dev_fd = -1, ctl = -1;
static uint32_t bar;
static struct p2ptest_pci_addr client;
static struct vfio_region_info bar_info;

static void result(const char *name, const char *why)
{
	if (why) {
		printf("not ok %s: %s\n", name, why);
		failed = 1;
	} else {
		printf("ok %s\n", name);
	}
}

/* One VFIO_DEVICE_FEATURE call for a DMA_BUF feature: its result, or -errno. */
static int feature(uint32_t flags, uint32_t argsz, uint32_t region, uint32_t dflags,
		   uint32_t nr, const struct vfio_region_dma_range *ranges)
{
	struct {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf d;
		struct vfio_region_dma_range r[2];
	} arg = {
		.f.argsz = argsz, .f.flags = flags,
		.d = { .region_index = region, .open_flags = O_RDWR | O_CLOEXEC,
		       .flags = dflags, .nr_ranges = nr },
	};

	memcpy(arg.r, ranges, sizeof(arg.r));
	return __vfio_device_feature(dev_fd, &arg.f);
}

#define GET	(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF)
#define FULL	((uint32_t)(sizeof(struct vfio_device_feature) + 16 + 2 * 16))

static const struct vfio_region_dma_range two[2] = {
	{ RANGE0_OFF, RANGE_LEN }, { RANGE1_OFF, RANGE_LEN },
};

static void check_probe(void)
{
	int get = feature(GET | VFIO_DEVICE_FEATURE_PROBE, FULL, bar, 0, 2, two);
	int set = feature(VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_PROBE |
			  VFIO_DEVICE_FEATURE_DMA_BUF, FULL, bar, 0, 2, two);
	char why[96];

	snprintf(why, sizeof(why), "probe of GET %d, of SET %d (want 0, -EINVAL)", get, set);
	result("probe", get == 0 && set == -EINVAL ? NULL : why);
}

/* Each bad argument: its errno, and nothing left behind. */
static void check_errnos(uint64_t bar_len)
{
	const struct {
		const char *name;
		uint32_t flags, argsz, region, dflags, nr;
		struct vfio_region_dma_range r[2];
		int err;
	} t[] = {
		{ "set", VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_DMA_BUF, FULL, bar, 0, 1,
		  { { 0, PAGE } }, EINVAL },
		{ "argsz-short", GET, sizeof(struct vfio_device_feature) + 8, bar, 0, 1,
		  { { 0, PAGE } }, EINVAL },
		{ "flags", GET, FULL, bar, 1, 1, { { 0, PAGE } }, EINVAL },
		{ "no-ranges", GET, FULL, bar, 0, 0, { { 0, PAGE } }, EINVAL },
		{ "rom-region", GET, FULL, VFIO_PCI_ROM_REGION_INDEX, 0, 1, { { 0, PAGE } },
		  ENODEV },
		{ "config-region", GET, FULL, VFIO_PCI_CONFIG_REGION_INDEX, 0, 1,
		  { { 0, PAGE } }, ENODEV },
		{ "empty-bar", GET, FULL, bar == 1 ? 3 : 1, 0, 1, { { 0, PAGE } }, EINVAL },
		{ "zero-length", GET, FULL, bar, 0, 1, { { 0, 0 } }, EINVAL },
		{ "unaligned-offset", GET, FULL, bar, 0, 1, { { 8, PAGE } }, EINVAL },
		{ "unaligned-length", GET, FULL, bar, 0, 1, { { 0, PAGE + 8 } }, EINVAL },
		{ "past-bar", GET, FULL, bar, 0, 1, { { bar_len - PAGE, 2 * PAGE } }, EINVAL },
		{ "second-past-bar", GET, FULL, bar, 0, 2, { { 0, PAGE }, { bar_len, PAGE } },
		  EINVAL },
		{ "offset-overflow", GET, FULL, bar, 0, 1, { { ~0ull & ~(uint64_t)(PAGE - 1), PAGE } },
		  EOVERFLOW },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int fds = p2ptest_count_fds(), bufs = p2ptest_count_phys_bufs();
		int ret = feature(t[i].flags, t[i].argsz, t[i].region, t[i].dflags, t[i].nr,
				  t[i].r);
		char name[64], why[128];

		snprintf(name, sizeof(name), "errno/%s", t[i].name);
		if (ret >= 0)
			close(ret);
		if (ret != -t[i].err)
			snprintf(why, sizeof(why), "got %d (%s), want -%s", ret,
				 ret < 0 ? strerror(-ret) : "an fd", strerrorname_np(t[i].err));
		else if (p2ptest_count_fds() != fds || p2ptest_count_phys_bufs() != bufs)
			snprintf(why, sizeof(why), "left %d fd(s) and %d buffer(s) behind",
				 p2ptest_count_fds() - fds, p2ptest_count_phys_bufs() - bufs);
		else
			why[0] = 0;
		result(name, why[0] ? why : NULL);
	}
}

static int import(int dmabuf, uint32_t *handle, char *why, size_t n)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(ctl, dmabuf, &client, &imp);

	if (ret) {
		snprintf(why, n, "IMPORT: %s", strerror(-ret));
		return ret;
	}
	*handle = imp.handle;
	if (imp.route == P2PTEST_ROUTE_SYSTEM) {
		snprintf(why, n, "mapped as system memory");
		return -EINVAL;
	}
	return 0;
}

/* Buffer offset @off as a BAR offset: the two ranges back to back. */
static uint64_t bar_off(uint64_t off)
{
	return off < RANGE_LEN ? RANGE0_OFF + off : RANGE1_OFF + off - RANGE_LEN;
}

static int bar_io(bool write, uint64_t off, uint8_t *p, size_t len)
{
	size_t i;

	/* One byte at a time: the offsets are not contiguous in the BAR. */
	for (i = 0; i < len; i++) {
		off_t at = bar_info.offset + bar_off(off + i);
		ssize_t r = write ? pwrite(dev_fd, p + i, 1, at) : pread(dev_fd, p + i, 1, at);

		if (r != 1)
			return -1;
	}
	return 0;
}

/*
 * edu writes a pattern into the end of the first range and the start of the
 * second, then reads another back from both: one transfer per range, since
 * without an IOMMU the ranges are two DMA vectors.
 */
static const char *round_trip(uint32_t handle, unsigned int seed)
{
	static char why[128];
	enum { LEN = 1024 };
	const uint64_t offs[2] = { RANGE_LEN - LEN, RANGE_LEN };
	uint8_t out[LEN], in[LEN];
	int c, i, ret;

	for (c = 0; c < 2; c++) {
		for (i = 0; i < LEN; i++)
			out[i] = (uint8_t)(seed * 31 + c * 101 + i * 7 + (i >> 8));
		ret = __p2ptest_transfer(ctl, handle, P2PTEST_TO_BUFFER, offs[c], out, LEN);
		if (ret)
			return snprintf(why, sizeof(why), "TO_BUFFER at %#llx: %s",
					(unsigned long long)offs[c], strerror(-ret)), why;
		if (bar_io(false, offs[c], in, LEN))
			return "reading the BAR through VFIO failed";
		for (i = 0; i < LEN; i++)
			if (in[i] != out[i])
				return snprintf(why, sizeof(why),
						"buffer byte %#llx in the BAR: %#x, edu wrote %#x",
						(unsigned long long)offs[c] + i, in[i], out[i]), why;
		for (i = 0; i < LEN; i++)
			out[i] = (uint8_t)~(seed + c * 57 + i * 13);
		if (bar_io(true, offs[c], out, LEN))
			return "writing the BAR through VFIO failed";
		ret = __p2ptest_transfer(ctl, handle, P2PTEST_FROM_BUFFER, offs[c], in, LEN);
		if (ret)
			return snprintf(why, sizeof(why), "FROM_BUFFER at %#llx: %s",
					(unsigned long long)offs[c], strerror(-ret)), why;
		for (i = 0; i < LEN; i++)
			if (in[i] != out[i])
				return snprintf(why, sizeof(why),
						"buffer byte %#llx read by edu: %#x, the BAR has %#x",
						(unsigned long long)offs[c] + i, in[i], out[i]), why;
	}
	return NULL;
}


/* A transfer of the revoked buffer must fail with ENODEV. */
static const char *expect_revoked(uint32_t handle)
{
	static char why[96];
	uint8_t b[64] = { 0 };
	int ret = __p2ptest_transfer(ctl, handle, P2PTEST_TO_BUFFER, 0, b, sizeof(b));

	if (ret == -ENODEV)
		return NULL;
	snprintf(why, sizeof(why), "a transfer while revoked: %s, want ENODEV",
		 ret ? strerror(-ret) : "succeeded");
	return why;
}

static void unimport(uint32_t handle)
{
	__p2ptest_unimport(ctl, handle);
}

/*
 * Export the two ranges with the ranges array on a parked page, turn
 * decode off through VFIO while the export waits for it, then let it go.
 */
static const char *export_vs_decode(void)
{
	static char why[128];
	struct feature_head {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf d;
	} *arg;
	struct park p = { .uffd = -1 };
	uint32_t handle;
	struct call c;
	int err, ret;

	err = park_init(&p);
	if (err)
		return snprintf(why, sizeof(why), "userfaultfd: %s", strerror(-err)), why;
	/* The header ends where the parked page, the ranges, begins. */
	arg = (void *)((char *)p.page - sizeof(*arg));
	*arg = (struct feature_head){
		.f = { .argsz = FULL, .flags = GET },
		.d = { .region_index = bar, .open_flags = O_RDWR | O_CLOEXEC, .nr_ranges = 2 },
	};
	call_start(&c, dev_fd, VFIO_DEVICE_FEATURE, arg);
	err = park_wait(&p);
	if (!err && __vfio_set_decode(dev_fd, false))
		err = -EIO;
	park_release(&p, two, sizeof(two));
	pthread_join(c.thread, NULL);
	park_fini(&p);
	if (err || c.ret < 0) {
		__vfio_set_decode(dev_fd, true);
		if (c.ret >= 0)
			close(c.ret);
		return snprintf(why, sizeof(why), "%s: %s", err ? "parking" : "the export",
				strerror(err ? -err : c.err)), why;
	}
	ret = import(c.ret, &handle, why, sizeof(why));
	if (!ret)
		unimport(handle);
	if (ret != -ENODEV) {
		__vfio_set_decode(dev_fd, true);
		close(c.ret);
		return snprintf(why, sizeof(why),
				"an import of a buffer made while decode was off: %s, want ENODEV",
				ret ? strerror(-ret) : "succeeded"), why;
	}
	why[0] = 0;
	if (__vfio_set_decode(dev_fd, true))
		snprintf(why, sizeof(why), "turning decode on failed");
	else if (!import(c.ret, &handle, why, sizeof(why))) {
		const char *r = round_trip(handle, 4);

		if (r)
			snprintf(why, sizeof(why), "restored: %s", r);
		unimport(handle);
	}
	close(c.ret);
	return why[0] ? why : NULL;
}

/*
 * edu writes into the buffer (a DMA of about 100 ms under QEMU) while
 * another thread turns decode off through VFIO: the revoke must wait for
 * the transfer, which holds the buffer's reservation lock, so the data is
 * in the BAR once decode is back.
 */
static const char *revoke_waits_for_transfer(uint32_t handle)
{
	static uint8_t out[1024];
	static char why[128];
	struct p2ptest_transfer t = {
		.handle = handle, .direction = P2PTEST_TO_BUFFER, .length = sizeof(out),
		.data = (uint64_t)(uintptr_t)out,
	};
	uint8_t in[sizeof(out)];
	const char *revoked;
	bool in_dma;
	size_t i;
	struct call c;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 5 + 3);
	call_start(&c, ctl, P2PTEST_IOC_TRANSFER, &t);
	/* Asleep uninterruptibly: edu's DMA is running, the lock held. */
	in_dma = call_blocks(&c);
	if (__vfio_set_decode(dev_fd, false))
		snprintf(why, sizeof(why), "turning decode off failed");
	else
		why[0] = 0;
	pthread_join(c.thread, NULL);
	revoked = why[0] ? NULL : expect_revoked(handle);
	if (!why[0] && !in_dma)
		snprintf(why, sizeof(why), "the transfer ended before it was seen in its DMA");
	else if (!why[0] && c.ret)
		snprintf(why, sizeof(why), "the transfer: %s", strerror(c.err));
	else if (!why[0] && revoked)
		snprintf(why, sizeof(why), "%s", revoked);
	if (__vfio_set_decode(dev_fd, true) && !why[0])
		snprintf(why, sizeof(why), "turning decode on failed");
	if (!why[0] && bar_io(false, 0, in, sizeof(in)))
		snprintf(why, sizeof(why), "reading the BAR through VFIO failed");
	for (i = 0; !why[0] && i < sizeof(in); i++)
		if (in[i] != out[i])
			snprintf(why, sizeof(why),
				 "buffer byte %#zx in the BAR: %#x, edu wrote %#x: the revoke did not wait for the DMA",
				 i, in[i], out[i]);
	return why[0] ? why : NULL;
}

int main(int argc, char **argv)
{
	char why[128] = "";
	const char *r;
	uint32_t handle = 0;
	int dmabuf, ret;
	off_t size;
	long ptes;

	if (argc != 4 || p2ptest_parse_bdf(argv[3], &client)) {
		fprintf(stderr, "usage: %s EXPORTER-BDF BAR CLIENT-BDF\n", argv[0]);
		return 2;
	}
	bar = (uint32_t)strtoul(argv[2], NULL, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev_fd = __vfio_open_device(argv[1]);
	ret = dev_fd < 0 ? dev_fd : __vfio_region_info(dev_fd, bar, &bar_info);
	if (ret) {
		fprintf(stderr, "%s: %s through VFIO: %s\n", argv[0], argv[1], strerror(-ret));
		return 2;
	}
	ctl = p2ptest_open();
	if (ctl < 0) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], P2PTEST_DEV, strerror(-ctl));
		return 2;
	}

	check_probe();
	check_errnos(bar_info.size);

	dmabuf = __vfio_dma_buf_export(dev_fd, bar, two, 2);
	size = dmabuf >= 0 ? lseek(dmabuf, 0, SEEK_END) : -1;
	if (dmabuf < 0)
		snprintf(why, sizeof(why), "%s", strerror(-dmabuf));
	else if (size != 2 * RANGE_LEN)
		snprintf(why, sizeof(why), "size %lld, want %u", (long long)size, 2 * RANGE_LEN);
	result("export", why[0] ? why : NULL);
	if (dmabuf < 0)
		return 1;

	why[0] = 0;
	import(dmabuf, &handle, why, sizeof(why));
	result("import", why[0] ? why : NULL);
	if (why[0])
		return 1;
	result("transfer", round_trip(handle, 1));

	r = __vfio_set_decode(dev_fd, false) ? "turning decode off failed" : expect_revoked(handle);
	if (!r && __vfio_set_decode(dev_fd, true))
		r = "turning decode on failed";
	result("revoke-decode", r ? r : round_trip(handle, 2));

	/*
	 * The reset revokes and restores the buffer: the import is unmapped
	 * (move_notify) until the next transfer maps it again. Behind a
	 * translating IOMMU that shows as edu's page-table entries going.
	 */
	ptes = p2ptest_count_iommu_ptes(argv[3]);
	if (ioctl(dev_fd, VFIO_DEVICE_RESET)) {
		snprintf(why, sizeof(why), "VFIO_DEVICE_RESET: %s", strerror(errno));
		r = why;
	} else if (ptes > 0 && p2ptest_count_iommu_ptes(argv[3]) >= ptes) {
		snprintf(why, sizeof(why), "edu kept its %ld IOMMU entries: the import was not unmapped",
			 ptes);
		r = why;
	} else {
		r = round_trip(handle, 3);
	}
	result("revoke-reset", r);
	result("export-vs-decode", export_vs_decode());
	result("revoke-waits-for-transfer", revoke_waits_for_transfer(handle));

	close(dev_fd);
	r = expect_revoked(handle);
	if (!r) {
		uint32_t again;

		if (__p2ptest_unimport(ctl, handle))
			r = "UNIMPORT failed";
		else if (import(dmabuf, &again, why, sizeof(why)) != -ENODEV)
			r = "a new import of the closed device's buffer did not fail with ENODEV";
		close(dmabuf);
		if (!r && p2ptest_count_phys_bufs() != 0)
			r = "the buffer outlived its last user";
	}
	result("revoke-close", r);
	close(ctl);
	return failed;
}
