// SPDX-License-Identifier: GPL-2.0
/*
 * p2ptest run with an NVMe client: user-space P2PDMA as a user does it,
 * with no test module. Two buffers of the provider's published p2pmem are
 * mapped (p2pmem/allocate); a seeded pattern in the first is written to
 * the namespace with O_DIRECT and read back with O_DIRECT into the second,
 * so that the NVMe controller DMAs to and from the provider's BAR, peer to
 * peer. Every byte is compared. The same through system memory is the
 * baseline the bandwidths are compared with.
 *
 * The namespace is left as found: the range is read before the first
 * write and written back after the last, whatever happened in between. A
 * range outside the namespace or not in whole logical blocks is refused;
 * so is any write to a namespace with a filesystem or partition-table
 * signature without --write-ok, and to a block device the kernel holds
 * (O_EXCL: mounted, a RAID, LVM or swap member).
 *
 * A P2P write or read the kernel refuses (EREMOTEIO: its routing engine
 * found no route for the pair) ends the run with EXIT_NO_P2P and the
 * kernel's explanation (debugfs p2pdma/explain). The route the kernel
 * took is the routing cache's entry for the pair (debugfs p2pdma/cache).
 *
 * With P2PTEST_SYSFS (a fake sysfs tree, see p2ptest_client.h) a regular
 * file stands for the namespace of its name: the host tests run this path
 * that way, the PCI side from a capture (--fixture).
 */
#include <blkid/blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "p2ptest.h"
#include "p2ptest_client.h"
#include "p2ptest_pattern.h"

#define DEFAULT_SIZE	(64ULL << 10)
#define MAX_SIZE	(1ULL << 30)

/* Seconds spent in the writes and in the reads of one kind of buffer. */
struct xfer {
	double write_s, read_s;
	bool done;			/* every round of it ran */
};

struct nvme_run {
	const char *client_arg;
	char provider[NAME_LEN];
	char ctrl[P2PTEST_BDF_LEN];	/* the namespace's controller */
	char name[NAME_MAX + 1];	/* in /sys/block: "nvme0n1" */
	char path[PATH_MAX];		/* what is opened: "/dev/nvme0n1" */
	uint32_t lbs;
	uint64_t ns_bytes;
	uint64_t size, offset, seed;
	int iterations;
	bool write_ok;
	char signature[96];		/* what blkid found, "" nothing */
	FILE *text;
	int fd;
	uint8_t *want;			/* the pattern */
	uint8_t *orig, *sys_w, *sys_r;	/* system memory, aligned for O_DIRECT */
	uint8_t *p2p_w, *p2p_r;		/* p2pmem */
	struct xfer p2p, sys;
	uint64_t verified, sys_verified, bad;
	bool refused, restored;
	char route[32];			/* the kernel's routing cache, "" unknown */
	int distance;
	char explanation[4096];
};

bool run_nvme_client(struct model *m, const char *client)
{
	struct dev *d;

	if (strchr(client, '/'))
		return true;
	d = model_find(m, client);
	return d && !strcmp(d->driver, "nvme");
}

/* The options into @r: 0, or 2 after saying what is wrong. */
static int nvme_options(struct model *m, const struct args *args, struct nvme_run *r)
{
	const char *o, *prov = args->opt['p'];
	const char *dot = strchr(prov, '.'), *colon = strrchr(prov, ':');
	struct dev *d;

	if (args->opt['b']) {
		warn("--bind is for clients the p2ptest driver drives; an NVMe client keeps "
		     "its nvme driver");
		return 2;
	}
	o = args->opt['s'];
	if (o && (run_parse_size(o, &r->size) || !r->size || r->size > MAX_SIZE)) {
		warn("--size must be a multiple of the namespace's logical block size, "
		     "from one block to 1G");
		return 2;
	}
	o = args->opt['o'];
	if (o && run_parse_size(o, &r->offset)) {
		warn("--offset must be a multiple of the namespace's logical block size");
		return 2;
	}
	if (args->opt['i'])
		r->iterations = atoi(args->opt['i']);
	if (r->iterations < 1) {
		warn("--iterations must be 1 or more");
		return 2;
	}
	if (args->opt['S'])
		r->seed = strtoull(args->opt['S'], NULL, 0);
	r->write_ok = args->opt['w'];
	if (dot && colon && colon > dot) {
		warn("an NVMe client moves data through the provider's p2pmem, not a BAR of "
		     "its choosing: --provider DEV");
		return 2;
	}
	d = model_find(m, prov);
	if (!d)
		die("no PCI device %s", prov);
	snprintf(r->provider, sizeof(r->provider), "%s", d->name);
	if (m->fixture && !getenv("P2PTEST_SYSFS"))
		die("run drives devices: it needs a live machine, not a capture");
	return 0;
}

/* The namespace: its name, the file to open, its controller, its geometry. 0, or 1. */
static int nvme_namespace(struct model *m, struct nvme_run *r)
{
	const char *c = r->client_arg;
	struct stat st;
	int ret;

	if (strchr(c, '/')) {
		snprintf(r->path, sizeof(r->path), "%s", c);
		ret = p2ptest_block_name(c, r->name, sizeof(r->name));
		/* The host tests: a regular file is the namespace of its name. */
		if (ret == -ENOTBLK && getenv("P2PTEST_SYSFS") && !stat(c, &st) &&
		    S_ISREG(st.st_mode)) {
			snprintf(r->name, sizeof(r->name), "%s", strrchr(c, '/') + 1);
			ret = 0;
		}
		if (ret) {
			warn("%s: %s", c, ret == -ENOTBLK ? "not a block device" :
			     ret == -EINVAL ? "a partition; name the whole namespace "
					      "(/dev/nvmeXnY)" : strerror(-ret));
			return 1;
		}
	} else {
		struct dev *d = model_find(m, c);

		ret = p2ptest_nvme_namespace(d->name, r->name, sizeof(r->name));
		if (ret) {
			warn("NVMe controller %s: %s", d->name, ret == -ENOENT ?
			     "no namespace of it in /sys/block" : strerror(-ret));
			return 1;
		}
		snprintf(r->path, sizeof(r->path), "/dev/%s", r->name);
	}
	ret = p2ptest_block_pci(r->name, r->ctrl, sizeof(r->ctrl));
	if (ret) {
		warn("%s: %s", r->name, ret == -ENOENT ? "not in /sys/block" :
		     ret == -ENODEV ? "no PCI device does its DMA: not an NVMe namespace" :
		     ret == -EXDEV ? "reached through several NVMe controllers (multipath): "
				     "no one client to route to" : strerror(-ret));
		return 1;
	}
	ret = p2ptest_block_geometry(r->name, &r->lbs, &r->ns_bytes);
	if (ret) {
		warn("cannot read the size of %s (/sys/block/%s): %s", r->name, r->name,
		     strerror(-ret));
		return 1;
	}
	return 0;
}

/* Whole logical blocks, within the namespace: 0, or 2. */
static int nvme_range(struct nvme_run *r)
{
	if (r->offset % r->lbs || r->size % r->lbs) {
		warn("--%s %llu is not a multiple of %s's logical block size, %u bytes",
		     r->offset % r->lbs ? "offset" : "size",
		     (unsigned long long)(r->offset % r->lbs ? r->offset : r->size), r->name,
		     r->lbs);
		return 2;
	}
	if (r->offset > r->ns_bytes || r->size > r->ns_bytes - r->offset) {
		warn("[%llu, %llu) extends past the end of %s, %llu bytes",
		     (unsigned long long)r->offset, (unsigned long long)(r->offset + r->size),
		     r->name, (unsigned long long)r->ns_bytes);
		return 2;
	}
	return 0;
}

/* The provider publishes p2pmem that user space may map, enough of it: 0, 1 or 2. */
static int nvme_provider(struct nvme_run *r)
{
	struct p2ptest_p2pmem pm;
	int ret = p2ptest_p2pmem_info(r->provider, &pm);

	if (ret) {
		if (ret == -ENOENT)
			warn("%s publishes no p2pmem (no p2pmem/ in its sysfs folder): it is no "
			     "P2PDMA provider (an NVMe controller is one with a CMB)", r->provider);
		else if (ret == -ENODEV)
			warn("%s is not in sysfs (%s/bus/pci/devices)", r->provider,
			     p2ptest_sysfs_root());
		else
			warn("cannot read %s's p2pmem: %s", r->provider, strerror(-ret));
		return 1;
	}
	if (!pm.published || !pm.size || !pm.mappable) {
		warn("%s's p2pmem is of no use here: %s", r->provider,
		     !pm.published ? "not published (p2pmem/published is 0): its driver keeps it" :
		     !pm.size ? "p2pmem/size is 0" :
		     "no p2pmem/allocate (this kernel cannot map p2pmem into user space)");
		return 1;
	}
	if (pm.available < 2 * r->size) {
		warn("two buffers of %llu bytes need %llu bytes of %s's p2pmem, %llu are available "
		     "(p2pmem/available): use a smaller --size", (unsigned long long)r->size,
		     (unsigned long long)(2 * r->size), r->provider,
		     (unsigned long long)pm.available);
		return 2;
	}
	return 0;
}

/* What blkid finds on the namespace into r->signature: 0, or -errno when it could not look. */
static int nvme_probe(struct nvme_run *r)
{
	blkid_probe pr;
	const char *v;
	int ret;

	r->signature[0] = '\0';
	errno = 0;
	pr = blkid_new_probe_from_filename(r->path);
	if (!pr)
		return errno ? -errno : -EIO;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	blkid_probe_enable_partitions(pr, 1);
	ret = blkid_do_safeprobe(pr);
	if (ret == -2)
		snprintf(r->signature, sizeof(r->signature), "several (ambiguous) signatures");
	else if (!ret && !blkid_probe_lookup_value(pr, "TYPE", &v, NULL))
		snprintf(r->signature, sizeof(r->signature), "TYPE=%s", v);
	else if (!ret && !blkid_probe_lookup_value(pr, "PTTYPE", &v, NULL))
		snprintf(r->signature, sizeof(r->signature), "PTTYPE=%s", v);
	else if (!ret)
		snprintf(r->signature, sizeof(r->signature), "an unnamed signature");
	blkid_free_probe(pr);
	return ret == -1 ? -EIO : 0;
}

/* Nothing on the namespace, or --write-ok: 0, or 2. */
static int nvme_signature(struct nvme_run *r)
{
	int ret = nvme_probe(r);

	if (ret) {
		if (r->write_ok)
			return 0;
		warn("cannot look for signatures on %s (blkid): %s; refusing to write to it "
		     "without --write-ok", r->path, strerror(-ret));
		return 2;
	}
	if (!r->signature[0])
		return 0;
	if (!r->write_ok) {
		warn("%s holds a filesystem or partition table, blkid says %s: refusing to write "
		     "to it without --write-ok (the range is restored afterwards)", r->name,
		     r->signature);
		return 2;
	}
	fprintf(r->text, "%s holds %s; writing anyway (--write-ok), the range is restored "
		"afterwards\n", r->name, r->signature);
	return 0;
}

/* Open the namespace for O_DIRECT, exclusively if a block device: 0, or 1. */
static int nvme_open(struct nvme_run *r)
{
	int flags = O_RDWR | O_DIRECT | O_CLOEXEC;
	struct stat st;

	/* O_EXCL on a block device: EBUSY while a filesystem or md holds it. */
	if (!stat(r->path, &st) && S_ISBLK(st.st_mode))
		flags |= O_EXCL;
	r->fd = open(r->path, flags);
	if (r->fd >= 0)
		return 0;
	warn("cannot open %s: %s", r->path,
	     errno == EBUSY ? "in use (mounted, or a RAID, LVM or swap member); not writing to it" :
	     errno == EACCES ? "permission denied (root, or the disk group)" :
	     errno == EINVAL ? "invalid argument (no O_DIRECT here?)" : strerror(errno));
	return 1;
}

/* The system memory buffers and the two p2pmem ones: 0, or 1. */
static int nvme_buffers(struct nvme_run *r)
{
	size_t align = r->lbs > 4096 ? r->lbs : 4096;
	int ret;

	r->want = malloc(r->size);
	if (!r->want || posix_memalign((void **)&r->orig, align, r->size) ||
	    posix_memalign((void **)&r->sys_w, align, r->size) ||
	    posix_memalign((void **)&r->sys_r, align, r->size)) {
		warn("out of memory for %llu-byte buffers", (unsigned long long)r->size);
		return 1;
	}
	ret = __p2ptest_p2pmem_map(r->provider, r->size, (void **)&r->p2p_w);
	if (!ret)
		ret = __p2ptest_p2pmem_map(r->provider, r->size, (void **)&r->p2p_r);
	if (ret) {
		warn("cannot map %llu bytes of %s's p2pmem: %s%s", (unsigned long long)r->size,
		     r->provider, strerror(-ret), ret == -ENOMEM ? " (not that much in one piece: "
		     "a smaller --size)" : ret == -EACCES ? " (root only)" : "");
		return 1;
	}
	return 0;
}

/* One O_DIRECT write or read of the whole range: 0, or -errno (-EIO: a short one). */
static int nvme_io(struct nvme_run *r, bool write, uint8_t *buf, double *secs)
{
	double t = run_now();
	ssize_t n = write ? pwrite(r->fd, buf, r->size, (off_t)r->offset) :
			    pread(r->fd, buf, r->size, (off_t)r->offset);
	int err = errno;

	*secs += run_now() - t;
	return n < 0 ? -err : (uint64_t)n != r->size ? -EIO : 0;
}

/*
 * The rounds through one pair of buffers: the pattern of seed + round
 * written from @wb, read back into @rb (cleared first), compared. The
 * bytes verified are counted in *@verified. 0, or -errno of the I/O.
 */
static int nvme_rounds(struct nvme_run *r, const char *what, uint8_t *wb, uint8_t *rb,
		       struct xfer *x, uint64_t *verified)
{
	uint64_t bad;
	int it, ret;

	for (it = 0; it < r->iterations; it++) {
		p2ptest_pattern_fill(r->want, r->size, r->seed + (uint64_t)it);
		memcpy(wb, r->want, r->size);
		ret = nvme_io(r, true, wb, &x->write_s);
		if (ret)
			return ret;
		memset(rb, 0, r->size);
		ret = nvme_io(r, false, rb, &x->read_s);
		if (ret)
			return ret;
		bad = run_verify(r->text, what, r->want, rb, r->size);
		r->bad += bad;
		*verified += bad ? 0 : r->size;
	}
	x->done = true;
	return 0;
}

static double mb_s(uint64_t bytes, double secs)
{
	return bytes / (secs > 1e-9 ? secs : 1e-9) / 1e6;
}

/* The routing cache's entry for the pair into r->route, or why there is none. */
static void nvme_route(struct nvme_run *r)
{
	int ret = p2ptest_route_cached(r->provider, r->ctrl, r->route, sizeof(r->route),
				       &r->distance);

	if (!ret)
		fprintf(r->text, "route %s, distance %d (the kernel's routing cache)\n", r->route,
			r->distance);
	else
		fprintf(r->text, "route unknown: %s\n", ret == -ENODATA ?
			"no current entry for the pair in " P2PTEST_CACHE :
			ret == -ENOENT ? "the kernel publishes no routing cache ("
					 P2PTEST_CACHE ")" :
			ret == -EACCES ? "debugfs is root's" : strerror(-ret));
}

/* The kernel's refusal, and its explanation of the pair. */
static void nvme_refused(struct nvme_run *r)
{
	int ret = p2ptest_explain(r->provider, r->ctrl, r->explanation, sizeof(r->explanation));
	const char *line, *nl;

	fprintf(r->text, "P2P refused: the kernel does not let %s DMA to %s's p2pmem (%s)\n",
		r->ctrl, r->provider, strerror(EREMOTEIO));
	if (ret) {
		fprintf(r->text, "the kernel's explanation is not available (%s: %s); "
			"\"%s explain %s %s\" gives the tool's\n", P2PTEST_EXPLAIN, strerror(-ret),
			prog, r->provider, r->ctrl);
		return;
	}
	fprintf(r->text, "the kernel's explanation:\n");
	for (line = r->explanation; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		fprintf(r->text, "  %.*s\n", (int)(nl ? nl - line : (long)strlen(line)), line);
	}
}

/* Put the range back as it was found: 0, or -errno. */
static int nvme_restore(struct nvme_run *r)
{
	double t = 0;
	int ret = nvme_io(r, true, r->orig, &t);

	if (!ret && fdatasync(r->fd))
		ret = -errno;
	r->restored = !ret;
	if (ret)
		warn("COULD NOT RESTORE %s: [%llu, +%llu) holds test data now: %s", r->name,
		     (unsigned long long)r->offset, (unsigned long long)r->size, strerror(-ret));
	else
		fprintf(r->text, "restored the %llu bytes found at %llu of %s\n",
			(unsigned long long)r->size, (unsigned long long)r->offset, r->name);
	return ret;
}

/* Save, P2P rounds, system memory rounds, restore: the exit status. */
static int nvme_transfers(struct nvme_run *r)
{
	uint64_t total = r->size * (uint64_t)r->iterations;
	char what[2 * NAME_MAX];
	double t = 0;
	int ret = nvme_io(r, false, r->orig, &t), err;

	if (ret) {
		warn("cannot read [%llu, +%llu) of %s before writing to it: %s",
		     (unsigned long long)r->offset, (unsigned long long)r->size, r->name,
		     strerror(-ret));
		r->restored = true;	/* nothing was written */
		return 1;
	}
	snprintf(what, sizeof(what), "p2pmem -> %s -> p2pmem", r->name);
	ret = nvme_rounds(r, what, r->p2p_w, r->p2p_r, &r->p2p, &r->verified);
	r->refused = ret == -EREMOTEIO;
	if (ret && !r->refused)
		warn("P2P I/O on %s failed: %s", r->path, strerror(-ret));
	nvme_route(r);
	if (!ret) {
		snprintf(what, sizeof(what), "memory -> %s -> memory", r->name);
		ret = nvme_rounds(r, what, r->sys_w, r->sys_r, &r->sys, &r->sys_verified);
		if (ret)
			warn("I/O on %s through system memory failed: %s", r->path, strerror(-ret));
	}
	err = nvme_restore(r);
	if (r->refused) {
		nvme_refused(r);
		return err ? 1 : EXIT_NO_P2P;
	}
	if (r->p2p.done)
		fprintf(r->text, "P2P:    %llu bytes written in %.3f s (%.2f MB/s), read in %.3f s "
			"(%.2f MB/s): p2pmem of %s <-> %s\n", (unsigned long long)total,
			r->p2p.write_s, mb_s(total, r->p2p.write_s), r->p2p.read_s,
			mb_s(total, r->p2p.read_s), r->provider, r->name);
	if (r->sys.done)
		fprintf(r->text, "sysmem: %llu bytes written in %.3f s (%.2f MB/s), read in %.3f s "
			"(%.2f MB/s): system memory <-> %s\n", (unsigned long long)total,
			r->sys.write_s, mb_s(total, r->sys.write_s), r->sys.read_s,
			mb_s(total, r->sys.read_s), r->name);
	if (r->p2p.done && r->sys.done)
		fprintf(r->text, "P2P/sysmem: write %.2f, read %.2f\n",
			mb_s(total, r->p2p.write_s) / mb_s(total, r->sys.write_s),
			mb_s(total, r->p2p.read_s) / mb_s(total, r->sys.read_s));
	return ret || err || r->bad ? 1 : 0;
}

static struct json_object *xfer_json(const struct nvme_run *r, const struct xfer *x)
{
	uint64_t total = r->size * (uint64_t)r->iterations;
	struct json_object *o;

	if (!x->done)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "write_mb_s", json_object_new_double(mb_s(total, x->write_s)));
	json_object_object_add(o, "read_mb_s", json_object_new_double(mb_s(total, x->read_s)));
	json_object_object_add(o, "write_seconds", json_object_new_double(x->write_s));
	json_object_object_add(o, "read_seconds", json_object_new_double(x->read_s));
	return o;
}

static struct json_object *str_or_null(const char *s)
{
	return s[0] ? json_object_new_string(s) : NULL;
}

/* The result as JSON: the document main() prints in JSON mode. */
static struct json_object *nvme_json(const struct nvme_run *r)
{
	uint64_t total = r->size * (uint64_t)r->iterations;
	struct json_object *o = json_object_new_object(), *ratio = NULL;

	json_object_object_add(o, "provider", json_object_new_string(r->provider));
	json_object_object_add(o, "client", json_object_new_string(r->ctrl));
	json_object_object_add(o, "namespace", json_object_new_string(r->path));
	json_object_object_add(o, "logical_block_size", json_object_new_int64(r->lbs));
	json_object_object_add(o, "offset", json_object_new_uint64(r->offset));
	json_object_object_add(o, "size", json_object_new_uint64(r->size));
	json_object_object_add(o, "seed", json_object_new_uint64(r->seed));
	json_object_object_add(o, "iterations", json_object_new_int(r->iterations));
	json_object_object_add(o, "signature", str_or_null(r->signature));
	json_object_object_add(o, "route", str_or_null(r->route));
	json_object_object_add(o, "distance",
			       r->route[0] ? json_object_new_int(r->distance) : NULL);
	json_object_object_add(o, "refused", json_object_new_boolean(r->refused));
	if (r->refused)
		json_object_object_add(o, "explanation", str_or_null(r->explanation));
	json_object_object_add(o, "bytes_verified", json_object_new_uint64(r->verified));
	json_object_object_add(o, "sysmem_bytes_verified", json_object_new_uint64(r->sys_verified));
	json_object_object_add(o, "mismatched_bytes", json_object_new_uint64(r->bad));
	json_object_object_add(o, "p2p", xfer_json(r, &r->p2p));
	json_object_object_add(o, "sysmem", xfer_json(r, &r->sys));
	if (r->p2p.done && r->sys.done) {
		ratio = json_object_new_object();
		json_object_object_add(ratio, "write", json_object_new_double(
			mb_s(total, r->p2p.write_s) / mb_s(total, r->sys.write_s)));
		json_object_object_add(ratio, "read", json_object_new_double(
			mb_s(total, r->p2p.read_s) / mb_s(total, r->sys.read_s)));
	}
	json_object_object_add(o, "ratio", ratio);
	json_object_object_add(o, "restored", json_object_new_boolean(r->restored));
	return o;
}

int run_nvme(struct model *m, const struct args *args, struct output *out)
{
	struct nvme_run r = {
		.client_arg = args->opt['c'], .size = DEFAULT_SIZE, .iterations = 1,
		.seed = (uint64_t)time(NULL), .text = out->text, .fd = -1,
	};
	struct dev *p, *c;
	struct route route;
	int ret;

	ret = nvme_options(m, args, &r);
	if (!ret)
		ret = nvme_namespace(m, &r);
	if (!ret)
		ret = nvme_range(&r);
	if (!ret)
		ret = nvme_provider(&r);
	if (!ret)
		ret = nvme_signature(&r);
	if (ret)
		return ret;

	/* The tool's own verdict, where it could read ACS. */
	p = model_find(m, r.provider);
	c = model_find(m, r.ctrl);
	if (p && c && m->host.root) {
		route_decide(m, p, c, &route);
		fprintf(r.text, "%s -> %s: %s, distance %d\n", p->name, c->name,
			verdict_name(route.verdict), route.distance);
	}
	fprintf(r.text, "%s (%s, controller %s): [%llu, +%llu) of %llu bytes, %u-byte blocks; "
		"seed %#llx (repeat with --seed %#llx)\n", r.path, r.name, r.ctrl,
		(unsigned long long)r.offset, (unsigned long long)r.size,
		(unsigned long long)r.ns_bytes, r.lbs, (unsigned long long)r.seed,
		(unsigned long long)r.seed);

	ret = nvme_open(&r);
	if (!ret)
		ret = nvme_buffers(&r);
	if (!ret) {
		ret = nvme_transfers(&r);
		out->doc = nvme_json(&r);
	}
	if (r.p2p_w)
		munmap(r.p2p_w, r.size);
	if (r.p2p_r)
		munmap(r.p2p_r, r.size);
	free(r.want);
	free(r.orig);
	free(r.sys_w);
	free(r.sys_r);
	if (r.fd >= 0)
		close(r.fd);
	return ret;
}
