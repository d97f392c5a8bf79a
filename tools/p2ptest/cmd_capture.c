// SPDX-License-Identifier: GPL-2.0
/*
 * The capture format: its specification, its one writer (the capture
 * command) and its one reader (capture_read(), which model_load() calls
 * for --fixture). A capture writes a machine down so that p2ptest (and
 * lspci -F) can read it anywhere, for a bug report or a test fixture.
 *
 * The format, version 1, is text:
 *   # p2ptest capture 1
 *   # lspci -F this-file -vvv shows the devices
 *   host iommu off|translated|passthrough|mixed
 *   host allowlist VVVV:DDDD,...|-      (the kernel's runtime allow-list;
 *                                        absent: the kernel has none)
 *   host cpu VENDOR FAMILY
 *   host kernel RELEASE
 *   host root yes|no                    (no: extended config space missing)
 *   sysfs NAME numa=N iommu_group=G iommu_type=T driver=D
 *                                       (one per function; "-": none)
 * then, for every PCI function, its configuration space as lspci -xxxx
 * prints it: a blank line, a line "NAME description" (the vendor and
 * device names, "[VVVV:DDDD]" with --numeric), lines of 16 hex bytes, 256
 * bytes or, with extended config space, 4096. libpci's dump reader ignores
 * the lines before the first device, so "lspci -F FILE -vvv" shows the
 * captured machine too. The reader ignores comments and lines or keys it
 * does not know, so a capture with facts added later still reads.
 *
 * tests/fixtures/make_fixtures.py writes captures of machines QEMU cannot
 * build. It writes this format itself instead of feeding a description
 * through this writer: this reader skips what it does not know, so a
 * generator that only fed it would lose a misspelt fact without a word.
 * Instead "p2ptest --fixture FILE capture" writes a capture again through
 * this reader and writer, and the host tests hold every generated and
 * recorded capture to that: read and written again, it is the same file
 * (tests/host/test_p2ptest.py, test_captures_read_and_write_back_unchanged).
 */
#include <errno.h>
#include <stdlib.h>
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
		"missing. With --fixture, write that capture again in this version's format.\n",
		prog, prog);
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
	if (!m->fixture && geteuid() != 0)
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

/* A "sysfs NAME key=value..." line's facts into @d; @kv is past NAME. */
static void read_sysfs_facts(struct dev *d, char *kv)
{
	char *tok, *save;

	for (tok = strtok_r(kv, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq)
			continue;
		*eq++ = '\0';
		if (!strcmp(eq, "-"))
			eq[0] = '\0';
		if (!strcmp(tok, "numa"))
			d->numa = atoi(eq);
		else if (!strcmp(tok, "iommu_group"))
			copy_str(d->iommu_group, sizeof(d->iommu_group), eq);
		else if (!strcmp(tok, "iommu_type"))
			copy_str(d->iommu_type, sizeof(d->iommu_type), eq);
		else if (!strcmp(tok, "driver"))
			copy_str(d->driver, sizeof(d->driver), eq);
	}
}

/**
 * capture_read() - read a capture's host and sysfs lines into @m
 * @m: the model of m->fixture, its devices read from the config space
 *
 * Return: 0, or -1 after printing why.
 */
int capture_read(struct model *m)
{
	FILE *f = fopen(m->fixture, "r");
	char line[512];

	if (!f) {
		warn("cannot open %s: %s", m->fixture, strerror(errno));
		return -1;
	}
	copy_str(m->host.iommu, sizeof(m->host.iommu), "unknown");
	while (fgets(line, sizeof(line), f)) {
		char key[32] = "", val[256] = "", name[NAME_LEN + 8];
		struct dev *d;
		int end = 0;

		line[strcspn(line, "\n")] = '\0';
		if (sscanf(line, "host %31s %255[^\n]", key, val) >= 1) {
			if (!strcmp(key, "iommu"))
				copy_str(m->host.iommu, sizeof(m->host.iommu), val);
			else if (!strcmp(key, "allowlist")) {
				m->host.allowlist_known = true;
				copy_str(m->host.allowlist, sizeof(m->host.allowlist),
					 strcmp(val, "-") ? val : "");
			} else if (!strcmp(key, "cpu"))
				sscanf(val, "%15s %d", m->host.cpu_vendor, &m->host.cpu_family);
			else if (!strcmp(key, "kernel"))
				copy_str(m->host.kernel, sizeof(m->host.kernel), val);
			else if (!strcmp(key, "root"))
				m->host.root = !strcmp(val, "yes");
			continue;
		}
		if (sscanf(line, "sysfs %23s%n", name, &end) == 1 && (d = model_find(m, name)))
			read_sysfs_facts(d, line + end);
	}
	fclose(f);
	return 0;
}

/* Text only: a capture is a file, "lspci -F" reads it too. */
const struct cmd cmd_capture = {
	"capture", "write this machine down for a bug report or a test", usage, capture,
	.opts = { { "output", required_argument, NULL, 'o' } }, .shortopts = "o:",
	.text_only = true,
};
