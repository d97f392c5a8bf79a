// SPDX-License-Identifier: GPL-2.0
/*
 * The P2PDMA routing engine: can a client reach a provider's BAR with
 * peer-to-peer TLPs, and how must the client address it?
 *
 * A TLP from the client climbs the PCIe tree to the first bridge that is
 * also above the provider (the common upstream bridge) and comes back
 * down. It stays below the host bridge, and the client programs PCI bus
 * addresses (PCI_P2PDMA_MAP_BUS_ADDR), when there is such a bridge and no
 * device on the way has an ACS redirect enabled (P2P Request Redirect,
 * P2P Completion Redirect or P2P Egress Control), which would send the
 * TLP up to the root complex instead. Otherwise the TLP crosses the host
 * bridge: allowed (PCI_P2PDMA_MAP_THRU_HOST_BRIDGE, mapped through the
 * DMA API) for host bridges known to forward peer-to-peer traffic and on
 * AMD Zen CPUs, refused (PCI_P2PDMA_MAP_NOT_SUPPORTED) elsewhere.
 *
 * The distance counts the links crossed: 0 within one function, 2 between
 * two functions of a device, 4 through one switch; without a common bridge,
 * the number of devices from each end up to its root bus, added.
 *
 * p2pdma_route_calc() decides; given a seq_buf it also writes down why, in
 * the line format of Documentation/PCI/p2pdma-routing.rst. It reads the
 * ACS control registers every time: remembering verdicts is cache.c's job.
 * No references are taken on the bridges walked: the callers hold the two
 * end devices, and a device holds its upstream bridge.
 */
#define pr_fmt(fmt) "p2pdma: " fmt

#include <linux/pci.h>
#include <linux/seq_buf.h>
#include <kunit/visibility.h>

#include "p2pdma.h"

#define ACS_REDIRECT	(PCI_ACS_RR | PCI_ACS_CR | PCI_ACS_EC)

static const char * const map_names[] = {
	[PCI_P2PDMA_MAP_UNKNOWN] = "UNKNOWN",
	[PCI_P2PDMA_MAP_NONE] = "NONE",
	[PCI_P2PDMA_MAP_NOT_SUPPORTED] = "NOT_SUPPORTED",
	[PCI_P2PDMA_MAP_BUS_ADDR] = "BUS_ADDR",
	[PCI_P2PDMA_MAP_THRU_HOST_BRIDGE] = "THRU_HOST_BRIDGE",
};

/**
 * p2pdma_map_name() - the name of a map type, as the explanation prints it
 * @map: the map type
 */
const char *p2pdma_map_name(enum pci_p2pdma_map_type map)
{
	return map < ARRAY_SIZE(map_names) ? map_names[map] : "INVALID";
}
EXPORT_SYMBOL_IF_KUNIT(p2pdma_map_name);

/**
 * p2pdma_cpu_supports_p2p() - whether the CPU's root complex forwards P2P
 *
 * AMD's Zen and later do between all their root ports.
 */
bool p2pdma_cpu_supports_p2p(void)
{
#ifdef CONFIG_X86
	struct cpuinfo_x86 *c = &cpu_data(0);

	return c->x86_vendor == X86_VENDOR_AMD && c->x86 >= 0x17;
#else
	return false;
#endif
}
EXPORT_SYMBOL_IF_KUNIT(p2pdma_cpu_supports_p2p);

/* The ACS redirect bits enabled on @pdev, and its whole control word. */
static u16 acs_redirect(struct pci_dev *pdev, u16 *ctrl)
{
	*ctrl = 0;
	if (!pdev->acs_cap)
		return 0;
	pci_read_config_word(pdev, pdev->acs_cap + PCI_ACS_CTRL, ctrl);
	return *ctrl & ACS_REDIRECT;
}

/*
 * The first of @a and the bridges above it that is @b or above @b. *da and
 * *db count the links from @a and from @b up to it; when there is none,
 * the devices from each up to its root bus.
 */
static struct pci_dev *common_upstream(struct pci_dev *a, struct pci_dev *b,
				       int *da, int *db)
{
	struct pci_dev *up, *bb;

	*da = 0;
	*db = 0;
	for (up = a; up; up = pci_upstream_bridge(up), (*da)++) {
		*db = 0;
		for (bb = b; bb; bb = pci_upstream_bridge(bb), (*db)++)
			if (bb == up)
				return up;
	}
	return NULL;
}

static const struct {
	u16 bit;
	const char *name;
} acs_bits[] = {
	{ PCI_ACS_RR, "ReqRedir" },
	{ PCI_ACS_CR, "CmpltRedir" },
	{ PCI_ACS_EC, "EgressCtrl" },
};

/* Note one device of the path; return whether it redirects. */
static bool explain_hop(struct seq_buf *why, struct pci_dev *pdev, const char *role)
{
	u16 ctrl, redir = acs_redirect(pdev, &ctrl);
	const char *sep = "";
	int i;

	if (!why)
		return redir;
	seq_buf_printf(why, "hop %s %s", pci_name(pdev), role);
	if (!pdev->acs_cap) {
		seq_buf_puts(why, " acs=none redirect=-\n");
		return false;
	}
	seq_buf_printf(why, " acs=%#06x redirect=%s", ctrl, redir ? "" : "-");
	for (i = 0; i < ARRAY_SIZE(acs_bits); i++) {
		if (ctrl & acs_bits[i].bit) {
			seq_buf_printf(why, "%s%s", sep, acs_bits[i].name);
			sep = ",";
		}
	}
	seq_buf_putc(why, '\n');
	return redir;
}

/*
 * The device that stands for a host bridge in the allow-list: the first
 * device of its root bus, if that is 00.0 or a root port (some platforms
 * have no 00.0 host bridge device). Does not sleep: the caller holds a
 * device below the host bridge, so the list head cannot go away.
 */
static struct pci_dev *host_bridge_root(struct pci_host_bridge *host)
{
	struct pci_dev *root = list_first_entry_or_null(&host->bus->devices,
							struct pci_dev, bus_list);

	if (root && (root->devfn == PCI_DEVFN(0, 0) ||
		     pci_pcie_type(root) == PCI_EXP_TYPE_ROOT_PORT))
		return root;
	return NULL;
}

static bool host_bridge_line(struct seq_buf *why, struct pci_host_bridge *host,
			     bool same)
{
	struct pci_dev *root = host_bridge_root(host);
	bool allowed = root && p2pdma_host_bridge_allowed(root, same);

	if (!why)
		return allowed;
	if (root)
		seq_buf_printf(why, "host_bridge %s root=%s id=%04x:%04x allowlisted=%s\n",
			       dev_name(&host->dev), pci_name(root), root->vendor,
			       root->device, allowed ? "yes" : "no");
	else
		seq_buf_printf(why, "host_bridge %s root=none id=none allowlisted=no\n",
			       dev_name(&host->dev));
	return allowed;
}

/* Whether the host bridge(s) above @a and @b forward P2P between them. */
static bool host_bridges_allow(struct seq_buf *why, struct pci_dev *a,
			       struct pci_dev *b)
{
	struct pci_host_bridge *ha = pci_find_host_bridge(a->bus);
	struct pci_host_bridge *hb = pci_find_host_bridge(b->bus);
	bool ok;

	if (ha == hb)
		return host_bridge_line(why, ha, true);
	/* Both lines are written, whatever the first says. */
	ok = host_bridge_line(why, ha, false);
	return host_bridge_line(why, hb, false) && ok;
}

/* "fix" lines: the kernel parameter that stops the redirects found. */
static void fix_acs(struct seq_buf *why, struct pci_dev *provider,
		    struct pci_dev *client, struct pci_dev *common)
{
	struct pci_dev *up;
	const char *sep = "";
	u16 ctrl;

	seq_buf_puts(why, "fix pci=disable_acs_redir=");
	for (up = provider; up; up = pci_upstream_bridge(up)) {
		if (acs_redirect(up, &ctrl)) {
			seq_buf_printf(why, "%s%s", sep, pci_name(up));
			sep = ";";
		}
		if (up == common)
			break;
	}
	for (up = client; up != common; up = pci_upstream_bridge(up)) {
		if (acs_redirect(up, &ctrl)) {
			seq_buf_printf(why, "%s%s", sep, pci_name(up));
			sep = ";";
		}
	}
	seq_buf_putc(why, '\n');
}

static void fix_allowlist(struct seq_buf *why, struct pci_dev *a,
			  struct pci_dev *b)
{
	struct pci_dev *ra = host_bridge_root(pci_find_host_bridge(a->bus));
	struct pci_dev *rb = host_bridge_root(pci_find_host_bridge(b->bus));

	if (!ra || !rb)
		return;
	seq_buf_printf(why, "fix p2pdma.host_bridge_allowlist=%04x:%04x",
		       ra->vendor, ra->device);
	if (ra->vendor != rb->vendor || ra->device != rb->device)
		seq_buf_printf(why, ",%04x:%04x", rb->vendor, rb->device);
	seq_buf_puts(why, " (only for host bridges known to forward peer-to-peer TLPs)\n");
}

/**
 * p2pdma_route_calc() - decide how @client reaches @provider's memory
 * @provider: the PCI device whose BAR is the target
 * @client: the PCI device that does the DMA
 * @dist: the distance, set even when the verdict is NOT_SUPPORTED
 * @why: NULL, or where the explanation lines are appended
 *
 * Never cached, never sleeps. The caller holds references on both devices.
 *
 * Return: PCI_P2PDMA_MAP_BUS_ADDR, PCI_P2PDMA_MAP_THRU_HOST_BRIDGE or
 * PCI_P2PDMA_MAP_NOT_SUPPORTED.
 */
enum pci_p2pdma_map_type p2pdma_route_calc(struct pci_dev *provider,
					   struct pci_dev *client, int *dist,
					   struct seq_buf *why)
{
	enum pci_p2pdma_map_type map;
	bool redirected = false, allowed, cpu;
	struct pci_dev *common, *up;
	int da, db;

	common = common_upstream(provider, client, &da, &db);
	*dist = da + db;

	/*
	 * ACS counts from the provider up to and including the common bridge,
	 * and from the client up to, not including, it. Without a common
	 * bridge the TLP crosses the host bridge whatever ACS says; the client
	 * side is still listed for the explanation.
	 */
	for (up = provider; up; up = pci_upstream_bridge(up)) {
		if (explain_hop(why, up, up == provider ? "provider" :
				up == common ? "common" : "bridge") && common)
			redirected = true;
		if (up == common)
			break;
	}
	for (up = client; up && up != common; up = pci_upstream_bridge(up))
		if (explain_hop(why, up, up == client ? "client" : "bridge") && common)
			redirected = true;
	if (why)
		seq_buf_printf(why, "common %s\n", common ? pci_name(common) : "none");

	allowed = host_bridges_allow(why, provider, client);
	cpu = p2pdma_cpu_supports_p2p();
	if (common && !redirected)
		map = PCI_P2PDMA_MAP_BUS_ADDR;
	else if (allowed || cpu)
		map = PCI_P2PDMA_MAP_THRU_HOST_BRIDGE;
	else
		map = PCI_P2PDMA_MAP_NOT_SUPPORTED;
	if (!why)
		return map;

	seq_buf_printf(why, "cpu_forwards_p2p %s\n", cpu ? "yes" : "no");
	seq_buf_printf(why, "distance %d\nverdict %s\nreason ", *dist,
		       p2pdma_map_name(map));
	if (common && !redirected)
		seq_buf_printf(why,
			       "common upstream bridge %s and no ACS redirect on the path: TLPs stay below it\n",
			       pci_name(common));
	else if (common)
		seq_buf_printf(why,
			       "ACS redirect on the path sends TLPs up to the host bridge, which %s\n",
			       allowed ? "is allow-listed" : cpu ? "the CPU forwards" :
			       "is not allow-listed");
	else
		seq_buf_printf(why,
			       "no common upstream bridge: TLPs cross the host bridge, which %s\n",
			       allowed ? "is allow-listed" : cpu ? "the CPU forwards" :
			       "is not allow-listed");
	if (redirected)
		fix_acs(why, provider, client, common);
	if (map == PCI_P2PDMA_MAP_NOT_SUPPORTED)
		fix_allowlist(why, provider, client);
	return map;
}
EXPORT_SYMBOL_IF_KUNIT(p2pdma_route_calc);

/**
 * p2pdma_client_pci_dev() - the PCI device that does a client's DMA
 * @dev: the client
 *
 * Return: @dev or its nearest PCI ancestor, with a reference taken; NULL
 * if there is none.
 */
struct pci_dev *p2pdma_client_pci_dev(struct device *dev)
{
	struct device *parent;

	for (dev = get_device(dev); dev; dev = parent) {
		if (dev_is_pci(dev))
			return to_pci_dev(dev);
		parent = get_device(dev->parent);
		put_device(dev);
	}
	return NULL;
}

/**
 * p2pdma_explain() - write the whole explanation of a routing decision
 * @provider: the PCI device whose BAR is the target
 * @client: the device that does the DMA (a PCI device or below one)
 * @out: where the lines go
 *
 * The format is Documentation/PCI/p2pdma-routing.rst's, version 1.
 */
void p2pdma_explain(struct pci_dev *provider, struct device *client,
		    struct seq_buf *out)
{
	struct pci_dev *pclient = p2pdma_client_pci_dev(client);
	int dist;

	seq_buf_printf(out, "p2pdma-route 1\nprovider %s\n", pci_name(provider));
	if (!pclient) {
		seq_buf_printf(out, "client %s pci=none\ndistance -1\nverdict %s\n",
			       dev_name(client),
			       p2pdma_map_name(PCI_P2PDMA_MAP_NOT_SUPPORTED));
		seq_buf_puts(out, "reason the client is not a PCI device and has no PCI parent\n");
		return;
	}
	seq_buf_printf(out, "client %s pci=%s\n", dev_name(client), pci_name(pclient));
	p2pdma_route_calc(provider, pclient, &dist, out);
	pci_dev_put(pclient);
}
EXPORT_SYMBOL_IF_KUNIT(p2pdma_explain);
