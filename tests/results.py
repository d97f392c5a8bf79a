#!/usr/bin/env python3
"""The result records of a test run: written, read and added up here only.

A record file holds {"lane": NAME, ..., "tests": [{"name", "status",
"detail"}]}, status pass, fail or skip; a VM lane's record also says how it
ran (topology, iommu, flavour, plan, seconds). vmrun and tests/host/run.py
write theirs with write(); scripts/test, whose build steps have no Python
of their own, with the command line:

    results.py fail FILE LANE NAME DETAIL   a record of one failed test
    results.py summary DIR                  add up DIR/*.json

summary prints every failure again, then "N passed, N failed, N skipped",
and exits 1 when anything failed or when no test ran at all.
"""
import glob
import json
import os
import sys

STATUSES = ("pass", "fail", "skip")


def write(path, lane, outcomes, **about):
    """Write the record of LANE: OUTCOMES are (name, status, detail) triples,
    ABOUT what else the record says of the lane. A status that is none of
    STATUSES (a garbled line from a guest) is written as a failure that says
    so: a result is never dropped. Returns the record."""
    tests = []
    for name, status, detail in outcomes:
        if status not in STATUSES:
            status, detail = "fail", f"status {status!r}: {detail}"
        tests.append({"name": name, "status": status, "detail": detail})
    record = {"lane": lane, **about, "tests": tests}
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    return record


def summary(results):
    """Add up RESULTS/*.json: (lines to print, exit status)."""
    counts = dict.fromkeys(STATUSES, 0)
    failures = []
    for path in sorted(glob.glob(os.path.join(results, "*.json"))):
        with open(path) as f:
            res = json.load(f)
        group = res.get("lane", os.path.basename(path)[:-5])
        for t in res["tests"]:
            status = t["status"] if t["status"] in counts else "fail"
            counts[status] += 1
            if status == "fail":
                failures.append(f"{group}/{t['name']}: {t.get('detail', '')}")
    lines = ["failed:"] + ["  " + f for f in failures] if failures else []
    lines.append(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return lines, 1 if counts["fail"] or not counts["pass"] else 0


def main(argv):
    if len(argv) == 2 and argv[0] == "summary":
        lines, status = summary(argv[1])
        print("\n".join(lines))
        return status
    if len(argv) == 5 and argv[0] == "fail":
        write(argv[1], argv[2], [(argv[3], "fail", argv[4])])
        return 0
    print("usage:\n" + __doc__.split("\n\n")[2], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
