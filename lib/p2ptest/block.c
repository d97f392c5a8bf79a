// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Block devices as sysfs shows them: the name of a device node, its
 * geometry, the PCI device that does its DMA, and an NVMe controller's
 * namespaces.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "p2ptest_client.h"

int p2ptest_block_name(const char *path, char *name, size_t len)
{
	char link[PATH_MAX], real[PATH_MAX], attr[PATH_MAX + 16];
	struct stat st;
	int ret;

	name[0] = '\0';
	if (stat(path, &st))
		return -errno;
	if (!S_ISBLK(st.st_mode))
		return -ENOTBLK;
	ret = p2ptest_sysfs_path(link, sizeof(link), "/sys/dev/block/%u:%u", major(st.st_rdev),
				 minor(st.st_rdev));
	if (ret)
		return ret;
	if (!realpath(link, real))
		return -errno;
	snprintf(attr, sizeof(attr), "%s/partition", real);
	if (!access(attr, F_OK))
		return -EINVAL;
	snprintf(name, len, "%s", strrchr(real, '/') ? strrchr(real, '/') + 1 : real);
	return 0;
}

/* /sys/block/@name/@attr as a number into *@val: 0 or -errno (-EINVAL: not a number). */
static int block_attr(const char *name, const char *attr, uint64_t *val)
{
	char path[PATH_MAX], buf[32], *end;
	int ret;

	/* A path as on a machine: p2ptest_sysfs_read() puts it under the root. */
	if (snprintf(path, sizeof(path), "/sys/block/%s/%s", name, attr) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	ret = p2ptest_sysfs_read(path, buf, sizeof(buf));
	if (ret)
		return ret;
	errno = 0;
	*val = strtoull(buf, &end, 10);
	return errno || end == buf || *end ? -EINVAL : 0;
}

int p2ptest_block_geometry(const char *name, uint32_t *lbs, uint64_t *bytes)
{
	uint64_t bs, sectors;
	int ret = block_attr(name, "queue/logical_block_size", &bs);

	if (!ret)
		ret = block_attr(name, "size", &sectors);
	if (ret)
		return ret;
	/* A power of two, 512 bytes or more; "size" counts 512-byte sectors. */
	if (bs < 512 || bs > UINT32_MAX || (bs & (bs - 1)) || sectors > UINT64_MAX / 512)
		return -EINVAL;
	*lbs = (uint32_t)bs;
	*bytes = sectors * 512;
	return 0;
}

/*
 * The PCI device nearest to the sysfs device folder @dir: the folder
 * itself, or the first of its parents named like a PCI device. Its name
 * into @bdf: 0, -ENODEV none, or -errno.
 */
static int pci_above(const char *dir, char *bdf, size_t len)
{
	struct p2ptest_pci_addr addr;
	char real[PATH_MAX], *slash;

	if (!realpath(dir, real))
		return errno == ENOENT ? -ENODEV : -errno;
	while ((slash = strrchr(real, '/'))) {
		if (!p2ptest_parse_bdf(slash + 1, &addr)) {
			snprintf(bdf, len, "%s", slash + 1);
			return 0;
		}
		*slash = '\0';
	}
	return -ENODEV;
}

/*
 * A multipath namespace's device is its NVMe subsystem, which links the
 * controllers it has (nvme0, nvme1, ...): the PCI device of the only
 * controller, or of all of them if they share one.
 */
static int pci_of_subsystem(const char *subsys, char *bdf, size_t len)
{
	char path[PATH_MAX], one[P2PTEST_BDF_LEN], found[P2PTEST_BDF_LEN] = "";
	DIR *d = opendir(subsys);
	struct dirent *e;
	unsigned int n;
	char c;
	int ret = -ENODEV;

	if (!d)
		return -ENODEV;
	while ((e = readdir(d))) {
		if (sscanf(e->d_name, "nvme%u%c", &n, &c) != 1)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", subsys, e->d_name) >= (int)sizeof(path) ||
		    pci_above(path, one, sizeof(one)))
			continue;
		if (!found[0]) {
			snprintf(found, sizeof(found), "%s", one);
			ret = 0;
		} else if (strcmp(found, one)) {
			ret = -EXDEV;
			break;
		}
	}
	closedir(d);
	if (!ret)
		snprintf(bdf, len, "%s", found);
	return ret;
}

int p2ptest_block_pci(const char *name, char *bdf, size_t len)
{
	char dir[PATH_MAX], dev[PATH_MAX];
	int ret = p2ptest_sysfs_path(dir, sizeof(dir), "/sys/block/%s", name);

	bdf[0] = '\0';
	if (!ret)
		ret = p2ptest_sysfs_path(dev, sizeof(dev), "/sys/block/%s/device", name);
	if (ret)
		return ret;
	if (access(dir, F_OK))
		return -errno;
	/* A namespace's device is its controller (nvme0), below the PCI device. */
	ret = pci_above(dev, bdf, len);
	return ret == -ENODEV ? pci_of_subsystem(dev, bdf, len) : ret;
}

int p2ptest_nvme_namespace(const char *bdf, char *name, size_t len)
{
	char dir[PATH_MAX], pci[P2PTEST_BDF_LEN], best[NAME_MAX + 1] = "";
	unsigned int ctrl, ns, best_ns = 0;
	struct dirent *e;
	int end, ret = p2ptest_sysfs_path(dir, sizeof(dir), "/sys/block");
	DIR *d;

	name[0] = '\0';
	if (ret)
		return ret;
	d = opendir(dir);
	if (!d)
		return -errno;
	while ((e = readdir(d))) {
		/* nvmeXnY: a namespace, or the head of a multipath one; not nvmeXcYnZ. */
		end = 0;
		if (sscanf(e->d_name, "nvme%un%u%n", &ctrl, &ns, &end) != 2 || e->d_name[end])
			continue;
		if (p2ptest_block_pci(e->d_name, pci, sizeof(pci)) || strcmp(pci, bdf))
			continue;
		if (!best[0] || ns < best_ns || (ns == best_ns && strcmp(e->d_name, best) < 0)) {
			snprintf(best, sizeof(best), "%s", e->d_name);
			best_ns = ns;
		}
	}
	closedir(d);
	if (!best[0])
		return -ENOENT;
	snprintf(name, len, "%s", best);
	return 0;
}
