// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest stays loaded while one of its dma-bufs lives: with a buffer
 * alive (and mapped once) after /dev/p2ptest is closed, the module cannot
 * be removed, its release would run in unloaded code; once the buffer is
 * closed it can. The second test removes the module: run this last.
 *
 *   p2ptest_unload PROVIDER-BDF BAR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"

#define PAGE		4096

/* From the command line. */
static struct p2ptest_pci_addr provider;
static uint32_t bar;

/* A dma-buf of p2ptest's, mapped and unmapped, on a closed /dev/p2ptest. */
FIXTURE(unload) {
	int fd;
};

FIXTURE_SETUP(unload)
{
	struct p2ptest_range r = { .offset = 0, .length = PAGE };
	int ctl = p2ptest_open();
	void *map;

	ASSERT_LE(0, ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(ctl));
	self->fd = __p2ptest_export(ctl, &provider, bar, &r, 1);
	close(ctl);
	ASSERT_LE(0, self->fd) TH_LOG("export: %s", p2ptest_errname(self->fd));
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, self->fd, 0);
	ASSERT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	munmap(map, PAGE);
}

FIXTURE_TEARDOWN(unload)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* delete_module(2) of p2ptest, not waiting for its users: 0 or -errno. */
static int remove_p2ptest(void)
{
	return syscall(SYS_delete_module, "p2ptest", O_NONBLOCK) ? -errno : 0;
}

TEST_F(unload, refused_while_exported)
{
	int ret = remove_p2ptest();

	EXPECT_ERRNO(EWOULDBLOCK, ret);
}

TEST_F(unload, removed_after_close)
{
	int ret;

	close(self->fd);
	self->fd = -1;
	ret = remove_p2ptest();
	EXPECT_ERRNO(0, ret);
}

int main(int argc, char **argv)
{
	if (argc != 3 || p2ptest_parse_bdf(argv[1], &provider)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR\n", argv[0]);
		return 2;
	}
	bar = (uint32_t)atoi(argv[2]);
	return test_harness_run(argc, argv);
}
