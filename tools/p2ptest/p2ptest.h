/* SPDX-License-Identifier: GPL-2.0 */
/*
 * p2ptest: PCIe peer-to-peer topology, verdicts and transfers.
 *
 * The model is built from PCI configuration space alone (through libpci,
 * live or from a capture file), plus the few sysfs facts that config space
 * does not hold (NUMA node, IOMMU group, driver). The routing rules are the
 * kernel's (Documentation/PCI/p2pdma-routing.rst), applied by the tool on
 * its own so that it can be compared with the kernel's published verdict.
 */
#ifndef P2PTEST_H
#define P2PTEST_H

#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <json-c/json.h>
#include <pci/pci.h>

#define NAME_LEN	16	/* "dddd:bb:dd.f" */

/* The ACS controls that send peer-to-peer TLPs up to the root complex. */
#define ACS_REDIRECT	(PCI_ACS_CTRL_REQ_RED | PCI_ACS_CTRL_CMPLT_RED | PCI_ACS_CTRL_EGRESS)

/* Verdicts, as the kernel names them. */
enum verdict { V_BUS_ADDR, V_THRU_HOST_BRIDGE, V_NOT_SUPPORTED };

/* How two devices are linked, as nvidia-smi topo -m names it. */
enum link { L_X, L_PIX, L_PXB, L_PHB, L_NODE, L_SYS };

struct dev {
	struct pci_dev *pd;
	char name[NAME_LEN];
	uint16_t vendor, device;
	uint32_t class;			/* base, sub, prog-if */
	int hdr_type;			/* 0 endpoint, 1 bridge */
	int sec_bus, sub_bus;		/* bridges only */
	int pcie_type;			/* PCI_EXP_TYPE_*, -1 if not PCIe */
	bool cfg_ext;			/* extended config space read */
	bool acs_known;			/* whether ACS (or its absence) is known */
	int acs_pos;			/* 0: no ACS capability */
	uint16_t acs_cap, acs_ctrl;
	struct dev *up;			/* upstream bridge, NULL on a root bus */
	int root_bus;			/* bus number of its root bus */
	int numa;			/* -1 unknown */
	char iommu_group[16];		/* "" none */
	char iommu_type[24];		/* the group's domain type */
	char driver[32];
};

struct host_info {
	char iommu[16];			/* "off", "translated", "passthrough", "mixed" */
	char allowlist[256];		/* kernel's runtime allow-list, "" if none */
	bool allowlist_known;		/* the kernel publishes one */
	char cpu_vendor[16];
	int cpu_family;
	char kernel[64];
	bool root;			/* read (or captured) as root */
};

struct model {
	struct pci_access *pacc;
	struct dev *devs;
	int ndev;
	struct host_info host;
	const char *fixture;		/* NULL: the live machine */
};

struct route {
	enum verdict verdict;
	int distance;
	struct dev *common;		/* NULL: none */
	struct dev *path[64];		/* provider side upwards, then client side upwards */
	int npath, nprov;		/* path length, of which provider side */
	bool redirected;
	struct dev *redirecting[64];
	int nredir;
	struct dev *hb[2];		/* host bridge identity devices (may be NULL) */
	int nhb;
	bool hb_allowed;
	bool cpu_ok;
	enum link link;
};

/* model.c */
int model_load(struct model *m, const char *fixture, bool numeric);
void model_free(struct model *m);
struct dev *model_find(struct model *m, const char *name);
struct dev *model_host_bridge(struct model *m, struct dev *d);
bool dev_is_default_class(const struct dev *d);
const char *dev_describe(struct model *m, struct dev *d, char *buf, size_t len);

/* cmd_capture.c: the capture format's reader (its writer is the command) */
int capture_read(struct model *m);

/* route.c */
void route_decide(struct model *m, struct dev *a, struct dev *b, struct route *r);
const char *verdict_name(enum verdict v);
const char *link_name(enum link l);
bool host_bridge_allowed(struct model *m, struct dev *hb, bool same);
bool acs_redirects(const struct dev *d);
void acs_decode(uint16_t bits, char *buf, size_t len);
const char *pcie_type_name(int type);

/*
 * The output mode, which main() alone decides: --json, before the command
 * or after it. In JSON mode stdout holds one JSON document and nothing
 * else: the command's @doc, which main() prints (none when the command
 * failed before it had a result: then stdout stays empty). Commands print
 * their text only in text mode; progress goes to @text.
 */
struct output {
	bool json;
	FILE *text;			/* lines for people: stdout, stderr in JSON mode */
	struct json_object *doc;	/* the result as JSON; main() prints and puts it */
};

/* A command's options and operands, as main() parsed them. */
struct args {
	const char *opt[128];		/* by option letter: its argument, "" for a flag */
	char **argv;			/* the operands, cmd.nargs of them */
};

#define CMD_OPTS	8		/* a command's own options, at most */

/*
 * A command. main() parses its options: its own from @opts (letters other
 * than 'h' and 'j': --help is every command's, --json every one's but a
 * @text_only one's), then checks that @nargs operands are left, then calls
 * @run. @run returns the exit status: 0, 1 on an error, 2 on bad usage, or
 * its own.
 */
struct cmd {
	const char *name;
	const char *what;		/* a line of the program's usage */
	void (*usage)(FILE *f);
	int (*run)(struct model *m, const struct args *args, struct output *out);
	struct option opts[CMD_OPTS];
	const char *shortopts;
	int nargs;
	bool text_only;			/* no JSON form */
};

extern const struct cmd cmd_topo, cmd_explain, cmd_audit, cmd_capture, cmd_run, cmd_bench;

/* Exit status of run when P2P between the two devices is not possible here. */
#define EXIT_NO_P2P	77

/* cmd_run.c: what the two kinds of run share */
int run_parse_size(const char *s, uint64_t *v);
uint64_t run_verify(FILE *text, const char *what, const uint8_t *want, const uint8_t *got,
		    uint64_t len);
double run_now(void);

/* run_nvme.c: run with an NVMe client, through user-space P2PDMA */
bool run_nvme_client(struct model *m, const char *client);
int run_nvme(struct model *m, const struct args *args, struct output *out);

/* common.c */
extern const char *prog;
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void need_root(struct model *m, const char *what);
void copy_str(char *dst, size_t len, const char *src);
const char *json_str(struct json_object *o, const char *key);
bool json_flag(struct json_object *o, const char *key);

#endif /* P2PTEST_H */
