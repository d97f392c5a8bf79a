// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What the kernel publishes that the p2ptest programs check: dma-bufs
 * alive, IOMMU page-table entries, open files, routing verdicts (asked
 * for, and cached) and the host-bridge allow-list.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "p2ptest_client.h"

/* fopen(@path, "re") of a path under /sys, under the sysfs root: NULL with errno set. */
static FILE *sys_fopen(const char *path)
{
	char real[PATH_MAX];
	int ret = p2ptest_sysfs_path(real, sizeof(real), "%s", path);

	if (ret) {
		errno = -ret;
		return NULL;
	}
	return fopen(real, "re");
}

int p2ptest_count_phys_bufs(void)
{
	char line[512];
	FILE *f = sys_fopen(P2PTEST_BUFINFO);
	int n = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "dma_buf_phys") != NULL;
	fclose(f);
	return n;
}

long p2ptest_count_iommu_ptes(const char *bdf)
{
	char line[512];
	FILE *f = sys_fopen(P2PTEST_IOMMU_PTES);
	long n = 0;
	bool in = false;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "Device ", 7))
			in = strstr(line, bdf) != NULL;
		else if (in && !strncmp(line, "0x", 2))
			n++;
	}
	fclose(f);
	return n;
}

int p2ptest_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -errno;
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

int p2ptest_explain(const char *provider, const char *client, char *buf, size_t len)
{
	char query[64];

	snprintf(query, sizeof(query), "%s %s\n", provider, client);
	return p2ptest_sysfs_query(P2PTEST_EXPLAIN, query, buf, len);
}

const char *p2ptest_explain_field(const char *explanation, const char *key, char *buf,
				  size_t len)
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

int p2ptest_route_cached(const char *provider, const char *client, char *map, size_t len,
			 int *distance)
{
	char line[256], p[32], c[32], v[32], state[16];
	FILE *f = sys_fopen(P2PTEST_CACHE);
	int d, ret = -ENODATA;

	map[0] = '\0';
	if (!f)
		return -errno;
	/* After a line of counters: "PROVIDER CLIENT MAP DISTANCE current|stale". */
	while (ret && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %31s %31s %d %15s", p, c, v, &d, state) != 5 ||
		    strcmp(p, provider) || strcmp(c, client) || strcmp(state, "current"))
			continue;
		snprintf(map, len, "%s", v);
		if (distance)
			*distance = d;
		ret = 0;
	}
	fclose(f);
	return ret;
}

int p2ptest_allowlist_get(char *buf, size_t len)
{
	return p2ptest_sysfs_read(P2PTEST_ALLOWLIST, buf, len);
}

int p2ptest_allowlist_set(const char *list)
{
	/* An empty write() never reaches the parameter: "\n" clears it. */
	return p2ptest_sysfs_write(P2PTEST_ALLOWLIST, list[0] ? list : "\n");
}
