// SPDX-License-Identifier: GPL-2.0
/*
 * User-space P2PDMA through p2pmem/allocate: the contract of the mmap() and
 * of I/O into the memory it maps, one case per rule. Prints "ok NAME" or
 * "not ok NAME: why" per case; exits 1 if any failed.
 *
 *   p2pmem_user PROVIDER P2P-BLKDEV PLAIN-BLKDEV [remove]
 *
 * PROVIDER is the PCI name of a device with published p2pmem (an NVMe
 * CMB). P2P-BLKDEV is a block device whose queue can DMA to it (an NVMe
 * namespace on another controller, on a route the kernel allows); its
 * range [SCRATCH_OFF, SCRATCH_OFF + SCRATCH_LEN) is overwritten.
 * PLAIN-BLKDEV is a block device whose queue cannot do P2PDMA (a RAM
 * disk). With "remove", the only case run removes PROVIDER through sysfs
 * while its memory is mapped.
 *
 * Buffered (not O_DIRECT) I/O into p2pmem works, as it does in mainline:
 * the page cache copies with the CPU, which reaches the memory through the
 * mapping, and GUP is never asked for its pages. The case below checks
 * that it moves the right bytes.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"
#include "p2ptest_pattern.h"

#define SCRATCH_OFF	(1UL << 20)
#define SCRATCH_LEN	(256UL << 10)
#define CHUNK		(1UL << 20)
#define MAX_CHUNKS	64

static const char *provider, *p2p_blk, *plain_blk;
static char alloc_path[256];
static long page_size;
static int failed;

static void ok(const char *name)
{
	printf("ok %s\n", name);
}

static void __attribute__((format(printf, 2, 3))) not_ok(const char *name, const char *fmt, ...)
{
	va_list ap;

	printf("not ok %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	failed = 1;
}

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

/* mmap() of p2pmem/allocate as asked: the bad requests the library never makes. */
static void *p2pmem_map_raw(size_t len, int flags, off_t off)
{
	int fd = open(alloc_path, O_RDWR), err;
	void *p;

	if (fd < 0)
		return MAP_FAILED;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, off);
	err = errno;
	close(fd);
	errno = err;
	return p;
}

/* The first differing byte of two buffers, or -1. */
static long first_diff(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (a[i] != b[i])
			return (long)i;
	return -1;
}

static void expect_map_errno(const char *name, size_t len, int flags, off_t off, int want)
{
	void *p = p2pmem_map_raw(len, flags, off);

	if (p != MAP_FAILED) {
		munmap(p, len);
		not_ok(name, "mmap succeeded, expected %s", strerror(want));
	} else if (errno != want) {
		not_ok(name, "mmap failed with %s, expected %s", strerror(errno), strerror(want));
	} else {
		ok(name);
	}
}

static void test_refused_maps(void)
{
	long size = pool(false);

	expect_map_errno("map-private-refused", (size_t)page_size, MAP_PRIVATE, 0, EINVAL);
	expect_map_errno("map-offset-refused", (size_t)page_size, MAP_SHARED, page_size, EINVAL);
	expect_map_errno("map-above-pool-refused", (size_t)size + (size_t)page_size,
			 MAP_SHARED, 0, ENOMEM);
}

/*
 * Map the pool out in CHUNK pieces until it refuses with ENOMEM, then give
 * it all back: the pool's counter must return to where it started.
 */
static void test_pool_exhausted(void)
{
	long before = pool(true), during, after;
	void *maps[MAX_CHUNKS];
	int n = 0, err = 0;

	while (n < MAX_CHUNKS) {
		maps[n] = p2pmem_map(CHUNK);
		if (maps[n] == MAP_FAILED) {
			err = errno;
			break;
		}
		memset(maps[n], 0xa5, page_size);
		n++;
	}
	during = pool(true);
	for (int i = 0; i < n; i++)
		munmap(maps[i], CHUNK);
	after = pool(true);

	if (err != ENOMEM)
		not_ok("pool-exhausted", "after %d maps of %lu bytes: %s, expected ENOMEM",
		       n, CHUNK, err ? strerror(err) : "no failure");
	else if (during >= (long)CHUNK || during != before - n * (long)CHUNK)
		not_ok("pool-exhausted", "%d maps of %lu bytes left %ld of %ld available",
		       n, CHUNK, during, before);
	else
		ok("pool-exhausted");

	if (after != before)
		not_ok("pool-pages-returned", "available %ld after unmapping, %ld before", after, before);
	else
		ok("pool-pages-returned");
}

/*
 * Write a pattern from p2pmem to the namespace, read it back into other
 * p2pmem, compare; with @direct the data moves peer to peer, without it
 * through the page cache.
 */
static void test_roundtrip(const char *name, bool direct, uint64_t seed)
{
	size_t len = SCRATCH_LEN;
	uint8_t *buf, *want = NULL;
	int fd = -1;
	long diff;

	buf = p2pmem_map(2 * len);
	if (buf == MAP_FAILED) {
		not_ok(name, "mmap of %zu bytes: %s", 2 * len, strerror(errno));
		return;
	}
	want = malloc(len);
	if (!want) {
		not_ok(name, "out of memory");
		goto out;
	}
	fd = open(p2p_blk, O_RDWR | (direct ? O_DIRECT : 0));
	if (fd < 0) {
		not_ok(name, "open %s: %s", p2p_blk, strerror(errno));
		goto out;
	}
	p2ptest_pattern_fill(want, len, seed);
	memcpy(buf, want, len);
	memset(buf + len, 0, len);
	if (pwrite(fd, buf, len, SCRATCH_OFF) != (ssize_t)len) {
		not_ok(name, "write from p2pmem: %s", strerror(errno));
		goto out;
	}
	/* Buffered: the read must come from the device, not the cache. */
	if (!direct && (fsync(fd) || posix_fadvise(fd, SCRATCH_OFF, len, POSIX_FADV_DONTNEED))) {
		not_ok(name, "fsync/fadvise: %s", strerror(errno));
		goto out;
	}
	if (pread(fd, buf + len, len, SCRATCH_OFF) != (ssize_t)len) {
		not_ok(name, "read into p2pmem: %s", strerror(errno));
		goto out;
	}
	diff = first_diff(buf + len, want, len);
	if (diff >= 0) {
		not_ok(name, "byte %ld read back differs", diff);
		goto out;
	}
	printf("# %s: %zu bytes verified\n", name, len);
	ok(name);
out:
	if (fd >= 0)
		close(fd);
	free(want);
	munmap(buf, 2 * len);
}

/* O_DIRECT from p2pmem to a queue that cannot map it: EREMOTEIO from GUP. */
static void test_plain_queue_refused(void)
{
	size_t len = (size_t)page_size * 4;
	void *buf = p2pmem_map(len);
	int fd = open(plain_blk, O_RDWR | O_DIRECT);
	ssize_t n;

	if (buf == MAP_FAILED || fd < 0) {
		not_ok("odirect-plain-queue-refused", "setup: %s", strerror(errno));
	} else {
		memset(buf, 0x5a, len);
		n = pwrite(fd, buf, len, 0);
		if (n >= 0)
			not_ok("odirect-plain-queue-refused", "write returned %zd", n);
		else if (errno != EREMOTEIO)
			not_ok("odirect-plain-queue-refused", "%s, expected EREMOTEIO",
			       strerror(errno));
		else
			ok("odirect-plain-queue-refused");
	}
	if (fd >= 0)
		close(fd);
	if (buf != MAP_FAILED)
		munmap(buf, len);
}

/* A registered buffer is a long-term pin without FOLL_PCI_P2PDMA. */
static void test_uring_fixed_refused(void)
{
	size_t len = (size_t)page_size * 4;
	struct io_uring ring;
	struct iovec iov;
	void *buf;
	int ret;

	buf = p2pmem_map(len);
	if (buf == MAP_FAILED) {
		not_ok("uring-fixed-buffer-refused", "mmap: %s", strerror(errno));
		return;
	}
	ret = io_uring_queue_init(4, &ring, 0);
	if (ret) {
		not_ok("uring-fixed-buffer-refused", "io_uring_queue_init: %s", strerror(-ret));
		goto out;
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	ret = io_uring_register_buffers(&ring, &iov, 1);
	if (ret == 0)
		not_ok("uring-fixed-buffer-refused", "registration succeeded");
	else if (ret != -EREMOTEIO)
		not_ok("uring-fixed-buffer-refused", "%s, expected EREMOTEIO", strerror(-ret));
	else
		ok("uring-fixed-buffer-refused");
	io_uring_queue_exit(&ring);
out:
	munmap(buf, len);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/*
 * Remove the provider while its memory is mapped: the removal must finish
 * (the mapping is zapped, not waited for), and the next access must get
 * SIGBUS instead of reaching memory that is gone.
 */
static void test_remove_while_mapped(void)
{
	size_t len = (size_t)page_size * 4;
	volatile uint8_t *buf = p2pmem_map(len);
	struct sigaction sa = { .sa_handler = on_sigbus };
	char path[256];
	int fd, ret;

	if (buf == MAP_FAILED) {
		not_ok("remove-while-mapped", "mmap: %s", strerror(errno));
		return;
	}
	buf[0] = 1;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/remove", provider);
	fd = open(path, O_WRONLY);
	ret = fd < 0 ? -1 : (int)write(fd, "1", 1);
	if (ret != 1) {
		not_ok("remove-while-mapped", "write %s: %s", path, strerror(errno));
		goto out;
	}
	sigaction(SIGBUS, &sa, NULL);
	if (sigsetjmp(bus_jmp, 1) == 0) {
		buf[0] = 2;
		not_ok("remove-while-mapped", "the mapping still answers after removal");
	} else {
		ok("remove-while-mapped");
	}
	signal(SIGBUS, SIG_DFL);
out:
	if (fd >= 0)
		close(fd);
	munmap((void *)buf, len);
}

int main(int argc, char **argv)
{
	if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "remove"))) {
		fprintf(stderr, "usage: %s PROVIDER P2P-BLKDEV PLAIN-BLKDEV [remove]\n", argv[0]);
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

	if (argc == 5) {
		test_remove_while_mapped();
		return failed;
	}
	test_refused_maps();
	test_pool_exhausted();
	test_roundtrip("odirect-roundtrip", true, 0x5eed);
	test_roundtrip("buffered-roundtrip", false, 0xb0ff);
	test_plain_queue_refused();
	test_uring_fixed_refused();
	return failed;
}
