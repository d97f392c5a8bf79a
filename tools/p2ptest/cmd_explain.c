// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest explain A B: the path from provider A to client B bridge by
 * bridge, ACS decoded as lspci -vvv prints it, the common upstream
 * bridge, the host bridge and its allow-list status, the IOMMU mode, the
 * verdict, the distance, the reason and the exact fix; next to it the
 * running kernel's own verdict, with any disagreement flagged.
 *
 * p2ptest audit: the IOMMU state, every bridge with an ACS redirect
 * enabled, and the endpoint pairs each one affects.
 */
#include <errno.h>
#include <stdlib.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

#include "p2ptest.h"

#define ACS_REDIRECT	(PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_EGRESS)

/* Exit status of explain when the kernel's verdict differs from the tool's. */
#define EXIT_DISAGREE	3

/* Extended config space (ACS) needs root on a live machine. */
static int need_root(struct model *m, const char *what)
{
	if (m->fixture || geteuid() == 0)
		return 0;
	fprintf(stderr,
		"%s: %s reads ACS from extended PCI config space, which only root can read:\n"
		"  run it as root (sudo %s %s ...)\n", prog, what, prog, what);
	return 1;
}

static const char *role(const struct route *r, int i, struct dev *a, struct dev *b)
{
	struct dev *d = r->path[i];

	if (d == a)
		return "provider";
	if (d == b)
		return "client";
	return d == r->common ? "common upstream bridge" : "bridge";
}

static void reason(const struct route *r, char *buf, size_t len)
{
	const char *hb = r->hb_allowed ? "is allow-listed" :
			 r->cpu_ok ? "is forwarded by the CPU (AMD Zen or later)" :
			 "is not allow-listed";

	if (r->common && !r->redirected)
		snprintf(buf, len, "common upstream bridge %s and no ACS redirect on the path: "
			 "TLPs stay below it", r->common->name);
	else if (r->common)
		snprintf(buf, len, "ACS redirect on %d device(s) of the path sends TLPs up to "
			 "the host bridge, which %s", r->nredir, hb);
	else
		snprintf(buf, len, "no common upstream bridge: TLPs cross the host bridge, which %s",
			 hb);
}

static void add_fix(struct json_object *fixes, const char *fmt, const char *arg, unsigned int v)
{
	char buf[256];

	snprintf(buf, sizeof(buf), fmt, arg, v);
	json_object_array_add(fixes, json_object_new_string(buf));
}

/* The ways to a better verdict, one line each. */
static struct json_object *fixes_of(struct model *m, const struct route *r)
{
	struct json_object *fixes = json_object_new_array();
	char list[512] = "";
	size_t off = 0;
	int i;

	if (r->redirected) {
		for (i = 0; i < r->nredir; i++)
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						i ? ";" : "", r->redirecting[i]->name);
		add_fix(fixes, "kernel parameter (at boot): pci=disable_acs_redir=%s", list, 0);
		for (i = 0; i < r->nredir; i++)
			add_fix(fixes, "at run time: setpci -s %s ECAP_ACS+6.w=%04x",
				r->redirecting[i]->name,
				r->redirecting[i]->acs_ctrl & ~ACS_REDIRECT);
	}
	if (r->verdict == V_NOT_SUPPORTED) {
		for (i = 0; i < r->nhb; i++) {
			char id[16];

			if (!r->hb[i])
				continue;
			snprintf(id, sizeof(id), "%04x:%04x", r->hb[i]->vendor, r->hb[i]->device);
			if (m->host.allowlist_known)
				add_fix(fixes, "trust the host bridge (only if it forwards P2P): "
					"echo %s > /sys/module/p2pdma/parameters/host_bridge_allowlist",
					id, 0);
			else
				add_fix(fixes, "trust the host bridge (only if it forwards P2P, and "
					"with a kernel that has the knob): p2pdma.host_bridge_allowlist=%s",
					id, 0);
		}
	}
	return fixes;
}

static struct json_object *hop_json(struct model *m, const struct route *r, int i,
				    struct dev *a, struct dev *b)
{
	struct json_object *h = json_object_new_object();
	struct dev *d = r->path[i];
	char buf[160];

	json_object_object_add(h, "name", json_object_new_string(d->name));
	json_object_object_add(h, "role", json_object_new_string(role(r, i, a, b)));
	json_object_object_add(h, "type", json_object_new_string(pcie_type_name(d->pcie_type)));
	json_object_object_add(h, "device",
			       json_object_new_string(dev_describe(m, d, buf, sizeof(buf))));
	if (!d->acs_known) {
		json_object_object_add(h, "acs", json_object_new_string("unreadable"));
	} else if (!d->acs_pos) {
		json_object_object_add(h, "acs", NULL);
	} else {
		struct json_object *acs = json_object_new_object();

		acs_decode(d->acs_cap, buf, sizeof(buf));
		json_object_object_add(acs, "ACSCap", json_object_new_string(buf));
		acs_decode(d->acs_ctrl, buf, sizeof(buf));
		json_object_object_add(acs, "ACSCtl", json_object_new_string(buf));
		json_object_object_add(acs, "redirects",
				       json_object_new_boolean(d->acs_ctrl & ACS_REDIRECT));
		json_object_object_add(h, "acs", acs);
	}
	return h;
}

/* The whole explanation as JSON; the text form is printed from it. */
static struct json_object *explain_json(struct model *m, struct dev *a, struct dev *b,
					int *status)
{
	struct json_object *o = json_object_new_object(), *path = json_object_new_array();
	struct json_object *hbs = json_object_new_array(), *k = json_object_new_object();
	char buf[4096], v[64], why[256];
	struct route r;
	int i, ret;

	route_decide(m, a, b, &r);
	json_object_object_add(o, "provider", json_object_new_string(a->name));
	json_object_object_add(o, "client", json_object_new_string(b->name));
	for (i = 0; i < r.npath; i++)
		json_object_array_add(path, hop_json(m, &r, i, a, b));
	json_object_object_add(o, "path", path);
	json_object_object_add(o, "common",
			       r.common ? json_object_new_string(r.common->name) : NULL);
	for (i = 0; i < r.nhb; i++) {
		struct json_object *h = json_object_new_object();
		char id[16];

		if (r.hb[i])
			snprintf(id, sizeof(id), "%04x:%04x", r.hb[i]->vendor, r.hb[i]->device);
		json_object_object_add(h, "root", r.hb[i] ? json_object_new_string(r.hb[i]->name) :
				       NULL);
		json_object_object_add(h, "id", r.hb[i] ? json_object_new_string(id) : NULL);
		json_object_object_add(h, "allowlisted",
				       json_object_new_boolean(host_bridge_allowed(m, r.hb[i],
										   r.nhb == 1)));
		json_object_array_add(hbs, h);
	}
	json_object_object_add(o, "host_bridges", hbs);
	json_object_object_add(o, "cpu_forwards_p2p", json_object_new_boolean(r.cpu_ok));
	json_object_object_add(o, "iommu", json_object_new_string(m->host.iommu));
	json_object_object_add(o, "distance", json_object_new_int(r.distance));
	json_object_object_add(o, "verdict", json_object_new_string(verdict_name(r.verdict)));
	reason(&r, why, sizeof(why));
	json_object_object_add(o, "reason", json_object_new_string(why));
	json_object_object_add(o, "fix", fixes_of(m, &r));

	/* The kernel's own verdict, when it publishes one. */
	*status = 0;
	ret = m->fixture ? -ENODEV : kernel_explain(a->name, b->name, buf, sizeof(buf));
	if (!ret && kernel_field(buf, "verdict", v, sizeof(v))) {
		bool agree = !strcmp(v, verdict_name(r.verdict));

		json_object_object_add(k, "verdict", json_object_new_string(v));
		if (kernel_field(buf, "distance", v, sizeof(v)))
			json_object_object_add(k, "distance", json_object_new_int(atoi(v)));
		agree = agree && atoi(v) == r.distance;
		json_object_object_add(k, "agrees", json_object_new_boolean(agree));
		if (!agree)
			*status = EXIT_DISAGREE;
	} else {
		json_object_object_add(k, "verdict", NULL);
		json_object_object_add(k, "why", json_object_new_string(
			m->fixture ? "a capture: no running kernel" :
			ret == -ENOENT ? "the kernel publishes no verdicts (no /sys/kernel/debug/p2pdma/explain)" :
			ret == -EACCES ? "not allowed to read /sys/kernel/debug (root needed)" :
			strerror(-ret)));
	}
	json_object_object_add(o, "kernel", k);
	return o;
}

static const char *str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

static void print_explanation(struct json_object *o)
{
	struct json_object *path, *hbs, *fix, *k, *acs;
	size_t i;

	json_object_object_get_ex(o, "path", &path);
	json_object_object_get_ex(o, "host_bridges", &hbs);
	json_object_object_get_ex(o, "fix", &fix);
	json_object_object_get_ex(o, "kernel", &k);

	printf("provider %s\nclient   %s\n\npath (provider side upwards, then client side upwards):\n",
	       str(o, "provider"), str(o, "client"));
	for (i = 0; i < json_object_array_length(path); i++) {
		struct json_object *h = json_object_array_get_idx(path, i);

		printf("  %s  %-22s %s, %s\n", str(h, "name"), str(h, "role"), str(h, "type"),
		       str(h, "device"));
		if (!json_object_object_get_ex(h, "acs", &acs) || !acs)
			printf("      no ACS capability\n");
		else if (json_object_is_type(acs, json_type_string))
			printf("      ACS unreadable (extended config space)\n");
		else
			printf("      ACSCap:\t%s\n      ACSCtl:\t%s%s\n", str(acs, "ACSCap"),
			       str(acs, "ACSCtl"),
			       json_object_get_boolean(json_object_object_get(acs, "redirects")) ?
			       "   <- redirects P2P to the root complex" : "");
	}
	printf("\ncommon upstream bridge: %s\n", str(o, "common") ? str(o, "common") : "none");
	for (i = 0; i < json_object_array_length(hbs); i++) {
		struct json_object *h = json_object_array_get_idx(hbs, i);

		printf("host bridge: %s [%s], allow-listed: %s\n",
		       str(h, "root") ? str(h, "root") : "(no device identifies it)",
		       str(h, "id") ? str(h, "id") : "-",
		       json_object_get_boolean(json_object_object_get(h, "allowlisted")) ?
		       "yes" : "no");
	}
	printf("CPU forwards P2P between root ports: %s\nIOMMU: %s\n\n",
	       json_object_get_boolean(json_object_object_get(o, "cpu_forwards_p2p")) ?
	       "yes" : "no", str(o, "iommu"));
	printf("verdict: %s, distance %s\nreason:  %s\n", str(o, "verdict"), str(o, "distance"),
	       str(o, "reason"));
	for (i = 0; i < json_object_array_length(fix); i++)
		printf("%s %s\n", i ? "        " : "fix:    ",
		       json_object_get_string(json_object_array_get_idx(fix, i)));
	if (str(k, "verdict"))
		printf("\nkernel:  %s, distance %s: %s\n", str(k, "verdict"), str(k, "distance"),
		       json_object_get_boolean(json_object_object_get(k, "agrees")) ?
		       "agrees" : "DISAGREES with the verdict above");
	else
		printf("\nkernel:  no verdict (%s)\n", str(k, "why"));
}

static void explain_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--fixture FILE] explain [--json] PROVIDER CLIENT\n"
		"\n"
		"Why CLIENT can or cannot DMA to PROVIDER's memory peer-to-peer: the path,\n"
		"ACS on each device, the common upstream bridge, the host bridge, the\n"
		"verdict, the reason and the fix; and the running kernel's own verdict.\n"
		"Devices are PCI names (0000:03:00.0 or 03:00.0). Needs root on a live\n"
		"machine. Exit status: 0, 1 on error, 2 on bad usage, 3 when the kernel's\n"
		"verdict differs from the tool's.\n", prog);
}

int cmd_explain(struct model *m, int argc, char **argv, bool json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *o;
	struct dev *a, *b;
	int c, status;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'h': explain_usage(stdout); return 0;
		default: explain_usage(stderr); return 2;
		}
	}
	if (argc - optind != 2) {
		explain_usage(stderr);
		return 2;
	}
	a = model_find(m, argv[optind]);
	b = model_find(m, argv[optind + 1]);
	if (!a || !b) {
		fprintf(stderr, "%s: no PCI device %s%s\n", prog, argv[optind + (a ? 1 : 0)],
			m->fixture ? " in the capture" : " (see lspci -D)");
		return 1;
	}
	if (need_root(m, "explain"))
		return 1;
	o = explain_json(m, a, b, &status);
	if (json)
		print_json(o);
	else
		print_explanation(o);
	json_object_put(o);
	return status;
}

static void audit_usage(FILE *f)
{
	fprintf(f,
		"usage: %s [--fixture FILE] audit [--all] [--json]\n"
		"\n"
		"The IOMMU state (per IOMMU group), every bridge with an ACS redirect\n"
		"enabled, and the endpoint pairs (storage, network, display, accelerators;\n"
		"--all: every endpoint) whose route each one changes. Needs root on a live\n"
		"machine.\n", prog);
}

int cmd_audit(struct model *m, int argc, char **argv, bool json)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct json_object *o, *groups, *bridges;
	bool all = false;
	int c, i, j, k;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': all = true; break;
		case 'j': json = true; break;
		case 'h': audit_usage(stdout); return 0;
		default: audit_usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		audit_usage(stderr);
		return 2;
	}
	if (need_root(m, "audit"))
		return 1;
	o = json_object_new_object();
	groups = json_object_new_object();
	bridges = json_object_new_array();

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

	for (i = 0; i < m->ndev; i++) {
		struct dev *br = &m->devs[i];
		struct json_object *b, *pairs;
		char buf[160];

		if (!br->acs_pos || !(br->acs_ctrl & ACS_REDIRECT))
			continue;
		b = json_object_new_object();
		pairs = json_object_new_array();
		json_object_object_add(b, "name", json_object_new_string(br->name));
		json_object_object_add(b, "type", json_object_new_string(pcie_type_name(br->pcie_type)));
		acs_decode(br->acs_ctrl, buf, sizeof(buf));
		json_object_object_add(b, "ACSCtl", json_object_new_string(buf));
		for (j = 0; j < m->ndev; j++)
			for (k = j + 1; k < m->ndev; k++) {
				struct dev *x = &m->devs[j], *y = &m->devs[k];
				struct route r;
				int n;

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
		json_object_object_add(b, "affects", pairs);
		json_object_array_add(bridges, b);
	}
	json_object_object_add(o, "iommu", json_object_new_string(m->host.iommu));
	json_object_object_add(o, "iommu_groups", groups);
	json_object_object_add(o, "acs_redirect", bridges);

	if (json) {
		print_json(o);
	} else {
		printf("IOMMU: %s\n", m->host.iommu);
		json_object_object_foreach(groups, name, g) {
			struct json_object *devs = json_object_object_get(g, "devices");

			printf("  group %-4s %-10s", name, str(g, "type"));
			for (i = 0; i < (int)json_object_array_length(devs); i++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(devs, i)));
			printf("\n");
		}
		printf("\nbridges with ACS redirect enabled: %d\n", (int)json_object_array_length(bridges));
		for (i = 0; i < (int)json_object_array_length(bridges); i++) {
			struct json_object *b = json_object_array_get_idx(bridges, i);
			struct json_object *pairs = json_object_object_get(b, "affects");

			printf("  %s (%s)\n      ACSCtl:\t%s\n", str(b, "name"), str(b, "type"),
			       str(b, "ACSCtl"));
			if (!json_object_array_length(pairs))
				printf("      affects no endpoint pair%s\n",
				       all ? "" : " of the default classes (--all for every endpoint)");
			for (j = 0; j < (int)json_object_array_length(pairs); j++)
				printf("      affects %s\n",
				       json_object_get_string(json_object_array_get_idx(pairs, j)));
		}
	}
	json_object_put(o);
	return 0;
}
