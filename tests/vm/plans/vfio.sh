# shellcheck shell=sh
# VFIO plan: ivshmem bound to vfio-pci exports ranges of its BAR 2 with
# VFIO_DEVICE_FEATURE_DMA_BUF; /dev/p2ptest imports the buffer for edu,
# whose DMA engine writes and reads it (tests/uapi/vfio_dmabuf.c says what
# each case asserts). edu and ivshmem sit on different root ports: q35's
# host bridge is allow-listed first.
T=${P2P_ROOT#/host}/build/tools

ivshmem=$(devs_of 0x1af4:0x1110)
edu=$(devs_of 0x1234:0x11e8)

step load-p2ptest load_p2ptest
echo p2ptest >"/sys/bus/pci/devices/$edu/driver_override"
echo "$edu" >/sys/bus/pci/drivers/p2ptest/bind
echo vfio-pci >"/sys/bus/pci/devices/$ivshmem/driver_override"
step bind-vfio-pci sh -c "echo $ivshmem >/sys/bus/pci/drivers/vfio-pci/bind"
step allowlist-q35 sh -c "echo 8086:29c0 >/sys/module/p2pdma/parameters/host_bridge_allowlist"
cases vfio "$T/vfio_dmabuf" "$ivshmem" 2 "$edu"
# The device file's close revoked the buffer for good and freed it with
# its last user; vfio-pci lets the device go.
step unbind-vfio-pci sh -c "echo $ivshmem >/sys/bus/pci/drivers/vfio-pci/unbind"
