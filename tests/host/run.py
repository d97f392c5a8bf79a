#!/usr/bin/env python3
"""Run the host unit tests (tests/host/test_*.py): no root, no VM.

Prints unittest's verbose report, writes each test's outcome to --json
(tests/results.py) and ends with "host: N passed, N failed, N skipped".
"""
import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import results  # noqa: E402


class Recorder(unittest.TextTestResult):
    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.outcomes = []

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.append((test.id(), "pass", ""))

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes.append((test.id(), "fail", self._exc_info_to_string(err, test)[-400:]))

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes.append((test.id(), "fail", self._exc_info_to_string(err, test)[-400:]))

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes.append((test.id(), "skip", reason))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--json", help="write the outcomes here")
    args = ap.parse_args()
    suite = unittest.defaultTestLoader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    runner = unittest.TextTestRunner(resultclass=Recorder, verbosity=2, stream=sys.stdout)
    result = runner.run(suite)
    counts = {s: sum(1 for o in result.outcomes if o[1] == s) for s in ("pass", "fail", "skip")}
    if args.json:
        results.write(args.json, "host", result.outcomes)
    print(f"host: {counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
