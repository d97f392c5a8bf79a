# shellcheck shell=sh
# Reliability plan (tests/uapi): with ivshmem's BAR 2 as the provider,
# bound to vfio-pci (it exports through VFIO_DEVICE_FEATURE_DMA_BUF), edu
# as the client, bound to p2ptest, and q35's host bridge trusted:
#   faults   every slab and page allocation of export, mmap, import and
#            remap failed in turn (fail-nth), each unwound completely;
#   fuzz     a seeded bad-input sweep of the uAPI and the P2PDMA knobs;
#   races    one thread parked in an ioctl while decode goes off through
#            VFIO, the device file is closed, vfio-pci unbinds the
#            provider or UNIMPORT runs, an IMPORT's EFAULT on the way out,
#            decode flips while exports die (tests/uapi/p2ptest_races.c);
#   stress   importers, a revoker (VFIO resets, device file closed and
#            opened again), exporters, a decoder, a client rebinder and
#            explain queries at once, while ACS bits move on the
#            provider's root port and an NVMe controller is removed and
#            rescanned;
#   unload   the module stays while it holds an import, and goes once its
#            file is closed, leaving the exporter's buffer unattached.
# Each ends by checking that no dma-buf and no IOMMU entry is left; the
# kmemleak scan at the end of the run (tests/vm/init) checks memory.
# p2p.fuzz_seed=N on the kernel command line repeats a fuzz run.
FUZZ_SEED=0xf022
FUZZ_CALLS=3000
STRESS_ROUNDS=8

ivshmem=$(devs_of 0x1af4:0x1110)
edu=$(devs_of 0x1234:0x11e8)
nvme=$(devs_of 0x1b36:0x0010 | sed -n 2p)
# The root port above ivshmem.
rp=$(parent_of "$ivshmem")
seed=$(boot_param p2p.fuzz_seed)
[ -n "$seed" ] && FUZZ_SEED=$seed

step load-p2ptest load_p2ptest
step bind-p2ptest bind_driver p2ptest "$edu"
step bind-vfio bind_vfio "$ivshmem"
step allowlist-q35 trust_q35
# Refused imports and explain queries log the engine's explanation.
expect_log 'p2pdma: '

# Let fail-nth fail every allocation, quietly.
for f in failslab fail_page_alloc; do
	echo N >"/sys/kernel/debug/$f/ignore-gfp-wait"
	echo 0 >"/sys/kernel/debug/$f/verbose"
done
echo N >/sys/kernel/debug/fail_page_alloc/ignore-gfp-highmem
echo 0 >/sys/kernel/debug/fail_page_alloc/min-order
kselftest faults p2ptest_faults "$ivshmem" 2 "$edu"

kselftest fuzz p2ptest_fuzz "$FUZZ_SEED" "$FUZZ_CALLS" "$ivshmem" 2 4194304 "$edu"
step allowlist-still-q35 grep -qx 8086:29c0 "$AL"

# Races made deterministic: a thread parked in an ioctl on a userfaultfd
# page while decode-off, the device file's close, vfio-pci's unbind or
# UNIMPORT runs (tests/uapi/p2ptest_races.c).
kselftest races p2ptest_races "$ivshmem" 2 "$edu"

# ACS flips on the provider's root port and an NVMe leaves and comes back
# while the stress run is under way: the routing engine's cache must follow.
acs=$(acs_ctl "$rp")
# Each finished cycle is counted in $RES/churn: a stress run that saw no
# ACS change and no hot-remove has proved nothing about them, so the stress
# run goes on until that file exists (its UNTIL-FILE), however slowly the
# host runs this guest: the event, not a duration, ends it.
(
	n=0
	while [ ! -e /tmp/stress-done ]; do
		acs_ctl "$rp" 0000
		sleep 1
		acs_ctl "$rp" "$acs"
		pci_remove "$nvme"
		sleep 1
		pci_rescan
		n=$((n + 1))
		echo "$n" >"$RES/churn"
	done
) >/dev/null 2>&1 &
kselftest stress p2ptest_stress "$ivshmem" 2 "$edu" "$STRESS_ROUNDS" "$P2P_RESULTS/churn"
touch /tmp/stress-done
wait
churn=$(cat "$RES/churn" 2>/dev/null || echo 0)
log "ACS toggles and NVMe remove/rescan cycles during the stress run: $churn"
if [ "$churn" -ge 1 ]; then
	pass churn-during-stress
else
	fail churn-during-stress "no ACS change or hot-remove completed while the stress run ran"
fi
check_eq acs-restored "$(acs_ctl "$rp")" "$acs"
step nvme-back test -e "/sys/bus/pci/devices/$nvme"

# Last, as it removes the module: p2ptest stays while an import of a VFIO
# buffer is open, and once /dev/p2ptest is closed it goes, leaving the
# buffer with no attachment whose move_notify would run in unloaded code.
# It imports, so q35 is still trusted; ivshmem is on vfio-pci again after
# the races that unbind it (bind_vfio leaves a bound device alone).
step vfio-still-bound bind_vfio "$ivshmem"
kselftest unload p2ptest_unload "$ivshmem" 2
step allowlist-empty trust_none
