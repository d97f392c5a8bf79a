# shellcheck shell=sh
# vmrun: hotplug
# IGT-style tests (tests/igt): dmabuf_p2p against /dev/p2ptest. The runner
# writes a piglit results.json into the results folder; vmrun counts its
# entries (igt@...). hot-unplug and hot-unplug-client ask vmrun to
# device_del / device_add the ivshmem provider and the edu client (QMP).
step load-p2ptest load_p2ptest
# import-refused provokes the routing engine's explanation on purpose.
expect_log 'p2pdma: '
igt_run igt --ignore-dmesg 'p2pdma: ' "$IGT/dmabuf_p2p"
