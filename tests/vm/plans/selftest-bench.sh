# shellcheck shell=sh
# 6.1's own DMA map benchmark (tools/testing/selftests/dma) on the edu
# device bound to the kernel's dma_map_benchmark driver: single mappings
# of 1, 16 and 256 pages through dma_map_single(). scripts/bench --selftest
# runs this plan on the patched and on the unpatched benchmark kernel, so
# a regression of 6.1's own path shows side by side. Its output goes to
# /results/selftest.txt.
tool=${P2P_ROOT#/host}/build/tools/dma_map_benchmark
edu=$(devs_of 0x1234:0x11e8)
if [ -z "$edu" ]; then
	fail selftest-bench "no edu device"
elif ! bind_driver dma_map_benchmark "$edu"; then
	fail selftest-bench "cannot bind $edu to dma_map_benchmark"
else
	ok=1
	for g in 1 16 256; do
		chroot /host "$tool" -t 1 -s 5 -g "$g" -b 64 >>/results/selftest.txt 2>&1 || ok=0
	done
	if [ $ok -eq 1 ]; then pass selftest-bench; else fail selftest-bench "dma_map_benchmark failed"; fi
fi
