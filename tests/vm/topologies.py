"""The emulated PCIe topologies and IOMMU modes of the test VMs.

Each topology is a list of QEMU arguments built from the run folder (the
ivshmem backend file lives there so the host can read what the guest
wrote) and whether the guest may see devices hot-plugged. Facts about QEMU
7.2 that these rely on are in DESIGN.md s. 5.
"""

from pattern import pattern_bytes

# The NVMe CMB size every topology uses; tests are told it as a parameter.
CMB_MB = 16
IVSHMEM_SIZE = 4 << 20
# Every NVMe controller n has one namespace backed by RUN/nvme<n>.img,
# NS_SIZE bytes of the pattern of NS_SEED + n (tests/vm/pattern.py).
# tests/kunit/p2pdma_nvme_kunit.c computes the same words to check what it
# reads.
NS_SIZE = 4 << 20
NS_SEED = 0x5EED0000
# Controller 0 has a second namespace (nsid 2) of PI_NS_SIZE bytes whose
# blocks carry 8 bytes of separate metadata holding T10 protection
# information, type 1: the guest's block layer generates and checks it, and
# QEMU checks the guard and reference tags of every write and read, so I/O
# whose metadata nvme-pci mapped wrong fails. The backing file is sparse:
# QEMU skips the checks of blocks never written, as the kernel's partition
# scan reads some at boot.
PI_NS_SIZE = 16 << 20


def write_namespace_image(path, n):
    with open(path, "wb") as f:
        f.write(pattern_bytes(NS_SEED + n, NS_SIZE))


# Hot-plug through QMP (tests/vm/qmp.py) reaches the guest as an ACPI eject
# on q35's ports, which the kernel's acpiphp registers at boot: 20 s of a
# 78 s boot of the debug kernel under TCG, spent in ACPI's interpreter.
# A lane that does not hot-plug boots without it: no ACPI hot-plug on the
# bridges and ports without a hot-plug capable slot, so that pciehp does
# not take them either (a removal through sysfs needs neither).
NO_HOTPLUG = ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"]


def _port_opts(hotplug):
    return "" if hotplug else ",hotplug=off"


def _root_port(n, hotplug):
    return ["-device", f"pcie-root-port,id=rp{n},bus=pcie.0,chassis={n},slot={n}"
                       + _port_opts(hotplug)]


def _pi_namespace(n, run_dir):
    img = f"{run_dir}/nvme{n}-pi.img"
    with open(img, "wb") as f:
        f.truncate(PI_NS_SIZE)
    return ["-drive", f"file={img},if=none,format=raw,id=nvm{n}pi",
            "-device", f"nvme-ns,drive=nvm{n}pi,bus=nvme{n},nsid=2,ms=8,pi=1"]


def _nvme(n, bus, run_dir, extra=""):
    img = f"{run_dir}/nvme{n}.img"
    write_namespace_image(img, n)
    return (["-drive", f"file={img},if=none,format=raw,id=nvm{n}",
             "-device", f"nvme,id=nvme{n},serial=p2pnvme{n},cmb_size_mb={CMB_MB},bus={bus},"
                        f"drive=nvm{n}{extra}"]
            + (_pi_namespace(n, run_dir) if n == 0 else []))


def _edu(bus):
    return ["-device", f"edu,id=edu0,bus={bus},dma_mask=0xffffffffffffffff"]


def _ivshmem(bus, run_dir):
    return ["-object", f"memory-backend-file,id=shm0,mem-path={run_dir}/ivshmem.bin,"
                       f"size={IVSHMEM_SIZE},share=on",
            "-device", f"ivshmem-plain,id=ivshmem0,memdev=shm0,bus={bus}"]


def switch(run_dir, hotplug):
    """Two NVMe behind one x3130 switch; edu and ivshmem on own root ports."""
    hp = _port_opts(hotplug)
    return (_root_port(1, hotplug)
            + ["-device", "x3130-upstream,id=up1,bus=rp1",
               "-device", f"xio3130-downstream,id=dn1,bus=up1,chassis=11,slot=0{hp}",
               "-device", f"xio3130-downstream,id=dn2,bus=up1,chassis=12,slot=0{hp}"]
            + _nvme(0, "dn1", run_dir) + _nvme(1, "dn2", run_dir)
            + _root_port(2, hotplug) + _edu("rp2")
            + _root_port(3, hotplug) + _ivshmem("rp3", run_dir))


def rootports(run_dir, hotplug):
    """The same endpoints, each on its own root port."""
    return (_root_port(1, hotplug) + _nvme(0, "rp1", run_dir)
            + _root_port(2, hotplug) + _nvme(1, "rp2", run_dir)
            + _root_port(3, hotplug) + _edu("rp3")
            + _root_port(4, hotplug) + _ivshmem("rp4", run_dir))


def multifunction(run_dir, hotplug):
    """One NVMe with two functions below one root port, whose ACS decides."""
    return (_root_port(1, hotplug)
            + _nvme(0, "rp1", run_dir, ",addr=00.0,multifunction=on")
            + _nvme(1, "rp1", run_dir, ",addr=00.1")
            + _root_port(2, hotplug) + _edu("rp2"))


TOPOLOGIES = {"switch": switch, "rootports": rootports, "multifunction": multifunction}

# IOMMU mode -> (add an intel-iommu device?, kernel command line)
IOMMU_MODES = {
    "off": (False, "intel_iommu=off"),
    "strict": (True, "intel_iommu=on iommu.strict=1"),
    "lazy": (True, "intel_iommu=on iommu.strict=0"),
    "pt": (True, "intel_iommu=on iommu=pt"),
}
