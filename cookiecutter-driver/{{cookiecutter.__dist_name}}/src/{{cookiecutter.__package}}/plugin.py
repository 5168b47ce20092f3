"""``{{ cookiecutter.__plugin_script }}``: the driver as a libmachine plugin process.

minikube starts it with ``MACHINE_PLUGIN_TOKEN`` set and speaks Go's net/rpc to it; run by hand
it prints libmachine's banner and exits 1, and ``{{ cookiecutter.__plugin_script }} version`` prints its version.
"""

from __future__ import annotations

from minikube.machine.plugin import serve

from . import __version__
from .driver import {{ cookiecutter.__class }}


def main() -> None:
    serve({{ cookiecutter.__class }}(), version=f"v{__version__}")
