"""The ``minikube`` binary as a plugin server for its builtin drivers, as minikube does."""

from __future__ import annotations

import sys


def serve_builtin(name: str) -> None:
    from .._errors import MinikubeError
    from .._runtime import Runtime
    from ..machine.plugin import serve

    try:
        d = Runtime().load(name).definition
    except MinikubeError as e:
        print(f"Exiting due to {e.reason.id}: {e.message}", file=sys.stderr)
        raise SystemExit(1) from None
    if d.init is None:
        print(f'Driver "{name}" is not builtin: run docker-machine-driver-{name} instead', file=sys.stderr)
        raise SystemExit(1)
    from .._version import __version__

    serve(d.init(), version=f"v{__version__}")
