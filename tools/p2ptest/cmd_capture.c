// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest capture: write this machine down so that p2ptest (and lspci -F)
 * can read it anywhere, for a bug report or a test fixture.
 *
 * The format, version 1, is text:
 *   # comment lines
 *   host iommu off|translated|passthrough|mixed
 *   host allowlist VVVV:DDDD,...|-      (the kernel's runtime allow-list;
 *                                        absent: the kernel has none)
 *   host cpu VENDOR FAMILY
 *   host kernel RELEASE
 *   host root yes|no                    (no: extended config space missing)
 *   sysfs NAME numa=N iommu_group=G iommu_type=T driver=D
 * then, for every PCI function, its configuration space as lspci -xxxx
 * prints it: a line "NAME description", lines of 16 hex bytes, a blank
 * line. libpci's dump reader ignores the lines before the first device,
 * so "lspci -F FILE -vvv" shows the captured machine too.
 */
#include <string.h>
#include <unistd.h>

#include "p2ptest.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s capture [-o FILE]\n"
		"\n"
		"Write this machine's PCI configuration space and the sysfs facts p2ptest\n"
		"uses to FILE (default: standard output), for a bug report or a test:\n"
		"\"%s --fixture FILE topo|explain|audit\" then works anywhere. Run as root:\n"
		"otherwise only 64 bytes of config space per device can be read and ACS is\n"
		"missing.\n", prog, prog);
}

static void dump_config(FILE *f, struct dev *d)
{
	int size = d->cfg_ext ? 4096 : 256, off, i;
	uint8_t buf[4096];

	/* Without root, sysfs gives 64 bytes; the rest reads as 0xff. */
	memset(buf, 0xff, sizeof(buf));
	if (!pci_read_block(d->pd, 0, buf, size) && !pci_read_block(d->pd, 0, buf, 64))
		memset(buf, 0xff, sizeof(buf));
	for (off = 0; off < size; off += 16) {
		fprintf(f, size > 256 ? "%03x:" : "%02x:", off);
		for (i = 0; i < 16; i++)
			fprintf(f, " %02x", buf[off + i]);
		fputc('\n', f);
	}
}

static int capture(struct model *m, const struct args *args, struct output *out)
{
	const char *file = args->opt['o'];
	FILE *f = stdout;
	char desc[160];
	int i;

	(void)out;
	if (m->fixture) {
		warn("capture reads the live machine, not a capture");
		return 2;
	}
	if (geteuid() != 0)
		warn("not root: ACS and the rest of extended config space will be missing from "
		     "the capture");
	if (file && !(f = fopen(file, "w"))) {
		perror(file);
		return 1;
	}
	fprintf(f, "# p2ptest capture 1\n# lspci -F this-file -vvv shows the devices\n");
	fprintf(f, "host iommu %s\n", m->host.iommu);
	if (m->host.allowlist_known)
		fprintf(f, "host allowlist %s\n", m->host.allowlist[0] ? m->host.allowlist : "-");
	fprintf(f, "host cpu %s %d\nhost kernel %s\nhost root %s\n", m->host.cpu_vendor[0] ?
		m->host.cpu_vendor : "unknown", m->host.cpu_family, m->host.kernel,
		m->host.root ? "yes" : "no");
	for (i = 0; i < m->ndev; i++) {
		struct dev *d = &m->devs[i];

		fprintf(f, "sysfs %s numa=%d iommu_group=%s iommu_type=%s driver=%s\n", d->name,
			d->numa, d->iommu_group[0] ? d->iommu_group : "-",
			d->iommu_type[0] ? d->iommu_type : "-", d->driver[0] ? d->driver : "-");
	}
	for (i = 0; i < m->ndev; i++) {
		fprintf(f, "\n%s %s\n", m->devs[i].name, dev_describe(m, &m->devs[i], desc,
								       sizeof(desc)));
		dump_config(f, &m->devs[i]);
	}
	if (file && fclose(f)) {
		perror(file);
		return 1;
	}
	return 0;
}

/* Text only: a capture is a file, "lspci -F" reads it too. */
const struct cmd cmd_capture = {
	"capture", "write this machine down for a bug report or a test", usage, capture,
	.opts = { { "output", required_argument, NULL, 'o' } }, .shortopts = "o:",
	.text_only = true,
};
