# shellcheck shell=sh
# The kernel's own dma-buf selftests (CONFIG_DMABUF_SELFTESTS) as IGT's
# dmabuf test runs them (tests/igt/dmabuf.c): one dynamic subtest per
# selftest, igt@dmabuf@all-tests@NAME. They do not depend on the machine or
# the IOMMU mode: one lane runs them.
igt=${P2P_ROOT#/host}/build/igt
chroot /host env IGT_KMOD_PATH="${P2P_KOUT#/host}/drivers/dma-buf" \
	python3 "${P2P_ROOT#/host}/tests/igt/igt_runner.py" --results "$P2P_RESULTS/igt-selftests" \
	"$igt/dmabuf"
[ -f "$RES/igt-selftests/results.json" ] ||
	fail igt-results "igt_runner.py wrote no results.json"
