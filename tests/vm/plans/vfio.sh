# shellcheck shell=sh
# VFIO plan: a device bound to vfio-pci exports ranges of a BAR with
# VFIO_DEVICE_FEATURE_DMA_BUF; /dev/p2ptest imports the buffer for edu,
# whose DMA engine writes and reads it (tests/uapi/vfio_dmabuf.c says what
# each case asserts). Two exporters: ivshmem's BAR 2, plain memory on its
# own root port, and the first NVMe's controller memory buffer (QEMU puts
# the CMB in BAR 2), behind the switch. edu sits on another root port:
# q35's host bridge is allow-listed first.

ivshmem=$(devs_of 0x1af4:0x1110)
nvme=$(devs_of 0x1b36:0x0010 | head -n1)
edu=$(devs_of 0x1234:0x11e8)

# The device file's close revoked the buffer for good and freed it with
# its last user; vfio-pci lets the device go.
from_vfio() {
	step "unbind-vfio-pci-$1" sh -c "
		echo $2 >/sys/bus/pci/drivers/vfio-pci/unbind
		echo >/sys/bus/pci/devices/$2/driver_override"
}

step load-p2ptest load_p2ptest
step bind-p2ptest bind_driver p2ptest "$edu"
step allowlist-q35 trust_q35

step bind-vfio-pci-ivshmem bind_vfio "$ivshmem"
kselftest vfio vfio_dmabuf "$ivshmem" 2 "$edu"
from_vfio ivshmem "$ivshmem"

step bind-vfio-pci-nvme bind_vfio "$nvme"
kselftest vfio-nvme-cmb vfio_dmabuf "$nvme" 2 "$edu"
from_vfio nvme "$nvme"
# The controller goes back to nvme and its namespace comes back.
step nvme-rebound sh -c "echo $nvme >/sys/bus/pci/drivers/nvme/bind"
