// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation-failure sweep of /dev/p2ptest: each operation (export, mmap of
 * the export, import, the remap a transfer does after a restore) is run
 * again and again with the Nth slab or page allocation of this thread made
 * to fail (/proc/thread-self/fail-nth, N = 1, 2, ...) until it runs with no
 * fault left to inject. After every attempt, whether the fault made the
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
 * Leaks are the job of the kmemleak scan that ends every VM run. Prints
 * "ok NAME: N faults" or "not ok NAME: why" per operation, and a total line
 * "faults injected: N"; exits 1 if any check failed.
 *
 *   p2ptest_faults PROVIDER-BDF BAR CLIENT-BDF
 *
 * The debugfs knobs of failslab and fail_page_alloc must let every
 * allocation fail (the plan sets ignore-gfp-wait and ignore-gfp-highmem to
 * N, min-order to 0).
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

#define LEN		8192	/* two pages: two ranges make two vectors */
#define MAX_NTH		2000	/* an operation needing more is a failure */

enum op { OP_EXPORT, OP_MMAP, OP_IMPORT, OP_REMAP, NR_OPS };

static const char *const op_name[NR_OPS] = { "export", "mmap", "import", "remap" };

static int ctl, nth_fd, failed;
static struct p2ptest_pci_addr provider, client;
static uint32_t bar;
static const char *client_bdf;
static long ptes_before;
static unsigned long total_faults;

static void set_nth(unsigned int n)
{
	char s[16];
	int len = snprintf(s, sizeof(s), "%u", n);

	if (pwrite(nth_fd, s, (size_t)len, 0) != len) {
		perror("fail-nth");
		exit(2);
	}
}

/* True when the fault set up by set_nth() was injected. */
static bool injected(void)
{
	char s[16] = "";

	if (pread(nth_fd, s, sizeof(s) - 1, 0) <= 0) {
		perror("fail-nth");
		exit(2);
	}
	return atoi(s) == 0;
}

/* The errnos an allocation failure may surface as in @op. */
static bool allowed_errno(enum op op, int err)
{
	if (err == ENOMEM)
		return true;
	/*
	 * 6.1's remap_pfn_range() answers -EINVAL to any failure of its PAT
	 * reservation, an allocation among them.
	 */
	if (op == OP_MMAP && err == EINVAL)
		return true;
	/* A failed remap is reported by TRANSFER as a lost mapping. */
	return op == OP_REMAP && err == ENODEV;
}

/* Export the LEN bytes at the start of the BAR: the fd, or -errno. */
static int export(void)
{
	struct p2ptest_range r = { .offset = 0, .length = LEN };

	return __p2ptest_export(ctl, &provider, bar, &r, 1);
}

/* Import @fd for the client: 0 or -errno; the handle in *@handle. */
static int import_buf(int fd, uint32_t *handle)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(ctl, fd, &client, &imp);

	*handle = imp.handle;
	return ret;
}

static void unimport(uint32_t handle)
{
	int ret = __p2ptest_unimport(ctl, handle);

	if (ret)
		fprintf(stderr, "unimport: %s\n", strerror(-ret));
}

/*
 * One attempt at @op with the @nth allocation failing. Returns the call's
 * result (0 or -errno) and sets *@hit when the fault was injected; undoes
 * everything before returning.
 */
static int attempt(enum op op, unsigned int nth, bool *hit)
{
	unsigned char byte = 0x5a;
	int fd = -1, ret = 0;
	uint32_t handle = 0;
	bool imported = false;
	void *p = MAP_FAILED;

	if (op != OP_EXPORT) {
		fd = export();
		if (fd < 0)
			return fd;
	}
	if (op == OP_REMAP) {
		/* Imported, revoked and restored: the next transfer maps again. */
		ret = import_buf(fd, &handle);
		imported = !ret;
		if (!ret)
			ret = __p2ptest_revoke(ctl, fd, 0);
		if (!ret)
			ret = __p2ptest_revoke(ctl, fd, 1);
		if (ret)
			goto out;
	}

	set_nth(nth);
	switch (op) {
	case OP_EXPORT:
		fd = export();
		ret = fd < 0 ? fd : 0;
		break;
	case OP_MMAP:
		/* munmap() comes after the fault: it allocates too. */
		p = mmap(NULL, LEN, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		ret = p == MAP_FAILED ? -errno : 0;
		break;
	case OP_IMPORT:
		ret = import_buf(fd, &handle);
		imported = !ret;
		break;
	case OP_REMAP:
		ret = __p2ptest_transfer(ctl, handle, P2PTEST_TO_BUFFER, 0, &byte, 1);
		break;
	default:
		break;
	}
	*hit = injected();
	set_nth(0);
	if (op == OP_MMAP && p != MAP_FAILED)
		munmap(p, LEN);
out:
	if (imported)
		unimport(handle);
	if (fd >= 0)
		close(fd);
	return ret;
}

static void sweep(enum op op)
{
	unsigned int nth, faults = 0;
	long bufs, ptes;
	bool hit;
	int ret;

	for (nth = 1; nth <= MAX_NTH; nth++) {
		ret = attempt(op, nth, &hit);
		bufs = p2ptest_count_phys_bufs();
		ptes = p2ptest_count_iommu_ptes(client_bdf);
		if (bufs != 0) {
			printf("not ok %s: fault %u left %ld dma-buf(s) alive\n", op_name[op], nth,
			       bufs);
			failed = 1;
			return;
		}
		if (ptes != ptes_before) {
			printf("not ok %s: fault %u left %ld IOMMU entries for %s (had %ld)\n",
			       op_name[op], nth, ptes, client_bdf, ptes_before);
			failed = 1;
			return;
		}
		if (!hit) {
			if (ret) {
				printf("not ok %s: fails without a fault: %s\n", op_name[op],
				       strerror(-ret));
				failed = 1;
			} else {
				printf("ok %s: %u faults injected, each unwound\n", op_name[op],
				       faults);
			}
			total_faults += faults;
			return;
		}
		faults++;
		if (ret && !allowed_errno(op, -ret)) {
			printf("not ok %s: fault %u gave %s\n", op_name[op], nth, strerror(-ret));
			failed = 1;
			return;
		}
	}
	printf("not ok %s: still injecting after %u faults\n", op_name[op], MAX_NTH);
	failed = 1;
}

int main(int argc, char **argv)
{
	enum op op;

	if (argc != 4 || p2ptest_parse_bdf(argv[1], &provider) ||
	    p2ptest_parse_bdf(argv[3], &client)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR CLIENT-BDF\n", argv[0]);
		return 2;
	}
	bar = (uint32_t)atoi(argv[2]);
	client_bdf = argv[3];
	ctl = p2ptest_open();
	if (ctl < 0) {
		fprintf(stderr, "%s: %s\n", P2PTEST_DEV, strerror(-ctl));
		return 2;
	}
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nth_fd < 0) {
		perror("/proc/thread-self/fail-nth");
		return 2;
	}
	if (p2ptest_count_phys_bufs() != 0) {
		fprintf(stderr, "%s: dma-bufs of physical ranges exist before the sweep\n",
			P2PTEST_BUFINFO);
		return 2;
	}
	ptes_before = p2ptest_count_iommu_ptes(client_bdf);
	for (op = 0; op < NR_OPS; op++)
		sweep(op);
	printf("faults injected: %lu\n", total_faults);
	return failed;
}
