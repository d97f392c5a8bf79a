// SPDX-License-Identifier: GPL-2.0
/*
 * Races of a VFIO exporter and /dev/p2ptest made deterministic: one thread
 * is parked inside an ioctl on a userfaultfd page (the kernel copying the
 * ioctl's user memory waits until this program answers the fault), the
 * other operation runs meanwhile, then the parked one goes on. The
 * provider is bound to vfio-pci and exports through
 * VFIO_DEVICE_FEATURE_DMA_BUF; the client imports through /dev/p2ptest.
 * One test each:
 *
 *   import_efault       an IMPORT whose result cannot be copied back (its
 *                       argument in a read-only page) fails with EFAULT and
 *                       leaves no import holding the buffer;
 *   transfer_vs_unimport  UNIMPORT of the handle a parked TRANSFER uses
 *                       waits for the transfer instead of freeing the
 *                       import under it;
 *   export_vs_decode    an export parked while memory decode is turned off
 *                       through VFIO's config region starts revoked (IMPORT
 *                       and mmap: ENODEV),
 *   export_vs_decode_restored  and is restored when decode comes back;
 *   mmap_private        a MAP_PRIVATE mapping of a buffer is refused:
 *                       EINVAL (copy-on-write of MMIO makes no sense);
 *   mmap_revoke         a CPU mapping has no page left once decode is off
 *                       (SIGBUS),
 *   mmap_restore        and gets them back, at fault time, once decode is
 *                       on: pages are inserted under the lock the revoke
 *                       takes, never ahead of it;
 *   mmap_reset          VFIO_DEVICE_RESET revokes the buffer around the
 *                       reset and restores it: the mapping works after;
 *   mmap_close          closing the device revokes the mapping for good:
 *                       no page, not even once the device is open again;
 *   decode_hammer       two threads flip memory decode through VFIO while
 *                       a third closes and makes exports: revokes walk the
 *                       device's buffers under its memory_lock while dying
 *                       ones leave the list under it (the kernel log
 *                       judges, with DEBUG_LIST and KASAN), and with decode
 *                       back on every live export maps;
 *   export_vs_close     an export parked while another thread closes the
 *                       device's file (the parked call still holds it)
 *                       returns a buffer revoked for good when the call
 *                       ends: IMPORT and mmap ENODEV, also once the device
 *                       is open again, whose new exports import;
 *   export_vs_unbind    an export parked while vfio-pci unbinds the
 *                       provider: the unbind waits for the device's file
 *                       and asks for it through the request eventfd, the
 *                       program closes it, then lets the export go, which
 *                       returns a buffer revoked for good; the unbind then
 *                       ends (a buffer that kept the device registered
 *                       would hold it forever, and the VM's timeout fails
 *                       the run);
 *   export_vs_unbind_rebind  after which the provider binds to vfio-pci
 *                       again, and its new exports import.
 *
 * An export has no fault on its way out: VFIO returns the dma-buf's fd as
 * the ioctl's value and copies nothing back (its faults on the way in are
 * rows of the export errno table, lib/p2ptest/contract.c).
 *
 * Each test's fixture opens the provider through VFIO (in the test's own
 * process) and leaves it decoding, closed and bound to vfio-pci. Unloading
 * the module is p2ptest_unload's.
 *
 *   p2ptest_races PROVIDER-BDF BAR CLIENT-BDF
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/vfio.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_park.h"
#include "p2ptest_vfio.h"

#define PAGE		4096
#define DECODE_FLIPS	200
#define EXPORT_ROUNDS	200

/* From the command line. */
static struct p2ptest_pci_addr client;
static const char *provider_bdf;
static uint32_t bar;

/*
 * The provider through VFIO, opened by the fixture in the test's process
 * and shared by its threads (one open of a group at a time); -1 once a
 * test closed it.
 */
static int dev = -1;

/* One page at @off of the provider's BAR: the dma-buf's fd, or -errno. */
static int export_page(uint64_t off)
{
	return __vfio_dma_buf_export_range(dev, bar, off, PAGE);
}

static int try_import(int ctl, int fd, uint32_t *handle)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(ctl, fd, &client, &imp);

	*handle = imp.handle;
	return ret;
}

/* VFIO_DEVICE_FEATURE_DMA_BUF's header; its ranges follow. */
struct feature_head {
	struct vfio_device_feature f;
	struct vfio_device_feature_dma_buf d;
};

/*
 * Export the provider's first page, parked while the kernel reads the
 * range until @during (0 or -errno) has run. The ioctl's result (the
 * dma-buf's fd, or -1 and c->err) in *@c; returns @during's (or the
 * parking's) error.
 */
static int parked_export(int (*during)(void), struct call *c)
{
	const struct vfio_region_dma_range r = { .offset = 0, .length = PAGE };
	struct park p = { .uffd = -1 };
	struct feature_head *arg;
	int err;

	c->ret = -1;
	c->err = 0;
	err = park_init(&p);
	if (err)
		return err;
	/* The header ends where the parked page, the range, begins. */
	arg = (void *)((char *)p.page - sizeof(*arg));
	*arg = (struct feature_head){
		.f = { .argsz = sizeof(*arg) + sizeof(r),
		       .flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_DMA_BUF },
		.d = { .region_index = bar, .open_flags = O_RDWR | O_CLOEXEC, .nr_ranges = 1 },
	};
	call_start(c, dev, VFIO_DEVICE_FEATURE, arg);
	err = park_wait(&p);
	if (!err)
		err = during();
	park_release(&p, &r, sizeof(r));
	/*
	 * The call's thread drops the last reference to a device file closed
	 * meanwhile on its way out: the device's release has run once it is
	 * joined.
	 */
	pthread_join(c->thread, NULL);
	park_fini(&p);
	return err;
}

static int decode_off(void)
{
	return __vfio_set_decode(dev, false);
}

/*
 * Close the device's file while an export on it is parked. The parked call
 * holds the file: the device is released when the call returns.
 */
static int close_device(void)
{
	int err = close(dev) ? -errno : 0;

	dev = -1;
	return err;
}

/* IMPORT and mmap of the dma-buf @fd are both refused: ENODEV, revoked. */
static void expect_revoked(struct __test_metadata *_metadata, int ctl, int fd)
{
	uint32_t handle = 0;
	void *map;
	int err = try_import(ctl, fd, &handle);

	if (!err)
		__p2ptest_unimport(ctl, handle);
	EXPECT_ERRNO(ENODEV, err);
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	err = map == MAP_FAILED ? -errno : 0;
	if (map != MAP_FAILED)
		munmap(map, PAGE);
	EXPECT_ERRNO(ENODEV, err);
}

/* A new export of the provider imports: the device exports again. */
static void expect_exports(struct __test_metadata *_metadata, int ctl)
{
	uint32_t handle = 0;
	int fd = export_page(0), err;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	err = try_import(ctl, fd, &handle);
	if (!err)
		__p2ptest_unimport(ctl, handle);
	close(fd);
	EXPECT_ERRNO(0, err);
}

FIXTURE(races) {
	int ctl;
};

FIXTURE_SETUP(races)
{
	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
	dev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, dev) TH_LOG("%s through VFIO: %s", provider_bdf, p2ptest_errname(dev));
}

/* The provider as the next test needs it, whatever this one did to it. */
FIXTURE_TEARDOWN(races)
{
	int err;

	close(self->ctl);
	if (dev >= 0) {
		err = __vfio_set_decode(dev, true);
		EXPECT_ERRNO(0, err);
		close(dev);
	}
	/* Bound already: a no-op. Unbound by the test: bound again. */
	err = p2ptest_pci_bind(provider_bdf, "vfio-pci", false, NULL, 0);
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

/* Every test opens the device: each has its own bound of time. */
TEST_F_TIMEOUT(races, import_efault, P2PTEST_TIMEOUT)
{
	int fd = export_page(0), bufs, ret;
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

	fd = export_page(0);
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
	struct call c;
	int err = parked_export(decode_off, &c);

	ASSERT_ERRNO(0, err);
	ASSERT_LE(0, c.ret) TH_LOG("the export: %s", strerror(c.err));
	expect_revoked(_metadata, self->ctl, c.ret);
	close(c.ret);
}

TEST_F_TIMEOUT(races, export_vs_decode_restored, P2PTEST_TIMEOUT)
{
	uint32_t handle = 0;
	struct call c;
	int err = parked_export(decode_off, &c);

	ASSERT_ERRNO(0, err);
	ASSERT_LE(0, c.ret) TH_LOG("the export: %s", strerror(c.err));
	err = __vfio_set_decode(dev, true);
	ASSERT_ERRNO(0, err);
	err = try_import(self->ctl, c.ret, &handle);
	if (!err)
		__p2ptest_unimport(self->ctl, handle);
	close(c.ret);
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

TEST_F_TIMEOUT(races, mmap_private, P2PTEST_TIMEOUT)
{
	int fd = export_page(0), err;
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
 * A shared mapping of the buffer @fd, readable: the mapping, or
 * MAP_FAILED (the test has failed).
 */
static void *map_readable(struct __test_metadata *_metadata, int fd)
{
	void *map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);

	EXPECT_NE(MAP_FAILED, map) TH_LOG("mmap: %s", strerror(errno));
	if (map != MAP_FAILED)
		EXPECT_TRUE(readable(map)) TH_LOG("a fresh mapping raises SIGBUS");
	return map;
}

/* A readable mapping of a page of the provider, then decode turned off. */
static void *map_decode_off(struct __test_metadata *_metadata, int fd)
{
	void *map = map_readable(_metadata, fd);
	int err;

	if (map == MAP_FAILED)
		return map;
	err = __vfio_set_decode(dev, false);
	EXPECT_ERRNO(0, err);
	return map;
}

TEST_F_TIMEOUT(races, mmap_revoke, P2PTEST_TIMEOUT)
{
	int fd = export_page(0);
	void *map;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	map = map_decode_off(_metadata, fd);
	if (map != MAP_FAILED) {
		EXPECT_FALSE(readable(map)) TH_LOG("a page is still mapped with decode off");
		munmap(map, PAGE);
	}
	close(fd);
}

TEST_F_TIMEOUT(races, mmap_restore, P2PTEST_TIMEOUT)
{
	int fd = export_page(0), err;
	void *map;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	map = map_decode_off(_metadata, fd);
	if (map != MAP_FAILED) {
		err = __vfio_set_decode(dev, true);
		EXPECT_ERRNO(0, err);
		EXPECT_TRUE(readable(map))
			TH_LOG("the mapping does not work again with decode on");
		munmap(map, PAGE);
	}
	close(fd);
}

TEST_F_TIMEOUT(races, mmap_reset, P2PTEST_TIMEOUT)
{
	int fd = export_page(0), err;
	void *map;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	map = map_readable(_metadata, fd);
	if (map != MAP_FAILED) {
		err = __vfio_reset(dev);
		EXPECT_ERRNO(0, err);
		EXPECT_TRUE(readable(map))
			TH_LOG("the mapping does not work again after VFIO_DEVICE_RESET");
		munmap(map, PAGE);
	}
	close(fd);
}

TEST_F_TIMEOUT(races, mmap_close, P2PTEST_TIMEOUT)
{
	int fd = export_page(0), err;
	void *map;

	ASSERT_LE(0, fd) TH_LOG("export: %s", p2ptest_errname(fd));
	map = map_readable(_metadata, fd);
	if (map != MAP_FAILED) {
		err = close_device();
		EXPECT_ERRNO(0, err);
		EXPECT_FALSE(readable(map)) TH_LOG("a page is still mapped after the device's close");
		/* Open again, the device decodes: its old buffers stay revoked. */
		dev = __vfio_open_device(provider_bdf);
		EXPECT_LE(0, dev) TH_LOG("%s through VFIO: %s", provider_bdf, p2ptest_errname(dev));
		EXPECT_FALSE(readable(map)) TH_LOG("a closed device's buffer maps once it is reopened");
		munmap(map, PAGE);
	}
	close(fd);
}

static atomic_int hammer_err;

static void *decode_flipper(void *arg)
{
	int i, err;

	(void)arg;
	/* Off first, on last: whichever thread writes last, decode ends on. */
	for (i = 0; i < DECODE_FLIPS; i++) {
		err = __vfio_set_decode(dev, i & 1);
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
	void *map;

	for (i = 0; i < 2; i++)
		ASSERT_EQ(0, pthread_create(&flip[i], NULL, decode_flipper, NULL));
	/* Exports die (their last close) while revokes walk them. */
	for (i = 0; i < EXPORT_ROUNDS; i++) {
		int *fd = &fds[i % 8];

		if (*fd >= 0)
			close(*fd);
		*fd = export_page((uint64_t)(i % 8) * PAGE);
		if (*fd < 0)
			atomic_store(&hammer_err, *fd);
	}
	for (i = 0; i < 2; i++)
		pthread_join(flip[i], NULL);
	err = atomic_load(&hammer_err);
	EXPECT_ERRNO(0, err);
	/*
	 * Decode is on: every live export, whether made while it was off or
	 * on, must have been restored.
	 */
	for (i = 0; i < 8; i++) {
		if (fds[i] < 0)
			continue;
		map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fds[i], 0);
		EXPECT_NE(MAP_FAILED, map)
			TH_LOG("export %d is still revoked with decode on: %s", i, strerror(errno));
		if (map != MAP_FAILED) {
			EXPECT_TRUE(readable(map)) TH_LOG("export %d has no page with decode on", i);
			munmap(map, PAGE);
		}
		close(fds[i]);
	}
}

TEST_F_TIMEOUT(races, export_vs_close, P2PTEST_TIMEOUT)
{
	struct call c;
	int err = parked_export(close_device, &c);

	ASSERT_ERRNO(0, err);
	/* The parked call held the device's file: it was still open. */
	ASSERT_LE(0, c.ret) TH_LOG("the export: %s", strerror(c.err));
	expect_revoked(_metadata, self->ctl, c.ret);
	dev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, dev) TH_LOG("%s through VFIO again: %s", provider_bdf, p2ptest_errname(dev));
	expect_revoked(_metadata, self->ctl, c.ret);
	close(c.ret);
	expect_exports(_metadata, self->ctl);
}

/* vfio-pci letting the provider go, in a thread of its own. */
static struct {
	pthread_t thread;
	bool started;
	int ret;
	atomic_bool done;
} unbind;

static void *unbind_thread(void *arg)
{
	(void)arg;
	unbind.ret = p2ptest_driver_unbind("vfio-pci", provider_bdf);
	atomic_store(&unbind.done, true);
	return NULL;
}

/* The eventfd vfio-pci signals when it wants the device back. */
static int request_fd = -1;

static int set_request_fd(int efd)
{
	struct {
		struct vfio_irq_set s;
		int32_t fd;
	} irq = {
		.s = {
			.argsz = sizeof(irq),
			.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
			.index = VFIO_PCI_REQ_IRQ_INDEX, .start = 0, .count = 1,
		},
		.fd = efd,
	};

	return ioctl(dev, VFIO_DEVICE_SET_IRQS, &irq) ? -errno : 0;
}

/*
 * Unbind the provider from vfio-pci, which waits until the device's file
 * is closed, and close it when vfio-pci asks for it. Whichever comes
 * first, the request or the unbind's end, decides: no bound of time.
 */
static int unbind_on_request(void)
{
	struct pollfd pfd = { .fd = request_fd, .events = POLLIN };
	uint64_t n;
	int ret;

	atomic_store(&unbind.done, false);
	unbind.started = !pthread_create(&unbind.thread, NULL, unbind_thread, NULL);
	if (!unbind.started)
		return -EAGAIN;
	while (!(ret = poll(&pfd, 1, 100))) {
		if (atomic_load(&unbind.done)) {
			fprintf(stderr, "# the unbind ended (%s) without asking for the open device\n",
				p2ptest_errname(unbind.ret));
			return -EPROTO;
		}
	}
	if (ret < 0 || read(request_fd, &n, sizeof(n)) != sizeof(n))
		return -errno;
	return close_device();
}

/*
 * An export parked across the provider's unbind from vfio-pci: *@c its
 * result. The unbind has ended, or the test has failed.
 */
static void export_across_unbind(struct __test_metadata *_metadata, int ctl, struct call *c)
{
	char driver[64];
	int err;

	request_fd = eventfd(0, EFD_CLOEXEC);
	ASSERT_LE(0, request_fd) TH_LOG("eventfd: %s", strerror(errno));
	err = set_request_fd(request_fd);
	ASSERT_ERRNO(0, err);
	unbind.started = false;
	err = parked_export(unbind_on_request, c);
	/*
	 * The export has returned, the device's file is closed: the unbind
	 * ends now, unless the buffer keeps the device registered. (Without
	 * the request, the file is closed here, or the unbind never ends.)
	 */
	if (unbind.started) {
		if (dev >= 0)
			close_device();
		pthread_join(unbind.thread, NULL);
	}
	close(request_fd);
	if (c->ret >= 0) {
		expect_revoked(_metadata, ctl, c->ret);
		close(c->ret);
	}
	ASSERT_ERRNO(0, err);
	EXPECT_ERRNO(0, unbind.ret);
	err = p2ptest_pci_driver(provider_bdf, driver, sizeof(driver));
	EXPECT_ERRNO(0, err);
	EXPECT_STREQ("", driver) TH_LOG("%s is still bound to %s", provider_bdf, driver);
}

TEST_F_TIMEOUT(races, export_vs_unbind, P2PTEST_TIMEOUT)
{
	struct call c;

	export_across_unbind(_metadata, self->ctl, &c);
	/* The parked call held the device's file: the device was still there. */
	EXPECT_LE(0, c.ret) TH_LOG("the export: %s", strerror(c.err));
}

TEST_F_TIMEOUT(races, export_vs_unbind_rebind, P2PTEST_TIMEOUT)
{
	struct call c;
	int err;

	export_across_unbind(_metadata, self->ctl, &c);
	err = p2ptest_driver_bind("vfio-pci", provider_bdf);
	ASSERT_ERRNO(0, err);
	dev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, dev) TH_LOG("%s through VFIO again: %s", provider_bdf, p2ptest_errname(dev));
	expect_exports(_metadata, self->ctl);
}

int main(int argc, char **argv)
{
	struct p2ptest_pci_addr provider;

	if (argc != 4 || p2ptest_parse_bdf(argv[1], &provider) ||
	    p2ptest_parse_bdf(argv[3], &client)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR CLIENT-BDF\n", argv[0]);
		return 2;
	}
	provider_bdf = argv[1];
	bar = (uint32_t)atoi(argv[2]);
	return test_harness_run(argc, argv);
}
