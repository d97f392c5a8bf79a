"""Judge a finished VM run: what vmrun collects from RUN/results and the
console, turned into one record (tests/results.py). vmrun runs; this reads
(as kunit.py splits its runner from its parser).
"""
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
import logscan  # noqa: E402
import results  # noqa: E402
from pattern import pattern_bytes  # noqa: E402

BUILD = os.environ.get("P2P_BUILD", os.path.join(ROOT, "build"))
# The kernel tree whose kunit.py parses the KTAP.
KSRC = os.path.join(BUILD, "linux-src")


def kunit_results(ktap_dir, ksrc):
    """Parse each suite's KTAP with kunit.py; return [(name, status)]."""
    out = []
    kunit_py = os.path.join(ksrc, "tools", "testing", "kunit", "kunit.py")
    for name in sorted(os.listdir(ktap_dir)) if os.path.isdir(ktap_dir) else []:
        path = os.path.join(ktap_dir, name)
        jpath = path + ".json"
        res = subprocess.run([sys.executable, kunit_py, "parse", f"--json={jpath}", path],
                             capture_output=True, text=True)
        try:
            with open(jpath) as f:
                tree = json.load(f)
        except (OSError, ValueError):
            out.append((f"kunit/{name}", "fail", "kunit.py parse failed: " + res.stderr[-500:]))
            continue

        def walk(group, prefix):
            for case in group["test_cases"]:
                out.append((f"kunit/{prefix}{case['name']}",
                            {"PASS": "pass", "SKIP": "skip"}.get(case["status"], "fail"), ""))
            for sub in group["sub_groups"]:
                walk(sub, f"{prefix}{sub['name']}/")
        walk(tree, "")
        if not tree["test_cases"] and not tree["sub_groups"]:
            out.append((f"kunit/{name}", "fail", "no test results in KTAP"))
        # kunit.py reports a broken KTAP (lines of a case lost, results out
        # of order, a result missing) as ERROR lines and still exits 0,
        # keeping the cases it could read: the suite fails, or the cases it
        # lost would leave the count unseen.
        errors = [line.split("] ", 1)[-1] for line in res.stdout.splitlines()
                  if "[ERROR]" in line]
        if errors:
            out.append((f"kunit/{name}", "fail", "broken KTAP: " + "; ".join(errors[:3])))
    return out


def igt_results(path):
    """The IGT-style tests' piglit results.json (tests/igt/igt_runner.py):
    pass and skip count as such, anything else (fail, crash, timeout,
    dmesg-warn, dmesg-fail) fails."""
    if not os.path.exists(path):
        return []
    with open(path) as f:
        tests = json.load(f)["tests"]
    out = []
    for name, t in sorted(tests.items()):
        status = {"pass": "pass", "skip": "skip", "notrun": "skip"}.get(t["result"], "fail")
        why = ""
        if status == "fail":
            lines = (t.get("err", "") + t.get("dmesg", "")).strip().splitlines()
            why = f"{t['result']}: " + "; ".join(lines[-4:])
        out.append((name, status, why))
    return out


# What kselftest_harness.h prints (tests/uapi), line by line: the plan, a
# test's start, a result, and the harness's own end-of-test notes.
TAP_PLAN = re.compile(r"1\.\.(\d+)$")
TAP_RUN = re.compile(r"#  RUN +(\S+) \.\.\.$")
TAP_RESULT = re.compile(r"(ok|not ok) (\d+)( [^#]*)?(?:# SKIP ?(.*))?$")
TAP_END = re.compile(r"# +(OK|FAIL|SKIP) ")


def tap_results(path, prefix):
    """The TAP one test program of tests/uapi printed (stdout and stderr,
    as the plans keep it in RES/NAME.tap): (PREFIX/TEST, status, detail)
    per test, a failure's detail its diagnostics; then PREFIX, which fails
    when the program did not report every test its plan line announced
    (it crashed, or was killed), or printed no plan at all.

    6.1's kunit.py reads kselftest TAP, but not the 6.1 harness's skips:
    "ok N # SKIP REASON" names no test (the "#  RUN" line before it does),
    and kunit.py takes the line for a diagnostic and the program's last
    test for missing.
    """
    out, planned, reported, running, notes = [], None, 0, None, []
    with open(path, errors="replace") as f:
        lines = f.read().splitlines()
    for line in lines:
        plan, run, result = TAP_PLAN.match(line), TAP_RUN.match(line), TAP_RESULT.match(line)
        if plan and planned is None:
            planned = int(plan.group(1))
        elif run:
            running, notes = run.group(1), []
        elif result:
            ok, number, name, skip = result.groups()
            name = f"{prefix}/{(name or '').strip() or running or 'test ' + number}"
            if skip is not None:
                out.append((name, "skip", skip))
            elif ok == "ok":
                out.append((name, "pass", ""))
            else:
                out.append((name, "fail", "; ".join(notes[-6:])))
            reported += 1
            running, notes = None, []
        elif running and line.strip() and not TAP_END.match(line):
            notes.append(line[2:] if line.startswith("# ") else line)
    if planned is None:
        return out + [(prefix, "fail", "no TAP plan line: the program stopped before "
                                       "its tests: " + "; ".join(lines[-4:]))]
    if running:
        out.append((f"{prefix}/{running}", "fail", "no result: the program ended during "
                    "this test" + "".join("; " + n for n in notes[-4:])))
    if reported != planned:
        return out + [(prefix, "fail", f"{reported} of {planned} planned tests reported")]
    return out + [(prefix, "pass", "")]


def host_checks(run_dir, path):
    """Checks the plan asked the host to make after the run, one per line:
    "ivshmem SEED LEN": the first LEN bytes of the ivshmem backing file are
    p2ptest's pattern for SEED (tests/vm/pattern.py)."""
    out = []
    for line in open(path) if os.path.exists(path) else []:
        kind, seed, length = line.split()
        seed, length = int(seed, 0), int(length, 0)
        with open(os.path.join(run_dir, "ivshmem.bin"), "rb") as f:
            got = f.read(length)
        want = pattern_bytes(seed, length)
        bad = sum(a != b for a, b in zip(got, want))
        out.append((f"host/{kind}-bytes-{seed:#x}", "pass" if not bad else "fail",
                    "" if not bad else f"{bad} of {length} bytes differ in ivshmem.bin"))
    return out


def kmemleak_result(path, kconfig):
    """The end-of-run kmemleak scan: a leak allocated through our code fails.

    Leaks entirely inside 6.1's own code are counted in the detail, not
    failed: they are not this project's to fix. A kernel built with kmemleak
    (the debug flavour) must have produced a scan; other flavours have none.
    """
    if not os.path.exists(path):
        with open(kconfig) as f:
            built_in = "CONFIG_DEBUG_KMEMLEAK=y\n" in f.read()
        return [("kmemleak", "fail", "no kmemleak scan from a kernel built with it")] \
            if built_in else []
    with open(path, errors="replace") as f:
        report = f.read()
    total = report.count("unreferenced object ")
    ours = logscan.kmemleak_ours(report)
    if ours:
        return [("kmemleak", "fail", f"{len(ours)} leak(s) through our code: "
                 + "; ".join(ours[:5]))]
    return [("kmemleak", "pass", f"{total} suspected leak(s), none through our code"
             if total else "")]


def collect(run_dir, lane, kernel_config, timeout, timed_out, seconds, **about):
    """Judge a finished run in RUN_DIR and write its record, RUN_DIR/result.json
    (tests/results.py): the guest's completion (TIMEOUT: the bound it was
    killed at, when TIMED_OUT), the plan's steps, the host's checks, KUnit,
    IGT and kselftest results, the kernel log and kmemleak. Returns the
    record."""
    res = os.path.join(run_dir, "results")
    tests = []
    status_file = os.path.join(res, "exit-status")
    if timed_out:
        tests.append(("guest", "fail", f"timed out after {timeout} s"))
    elif not os.path.exists(status_file):
        tests.append(("guest", "fail", "the guest stopped before its plan finished "
                                       "(panic or crash: see console.log)"))
    else:
        status = open(status_file).read().strip()
        tests.append(("guest", "pass" if status == "0" else "fail",
                      "" if status == "0" else f"plan exit status {status}"))
    steps = os.path.join(res, "steps")
    if os.path.exists(steps):
        for line in open(steps):
            verdict, _, rest = line.rstrip("\n").partition(" ")
            name, _, why = rest.partition(": ")
            tests.append((f"step/{name}", verdict, why))
    tests += host_checks(run_dir, os.path.join(res, "host-checks"))
    tests += kunit_results(os.path.join(res, "kunit"), KSRC)
    for d in sorted(glob.glob(os.path.join(res, "igt*", "results.json"))):
        tests += igt_results(d)
    for tap in sorted(glob.glob(os.path.join(res, "*.tap"))):
        tests += tap_results(tap, "kselftest/" + os.path.basename(tap)[:-4])
    expected = []
    if os.path.exists(os.path.join(res, "expected-log")):
        expected = open(os.path.join(res, "expected-log")).read().splitlines()
    lines = []
    for log in ("dmesg.txt", "../console.log"):
        p = os.path.join(res, log)
        if os.path.exists(p):
            lines += open(p, errors="replace").readlines()
    bad = list(dict.fromkeys(logscan.scan(lines, expected)))
    tests.append(("kernel-log", "fail" if bad else "pass",
                  "; ".join(bad[:20])))
    tests += kmemleak_result(os.path.join(res, "kmemleak.txt"), kernel_config)
    return results.write(os.path.join(run_dir, "result.json"), lane, tests,
                         **about, seconds=round(seconds, 1))
