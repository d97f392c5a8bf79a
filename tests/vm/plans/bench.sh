# shellcheck shell=sh
# Benchmark plan: the DMA map benchmark (tests/bench) on this VM's IOMMU
# mode. The module measures while it loads and keeps its report (tables,
# each followed by a line "JSON ...") in debugfs; the report of that one
# run goes to /results/bench.out as it is, and scripts/bench splits it
# into bench.txt and bench.json. Loaded with insmod, not "p2ptest bench":
# that prints either the tables or the JSON, so both took two runs of a
# benchmark that is slow under TCG, whose figures then disagreed.
mod=$(kmod extmod/tests/dma_map_bench.ko)
report=/sys/kernel/debug/dma_map_bench/results
if [ ! -f "$mod" ]; then
	fail dma-map-bench "$mod not built (scripts/kbuild bench)"
elif ! out=$(insmod "$mod" 2>&1); then
	fail dma-map-bench "insmod: $out (the module says why in the kernel log)"
else
	if cp "$report" /results/bench.out; then
		pass dma-map-bench
	else
		fail dma-map-bench "cannot read $report"
	fi
	rmmod dma_map_bench
fi
