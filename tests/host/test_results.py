"""tests/results.py writes result records, adds them up and fails when it must."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "results.py")
sys.path.insert(0, os.path.dirname(RESULTS))
import results  # noqa: E402


class SummaryTest(unittest.TestCase):
    def run_summary(self, files):
        with tempfile.TemporaryDirectory() as d:
            for name, tests in files.items():
                with open(os.path.join(d, name + ".json"), "w") as f:
                    json.dump({"lane": name, "tests": tests}, f)
            res = subprocess.run([sys.executable, RESULTS, "summary", d],
                                 capture_output=True, text=True)
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


class WriteTest(unittest.TestCase):
    def test_a_record_reads_back_and_adds_up(self):
        with tempfile.TemporaryDirectory() as d:
            rec = results.write(os.path.join(d, "l.json"), "l", [("a", "pass", ""),
                                ("b", "skip", "why")], seconds=1.5)
            with open(os.path.join(d, "l.json")) as f:
                self.assertEqual(json.load(f), rec)
            self.assertEqual(rec["seconds"], 1.5)
            self.assertEqual(results.summary(d), (["1 passed, 0 failed, 1 skipped"], 0))

    def test_an_unknown_status_is_written_as_a_failure(self):
        with tempfile.TemporaryDirectory() as d:
            rec = results.write(os.path.join(d, "l.json"), "l", [("a", "ok", "why")])
        self.assertEqual(rec["tests"], [{"name": "a", "status": "fail",
                                         "detail": "status 'ok': why"}])

    def test_the_command_line_records_one_failure(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "build.json")
            subprocess.run([sys.executable, RESULTS, "fail", out, "build", "tools", "no"],
                           check=True)
            lines, status = results.summary(d)
        self.assertEqual((lines, status), (["failed:", "  build/tools: no",
                                            "0 passed, 1 failed, 0 skipped"], 1))

    def test_bad_usage_exits_2(self):
        res = subprocess.run([sys.executable, RESULTS, "fail", "x"], capture_output=True,
                             text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("results.py fail FILE LANE NAME DETAIL", res.stderr)


if __name__ == "__main__":
    unittest.main()
