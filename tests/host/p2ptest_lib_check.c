// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What of the p2ptest client library (lib/p2ptest) runs without root, a
 * VM or /dev/p2ptest: addresses, sysfs-style files (temporary ones under
 * DIR), explanations, the -errno convention of the ioctl wrappers, VFIO's
 * export errno table and the arguments it builds, and what it reads of
 * sysfs and debugfs (p2pmem, block devices, the routing cache) from a fake
 * tree under DIR/sys (P2PTEST_SYSFS).
 * Prints "ok NAME" or "not ok NAME: why" per check; exit status 1 if one
 * failed. Run by test_p2ptest_lib.py.
 *
 *   p2ptest_lib_check DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "p2ptest_client.h"
#include "p2ptest_vfio.h"

static int failed;

static void check(const char *name, bool ok, const char *why)
{
	printf("%s%s%s%s\n", ok ? "ok " : "not ok ", name, ok ? "" : ": ", ok ? "" : why);
	failed |= !ok;
}

static void check_ret(const char *name, long got, long want)
{
	char why[64];

	snprintf(why, sizeof(why), "got %ld, want %ld", got, want);
	check(name, got == want, why);
}

static void bdf(void)
{
	static const char *const bad[] = {
		"0000:00:20.0", "0000:00:00.8", "0000:100:00.0", "0000:00:00.0x", "00:00.0", "",
	};
	struct p2ptest_pci_addr a;
	char buf[P2PTEST_BDF_LEN];
	size_t i;

	check_ret("parse-bdf", p2ptest_parse_bdf("abcd:ff:1f.7", &a), 0);
	check("parse-bdf-fields", a.domain == 0xabcd && a.bus == 0xff && a.devfn == (31 << 3 | 7) &&
	      !a.reserved, "wrong fields");
	check("format-bdf", !strcmp(p2ptest_format_bdf(&a, buf, sizeof(buf)), "abcd:ff:1f.7"), buf);
	a = P2PTEST_PCI_ADDR(0, 1, 2, 3);
	check("format-bdf-zeroes", !strcmp(p2ptest_format_bdf(&a, buf, sizeof(buf)),
					   "0000:01:02.3"), buf);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(buf, sizeof(buf), "parse-bad-%zu", i);
		check_ret(buf, p2ptest_parse_bdf(bad[i], &a), -EINVAL);
	}
}

static void files(const char *dir)
{
	char path[512], buf[64];
	int fd;

	/* Like a sysfs attribute, the file is there before it is written. */
	snprintf(path, sizeof(path), "%s/attr", dir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	if (fd >= 0)
		close(fd);
	check_ret("sysfs-write", p2ptest_sysfs_write(path, "one\ntwo\n"), 0);
	check_ret("sysfs-read", p2ptest_sysfs_read(path, buf, sizeof(buf)), 0);
	check("sysfs-read-first-line", !strcmp(buf, "one"), buf);
	check_ret("sysfs-read-short", p2ptest_sysfs_read(path, buf, 3), 0);
	check("sysfs-read-cut", !strcmp(buf, "on"), buf);
	check_ret("sysfs-query", p2ptest_sysfs_query(path, "answer", buf, sizeof(buf)), 0);
	/* Read back from the start, as debugfs query files answer. */
	check("sysfs-query-answer", !strcmp(buf, "answero\n"), buf);
	snprintf(path, sizeof(path), "%s/absent", dir);
	check_ret("sysfs-read-absent", p2ptest_sysfs_read(path, buf, sizeof(buf)), -ENOENT);
	check("sysfs-read-absent-empty", !buf[0], buf);
	check_ret("sysfs-query-absent", p2ptest_sysfs_query(path, "q", buf, sizeof(buf)), -ENOENT);
}

static void explanation(void)
{
	const char *e = "provider 0000:01:00.0\nclient 0000:02:00.0\nverdict BUS_ADDR 2\n"
			"distance 2\nverdicts none\n";
	char buf[32];

	check("explain-field", p2ptest_explain_field(e, "verdict", buf, sizeof(buf)) &&
	      !strcmp(buf, "BUS_ADDR 2"), buf);
	check("explain-field-first", p2ptest_explain_field(e, "provider", buf, sizeof(buf)) &&
	      !strcmp(buf, "0000:01:00.0"), buf);
	check("explain-field-absent", !p2ptest_explain_field(e, "route", buf, sizeof(buf)),
	      "found a line that is not there");
}

/* The wrappers on a file that takes no ioctl, and a device that is not there. */
static void errnos(void)
{
	struct p2ptest_pci_addr a = P2PTEST_PCI_ADDR(0xffff, 0xff, 31, 7);
	struct p2ptest_import imp;
	char name[32] = "x";
	int fd = open("/dev/null", O_RDWR);
	uint32_t v;

	check_ret("ioctl-enotty", __p2ptest_version(fd, &v), -ENOTTY);
	check_ret("import-enotty", __p2ptest_import(fd, -1, &a, &imp), -ENOTTY);
	check_ret("transfer-ebadf", __p2ptest_transfer(-1, 1, 0, 0, NULL, 0), -EBADF);
	check_ret("vfio-export-enotty", __vfio_dma_buf_export_range(fd, 2, 0, 4096), -ENOTTY);
	check_ret("vfio-reset-enotty", __vfio_reset(fd), -ENOTTY);
	close(fd);
	check_ret("count-fds", p2ptest_count_fds() > 0, 1);
	check_ret("driver-absent", p2ptest_pci_driver("ffff:ff:1f.7", name, sizeof(name)),
		  -ENOENT);
	check("driver-absent-empty", !name[0], name);
	check_ret("bind-absent", p2ptest_pci_bind("ffff:ff:1f.7", "p2ptest", true, name,
						  sizeof(name)), -ENOENT);
	check_ret("exists-absent", p2ptest_pci_exists("ffff:ff:1f.7"), false);
}

/* Bytes at @p readable by the kernel before it faults (at most @max). */
static size_t readable(const void *p, size_t max)
{
	int fds[2];
	size_t n = 0;

	if (pipe(fds))
		return 0;
	/* A pipe holds a page: one byte at a time is enough to find the end. */
	while (n < max && write(fds[1], (const char *)p + n, 1) == 1) {
		char c;

		n++;
		if (read(fds[0], &c, 1) != 1)
			break;
	}
	close(fds[0]);
	close(fds[1]);
	return n;
}

/* The feature's header, then the dma-buf's: where the ranges begin. */
#define HEAD	(sizeof(struct vfio_device_feature) + \
		 sizeof(struct vfio_device_feature_dma_buf))

/*
 * Each row's argument ends where the memory ends: whole, with every range
 * its nr_ranges names (but a count the kernel refuses before it reads
 * them), or cut where the row says; and it is the good export but for the
 * row's argument.
 */
static void vfio_table(void)
{
	const struct p2ptest_vfio_target t = { .bar = 2, .bar_size = 1 << 22, .empty_bar = 1 };
	const struct p2ptest_vfio_target full = { .bar = 2, .bar_size = 1 << 22, .empty_bar = -1 };
	struct p2ptest_vfio_bad_arg arg;
	char name[96], why[96];
	size_t i, j;

	check("vfio-table-rows", p2ptest_vfio_nr_bad_exports >= 20, "too few rows");
	for (i = 0; i < p2ptest_vfio_nr_bad_exports; i++) {
		const struct p2ptest_vfio_bad_export *b = &p2ptest_vfio_bad_exports[i];
		const struct vfio_device_feature_dma_buf *d;
		size_t want, got;
		uint32_t nr;

		snprintf(name, sizeof(name), "vfio-row-%s", b->name);
		for (j = 0; j < i; j++)
			if (!strcmp(b->name, p2ptest_vfio_bad_exports[j].name))
				break;
		check(name, j == i && b->err > 0 && !strchr(b->name, '_'),
		      "a name twice, with _, or no errno");
		snprintf(name, sizeof(name), "vfio-prepare-%s", b->name);
		if (b->what == P2PTEST_VFIO_BAD_EMPTY_BAR)
			check_ret("vfio-prepare-no-empty-bar",
				  p2ptest_vfio_bad_export_prepare(b, &full, &arg), -ENOENT);
		arg = (struct p2ptest_vfio_bad_arg){ 0 };
		check_ret(name, p2ptest_vfio_bad_export_prepare(b, &t, &arg), 0);
		if (!arg.feature)
			continue;
		d = (const void *)arg.feature->data;
		if (b->what == P2PTEST_VFIO_BAD_UNMAPPED) {
			want = b->value;
		} else {
			/* A bad count still comes with one range only. */
			nr = b->what == P2PTEST_VFIO_BAD_NR_RANGES ? 1 : d->nr_ranges;
			want = HEAD + nr * sizeof(struct vfio_region_dma_range);
		}
		got = readable(arg.feature, 2 * HEAD + 4 * sizeof(struct vfio_region_dma_range));
		snprintf(name, sizeof(name), "vfio-prepare-%s-ends", b->name);
		snprintf(why, sizeof(why), "%zu bytes readable, want %zu", got, want);
		check(name, got == want, why);
		if (b->what != P2PTEST_VFIO_BAD_UNMAPPED) {
			snprintf(name, sizeof(name), "vfio-prepare-%s-good-but-one", b->name);
			check(name, (b->what == P2PTEST_VFIO_BAD_FEATURE_FLAGS ||
				     arg.feature->flags == (VFIO_DEVICE_FEATURE_GET |
							    VFIO_DEVICE_FEATURE_DMA_BUF)) &&
			      (b->what == P2PTEST_VFIO_BAD_ARGSZ || arg.feature->argsz == got) &&
			      (b->what == P2PTEST_VFIO_BAD_REGION ||
			       b->what == P2PTEST_VFIO_BAD_EMPTY_BAR || d->region_index == 2) &&
			      (b->what == P2PTEST_VFIO_BAD_FLAGS || !d->flags) &&
			      d->open_flags == (O_RDWR | O_CLOEXEC), "another field is bad too");
		}
		p2ptest_vfio_bad_arg_free(&arg);
	}
}

/* The rows whose argument is worked out from the target. */
static void vfio_rows(void)
{
	const struct p2ptest_vfio_target t = { .bar = 2, .bar_size = 1 << 22, .empty_bar = 3 };
	const struct vfio_device_feature_dma_buf *d;
	struct p2ptest_vfio_bad_arg arg = { 0 };
	size_t i;

	for (i = 0; i < p2ptest_vfio_nr_bad_exports; i++) {
		const struct p2ptest_vfio_bad_export *b = &p2ptest_vfio_bad_exports[i];

		if (p2ptest_vfio_bad_export_prepare(b, &t, &arg))
			continue;
		d = (const void *)arg.feature->data;
		if (!strcmp(b->name, "empty-bar"))
			check("vfio-empty-bar", d->region_index == 3, "not the target's");
		if (!strcmp(b->name, "past-bar"))
			check("vfio-past-bar", d->nr_ranges == 1 &&
			      d->dma_ranges[0].offset == (1 << 22) - 4096 &&
			      d->dma_ranges[0].length == 8192, "not the last page and the next");
		if (!strcmp(b->name, "second-past-bar"))
			check("vfio-second-past-bar", d->nr_ranges == 2 &&
			      d->dma_ranges[0].offset == 0 && d->dma_ranges[0].length == 4096 &&
			      d->dma_ranges[1].offset == 1 << 22 &&
			      d->dma_ranges[1].length == 4096, "not page 0, then the page after");
		if (!strcmp(b->name, "bar-address-overflow"))
			check("vfio-bar-address-overflow", d->nr_ranges == 1 &&
			      d->dma_ranges[0].offset + d->dma_ranges[0].length ==
			      (uint64_t)-4096, "offset + length wraps, or is not the last page");
		if (!strcmp(b->name, "total-too-big"))
			check("vfio-total-too-big", d->nr_ranges == 1 &&
			      d->dma_ranges[0].offset == 1ULL << 63 &&
			      d->dma_ranges[0].length == 1ULL << 63, "not 2^63 at 2^63");
		p2ptest_vfio_bad_arg_free(&arg);
	}
	check("vfio-free-clears", !arg.map && !arg.feature, "arg still set");
}

/* The fake tree: DIR/sys/REL, its folders made on the way. */
static char sys_root[512];

static void mkdirs(const char *rel)
{
	char path[1024], *p;

	mkdir(sys_root, 0755);
	snprintf(path, sizeof(path), "%s/%s", sys_root, rel);
	for (p = path + strlen(sys_root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static void __attribute__((format(printf, 2, 3))) put(const char *rel, const char *fmt, ...)
{
	char path[1024], dir[1024];
	va_list ap;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s/%s", sys_root, rel);
	f = fopen(path, "w");
	if (!f)
		return;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fclose(f);
}

static void link_to(const char *target, const char *rel)
{
	char path[1024], dir[1024];

	snprintf(dir, sizeof(dir), "%s", rel);
	*strrchr(dir, '/') = '\0';
	mkdirs(dir);
	snprintf(path, sizeof(path), "%s/%s", sys_root, rel);
	if (symlink(target, path))
		perror(path);
}

#define PCI	"bus/pci/devices/"

static void sysfs_root(const char *dir)
{
	char buf[1024], want[1024];

	unsetenv("P2PTEST_SYSFS");
	check_ret("sysfs-path-default", p2ptest_sysfs_path(buf, sizeof(buf), "/sys/block/%s", "x"),
		  0);
	check("sysfs-path-default-is-sys", !strcmp(buf, "/sys/block/x"), buf);
	snprintf(sys_root, sizeof(sys_root), "%s/sys", dir);
	setenv("P2PTEST_SYSFS", sys_root, 1);
	check("sysfs-root", !strcmp(p2ptest_sysfs_root(), sys_root), p2ptest_sysfs_root());
	p2ptest_sysfs_path(buf, sizeof(buf), "/sys/block/%s", "x");
	snprintf(want, sizeof(want), "%s/block/x", sys_root);
	check("sysfs-path-under-root", !strcmp(buf, want), buf);
	p2ptest_sysfs_path(buf, sizeof(buf), "/sysfoo/x");
	check("sysfs-path-not-sys", !strcmp(buf, "/sysfoo/x"), buf);
	p2ptest_sysfs_path(buf, sizeof(buf), "/dev/nvme0n1");
	check("sysfs-path-dev", !strcmp(buf, "/dev/nvme0n1"), buf);
	check_ret("sysfs-path-too-long", p2ptest_sysfs_path(buf, 8, "/sys/block"), -ENAMETOOLONG);

	put(PCI "0000:06:00.0/vendor", "0x1b36\n");
	check("pci-exists-under-root", p2ptest_pci_exists("0000:06:00.0"), "not found");
	check_ret("pci-read-under-root", p2ptest_pci_read("0000:06:00.0", "vendor", buf, 16), 0);
	check("pci-read-value", !strcmp(buf, "0x1b36"), buf);
	check_ret("sysfs-read-under-root", p2ptest_sysfs_read("/sys/" PCI "0000:06:00.0/vendor",
							      buf, 16), 0);
}

static void p2pmem(void)
{
	struct p2ptest_p2pmem info;
	char path[1024];
	uint8_t *a, *b;
	int fd;

	put(PCI "0000:05:00.0/p2pmem/size", "1048576\n");
	put(PCI "0000:05:00.0/p2pmem/available", "65536\n");
	put(PCI "0000:05:00.0/p2pmem/published", "1\n");
	put(PCI "0000:05:00.0/p2pmem/allocate", "%s", "");
	snprintf(path, sizeof(path), "%s/" PCI "0000:05:00.0/p2pmem/allocate", sys_root);
	fd = open(path, O_RDWR);
	check("p2pmem-fake-allocate", fd >= 0 && !ftruncate(fd, 65536), path);
	if (fd >= 0)
		close(fd);
	check_ret("p2pmem-info", p2ptest_p2pmem_info("0000:05:00.0", &info), 0);
	check("p2pmem-info-fields", info.published && info.size == 1048576 &&
	      info.available == 65536 && info.mappable, "wrong fields");
	check_ret("p2pmem-info-none", p2ptest_p2pmem_info("0000:06:00.0", &info), -ENOENT);
	check("p2pmem-info-none-zero", !info.size && !info.published, "not cleared");
	check_ret("p2pmem-info-absent", p2ptest_p2pmem_info("ffff:ff:1f.7", &info), -ENODEV);
	put(PCI "0000:07:00.0/p2pmem/size", "lots\n");
	check_ret("p2pmem-info-garbage", p2ptest_p2pmem_info("0000:07:00.0", &info), -EINVAL);

	check_ret("p2pmem-map", __p2ptest_p2pmem_map("0000:05:00.0", 4096, (void **)&a), 0);
	check_ret("p2pmem-map-again", __p2ptest_p2pmem_map("0000:05:00.0", 4096, (void **)&b), 0);
	check("p2pmem-map-two-mappings", a && b && a != b, "same address");
	if (a && b) {
		a[10] = 0x5a;
		check("p2pmem-map-shared", b[10] == 0x5a, "a private mapping");
		munmap(a, 4096);
		munmap(b, 4096);
	}
	check_ret("p2pmem-map-none", __p2ptest_p2pmem_map("0000:06:00.0", 4096, (void **)&a),
		  -ENOENT);
	check("p2pmem-map-none-null", !a, "address set");
}

static void block(const char *dir)
{
	char name[64], bdf[P2PTEST_BDF_LEN], path[1024];
	uint64_t bytes = 0;
	uint32_t lbs = 0;

	/* nvme0 of 0000:06:00.0: namespaces 2 and 1, and a multipath path disk. */
	mkdirs(PCI "0000:06:00.0/nvme/nvme0");
	link_to("../../" PCI "0000:06:00.0/nvme/nvme0", "block/nvme0n2/device");
	link_to("../../" PCI "0000:06:00.0/nvme/nvme0", "block/nvme0n1/device");
	link_to("../../" PCI "0000:06:00.0/nvme/nvme0", "block/nvme0c0n3/device");
	put("block/nvme0n1/queue/logical_block_size", "4096\n");
	put("block/nvme0n1/size", "2048\n");
	put("block/nvme0n2/queue/logical_block_size", "1000\n");
	put("block/nvme0n2/size", "2048\n");
	/* A multipath head: its device is the subsystem, which links its controllers. */
	mkdirs(PCI "0000:07:00.0/nvme/nvme1");
	mkdirs(PCI "0000:08:00.0/nvme/nvme2");
	link_to("../../../../" PCI "0000:07:00.0/nvme/nvme1",
		"devices/virtual/nvme-subsystem/nvme-subsys1/nvme1");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys1", "block/nvme1n1/device");
	link_to("../../../../" PCI "0000:07:00.0/nvme/nvme1",
		"devices/virtual/nvme-subsystem/nvme-subsys2/nvme1");
	link_to("../../../../" PCI "0000:08:00.0/nvme/nvme2",
		"devices/virtual/nvme-subsystem/nvme-subsys2/nvme2");
	link_to("../../devices/virtual/nvme-subsystem/nvme-subsys2", "block/nvme2n1/device");
	mkdirs("block/ram0");

	check_ret("block-geometry", p2ptest_block_geometry("nvme0n1", &lbs, &bytes), 0);
	check("block-geometry-values", lbs == 4096 && bytes == 1 << 20, "wrong values");
	check_ret("block-geometry-bad-lbs", p2ptest_block_geometry("nvme0n2", &lbs, &bytes),
		  -EINVAL);
	check_ret("block-geometry-absent", p2ptest_block_geometry("nvme9n1", &lbs, &bytes),
		  -ENOENT);
	check_ret("block-pci", p2ptest_block_pci("nvme0n1", bdf, sizeof(bdf)), 0);
	check("block-pci-controller", !strcmp(bdf, "0000:06:00.0"), bdf);
	check_ret("block-pci-multipath", p2ptest_block_pci("nvme1n1", bdf, sizeof(bdf)), 0);
	check("block-pci-multipath-controller", !strcmp(bdf, "0000:07:00.0"), bdf);
	check_ret("block-pci-two-controllers", p2ptest_block_pci("nvme2n1", bdf, sizeof(bdf)),
		  -EXDEV);
	check_ret("block-pci-no-device", p2ptest_block_pci("ram0", bdf, sizeof(bdf)), -ENODEV);
	check_ret("block-pci-absent", p2ptest_block_pci("nvme9n1", bdf, sizeof(bdf)), -ENOENT);
	check_ret("nvme-namespace", p2ptest_nvme_namespace("0000:06:00.0", name, sizeof(name)), 0);
	check("nvme-namespace-first", !strcmp(name, "nvme0n1"), name);
	check_ret("nvme-namespace-multipath", p2ptest_nvme_namespace("0000:07:00.0", name,
								     sizeof(name)), 0);
	check("nvme-namespace-multipath-head", !strcmp(name, "nvme1n1"), name);
	check_ret("nvme-namespace-none", p2ptest_nvme_namespace("0000:05:00.0", name,
								sizeof(name)), -ENOENT);
	snprintf(path, sizeof(path), "%s/attr", dir);
	check_ret("block-name-regular-file", p2ptest_block_name(path, name, sizeof(name)),
		  -ENOTBLK);
	check_ret("block-name-char-device", p2ptest_block_name("/dev/null", name, sizeof(name)),
		  -ENOTBLK);
	check_ret("block-name-absent", p2ptest_block_name("/nonexistent", name, sizeof(name)),
		  -ENOENT);
}

static void route_cache(const char *dir)
{
	char map[32], empty[1024];
	int dist = 0;

	put("kernel/debug/p2pdma/cache", "generation 3 hits 1 misses 2 stale 0\n"
	    "0000:05:00.0 0000:06:00.0 BUS_ADDR 4 current\n"
	    "0000:05:00.0 0000:07:00.0 THRU_HOST_BRIDGE 6 stale\n");
	check_ret("route-cached", p2ptest_route_cached("0000:05:00.0", "0000:06:00.0", map,
						       sizeof(map), &dist), 0);
	check("route-cached-entry", !strcmp(map, "BUS_ADDR") && dist == 4, map);
	check_ret("route-cached-stale", p2ptest_route_cached("0000:05:00.0", "0000:07:00.0", map,
							     sizeof(map), NULL), -ENODATA);
	check("route-cached-stale-empty", !map[0], map);
	check_ret("route-cached-reversed", p2ptest_route_cached("0000:06:00.0", "0000:05:00.0",
								map, sizeof(map), NULL), -ENODATA);
	snprintf(empty, sizeof(empty), "%s/empty", dir);
	mkdir(empty, 0755);
	setenv("P2PTEST_SYSFS", empty, 1);
	check_ret("route-cached-no-cache", p2ptest_route_cached("0000:05:00.0", "0000:06:00.0",
								map, sizeof(map), NULL), -ENOENT);
	setenv("P2PTEST_SYSFS", sys_root, 1);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	bdf();
	files(argv[1]);
	explanation();
	errnos();
	vfio_table();
	vfio_rows();
	/* From here on, the fake tree. */
	sysfs_root(argv[1]);
	p2pmem();
	block(argv[1]);
	route_cache(argv[1]);
	unsetenv("P2PTEST_SYSFS");
	return failed;
}
