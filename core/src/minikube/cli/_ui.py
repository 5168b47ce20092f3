"""How the CLI talks: results on stdout, progress on stderr, errors as minikube prints them.

Spinners and progress bars (rich) appear only when stderr is a terminal and no logs are being
written there; otherwise the CLI prints plain lines, so pipes, CI logs and tests see stable text.

With ``-o json`` (``set_output``) the same calls become minikube's JSON events on stdout instead
(``_events``): ``info("* ...")`` a step event of the current stage, other ``info`` lines info
events, ``warn`` warning events, ``report`` the error event; spinners and bars show nothing and
downloads report ``.download``/``.download.progress`` events.  Commands only say what happens;
this module alone decides how it is shown.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NoReturn

from .._errors import MinikubeError
from . import _events

if TYPE_CHECKING:
    from rich.console import Console

#: Set by :func:`setup_logging`: 0 quiet, 1 info, 2+ debug.
VERBOSITY = 0
LOGGING = False

#: The commands whose ``-o json`` means the event stream (elsewhere it shapes a result).
EVENT_COMMANDS = ("start", "stop", "delete")


def set_output(fmt: str) -> None:
    """``text`` (people) or ``json`` (the event stream); set once per command."""
    _events.set_json(fmt == "json")


def output_from_args(args: list[str]) -> None:
    """Pick the output mode from the raw command line, before click parses it, so that even a
    usage error of ``start -o json`` is an error event (click fails before the command runs)."""
    words = [a for a in args[: args.index("--")] if a] if "--" in args else [a for a in args if a]
    command = next((a for a in words if not a.startswith("-")), None)
    if command not in EVENT_COMMANDS:
        return
    for i, a in enumerate(words):
        value = None
        if a in ("-o", "--output") and i + 1 < len(words):
            value = words[i + 1]
        elif a.startswith("--output="):
            value = a.partition("=")[2]
        elif a.startswith("-o") and not a.startswith("--") and len(a) > 2:
            value = a[2:]
        if value is not None:
            set_output(value)


def events_for(profile: str) -> None:
    """Record this command's steps, downloads, warnings and errors in the profile's events.json."""
    from .. import localpath

    _events.log_to(localpath.profile_dir(profile) / "events.json")


def version_line() -> str:
    """minikube's first words: "minikube v1.2.3 on Linux (x86_64)"."""
    import platform

    from .._version import __version__

    return f"minikube v{__version__} on {platform.system()} ({platform.machine()})"


def out(msg: str = "") -> None:
    """A result, on stdout."""
    print(msg, file=sys.stdout, flush=True)


def info(msg: str) -> None:
    """Progress for people, on stderr so that stdout stays parseable.  A ``* `` line is a step of
    the command (minikube's out.Step), anything else an aside."""
    is_step = msg.startswith("* ")
    if is_step:
        _events.step(msg)  # printed in JSON mode; recorded in events.json either way
    elif _events.JSON:
        _events.info(msg)
    if not _events.JSON:
        print(msg, file=sys.stderr, flush=True)


def warn(msg: str) -> None:
    _events.warning(msg)
    if not _events.JSON:
        print(f"! {msg}", file=sys.stderr, flush=True)


def set_step(name: str) -> None:
    """The stage the command has reached (one of minikube's step names); what is said next
    belongs to it."""
    _events.set_step(name)


def step(name: str, message: str) -> None:
    """Enter a stage and say so: a ``* message`` line, or a step event."""
    set_step(name)
    info(f"* {message}")


def report(e: MinikubeError) -> int:
    """``Exiting due to ID: message``, then the fix and the documentation, one line each; with
    ``-o json`` the error event on stdout instead (message without "Exiting due to")."""
    message = " ".join(str(e.message).split())
    _events.error(message, exit_code=e.exit_code, reason_id=e.reason.id, advice=" ".join(str(e.fix).split()),
                  url=e.doc)
    if _events.JSON:
        return e.exit_code
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
    """Animations only for a person at a terminal, and never over log lines or JSON events."""
    return not _events.JSON and not LOGGING and sys.stderr.isatty() and console().is_terminal and not console().is_dumb_terminal


@contextlib.contextmanager
def spinner(text: str) -> Iterator[None]:
    """A rich spinner while a VM is made, started, stopped or asked for its IP; nothing when piped."""
    if not fancy():
        yield
        return
    with console().status(text, spinner="dots"):
        yield


@contextlib.contextmanager
def download(url: str, artifact: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """One download, as the "Downloading Artifacts" stage: yields ``advance(n_bytes)``.

    A rich bar at a terminal, one line when piped, and with ``-o json`` a ``.download`` event then
    ``.download.progress`` events (at most one a second, whether or not stdout is a terminal)
    ending with progress "1" once the download completes.
    """
    set_step("Downloading Artifacts")
    message = f"Downloading the boot image {url} ..."
    if _events.JSON:
        with _json_progress(artifact, total) as advance:
            info(f"* {message}")
            _events.download(artifact)
            yield advance
        return
    if not fancy():
        info(f"* {message}")
        yield lambda n: None
        return
    _events.step(message)  # recorded in events.json; the bar below says it on screen
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

    columns = (TextColumn("* Downloading {task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console()) as bar:
        task = bar.add_task(artifact, total=total)
        yield lambda n: bar.update(task, advance=n)


@contextlib.contextmanager
def _json_progress(artifact: str, total: int | None) -> Iterator[Callable[[int], None]]:
    done = 0
    last = time.monotonic()

    def advance(n: int) -> None:
        nonlocal done, last
        done += n
        now = time.monotonic()
        if total and now - last >= 1.0 and done < total:
            last = now
            _events.download_progress(artifact, done / total)

    yield advance
    if total is None or done >= total:  # a cut-off download is not "1", even before it is caught
        _events.download_progress(artifact, 1.0)


def waiting_for(name: str) -> Callable[[], None]:
    """What a command says while another minikube command holds a machine's lock."""
    return lambda: info(f'* Waiting for another minikube command working on "{name}" to finish ...')
