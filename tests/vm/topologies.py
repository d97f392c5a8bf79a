"""The emulated PCIe topologies and IOMMU modes of the test VMs.

Each topology is a list of QEMU arguments built from the run folder (the
ivshmem backend file lives there so the host can read what the guest
wrote). Facts about QEMU 7.2 that these rely on are in DESIGN.md s. 5.
"""

# The NVMe CMB size every topology uses; tests are told it as a parameter.
CMB_MB = 16
IVSHMEM_SIZE = 4 << 20


def _root_port(n):
    return ["-device", f"pcie-root-port,id=rp{n},bus=pcie.0,chassis={n},slot={n}"]


def _nvme(n, bus):
    return ["-device", f"nvme,serial=p2pnvme{n},cmb_size_mb={CMB_MB},bus={bus}"]


def _edu(bus):
    return ["-device", f"edu,bus={bus},dma_mask=0xffffffffffffffff"]


def _ivshmem(bus, run_dir):
    return ["-object", f"memory-backend-file,id=shm0,mem-path={run_dir}/ivshmem.bin,"
                       f"size={IVSHMEM_SIZE},share=on",
            "-device", f"ivshmem-plain,memdev=shm0,bus={bus}"]


def switch(run_dir):
    """Two NVMe behind one x3130 switch; edu and ivshmem on own root ports."""
    return (_root_port(1)
            + ["-device", "x3130-upstream,id=up1,bus=rp1",
               "-device", "xio3130-downstream,id=dn1,bus=up1,chassis=11,slot=0",
               "-device", "xio3130-downstream,id=dn2,bus=up1,chassis=12,slot=0"]
            + _nvme(0, "dn1") + _nvme(1, "dn2")
            + _root_port(2) + _edu("rp2")
            + _root_port(3) + _ivshmem("rp3", run_dir))


def rootports(run_dir):
    """The same endpoints, each on its own root port."""
    return (_root_port(1) + _nvme(0, "rp1")
            + _root_port(2) + _nvme(1, "rp2")
            + _root_port(3) + _edu("rp3")
            + _root_port(4) + _ivshmem("rp4", run_dir))


TOPOLOGIES = {"switch": switch, "rootports": rootports}

# IOMMU mode -> (add an intel-iommu device?, kernel command line)
IOMMU_MODES = {
    "off": (False, "intel_iommu=off"),
    "strict": (True, "intel_iommu=on iommu.strict=1"),
    "lazy": (True, "intel_iommu=on iommu.strict=0"),
    "pt": (True, "intel_iommu=on iommu=pt"),
}
