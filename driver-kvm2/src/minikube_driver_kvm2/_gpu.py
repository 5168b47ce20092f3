"""--kvm-gpu: NVIDIA GPUs bound to vfio-pci, passed through as PCI host devices."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from minikube import DriverError

NVIDIA = "0x10de"
_PCI = re.compile(r"^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$")
GPU_FIX = ("Bind the GPU to vfio-pci (IOMMU on: intel_iommu=on or amd_iommu=on; then "
           "'driverctl set-override <address> vfio-pci'), or start without --kvm-gpu")


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def gpu_devices_xml(sysfs: Path = Path("/sys/bus/pci/devices")) -> str:
    """``<hostdev>`` elements for every NVIDIA display controller; each must be bound to vfio-pci."""
    found = []
    for dev in sorted(sysfs.iterdir()) if sysfs.is_dir() else []:
        if _read(dev / "vendor") != NVIDIA or not _read(dev / "class").startswith("0x03"):
            continue
        link = dev / "driver"
        bound = link.resolve().name if link.exists() else ""
        if bound != "vfio-pci":
            raise DriverError(f"--kvm-gpu: the NVIDIA GPU {dev.name} is bound to {bound or 'no driver'}, "
                              "not vfio-pci", fix=GPU_FIX)
        m = _PCI.match(dev.name)
        if m is None:
            continue
        host = ET.Element("hostdev", mode="subsystem", type="pci", managed="yes")
        source = ET.SubElement(host, "source")
        ET.SubElement(source, "address", domain=f"0x{m[1]}", bus=f"0x{m[2]}", slot=f"0x{m[3]}", function=f"0x{m[4]}")
        found.append(ET.tostring(host, encoding="unicode"))
    if not found:
        raise DriverError("--kvm-gpu: this host has no NVIDIA GPU to pass through", fix=GPU_FIX)
    return "".join(found)
