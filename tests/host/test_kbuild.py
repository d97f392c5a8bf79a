"""scripts/kbuild on a fake kernel tarball: patch and overlay errors."""
import os
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

MAKEFILE = "kernelversion:\n\t@echo 6.1.999\n"
GOOD_PATCH = """--- a/README
+++ b/README
@@ -1 +1 @@
-fake kernel
+fake kernel, patched
"""
BROKEN_PATCH = """--- a/README
+++ b/README
@@ -1 +1 @@
-a line this tree does not have
+anything
"""


class KbuildTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.root = os.path.join(self.tmp, "repo")
        shutil.copytree(os.path.join(ROOT, "scripts"), os.path.join(self.root, "scripts"))
        os.makedirs(os.path.join(self.root, "configs"))
        open(os.path.join(self.root, "configs", "debug.config"), "w").close()
        src = os.path.join(self.tmp, "linux-fake")
        os.makedirs(os.path.join(src, "include", "linux"))
        self.write(src, "Makefile", MAKEFILE)
        self.write(src, "README", "fake kernel\n")
        self.write(src, "include/linux/dma-mapping.h", "/* 6.1's own */\n")
        self.tarball = os.path.join(self.tmp, "linux-fake.tar.xz")
        subprocess.run(["tar", "-cJf", self.tarball, "-C", self.tmp, "linux-fake"], check=True)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    @staticmethod
    def write(base, rel, text):
        path = os.path.join(base, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)

    def series(self, patches):
        for name, text in patches.items():
            self.write(self.root, f"patches/{name}", text)
        self.write(self.root, "patches/series", "# test series\n" + "\n".join(patches) + "\n")

    def kbuild(self):
        env = dict(os.environ, P2P_KTARBALL=self.tarball, P2P_BUILD=os.path.join(self.tmp, "b"))
        return subprocess.run([os.path.join(self.root, "scripts", "kbuild"), "debug"],
                              env=env, capture_output=True, text=True)

    def test_failing_patch_is_named(self):
        self.series({"0001-good.patch": GOOD_PATCH, "0002-broken.patch": BROKEN_PATCH})
        res = self.kbuild()
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("patch patches/0002-broken.patch does not apply to Linux 6.1.999",
                      res.stderr)
        self.assertNotIn("0001-good.patch does not apply", res.stderr)

    def test_missing_patch_is_named(self):
        self.write(self.root, "patches/series", "0001-gone.patch\n")
        res = self.kbuild()
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("patches/series names 0001-gone.patch, which does not exist", res.stderr)

    def test_overlay_may_not_replace_a_linux_file(self):
        self.series({"0001-good.patch": GOOD_PATCH})
        self.write(self.root, "include/linux/dma-mapping.h", "/* ours */\n")
        res = self.kbuild()
        self.assertNotEqual(res.returncode, 0)
        self.assertIn("overlay file include/linux/dma-mapping.h would replace Linux's own",
                      res.stderr)

    def test_patches_applied_and_new_files_overlaid(self):
        self.series({"0001-good.patch": GOOD_PATCH})
        self.write(self.root, "kernel/dma/new.c", "/* new */\n")
        res = self.kbuild()
        # The fake tree has no Kconfig, so the build stops at the config
        # step; patching and overlaying have happened by then.
        self.assertIn("1 patches applied", res.stderr)
        src = os.path.join(self.tmp, "b", "linux-src")
        with open(os.path.join(src, "README")) as f:
            self.assertEqual(f.read(), "fake kernel, patched\n")
        self.assertTrue(os.path.exists(os.path.join(src, "kernel", "dma", "new.c")))


if __name__ == "__main__":
    unittest.main()
