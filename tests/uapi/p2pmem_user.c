// SPDX-License-Identifier: GPL-2.0
/*
 * User-space P2PDMA through p2pmem/allocate: the contract of the mmap() and
 * of I/O into the memory it maps, one test per rule. Removing the provider
 * under a mapping is p2pmem_remove's.
 *
 *   p2pmem_user PROVIDER P2P-BLKDEV PLAIN-BLKDEV
 *
 * PROVIDER is the PCI name of a device with published p2pmem (an NVMe
 * CMB). P2P-BLKDEV is a block device whose queue can DMA to it (an NVMe
 * namespace on another controller, on a route the kernel allows); its
 * range [SCRATCH_OFF, SCRATCH_OFF + SCRATCH_LEN) is overwritten.
 * PLAIN-BLKDEV is a block device whose queue cannot do P2PDMA (a RAM
 * disk).
 *
 * Buffered (not O_DIRECT) I/O into p2pmem works, as it does in mainline:
 * the page cache copies with the CPU, which reaches the memory through the
 * mapping, and GUP is never asked for its pages. The roundtrip.buffered
 * test checks that it moves the right bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_pattern.h"

#define SCRATCH_OFF	(1UL << 20)
#define SCRATCH_LEN	(256UL << 10)
#define CHUNK		(1UL << 20)
#define MAX_CHUNKS	64

/* From the command line. */
static const char *provider, *p2p_blk, *plain_blk;
static char alloc_path[256];
static long page_size;

/* The provider's pool: its size, or what is free in it; -1 on error. */
static long pool(bool free_only)
{
	struct p2ptest_p2pmem info;

	if (p2ptest_p2pmem_info(provider, &info))
		return -1;
	return (long)(free_only ? info.available : info.size);
}

/* A shared mapping of @len bytes of p2pmem; MAP_FAILED with errno set. */
static void *p2pmem_map(size_t len)
{
	void *p;
	int ret = __p2ptest_p2pmem_map(provider, len, &p);

	if (ret) {
		errno = -ret;
		return MAP_FAILED;
	}
	return p;
}

/* mmap() of p2pmem/allocate as asked, as the library never does: 0 or -errno. */
static int p2pmem_map_raw(size_t len, int flags, off_t off)
{
	int fd = open(alloc_path, O_RDWR);
	void *p;

	if (fd < 0)
		return -errno;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);
	if (p == MAP_FAILED) {
		close(fd);
		return -errno;
	}
	munmap(p, len);
	close(fd);
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

FIXTURE(p2pmem) {
	long size;		/* of the provider's pool */
};

FIXTURE_SETUP(p2pmem)
{
	self->size = pool(false);
	ASSERT_LT(0, self->size) TH_LOG("%s: p2pmem/size unreadable", provider);
}

FIXTURE_TEARDOWN(p2pmem)
{
}

TEST_F(p2pmem, map_private_refused)
{
	int ret = p2pmem_map_raw((size_t)page_size, MAP_PRIVATE, 0);

	EXPECT_ERRNO(EINVAL, ret);
}

TEST_F(p2pmem, map_offset_refused)
{
	int ret = p2pmem_map_raw((size_t)page_size, MAP_SHARED, page_size);

	EXPECT_ERRNO(EINVAL, ret);
}

TEST_F(p2pmem, map_above_pool_refused)
{
	int ret = p2pmem_map_raw((size_t)self->size + (size_t)page_size, MAP_SHARED, 0);

	EXPECT_ERRNO(ENOMEM, ret);
}

/*
 * Map the pool out in CHUNK pieces until it refuses, into @maps: how many
 * were mapped, and the errno of the refusal in *@err (0: MAX_CHUNKS mapped).
 */
static int map_pool_out(void *maps[MAX_CHUNKS], int *err)
{
	int n;

	*err = 0;
	for (n = 0; n < MAX_CHUNKS; n++) {
		maps[n] = p2pmem_map(CHUNK);
		if (maps[n] == MAP_FAILED) {
			*err = errno;
			break;
		}
		memset(maps[n], 0xa5, page_size);
	}
	return n;
}

static void unmap_all(void *maps[MAX_CHUNKS], int n)
{
	while (n--)
		munmap(maps[n], CHUNK);
}

/* Mapped out, the pool refuses with ENOMEM, and every map took its share. */
TEST_F(p2pmem, pool_exhausted)
{
	long before = pool(true), during;
	void *maps[MAX_CHUNKS];
	int n, err;

	n = map_pool_out(maps, &err);
	during = pool(true);
	unmap_all(maps, n);
	EXPECT_EQ(ENOMEM, err)
		TH_LOG("after %d maps of %lu bytes: %s, expected ENOMEM", n, CHUNK,
		       err ? strerror(err) : "no failure");
	EXPECT_GT((long)CHUNK, during)
		TH_LOG("%d maps of %lu bytes left %ld of %ld available", n, CHUNK, during, before);
	EXPECT_EQ(before - n * (long)CHUNK, during)
		TH_LOG("%d maps of %lu bytes left %ld of %ld available", n, CHUNK, during, before);
}

/* Given back, the pool has what it had. */
TEST_F(p2pmem, pool_pages_returned)
{
	long before = pool(true), after;
	void *maps[MAX_CHUNKS];
	int n, err;

	n = map_pool_out(maps, &err);
	unmap_all(maps, n);
	after = pool(true);
	EXPECT_EQ(before, after) TH_LOG("available %ld after unmapping, %ld before", after, before);
}

/*
 * A pattern written from p2pmem to the namespace, read back into other
 * p2pmem, compared: with O_DIRECT the data moves peer to peer, without it
 * through the page cache.
 */
FIXTURE(roundtrip) {
	uint8_t *buf;		/* 2 * SCRATCH_LEN of p2pmem: out, then in */
	uint8_t *want;
	int fd;
};

FIXTURE_VARIANT(roundtrip) {
	bool direct;
	uint64_t seed;
};

FIXTURE_VARIANT_ADD(roundtrip, odirect) { .direct = true, .seed = 0x5eed };
FIXTURE_VARIANT_ADD(roundtrip, buffered) { .direct = false, .seed = 0xb0ff };

FIXTURE_SETUP(roundtrip)
{
	self->fd = -1;
	self->buf = p2pmem_map(2 * SCRATCH_LEN);
	ASSERT_NE(MAP_FAILED, self->buf)
		TH_LOG("mmap of %lu bytes: %s", 2 * SCRATCH_LEN, strerror(errno));
	self->want = malloc(SCRATCH_LEN);
	ASSERT_NE(NULL, self->want);
	self->fd = open(p2p_blk, O_RDWR | (variant->direct ? O_DIRECT : 0));
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", p2p_blk, strerror(errno));
}

FIXTURE_TEARDOWN(roundtrip)
{
	close(self->fd);
	free(self->want);
	munmap(self->buf, 2 * SCRATCH_LEN);
}

/* Block I/O through an emulated NVMe on a TCG guest: no bound of time. */
TEST_F_TIMEOUT(roundtrip, verified, P2PTEST_TIMEOUT)
{
	size_t len = SCRATCH_LEN;
	long diff;

	p2ptest_pattern_fill(self->want, len, variant->seed);
	memcpy(self->buf, self->want, len);
	memset(self->buf + len, 0, len);
	ASSERT_EQ((ssize_t)len, pwrite(self->fd, self->buf, len, SCRATCH_OFF))
		TH_LOG("write from p2pmem: %s", strerror(errno));
	/* Buffered: the read must come from the device, not the cache. */
	if (!variant->direct) {
		ASSERT_EQ(0, fsync(self->fd)) TH_LOG("fsync: %s", strerror(errno));
		ASSERT_EQ(0, posix_fadvise(self->fd, SCRATCH_OFF, len, POSIX_FADV_DONTNEED));
	}
	ASSERT_EQ((ssize_t)len, pread(self->fd, self->buf + len, len, SCRATCH_OFF))
		TH_LOG("read into p2pmem: %s", strerror(errno));
	diff = first_diff(self->buf + len, self->want, len);
	EXPECT_EQ(-1, diff) TH_LOG("byte %ld read back differs", diff);
}

/* O_DIRECT from p2pmem to a queue that cannot map it: EREMOTEIO from GUP. */
TEST_F(p2pmem, odirect_plain_queue_refused)
{
	size_t len = (size_t)page_size * 4;
	void *buf = p2pmem_map(len);
	int fd, ret;

	ASSERT_NE(MAP_FAILED, buf) TH_LOG("mmap: %s", strerror(errno));
	fd = open(plain_blk, O_RDWR | O_DIRECT);
	ASSERT_LE(0, fd) TH_LOG("open %s: %s", plain_blk, strerror(errno));
	memset(buf, 0x5a, len);
	ret = pwrite(fd, buf, len, 0) < 0 ? -errno : 0;
	close(fd);
	munmap(buf, len);
	EXPECT_ERRNO(EREMOTEIO, ret);
}

/* A registered buffer is a long-term pin without FOLL_PCI_P2PDMA. */
TEST_F(p2pmem, uring_fixed_buffer_refused)
{
	size_t len = (size_t)page_size * 4;
	struct io_uring ring;
	struct iovec iov;
	int ret;

	iov.iov_len = len;
	iov.iov_base = p2pmem_map(len);
	ASSERT_NE(MAP_FAILED, iov.iov_base) TH_LOG("mmap: %s", strerror(errno));
	ret = io_uring_queue_init(4, &ring, 0);
	ASSERT_ERRNO(0, ret);
	ret = io_uring_register_buffers(&ring, &iov, 1);
	io_uring_queue_exit(&ring);
	munmap(iov.iov_base, len);
	EXPECT_ERRNO(EREMOTEIO, ret);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s PROVIDER P2P-BLKDEV PLAIN-BLKDEV\n", argv[0]);
		return 2;
	}
	provider = argv[1];
	p2p_blk = argv[2];
	plain_blk = argv[3];
	page_size = sysconf(_SC_PAGESIZE);
	snprintf(alloc_path, sizeof(alloc_path),
		 "/sys/bus/pci/devices/%s/p2pmem/allocate", provider);
	if (pool(false) <= 0) {
		fprintf(stderr, "%s: no p2pmem (p2pmem/size missing or 0)\n", provider);
		return 2;
	}
	return test_harness_run(argc, argv);
}
