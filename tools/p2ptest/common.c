// SPDX-License-Identifier: GPL-2.0
/*
 * What the parts of p2ptest share: saying what went wrong (die() and
 * warn(), "p2ptest: what" on stderr), the root check of the commands
 * that read ACS, copying strings into fixed buffers, and reading back the
 * JSON documents the commands build.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p2ptest.h"

const char *prog = "p2ptest";

static void say(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

/* Say what went wrong and exit 1: only where nothing needs undoing. */
void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
	exit(1);
}

/* Say what went wrong; the caller goes on, or cleans up and fails. */
void warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(fmt, ap);
	va_end(ap);
}

/* Extended config space (ACS) needs root on a live machine: die without it. */
void need_root(struct model *m, const char *what)
{
	if (m->fixture || geteuid() == 0)
		return;
	die("%s reads ACS from extended PCI config space, which only root can read:\n"
	    "  run it as root (sudo %s %s ...)", what, prog, what);
}

/* Copy @src (NULL: "") into @dst of @len bytes, cut to fit. */
void copy_str(char *dst, size_t len, const char *src)
{
	size_t n = src ? strnlen(src, len - 1) : 0;

	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The string at @key of @o; NULL if absent or null. */
const char *json_str(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : NULL;
}

/* The boolean at @key of @o; false if absent. */
bool json_flag(struct json_object *o, const char *key)
{
	return json_object_get_boolean(json_object_object_get(o, key));
}
