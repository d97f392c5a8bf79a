"""The kernel-log scanner fails a run on every kind of kernel error."""
import importlib.machinery
import importlib.util
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "vm"))
import collect  # noqa: E402
import logscan  # noqa: E402

# One real-looking line of each kind the scanner must catch.
BAD_LINES = {
    "warn": "[   12.345678] WARNING: CPU: 0 PID: 1 at drivers/pci/p2pdma.c:42 foo+0x1/0x2",
    "cut-here": "[   12.3] ------------[ cut here ]------------",
    "bug": "[    3.1] BUG: unable to handle page fault for address: ffff888000000000",
    "kernel-bug": "[    3.1] kernel BUG at mm/slub.c:400!",
    "oops": "[    3.2] Oops: 0002 [#1] PREEMPT SMP KASAN",
    "kasan": "[    5.0] BUG: KASAN: slab-out-of-bounds in p2p_map+0x10/0x20",
    "ubsan": "[    5.0] UBSAN: array-index-out-of-bounds in drivers/pci/p2pdma/map.c:10:5",
    "kfence": "[    5.0] BUG: KFENCE: use-after-free read in p2p_unmap+0x1/0x2",
    "lockdep": "[    6.0] WARNING: possible circular locking dependency detected",
    "lockdep-recursive": "[    6.0] WARNING: possible recursive locking detected",
    "sleep-atomic": "[    6.0] BUG: sleeping function called from invalid context at mm/slab.h:1",
    "dma-api": "[    7.0] DMA-API: nvme 0000:03:00.0: device driver frees DMA memory with wrong size",
    "dmar-fault": "[    8.0] DMAR: [DMA Read NO_PASID] Request device [03:00.0] fault addr 0x1000",
    "dmar-drhd": "[    8.0] DMAR: DRHD: handling fault status reg 2",
    "kmemleak": "[    9.0] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
    "panic": "[    9.9] Kernel panic - not syncing: Fatal exception",
    "hung-task": "[  200.0] INFO: task insmod:100 blocked for more than 120 seconds.",
}

GOOD_LINES = [
    "[    1.0] pci 0000:01:00.0: [1b36:0010] type 00 class 0x010802",
    "[    1.0] DMAR: IOMMU enabled",
    "[    2.0] nvme 0000:03:00.0: cannot be used for peer-to-peer DMA as the client and "
    "provider (0000:04:00.0) do not share an upstream bridge or whitelisted host bridge",
    "[    2.0]     ok 1 nvme_pair_distance",
    "[    2.1] Run /init as init process",
    "[    0.5] DMA-API: preallocated 65536 debug entries",
    "[    0.5] DMA-API: debugging enabled by kernel config",
]


class LogScanTest(unittest.TestCase):
    def test_each_error_kind_is_caught(self):
        for kind, line in BAD_LINES.items():
            with self.subTest(kind=kind):
                self.assertEqual(logscan.scan([line]), [line])

    def test_ordinary_boot_lines_pass(self):
        self.assertEqual(logscan.scan(GOOD_LINES), [])

    def test_expected_line_is_allowed_and_others_are_not(self):
        lines = [BAD_LINES["dmar-fault"], BAD_LINES["warn"]]
        self.assertEqual(logscan.scan(lines, [r"DMAR: \[DMA Read"]), [BAD_LINES["warn"]])

    def test_blank_expectation_allows_nothing(self):
        self.assertEqual(logscan.scan([BAD_LINES["oops"]], ["", "  "]), [BAD_LINES["oops"]])

    def test_cli_exit_status(self):
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write("\n".join(GOOD_LINES + [BAD_LINES["kasan"]]) + "\n")
        try:
            self.assertEqual(logscan.main(["logscan", f.name]), 1)
        finally:
            os.unlink(f.name)


_IGT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "igt", "igt_runner.py")
_iloader = importlib.machinery.SourceFileLoader("igt_runner", _IGT)
igt_runner = importlib.util.module_from_spec(importlib.util.spec_from_loader("igt_runner", _iloader))
_iloader.exec_module(igt_runner)

# What 6.1 prints when the host starves a TCG vCPU, as the console shows it
# (the failed run of issue 20 had the first one).
ARTIFACT_LINES = [
    "[   41.5] hrtimer: interrupt took 15219740 ns",
    "[  300.1] clocksource: timekeeping watchdog on CPU1: Marking clocksource 'tsc' as "
    "unstable because the skew is too large:",
    "[  300.1] clocksource:                       'hpet' wd_nsec: 511970512 wd_now: 3b2a1f0 "
    "wd_last: 3a0e4c2 mask: ffffffff",
    "[  300.1] clocksource:                       'tsc' cs_nsec: 1003261180 cs_now: 9b0ec1c2b8 "
    "cs_last: 9a4f4ae73a mask: ffffffffffffffff",
    "[  300.1] clocksource:                       'tsc' is current clocksource.",
    "[  300.1] tsc: Marking TSC unstable due to clocksource watchdog",
    "[  300.1] TSC found unstable after boot, most likely due to broken BIOS. Use 'tsc=unstable'.",
    "[  300.1] sched_clock: Marking unstable (300120345567, -2345)<-(300122345123, -4000)",
    "[  300.2] clocksource: Switched to clocksource hpet",
    "[    2.0] clocksource: timekeeping watchdog on CPU0: hpet retried 2 times before success",
    "[    2.0] clocksource: Long readout interval, skipping watchdog check: cs_nsec: 1 wd_nsec: 2",
    "[    2.0] clocksource:         CPUs 0 ahead of CPU 1 for clocksource tsc.",
    "[    2.0] clocksource:         CPU 1 check durations 1200ns - 51000ns for clocksource tsc.",
]


class OneJudgeTest(unittest.TestCase):
    """vmrun and the IGT runner judge a kernel log by the same rules."""

    def test_artifacts_fail_neither_judge(self):
        for line in ARTIFACT_LINES:
            with self.subTest(line=line):
                self.assertTrue(logscan.artifact(line))
                self.assertEqual(logscan.scan([line]), [])
                msg = line.split("] ", 1)[1]
                self.assertEqual(logscan.judge([(4, msg)]), [])
                self.assertEqual(igt_runner.judge("pass", [(4, msg)], []), "pass")

    def test_real_errors_fail_both_judges_at_any_level(self):
        for kind, line in BAD_LINES.items():
            msg = line.split("] ", 1)[1]
            with self.subTest(kind=kind):
                self.assertEqual(logscan.judge([(6, msg)]), [msg])
                self.assertEqual(igt_runner.judge("pass", [(6, msg)], []), "dmesg-warn")
                self.assertEqual(igt_runner.judge("fail", [(3, msg)], []), "dmesg-fail")

    def test_an_artifact_inside_another_message_is_judged(self):
        line = "[    9.0] WARNING: CPU: 0 PID: 9 at foo.c:1 bar hrtimer: interrupt took 5 ns"
        self.assertFalse(logscan.artifact(line))
        self.assertEqual(logscan.scan([line]), [line])
        self.assertFalse(logscan.artifact("hrtimer: interrupt took 5 ns, and more"))

    def test_warning_level_fails_only_records_that_carry_a_level(self):
        msg = "pci 0000:01:00.0: some new warning"
        self.assertEqual(logscan.judge([(4, msg)]), [msg])
        self.assertEqual(logscan.judge([(5, msg)]), [])
        self.assertEqual(logscan.scan(["[ 1.0] " + msg]), [])
        self.assertEqual(igt_runner.judge("pass", [(4, msg)], []), "dmesg-warn")

    def test_expected_lines_and_igt_markers_are_excused(self):
        import re
        msg = "p2pdma: 0000:01:00.0 to 0000:02:00.0: NOT_SUPPORTED"
        self.assertEqual(igt_runner.judge("pass", [(4, msg)], [re.compile("p2pdma: ")]), "pass")
        self.assertEqual(logscan.judge([(4, msg)], ["p2pdma: "]), [])
        self.assertEqual(igt_runner.judge("pass", [(4, "[IGT] dmabuf_p2p: starting")], []),
                         "pass")


# A kmemleak report as /sys/kernel/debug/kmemleak prints it: one leak in
# 6.1's own code, one allocated by the p2ptest module.
KMEMLEAK = """unreferenced object 0xffff888005a1c000 (size 64):
  comm "swapper/0", pid 1, jiffies 4294892296 (age 31.200s)
  hex dump (first 32 bytes):
    00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00  ................
  backtrace:
    [<ffffffff8135a2b1>] __kmem_cache_alloc_node+0x1b1/0x300
    [<ffffffff812c2f4e>] kmalloc_trace+0x1e/0x60
    [<ffffffff81a0c3aa>] acpi_os_allocate_zeroed+0x1a/0x30
unreferenced object 0xffff888007f2e800 (size 128):
  comm "p2ptest_faults", pid 211, jiffies 4294899000 (age 12.100s)
  backtrace:
    [<ffffffff8135a2b1>] __kmem_cache_alloc_node+0x1b1/0x300
    [<ffffffff812c2f4e>] kmalloc_trace+0x1e/0x60
    [<ffffffffa0012345>] p2ptest_export+0x85/0x400 [p2ptest]
    [<ffffffffa0011111>] p2ptest_ioctl+0x1a0/0x300 [p2ptest]
"""


class KmemleakTest(unittest.TestCase):
    def test_only_leaks_through_our_code_are_kept(self):
        ours = logscan.kmemleak_ours(KMEMLEAK)
        self.assertEqual(len(ours), 1)
        self.assertIn("0xffff888007f2e800", ours[0])
        self.assertIn("p2ptest_export < p2ptest_ioctl", ours[0])

    def test_a_leak_in_6_1_alone_is_not_ours(self):
        first = KMEMLEAK.split("unreferenced object 0xffff888007f2e800")[0]
        self.assertEqual(logscan.kmemleak_ours(first), [])

    def test_an_empty_report_has_no_leaks(self):
        self.assertEqual(logscan.kmemleak_ours(""), [])


class KmemleakResultTest(unittest.TestCase):
    """vmrun's kmemleak test: a kernel with kmemleak must leave a scan."""

    def result(self, report, config):
        with tempfile.TemporaryDirectory() as d:
            kconfig = os.path.join(d, ".config")
            with open(kconfig, "w") as f:
                f.write(config)
            path = os.path.join(d, "kmemleak.txt")
            if report is not None:
                with open(path, "w") as f:
                    f.write(report)
            return collect.kmemleak_result(path, kconfig)

    def test_missing_scan_fails_when_kmemleak_is_built_in(self):
        [(name, status, detail)] = self.result(None, "CONFIG_DEBUG_KMEMLEAK=y\n")
        self.assertEqual((name, status), ("kmemleak", "fail"))
        self.assertIn("no kmemleak scan", detail)

    def test_no_scan_no_test_without_kmemleak(self):
        self.assertEqual(self.result(None, "# CONFIG_DEBUG_KMEMLEAK is not set\n"), [])

    def test_leak_through_our_code_fails(self):
        [(_, status, detail)] = self.result(KMEMLEAK, "CONFIG_DEBUG_KMEMLEAK=y\n")
        self.assertEqual(status, "fail")
        self.assertIn("1 leak(s) through our code", detail)

    def test_leaks_only_in_6_1_pass_and_are_counted(self):
        first = KMEMLEAK.split("unreferenced object 0xffff888007f2e800")[0]
        [(_, status, detail)] = self.result(first, "CONFIG_DEBUG_KMEMLEAK=y\n")
        self.assertEqual(status, "pass")
        self.assertIn("none through our code", detail)


if __name__ == "__main__":
    unittest.main()
