// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest audit: the IOMMU state, every bridge with an ACS redirect
 * enabled, and the endpoint pairs each one affects.
 */
#include "p2ptest.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--fixture FILE] audit [--all] [--json]\n"
		"\n"
		"The IOMMU state (per IOMMU group), every bridge with an ACS redirect\n"
		"enabled, and the endpoint pairs (storage, network, display, accelerators;\n"
		"--all: every endpoint) whose route each one changes. Needs root on a live\n"
		"machine.\n", prog);
}

/* The IOMMU groups: type and devices of each. */
static struct json_object *groups_json(struct model *m)
{
	struct json_object *groups = json_object_new_object();
	int i;

	for (i = 0; i < m->ndev; i++) {
		struct dev *d = &m->devs[i];
		struct json_object *g;

		if (!d->iommu_group[0])
			continue;
		if (!json_object_object_get_ex(groups, d->iommu_group, &g)) {
			g = json_object_new_object();
			json_object_object_add(g, "type", json_object_new_string(d->iommu_type));
			json_object_object_add(g, "devices", json_object_new_array());
			json_object_object_add(groups, d->iommu_group, g);
		}
		json_object_array_add(json_object_object_get(g, "devices"),
				      json_object_new_string(d->name));
	}
	return groups;
}

/* The endpoint pairs whose route bridge @br redirects: "A B VERDICT" each. */
static struct json_object *affected_json(struct model *m, struct dev *br, bool all)
{
	struct json_object *pairs = json_object_new_array();
	char buf[64];
	int j, k, n;

	for (j = 0; j < m->ndev; j++)
		for (k = j + 1; k < m->ndev; k++) {
			struct dev *x = &m->devs[j], *y = &m->devs[k];
			struct route r;

			if (x->hdr_type || y->hdr_type ||
			    (!all && (!dev_is_default_class(x) || !dev_is_default_class(y))))
				continue;
			route_decide(m, x, y, &r);
			for (n = 0; n < r.nredir; n++)
				if (r.redirecting[n] == br) {
					snprintf(buf, sizeof(buf), "%s %s %s", x->name, y->name,
						 verdict_name(r.verdict));
					json_object_array_add(pairs, json_object_new_string(buf));
				}
		}
	return pairs;
}

static struct json_object *audit_json(struct model *m, bool all)
{
	struct json_object *o = json_object_new_object(), *bridges = json_object_new_array();
	char buf[160];
	int i;

	for (i = 0; i < m->ndev; i++) {
		struct dev *br = &m->devs[i];
		struct json_object *b;

		if (!acs_redirects(br))
			continue;
		b = json_object_new_object();
		json_object_object_add(b, "name", json_object_new_string(br->name));
		json_object_object_add(b, "type",
				       json_object_new_string(pcie_type_name(br->pcie_type)));
		acs_decode(br->acs_ctrl, buf, sizeof(buf));
		json_object_object_add(b, "ACSCtl", json_object_new_string(buf));
		json_object_object_add(b, "affects", affected_json(m, br, all));
		json_object_array_add(bridges, b);
	}
	json_object_object_add(o, "iommu", json_object_new_string(m->host.iommu));
	json_object_object_add(o, "iommu_groups", groups_json(m));
	json_object_object_add(o, "acs_redirect", bridges);
	return o;
}

static void print_audit(struct json_object *o, bool all)
{
	struct json_object *groups = json_object_object_get(o, "iommu_groups");
	struct json_object *bridges = json_object_object_get(o, "acs_redirect");
	size_t i, j;

	printf("IOMMU: %s\n", json_str(o, "iommu"));
	json_object_object_foreach(groups, name, g) {
		struct json_object *devs = json_object_object_get(g, "devices");

		printf("  group %-4s %-10s", name, json_str(g, "type"));
		for (i = 0; i < json_object_array_length(devs); i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(devs, i)));
		printf("\n");
	}
	printf("\nbridges with ACS redirect enabled: %d\n", (int)json_object_array_length(bridges));
	for (i = 0; i < json_object_array_length(bridges); i++) {
		struct json_object *b = json_object_array_get_idx(bridges, i);
		struct json_object *pairs = json_object_object_get(b, "affects");

		printf("  %s (%s)\n      ACSCtl:\t%s\n", json_str(b, "name"), json_str(b, "type"),
		       json_str(b, "ACSCtl"));
		if (!json_object_array_length(pairs))
			printf("      affects no endpoint pair%s\n",
			       all ? "" : " of the default classes (--all for every endpoint)");
		for (j = 0; j < json_object_array_length(pairs); j++)
			printf("      affects %s\n",
			       json_object_get_string(json_object_array_get_idx(pairs, j)));
	}
}

static int audit(struct model *m, const struct args *args, struct output *out)
{
	bool all = args->opt['a'];

	need_root(m, "audit");
	out->doc = audit_json(m, all);
	if (!out->json)
		print_audit(out->doc, all);
	return 0;
}

const struct cmd cmd_audit = {
	"audit", "IOMMU state, bridges with ACS redirect, the pairs they affect", usage, audit,
	.opts = { { "all", no_argument, NULL, 'a' } },
};
