// SPDX-License-Identifier: GPL-2.0
/*
 * Every documented errno of /dev/p2ptest's export and import calls
 * (tests/p2ptest/uapi/linux/p2ptest.h), one bad argument at a time, against a
 * provider bound to p2ptest: one test each. The export's bad arguments are
 * the rows of the uAPI's errno table (lib/p2ptest/contract.c).
 *
 *   p2ptest_errno PROVIDER-BDF BAR BAR-SIZE ABSENT-BAR CLIENT-BDF
 *
 * ABSENT-BAR is a BAR index the provider does not have.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "p2ptest_client.h"
#include "p2ptest_harness.h"

/* From the command line. */
static struct p2ptest_export_target target;
static struct p2ptest_pci_addr client;

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

TEST_F(p2ptest, export_good)
{
	struct p2ptest_range r = { .offset = 0, .length = 4096 };
	int ret = __p2ptest_export(self->ctl, &target.provider, target.bar, &r, 1);

	if (ret >= 0) {
		close(ret);
		ret = 0;
	}
	EXPECT_ERRNO(0, ret);
}

TEST_F(p2ptest, import_bad_fd)
{
	struct p2ptest_import imp = { .dmabuf_fd = -1, .client = client };
	int ret = __p2ptest_ioctl(self->ctl, P2PTEST_IOC_IMPORT, &imp);

	EXPECT_ERRNO(EBADF, ret);
}

TEST_F(p2ptest, import_unknown_flag)
{
	struct p2ptest_import imp = { .dmabuf_fd = -1, .flags = 1, .client = client };
	int ret = __p2ptest_ioctl(self->ctl, P2PTEST_IOC_IMPORT, &imp);

	EXPECT_ERRNO(EINVAL, ret);
}

TEST_F(p2ptest, unimport_no_handle)
{
	int ret = __p2ptest_unimport(self->ctl, 999);

	EXPECT_ERRNO(ENOENT, ret);
}

TEST_F(p2ptest, transfer_no_handle)
{
	int ret = __p2ptest_transfer(self->ctl, 999, 0, 0, NULL, 0);

	EXPECT_ERRNO(ENOENT, ret);
}

TEST_F(p2ptest, revoke_bad_fd)
{
	int ret = __p2ptest_revoke(self->ctl, -1, 0);

	EXPECT_ERRNO(EBADF, ret);
}

TEST_F(p2ptest, unknown_ioctl)
{
	int ret = __p2ptest_ioctl(self->ctl, _IO('P', 99), NULL);

	EXPECT_ERRNO(ENOTTY, ret);
}

/* Without CAP_SYS_ADMIN every call is refused. */
TEST_F(p2ptest, unprivileged)
{
	struct p2ptest_range r = { .offset = 0, .length = 4096 };
	int ret;

	/* This test's own process: the next test is root again. */
	ASSERT_EQ(0, setuid(65534)) TH_LOG("setuid: %s", strerror(errno));
	ret = __p2ptest_export(self->ctl, &target.provider, target.bar, &r, 1);
	if (ret >= 0) {
		close(ret);
		ret = 0;
	}
	EXPECT_ERRNO(EPERM, ret);
}

/*
 * The rows of p2ptest_bad_exports[] (lib/p2ptest/contract.c), named as
 * there with _ for -: each is a variant of the bad_export fixture, which
 * takes its bad argument and errno from the row. A row added there and
 * not here fails every_row_tested.
 */
#define BAD_EXPORT_ROWS(X) \
	X(zero_length) X(unaligned_offset) X(unaligned_length) X(offset_overflow) \
	X(past_the_bar) X(no_ranges) X(too_many_ranges) X(bar_index) X(absent_bar) \
	X(unknown_flag) X(reserved_field) X(address_reserved) X(no_device) X(bad_pointer)

/* Whether @id names the row called @name: "zero_length", "zero-length". */
static bool names_row(const char *id, const char *name)
{
	for (; *id && *name; id++, name++)
		if (*id != (*name == '-' ? '_' : *name))
			return false;
	return !*id && !*name;
}

static const struct p2ptest_bad_export *row_named(const char *id)
{
	size_t i;

	for (i = 0; i < p2ptest_nr_bad_exports; i++)
		if (names_row(id, p2ptest_bad_exports[i].name))
			return &p2ptest_bad_exports[i];
	return NULL;
}

FIXTURE(bad_export) {
	int ctl;
	const struct p2ptest_bad_export *row;
};

FIXTURE_VARIANT(bad_export) {
	const char *row;
};

#define BAD_EXPORT_VARIANT(id) FIXTURE_VARIANT_ADD(bad_export, id) { .row = #id };
BAD_EXPORT_ROWS(BAD_EXPORT_VARIANT)

FIXTURE_SETUP(bad_export)
{
	self->row = row_named(variant->row);
	ASSERT_NE(NULL, self->row) TH_LOG("no row %s in p2ptest_bad_exports[]", variant->row);
	self->ctl = p2ptest_open();
	ASSERT_LE(0, self->ctl) TH_LOG("%s: %s", P2PTEST_DEV, p2ptest_errname(self->ctl));
}

FIXTURE_TEARDOWN(bad_export)
{
	close(self->ctl);
}

TEST_F(bad_export, refused)
{
	struct p2ptest_range ranges[P2PTEST_MAX_RANGES + 1];
	struct p2ptest_export e;
	int ret;

	if (p2ptest_bad_export_prepare(self->row, &target, &e, ranges))
		SKIP(return, "the provider has every BAR");
	ret = __p2ptest_ioctl(self->ctl, P2PTEST_IOC_EXPORT, &e);
	if (!ret)
		close(e.fd);
	EXPECT_ERRNO(self->row->err, ret);
}

TEST(every_row_tested)
{
#define BAD_EXPORT_ID(id) #id,
	static const char *const tested[] = { BAD_EXPORT_ROWS(BAD_EXPORT_ID) };
	size_t i, j;

	for (i = 0; i < p2ptest_nr_bad_exports; i++) {
		for (j = 0; j < ARRAY_SIZE(tested); j++)
			if (names_row(tested[j], p2ptest_bad_exports[i].name))
				break;
		EXPECT_LT(j, ARRAY_SIZE(tested))
			TH_LOG("row %s of p2ptest_bad_exports[] is not a variant of bad_export",
			       p2ptest_bad_exports[i].name);
	}
}

int main(int argc, char **argv)
{
	if (argc != 6 || p2ptest_parse_bdf(argv[1], &target.provider) ||
	    p2ptest_parse_bdf(argv[5], &client)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR BAR-SIZE ABSENT-BAR CLIENT-BDF\n",
			argv[0]);
		return 2;
	}
	target.bar = (uint32_t)atoi(argv[2]);
	target.bar_size = strtoull(argv[3], NULL, 0);
	target.absent_bar = atoi(argv[4]);
	return test_harness_run(argc, argv);
}
