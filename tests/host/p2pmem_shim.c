// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * An LD_PRELOAD shim for the host tests of "p2ptest run" with an NVMe
 * client, where p2pmem is a regular file in a fake sysfs tree and the
 * namespace another: it makes O_DIRECT I/O into p2pmem fail the way the
 * kernel and a broken machine make it fail. A mapping of a file named
 * "allocate" is p2pmem; P2PTEST_SHIM in the environment says what I/O
 * with a buffer in it does:
 *
 *   refuse   pwrite() and pread() fail with EREMOTEIO, as when the
 *            routing engine finds no route for the pair
 *   ff       pread() fills the buffer with 0xff, as when nothing answers
 *            at the BAR's address
 *   lost     pread() says it read everything and moves nothing, as when
 *            the DMA went elsewhere
 *   record   pwrite() goes through, and appends the first 8 bytes it
 *            writes (hex, one line) to the file P2PTEST_SHIM_LOG names
 *
 * Other I/O goes through untouched. Built by test_p2ptest_nvme.py.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/types.h>

#define MAX_MAPS	16

static struct {
	char *start;
	size_t len;
} maps[MAX_MAPS];

static bool mode(const char *m)
{
	const char *v = getenv("P2PTEST_SHIM");

	return v && !strcmp(v, m);
}

static bool in_p2pmem(const void *buf)
{
	const char *p = buf;
	int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].start && p >= maps[i].start && p < maps[i].start + maps[i].len)
			return true;
	return false;
}

/* Remember a mapping of a file named "allocate". */
static void note(void *p, size_t len, int fd)
{
	char link[64], path[4096];
	ssize_t n;
	int i;

	if (p == MAP_FAILED || fd < 0)
		return;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 9)
		return;
	path[n] = '\0';
	if (strcmp(path + n - 9, "/allocate"))
		return;
	for (i = 0; i < MAX_MAPS; i++) {
		if (!maps[i].start) {
			maps[i].start = p;
			maps[i].len = len;
			return;
		}
	}
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *(*real)(void *, size_t, int, int, int, off_t) = dlsym(RTLD_NEXT, "mmap");
	void *p = real(addr, len, prot, flags, fd, off);

	note(p, len, fd);
	return p;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	int (*real)(void *, size_t) = dlsym(RTLD_NEXT, "munmap");
	int i;

	for (i = 0; i < MAX_MAPS; i++)
		if (maps[i].start == addr)
			maps[i].start = NULL;
	return real(addr, len);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
	ssize_t (*real)(int, const void *, size_t, off_t) = dlsym(RTLD_NEXT, "pwrite");

	const unsigned char *b = buf;
	FILE *log;

	if (in_p2pmem(buf) && mode("refuse")) {
		errno = EREMOTEIO;
		return -1;
	}
	if (in_p2pmem(buf) && mode("record") && n >= 8 && getenv("P2PTEST_SHIM_LOG")) {
		log = fopen(getenv("P2PTEST_SHIM_LOG"), "a");
		if (log) {
			fprintf(log, "%02x%02x%02x%02x%02x%02x%02x%02x\n", b[0], b[1], b[2], b[3],
				b[4], b[5], b[6], b[7]);
			fclose(log);
		}
	}
	return real(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	return pwrite(fd, buf, n, off);
}

ssize_t pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t (*real)(int, void *, size_t, off_t) = dlsym(RTLD_NEXT, "pread");
	ssize_t ret;

	if (in_p2pmem(buf) && mode("refuse")) {
		errno = EREMOTEIO;
		return -1;
	}
	if (in_p2pmem(buf) && mode("lost"))
		return (ssize_t)n;
	ret = real(fd, buf, n, off);
	if (ret > 0 && in_p2pmem(buf) && mode("ff"))
		memset(buf, 0xff, (size_t)ret);
	return ret;
}

ssize_t pread64(int fd, void *buf, size_t n, off_t off)
{
	return pread(fd, buf, n, off);
}
