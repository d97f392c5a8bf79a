// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest's lifetime as an importer. Its imports are dynamic attachments
 * whose move_notify is the module's code; they belong to the open
 * /dev/p2ptest file, which holds the module. So while the file is open
 * the module stays, and once it is closed no buffer is left attached to
 * the module: it can be removed, and an exporter that later revokes the
 * buffer (telling every attachment) never calls into unloaded code.
 *
 * The buffer is one page of BAR BAR of PROVIDER-BDF, bound to vfio-pci,
 * exported through VFIO (VFIO_DEVICE_FEATURE_DMA_BUF) and imported for
 * the first QEMU edu device bound to p2ptest, which must reach it (the
 * plan allow-lists the host bridge). One test each:
 *
 *   refused_while_imported  with the file open and the buffer imported,
 *                           delete_module() fails with EWOULDBLOCK and
 *                           the import still moves data both ways;
 *   removed_after_close     closing the file leaves the buffer no
 *                           attachment (debugfs bufinfo), the module is
 *                           removed, and the exporter then revokes and
 *                           restores the buffer, which stays listed with
 *                           no attachment.
 *
 * The second removes the module: run this last.
 *
 *   p2ptest_unload PROVIDER-BDF BAR
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_pattern.h"
#include "p2ptest_vfio.h"

#define PAGE		4096
#define SEED		0x10adULL

/* From the command line. */
static const char *provider_bdf;
static __u32 bar;

/*
 * The first edu device (the DMA engine p2ptest drives) bound to p2ptest
 * into *@addr: 0, -ENODEV when there is none, or -errno.
 */
static int find_client(struct p2ptest_pci_addr *addr)
{
	char path[PATH_MAX], vendor[16], device[16];
	struct dirent *d;
	int ret = -ENODEV;
	DIR *dir;

	if (p2ptest_sysfs_path(path, sizeof(path), P2PTEST_SYSFS_PCI "/drivers/p2ptest"))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (!dir)
		return -errno;
	while (ret && (d = readdir(dir))) {
		/* Its devices are links named by address; the rest are not. */
		if (p2ptest_parse_bdf(d->d_name, addr) ||
		    p2ptest_pci_read(d->d_name, "vendor", vendor, sizeof(vendor)) ||
		    p2ptest_pci_read(d->d_name, "device", device, sizeof(device)))
			continue;
		if (!strcmp(vendor, "0x1234") && !strcmp(device, "0x11e8"))
			ret = 0;
	}
	closedir(dir);
	return ret;
}

/*
 * How many devices are attached to dma-buf @fd, as debugfs bufinfo says
 * (the buffer's line has its inode number; a "Total N devices attached"
 * line ends its entry): N, -ENOENT when the buffer is not listed, or
 * -errno.
 */
static int attachments(int fd)
{
	char path[PATH_MAX], line[512];
	unsigned long size, ino;
	bool found = false;
	int ret = -ENOENT;
	struct stat st;
	FILE *f;

	if (fstat(fd, &st))
		return -errno;
	if (p2ptest_sysfs_path(path, sizeof(path), "%s", P2PTEST_BUFINFO))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		int n, end = 0;

		if (!found)
			found = sscanf(line, "%lu\t%*x\t%*x\t%*d\t%*s\t%lu", &size, &ino) == 2 &&
				ino == st.st_ino;
		else if (sscanf(line, "Total %d devices attached%n", &n, &end) == 1 && end) {
			ret = n;
			break;
		}
	}
	fclose(f);
	return ret;
}

/* delete_module(2) of p2ptest, not waiting for its users: 0 or -errno. */
static int remove_p2ptest(void)
{
	return syscall(SYS_delete_module, "p2ptest", O_NONBLOCK) ? -errno : 0;
}

/* VFIO's buffer, imported through /dev/p2ptest. */
FIXTURE(unload) {
	int dev;			/* the provider, through VFIO */
	int buf;			/* its exported page */
	int ctl;			/* /dev/p2ptest; -1 once closed */
	__u32 handle;
};

FIXTURE_SETUP(unload)
{
	struct p2ptest_pci_addr client;
	struct p2ptest_import imp;
	int ret = find_client(&client);

	ASSERT_EQ(0, ret) TH_LOG("an edu device bound to p2ptest: %s", p2ptest_errname(ret));
	self->dev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, self->dev) TH_LOG("%s through VFIO: %s", provider_bdf,
				       p2ptest_errname(self->dev));
	self->buf = __vfio_dma_buf_export_range(self->dev, bar, 0, PAGE);
	ASSERT_LE(0, self->buf) TH_LOG("export: %s", p2ptest_errname(self->buf));
	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
	ret = __p2ptest_import(self->ctl, self->buf, &client, &imp);
	ASSERT_ERRNO(0, ret);
	self->handle = imp.handle;
	/* bufinfo shows the import: the 0 the close must leave means something. */
	ret = attachments(self->buf);
	ASSERT_EQ(1, ret) TH_LOG("bufinfo: %d devices attached, want the import's", ret);
}

FIXTURE_TEARDOWN(unload)
{
	if (self->ctl >= 0)
		close(self->ctl);
	close(self->buf);
	close(self->dev);
}

TEST_F_TIMEOUT(unload, refused_while_imported, P2PTEST_TIMEOUT)
{
	unsigned char out[64], in[64];
	int ret = remove_p2ptest();

	EXPECT_ERRNO(EWOULDBLOCK, ret);
	/* The refusal left the module as it was: the import still works. */
	p2ptest_pattern_fill(out, sizeof(out), SEED);
	ret = __p2ptest_transfer(self->ctl, self->handle, P2PTEST_TO_BUFFER, 0, out,
				 sizeof(out));
	ASSERT_ERRNO(0, ret);
	ret = __p2ptest_transfer(self->ctl, self->handle, P2PTEST_FROM_BUFFER, 0, in,
				 sizeof(in));
	ASSERT_ERRNO(0, ret);
	EXPECT_EQ(0, memcmp(out, in, sizeof(in))) TH_LOG("the buffer read back differs");
}

TEST_F_TIMEOUT(unload, removed_after_close, P2PTEST_TIMEOUT)
{
	int ret;

	close(self->ctl);
	self->ctl = -1;
	/*
	 * An attachment left behind would have its move_notify called in
	 * the removed module by the revoke below: do not remove it then.
	 */
	ret = attachments(self->buf);
	ASSERT_EQ(0, ret) TH_LOG("bufinfo: %d devices attached after the close", ret);
	ret = remove_p2ptest();
	ASSERT_ERRNO(0, ret);
	ret = __vfio_set_decode(self->dev, false);
	EXPECT_ERRNO(0, ret);
	ret = __vfio_set_decode(self->dev, true);
	EXPECT_ERRNO(0, ret);
	ret = attachments(self->buf);
	EXPECT_EQ(0, ret) TH_LOG("bufinfo after the revoke: %d", ret);
}

int main(int argc, char **argv)
{
	struct p2ptest_pci_addr addr;

	if (argc != 3 || p2ptest_parse_bdf(argv[1], &addr)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR\n", argv[0]);
		return 2;
	}
	provider_bdf = argv[1];
	bar = (__u32)atoi(argv[2]);
	return test_harness_run(argc, argv);
}
