// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite: the P2PDMA routing engine on synthetic PCI topologies.
 *
 * Each case builds its PCI tree in memory: host bridges, buses and
 * struct pci_devs that are never registered, with a config-space
 * accessor that answers only the ACS control register. The engine walks
 * them exactly as it walks real ones (pci_upstream_bridge(), the root
 * bus's device list, pci_read_config_word()), so every rule is checked
 * without a device: switches, nested switches, multi-function devices,
 * root ports, two host bridges, each ACS redirect bit on either side,
 * allow-listed host bridges or not, a client that is not a PCI device,
 * and the cache when ACS or the topology changes.
 */
#include <kunit/test.h>
#include <linux/device.h>
#include <linux/pci.h>
#include <linux/pci-p2pdma.h>
#include <linux/slab.h>

#include "p2pdma.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define MAX_BUSES	16
#define MAX_DEVS	32

/* Host bridge IDs: on 6.1's list (any pairing), on it for one host
 * bridge only, and not on it (QEMU q35's).
 */
#define HB_ALLOWED	0x2030
#define HB_SAME_ONLY	0x3c00
#define HB_UNLISTED	0x29c0

struct topo {
	struct pci_sysdata sd;		/* first: bus->sysdata points here */
	struct pci_ops ops;
	struct pci_host_bridge *host[2];
	struct pci_bus *bus[MAX_BUSES];
	struct pci_dev *dev[MAX_DEVS];
	u16 acs[MAX_DEVS];		/* ACS control of each device */
	int nbus, ndev;
	u8 next_busnr;
};

static struct topo *bus_topo(struct pci_bus *bus)
{
	return container_of((struct pci_sysdata *)bus->sysdata, struct topo, sd);
}

static int topo_find(struct topo *t, struct pci_bus *bus, unsigned int devfn)
{
	int i;

	for (i = 0; i < t->ndev; i++)
		if (t->dev[i]->bus == bus && t->dev[i]->devfn == devfn)
			return i;
	return -1;
}

/* Config space: the ACS control register of devices that have ACS. */
static int topo_read(struct pci_bus *bus, unsigned int devfn, int where,
		     int size, u32 *val)
{
	struct topo *t = bus_topo(bus);
	int i = topo_find(t, bus, devfn);

	*val = 0;
	if (i >= 0 && t->dev[i]->acs_cap && where == t->dev[i]->acs_cap + PCI_ACS_CTRL)
		*val = t->acs[i];
	return PCIBIOS_SUCCESSFUL;
}

static int topo_write(struct pci_bus *bus, unsigned int devfn, int where,
		      int size, u32 val)
{
	struct topo *t = bus_topo(bus);
	int i = topo_find(t, bus, devfn);

	if (i >= 0 && t->dev[i]->acs_cap && where == t->dev[i]->acs_cap + PCI_ACS_CTRL)
		t->acs[i] = val;
	return PCIBIOS_SUCCESSFUL;
}

/* pci_alloc_dev() leaves the release to pci_device_add(): do its part. */
static void fake_pci_release(struct device *dev)
{
	struct pci_dev *pdev = to_pci_dev(dev);

	put_device(&pdev->bus->dev);
	kfree(pdev);
}

static void fake_bus_release(struct device *dev)
{
	kfree(container_of(dev, struct pci_bus, dev));
}

static struct pci_bus *topo_bus(struct kunit *test, struct pci_bus *parent,
				struct pci_dev *self)
{
	struct topo *t = test->priv;
	struct pci_bus *bus = kzalloc(sizeof(*bus), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, bus);
	KUNIT_ASSERT_LT(test, t->nbus, MAX_BUSES);
	device_initialize(&bus->dev);
	bus->dev.release = fake_bus_release;
	INIT_LIST_HEAD(&bus->devices);
	INIT_LIST_HEAD(&bus->children);
	bus->parent = parent;
	bus->self = self;
	bus->ops = &t->ops;
	bus->sysdata = &t->sd;
	bus->number = t->next_busnr++;
	t->bus[t->nbus++] = bus;
	return bus;
}

/* A host bridge, its root bus, and the 00.0 device standing for it. */
static struct pci_bus *topo_host(struct kunit *test, int idx, u16 device)
{
	struct topo *t = test->priv;
	struct pci_host_bridge *host = pci_alloc_host_bridge(0);
	struct pci_bus *root;
	struct pci_dev *hb;

	KUNIT_ASSERT_NOT_NULL(test, host);
	t->host[idx] = host;
	t->next_busnr = idx * 0x40;
	root = topo_bus(test, NULL, NULL);
	root->bridge = &host->dev;
	host->bus = root;
	KUNIT_ASSERT_EQ(test, dev_set_name(&host->dev, "pci%04x:%02x",
					   t->sd.domain, root->number), 0);

	hb = pci_alloc_dev(root);
	KUNIT_ASSERT_NOT_NULL(test, hb);
	device_initialize(&hb->dev);
	hb->dev.release = fake_pci_release;
	hb->devfn = PCI_DEVFN(0, 0);
	hb->vendor = PCI_VENDOR_ID_INTEL;
	hb->device = device;
	hb->dev.bus = &pci_bus_type;
	KUNIT_ASSERT_EQ(test, dev_set_name(&hb->dev, "%04x:%02x:00.0", t->sd.domain,
					   root->number), 0);
	list_add_tail(&hb->bus_list, &root->devices);
	t->dev[t->ndev++] = hb;
	return root;
}

/*
 * A device at @slot.@fn on @bus, of PCIe type @type, with an ACS capability
 * (control @acs) when @has_acs. Bridges get a secondary bus: *@sub.
 */
static struct pci_dev *topo_dev(struct kunit *test, struct pci_bus *bus, int slot,
				int fn, int type, bool has_acs, u16 acs,
				struct pci_bus **sub)
{
	struct topo *t = test->priv;
	struct pci_dev *pdev = pci_alloc_dev(bus);

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_ASSERT_LT(test, t->ndev, MAX_DEVS);
	device_initialize(&pdev->dev);
	pdev->dev.release = fake_pci_release;
	pdev->devfn = PCI_DEVFN(slot, fn);
	pdev->vendor = 0x1b36;
	pdev->device = 0x0001;
	pdev->pcie_cap = 0x40;
	pdev->pcie_flags_reg = type << 4;
	pdev->acs_cap = has_acs ? 0x100 : 0;
	pdev->dev.bus = &pci_bus_type;
	pdev->dev.parent = bus->self ? &bus->self->dev : NULL;
	KUNIT_ASSERT_EQ(test, dev_set_name(&pdev->dev, "%04x:%02x:%02x.%d", t->sd.domain,
					   bus->number, slot, fn), 0);
	list_add_tail(&pdev->bus_list, &bus->devices);
	t->acs[t->ndev] = acs;
	t->dev[t->ndev++] = pdev;
	if (sub)
		*sub = topo_bus(test, bus, pdev);
	return pdev;
}

static int route_init(struct kunit *test)
{
	struct topo *t = kzalloc(sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	t->sd.domain = 0x7e57;
	t->sd.node = NUMA_NO_NODE;
	t->ops.read = topo_read;
	t->ops.write = topo_write;
	test->priv = t;
	return 0;
}

static void route_exit(struct kunit *test)
{
	struct topo *t = test->priv;
	int i;

	for (i = t->ndev - 1; i >= 0; i--) {
		list_del(&t->dev[i]->bus_list);
		pci_dev_put(t->dev[i]);
	}
	for (i = t->nbus - 1; i >= 0; i--)
		put_device(&t->bus[i]->dev);
	for (i = 0; i < 2; i++)
		if (t->host[i])
			pci_free_host_bridge(t->host[i]);
	kfree(t);
}

/* What a pair through the host bridge gets, on this CPU. */
static enum pci_p2pdma_map_type thru_or_refused(bool allowed)
{
	return allowed || p2pdma_cpu_supports_p2p() ? PCI_P2PDMA_MAP_THRU_HOST_BRIDGE :
		PCI_P2PDMA_MAP_NOT_SUPPORTED;
}

static void expect_route(struct kunit *test, struct pci_dev *a, struct pci_dev *b,
			 enum pci_p2pdma_map_type want_map, int want_dist)
{
	enum pci_p2pdma_map_type map;
	int dist = -1;

	map = p2pdma_route_calc(a, b, &dist, NULL);
	KUNIT_EXPECT_STREQ_MSG(test, p2pdma_map_name(map), p2pdma_map_name(want_map),
			       "%s -> %s", pci_name(a), pci_name(b));
	KUNIT_EXPECT_EQ_MSG(test, dist, want_dist, "%s -> %s", pci_name(a), pci_name(b));
}

/*
 * host bridge -- root port (ACS @rp_acs) -- switch: upstream port, two
 * downstream ports (ACS @dsp_acs[0], [1]), an endpoint below each.
 */
struct sw {
	struct pci_dev *rp, *usp, *dsp[2], *ep[2];
};

static void build_switch(struct kunit *test, u16 hb, u16 rp_acs, u16 dsp0_acs,
			 u16 dsp1_acs, struct sw *sw)
{
	struct pci_bus *root = topo_host(test, 0, hb), *b1, *b2, *b3, *b4;

	sw->rp = topo_dev(test, root, 1, 0, PCI_EXP_TYPE_ROOT_PORT, true, rp_acs, &b1);
	sw->usp = topo_dev(test, b1, 0, 0, PCI_EXP_TYPE_UPSTREAM, false, 0, &b2);
	sw->dsp[0] = topo_dev(test, b2, 0, 0, PCI_EXP_TYPE_DOWNSTREAM, true, dsp0_acs, &b3);
	sw->dsp[1] = topo_dev(test, b2, 1, 0, PCI_EXP_TYPE_DOWNSTREAM, true, dsp1_acs, &b4);
	sw->ep[0] = topo_dev(test, b3, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	sw->ep[1] = topo_dev(test, b4, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
}

static void one_switch_is_bus_addr(struct kunit *test)
{
	struct sw sw;

	/* Redirects on the root port above the switch do not matter. */
	build_switch(test, HB_UNLISTED, PCI_ACS_RR | PCI_ACS_CR, 0, 0, &sw);
	expect_route(test, sw.ep[0], sw.ep[1], PCI_P2PDMA_MAP_BUS_ADDR, 4);
	expect_route(test, sw.ep[1], sw.ep[0], PCI_P2PDMA_MAP_BUS_ADDR, 4);
	/* A downstream port and the device below it: one link. */
	expect_route(test, sw.ep[0], sw.dsp[0], PCI_P2PDMA_MAP_BUS_ADDR, 1);
}

static void provider_equal_to_client(struct kunit *test)
{
	struct sw sw;

	build_switch(test, HB_UNLISTED, 0, 0, 0, &sw);
	expect_route(test, sw.ep[0], sw.ep[0], PCI_P2PDMA_MAP_BUS_ADDR, 0);
}

static void nested_switches(struct kunit *test)
{
	struct pci_bus *root = topo_host(test, 0, HB_UNLISTED), *b[8];
	struct pci_dev *a, *b_dev, *c;

	topo_dev(test, root, 1, 0, PCI_EXP_TYPE_ROOT_PORT, true, 0, &b[0]);
	topo_dev(test, b[0], 0, 0, PCI_EXP_TYPE_UPSTREAM, false, 0, &b[1]);
	topo_dev(test, b[1], 0, 0, PCI_EXP_TYPE_DOWNSTREAM, true, 0, &b[2]);
	topo_dev(test, b[1], 1, 0, PCI_EXP_TYPE_DOWNSTREAM, true, 0, &b[3]);
	/* The inner switch hangs below the outer one's first port. */
	topo_dev(test, b[2], 0, 0, PCI_EXP_TYPE_UPSTREAM, false, 0, &b[4]);
	topo_dev(test, b[4], 0, 0, PCI_EXP_TYPE_DOWNSTREAM, true, 0, &b[5]);
	topo_dev(test, b[4], 1, 0, PCI_EXP_TYPE_DOWNSTREAM, true, 0, &b[6]);
	a = topo_dev(test, b[5], 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	b_dev = topo_dev(test, b[6], 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	c = topo_dev(test, b[3], 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);

	expect_route(test, a, b_dev, PCI_P2PDMA_MAP_BUS_ADDR, 4);
	/* a: 3 links up to the outer upstream port... c: 2 links. */
	expect_route(test, a, c, PCI_P2PDMA_MAP_BUS_ADDR, 6);
	expect_route(test, c, a, PCI_P2PDMA_MAP_BUS_ADDR, 6);
}

static void multi_function_device(struct kunit *test)
{
	struct pci_bus *root = topo_host(test, 0, HB_UNLISTED), *b1;
	struct pci_dev *f0, *f1;

	topo_dev(test, root, 1, 0, PCI_EXP_TYPE_ROOT_PORT, true, 0, &b1);
	f0 = topo_dev(test, b1, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	f1 = topo_dev(test, b1, 0, 1, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	expect_route(test, f0, f1, PCI_P2PDMA_MAP_BUS_ADDR, 2);
}

/* Two root ports of one host bridge with ID @hb: 2 + 2 devices. */
static void two_root_ports(struct kunit *test, u16 hb, enum pci_p2pdma_map_type want)
{
	struct pci_bus *root = topo_host(test, 0, hb), *b1, *b2;
	struct pci_dev *a, *b;

	topo_dev(test, root, 1, 0, PCI_EXP_TYPE_ROOT_PORT, true, 0, &b1);
	topo_dev(test, root, 2, 0, PCI_EXP_TYPE_ROOT_PORT, true, 0, &b2);
	a = topo_dev(test, b1, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	b = topo_dev(test, b2, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	expect_route(test, a, b, want, 4);
}

static void root_ports_unlisted_host_bridge(struct kunit *test)
{
	two_root_ports(test, HB_UNLISTED, thru_or_refused(false));
}

static void root_ports_allowlisted_host_bridge(struct kunit *test)
{
	two_root_ports(test, HB_ALLOWED, PCI_P2PDMA_MAP_THRU_HOST_BRIDGE);
}

static void root_ports_same_host_only_entry(struct kunit *test)
{
	two_root_ports(test, HB_SAME_ONLY, PCI_P2PDMA_MAP_THRU_HOST_BRIDGE);
}

/* One endpoint below a root port of each of two host bridges. */
static void two_host_bridges(struct kunit *test, u16 hb0, u16 hb1,
			     enum pci_p2pdma_map_type want)
{
	struct pci_bus *r0 = topo_host(test, 0, hb0), *r1 = topo_host(test, 1, hb1);
	struct pci_bus *b0, *b1;
	struct pci_dev *a, *b;

	topo_dev(test, r0, 1, 0, PCI_EXP_TYPE_ROOT_PORT, true, 0, &b0);
	topo_dev(test, r1, 1, 0, PCI_EXP_TYPE_ROOT_PORT, true, 0, &b1);
	a = topo_dev(test, b0, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	b = topo_dev(test, b1, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	expect_route(test, a, b, want, 4);
}

static void host_bridges_both_allowlisted(struct kunit *test)
{
	two_host_bridges(test, HB_ALLOWED, HB_ALLOWED, PCI_P2PDMA_MAP_THRU_HOST_BRIDGE);
}

static void host_bridges_one_unlisted(struct kunit *test)
{
	two_host_bridges(test, HB_ALLOWED, HB_UNLISTED, thru_or_refused(false));
}

static void host_bridges_same_host_only_entries(struct kunit *test)
{
	/* Listed only for traffic within one host bridge. */
	two_host_bridges(test, HB_SAME_ONLY, HB_SAME_ONLY, thru_or_refused(false));
}

static const u16 redirect_bits[] = { PCI_ACS_RR, PCI_ACS_CR, PCI_ACS_EC };

static void acs_bit_on_provider_side(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(redirect_bits); i++) {
		struct sw sw;

		/* Source Validation alone never redirects. */
		build_switch(test, HB_UNLISTED, 0, redirect_bits[i] | PCI_ACS_SV,
			     PCI_ACS_SV, &sw);
		expect_route(test, sw.ep[0], sw.ep[1], thru_or_refused(false), 4);
		route_exit(test);
		route_init(test);
		build_switch(test, HB_ALLOWED, 0, redirect_bits[i], 0, &sw);
		expect_route(test, sw.ep[0], sw.ep[1], PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
		route_exit(test);
		route_init(test);
	}
}

static void acs_bit_on_client_side(struct kunit *test)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(redirect_bits); i++) {
		struct sw sw;

		build_switch(test, HB_UNLISTED, 0, 0, redirect_bits[i], &sw);
		expect_route(test, sw.ep[0], sw.ep[1], thru_or_refused(false), 4);
		route_exit(test);
		route_init(test);
		build_switch(test, HB_ALLOWED, 0, 0, redirect_bits[i], &sw);
		expect_route(test, sw.ep[0], sw.ep[1], PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
		route_exit(test);
		route_init(test);
	}
}

/* The explanation of a pair in @buf, which is zeroed: NUL-terminated. */
static void explain(struct pci_dev *provider, struct device *client, char *buf,
		    size_t size)
{
	struct seq_buf s;

	seq_buf_init(&s, buf, size - 1);
	p2pdma_explain(provider, client, &s);
}

static void explanation_names_path_and_fix(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL), line[96];
	struct sw sw;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	build_switch(test, HB_UNLISTED, 0, PCI_ACS_RR | PCI_ACS_SV, PCI_ACS_EC, &sw);
	explain(sw.ep[0], &sw.ep[1]->dev, buf, PAGE_SIZE);

	snprintf(line, sizeof(line), "hop %s bridge acs=0x0005 redirect=ReqRedir\n",
		 pci_name(sw.dsp[0]));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, line), "no '%s' in:\n%s", line, buf);
	snprintf(line, sizeof(line), "hop %s common acs=none redirect=-\n", pci_name(sw.usp));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, line), "no '%s' in:\n%s", line, buf);
	snprintf(line, sizeof(line), "common %s\n", pci_name(sw.usp));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, line));
	snprintf(line, sizeof(line), "fix pci=disable_acs_redir=%s;%s\n",
		 pci_name(sw.dsp[0]), pci_name(sw.dsp[1]));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(buf, line), "no '%s' in:\n%s", line, buf);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "id=8086:29c0 allowlisted=no\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "distance 4\n"));
	if (!p2pdma_cpu_supports_p2p()) {
		KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "verdict NOT_SUPPORTED\n"));
		KUNIT_EXPECT_NOT_NULL(test,
				      strstr(buf, "fix p2pdma.host_bridge_allowlist=8086:29c0 "));
	}
}

/*
 * Two root ports, ReqRedir on the provider's: no bridge is common to the
 * pair, so turning ACS off cannot help and the explanation offers no such
 * fix; it lists the redirect and offers the allow-list instead.
 */
static void no_acs_fix_without_common_bridge(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct pci_bus *root = topo_host(test, 0, HB_UNLISTED), *b1, *b2;
	struct pci_dev *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	topo_dev(test, root, 1, 0, PCI_EXP_TYPE_ROOT_PORT, true, PCI_ACS_RR | PCI_ACS_SV, &b1);
	topo_dev(test, root, 2, 0, PCI_EXP_TYPE_ROOT_PORT, true, PCI_ACS_RR | PCI_ACS_SV, &b2);
	a = topo_dev(test, b1, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	b = topo_dev(test, b2, 0, 0, PCI_EXP_TYPE_ENDPOINT, false, 0, NULL);
	/* The explanation is many lines: not in the messages, which KTAP keeps to one. */
	explain(a, &b->dev, buf, PAGE_SIZE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "redirect=ReqRedir"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "common none\n"));
	KUNIT_EXPECT_NULL_MSG(test, strstr(buf, "disable_acs_redir"),
			      "an ACS fix offered for a pair without a common bridge");
	if (!p2pdma_cpu_supports_p2p())
		KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "fix p2pdma.host_bridge_allowlist="));
}

static void fake_dev_release(struct device *dev)
{
	kfree(dev);
}

/* A device that is not a PCI device, below @parent (may be NULL). */
static struct device *plain_device(struct kunit *test, struct device *parent)
{
	struct device *dev = kzalloc(sizeof(*dev), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, dev);
	device_initialize(dev);
	dev->release = fake_dev_release;
	dev->parent = parent;
	KUNIT_ASSERT_EQ(test, dev_set_name(dev, "plain%d", parent ? 1 : 0), 0);
	return dev;
}

static void non_pci_client(struct kunit *test)
{
	char *buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	struct device *orphan, *child;
	struct sw sw;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	build_switch(test, HB_UNLISTED, 0, 0, 0, &sw);
	orphan = plain_device(test, NULL);
	child = plain_device(test, &sw.ep[1]->dev);

	KUNIT_EXPECT_EQ(test, pci_p2pdma_distance(sw.ep[0], orphan, false), -1);
	explain(sw.ep[0], orphan, buf, PAGE_SIZE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "client plain0 pci=none\n"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(buf, "verdict NOT_SUPPORTED\n"));

	/* Below a PCI device, its DMA is that device's. */
	KUNIT_EXPECT_EQ(test, pci_p2pdma_distance(sw.ep[0], child, false), 4);

	put_device(child);
	put_device(orphan);
}

/* Change ACS control without the config-write hook seeing it. */
static void set_acs_unseen(struct kunit *test, struct pci_dev *pdev, u16 ctrl)
{
	struct topo *t = test->priv;
	int i = topo_find(t, pdev->bus, pdev->devfn);

	KUNIT_ASSERT_GE(test, i, 0);
	t->acs[i] = ctrl;
}

/*
 * The cache: a verdict is served from it until something changes, and
 * never after: an ACS write through the user config path (as setpci does)
 * or a topology change makes it stale at once.
 */
static void cache_never_serves_stale_verdicts(struct kunit *test)
{
	struct p2pdma_provider *mem;
	long hits, stale;
	struct sw sw;
	int dist;

	build_switch(test, HB_UNLISTED, 0, 0, 0, &sw);
	sw.ep[0]->resource[0].flags = IORESOURCE_MEM;
	KUNIT_ASSERT_EQ(test, pcim_p2pdma_init(sw.ep[0]), 0);
	mem = pcim_p2pdma_provider(sw.ep[0], 0);
	KUNIT_ASSERT_NOT_NULL(test, mem);
	KUNIT_EXPECT_NULL(test, pcim_p2pdma_provider(sw.ep[0], 1));

	KUNIT_EXPECT_EQ(test, pci_p2pdma_map_type(mem, &sw.ep[1]->dev),
			PCI_P2PDMA_MAP_BUS_ADDR);
	hits = atomic_long_read(&p2pdma_cache_hits);
	KUNIT_EXPECT_EQ(test, pci_p2pdma_map_type(mem, &sw.ep[1]->dev),
			PCI_P2PDMA_MAP_BUS_ADDR);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&p2pdma_cache_hits), hits + 1);

	/* setpci on the client's port: the next lookup decides again. */
	stale = atomic_long_read(&p2pdma_cache_stale);
	KUNIT_ASSERT_EQ(test, pci_user_write_config_word(sw.dsp[1], sw.dsp[1]->acs_cap +
							  PCI_ACS_CTRL, PCI_ACS_RR), 0);
	KUNIT_EXPECT_EQ(test, p2pdma_route(sw.ep[0], sw.ep[1], &dist, false),
			thru_or_refused(false));
	KUNIT_EXPECT_EQ(test, atomic_long_read(&p2pdma_cache_stale), stale + 1);

	/* ... and back. A write elsewhere in config space changes nothing. */
	KUNIT_ASSERT_EQ(test, pci_user_write_config_word(sw.dsp[1], sw.dsp[1]->acs_cap +
							  PCI_ACS_CTRL, 0), 0);
	KUNIT_EXPECT_EQ(test, pci_p2pdma_map_type(mem, &sw.ep[1]->dev),
			PCI_P2PDMA_MAP_BUS_ADDR);
	hits = atomic_long_read(&p2pdma_cache_hits);
	KUNIT_ASSERT_EQ(test, pci_user_write_config_word(sw.dsp[1], PCI_COMMAND, 0), 0);
	KUNIT_EXPECT_EQ(test, pci_p2pdma_map_type(mem, &sw.ep[1]->dev),
			PCI_P2PDMA_MAP_BUS_ADDR);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&p2pdma_cache_hits), hits + 1);

	/*
	 * A change behind the engine's back (no hook ran) is served from the
	 * cache, which shows it is a cache; the topology notification that
	 * device addition or removal sends makes it stale.
	 */
	set_acs_unseen(test, sw.dsp[0], PCI_ACS_EC);
	KUNIT_EXPECT_EQ(test, pci_p2pdma_map_type(mem, &sw.ep[1]->dev),
			PCI_P2PDMA_MAP_BUS_ADDR);
	p2pdma_topology_changed();
	KUNIT_EXPECT_EQ(test, pci_p2pdma_map_type(mem, &sw.ep[1]->dev),
			thru_or_refused(false));
}

static struct kunit_case route_cases[] = {
	KUNIT_CASE(one_switch_is_bus_addr),
	KUNIT_CASE(provider_equal_to_client),
	KUNIT_CASE(nested_switches),
	KUNIT_CASE(multi_function_device),
	KUNIT_CASE(root_ports_unlisted_host_bridge),
	KUNIT_CASE(root_ports_allowlisted_host_bridge),
	KUNIT_CASE(root_ports_same_host_only_entry),
	KUNIT_CASE(host_bridges_both_allowlisted),
	KUNIT_CASE(host_bridges_one_unlisted),
	KUNIT_CASE(host_bridges_same_host_only_entries),
	KUNIT_CASE(acs_bit_on_provider_side),
	KUNIT_CASE(acs_bit_on_client_side),
	KUNIT_CASE(explanation_names_path_and_fix),
	KUNIT_CASE(no_acs_fix_without_common_bridge),
	KUNIT_CASE(non_pci_client),
	KUNIT_CASE(cache_never_serves_stale_verdicts),
	{}
};

static struct kunit_suite route_suite = {
	.name = "p2pdma-route",
	.init = route_init,
	.exit = route_exit,
	.test_cases = route_cases,
};

kunit_test_suite(route_suite);

MODULE_DESCRIPTION("KUnit checks of the P2PDMA routing engine on synthetic topologies");
MODULE_LICENSE("GPL");
