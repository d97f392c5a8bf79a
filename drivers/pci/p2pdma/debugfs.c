// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/p2pdma: the routing engine, queryable from user space.
 *
 * explain: write "PROVIDER CLIENT" (two PCI device names, for example
 *	"0000:01:00.0 0000:02:00.0"), then read the explanation of that
 *	pair's verdict from the same open file, in the format of
 *	Documentation/PCI/p2pdma-routing.rst. The decision is made afresh;
 *	then the pair is looked up the way mappings look it up, and what
 *	the cache held before and served then are reported too. Each write
 *	starts a new answer, read from its beginning; writers and readers of
 *	one open file take turns.
 * cache: read the cache, one line per entry, after a line of counters.
 *
 * Both need CAP_SYS_ADMIN, as debugfs does.
 */
#include <linux/debugfs.h>
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "p2pdma.h"

#define EXPLAIN_SIZE	PAGE_SIZE

struct explain_query {
	struct mutex lock;		/* guards @len and @text */
	size_t len;
	char text[EXPLAIN_SIZE];
};

static int explain_open(struct inode *inode, struct file *file)
{
	struct explain_query *q = kzalloc(sizeof(*q), GFP_KERNEL);

	if (!q)
		return -ENOMEM;
	mutex_init(&q->lock);
	file->private_data = q;
	return 0;
}

static int explain_release(struct inode *inode, struct file *file)
{
	struct explain_query *q = file->private_data;

	mutex_destroy(&q->lock);
	kfree(q);
	return 0;
}

/* "cache_before VERDICT DISTANCE", "cache_before stale" or "... none". */
static void explain_cache_line(struct pci_dev *provider, struct pci_dev *client,
			       struct seq_buf *out)
{
	enum pci_p2pdma_map_type map;
	int dist;

	switch (p2pdma_cache_peek(provider, client, &map, &dist)) {
	case P2PDMA_CACHE_NONE:
		seq_buf_puts(out, "cache_before none\n");
		break;
	case P2PDMA_CACHE_STALE:
		seq_buf_puts(out, "cache_before stale\n");
		break;
	case P2PDMA_CACHE_CURRENT:
		seq_buf_printf(out, "cache_before %s %d\n", p2pdma_map_name(map), dist);
		break;
	}
}

/* The PCI device named @name, with a reference taken; NULL if none. */
static struct pci_dev *pci_dev_by_name(const char *name)
{
	struct device *d = bus_find_device_by_name(&pci_bus_type, NULL, name);

	return d ? to_pci_dev(d) : NULL;
}

static ssize_t explain_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct explain_query *q = file->private_data;
	struct pci_dev *provider, *client;
	char buf[64], a[32], b[32], extra;
	enum pci_p2pdma_map_type map;
	struct seq_buf out;
	int dist;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	if (sscanf(buf, "%31s %31s %c", a, b, &extra) != 2) {
		pr_warn_ratelimited("p2pdma: explain: expected \"PROVIDER CLIENT\", two PCI device names\n");
		return -EINVAL;
	}

	provider = pci_dev_by_name(a);
	if (!provider) {
		pr_warn_ratelimited("p2pdma: explain: no PCI device %s\n", a);
		return -ENODEV;
	}
	client = pci_dev_by_name(b);
	if (!client) {
		pci_dev_put(provider);
		pr_warn_ratelimited("p2pdma: explain: no PCI device %s\n", b);
		return -ENODEV;
	}

	mutex_lock(&q->lock);
	seq_buf_init(&out, q->text, sizeof(q->text));
	p2pdma_explain(provider, &client->dev, &out);
	explain_cache_line(provider, client, &out);
	map = p2pdma_route(provider, client, &dist, false);
	seq_buf_printf(&out, "cached %s %d\n", p2pdma_map_name(map), dist);
	q->len = seq_buf_used(&out);
	*ppos = 0;
	mutex_unlock(&q->lock);
	pci_dev_put(client);
	pci_dev_put(provider);
	return count;
}

static ssize_t explain_read(struct file *file, char __user *ubuf, size_t count,
			    loff_t *ppos)
{
	struct explain_query *q = file->private_data;
	ssize_t ret;

	mutex_lock(&q->lock);
	ret = simple_read_from_buffer(ubuf, count, ppos, q->text, q->len);
	mutex_unlock(&q->lock);
	return ret;
}

static const struct file_operations explain_fops = {
	.owner = THIS_MODULE,
	.open = explain_open,
	.release = explain_release,
	.read = explain_read,
	.write = explain_write,
	.llseek = default_llseek,
};

/* "PROVIDER CLIENT VERDICT DISTANCE current|stale" */
static void cache_show_entry(const struct p2pdma_cache_entry *e, void *m)
{
	seq_printf(m, "%s %04x:%02x:%02x.%u %s %d %s\n", pci_name(e->provider),
		   e->domain, e->bus, PCI_SLOT(e->devfn), PCI_FUNC(e->devfn),
		   p2pdma_map_name(e->map), e->dist,
		   e->state == P2PDMA_CACHE_CURRENT ? "current" : "stale");
}

static int cache_show(struct seq_file *m, void *v)
{
	u64 gen = p2pdma_topology_gen();

	seq_printf(m, "generation %llu hits %ld misses %ld stale %ld\n", gen,
		   atomic_long_read(&p2pdma_cache_hits),
		   atomic_long_read(&p2pdma_cache_misses),
		   atomic_long_read(&p2pdma_cache_stale));
	p2pdma_cache_for_each(gen, cache_show_entry, m);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(cache);

static int __init p2pdma_debugfs_init(void)
{
	struct dentry *dir = debugfs_create_dir("p2pdma", NULL);

	debugfs_create_file("explain", 0600, dir, NULL, &explain_fops);
	debugfs_create_file("cache", 0400, dir, NULL, &cache_fops);
	return 0;
}
late_initcall(p2pdma_debugfs_init);
