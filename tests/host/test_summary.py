"""tests/summary.py adds up result files and fails when it must."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

SUMMARY = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "summary.py")


class SummaryTest(unittest.TestCase):
    def run_summary(self, files):
        with tempfile.TemporaryDirectory() as d:
            for name, tests in files.items():
                with open(os.path.join(d, name + ".json"), "w") as f:
                    json.dump({"lane": name, "tests": tests}, f)
            res = subprocess.run([sys.executable, SUMMARY, d], capture_output=True, text=True)
        return res.returncode, res.stdout.splitlines()

    def test_counts_every_file(self):
        rc, out = self.run_summary({
            "a": [{"name": "x", "status": "pass"}, {"name": "y", "status": "skip"}],
            "b": [{"name": "z", "status": "pass"}]})
        self.assertEqual(rc, 0)
        self.assertEqual(out[-1], "2 passed, 0 failed, 1 skipped")

    def test_failure_is_listed_and_fails_the_run(self):
        rc, out = self.run_summary({
            "lane1": [{"name": "kernel-log", "status": "fail", "detail": "WARNING: at x"},
                      {"name": "ok", "status": "pass"}]})
        self.assertEqual(rc, 1)
        self.assertIn("  lane1/kernel-log: WARNING: at x", out)
        self.assertEqual(out[-1], "1 passed, 1 failed, 0 skipped")

    def test_unknown_status_counts_as_failure(self):
        rc, out = self.run_summary({"l": [{"name": "t", "status": "crashed"}]})
        self.assertEqual(rc, 1)
        self.assertEqual(out[-1], "0 passed, 1 failed, 0 skipped")

    def test_no_test_at_all_fails(self):
        rc, out = self.run_summary({})
        self.assertEqual(rc, 1)
        self.assertEqual(out[-1], "0 passed, 0 failed, 0 skipped")


if __name__ == "__main__":
    unittest.main()
