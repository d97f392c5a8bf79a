// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest topo: the pairwise matrix of PCI endpoints, like nvidia-smi
 * topo -m: how each pair is linked and the P2P verdict, with NUMA node and
 * IOMMU group per device; or the tree as Graphviz (--dot).
 */
#include <stdlib.h>
#include <string.h>

#include "p2ptest.h"

static const char *const legend[][2] = {
	{ "X", "the same device" },
	{ "PIX", "through at most one PCIe switch, below the host bridge" },
	{ "PXB", "through several PCIe switches or bridges, below the host bridge" },
	{ "PHB", "through a PCIe host bridge (the root complex)" },
	{ "NODE", "across PCIe host bridges within one NUMA node" },
	{ "SYS", "across NUMA nodes (the SMP interconnect)" },
};

static const char *const verdict_legend[][2] = {
	{ "BUS", "BUS_ADDR: peers use PCI bus addresses, traffic stays below the host bridge" },
	{ "HB", "THRU_HOST_BRIDGE: allowed through the host bridge, mapped by the DMA API" },
	{ "no", "NOT_SUPPORTED: refused (see p2ptest explain A B)" },
	{ "?", "unknown: ACS is unreadable without root" },
};

static const char *short_verdict(const struct route *r, bool known)
{
	static const char * const s[] = { "BUS", "HB", "no" };

	return known ? s[r->verdict] : "?";
}

/* ACS is known on every device of the path. */
static bool route_known(const struct route *r)
{
	int i;

	for (i = 0; i < r->npath; i++)
		if (!r->path[i]->acs_known)
			return false;
	return true;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--fixture FILE] topo [--all] [--json | --dot]\n"
		"\n"
		"The matrix of PCI endpoints (storage, network, display and accelerator\n"
		"classes; --all: every endpoint): how each pair is linked (X, PIX, PXB,\n"
		"PHB, NODE, SYS) and the P2P verdict, with NUMA node, IOMMU group and\n"
		"driver per device.\n"
		"\n"
		"--dot writes the PCI tree as Graphviz, each pair an edge coloured by its\n"
		"verdict (green BUS_ADDR, orange THRU_HOST_BRIDGE, red NOT_SUPPORTED);\n"
		"render it with: %s topo --dot | dot -Tsvg > topo.svg\n", prog, prog);
}

static void print_dot(struct model *m, struct dev **ep, int n)
{
	static const char * const colour[] = { "green4", "orange", "red" };
	struct route r;
	int i, j;

	printf("graph p2p {\n\trankdir=TB;\n\tnode [shape=box, fontname=\"monospace\"];\n");
	for (i = 0; i < m->ndev; i++) {
		struct dev *d = &m->devs[i];
		char desc[160];

		printf("\t\"%s\" [label=\"%s\\n%s\"%s];\n", d->name, d->name,
		       dev_describe(m, d, desc, sizeof(desc)),
		       d->hdr_type == PCI_HEADER_TYPE_BRIDGE ? ", style=rounded" : "");
		if (d->up)
			printf("\t\"%s\" -- \"%s\";\n", d->up->name, d->name);
		else
			printf("\t\"host %04x:%02x\" -- \"%s\";\n", d->pd->domain, d->root_bus,
			       d->name);
	}
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++) {
			route_decide(m, ep[i], ep[j], &r);
			printf("\t\"%s\" -- \"%s\" [style=dashed, constraint=false, color=%s, label=\"%s\"];\n",
			       ep[i]->name, ep[j]->name,
			       route_known(&r) ? colour[r.verdict] : "gray",
			       route_known(&r) ? verdict_name(r.verdict) : "unknown");
		}
	printf("}\n");
}

static struct json_object *topo_json(struct model *m, struct dev **ep, int n)
{
	struct json_object *o = json_object_new_object(), *devs = json_object_new_array();
	struct json_object *pairs = json_object_new_array(), *leg = json_object_new_object();
	struct route r;
	char desc[160];
	int i, j;

	for (i = 0; i < n; i++) {
		struct json_object *d = json_object_new_object();

		json_object_object_add(d, "name", json_object_new_string(ep[i]->name));
		json_object_object_add(d, "device",
				       json_object_new_string(dev_describe(m, ep[i], desc,
									   sizeof(desc))));
		json_object_object_add(d, "class", json_object_new_int((int)ep[i]->class));
		json_object_object_add(d, "numa", json_object_new_int(ep[i]->numa));
		json_object_object_add(d, "iommu_group",
				       json_object_new_string(ep[i]->iommu_group));
		json_object_object_add(d, "driver", json_object_new_string(ep[i]->driver));
		json_object_array_add(devs, d);
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			struct json_object *p = json_object_new_object();

			route_decide(m, ep[i], ep[j], &r);
			json_object_object_add(p, "provider", json_object_new_string(ep[i]->name));
			json_object_object_add(p, "client", json_object_new_string(ep[j]->name));
			json_object_object_add(p, "link", json_object_new_string(link_name(r.link)));
			json_object_object_add(p, "verdict",
					       route_known(&r) ?
					       json_object_new_string(verdict_name(r.verdict)) :
					       NULL);
			json_object_object_add(p, "distance", json_object_new_int(r.distance));
			json_object_array_add(pairs, p);
		}
	for (i = 0; i < (int)(sizeof(legend) / sizeof(legend[0])); i++)
		json_object_object_add(leg, legend[i][0], json_object_new_string(legend[i][1]));
	json_object_object_add(o, "iommu", json_object_new_string(m->host.iommu));
	json_object_object_add(o, "devices", devs);
	json_object_object_add(o, "pairs", pairs);
	json_object_object_add(o, "legend", leg);
	return o;
}

static void print_matrix(struct model *m, struct dev **ep, int n)
{
	struct route r;
	char desc[160];
	int i, j;

	printf("%-13s", "link");
	for (j = 0; j < n; j++)
		printf(" %-8.8s", ep[j]->name + 5);
	printf("  %-4s %-6s %s\n", "NUMA", "IOMMU", "device");
	for (i = 0; i < n; i++) {
		printf("%-13s", ep[i]->name);
		for (j = 0; j < n; j++) {
			route_decide(m, ep[i], ep[j], &r);
			printf(" %-8s", link_name(r.link));
		}
		printf("  %-4d %-6s %s%s%s%s\n", ep[i]->numa,
		       ep[i]->iommu_group[0] ? ep[i]->iommu_group : "-",
		       dev_describe(m, ep[i], desc, sizeof(desc)),
		       ep[i]->driver[0] ? " (" : "", ep[i]->driver, ep[i]->driver[0] ? ")" : "");
	}
	printf("\n%-13s", "verdict");
	for (j = 0; j < n; j++)
		printf(" %-8.8s", ep[j]->name + 5);
	printf("   (row: provider, column: client)\n");
	for (i = 0; i < n; i++) {
		printf("%-13s", ep[i]->name);
		for (j = 0; j < n; j++) {
			route_decide(m, ep[i], ep[j], &r);
			printf(" %-8s", short_verdict(&r, route_known(&r)));
		}
		printf("\n");
	}
	printf("\nIOMMU: %s\n\nLegend:\n", m->host.iommu);
	for (i = 0; i < (int)(sizeof(legend) / sizeof(legend[0])); i++)
		printf("  %-4s = %s\n", legend[i][0], legend[i][1]);
	for (i = 0; i < (int)(sizeof(verdict_legend) / sizeof(verdict_legend[0])); i++)
		printf("  %-4s = %s\n", verdict_legend[i][0], verdict_legend[i][1]);
}

static int topo(struct model *m, const struct args *args, struct output *out)
{
	bool all = args->opt['a'], dot = args->opt['d'];
	struct dev **ep;
	int i, n = 0;

	if (dot && out->json) {
		usage(stderr);
		return 2;
	}
	ep = calloc(m->ndev ? m->ndev : 1, sizeof(*ep));
	if (!ep)
		return 1;
	for (i = 0; i < m->ndev; i++)
		if (m->devs[i].hdr_type == PCI_HEADER_TYPE_NORMAL &&
		    (all || dev_is_default_class(&m->devs[i])))
			ep[n++] = &m->devs[i];
	if (dot)
		print_dot(m, ep, n);
	else if (out->json)
		out->doc = topo_json(m, ep, n);
	else if (!n)
		printf("no %sPCI endpoints%s\n", all ? "" : "storage, network, display or accelerator ",
		       all ? "" : " (--all shows every endpoint)");
	else
		print_matrix(m, ep, n);
	free(ep);
	return 0;
}

const struct cmd cmd_topo = {
	"topo", "matrix of PCI endpoints: link class and P2P verdict per pair", usage, topo,
	.opts = { { "all", no_argument, NULL, 'a' }, { "dot", no_argument, NULL, 'd' } },
};
