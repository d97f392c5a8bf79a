// SPDX-License-Identifier: GPL-2.0
/*
 * Every documented errno of /dev/p2ptest's own calls (version, import,
 * transfer, unimport: tests/p2ptest/uapi/linux/p2ptest.h), one bad argument
 * at a time: one test each. The buffers it imports are exported by the
 * provider through VFIO (VFIO_DEVICE_FEATURE_DMA_BUF, whose own errnos
 * vfio_dmabuf checks).
 *
 *   p2ptest_errno PROVIDER-BDF BAR CLIENT-BDF
 *
 * The provider is bound to vfio-pci, the client to p2ptest.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"
#include "p2ptest_vfio.h"

/* From the command line. */
static const char *provider_bdf, *client_bdf;
static struct p2ptest_pci_addr provider, client;
static uint32_t bar;

FIXTURE(p2ptest) {
	int ctl;
};

FIXTURE_SETUP(p2ptest)
{
	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
}

FIXTURE_TEARDOWN(p2ptest)
{
	close(self->ctl);
}

TEST_F(p2ptest, version)
{
	uint32_t ver = 0;
	int ret = __p2ptest_version(self->ctl, &ver);

	EXPECT_ERRNO(0, ret);
	EXPECT_EQ(P2PTEST_API_VERSION, ver);
}

TEST_F(p2ptest, import_bad_fd)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(self->ctl, -1, &client, &imp);

	EXPECT_ERRNO(EBADF, ret);
}

/* A file, but not a dma-buf. */
TEST_F(p2ptest, import_not_dmabuf)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(self->ctl, self->ctl, &client, &imp);

	EXPECT_ERRNO(EBADF, ret);
}

TEST_F(p2ptest, import_unknown_flag)
{
	struct p2ptest_import imp = { .dmabuf_fd = -1, .flags = 1, .client = client };
	int ret = __p2ptest_ioctl(self->ctl, P2PTEST_IOC_IMPORT, &imp);

	EXPECT_ERRNO(EINVAL, ret);
}

TEST_F(p2ptest, import_no_client)
{
	struct p2ptest_pci_addr none = P2PTEST_PCI_ADDR(0, 0x7f, 0x1f, 7);
	struct p2ptest_import imp;
	int ret = __p2ptest_import(self->ctl, -1, &none, &imp);

	EXPECT_ERRNO(ENODEV, ret);
}

/* The provider is a device, but bound to vfio-pci: no client of p2ptest. */
TEST_F(p2ptest, import_unbound_client)
{
	struct p2ptest_import imp;
	int ret = __p2ptest_import(self->ctl, -1, &provider, &imp);

	EXPECT_ERRNO(ENODEV, ret);
}

TEST_F(p2ptest, unimport_no_handle)
{
	int ret = __p2ptest_unimport(self->ctl, 999);

	EXPECT_ERRNO(ENOENT, ret);
}

TEST_F(p2ptest, unimport_reserved)
{
	struct p2ptest_handle h = { .handle = 999, .reserved = 1 };
	int ret = __p2ptest_ioctl(self->ctl, P2PTEST_IOC_UNIMPORT, &h);

	EXPECT_ERRNO(EINVAL, ret);
}

TEST_F(p2ptest, transfer_no_handle)
{
	int ret = __p2ptest_transfer(self->ctl, 999, 0, 0, NULL, 0);

	EXPECT_ERRNO(ENOENT, ret);
}

TEST_F(p2ptest, unknown_ioctl)
{
	int ret = __p2ptest_ioctl(self->ctl, _IO('P', 99), NULL);

	EXPECT_ERRNO(ENOTTY, ret);
}

/*
 * The export and revoke calls VFIO replaced, as their users encoded them
 * (number, direction and size of struct p2ptest_export and p2ptest_revoke),
 * are unknown calls now.
 */
TEST_F(p2ptest, retired_ioctls)
{
	uint64_t arg[8] = { 0 };
	int ret = __p2ptest_ioctl(self->ctl, _IOC(_IOC_READ | _IOC_WRITE, 'P', 1, 40), arg);

	EXPECT_ERRNO(ENOTTY, ret);
	ret = __p2ptest_ioctl(self->ctl, _IOC(_IOC_WRITE, 'P', 5, 8), arg);
	EXPECT_ERRNO(ENOTTY, ret);
}

/* Without CAP_SYS_ADMIN every call is refused. */
TEST_F(p2ptest, unprivileged)
{
	uint32_t ver;
	int ret;

	/* This test's own process: the next test is root again. */
	ASSERT_EQ(0, setuid(65534)) TH_LOG("setuid: %s", strerror(errno));
	ret = __p2ptest_version(self->ctl, &ver);
	EXPECT_ERRNO(EPERM, ret);
	ret = __p2ptest_unimport(self->ctl, 1);
	EXPECT_ERRNO(EPERM, ret);
}

/* A page of the provider's BAR, exported through VFIO. */
FIXTURE(exported) {
	int ctl;
	int dev;
	int dmabuf;
};

FIXTURE_SETUP(exported)
{
	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
	self->dev = __vfio_open_device(provider_bdf);
	ASSERT_LE(0, self->dev)
		TH_LOG("%s through VFIO: %s", provider_bdf, p2ptest_errname(self->dev));
	self->dmabuf = __vfio_dma_buf_export_range(self->dev, bar, 0, 4096);
	ASSERT_LE(0, self->dmabuf) TH_LOG("export: %s", p2ptest_errname(self->dmabuf));
}

/* Decode on, whatever the test did: the device goes back as it came. */
FIXTURE_TEARDOWN(exported)
{
	int ret;

	close(self->dmabuf);
	ret = __vfio_set_decode(self->dev, true);
	EXPECT_ERRNO(0, ret);
	close(self->dev);
	close(self->ctl);
}

/*
 * The import maps the buffer as the kernel's routing engine says
 * (debugfs p2pdma/explain): EREMOTEIO when the client may not reach it.
 */
TEST_F_TIMEOUT(exported, import_route, P2PTEST_TIMEOUT)
{
	char out[4096], verdict[64];
	struct p2ptest_import imp;
	int ret = p2ptest_explain(provider_bdf, client_bdf, out, sizeof(out)), unimported;

	ASSERT_ERRNO(0, ret);
	ASSERT_NE(NULL, p2ptest_explain_field(out, "verdict", verdict, sizeof(verdict)))
		TH_LOG("no verdict in %s", P2PTEST_EXPLAIN);
	verdict[strcspn(verdict, " ")] = '\0';
	ret = __p2ptest_import(self->ctl, self->dmabuf, &client, &imp);
	if (!strcmp(verdict, "NOT_SUPPORTED")) {
		EXPECT_ERRNO(EREMOTEIO, ret);
		return;
	}
	ASSERT_ERRNO(0, ret);
	unimported = __p2ptest_unimport(self->ctl, imp.handle);
	EXPECT_ERRNO(0, unimported);
	EXPECT_EQ(strcmp(verdict, "BUS_ADDR") ? P2PTEST_ROUTE_HOST_BRIDGE : P2PTEST_ROUTE_BUS_ADDR,
		  imp.route) TH_LOG("route %u, the kernel's verdict %s", imp.route, verdict);
}

/* Memory decode off through VFIO revokes the buffer: no new import. */
TEST_F_TIMEOUT(exported, import_revoked, P2PTEST_TIMEOUT)
{
	struct p2ptest_import imp;
	int ret = __vfio_set_decode(self->dev, false);

	ASSERT_ERRNO(0, ret);
	ret = __p2ptest_import(self->ctl, self->dmabuf, &client, &imp);
	if (!ret)
		__p2ptest_unimport(self->ctl, imp.handle);
	EXPECT_ERRNO(ENODEV, ret);
}

int main(int argc, char **argv)
{
	if (argc != 4 || p2ptest_parse_bdf(argv[1], &provider) ||
	    p2ptest_parse_bdf(argv[3], &client)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR CLIENT-BDF\n", argv[0]);
		return 2;
	}
	provider_bdf = argv[1];
	bar = (uint32_t)strtoul(argv[2], NULL, 0);
	client_bdf = argv[3];
	return test_harness_run(argc, argv);
}
