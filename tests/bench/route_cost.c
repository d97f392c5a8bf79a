// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of a P2PDMA routing decision between the two QEMU NVMe
 * controllers: made from scratch (p2pdma_route_calc()), looked up right
 * after the topology generation moved (a stale entry: decide again and
 * store), and looked up from a current cache entry (what every mapping
 * pays).
 */
#include <linux/ktime.h>
#include <linux/pci.h>
#include <linux/sort.h>

#include "p2pdma.h"
#include "qemu_devs.h"
#include "route_cost.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define SAMPLES	201
#define BATCH	64	/* calls per timed sample */

enum { R_CALC, R_COLD, R_CACHED, R_NR };
static const char * const route_name[R_NR] = { "calc", "cold", "cached" };

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static void one_call(int how, struct pci_dev *provider, struct pci_dev *client)
{
	int dist;

	switch (how) {
	case R_CALC:
		p2pdma_route_calc(provider, client, &dist, NULL);
		break;
	case R_COLD:
		p2pdma_topology_changed();
		p2pdma_route(provider, client, &dist, false);
		break;
	default:
		p2pdma_route(provider, client, &dist, false);
		break;
	}
}

/**
 * route_cost_report() - measure the three kinds of decision, print them
 * @s: where the table and its JSON line go
 *
 * Return: 0, or -ENODEV without two QEMU NVMe controllers.
 */
int route_cost_report(struct seq_buf *s)
{
	struct pci_dev *provider, *client;
	u64 *samples, med[R_NR], p99[R_NR];
	int how, i, j;

	provider = pci_get_device(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, NULL);
	client = provider ? pci_get_device(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE,
					   pci_dev_get(provider)) : NULL;
	samples = kmalloc_array(SAMPLES, sizeof(*samples), GFP_KERNEL);
	if (!client || !samples) {
		pci_dev_put(provider);
		pci_dev_put(client);
		kfree(samples);
		return client ? -ENOMEM : -ENODEV;
	}

	for (how = 0; how < R_NR; how++) {
		one_call(how, provider, client);	/* warm up */
		for (i = 0; i < SAMPLES; i++) {
			u64 t0 = ktime_get_ns();

			for (j = 0; j < BATCH; j++)
				one_call(how, provider, client);
			samples[i] = (ktime_get_ns() - t0) / BATCH;
		}
		sort(samples, SAMPLES, sizeof(*samples), cmp_u64, NULL);
		med[how] = samples[SAMPLES / 2];
		p99[how] = samples[SAMPLES * 99 / 100];
	}

	seq_buf_printf(s, "\nrouting decision %s -> %s (%s), ns per call:\n",
		       pci_name(provider), pci_name(client),
		       p2pdma_map_name(p2pdma_route_calc(provider, client, &i, NULL)));
	seq_buf_printf(s, "%-8s %10s %10s\n", "lookup", "median_ns", "p99_ns");
	for (how = 0; how < R_NR; how++)
		seq_buf_printf(s, "%-8s %10llu %10llu\n", route_name[how], med[how], p99[how]);
	seq_buf_printf(s, "JSON {\"route_ns\":{");
	for (how = 0; how < R_NR; how++)
		seq_buf_printf(s, "%s\"%s\":{\"median\":%llu,\"p99\":%llu}", how ? "," : "",
			       route_name[how], med[how], p99[how]);
	seq_buf_printf(s, "}}\n");

	kfree(samples);
	pci_dev_put(client);
	pci_dev_put(provider);
	return 0;
}
