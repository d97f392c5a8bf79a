// SPDX-License-Identifier: GPL-2.0
/*
 * Seeded, bounded bad-input sweep of /dev/p2ptest and the P2PDMA knobs.
 * Every call gets arguments drawn from edge values (0, 1, a page, the BAR
 * size, the top of the address space, ...), live and dead file descriptors
 * and handles, known and unknown devices; it must succeed or fail with an
 * errno its interface documents (tests/p2ptest/uapi/linux/p2ptest.h,
 * Documentation/PCI/p2pdma-routing.rst). Then everything is closed and the
 * kernel must hold no dma-buf of physical ranges, the client's IOMMU page
 * table what it held before, and the allow-list what it said before.
 *
 *   p2ptest_fuzz SEED ITERATIONS PROVIDER-BDF BAR BAR-SIZE CLIENT-BDF
 *
 * Besides, a row of the uAPI's errno table (lib/p2ptest/contract.c) drawn
 * at random must get exactly its errno ("bad-export": its "succeeded" are
 * the answers as the table says).
 *
 * One test, the whole sweep: it logs each undocumented result and one line
 * of counts per call kind. The same seed makes the same calls.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_pattern.h"

#define MAX_FDS		8
#define MAX_HANDLES	16

enum call { EXPORT, IMPORT, TRANSFER, UNIMPORT, REVOKE, MMAP, UNKNOWN_IOCTL,
	    ALLOW, EXPLAIN_Q, BAD_EXPORT, NR_CALLS };

static const char *const call_name[NR_CALLS] = {
	"export", "import", "transfer", "unimport", "revoke", "mmap", "unknown-ioctl",
	"allowlist", "explain", "bad-export",
};

/* What each call may answer besides success. */
static const int documented[NR_CALLS][9] = {
	[EXPORT] = { ENODEV, EINVAL, ENXIO, E2BIG, EOVERFLOW, ERANGE, EFAULT },
	[IMPORT] = { ENODEV, EREMOTEIO, EBADF, EINVAL, EMFILE, ENOMEM, EFAULT },
	[TRANSFER] = { ENOENT, ENODEV, EBUSY, EINVAL, EOPNOTSUPP, EFAULT },
	[UNIMPORT] = { ENOENT, EINVAL, EFAULT },
	[REVOKE] = { EBADF, EINVAL, EBUSY, ETIMEDOUT, EFAULT },
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
static int ctl;
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
	struct p2ptest_range r[4];
	struct p2ptest_export e = {
		.provider = below(4) ? provider : some_dev(),
		.bar = below(4) ? bar : (uint32_t)below(8),
		.flags = some_flags(),
		.nr_ranges = below(8) ? (uint32_t)below(5) : (uint32_t)next(),
		.reserved = below(10) ? 0 : 1,
		.ranges = below(10) ? (uint64_t)(uintptr_t)r : next(),
	};
	int i, ret;

	for (i = 0; i < 4; i++) {
		r[i].offset = plausible();
		r[i].length = below(2) ? 4096 * (1 + below(4)) : edge();
	}
	/* nr_ranges past the array would read the stack: keep it honest. */
	if (e.ranges == (uint64_t)(uintptr_t)r && e.nr_ranges > 4 &&
	    e.nr_ranges <= P2PTEST_MAX_RANGES)
		e.nr_ranges = 4;
	ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_EXPORT, &e);
	check(EXPORT, ret);
	if (!ret)
		keep_fd(e.fd);
}

static void do_bad_export(void)
{
	const struct p2ptest_bad_export *b = &p2ptest_bad_exports[below(p2ptest_nr_bad_exports)];
	struct p2ptest_export_target t = {
		.provider = provider, .bar = bar, .bar_size = bar_size,
		.absent_bar = -1,	/* not known here: that row does not apply */
	};
	struct p2ptest_range r[P2PTEST_MAX_RANGES + 1];
	struct p2ptest_export e;
	int ret;

	if (p2ptest_bad_export_prepare(b, &t, &e, r))
		return;
	calls[BAD_EXPORT]++;
	ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_EXPORT, &e);
	if (!ret)
		keep_fd(e.fd);
	if (ret == -b->err) {
		ok[BAD_EXPORT]++;
		return;
	}
	fprintf(stderr, "# bad-export %s: got %s, want %s, call %lu\n", b->name,
		p2ptest_errname(ret), p2ptest_errname(-b->err), calls[BAD_EXPORT]);
	wrong++;
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

static void do_revoke(void)
{
	int fd = some_fd();

	check(REVOKE, __p2ptest_revoke(ctl, fd, below(5) ? (uint32_t)below(2) : (uint32_t)next()));
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

static void do_unknown_ioctl(void)
{
	unsigned long nr = 6 + below(250);
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
};

FIXTURE_SETUP(fuzz)
{
	int ret;

	ctl = p2ptest_open();
	ASSERT_LE(0, ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(ctl));
	ret = p2ptest_allowlist_get(self->allowlist, sizeof(self->allowlist));
	ASSERT_ERRNO(0, ret);
	self->ptes_before = p2ptest_count_iommu_ptes(client_bdf);
}

FIXTURE_TEARDOWN(fuzz)
{
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
	int c, bufs, ret;

	TH_LOG("seed %s, %lu calls", seed, iterations);
	for (i = 0; i < iterations; i++) {
		c = (int)below(NR_CALLS);
		switch (c) {
		case EXPORT:
			do_export();
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
		case REVOKE:
			do_revoke();
			break;
		case MMAP:
			do_mmap();
			break;
		case UNKNOWN_IOCTL:
			do_unknown_ioctl();
			break;
		case BAD_EXPORT:
			do_bad_export();
			break;
		default:
			do_knob((enum call)c);
			break;
		}
	}

	/* Undo everything, then nothing may be left. */
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
