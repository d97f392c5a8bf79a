# shellcheck shell=sh
# Helpers for the plans in tests/vm/plans, run by busybox sh in the guest.
#
# A plan records results in /results/steps, one line each:
#   pass NAME | fail NAME: why | skip NAME: why
# KUnit suites leave their KTAP in /results/kunit/SUITE.ktap; the host
# parses them with the kernel's kunit.py. Kernel-log lines a plan expects
# (an error it provokes on purpose) are declared with expect_log; every
# other error in the kernel log fails the run.

RES=/results
mkdir -p "$RES/kunit"
: >"$RES/steps"
: >"$RES/expected-log"

# Each line says when (seconds since boot): a slow step shows in the log.
log() { read -r up _ </proc/uptime; echo "[$P2P_LANE $PLAN ${up%.*}s] $*"; }
# Step names are the plan's, prefixed with it: a lane may run several plans.
pass() { echo "pass $PLAN/$1" >>"$RES/steps"; log "pass $1"; }
fail() { n=$1; shift; echo "fail $PLAN/$n: $*" >>"$RES/steps"; log "FAIL $n: $*"; }
skip() { n=$1; shift; echo "skip $PLAN/$n: $*" >>"$RES/steps"; log "skip $n: $*"; }

# run_plan NAME: run tests/vm/plans/NAME.sh in a subshell, so that what one
# plan defines does not reach the next. A lane's plans share the machine:
# a plan leaves it as a later plan of the same lane expects it (see the
# lanes file for which plans run together).
run_plan() {
	# shellcheck source=/dev/null
	(PLAN=$1; log "plan $1"; . "$P2P_ROOT/tests/vm/plans/$1.sh")
}

# expect_log REGEX: a kernel-log line matching REGEX (egrep syntax) is
# provoked on purpose by this plan and does not fail the run.
expect_log() { echo "$1" >>"$RES/expected-log"; }

# step NAME CMD...: run CMD; pass if it exits 0.
step() {
	n=$1; shift
	if out=$("$@" 2>&1); then pass "$n"; else fail "$n" "$* -> $out"; fi
}

# check_eq NAME ACTUAL EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "got '$2', expected '$3'"; fi
}

# devs_of VENDOR:DEVICE (as sysfs prints them, 0x1b36:0x0010): the PCI
# names of those devices, sorted.
devs_of() {
	for d in /sys/bus/pci/devices/*; do
		[ "$(cat "$d/vendor"):$(cat "$d/device")" = "$1" ] && echo "${d##*/}"
	done
}

# kmod PATH-RELATIVE-TO-KOUT: where a module of the built kernel is.
kmod() { echo "$P2P_KOUT/$1"; }

# boot_param NAME: VALUE of NAME=VALUE on the kernel command line, if it is
# there (a lane's extra command line sets a plan's options).
boot_param() {
	read -r cmdline </proc/cmdline
	for arg in $cmdline; do
		case "$arg" in "$1"=*) echo "${arg#*=}" ;; esac
	done
}

# parent_of DEV: the PCI bridge above DEV (the parent of its sysfs node).
parent_of() { basename "$(dirname "$(readlink -f "/sys/bus/pci/devices/$1")")"; }

# bind_driver DRIVER DEV...: bind each DEV to DRIVER, away from the driver
# it has if that is another. Through driver_override: the test drivers
# (p2ptest, vfio-pci, dma_map_benchmark) claim no device by its IDs.
bind_driver() {
	drv=$1; shift
	for d in "$@"; do
		cur=$(readlink "/sys/bus/pci/devices/$d/driver")
		[ "${cur##*/}" = "$drv" ] && continue
		if [ -n "$cur" ]; then
			echo "$d" >"/sys/bus/pci/devices/$d/driver/unbind" || return
		fi
		echo "$drv" >"/sys/bus/pci/devices/$d/driver_override" || return
		echo "$d" >"/sys/bus/pci/drivers/$drv/bind" || return
	done
}

# bind_vfio DEV...: bind each DEV to vfio-pci, the exporter of BAR memory
# as dma-bufs. Without an IOMMU (iommu=off lanes) VFIO's no-IOMMU mode goes
# on first: vfio-pci gives a device a group of its own only if the mode is
# on when it binds (user space then opens /dev/vfio/noiommu-N).
bind_vfio() {
	if [ "$P2P_IOMMU" = off ]; then
		echo Y >/sys/module/vfio/parameters/enable_unsafe_noiommu_mode || return
	fi
	bind_driver vfio-pci "$@"
}

# pci_remove DEV: hot-remove DEV; pci_rescan: find what is missing again.
pci_remove() { echo 1 >"/sys/bus/pci/devices/$1/remove"; }
pci_rescan() { echo 1 >/sys/bus/pci/rescan; }

# acs_ctl DEV [WORD]: print DEV's ACS Control register (4 hex digits), or
# set it to WORD, with the host's setpci.
acs_ctl() {
	if [ $# -eq 1 ]; then
		chroot /host setpci -s "$1" ECAP_ACS+6.w
	else
		chroot /host setpci -s "$1" ECAP_ACS+6.w="$2"
	fi
}

# AL: p2pdma's run-time allow-list of host bridges, empty at boot.
# trust_q35: allow-list q35's host bridge (8086:29c0), so that P2P may
# cross it between root ports; trust_none: empty the allow-list again.
AL=/sys/module/p2pdma/parameters/host_bridge_allowlist
trust_q35() { echo 8086:29c0 >"$AL"; }
trust_none() { echo >"$AL"; }

# nvme_ns DEV: the block device of the first namespace of NVMe controller
# DEV.
nvme_ns() { echo "/dev/$(basename /sys/bus/pci/devices/"$1"/nvme/nvme*/nvme*n1)"; }

# nvme_index CTRL: N of QEMU's device nvmeN that the NVMe controller CTRL
# (its sysfs directory) is: tests/vm/topologies.py gives it serial p2pnvmeN.
nvme_index() { sed -n 's/^p2pnvme\([0-9]*\).*/\1/p' "$1/serial"; }

# nvme_seed CTRL: the seed of the pattern the host wrote on the namespace of
# CTRL (tests/vm/topologies.py: NS_SEED + N).
nvme_seed() { n=$(nvme_index "$1"); echo $((0x5EED0000 + n)); }

# p2ptest ARG...: this build's p2ptest (tools/p2ptest), run in the host's
# root, where its libraries are. --numeric: no plan reads device names, and
# reading pci.ids over 9p is slow.
P2PTEST=${P2P_ROOT#/host}/build/tools/p2ptest/p2ptest
p2ptest() { chroot /host "$P2PTEST" --numeric "$@"; }

# kunit MODULE.ko [PARAM=VALUE...]: load a module of KUnit suites, keep
# the KTAP of each suite it ran, unload it. MODULE is looked up in the
# test modules (tests/kunit, tests/bench) first, then in the kernel's own.
kunit() {
	m=$1; shift
	f=$(kmod "extmod/tests/$m")
	[ -f "$f" ] || f=$(find "$P2P_KOUT" -name "$m" -path '*/drivers/*' | head -n1)
	if [ ! -f "$f" ]; then fail "kunit:$m" "module not built"; return; fi
	ls /sys/kernel/debug/kunit >/tmp/kunit.before 2>/dev/null || :
	if ! out=$(insmod "$f" "$@" 2>&1); then fail "kunit:$m" "insmod: $out"; return; fi
	ls /sys/kernel/debug/kunit >/tmp/kunit.after
	while read -r s; do
		grep -qxF "$s" /tmp/kunit.before ||
			cp "/sys/kernel/debug/kunit/$s/results" "$RES/kunit/$s.ktap"
	done </tmp/kunit.after
	rmmod "${m%.ko}" 2>/dev/null
}

# fio_run NAME MEM JOBS: run JOBS ("NAME ENGINE BS QD RW [OPTION=VALUE...]"
# lines) one after another in one fio (fio takes 20 to 30 s to start under
# TCG: a plan starts it as seldom as it can), on FIO_SIZE bytes of FIO_FILE
# from FIO_OFFSET, their buffers from MEM, every block verified read back
# (crc32c). A job's own OPTION=VALUE words (fio job options: filename,
# offset, size, mem, ...) override those. Leaves fio's terse lines in
# $RES/fio-NAME.out; returns fio's status.
fio_run() {
	f=$RES/fio-$1.fio
	{
		printf '[global]\nfilename=%s\ndirect=1\noffset=%s\nsize=%s\nmem=%s\n' \
			"$FIO_FILE" "$FIO_OFFSET" "$FIO_SIZE" "$2"
		printf 'verify=crc32c\ndo_verify=1\nverify_fatal=1\nverify_state_save=0\nstonewall\n'
		echo "$3" | while read -r name engine bs qd rw opts; do
			printf '[%s]\nioengine=%s\nbs=%s\niodepth=%s\nrw=%s\n' "$name" "$engine" "$bs" "$qd" "$rw"
			for o in $opts; do
				echo "$o"
			done
		done
	} >"$f"
	chroot /host fio --output-format=terse --terse-version=3 "$P2P_RESULTS/fio-$1.fio" \
		>"$RES/fio-$1.out" 2>&1
}

# terse NAME JOB: "ERROR WRITE-KiB/s READ-KiB/s" of JOB in fio run NAME.
terse() { awk -F';' -v j="$2" '$1 == 3 && $3 == j { print $5, $48, $7 }' "$RES/fio-$1.out"; }

# scatter_pages MIB: leave the free pages interleaved, so that what is
# allocated next (fio's buffers) is not physically contiguous, as on a
# machine that has run for a while: a process maps MIB MiB, gives every
# other page back and stays, holding the rest, until scatter_end. The pages
# come in with the mapping (MAP_POPULATE), not one fault each: under TCG a
# fault of the debug kernel costs about a millisecond, and faulting 192 MiB
# page by page took 80 to 115 s of every lane that runs fio. Waits for
# that process to say so, or to end (a failure: its output says why). What
# starts next (fio, its libraries' page cache) takes interleaved pages too
# before it maps its buffers: MIB must leave enough for both. Records
# scatter-pages: a pass, or a failure with that process's output.
scatter_pages() {
	chroot /host python3 -c '
import mmap, sys, time
n = int(sys.argv[1]) << 20
m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | mmap.MAP_POPULATE)
for i in range(0, n, 8192):
    m.madvise(mmap.MADV_DONTNEED, i, 4096)
print("ready", flush=True)
time.sleep(1 << 30)' "$1" >"$RES/scatter.out" 2>&1 &
	SCATTER=$!
	while kill -0 "$SCATTER" 2>/dev/null && ! grep -qs ready "$RES/scatter.out"; do
		sleep 1
	done
	if grep -qs ready "$RES/scatter.out"; then
		pass scatter-pages
	else
		fail scatter-pages "$(cat "$RES/scatter.out")"
	fi
}
scatter_end() { kill "$SCATTER"; wait "$SCATTER" 2>/dev/null || :; }

# blk_dma_counts: "ITER SG", requests mapped so far by the block layer's
# DMA iterator and as scatterlists (tests/bench/io_spy.c, which the plan
# loads).
blk_dma_counts() {
	awk '{ v[$1] = $2 } END { print v["dma_iter"], v["map_sg"] }' /sys/kernel/debug/io_spy/counts
}

# check_dma_iter NAME ITER SG: pass NAME if the DMA iterator mapped requests
# since blk_dma_counts said "ITER SG", and no request became a scatterlist.
check_dma_iter() {
	read -r iter sg <<-EOF
	$(blk_dma_counts)
	EOF
	case "$iter$sg" in
	''|*[!0-9]*)
		fail "$1" "io_spy cannot count these calls: dma_iter '$iter', map_sg '$sg'"
		return ;;
	esac
	log "$1: $((iter - $2)) requests mapped by the DMA iterator, $((sg - $3)) as scatterlists"
	if [ $((iter - $2)) -gt 0 ] && [ "$sg" = "$3" ]; then
		pass "$1"
	else
		fail "$1" "DMA iterator $((iter - $2)) requests, scatterlist $((sg - $3)); wanted some and none"
	fi
}

# qmp VERB ID: ask the host to unplug or replug the QEMU device ID
# (tests/vm/qmp.py) and wait for its answer, which is printed: "ok" once
# QEMU reports the device deleted or added, else what went wrong. The host
# bounds its own waits, so this waits for the answer itself.
qmp() {
	q=$RES/qmp
	mkdir -p "$q"
	rm -f "$q/reply"
	echo "$1 $2" >"$q/request.tmp" && mv "$q/request.tmp" "$q/request"
	while [ ! -f "$q/reply" ]; do sleep 1; done
	cat "$q/reply"
	rm -f "$q/reply"
}

# wait_until CMD...: wait until CMD succeeds (a device coming back after a
# replug, rescan or bind probes in its own time); fails after 600 s, a
# bound no guest reaches unless the device never comes.
wait_until() {
	n=0
	until "$@"; do
		[ $n -lt 600 ] || return 1
		sleep 1
		n=$((n + 1))
	done
}

# wait_for PATH: wait_until PATH exists.
wait_for() { wait_until test -e "$1"; }

# plan_status: the plan's exit status for the host, 1 if a step failed.
plan_status() { ! grep -q '^fail' "$RES/steps"; }

# load_p2ptest: insmod the p2ptest test module (tests/p2ptest, built out
# of tree by scripts/kbuild into extmod/p2ptest). The harness starts edu
# with dma_mask=0xffffffffffffffff (tests/vm/topologies.py), which the
# guest cannot see: say it (p2ptest assumes QEMU's 28-bit default
# otherwise).
# An earlier plan of the lane may have loaded it already.
load_p2ptest() {
	[ -d /sys/module/p2ptest ] ||
		insmod "$(kmod extmod/p2ptest/p2ptest.ko)" edu_dma_bits=64
}

# igt_run DIR ARG...: run the IGT-style runner (tests/igt/igt_runner.py) as
# a host program with the harness's environment (where modules are, where
# QMP requests go, QEMU's ids of the hot-plugged devices); it writes
# $RES/DIR/results.json, which vmrun counts. A run that leaves none fails.
# shellcheck disable=SC2034  # the plans name the binaries with it
IGT=${P2P_ROOT#/host}/build/igt
igt_run() {
	d=$1; shift
	chroot /host env IGT_KMOD_PATH="${P2P_KOUT#/host}/drivers/dma-buf" \
		IGT_QMP_DIR="$P2P_RESULTS/qmp" P2PTEST_PROVIDER_QEMU_ID=ivshmem0 \
		P2PTEST_CLIENT_QEMU_ID=edu0 \
		python3 "${P2P_ROOT#/host}/tests/igt/igt_runner.py" --results "$P2P_RESULTS/$d" "$@"
	[ -f "$RES/$d/results.json" ] || fail "$d-results" "igt_runner.py wrote no results.json"
}

# kselftest NAME PROG ARG...: run PROG, a test program of tests/uapi
# built on the kernel's kselftest_harness.h (build/tools on the host). Its
# TAP goes to the console and to $RES/NAME.tap, which the host reads
# (tests/vm/collect.py): one result per test, and one for the program,
# failed when a test failed or the TAP ends before its plan is complete.
kselftest() {
	n=$1 p=$2
	shift 2
	chroot /host "${P2P_ROOT#/host}/build/tools/$p" "$@" 2>&1 | tee "$RES/$n.tap"
}
