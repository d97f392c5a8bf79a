# shellcheck shell=sh
# dma-buf plan: physical-range exporters and DMA-vector importers, on the
# switch topology. P2P_DMABUF_ALLOW (from the lane's command line,
# p2p.allow=1) decides whether q35's host bridge is allow-listed first, so
# the edu importer gets the host-bridge route or a refusal.
allow=0
if [ "$(boot_param p2p.allow)" = 1 ]; then
	allow=1
	step allowlist-q35 trust_q35
fi
# A refused importer's explanation is logged on purpose, and so are the
# warnings about an importer that detaches with a mapping alive and about
# ranges that do not add up to the size given to the sg_table helper.
expect_log 'p2pdma: '
expect_log 'cut here'
expect_log 'WARNING: .* at drivers/dma-buf/dma-buf-phys.c:[0-9]+ phys_detach'
expect_log 'WARNING: .* at drivers/dma-buf/dma-buf-mapping.c:[0-9]+ dma_buf_phys_(map_vecs|vec_to_sgt)'
kunit dmabuf_vec_kunit.ko iommu="$P2P_IOMMU" allowlisted=$allow
# The importer that kept its mapping is named when revoke gives up on it.
nvme1=$(devs_of 0x1b36:0x0010 | sed -n 2p)
step revoke-timeout-names-importer sh -c \
	"dmesg | grep -q 'nvme $nvme1: dma-buf .* revoked 5s ago: this importer still holds 1 mapping'"
