// SPDX-License-Identifier: MIT
/*
 * A kernel module's selftests as IGT subtests, the way IGT's
 * igt_kselftests() runs them: every module parameter named
 * igt__<order>__<name> enables one selftest; each is a dynamic subtest of
 * "all-tests" (see igt_kmod.h for a filter), run by loading the module with only that parameter set
 * (a failing selftest fails the load) and unloading it again.
 *
 * The module is looked up by name through libkmod (modules.dep of the
 * running kernel) and, failing that, as NAME.ko in the folders listed in
 * IGT_KMOD_PATH (colon-separated): a kernel built out of tree has no
 * modules.dep.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libkmod.h>

#include "igt_core.h"
#include "igt_kmod.h"

struct selftest {
	char param[128];	/* igt__<order>__<name> */
	size_t name;		/* where <name> starts in @param */
	long order;
};

static struct kmod_module *find_module(struct kmod_ctx *ctx, const char *name)
{
	struct kmod_module *mod = NULL;
	struct kmod_list *list = NULL;
	const char *dirs = getenv("IGT_KMOD_PATH");
	char path[PATH_MAX], *copy, *dir, *save = NULL;

	if (kmod_module_new_from_lookup(ctx, name, &list) == 0 && list) {
		mod = kmod_module_get_module(list);
		kmod_module_unref_list(list);
		if (kmod_module_get_path(mod))
			return mod;
		kmod_module_unref(mod);
		mod = NULL;
	}
	copy = strdup(dirs ? dirs : "");
	for (dir = strtok_r(copy, ":", &save); dir && !mod; dir = strtok_r(NULL, ":", &save)) {
		snprintf(path, sizeof(path), "%s/%s.ko", dir, name);
		if (access(path, R_OK) == 0 && kmod_module_new_from_path(ctx, path, &mod))
			mod = NULL;
	}
	free(copy);
	return mod;
}

static void unload(struct kmod_module *mod)
{
	if (kmod_module_get_initstate(mod) >= 0)
		kmod_module_remove_module(mod, 0);
}

static int by_order(const void *a, const void *b)
{
	const struct selftest *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

/* The module's igt__N__name parameters, in order; returns how many. */
static int list_selftests(struct kmod_module *mod, struct selftest *st, int max)
{
	struct kmod_list *info = NULL, *l;
	int n = 0;

	if (kmod_module_get_info(mod, &info) < 0)
		return -1;
	kmod_list_foreach(l, info) {
		const char *key = kmod_module_info_get_key(l);
		const char *val = kmod_module_info_get_value(l);
		char *end;

		if (strcmp(key, "parmtype") || strncmp(val, "igt__", 5) || n == max)
			continue;
		snprintf(st[n].param, sizeof(st[n].param), "%s", val);
		st[n].param[strcspn(st[n].param, ":")] = '\0';
		st[n].order = strtol(st[n].param + 5, &end, 10);
		if (strncmp(end, "__", 2))
			continue;
		st[n].name = (size_t)(end + 2 - st[n].param);
		n++;
	}
	kmod_module_info_free_list(info);
	qsort(st, n, sizeof(*st), by_order);
	return n;
}

/* @name less the prefix @filter and the separator after it, as IGT names the dynamic subtest. */
static const char *unfiltered(const char *name, const char *filter)
{
	if (!filter)
		return name;
	name += strlen(filter);
	if (*name && !isalpha((unsigned char)*name))
		name++;
	return name;
}

/**
 * igt_kselftests() - run a module's selftests as dynamic subtests
 * @module_name: e.g. "dmabuf_selftests"
 * @module_options: more parameters for every load, or NULL
 * @result_option: ignored: only modules that report through their load
 *	status are run here
 * @filter: prefix of the names of the selftests to run, and the subtest's
 *	name; NULL: all, in "all-tests"
 */
void igt_kselftests(const char *module_name, const char *module_options,
		    const char *result_option, const char *filter)
{
	/* Static: set in a fixture, used after a possible longjmp. */
	static struct selftest st[64];
	static struct kmod_module *mod;
	static struct kmod_ctx *ctx;
	static int n;
	static int i;	/* static: kept across a failed dynamic subtest's longjmp */
	char params[512];
	const char *name;
	int ret;

	(void)result_option;
	igt_fixture {
		igt_require_f(geteuid() == 0, "loading modules needs root\n");
		ctx = kmod_new(NULL, NULL);
		igt_assert(ctx);
		mod = find_module(ctx, module_name);
		igt_require_f(mod, "module %s not found (modules.dep, IGT_KMOD_PATH)\n",
			      module_name);
		n = list_selftests(mod, st, 64);
		igt_require_f(n > 0, "%s has no igt__ selftest parameters\n", module_name);
		/* A copy left loaded by someone else would not run our selection. */
		unload(mod);
	}

	igt_subtest_with_dynamic(filter ? filter : "all-tests") {
		for (i = 0; i < n; i++) {
			name = st[i].param + st[i].name;
			if (filter && strncmp(name, filter, strlen(filter)))
				continue;
			igt_dynamic(unfiltered(name, filter)) {
				snprintf(params, sizeof(params), "%s=1 %s", st[i].param,
					 module_options ? module_options : "");
				ret = kmod_module_insert_module(mod, 0, params);
				unload(mod);
				igt_assert_f(ret == 0, "loading %s with %s: %s\n", module_name,
					     params, strerror(-ret));
			}
		}
	}

	igt_fixture {
		kmod_module_unref(mod);
		kmod_unref(ctx);
	}
}
