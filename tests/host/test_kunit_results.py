"""tests/vm/collect.py judges KUnit's KTAP with 6.1's own kunit.py: every
case a record, and a KTAP that kunit.py reads only in part fails its suite.

6.1's kunit.py comes from the extracted tree (build/linux-src) or, on a
fresh machine where the host tests run before the kernel is extracted,
from Debian's tarball (only tools/testing/kunit, about 20 s).
"""
import glob
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.join(HERE, "..", "..")
sys.path.insert(0, os.path.join(HERE, "..", "vm"))
import collect  # noqa: E402

TARBALL = os.environ.get("P2P_KTARBALL", "/usr/src/linux-source-6.1.tar.xz")

# A suite of three cases, the second parameterised, as 6.1's debugfs
# results file wrote it before patch 0030: only the last parameter's line
# is left, under no header of its own.
LOST_PARAMS = """KTAP version 1
# Subtest: demo
1..3
ok 1 first
        ok 3 8086:29c0 unlisted
ok 2 two_root_ports
ok 3 last
ok 1 demo
"""

# The same suite written whole: the parameterised case is a subtest.
WHOLE = """KTAP version 1
# Subtest: demo
1..3
ok 1 first
    KTAP version 1
    # Subtest: two_root_ports
    ok 1 8086:29c0 allow-listed
    ok 2 8086:2030 unlisted
    not ok 3 8086:29c0 unlisted
ok 2 two_root_ports
ok 3 last
ok 1 demo
"""


class KunitResults(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        ksrc = os.path.join(ROOT, "build", "linux-src")
        if not os.path.exists(os.path.join(ksrc, "tools/testing/kunit/kunit.py")):
            if not os.path.exists(TARBALL):
                raise unittest.SkipTest(f"no 6.1 kunit.py: {TARBALL} missing (scripts/deps)")
            subprocess.run(["tar", "-xf", TARBALL, "-C", cls.tmp.name, "--wildcards",
                            "*/tools/testing/kunit/*"], check=True)
            ksrc = glob.glob(os.path.join(cls.tmp.name, "*"))[0]
        cls.ksrc = ksrc

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def judge(self, ktap):
        with tempfile.TemporaryDirectory() as d:
            os.mkdir(os.path.join(d, "ktap"))
            with open(os.path.join(d, "ktap", "demo"), "w") as f:
                f.write(ktap)
            return {name: (status, why) for name, status, why in
                    collect.kunit_results(os.path.join(d, "ktap"), self.ksrc)}

    def test_every_parameter_is_a_record(self):
        got = self.judge(WHOLE)
        self.assertEqual(got["kunit/demo/two_root_ports/8086:29c0 allow-listed"][0], "pass")
        self.assertEqual(got["kunit/demo/two_root_ports/8086:29c0 unlisted"][0], "fail")
        self.assertEqual(got["kunit/demo/last"][0], "pass")
        self.assertNotIn("kunit/demo", got)

    def test_a_ktap_read_in_part_fails_its_suite(self):
        got = self.judge(LOST_PARAMS)
        self.assertEqual(got["kunit/demo"][0], "fail")
        self.assertIn("Expected test number", got["kunit/demo"][1])


if __name__ == "__main__":
    unittest.main()
