"""``docker-machine-driver-hyperkit``: the driver served over libmachine's plugin protocol."""

from __future__ import annotations

from typing import NoReturn

from ._driver import HyperkitDriver
from ._version import PLUGIN_VERSION, __version__


def main() -> NoReturn:
    from minikube.machine.plugin import serve

    serve(HyperkitDriver(), version=f"v{PLUGIN_VERSION}", commit=f"minikube-driver-hyperkit {__version__}")
