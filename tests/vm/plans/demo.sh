# shellcheck shell=sh
# The main job's plan: a p2ptest session on the emulated machine, the way
# a user would run it: the topology, why one pair may do P2P and another
# may not, the ACS audit, and verified P2P transfers: edu into a BAR, and
# Debian's fio moving O_DIRECT data between an NVMe namespace and another
# NVMe's CMB.
# With names, for people: not guestlib's --numeric.
p2ptest() { chroot /host "$P2PTEST" "$@"; }

nvme=$(devs_of 0x1b36:0x0010)
a=$(echo "$nvme" | sed -n 1p)
b=$(echo "$nvme" | sed -n 2p)
edu=$(devs_of 0x1234:0x11e8)

echo "== p2ptest topo --all =="
p2ptest topo --all
echo
echo "== p2ptest explain $a $b   (two NVMe behind one switch) =="
p2ptest explain "$a" "$b"
echo
echo "== p2ptest explain $a $edu   (NVMe and the edu DMA engine, on different root ports) =="
p2ptest explain "$a" "$edu"
echo
echo "== p2ptest audit =="
p2ptest audit --all
echo
ivshmem=$(devs_of 0x1af4:0x1110)
echo "== p2ptest run: edu DMAs into and out of ivshmem's BAR, after trusting q35's host bridge =="
# vfio-pci exports the BAR. Without an IOMMU (this job boots without one)
# bind_vfio turns VFIO's unsafe no-IOMMU mode on first: p2ptest leaves that
# choice to its user.
echo "(ivshmem goes to vfio-pci, which exports the BAR; without an IOMMU, in VFIO's no-IOMMU mode)"
trust_q35
load_p2ptest
bind_vfio "$ivshmem"
p2ptest run --provider "$ivshmem:2" --client "$edu" --size 8K
echo
blk=$(nvme_ns "$a")
alloc=/sys/bus/pci/devices/$b/p2pmem/allocate
echo "== fio: O_DIRECT between $a's namespace ($blk) and $b's CMB, mapped from p2pmem/allocate =="
if [ "$P2P_IOMMU" != off ]; then
	echo "skipped: QEMU routes peer-to-peer DMA only with the IOMMU off (booted with $P2P_IOMMU)"
else
	echo "fio --filename=$blk --direct=1 --ioengine=io_uring --rw=write --bs=64k --iodepth=8 \\"
	echo "    --offset=1M --size=1M --mem=mmapshared:$alloc --verify=crc32c --verify_state_save=0"
	chroot /host fio --name=p2p --filename="$blk" --direct=1 --ioengine=io_uring --rw=write \
		--bs=64k --iodepth=8 --offset=1M --size=1M --mem="mmapshared:$alloc" --verify=crc32c \
		--verify_state_save=0 --output-format=terse --terse-version=3 |
		awk -F';' '{ printf "written from the CMB: %s KiB at %s KiB/s; read back into it and verified: %s KiB at %s KiB/s; fio errors: %s\n", $47, $48, $6, $7, $5 }'
	awk -v p="$b" -v c="$a" '$1 == p && $2 == c { print "route the kernel took: " $3 " (distance " $4 ")" }' \
		/sys/kernel/debug/p2pdma/cache
fi
