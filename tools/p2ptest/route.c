// SPDX-License-Identifier: GPL-2.0
/*
 * The routing rules, as the kernel applies them (drivers/pci/p2pdma/route.c,
 * Documentation/PCI/p2pdma-routing.rst), applied to the model: so that the
 * tool can explain a machine whose kernel does not publish verdicts, read
 * a capture, and check the kernel's answer.
 */
#include <stdlib.h>
#include <string.h>

#include "p2ptest.h"

/* 6.1's built-in host-bridge allow-list: vendor, device, same host bridge only. */
static const struct {
	uint16_t vendor, device;
	bool same_only;
} builtin[] = {
	{ 0x8086, 0x3c00, true }, { 0x8086, 0x3c01, true },
	{ 0x8086, 0x2f00, true }, { 0x8086, 0x2f01, true },
	{ 0x8086, 0x2030, false }, { 0x8086, 0x2031, false },
	{ 0x8086, 0x2032, false }, { 0x8086, 0x2033, false },
	{ 0x8086, 0x2020, false }, { 0x8086, 0x09a2, false },
};

const char *verdict_name(enum verdict v)
{
	static const char * const names[] = { "BUS_ADDR", "THRU_HOST_BRIDGE", "NOT_SUPPORTED" };

	return names[v];
}

const char *link_name(enum link l)
{
	static const char * const names[] = { "X", "PIX", "PXB", "PHB", "NODE", "SYS" };

	return names[l];
}

const char *pcie_type_name(int type)
{
	switch (type) {
	case PCI_EXP_TYPE_ENDPOINT: return "endpoint";
	case PCI_EXP_TYPE_LEG_END: return "legacy endpoint";
	case PCI_EXP_TYPE_ROOT_PORT: return "root port";
	case PCI_EXP_TYPE_UPSTREAM: return "switch upstream port";
	case PCI_EXP_TYPE_DOWNSTREAM: return "switch downstream port";
	case PCI_EXP_TYPE_PCI_BRIDGE: return "PCIe-to-PCI bridge";
	case PCI_EXP_TYPE_PCIE_BRIDGE: return "PCI-to-PCIe bridge";
	case PCI_EXP_TYPE_ROOT_INT_EP: return "root complex integrated endpoint";
	case PCI_EXP_TYPE_ROOT_EC: return "root complex event collector";
	case -1: return "conventional PCI";
	default: return "PCIe";
	}
}

/* ACS capability or control bits, the way lspci -vvv prints them. */
void acs_decode(uint16_t bits, char *buf, size_t len)
{
	static const struct {
		uint16_t bit;
		const char *name;
	} names[] = {
		{ PCI_ACS_CTRL_VALID, "SrcValid" }, { PCI_ACS_CTRL_BLOCK, "TransBlk" },
		{ PCI_ACS_CTRL_REQ_RED, "ReqRedir" }, { PCI_ACS_CTRL_CMPLT_RED, "CmpltRedir" },
		{ PCI_ACS_CTRL_FORWARD, "UpstreamFwd" }, { PCI_ACS_CTRL_EGRESS, "EgressCtrl" },
		{ PCI_ACS_CTRL_TRANS, "DirectTrans" },
	};
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]) && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s%c", i ? " " : "",
					names[i].name, bits & names[i].bit ? '+' : '-');
}

/* Is "vvvv:dddd" in the comma-separated @list? */
static bool in_list(const char *list, uint16_t vendor, uint16_t device)
{
	char id[10];

	snprintf(id, sizeof(id), "%04x:%04x", vendor, device);
	for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		if (!strncasecmp(p, id, 9) && (p[9] == ',' || p[9] == '\0'))
			return true;
	return false;
}

/**
 * host_bridge_allowed() - is a host bridge known to forward P2P?
 * @m: the model (for the kernel's runtime list)
 * @hb: the device identifying the host bridge; NULL never is
 * @same: whether both ends are below it
 */
bool host_bridge_allowed(struct model *m, struct dev *hb, bool same)
{
	size_t i;

	if (!hb)
		return false;
	for (i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		if (hb->vendor == builtin[i].vendor && hb->device == builtin[i].device)
			return same || !builtin[i].same_only;
	return in_list(m->host.allowlist, hb->vendor, hb->device);
}

/* @d has ACS redirect enabled. */
bool acs_redirects(const struct dev *d)
{
	return d->acs_pos && (d->acs_ctrl & ACS_REDIRECT);
}

static void add_hop(struct route *r, struct dev *d, bool counts)
{
	if (r->npath < (int)(sizeof(r->path) / sizeof(r->path[0])))
		r->path[r->npath++] = d;
	if (counts && acs_redirects(d)) {
		r->redirected = true;
		r->redirecting[r->nredir++] = d;
	}
}

/**
 * route_decide() - the verdict for provider @a and client @b
 * @m: the model
 * @a: the provider
 * @b: the client
 * @r: filled in
 */
void route_decide(struct model *m, struct dev *a, struct dev *b, struct route *r)
{
	struct dev *up = NULL, *bb;
	int da, db = 0;
	bool same_hb;

	memset(r, 0, sizeof(*r));
	for (up = a, da = 0; up; up = up->up, da++) {
		for (bb = b, db = 0; bb; bb = bb->up, db++)
			if (bb == up)
				goto found;
	}
found:
	r->common = up;
	r->distance = da + db;

	for (up = a; up; up = up->up) {
		add_hop(r, up, r->common != NULL);
		if (up == r->common)
			break;
	}
	r->nprov = r->npath;
	for (up = b; up && up != r->common; up = up->up)
		add_hop(r, up, r->common != NULL);

	same_hb = a->pd->domain == b->pd->domain && a->root_bus == b->root_bus;
	r->hb[0] = model_host_bridge(m, a);
	r->nhb = 1;
	r->hb_allowed = host_bridge_allowed(m, r->hb[0], same_hb);
	if (!same_hb) {
		r->hb[1] = model_host_bridge(m, b);
		r->nhb = 2;
		r->hb_allowed = host_bridge_allowed(m, r->hb[1], false) && r->hb_allowed;
	}
	r->cpu_ok = !strcmp(m->host.cpu_vendor, "AuthenticAMD") && m->host.cpu_family >= 0x17;

	if (r->common && !r->redirected)
		r->verdict = V_BUS_ADDR;
	else if (r->hb_allowed || r->cpu_ok)
		r->verdict = V_THRU_HOST_BRIDGE;
	else
		r->verdict = V_NOT_SUPPORTED;

	if (a == b)
		r->link = L_X;
	else if (r->common)
		r->link = da <= 2 && db <= 2 ? L_PIX : L_PXB;
	else if (same_hb)
		r->link = L_PHB;
	else if (a->numa < 0 || b->numa < 0 || a->numa == b->numa)
		r->link = L_NODE;
	else
		r->link = L_SYS;
}
