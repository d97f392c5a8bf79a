# shellcheck shell=sh
# NVMe data path plan: Debian's fio does O_DIRECT I/O between its buffers
# in system memory (anonymous mmap: pages scattered in physical memory) and
# an NVMe namespace, every block verified read back, while nvme-pci builds
# its commands from the block layer's DMA iterator: PRP lists
# (sgl_threshold=0), then SGLs (sgl_threshold=1, QEMU's controller supports
# them). blk_dma_spy counts which path mapped the requests: the iterator
# must have mapped some, and no request may have become a scatterlist.
# The lane's IOMMU mode decides how the iterator maps (one IOVA range per
# request when the IOMMU translates, one mapping per range otherwise).
SGL=/sys/module/nvme/parameters/sgl_threshold

ctrl=$(devs_of 0x1b36:0x0010 | sed -n 1p)
blk=/dev/$(basename /sys/bus/pci/devices/"$ctrl"/nvme/nvme*/nvme*n1)
# 1 MiB of the namespace's upper half: the lower half holds the pattern that
# p2pdma_nvme_kunit reads back.
export FIO_FILE="$blk" FIO_OFFSET=2M FIO_SIZE=1M
log "controller $ctrl ($blk)"

# NAME ENGINE BS QD RW: 512 B to 1 MiB, queue depth 1 to 32, random and
# sequential, each of fio's engines.
JOBS="psync-512-qd1 psync 512 1 randwrite
psync-4k-qd1 psync 4k 1 write
psync-12k-qd1 psync 12k 1 randwrite
libaio-16k-qd4 libaio 16k 4 randwrite
libaio-64k-qd32 libaio 64k 32 randwrite
io_uring-8k-qd32 io_uring 8k 32 randwrite
io_uring-128k-qd8 io_uring 128k 8 write
io_uring-1m-qd2 io_uring 1m 2 write"

# fio's buffers from pages that are not physically contiguous
if scatter_pages 192; then
	pass scatter-pages
else
	fail scatter-pages "$(cat "$RES/scatter.out")"
fi
step spy-load insmod "$(kmod extmod/tests/blk_dma_spy.ko)"
default=$(cat "$SGL")
for mode in prp:0 sgl:1; do
	name=${mode%:*}
	echo "${mode#*:}" >"$SGL"
	read -r iter0 sg0 <<-EOF
	$(blk_dma_counts)
	EOF
	fio_run "$name" mmap "$JOBS"
	echo "$JOBS" | while read -r job _; do
		err=$(terse "$name" "$job" | cut -d' ' -f1)
		if [ "$err" = 0 ]; then
			pass "fio-$name-$job"
		else
			fail "fio-$name-$job" "fio error ${err:-none}: $(grep -m1 'error\|fio:' "$RES/fio-$name.out")"
		fi
	done
	check_dma_iter "dma-iter-$name" "$iter0" "$sg0"
done
echo "$default" >"$SGL"
step spy-unload rmmod blk_dma_spy
scatter_end
