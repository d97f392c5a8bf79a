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
 * bridge between them allow-listed (the plan does all three). One test
 * each:
 *
 *   probe               the feature is there for GET, refused for SET;
 *   bad_export.NAME     each row of the export's errno table
 *                       (lib/p2ptest/contract.c) gets its errno and leaves
 *                       no file descriptor or buffer behind;
 *   every_row_tested    each row of that table is a bad_export variant;
 *   export              two ranges make one buffer of their total size;
 *   import              the client maps it (not as system memory);
 *   export_vs_decode    an export parked (on a userfaultfd page) while
 *                       it reads its ranges, across decode turned off
 *                       through VFIO, starts revoked (import: ENODEV) and
 *                       is restored when decode comes back;
 *
 * and, with that buffer imported (the imported fixture):
 *
 *   transfer            edu writes a pattern into both ranges and reads
 *                       another back: every byte as VFIO sees it;
 *   revoke_decode       memory decode turned off through VFIO's config
 *                       space revokes the buffer (transfers: ENODEV) and
 *                       turning it on gives it back;
 *   revoke_reset        VFIO_DEVICE_RESET revokes and restores it: the
 *                       import is unmapped (behind an IOMMU, edu's page
 *                       table loses its entries) and maps again;
 *   revoke_waits_for_transfer  decode turned off through VFIO while edu's
 *                       DMA into the buffer runs returns only once the DMA
 *                       is over: the data is in the BAR (a DMA let run past
 *                       the revoke would hit a BAR that no longer decodes,
 *                       or behind an IOMMU an unmapped address);
 *   revoke_close        closing the device revokes it for good, and the
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
#include "p2ptest_harness.h"
#include "p2ptest_park.h"
#include "p2ptest_vfio.h"

#define RANGE0_OFF	0x0000u
#define RANGE1_OFF	0x10000u
#define RANGE_LEN	0x2000u

_Static_assert(VFIO_DEVICE_FEATURE_DMA_BUF == 11, "mainline's feature number");
_Static_assert(sizeof(struct vfio_device_feature_dma_buf) == 16, "mainline's layout");
_Static_assert(sizeof(struct vfio_region_dma_range) == 16, "mainline's layout");

/* From the command line. */
static const char *exporter_bdf, *client_bdf;
static uint32_t bar;
static struct p2ptest_pci_addr client;

/* The exporter through VFIO, and /dev/p2ptest: what every test opens. */
struct exporter {
	int dev;			/* -1 once closed */
	int ctl;
	struct vfio_region_info bar_info;
};

static void open_exporter(struct __test_metadata *_metadata, struct exporter *x)
{
	int ret;

	x->dev = __vfio_open_device(exporter_bdf);
	ASSERT_LE(0, x->dev) TH_LOG("%s through VFIO: %s", exporter_bdf, p2ptest_errname(x->dev));
	ret = __vfio_region_info(x->dev, bar, &x->bar_info);
	ASSERT_ERRNO(0, ret);
	x->ctl = p2ptest_open();
	ASSERT_LE(0, x->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(x->ctl));
}

/* Decode on, as the next test needs it, whatever this one did. */
static void close_exporter(struct __test_metadata *_metadata, struct exporter *x)
{
	int ret;

	close(x->ctl);
	if (x->dev < 0)
		return;
	ret = __vfio_set_decode(x->dev, true);
	EXPECT_ERRNO(0, ret);
	close(x->dev);
}

/* A probe of the DMA_BUF feature for @op, GET or SET: 0 or -errno. */
static int probe(struct exporter *x, uint32_t op)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = op | VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_DMA_BUF,
	};

	return __vfio_device_feature(x->dev, &f);
}

#define GET	(VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF)
#define FULL	((uint32_t)(sizeof(struct vfio_device_feature) + 16 + 2 * 16))

static const struct vfio_region_dma_range two[2] = {
	{ RANGE0_OFF, RANGE_LEN }, { RANGE1_OFF, RANGE_LEN },
};

/*
 * Import @dmabuf for the client, which must map it other than as system
 * memory: the handle in *@handle.
 */
static void import_buf(struct __test_metadata *_metadata, struct exporter *x, int dmabuf,
		       uint32_t *handle)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(x->ctl, dmabuf, &client, &imp);

	ASSERT_ERRNO(0, ret);
	*handle = imp.handle;
	EXPECT_NE(P2PTEST_ROUTE_SYSTEM, imp.route) TH_LOG("mapped as system memory");
}

/* Buffer offset @off as a BAR offset: the two ranges back to back. */
static uint64_t bar_off(uint64_t off)
{
	return off < RANGE_LEN ? RANGE0_OFF + off : RANGE1_OFF + off - RANGE_LEN;
}

static int bar_io(struct exporter *x, bool write, uint64_t off, uint8_t *p, size_t len)
{
	size_t i;

	/* One byte at a time: the offsets are not contiguous in the BAR. */
	for (i = 0; i < len; i++) {
		off_t at = x->bar_info.offset + bar_off(off + i);
		ssize_t r = write ? pwrite(x->dev, p + i, 1, at) : pread(x->dev, p + i, 1, at);

		if (r != 1)
			return -1;
	}
	return 0;
}

/* The first differing byte of two buffers, or -1. */
static long first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

/*
 * edu writes a pattern into the end of the first range and the start of the
 * second, then reads another back from both: one transfer per range, since
 * without an IOMMU the ranges are two DMA vectors.
 */
static void round_trip(struct __test_metadata *_metadata, struct exporter *x, uint32_t handle,
		       unsigned int seed)
{
	enum { LEN = 1024 };
	const uint64_t offs[2] = { RANGE_LEN - LEN, RANGE_LEN };
	uint8_t out[LEN], in[LEN];
	int c, i, ret;
	long diff;

	for (c = 0; c < 2; c++) {
		for (i = 0; i < LEN; i++)
			out[i] = (uint8_t)(seed * 31 + c * 101 + i * 7 + (i >> 8));
		ret = __p2ptest_transfer(x->ctl, handle, P2PTEST_TO_BUFFER, offs[c], out, LEN);
		ASSERT_EQ(0, ret) TH_LOG("TO_BUFFER at %#llx: %s", (unsigned long long)offs[c],
					 p2ptest_errname(ret));
		ASSERT_EQ(0, bar_io(x, false, offs[c], in, LEN))
			TH_LOG("reading the BAR through VFIO failed");
		diff = first_diff(in, out, LEN);
		ASSERT_EQ(-1, diff) TH_LOG("buffer byte %#llx in the BAR: %#x, edu wrote %#x",
					   (unsigned long long)offs[c] + diff, in[diff], out[diff]);
		for (i = 0; i < LEN; i++)
			out[i] = (uint8_t)~(seed + c * 57 + i * 13);
		ASSERT_EQ(0, bar_io(x, true, offs[c], out, LEN))
			TH_LOG("writing the BAR through VFIO failed");
		ret = __p2ptest_transfer(x->ctl, handle, P2PTEST_FROM_BUFFER, offs[c], in, LEN);
		ASSERT_EQ(0, ret) TH_LOG("FROM_BUFFER at %#llx: %s", (unsigned long long)offs[c],
					 p2ptest_errname(ret));
		diff = first_diff(in, out, LEN);
		ASSERT_EQ(-1, diff) TH_LOG("buffer byte %#llx read by edu: %#x, the BAR has %#x",
					   (unsigned long long)offs[c] + diff, in[diff], out[diff]);
	}
}

/* A transfer of the revoked buffer must fail with ENODEV. */
static void expect_revoked(struct __test_metadata *_metadata, struct exporter *x,
			   uint32_t handle)
{
	uint8_t b[64] = { 0 };
	int ret = __p2ptest_transfer(x->ctl, handle, P2PTEST_TO_BUFFER, 0, b, sizeof(b));

	EXPECT_EQ(-ENODEV, ret)
		TH_LOG("a transfer while revoked: %s, want ENODEV", p2ptest_errname(ret));
}

FIXTURE(vfio) {
	struct exporter x;
};

FIXTURE_SETUP(vfio)
{
	open_exporter(_metadata, &self->x);
}

FIXTURE_TEARDOWN(vfio)
{
	close_exporter(_metadata, &self->x);
}

TEST_F_TIMEOUT(vfio, probe, P2PTEST_TIMEOUT)
{
	int get = probe(&self->x, VFIO_DEVICE_FEATURE_GET);
	int set = probe(&self->x, VFIO_DEVICE_FEATURE_SET);

	EXPECT_ERRNO(0, get);
	EXPECT_ERRNO(EINVAL, set);
}

TEST_F_TIMEOUT(vfio, export, P2PTEST_TIMEOUT)
{
	int dmabuf = __vfio_dma_buf_export(self->x.dev, bar, two, 2);
	off_t size;

	ASSERT_LE(0, dmabuf) TH_LOG("%s", p2ptest_errname(dmabuf));
	size = lseek(dmabuf, 0, SEEK_END);
	close(dmabuf);
	EXPECT_EQ(2 * RANGE_LEN, size);
}

TEST_F_TIMEOUT(vfio, import, P2PTEST_TIMEOUT)
{
	int dmabuf = __vfio_dma_buf_export(self->x.dev, bar, two, 2), ret;
	uint32_t handle;

	ASSERT_LE(0, dmabuf) TH_LOG("export: %s", p2ptest_errname(dmabuf));
	import_buf(_metadata, &self->x, dmabuf, &handle);
	ret = __p2ptest_unimport(self->x.ctl, handle);
	close(dmabuf);
	EXPECT_ERRNO(0, ret);
}

/*
 * Export the two ranges with the ranges array on a parked page, turn
 * decode off through VFIO while the export waits for it, then let it go.
 * edu's DMA, threads waiting for each other: no bound of time.
 */
TEST_F_TIMEOUT(vfio, export_vs_decode, P2PTEST_TIMEOUT)
{
	struct feature_head {
		struct vfio_device_feature f;
		struct vfio_device_feature_dma_buf d;
	} *arg;
	struct park p = { .uffd = -1 };
	struct p2ptest_import imp;
	uint32_t handle;
	struct call c;
	int err, ret;

	err = park_init(&p);
	ASSERT_ERRNO(0, err);
	/* The header ends where the parked page, the ranges, begins. */
	arg = (void *)((char *)p.page - sizeof(*arg));
	*arg = (struct feature_head){
		.f = { .argsz = FULL, .flags = GET },
		.d = { .region_index = bar, .open_flags = O_RDWR | O_CLOEXEC, .nr_ranges = 2 },
	};
	call_start(&c, self->x.dev, VFIO_DEVICE_FEATURE, arg);
	err = park_wait(&p);
	if (!err)
		err = __vfio_set_decode(self->x.dev, false);
	park_release(&p, two, sizeof(two));
	pthread_join(c.thread, NULL);
	park_fini(&p);
	ASSERT_ERRNO(0, err);
	ASSERT_LE(0, c.ret) TH_LOG("the export: %s", strerror(c.err));

	ret = __p2ptest_import(self->x.ctl, c.ret, &client, &imp);
	if (!ret)
		__p2ptest_unimport(self->x.ctl, imp.handle);
	/* An import of a buffer made while decode was off. */
	EXPECT_ERRNO(ENODEV, ret);
	ret = __vfio_set_decode(self->x.dev, true);
	ASSERT_ERRNO(0, ret);
	import_buf(_metadata, &self->x, c.ret, &handle);
	round_trip(_metadata, &self->x, handle, 4);
	ret = __p2ptest_unimport(self->x.ctl, handle);
	EXPECT_ERRNO(0, ret);
	close(c.ret);
}

/*
 * The rows of p2ptest_vfio_bad_exports[] (lib/p2ptest/contract.c), named
 * as there with _ for -: each is a variant of the bad_export fixture, which
 * takes its bad argument and errno from the row. A row added there and
 * not here fails every_row_tested.
 */
#define BAD_EXPORT_ROWS(X) \
	X(argsz_tiny) X(argsz_short) X(set) X(get_and_set) X(no_get_or_set) \
	X(unknown_feature_flag) X(flags) X(no_ranges) X(rom_region) X(config_region) \
	X(empty_bar) X(huge_nr_ranges) X(zero_length) X(unaligned_offset) \
	X(unaligned_length) X(past_bar) X(second_past_bar) X(offset_overflow) \
	X(bar_address_overflow) X(length_overflow) X(total_too_big) X(feature_unmapped) \
	X(dma_buf_unmapped) X(ranges_unmapped)

/* Whether @id names the row called @name: "zero_length", "zero-length". */
static bool names_row(const char *id, const char *name)
{
	for (; *id && *name; id++, name++)
		if (*id != (*name == '-' ? '_' : *name))
			return false;
	return !*id && !*name;
}

static const struct p2ptest_vfio_bad_export *row_named(const char *id)
{
	size_t i;

	for (i = 0; i < p2ptest_vfio_nr_bad_exports; i++)
		if (names_row(id, p2ptest_vfio_bad_exports[i].name))
			return &p2ptest_vfio_bad_exports[i];
	return NULL;
}

FIXTURE(bad_export) {
	struct exporter x;
	const struct p2ptest_vfio_bad_export *row;
};

FIXTURE_VARIANT(bad_export) {
	const char *row;
};

#define BAD_EXPORT_VARIANT(id) FIXTURE_VARIANT_ADD(bad_export, id) { .row = #id };
BAD_EXPORT_ROWS(BAD_EXPORT_VARIANT)

FIXTURE_SETUP(bad_export)
{
	self->row = row_named(variant->row);
	ASSERT_NE(NULL, self->row)
		TH_LOG("no row %s in p2ptest_vfio_bad_exports[]", variant->row);
	open_exporter(_metadata, &self->x);
}

FIXTURE_TEARDOWN(bad_export)
{
	close_exporter(_metadata, &self->x);
}

/* Its errno, and nothing left behind. */
TEST_F_TIMEOUT(bad_export, refused, P2PTEST_TIMEOUT)
{
	int fds = p2ptest_count_fds(), bufs = p2ptest_count_phys_bufs(), ret;
	struct p2ptest_vfio_target t;
	struct p2ptest_vfio_bad_arg arg;

	ret = p2ptest_vfio_target_get(self->x.dev, bar, &t);
	ASSERT_ERRNO(0, ret);
	ret = p2ptest_vfio_bad_export_prepare(self->row, &t, &arg);
	if (ret == -ENOENT)
		SKIP(return, "%s has no BAR of size 0", exporter_bdf);
	ASSERT_ERRNO(0, ret);
	ret = __vfio_device_feature(self->x.dev, arg.feature);
	p2ptest_vfio_bad_arg_free(&arg);
	if (ret >= 0) {
		close(ret);
		ret = 0;
	}
	EXPECT_ERRNO(self->row->err, ret);
	EXPECT_EQ(fds, p2ptest_count_fds()) TH_LOG("a file descriptor was left behind");
	EXPECT_EQ(bufs, p2ptest_count_phys_bufs()) TH_LOG("a buffer was left behind");
}

TEST(every_row_tested)
{
#define BAD_EXPORT_ID(id) #id,
	static const char *const tested[] = { BAD_EXPORT_ROWS(BAD_EXPORT_ID) };
	size_t i, j;

	for (i = 0; i < p2ptest_vfio_nr_bad_exports; i++) {
		for (j = 0; j < ARRAY_SIZE(tested); j++)
			if (names_row(tested[j], p2ptest_vfio_bad_exports[i].name))
				break;
		EXPECT_LT(j, ARRAY_SIZE(tested))
			TH_LOG("row %s of p2ptest_vfio_bad_exports[] is no bad_export variant",
			       p2ptest_vfio_bad_exports[i].name);
	}
}

/* The two ranges exported and imported for the client. */
FIXTURE(imported) {
	struct exporter x;
	int dmabuf;		/* -1 once closed */
	uint32_t handle;
	bool unimported;
};

FIXTURE_SETUP(imported)
{
	open_exporter(_metadata, &self->x);
	self->dmabuf = __vfio_dma_buf_export(self->x.dev, bar, two, 2);
	ASSERT_LE(0, self->dmabuf) TH_LOG("export: %s", p2ptest_errname(self->dmabuf));
	import_buf(_metadata, &self->x, self->dmabuf, &self->handle);
}

FIXTURE_TEARDOWN(imported)
{
	int ret;

	if (!self->unimported) {
		ret = __p2ptest_unimport(self->x.ctl, self->handle);
		EXPECT_ERRNO(0, ret);
	}
	if (self->dmabuf >= 0)
		close(self->dmabuf);
	close_exporter(_metadata, &self->x);
}

/* edu's DMA, and the BAR byte by byte through VFIO: no bound of time. */
TEST_F_TIMEOUT(imported, transfer, P2PTEST_TIMEOUT)
{
	round_trip(_metadata, &self->x, self->handle, 1);
}

TEST_F_TIMEOUT(imported, revoke_decode, P2PTEST_TIMEOUT)
{
	int ret = __vfio_set_decode(self->x.dev, false);

	ASSERT_ERRNO(0, ret);
	expect_revoked(_metadata, &self->x, self->handle);
	ret = __vfio_set_decode(self->x.dev, true);
	ASSERT_ERRNO(0, ret);
	round_trip(_metadata, &self->x, self->handle, 2);
}

/*
 * The reset revokes and restores the buffer: the import is unmapped
 * (move_notify) until the next transfer maps it again. Behind a
 * translating IOMMU that shows as edu's page-table entries going.
 */
TEST_F_TIMEOUT(imported, revoke_reset, P2PTEST_TIMEOUT)
{
	long ptes = p2ptest_count_iommu_ptes(client_bdf), after;

	ASSERT_EQ(0, ioctl(self->x.dev, VFIO_DEVICE_RESET))
		TH_LOG("VFIO_DEVICE_RESET: %s", strerror(errno));
	if (ptes > 0) {
		after = p2ptest_count_iommu_ptes(client_bdf);
		EXPECT_GT(ptes, after)
			TH_LOG("edu kept its %ld IOMMU entries: the import was not unmapped", ptes);
	}
	round_trip(_metadata, &self->x, self->handle, 3);
}

/*
 * edu writes into the buffer (a DMA of about 100 ms under QEMU) while
 * another thread turns decode off through VFIO: the revoke must wait for
 * the transfer, which holds the buffer's reservation lock, so the data is
 * in the BAR once decode is back.
 */
TEST_F_TIMEOUT(imported, revoke_waits_for_transfer, P2PTEST_TIMEOUT)
{
	static uint8_t out[1024];
	struct p2ptest_transfer t = {
		.handle = self->handle, .direction = P2PTEST_TO_BUFFER, .length = sizeof(out),
		.data = (uint64_t)(uintptr_t)out,
	};
	uint8_t in[sizeof(out)];
	struct call c;
	bool in_dma;
	size_t i;
	long diff;
	int ret;

	for (i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 5 + 3);
	call_start(&c, self->x.ctl, P2PTEST_IOC_TRANSFER, &t);
	/* Asleep uninterruptibly: edu's DMA is running, the lock held. */
	in_dma = call_blocks(&c);
	ret = __vfio_set_decode(self->x.dev, false);
	pthread_join(c.thread, NULL);
	ASSERT_ERRNO(0, ret);
	EXPECT_TRUE(in_dma) TH_LOG("the transfer ended before it was seen in its DMA");
	EXPECT_EQ(0, c.ret) TH_LOG("the transfer: %s", strerror(c.err));
	expect_revoked(_metadata, &self->x, self->handle);
	ret = __vfio_set_decode(self->x.dev, true);
	ASSERT_ERRNO(0, ret);
	ASSERT_EQ(0, bar_io(&self->x, false, 0, in, sizeof(in)))
		TH_LOG("reading the BAR through VFIO failed");
	diff = first_diff(in, out, sizeof(in));
	EXPECT_EQ(-1, diff)
		TH_LOG("buffer byte %#lx in the BAR: %#x, edu wrote %#x: the revoke did not wait for the DMA",
		       diff, in[diff], out[diff]);
}

/* The device's release resets it: no bound of time. */
TEST_F_TIMEOUT(imported, revoke_close, P2PTEST_TIMEOUT)
{
	struct p2ptest_import imp;
	int ret, bufs;

	close(self->x.dev);
	self->x.dev = -1;
	expect_revoked(_metadata, &self->x, self->handle);
	ret = __p2ptest_unimport(self->x.ctl, self->handle);
	self->unimported = true;
	EXPECT_ERRNO(0, ret);
	ret = __p2ptest_import(self->x.ctl, self->dmabuf, &client, &imp);
	if (!ret)
		__p2ptest_unimport(self->x.ctl, imp.handle);
	/* A new import of the closed device's buffer. */
	EXPECT_ERRNO(ENODEV, ret);
	close(self->dmabuf);
	self->dmabuf = -1;
	bufs = p2ptest_count_phys_bufs();
	EXPECT_EQ(0, bufs) TH_LOG("the buffer outlived its last user");
}

int main(int argc, char **argv)
{
	if (argc != 4 || p2ptest_parse_bdf(argv[3], &client)) {
		fprintf(stderr, "usage: %s EXPORTER-BDF BAR CLIENT-BDF\n", argv[0]);
		return 2;
	}
	exporter_bdf = argv[1];
	bar = (uint32_t)strtoul(argv[2], NULL, 0);
	client_bdf = argv[3];
	return test_harness_run(argc, argv);
}
