"""How the CLI talks: results on stdout, progress on stderr, errors as minikube prints them.

Spinners and progress bars (rich) appear only when stderr is a terminal and no logs are being
written there; otherwise the CLI prints plain lines, so pipes, CI logs and tests see stable text.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, NoReturn

from .._errors import MinikubeError

if TYPE_CHECKING:
    from rich.console import Console

#: Set by :func:`setup_logging`: 0 quiet, 1 info, 2+ debug.
VERBOSITY = 0
LOGGING = False



def out(msg: str = "") -> None:
    """A result, on stdout."""
    print(msg, file=sys.stdout, flush=True)


def info(msg: str) -> None:
    """Progress for people, on stderr so that stdout stays parseable."""
    print(msg, file=sys.stderr, flush=True)


def warn(msg: str) -> None:
    print(f"! {msg}", file=sys.stderr, flush=True)


def report(e: MinikubeError) -> int:
    """``Exiting due to ID: message``, then the fix and the documentation, one line each."""
    message = " ".join(str(e.message).split())
    print(f"X Exiting due to {e.reason.id}: {message}", file=sys.stderr)
    if e.fix:
        print(f"* Suggestion: {' '.join(str(e.fix).split())}", file=sys.stderr)
    if e.doc:
        print(f"* Documentation: {e.doc}", file=sys.stderr)
    sys.stderr.flush()
    return e.exit_code


def fail(e: MinikubeError) -> NoReturn:
    raise SystemExit(report(e))


# --- logs ------------------------------------------------------------------------------------

def setup_logging(verbosity: int, alsologtostderr: bool) -> None:
    """``-v N``/``--alsologtostderr``: minikube's, the machine layer's and the drivers' logs on stderr."""
    global VERBOSITY, LOGGING
    VERBOSITY = max(verbosity, 1 if alsologtostderr else 0)
    LOGGING = VERBOSITY > 0
    if not LOGGING:
        return  # nothing to set up: logging is not even imported (minikube --help, status)
    import logging

    class _KlogFormatter(logging.Formatter):
        """klog's line shape, as minikube's ``--alsologtostderr`` prints it: ``I1123 20:40:00.123 42 name] msg``."""

        def format(self, record: logging.LogRecord) -> str:
            t = time.localtime(record.created)
            micros = int((record.created % 1) * 1_000_000)
            head = (f"{record.levelname[:1]}{time.strftime('%m%d %H:%M:%S', t)}.{micros:06d} "
                    f"{record.process:>7} {record.name}]")
            text = f"{head} {record.getMessage()}"
            if record.exc_info:
                text += "\n" + self.formatException(record.exc_info)
            return text

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_KlogFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if VERBOSITY > 1 else logging.INFO)
    if VERBOSITY > 1:  # external plugins (libmachine) log debug lines when this is set
        os.environ.setdefault("MACHINE_DEBUG", "1")


# --- terminals -------------------------------------------------------------------------------

_console: Console | None = None


def console() -> Console:
    global _console
    if _console is None:
        from rich.console import Console

        _console = Console(stderr=True, highlight=False)
    return _console


def fancy() -> bool:
    """Animations only for a person at a terminal, and never over log lines."""
    return not LOGGING and sys.stderr.isatty() and console().is_terminal and not console().is_dumb_terminal


@contextlib.contextmanager
def spinner(text: str) -> Iterator[None]:
    """A rich spinner while a VM is made, started, stopped or asked for its IP; nothing when piped."""
    if not fancy():
        yield
        return
    with console().status(text, spinner="dots"):
        yield
