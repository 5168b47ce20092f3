"""VMware Fusion's command-line tools, ``vmrun`` and ``vmware-vdiskmanager``.

Found on PATH, else in the app bundle.  Both report errors on stdout (``Error: ...``) with a
non-zero exit status; we turn that into one clear error naming the command.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from minikube import DriverError

FUSION_LIBRARY = "/Applications/VMware Fusion.app/Contents/Library/"
INSTALL_FIX = "Install VMware Fusion"


def find_tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    bundled = Path(FUSION_LIBRARY) / name
    return str(bundled) if bundled.is_file() and os.access(bundled, os.X_OK) else None


def require_tool(name: str) -> str:
    exe = find_tool(name)
    if exe is None:
        raise DriverError(f"{name} not found on PATH or in {FUSION_LIBRARY}", reason_id="PROVIDER_VMWAREFUSION_NOT_FOUND",
                          fix=INSTALL_FIX)
    return exe


@dataclass(frozen=True)
class Result:
    stdout: str
    stderr: str
    code: int

    @property
    def message(self) -> str:
        return (self.stdout.strip() + "\n" + self.stderr.strip()).strip()


def run(tool: str, *args: str, timeout: float = 120.0) -> Result:
    """Run a tool; a missing tool or a timeout is a DriverError, an exit status is the caller's."""
    exe = require_tool(tool)
    try:
        proc = subprocess.run([exe, *args], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        raise DriverError(f"{tool} {' '.join(args)} did not finish within {timeout:g}s") from None
    except OSError as e:
        raise DriverError(f"cannot run {exe}: {e}", fix=INSTALL_FIX) from None
    return Result(proc.stdout, proc.stderr, proc.returncode)


def check(tool: str, *args: str, timeout: float = 120.0, reason_id: str = "GUEST_PROVISION") -> Result:
    """Run a tool and fail with its own message when it exits non-zero."""
    res = run(tool, *args, timeout=timeout)
    if res.code != 0:
        said = res.message or "no output"
        raise DriverError(f"{tool} {args[0] if args else ''} failed (exit status {res.code}): {said}",
                          reason_id=reason_id)
    return res


def running_vmx_paths(list_output: str) -> list[str]:
    """The .vmx paths in ``vmrun list`` output (``Total running VMs: N`` then one path a line)."""
    lines = [ln.strip() for ln in list_output.splitlines() if ln.strip()]
    if lines and lines[0].startswith("Total running VMs:"):
        lines = lines[1:]
    return lines
