#!/usr/bin/env python3
"""Add up the result files of a test run and print the closing line.

Each RESULTS/*.json holds {"tests": [{"name", "status", "detail"}]} with
status pass, fail or skip. Prints every failure again, then
"N passed, N failed, N skipped"; exits 1 when anything failed or when no
test ran at all.
"""
import glob
import json
import os
import sys


def main(results):
    counts = {"pass": 0, "fail": 0, "skip": 0}
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
    if failures:
        print("failed:")
        for f in failures:
            print("  " + f)
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts["fail"] or not counts["pass"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
