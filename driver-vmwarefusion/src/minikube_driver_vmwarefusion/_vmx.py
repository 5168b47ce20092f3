"""The VM's ``.vmx`` file: written from docker-machine's template, read for the generated MAC.

A .vmx is ``key = "value"`` lines; VMware escapes awkward characters in values as ``|XX``
(hex), e.g. ``|22`` for a double quote and ``|7C`` for the bar itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class VMXSettings:
    display_name: str
    iso: str
    vmdk: str  # file name, relative to the .vmx's folder
    memory_mb: int
    cpus: int


def quote(value: str) -> str:
    """A value as VMware writes it between double quotes."""
    out = []
    for ch in value:
        if ch in '|"' or ord(ch) < 0x20:
            out.append(f"|{ord(ch):02X}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return re.sub(r"\|([0-9A-Fa-f]{2})", lambda m: chr(int(m.group(1), 16)), value)


def render_vmx(s: VMXSettings) -> str:
    """docker-machine's vmwarefusion template (the keys docker-machine writes)."""
    pairs: list[tuple[str, str]] = [
        (".encoding", "UTF-8"),
        ("config.version", "8"),
        ("displayName", s.display_name),
        ("ethernet0.present", "TRUE"),
        ("ethernet0.connectionType", "nat"),
        ("ethernet0.virtualDev", "vmxnet3"),
        ("ethernet0.wakeOnPcktRcv", "FALSE"),
        ("ethernet0.addressType", "generated"),
        ("ethernet0.linkStatePropagation.enable", "TRUE"),
        ("pciBridge0.present", "TRUE"),
        ("pciBridge4.present", "TRUE"),
        ("pciBridge4.virtualDev", "pcieRootPort"),
        ("pciBridge4.functions", "8"),
        ("pciBridge5.present", "TRUE"),
        ("pciBridge5.virtualDev", "pcieRootPort"),
        ("pciBridge5.functions", "8"),
        ("pciBridge6.present", "TRUE"),
        ("pciBridge6.virtualDev", "pcieRootPort"),
        ("pciBridge6.functions", "8"),
        ("pciBridge7.present", "TRUE"),
        ("pciBridge7.virtualDev", "pcieRootPort"),
        ("pciBridge7.functions", "8"),
        ("pciBridge0.pciSlotNumber", "17"),
        ("pciBridge4.pciSlotNumber", "21"),
        ("pciBridge5.pciSlotNumber", "22"),
        ("pciBridge6.pciSlotNumber", "23"),
        ("pciBridge7.pciSlotNumber", "24"),
        ("scsi0.pciSlotNumber", "160"),
        ("usb.pciSlotNumber", "32"),
        ("ethernet0.pciSlotNumber", "192"),
        ("sound.pciSlotNumber", "33"),
        ("vmci0.pciSlotNumber", "35"),
        ("sata0.pciSlotNumber", "36"),
        ("floppy0.present", "FALSE"),
        ("guestOS", "other3xlinux-64"),
        ("hpet0.present", "TRUE"),
        ("sata0.present", "TRUE"),
        ("sata0:1.present", "TRUE"),
        ("sata0:1.fileName", s.iso),
        ("sata0:1.deviceType", "cdrom-image"),
        ("vmci0.present", "TRUE"),
        ("mem.hotadd", "TRUE"),
        ("memsize", str(s.memory_mb)),
        ("powerType.powerOff", "soft"),
        ("powerType.powerOn", "soft"),
        ("powerType.reset", "soft"),
        ("powerType.suspend", "soft"),
        ("scsi0.present", "TRUE"),
        ("scsi0.virtualDev", "pvscsi"),
        ("scsi0:0.fileName", s.vmdk),
        ("scsi0:0.present", "TRUE"),
        ("virtualHW.productCompatibility", "hosted"),
        ("virtualHW.version", "10"),
        ("msg.autoanswer", "TRUE"),
        ("uuid.action", "create"),
        ("numvcpus", str(s.cpus)),
        ("hgfs.mapRootShare", "FALSE"),
        ("hgfs.linkRootShare", "FALSE"),
        ("tools.syncTime", "TRUE"),
    ]
    return "".join(f"{k} = {quote(v)}\n" for k, v in pairs) + "tools.syncTime.period = 1\n"


def parse_vmx(text: str) -> dict[str, str]:
    """Every ``key = value`` line; later lines win, as VMware reads them."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        out[key.strip()] = unquote(value)
    return out


def generated_mac(text: str) -> str | None:
    """``ethernet0.generatedAddress``: VMware writes it into the .vmx at first power-on."""
    mac = parse_vmx(text).get("ethernet0.generatedAddress", "").strip().lower()
    return mac or None
