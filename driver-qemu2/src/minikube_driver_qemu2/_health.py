"""qemu2's health check: QEMU's system emulator and qemu-img on PATH, with their versions; on arm64
the UEFI firmware.  What is missing comes with the command that installs it.  Software emulation
works, but slowly: a host where ``auto`` picks it is healthy and *needs improvement*.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from minikube.registry import Health

from ._host import DOC, choose_accel, default_firmware, firmware_fix, install_fix, needs_firmware, qemu_system

TIMEOUT = 5.0
_VERSION = re.compile(r"version\s+(\d+\.\d+(?:\.\d+)?)")


def tool_version(path: str) -> str | None:
    """``X.Y.Z`` from ``<tool> --version``, or None when it does not run."""
    try:
        p = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=TIMEOUT,
                           stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    m = _VERSION.search(p.stdout + p.stderr)
    return m.group(1) if p.returncode == 0 and m else None


def health() -> Health:
    program = qemu_system()
    missing = [name for name in (program, "qemu-img") if shutil.which(name) is None]
    if missing:
        names = " and ".join(f'"{n}"' for n in missing)
        return Health(error=f"exec: {names}: executable file not found in $PATH", fix=install_fix(), doc=DOC)
    versions = {}
    for name in (program, "qemu-img"):
        v = tool_version(shutil.which(name) or name)
        if v is None:
            return Health(installed=True, running=True, error=f"{name} --version failed: it does not run here",
                          fix=install_fix(), doc=DOC)
        versions[name] = v
    version = f"{program} {versions[program]}, qemu-img {versions['qemu-img']}"
    if needs_firmware():
        fw = default_firmware()
        if not fw or not os.path.exists(fw):
            return Health(installed=True, running=True, version=version,
                          error=f"the UEFI firmware {fw or '(none known for this host)'} does not exist",
                          fix=firmware_fix(), doc=DOC)
    accel = choose_accel("auto")
    if accel.software:
        return Health(installed=True, healthy=True, running=True, needs_improvement=True, version=version,
                      fix=f"{accel.fix} (now: {accel.why})", doc=DOC)
    return Health(installed=True, healthy=True, running=True, version=version)
