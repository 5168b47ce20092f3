"""The console script: plugin-server mode, global flags, the read-only fast path, then typer.

Nothing here imports typer: ``status`` and ``ip`` run without it (``_fast``), every other command
goes to the typer app in ``_main``.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from .._errors import MinikubeError, UsageError


def split_global_flags(args: list[str]) -> tuple[list[str], int, bool]:
    """Take ``-v N``/``--v=N``/``-vN`` and ``--alsologtostderr`` from anywhere before ``--``,
    as minikube's persistent flags, so ``minikube start --alsologtostderr`` works too."""
    rest: list[str] = []
    verbosity, also = 0, False
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            rest.extend(args[i:])
            break
        if a == "--alsologtostderr" or a.startswith("--alsologtostderr="):
            also = a.partition("=")[2].lower() not in ("false", "0", "no")
        elif a in ("-v", "--v") or a.startswith(("--v=", "-v=")) or (a.startswith("-v") and a[2:].isdigit()):
            if a in ("-v", "--v"):
                i += 1
                value = args[i] if i < len(args) else ""
            else:
                value = a.split("=", 1)[1] if "=" in a else a[2:]
            if not value.isdigit():
                raise UsageError(f"invalid value {value!r} for -v: use a whole number (0, 1 or 2)")
            verbosity = int(value)
        else:
            rest.append(a)
        i += 1
    return rest, verbosity, also


def main(argv: list[str] | None = None) -> None:
    """Console-script entry: plugin server mode first, then the CLI with minikube's errors."""
    if os.environ.get("MACHINE_PLUGIN_TOKEN") and os.environ.get("MACHINE_PLUGIN_DRIVER_NAME"):
        from ._serve import serve_builtin

        serve_builtin()  # does not return when launched as a plugin
    from . import _ui

    try:
        args, verbosity, also = split_global_flags(list(sys.argv[1:] if argv is None else argv))
    except MinikubeError as e:
        raise SystemExit(_ui.report(e)) from None
    _ui.setup_logging(verbosity, also)
    from . import _fast

    fast = _fast.parse(args)
    if fast is not None:
        raise SystemExit(run_reported(lambda: _fast.run(*fast)))
    from ._main import run

    raise SystemExit(run(args))


def run_reported(body: Callable[[], object]) -> int:
    """Run a command body outside typer with the same reporting as ``_main.run``."""
    from ._report import report_exception

    try:
        body()
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 0
    except BaseException as e:  # noqa: BLE001 - every error ends as one minikube line
        return report_exception(e)
    return 0
