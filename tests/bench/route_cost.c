// SPDX-License-Identifier: GPL-2.0
/*
 * The cost of a P2PDMA routing decision between the two QEMU NVMe
 * controllers: made from scratch (p2pdma_route_calc()), looked up right
 * after the topology generation moved (a stale entry: decide again and
 * store), and looked up from a current cache entry (what every mapping
 * pays). As in the map benchmark, the three kinds take turns sample by
 * sample and the samples are split into rounds, whose medians give the
 * spread.
 */
#include <linux/ktime.h>
#include <linux/pci.h>
#include <linux/sort.h>

#include "p2pdma.h"
#include "qemu_devs.h"
#include "route_cost.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

#define SAMPLES	201	/* timed samples per kind, split over the rounds */
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

static u64 median_of(const u64 *v, unsigned int n)
{
	return (v[(n - 1) / 2] + v[n / 2]) / 2;
}

/**
 * route_cost_report() - measure the three kinds of decision, print them
 * @s: where the table and its JSON line go
 * @rounds: how many parts the samples of each kind are split into
 *
 * Return: 0, -EINVAL without rounds, -ENODEV without two QEMU NVMe
 * controllers, -ENOMEM.
 */
int route_cost_report(struct seq_buf *s, unsigned int rounds)
{
	unsigned int n, total, r, i, k, j;
	u64 med[R_NR], p99[R_NR], lo[R_NR], hi[R_NR];
	struct pci_dev *nvme[2] = {}, *provider, *client;
	u64 *samples, *v;
	int how, dist, found;

	if (!rounds)
		return -EINVAL;
	n = DIV_ROUND_UP(SAMPLES, rounds);
	total = n * rounds;
	found = qemu_devs_get(QEMU_NVME_VENDOR, QEMU_NVME_DEVICE, nvme, 2);
	samples = kmalloc_array(array_size(R_NR, total), sizeof(*samples), GFP_KERNEL);
	if (found < 2 || !samples) {
		pci_dev_put(nvme[0]);
		pci_dev_put(nvme[1]);
		kfree(samples);
		return found < 2 ? -ENODEV : -ENOMEM;
	}
	provider = nvme[0];
	client = nvme[1];

	for (r = 0; r < rounds; r++) {
		for (how = 0; how < R_NR; how++)
			one_call(how, provider, client);	/* warm up */
		for (i = 0; i < n; i++) {
			for (k = 0; k < R_NR; k++) {
				/* the kind that starts moves on, as in the map benchmark */
				u64 t0;

				how = (r * n + i + k) % R_NR;
				t0 = ktime_get_ns();
				for (j = 0; j < BATCH; j++)
					one_call(how, provider, client);
				samples[how * total + r * n + i] = (ktime_get_ns() - t0) / BATCH;
				/* no preemption in the bench kernel: let others run */
				cond_resched();
			}
		}
	}
	for (how = 0; how < R_NR; how++) {
		v = samples + how * total;
		lo[how] = U64_MAX;
		hi[how] = 0;
		for (r = 0; r < rounds; r++) {
			sort(v + r * n, n, sizeof(*v), cmp_u64, NULL);
			lo[how] = min(lo[how], median_of(v + r * n, n));
			hi[how] = max(hi[how], median_of(v + r * n, n));
		}
		sort(v, total, sizeof(*v), cmp_u64, NULL);
		med[how] = median_of(v, total);
		p99[how] = v[min(total - 1, DIV_ROUND_UP(total * 99, 100) - 1)];
	}

	seq_buf_printf(s, "\nrouting decision %s -> %s (%s), ns per call, %u rounds x %u:\n",
		       pci_name(provider), pci_name(client),
		       p2pdma_map_name(p2pdma_route_calc(provider, client, &dist, NULL)),
		       rounds, n);
	seq_buf_printf(s, "%-8s %10s %10s %10s %10s\n", "lookup", "median_ns", "rmed_min",
		       "rmed_max", "p99_ns");
	for (how = 0; how < R_NR; how++)
		seq_buf_printf(s, "%-8s %10llu %10llu %10llu %10llu\n", route_name[how],
			       med[how], lo[how], hi[how], p99[how]);
	seq_buf_printf(s, "JSON {\"route_ns\":{");
	for (how = 0; how < R_NR; how++) {
		seq_buf_printf(s, "%s\"%s\":{\"median\":%llu,\"p99\":%llu,", how ? "," : "",
			       route_name[how], med[how], p99[how]);
		seq_buf_printf(s, "\"round_median_min\":%llu,\"round_median_max\":%llu}",
			       lo[how], hi[how]);
	}
	seq_buf_printf(s, "}}\n");

	kfree(samples);
	pci_dev_put(client);
	pci_dev_put(provider);
	return 0;
}
