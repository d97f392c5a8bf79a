// SPDX-License-Identifier: GPL-2.0
/*
 * Races of /dev/p2ptest made deterministic: one thread is parked inside an
 * ioctl on a userfaultfd page (the kernel copying the ioctl's user memory
 * waits until this program answers the fault), the other operation runs
 * meanwhile, then the parked one goes on. What each case asserts:
 *
 *   export-vs-unbind    an EXPORT parked while its provider is unbound
 *                       fails with ENODEV: no export of a device that is
 *                       gone (it would keep the freed provider);
 *   export-vs-decode    an EXPORT parked while memory decode is turned off
 *                       starts revoked (IMPORT and mmap: ENODEV) and is
 *                       restored when decode comes back;
 *   transfer-vs-unimport  UNIMPORT of the handle a parked TRANSFER uses
 *                       waits for the transfer instead of freeing the
 *                       import under it;
 *   export-efault, import-efault  an ioctl whose result cannot be copied
 *                       back (its argument in a read-only page) fails with
 *                       EFAULT and leaves no file descriptor, import or
 *                       buffer behind;
 *   mmap-private        a MAP_PRIVATE mapping of a buffer is refused:
 *                       EINVAL (copy-on-write of MMIO makes no sense);
 *   mmap-revoke         a CPU mapping has no page left once the buffer is
 *                       revoked (SIGBUS) and gets them back, at fault time,
 *                       once it is restored: pages are inserted under the
 *                       lock the revoke takes, never ahead of it;
 *   decode-hammer       two threads flip memory decode while a third
 *                       closes and makes exports: revokers take turns and
 *                       skip dying buffers (the kernel log judges, with
 *                       DEBUG_LIST and KASAN);
 *   unload              with a dma-buf alive after /dev/p2ptest is
 *                       closed, the module cannot be removed; once the
 *                       buffer is closed it can. Run last (--unload): the
 *                       module is gone afterwards.
 *
 * One line per case, "ok NAME" or "not ok NAME: why"; exit status 1 if one
 * failed. Naming cases runs only those.
 *
 *   p2ptest_races PROVIDER-BDF BAR CLIENT-BDF [CASE...]
 *   p2ptest_races --unload PROVIDER-BDF BAR
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
#include <sys/syscall.h>

#include "p2ptest_client.h"
#include "p2ptest_park.h"

#define PAGE		4096
#define DECODE_FLIPS	200
#define EXPORT_ROUNDS	200

static struct p2ptest_pci_addr provider, client;
static const char *provider_bdf;
static uint32_t bar;
static int failures;

static void result(const char *name, bool ok, const char *why)
{
	if (ok) {
		printf("ok %s\n", name);
	} else {
		printf("not ok %s: %s\n", name, why);
		failures++;
	}
	fflush(stdout);
}

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

static void export_vs_unbind(int ctl)
{
	struct p2ptest_export e;
	struct call c;
	int err = parked_export(ctl, unbind_provider, &e, &c);

	if (err)
		result("export-vs-unbind", false, strerror(-err));
	else if (c.ret == 0)
		result("export-vs-unbind", false,
		       "an export parked across the unbind succeeded: its provider is gone");
	else
		result("export-vs-unbind", c.err == ENODEV, strerror(c.err));
	if (c.ret == 0)
		close(e.fd);
	err = p2ptest_driver_bind("p2ptest", provider_bdf);
	result("rebind-provider", !err, strerror(-err));
}

static int try_import(int ctl, int fd, uint32_t *handle)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(ctl, fd, &client, &imp);

	*handle = imp.handle;
	return ret;
}

static void export_vs_decode(int ctl)
{
	struct p2ptest_export e;
	uint32_t handle = 0;
	struct call c;
	void *map;
	int err = parked_export(ctl, decode_off, &e, &c);

	if (err || c.ret) {
		result("export-vs-decode", false, strerror(err ? -err : c.err));
		set_decode(true);
		if (c.ret == 0)
			close(e.fd);
		return;
	}
	err = try_import(ctl, e.fd, &handle);
	if (!err)
		__p2ptest_unimport(ctl, handle);
	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, e.fd, 0);
	if (map != MAP_FAILED)
		munmap(map, PAGE);
	result("export-vs-decode", err == -ENODEV && map == MAP_FAILED,
	       "an export made while decode was off is not revoked");
	err = set_decode(true);
	if (!err)
		err = try_import(ctl, e.fd, &handle);
	if (!err)
		__p2ptest_unimport(ctl, handle);
	result("export-vs-decode-restored", !err, strerror(-err));
	close(e.fd);
}

static void transfer_vs_unimport(int ctl)
{
	static unsigned char data[512];
	struct p2ptest_transfer t = { .direction = P2PTEST_TO_BUFFER, .length = sizeof(data) };
	struct p2ptest_handle h;
	struct call tc, uc;
	struct park p = { .uffd = -1 };
	bool blocked;
	int fd, err;

	fd = export_page(ctl, 0);
	err = fd < 0 ? fd : park_init(&p);
	if (err) {
		result("transfer-vs-unimport", false, strerror(-err));
		if (fd >= 0)
			close(fd);
		return;
	}
	err = try_import(ctl, fd, &t.handle);
	if (err) {
		result("transfer-vs-unimport", false, strerror(-err));
		goto out;
	}
	t.data = (uintptr_t)p.page;
	call_start(&tc, ctl, P2PTEST_IOC_TRANSFER, &t);
	err = park_wait(&p);
	/* The same import, on the same file, from another thread. */
	h = (struct p2ptest_handle){ .handle = t.handle };
	call_start(&uc, ctl, P2PTEST_IOC_UNIMPORT, &h);
	blocked = !err && call_blocks(&uc);
	memset(data, 0x5a, sizeof(data));
	park_release(&p, data, sizeof(data));
	pthread_join(tc.thread, NULL);
	pthread_join(uc.thread, NULL);
	if (err)
		result("transfer-vs-unimport", false, strerror(-err));
	else
		result("transfer-vs-unimport", blocked && !tc.ret && !uc.ret,
		       !blocked ? "UNIMPORT freed the import while a TRANSFER was using it" :
		       tc.ret ? "the transfer failed" : "the unimport failed");
out:
	park_fini(&p);
	close(fd);
}

/* @size bytes holding @arg, made read-only: the kernel cannot copy back. */
static void *read_only_copy(const void *arg, size_t size)
{
	void *page = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);

	if (page == MAP_FAILED)
		return NULL;
	memcpy(page, arg, size);
	mprotect(page, PAGE, PROT_READ);
	return page;
}

static void export_efault(int ctl)
{
	struct p2ptest_range r = { .offset = 0, .length = PAGE };
	struct p2ptest_export e = {
		.provider = provider, .bar = bar, .nr_ranges = 1, .ranges = (uintptr_t)&r,
	};
	int fds = p2ptest_count_fds(), bufs = p2ptest_count_phys_bufs(), ret;
	void *ro = read_only_copy(&e, sizeof(e));

	ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_EXPORT, ro);
	munmap(ro, PAGE);
	/* The buffer's release, if any, runs on return to user space. */
	result("export-efault", ret == -EFAULT && p2ptest_count_fds() == fds &&
	       p2ptest_count_phys_bufs() == bufs,
	       ret ? "a file descriptor or a buffer was left behind" : "no EFAULT");
}

static void import_efault(int ctl)
{
	int fd = export_page(ctl, 0), bufs, ret;
	struct p2ptest_import imp = { .dmabuf_fd = fd, .client = client };
	void *ro = read_only_copy(&imp, sizeof(imp));

	bufs = p2ptest_count_phys_bufs();
	ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_IMPORT, ro);
	munmap(ro, PAGE);
	close(fd);
	/* No import holds the buffer: closing it freed it. */
	result("import-efault", fd >= 0 && ret == -EFAULT &&
	       p2ptest_count_phys_bufs() == bufs - 1,
	       ret ? "an unreachable import keeps the buffer alive" : "no EFAULT");
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

static void mmap_cases(int ctl)
{
	int fd = export_page(ctl, 0), err;
	void *map;

	if (fd < 0) {
		result("mmap-private", false, strerror(-fd));
		return;
	}
	map = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	result("mmap-private", map == MAP_FAILED && errno == EINVAL,
	       map == MAP_FAILED ? strerror(errno) : "a private mapping of MMIO was made");
	if (map != MAP_FAILED)
		munmap(map, PAGE);

	map = mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		result("mmap-revoke", false, strerror(errno));
		close(fd);
		return;
	}
	err = readable(map) ? __p2ptest_revoke(ctl, fd, 0) : -EFAULT;
	result("mmap-revoke", !err && !readable(map),
	       err ? strerror(-err) : "a page is still mapped after the revoke");
	err = __p2ptest_revoke(ctl, fd, 1);
	result("mmap-restore", !err && readable(map),
	       err ? strerror(-err) : "the mapping does not work again after the restore");
	munmap(map, PAGE);
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

static void decode_hammer(int ctl)
{
	pthread_t flip[2];
	int fds[8] = { -1, -1, -1, -1, -1, -1, -1, -1 }, i, err;

	for (i = 0; i < 2; i++)
		pthread_create(&flip[i], NULL, decode_flipper, NULL);
	/* Exports die (their last close) while revokers walk them. */
	for (i = 0; i < EXPORT_ROUNDS; i++) {
		int *fd = &fds[i % 8];

		if (*fd >= 0)
			close(*fd);
		*fd = export_page(ctl, (uint64_t)(i % 8) * PAGE);
		if (*fd < 0)
			atomic_store(&hammer_err, *fd);
	}
	for (i = 0; i < 2; i++)
		pthread_join(flip[i], NULL);
	for (i = 0; i < 8; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	err = set_decode(true);
	if (!err)
		err = atomic_load(&hammer_err);
	result("decode-hammer", !err, strerror(-err));
}

static void unload(void)
{
	int ctl = p2ptest_open(), fd;
	void *map;

	if (ctl < 0) {
		result("unload", false, P2PTEST_DEV);
		return;
	}
	fd = export_page(ctl, 0);
	map = fd < 0 ? MAP_FAILED : mmap(NULL, PAGE, PROT_READ, MAP_SHARED, fd, 0);
	if (map != MAP_FAILED)
		munmap(map, PAGE);
	close(ctl);
	if (fd < 0 || map == MAP_FAILED) {
		result("unload", false, "export or mmap failed");
		return;
	}
	if (!syscall(SYS_delete_module, "p2ptest", O_NONBLOCK)) {
		/* Closing the buffer now would run code that is gone. */
		result("unload-refused-while-exported", false,
		       "p2ptest was removed while one of its dma-bufs is alive");
		return;
	}
	result("unload-refused-while-exported", errno == EWOULDBLOCK, strerror(errno));
	close(fd);
	result("unload-after-close", !syscall(SYS_delete_module, "p2ptest", O_NONBLOCK),
	       strerror(errno));
}

static const struct {
	const char *name;
	void (*run)(int ctl);
} cases[] = {
	{ "export-efault", export_efault },
	{ "import-efault", import_efault },
	{ "transfer-vs-unimport", transfer_vs_unimport },
	{ "export-vs-decode", export_vs_decode },
	{ "mmap", mmap_cases },
	{ "decode-hammer", decode_hammer },
	{ "export-vs-unbind", export_vs_unbind },
};

static bool wanted(const char *name, char **names, int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return !n;
}

int main(int argc, char **argv)
{
	bool unload_only = argc > 1 && !strcmp(argv[1], "--unload");
	size_t i;
	int ctl;

	if (unload_only)
		argv++, argc--;
	if (argc < (unload_only ? 3 : 4) || (unload_only && argc > 3) ||
	    p2ptest_parse_bdf(argv[1], &provider) ||
	    (!unload_only && p2ptest_parse_bdf(argv[3], &client))) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR CLIENT-BDF [CASE...]\n"
			"       %s --unload PROVIDER-BDF BAR\n", argv[0], argv[0]);
		return 2;
	}
	provider_bdf = argv[1];
	bar = (uint32_t)atoi(argv[2]);
	if (unload_only) {
		unload();
		return failures ? 1 : 0;
	}
	ctl = p2ptest_open();
	if (ctl < 0) {
		fprintf(stderr, "%s: %s\n", P2PTEST_DEV, strerror(-ctl));
		return 2;
	}
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (wanted(cases[i].name, argv + 4, argc - 4))
			cases[i].run(ctl);
	close(ctl);
	return failures ? 1 : 0;
}
