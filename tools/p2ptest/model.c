// SPDX-License-Identifier: GPL-2.0
/*
 * The machine as p2ptest sees it: every PCI function, its place in the
 * tree (from the bridges' secondary bus numbers, as lspci -t does, so a
 * capture file works like the live machine), its ACS capability and
 * control, and the sysfs facts config space does not hold.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include "p2ptest.h"
#include "p2ptest_client.h"

/* The IOMMU state of the live machine, from its groups' domain types. */
static void live_iommu(struct host_info *h)
{
	DIR *dir = opendir("/sys/kernel/iommu_groups");
	bool identity = false, dma = false;
	struct dirent *e;
	char path[300], type[32];

	copy_str(h->iommu, sizeof(h->iommu), "off");
	if (!dir)
		return;
	while ((e = readdir(dir))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type", e->d_name);
		p2ptest_sysfs_read(path, type, sizeof(type));	/* "" if unreadable */
		if (!strcmp(type, "identity"))
			identity = true;
		else if (!strncmp(type, "DMA", 3))
			dma = true;
	}
	closedir(dir);
	if (dma && identity)
		copy_str(h->iommu, sizeof(h->iommu), "mixed");
	else if (dma)
		copy_str(h->iommu, sizeof(h->iommu), "translated");
	else if (identity)
		copy_str(h->iommu, sizeof(h->iommu), "passthrough");
}

static void live_host(struct host_info *h)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct utsname u;
	char line[256];

	live_iommu(h);
	h->root = geteuid() == 0;
	h->allowlist_known = access(P2PTEST_ALLOWLIST, F_OK) == 0;
	p2ptest_allowlist_get(h->allowlist, sizeof(h->allowlist));
	while (f && fgets(line, sizeof(line), f)) {
		char *v = strchr(line, ':');

		if (!v)
			continue;
		v += 1 + strspn(v + 1, " \t");
		v[strcspn(v, "\n")] = '\0';
		if (!strncmp(line, "vendor_id", 9) && !h->cpu_vendor[0])
			copy_str(h->cpu_vendor, sizeof(h->cpu_vendor), v);
		else if (!strncmp(line, "cpu family", 10) && !h->cpu_family)
			h->cpu_family = atoi(v);
	}
	if (f)
		fclose(f);
	if (!uname(&u))
		copy_str(h->kernel, sizeof(h->kernel), u.release);
}

static void fill_dev(struct model *m, struct dev *d, struct pci_dev *pd)
{
	unsigned int live = m->fixture ? 0 :
		PCI_FILL_NUMA_NODE | PCI_FILL_IOMMU_GROUP | PCI_FILL_DRIVER;
	struct pci_cap *cap;
	uint8_t probe[4];

	pci_fill_info(pd, PCI_FILL_IDENT | PCI_FILL_CLASS | PCI_FILL_CLASS_EXT |
		      PCI_FILL_BASES | PCI_FILL_SIZES | PCI_FILL_CAPS | PCI_FILL_EXT_CAPS | live);
	d->pd = pd;
	p2ptest_format_bdf(&P2PTEST_PCI_ADDR(pd->domain, pd->bus, pd->dev, pd->func), d->name,
			   sizeof(d->name));
	d->vendor = pd->vendor_id;
	d->device = pd->device_id;
	d->class = (uint32_t)pd->device_class << 8 | pd->prog_if;
	d->hdr_type = pci_read_byte(pd, PCI_HEADER_TYPE) & 0x7f;
	if (d->hdr_type == PCI_HEADER_TYPE_BRIDGE) {
		d->sec_bus = pci_read_byte(pd, PCI_SECONDARY_BUS);
		d->sub_bus = pci_read_byte(pd, PCI_SUBORDINATE_BUS);
	}
	d->pcie_type = -1;
	cap = pci_find_cap(pd, PCI_CAP_ID_EXP, PCI_CAP_NORMAL);
	if (cap)
		d->pcie_type = (pci_read_word(pd, cap->addr + PCI_EXP_FLAGS) &
				PCI_EXP_FLAGS_TYPE) >> 4;
	d->cfg_ext = pci_read_block(pd, 0x100, probe, sizeof(probe));
	cap = d->cfg_ext ? pci_find_cap(pd, PCI_EXT_CAP_ID_ACS, PCI_CAP_EXTENDED) : NULL;
	if (cap) {
		d->acs_pos = cap->addr;
		d->acs_cap = pci_read_word(pd, cap->addr + PCI_ACS_CAP);
		d->acs_ctrl = pci_read_word(pd, cap->addr + PCI_ACS_CTRL);
	}
	d->numa = -1;
	if (live) {
		char path[300];

		if (pd->known_fields & PCI_FILL_NUMA_NODE)
			d->numa = pd->numa_node;
		copy_str(d->iommu_group, sizeof(d->iommu_group),
			 pci_get_string_property(pd, PCI_FILL_IOMMU_GROUP));
		copy_str(d->driver, sizeof(d->driver),
			 pci_get_string_property(pd, PCI_FILL_DRIVER));
		if (d->iommu_group[0]) {
			snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/type",
				 d->iommu_group);
			p2ptest_sysfs_read(path, d->iommu_type, sizeof(d->iommu_type));
		}
	}
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct dev *)a)->name, ((const struct dev *)b)->name);
}

/* The bridge whose secondary bus is @d's bus, in @d's domain. */
static struct dev *upstream_of(struct model *m, struct dev *d)
{
	int i;

	for (i = 0; i < m->ndev; i++) {
		struct dev *b = &m->devs[i];

		if (b != d && b->hdr_type == PCI_HEADER_TYPE_BRIDGE &&
		    b->pd->domain == d->pd->domain && b->sec_bus == d->pd->bus)
			return b;
	}
	return NULL;
}

/**
 * model_load() - read the machine, live or from a capture file
 * @m: zeroed model
 * @fixture: a file written by "p2ptest capture", or NULL for this machine
 * @numeric: name devices by their IDs only
 *
 * Return: 0, or -1 after printing why.
 */
int model_load(struct model *m, const char *fixture, bool numeric)
{
	struct pci_dev *pd;
	int i, n = 0;

	m->fixture = fixture;
	m->pacc = pci_alloc();
	m->pacc->numeric_ids = numeric;
	if (fixture) {
		if (access(fixture, R_OK)) {
			warn("cannot read %s: %s", fixture, strerror(errno));
			return -1;
		}
		m->pacc->method = PCI_ACCESS_DUMP;
		pci_set_param(m->pacc, "dump.name", (char *)fixture);
	}
	pci_init(m->pacc);
	pci_scan_bus(m->pacc);
	for (pd = m->pacc->devices; pd; pd = pd->next)
		n++;
	m->devs = calloc(n ? n : 1, sizeof(*m->devs));
	if (!m->devs)
		return -1;
	for (pd = m->pacc->devices; pd; pd = pd->next)
		fill_dev(m, &m->devs[m->ndev++], pd);
	qsort(m->devs, m->ndev, sizeof(*m->devs), cmp_dev);
	for (i = 0; i < m->ndev; i++)
		m->devs[i].up = upstream_of(m, &m->devs[i]);
	for (i = 0; i < m->ndev; i++) {
		struct dev *top = &m->devs[i];

		while (top->up)
			top = top->up;
		m->devs[i].root_bus = top->pd->bus;
	}
	if (fixture) {
		if (capture_read(m))
			return -1;
	} else {
		live_host(&m->host);
	}
	/* Read as root, a device without extended config space has no ACS. */
	for (i = 0; i < m->ndev; i++)
		m->devs[i].acs_known = m->devs[i].cfg_ext || m->host.root;
	return 0;
}

void model_free(struct model *m)
{
	free(m->devs);
	if (m->pacc)
		pci_cleanup(m->pacc);
}

/* Accepts "dddd:bb:dd.f" and "bb:dd.f" (domain 0), any case. */
struct dev *model_find(struct model *m, const char *name)
{
	char full[NAME_LEN + 8];
	int i;

	if (strlen(name) == 7)
		snprintf(full, sizeof(full), "0000:%s", name);
	else
		copy_str(full, sizeof(full), name);
	for (i = 0; full[i]; i++)
		full[i] = (char)tolower((unsigned char)full[i]);
	for (i = 0; i < m->ndev; i++)
		if (!strcmp(m->devs[i].name, full))
			return &m->devs[i];
	return NULL;
}

/*
 * The device that identifies @d's host bridge, as the kernel picks it: the
 * first function of the root bus, if it is 00.0 or a root port.
 */
struct dev *model_host_bridge(struct model *m, struct dev *d)
{
	int i;

	for (i = 0; i < m->ndev; i++) {
		struct dev *h = &m->devs[i];

		if (h->pd->domain != d->pd->domain || h->pd->bus != d->root_bus)
			continue;
		if ((h->pd->dev == 0 && h->pd->func == 0) || h->pcie_type == PCI_EXP_TYPE_ROOT_PORT)
			return h;
		return NULL;
	}
	return NULL;
}

/* Endpoints of the classes P2P is about: storage, network, display, accelerators. */
bool dev_is_default_class(const struct dev *d)
{
	unsigned int base = d->class >> 16;

	return d->hdr_type == PCI_HEADER_TYPE_NORMAL &&
	       (base == 0x01 || base == 0x02 || base == 0x03 || base == 0x12);
}

const char *dev_describe(struct model *m, struct dev *d, char *buf, size_t len)
{
	char name[128];

	if (m->pacc->numeric_ids) {
		snprintf(buf, len, "[%04x:%04x]", d->vendor, d->device);
		return buf;
	}
	pci_lookup_name(m->pacc, name, sizeof(name), PCI_LOOKUP_VENDOR | PCI_LOOKUP_DEVICE,
			d->vendor, d->device);
	snprintf(buf, len, "%s [%04x:%04x]", name, d->vendor, d->device);
	return buf;
}
