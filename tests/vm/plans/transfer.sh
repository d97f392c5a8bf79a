# shellcheck shell=sh
# Transfer plan: p2ptest run end to end: the provider bound to vfio-pci
# exports a range of a BAR as a dma-buf (VFIO_DEVICE_FEATURE_DMA_BUF),
# /dev/p2ptest imports it for edu, whose DMA engine writes a seeded pattern
# into it and reads another back, every byte checked by p2ptest through
# the dma-buf's mmap. Providers: ivshmem (whose backing file the host then
# checks too) and an NVMe CMB (the second NVMe, which p2ptest run --bind
# takes from nvme for vfio-pci and gives back to nvme after the run).
ivshmem=$(devs_of 0x1af4:0x1110)
edu=$(devs_of 0x1234:0x11e8)
nvme=$(devs_of 0x1b36:0x0010 | sed -n 2p)

step load-p2ptest load_p2ptest
# The refusal below needs q35's host bridge not allow-listed; a plan run
# before this one in the lane may have trusted it.
step allowlist-empty trust_none

# Every documented errno of /dev/p2ptest's own calls, on buffers of
# ivshmem's BAR 2 exported through VFIO, with edu as the client: ivshmem
# bound to vfio-pci, the exporter, edu to p2ptest. bind_vfio turns VFIO's
# no-IOMMU mode on first on the lanes without an IOMMU, which p2ptest run
# leaves to its user; the NVMe's run below relies on it too.
step bind-vfio bind_vfio "$ivshmem"
step bind-p2ptest bind_driver p2ptest "$edu"
# One test per check.
kselftest uapi-errnos p2ptest_errno "$ivshmem" 2 "$edu"
# edu and ivshmem sit on different root ports of q35, whose host bridge is
# not allow-listed: p2ptest says P2P is impossible here (77) and the
# kernel's importer refuses the buffer with its explanation in the log.
expect_log 'p2pdma: '
p2ptest run --provider "$ivshmem:2" --client "$edu" --size 8K --seed 0x5eed >/dev/null
check_eq run-refused-exit "$?" 77

step allowlist-q35 trust_q35
seed=0x51ab
if out=$(p2ptest run --provider "$ivshmem:2" --client "$edu" --size 8K --seed $seed 2>&1); then
	pass run-ivshmem
else
	fail run-ivshmem "exit $?: $(echo "$out" | tail -n1)"
fi
echo "$out"
check_eq run-ivshmem-route "$(echo "$out" | sed -n 's/^route \([A-Z_]*\),.*/\1/p')" THRU_HOST_BRIDGE
# The host reads the backing file after the run: the bounce pass wrote last.
echo "ivshmem $((seed + 0x1000)) 8192" >>"$RES/host-checks"

# The NVMe is on nvme: --bind hands it to vfio-pci for the run, and p2ptest
# gives it back to nvme at the end (the VFIO device closed first: vfio-pci
# lets a device go only once nothing has it open).
if out=$(p2ptest run --provider "$nvme" --client "$edu" --size 16K --iterations 2 --bind 2>&1); then
	pass run-nvme-cmb
else
	fail run-nvme-cmb "exit $?: $(echo "$out" | tail -n1)"
fi
echo "$out"
check_eq run-nvme-verified "$(echo "$out" | grep -c 'bytes verified')" 5
check_eq run-nvme-given-back "$(echo "$out" | grep -c "^$nvme given back to nvme$")" 1
check_eq run-nvme-on-nvme "$(basename "$(readlink "/sys/bus/pci/devices/$nvme/driver")")" nvme
