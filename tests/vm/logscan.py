"""Find kernel-log lines that mean a test run went wrong.

Any WARN, BUG, Oops, KASAN/UBSAN/KFENCE report, lockdep splat, DMA-API
debug error, DMAR/IOMMU fault, kmemleak report or panic fails the run,
unless the plan declared it expected (tests/vm/guestlib.sh: expect_log).

kmemleak_ours() reads the report of the kmemleak scan the guest runs at
the end of every VM run (tests/vm/init) and keeps the leaks whose
allocation backtrace passes through this project's code.
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
    r"rcu: INFO: .* stall",
]
_BAD = re.compile("|".join(f"(?:{p})" for p in BAD))

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
    """Return the lines that match a bad pattern and no expected one."""
    allowed = [re.compile(e) for e in expected if e.strip()]
    return [line.rstrip("\n") for line in lines
            if _BAD.search(line) and not any(a.search(line) for a in allowed)]


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
