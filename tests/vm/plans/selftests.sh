# shellcheck shell=sh
# The kernel's own dma-buf selftests (CONFIG_DMABUF_SELFTESTS) as IGT's
# dmabuf test runs them (tests/igt/dmabuf.c): one dynamic subtest per
# selftest, igt@dmabuf@all-tests@NAME. They do not depend on the machine or
# the IOMMU mode: one lane runs them.
igt_run igt-selftests "$IGT/dmabuf"
