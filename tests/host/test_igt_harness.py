"""tests/igt/lib, the IGT-compatible harness, reports as IGT does.

igt_harness_check.c is built against the harness and run one subtest at
a time: the result lines IGT's runner reads ("Subtest NAME: SUCCESS|FAIL|
SKIP"), IGT's exit codes (0, 98 for a failure, 77 for a skip), dynamic
subtests, --describe, and a failed fixture failing the subtests after it
(not skipping them, which once hid a broken set-up as skips). Checked
against IGT 2.2 itself by hand (README, "IGT-style dma-buf tests").
"""
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
LIB = os.path.join(HERE, "..", "igt", "lib")


class IgtHarness(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.prog = os.path.join(cls.tmp.name, "check")
        subprocess.run(["cc", "-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Werror",
                        "-I", LIB, "-o", cls.prog, os.path.join(HERE, "igt_harness_check.c"),
                        os.path.join(LIB, "igt_core.c")], check=True)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def run_check(self, *args, env=None):
        res = subprocess.run([self.prog, *args], capture_output=True, text=True,
                             env={**os.environ, **(env or {})})
        return res.returncode, res.stdout

    def test_lists_every_subtest(self):
        rc, out = self.run_check("--list-subtests")
        self.assertEqual(rc, 0)
        self.assertEqual(out.split(), ["pass", "fail", "skip", "dynamic", "after-fixture"])

    def test_each_outcome_has_igts_line_and_exit_code(self):
        for name, verdict, code in (("pass", "SUCCESS", 0), ("fail", "FAIL", 98),
                                    ("skip", "SKIP", 77)):
            with self.subTest(name):
                rc, out = self.run_check("--run-subtest", name)
                self.assertIn(f"Subtest {name}: {verdict} (", out)
                self.assertEqual(rc, code)

    def test_a_failed_dynamic_subtest_fails_its_subtest(self):
        rc, out = self.run_check("--run-subtest", "dynamic")
        self.assertIn("Dynamic subtest holds: SUCCESS (", out)
        self.assertIn("Dynamic subtest fails: FAIL (", out)
        self.assertIn("Subtest dynamic: FAIL (", out)
        self.assertEqual(rc, 98)

    def test_a_failed_fixture_fails_the_subtests_after_it(self):
        rc, out = self.run_check("--run-subtest", "after-fixture")
        self.assertIn("Subtest after-fixture: SUCCESS (", out)
        self.assertEqual(rc, 0)
        rc, out = self.run_check("--run-subtest", "after-fixture",
                                 env={"IGT_CHECK_FIXTURE_FAILS": "1"})
        self.assertIn("Subtest after-fixture: FAIL (", out)
        self.assertEqual(rc, 98)

    def test_describe_prints_each_subtests_text(self):
        rc, out = self.run_check("--describe")
        self.assertEqual(rc, 0)
        self.assertRegex(out, r"SUB pass \S+igt_harness_check\.c:\d+:\n  Holds\.")
        self.assertRegex(out, r"SUB skip \S+:\d+:\n  NO DOCUMENTATION!")


if __name__ == "__main__":
    unittest.main()
