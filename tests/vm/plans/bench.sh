# shellcheck shell=sh
# Benchmark plan: the DMA map benchmark (tests/bench) on this VM's IOMMU
# mode, run by "p2ptest bench": the tables go to /results/bench.txt, the
# same figures as one JSON object to /results/bench.json.
P=${P2P_ROOT#/host}/build/tools/p2ptest/p2ptest
mod=${P2P_KOUT#/host}/extmod/tests/dma_map_bench.ko
if out=$(chroot /host "$P" bench --module "$mod" 2>&1); then
	echo "$out" >/results/bench.txt
	pass dma-map-bench
else
	fail dma-map-bench "$out"
fi
if chroot /host "$P" --json bench --module "$mod" >/results/bench.json; then
	pass dma-map-bench-json
else
	fail dma-map-bench-json "p2ptest bench --json failed"
fi
