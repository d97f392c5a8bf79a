// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest bench: load the kernel's DMA map benchmark module
 * (tests/bench/dma_map_bench.ko, built with the project kernel), print
 * its tables (map + unmap cost per method, IOMMU map calls, IOTLB syncs,
 * page sizes, metadata; the routing decision's cost) and unload it.
 * Figures, not a test: the module measures, this only shows.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>

#include <libkmod.h>

#include "p2ptest.h"

#define RESULTS "/sys/kernel/debug/dma_map_bench/results"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s bench [--module PATH] [--iterations N] [--json]\n"
		"\n"
		"Load the DMA map benchmark module, print its tables, unload it. The\n"
		"module is tests/bench/dma_map_bench.ko built against the running\n"
		"kernel (scripts/kbuild bench builds it; default path:\n"
		"/lib/modules/$(uname -r)/extra/dma_map_bench.ko). Needs root, debugfs\n"
		"and the QEMU edu and NVMe devices the benchmark maps for. Run it on a\n"
		"kernel without sanitizers: scripts/bench does.\n", prog);
}

/* Insert the module at @path with @params; on success *@mod is referenced. */
static int load(struct kmod_ctx *ctx, const char *path, const char *params,
		struct kmod_module **mod)
{
	int ret = kmod_module_new_from_path(ctx, path, mod);

	if (ret < 0) {
		fprintf(stderr, "%s: cannot use %s: %s\n", prog, path, strerror(-ret));
		return 1;
	}
	ret = kmod_module_insert_module(*mod, 0, params);
	if (ret < 0) {
		fprintf(stderr, "%s: loading %s failed: %s%s\n", prog, path, strerror(-ret),
			ret == -EEXIST ? " (already loaded: rmmod dma_map_bench)" :
			ret == -ENODEV ? " (no edu or NVMe device to map for)" : "");
		kmod_module_unref(*mod);
		return 1;
	}
	return 0;
}

/* Print the results file: tables as text, or the JSON lines as one object. */
static int show(bool json)
{
	struct json_object *all = json_object_new_object(), *maps = NULL, *o;
	FILE *f = fopen(RESULTS, "r");
	char line[512];

	if (!f) {
		fprintf(stderr, "%s: cannot read %s: %s\n", prog, RESULTS, strerror(errno));
		json_object_put(all);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "JSON ", 5)) {
			if (!json)
				fputs(line, stdout);
			continue;
		}
		o = json_tokener_parse(line + 5);
		if (o && json_object_is_type(o, json_type_array)) {
			maps = o;
			continue;
		}
		if (o && json_object_is_type(o, json_type_object)) {
			json_object_object_foreach(o, key, val)
				json_object_object_add(all, key, json_object_get(val));
		}
		json_object_put(o);
	}
	fclose(f);
	if (json) {
		json_object_object_add(all, "map", maps ? maps : json_object_new_array());
		print_json(all);
	} else if (maps) {
		json_object_put(maps);
	}
	json_object_put(all);
	return 0;
}

int cmd_bench(struct model *m, int argc, char **argv, bool json)
{
	static const struct option opts[] = {
		{ "module", required_argument, NULL, 'm' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char path[512] = "", params[64] = "";
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	struct utsname u;
	int c, ret;

	(void)m;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'm': snprintf(path, sizeof(path), "%s", optarg); break;
		case 'i':
			if (atoi(optarg) < 3) {
				fprintf(stderr, "%s: --iterations must be 3 or more\n", prog);
				return 2;
			}
			snprintf(params, sizeof(params), "iterations=%d", atoi(optarg));
			break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "%s: bench loads a kernel module and reads debugfs: run it as root\n",
			prog);
		return 1;
	}
	if (!path[0] && !uname(&u))
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/dma_map_bench.ko", u.release);
	if (access(path, R_OK)) {
		fprintf(stderr, "%s: no benchmark module at %s: build it with scripts/kbuild bench "
			"and pass --module PATH\n", prog, path);
		return 1;
	}

	ctx = kmod_new(NULL, NULL);
	if (!ctx) {
		fprintf(stderr, "%s: libkmod: cannot start\n", prog);
		return 1;
	}
	ret = load(ctx, path, params, &mod);
	if (!ret) {
		ret = show(json);
		kmod_module_remove_module(mod, 0);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return ret;
}
