# shellcheck shell=sh
# The main job's plan: a p2ptest session on the emulated machine, the way
# a user would run it: the topology, why one pair may do P2P and another
# may not, the ACS audit, and a verified P2P transfer.
P=${P2P_ROOT#/host}/build/tools/p2ptest/p2ptest
p2ptest() { chroot /host "$P" "$@"; }

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
echo 8086:29c0 >/sys/module/p2pdma/parameters/host_bridge_allowlist
load_p2ptest
p2ptest run --provider "$ivshmem:2" --client "$edu" --size 8K
echo
echo "== P2P transfer: $a's namespace read straight into $b's CMB =="
if [ "$P2P_IOMMU" != off ]; then
	echo "skipped: QEMU routes peer-to-peer DMA only with the IOMMU off (booted with $P2P_IOMMU)"
else
	serial=$(cat /sys/block/nvme0n1/device/serial | tr -d ' ')
	kunit p2pdma_nvme_kunit.ko bdev=/dev/nvme0n1 seed=$((0x5EED0000 + ${serial#p2pnvme})) distance=4
	sed -n 's/^ *# read_namespace_into_peer_cmb: //p; s/^ *ok 1 read_namespace_into_peer_cmb/1 MiB read by one NVMe into the other'"'"'s CMB: every word verified/p; s/^ *not ok 1 read_namespace_into_peer_cmb.*/TRANSFER FAILED: see the KTAP above/p' \
		"$RES"/kunit/p2pdma-nvme-transfer.ktap
fi
