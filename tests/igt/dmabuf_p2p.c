// SPDX-License-Identifier: MIT
/*
 * dmabuf_p2p: dma-bufs of PCI BAR ranges exported through VFIO
 * (VFIO_DEVICE_FEATURE_DMA_BUF of a provider bound to vfio-pci), imported
 * through /dev/p2ptest (tests/p2ptest/uapi/linux/p2ptest.h) by a client
 * device that DMAs to and from them; revoked by vfio-pci (memory decode
 * turned off through VFIO's config region, VFIO_DEVICE_RESET, the close of
 * the device) while mapped and while a transfer runs; hot-unplugged; and a
 * system-memory dma-buf from vgem imported the same way.
 *
 * Devices, found in sysfs unless named in the environment:
 *   P2PTEST_PROVIDER=BDF   default: the first ivshmem (1af4:1110)
 *   P2PTEST_CLIENT=BDF     default: the first QEMU edu (1234:11e8), the only
 *                          DMA engine /dev/p2ptest drives
 *   the two first QEMU NVMe controllers (1b36:0010), for the bus-address route
 * The provider's largest memory BAR is exported. For the run the provider
 * (and the first NVMe, for the bus-address route) is bound to vfio-pci,
 * with VFIO's no-IOMMU mode turned on first on a machine without an IOMMU,
 * and the clients to the p2ptest driver (driver_override). The fixture
 * opens the provider through VFIO once, adds the host bridge (0000:00:00.0)
 * to p2pdma's allow-list and puts the list back at the end. hot-unplug and
 * hot-unplug-client need the QEMU harness: IGT_QMP_DIR (a folder the host
 * watches: "request" holds "unplug ID" or "replug ID", the host writes
 * "reply") and P2PTEST_PROVIDER_QEMU_ID or P2PTEST_CLIENT_QEMU_ID;
 * sysfs-remove-* use sysfs "remove" and a rescan.
 *
 * Every byte DMA'd is checked against a seeded pattern through the
 * buffer's mmap (or vgem's), and all-0xff or all-zero data is named as such.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <xf86drm.h>
#include <linux/p2ptest.h>
#include <linux/vfio.h>

/* The IGT headers of what this test uses: IGT's igt.h brings i915, KMS and cairo too. */
#include "drmtest.h"
#include "igt_core.h"
#include "ioctl_wrappers.h"
#include "p2ptest_igt.h"
#include "p2ptest_pattern.h"

#define SYSPCI		P2PTEST_SYSFS_PCI "/devices"
#define VFIO_NOIOMMU	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"
#define BUF_SIZE	8192
#define XFER		P2PTEST_MAX_TRANSFER
#define SLOTS		(BUF_SIZE / XFER)

struct dev {
	char bdf[P2PTEST_BDF_LEN];
	struct p2ptest_pci_addr addr;
	int bar;
	uint64_t bar_size;
};

static int ctl = -1;
static int vdev = -1;		/* the provider through VFIO; -1 while it is closed */
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
 * or gone, the harness's QMP answer, vfio-pci's request, a transfer seen
 * in its DMA); their bound, in seconds of the monotonic clock, only stops
 * a test that would otherwise hang. It is sized for a guest that a busy
 * host runs slowly: on an idle host each event comes within a few seconds.
 */
#define EVENT_WAIT	300

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Whether the machine has an IOMMU (one registered in /sys/class/iommu). */
static bool machine_has_iommu(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	bool found = false;
	DIR *dir;

	igt_assert_eq(p2ptest_sysfs_path(path, sizeof(path), "/sys/class/iommu"), 0);
	dir = opendir(path);
	if (!dir)
		return false;	/* a kernel without IOMMU support */
	while (!found && (e = readdir(dir)))
		found = e->d_name[0] != '.';
	closedir(dir);
	return found;
}

/*
 * vfio-pci gives a device without an IOMMU group one of its own only in
 * VFIO's no-IOMMU mode, which must be on before it binds the device. The
 * machine is asked too: a device just hot-added is in sysfs a moment
 * before the IOMMU core gives it its group.
 */
static void vfio_noiommu_if_needed(const struct dev *d)
{
	char path[PATH_MAX];
	int ret;

	igt_assert_eq(p2ptest_sysfs_path(path, sizeof(path), SYSPCI "/%s/iommu_group", d->bdf),
		      0);
	if (!access(path, F_OK) || machine_has_iommu())
		return;
	ret = p2ptest_sysfs_write(VFIO_NOIOMMU, "Y");
	igt_assert_f(!ret, "%s: %s\n", VFIO_NOIOMMU, strerror(-ret));
}

/* Bind @d to @driver, taking it from its driver if it has one. */
static void bind_dev(struct dev *d, const char *driver)
{
	double end;
	int err;

	igt_assert_f(!p2ptest_parse_bdf(d->bdf, &d->addr), "bad PCI address %s\n", d->bdf);
	if (!strcmp(driver, "vfio-pci"))
		vfio_noiommu_if_needed(d);
	/*
	 * A device just replugged appears in sysfs some time after QEMU
	 * answered the device_add (ENOENT until the guest's hotplug driver
	 * has added it), and is there before the PCI core lets drivers match
	 * it (bind: ENODEV); it then binds by its override by itself.
	 */
	for (end = now() + EVENT_WAIT;; usleep(100000)) {
		err = p2ptest_pci_bind(d->bdf, driver, true, NULL, 0);
		if ((err != -ENODEV && err != -ENOENT) || now() > end)
			break;
	}
	igt_assert_f(!err, "%s: bind to %s: %s\n", d->bdf, driver, strerror(-err));
	find_bar(d);
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

/* Whether @p holds the pattern of @seed; for threads, which must not assert. */
static bool matches(const volatile uint8_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != p2ptest_pattern_byte(seed, i))
			return false;
	return true;
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

/* VFIO and /dev/p2ptest */

/* [@off, @off + @len) of the provider's BAR as a dma-buf. */
static int export_buf(uint64_t off, uint64_t len)
{
	return vfio_dma_buf_export_range(vdev, (uint32_t)prov.bar, off, len);
}

static uint8_t *map_buf(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	igt_assert_f(p != MAP_FAILED, "mmap of the dma-buf: %s\n", strerror(errno));
	return p;
}

/* An mmap of all @len bytes of buffer @fd: 0 (and unmapped again) or -errno. */
static int try_map(int fd, size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	if (p == MAP_FAILED)
		return -errno;
	munmap(p, len);
	return 0;
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

/* A transfer through import @h must fail with ENODEV: its buffer is revoked. */
static void assert_revoked(uint32_t h)
{
	uint8_t scratch[64] = { 0 };

	igt_assert_eq(__p2ptest_transfer(ctl, h, P2PTEST_TO_BUFFER, 0, scratch, sizeof(scratch)),
		      -ENODEV);
}

/* Revocation by vfio-pci */

enum revoke { REVOKE_DECODE_OFF, REVOKE_RESET, REVOKE_CLOSE, NR_REVOKES };

static const struct {
	const char *name;
	const char *while_mapped;	/* the igt_describe() texts */
	const char *during_transfer;
} revokes[NR_REVOKES] = {
	[REVOKE_DECODE_OFF] = {
		"decode-off",
		"Memory decode turned off through VFIO's config region revokes a buffer the "
		"client has imported and mapped: its transfers fail with ENODEV (behind an IOMMU "
		"its entries go), imports and mmaps too; turned on, the same import and CPU "
		"mapping carry verified DMA again and the bytes from before are intact.",
		"Memory decode turned off through VFIO while the client's DMA engine runs "
		"transfers: each either completes with its bytes verified or fails with ENODEV "
		"or EBUSY, none started after the revoke returned succeeds, and every byte "
		"written before it is in the BAR once decode is back.",
	},
	[REVOKE_RESET] = {
		"reset",
		"VFIO_DEVICE_RESET revokes a buffer the client has imported and mapped and "
		"restores it after (behind an IOMMU the import's entries go): the same import "
		"and CPU mapping carry verified DMA again and the bytes from before are intact.",
		"VFIO_DEVICE_RESET while the client's DMA engine runs transfers: each either "
		"completes with its bytes verified or fails with ENODEV or EBUSY, the first "
		"after the reset succeeds, and every byte written is in the BAR.",
	},
	[REVOKE_CLOSE] = {
		"close",
		"Closing the provider's VFIO device revokes a buffer the client has imported "
		"and mapped for good: transfers, imports and mmaps fail with ENODEV, still after "
		"the device is opened again, and the buffer goes with its last user; a new "
		"export shows the bytes from before.",
		"Closing the provider's VFIO device while the client's DMA engine runs "
		"transfers: each either completes with its bytes verified or fails with ENODEV "
		"or EBUSY, none started after the close succeeds, and every byte written before "
		"it is in the BAR, seen through a new export.",
	},
};

/* VFIO_DEVICE_GET_INFO says whether the provider can be reset. */
static bool provider_resets(void)
{
	struct vfio_device_info info = { .argsz = sizeof(info) };

	igt_assert_f(!ioctl(vdev, VFIO_DEVICE_GET_INFO, &info), "VFIO_DEVICE_GET_INFO: %s\n",
		     strerror(errno));
	return info.flags & VFIO_DEVICE_FLAGS_RESET;
}

static void require_revoke(enum revoke how)
{
	if (how == REVOKE_RESET)
		igt_require_f(provider_resets(), "vfio-pci cannot reset %s\n", prov.bdf);
}

/*
 * Revoke the provider's buffers as @how does, without asserting (another
 * thread may be running): 0 or -errno. A reset restores them before it
 * returns; a close revokes them for good.
 */
static int __revoke(enum revoke how)
{
	int ret = 0;

	switch (how) {
	case REVOKE_DECODE_OFF:
		ret = __vfio_set_decode(vdev, false);
		break;
	case REVOKE_RESET:
		ret = __vfio_reset(vdev);
		break;
	case REVOKE_CLOSE:
		ret = close(vdev) ? -errno : 0;
		vdev = -1;
		break;
	case NR_REVOKES:
		break;
	}
	return ret;
}

/* What follows @how's revoke: decode on again, or the device opened again. */
static void give_back(enum revoke how)
{
	if (how == REVOKE_DECODE_OFF)
		vfio_set_decode(vdev, true);
	else if (how == REVOKE_CLOSE)
		vdev = vfio_open_device(prov.bdf);
}

/*
 * The provider's buffer is revoked by @how while the client has it
 * imported and mapped (and the CPU mapped). The import is told: its
 * transfers fail with ENODEV while it is revoked (an import left mapped
 * would DMA to a BAR that no longer decodes and succeed), and behind an
 * IOMMU its page-table entries go; new imports and mmaps fail with ENODEV.
 * Restored (decode on, the reset over), the same import and CPU mapping
 * work again, every byte verified; closed, it stays revoked.
 */
static void test_revoke_while_mapped(enum revoke how)
{
	struct p2ptest_import imp;
	int before = p2ptest_count_phys_bufs(), fd, ret;
	uint8_t *view;
	long ptes;
	uint32_t h;

	igt_assert_f(before >= 0, "%s: %s\n", P2PTEST_BUFINFO, strerror(-before));
	require_revoke(how);
	fd = export_buf(0, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	dma_both_ways(h, view, 0, 0x4e01);
	ptes = p2ptest_count_iommu_ptes(client.bdf);
	ret = __revoke(how);
	igt_assert_f(!ret, "revoke by %s: %s\n", revokes[how].name, strerror(-ret));
	if (ptes > 0)
		igt_assert_f(p2ptest_count_iommu_ptes(client.bdf) < ptes,
			     "the client kept its %ld IOMMU entries: the import was not unmapped\n",
			     ptes);
	if (how != REVOKE_RESET) {
		assert_revoked(h);
		igt_assert_eq(__p2ptest_import(ctl, fd, &client.addr, &imp), -ENODEV);
		igt_assert_eq(try_map(fd, BUF_SIZE), -ENODEV);
	}
	give_back(how);
	if (how == REVOKE_CLOSE) {
		/* For good: the device's next open does not give it back. */
		assert_revoked(h);
		p2ptest_unimport(ctl, h);
		munmap(view, BUF_SIZE);
		igt_assert_eq(p2ptest_count_phys_bufs(), before + 1);
		close(fd);
		igt_assert_eq(p2ptest_count_phys_bufs(), before);
		fd = export_buf(0, BUF_SIZE);
		view = map_buf(fd, BUF_SIZE);
		check(view, XFER, 0x4e02, "bytes from before the close, through a new export");
		h = p2ptest_import(ctl, fd, &client.addr, NULL);
	} else {
		check(view, XFER, 0x4e02, "bytes from before the revoke");
	}
	dma_both_ways(h, view, 4096, 0x4e03);
	p2ptest_unimport(ctl, h);
	munmap(view, BUF_SIZE);
	close(fd);
}

/*
 * A thread's transfers through one import, alternately into and out of
 * SLOTS slots of the buffer, until the first that started after the
 * revoke returned. Each slot's expected content follows the transfers that
 * succeeded. The thread records and never asserts.
 */
struct racer {
	pthread_t thread;
	uint32_t handle;
	atomic_int tid;
	atomic_bool revoked;		/* set once the revoke has returned */
	atomic_bool ended;
	/* Read once the thread is joined. */
	uint64_t seeds[SLOTS];		/* what each slot holds */
	int ok, enodev, ebusy;
	int unexpected;			/* another errno, which ended the run */
	int bad_read;			/* a read that succeeded with wrong bytes: its number */
	int last;			/* the result of the first transfer after the revoke */
};

static void *race_transfers(void *arg)
{
	struct racer *r = arg;
	uint8_t data[XFER];

	atomic_store(&r->tid, (int)syscall(SYS_gettid));
	for (int i = 0;; i++) {
		bool to_buffer = !(i % 2), after = atomic_load(&r->revoked);
		int slot = i / 2 % SLOTS, ret;
		uint64_t seed = 0x7ace0000 + (uint64_t)i;

		if (to_buffer)
			fill(data, XFER, seed);
		else
			memset(data, 0, sizeof(data));
		ret = __p2ptest_transfer(ctl, r->handle,
					 to_buffer ? P2PTEST_TO_BUFFER : P2PTEST_FROM_BUFFER,
					 (uint64_t)slot * XFER, data, XFER);
		if (!ret && to_buffer)
			r->seeds[slot] = seed;
		else if (!ret && !matches(data, XFER, r->seeds[slot]) && r->bad_read < 0)
			r->bad_read = i;
		r->ok += !ret;
		r->enodev += ret == -ENODEV;
		r->ebusy += ret == -EBUSY;
		if (ret && ret != -ENODEV && ret != -EBUSY) {
			r->unexpected = ret;
			break;
		}
		if (after) {
			r->last = ret;
			break;
		}
	}
	atomic_store(&r->ended, true);
	return NULL;
}

/* Whether thread @tid sleeps uninterruptibly: p2ptest waits so for edu's DMA. */
static bool in_dma(int tid)
{
	char path[64], stat[512];
	const char *s;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	if (p2ptest_sysfs_read(path, stat, sizeof(stat)))
		return false;
	s = strrchr(stat, ')');
	return s && !strncmp(s, ") D", 3);
}

/*
 * The provider's buffer is revoked by @how while a thread runs transfers
 * through an import of it, one of them seen in its DMA when the revoke
 * starts. vfio-pci's revoke waits for a transfer under way (it holds the
 * buffer's reservation lock), so a transfer either completes, its bytes
 * right, or fails with ENODEV (EBUSY: the client is busy); a transfer
 * that started after the revoke returned fails (decode off, close) or
 * finds the buffer restored (reset). Every slot then holds what the last
 * transfer into it that succeeded wrote: one let run past the revoke would
 * have hit a BAR that no longer decodes or, behind an IOMMU, an unmapped
 * address.
 */
static void test_revoke_during_transfer(enum revoke how)
{
	static struct racer r;
	int before = p2ptest_count_phys_bufs(), fd, ret, slot;
	bool seen = false;
	uint8_t *view;
	double end;

	igt_assert_f(before >= 0, "%s: %s\n", P2PTEST_BUFINFO, strerror(-before));
	require_revoke(how);
	fd = export_buf(0, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	r = (struct racer){ .bad_read = -1 };
	for (slot = 0; slot < SLOTS; slot++) {
		r.seeds[slot] = 0x51070 + (uint64_t)slot;
		fill(view + slot * XFER, XFER, r.seeds[slot]);
	}
	r.handle = p2ptest_import(ctl, fd, &client.addr, NULL);
	igt_assert_eq(pthread_create(&r.thread, NULL, race_transfers, &r), 0);
	/* Nothing asserts until the thread is joined. */
	for (end = now() + EVENT_WAIT; now() < end && !atomic_load(&r.ended); usleep(1000)) {
		seen = atomic_load(&r.tid) && in_dma(atomic_load(&r.tid));
		if (seen)
			break;
	}
	ret = __revoke(how);
	atomic_store(&r.revoked, true);
	pthread_join(r.thread, NULL);
	igt_info("%s during transfers: %d done, %d ENODEV, %d EBUSY\n", revokes[how].name,
		 r.ok, r.enodev, r.ebusy);
	igt_assert_f(!ret, "revoke by %s: %s\n", revokes[how].name, strerror(-ret));
	igt_assert_f(!r.unexpected, "a transfer failed: %s\n", strerror(-r.unexpected));
	igt_assert_f(seen, "no transfer was seen in its DMA before the revoke\n");
	igt_assert_f(r.bad_read < 0, "transfer %d read bytes the buffer did not hold\n",
		     r.bad_read);
	igt_assert_eq(r.last, how == REVOKE_RESET ? 0 : -ENODEV);

	give_back(how);
	if (how == REVOKE_CLOSE) {
		assert_revoked(r.handle);
		p2ptest_unimport(ctl, r.handle);
		munmap(view, BUF_SIZE);
		close(fd);
		igt_assert_eq(p2ptest_count_phys_bufs(), before);
		fd = export_buf(0, BUF_SIZE);
		view = map_buf(fd, BUF_SIZE);
		r.handle = p2ptest_import(ctl, fd, &client.addr, NULL);
	}
	for (slot = 0; slot < SLOTS; slot++)
		check(view + slot * XFER, XFER, r.seeds[slot],
		      "a slot after the race: the last bytes a transfer into it reported written");
	dma_both_ways(r.handle, view, XFER, 0x7ac1);
	p2ptest_unimport(ctl, r.handle);
	munmap(view, BUF_SIZE);
	close(fd);
}

/* Hot-unplug */

/* Ask the QEMU harness to unplug or replug device @id: 0, or -1 and why not in @msg. */
static int qmp_ask(const char *verb, const char *id, char *msg, size_t len)
{
	char req[300], tmp[310], reply[300];
	const char *dir = getenv("IGT_QMP_DIR");
	double end;
	FILE *f;

	snprintf(req, sizeof(req), "%s/request", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", req);
	snprintf(reply, sizeof(reply), "%s/reply", dir);
	unlink(reply);
	f = fopen(tmp, "w");
	if (!f) {
		snprintf(msg, len, "writing the request: %s", strerror(errno));
		return -1;
	}
	fprintf(f, "%s %s\n", verb, id);
	if (fclose(f) || rename(tmp, req)) {
		snprintf(msg, len, "writing the request: %s", strerror(errno));
		return -1;
	}
	/* The harness always answers: "ok" or why not, after its own bound. */
	for (end = now() + 2 * EVENT_WAIT; access(reply, F_OK) && now() < end;)
		usleep(100000);
	if (p2ptest_sysfs_read(reply, msg, len)) {
		snprintf(msg, len, "no answer");
		return -1;
	}
	unlink(reply);
	return strcmp(msg, "ok") ? -1 : 0;
}

static void qmp(const char *verb, const char *id)
{
	char msg[256];

	igt_assert_f(!qmp_ask(verb, id, msg, sizeof(msg)), "%s %s: %s\n", verb, id, msg);
}

static void wait_present(const char *bdf, bool present)
{
	double end = now() + EVENT_WAIT;

	while (p2ptest_pci_exists(bdf) != present && now() < end)
		usleep(100000);
	igt_assert_f(p2ptest_pci_exists(bdf) == present, "%s still %s after %d s\n", bdf,
		     present ? "absent" : "present", EVENT_WAIT);
}

/*
 * vfio-pci's removal of a device waits until user space closes it, and
 * asks for it through the request eventfd (VFIO_PCI_REQ_IRQ_INDEX): a
 * thread closes the provider when asked, and only then.
 */
struct request_watch {
	pthread_t thread;
	int efd;
	atomic_bool cancel;		/* the removal failed: leave the device open */
	int ret;			/* 0: asked, and closed it */
};

static void *close_on_request(void *arg)
{
	struct request_watch *w = arg;
	struct pollfd p = { .fd = w->efd, .events = POLLIN };
	double end = now() + 2 * EVENT_WAIT;
	uint64_t n;
	int ret;

	do
		ret = poll(&p, 1, 100);
	while (!ret && !atomic_load(&w->cancel) && now() < end);
	if (atomic_load(&w->cancel))
		return NULL;
	if (ret == 1 && read(w->efd, &n, sizeof(n)) == sizeof(n))
		w->ret = 0;
	else
		w->ret = ret < 0 ? -errno : -ETIMEDOUT;
	/* Asked or not: a removal waiting for the device must not hang the test. */
	if (close(vdev) && !w->ret)
		w->ret = -errno;
	vdev = -1;
	return NULL;
}

static void watch_request(struct request_watch *w)
{
	size_t size = sizeof(struct vfio_irq_set) + sizeof(int32_t);
	struct vfio_irq_set *set = calloc(1, size);
	int32_t efd;
	int ret;

	igt_assert(set);
	w->efd = eventfd(0, EFD_CLOEXEC);
	igt_assert_f(w->efd >= 0, "eventfd: %s\n", strerror(errno));
	efd = w->efd;
	*set = (struct vfio_irq_set){
		.argsz = (uint32_t)size,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER,
		.index = VFIO_PCI_REQ_IRQ_INDEX, .start = 0, .count = 1,
	};
	memcpy(set->data, &efd, sizeof(efd));
	ret = ioctl(vdev, VFIO_DEVICE_SET_IRQS, set) ? -errno : 0;
	free(set);
	igt_assert_f(!ret, "VFIO_DEVICE_SET_IRQS of the request eventfd: %s\n", strerror(-ret));
	atomic_store(&w->cancel, false);
	w->ret = -EINPROGRESS;
	igt_assert_eq(pthread_create(&w->thread, NULL, close_on_request, w), 0);
}

enum unplug { UNPLUG_QMP, UNPLUG_SYSFS };

/*
 * Take @victim (the provider or the client) away while a buffer of the
 * provider is imported, mapped and has carried DMA: through QEMU
 * (device_del; the QEMU id is in environment variable @qemu_id_env) or
 * through sysfs "remove". For the provider, vfio-pci's removal asks for
 * the device (request eventfd) and waits until it is closed, which
 * revokes the buffer for good. The import then fails with ENODEV and
 * unimports cleanly; the buffer lives until its last user lets go; the
 * device comes back (device_add, or a bus rescan) and a new import of a
 * new export carries verified DMA.
 */
static void test_unplug_while_mapped(struct dev *victim, enum unplug how,
				     const char *qemu_id_env)
{
	const char *id = qemu_id_env ? getenv(qemu_id_env) : NULL;
	static struct request_watch w;
	bool exporter = victim == &prov;
	int before = p2ptest_count_phys_bufs(), fd, err;
	struct p2ptest_import imp;
	char msg[256] = "";
	uint8_t *view;
	uint32_t h;

	if (how == UNPLUG_QMP)
		igt_require_f(getenv("IGT_QMP_DIR") && id,
			      "needs the QEMU harness (IGT_QMP_DIR, %s)\n", qemu_id_env);
	igt_assert_f(before >= 0, "%s: %s\n", P2PTEST_BUFINFO, strerror(-before));
	fd = export_buf(0, BUF_SIZE);
	view = map_buf(fd, BUF_SIZE);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	dma_both_ways(h, view, 0, 0x9109);
	if (exporter) {
		munmap(view, BUF_SIZE);
		watch_request(&w);
	}
	if (how == UNPLUG_QMP) {
		err = qmp_ask("unplug", id, msg, sizeof(msg));
	} else {
		err = p2ptest_pci_write(victim->bdf, "remove", "1");
		snprintf(msg, sizeof(msg), "sysfs remove: %s", strerror(-err));
	}
	if (exporter) {
		atomic_store(&w.cancel, err != 0);
		pthread_join(w.thread, NULL);
		close(w.efd);
	}
	igt_assert_f(!err, "unplug of %s: %s\n", victim->bdf, msg);
	if (exporter)
		igt_assert_f(!w.ret, "closing the provider when vfio-pci asked for it: %s\n",
			     w.ret == -ETIMEDOUT ? "never asked" : strerror(-w.ret));
	wait_present(victim->bdf, false);
	assert_revoked(h);
	igt_assert_eq(__p2ptest_import(ctl, fd, &client.addr, &imp), -ENODEV);
	if (exporter) {
		igt_assert_eq(try_map(fd, BUF_SIZE), -ENODEV);
	} else {
		/* The importer's removal leaves the exporter's buffer as it was. */
		check(view, XFER, 0x910a, "the buffer after its importer's removal");
		munmap(view, BUF_SIZE);
	}
	p2ptest_unimport(ctl, h);
	igt_assert_eq(p2ptest_count_phys_bufs(), before + 1);
	close(fd);
	igt_assert_eq(p2ptest_count_phys_bufs(), before);

	/* The device comes back and works as before. */
	if (how == UNPLUG_QMP)
		qmp("replug", id);
	else
		igt_assert_eq(p2ptest_pci_rescan(), 0);
	wait_present(victim->bdf, true);
	bind_dev(victim, exporter ? "vfio-pci" : "p2ptest");
	if (exporter)
		vdev = vfio_open_device(prov.bdf);
	fd = export_buf(0, BUF_SIZE);
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
	bind_dev(&client, "p2ptest");
}

/* Subtests */

static void setup(void)
{
	igt_require_f(geteuid() == 0, "/dev/p2ptest and VFIO need CAP_SYS_ADMIN\n");
	ctl = p2ptest_open();
	igt_require_f(ctl >= 0, "/dev/p2ptest: %s (modprobe p2ptest)\n", strerror(-ctl));
	igt_require_f(find_dev("P2PTEST_PROVIDER", "0x1af4:0x1110", 0, &prov),
		      "no provider: set P2PTEST_PROVIDER or add an ivshmem device\n");
	igt_require_f(find_dev("P2PTEST_CLIENT", "0x1234:0x11e8", 0, &client),
		      "no client: set P2PTEST_CLIENT or add a QEMU edu device\n");
	bind_dev(&prov, "vfio-pci");
	bind_dev(&client, "p2ptest");
	vdev = vfio_open_device(prov.bdf);
	while (nr_nvme < 2 && find_dev(NULL, "0x1b36:0x0010", nr_nvme, &nvme[nr_nvme]))
		nr_nvme++;
	igt_assert_eq(p2ptest_allowlist_get(saved_allowlist, sizeof(saved_allowlist)), 0);
	allow_host_bridge();
	igt_info("provider %s BAR %d (%llu KiB) through VFIO, client %s\n", prov.bdf, prov.bar,
		 (unsigned long long)prov.bar_size >> 10, client.bdf);
}

static void test_export_range(void)
{
	int fd = export_buf(0, 65536);
	uint8_t *view;

	igt_assert_eq_u64(lseek(fd, 0, SEEK_END), 65536);
	view = map_buf(fd, 65536);
	munmap(view, 65536);
	close(fd);
}

/*
 * Three scattered pages make one buffer of their total size, in order:
 * what the CPU writes into the buffer's pages is in the BAR at the ranges'
 * offsets, seen through buffers of one range each.
 */
static void test_export_scattered(void)
{
	const struct vfio_region_dma_range r[3] = {
		{ 0, 4096 }, { 8192, 4096 }, { prov.bar_size - 4096, 4096 },
	};
	int fd = vfio_dma_buf_export(vdev, (uint32_t)prov.bar, r, 3), i;
	uint8_t *view;

	igt_assert_eq_u64(lseek(fd, 0, SEEK_END), 3 * 4096);
	view = map_buf(fd, 3 * 4096);
	for (i = 0; i < 3; i++)
		fill(view + i * 4096, 4096, 0x5ca7 + (uint64_t)i);
	munmap(view, 3 * 4096);
	close(fd);
	for (i = 0; i < 3; i++) {
		fd = export_buf(r[i].offset, 4096);
		view = map_buf(fd, 4096);
		check(view, 4096, 0x5ca7 + (uint64_t)i, "a scattered buffer's page in the BAR");
		munmap(view, 4096);
		close(fd);
	}
}

/*
 * One dynamic subtest per row of lib/p2ptest/contract.c's table of
 * VFIO_DEVICE_FEATURE_DMA_BUF's errnos: each bad export fails with its
 * own errno and leaves no file descriptor and no buffer behind.
 */
static void test_export_invalid(void)
{
	static struct p2ptest_vfio_bad_arg arg;
	static size_t i;	/* static: kept across a failed dynamic subtest's longjmp */
	struct p2ptest_vfio_target t;
	int ret = p2ptest_vfio_target_get(vdev, (uint32_t)prov.bar, &t);

	igt_assert_f(!ret, "%s BAR %d through VFIO: %s\n", prov.bdf, prov.bar, strerror(-ret));
	for (i = 0; i < p2ptest_vfio_nr_bad_exports; i++) {
		igt_dynamic(p2ptest_vfio_bad_exports[i].name) {
			const struct p2ptest_vfio_bad_export *b = &p2ptest_vfio_bad_exports[i];
			int fds = p2ptest_count_fds(), bufs = p2ptest_count_phys_bufs();

			ret = p2ptest_vfio_bad_export_prepare(b, &t, &arg);
			igt_require_f(ret != -ENOENT, "%s has no BAR of size 0\n", prov.bdf);
			igt_assert_f(!ret, "the argument: %s\n", strerror(-ret));
			ret = __vfio_device_feature(vdev, arg.feature);
			p2ptest_vfio_bad_arg_free(&arg);
			if (ret >= 0)
				close(ret);
			igt_assert_f(ret == -b->err, "%s: %s, want %s\n", b->name,
				     ret >= 0 ? "exported" : strerror(-ret), strerror(b->err));
			igt_assert_eq(p2ptest_count_fds(), fds);
			igt_assert_eq(p2ptest_count_phys_bufs(), bufs);
		}
	}
}

static void test_mmap(void)
{
	int fd = export_buf(0, BUF_SIZE);
	uint8_t *view = map_buf(fd, BUF_SIZE);

	fill(view, BUF_SIZE, 0x3a11);
	igt_assert_eq(munmap(view, BUF_SIZE), 0);
	view = map_buf(fd, BUF_SIZE);
	check(view, BUF_SIZE, 0x3a11, "BAR bytes through a second mapping");
	munmap(view, BUF_SIZE);
	close(fd);
	/* Another buffer of the same range shows the same memory. */
	fd = export_buf(0, BUF_SIZE);
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
	fd = export_buf(0, BUF_SIZE);
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

/* The first NVMe's CMB through VFIO, imported by the second. */
static void test_import_bus_addr(void)
{
	struct p2ptest_import imp;
	uint8_t scratch[64] = { 0 };
	char verdict[32];
	int dev, fd;

	igt_require_f(nr_nvme == 2, "two QEMU NVMe controllers needed\n");
	kernel_verdict(nvme[0].bdf, nvme[1].bdf, verdict, sizeof(verdict));
	igt_require_f(!strcmp(verdict, "BUS_ADDR"), "%s -> %s is %s here\n",
		      nvme[0].bdf, nvme[1].bdf, verdict);
	bind_dev(&nvme[0], "vfio-pci");
	bind_dev(&nvme[1], "p2ptest");
	dev = vfio_open_device(nvme[0].bdf);
	fd = vfio_dma_buf_export_range(dev, (uint32_t)nvme[0].bar, 0, 65536);
	igt_assert_eq(__p2ptest_import(ctl, fd, &nvme[1].addr, &imp), 0);
	igt_assert_eq_u32(imp.route, P2PTEST_ROUTE_BUS_ADDR);
	igt_assert_eq_u32(imp.nr_vecs, 1);
	/* An NVMe controller is not a DMA engine p2ptest drives. */
	igt_assert_eq(__p2ptest_transfer(ctl, imp.handle, P2PTEST_TO_BUFFER, 0, scratch,
					 sizeof(scratch)), -EOPNOTSUPP);
	p2ptest_unimport(ctl, imp.handle);
	close(fd);
	close(dev);
}

static void test_import_refused(void)
{
	struct p2ptest_import imp;
	int fd, kmsg, ret;

	igt_assert_eq(p2ptest_allowlist_set(""), 0);
	fd = export_buf(0, BUF_SIZE);
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

static void test_map_after_revoke(void)
{
	struct p2ptest_import imp;
	int fd = export_buf(0, BUF_SIZE);
	uint32_t h;

	vfio_set_decode(vdev, false);
	igt_assert_eq(__p2ptest_import(ctl, fd, &client.addr, &imp), -ENODEV);
	igt_assert_eq(try_map(fd, BUF_SIZE), -ENODEV);
	vfio_set_decode(vdev, true);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	verify_then_unimport(fd, h, 0, 0x3e01);
	close(fd);
}

static void test_several_importers(void)
{
	int fd = export_buf(0, BUF_SIZE);
	uint8_t *view = map_buf(fd, BUF_SIZE);
	uint32_t hs[4];
	int i;

	for (i = 0; i < 4; i++)
		hs[i] = p2ptest_import(ctl, fd, &client.addr, NULL);
	for (i = 0; i < 4; i++)
		dma_both_ways(hs[i], view, (uint64_t)i * XFER, 0x5e00 + (uint64_t)i * 2);
	vfio_set_decode(vdev, false);
	for (i = 0; i < 4; i++)
		assert_revoked(hs[i]);
	vfio_set_decode(vdev, true);
	for (i = 0; i < 4; i++) {
		dma_both_ways(hs[i], view, (uint64_t)(3 - i) * XFER, 0x5f00 + (uint64_t)i * 2);
		p2ptest_unimport(ctl, hs[i]);
	}
	munmap(view, BUF_SIZE);
	close(fd);
}

static void test_close_dmabuf_fd(void)
{
	static uint8_t data[XFER];
	int before = p2ptest_count_phys_bufs();
	uint32_t h;
	int fd;

	igt_assert_f(before >= 0, "%s: %s\n", P2PTEST_BUFINFO, strerror(-before));
	fd = export_buf(0, BUF_SIZE);
	h = p2ptest_import(ctl, fd, &client.addr, NULL);
	close(fd);
	/* The import keeps the buffer: it still works, both ways. */
	igt_assert_eq(p2ptest_count_phys_bufs(), before + 1);
	fill(data, XFER, 0xc105e);
	igt_assert_eq(__p2ptest_transfer(ctl, h, P2PTEST_TO_BUFFER, 2048, data, XFER), 0);
	memset(data, 0, sizeof(data));
	igt_assert_eq(__p2ptest_transfer(ctl, h, P2PTEST_FROM_BUFFER, 2048, data, XFER), 0);
	check(data, XFER, 0xc105e, "bytes DMA'd in and out after the dma-buf's fd was closed");
	p2ptest_unimport(ctl, h);
	igt_assert_eq(p2ptest_count_phys_bufs(), before);
}

static void cleanup(void)
{
	igt_assert_eq(p2ptest_allowlist_set(saved_allowlist), 0);
	if (vdev >= 0)
		close(vdev);
	close(ctl);
}

igt_main
{
	int how;

	igt_fixture
		setup();

	igt_describe("One range of a memory BAR exports through VFIO as a dma-buf of its "
		     "size, which mmap maps.");
	igt_subtest("export-range")
		test_export_range();

	igt_describe("Scattered ranges export through VFIO as one dma-buf of their total "
		     "size, in order: each page of it is the BAR at its range's offset.");
	igt_subtest("export-scattered")
		test_export_scattered();

	igt_describe("Each malformed VFIO_DEVICE_FEATURE_DMA_BUF export of the errno table "
		     "(lib/p2ptest/contract.c) fails with its own errno and leaves no file "
		     "descriptor or buffer behind.");
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

	igt_describe("An NVMe controller imports another's CMB, exported through VFIO, "
		     "behind the same switch by PCI bus address, as one DMA range.");
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

	igt_describe("While memory decode is off a buffer cannot be imported or mmapped "
		     "(ENODEV); turned on, it imports and carries verified DMA.");
	igt_subtest("map-after-revoke")
		test_map_after_revoke();

	igt_describe("Memory decode turned off through VFIO reaches every importer of a "
		     "buffer, and turned on gives each its DMA back.");
	igt_subtest("several-importers")
		test_several_importers();

	igt_describe("An import keeps its buffer working after the dma-buf's fd is closed, "
		     "and the buffer goes with the import.");
	igt_subtest("close-dmabuf-fd")
		test_close_dmabuf_fd();

	for (how = 0; how < NR_REVOKES; how++) {
		igt_describe(revokes[how].while_mapped);
		igt_subtest_f("revoke-%s-while-mapped", revokes[how].name)
			test_revoke_while_mapped(how);

		igt_describe(revokes[how].during_transfer);
		igt_subtest_f("revoke-%s-during-transfer", revokes[how].name)
			test_revoke_during_transfer(how);
	}

	igt_describe("The provider unplugged by QEMU (device_del) while its buffer is "
		     "imported and mapped: vfio-pci asks for the device through its request "
		     "eventfd and the test closes it; ENODEV, a clean unimport, the buffer "
		     "freed with its last user, verified DMA after the replug.");
	igt_subtest("hot-unplug")
		test_unplug_while_mapped(&prov, UNPLUG_QMP, "P2PTEST_PROVIDER_QEMU_ID");

	igt_describe("The client unplugged by QEMU (device_del) while it imports a mapped "
		     "VFIO buffer: ENODEV, a clean unimport, the buffer untouched, verified "
		     "DMA after the replug.");
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
