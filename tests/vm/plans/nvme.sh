# shellcheck shell=sh
# NVMe data path plan: Debian's fio does O_DIRECT I/O between its buffers
# in system memory (anonymous mmap: pages scattered in physical memory) and
# an NVMe namespace, every block verified read back, while nvme-pci builds
# its commands from the block layer's DMA iterator: PRP lists
# (sgl_threshold=0), then SGLs (sgl_threshold=1, QEMU's controller supports
# them). io_spy counts which path mapped the requests: the iterator
# must have mapped some, and no request may have become a scatterlist.
# The lane's IOMMU mode decides how the iterator maps (one IOVA range per
# request when the IOMMU translates, one mapping per range otherwise).
# The PRP pass also writes and reads back a namespace formatted with T10
# protection information (tests/vm/topologies.py): every command then
# carries a metadata pointer next to its data, the guard and reference tags
# the block layer generated are checked by QEMU on the way in and by the
# block layer on the way out, so metadata mapped wrong fails the I/O. The
# metadata pointer does not depend on sgl_threshold: once is enough.
SGL=/sys/module/nvme/parameters/sgl_threshold

ctrl=$(devs_of 0x1b36:0x0010 | sed -n 1p)
blk=$(nvme_ns "$ctrl")
# 1 MiB of the namespace's upper half: the lower half holds the pattern that
# p2pdma_nvme_kunit reads back.
export FIO_FILE="$blk" FIO_OFFSET=2M FIO_SIZE=1M
log "controller $ctrl ($blk)"
for d in /sys/block/nvme*n2; do
	pi=/dev/${d##*/}
	break
done
format=$(cat "$d"/integrity/format 2>&1)
if [ "$format" = T10-DIF-TYPE1-CRC ]; then
	pass pi-namespace
else
	fail pi-namespace "$pi: integrity format '$format', expected T10-DIF-TYPE1-CRC"
fi

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
# On the namespace with protection information: one 512-byte block of data
# and 8 bytes of metadata per block, the metadata in one buffer per request.
PI_JOBS="psync-4k-qd1 psync 4k 1 randwrite
libaio-64k-qd8 libaio 64k 8 randwrite
io_uring-256k-qd4 io_uring 256k 4 write"

# fio_check NAME JOBS: one result per job of fio run NAME.
fio_check() {
	echo "$2" | while read -r job _; do
		err=$(terse "$1" "$job" | cut -d' ' -f1)
		if [ "$err" = 0 ]; then
			pass "fio-$1-$job"
		else
			fail "fio-$1-$job" "fio error ${err:-none}: $(grep -m1 'error\|fio:' "$RES/fio-$1.out")"
		fi
	done
}

# fio's buffers from pages that are not physically contiguous
scatter_pages 192
step spy-load insmod "$(kmod extmod/tests/io_spy.ko)"
default=$(cat "$SGL")
for mode in prp:0 sgl:1; do
	name=${mode%:*}
	echo "${mode#*:}" >"$SGL"
	read -r iter0 sg0 <<-EOF
	$(blk_dma_counts)
	EOF
	jobs=$JOBS
	if [ "$name" = prp ]; then
		jobs="$JOBS
$(echo "$PI_JOBS" | sed "s|^|pi-|; s|\$| filename=$pi offset=0 size=1M|")"
	fi
	fio_run "$name" mmap "$jobs"
	fio_check "$name" "$jobs"
	check_dma_iter "dma-iter-$name" "$iter0" "$sg0"
done
echo "$default" >"$SGL"
step spy-unload rmmod io_spy
scatter_end
