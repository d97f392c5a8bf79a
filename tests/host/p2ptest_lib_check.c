// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What of the p2ptest client library (lib/p2ptest) runs without root, a
 * VM or /dev/p2ptest: addresses, sysfs-style files (temporary ones under
 * DIR), explanations, the -errno convention of the ioctl wrappers.
 * Prints "ok NAME" or "not ok NAME: why" per check; exit status 1 if one
 * failed. Run by test_p2ptest_lib.py.
 *
 *   p2ptest_lib_check DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "p2ptest_client.h"

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
	check_ret("export-enotty", __p2ptest_export(fd, &a, 0, NULL, 0), -ENOTTY);
	check_ret("import-enotty", __p2ptest_import(fd, -1, &a, &imp), -ENOTTY);
	check_ret("transfer-ebadf", __p2ptest_transfer(-1, 1, 0, 0, NULL, 0), -EBADF);
	close(fd);
	check_ret("count-fds", p2ptest_count_fds() > 0, 1);
	check_ret("driver-absent", p2ptest_pci_driver("ffff:ff:1f.7", name, sizeof(name)),
		  -ENOENT);
	check("driver-absent-empty", !name[0], name);
	check_ret("bind-absent", p2ptest_pci_bind("ffff:ff:1f.7", "p2ptest", true, name,
						  sizeof(name)), -ENOENT);
	check_ret("exists-absent", p2ptest_pci_exists("ffff:ff:1f.7"), false);
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
	return failed;
}
