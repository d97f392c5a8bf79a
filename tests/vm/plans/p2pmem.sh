# shellcheck shell=sh
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
T=${P2P_ROOT#/host}/build/tools
AL=/sys/module/p2pdma/parameters/host_bridge_allowlist
CACHE=/sys/kernel/debug/p2pdma/cache

nvme=$(devs_of 0x1b36:0x0010)
client=$(echo "$nvme" | sed -n 1p)
provider=$(echo "$nvme" | sed -n 2p)
# The namespace of the client controller.
blk=/dev/$(basename /sys/bus/pci/devices/"$client"/nvme/nvme*/nvme*n1)
alloc=/sys/bus/pci/devices/$provider/p2pmem/allocate
log "client $client ($blk), provider $provider"

# route_entry: the routing cache's verdict for (provider, client), if any.
route_entry() { awk -v p="$provider" -v c="$client" '$1 == p && $2 == c { print $3, $5 }' "$CACHE"; }

# fio_job NAME ENGINE BS QD RW [MEM]: a write-then-verify job over 1 MiB of
# the namespace's second MiB; the buffers are p2pmem unless MEM says
# otherwise. Prints "ERROR WRITE-BW READ-BW" (bytes/s) from fio's JSON.
fio_job() {
	chroot /host fio --name="$1" --filename="$blk" --direct=1 --ioengine="$2" \
		--bs="$3" --iodepth="$4" --rw="$5" --offset=1M --size=1M \
		--mem="${6:-mmapshared:$alloc}" --verify=crc32c --do_verify=1 \
		--verify_fatal=1 --output-format=json --output="$P2P_RESULTS/fio-$1.json" \
		>"$RES/fio-$1.out" 2>&1
	rc=$?
	chroot /host python3 -c 'import json, sys
j = json.load(open(sys.argv[1]))["jobs"][0]
print(j["error"], j["write"]["bw_bytes"], j["read"]["bw_bytes"])' "$P2P_RESULTS/fio-$1.json" 2>/dev/null ||
		echo "$rc - -"
}

# fio_case NAME ENGINE BS QD RW: the job through p2pmem must pass with
# every byte verified; the same through system memory gives the ratio.
fio_case() {
	set -- "$@" "$(fio_job "$@")"
	set -- "$@" "$(fio_job "$1-sysmem" "$2" "$3" "$4" "$5" malloc)"
	read -r err wbw rbw <<-EOF
	$6
	EOF
	read -r _ swbw srbw <<-EOF
	$7
	EOF
	if [ "$err" = 0 ]; then
		pass "fio-$1"
		log "fio $1: 1048576 bytes written from p2pmem and verified read back into it;" \
			"p2pmem write $wbw B/s read $rbw B/s, system memory write $swbw B/s read $srbw B/s"
		echo "fio $1 $P2P_LANE $wbw $rbw $swbw $srbw" >>"$RES/fio-bandwidth"
	else
		fail "fio-$1" "fio error $err: $(grep -m1 'error\|fio:' "$RES/fio-$1.out")"
	fi
}

fio_matrix() {
	fio_case psync-4k-qd1 psync 4k 1 write
	fio_case psync-512-qd1 psync 512 1 randwrite
	fio_case libaio-64k-qd8 libaio 64k 8 randwrite
	fio_case io_uring-128k-qd16 io_uring 128k 16 write
	fio_case io_uring-1m-qd2 io_uring 1m 2 write
}

check_eq route-not-cached-before "$(route_entry)" ""
case "$P2P_TOPOLOGY" in
rootports)
	# Refused first: EREMOTEIO for the I/O, the explanation in the log.
	expect_log 'p2pdma: '
	out=$(fio_job refused psync 4k 1 write)
	check_eq fio-refused-eremoteio "${out%% *}" 121
	check_eq route-refused "$(route_entry)" "NOT_SUPPORTED current"
	step allowlist-q35 sh -c "echo 8086:29c0 >$AL"
	want=THRU_HOST_BRIDGE
	;;
*)
	want=BUS_ADDR
	;;
esac
fio_matrix
check_eq route-taken "$(route_entry)" "$want current"

insmod "$(kmod drivers/block/brd.ko)" rd_nr=1 rd_size=1024
cases p2pmem-user "$T/p2pmem_user" "$provider" "$blk" /dev/ram0
rmmod brd

# fio_on_provider: start fio on the provider's memory in the background
# and return once it has mapped it (the pool's counter drops); $fio_pid.
fio_on_provider() {
	full=$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available)
	chroot /host fio --name=unplug --filename="$blk" --direct=1 --ioengine=io_uring \
		--bs=64k --iodepth=8 --rw=randrw --offset=1M --size=1M --time_based --runtime=600 \
		--mem="mmapshared:$alloc" >"$RES/fio-$1.out" 2>&1 &
	fio_pid=$!
	while [ "$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available 2>/dev/null)" = "$full" ] &&
		kill -0 $fio_pid 2>/dev/null; do
		sleep 1
	done
}

# Remove the provider while fio uses its memory: the removal must return,
# fio must end (its I/O fails, its mapping is gone), and the device must
# come back with its whole pool. Through sysfs, then as a hot unplug.
fio_on_provider sysfs-remove
step remove-under-fio sh -c "echo 1 >/sys/bus/pci/devices/$provider/remove"
wait $fio_pid
log "fio under sysfs removal exited with $?"
check_eq provider-gone "$(ls -d /sys/bus/pci/devices/"$provider" 2>/dev/null)" ""
step rescan sh -c "echo 1 >/sys/bus/pci/rescan"
check_eq pool-full-after-rescan "$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available)" "$full"

# QEMU's id of the provider, from its serial (tests/vm/topologies.py).
qemu_id=$(sed -n 's/^p2pnvme\([0-9]*\).*/nvme\1/p' /sys/bus/pci/devices/"$provider"/nvme/nvme*/serial)
fio_on_provider hot-unplug
check_eq hot-unplug-under-fio "$(qmp unplug "$qemu_id")" ok
wait $fio_pid
log "fio under hot unplug exited with $?"
check_eq hot-unplugged "$(ls -d /sys/bus/pci/devices/"$provider" 2>/dev/null)" ""
check_eq replug "$(qmp replug "$qemu_id")" ok
if wait_for "/sys/bus/pci/devices/$provider/p2pmem/available"; then
	check_eq pool-full-after-replug "$(cat /sys/bus/pci/devices/"$provider"/p2pmem/available)" "$full"
else
	fail pool-full-after-replug "$provider did not come back"
fi

# Remove it while a process has its memory mapped.
cases p2pmem-remove "$T/p2pmem_user" "$provider" "$blk" /dev/ram0 remove
check_eq provider-removed "$(ls -d /sys/bus/pci/devices/"$provider" 2>/dev/null)" ""
