// SPDX-License-Identifier: GPL-2.0
/*
 * Routing verdicts, remembered per (provider, client) until a change.
 *
 * Each entry carries the topology generation it was computed under. The
 * generation moves on whenever anything a verdict depends on may have
 * changed: a PCI device added or removed (a notifier on the PCI bus), a
 * write from user space (sysfs or procfs config files, VFIO: all of them
 * go through pci_user_write_config_*()) that touches a device's ACS
 * control register, a change of the host-bridge allow-list. A lookup uses
 * an entry only when its generation is the current one, so a verdict made
 * before a change is never served after it: the next lookup decides again.
 * That check costs the lookup one atomic read next to the xa_load() it
 * does anyway; a change costs one atomic increment.
 *
 * The generation is read before the decision is made and stored with it,
 * so a change that races with the decision leaves an entry that is already
 * stale. When a client device goes away its entries are erased, so the
 * cache never names a device that no longer exists.
 *
 * The kernel itself writes ACS control when it adds a device (before the
 * notifier runs) and whenever it restores a device's state
 * (pci_restore_state(): after a reset, on resume and runtime-PM resume, in
 * AER/DPC recovery), which re-enables the ACS policy instead of the saved
 * value; pci_enable_acs() moves the generation for those. Other code that
 * changes ACS control must call p2pdma_topology_changed().
 *
 * The generation is 64 bits; an entry keeps its low 50 (ENTRY_GEN_BITS),
 * so a verdict could only be taken for a current one again after exactly a
 * multiple of 2^50 changes, years of nothing but config writes.
 */
#define pr_fmt(fmt) "p2pdma: " fmt

#include <linux/atomic.h>
#include <linux/notifier.h>
#include <linux/pci.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <kunit/visibility.h>

#include "p2pdma.h"
#include "../pci.h"

static atomic64_t topology_gen = ATOMIC64_INIT(1);

/* Counters for the debugfs "cache" file and the tests. */
atomic_long_t p2pdma_cache_hits;
EXPORT_SYMBOL_IF_KUNIT(p2pdma_cache_hits);
atomic_long_t p2pdma_cache_misses;
EXPORT_SYMBOL_IF_KUNIT(p2pdma_cache_misses);
atomic_long_t p2pdma_cache_stale;
EXPORT_SYMBOL_IF_KUNIT(p2pdma_cache_stale);

/*
 * An entry, an xarray value (63 bits): the low ENTRY_GEN_BITS of the
 * generation, the distance (ENTRY_DIST_BITS) and the map type (3 bits).
 */
#define ENTRY_MAP_BITS	3
#define ENTRY_DIST_BITS	10
#define ENTRY_GEN_BITS	(BITS_PER_LONG - 1 - ENTRY_DIST_BITS - ENTRY_MAP_BITS)
#define ENTRY_GEN_MASK	(BIT_ULL(ENTRY_GEN_BITS) - 1)
#define ENTRY_DIST_MAX	((1 << ENTRY_DIST_BITS) - 1)

/* NULL when the distance does not fit: such verdicts are not remembered. */
static void *entry_pack(u64 gen, int dist, enum pci_p2pdma_map_type map)
{
	BUILD_BUG_ON(BIT(ENTRY_MAP_BITS) <= PCI_P2PDMA_MAP_THRU_HOST_BRIDGE);
	if (dist < 0 || dist > ENTRY_DIST_MAX)
		return NULL;
	return xa_mk_value((unsigned long)(gen & ENTRY_GEN_MASK) <<
			   (ENTRY_DIST_BITS + ENTRY_MAP_BITS) | dist << ENTRY_MAP_BITS | map);
}

/* Read an entry; true if it was computed under generation @gen. */
static bool entry_unpack(void *entry, u64 gen, int *dist, enum pci_p2pdma_map_type *map)
{
	unsigned long v = xa_to_value(entry);

	*dist = (v >> ENTRY_MAP_BITS) & ENTRY_DIST_MAX;
	*map = v & (BIT(ENTRY_MAP_BITS) - 1);
	return v >> (ENTRY_DIST_BITS + ENTRY_MAP_BITS) == (gen & ENTRY_GEN_MASK);
}

/**
 * p2pdma_topology_gen() - the current topology generation
 */
u64 p2pdma_topology_gen(void)
{
	return atomic64_read_acquire(&topology_gen);
}
EXPORT_SYMBOL_IF_KUNIT(p2pdma_topology_gen);

/**
 * p2pdma_topology_changed() - make every cached verdict stale
 *
 * For anything that may change a routing verdict: the PCI tree, ACS
 * control, the host-bridge allow-list. Fully ordered, so writes made
 * before it are seen by any decision that starts after it.
 */
void p2pdma_topology_changed(void)
{
	atomic64_inc_return(&topology_gen);
}
EXPORT_SYMBOL_IF_KUNIT(p2pdma_topology_changed);

/* A key of a provider's map_types: the client's domain, bus and devfn. */
static unsigned long client_key(struct pci_dev *client)
{
	return ((unsigned long)pci_domain_nr(client->bus) << 16) |
	       (client->bus->number << 8) | client->devfn;
}

/* The entry @provider holds for the client of @key, or NULL. */
static void *entry_load(struct pci_dev *provider, unsigned long key)
{
	struct pci_p2pdma *p2pdma;
	void *entry = NULL;

	rcu_read_lock();
	p2pdma = rcu_dereference(provider->p2pdma);
	if (p2pdma)
		entry = xa_load(&p2pdma->map_types, key);
	rcu_read_unlock();
	return entry;
}

/**
 * p2pdma_cache_peek() - what the cache holds for a pair, without deciding
 * @provider: the PCI device whose BAR is the target
 * @client: the PCI device that does the DMA
 * @map: set to the remembered map type, unless there is no entry
 * @dist: set to the remembered distance, unless there is no entry
 *
 * Counts neither a hit nor a miss. Safe in atomic context.
 *
 * Return: whether there is an entry and whether it is current.
 */
enum p2pdma_cache_state p2pdma_cache_peek(struct pci_dev *provider, struct pci_dev *client,
					  enum pci_p2pdma_map_type *map, int *dist)
{
	void *entry = entry_load(provider, client_key(client));

	if (!entry)
		return P2PDMA_CACHE_NONE;
	return entry_unpack(entry, p2pdma_topology_gen(), dist, map) ?
	       P2PDMA_CACHE_CURRENT : P2PDMA_CACHE_STALE;
}

/**
 * p2pdma_cache_for_each() - call @fn for every entry of every provider
 * @gen: the generation that makes an entry current: p2pdma_topology_gen(),
 *	read once by the caller so that what it prints agrees with the walk
 * @fn: called under rcu_read_lock(), so it may not sleep
 * @data: for @fn
 */
void p2pdma_cache_for_each(u64 gen,
			   void (*fn)(const struct p2pdma_cache_entry *e, void *data),
			   void *data)
{
	struct p2pdma_cache_entry e;
	struct pci_p2pdma *p2pdma;
	struct pci_dev *pdev = NULL;
	unsigned long key;
	void *entry;

	for_each_pci_dev(pdev) {
		e.provider = pdev;
		rcu_read_lock();
		p2pdma = rcu_dereference(pdev->p2pdma);
		if (p2pdma) {
			xa_for_each(&p2pdma->map_types, key, entry) {
				e.state = entry_unpack(entry, gen, &e.dist, &e.map) ?
					  P2PDMA_CACHE_CURRENT : P2PDMA_CACHE_STALE;
				e.domain = key >> 16;
				e.bus = (key >> 8) & 0xff;
				e.devfn = key & 0xff;
				fn(&e, data);
			}
		}
		rcu_read_unlock();
	}
}

/* Log, rate-limited, why @client may not reach @provider. */
static void log_refusal(struct pci_dev *provider, struct pci_dev *client)
{
	static DEFINE_RATELIMIT_STATE(rs, 10 * HZ, 2);
	struct seq_buf s;
	char *buf, *line, *next;

	if (!__ratelimit(&rs))
		return;
	buf = kmalloc(PAGE_SIZE, GFP_ATOMIC);
	if (!buf) {
		pci_warn(client, "p2pdma: peer-to-peer DMA to %s refused\n",
			 pci_name(provider));
		return;
	}
	seq_buf_init(&s, buf, PAGE_SIZE);
	p2pdma_explain(provider, &client->dev, &s);
	seq_buf_putc(&s, '\0');
	pci_warn(client, "p2pdma: peer-to-peer DMA to %s refused; explanation follows\n",
		 pci_name(provider));
	for (line = buf; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		pci_warn(client, "p2pdma: %s\n", line);
	}
	kfree(buf);
}

/**
 * p2pdma_route() - the routing verdict for a pair, from the cache if current
 * @provider: the PCI device whose BAR is the target
 * @client: the PCI device that does the DMA
 * @dist: set to the distance
 * @verbose: log the explanation (rate-limited) when a refusal is decided,
 *	not when a remembered one is served
 *
 * Safe in atomic context. Verdicts are remembered only for providers that
 * have P2PDMA state (pcim_p2pdma_init()); for others every call decides.
 *
 * Return: the map type, never PCI_P2PDMA_MAP_UNKNOWN.
 */
enum pci_p2pdma_map_type p2pdma_route(struct pci_dev *provider,
				      struct pci_dev *client, int *dist,
				      bool verbose)
{
	unsigned long key = client_key(client);
	u64 gen = p2pdma_topology_gen();
	enum pci_p2pdma_map_type map;
	struct pci_p2pdma *p2pdma;
	unsigned long flags;
	void *entry;

	entry = entry_load(provider, key);
	if (entry && entry_unpack(entry, gen, dist, &map)) {
		atomic_long_inc(&p2pdma_cache_hits);
	} else {
		atomic_long_inc(entry ? &p2pdma_cache_stale : &p2pdma_cache_misses);
		map = p2pdma_route_calc(provider, client, dist, NULL);
		rcu_read_lock();
		p2pdma = rcu_dereference(provider->p2pdma);
		/*
		 * Lookups may come from interrupt context: the lock is taken
		 * with interrupts off. A failed store only means deciding
		 * again next time.
		 */
		entry = entry_pack(gen, *dist, map);
		if (p2pdma && entry) {
			xa_lock_irqsave(&p2pdma->map_types, flags);
			__xa_store(&p2pdma->map_types, key, entry, GFP_ATOMIC);
			xa_unlock_irqrestore(&p2pdma->map_types, flags);
		}
		rcu_read_unlock();
		if (verbose && map == PCI_P2PDMA_MAP_NOT_SUPPORTED)
			log_refusal(provider, client);
	}
	return map;
}
EXPORT_SYMBOL_IF_KUNIT(p2pdma_route);

/* Erase every provider's entry for @client, which is going away. */
static void forget_client(struct pci_dev *client)
{
	unsigned long key = client_key(client);
	struct pci_p2pdma *p2pdma;
	struct pci_dev *pdev = NULL;

	for_each_pci_dev(pdev) {
		rcu_read_lock();
		p2pdma = rcu_dereference(pdev->p2pdma);
		if (p2pdma)
			xa_erase_irq(&p2pdma->map_types, key);
		rcu_read_unlock();
	}
}

static int p2pdma_bus_notify(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct device *dev = data;

	switch (action) {
	case BUS_NOTIFY_ADD_DEVICE:
		p2pdma_topology_changed();
		break;
	case BUS_NOTIFY_DEL_DEVICE:
		p2pdma_topology_changed();
		forget_client(to_pci_dev(dev));
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block p2pdma_bus_nb = {
	.notifier_call = p2pdma_bus_notify,
};

/* After pci_bus_type exists (postcore), before devices are found (subsys). */
static int __init p2pdma_cache_init(void)
{
	return bus_register_notifier(&pci_bus_type, &p2pdma_bus_nb);
}
arch_initcall(p2pdma_cache_init);
