# shellcheck shell=sh
# Foundation plan: what stock 6.1 already provides on the emulated
# machines. Run for the switch and rootports topologies in any IOMMU mode.

# The two NVMe CMBs are registered as p2pmem of 16 MiB each.
n=0
for d in $(devs_of 0x1b36:0x0010); do
	check_eq "cmb-p2pmem-size-$d" "$(cat "/sys/bus/pci/devices/$d/p2pmem/size" 2>&1)" 16777216
	n=$((n + 1))
done
check_eq nvme-count "$n" 2

case "$P2P_TOPOLOGY" in
switch) nvme_distance=4 ;;   # NVMe -> downstream port -> upstream port, twice
*) nvme_distance=-1 ;;       # through q35's host bridge, not allow-listed
esac
# The pci_p2pdma_distance() refusals are logged by 6.1 as warnings; they
# are what this plan checks, so they are expected.
expect_log 'cannot be used for peer-to-peer DMA'
kunit p2pdma_topology_kunit.ko cmb_size_mb=16 nvme_distance=$nvme_distance \
	edu_distance=-1 iommu="$P2P_IOMMU"
