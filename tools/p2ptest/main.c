// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest: find out whether PCIe peer-to-peer DMA works between devices on
 * this machine, why, how to fix it, and (with the kernel half) prove it.
 *
 * All options are parsed here, the program's and the command's, and the
 * output mode is decided here: with --json (before the command or after
 * it) stdout holds the command's JSON document, printed here, and nothing
 * else.
 */
#include <stdlib.h>
#include <string.h>

#include "p2ptest.h"

static const struct cmd *const cmds[] = {
	&cmd_topo, &cmd_explain, &cmd_audit, &cmd_capture, &cmd_run, &cmd_bench,
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

/* The program's and every command's. */
#define OPT_HELP	{ "help", no_argument, NULL, 'h' }
#define OPT_JSON	{ "json", no_argument, NULL, 'j' }

static void print_json(struct json_object *o)
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
	for (i = 0; i < NCMDS; i++)
		fprintf(f, "  %-8s %s\n", cmds[i]->name, cmds[i]->what);
	fprintf(f,
		"\n"
		"  --fixture FILE  read a machine written by \"%s capture\" instead of this one\n"
		"  --json          machine-readable output\n"
		"  --numeric       vendor and device IDs only, no names (faster: no pci.ids)\n"
		"\n"
		"\"%s COMMAND --help\" for each command. The rules are the kernel's:\n"
		"Documentation/PCI/p2pdma-routing.rst.\n", prog, prog);
}

static const struct cmd *find_cmd(const char *name)
{
	size_t i;

	for (i = 0; i < NCMDS; i++)
		if (!strcmp(name, cmds[i]->name))
			return cmds[i];
	return NULL;
}

/*
 * The options of command @c (@argv[0]): its own go to @args by letter,
 * --help and --json are handled here, then the operands are counted.
 *
 * Return: -1 to run the command, or the exit status: 0 after --help, 2 on
 * bad usage (the command's usage is on stderr then).
 */
static int parse_cmd(const struct cmd *c, int argc, char **argv, struct args *args, bool *json)
{
	static const struct option help = OPT_HELP, json_opt = OPT_JSON;
	struct option opts[CMD_OPTS + 3];
	int n, o;

	for (n = 0; n < CMD_OPTS && c->opts[n].name; n++)
		opts[n] = c->opts[n];
	opts[n++] = help;
	if (!c->text_only)
		opts[n++] = json_opt;
	opts[n] = (struct option){ 0 };

	/* 0, not 1: glibc starts afresh, and options may follow the operands. */
	optind = 0;
	while ((o = getopt_long(argc, argv, c->shortopts ? c->shortopts : "", opts, NULL)) != -1 &&
	       o != '?') {
		if (o == 'h') {
			c->usage(stdout);
			return 0;
		}
		if (o == 'j')
			*json = true;
		else
			args->opt[o] = optarg ? optarg : "";
	}
	if (o == '?' || argc - optind != c->nargs || (*json && c->text_only)) {
		c->usage(stderr);
		return 2;
	}
	args->argv = argv + optind;
	return -1;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "fixture", required_argument, NULL, 'f' },
		OPT_JSON,
		{ "numeric", no_argument, NULL, 'n' },
		OPT_HELP,
		{ NULL, 0, NULL, 0 },
	};
	struct output out = { .text = stdout };
	const char *fixture = NULL;
	struct args args = { 0 };
	bool numeric = false;
	struct model m = { 0 };
	const struct cmd *cmd;
	int c, ret;

	/* Stop at the command: its options are parsed next. */
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'f': fixture = optarg; break;
		case 'j': out.json = true; break;
		case 'n': numeric = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return 2;
	}
	cmd = find_cmd(argv[optind]);
	if (!cmd) {
		warn("unknown command '%s'", argv[optind]);
		usage(stderr);
		return 2;
	}
	ret = parse_cmd(cmd, argc - optind, argv + optind, &args, &out.json);
	if (ret >= 0)
		return ret;
	if (out.json)
		out.text = stderr;

	if (model_load(&m, fixture, numeric)) {
		model_free(&m);
		return 1;
	}
	ret = cmd->run(&m, &args, &out);
	if (out.json && out.doc)
		print_json(out.doc);
	json_object_put(out.doc);
	model_free(&m);
	return ret;
}
