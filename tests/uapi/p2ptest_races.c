// SPDX-License-Identifier: GPL-2.0
/*
 * Races of /dev/p2ptest made deterministic: one thread is parked inside an
 * ioctl on a userfaultfd page (the kernel copying the ioctl's user memory
 * waits until this program answers the fault), the other operation runs
 * meanwhile, then the parked one goes on. One test each:
 *
 *   export_efault, import_efault  an ioctl whose result cannot be copied
 *                       back (its argument in a read-only page) fails with
 *                       EFAULT and leaves no file descriptor, import or
 *                       buffer behind;
 *   transfer_vs_unimport  UNIMPORT of the handle a parked TRANSFER uses
 *                       waits for the transfer instead of freeing the
 *                       import under it;
 *   export_vs_decode    an EXPORT parked while memory decode is turned off
 *                       starts revoked (IMPORT and mmap: ENODEV),
 *   export_vs_decode_restored  and is restored when decode comes back;
 *   mmap_private        a MAP_PRIVATE mapping of a buffer is refused:
 *                       EINVAL (copy-on-write of MMIO makes no sense);
 *   mmap_revoke         a CPU mapping has no page left once the buffer is
 *                       revoked (SIGBUS),
 *   mmap_restore        and gets them back, at fault time, once it is
 *                       restored: pages are inserted under the lock the
 *                       revoke takes, never ahead of it;
 *   decode_hammer       two threads flip memory decode while a third
 *                       closes and makes exports: revokers take turns and
 *                       skip dying buffers (the kernel log judges, with
 *                       DEBUG_LIST and KASAN);
 *   export_vs_unbind    an EXPORT parked while its provider is unbound
 *                       fails with ENODEV: no export of a device that is
 *                       gone (it would keep the freed provider);
 *   export_vs_unbind_rebind  after which the provider binds again and
 *                       exports.
 *
 * Each test leaves the provider decoding and bound to p2ptest (the
 * fixture's teardown). Unloading the module is p2ptest_unload's.
 *
 *   p2ptest_races PROVIDER-BDF BAR CLIENT-BDF
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_park.h"

#define PAGE		4096
#define DECODE_FLIPS	200
#define EXPORT_ROUNDS	200

/* From the command line. */
static struct p2ptest_pci_addr provider, client;
static const char *provider_bdf;
static uint32_t bar;

/* Memory decode of the provider on or off, as setpci writes it. */
static int set_decode(bool on)
{
	return p2ptest_pci_set_decode(provider_bdf, on);
}

/* One page at @off of the provider's BAR: the dma-buf's fd, or -errno. */
static int export_page(int ctl, uint64_t off)
{
	struct p2ptest_range r = { .offset = off, .length = PAGE };

	return __p2ptest_export(ctl, &provider, bar, &r, 1);
}

static int try_import(int ctl, int fd, uint32_t *handle)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(ctl, fd, &client, &imp);

	*handle = imp.handle;
	return ret;
}

/*
 * EXPORT one page of the provider, parked while reading its range until
 * @during (0 or -errno) has run. The ioctl's result in *@c; returns
 * @during's (or the parking's) error.
 */
static int parked_export(int ctl, int (*during)(void), struct p2ptest_export *e,
			 struct call *c)
{
	struct p2ptest_range r = { .offset = 0, .length = PAGE };
	struct park p = { .uffd = -1 };
	int err;

	*e = (struct p2ptest_export){ .provider = provider, .bar = bar, .nr_ranges = 1 };
	c->ret = -1;
	c->err = 0;
	err = park_init(&p);
	if (err)
		return err;
	e->ranges = (uintptr_t)p.page;
	call_start(c, ctl, P2PTEST_IOC_EXPORT, e);
	err = park_wait(&p);
	if (!err)
		err = during();
	park_release(&p, &r, sizeof(r));
	pthread_join(c->thread, NULL);
	park_fini(&p);
	return err;
}

static int unbind_provider(void)
{
	return p2ptest_driver_unbind("p2ptest", provider_bdf);
}

static int decode_off(void)
{
	return set_decode(false);
}

FIXTURE(races) {
	int ctl;
};

FIXTURE_SETUP(races)
{
	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
}

/* The provider as the next test needs it, whatever this one did to it. */
FIXTURE_TEARDOWN(races)
{
	int err;

	close(self->ctl);
	err = set_decode(true);
	EXPECT_ERRNO(0, err);
	err = p2ptest_pci_bind(provider_bdf, "p2ptest", false, NULL, 0);
	EXPECT_ERRNO(0, err);
}

/* @size bytes holding @arg, made read-only: the kernel cannot copy back. */
static void *read_only_copy(const void *arg, size_t size)
{
	void *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (page == MAP_FAILED)
		return NULL;
	memcpy(page, arg, size);
	if (mprotect(page, PAGE, PROT_READ)) {
		munmap(page, PAGE);
		return NULL;
	}
	return page;
}

TEST_F(races, export_efault)
{
	struct p2ptest_range r = { .offset = 0, .length = PAGE };
	struct p2ptest_export e = {
		.provider = provider, .bar = bar, .nr_ranges = 1, .ranges = (uintptr_t)&r,
	};
	int fds = p2ptest_count_fds(), bufs = p2ptest_count_phys_bufs(), ret;
	void *ro = read_only_copy(&e, sizeof(e));

	ASSERT_NE(NULL, ro) TH_LOG("a read-only page: %s", strerror(errno));
	ret = __p2ptest_ioctl(self->ctl, P2PTEST_IOC_EXPORT, ro);
	munmap(ro, PAGE);
	EXPECT_ERRNO(EFAULT, ret);
	/* The buffer's release, if any, runs on return to user space. */
	EXPECT_EQ(fds, p2ptest_count_fds()) TH_LOG("a file descriptor was left behind");
	EXPECT_EQ(bufs, p2ptest_count_phys_bufs()) TH_LOG("a buffer was left behind");
}

TEST_F(races, import_efault)
{
	int fd = export_page(self->ctl, 0), bufs, ret;
	struct p2ptest_import imp = { .dmabuf_fd = fd, .client = client };
	void *ro;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	ro = read_only_copy(&imp, sizeof(imp));
	ASSERT_NE(NULL, ro) TH_LOG("a read-only page: %s", strerror(errno));
	bufs = p2ptest_count_phys_bufs();
	ret = __p2ptest_ioctl(self->ctl, P2PTEST_IOC_IMPORT, ro);
	munmap(ro, PAGE);
	close(fd);
	EXPECT_ERRNO(EFAULT, ret);
	/* No import holds the buffer: closing it freed it. */
	EXPECT_EQ(bufs - 1, p2ptest_count_phys_bufs())
		TH_LOG("an unreachable import keeps the buffer alive");
}

/* Threads wait for each other and for edu's DMA: no bound of time. */
TEST_F_TIMEOUT(races, transfer_vs_unimport, P2PTEST_TIMEOUT)
{
	static unsigned char data[512];
	struct p2ptest_transfer t = { .direction = P2PTEST_TO_BUFFER, .length = sizeof(data) };
	struct p2ptest_handle h;
	struct call tc, uc;
	struct park p = { .uffd = -1 };
	bool blocked;
	int fd, err;

	fd = export_page(self->ctl, 0);
	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	err = try_import(self->ctl, fd, &t.handle);
	ASSERT_ERRNO(0, err);
	err = park_init(&p);
	ASSERT_ERRNO(0, err);
	t.data = (uintptr_t)p.page;
	call_start(&tc, self->ctl, P2PTEST_IOC_TRANSFER, &t);
	err = park_wait(&p);
	/* The same import, on the same file, from another thread. */
	h = (struct p2ptest_handle){ .handle = t.handle };
	call_start(&uc, self->ctl, P2PTEST_IOC_UNIMPORT, &h);
	blocked = !err && call_blocks(&uc);
	memset(data, 0x5a, sizeof(data));
	park_release(&p, data, sizeof(data));
	pthread_join(tc.thread, NULL);
	pthread_join(uc.thread, NULL);
	park_fini(&p);
	close(fd);
	ASSERT_ERRNO(0, err);
	EXPECT_TRUE(blocked) TH_LOG("UNIMPORT freed the import while a TRANSFER was using it");
	EXPECT_EQ(0, tc.ret) TH_LOG("the transfer: %s", strerror(tc.err));
	EXPECT_EQ(0, uc.ret) TH_LOG("the unimport: %s", strerror(uc.err));
}

TEST_F_TIMEOUT(races, export_vs_decode, P2PTEST_TIMEOUT)
{
	struct p2ptest_export e;
	uint32_t handle = 0;
	struct call c;
	void *map;
	int err = parked_export(self->ctl, decode_off, &e, &c);

	ASSERT_ERRNO(0, err);
	ASSERT_EQ(0, c.ret) TH_LOG("the export: %s", strerror(c.err));
	err = try_import(self->ctl, e.fd, &handle);
	if (!err)
		__p2ptest_unimport(self->ctl, handle);
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, e.fd, 0);
	EXPECT_EQ(MAP_FAILED, map) TH_LOG("an export made while decode was off maps");
	if (map != MAP_FAILED)
		munmap(map, PAGE);
	close(e.fd);
	/* And it imports no more than it maps. */
	EXPECT_ERRNO(ENODEV, err);
}

TEST_F_TIMEOUT(races, export_vs_decode_restored, P2PTEST_TIMEOUT)
{
	struct p2ptest_export e;
	uint32_t handle = 0;
	struct call c;
	int err = parked_export(self->ctl, decode_off, &e, &c);

	ASSERT_ERRNO(0, err);
	ASSERT_EQ(0, c.ret) TH_LOG("the export: %s", strerror(c.err));
	err = set_decode(true);
	ASSERT_ERRNO(0, err);
	err = try_import(self->ctl, e.fd, &handle);
	if (!err)
		__p2ptest_unimport(self->ctl, handle);
	close(e.fd);
	EXPECT_ERRNO(0, err);
}

static sigjmp_buf bus_jmp;

static void on_sigbus(int sig)
{
	siglongjmp(bus_jmp, sig);
}

/* Read a word of @p; false if that raised SIGBUS. */
static bool readable(volatile uint32_t *p)
{
	struct sigaction sa = { .sa_handler = on_sigbus }, old;
	bool ok = false;

	sigaction(SIGBUS, &sa, &old);
	if (!sigsetjmp(bus_jmp, 1)) {
		(void)*p;
		ok = true;
	}
	sigaction(SIGBUS, &old, NULL);
	return ok;
}

TEST_F(races, mmap_private)
{
	int fd = export_page(self->ctl, 0), err;
	void *map;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	map = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	if (map != MAP_FAILED)
		munmap(map, PAGE);
	close(fd);
	EXPECT_ERRNO(EINVAL, err);
}

/*
 * A shared mapping of a page of the buffer @fd, readable, then the
 * buffer revoked: the mapping, or MAP_FAILED (the test has failed).
 */
static void *map_revoked(struct __test_metadata *_metadata, int ctl, int fd)
{
	void *map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	int err;

	EXPECT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	if (map == MAP_FAILED)
		return map;
	EXPECT_TRUE(readable(map)) TH_LOG("a fresh mapping raises SIGBUS");
	err = __p2ptest_revoke(ctl, fd, 0);
	EXPECT_ERRNO(0, err);
	return map;
}

TEST_F(races, mmap_revoke)
{
	int fd = export_page(self->ctl, 0);
	void *map;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	map = map_revoked(_metadata, self->ctl, fd);
	if (map != MAP_FAILED) {
		EXPECT_FALSE(readable(map)) TH_LOG("a page is still mapped after the revoke");
		munmap(map, PAGE);
	}
	close(fd);
}

TEST_F(races, mmap_restore)
{
	int fd = export_page(self->ctl, 0), err;
	void *map;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	map = map_revoked(_metadata, self->ctl, fd);
	if (map != MAP_FAILED) {
		err = __p2ptest_revoke(self->ctl, fd, 1);
		EXPECT_ERRNO(0, err);
		EXPECT_TRUE(readable(map))
			TH_LOG("the mapping does not work again after the restore");
		munmap(map, PAGE);
	}
	close(fd);
}

static atomic_int hammer_err;

static void *decode_flipper(void *arg)
{
	int i, err;

	(void)arg;
	for (i = 0; i < DECODE_FLIPS; i++) {
		err = set_decode(i & 1);
		if (err)
			atomic_store(&hammer_err, err);
	}
	return NULL;
}

/* Hundreds of config writes and exports: no bound of time. */
TEST_F_TIMEOUT(races, decode_hammer, P2PTEST_TIMEOUT)
{
	pthread_t flip[2];
	int fds[8] = { -1, -1, -1, -1, -1, -1, -1, -1 }, i, err;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&flip[i], NULL, decode_flipper, NULL));
	/* Exports die (their last close) while revokers walk them. */
	for (i = 0; i < EXPORT_ROUNDS; i++) {
		int *fd = &fds[i % 8];

		if (*fd >= 0)
			close(*fd);
		*fd = export_page(self->ctl, (uint64_t)(i % 8) * PAGE);
		if (*fd < 0)
			atomic_store(&hammer_err, *fd);
	}
	for (i = 0; i < 2; i++)
		pthread_join(flip[i], NULL);
	for (i = 0; i < 8; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	err = atomic_load(&hammer_err);
	EXPECT_ERRNO(0, err);
}

/* An export parked across the provider's unbind: *@c its result. */
static void export_across_unbind(struct __test_metadata *_metadata, int ctl, struct call *c)
{
	struct p2ptest_export e;
	int err = parked_export(ctl, unbind_provider, &e, c);

	if (c->ret == 0)
		close(e.fd);
	ASSERT_ERRNO(0, err);
}

TEST_F_TIMEOUT(races, export_vs_unbind, P2PTEST_TIMEOUT)
{
	struct call c;

	export_across_unbind(_metadata, self->ctl, &c);
	ASSERT_NE(0, c.ret)
		TH_LOG("an export parked across the unbind succeeded: its provider is gone");
	EXPECT_EQ(ENODEV, c.err) TH_LOG("%s", strerror(c.err));
}

TEST_F_TIMEOUT(races, export_vs_unbind_rebind, P2PTEST_TIMEOUT)
{
	struct call c;
	int err, fd;

	export_across_unbind(_metadata, self->ctl, &c);
	err = p2ptest_driver_bind("p2ptest", provider_bdf);
	ASSERT_ERRNO(0, err);
	fd = export_page(self->ctl, 0);
	if (fd >= 0)
		close(fd);
	EXPECT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
}

int main(int argc, char **argv)
{
	if (argc != 4 || p2ptest_parse_bdf(argv[1], &provider) ||
	    p2ptest_parse_bdf(argv[3], &client)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR CLIENT-BDF\n", argv[0]);
		return 2;
	}
	provider_bdf = argv[1];
	bar = (uint32_t)atoi(argv[2]);
	return test_harness_run(argc, argv);
}
