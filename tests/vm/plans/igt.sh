# shellcheck shell=sh
# vmrun: hotplug
# IGT-style tests (tests/igt): dmabuf_p2p against /dev/p2ptest. The runner
# writes a piglit results.json into the results folder; vmrun counts its
# entries (igt@...). hot-unplug and hot-unplug-client ask vmrun to
# device_del / device_add the ivshmem provider and the edu client (QMP).
step load-p2ptest load_p2ptest
# import-refused provokes the routing engine's explanation on purpose.
expect_log 'p2pdma: '
igt=${P2P_ROOT#/host}/build/igt
chroot /host env IGT_KMOD_PATH="${P2P_KOUT#/host}/drivers/dma-buf" \
	IGT_QMP_DIR="$P2P_RESULTS/qmp" P2PTEST_PROVIDER_QEMU_ID=ivshmem0 P2PTEST_CLIENT_QEMU_ID=edu0 \
	python3 "${P2P_ROOT#/host}/tests/igt/igt_runner.py" --results "$P2P_RESULTS/igt" \
	--ignore-dmesg 'p2pdma: ' "$igt/dmabuf_p2p"
[ -f "$RES/igt/results.json" ] || fail igt-results "igt_runner.py wrote no results.json"
