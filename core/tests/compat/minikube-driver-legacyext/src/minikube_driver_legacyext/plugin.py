"""``docker-machine-driver-legacyext``: the driver as a libmachine plugin process.

minikube starts it with ``MACHINE_PLUGIN_TOKEN`` set and speaks Go's net/rpc to it; run by hand
it prints libmachine's banner and exits 1, and ``docker-machine-driver-legacyext version`` prints its version.
"""

from __future__ import annotations

from minikube.machine.plugin import serve

from . import __version__
from .driver import LegacyextDriver


def main() -> None:
    serve(LegacyextDriver(), version=f"v{__version__}")
