// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest bench: load the kernel's DMA map benchmark module
 * (tests/bench/dma_map_bench.ko, built with the project kernel), print
 * its tables (map + unmap cost per method, IOMMU map calls, IOTLB syncs,
 * page sizes, metadata; the routing decision's cost) and unload it.
 * Figures, not a test: the module measures, this only shows.
 */
#include <errno.h>
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
		warn("cannot use %s: %s", path, strerror(-ret));
		return 1;
	}
	ret = kmod_module_insert_module(*mod, 0, params);
	if (ret < 0) {
		warn("loading %s failed: %s%s", path, strerror(-ret),
		     ret == -EEXIST ? " (already loaded: rmmod dma_map_bench)" :
		     ret == -ENODEV ? " (no edu or NVMe device to map for)" : "");
		kmod_module_unref(*mod);
		return 1;
	}
	return 0;
}

/*
 * The results file: its tables go to stdout in text mode; its JSON lines,
 * merged into one object, are the document main() prints in JSON mode.
 */
static int show(struct output *out)
{
	struct json_object *all, *maps = NULL, *o;
	FILE *f = fopen(RESULTS, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!f) {
		warn("cannot read %s: %s", RESULTS, strerror(errno));
		return 1;
	}
	all = json_object_new_object();
	/* A JSON line holds a whole table: no fixed-size buffer fits every one. */
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "JSON ", 5)) {
			if (!out->json)
				fputs(line, stdout);
			continue;
		}
		o = json_tokener_parse(line + 5);
		if (o && json_object_is_type(o, json_type_array)) {
			json_object_put(maps);
			maps = o;
			continue;
		}
		if (o && json_object_is_type(o, json_type_object)) {
			json_object_object_foreach(o, key, val)
				json_object_object_add(all, key, json_object_get(val));
		}
		json_object_put(o);
	}
	free(line);
	fclose(f);
	json_object_object_add(all, "map", maps ? maps : json_object_new_array());
	out->doc = all;
	return 0;
}

static int bench(struct model *m, const struct args *args, struct output *out)
{
	const char *iterations = args->opt['i'];
	char path[512] = "", params[64] = "";
	struct kmod_module *mod;
	struct kmod_ctx *ctx;
	struct utsname u;
	int ret;

	(void)m;
	if (iterations && atoi(iterations) < 3) {
		warn("--iterations must be 3 or more");
		return 2;
	}
	if (iterations)
		snprintf(params, sizeof(params), "iterations=%d", atoi(iterations));
	if (args->opt['m'])
		snprintf(path, sizeof(path), "%s", args->opt['m']);
	if (geteuid() != 0)
		die("bench loads a kernel module and reads debugfs: run it as root");
	if (!path[0] && !uname(&u))
		snprintf(path, sizeof(path), "/lib/modules/%s/extra/dma_map_bench.ko", u.release);
	if (access(path, R_OK))
		die("no benchmark module at %s: build it with scripts/kbuild bench and pass "
		    "--module PATH", path);

	ctx = kmod_new(NULL, NULL);
	if (!ctx)
		die("libkmod: cannot start");
	ret = load(ctx, path, params, &mod);
	if (!ret) {
		ret = show(out);
		kmod_module_remove_module(mod, 0);
		kmod_module_unref(mod);
	}
	kmod_unref(ctx);
	return ret;
}

const struct cmd cmd_bench = {
	"bench", "run the kernel's DMA map benchmark and print its tables", usage, bench,
	.opts = {
		{ "module", required_argument, NULL, 'm' },
		{ "iterations", required_argument, NULL, 'i' },
	},
};
