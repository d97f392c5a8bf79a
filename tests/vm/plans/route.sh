# shellcheck shell=sh
# Routing plan: the engine's pure-logic suite, then its verdicts on the
# emulated machine as user space sees them (debugfs explain, the
# allow-list knob, setpci on ACS, hot remove and rescan), and with the
# IOMMU off a real P2P transfer through 6.1's struct-page path.

# Refusals are logged with their explanation on purpose here.
expect_log 'p2pdma: '
kunit p2pdma_route_kunit.ko
# The kernel re-enables ACS when it restores a port's state (reset, resume,
# AER recovery): no verdict survives that (multifunction machine with an
# IOMMU; a skip elsewhere); memory decode off is announced before it is.
kunit p2pdma_events_kunit.ko

X=/sys/kernel/debug/p2pdma/explain

# explain PROVIDER CLIENT: the kernel's explanation of the pair.
explain() {
	exec 3<>"$X"
	echo "$1 $2" >&3
	cat <&3
	exec 3>&-
}
# field KEY PROVIDER CLIENT: the value of one line of the explanation.
field() { explain "$2" "$3" | sed -n "s/^$1 //p" | head -n1; }

nvme=$(devs_of 0x1b36:0x0010)
a=$(echo "$nvme" | sed -n 1p)
b=$(echo "$nvme" | sed -n 2p)
edu=$(devs_of 0x1234:0x11e8)

# Bad queries and bad allow-lists fail with their errno and change nothing.
if echo "nonsense" >"$X" 2>/dev/null; then fail explain-bad-query "accepted"; else pass explain-bad-query; fi
if echo "$a 0000:ff:1f.7" >"$X" 2>/dev/null; then fail explain-no-device "accepted"; else pass explain-no-device; fi
for bad in zz "8086:29c0," 8086-29c0 18086:29c0 \
	1:1,2:2,3:3,4:4,5:5,6:6,7:7,8:8,9:9,a:a,b:b,c:c,d:d,e:e,f:f,0:0,1:2; do
	if echo "$bad" >"$AL" 2>/dev/null; then fail "allowlist-rejects-$bad" "accepted"
	else pass "allowlist-rejects-$bad"; fi
done
check_eq allowlist-unchanged "$(cat "$AL")" ""

case "$P2P_TOPOLOGY" in
switch)
	check_eq switch-verdict "$(field verdict "$a" "$b")" BUS_ADDR
	check_eq switch-distance "$(field distance "$a" "$b")" 4
	# The switch's upstream port, above the downstream port above a.
	check_eq switch-common "$(field common "$a" "$b")" "$(parent_of "$(parent_of "$a")")"
	# edu is on its own root port: through q35's host bridge.
	far_a=$a far_b=$edu
	;;
rootports)
	far_a=$a far_b=$b
	;;
multifunction)
	# Two functions of one device: their root port's ACS decides.
	rp=$(parent_of "$a")
	acs=$(acs_ctl "$rp")
	if [ "$P2P_IOMMU" = off ]; then
		check_eq mf-acs-off "$acs" 0000
		check_eq mf-verdict "$(field verdict "$a" "$b")" BUS_ADDR
	else
		check_eq mf-acs-redirects "$acs" 001d
		check_eq mf-verdict-redirected "$(field verdict "$a" "$b")" NOT_SUPPORTED
		check_eq mf-fix "$(field fix "$a" "$b")" "pci=disable_acs_redir=$rp"
		# The cache holds the refusal; setpci clears ACS: no reboot needed.
		check_eq mf-cache-warm "$(field cache_before "$a" "$b")" "NOT_SUPPORTED 2"
		step mf-setpci acs_ctl "$rp" 0000
		check_eq mf-cache-stale-after-setpci "$(field cache_before "$a" "$b")" stale
		check_eq mf-verdict-after-setpci "$(field verdict "$a" "$b")" BUS_ADDR
		check_eq mf-cached-after-setpci "$(field cached "$a" "$b")" "BUS_ADDR 2"
		step mf-setpci-restore acs_ctl "$rp" "$acs"
		check_eq mf-verdict-restored "$(field verdict "$a" "$b")" NOT_SUPPORTED
	fi
	check_eq mf-distance "$(field distance "$a" "$b")" 2
	far_a=$a far_b=$edu
	;;
esac

# Across root ports: refused until q35's host bridge is allow-listed.
check_eq far-verdict "$(field verdict "$far_a" "$far_b")" NOT_SUPPORTED
# No bridge is common to the pair: turning ACS off would not help, so the
# explanation does not offer it, whatever the root ports redirect.
if explain "$far_a" "$far_b" | grep -q disable_acs_redir; then
	fail far-no-acs-fix "an ACS fix offered for a pair without a common bridge"
else
	pass far-no-acs-fix
fi
check_eq far-hostbridge "$(field host_bridge "$far_a" "$far_b" | sed 's/.* id=//')" \
	"8086:29c0 allowlisted=no"
step allowlist-add trust_q35
check_eq allowlist-read "$(cat "$AL")" 8086:29c0
check_eq far-verdict-allowed "$(field verdict "$far_a" "$far_b")" THRU_HOST_BRIDGE
step allowlist-clear trust_none
check_eq far-verdict-cleared "$(field verdict "$far_a" "$far_b")" NOT_SUPPORTED

# p2ptest agrees with the kernel on every pair of endpoints it shows, and
# writes this machine down (the capture is kept with the lane's results).
if p2ptest capture >"$RES/capture.cap"; then pass p2ptest-capture; else fail p2ptest-capture "exit $?"; fi
for x in $nvme $edu; do
	for y in $nvme $edu; do
		[ "$x" = "$y" ] && continue
		if out=$(p2ptest explain "$x" "$y" 2>&1); then
			pass "p2ptest-agrees-$x-$y"
		else
			fail "p2ptest-agrees-$x-$y" "exit $?: $(echo "$out" | grep -E '^(verdict|kernel)')"
		fi
	done
done
check_eq p2ptest-verdict-ab "$(p2ptest explain "$a" "$b" | sed -n 's/^verdict: \([A-Z_]*\),.*/\1/p')" \
	"$(field verdict "$a" "$b")"

# Hot remove a client: its cache entries go; after a rescan it is decided
# again. The struct-page API fills the cache (pci_p2pdma_distance()).
field verdict "$a" "$b" >/dev/null
if grep -q "^$a $b " /sys/kernel/debug/p2pdma/cache; then pass cache-has-pair
else fail cache-has-pair "$(cat /sys/kernel/debug/p2pdma/cache)"; fi
step remove pci_remove "$b"
if grep -q " $b " /sys/kernel/debug/p2pdma/cache; then
	fail cache-forgets-removed "$(grep " $b " /sys/kernel/debug/p2pdma/cache)"
else
	pass cache-forgets-removed
fi
step rescan pci_rescan
check_eq rescan-back "$(devs_of 0x1b36:0x0010 | tr '\n' ' ')" "$(echo "$nvme" | tr '\n' ' ')"
case "$P2P_TOPOLOGY" in
switch) check_eq rescan-verdict "$(field verdict "$a" "$b")" BUS_ADDR ;;
rootports) check_eq rescan-verdict "$(field verdict "$a" "$b")" NOT_SUPPORTED ;;
esac

# Real P2P DMA through the struct-page path: only QEMU with the IOMMU off
# routes it.
if [ "$P2P_TOPOLOGY" = switch ] && [ "$P2P_IOMMU" = off ]; then
	# The rescanned controller publishes its CMB from nvme's reset work,
	# after probe() returns: the suite wants it published.
	wait_for "/sys/bus/pci/devices/$b/p2pmem/available" ||
		fail rescan-p2pmem "$b publishes no p2pmem after the rescan"
	kunit p2pdma_nvme_kunit.ko bdev=/dev/nvme0n1 seed="$(nvme_seed /sys/block/nvme0n1/device)" \
		distance=4
fi
