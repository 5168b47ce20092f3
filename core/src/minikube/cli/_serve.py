"""``minikube`` as a libmachine plugin for its own builtin drivers, as Go minikube's binary is.

When launched with ``MACHINE_PLUGIN_TOKEN`` and ``MACHINE_PLUGIN_DRIVER_NAME`` set, the console
script serves that driver over the plugin protocol (``machine.plugin``) instead of running the CLI.
"""

from __future__ import annotations

from ..machine import Driver


def _load_builtin(name: str) -> Driver:
    from .._errors import MinikubeError
    from ..registry import Registry

    d = Registry().load(name)
    if d.init is None:
        raise MinikubeError(f'driver "{name}" is not builtin: run docker-machine-driver-{name} instead')
    return d.init()


def serve_builtin() -> bool:
    """Serve the named builtin driver and never return, or return False when not launched as a plugin."""
    from ..machine.plugin import serve_builtin_from_env

    return serve_builtin_from_env(_load_builtin)
