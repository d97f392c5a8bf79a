"""The benchmark commands README.md shows can still start.

Each scripts/bench command the README names (in `code` or in a shell
block) runs with --check: its IOMMU modes must exist and the config of
every kernel it needs must merge and pass kbuild's check
(scripts/kbuild --config-only: configuration only, nothing compiled, no
VM). That catches what would otherwise stop the command after a long
build, such as the unpatched 6.1 being asked for an option only the patch
series adds.

What it costs: the config steps only, about 5 s each (4 README commands
need 6, the second test one more in a scratch folder): 39 s here with the
trees extracted and the machine idle, 2 min 43 s while test lanes kept
both cores busy. It works on the real build folder
(build/linux-src, build/linux-src-unpatched, build/kernel-bench*/.config),
because the kernel trees are what is costly: scripts/test runs the host
tests before its kernel build, so in a fresh clone this test is the first
to extract them, about a minute and a half each. The patched tree is the
one scripts/test's own build would extract right after (it finds it
current and goes on); the unpatched one is extracted once per clone and
kept for later runs and for scripts/bench --selftest. Like any
scripts/kbuild run, it brings build/linux-src up to date (extract, patch,
overlay), so it is not to be run while a kernel build is going on in the
same clone. Without Debian's linux-source-6.1 tarball (scripts/deps
installs it) the tests skip.
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("P2P_BUILD", os.path.join(ROOT, "build"))
TARBALL = os.environ.get("P2P_KTARBALL", "/usr/src/linux-source-6.1.tar.xz")


def readme_bench_commands():
    """The scripts/bench argument lists README.md shows, without repeats.

    Optional parts in brackets are taken as given ("scripts/bench
    [off lazy strict]" is "scripts/bench off lazy strict"), alternatives
    ("a\\|b") as one argument each; --check, which the test adds, is
    dropped.
    """
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    # scripts/bench alone: another command (scripts/bench-nvme) has no
    # --check, and would take it for an IOMMU mode after a kernel build.
    found = re.findall(r"`(scripts/bench(?:\s[^`]*)?)`", text)
    in_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_block = not in_block
        elif in_block and re.match(r"\s*scripts/bench(\s|$)", line):
            found.append(line.split("#")[0])
    commands = []
    for cmd in found:
        args = tuple(a for a in re.sub(r"\\?\||[][]", " ", cmd).split()[1:]
                     if a != "--check")
        if args not in commands:
            commands.append(args)
    return commands


@unittest.skipUnless(os.path.exists(TARBALL), f"no {TARBALL} (scripts/deps installs it)")
class BenchCommandsConfigure(unittest.TestCase):
    def test_readme_bench_commands_can_start(self):
        commands = readme_bench_commands()
        self.assertTrue(commands, "README.md shows no scripts/bench command")
        kernels = set()
        for args in commands:
            with self.subTest(command=" ".join(("scripts/bench",) + args)):
                res = subprocess.run([os.path.join(ROOT, "scripts", "bench"), "--check", *args],
                                     capture_output=True, text=True)
                self.assertEqual(res.returncode, 0, res.stderr + res.stdout)
                lines = res.stdout.splitlines()
                self.assertTrue(lines and lines[-1].startswith("can start"), res.stdout)
                kernels.update(line.split("--config-only ")[1] for line in lines
                               if line.startswith("config ok: "))
        # The README shows the benchmark and its comparison with 6.1.
        self.assertEqual(kernels, {"bench", "--unpatched bench"})

    def test_unpatched_leaves_out_only_what_6_1_lacks(self):
        # A scratch copy of the scripts and configs, whose bench fragment
        # also asks for an option 6.1 lacks and for one 6.1 has but in a
        # form Kconfig refuses (DMA_MAP_BENCHMARK is bool). The unpatched
        # tree is the real one, linked: extracting it again would cost a
        # minute and a half, and config steps only read it.
        src = os.path.join(BUILD, "linux-src-unpatched")
        if not os.path.exists(os.path.join(src, ".p2p-stamp")):
            subprocess.run([os.path.join(ROOT, "scripts", "kbuild"), "--config-only",
                            "--unpatched", "bench"], check=True, capture_output=True)
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        repo = os.path.join(tmp, "repo")
        shutil.copytree(os.path.join(ROOT, "scripts"), os.path.join(repo, "scripts"))
        shutil.copytree(os.path.join(ROOT, "configs"), os.path.join(repo, "configs"))
        with open(os.path.join(repo, "configs", "bench.config"), "a") as f:
            f.write("CONFIG_P2P_NOT_IN_LINUX=y\nCONFIG_DMA_MAP_BENCHMARK=m\n")
        os.makedirs(os.path.join(tmp, "build"))
        os.symlink(src, os.path.join(tmp, "build", "linux-src-unpatched"))
        env = dict(os.environ, P2P_BUILD=os.path.join(tmp, "build"))
        res = subprocess.run([os.path.join(repo, "scripts", "kbuild"), "--config-only",
                              "--unpatched", "bench"], env=env, capture_output=True, text=True)
        self.assertNotEqual(res.returncode, 0, res.stdout)
        left_out = [line for line in res.stderr.splitlines() if "left out" in line]
        self.assertEqual(len(left_out), 1, res.stderr)
        named = left_out[0].split(": ")[-1].split()
        for opt in ("CONFIG_VFIO_PCI_DMABUF", "CONFIG_P2P_NOT_IN_LINUX"):
            self.assertIn(opt, named)
        self.assertNotIn("CONFIG_DMA_MAP_BENCHMARK", named)
        self.assertIn("wanted CONFIG_DMA_MAP_BENCHMARK=m, got: CONFIG_DMA_MAP_BENCHMARK=y",
                      res.stderr)
        self.assertIn("ask for options Kconfig did not accept", res.stderr)


if __name__ == "__main__":
    unittest.main()
