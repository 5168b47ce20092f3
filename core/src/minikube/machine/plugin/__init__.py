"""libmachine's external-driver plugin protocol, wire-compatible with Go's docker-machine.

A driver runs in its own process, ``docker-machine-driver-<name>``, and answers Go's net/rpc
(gob encoding, HTTP CONNECT handshake) on loopback.  :class:`PluginDriver` is the client side
(any plugin binary, Go or Python); :func:`serve` turns a Python :class:`~minikube.machine.Driver`
into such a binary.  A driver distribution declares a console script whose module imports
nothing heavy, and names its driver class so it loads while the first call is answered::

    # pyproject.toml: [project.scripts] docker-machine-driver-mydriver = "mydriver._plugin:main"
    # mydriver/_plugin.py (and a light mydriver/__init__.py)
    def main() -> None:
        from minikube.machine.plugin import serve

        serve("mydriver._driver:MyDriver", version="v1.2.3", commit="abc123")

``serve(MyDriver())`` works too; it just starts slower.  A program holding several drivers
(the ``minikube`` binary) calls :func:`serve_builtin_from_env` first thing instead.

A driver that declares ``needs_root`` has its plugin started as root (through ``sudo -n`` when
minikube is not root and the binary is not setuid root); it gives the files it makes back to
:func:`invoking_user`; :func:`sudoers_fix` says how to allow the user that (the narrow
:func:`sudoers_lines`, for a root-owned plugin), and it answers only that user (``_peer``).
"""

from typing import TYPE_CHECKING

from ..._lazy import lazy_package as _lazy_package
from ._peer import invoking_user
from ._proto import API_VERSION, BANNER
from ._server import DriverService, run, serve, serve_builtin_from_env

if TYPE_CHECKING:  # the client half (subprocess, weakref...) loads on first use: a plugin
    from ._client import PluginDriver  # process never needs it, and starts faster without
    from ._process import find_plugin_binary, plugin_version
    from ._sudoers import sudoers_fix, sudoers_line, sudoers_lines

__all__, __getattr__, __dir__ = _lazy_package(
    __name__, {"._client": "PluginDriver", "._process": "find_plugin_binary plugin_version",
               "._sudoers": "sudoers_fix sudoers_line sudoers_lines"},
    eager=("API_VERSION", "BANNER", "DriverService", "invoking_user", "run", "serve", "serve_builtin_from_env"))
