"""Every error a command can end with, as one ``Exiting due to <ID>: <message>`` line and its
exit code: the typer app and the fast path both end here, so an error reads the same whichever
ran the command (``-v 2`` shows a traceback for an internal error, nothing else does).  With
``-o json`` the same error is the ``io.k8s.sigs.minikube.error`` event on stdout instead, carrying
the same reason ID, exit code and advice (``_ui.report`` decides which)."""

from __future__ import annotations

import errno
import sys

from .._errors import MinikubeError
from . import _ui


def interrupted() -> int:
    sys.stderr.write("\n")
    return _ui.report(MinikubeError("interrupted (Ctrl-C)", reason_id="MK_INTERRUPTED",
                                    fix="Run the same command again; `minikube delete` removes a half-made machine."))


def os_error(e: OSError) -> MinikubeError:
    where = f": {e.filename}" if e.filename else ""
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return MinikubeError(f"{e.strerror}{where}", reason_id="HOST_HOME_PERMISSION",
                             fix="Check the ownership and permissions of $MINIKUBE_HOME (default ~/.minikube)")
    if e.errno == errno.ENOSPC:
        return MinikubeError(f"{e.strerror}{where}", reason_id="RSRC_INSUFFICIENT_STORAGE",
                             fix="Free some disk space, then try again")
    return MinikubeError(f"{e.strerror or e}{where}", reason_id="MK_FAILURE")


def as_minikube_error(e: Exception) -> MinikubeError:
    """Any exception as the one-line error it is reported as (an unexpected one is an internal error)."""
    if isinstance(e, MinikubeError):
        return e
    if isinstance(e, OSError):
        return os_error(e)
    import logging

    logging.getLogger("minikube.cli").debug("internal error", exc_info=e)  # -v 2 shows where
    return MinikubeError(f"internal error: {type(e).__name__}: {e}", reason_id="MK_FAILURE",
                         fix="Run again with -v 2 to see where, and report it")


def report_exception(e: BaseException) -> int:
    """The exit code for ``e``, after printing it minikube's way."""
    if isinstance(e, KeyboardInterrupt):
        return interrupted()
    if not isinstance(e, Exception):
        raise e
    return _ui.report(as_minikube_error(e))
