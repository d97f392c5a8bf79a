// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest explain A B: the path from provider A to client B bridge by
 * bridge, ACS decoded as lspci -vvv prints it, the common upstream
 * bridge, the host bridge and its allow-list status, the IOMMU mode, the
 * verdict, the distance, the reason and the exact fix; next to it the
 * running kernel's own verdict, with any disagreement flagged.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "p2ptest.h"
#include "p2ptest_client.h"

/* Exit status of explain when the kernel's verdict differs from the tool's. */
#define EXIT_DISAGREE	3

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
					"echo %s > " P2PTEST_ALLOWLIST, id, 0);
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
	ret = m->fixture ? -ENODEV : p2ptest_explain(a->name, b->name, buf, sizeof(buf));
	if (!ret && p2ptest_explain_field(buf, "verdict", v, sizeof(v))) {
		bool agree = !strcmp(v, verdict_name(r.verdict));

		json_object_object_add(k, "verdict", json_object_new_string(v));
		if (p2ptest_explain_field(buf, "distance", v, sizeof(v)))
			json_object_object_add(k, "distance", json_object_new_int(atoi(v)));
		agree = agree && atoi(v) == r.distance;
		json_object_object_add(k, "agrees", json_object_new_boolean(agree));
		if (!agree)
			*status = EXIT_DISAGREE;
	} else {
		json_object_object_add(k, "verdict", NULL);
		json_object_object_add(k, "why", json_object_new_string(
			m->fixture ? "a capture: no running kernel" :
			ret == -ENOENT ? "the kernel publishes no verdicts (no " P2PTEST_EXPLAIN ")" :
			ret == -EACCES ? "not allowed to read /sys/kernel/debug (root needed)" :
			strerror(-ret)));
	}
	json_object_object_add(o, "kernel", k);
	return o;
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
	       json_str(o, "provider"), json_str(o, "client"));
	for (i = 0; i < json_object_array_length(path); i++) {
		struct json_object *h = json_object_array_get_idx(path, i);

		printf("  %s  %-22s %s, %s\n", json_str(h, "name"), json_str(h, "role"),
		       json_str(h, "type"), json_str(h, "device"));
		if (!json_object_object_get_ex(h, "acs", &acs) || !acs)
			printf("      no ACS capability\n");
		else if (json_object_is_type(acs, json_type_string))
			printf("      ACS unreadable (extended config space)\n");
		else
			printf("      ACSCap:\t%s\n      ACSCtl:\t%s%s\n", json_str(acs, "ACSCap"),
			       json_str(acs, "ACSCtl"), json_flag(acs, "redirects") ?
			       "   <- redirects P2P to the root complex" : "");
	}
	printf("\ncommon upstream bridge: %s\n",
	       json_str(o, "common") ? json_str(o, "common") : "none");
	for (i = 0; i < json_object_array_length(hbs); i++) {
		struct json_object *h = json_object_array_get_idx(hbs, i);

		printf("host bridge: %s [%s], allow-listed: %s\n",
		       json_str(h, "root") ? json_str(h, "root") : "(no device identifies it)",
		       json_str(h, "id") ? json_str(h, "id") : "-",
		       json_flag(h, "allowlisted") ? "yes" : "no");
	}
	printf("CPU forwards P2P between root ports: %s\nIOMMU: %s\n\n",
	       json_flag(o, "cpu_forwards_p2p") ? "yes" : "no", json_str(o, "iommu"));
	printf("verdict: %s, distance %s\nreason:  %s\n", json_str(o, "verdict"),
	       json_str(o, "distance"), json_str(o, "reason"));
	for (i = 0; i < json_object_array_length(fix); i++)
		printf("%s %s\n", i ? "        " : "fix:    ",
		       json_object_get_string(json_object_array_get_idx(fix, i)));
	if (json_str(k, "verdict"))
		printf("\nkernel:  %s, distance %s: %s\n", json_str(k, "verdict"),
		       json_str(k, "distance"),
		       json_flag(k, "agrees") ? "agrees" : "DISAGREES with the verdict above");
	else
		printf("\nkernel:  no verdict (%s)\n", json_str(k, "why"));
}

static void usage(FILE *f)
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

static int explain(struct model *m, const struct args *args, struct output *out)
{
	struct dev *a = model_find(m, args->argv[0]), *b = model_find(m, args->argv[1]);
	int status;

	if (!a || !b)
		die("no PCI device %s%s", args->argv[a ? 1 : 0],
		    m->fixture ? " in the capture" : " (see lspci -D)");
	need_root(m, "explain");
	out->doc = explain_json(m, a, b, &status);
	if (!out->json)
		print_explanation(out->doc);
	return status;
}

const struct cmd cmd_explain = {
	"explain", "why a provider/client pair gets its verdict, and the fix", usage,
	explain, .nargs = 2,
};
