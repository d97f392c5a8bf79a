# shellcheck shell=sh
# vmrun: hotplug
# IGT-style tests (tests/igt): dmabuf_p2p. The provider (ivshmem) exports
# through VFIO: the test binds it to vfio-pci itself (again after each
# replug), with VFIO's no-IOMMU mode turned on first on lanes without an
# IOMMU; the client (edu) imports through /dev/p2ptest. The runner writes a
# piglit results.json into the results folder; vmrun counts its entries
# (igt@...). hot-unplug and hot-unplug-client ask vmrun to device_del /
# device_add the ivshmem provider and the edu client (QMP).
step load-p2ptest load_p2ptest
# import-refused provokes the routing engine's explanation on purpose. In
# no-IOMMU mode vfio-pci warns when it binds a device and when user space
# opens it, which every subtest does.
expect_log 'p2pdma: '
igt_run igt --ignore-dmesg 'p2pdma: ' \
	--ignore-dmesg 'Adding kernel taint for vfio-noiommu group on device' \
	--ignore-dmesg 'vfio-noiommu device opened by user' "$IGT/dmabuf_p2p"
