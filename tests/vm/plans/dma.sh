# shellcheck shell=sh
# DMA core plan: dma_map_phys() and DMA_ATTR_MMIO against a real emulated
# IOMMU (strict, lazy), passthrough and no IOMMU.

# map_page_refuses_mmio_attr provokes dma_map_page_attrs()'s warning.
expect_log 'cut here'
expect_log 'WARNING: .* at kernel/dma/mapping.c:[0-9]+ dma_map_page_attrs'
kunit dma_phys_kunit.ko iommu="$P2P_IOMMU"

# The argument checks of dma_iova_try_alloc(), _link(), _sync(), _unlink()
# and _destroy() warn once each.
expect_log 'WARNING: .* at drivers/iommu/dma-iova.c:[0-9]+ dma_iova_(try_alloc|link|sync|unlink|destroy)'
tlb=/sys/kernel/debug/swiotlb/io_tlb_used
used=$(cat $tlb 2>/dev/null)
kunit dma_iova_kunit.ko iommu="$P2P_IOMMU"
# The untrusted-device cases bounce through swiotlb: every slot came back.
if [ -n "$used" ]; then
	check_eq swiotlb-slots-returned "$(cat $tlb)" "$used"
fi

# The block layer's DMA iterator on synthetic requests.
kunit blk_dma_kunit.ko iommu="$P2P_IOMMU"

# The benchmark module (tests/bench, scripts/bench) still runs: a short run
# (the cases of up to 256 pages: the larger ones took minutes on this
# kernel) whose figures mean nothing here, checked for a whole report, and
# where the IOMMU translates, for the breakdown of the two-step API's steps.
bench=/sys/kernel/debug/dma_map_bench/results
log "dma-map-bench: a short run"
if ! out=$(insmod "$(kmod extmod/tests/dma_map_bench.ko)" iterations=3 rounds=1 \
	max_pages=256 2>&1); then
	fail dma-map-bench-runs "insmod: $out"
else
	want=route_ns
	case $P2P_IOMMU in strict|lazy) want=phases ;; esac
	if grep -q '^JSON \[.*"nseg":256,"method":"iova"' "$bench" &&
		grep -q "^JSON {\"$want\"" "$bench"; then
		pass dma-map-bench-runs
	else
		fail dma-map-bench-runs "no table or no $want in $bench: $(grep -c . "$bench") lines"
	fi
	rmmod dma_map_bench
fi
