// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded, bounded bad-input sweep of VFIO's dma-buf export
 * (VFIO_DEVICE_FEATURE with the DMA_BUF feature), /dev/p2ptest and the
 * P2PDMA knobs. Every call gets arguments drawn from edge values (0, 1, a
 * page, the BAR size, the top of the address space, ...), live and dead
 * file descriptors and handles, known and unknown devices; it must succeed
 * or fail with an errno its interface documents (<linux/vfio.h> and
 * vfio_pci_core_feature_dma_buf(), tests/p2ptest/uapi/linux/p2ptest.h,
 * Documentation/PCI/p2pdma-routing.rst). Memory decode of the provider
 * goes off and on through VFIO on the way, revoking and restoring its
 * buffers. Then everything is closed and the kernel must hold no dma-buf
 * of physical ranges, this process no file it did not have, the client's
 * IOMMU page table what it held before, and the allow-list what it said
 * before.
 *
 *   p2ptest_fuzz SEED ITERATIONS PROVIDER-BDF BAR BAR-SIZE CLIENT-BDF
 *
 * The provider is bound to vfio-pci (BAR-SIZE is its BAR's size, as VFIO
 * must say too), the client to p2ptest. Besides the random calls, a row of
 * VFIO's export errno table (lib/p2ptest/contract.c) drawn at random must
 * get exactly its errno ("bad-export": its "succeeded" are the answers as
 * the table says).
 *
 * One test, the whole sweep: it logs each undocumented result and one line
 * of counts per call kind. The same seed makes the same calls.
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
#include "p2ptest_pattern.h"
#include "p2ptest_vfio.h"

#define MAX_FDS		8
#define MAX_HANDLES	16
#define PAGE		4096
#define MAX_HELD	4	/* ranges a random export's argument holds */
/* The feature's header, then the dma-buf's: where the ranges begin. */
#define HEAD		(sizeof(struct vfio_device_feature) + \
			 sizeof(struct vfio_device_feature_dma_buf))

enum call { EXPORT, BAD_EXPORT, DECODE, IMPORT, TRANSFER, UNIMPORT, MMAP, UNKNOWN_IOCTL,
	    ALLOW, EXPLAIN_Q, NR_CALLS };

static const char *const call_name[NR_CALLS] = {
	"vfio-export", "bad-export", "decode", "import", "transfer", "unimport", "mmap",
	"unknown-ioctl", "allowlist", "explain",
};

/* What each call may answer besides success; decode must succeed. */
static const int documented[NR_CALLS][9] = {
	/* ENOTTY: a feature vfio-pci does not have. */
	[EXPORT] = { EINVAL, ENODEV, EOVERFLOW, EFAULT, ENOMEM, ENOTTY },
	[IMPORT] = { ENODEV, EREMOTEIO, EBADF, EINVAL, EMFILE, ENOMEM, EFAULT },
	[TRANSFER] = { ENOENT, ENODEV, EBUSY, EINVAL, EOPNOTSUPP, EFAULT },
	[UNIMPORT] = { ENOENT, EINVAL, EFAULT },
	[MMAP] = { EINVAL, EBADF, EACCES, ENODEV },
	[UNKNOWN_IOCTL] = { ENOTTY },
	[ALLOW] = { EINVAL },
	[EXPLAIN_Q] = { EINVAL, ENODEV },
};

/* From the command line. */
static __u64 rng;
static unsigned long iterations;
static struct p2ptest_pci_addr provider, client;
static uint32_t bar;
static uint64_t bar_size;
static const char *seed, *provider_bdf, *client_bdf;

/* The sweep's state: one test, in a process of its own. */
static int ctl, dev;			/* /dev/p2ptest, the provider through VFIO */
static struct p2ptest_vfio_target target;
/*
 * A page for random exports' arguments, then one unmapped: an argument
 * ends where the unmapped page begins, so nr_ranges past the ranges it
 * holds make the kernel fault (EFAULT), never read other memory.
 */
static char *arena;
static int fds[MAX_FDS], nr_fds;
static uint32_t handles[MAX_HANDLES];
static int nr_handles;
static unsigned long calls[NR_CALLS], ok[NR_CALLS], wrong;

/* The whole run follows from the seed. */
static uint64_t next(void)
{
	return p2ptest_rand_next(&rng);
}

static uint64_t below(uint64_t n)
{
	return n ? next() % n : 0;
}

static uint64_t edge(void)
{
	const uint64_t v[] = { 0, 1, 4095, 4096, 8192, 65536, bar_size - 4096, bar_size,
			       bar_size + 4096, 1ULL << 32, 1ULL << 63, UINT64_MAX,
			       UINT64_MAX & ~4095ULL };

	return below(4) ? v[below(sizeof(v) / sizeof(v[0]))] : next();
}

/* A page-aligned value inside the BAR, most of the time. */
static uint64_t plausible(void)
{
	return below(4) ? below(bar_size / 4096) * 4096 : edge();
}

static int some_fd(void)
{
	switch (below(6)) {
	case 0:
		return -1;
	case 1:
		return ctl;		/* a file, not a dma-buf */
	case 2:
		return (int)next();
	default:
		return nr_fds ? fds[below(nr_fds)] : -1;
	}
}

static struct p2ptest_pci_addr some_dev(void)
{
	struct p2ptest_pci_addr a = below(2) ? provider : client;

	if (!below(5))
		a.devfn ^= (uint8_t)next();
	if (!below(10))
		a.reserved = (uint16_t)next();
	if (!below(10))
		a.domain = (uint32_t)next();
	return a;
}

static uint32_t some_flags(void)
{
	return below(5) ? 0 : (uint32_t)next();
}

/*
 * The flags of a VFIO_DEVICE_FEATURE call: GET of the DMA_BUF feature most
 * of the time, else other GET/SET/PROBE bits, unknown bits, or a feature
 * index vfio-pci does not have. Never another feature it has: those change
 * the device's power state or migration state.
 */
static uint32_t some_feature_flags(void)
{
	uint32_t ops = (uint32_t)below(8) << 16;	/* GET, SET, PROBE */
	uint32_t unknown = VFIO_DEVICE_FEATURE_DMA_BUF + 1;	/* and above: ENOTTY */

	switch (below(8)) {
	case 0:
		return ops | VFIO_DEVICE_FEATURE_DMA_BUF;
	case 1:
		return ops | (unknown + (uint32_t)below(VFIO_DEVICE_FEATURE_MASK + 1 - unknown));
	case 2:
		return VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF |
		       ((uint32_t)next() & ~(uint32_t)0x7ffff);
	default:
		return VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF;
	}
}

/* Judge a call's result: 0 or more, or -errno. */
static void check(enum call c, int ret)
{
	int err = -ret, i;

	calls[c]++;
	if (ret >= 0) {
		ok[c]++;
		return;
	}
	for (i = 0; i < 9 && documented[c][i]; i++)
		if (documented[c][i] == err)
			return;
	fprintf(stderr, "# %s: undocumented errno %s, call %lu\n", call_name[c],
		p2ptest_errname(ret), calls[c]);
	wrong++;
}

static void keep_fd(int fd)
{
	if (nr_fds == MAX_FDS) {
		int victim = (int)below(MAX_FDS);

		close(fds[victim]);
		fds[victim] = fd;
		return;
	}
	fds[nr_fds++] = fd;
}

static void drop_handle(int i)
{
	handles[i] = handles[--nr_handles];
}

static void do_export(void)
{
	uint32_t held = (uint32_t)below(MAX_HELD + 1), i;
	size_t len = HEAD + held * sizeof(struct vfio_region_dma_range);
	struct vfio_device_feature *f = (void *)(arena + PAGE - len);
	struct vfio_device_feature_dma_buf *d = (void *)f->data;
	int ret;

	f->argsz = below(4) ? (uint32_t)len : (uint32_t)edge();
	f->flags = some_feature_flags();
	*d = (struct vfio_device_feature_dma_buf){
		.region_index = below(4) ? bar : below(2) ? (uint32_t)below(10) : (uint32_t)next(),
		.open_flags = below(5) ? O_RDWR | O_CLOEXEC : (uint32_t)next(),
		.flags = some_flags(),
		.nr_ranges = below(8) ? held : below(2) ? held + 1 + (uint32_t)below(1100) :
			     (uint32_t)next(),
	};
	for (i = 0; i < held; i++) {
		d->dma_ranges[i].offset = plausible();
		d->dma_ranges[i].length = below(2) ? 4096 * (1 + below(4)) : edge();
	}
	ret = __vfio_device_feature(dev, f);
	check(EXPORT, ret);
	/* A probe answers 0; an export, its dma-buf. */
	if (ret >= 0 && !(f->flags & VFIO_DEVICE_FEATURE_PROBE))
		keep_fd(ret);
}

static void do_bad_export(void)
{
	const struct p2ptest_vfio_bad_export *b =
		&p2ptest_vfio_bad_exports[below(p2ptest_vfio_nr_bad_exports)];
	struct p2ptest_vfio_bad_arg arg;
	int ret = p2ptest_vfio_bad_export_prepare(b, &target, &arg);

	/* A row that does not apply to this provider (no empty BAR). */
	if (ret == -ENOENT)
		return;
	calls[BAD_EXPORT]++;
	if (!ret) {
		ret = __vfio_device_feature(dev, arg.feature);
		p2ptest_vfio_bad_arg_free(&arg);
		if (ret >= 0)
			keep_fd(ret);
		if (ret == -b->err) {
			ok[BAD_EXPORT]++;
			return;
		}
	}
	fprintf(stderr, "# bad-export %s: got %s, want %s, call %lu\n", b->name,
		p2ptest_errname(ret), p2ptest_errname(-b->err), calls[BAD_EXPORT]);
	wrong++;
}

/* Memory decode off (a third of the time) or on: revokes or restores. */
static void do_decode(void)
{
	check(DECODE, __vfio_set_decode(dev, below(3) != 0));
}

static void do_import(void)
{
	struct p2ptest_import imp = {
		.dmabuf_fd = some_fd(),
		.flags = some_flags(),
		.client = below(4) ? client : some_dev(),
	};
	int ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_IMPORT, &imp);

	check(IMPORT, ret);
	if (ret)
		return;
	if (nr_handles == MAX_HANDLES) {
		ret = __p2ptest_unimport(ctl, handles[0]);
		if (ret)
			check(UNIMPORT, ret);
		drop_handle(0);
	}
	handles[nr_handles++] = imp.handle;
}

static void do_transfer(void)
{
	static unsigned char data[P2PTEST_MAX_TRANSFER];
	struct p2ptest_transfer t = {
		.handle = nr_handles && below(4) ? handles[below(nr_handles)] : (uint32_t)next(),
		.direction = below(5) ? (uint32_t)below(2) : (uint32_t)next(),
		.offset = below(2) ? below(8192) : edge(),
		.length = below(2) ? 1 + below(P2PTEST_MAX_TRANSFER) : edge(),
		.data = below(10) ? (uint64_t)(uintptr_t)data : next(),
		.flags = some_flags(),
		.reserved = below(10) ? 0 : 1,
	};

	int ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_TRANSFER, &t);

	check(TRANSFER, ret);
}

static void do_unimport(void)
{
	int i = nr_handles && below(2) ? (int)below(nr_handles) : -1;
	struct p2ptest_handle h = {
		.handle = i >= 0 ? handles[i] : (uint32_t)next(),
		.reserved = below(10) ? 0 : 1,
	};
	int ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_UNIMPORT, &h);

	check(UNIMPORT, ret);
	if (!ret && i >= 0)
		drop_handle(i);
}

static void do_mmap(void)
{
	size_t len = below(2) ? 4096 * (1 + below(4)) : (size_t)edge();
	off_t off = below(2) ? 0 : (off_t)(plausible() & 0x7fffffffffffULL);
	int prot = below(2) ? PROT_READ | PROT_WRITE : PROT_READ;
	void *p = mmap(NULL, len, prot, MAP_SHARED, some_fd(), off);

	/* The kernel's own mm refuses absurd lengths before the dma-buf sees them. */
	if (p == MAP_FAILED && errno == ENOMEM && len > bar_size) {
		calls[MMAP]++;
		return;
	}
	check(MMAP, p == MAP_FAILED ? -errno : 0);
	if (p != MAP_FAILED) {
		(void)*(volatile unsigned char *)p;
		munmap(p, len);
	}
}

/* Numbers /dev/p2ptest never had, and those of the retired EXPORT and REVOKE. */
static void do_unknown_ioctl(void)
{
	unsigned long nr = below(8) ? 6 + below(250) : below(2) ? 1 : 5;
	unsigned char arg[64] = { 0 };

	int ret = __p2ptest_ioctl(ctl, _IOC(below(4), 'P', nr, below(sizeof(arg))), arg);

	check(UNKNOWN_IOCTL, ret);
}

/* A string that looks like what a knob takes, most of the time. */
static void some_words(char *s, size_t size, bool ids)
{
	const char *const word[] = {
		"8086:29c0", "1b36:000c", "ffff:ffff", "8086:", ":29c0", "zz:00", ",", " ",
		"0000:00:00.0", "0000:01:00.0", "ffff:ff:1f.7", "0000:00:00.8", "\n", "",
		"8086:29c0,1022:1480", "12345:1", "-1",
	};
	size_t n = 0;
	int i, words = 1 + (int)below(4);

	s[0] = '\0';
	for (i = 0; i < words && n < size - 1; i++) {
		const char *w = word[below(sizeof(word) / sizeof(word[0]))];

		if (!ids && !below(3))
			w = below(2) ? provider_bdf : client_bdf;
		n += (size_t)snprintf(s + n, size - n, "%s%s", i ? (ids ? "," : " ") : "", w);
	}
	if (n < size - 1 && !below(8))
		s[below(n + 1)] = (char)(1 + below(255));
}

static void do_knob(enum call c)
{
	char s[128], answer[4096];

	int ret;

	some_words(s, sizeof(s), c == ALLOW);
	if (!s[0])
		return;		/* write(2) of nothing never reaches the knob */
	ret = p2ptest_sysfs_query(c == ALLOW ? P2PTEST_ALLOWLIST : P2PTEST_EXPLAIN, s, answer,
				  sizeof(answer));
	check(c, ret);
}

FIXTURE(fuzz) {
	char allowlist[256];	/* as it was before the sweep */
	long ptes_before;	/* the client's IOMMU entries before it */
	int fds_before;		/* this process's files before it */
};

FIXTURE_SETUP(fuzz)
{
	int ret;

	ctl = p2ptest_open();
	ASSERT_LE(0, ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(ctl));
	dev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, dev) TH_LOG("%s through VFIO: %s", provider_bdf, p2ptest_errname(dev));
	ret = p2ptest_vfio_target_get(dev, bar, &target);
	ASSERT_ERRNO(0, ret);
	ASSERT_EQ(bar_size, target.bar_size)
		TH_LOG("BAR-SIZE %#llx, VFIO says %#llx", (unsigned long long)bar_size,
		       (unsigned long long)target.bar_size);
	arena = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, arena) TH_LOG("mmap: %s", strerror(errno));
	ASSERT_EQ(0, mprotect(arena + PAGE, PAGE, PROT_NONE)) TH_LOG("mprotect: %s",
								      strerror(errno));
	ret = p2ptest_allowlist_get(self->allowlist, sizeof(self->allowlist));
	ASSERT_ERRNO(0, ret);
	self->ptes_before = p2ptest_count_iommu_ptes(client_bdf);
	self->fds_before = p2ptest_count_fds();
}

FIXTURE_TEARDOWN(fuzz)
{
	munmap(arena, 2 * PAGE);
	close(dev);
	close(ctl);
}

/*
 * Every call succeeds or fails as documented; then, everything undone,
 * nothing is left and the allow-list says what it said.
 */
TEST_F_TIMEOUT(fuzz, documented, P2PTEST_TIMEOUT)
{
	char after[256] = "";
	unsigned long i;
	long ptes;
	int c, bufs, files, ret;

	TH_LOG("seed %s, %lu calls", seed, iterations);
	for (i = 0; i < iterations; i++) {
		c = (int)below(NR_CALLS);
		switch (c) {
		case EXPORT:
			do_export();
			break;
		case BAD_EXPORT:
			do_bad_export();
			break;
		case IMPORT:
			do_import();
			break;
		case TRANSFER:
			do_transfer();
			break;
		case UNIMPORT:
			do_unimport();
			break;
		case DECODE:
			do_decode();
			break;
		case MMAP:
			do_mmap();
			break;
		case UNKNOWN_IOCTL:
			do_unknown_ioctl();
			break;
		default:
			do_knob((enum call)c);
			break;
		}
	}

	/* Undo everything, then nothing may be left. */
	ret = __vfio_set_decode(dev, true);
	check(DECODE, ret);
	while (nr_handles) {
		ret = __p2ptest_unimport(ctl, handles[0]);
		if (ret)
			check(UNIMPORT, ret);
		drop_handle(0);
	}
	while (nr_fds)
		close(fds[--nr_fds]);
	for (c = 0; c < NR_CALLS; c++)
		TH_LOG("%-14s %6lu calls, %6lu succeeded", call_name[c], calls[c], ok[c]);
	EXPECT_EQ(0, wrong) TH_LOG("%lu results not as documented (above)", wrong);

	ret = p2ptest_allowlist_set(self->allowlist);
	EXPECT_ERRNO(0, ret);
	ret = p2ptest_allowlist_get(after, sizeof(after));
	EXPECT_ERRNO(0, ret);
	EXPECT_STREQ(self->allowlist, after) TH_LOG("allow-list not restored");
	bufs = p2ptest_count_phys_bufs();
	EXPECT_EQ(0, bufs) TH_LOG("%d dma-buf(s) of physical ranges still alive", bufs);
	files = p2ptest_count_fds();
	EXPECT_EQ(self->fds_before, files)
		TH_LOG("%d files open, %d before", files, self->fds_before);
	ptes = p2ptest_count_iommu_ptes(client_bdf);
	EXPECT_EQ(self->ptes_before, ptes)
		TH_LOG("%ld IOMMU entries for %s, %ld before", ptes, client_bdf, self->ptes_before);
}

int main(int argc, char **argv)
{
	if (argc != 7 || p2ptest_parse_bdf(argv[3], &provider) ||
	    p2ptest_parse_bdf(argv[6], &client)) {
		fprintf(stderr, "usage: %s SEED ITERATIONS PROVIDER-BDF BAR BAR-SIZE CLIENT-BDF\n",
			argv[0]);
		return 2;
	}
	seed = argv[1];
	rng = strtoull(seed, NULL, 0);
	iterations = strtoul(argv[2], NULL, 0);
	bar = (uint32_t)atoi(argv[4]);
	bar_size = strtoull(argv[5], NULL, 0);
	provider_bdf = argv[3];
	client_bdf = argv[6];
	return test_harness_run(argc, argv);
}
