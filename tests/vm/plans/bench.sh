# shellcheck shell=sh
# Benchmark plan: the DMA map benchmark (tests/bench) on this VM's IOMMU
# mode. The table and its JSON line go to /results/bench.txt.
if out=$(insmod "$(kmod extmod/tests/dma_map_bench.ko)" 2>&1); then
	cp /sys/kernel/debug/dma_map_bench/results /results/bench.txt
	pass dma-map-bench
else
	fail dma-map-bench "insmod: $out"
fi
