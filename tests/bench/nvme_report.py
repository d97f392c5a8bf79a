#!/usr/bin/env python3
"""The NVMe benchmark's table and JSON (scripts/bench-nvme).

    nvme_report.py --json OUT RUN_DIR...

Each RUN_DIR is one VM run of tests/vm/plans/nvme-bench.sh, named
nvme-bench-KERNEL-MODE (KERNEL: bench or bench-unpatched). Per case and
kernel: the median IOPS and CPU time per I/O (fio's usr+sys over the I/Os)
of the timed rounds, with the lowest and highest round next to them, and
per request the calls io_spy counted during the separate counting run
("-" where the kernel lacks the function: 6.1 has no DMA iterator).
Then, per case, the patched kernel's figures against unpatched 6.1's.
"""
import argparse
import json
import os
import re
import statistics
import sys

COUNTS = ["iova_allocs", "map_calls", "iotlb_syncs", "mempool_allocs", "dma_pool_allocs",
          "dma_iter", "map_sg"]


def rounds(run):
    """{case: [(iops, cpu_us_per_io), ...]} from the timed rounds."""
    with open(os.path.join(run, "results", "rounds.json")) as f:
        report = json.load(f)
    out = {}
    for job in report["jobs"]:
        case = re.sub(r"^r\d+-", "", job["jobname"])
        ios = job["read"]["total_ios"]
        if not ios:
            raise ValueError(f"{run}: job {job['jobname']} did no I/O")
        cpu_us = (job["usr_cpu"] + job["sys_cpu"]) / 100 * job["job_runtime"] * 1000 / ios
        out.setdefault(case, []).append((job["read"]["iops"], cpu_us))
    return out


def per_request(run, case):
    """{counter: calls per I/O, or None} from the counting run of CASE."""
    res = os.path.join(run, "results")
    with open(os.path.join(res, f"counts-{case}.json")) as f:
        ios = json.load(f)["jobs"][0]["read"]["total_ios"]
    counts = {}
    with open(os.path.join(res, f"counts-{case}.txt")) as f:
        for line in f:
            name, value = line.split()
            counts[name] = None if value == "-" else int(value) / ios
    return {c: counts.get(c) for c in COUNTS}


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def collect(runs):
    table = []
    for run in runs:
        m = re.match(r"nvme-bench-(bench(?:-unpatched)?)-(\w+)$", os.path.basename(run.rstrip("/")))
        if not m:
            raise ValueError(f"{run}: not a nvme-bench-KERNEL-MODE run")
        kernel = "patched" if m.group(1) == "bench" else "unpatched"
        for case, samples in sorted(rounds(run).items()):
            table.append({
                "mode": m.group(2), "case": case, "kernel": kernel,
                "rounds": len(samples),
                "iops": spread([s[0] for s in samples]),
                "cpu_us_per_io": spread([s[1] for s in samples]),
                "per_request": per_request(run, case),
            })
    return table


def ratios(table):
    out = []
    index = {(r["mode"], r["case"], r["kernel"]): r for r in table}
    for (mode, case, kernel), p in sorted(index.items()):
        u = index.get((mode, case, "unpatched"))
        if kernel != "patched" or not u:
            continue
        out.append({
            "mode": mode, "case": case,
            "iops": p["iops"]["median"] / u["iops"]["median"],
            "cpu_us_per_io": p["cpu_us_per_io"]["median"] / u["cpu_us_per_io"]["median"],
        })
    return out


def fmt(v):
    return "-" if v is None else f"{v:.2f}"


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", required=True, help="where to write the JSON")
    ap.add_argument("runs", nargs="+")
    args = ap.parse_args(argv)
    table = collect(args.runs)
    rel = ratios(table)
    print("== fio on nvme-pci, io_uring, buffers of scattered pages; median [lowest-highest round] ==")
    print(f"{'iommu':7} {'case':17} {'kernel':9} {'IOPS':>24} {'CPU us/IO':>22}  "
          "per request: IOVA allocs, map calls, IOTLB syncs, mempool, dma_pool, "
          "DMA-iterator maps, scatterlists")
    for r in table:
        i, c, q = r["iops"], r["cpu_us_per_io"], r["per_request"]
        print(f"{r['mode']:7} {r['case']:17} {r['kernel']:9} "
              f"{i['median']:9.0f} [{i['min']:.0f}-{i['max']:.0f}] "
              f"{c['median']:8.1f} [{c['min']:.1f}-{c['max']:.1f}]  "
              + " ".join(fmt(q[k]) for k in COUNTS))
    print("== patched / unpatched 6.1 (medians) ==")
    for r in rel:
        print(f"{r['mode']:7} {r['case']:17} IOPS {r['iops']:.2f}  CPU per I/O {r['cpu_us_per_io']:.2f}")
    with open(args.json, "w") as f:
        json.dump({"rows": table, "patched_vs_unpatched": rel}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
