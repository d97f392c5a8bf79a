# shellcheck shell=sh
# The main job's plan: show the machine the way a user would look at it.
# For now: the PCI tree, the P2P providers and the IOMMU mode.

echo "== PCI tree (lspci -tv) =="
chroot /host lspci -tv

echo
echo "== P2P memory providers =="
found=0
for d in /sys/bus/pci/devices/*; do
	[ -d "$d/p2pmem" ] || continue
	found=1
	echo "${d##*/} $(chroot /host lspci -s "${d##*/}" | cut -d' ' -f2-)"
	echo "    size $(cat "$d/p2pmem/size") available $(cat "$d/p2pmem/available")" \
		"published $(cat "$d/p2pmem/published")"
done
[ $found -eq 1 ] || echo "none"

echo
echo "== IOMMU =="
if [ -z "$(ls /sys/class/iommu 2>/dev/null)" ]; then
	echo "no IOMMU: devices DMA to physical addresses"
else
	echo "units: $(ls /sys/class/iommu | tr '\n' ' ')"
	for g in /sys/kernel/iommu_groups/*; do
		echo "group ${g##*/} ($(cat "$g/type")): $(ls "$g/devices" | tr '\n' ' ')"
	done
fi
echo "booted with: $P2P_IOMMU"
