"""tests/vm/collect.py reads the TAP of the uAPI test programs (tests/uapi,
on 6.1's kselftest_harness.h): one result record per test.

The samples in tap/ are recorded output (stdout and stderr through one
pipe, as the plans keep it) of programs built on 6.1's harness:
pass-fail-skip.tap of four TEST_F()s, an EXPECT_EQ() that holds, one that
fails with a TH_LOG(), a SKIP() and a raise(SIGSEGV); killed.tap of the same
program with the harness's own process killed during the third;
usage.tap of it refusing its command line before the harness starts;
errno-no-device.tap of tests/uapi/p2ptest_errno on a machine without
/dev/p2ptest.
"""
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "vm"))
import collect  # noqa: E402

SAMPLES = os.path.join(HERE, "tap")


def read(sample, prefix="kselftest/p"):
    return collect.tap_results(os.path.join(SAMPLES, sample), prefix)


class TapResults(unittest.TestCase):
    def test_pass_fail_skip_and_a_crashed_test(self):
        res = {name: (status, detail) for name, status, detail in read("pass-fail-skip.tap")}
        self.assertEqual(res["kselftest/p/demo.passes"], ("pass", ""))
        status, detail = res["kselftest/p/demo.fails"]
        self.assertEqual(status, "fail")
        self.assertIn("Expected -9 (-9) == ret (-22)", detail)
        self.assertIn("got EINVAL, want EBADF", detail)
        # 6.1 names no test on its skip line: the name is the RUN line's.
        self.assertEqual(res["kselftest/p/demo.skips"], ("skip", "the provider has every BAR"))
        status, detail = res["kselftest/p/demo.crashes"]
        self.assertEqual(status, "fail")
        self.assertIn("signal 11", detail)
        # Every planned test reported: the program itself passes.
        self.assertEqual(res["kselftest/p"], ("pass", ""))
        self.assertEqual(len(res), 5)

    def test_a_program_killed_during_a_test_fails_it_and_itself(self):
        res = read("killed.tap")
        self.assertEqual([(n, s) for n, s, _ in res],
                         [("kselftest/p/demo.passes", "pass"), ("kselftest/p/demo.fails", "fail"),
                          ("kselftest/p/demo.skips", "fail"), ("kselftest/p", "fail")])
        self.assertIn("ended during this test", res[2][2])
        self.assertEqual(res[3][2], "2 of 4 planned tests reported")

    def test_fewer_results_than_planned_fail_the_program(self):
        with open(os.path.join(SAMPLES, "pass-fail-skip.tap")) as f:
            lines = f.read().splitlines(keepends=True)
        with tempfile.TemporaryDirectory() as d:
            cut = os.path.join(d, "cut.tap")
            with open(cut, "w") as f:
                f.writelines(lines[:lines.index("not ok 2 demo.fails\n") + 1])
            res = collect.tap_results(cut, "kselftest/p")
        self.assertEqual(res[-1], ("kselftest/p", "fail", "2 of 4 planned tests reported"))
        self.assertEqual(len(res), 3)

    def test_no_plan_line_fails_with_what_the_program_said(self):
        [(name, status, detail)] = read("usage.tap")
        self.assertEqual((name, status), ("kselftest/p", "fail"))
        self.assertIn("no TAP plan line", detail)
        self.assertIn("usage: ./demo [die]", detail)

    def test_a_real_program_names_fixtures_and_variants(self):
        res = read("errno-no-device.tap", "kselftest/uapi-errnos")
        names = [n for n, _, _ in res]
        self.assertEqual(len(res), 24 + 1)
        self.assertIn("kselftest/uapi-errnos/global.every_row_tested", names)
        self.assertIn("kselftest/uapi-errnos/p2ptest.unprivileged", names)
        self.assertIn("kselftest/uapi-errnos/bad_export.absent_bar.refused", names)
        for name, status, detail in res[1:-1]:
            self.assertEqual(status, "fail", name)
            self.assertIn("/dev/p2ptest: ENOENT", detail)


class CollectReadsTap(unittest.TestCase):
    def test_each_tap_file_of_a_run_is_a_program(self):
        with tempfile.TemporaryDirectory() as run:
            res = os.path.join(run, "results")
            os.mkdir(res)
            with open(os.path.join(res, "exit-status"), "w") as f:
                f.write("0\n")
            for sample, name in (("pass-fail-skip.tap", "races"), ("usage.tap", "unload")):
                with open(os.path.join(SAMPLES, sample)) as src, \
                        open(os.path.join(res, name + ".tap"), "w") as dst:
                    dst.write(src.read())
            kconfig = os.path.join(run, "config")
            with open(kconfig, "w") as f:
                f.write("# CONFIG_DEBUG_KMEMLEAK is not set\n")
            record = collect.collect(run, "lane", kconfig, 60, False, 1.0)
        tests = {t["name"]: t["status"] for t in record["tests"]}
        self.assertEqual(tests["kselftest/races/demo.fails"], "fail")
        self.assertEqual(tests["kselftest/races/demo.skips"], "skip")
        self.assertEqual(tests["kselftest/races"], "pass")
        self.assertEqual(tests["kselftest/unload"], "fail")


if __name__ == "__main__":
    unittest.main()
