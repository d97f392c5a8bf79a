// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest run: a verified peer-to-peer transfer: the provider's BAR range
 * exported through VFIO, imported for the client through /dev/p2ptest;
 * with an NVMe client, through user-space P2PDMA instead (run_nvme.c).
 *
 * The provider is bound to vfio-pci, which exports the range as a dma-buf
 * (VFIO_DEVICE_FEATURE_DMA_BUF); the CPU maps the dma-buf (uncached) to
 * check it. The client, bound to the p2ptest driver, imports the dma-buf
 * and its DMA engine writes a seeded pattern into it and reads another one
 * back, chunk by chunk. Every byte is compared, and a buffer that reads
 * back all 0xff (nothing decodes the address) or all zero (nothing was
 * written) is called so. The same transfer bounced through system memory
 * (a udmabuf: the client DMAs into RAM, the CPU copies to the BAR) gives
 * the baseline.
 *
 * A device bound to another driver is taken from it only with --bind; the
 * provider is left bound as it was found: p2ptest gives it back to its
 * driver (or to none) at the end. What VFIO needs is checked before
 * anything on the machine changes, each with its own exit status and the
 * command that fixes it (EXIT_* below).
 *
 * Exit status: 0 all verified, 1 a mismatch or an error, 2 bad usage, 3-6
 * a device is not bound or the provider cannot be exported through VFIO
 * (EXIT_* below), 77 when P2P between the two devices is not possible on
 * this machine. The progress lines go to stdout, or to stderr with --json:
 * then stdout holds the result as JSON, once the buffer was imported.
 *
 * With P2PTEST_SYSFS (a fake sysfs tree, see p2ptest_client.h) and a
 * capture (--fixture), run goes as far as those checks without root: the
 * host tests reach each refusal that way.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include <linux/udmabuf.h>

#include "p2ptest.h"
#include "p2ptest_client.h"
#include "p2ptest_pattern.h"
#include "p2ptest_vfio.h"

/*
 * Why the provider cannot be exported through VFIO (or a device not be
 * bound): each its own status, so that a script tells them apart from a
 * failed transfer (1).
 */
#define EXIT_NOT_BOUND	3	/* bound to another driver, and no --bind */
#define EXIT_NO_IOMMU	4	/* no IOMMU group, VFIO's no-IOMMU mode off */
#define EXIT_GROUP	5	/* VFIO refuses the IOMMU group: not viable, or in use */
#define EXIT_NO_VFIO	6	/* no vfio-pci, or one that exports no dma-bufs */

#define NOIOMMU_MODE	"/sys/module/vfio/parameters/enable_unsafe_noiommu_mode"

struct run {
	struct dev *provider, *client;
	int bar;
	uint64_t size, offset, seed;
	int iterations;
	bool rebind;
	FILE *text;			/* the progress lines */
	int ctl;			/* /dev/p2ptest */
	int vfio;			/* the provider's VFIO device, -1 none */
	char prov_driver[64];		/* the provider's driver before the run, "" none */
	bool prov_bound;		/* bound to vfio-pci by the run: given back at its end */
	uint8_t *bar_map;		/* the exported range, CPU view */
	uint8_t *want, *got;
	struct p2ptest_import imp;
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s run --provider DEV[:BAR] --client DEV [--size N[K|M|G]] [--offset N]\n"
		"                [--iterations N] [--seed S] [--bind] [--json]\n"
		"       %s run --provider DEV --client NVME [--size N[K|M|G]] [--offset N[K|M|G]]\n"
		"                [--iterations N] [--seed S] [--write-ok] [--json]\n"
		"\n"
		"Export SIZE bytes at OFFSET of the provider's BAR (default: its largest\n"
		"memory BAR) as a dma-buf through VFIO (VFIO_DEVICE_FEATURE_DMA_BUF), import\n"
		"it for the client through /dev/p2ptest and let the client's DMA engine\n"
		"(QEMU edu) write a seeded pattern into it and read another back, every byte\n"
		"verified; then the same through system memory for comparison. The seed is\n"
		"printed; --seed repeats a run.\n"
		"\n"
		"The provider is bound to vfio-pci, the client to the p2ptest driver. A\n"
		"device bound to another driver is only taken over with --bind; the provider\n"
		"goes back to the driver it had (or to none) at the end, the client stays.\n"
		"VFIO needs the provider in an IOMMU group; on a machine without an IOMMU,\n"
		"VFIO's unsafe no-IOMMU mode must be on before vfio-pci binds it, which\n"
		"p2ptest never turns on by itself:\n"
		"  echo Y > " NOIOMMU_MODE "\n"
		"\n"
		"An NVMe client (NVME: a namespace, /dev/nvme0n1, or an NVMe controller's PCI\n"
		"name for its first namespace) needs no test module: SIZE bytes (default 64K)\n"
		"of the provider's published p2pmem (p2pmem/allocate) are written to the\n"
		"namespace at OFFSET (default 0) with O_DIRECT and read back into another\n"
		"p2pmem buffer, every byte verified, for each of the iterations (seed + i);\n"
		"then the same through system memory, and the bandwidths are compared.\n"
		"OFFSET and SIZE are multiples of the namespace's logical block size and stay\n"
		"within it. The range is read first and written back at the end, also after\n"
		"a failure: the namespace is left as found. A namespace that holds a\n"
		"filesystem or partition-table signature (blkid) is written only with\n"
		"--write-ok; one in use (mounted, a RAID or swap member) never. A refusal by\n"
		"the kernel (EREMOTEIO) prints the kernel's explanation of the route.\n"
		"\n"
		"Exit status: 0 verified, 1 mismatch or error, 2 bad usage (with an NVMe\n"
		"client: a range outside the namespace, or a signature without --write-ok),\n"
		"3 a device bound to another driver and no --bind, 4 the provider has no\n"
		"IOMMU group and VFIO's no-IOMMU mode is off, 5 VFIO refuses the provider's\n"
		"IOMMU group (another device of it is bound to a driver, or a program has\n"
		"it open), 6 no vfio-pci (or one that exports no dma-bufs), 77 P2P not\n"
		"possible here.\n", prog, prog);
}

int run_parse_size(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long n = strtoull(s, &end, 0);

	switch (*end) {
	case 'K': case 'k': n <<= 10; end++; break;
	case 'M': case 'm': n <<= 20; end++; break;
	case 'G': case 'g': n <<= 30; end++; break;
	}
	*v = n;
	return *end || end == s ? -1 : 0;
}

double run_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Bind the client @d to the p2ptest driver, taking it from another only if
 * allowed: 0, or the exit status after saying why not.
 */
static int bind_p2ptest(struct run *r, struct dev *d)
{
	char old[64];
	int ret = p2ptest_pci_bind(d->name, "p2ptest", r->rebind, old, sizeof(old));

	if (ret == -EBUSY && !r->rebind && old[0]) {
		warn("%s is bound to %s; pass --bind to hand it to p2ptest (its driver "
		     "stops using it)", d->name, old);
		return EXIT_NOT_BOUND;
	}
	if (ret)
		warn("cannot bind %s to p2ptest: %s", d->name, strerror(-ret));
	return ret ? 1 : 0;
}

/* Whether @bdf is in an IOMMU group (its iommu_group link). */
static bool has_iommu_group(const char *bdf)
{
	char path[PATH_MAX];

	return !p2ptest_sysfs_path(path, sizeof(path), P2PTEST_SYSFS_PCI "/devices/%s/iommu_group",
				   bdf) && !access(path, F_OK);
}

/*
 * What VFIO needs of the provider, checked before anything on the machine
 * changes: 0, or the exit status after saying what is missing and the
 * command that fixes it. The provider's driver goes to r->prov_driver.
 *
 * Without an IOMMU, vfio-pci takes a device only in VFIO's no-IOMMU mode,
 * and only if the mode was on when it bound the device. --bind does not
 * turn the mode on: it lets every device bound to vfio-pci from then on
 * DMA anywhere in memory, for as long as the machine runs, and taints the
 * kernel; that is the owner's choice about the machine, not part of
 * handing one device over for one run. The test plans make it with
 * guestlib's bind_vfio on the lanes without an IOMMU.
 */
static int vfio_check(struct run *r)
{
	const char *bdf = r->provider->name;
	char path[PATH_MAX], mode[8];
	int ret = p2ptest_sysfs_path(path, sizeof(path), P2PTEST_SYSFS_PCI "/drivers/vfio-pci");

	if (ret || access(path, F_OK)) {
		warn("vfio-pci is not loaded (no /sys/bus/pci/drivers/vfio-pci): it exports the "
		     "provider's BAR. Load it: modprobe vfio-pci (a kernel built with "
		     "CONFIG_VFIO_PCI)");
		return EXIT_NO_VFIO;
	}
	ret = p2ptest_pci_driver(bdf, r->prov_driver, sizeof(r->prov_driver));
	if (ret) {
		warn("cannot tell which driver %s is bound to: %s", bdf, strerror(-ret));
		return 1;
	}
	if (!strcmp(r->prov_driver, "vfio-pci"))
		return 0;
	if (!has_iommu_group(bdf)) {
		ret = p2ptest_sysfs_read(NOIOMMU_MODE, mode, sizeof(mode));
		if (ret) {
			warn("%s is in no IOMMU group, which VFIO needs, and this kernel's VFIO "
			     "has no no-IOMMU mode (CONFIG_VFIO_NOIOMMU): turn the IOMMU on "
			     "(intel_iommu=on or amd_iommu=on on the kernel command line)", bdf);
			return EXIT_NO_IOMMU;
		}
		if (strcmp(mode, "Y")) {
			warn("%s is in no IOMMU group, which VFIO needs, and VFIO's no-IOMMU mode "
			     "is off. Turn the IOMMU on (intel_iommu=on or amd_iommu=on on the "
			     "kernel command line), or, on a machine without one, turn the mode on "
			     "before %s is bound to vfio-pci:\n  echo Y > %s\nIt is unsafe "
			     "(devices bound to vfio-pci may then DMA anywhere in memory) and "
			     "taints the kernel: p2ptest leaves that choice to you", bdf, bdf,
			     NOIOMMU_MODE);
			return EXIT_NO_IOMMU;
		}
	}
	if (r->prov_driver[0] && !r->rebind) {
		warn("%s is bound to %s, not vfio-pci, which exports its BAR: pass --bind "
		     "to hand it to vfio-pci for the run (%s gets it back at the end), or "
		     "bind it yourself:\n  echo %s > /sys/bus/pci/devices/%s/driver/unbind\n"
		     "  echo vfio-pci > /sys/bus/pci/devices/%s/driver_override\n"
		     "  echo %s > /sys/bus/pci/drivers/vfio-pci/bind", bdf, r->prov_driver,
		     r->prov_driver, bdf, bdf, bdf, bdf);
		return EXIT_NOT_BOUND;
	}
	return 0;
}

/*
 * Why VFIO refuses the provider's group (EBUSY): the other devices of the
 * group bound to a driver that may claim their DMA, or a program that has
 * the group open. The kernel decides (a driver's driver_managed_dma); the
 * ones passed over here are 6.1's generic PCI drivers that set it (vfio-pci's
 * vendor variants set it too and are named, which only says too much).
 */
static void explain_group(const char *bdf)
{
	char path[PATH_MAX], drv[64], who[512] = "";
	struct dirent *e;
	size_t n = 0;
	DIR *dir = NULL;

	if (!p2ptest_sysfs_path(path, sizeof(path), P2PTEST_SYSFS_PCI
				"/devices/%s/iommu_group/devices", bdf))
		dir = opendir(path);
	while (dir && (e = readdir(dir)) && n < sizeof(who)) {
		if (e->d_name[0] == '.' || !strcmp(e->d_name, bdf) ||
		    p2ptest_pci_driver(e->d_name, drv, sizeof(drv)) || !drv[0] ||
		    !strcmp(drv, "vfio-pci") || !strcmp(drv, "pcieport") || !strcmp(drv, "pci-stub"))
			continue;
		n += (size_t)snprintf(who + n, sizeof(who) - n, "%s%s on %s", n ? ", " : "",
				      e->d_name, drv);
	}
	if (dir)
		closedir(dir);
	if (who[0])
		warn("VFIO refuses the IOMMU group of %s: it is not viable: %s (a group is VFIO's "
		     "only when each of its devices is bound to vfio-pci, to a driver that does "
		     "no DMA of its own such as pcieport, or to none). Bind those to vfio-pci "
		     "too, or unbind them, and run again", bdf, who);
	else
		warn("VFIO refuses the IOMMU group of %s: a program has it open (VFIO lets one "
		     "open a group at a time), or a device of it is bound to a driver that "
		     "does DMA of its own: ls -l /sys/bus/pci/devices/%s/iommu_group/devices/*/driver",
		     bdf, bdf);
}

/*
 * Bind the provider to vfio-pci (vfio_check() said whether it may be
 * taken from its driver) and open it through VFIO: 0, or the exit status
 * after saying why not. vfio_release() undoes both.
 */
static int vfio_take(struct run *r)
{
	const char *bdf = r->provider->name;
	int ret;

	if (strcmp(r->prov_driver, "vfio-pci")) {
		/* A bind that fails half way leaves the device unbound: given back too. */
		r->prov_bound = true;
		ret = p2ptest_pci_bind(bdf, "vfio-pci", r->rebind, NULL, 0);
		if (ret == -EBUSY && !r->rebind) {
			warn("%s was bound to a driver while p2ptest looked: pass --bind to hand "
			     "it to vfio-pci", bdf);
			return EXIT_NOT_BOUND;
		}
		if (ret) {
			warn("cannot bind %s to vfio-pci: %s (the kernel log says why)", bdf,
			     strerror(-ret));
			return 1;
		}
	}
	r->vfio = __vfio_open_device(bdf);
	if (r->vfio == -EBUSY) {
		explain_group(bdf);
		return EXIT_GROUP;
	}
	if (r->vfio < 0) {
		warn("cannot open %s through VFIO: %s", bdf, strerror(-r->vfio));
		return 1;
	}
	return 0;
}

/*
 * Close the provider's VFIO device and give the provider back to the
 * driver it had, or to none: 0, or 1 after saying what is left to do.
 */
static int vfio_release(struct run *r)
{
	const char *bdf = r->provider->name;
	char cur[64];
	int ret;

	/* Unbinding a device from vfio-pci waits until its VFIO device is closed. */
	if (r->vfio >= 0)
		close(r->vfio);
	r->vfio = -1;
	if (!r->prov_bound)
		return 0;
	ret = p2ptest_pci_driver(bdf, cur, sizeof(cur));
	if (!ret && !strcmp(cur, r->prov_driver))
		return 0;
	if (!ret && r->prov_driver[0]) {
		ret = p2ptest_pci_bind(bdf, r->prov_driver, true, NULL, 0);
	} else if (!ret && strcmp(cur, "vfio-pci")) {
		/* Another driver took the device meanwhile: not p2ptest's to move. */
		return 0;
	} else if (!ret) {
		ret = p2ptest_driver_unbind("vfio-pci", bdf);
		/* Left in place, the override hands the device to vfio-pci at its next probe. */
		if (!ret)
			ret = p2ptest_pci_write(bdf, "driver_override", "\n");
	}
	if (ret && r->prov_driver[0]) {
		warn("could not give %s back to %s: %s; by hand:\n  echo %s > "
		     "/sys/bus/pci/drivers/%s/bind", bdf, r->prov_driver, strerror(-ret), bdf,
		     r->prov_driver);
		return 1;
	}
	if (ret) {
		warn("could not unbind %s from vfio-pci, to leave it without a driver as it "
		     "was: %s", bdf, strerror(-ret));
		return 1;
	}
	fprintf(r->text, "%s given back to %s\n", bdf,
		r->prov_driver[0] ? r->prov_driver : "no driver");
	return 0;
}

static struct p2ptest_pci_addr addr_of(const struct dev *d)
{
	return P2PTEST_PCI_ADDR(d->pd->domain, d->pd->bus, d->pd->dev, d->pd->func);
}

static int import(struct run *r, int dmabuf_fd, struct p2ptest_import *imp)
{
	struct p2ptest_pci_addr client = addr_of(r->client);

	return __p2ptest_import(r->ctl, dmabuf_fd, &client, imp);
}

/* DMA [0, size) of an import chunk by chunk: into it from @src, or out to @dst. */
static int dma_all(struct run *r, uint32_t handle, bool to_buffer, uint8_t *data)
{
	uint64_t off;
	int ret;

	for (off = 0; off < r->size; off += P2PTEST_MAX_TRANSFER) {
		ret = __p2ptest_transfer(r->ctl, handle,
					 to_buffer ? P2PTEST_TO_BUFFER : P2PTEST_FROM_BUFFER, off,
					 data + off, r->size - off < P2PTEST_MAX_TRANSFER ?
					 r->size - off : P2PTEST_MAX_TRANSFER);
		if (ret)
			return ret;
	}
	return 0;
}

/* Compare; report how many bytes differ and what the memory looked like. */
uint64_t run_verify(FILE *text, const char *what, const uint8_t *want, const uint8_t *got,
		    uint64_t len)
{
	uint64_t i, bad = 0, first = 0, ff = 0, zero = 0;

	for (i = 0; i < len; i++) {
		ff += got[i] == 0xff;
		zero += got[i] == 0;
		if (got[i] != want[i] && !bad++)
			first = i;
	}
	if (!bad)
		fprintf(text, "  %-28s %llu bytes verified\n", what, (unsigned long long)len);
	else
		fprintf(text, "  %-28s MISMATCH: %llu of %llu bytes differ, "
			"first at %llu%s\n", what, (unsigned long long)bad, (unsigned long long)len,
			(unsigned long long)first,
			ff == len ? " (all 0xff: nothing answers at that address)" :
			zero == len ? " (all zero: nothing was written)" : "");
	return bad;
}

/* The P2P transfers: client -> BAR and BAR -> client, @iterations times. */
static int run_p2p(struct run *r, uint64_t *bad, double *secs)
{
	int it, ret;
	double t;

	for (it = 0; it < r->iterations; it++) {
		p2ptest_pattern_fill(r->want, r->size, r->seed + 2 * it);
		t = run_now();
		ret = dma_all(r, r->imp.handle, true, r->want);
		*secs += run_now() - t;
		if (ret)
			return ret;
		memcpy(r->got, r->bar_map, r->size);
		*bad += run_verify(r->text, "client DMA -> BAR", r->want, r->got, r->size);

		p2ptest_pattern_fill(r->want, r->size, r->seed + 2 * it + 1);
		memcpy(r->bar_map, r->want, r->size);
		t = run_now();
		ret = dma_all(r, r->imp.handle, false, r->got);
		*secs += run_now() - t;
		if (ret)
			return ret;
		*bad += run_verify(r->text, "BAR -> client DMA", r->want, r->got, r->size);
	}
	return 0;
}

/* The same bytes bounced: client DMA into a udmabuf, the CPU copies to the BAR. */
static int run_bounce(struct run *r, uint64_t *bad, double *secs)
{
	struct udmabuf_create c = { .flags = UDMABUF_FLAGS_CLOEXEC };
	struct p2ptest_import imp;
	int memfd, udev, buf, ret;
	uint8_t *ram;
	double t;

	udev = open("/dev/udmabuf", O_RDWR);
	memfd = memfd_create("p2ptest-bounce", MFD_ALLOW_SEALING);
	if (udev < 0 || memfd < 0 || ftruncate(memfd, (off_t)r->size) ||
	    fcntl(memfd, F_ADD_SEALS, F_SEAL_SHRINK)) {
		ret = -errno;
		goto out;
	}
	c.memfd = (uint32_t)memfd;
	c.size = r->size;
	buf = ioctl(udev, UDMABUF_CREATE, &c);
	ret = buf < 0 ? -errno : import(r, buf, &imp);
	if (buf >= 0)
		close(buf);
	if (ret)
		goto out;
	ram = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (ram == MAP_FAILED) {
		ret = -errno;
		goto unimport;
	}
	p2ptest_pattern_fill(r->want, r->size, r->seed + 0x1000);
	t = run_now();
	ret = dma_all(r, imp.handle, true, r->want);
	memcpy(r->bar_map, ram, r->size);
	*secs = run_now() - t;
	memcpy(r->got, r->bar_map, r->size);
	if (!ret)
		*bad += run_verify(r->text, "client DMA -> RAM -> BAR", r->want, r->got, r->size);
	munmap(ram, r->size);
unimport:
	__p2ptest_unimport(r->ctl, imp.handle);
out:
	if (memfd >= 0)
		close(memfd);
	if (udev >= 0)
		close(udev);
	return ret;
}

static const char *route_name(uint32_t route)
{
	return route == P2PTEST_ROUTE_BUS_ADDR ? "BUS_ADDR" :
	       route == P2PTEST_ROUTE_HOST_BRIDGE ? "THRU_HOST_BRIDGE" : "system memory";
}

/* The result as JSON: the document main() prints in JSON mode. */
static struct json_object *result_json(const struct run *r, uint64_t bad, double p2p_s,
				       double bounce_s)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "route", json_object_new_string(route_name(r->imp.route)));
	json_object_object_add(o, "iova", json_object_new_boolean(r->imp.iova));
	json_object_object_add(o, "seed", json_object_new_uint64(r->seed));
	json_object_object_add(o, "size", json_object_new_uint64(r->size));
	json_object_object_add(o, "mismatched_bytes", json_object_new_uint64(bad));
	json_object_object_add(o, "p2p_seconds", json_object_new_double(p2p_s));
	json_object_object_add(o, "bounce_seconds", json_object_new_double(bounce_s));
	return o;
}

static int run_transfers(struct run *r, struct output *out)
{
	struct vfio_region_info bar;
	double p2p_s = 0, bounce_s = 0;
	uint64_t bad = 0;
	int fd, ret;

	ret = __vfio_region_info(r->vfio, (uint32_t)r->bar, &bar);
	if (ret || !bar.size || r->offset > bar.size || r->size > bar.size - r->offset) {
		if (ret)
			warn("BAR %d of %s: %s", r->bar, r->provider->name, strerror(-ret));
		else
			warn("BAR %d of %s is %llu bytes: [%#llx, +%#llx) does not fit in it",
			     r->bar, r->provider->name, (unsigned long long)bar.size,
			     (unsigned long long)r->offset, (unsigned long long)r->size);
		return ret ? 1 : 2;
	}
	fd = __vfio_dma_buf_export_range(r->vfio, (uint32_t)r->bar, r->offset, r->size);
	if (fd < 0) {
		warn("exporting BAR %d [%#llx, +%#llx) of %s through VFIO failed: %s%s", r->bar,
		     (unsigned long long)r->offset, (unsigned long long)r->size, r->provider->name,
		     strerror(-fd), fd == -ENOTTY ? " (this kernel's vfio-pci exports no "
		     "dma-bufs: CONFIG_VFIO_PCI_DMABUF)" : fd == -EINVAL ? " (VFIO exports "
		     "memory BARs only)" : "");
		return fd == -ENOTTY ? EXIT_NO_VFIO : 1;
	}
	r->bar_map = mmap(NULL, r->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ret = r->bar_map == MAP_FAILED ? -errno : import(r, fd, &r->imp);
	if (ret) {
		warn("%s cannot import the buffer: %s%s", r->client->name, strerror(-ret),
		     ret == -EREMOTEIO ? " (the kernel log says why)" : "");
		if (r->bar_map != MAP_FAILED)
			munmap(r->bar_map, r->size);
		close(fd);
		return ret == -EREMOTEIO ? EXIT_NO_P2P : 1;
	}
	fprintf(r->text, "route %s, %u DMA range(s)%s; seed %#llx (repeat with --seed %#llx)\n",
		route_name(r->imp.route), r->imp.nr_vecs, r->imp.iova ? ", one IOVA range" : "",
		(unsigned long long)r->seed, (unsigned long long)r->seed);

	ret = run_p2p(r, &bad, &p2p_s);
	if (!ret)
		ret = run_bounce(r, &bad, &bounce_s);
	if (ret)
		warn("transfer failed: %s", strerror(-ret));
	else
		fprintf(r->text,
			"P2P:    %llu bytes by DMA in %.3f s (%.2f MB/s), "
			"0 bytes copied by the CPU\n"
			"bounce: %llu bytes by DMA + CPU copy in %.3f s (%.2f MB/s), %llu bytes "
			"copied by the CPU\n",
			(unsigned long long)(2 * r->size * r->iterations), p2p_s,
			2.0 * r->size * r->iterations / p2p_s / 1e6, (unsigned long long)r->size,
			bounce_s, r->size / bounce_s / 1e6, (unsigned long long)r->size);
	out->doc = result_json(r, bad, p2p_s, bounce_s);
	__p2ptest_unimport(r->ctl, r->imp.handle);
	munmap(r->bar_map, r->size);
	close(fd);
	return ret ? 1 : bad ? 1 : 0;
}

/* The options into @r: 0, or 2 after saying what is wrong. */
static int run_options(struct model *m, const struct args *args, struct run *r)
{
	const char *o;
	char prov[32] = "", *colon, *end;

	o = args->opt['s'];
	if (o && (run_parse_size(o, &r->size) || !r->size || r->size % 4096)) {
		warn("--size must be a multiple of 4K");
		return 2;
	}
	o = args->opt['o'];
	if (o && (run_parse_size(o, &r->offset) || r->offset % 4096)) {
		warn("--offset must be a multiple of 4K");
		return 2;
	}
	if (args->opt['i'])
		r->iterations = atoi(args->opt['i']);
	if (args->opt['S'])
		r->seed = strtoull(args->opt['S'], NULL, 0);
	r->rebind = args->opt['b'];
	if (args->opt['w']) {
		warn("--write-ok is for NVMe clients");
		return 2;
	}
	if (args->opt['p'])
		snprintf(prov, sizeof(prov), "%s", args->opt['p']);
	colon = strrchr(prov, ':');
	if (colon && colon > prov && strchr(prov, '.') && colon > strchr(prov, '.')) {
		r->bar = (int)strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end || r->bar < 0 || r->bar > 5) {
			warn("--provider DEV:BAR: BAR is 0 to 5");
			return 2;
		}
		*colon = '\0';
	}
	if (!prov[0] || !args->opt['c'] || r->iterations < 1) {
		usage(stderr);
		return 2;
	}
	r->client = model_find(m, args->opt['c']);
	if (!r->client)
		die("no PCI device %s", args->opt['c']);
	r->provider = model_find(m, prov);
	if (!r->provider)
		die("no PCI device %s", prov);
	return 0;
}

static int run(struct model *m, const struct args *args, struct output *out)
{
	struct run r = {
		.size = 4096, .iterations = 1, .bar = -1, .seed = (uint64_t)time(NULL),
		.text = out->text, .vfio = -1,
	};
	struct route route;
	int ret;

	if (args->opt['p'] && args->opt['c'] && run_nvme_client(m, args->opt['c']))
		return run_nvme(m, args, out);
	ret = run_options(m, args, &r);
	if (ret)
		return ret;
	/* A capture with a fake sysfs tree: the host tests of the checks below. */
	if (m->fixture ? !getenv("P2PTEST_SYSFS") : geteuid() != 0)
		die("run drives devices: it needs root on a live machine");
	if (r.bar < 0)
		r.bar = p2ptest_pci_largest_bar(r.provider->name, NULL);
	if (r.bar < 0) {
		warn("%s has no memory BAR to export", r.provider->name);
		return 1;
	}

	route_decide(m, r.provider, r.client, &route);
	fprintf(r.text, "%s -> %s: %s, distance %d\n", r.provider->name, r.client->name,
		verdict_name(route.verdict), route.distance);
	if (route.verdict == V_NOT_SUPPORTED) {
		fprintf(r.text, "P2P is not possible between these devices here: p2ptest explain "
			"%s %s\n", r.provider->name, r.client->name);
		return EXIT_NO_P2P;
	}

	ret = vfio_check(&r);
	if (ret)
		return ret;
	r.ctl = p2ptest_open();
	if (r.ctl < 0)
		die("cannot open %s: %s (load the p2ptest test module, tests/p2ptest: "
		    "insmod build/kernel-debug/extmod/p2ptest/p2ptest.ko)",
		    P2PTEST_DEV, strerror(-r.ctl));
	r.want = malloc(r.size);
	r.got = malloc(r.size);
	if (!r.want || !r.got)
		warn("no memory for two buffers of %llu bytes", (unsigned long long)r.size);
	ret = !r.want || !r.got ? 1 : vfio_take(&r);
	if (!ret)
		ret = bind_p2ptest(&r, r.client);
	if (!ret)
		ret = run_transfers(&r, out);
	if (vfio_release(&r) && !ret)
		ret = 1;
	free(r.want);
	free(r.got);
	close(r.ctl);
	return ret;
}

const struct cmd cmd_run = {
	"run", "a verified P2P transfer between two devices, and its bounce baseline", usage, run,
	.opts = {
		{ "provider", required_argument, NULL, 'p' },
		{ "client", required_argument, NULL, 'c' },
		{ "size", required_argument, NULL, 's' },
		{ "offset", required_argument, NULL, 'o' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "seed", required_argument, NULL, 'S' },
		{ "bind", no_argument, NULL, 'b' },
		{ "write-ok", no_argument, NULL, 'w' },
	},
};
