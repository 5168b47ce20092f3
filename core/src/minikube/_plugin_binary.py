"""Checks on an external driver's plugin binary before it is started (version, setuid root)."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys

from ._errors import DriverError

_VERSION = re.compile(r"version:\s*v?(\d+(?:\.\d+)*)")


def binary_version(executable: str, timeout: float = 10.0) -> str:
    """``<plugin> version`` -> ``X.Y.Z`` (libmachine plugins print ``version: vX.Y.Z``)."""
    try:
        proc = subprocess.run([executable, "version"], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise DriverError(f"could not run {executable} version: {e}", reason_id="DRV_PLUGIN_FAILED") from None
    m = _VERSION.search(proc.stdout + proc.stderr)
    if not m:
        raise DriverError(f"{executable} version printed no version: {proc.stdout.strip()[:200]!r}",
                          reason_id="DRV_PLUGIN_FAILED")
    return m.group(1)


def check_plugin_binary(name: str, executable: str, min_version: str = "", setuid: bool = False,
                        platform: str | None = None) -> None:
    """Refuse a plugin that is too old, or (on macOS) not setuid root when it must be."""
    if min_version:
        from packaging.version import Version

        have = binary_version(executable)
        if Version(have) < Version(min_version):
            raise DriverError(
                f"The installed version of '{executable}' ({have}) is older than the minimum "
                f"required ({min_version})", reason_id="PR_HYPERKIT_OLD_PLUGIN" if name == "hyperkit" else "DRV_PLUGIN_FAILED",
                fix=f"Upgrade it: pip install -U minikube-driver-{name}")
    if setuid and (platform or sys.platform) == "darwin":
        st = os.stat(executable)
        if st.st_uid != 0 or not st.st_mode & stat.S_ISUID:
            raise DriverError(
                f"{executable} needs to run with elevated permissions. Please run the following command, "
                f"then try again: sudo chown root:wheel {executable} && sudo chmod u+s {executable}",
                reason_id="PR_HYPERKIT_NOT_ROOT" if name == "hyperkit" else "DRV_PLUGIN_FAILED",
                fix=f"sudo chown root:wheel {executable} && sudo chmod u+s {executable}")
