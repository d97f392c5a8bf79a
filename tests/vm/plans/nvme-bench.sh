# shellcheck shell=sh
# NVMe benchmark plan (scripts/bench-nvme): fio O_DIRECT reads from the
# first controller's namespace into buffers of scattered pages (anonymous
# mmap), io_uring, two cases: 4 KiB random at queue depth 32 and 128 KiB
# sequential at depth 8 (32 pages per request, one PRP list).
# First a short run of each case with io_spy loaded: its counts over the
# run's I/Os are the calls per request. Then the timed rounds, without the
# kprobes: ROUNDS rounds in one fio (its start is slow under TCG), the two
# cases taking turns round by round, so that a slow moment of the host
# lands on both. Results: counts-CASE.json and counts-CASE.txt (fio's JSON,
# io_spy's counts), rounds.json.
ROUNDS=5
RUNTIME=4
CASES="randread-4k-qd32 randread 4k 32
read-128k-qd8 read 128k 8"

ctrl=$(devs_of 0x1b36:0x0010 | sed -n 1p)
blk=$(nvme_ns "$ctrl")
log "controller $ctrl ($blk), $ROUNDS rounds of ${RUNTIME} s per case"

# job NAME RW BS QD [OPTION...]: one fio job section.
job() {
	printf '[%s]\nrw=%s\nbs=%s\niodepth=%s\n' "$1" "$2" "$3" "$4"
	shift 4
	for o in "$@"; do echo "$o"; done
}

# fio_json NAME: run $RES/NAME.fio, its JSON report in $RES/NAME.json.
fio_json() {
	chroot /host fio --output-format=json --output="$P2P_RESULTS/$1.json" \
		"$P2P_RESULTS/$1.fio" >"$RES/$1.out" 2>&1
}

global() {
	printf '[global]\nfilename=%s\ndirect=1\nioengine=io_uring\nmem=mmap\nsize=4M\nstonewall\n' "$blk"
}

# fio's buffers from pages that are not physically contiguous
scatter_pages 192
step spy-load insmod "$(kmod extmod/tests/io_spy.ko)"
echo "$CASES" | while read -r name rw bs qd; do
	{ global; job "$name" "$rw" "$bs" "$qd" io_size=8M; } >"$RES/counts-$name.fio"
	echo 0 >/sys/kernel/debug/io_spy/counts
	if fio_json "counts-$name"; then
		cp /sys/kernel/debug/io_spy/counts "$RES/counts-$name.txt"
		pass "counts-$name"
	else
		fail "counts-$name" "fio: $(tail -n1 "$RES/counts-$name.out")"
	fi
done
step spy-unload rmmod io_spy

{
	global
	for r in $(seq "$ROUNDS"); do
		echo "$CASES" | while read -r name rw bs qd; do
			job "r$r-$name" "$rw" "$bs" "$qd" time_based=1 "runtime=$RUNTIME" ramp_time=1
		done
	done
} >"$RES/rounds.fio"
if fio_json rounds; then
	pass rounds
else
	fail rounds "fio: $(tail -n1 "$RES/rounds.out")"
fi
scatter_end
