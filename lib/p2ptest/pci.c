// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * PCI devices as sysfs shows them: addresses, attributes, memory decode,
 * BARs and the driver a device is bound to; and where sysfs is.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/pci_regs.h>

#include "p2ptest_client.h"

#define DEVICES		P2PTEST_SYSFS_PCI "/devices"
#define DRIVERS		P2PTEST_SYSFS_PCI "/drivers"
#define IORESOURCE_MEM	0x200

int p2ptest_parse_bdf(const char *s, struct p2ptest_pci_addr *addr)
{
	unsigned int dom, bus, dev, fn;
	int end = 0;

	if (sscanf(s, "%x:%x:%x.%u%n", &dom, &bus, &dev, &fn, &end) != 4 || s[end] ||
	    bus > 0xff || dev > 31 || fn > 7)
		return -EINVAL;
	*addr = P2PTEST_PCI_ADDR(dom, bus, dev, fn);
	return 0;
}

char *p2ptest_format_bdf(const struct p2ptest_pci_addr *addr, char *buf, size_t len)
{
	snprintf(buf, len, "%04x:%02x:%02x.%d", addr->domain, addr->bus, addr->devfn >> 3,
		 addr->devfn & 7);
	return buf;
}

const char *p2ptest_sysfs_root(void)
{
	const char *root = getenv("P2PTEST_SYSFS");

	return root && root[0] ? root : "/sys";
}

int p2ptest_sysfs_path(char *buf, size_t len, const char *fmt, ...)
{
	char path[PATH_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	buf[0] = '\0';
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	if (!strncmp(path, "/sys", 4) && (path[4] == '/' || !path[4]))
		n = snprintf(buf, len, "%s%s", p2ptest_sysfs_root(), path + 4);
	else
		n = snprintf(buf, len, "%s", path);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* The file at @real (a path already under the sysfs root) into @buf. */
static int read_file(const char *real, char *buf, size_t len)
{
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

static int write_file(const char *real, const char *val)
{
	int fd = open(real, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int p2ptest_sysfs_read(const char *path, char *buf, size_t len)
{
	char real[PATH_MAX];
	int ret = p2ptest_sysfs_path(real, sizeof(real), "%s", path);

	if (ret) {
		buf[0] = '\0';
		return ret;
	}
	return read_file(real, buf, len);
}

int p2ptest_sysfs_write(const char *path, const char *val)
{
	char real[PATH_MAX];
	int ret = p2ptest_sysfs_path(real, sizeof(real), "%s", path);

	return ret ? ret : write_file(real, val);
}

int p2ptest_sysfs_query(const char *path, const char *query, char *answer, size_t len)
{
	char real[PATH_MAX];
	int fd, ret = p2ptest_sysfs_path(real, sizeof(real), "%s", path);
	ssize_t n;

	answer[0] = '\0';
	if (ret)
		return ret;
	fd = open(real, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, query, strlen(query)) < 0) {
		ret = -errno;
	} else {
		n = pread(fd, answer, len - 1, 0);
		if (n < 0)
			ret = -errno;
		answer[n > 0 ? n : 0] = '\0';
	}
	close(fd);
	return ret;
}

/* /sys/bus/pci/devices/BDF/ATTR (under the sysfs root) into @buf: 0, or -ENAMETOOLONG. */
static int pci_path(char *buf, size_t len, const char *bdf, const char *attr)
{
	return p2ptest_sysfs_path(buf, len, DEVICES "/%s%s%s", bdf, attr ? "/" : "",
				  attr ? attr : "");
}

bool p2ptest_pci_exists(const char *bdf)
{
	char path[PATH_MAX];

	return !pci_path(path, sizeof(path), bdf, NULL) && !access(path, F_OK);
}

int p2ptest_pci_read(const char *bdf, const char *attr, char *buf, size_t len)
{
	char path[PATH_MAX];
	int ret = pci_path(path, sizeof(path), bdf, attr);

	if (ret) {
		buf[0] = '\0';
		return ret;
	}
	return read_file(path, buf, len);
}

int p2ptest_pci_write(const char *bdf, const char *attr, const char *val)
{
	char path[PATH_MAX];
	int ret = pci_path(path, sizeof(path), bdf, attr);

	return ret ? ret : write_file(path, val);
}

int p2ptest_pci_rescan(void)
{
	return p2ptest_sysfs_write(P2PTEST_SYSFS_PCI "/rescan", "1");
}

int p2ptest_pci_set_decode(const char *bdf, bool on)
{
	char path[PATH_MAX];
	uint16_t cmd;
	ssize_t n;
	int fd, ret = pci_path(path, sizeof(path), bdf, "config");

	if (ret)
		return ret;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, &cmd, sizeof(cmd), PCI_COMMAND);
	if (n == sizeof(cmd)) {
		cmd = on ? cmd | PCI_COMMAND_MEMORY : cmd & ~PCI_COMMAND_MEMORY;
		n = pwrite(fd, &cmd, sizeof(cmd), PCI_COMMAND);
	}
	ret = n == sizeof(cmd) ? 0 : n < 0 ? -errno : -EIO;
	close(fd);
	return ret;
}

int p2ptest_pci_bars(const char *bdf, struct p2ptest_pci_bar bars[P2PTEST_NR_BARS])
{
	char path[PATH_MAX], line[128];
	uint64_t start, end, flags;
	FILE *f;
	int i, ret = pci_path(path, sizeof(path), bdf, "resource");

	memset(bars, 0, P2PTEST_NR_BARS * sizeof(*bars));
	if (ret)
		return ret;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	for (i = 0; i < P2PTEST_NR_BARS && fgets(line, sizeof(line), f); i++) {
		if (sscanf(line, "%" SCNx64 " %" SCNx64 " %" SCNx64, &start, &end, &flags) != 3)
			continue;
		bars[i].start = start;
		bars[i].size = end > start ? end - start + 1 : 0;
		bars[i].flags = flags;
	}
	fclose(f);
	return 0;
}

int p2ptest_pci_largest_bar(const char *bdf, uint64_t *size)
{
	struct p2ptest_pci_bar bars[P2PTEST_NR_BARS];
	int i, best = -ENOENT, ret = p2ptest_pci_bars(bdf, bars);

	if (ret)
		return ret;
	for (i = 0; i < P2PTEST_NR_BARS; i++)
		if ((bars[i].flags & IORESOURCE_MEM) && bars[i].size &&
		    (best < 0 || bars[i].size > bars[best].size))
			best = i;
	if (best >= 0 && size)
		*size = bars[best].size;
	return best;
}

int p2ptest_pci_driver(const char *bdf, char *name, size_t len)
{
	char path[PATH_MAX], link[256];
	ssize_t n;
	int ret = pci_path(path, sizeof(path), bdf, "driver");

	name[0] = '\0';
	if (ret)
		return ret;
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		return errno != ENOENT ? -errno : p2ptest_pci_exists(bdf) ? 0 : -ENOENT;
	link[n] = '\0';
	snprintf(name, len, "%s", strrchr(link, '/') ? strrchr(link, '/') + 1 : link);
	return 0;
}

/* Write @bdf to /sys/bus/pci/drivers/@driver/@what. */
static int driver_write(const char *driver, const char *what, const char *bdf)
{
	char path[PATH_MAX];
	int ret = p2ptest_sysfs_path(path, sizeof(path), DRIVERS "/%s/%s", driver, what);

	return ret ? ret : write_file(path, bdf);
}

int p2ptest_driver_bind(const char *driver, const char *bdf)
{
	return driver_write(driver, "bind", bdf);
}

int p2ptest_driver_unbind(const char *driver, const char *bdf)
{
	return driver_write(driver, "unbind", bdf);
}

int p2ptest_pci_bind(const char *bdf, const char *driver, bool take, char *old, size_t oldlen)
{
	char cur[64];
	int ret = p2ptest_pci_driver(bdf, cur, sizeof(cur));

	if (old)
		snprintf(old, oldlen, "%s", cur);
	if (ret)
		return ret;
	if (!strcmp(cur, driver)) {
		/*
		 * The driver link appears before the driver's probe() runs (a
		 * device that bound itself after a hot-add may still be in it).
		 * A bind takes the device lock probe() runs under: its EBUSY
		 * says the device is bound and probed.
		 */
		ret = p2ptest_driver_bind(driver, bdf);
		return ret == -EBUSY ? 0 : ret;
	}
	if (cur[0]) {
		if (!take)
			return -EBUSY;
		ret = p2ptest_pci_write(bdf, "driver/unbind", bdf);
		if (ret)
			return ret;
	}
	ret = p2ptest_pci_write(bdf, "driver_override", driver);
	if (ret)
		return ret;
	ret = p2ptest_driver_bind(driver, bdf);
	/*
	 * A device just hot-added binds to a driver that matches it as soon
	 * as the PCI core lets it, maybe between the look above and this
	 * bind: EBUSY, taken under the device lock that probe() ran under,
	 * then says it is bound and probed; to @driver if the link says so.
	 */
	if (ret == -EBUSY && !p2ptest_pci_driver(bdf, cur, sizeof(cur)) && !strcmp(cur, driver))
		return 0;
	return ret;
}
