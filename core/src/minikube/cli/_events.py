"""minikube's event stream: ``-o json`` turns a command's progress into CloudEvents 1.0, one JSON
object per stdout line, so IDEs and scripts can follow a start without scraping text.

Every event has ``specversion`` "1.0", a fresh UUID ``id``, minikube's ``source``, a ``type`` under
``io.k8s.sigs.minikube.`` (step, download, download.progress, info, warning, error) and ``data``
whose values are all strings, as minikube's consumers expect.  Steps are numbered by their place in
the list their command's first step belongs to (start's 20 stages, stop's 3, delete's 4), so a
consumer can draw a progress bar from ``currentstep``/``totalsteps`` alone; a step that is not in
that list has ``currentstep`` "".

Steps, downloads, warnings and errors are also recorded (whatever the output mode) in the
profile's ``events.json`` when a command asks for it, so a later ``status`` or ``profile list``
can tell how the last start or stop went.  Events are held back until the profile directory
exists: a failed first start must not leave a directory behind that looks like a profile.

One command runs per process, so the state here is module-level.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from pathlib import Path
from typing import IO, Any

from .._files import open_private

SOURCE = "https://minikube.sigs.k8s.io/"
PREFIX = "io.k8s.sigs.minikube."

#: minikube's start steps, and one of ours: "Waiting for SSH" (minikube waits inside "Creating VM";
#: here a consumer sees the wait for a new or restarted machine to answer as its own step).
START_STEPS = (
    "Initial Minikube Setup", "Selecting Driver", "Downloading Artifacts", "Starting Node", "Updating Driver",
    "Pulling Base Image", "Running on Localhost", "Local OS Release", "Creating Container", "Creating VM",
    "Waiting for SSH", "Running Remotely", "Preparing Kubernetes", "Generating certificates", "Booting control plane",
    "Configuring RBAC rules", "Configuring CNI", "Configuring Localhost Environment", "Verifying Kubernetes",
    "Enabling Addons", "Done",
)
STOP_STEPS = ("Stopping", "PowerOff", "Done")
DELETE_STEPS = ("Deleting", "Stopping", "Done", "Puring home dir")  # minikube's spelling
#: The step lists, by the first step a command sets (as minikube's register picks them).
STEP_LISTS = {"Initial Minikube Setup": START_STEPS, "Stopping": STOP_STEPS, "Deleting": DELETE_STEPS}

#: The event types the profile's events.json records (progress and info are too chatty to keep).
RECORDED = frozenset({"step", "download", "warning", "error"})

#: True when the command was given ``-o json``: events go to stdout instead of text to stderr.
JSON = False
#: Where events go: the real stdout, kept aside while sys.stdout points at stderr in JSON mode.
_stream: IO[str] | None = None
_first: str | None = None
_current = ""
_log_path: Path | None = None
_log_started = False
_pending: list[str] = []


def reset() -> None:
    """Forget everything (tests run several commands in one process)."""
    global _first, _current, _log_path, _log_started
    set_json(False)
    _first, _current, _log_path, _log_started = None, "", None, False
    _pending.clear()


def set_json(on: bool) -> None:
    """In JSON mode stdout carries events only: anything else printed there (a driver's stray
    print, a library's) is sent to stderr instead of breaking a consumer's parser."""
    global JSON, _stream
    if on and not JSON:
        _stream, sys.stdout = sys.stdout, sys.stderr
    elif not on and JSON and _stream is not None:
        sys.stdout, _stream = _stream, None
    JSON = on


def set_step(name: str) -> None:
    """The stage the command is at; the first one chosen fixes the numbering."""
    global _first, _current
    if _first is None:
        _first = name
    _current = name


def current_step() -> str:
    return _current


def _numbers() -> dict[str, str]:
    steps = STEP_LISTS.get(_first or "", ())
    index = str(steps.index(_current)) if _current in steps else ""
    return {"currentstep": index, "totalsteps": str(len(steps) - 1) if steps else ""}


def clean(message: str) -> str:
    """minikube's event text: no leading marker ("* ", "! ", "X "), no surrounding space."""
    text = message.strip()
    if len(text) > 1 and text[0] in "*!X" and text[1] == " ":
        text = text[2:].strip()
    return text


def cloud_event(kind: str, data: dict[str, str]) -> dict[str, Any]:
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "source": SOURCE, "type": PREFIX + kind,
            "datacontenttype": "application/json", "data": {k: str(v) for k, v in data.items()}}


def emit(kind: str, data: dict[str, str]) -> None:
    """Print the event in JSON mode, and record it when its kind is kept."""
    line = json.dumps(cloud_event(kind, data))
    if JSON and _stream is not None:
        _stream.write(line + "\n")
        _stream.flush()
    if kind in RECORDED:
        _record(line)


# --- the kinds --------------------------------------------------------------------------------

def step(message: str) -> None:
    emit("step", {**_numbers(), "name": _current, "message": clean(message)})


def info(message: str) -> None:
    emit("info", {"message": clean(message)})


def warning(message: str) -> None:
    emit("warning", {"message": clean(message)})


def download(artifact: str) -> None:
    emit("download", {**_numbers(), "artifact": artifact})


def download_progress(artifact: str, fraction: float) -> None:
    emit("download.progress", {**_numbers(), "artifact": artifact, "progress": progress_text(fraction)})


def progress_text(fraction: float) -> str:
    """"0" to "1", four decimals at most, no trailing zeros: "0", "0.5", "1"."""
    text = f"{min(max(fraction, 0.0), 1.0):.4f}".rstrip("0").rstrip(".")
    return text or "0"


def error(message: str, *, exit_code: int, reason_id: str, advice: str = "", url: str = "",
          issues: tuple[str, ...] = ()) -> None:
    emit("error", {"message": clean(message), "exitcode": str(exit_code), "name": reason_id, "advice": advice,
                   "url": url, "issues": ",".join(issues)})


# --- the profile's events.json ----------------------------------------------------------------

def log_to(path: Path) -> None:
    """Record this command's events in ``path`` (replaced, not appended to: one command's story)."""
    global _log_path, _log_started
    _log_path, _log_started = path, False


def _record(line: str) -> None:
    global _log_started
    _pending.append(line)
    if _log_path is None or not _log_path.parent.is_dir():
        return
    try:
        flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if _log_started else os.O_TRUNC)
        with open(open_private(_log_path, flags), "w", encoding="utf-8") as f:
            f.write("".join(x + "\n" for x in _pending))
    except OSError:
        return  # the log is a convenience; the command's own outcome matters more
    _log_started = True
    _pending.clear()
