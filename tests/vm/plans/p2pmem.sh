# shellcheck shell=sh
# vmrun: hotplug
# User-space P2PDMA plan: O_DIRECT between one NVMe controller's namespace
# and the other controller's CMB, mapped from p2pmem/allocate, driven by
# Debian's fio (psync, libaio, io_uring; every byte verified) and by
# p2pmem_user (the mmap and I/O contract, one case per rule). The lane
# decides the route the kernel must take, and the plan checks that it took
# it (the routing cache's entry for the pair appears with that verdict):
#   switch topology, IOMMU off or pt: BUS_ADDR through the switch;
#   rootports topology, IOMMU strict: refused (EREMOTEIO, the explanation
#   in the log) until q35's host bridge is allow-listed, then
#   THRU_HOST_BRIDGE.
# Last, the provider goes away while fio runs on its memory (sysfs remove,
# then a QMP hot unplug) and while a process has it mapped: no crash, no
# hang, no leak (the lane's kmemleak scan), the pool full when it is back.
CACHE=/sys/kernel/debug/p2pdma/cache

nvme=$(devs_of 0x1b36:0x0010)
client=$(echo "$nvme" | sed -n 1p)
provider=$(echo "$nvme" | sed -n 2p)
# Both controllers on nvme: an earlier plan of the lane may have left the
# provider elsewhere (transfer's "p2ptest run --bind" hands it to vfio-pci
# for the run and gives it back to nvme; a run that failed half way may
# not have). nvme publishes the CMB as p2pmem from its reset work, after
# probe() returns.
step bind-nvme bind_driver nvme "$client" "$provider"
if wait_for "/sys/bus/pci/devices/$provider/p2pmem/available"; then
	pass provider-p2pmem
else
	fail provider-p2pmem "$provider publishes no p2pmem under nvme"
fi
# The client's namespace, which nvme's scan work adds after a bind.
has_namespace() { [ -b "$(nvme_ns "$client")" ]; }
step client-namespace wait_until has_namespace
# The namespace of the client controller.
blk=$(nvme_ns "$client")
alloc=/sys/bus/pci/devices/$provider/p2pmem/allocate
# QEMU's id of the provider.
qemu_id=nvme$(nvme_index /sys/bus/pci/devices/"$provider"/nvme/nvme*)
log "client $client ($blk), provider $provider"

# route_entry: the routing cache's verdict for (provider, client), if any.
route_entry() { awk -v p="$provider" -v c="$client" '$1 == p && $2 == c { print $3, $5 }' "$CACHE"; }

# The fio jobs: NAME ENGINE BS QD RW. Each writes 256 KiB of the
# namespace's second MiB and verifies it read back (crc32c).
export FIO_FILE="$blk" FIO_OFFSET=1M FIO_SIZE=256K
JOBS="psync-4k-qd1 psync 4k 1 write
psync-512-qd1 psync 512 1 randwrite
libaio-64k-qd8 libaio 64k 8 randwrite
io_uring-32k-qd16 io_uring 32k 16 randwrite
io_uring-128k-qd2 io_uring 128k 2 write"

# fio_matrix: every job through p2pmem must pass with every byte verified;
# the same jobs through system memory give the ratios. Two fio runs, so
# that the iterator's count covers the peer memory's requests alone.
fio_matrix() {
	read -r iter0 sg0 <<-EOF
	$(blk_dma_counts)
	EOF
	fio_run p2pmem "mmapshared:$alloc" "$JOBS"
	# nvme-pci maps the peer memory with the block layer's DMA iterator
	check_dma_iter dma-iter-p2pmem "$iter0" "$sg0"
	fio_run sysmem malloc "$JOBS"
	echo "$JOBS" | while read -r name _; do
		read -r err wbw rbw <<-EOF
		$(terse p2pmem "$name")
		EOF
		read -r _ swbw srbw <<-EOF
		$(terse sysmem "$name")
		EOF
		if [ "$err" = 0 ]; then
			pass "fio-$name"
			log "fio $name: 262144 bytes written from p2pmem and verified read back into it;" \
				"p2pmem write $wbw KiB/s read $rbw KiB/s, system memory write $swbw KiB/s read $srbw KiB/s"
			echo "fio $name $P2P_LANE $wbw $rbw $swbw $srbw" >>"$RES/fio-bandwidth"
		else
			fail "fio-$name" "fio error ${err:-none}: $(grep -m1 'error\|fio:' "$RES/fio-p2pmem.out")"
		fi
	done
}

# Start from an empty allow-list (the refusal on rootports needs it): the
# write makes every cached verdict stale, including any an earlier plan of
# the lane left for this pair. The fio jobs must decide the route anew.
step allowlist-empty trust_none
step spy-load insmod "$(kmod extmod/tests/io_spy.ko)"
case "$(route_entry)" in
*current) fail route-not-current-before "$(route_entry)" ;;
*) pass route-not-current-before ;;
esac
case "$P2P_TOPOLOGY" in
rootports)
	# Refused first: EREMOTEIO for the I/O, the explanation in the log.
	expect_log 'p2pdma: '
	fio_run refused "mmapshared:$alloc" "refused psync 4k 1 write"
	check_eq fio-refused-eremoteio "$(terse refused refused | cut -d' ' -f1)" 121
	check_eq route-refused "$(route_entry)" "NOT_SUPPORTED current"
	out=$(p2ptest run --provider "$provider" --client "$blk" --offset 2M --size 64K 2>&1)
	check_eq p2ptest-run-refused-exit "$?" 77
	echo "$out"
	check_eq p2ptest-run-refused-explained "$(echo "$out" | grep -c 'verdict NOT_SUPPORTED')" 1
	step allowlist-q35 trust_q35
	want=THRU_HOST_BRIDGE
	;;
*)
	want=BUS_ADDR
	;;
esac
fio_matrix
check_eq route-taken "$(route_entry)" "$want current"

# p2ptest run with the namespace as client: no test module, every byte
# verified, the range left as it was found.
before=$(dd if="$blk" bs=64k skip=32 count=4 2>/dev/null | md5sum)
if out=$(p2ptest run --provider "$provider" --client "$blk" --offset 2M --size 256K \
	--iterations 2 --seed 0x5eed 2>&1); then
	pass p2ptest-run-nvme
else
	fail p2ptest-run-nvme "exit $?: $(echo "$out" | tail -n1)"
fi
echo "$out"
check_eq p2ptest-run-verified "$(echo "$out" | grep -c 'p2pmem -> .* 262144 bytes verified')" 2
check_eq p2ptest-run-route "$(echo "$out" | sed -n 's/^route \([A-Z_]*\),.*/\1/p')" "$want"
check_eq p2ptest-run-restored "$(dd if="$blk" bs=64k skip=32 count=4 2>/dev/null | md5sum)" "$before"

insmod "$(kmod drivers/block/brd.ko)" rd_nr=1 rd_size=1024
kselftest p2pmem-user p2pmem_user "$provider" "$blk" /dev/ram0
rmmod brd

# fio_on_provider: start fio on the provider's memory in the background
# and return once it has mapped it (the pool's counter drops); $fio_pid.
# Its run time only bounds a removal that fails to stop it (far beyond a
# slow eject on a starved guest: fio still running then is a failure).
fio_on_provider() {
	full=$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available)
	chroot /host fio --name=unplug --filename="$blk" --direct=1 --ioengine=io_uring \
		--bs=64k --iodepth=8 --rw=randrw --offset=1M --size=1M --time_based --runtime=1800 \
		--mem="mmapshared:$alloc" >"$RES/fio-$1.out" 2>&1 &
	fio_pid=$!
	while [ "$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available 2>/dev/null)" = "$full" ] &&
		kill -0 $fio_pid 2>/dev/null; do
		sleep 1
	done
	if kill -0 $fio_pid 2>/dev/null; then pass "fio-running-$1"
	else fail "fio-running-$1" "fio ended before it mapped p2pmem: $(tail -n1 "$RES/fio-$1.out")"; fi
}

# fio_stopped WHAT: wait for the fio of fio_on_provider, whose I/O must
# have failed (exit status 0: it ran to its end, the removal did not stop it).
fio_stopped() {
	wait "$fio_pid"
	rc=$?
	log "fio under $1 exited with $rc"
	if [ "$rc" -ne 0 ]; then pass "fio-stopped-by-$1"
	else fail "fio-stopped-by-$1" "fio ran to its end: $(tail -n1 "$RES/fio-$1.out")"; fi
}

# Remove the provider while fio uses its memory: the removal must return,
# fio must end (its I/O fails, its mapping is gone), and the device must
# come back with its whole pool. Through sysfs, then as a hot unplug.
fio_on_provider sysfs-remove
step remove-under-fio pci_remove "$provider"
fio_stopped sysfs-remove
check_eq provider-gone "$(ls -d /sys/bus/pci/devices/"$provider" 2>/dev/null)" ""
step rescan pci_rescan
# nvme maps its CMB in its reset work, after probe() returns.
if wait_for "/sys/bus/pci/devices/$provider/p2pmem/available"; then
	check_eq pool-full-after-rescan "$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available)" "$full"
else
	fail pool-full-after-rescan "$provider has no p2pmem after the rescan"
fi

fio_on_provider hot-unplug
check_eq hot-unplug-under-fio "$(qmp unplug "$qemu_id")" ok
fio_stopped hot-unplug
check_eq hot-unplugged "$(ls -d /sys/bus/pci/devices/"$provider" 2>/dev/null)" ""
check_eq replug "$(qmp replug "$qemu_id")" ok
if wait_for "/sys/bus/pci/devices/$provider/p2pmem/available"; then
	check_eq pool-full-after-replug "$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available)" "$full"
else
	fail pool-full-after-replug "$provider did not come back"
fi

# Remove it while a process has its memory mapped.
kselftest p2pmem-remove p2pmem_remove "$provider"
check_eq provider-removed "$(ls -d /sys/bus/pci/devices/"$provider" 2>/dev/null)" ""
step spy-unload rmmod io_spy
