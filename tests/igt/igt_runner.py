#!/usr/bin/env python3
"""Run IGT-style test binaries one subtest per process, as igt_runner does,
and write a piglit-format results.json.

    igt_runner.py --results DIR [--ignore-dmesg REGEX]... [--timeout S] BINARY...

Each subtest of each binary (--list-subtests) runs as
"BINARY --run-subtest NAME". A subtest with dynamic parts gives one result
per dynamic subtest (igt@BINARY@SUBTEST@DYNAMIC), else one for itself
(igt@BINARY@SUBTEST). Results: pass, fail, skip, crash (no result line:
a signal or an unexpected exit), timeout. The kernel log written during a subtest is judged by
tests/vm/logscan.py, the one judge vmrun also uses (its BAD patterns,
IGT's rule that a record at warning level or worse fails, the emulation's
artifacts excused), lines matching an --ignore-dmesg REGEX apart: a record
it fails turns pass into dmesg-warn and fail into dmesg-fail. The kernel log is split
per (dynamic) subtest at the "[IGT] BINARY: starting ..." records the
tests write. Prints one line per result; exits 1 if any is not pass,
skip or notrun.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import logscan  # noqa: E402

RESULT = {"SUCCESS": "pass", "FAIL": "fail", "SKIP": "skip", "CRASH": "crash",
          "TIMEOUT": "timeout"}
KINDS = ["pass", "fail", "skip", "crash", "timeout", "dmesg-warn", "dmesg-fail",
         "warn", "incomplete", "notrun"]


class Kmsg:
    """The kernel log from now on: (level, text) records."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)

    def read(self):
        out = []
        while True:
            try:
                rec = os.read(self.fd, 8192).decode(errors="replace")
            except BlockingIOError:
                return out
            except BrokenPipeError:      # records were overwritten: go on
                continue
            head, _, text = rec.partition(";")
            out.append((int(head.split(",")[0]) & 7, text.splitlines()[0] if text else ""))


def split_dmesg(records, binary):
    """{dynamic subtest or None: [records]} split at [IGT] markers."""
    parts, cur = {None: []}, None
    mark = re.compile(rf"\[IGT\] {re.escape(binary)}: starting dynamic subtest (\S+)")
    for level, text in records:
        m = mark.search(text)
        if m:
            cur = m.group(1)
            parts.setdefault(cur, [])
        parts.setdefault(cur, []).append((level, text))
    return parts


def judge(result, records, ignore):
    """The result once the kernel log is taken into account."""
    bad = logscan.judge([r for r in records if not r[1].startswith("[IGT]")], ignore)
    if bad and result == "pass":
        return "dmesg-warn"
    if bad and result == "fail":
        return "dmesg-fail"
    return result


def run_subtest(path, subtest, timeout, ignore):
    """[(name, entry)] for one subtest run."""
    binary = os.path.basename(path)
    kmsg = Kmsg()
    cmd = [path, "--run-subtest", subtest]
    start = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        out, err, rc = p.stdout, p.stderr, p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) \
            else (e.stdout or "")
        err, rc = f"timed out after {timeout} s\n", None
    end = time.time()
    dmesg = split_dmesg(kmsg.read(), binary)

    def entry(result, recs, extra=""):
        result = judge(result, recs, ignore)
        return {"__type__": "TestResult", "result": result, "out": out, "err": err + extra,
                "dmesg": "\n".join(t for _, t in recs), "returncode": rc,
                "command": " ".join(cmd),
                "time": {"__type__": "TimeAttribute", "start": start, "end": end}}

    dyn = re.findall(r"^Dynamic subtest (\S+): (\w+) \(([\d.]+)s\)", out, re.M)
    if dyn:
        out_list = []
        for d, r, secs in dyn:
            e = entry(RESULT.get(r, "fail"), dmesg.get(d, []))
            e["time"]["end"] = e["time"]["start"] + float(secs)
            out_list.append((f"igt@{binary}@{subtest}@{d}", e))
        return out_list
    m = re.search(rf"^Subtest {re.escape(subtest)}: (\w+)", out, re.M)
    recs = [r for part in dmesg.values() for r in part]
    if rc is None:
        return [(f"igt@{binary}@{subtest}", entry("timeout", recs))]
    if not m:
        why = f"no result line; exit status {rc}\n"
        return [(f"igt@{binary}@{subtest}", entry("crash", recs, why))]
    return [(f"igt@{binary}@{subtest}", entry(RESULT.get(m.group(1), "fail"), recs))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--results", required=True, help="folder for results.json")
    ap.add_argument("--ignore-dmesg", action="append", default=[], metavar="REGEX",
                    help="kernel-log lines a test provokes on purpose")
    # A hang guard: the slowest subtest, the kernel's dma-buf selftests run
    # as one (dma_fence_chain's thousands of fences under KASAN and lockdep),
    # takes about 7 min on an idle host.
    ap.add_argument("--timeout", type=int, default=1800, help="seconds per subtest")
    ap.add_argument("binaries", nargs="+")
    args = ap.parse_args()
    ignore = [re.compile(r) for r in args.ignore_dmesg]

    tests, start = {}, time.time()
    for path in args.binaries:
        p = subprocess.run([path, "--list-subtests"], capture_output=True, text=True)
        if p.returncode != 0:
            name = f"igt@{os.path.basename(path)}"
            tests[name] = {"__type__": "TestResult", "result": "fail", "out": p.stdout,
                           "err": p.stderr + f"--list-subtests: exit status {p.returncode}\n",
                           "dmesg": "", "returncode": p.returncode, "command": path}
            print(f"{name}: fail (cannot list its subtests)", flush=True)
            continue
        for subtest in p.stdout.split():
            for name, entry in run_subtest(path, subtest, args.timeout, ignore):
                tests[name] = entry
                print(f"{name}: {entry['result']}", flush=True)
                if entry["result"] not in ("pass", "skip", "notrun"):
                    sys.stdout.write(entry["out"][-2000:] + entry["err"][-2000:])

    totals = {k: 0 for k in KINDS}
    for entry in tests.values():
        totals[entry["result"]] += 1
    results = {"__type__": "TestrunResult", "results_version": 10,
               "name": os.path.basename(os.path.abspath(args.results)),
               "uname": " ".join(os.uname()),
               "time_elapsed": {"__type__": "TimeAttribute", "start": start, "end": time.time()},
               "tests": tests, "totals": {"": totals, "root": totals}}
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    print(" ".join(f"{k} {v}" for k, v in totals.items() if v), flush=True)
    return 1 if any(e["result"] not in ("pass", "skip", "notrun") for e in tests.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
