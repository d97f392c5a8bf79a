// SPDX-License-Identifier: GPL-2.0
/*
 * Host bridges known to forward peer-to-peer TLPs between their root
 * ports: the table below, and the IDs an administrator adds, at boot with
 * p2pdma.host_bridge_allowlist=VVVV:DDDD[,VVVV:DDDD...] or at run time by
 * writing the same to /sys/module/p2pdma/parameters/host_bridge_allowlist.
 * A write replaces the whole list of added IDs (an empty write clears it)
 * and makes every cached routing verdict stale. An added ID is trusted for
 * traffic within its host bridge and across two host bridges that are
 * both allowed. Bad input changes nothing and fails with -EINVAL (or -E2BIG
 * for too many IDs), saying in the kernel log what was wrong.
 *
 * The setter runs during early boot too, before the slab allocator, so it
 * parses on the stack.
 */
#define pr_fmt(fmt) "p2pdma: " fmt

#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "p2pdma.h"

#undef MODULE_PARAM_PREFIX
#define MODULE_PARAM_PREFIX "p2pdma."

#define ALLOWLIST_MAX	16
/* "vvvv:dddd," per ID, and room for blanks around them */
#define ALLOWLIST_LEN	(ALLOWLIST_MAX * 16)

/*
 * A host bridge, by its 00.0 or root port's IDs. @same_host_bridge_only:
 * trusted only between its own root ports, not towards another host bridge.
 */
struct host_bridge_id {
	u16 vendor;
	u16 device;
	bool same_host_bridge_only;
};

static const struct host_bridge_id builtin[] = {
	/* Intel Xeon E5 / Core i7 */
	{ PCI_VENDOR_ID_INTEL, 0x3c00, true },
	{ PCI_VENDOR_ID_INTEL, 0x3c01, true },
	/* Intel Xeon E7 v3 / Xeon E5 v3 / Core i7 */
	{ PCI_VENDOR_ID_INTEL, 0x2f00, true },
	{ PCI_VENDOR_ID_INTEL, 0x2f01, true },
	/* Intel Skylake-E */
	{ PCI_VENDOR_ID_INTEL, 0x2030, false },
	{ PCI_VENDOR_ID_INTEL, 0x2031, false },
	{ PCI_VENDOR_ID_INTEL, 0x2032, false },
	{ PCI_VENDOR_ID_INTEL, 0x2033, false },
	{ PCI_VENDOR_ID_INTEL, 0x2020, false },
	{ PCI_VENDOR_ID_INTEL, 0x09a2, false },
};

/* Read from the routing path, which may not sleep. */
static DEFINE_SPINLOCK(added_lock);
static struct host_bridge_id added[ALLOWLIST_MAX];
static unsigned int nr_added;

/* The entry of @ids that names @root's host bridge, or NULL. */
static const struct host_bridge_id *find_id(const struct host_bridge_id *ids, unsigned int n,
					    const struct pci_dev *root)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (root->vendor == ids[i].vendor && root->device == ids[i].device)
			return &ids[i];
	return NULL;
}

static bool id_allows(const struct host_bridge_id *id, bool same_host_bridge)
{
	return id && (same_host_bridge || !id->same_host_bridge_only);
}

/**
 * p2pdma_host_bridge_allowed() - is a host bridge known to forward P2P?
 * @root: the device that identifies the host bridge (00.0 or a root port)
 * @same_host_bridge: whether both ends of the path are below it
 */
bool p2pdma_host_bridge_allowed(struct pci_dev *root, bool same_host_bridge)
{
	const struct host_bridge_id *id = find_id(builtin, ARRAY_SIZE(builtin), root);
	unsigned long flags;
	bool allowed;

	/* The built-in verdict stands: an added ID cannot widen it. */
	if (id)
		return id_allows(id, same_host_bridge);
	spin_lock_irqsave(&added_lock, flags);
	allowed = id_allows(find_id(added, nr_added, root), same_host_bridge);
	spin_unlock_irqrestore(&added_lock, flags);
	return allowed;
}

/* One "vvvv:dddd", exactly four hex digits each; trusted across host bridges. */
static int parse_id(const char *s, struct host_bridge_id *id)
{
	char v[5], d[5];

	if (strlen(s) != 9 || s[4] != ':' ||
	    strspn(s, "0123456789abcdefABCDEF") != 4 ||
	    strspn(s + 5, "0123456789abcdefABCDEF") != 4)
		return -EINVAL;
	strscpy(v, s, sizeof(v));
	strscpy(d, s + 5, sizeof(d));
	if (kstrtou16(v, 16, &id->vendor) || kstrtou16(d, 16, &id->device))
		return -EINVAL;
	id->same_host_bridge_only = false;
	return 0;
}

static int allowlist_set(const char *val, const struct kernel_param *kp)
{
	struct host_bridge_id ids[ALLOWLIST_MAX];
	char buf[ALLOWLIST_LEN + 1];
	unsigned long flags;
	unsigned int n = 0;
	char *s, *tok;

	if (strlen(val) > ALLOWLIST_LEN) {
		pr_err("host_bridge_allowlist: longer than %d characters\n", ALLOWLIST_LEN);
		return -EINVAL;
	}
	strscpy(buf, val, sizeof(buf));
	s = strim(buf);
	/* Blank clears; otherwise every comma-separated field must be an ID. */
	if (!*s)
		s = NULL;
	while ((tok = strsep(&s, ",")) != NULL) {
		tok = strim(tok);
		if (n == ALLOWLIST_MAX) {
			pr_err("host_bridge_allowlist: more than %d IDs\n", ALLOWLIST_MAX);
			return -E2BIG;
		}
		if (parse_id(tok, &ids[n])) {
			pr_err("host_bridge_allowlist: '%s' is not VENDOR:DEVICE (4 hex digits each, e.g. 8086:29c0)\n",
			       tok);
			return -EINVAL;
		}
		n++;
	}

	spin_lock_irqsave(&added_lock, flags);
	memcpy(added, ids, n * sizeof(ids[0]));
	nr_added = n;
	spin_unlock_irqrestore(&added_lock, flags);
	p2pdma_topology_changed();
	return 0;
}

static int allowlist_get(char *buffer, const struct kernel_param *kp)
{
	unsigned long flags;
	unsigned int i;
	int len = 0;

	spin_lock_irqsave(&added_lock, flags);
	for (i = 0; i < nr_added; i++)
		len += sysfs_emit_at(buffer, len, "%s%04x:%04x", i ? "," : "",
				     added[i].vendor, added[i].device);
	spin_unlock_irqrestore(&added_lock, flags);
	len += sysfs_emit_at(buffer, len, "\n");
	return len;
}

static const struct kernel_param_ops allowlist_ops = {
	.set = allowlist_set,
	.get = allowlist_get,
};
module_param_cb(host_bridge_allowlist, &allowlist_ops, NULL, 0644);
MODULE_PARM_DESC(host_bridge_allowlist,
		 "Host bridges (VVVV:DDDD,...) to trust with peer-to-peer TLPs, besides the built-in list");
