"""How the CLI talks: progress lines on stderr, errors as minikube prints them."""

from __future__ import annotations

import sys
from typing import NoReturn

from .._errors import MinikubeError

VERBOSE = 0


def out(msg: str = "") -> None:
    print(msg, file=sys.stdout, flush=True)


def info(msg: str) -> None:
    """Progress for people, on stderr so that stdout stays parseable."""
    print(msg, file=sys.stderr, flush=True)


def warn(msg: str) -> None:
    print(f"! {msg}", file=sys.stderr, flush=True)


def report(e: MinikubeError) -> int:
    """``Exiting due to ID: message``, then the fix and the documentation, one line each."""
    message = " ".join(str(e.message).split("\n")).strip()
    print(f"X Exiting due to {e.reason.id}: {message}", file=sys.stderr)
    if e.fix:
        print(f"* Suggestion: {e.fix}", file=sys.stderr)
    if e.doc:
        print(f"* Documentation: {e.doc}", file=sys.stderr)
    sys.stderr.flush()
    return e.exit_code


def fail(e: MinikubeError) -> NoReturn:
    raise SystemExit(report(e))
