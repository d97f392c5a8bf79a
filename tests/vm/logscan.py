"""Find kernel-log lines that mean a test run went wrong.

Any WARN, BUG, Oops, KASAN/UBSAN/KFENCE report, lockdep splat, DMA-API
debug error, DMAR/IOMMU fault, kmemleak report or panic fails the run,
unless the plan declared it expected (tests/vm/guestlib.sh: expect_log).
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
