"""The one judge of a kernel log: which records fail a test.

Two readers use it: vmrun, on a VM run's whole log (the serial console and
the guest's dmesg, lines without a log level), and the IGT runner, on the
/dev/kmsg records written during one subtest (each with its level). A
record fails a test when

1. it is not an artifact of the emulation (ARTIFACTS below) and not a line
   the test provokes on purpose (the plan's expect_log, the runner's
   --ignore-dmesg), and
2. it matches BAD: any WARN, BUG, Oops, KASAN/UBSAN/KFENCE report, lockdep
   splat, DMA-API debug error, DMAR/IOMMU fault, kmemleak report, hung
   task, RCU stall or panic; or its level is warning or worse
   (IGT_WARN_LEVEL: IGT's own dmesg-warn rule; only records that carry a
   level can be judged on it, so the console's lines are judged on BAD).

kmemleak_ours() reads the report of the kmemleak scan the guest runs at
the end of every VM run (tests/vm/init) and keeps the leaks whose
allocation backtrace passes through this project's code.

What is not judged because it cannot happen on the test kernel: soft and
hard lockup reports, hung tasks and workqueue stalls come from detectors
configs/ leaves out (CONFIG_SOFTLOCKUP_DETECTOR, CONFIG_HARDLOCKUP_DETECTOR,
CONFIG_DETECT_HUNG_TASK, CONFIG_WQ_WATCHDOG); if one is ever turned on, its
report fails the run (BAD), it is not an artifact.
"""
import re
import sys

BAD = [
    r"WARNING: .* at ",               # WARN() and friends
    r"------------\[ cut here \]",
    r"\bBUG: ",                       # BUG:, KASAN's BUG: KASAN:, sleeping function
    r"kernel BUG at",
    r"\bOops\b",
    r"general protection fault",
    r"Kernel panic",
    r"UBSAN: ",
    r"KFENCE: ",
    r"possible circular locking dependency",
    r"possible recursive locking",
    r"inconsistent lock state",
    r"suspicious RCU usage",
    r"DMA-API: (?!preallocated \d+ debug entries|debugging enabled by kernel config)",
    r"DMAR: \[DMA (Read|Write)",
    r"DMAR: DRHD: handling fault",
    r"DMAR: .*[Ff]ault",
    r"kmemleak: \d+ new suspected memory leaks",
    r"INFO: task .* blocked for more than",
    # A real stall: vmrun sets rcupdate.rcu_cpu_stall_timeout=300, 6.1's
    # maximum, and the debug kernel's RCU is preemptible (vmrun says why).
    r"rcu: INFO: .* stall",
]
_BAD = re.compile("|".join(f"(?:{p})" for p in BAD))

# IGT's rule: a kernel record at this level or a more severe one (0 emerg
# .. 4 warning) during a subtest turns its pass into dmesg-warn.
IGT_WARN_LEVEL = 4

# What a TCG guest prints when the host does not run its vCPU threads for
# a while: the guest's clocks jump, the guest did nothing wrong. Each is
# one exact message of 6.1 (the file that prints it beside it), matched
# whole after the printk timestamp; the same words in any other message
# are still judged.
ARTIFACTS = [
    # kernel/time/hrtimer.c, hrtimer_interrupt(): the timer interrupt ran
    # long because the vCPU was not scheduled in the middle of it. Printed
    # once per boot.
    r"hrtimer: interrupt took \d+ ns",
    # kernel/time/clocksource.c, clocksource_watchdog(): TSC and HPET are
    # read a moment apart; a descheduled vCPU makes that moment long and
    # the skew "too large". The report is five lines.
    r"clocksource: timekeeping watchdog on CPU\d+: Marking clocksource '\w+' as unstable "
    r"because the skew is too large:",
    r"clocksource: +'\w+' (wd|cs)_nsec: -?\d+ (wd|cs)_now: [0-9a-f]+ (wd|cs)_last: [0-9a-f]+ "
    r"mask: [0-9a-f]+",
    r"clocksource: +'\w+' is current clocksource\.",
    r"clocksource: +'\w+' \(not '\w+'\) is current clocksource\.",
    # kernel/time/clocksource.c, cs_watchdog_read(): the same delay seen
    # while reading the watchdog clock itself.
    r"clocksource: timekeeping watchdog on CPU\d+: \w+ retried \d+ times before success",
    r"clocksource: timekeeping watchdog on CPU\d+: \w+ read-back delay of \d+ns, "
    r"attempt \d+, marking unstable",
    r"clocksource: Long readout interval, skipping watchdog check: cs_nsec: -?\d+ "
    r"wd_nsec: -?\d+",
    # kernel/time/clocksource.c, clocksource_verify_percpu(): one vCPU's
    # TSC read late against another's.
    r"clocksource: +CPUs [\d,-]+ (ahead of|behind) CPU \d+ for clocksource \w+\.",
    r"clocksource: +CPU \d+ check durations \d+ns - \d+ns for clocksource \w+\.",
    # arch/x86/kernel/tsc.c and kernel/sched/clock.c: what follows once
    # the watchdog has marked the TSC unstable.
    r"tsc: Marking TSC unstable due to clocksource watchdog",
    r"TSC found unstable after boot, most likely due to broken BIOS\. Use 'tsc=unstable'\.",
    r"sched_clock: Marking unstable \(-?\d+, -?\d+\)<-\(-?\d+, -?\d+\)",
    r"clocksource: Switched to clocksource \w+",
]
_ARTIFACT = re.compile("|".join(f"(?:{p})" for p in ARTIFACTS))
_STAMP = re.compile(r"^\s*\[\s*\d+\.\d+\]\s?")


def artifact(text):
    """True when @text (one log line, timestamp or not) is an ARTIFACT."""
    return bool(_ARTIFACT.fullmatch(_STAMP.sub("", text.rstrip("\n"), count=1)))


def judge(records, expected=()):
    """The records that fail a test, in order.

    @records are (level, text) pairs; level is None for a line read from
    the console, which carries none. @expected are regexes of lines the
    test provokes on purpose (searched anywhere in the line; blank ones
    allow nothing).
    """
    allowed = [re.compile(e) if isinstance(e, str) else e
               for e in expected if not isinstance(e, str) or e.strip()]
    bad = []
    for level, text in records:
        text = text.rstrip("\n")
        if artifact(text) or any(a.search(text) for a in allowed):
            continue
        if _BAD.search(text) or (level is not None and level <= IGT_WARN_LEVEL):
            bad.append(text)
    return bad


# Functions and modules of this project: the overlay's kernel files, the
# test modules, and what the patches add to 6.1's own files.
OURS = [
    r"\[(p2ptest|p2pdma_\w*kunit|dmabuf_\w*kunit|dma_\w*kunit|iommu_spy|dma_map_bench)\]",
    r"\bp2ptest_", r"\bdma_buf_phys", r"\bdma_buf_\w*_vec", r"\bdma_buf_free_sgt",
    r"\bdma_iova_", r"\bdma_map_phys", r"\bdma_unmap_phys", r"\bp2pdma_",
    r"\bpcim?_p2pdma_", r"\biommu_map_nosync", r"\biommu_sync_map",
]
_OURS = re.compile("|".join(OURS))


def kmemleak_ours(report):
    """Split a kmemleak report into leaks; return those through our code.

    Each leak is returned as its first line plus the backtrace's function
    names, joined by " < ".
    """
    leaks = re.split(r"\n(?=unreferenced object )", report.strip())
    ours = []
    for leak in leaks:
        if not leak.startswith("unreferenced object "):
            continue
        trace = leak.partition("backtrace:")[2]
        if _OURS.search(trace):
            funcs = re.findall(r"\] (\S+?)\+0x", trace)
            ours.append(leak.splitlines()[0].strip() + ": " + " < ".join(funcs))
    return ours


def scan(lines, expected=()):
    """The console lines (no log level) that fail a run: judge() on them."""
    return judge(((None, line) for line in lines), expected)


def main(argv):
    if len(argv) < 2:
        print("usage: logscan.py LOG [EXPECTED-PATTERNS-FILE]", file=sys.stderr)
        return 2
    with open(argv[1], errors="replace") as f:
        lines = f.readlines()
    expected = []
    if len(argv) > 2:
        with open(argv[2]) as f:
            expected = f.read().splitlines()
    bad = scan(lines, expected)
    for line in bad:
        print(line)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
