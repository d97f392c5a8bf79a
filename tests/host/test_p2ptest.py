"""p2ptest on recorded machines: topology classes, ACS decoding, verdicts.

The fixtures are captures (tools/p2ptest/cmd_capture.c): the QEMU
topologies as the test VMs captured them (tests/fixtures/qemu-*.cap), and
hand-made ones for what QEMU has not (tests/fixtures/make_fixtures.py).
p2ptest is built into a temporary folder first; no root, no VM.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures")
sys.path.insert(0, FIXTURES)
import make_fixtures  # noqa: E402


class P2ptestFixtures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp()
        subprocess.run(["make", "-s", "-C", os.path.join(ROOT, "tools", "p2ptest"),
                        f"O={cls.tmp}"], check=True)
        cls.bin = os.path.join(cls.tmp, "p2ptest")
        for name, devices in make_fixtures.FIXTURES.items():
            with open(os.path.join(cls.tmp, f"{name}.cap"), "w") as f:
                f.write(make_fixtures.capture(devices))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp)

    def fixture(self, name):
        made = os.path.join(self.tmp, f"{name}.cap")
        return made if os.path.exists(made) else os.path.join(FIXTURES, f"{name}.cap")

    def every_fixture(self):
        return sorted(list(make_fixtures.FIXTURES) +
                      [f[:-4] for f in os.listdir(FIXTURES) if f.endswith(".cap")])

    def run_tool(self, fixture, *args, status=0):
        res = subprocess.run([self.bin, "--fixture", self.fixture(fixture), *args],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, status, res.stderr + res.stdout)
        return res.stdout

    def json(self, fixture, *args):
        return json.loads(self.run_tool(fixture, "--json", *args))

    def pair(self, topo, a, b):
        for p in topo["pairs"]:
            if p["provider"] == a and p["client"] == b:
                return p
        self.fail(f"no pair {a} {b}")

    # --- hand-made topologies -------------------------------------------

    def test_nested_switches_classes_and_verdicts(self):
        t = self.json("nested-switches", "topo")
        ab = self.pair(t, "0000:05:00.0", "0000:06:00.0")
        self.assertEqual((ab["link"], ab["verdict"], ab["distance"]), ("PIX", "BUS_ADDR", 4))
        ac = self.pair(t, "0000:05:00.0", "0000:07:00.0")
        self.assertEqual((ac["link"], ac["verdict"], ac["distance"]), ("PXB", "NOT_SUPPORTED", 6))
        self.assertEqual(self.pair(t, "0000:05:00.0", "0000:05:00.0")["link"], "X")

    def test_nested_switches_explanation_names_the_redirecting_port(self):
        e = self.json("nested-switches", "explain", "05:00.0", "07:00.0")
        self.assertEqual(e["common"], "0000:01:00.0")
        roles = [(h["name"], h["role"]) for h in e["path"]]
        self.assertEqual(roles[0], ("0000:05:00.0", "provider"))
        self.assertIn(("0000:01:00.0", "common upstream bridge"), roles)
        self.assertIn(("0000:07:00.0", "client"), roles)
        self.assertNotIn("0000:00:01.0", [n for n, _ in roles])  # above the common bridge
        port = next(h for h in e["path"] if h["name"] == "0000:02:01.0")
        self.assertEqual(port["acs"]["ACSCtl"], "SrcValid+ TransBlk- ReqRedir+ CmpltRedir- "
                         "UpstreamFwd- EgressCtrl- DirectTrans-")
        self.assertTrue(port["acs"]["redirects"])
        self.assertIn("kernel parameter (at boot): pci=disable_acs_redir=0000:02:01.0", e["fix"])
        self.assertIn("at run time: setpci -s 0000:02:01.0 ECAP_ACS+6.w=0001", e["fix"])
        self.assertIsNone(e["kernel"]["verdict"])

    def test_nested_switches_audit(self):
        a = self.json("nested-switches", "audit")
        names = {b["name"]: b for b in a["acs_redirect"]}
        self.assertEqual(set(names), {"0000:00:01.0", "0000:02:01.0"})
        self.assertEqual(sorted(names["0000:02:01.0"]["affects"]),
                         ["0000:05:00.0 0000:07:00.0 NOT_SUPPORTED",
                          "0000:06:00.0 0000:07:00.0 NOT_SUPPORTED"])
        self.assertEqual(names["0000:00:01.0"]["affects"], [])  # above every common bridge

    def test_multifunction_root_port_acs_decides(self):
        e = self.json("multifunction", "explain", "01:00.0", "01:00.1")
        self.assertEqual((e["verdict"], e["distance"], e["common"]),
                         ("NOT_SUPPORTED", 2, "0000:00:01.0"))
        self.assertIn("at run time: setpci -s 0000:00:01.0 ECAP_ACS+6.w=0011", e["fix"])
        self.assertIn("trust the host bridge (only if it forwards P2P): echo 8086:29c0 > "
                      "/sys/module/p2pdma/parameters/host_bridge_allowlist", e["fix"])
        self.assertEqual(self.pair(self.json("multifunction", "topo"),
                                   "0000:01:00.0", "0000:01:00.1")["link"], "PIX")

    def test_two_host_bridges(self):
        t = self.json("two-host-bridges", "topo")
        p = self.pair(t, "0000:01:00.0", "0000:81:00.0")
        self.assertEqual((p["link"], p["verdict"], p["distance"]),
                         ("SYS", "THRU_HOST_BRIDGE", 4))
        e = self.json("two-host-bridges", "explain", "01:00.0", "81:00.0")
        self.assertEqual([h["id"] for h in e["host_bridges"]], ["8086:2030", "8086:2030"])
        self.assertIsNone(e["common"])
        p = self.pair(self.json("two-host-bridges-same-only", "topo"),
                      "0000:01:00.0", "0000:81:00.0")
        self.assertEqual(p["verdict"], "NOT_SUPPORTED")

    def test_default_classes_and_all(self):
        names = {d["name"] for d in self.json("nested-switches", "topo")["devices"]}
        self.assertEqual(names, {"0000:05:00.0", "0000:06:00.0", "0000:07:00.0"})
        self.assertNotIn("0000:00:00.0", names)

    def test_dot_colours_by_verdict(self):
        dot = self.run_tool("nested-switches", "topo", "--dot")
        self.assertIn('"0000:05:00.0" -- "0000:06:00.0" [style=dashed, constraint=false, '
                      'color=green4, label="BUS_ADDR"]', dot)
        self.assertIn('color=red, label="NOT_SUPPORTED"', dot)
        self.assertTrue(dot.startswith("graph p2p {"))

    def test_capture_format_is_readable_by_lspci(self):
        if not shutil.which("lspci"):
            self.skipTest("no lspci")
        out = subprocess.run(["lspci", "-F", self.fixture("nested-switches"), "-t"],
                             capture_output=True, text=True, check=True).stdout
        self.assertIn("[02-07]", out)

    def test_captures_read_and_write_back_unchanged(self):
        # The format has one writer and one reader (tools/p2ptest/cmd_capture.c); this
        # holds make_fixtures.py and the recorded captures to them. Descriptions compare
        # as --numeric writes them: names come from pci.ids, which differs between hosts.
        for name in self.every_fixture():
            with self.subTest(fixture=name), open(self.fixture(name)) as f:
                want = re.sub(r"^(\S+) .*(\[[0-9a-f]{4}:[0-9a-f]{4}\])$", r"\1 \2", f.read(),
                              flags=re.M)
                self.assertEqual(self.run_tool(name, "--numeric", "capture"), want)

    def test_bad_usage_and_unknown_device(self):
        self.run_tool("multifunction", "explain", "01:00.0", status=2)
        res = subprocess.run([self.bin, "--fixture", self.fixture("multifunction"), "explain",
                              "01:00.0", "09:00.0"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 1)
        self.assertIn("no PCI device 09:00.0", res.stderr)
        res = subprocess.run([self.bin, "frobnicate"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("unknown command 'frobnicate'", res.stderr)
        res = subprocess.run([self.bin, "--fixture", "/nonexistent", "topo"],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 1)
        self.assertIn("cannot read /nonexistent", res.stderr)

    def test_every_command_has_help(self):
        for cmd in ("topo", "explain", "audit", "capture", "bench", "run"):
            out = subprocess.run([self.bin, cmd, "--help"], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, cmd)
            self.assertIn("usage: p2ptest", out.stdout)
        out = subprocess.run([self.bin, "run", "--help"], capture_output=True, text=True).stdout
        self.assertIn("through VFIO (VFIO_DEVICE_FEATURE_DMA_BUF)", out)
        self.assertIn("6 no vfio-pci", out)

    def test_bench_refuses_clearly(self):
        res = subprocess.run([self.bin, "bench", "--iterations", "1"], capture_output=True,
                             text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("--iterations must be 3 or more", res.stderr)
        res = subprocess.run([self.bin, "bench", "--module", "/nonexistent/dma_map_bench.ko"],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 1)
        self.assertTrue("no benchmark module at /nonexistent/dma_map_bench.ko" in res.stderr or
                        "run it as root" in res.stderr, res.stderr)

    def test_run_checks_its_arguments(self):
        fx = ["--fixture", self.fixture("nested-switches")]
        res = subprocess.run([self.bin, *fx, "run", "--provider", "05:00.0", "--client",
                              "06:00.0", "--size", "100"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("--size must be a multiple of 4K", res.stderr)
        res = subprocess.run([self.bin, *fx, "run", "--provider", "05:00.0"],
                             capture_output=True, text=True)
        self.assertEqual(res.returncode, 2)
        res = subprocess.run([self.bin, *fx, "run", "--provider", "05:00.0:6", "--client",
                              "06:00.0"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 2)
        self.assertIn("--provider DEV:BAR: BAR is 0 to 5", res.stderr)
        res = subprocess.run([self.bin, *fx, "run", "--provider", "05:00.0", "--client",
                              "06:00.0"], capture_output=True, text=True)
        self.assertEqual(res.returncode, 1)
        self.assertIn("needs root on a live machine", res.stderr)

    def test_run_refuses_what_vfio_cannot_export(self):
        """Each refusal before anything changes, on a fake sysfs tree (P2PTEST_SYSFS)."""
        root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, root)

        def path(rel):
            return os.path.join(root, rel)

        provider = "bus/pci/devices/0000:05:00.0"
        noiommu = "module/vfio/parameters/enable_unsafe_noiommu_mode"
        os.makedirs(path(provider))
        os.makedirs(path("bus/pci/devices/0000:06:00.0"))
        os.makedirs(path("bus/pci/drivers/nvme"))
        os.symlink("../../../../bus/pci/drivers/nvme", path(f"{provider}/driver"))
        run = ["--fixture", self.fixture("nested-switches"), "run", "--provider",
               "05:00.0:2", "--client", "06:00.0"]

        def refused(status, err, *more):
            for json_mode in ([], ["--json"]):
                with self.subTest(err=err, more=more, json=json_mode):
                    res = subprocess.run([self.bin, *json_mode, *run, *more],
                                         capture_output=True, text=True,
                                         env={**os.environ, "P2PTEST_SYSFS": root})
                    self.assertEqual((res.returncode, res.stdout if json_mode else ""),
                                     (status, ""), res.stderr)
                    self.assertIn(err, res.stderr)

        refused(6, "vfio-pci is not loaded (no /sys/bus/pci/drivers/vfio-pci)")
        os.makedirs(path("bus/pci/drivers/vfio-pci"))
        refused(4, "this kernel's VFIO has no no-IOMMU mode (CONFIG_VFIO_NOIOMMU)")
        os.makedirs(os.path.dirname(path(noiommu)))
        with open(path(noiommu), "w") as f:
            f.write("N\n")
        # --bind does not turn the mode on: it is the owner's choice.
        for more in ([], ["--bind"]):
            refused(4, "0000:05:00.0 is in no IOMMU group, which VFIO needs, and VFIO's "
                    "no-IOMMU mode is off", *more)
            refused(4, f"echo Y > /sys/{noiommu}", *more)
        with open(path(noiommu)) as f:
            self.assertEqual(f.read(), "N\n")
        with open(path(noiommu), "w") as f:
            f.write("Y\n")
        refused(3, "0000:05:00.0 is bound to nvme, not vfio-pci, which exports its BAR: "
                "pass --bind")
        refused(3, "echo vfio-pci > /sys/bus/pci/devices/0000:05:00.0/driver_override")
        # In an IOMMU group, no-IOMMU mode does not matter.
        with open(path(noiommu), "w") as f:
            f.write("N\n")
        os.makedirs(path("kernel/iommu_groups/10"))
        os.symlink("../../../../kernel/iommu_groups/10", path(f"{provider}/iommu_group"))
        refused(3, "0000:05:00.0 is bound to nvme, not vfio-pci")
        # Nothing was written: the provider was never taken from nvme.
        self.assertEqual(os.listdir(path("bus/pci/drivers/nvme")), [])
        self.assertFalse(os.path.exists(path(f"{provider}/driver_override")))

    # --- --json: stdout holds one JSON document and nothing else ----------

    def tool(self, *args):
        return subprocess.run([self.bin, *args], capture_output=True, text=True)

    def test_json_is_one_document_before_or_after_the_command(self):
        for name in self.every_fixture():
            fx = ["--fixture", self.fixture(name)]
            devs = [d["name"] for d in self.json(name, "topo", "--all")["devices"]]
            for cmd in (["topo"], ["topo", "--all"], ["audit"], ["audit", "--all"],
                        ["explain", *devs[:2]], ["explain", devs[-1], devs[0]]):
                with self.subTest(fixture=name, cmd=cmd):
                    before = self.tool(*fx, "--json", *cmd)
                    after = self.tool(*fx, *cmd, "--json")
                    self.assertEqual(before.returncode, 0, before.stderr)
                    self.assertEqual(before.stderr, "")
                    doc = json.loads(before.stdout)  # the whole of stdout
                    self.assertIsInstance(doc, dict)
                    self.assertEqual((after.returncode, after.stdout, after.stderr),
                                     (0, before.stdout, ""))

    def test_json_usage_errors_leave_stdout_empty(self):
        fx = ["--fixture", self.fixture("nested-switches")]
        run = ["run", "--provider", "05:00.0", "--client", "06:00.0"]
        for args, status, err in (
                ([*fx, "--json", *run, "--size", "100"], 2, "--size must be a multiple of 4K"),
                ([*fx, *run, "--offset", "1", "--json"], 2, "--offset must be a multiple of 4K"),
                ([*fx, "run", "--json", "--provider", "05:00.0"], 2, "usage: p2ptest run"),
                ([*fx, "--json", *run, "--iterations", "0"], 2, "usage: p2ptest run"),
                ([*fx, "--json", *run, "--frobnicate"], 2, "usage: p2ptest run"),
                ([*fx, "--json", *run, "extra"], 2, "usage: p2ptest run"),
                ([*fx, *run, "--json", "--client", "09:00.0"], 1, "no PCI device 09:00.0"),
                ([*fx, "--json", *run], 1, "needs root on a live machine"),
                (["--json", "bench", "--iterations", "1"], 2, "--iterations must be 3 or more"),
                (["bench", "--json", "extra"], 2, "usage: p2ptest bench"),
                ([*fx, "--json", "topo", "--dot"], 2, "usage: p2ptest"),
                ([*fx, "topo", "--json", "--dot"], 2, "usage: p2ptest"),
                ([*fx, "--json", "explain", "05:00.0"], 2, "usage: p2ptest"),
                ([*fx, "explain", "--json", "05:00.0", "09:00.0"], 1, "no PCI device 09:00.0"),
                ([*fx, "--json", "audit", "extra"], 2, "usage: p2ptest"),
                (["--json", "capture"], 2, "usage: p2ptest capture"),
                (["capture", "--json"], 2, "unrecognized option '--json'"),
                (["--json", "frobnicate"], 2, "unknown command 'frobnicate'")):
            with self.subTest(args=args):
                res = self.tool(*args)
                self.assertEqual((res.returncode, res.stdout), (status, ""), res.stderr)
                self.assertIn(err, res.stderr)

    # --- captured from the QEMU topologies --------------------------------

    def test_qemu_switch(self):
        t = self.json("qemu-switch-strict", "topo")
        nvme = [d["name"] for d in t["devices"] if "[1b36:0010]" in d["device"]]
        self.assertEqual(len(nvme), 2)
        # q35's own AHCI controller is a storage device on the root bus.
        sata = next(d["name"] for d in t["devices"] if "[8086:2922]" in d["device"])
        self.assertEqual(self.pair(t, sata, nvme[0])["link"], "PHB")
        p = self.pair(t, nvme[0], nvme[1])
        self.assertEqual((p["link"], p["verdict"], p["distance"]), ("PIX", "BUS_ADDR", 4))
        self.assertEqual(t["iommu"], "translated")

    def test_qemu_rootports(self):
        t = self.json("qemu-rootports-strict", "topo")
        nvme = [d["name"] for d in t["devices"] if "[1b36:0010]" in d["device"]]
        p = self.pair(t, nvme[0], nvme[1])
        self.assertEqual((p["link"], p["verdict"], p["distance"]), ("PHB", "NOT_SUPPORTED", 4))
        e = self.json("qemu-rootports-strict", "explain", nvme[0], nvme[1])
        self.assertEqual(e["host_bridges"][0]["id"], "8086:29c0")
        self.assertFalse(e["host_bridges"][0]["allowlisted"])
        # Linux turned ACS redirect on in every root port (IOMMU on).
        self.assertEqual(e["path"][1]["acs"]["ACSCtl"], "SrcValid+ TransBlk- ReqRedir+ "
                         "CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-")

    def test_qemu_multifunction(self):
        t = self.json("qemu-mf-strict", "topo")
        nvme = [d["name"] for d in t["devices"] if "[1b36:0010]" in d["device"]]
        self.assertEqual(nvme, ["0000:01:00.0", "0000:01:00.1"])
        e = self.json("qemu-mf-strict", "explain", *nvme)
        self.assertEqual((e["verdict"], e["distance"], e["common"]),
                         ("NOT_SUPPORTED", 2, "0000:00:01.0"))
        self.assertIn("at run time: setpci -s 0000:00:01.0 ECAP_ACS+6.w=0011", e["fix"])


if __name__ == "__main__":
    unittest.main()
