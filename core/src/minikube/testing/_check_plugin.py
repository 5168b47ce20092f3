"""The check of an external driver's plugin binary, as minikube launches it.

Only external drivers (``init=None``) have one; it runs the real executable, so it is kept apart
from the in-process checks.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

from ._check_base import _contract, _fail
from ._contracts import PLUGIN_BINARY


def check_plugin_binary(name: str, executable: str | os.PathLike[str], timeout: float = 30.0) -> None:
    """Refuses to run without minikube's token, answers ``version``, and serves the right driver."""
    __tracebackhide__ = True
    from ..machine.plugin import PluginDriver
    from ..machine.plugin._proto import BANNER, ENV_DRIVER_NAME, ENV_TOKEN

    exe = str(executable)
    if not Path(exe).is_file() or not os.access(exe, os.X_OK):
        raise _fail(PLUGIN_BINARY, f"{exe} is not an executable file")
    env = {k: v for k, v in os.environ.items() if k not in (ENV_TOKEN, ENV_DRIVER_NAME)}
    try:
        bare = subprocess.run([exe], capture_output=True, text=True, env=env, timeout=timeout,
                              stdin=subprocess.DEVNULL)
        version = subprocess.run([exe, "version"], capture_output=True, text=True, env=env,
                                 timeout=timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise _fail(PLUGIN_BINARY, f"{exe} did not exit within {timeout:g}s when run {e.cmd!r} "
                                   "without the plugin token") from None
    if bare.returncode != 1 or BANNER not in bare.stderr:
        raise _fail(PLUGIN_BINARY, f"{exe} run without MACHINE_PLUGIN_TOKEN exited {bare.returncode} with "
                                   f"stderr {bare.stderr.strip()[-300:]!r}; want exit 1 and libmachine's "
                                   "banner (serve it with minikube.machine.plugin.serve)")
    if version.returncode != 0 or not re.search(r"^version: v?\d+(\.\d+)*", version.stdout, re.M):
        raise _fail(PLUGIN_BINARY, f"`{exe} version` exited {version.returncode} printing "
                                   f"{version.stdout.strip()[:200]!r}; want 'version: vX.Y.Z'")
    with _contract(PLUGIN_BINARY, f"launching {exe} as a plugin"):
        driver = PluginDriver.launch(name, executable=exe)
    try:
        with _contract(PLUGIN_BINARY, "DriverName over the plugin protocol"):
            served = driver.driver_name()
    finally:
        driver.close()
    if served != name:
        raise _fail(PLUGIN_BINARY, f'{exe} serves the driver "{served}", want "{name}"')
