// SPDX-License-Identifier: GPL-2.0
/*
 * Every documented errno of /dev/p2ptest's export and import calls
 * (include/uapi/linux/p2ptest.h), one bad argument at a time, against a
 * provider bound to p2ptest. Prints "ok NAME" or "not ok NAME: why" per
 * check, and exits 1 if any check failed.
 *
 *   p2ptest_errno PROVIDER-BDF BAR BAR-SIZE ABSENT-BAR CLIENT-BDF
 *
 * ABSENT-BAR is a BAR index the provider does not have.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p2ptest_client.h"

static int ctl, failed;

/* @ret: 0 or -errno. */
static void expect(const char *name, int ret, int want)
{
	int got = ret < 0 ? -ret : 0;

	if (got == want) {
		printf("ok %s\n", name);
	} else {
		printf("not ok %s: got %s, want %s\n", name, got ? strerror(got) : "success",
		       want ? strerror(want) : "success");
		failed = 1;
	}
}

/* Export one range [off, off + len) of @bar with the given extras. */
static int export1(struct p2ptest_export base, uint64_t off, uint64_t len)
{
	struct p2ptest_range r = { .offset = off, .length = len };
	int ret;

	base.ranges = (uint64_t)(uintptr_t)&r;
	ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_EXPORT, &base);
	if (!ret)
		close(base.fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct p2ptest_range ranges[P2PTEST_MAX_RANGES + 1];
	struct p2ptest_export e = { .nr_ranges = 1 }, x;
	struct p2ptest_export_target t;
	struct p2ptest_import imp = { 0 };
	uint32_t ver = 0;
	size_t i;
	int ret;

	if (argc != 6 || p2ptest_parse_bdf(argv[1], &e.provider) ||
	    p2ptest_parse_bdf(argv[5], &imp.client)) {
		fprintf(stderr, "usage: %s PROVIDER-BDF BAR BAR-SIZE ABSENT-BAR CLIENT-BDF\n",
			argv[0]);
		return 2;
	}
	e.bar = (uint32_t)atoi(argv[2]);
	t = (struct p2ptest_export_target){
		.provider = e.provider, .bar = e.bar,
		.bar_size = strtoull(argv[3], NULL, 0), .absent_bar = atoi(argv[4]),
	};
	ctl = p2ptest_open();
	if (ctl < 0) {
		fprintf(stderr, "%s: %s\n", P2PTEST_DEV, strerror(-ctl));
		return 1;
	}
	expect("version", __p2ptest_version(ctl, &ver), 0);
	if (ver != P2PTEST_API_VERSION)
		expect("version-value", -EPROTO, 0);

	expect("export-good", export1(e, 0, 4096), 0);
	for (i = 0; i < p2ptest_nr_bad_exports; i++) {
		const struct p2ptest_bad_export *b = &p2ptest_bad_exports[i];
		char name[64];

		snprintf(name, sizeof(name), "export-%s", b->name);
		if (p2ptest_bad_export_prepare(b, &t, &x, ranges)) {
			printf("ok %s # SKIP the provider has every BAR\n", name);
			continue;
		}
		ret = __p2ptest_ioctl(ctl, P2PTEST_IOC_EXPORT, &x);
		if (!ret)
			close(x.fd);
		expect(name, ret, b->err);
	}

	imp.dmabuf_fd = -1;
	expect("import-bad-fd", __p2ptest_ioctl(ctl, P2PTEST_IOC_IMPORT, &imp), EBADF);
	imp.flags = 1;
	expect("import-unknown-flag", __p2ptest_ioctl(ctl, P2PTEST_IOC_IMPORT, &imp), EINVAL);
	expect("unimport-no-handle", __p2ptest_unimport(ctl, 999), ENOENT);
	expect("transfer-no-handle", __p2ptest_transfer(ctl, 999, 0, 0, NULL, 0), ENOENT);
	expect("revoke-bad-fd", __p2ptest_revoke(ctl, -1, 0), EBADF);
	expect("unknown-ioctl", __p2ptest_ioctl(ctl, _IO('P', 99), NULL), ENOTTY);

	/* Without CAP_SYS_ADMIN every call is refused. */
	if (setuid(65534) == 0)
		expect("unprivileged", export1(e, 0, 4096), EPERM);
	return failed;
}
