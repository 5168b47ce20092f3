"""Checks on an external driver's plugin binary before it is started (version, setuid root)."""

from __future__ import annotations

import os
import stat
import sys

from ._errors import DriverError


def check_plugin_binary(name: str, executable: str, min_version: str = "", setuid: bool = False,
                        platform: str | None = None) -> None:
    """Refuse a plugin that is too old, or (on macOS) not setuid root when it must be."""
    if min_version:
        from packaging.version import Version

        from .machine.plugin import plugin_version

        have = plugin_version(executable)
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
