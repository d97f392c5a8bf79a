// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest: find out whether PCIe peer-to-peer DMA works between devices on
 * this machine, why, how to fix it, and (with the kernel half) prove it.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "p2ptest.h"

const char *prog = "p2ptest";

static const struct {
	const char *name;
	int (*run)(struct model *m, int argc, char **argv, bool json);
	const char *what;
} cmds[] = {
	{ "topo", cmd_topo, "matrix of PCI endpoints: link class and P2P verdict per pair" },
	{ "explain", cmd_explain, "why a provider/client pair gets its verdict, and the fix" },
	{ "audit", cmd_audit, "IOMMU state, bridges with ACS redirect, the pairs they affect" },
	{ "capture", cmd_capture, "write this machine down for a bug report or a test" },
	{ "run", cmd_run, "a verified P2P transfer between two devices, and its bounce baseline" },
	{ "bench", cmd_bench, "run the kernel's DMA map benchmark and print its tables" },
};

void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
						      JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: %s [--fixture FILE] [--json] COMMAND [ARGS]\n"
		"\n"
		"PCIe peer-to-peer DMA: topology, verdicts with reasons, ACS audit.\n"
		"\n", prog);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].what);
	fprintf(f,
		"\n"
		"  --fixture FILE  read a machine written by \"%s capture\" instead of this one\n"
		"  --json          machine-readable output\n"
		"  --numeric       vendor and device IDs only, no names (faster: no pci.ids)\n"
		"\n"
		"\"%s COMMAND --help\" for each command. The rules are the kernel's:\n"
		"Documentation/PCI/p2pdma-routing.rst.\n", prog, prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fixture", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "numeric", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *fixture = NULL;
	bool numeric = false;
	struct model m = { 0 };
	bool json = false;
	size_t i;
	int c, ret;

	/* Stop at the command: its options are its own. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'f': fixture = optarg; break;
		case 'j': json = true; break;
		case 'n': numeric = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[optind], cmds[i].name))
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[optind]);
		usage(stderr);
		return 2;
	}
	if (model_load(&m, fixture, numeric)) {
		model_free(&m);
		return 1;
	}
	ret = cmds[i].run(&m, argc - optind, argv + optind, json);
	model_free(&m);
	return ret;
}
