"""p2ptest run with an NVMe client, on a fake machine: no root, no VM.

The PCI side is a capture (tests/fixtures/make_fixtures.py's nested
switches: NVMe controllers at 05:00.0, the provider, and 06:00.0, the
client); the sysfs and debugfs side is a fake tree that P2PTEST_SYSFS points
p2ptest at: the provider's p2pmem/ (its allocate file a regular file), the
namespace's /sys/block entry, the routing cache and the explain file. The
namespace is a regular file named like it, which p2ptest takes for the
namespace of its name when P2PTEST_SYSFS is set. p2pmem_shim.c
(LD_PRELOAD) fakes the kernel's refusal of a route (EREMOTEIO), a BAR
where nothing answers and a read that moves nothing.
"""
import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "fixtures"))
sys.path.insert(0, os.path.join(ROOT, "tests", "vm"))
import make_fixtures  # noqa: E402
from pattern import pattern_bytes  # noqa: E402

PROVIDER, CLIENT = "0000:05:00.0", "0000:06:00.0"
NS_BYTES = 1 << 20
P2PMEM = 1 << 20
QUERY = f"{PROVIDER} {CLIENT}\n"
EXPLANATION = (f"p2pdma-route 1\nprovider {PROVIDER}\nclient {CLIENT} pci={CLIENT}\n"
               "distance 6\nverdict NOT_SUPPORTED\n"
               "reason ACS P2P Request Redirect at 0000:02:01.0\n")


def swap_signature(data):
    """A swap area's header, as mkswap writes it (4 KiB pages)."""
    data[1024:1036] = struct.pack("<III", 1, len(data) // 4096 - 1, 0)
    data[4086:4096] = b"SWAPSPACE2"


def dos_signature(data):
    """An MBR partition table with one Linux partition."""
    data[446:462] = struct.pack("<B3sB3sII", 0, b"\0\0\0", 0x83, b"\0\0\0", 2048, 100)
    data[510:512] = b"\x55\xaa"


class P2ptestNvme(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.build = tempfile.mkdtemp()
        subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "tools", "p2ptest"),
                        f"O={cls.build}"], check=True)
        cls.bin = os.path.join(cls.build, "p2ptest")
        cls.shim = os.path.join(cls.build, "p2pmem_shim.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-Wall", "-Wextra", "-Werror",
                        "-o", cls.shim, os.path.join(HERE, "p2pmem_shim.c"), "-ldl"],
                       check=True)
        nested = make_fixtures.FIXTURES["nested-switches"]
        cls.capture = os.path.join(cls.build, "nested.cap")
        with open(cls.capture, "w") as f:
            f.write(make_fixtures.capture(nested))
        # The same machine with its NVMe controllers bound to nvme.
        cls.capture_nvme = os.path.join(cls.build, "nested-nvme.cap")
        with open(cls.capture_nvme, "w") as f:
            f.write(make_fixtures.capture(make_fixtures.driven(nested, "nvme", PROVIDER, CLIENT)))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.build)

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.sys = os.path.join(self.tmp, "sys")
        self.ns = os.path.join(self.tmp, "nvme0n1")
        self.fake_p2pmem(PROVIDER)
        os.makedirs(self.sysfs(f"bus/pci/devices/0000:07:00.0"))
        self.fake_namespace("nvme0n1", CLIENT, lbs=512, nbytes=NS_BYTES)
        self.put("kernel/debug/p2pdma/cache", "generation 1 hits 0 misses 1 stale 0\n"
                 f"{PROVIDER} {CLIENT} BUS_ADDR 4 current\n")
        self.put("kernel/debug/p2pdma/explain", "#" * (len(QUERY) - 1) + "\n" + EXPLANATION)
        data = bytearray(os.urandom(NS_BYTES))
        data[0:8192] = bytes(8192)      # no signature by chance
        self.write_ns(data)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    # --- the fake machine ------------------------------------------------

    def sysfs(self, rel):
        return os.path.join(self.sys, rel)

    def put(self, rel, text):
        os.makedirs(os.path.dirname(self.sysfs(rel)), exist_ok=True)
        with open(self.sysfs(rel), "w") as f:
            f.write(text)

    def fake_p2pmem(self, bdf, published=1, size=P2PMEM, available=P2PMEM, allocate=True):
        d = f"bus/pci/devices/{bdf}/p2pmem"
        self.put(f"{d}/published", f"{published}\n")
        self.put(f"{d}/size", f"{size}\n")
        self.put(f"{d}/available", f"{available}\n")
        if allocate:
            with open(self.sysfs(f"{d}/allocate"), "wb") as f:
                f.truncate(P2PMEM)
        elif os.path.exists(self.sysfs(f"{d}/allocate")):
            os.unlink(self.sysfs(f"{d}/allocate"))

    def fake_namespace(self, name, ctrl_bdf, lbs, nbytes, ctrl="nvme0"):
        os.makedirs(self.sysfs(f"bus/pci/devices/{ctrl_bdf}/nvme/{ctrl}"), exist_ok=True)
        self.put(f"block/{name}/queue/logical_block_size", f"{lbs}\n")
        self.put(f"block/{name}/size", f"{nbytes // 512}\n")
        os.symlink(f"../../bus/pci/devices/{ctrl_bdf}/nvme/{ctrl}",
                   self.sysfs(f"block/{name}/device"))

    def write_ns(self, data):
        with open(self.ns, "wb") as f:
            f.write(data)

    def ns_digest(self):
        with open(self.ns, "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def o_direct_works(self):
        try:
            fd = os.open(self.ns, os.O_RDWR | os.O_DIRECT)
        except OSError:
            return False
        try:
            import mmap
            buf = mmap.mmap(-1, 4096)
            os.preadv(fd, [buf], 0)
            return True
        except OSError:
            return False
        finally:
            os.close(fd)

    def need_o_direct(self):
        if not self.o_direct_works():
            self.skipTest(f"no O_DIRECT on {os.path.dirname(self.ns)}'s filesystem")

    def run_tool(self, *args, capture=None, shim=None, sysfs=True):
        env = dict(os.environ)
        env.pop("P2PTEST_SYSFS", None)
        if sysfs:
            env["P2PTEST_SYSFS"] = self.sys
        if shim:
            env["LD_PRELOAD"] = self.shim
            env["P2PTEST_SHIM"] = shim
            env["P2PTEST_SHIM_LOG"] = os.path.join(self.tmp, "shim.log")
        return subprocess.run([self.bin, "--fixture", capture or self.capture, *args],
                              capture_output=True, text=True, env=env)

    def run_nvme(self, *args, status=0, **kw):
        res = self.run_tool("run", "--provider", "05:00.0", "--client", self.ns, *args, **kw)
        self.assertEqual(res.returncode, status, res.stderr + res.stdout)
        return res

    # --- usage and refusals before any I/O ---------------------------------

    def test_usage_errors(self):
        before = self.ns_digest()
        for args, status, err in (
                (["run", "--provider", "05:00.0"], 2, "usage: p2ptest run"),
                (["run", "--client", self.ns], 2, "usage: p2ptest run"),
                (["run", "--provider", "05:00.0", "--client", self.ns, "--size", "lots"], 2,
                 "--size must be a multiple of the namespace's logical block size"),
                (["run", "--provider", "05:00.0", "--client", self.ns, "--size", "0"], 2,
                 "--size must be a multiple of the namespace's logical block size"),
                (["run", "--provider", "05:00.0", "--client", self.ns, "--size", "2G"], 2,
                 "from one block to 1G"),
                (["run", "--provider", "05:00.0", "--client", self.ns, "--offset", "x"], 2,
                 "--offset must be a multiple"),
                (["run", "--provider", "05:00.0", "--client", self.ns, "--iterations", "0"], 2,
                 "--iterations must be 1 or more"),
                (["run", "--provider", "05:00.0", "--client", self.ns, "--bind"], 2,
                 "--bind is for clients the p2ptest driver drives"),
                (["run", "--provider", "05:00.0:2", "--client", self.ns], 2,
                 "not a BAR of its choosing"),
                (["run", "--provider", "09:00.0", "--client", self.ns], 1,
                 "no PCI device 09:00.0"),
                # A client that is no NVMe controller goes the dma-buf way, as before:
                # a BAR of the provider exported through VFIO (the fake tree has none).
                (["run", "--provider", "05:00.0", "--client", "07:00.0", "--write-ok"], 2,
                 "--write-ok is for NVMe clients"),
                (["run", "--provider", "05:00.0", "--client", "07:00.0"], 1,
                 "0000:05:00.0 has no memory BAR to export")):
            for json_first in (False, True):
                with self.subTest(args=args, json=json_first):
                    argv = ["--json", *args] if json_first else args
                    res = self.run_tool(*argv)
                    self.assertEqual(res.returncode, status, res.stderr)
                    self.assertIn(err, res.stderr)
                    if json_first:
                        self.assertEqual(res.stdout, "")
        self.assertEqual(self.ns_digest(), before)

    def test_help_says_what_an_nvme_client_does(self):
        res = subprocess.run([self.bin, "run", "--help"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 0)
        for words in ("--client NVME", "--write-ok", "left as found", "O_DIRECT",
                      "logical block size"):
            self.assertIn(words, " ".join(res.stdout.split()))

    def test_capture_alone_is_no_machine_to_write_to(self):
        res = self.run_tool("run", "--provider", "05:00.0", "--client", self.ns, sysfs=False)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("needs a live machine, not a capture", res.stderr)

    def test_range_must_be_whole_blocks_inside_the_namespace(self):
        before = self.ns_digest()
        for args, err in (
                (["--offset", "100"], "--offset 100 is not a multiple of nvme0n1's logical "
                 "block size, 512 bytes"),
                (["--size", "1000"], "--size 1000 is not a multiple of nvme0n1's logical "
                 "block size, 512 bytes"),
                (["--offset", "1M", "--size", "512"], "[1048576, 1049088) extends past the "
                 "end of nvme0n1, 1048576 bytes"),
                (["--offset", "960K", "--size", "128K"], "[983040, 1114112) extends past the "
                 "end of nvme0n1"),
                (["--offset", "2M"], "extends past the end of nvme0n1")):
            with self.subTest(args=args):
                res = self.run_nvme(*args, "--json", status=2)
                self.assertIn(err, res.stderr)
                self.assertEqual(res.stdout, "")
        self.assertEqual(self.ns_digest(), before)

    def test_range_follows_the_logical_block_size(self):
        shutil.rmtree(self.sysfs("block/nvme0n1"))
        self.fake_namespace("nvme0n1", CLIENT, lbs=4096, nbytes=NS_BYTES)
        res = self.run_nvme("--size", "512", status=2)
        self.assertIn("--size 512 is not a multiple of nvme0n1's logical block size, "
                      "4096 bytes", res.stderr)

    def test_provider_must_publish_mappable_p2pmem(self):
        before = self.ns_digest()
        for setup, provider, status, err in (
                (None, "07:00.0", 1, "0000:07:00.0 publishes no p2pmem"),
                (dict(published=0), "05:00.0", 1,
                 "not published (p2pmem/published is 0)"),
                (dict(size=0), "05:00.0", 1, "p2pmem/size is 0"),
                (dict(allocate=False), "05:00.0", 1, "no p2pmem/allocate"),
                (dict(available=64 << 10), "05:00.0", 2,
                 "two buffers of 65536 bytes need 131072 bytes of 0000:05:00.0's p2pmem, "
                 "65536 are available")):
            with self.subTest(setup=setup, provider=provider):
                self.fake_p2pmem(PROVIDER, **(setup or {}))
                res = self.run_tool("run", "--provider", provider, "--client", self.ns)
                self.assertEqual(res.returncode, status, res.stderr)
                self.assertIn(err, res.stderr)
        self.assertEqual(self.ns_digest(), before)

    def test_signature_refused_without_write_ok(self):
        for sign, what in ((swap_signature, "TYPE=swap"), (dos_signature, "PTTYPE=dos")):
            with self.subTest(signature=what):
                data = bytearray(NS_BYTES)
                sign(data)
                self.write_ns(data)
                before = self.ns_digest()
                res = self.run_nvme("--offset", "512K", status=2)
                self.assertIn(f"nvme0n1 holds a filesystem or partition table, blkid says "
                              f"{what}: refusing to write to it without --write-ok",
                              res.stderr)
                self.assertNotIn("bytes verified", res.stdout)
                self.assertEqual(self.ns_digest(), before)

    def test_signature_written_with_write_ok_and_restored(self):
        self.need_o_direct()
        data = bytearray(os.urandom(NS_BYTES))
        swap_signature(data)
        self.write_ns(data)
        before = self.ns_digest()
        # The range holds the signature itself: it is back afterwards.
        res = self.run_nvme("--size", "8K", "--write-ok", "--json")
        doc = json.loads(res.stdout)
        self.assertEqual(doc["signature"], "TYPE=swap")
        self.assertEqual((doc["bytes_verified"], doc["restored"]), (8192, True))
        self.assertIn("nvme0n1 holds TYPE=swap; writing anyway (--write-ok)", res.stderr)
        self.assertEqual(self.ns_digest(), before)

    # --- transfers -----------------------------------------------------------

    def test_transfer_verified_and_the_namespace_left_as_found(self):
        self.need_o_direct()
        before = self.ns_digest()
        res = self.run_nvme("--offset", "64K", "--size", "128K", "--iterations", "3",
                            "--seed", "0x5eed", "--json")
        self.assertEqual(self.ns_digest(), before)
        doc = json.loads(res.stdout)
        self.assertEqual({k: doc[k] for k in (
            "provider", "client", "namespace", "logical_block_size", "offset", "size", "seed",
            "iterations", "signature", "route", "distance", "refused", "bytes_verified",
            "sysmem_bytes_verified", "mismatched_bytes", "restored")}, {
            "provider": PROVIDER, "client": CLIENT, "namespace": self.ns,
            "logical_block_size": 512, "offset": 64 << 10, "size": 128 << 10, "seed": 0x5eed,
            "iterations": 3, "signature": None, "route": "BUS_ADDR", "distance": 4,
            "refused": False, "bytes_verified": 3 * (128 << 10),
            "sysmem_bytes_verified": 3 * (128 << 10), "mismatched_bytes": 0,
            "restored": True})
        for kind in ("p2p", "sysmem"):
            for key in ("write_mb_s", "read_mb_s", "write_seconds", "read_seconds"):
                self.assertGreater(doc[kind][key], 0, (kind, key))
        self.assertAlmostEqual(doc["ratio"]["write"],
                               doc["p2p"]["write_mb_s"] / doc["sysmem"]["write_mb_s"])
        self.assertAlmostEqual(doc["ratio"]["read"],
                               doc["p2p"]["read_mb_s"] / doc["sysmem"]["read_mb_s"])
        # The progress lines went to stderr.
        self.assertIn("p2pmem -> nvme0n1 -> p2pmem  131072 bytes verified", res.stderr)

    def test_transfer_text(self):
        self.need_o_direct()
        res = self.run_nvme("--size", "4K", "--iterations", "2", "--seed", "7")
        out = res.stdout
        self.assertEqual(res.stderr, "")
        self.assertIn(f"{PROVIDER} -> {CLIENT}: BUS_ADDR, distance 4\n", out)
        self.assertIn(f"{self.ns} (nvme0n1, controller {CLIENT}): [0, +4096) of 1048576 bytes, "
                      "512-byte blocks; seed 0x7 (repeat with --seed 0x7)\n", out)
        self.assertEqual(out.count("  p2pmem -> nvme0n1 -> p2pmem  4096 bytes verified\n"), 2)
        self.assertEqual(out.count("  memory -> nvme0n1 -> memory  4096 bytes verified\n"), 2)
        self.assertIn("route BUS_ADDR, distance 4 (the kernel's routing cache)\n", out)
        self.assertIn("restored the 4096 bytes found at 0 of nvme0n1\n", out)
        self.assertRegex(out, r"\nP2P: +8192 bytes written in [0-9.]+ s \([0-9.]+ MB/s\), "
                         r"read in [0-9.]+ s \([0-9.]+ MB/s\): p2pmem of 0000:05:00.0 <-> "
                         r"nvme0n1\n")
        self.assertRegex(out, r"\nsysmem: 8192 bytes written in .*: system memory <-> nvme0n1\n")
        self.assertRegex(out, r"\nP2P/sysmem: write [0-9.]+, read [0-9.]+\n")

    def test_each_round_writes_the_pattern_of_seed_plus_round(self):
        self.need_o_direct()
        self.run_nvme("--size", "4K", "--iterations", "3", "--seed", "0x5eed", shim="record")
        with open(os.path.join(self.tmp, "shim.log")) as f:
            written = f.read().split()
        want = [pattern_bytes(0x5eed + i, 8).hex() for i in range(3)]
        self.assertEqual(written, want)

    def test_route_unknown_without_a_cache_entry(self):
        self.need_o_direct()
        self.put("kernel/debug/p2pdma/cache", "generation 2 hits 0 misses 0 stale 1\n"
                 f"{PROVIDER} {CLIENT} BUS_ADDR 4 stale\n")
        res = self.run_nvme("--json")
        self.assertIsNone(json.loads(res.stdout)["route"])
        self.assertIn("route unknown: no current entry for the pair", res.stderr)

    def test_controller_name_means_its_first_namespace(self):
        # Namespaces 2 and 1 of 06:00.0, and one of another controller.
        self.fake_namespace("nvme0n2", CLIENT, lbs=512, nbytes=4 * NS_BYTES)
        self.fake_namespace("nvme1n1", "0000:07:00.0", lbs=512, nbytes=4 * NS_BYTES,
                            ctrl="nvme1")
        for client in ("06:00.0", CLIENT):
            with self.subTest(client=client):
                res = self.run_tool("run", "--provider", "05:00.0", "--client", client,
                                    "--offset", "2M", capture=self.capture_nvme)
                self.assertEqual(res.returncode, 2, res.stderr)
                self.assertIn("[2097152, 2162688) extends past the end of nvme0n1, "
                              "1048576 bytes", res.stderr)
        # Without the nvme driver, the controller is a dma-buf client as before: a BAR
        # of the provider exported through VFIO (the fake tree has none).
        res = self.run_tool("run", "--provider", "05:00.0", "--client", "06:00.0",
                            "--offset", "2M")
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("0000:05:00.0 has no memory BAR to export", res.stderr)

    def test_client_that_is_no_namespace(self):
        other = os.path.join(self.tmp, "sda")
        with open(other, "wb") as f:
            f.truncate(NS_BYTES)
        res = self.run_tool("run", "--provider", "05:00.0", "--client", other)
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("sda: not in /sys/block", res.stderr)
        res = self.run_tool("run", "--provider", "05:00.0", "--client", "/nonexistent/nvme9n1")
        self.assertEqual(res.returncode, 1, res.stderr)
        self.assertIn("/nonexistent/nvme9n1: No such file or directory", res.stderr)

    # --- failures on the way: refusal, mismatch; the range is restored ----------

    def test_refusal_explained_and_exit_77(self):
        self.need_o_direct()
        self.put("kernel/debug/p2pdma/cache", "generation 1 hits 0 misses 1 stale 0\n"
                 f"{PROVIDER} {CLIENT} NOT_SUPPORTED -1 current\n")
        before = self.ns_digest()
        res = self.run_nvme("--offset", "4K", "--size", "16K", status=77, shim="refuse")
        self.assertEqual(self.ns_digest(), before)
        out = res.stdout
        self.assertIn(f"P2P refused: the kernel does not let {CLIENT} DMA to {PROVIDER}'s "
                      "p2pmem (Remote I/O error)\n", out)
        self.assertIn("the kernel's explanation:\n", out)
        self.assertIn("  verdict NOT_SUPPORTED\n", out)
        self.assertIn("  reason ACS P2P Request Redirect at 0000:02:01.0\n", out)
        self.assertIn("route NOT_SUPPORTED, distance -1", out)
        self.assertIn("restored the 16384 bytes found at 4096 of nvme0n1", out)
        self.assertNotIn("bytes verified", out)
        # The query went to the explain file: the pair, provider first.
        with open(self.sysfs("kernel/debug/p2pdma/explain")) as f:
            self.assertTrue(f.read().startswith(QUERY))

        res = self.run_nvme("--json", status=77, shim="refuse")
        doc = json.loads(res.stdout)
        self.assertEqual((doc["refused"], doc["route"], doc["bytes_verified"], doc["p2p"],
                          doc["sysmem"], doc["ratio"], doc["restored"]),
                         (True, "NOT_SUPPORTED", 0, None, None, None, True))
        self.assertIn("verdict NOT_SUPPORTED\n", doc["explanation"])
        self.assertEqual(self.ns_digest(), before)

    def test_refusal_without_debugfs_says_so(self):
        self.need_o_direct()
        os.unlink(self.sysfs("kernel/debug/p2pdma/explain"))
        res = self.run_nvme(status=77, shim="refuse")
        self.assertIn("the kernel's explanation is not available "
                      "(/sys/kernel/debug/p2pdma/explain: No such file or directory)",
                      res.stdout)

    def test_mismatch_reported_and_the_namespace_left_as_found(self):
        self.need_o_direct()
        before = self.ns_digest()
        res = self.run_nvme("--size", "8K", "--iterations", "2", "--json", status=1,
                            shim="ff")
        self.assertEqual(self.ns_digest(), before)
        self.assertIn("p2pmem -> nvme0n1 -> p2pmem  MISMATCH: ", res.stderr)
        self.assertIn("(all 0xff: nothing answers at that address)", res.stderr)
        self.assertIn("memory -> nvme0n1 -> memory  8192 bytes verified", res.stderr)
        doc = json.loads(res.stdout)
        self.assertEqual((doc["bytes_verified"], doc["sysmem_bytes_verified"],
                          doc["restored"]), (0, 2 * 8192, True))
        self.assertGreater(doc["mismatched_bytes"], 2 * 8000)

    def test_read_that_moves_nothing_is_caught(self):
        # Both p2pmem buffers are one file here: only the read buffer's
        # clearing before each read tells a read that moved nothing.
        self.need_o_direct()
        res = self.run_nvme("--size", "4K", status=1, shim="lost")
        self.assertIn("p2pmem -> nvme0n1 -> p2pmem  MISMATCH: ", res.stdout)
        self.assertIn("(all zero: nothing was written)", res.stdout)


if __name__ == "__main__":
    unittest.main()
