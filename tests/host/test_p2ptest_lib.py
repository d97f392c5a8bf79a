"""The p2ptest client library (lib/p2ptest) where it runs without a VM.

p2ptest_lib_check.c is built against the library with its own make
fragment (lib/p2ptest/p2ptest.mk) into a temporary folder, then run: one
"ok NAME" or "not ok NAME: why" line per check. No root, no VM.
"""
import os
import subprocess
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

MAKEFILE = """
O := {out}
include {root}/lib/p2ptest/p2ptest.mk
$(O)/check: {here}/p2ptest_lib_check.c $(P2PTEST_LIB) $(P2PTEST_HDRS)
\t$(CC) $(P2PTEST_CFLAGS) -o $@ $< $(P2PTEST_LIB)
"""


class P2ptestLib(unittest.TestCase):
    def test_checks_pass(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "out")
            build = subprocess.run(
                ["make", "-s", "-f", "-", f"{out}/check"], capture_output=True, text=True,
                input=MAKEFILE.format(out=out, root=ROOT, here=HERE))
            self.assertEqual(build.returncode, 0, build.stderr + build.stdout)
            res = subprocess.run([f"{out}/check", tmp], capture_output=True, text=True)
            bad = [line for line in res.stdout.splitlines() if not line.startswith("ok ")]
            self.assertEqual(bad, [])
            self.assertEqual(res.returncode, 0, res.stderr)
            self.assertGreater(len(res.stdout.splitlines()), 20)


if __name__ == "__main__":
    unittest.main()
