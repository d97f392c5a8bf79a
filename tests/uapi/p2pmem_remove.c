// SPDX-License-Identifier: GPL-2.0
/*
 * A provider of p2pmem removed while user space has its memory mapped
 * (p2pmem/allocate): the removal must finish (the mapping is zapped, not
 * waited for), and the next access must get SIGBUS instead of reaching
 * memory that is gone. The provider is gone afterwards: run this last.
 *
 *   p2pmem_remove PROVIDER
 *
 * PROVIDER is the PCI name of a device with published p2pmem (an NVMe CMB).
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"

/* From the command line. */
static const char *provider;

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Four pages of the provider's p2pmem, written once. */
FIXTURE(mapped) {
	volatile uint8_t *buf;
	size_t len;
};

FIXTURE_SETUP(mapped)
{
	void *p;
	int ret;

	self->len = (size_t)sysconf(_SC_PAGESIZE) * 4;
	ret = __p2ptest_p2pmem_map(provider, self->len, &p);
	ASSERT_ERRNO(0, ret);
	self->buf = p;
	self->buf[0] = 1;
}

FIXTURE_TEARDOWN(mapped)
{
	munmap((void *)self->buf, self->len);
}

/* The sysfs removal: it must return while the memory is mapped. */
TEST_F_TIMEOUT(mapped, remove, P2PTEST_TIMEOUT)
{
	struct sigaction sa = { .sa_handler = on_sigbus };
	volatile bool answered = false;
	int ret;

	ret = p2ptest_pci_write(provider, "remove", "1");
	ASSERT_ERRNO(0, ret);
	ASSERT_EQ(0, sigaction(SIGBUS, &sa, NULL));
	if (sigsetjmp(bus_jmp, 1) == 0) {
		self->buf[0] = 2;
		answered = true;
	}
	signal(SIGBUS, SIG_DFL);
	EXPECT_FALSE(answered) TH_LOG("the mapping still answers after removal");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PROVIDER\n", argv[0]);
		return 2;
	}
	provider = argv[1];
	return test_harness_run(argc, argv);
}
