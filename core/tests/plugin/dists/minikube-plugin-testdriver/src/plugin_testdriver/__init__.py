"""Two drivers served as real plugin processes by the plugin tests.

``NoneDriver`` answers like docker-machine's builtin ``none`` driver did in the captures;
``ProbeDriver`` exercises every flag type, error path, slow call and crash.  This module stays
import-free so the plugins start fast: ``pytest-probe`` hands ``serve`` a ``"module:Class"``
(loaded while the first call is answered), ``pytest-none`` a ready driver instance.
"""


def main_none() -> None:
    from minikube.machine.plugin import serve

    from ._drivers import NoneDriver

    serve(NoneDriver(), version="v1.2.3", commit="abc123")


def main_probe() -> None:
    from minikube.machine.plugin import serve

    serve("plugin_testdriver._drivers:ProbeDriver", version="0.4.0")
