// SPDX-License-Identifier: MIT
/*
 * dmabuf_p2p: dma-bufs of PCI BAR ranges exported by /dev/p2ptest
 * (tests/p2ptest/uapi/linux/p2ptest.h), imported by a client device that DMAs
 * to and from them, revoked, hot-unplugged; and a system-memory dma-buf
 * from vgem imported the same way.
 *
 * Devices, found in sysfs unless named in the environment:
 *   P2PTEST_PROVIDER=BDF   default: the first ivshmem (1af4:1110)
 *   P2PTEST_CLIENT=BDF     default: the first QEMU edu (1234:11e8), the only
 *                          DMA engine /dev/p2ptest drives
 *   the two first QEMU NVMe controllers (1b36:0010), for the bus-address route
 * The provider's largest memory BAR is exported. Every device is bound to
 * the p2ptest driver (driver_override) for the run. The fixture adds the
 * host bridge (0000:00:00.0) to p2pdma's allow-list and puts the list back
 * at the end. hot-unplug and hot-unplug-client need the QEMU harness:
 * IGT_QMP_DIR (a folder the host watches: "request" holds "unplug ID" or
 * "replug ID", the host writes "reply") and P2PTEST_PROVIDER_QEMU_ID or
 * P2PTEST_CLIENT_QEMU_ID; sysfs-remove-* use sysfs "remove" and a rescan.
 *
 * Every byte DMA'd is checked against a seeded pattern through the
 * buffer's mmap (or vgem's), and all-0xff or all-zero data is named as such.
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <xf86drm.h>
#include <linux/p2ptest.h>

/* The IGT headers of what this test uses: IGT's igt.h brings i915, KMS and cairo too. */
#include "drmtest.h"
#include "igt_core.h"
#include "ioctl_wrappers.h"
#include "p2ptest_igt.h"
#include "p2ptest_pattern.h"

#define SYSPCI		P2PTEST_SYSFS_PCI "/devices"
#define BUF_SIZE	8192
#define XFER		P2PTEST_MAX_TRANSFER

struct dev {
	char bdf[P2PTEST_BDF_LEN];
	struct p2ptest_pci_addr addr;
	int bar;
	uint64_t bar_size;
};

static int ctl = -1;
static struct dev prov, client, nvme[2];
static int nr_nvme;
static char saved_allowlist[512];

/* sysfs */

/* The largest memory BAR of @d. */
static void find_bar(struct dev *d)
{
	d->bar = p2ptest_pci_largest_bar(d->bdf, &d->bar_size);
	igt_assert_f(d->bar >= 0, "%s has no memory BAR: %s\n", d->bdf, strerror(-d->bar));
}

/* The @index-th device (sorted by name) with @id "0xVVVV:0xDDDD", or @env's. */
static bool find_dev(const char *env, const char *id, int index, struct dev *d)
{
	struct dirent **names;
	char vendor[16], device[16], both[40];
	int n, i, found = 0;

	if (env && getenv(env)) {
		snprintf(d->bdf, sizeof(d->bdf), "%s", getenv(env));
		return p2ptest_pci_exists(d->bdf);
	}
	n = scandir(SYSPCI, &names, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (!p2ptest_pci_read(names[i]->d_name, "vendor", vendor, sizeof(vendor)) &&
		    !p2ptest_pci_read(names[i]->d_name, "device", device, sizeof(device))) {
			snprintf(both, sizeof(both), "%s:%s", vendor, device);
			if (!strcmp(both, id) && found++ == index)
				snprintf(d->bdf, sizeof(d->bdf), "%.15s", names[i]->d_name);
		}
		free(names[i]);
	}
	free(names);
	return found > index;
}

/*
 * The waits below end when their event happens (a device bindable, present
 * or gone, the harness's QMP answer); their bound, in seconds of the
 * monotonic clock, only stops a test that would otherwise hang. It is sized
 * for a guest that a busy host runs slowly: on an idle host each event
 * comes within a few seconds.
 */
#define EVENT_WAIT	300

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Bind @d to the p2ptest driver, taking it from its driver if it has one. */
static void bind_p2ptest(struct dev *d)
{
	double end;
	int err;

	igt_assert_f(!p2ptest_parse_bdf(d->bdf, &d->addr), "bad PCI address %s\n", d->bdf);
	find_bar(d);
	/*
	 * A device just replugged appears in sysfs some time after QEMU
	 * answered the device_add (ENOENT until the guest's hotplug driver
	 * has added it), and is there before the PCI core lets drivers match
	 * it (bind: ENODEV); it then binds by its override by itself.
	 */
	for (end = now() + EVENT_WAIT;; usleep(100000)) {
		err = p2ptest_pci_bind(d->bdf, "p2ptest", true, NULL, 0);
		if ((err != -ENODEV && err != -ENOENT) || now() > end)
			break;
	}
	igt_assert_f(!err, "%s: bind to p2ptest: %s\n", d->bdf, strerror(-err));
}

/* Trust the host bridge above everything, in addition to what was trusted. */
static void allow_host_bridge(void)
{
	char vendor[16], device[16], list[600];

	igt_assert_eq(p2ptest_pci_read("0000:00:00.0", "vendor", vendor, sizeof(vendor)), 0);
	igt_assert_eq(p2ptest_pci_read("0000:00:00.0", "device", device, sizeof(device)), 0);
	snprintf(list, sizeof(list), "%s%s%s:%s", saved_allowlist,
		 saved_allowlist[0] ? "," : "", vendor + 2, device + 2);
	igt_assert_eq(p2ptest_allowlist_set(list), 0);
}

/* The kernel's verdict for @a's memory and client @b, from debugfs. */
static void kernel_verdict(const char *a, const char *b, char *verdict, size_t len)
{
	char out[4096], v[64];
	int ret = p2ptest_explain(a, b, out, sizeof(out));

	igt_assert_f(!ret, "%s: %s\n", P2PTEST_EXPLAIN, strerror(-ret));
	igt_assert_f(p2ptest_explain_field(out, "verdict", v, sizeof(v)),
		     "no verdict line in %s\n", P2PTEST_EXPLAIN);
	snprintf(verdict, len, "%.*s", (int)strcspn(v, " "), v);
}

/* The kernel log since open_kmsg(). */

static int open_kmsg(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);

	igt_assert_f(fd >= 0, "/dev/kmsg: %s\n", strerror(errno));
	lseek(fd, 0, SEEK_END);
	return fd;
}

static bool kmsg_has(int fd, const char *what)
{
	char rec[4096];
	ssize_t n;
	bool found = false;

	while ((n = read(fd, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;
		rec[n] = '\0';
		igt_debug("kmsg: %s", rec);
		found |= strstr(rec, what) != NULL;
	}
	return found;
}

/* Patterns */

static void fill(volatile uint8_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = p2ptest_pattern_byte(seed, i);
}

static void check(const volatile uint8_t *p, size_t len, uint64_t seed, const char *what)
{
	size_t bad = 0, first = 0, ff = 0, zero = 0;

	for (size_t i = 0; i < len; i++) {
		ff += p[i] == 0xff;
		zero += p[i] == 0;
		if (p[i] != p2ptest_pattern_byte(seed, i) && !bad++)
			first = i;
	}
	igt_assert_f(!bad, "%s: %zu of %zu bytes differ from seed %#llx, first at %zu%s\n",
		     what, bad, len, (unsigned long long)seed, first,
		     ff == len ? " (all 0xff: the read hit nothing)" :
		     zero == len ? " (all zero)" : "");
}

/* /dev/p2ptest */

static int export_buf(const struct dev *d, uint64_t off, uint64_t len)
{
	struct p2ptest_range r = { .offset = off, .length = len };

	return p2ptest_export(ctl, &d->addr, (uint32_t)d->bar, &r, 1);
}

static uint8_t *map_buf(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	igt_assert_f(p != MAP_FAILED, "mmap of the dma-buf: %s\n", strerror(errno));
	return p;
}

/*
 * The client DMAs a pattern for @seed into [off, off + XFER) of the import,
 * checked through @view (the buffer's CPU mapping); then DMAs out what the
 * CPU wrote there for @seed + 1 and checks what came back.
 */
static void dma_both_ways(uint32_t handle, volatile uint8_t *view, uint64_t off, uint64_t seed)
{
	static uint8_t data[XFER];

	fill(data, XFER, seed);
	p2ptest_transfer(ctl, handle, P2PTEST_TO_BUFFER, off, data, XFER);
	check(view + off, XFER, seed, "bytes the client wrote, read by the CPU");

	fill(view + off, XFER, seed + 1);
	memset(data, 0, sizeof(data));
	p2ptest_transfer(ctl, handle, P2PTEST_FROM_BUFFER, off, data, XFER);
	check(data, XFER, seed + 1, "bytes the CPU wrote, read by the client");
}

/* DMA both ways through import @h of buffer @fd, check it by mmap, unimport. */
static void verify_then_unimport(int fd, uint32_t h, uint64_t off, uint64_t seed)
{
	uint8_t *view = map_buf(fd, BUF_SIZE);

	dma_both_ways(h, view, off, seed);
	p2ptest_unimport(ctl, h);
	munmap(view, BUF_SIZE);
}

/* Ask the QEMU harness to unplug or replug device @id; wait for its answer. */
static void qmp(const char *verb, const char *id)
{
	char req[300], tmp[310], reply[300], msg[256];
	const char *dir = getenv("IGT_QMP_DIR");
	double end;
	FILE *f;

	snprintf(req, sizeof(req), "%s/request", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", req);
	snprintf(reply, sizeof(reply), "%s/reply", dir);
	unlink(reply);
	f = fopen(tmp, "w");
	igt_assert_f(f, "%s: %s\n", tmp, strerror(errno));
	fprintf(f, "%s %s\n", verb, id);
	igt_assert_eq(fclose(f), 0);
	igt_assert_eq(rename(tmp, req), 0);
	/* The harness always answers: "ok" or why not, after its own bound. */
	for (end = now() + 2 * EVENT_WAIT; access(reply, F_OK) && now() < end;)
		usleep(100000);
	igt_assert_f(!p2ptest_sysfs_read(reply, msg, sizeof(msg)), "no answer to \"%s %s\"\n",
		     verb, id);
	igt_assert_f(!strcmp(msg, "ok"), "%s %s: %s\n", verb, id, msg);
	unlink(reply);
}

static void wait_present(const char *bdf, bool present)
{
	double end = now() + EVENT_WAIT;

	while (p2ptest_pci_exists(bdf) != present && now() < end)
		usleep(100000);
	igt_assert_f(p2ptest_pci_exists(bdf) == present, "%s still %s after %d s\n", bdf,
		     present ? "absent" : "present", EVENT_WAIT);
}

enum unplug { UNPLUG_QMP, UNPLUG_SYSFS };

/*
 * Take @victim (the provider or the client) away while a buffer of the
 * provider is imported, mapped and has carried DMA: through QEMU
 * (device_del; the QEMU id is in environment variable @qemu_id_env) or
 * through sysfs "remove". The import then fails with ENODEV and unimports
 * cleanly; the device comes back (device_add, or a bus rescan) and a new
 * import carries verified DMA.
 */
static void test_unplug_while_mapped(struct dev *victim, enum unplug how,
				     const char *qemu_id_env)
{
	const char *id = qemu_id_env ? getenv(qemu_id_env) : NULL;
	struct p2ptest_import imp;
	uint8_t scratch[64] = { 0 };
	volatile uint8_t *view;
	int fd, kmsg = -1;
	uint32_t h;

	if (how == UNPLUG_QMP)
		igt_require_f(getenv("IGT_QMP_DIR") && id,
			      "needs the QEMU harness (IGT_QMP_DIR, %s)\n", qemu_id_env);
	fd = export_buf(&prov, 0, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	dma_both_ways(h, view, 0, 0x9109);
	munmap((void *)view, BUF_SIZE);
	if (victim == &prov)
		kmsg = open_kmsg();
	if (how == UNPLUG_QMP)
		qmp("unplug", id);
	else
		igt_assert_eq(p2ptest_pci_write(victim->bdf, "remove", "1"), 0);
	wait_present(victim->bdf, false);
	if (victim == &prov) {
		igt_assert(kmsg_has(kmsg, "unbound: 1 exported buffer(s) revoked"));
		close(kmsg);
	}
	igt_assert_eq(__p2ptest_transfer(ctl, h, P2PTEST_TO_BUFFER, 0, scratch, sizeof(scratch)),
		      -ENODEV);
	igt_assert_eq(__p2ptest_import(ctl, fd, &client.addr, &imp), -ENODEV);
	p2ptest_unimport(ctl, h);
	close(fd);
	igt_assert_eq(p2ptest_count_phys_bufs(), 0);

	/* The device comes back and works as before. */
	if (how == UNPLUG_QMP)
		qmp("replug", id);
	else
		igt_assert_eq(p2ptest_pci_rescan(), 0);
	wait_present(victim->bdf, true);
	bind_p2ptest(victim);
	fd = export_buf(&prov, 0, BUF_SIZE);
	verify_then_unimport(fd, p2ptest_import(ctl, fd, &client.addr, NULL), 4096, 0x9110);
	close(fd);
}

/* vgem through libdrm */

static int open_vgem(void)
{
	char path[32];
	int i, fd;

	for (i = 0; i < 16; i++) {
		drmVersionPtr v;

		snprintf(path, sizeof(path), "/dev/dri/card%d", i);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		v = drmGetVersion(fd);
		if (v && !strcmp(v->name, "vgem")) {
			drmFreeVersion(v);
			return fd;
		}
		drmFreeVersion(v);
		close(fd);
	}
	return -1;
}

/* A vgem buffer of BUF_SIZE as a dma-buf; its mapping in *@view. */
static int vgem_buf(int card, uint8_t **view)
{
	struct drm_mode_create_dumb create = { .width = 1024, .height = 2, .bpp = 32 };
	struct drm_mode_map_dumb map = {};
	int prime;

	do_ioctl(card, DRM_IOCTL_MODE_CREATE_DUMB, &create);
	igt_assert_eq_u64(create.size, BUF_SIZE);
	igt_assert_eq(drmPrimeHandleToFD(card, create.handle, DRM_CLOEXEC | DRM_RDWR, &prime), 0);
	map.handle = create.handle;
	do_ioctl(card, DRM_IOCTL_MODE_MAP_DUMB, &map);
	*view = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, card, (off_t)map.offset);
	igt_assert(*view != MAP_FAILED);
	return prime;
}

/*
 * vgem maps a buffer for an importer when it attaches and unmaps it only at
 * detach: the client's removal must detach its imports, not leave the
 * mapping to a later UNIMPORT on a device whose IOMMU group is gone.
 */
static void test_vgem_client_removed(void)
{
	struct p2ptest_import imp;
	uint8_t scratch[64] = { 0 }, *view;
	int card = open_vgem(), prime;

	igt_require_f(card >= 0, "no vgem device (CONFIG_DRM_VGEM)\n");
	prime = vgem_buf(card, &view);
	p2ptest_import(ctl, prime, &client.addr, &imp);
	dma_both_ways(imp.handle, view, 0, 0x7e11);
	igt_assert_eq(p2ptest_pci_write(client.bdf, "remove", "1"), 0);
	wait_present(client.bdf, false);
	igt_assert_eq(__p2ptest_transfer(ctl, imp.handle, P2PTEST_TO_BUFFER, 0, scratch,
					 sizeof(scratch)), -ENODEV);
	p2ptest_unimport(ctl, imp.handle);
	munmap(view, BUF_SIZE);
	close(prime);
	close(card);

	igt_assert_eq(p2ptest_pci_rescan(), 0);
	wait_present(client.bdf, true);
	bind_p2ptest(&client);
}

/* A BAR index @d does not have, or -1. */
static int absent_bar(const struct dev *d)
{
	struct p2ptest_pci_bar bars[P2PTEST_NR_BARS];
	int bar;

	igt_assert_eq(p2ptest_pci_bars(d->bdf, bars), 0);
	for (bar = 0; bar < P2PTEST_NR_BARS; bar++)
		if (!bars[bar].flags)
			return bar;
	return -1;
}

/* Subtests */

static void setup(void)
{
	igt_require_f(geteuid() == 0, "/dev/p2ptest needs CAP_SYS_ADMIN\n");
	ctl = p2ptest_open();
	igt_require_f(ctl >= 0, "/dev/p2ptest: %s (modprobe p2ptest)\n", strerror(-ctl));
	igt_require_f(find_dev("P2PTEST_PROVIDER", "0x1af4:0x1110", 0, &prov),
		      "no provider: set P2PTEST_PROVIDER or add an ivshmem device\n");
	igt_require_f(find_dev("P2PTEST_CLIENT", "0x1234:0x11e8", 0, &client),
		      "no client: set P2PTEST_CLIENT or add a QEMU edu device\n");
	bind_p2ptest(&prov);
	bind_p2ptest(&client);
	while (nr_nvme < 2 && find_dev(NULL, "0x1b36:0x0010", nr_nvme, &nvme[nr_nvme]))
		nr_nvme++;
	igt_assert_eq(p2ptest_allowlist_get(saved_allowlist, sizeof(saved_allowlist)), 0);
	allow_host_bridge();
	igt_info("provider %s BAR %d (%llu KiB), client %s\n", prov.bdf, prov.bar,
		 (unsigned long long)prov.bar_size >> 10, client.bdf);
}

static void test_export_bar(void)
{
	struct p2ptest_range r[3] = {
		{ 0, 4096 }, { 8192, 4096 }, { prov.bar_size - 4096, 4096 },
	};
	int fd = export_buf(&prov, 0, 65536);

	igt_assert_eq_u64(lseek(fd, 0, SEEK_END), 65536);
	close(fd);
	fd = p2ptest_export(ctl, &prov.addr, (uint32_t)prov.bar, r, 3);
	igt_assert_eq_u64(lseek(fd, 0, SEEK_END), 3 * 4096);
	close(fd);
}

/* One dynamic subtest per row of lib/p2ptest/contract.c's errno table. */
static void test_export_invalid(void)
{
	static struct p2ptest_range ranges[P2PTEST_MAX_RANGES + 1];
	static struct p2ptest_export e;
	static size_t i;	/* static: kept across a failed dynamic subtest's longjmp */
	struct p2ptest_export_target t = {
		.provider = prov.addr, .bar = (uint32_t)prov.bar,
		.bar_size = prov.bar_size, .absent_bar = absent_bar(&prov),
	};

	for (i = 0; i < p2ptest_nr_bad_exports; i++) {
		igt_dynamic(p2ptest_bad_exports[i].name) {
			igt_require_f(!p2ptest_bad_export_prepare(&p2ptest_bad_exports[i], &t,
								  &e, ranges),
				      "%s has all six BARs\n", prov.bdf);
			do_ioctl_err(ctl, P2PTEST_IOC_EXPORT, &e, p2ptest_bad_exports[i].err);
		}
	}
}

static void test_mmap(void)
{
	int fd = export_buf(&prov, 0, BUF_SIZE);
	uint8_t *view = map_buf(fd, BUF_SIZE);

	fill(view, BUF_SIZE, 0x3a11);
	igt_assert_eq(munmap(view, BUF_SIZE), 0);
	view = map_buf(fd, BUF_SIZE);
	check(view, BUF_SIZE, 0x3a11, "BAR bytes through a second mapping");
	munmap(view, BUF_SIZE);
	close(fd);
	/* Another buffer of the same range shows the same memory. */
	fd = export_buf(&prov, 0, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	check(view, BUF_SIZE, 0x3a11, "BAR bytes through another buffer");
	munmap(view, BUF_SIZE);
	close(fd);
}

static void test_import_dma_host_bridge(void)
{
	struct p2ptest_import imp;
	char verdict[32];
	uint8_t *view;
	int fd;

	kernel_verdict(prov.bdf, client.bdf, verdict, sizeof(verdict));
	igt_require_f(!strcmp(verdict, "THRU_HOST_BRIDGE"),
		      "%s -> %s is %s here\n", prov.bdf, client.bdf, verdict);
	fd = export_buf(&prov, 0, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	igt_assert_eq(__p2ptest_import(ctl, fd, &client.addr, &imp), 0);
	igt_assert_eq_u32(imp.route, P2PTEST_ROUTE_HOST_BRIDGE);
	igt_info("route HOST_BRIDGE, %u DMA range(s), one IOVA: %s\n", imp.nr_vecs,
		 imp.iova ? "yes" : "no");
	dma_both_ways(imp.handle, view, 0, 0x1001);
	dma_both_ways(imp.handle, view, 4096, 0x2002);
	p2ptest_unimport(ctl, imp.handle);
	munmap(view, BUF_SIZE);
	close(fd);
}

static void test_import_bus_addr(void)
{
	struct p2ptest_import imp;
	uint8_t scratch[64] = { 0 };
	char verdict[32];
	int fd;

	igt_require_f(nr_nvme == 2, "two QEMU NVMe controllers needed\n");
	kernel_verdict(nvme[0].bdf, nvme[1].bdf, verdict, sizeof(verdict));
	igt_require_f(!strcmp(verdict, "BUS_ADDR"), "%s -> %s is %s here\n",
		      nvme[0].bdf, nvme[1].bdf, verdict);
	bind_p2ptest(&nvme[0]);
	bind_p2ptest(&nvme[1]);
	fd = export_buf(&nvme[0], 0, 65536);
	igt_assert_eq(__p2ptest_import(ctl, fd, &nvme[1].addr, &imp), 0);
	igt_assert_eq_u32(imp.route, P2PTEST_ROUTE_BUS_ADDR);
	igt_assert_eq_u32(imp.nr_vecs, 1);
	/* An NVMe controller is not a DMA engine p2ptest drives. */
	igt_assert_eq(__p2ptest_transfer(ctl, imp.handle, P2PTEST_TO_BUFFER, 0, scratch,
					 sizeof(scratch)), -EOPNOTSUPP);
	p2ptest_unimport(ctl, imp.handle);
	close(fd);
}

static void test_import_refused(void)
{
	struct p2ptest_import imp;
	int fd, kmsg, ret;

	igt_assert_eq(p2ptest_allowlist_set(""), 0);
	fd = export_buf(&prov, 0, BUF_SIZE);
	kmsg = open_kmsg();
	ret = __p2ptest_import(ctl, fd, &client.addr, &imp);
	allow_host_bridge();
	igt_assert_eq(ret, -EREMOTEIO);
	igt_assert_f(kmsg_has(kmsg, "p2pdma: peer-to-peer DMA to"),
		     "the refusal's explanation is not in the kernel log\n");
	close(kmsg);
	close(fd);
}

static void test_import_vgem(void)
{
	struct p2ptest_import imp;
	int card = open_vgem(), prime;
	uint8_t *view;

	igt_require_f(card >= 0, "no vgem device (CONFIG_DRM_VGEM)\n");
	prime = vgem_buf(card, &view);
	igt_assert_eq(__p2ptest_import(ctl, prime, &client.addr, &imp), 0);
	igt_assert_eq_u32(imp.route, P2PTEST_ROUTE_SYSTEM);
	dma_both_ways(imp.handle, view, 0, 0x7e01);
	dma_both_ways(imp.handle, view, 4096, 0x7e02);
	p2ptest_unimport(ctl, imp.handle);
	munmap(view, BUF_SIZE);
	close(prime);
	close(card);
}

static void test_revoke_while_mapped(void)
{
	uint8_t scratch[64] = { 0 };
	int fd = export_buf(&prov, 0, BUF_SIZE);
	uint8_t *view = map_buf(fd, BUF_SIZE);
	uint32_t h = p2ptest_import(ctl, fd, &client.addr, NULL);

	dma_both_ways(h, view, 0, 0x4e01);
	p2ptest_revoke(ctl, fd, 0);
	igt_assert_eq(__p2ptest_transfer(ctl, h, P2PTEST_TO_BUFFER, 0, scratch,
					 sizeof(scratch)), -ENODEV);
	p2ptest_revoke(ctl, fd, 1);
	munmap(view, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	dma_both_ways(h, view, 4096, 0x4e02);
	p2ptest_unimport(ctl, h);
	munmap(view, BUF_SIZE);
	close(fd);
}

static void test_map_after_revoke(void)
{
	struct p2ptest_import imp;
	int fd = export_buf(&prov, 0, BUF_SIZE);
	uint32_t h;

	p2ptest_revoke(ctl, fd, 0);
	igt_assert_eq(__p2ptest_import(ctl, fd, &client.addr, &imp), -ENODEV);
	p2ptest_revoke(ctl, fd, 1);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	p2ptest_unimport(ctl, h);
	close(fd);
}

static void test_several_importers(void)
{
	uint8_t scratch[64] = { 0 };
	int fd = export_buf(&prov, 0, BUF_SIZE);
	uint8_t *view = map_buf(fd, BUF_SIZE);
	uint32_t hs[4];
	int i;

	for (i = 0; i < 4; i++)
		hs[i] = p2ptest_import(ctl, fd, &client.addr, NULL);
	for (i = 0; i < 4; i++)
		dma_both_ways(hs[i], view, (uint64_t)i * XFER, 0x5e00 + (uint64_t)i * 2);
	p2ptest_revoke(ctl, fd, 0);
	for (i = 0; i < 4; i++)
		igt_assert_eq(__p2ptest_transfer(ctl, hs[i], P2PTEST_FROM_BUFFER, 0,
						 scratch, sizeof(scratch)), -ENODEV);
	p2ptest_revoke(ctl, fd, 1);
	munmap(view, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	for (i = 0; i < 4; i++) {
		dma_both_ways(hs[i], view, (uint64_t)(3 - i) * XFER, 0x5f00 + (uint64_t)i * 2);
		p2ptest_unimport(ctl, hs[i]);
	}
	munmap(view, BUF_SIZE);
	close(fd);
}

static void test_close_exporter_fd(void)
{
	static uint8_t data[XFER];
	int before = p2ptest_count_phys_bufs();
	uint32_t h;
	int fd;

	igt_assert_f(before >= 0, "%s: %s\n", P2PTEST_BUFINFO, strerror(-before));
	fd = export_buf(&prov, 0, BUF_SIZE);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	close(fd);
	/* The import keeps the buffer: it still works, both ways. */
	igt_assert_eq(p2ptest_count_phys_bufs(), before + 1);
	fill(data, XFER, 0xc105e);
	igt_assert_eq(__p2ptest_transfer(ctl, h, P2PTEST_TO_BUFFER, 2048, data, XFER), 0);
	memset(data, 0, sizeof(data));
	igt_assert_eq(__p2ptest_transfer(ctl, h, P2PTEST_FROM_BUFFER, 2048, data, XFER), 0);
	check(data, XFER, 0xc105e, "bytes DMA'd in and out after the exporter's close");
	p2ptest_unimport(ctl, h);
	igt_assert_eq(p2ptest_count_phys_bufs(), before);
}

static void test_memory_decode_off(void)
{
	uint8_t scratch[64] = { 0 };
	int fd = export_buf(&prov, 0, BUF_SIZE);
	uint32_t h = p2ptest_import(ctl, fd, &client.addr, NULL);
	int kmsg = open_kmsg();
	int ret;

	igt_assert_eq(p2ptest_pci_set_decode(prov.bdf, false), 0);
	ret = __p2ptest_transfer(ctl, h, P2PTEST_TO_BUFFER, 0, scratch, sizeof(scratch));
	igt_assert_eq(__p2ptest_revoke(ctl, fd, 1), -EBUSY);
	igt_assert_eq(p2ptest_pci_set_decode(prov.bdf, true), 0);
	igt_assert_eq(ret, -ENODEV);
	igt_assert(kmsg_has(kmsg, "memory decode off: 1 exported buffer(s) revoked"));
	verify_then_unimport(fd, h, 0, 0xdec0);
	close(kmsg);
	close(fd);
}

static void test_reset(void)
{
	char path[128];
	uint32_t h;
	int fd, kmsg;

	snprintf(path, sizeof(path), SYSPCI "/%s/reset", prov.bdf);
	igt_require_f(access(path, W_OK) == 0, "%s cannot be reset\n", prov.bdf);
	fd = export_buf(&prov, 0, BUF_SIZE);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	kmsg = open_kmsg();
	igt_assert_eq(p2ptest_pci_write(prov.bdf, "reset", "1"), 0);
	igt_assert(kmsg_has(kmsg, "reset: 1 exported buffer(s) revoked"));
	verify_then_unimport(fd, h, 4096, 0x4e5e);
	close(kmsg);
	close(fd);
}

static void cleanup(void)
{
	igt_assert_eq(p2ptest_allowlist_set(saved_allowlist), 0);
	close(ctl);
}

igt_main
{
	igt_fixture
		setup();

	igt_describe("Ranges of a memory BAR, one or scattered, export as one dma-buf of "
		     "their total size.");
	igt_subtest("export-bar")
		test_export_bar();

	igt_describe("Each malformed export of the uAPI's errno table fails with its own "
		     "errno.");
	igt_subtest_with_dynamic("export-invalid")
		test_export_invalid();

	igt_describe("Bytes written through a buffer's mmap read back through a second "
		     "mapping and through another buffer of the same range.");
	igt_subtest("mmap")
		test_mmap();

	igt_describe("A client behind the host bridge imports a BAR buffer routed through "
		     "the allow-listed bridge and DMAs to and from it, every byte verified.");
	igt_subtest("import-dma-host-bridge")
		test_import_dma_host_bridge();

	igt_describe("An NVMe controller imports another's CMB behind the same switch by "
		     "PCI bus address, as one DMA range.");
	igt_subtest("import-bus-addr")
		test_import_bus_addr();

	igt_describe("Without the host bridge on the allow-list the import fails with "
		     "EREMOTEIO and the kernel log says why.");
	igt_subtest("import-refused")
		test_import_refused();

	igt_describe("A vgem dumb buffer, PRIME-exported through libdrm, imports as system "
		     "memory and carries verified DMA both ways.");
	igt_subtest("import-vgem")
		test_import_vgem();

	igt_describe("Revoking a buffer stops its importer's DMA with ENODEV; restored, the "
		     "same import carries verified DMA again.");
	igt_subtest("revoke-while-mapped")
		test_revoke_while_mapped();

	igt_describe("A revoked buffer cannot be imported (ENODEV) until it is restored.");
	igt_subtest("map-after-revoke")
		test_map_after_revoke();

	igt_describe("A revocation reaches every importer of a buffer, and a restore gives "
		     "each its DMA back.");
	igt_subtest("several-importers")
		test_several_importers();

	igt_describe("An import keeps its buffer working after the exporter closes its fd, "
		     "and the buffer goes with the import.");
	igt_subtest("close-exporter-fd")
		test_close_exporter_fd();

	igt_describe("Memory decode turned off in the provider's Command register revokes "
		     "its buffers (a restore meanwhile: EBUSY); turned on, they work again.");
	igt_subtest("memory-decode-off")
		test_memory_decode_off();

	igt_describe("A function reset of the provider revokes its buffers and restores "
		     "them after, with verified DMA.");
	igt_subtest("reset")
		test_reset();

	igt_describe("The provider unplugged by QEMU (device_del) while its buffer is "
		     "imported and mapped: ENODEV, a clean unimport, verified DMA after the "
		     "replug.");
	igt_subtest("hot-unplug")
		test_unplug_while_mapped(&prov, UNPLUG_QMP, "P2PTEST_PROVIDER_QEMU_ID");

	igt_describe("The client unplugged by QEMU (device_del) while it imports a mapped "
		     "buffer: ENODEV, a clean unimport, verified DMA after the replug.");
	igt_subtest("hot-unplug-client")
		test_unplug_while_mapped(&client, UNPLUG_QMP, "P2PTEST_CLIENT_QEMU_ID");

	igt_describe("As hot-unplug, the provider removed through sysfs and found again by "
		     "a bus rescan.");
	igt_subtest("sysfs-remove-provider")
		test_unplug_while_mapped(&prov, UNPLUG_SYSFS, NULL);

	igt_describe("As hot-unplug-client, the client removed through sysfs and found "
		     "again by a bus rescan.");
	igt_subtest("sysfs-remove-client")
		test_unplug_while_mapped(&client, UNPLUG_SYSFS, NULL);

	igt_describe("A client removed while it imports a vgem buffer (vgem maps at attach) "
		     "takes its imports' mappings with it: DMA fails with ENODEV and the "
		     "unimport after touches nothing of the removed device.");
	igt_subtest("sysfs-remove-vgem-client")
		test_vgem_client_removed();

	igt_fixture
		cleanup();
}
