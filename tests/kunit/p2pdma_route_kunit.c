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

#define MAX_HOSTS	2
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
	struct pci_host_bridge *host[MAX_HOSTS];
	struct pci_bus *bus[MAX_BUSES];
	struct pci_dev *dev[MAX_DEVS];
	u16 acs[MAX_DEVS];		/* ACS control of each device */
	int nhost, nbus, ndev;
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

/*
 * A host bridge, its root bus, and the 00.0 device standing for it, with
 * device ID @device. Each host bridge gets buses of its own.
 */
static struct pci_bus *topo_host(struct kunit *test, u16 device)
{
	struct topo *t = test->priv;
	struct pci_host_bridge *host;
	struct pci_bus *root;
	struct pci_dev *hb;

	KUNIT_ASSERT_LT(test, t->nhost, MAX_HOSTS);
	host = pci_alloc_host_bridge(0);
	KUNIT_ASSERT_NOT_NULL(test, host);
	t->next_busnr = t->nhost * 0x40;
	t->host[t->nhost++] = host;
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

/* A device at @devfn on @bus of PCIe type @type, without ACS. */
static struct pci_dev *topo_dev(struct kunit *test, struct pci_bus *bus,
				unsigned int devfn, int type)
{
	struct topo *t = test->priv;
	struct pci_dev *pdev = pci_alloc_dev(bus);

	KUNIT_ASSERT_NOT_NULL(test, pdev);
	KUNIT_ASSERT_LT(test, t->ndev, MAX_DEVS);
	device_initialize(&pdev->dev);
	pdev->dev.release = fake_pci_release;
	pdev->devfn = devfn;
	pdev->vendor = 0x1b36;
	pdev->device = 0x0001;
	pdev->pcie_cap = 0x40;
	pdev->pcie_flags_reg = type << 4;
	pdev->dev.bus = &pci_bus_type;
	pdev->dev.parent = bus->self ? &bus->self->dev : NULL;
	KUNIT_ASSERT_EQ(test, dev_set_name(&pdev->dev, "%04x:%02x:%02x.%d", t->sd.domain,
					   bus->number, PCI_SLOT(devfn), PCI_FUNC(devfn)), 0);
	list_add_tail(&pdev->bus_list, &bus->devices);
	t->dev[t->ndev++] = pdev;
	return pdev;
}

/*
 * A root or downstream port (@type) at @slot.0 on @bus, with an ACS
 * capability whose control register holds @acs; its secondary bus in *@sub.
 */
static struct pci_dev *topo_port(struct kunit *test, struct pci_bus *bus, int slot,
				 int type, u16 acs, struct pci_bus **sub)
{
	struct topo *t = test->priv;
	struct pci_dev *port = topo_dev(test, bus, PCI_DEVFN(slot, 0), type);

	port->acs_cap = 0x100;
	t->acs[t->ndev - 1] = acs;
	*sub = topo_bus(test, bus, port);
	return port;
}

/* A switch's upstream port at 00.0 on @bus; the switch's internal bus in *@sub. */
static struct pci_dev *topo_upstream(struct kunit *test, struct pci_bus *bus,
				     struct pci_bus **sub)
{
	struct pci_dev *port = topo_dev(test, bus, PCI_DEVFN(0, 0), PCI_EXP_TYPE_UPSTREAM);

	*sub = topo_bus(test, bus, port);
	return port;
}

/* Function @fn of the endpoint at @slot on @bus. */
static struct pci_dev *topo_endpoint(struct kunit *test, struct pci_bus *bus, int slot,
				     int fn)
{
	return topo_dev(test, bus, PCI_DEVFN(slot, fn), PCI_EXP_TYPE_ENDPOINT);
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
	for (i = 0; i < t->nhost; i++)
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
 * A new host bridge (ID @hb) -- root port (ACS @rp_acs) -- switch: upstream
 * port, two downstream ports (ACS @dsp0_acs, @dsp1_acs), an endpoint below
 * each.
 */
struct sw {
	struct pci_dev *rp, *usp, *dsp[2], *ep[2];
};

static void build_switch(struct kunit *test, u16 hb, u16 rp_acs, u16 dsp0_acs,
			 u16 dsp1_acs, struct sw *sw)
{
	struct pci_bus *root = topo_host(test, hb), *b1, *b2, *b3, *b4;

	sw->rp = topo_port(test, root, 1, PCI_EXP_TYPE_ROOT_PORT, rp_acs, &b1);
	sw->usp = topo_upstream(test, b1, &b2);
	sw->dsp[0] = topo_port(test, b2, 0, PCI_EXP_TYPE_DOWNSTREAM, dsp0_acs, &b3);
	sw->dsp[1] = topo_port(test, b2, 1, PCI_EXP_TYPE_DOWNSTREAM, dsp1_acs, &b4);
	sw->ep[0] = topo_endpoint(test, b3, 0, 0);
	sw->ep[1] = topo_endpoint(test, b4, 0, 0);
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
	struct pci_bus *root = topo_host(test, HB_UNLISTED), *b[8];
	struct pci_dev *a, *b_dev, *c;

	topo_port(test, root, 1, PCI_EXP_TYPE_ROOT_PORT, 0, &b[0]);
	topo_upstream(test, b[0], &b[1]);
	topo_port(test, b[1], 0, PCI_EXP_TYPE_DOWNSTREAM, 0, &b[2]);
	topo_port(test, b[1], 1, PCI_EXP_TYPE_DOWNSTREAM, 0, &b[3]);
	/* The inner switch hangs below the outer one's first port. */
	topo_upstream(test, b[2], &b[4]);
	topo_port(test, b[4], 0, PCI_EXP_TYPE_DOWNSTREAM, 0, &b[5]);
	topo_port(test, b[4], 1, PCI_EXP_TYPE_DOWNSTREAM, 0, &b[6]);
	a = topo_endpoint(test, b[5], 0, 0);
	b_dev = topo_endpoint(test, b[6], 0, 0);
	c = topo_endpoint(test, b[3], 0, 0);

	expect_route(test, a, b_dev, PCI_P2PDMA_MAP_BUS_ADDR, 4);
	/* a: 3 links up to the outer upstream port... c: 2 links. */
	expect_route(test, a, c, PCI_P2PDMA_MAP_BUS_ADDR, 6);
	expect_route(test, c, a, PCI_P2PDMA_MAP_BUS_ADDR, 6);
}

static void multi_function_device(struct kunit *test)
{
	struct pci_bus *root = topo_host(test, HB_UNLISTED), *b1;
	struct pci_dev *f0, *f1;

	topo_port(test, root, 1, PCI_EXP_TYPE_ROOT_PORT, 0, &b1);
	f0 = topo_endpoint(test, b1, 0, 0);
	f1 = topo_endpoint(test, b1, 0, 1);
	expect_route(test, f0, f1, PCI_P2PDMA_MAP_BUS_ADDR, 2);
}

/* Two endpoints, each below a root port of its own. */
struct rp_pair {
	struct pci_dev *a, *b;
};

/*
 * A root port (ACS control @acs) on each of root buses @r0 and @r1, which
 * may be one bus, and an endpoint below each.
 */
static struct rp_pair root_port_pair(struct kunit *test, struct pci_bus *r0,
				     struct pci_bus *r1, u16 acs)
{
	struct pci_bus *b0, *b1;
	struct rp_pair pair;

	topo_port(test, r0, 1, PCI_EXP_TYPE_ROOT_PORT, acs, &b0);
	topo_port(test, r1, 2, PCI_EXP_TYPE_ROOT_PORT, acs, &b1);
	pair.a = topo_endpoint(test, b0, 0, 0);
	pair.b = topo_endpoint(test, b1, 0, 0);
	return pair;
}

/* What 6.1's allow-list says of the host bridge IDs above. */
static const char *hb_listing(u16 hb)
{
	switch (hb) {
	case HB_ALLOWED:
		return "allow-listed";
	case HB_SAME_ONLY:
		return "listed for itself";
	default:
		return "unlisted";
	}
}

/* Two root ports of host bridge @hb: the pair meets at the host bridge. */
struct root_ports_param {
	u16 hb;
	bool allowed;		/* THRU_HOST_BRIDGE on any CPU */
};

static const struct root_ports_param root_ports_params[] = {
	{ HB_UNLISTED, false },
	{ HB_ALLOWED, true },
	{ HB_SAME_ONLY, true },
};

static void root_ports_desc(const struct root_ports_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%04x:%04x %s", PCI_VENDOR_ID_INTEL, p->hb,
		 hb_listing(p->hb));
}

KUNIT_ARRAY_PARAM(root_ports, root_ports_params, root_ports_desc);

static void two_root_ports(struct kunit *test)
{
	const struct root_ports_param *p = test->param_value;
	struct pci_bus *root = topo_host(test, p->hb);
	struct rp_pair pair = root_port_pair(test, root, root, 0);

	expect_route(test, pair.a, pair.b, thru_or_refused(p->allowed), 4);
}

/* Host bridges @hb[0] and @hb[1]: the pair crosses from one to the other. */
struct host_bridges_param {
	u16 hb[2];
	bool allowed;		/* THRU_HOST_BRIDGE on any CPU */
};

static const struct host_bridges_param host_bridges_params[] = {
	{ { HB_ALLOWED, HB_ALLOWED }, true },
	{ { HB_ALLOWED, HB_UNLISTED }, false },
	/* Listed only for traffic within one host bridge. */
	{ { HB_SAME_ONLY, HB_SAME_ONLY }, false },
};

static void host_bridges_desc(const struct host_bridges_param *p, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%04x:%04x %s to %04x:%04x %s",
		 PCI_VENDOR_ID_INTEL, p->hb[0], hb_listing(p->hb[0]),
		 PCI_VENDOR_ID_INTEL, p->hb[1], hb_listing(p->hb[1]));
}

KUNIT_ARRAY_PARAM(host_bridges, host_bridges_params, host_bridges_desc);

static void two_host_bridges(struct kunit *test)
{
	const struct host_bridges_param *p = test->param_value;
	struct pci_bus *r0 = topo_host(test, p->hb[0]);
	struct pci_bus *r1 = topo_host(test, p->hb[1]);
	struct rp_pair pair = root_port_pair(test, r0, r1, 0);

	expect_route(test, pair.a, pair.b, thru_or_refused(p->allowed), 4);
}

/* One ACS redirect bit, named as lspci and the explanation name it. */
struct acs_param {
	u16 bit;
	const char *name;
};

static const struct acs_param acs_params[] = {
	{ PCI_ACS_RR, "ReqRedir" },
	{ PCI_ACS_CR, "CmpltRedir" },
	{ PCI_ACS_EC, "EgressCtrl" },
};

static void acs_desc(const struct acs_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(acs, acs_params, acs_desc);

/*
 * A redirect bit on either downstream port of a switch sends the pair's
 * traffic up to the host bridge: through it if the host bridge is
 * allow-listed, else as this CPU allows. One switch below each kind.
 */
static void acs_bit_on_provider_side(struct kunit *test)
{
	const struct acs_param *p = test->param_value;
	struct sw q35, listed;

	/* Source Validation alone never redirects. */
	build_switch(test, HB_UNLISTED, 0, p->bit | PCI_ACS_SV, PCI_ACS_SV, &q35);
	build_switch(test, HB_ALLOWED, 0, p->bit, 0, &listed);
	expect_route(test, q35.ep[0], q35.ep[1], thru_or_refused(false), 4);
	expect_route(test, listed.ep[0], listed.ep[1], PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
}

static void acs_bit_on_client_side(struct kunit *test)
{
	const struct acs_param *p = test->param_value;
	struct sw q35, listed;

	build_switch(test, HB_UNLISTED, 0, 0, p->bit, &q35);
	build_switch(test, HB_ALLOWED, 0, 0, p->bit, &listed);
	expect_route(test, q35.ep[0], q35.ep[1], thru_or_refused(false), 4);
	expect_route(test, listed.ep[0], listed.ep[1], PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, 4);
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
	struct pci_bus *root = topo_host(test, HB_UNLISTED);
	struct rp_pair pair;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	pair = root_port_pair(test, root, root, PCI_ACS_RR | PCI_ACS_SV);
	/* The explanation is many lines: not in the messages, which KTAP keeps to one. */
	explain(pair.a, &pair.b->dev, buf, PAGE_SIZE);
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
	KUNIT_CASE_PARAM(two_root_ports, root_ports_gen_params),
	KUNIT_CASE_PARAM(two_host_bridges, host_bridges_gen_params),
	KUNIT_CASE_PARAM(acs_bit_on_provider_side, acs_gen_params),
	KUNIT_CASE_PARAM(acs_bit_on_client_side, acs_gen_params),
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
