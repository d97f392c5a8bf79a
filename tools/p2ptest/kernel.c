// SPDX-License-Identifier: GPL-2.0
/*
 * What the running kernel says about a pair: this project's kernels
 * publish their verdicts in /sys/kernel/debug/p2pdma/explain
 * (Documentation/PCI/p2pdma-routing.rst).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "p2ptest.h"

#define EXPLAIN "/sys/kernel/debug/p2pdma/explain"

/**
 * kernel_explain() - ask the kernel to explain a pair
 * @a: provider name
 * @b: client name
 * @buf: the explanation, NUL-terminated
 * @len: size of @buf
 *
 * Return: 0, or a negative errno: -ENOENT when the kernel publishes no
 * verdicts (or debugfs is not mounted), -EACCES without root.
 */
int kernel_explain(const char *a, const char *b, char *buf, size_t len)
{
	char query[64];
	ssize_t n;
	int fd;

	fd = open(EXPLAIN, O_RDWR);
	if (fd < 0)
		return -errno;
	snprintf(query, sizeof(query), "%s %s\n", a, b);
	if (write(fd, query, strlen(query)) < 0 || lseek(fd, 0, SEEK_SET) < 0) {
		n = -errno;
		close(fd);
		return (int)n;
	}
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

/**
 * kernel_field() - the value of the first "KEY value" line of an explanation
 * @explanation: what kernel_explain() read
 * @key: the key
 * @buf: where the value goes
 * @len: its size
 *
 * Return: @buf, or NULL if there is no such line.
 */
const char *kernel_field(const char *explanation, const char *key, char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p;

	for (p = explanation; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ' ') {
			size_t n = strcspn(p + klen + 1, "\n");

			snprintf(buf, len, "%.*s", (int)n, p + klen + 1);
			return buf;
		}
	}
	return NULL;
}
