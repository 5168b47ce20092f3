"""Run the real ``minikube`` command in tests, and check minikube's one-line error form.

A testing aid for driver authors (minikube's own tests use it too).  End-to-end tests install
the driver into a venv (:class:`minikube.testing.Venv`, or any venv) and drive the real console
script, as a user would::

    from minikube.testing import MinikubeCLI

    def test_start_and_bad_input(venv, tmp_path):
        mk = MinikubeCLI(venv, tmp_path / "mkhome")        # or MinikubeCLI("/path/to/minikube", ...)
        assert mk.drivers()["foo"]["status"] == "ok"
        mk.ok("start", "--driver", "foo")
        assert mk.json("status", "-o", "json")["Host"] == "Running"
        mk.fails(["start", "--driver", "foo", "--foo-disk", "x"], "MK_USAGE", 14)

Each harness runs every command with its own ``MINIKUBE_HOME`` (``home``, which minikube makes
when it needs it) and its own driver-index cache (``XDG_CACHE_HOME``, beside ``home``, never in
it), and with minikube's settings from the environment (``MINIKUBE_DRIVER``, ``MINIKUBE_PROFILE``,
...) cleared, so a developer's shell cannot change a test's outcome.

minikube reports every error as one line ``X Exiting due to <ID>: <message>`` on stderr (then
its suggestion and documentation lines), exits with the reason's code, and never shows a
traceback.  :meth:`MinikubeCLI.fails` and :func:`assert_error_line` check exactly that;
:func:`parse_error_line` reads the line.

Nothing here imports pytest: a failed check is a plain ``AssertionError`` that says what was
wanted and shows the command's output.
"""

from __future__ import annotations

import json as _json
import os
import re
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

#: minikube's settings that the environment can give; cleared for every command (an empty value
#: is no value to minikube).
CLEARED_SETTINGS = ("MINIKUBE_DRIVER", "MINIKUBE_CPUS", "MINIKUBE_MEMORY", "MINIKUBE_DISK_SIZE",
                    "MINIKUBE_ISO_URL", "MINIKUBE_PROFILE", "MINIKUBE_STRICT_PLUGINS")

#: Where the harness points minikube's default boot-image mirrors unless a test names its own: a
#: closed port on loopback, so a test that forgets ``--iso-url`` fails at once with minikube's
#: offline error instead of downloading the real ISO from the internet.
OFFLINE_MIRRORS = "http://127.0.0.1:9/"

ERROR_PREFIX = "X Exiting due to"
_ERROR_LINE = re.compile(r"^X Exiting due to ([A-Z][A-Z0-9_]*): (.*)$")


class _VenvLike(Protocol):
    """What the harness needs of a venv (:class:`minikube.testing.Venv` has it)."""

    @property
    def bin(self) -> Path: ...

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]: ...


@dataclass(frozen=True)
class ErrorLine:
    """minikube's one-line error: ``X Exiting due to <reason>: <message>``; ``str()`` is the line."""

    reason: str
    message: str
    line: str

    def __str__(self) -> str:
        return self.line


def _output(p: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout ---\n{p.stdout or ''}\n--- stderr ---\n{p.stderr or ''}"


def parse_error_line(stderr: str) -> ErrorLine:
    """The one ``X Exiting due to <ID>: <message>`` line of a command's stderr.

    Raises ValueError when there is no such line, more than one, or it is not of that form.
    """
    lines = [ln for ln in stderr.splitlines() if ln.startswith(ERROR_PREFIX)]
    if len(lines) != 1:
        raise ValueError(f"want exactly one '{ERROR_PREFIX} <ID>: <message>' line, found {len(lines)} in:\n{stderr}")
    m = _ERROR_LINE.match(lines[0])
    if m is None:
        raise ValueError(f"not minikube's error form '{ERROR_PREFIX} <ID>: <message>': {lines[0]!r}")
    return ErrorLine(reason=m.group(1), message=m.group(2), line=lines[0])


def assert_error_line(process: subprocess.CompletedProcess[str], reason_id: str, exit_code: int) -> ErrorLine:
    """Assert minikube's error form: exit code ``exit_code``, no traceback, and exactly one line
    ``X Exiting due to <reason_id>: <message>`` on stderr.  Returns that line."""
    __tracebackhide__ = True
    if process.returncode != exit_code:
        raise AssertionError(f"exit code {process.returncode}, want {exit_code} ({reason_id})\n{_output(process)}")
    if "Traceback" in (process.stdout or "") + (process.stderr or ""):
        raise AssertionError(f"a traceback instead of minikube's one-line error\n{_output(process)}")
    try:
        err = parse_error_line(process.stderr or "")
    except ValueError as e:
        raise AssertionError(str(e)) from None
    if err.reason != reason_id:
        raise AssertionError(f"exited due to {err.reason}, want {reason_id}: {err.line}\n{_output(process)}")
    return err


class MinikubeCLI:
    """The real ``minikube`` console script of a venv (or an executable), with its own home.

    ``venv_or_executable``
        A venv with minikube installed (anything with ``bin`` and ``env(extra)``, like
        :class:`minikube.testing.Venv`): its ``bin/minikube`` runs in its environment.  Or the
        path of a ``minikube`` executable, run in this process's environment.
    ``home``
        The ``MINIKUBE_HOME`` of every command.
    ``env``
        More environment for every command (over the defaults; a call's ``env`` goes over it).
    ``clear``
        More variables to clear, beside minikube's settings (your driver's own, say).
    ``health_timeout``
        Seconds minikube gives health checks (``MINIKUBE_HEALTH_TIMEOUT``); default minikube's.
    ``cache``
        The ``XDG_CACHE_HOME`` (driver-index cache); default ``<home>-xdg-cache`` beside ``home``.
    ``timeout``
        Seconds a command may take (a call's ``timeout`` overrides it).

    ``env`` (the attribute) is what the harness sets over the base environment; :meth:`full_env`
    is the whole environment, for running ``minikube`` some other way (a pty, ``Popen``).
    """

    def __init__(self, venv_or_executable: _VenvLike | str | os.PathLike[str], home: str | os.PathLike[str], *,
                 env: Mapping[str, str] | None = None, clear: Iterable[str] = (),
                 health_timeout: float | str | None = None, cache: str | os.PathLike[str] | None = None,
                 timeout: float = 300.0) -> None:
        self.venv: _VenvLike | None
        if isinstance(venv_or_executable, (str, os.PathLike)):
            self.venv = None
            self.executable = Path(venv_or_executable)
        else:
            self.venv = venv_or_executable
            self.executable = Path(venv_or_executable.bin) / "minikube"
        self.home = Path(home)
        self.cache = Path(cache) if cache is not None else self.home.parent / f"{self.home.name}-xdg-cache"
        self.timeout = timeout
        self.env: dict[str, str] = {k: "" for k in (*CLEARED_SETTINGS, *clear)}
        self.env.update({"MINIKUBE_HOME": str(self.home), "XDG_CACHE_HOME": str(self.cache),
                         "MINIKUBE_ISO_MIRRORS": os.environ.get("MINIKUBE_ISO_MIRRORS") or OFFLINE_MIRRORS})
        if health_timeout is not None:
            self.env["MINIKUBE_HEALTH_TIMEOUT"] = str(health_timeout)
        self.env.update(env or {})

    def __repr__(self) -> str:
        return f"MinikubeCLI({str(self.executable)!r}, home={str(self.home)!r})"

    def argv(self, *args: str) -> list[str]:
        """The command line of ``minikube ARGS``."""
        return [str(self.executable), *args]

    def full_env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The environment a command runs with: the venv's (or this process's), this harness's, ``extra``."""
        overlay = {**self.env, **(extra or {})}
        if self.venv is not None:
            return self.venv.env(overlay)
        base = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
        return {**base, **overlay}

    def __call__(self, *args: str, env: Mapping[str, str] | None = None, timeout: float | None = None,
                 input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``minikube ARGS`` to the end; stdin is closed unless ``input`` is given."""
        return subprocess.run(self.argv(*args), capture_output=True, text=True, env=self.full_env(env),
                              timeout=self.timeout if timeout is None else timeout, input=input,
                              stdin=None if input is not None else subprocess.DEVNULL)

    def popen(self, *args: str, env: Mapping[str, str] | None = None, **kw: Any) -> subprocess.Popen[str]:
        """Start ``minikube ARGS`` without waiting (to interrupt it, or race it); ``kw`` go to Popen."""
        kw.setdefault("text", True)
        kw.setdefault("stdin", subprocess.DEVNULL)
        return subprocess.Popen(self.argv(*args), env=self.full_env(env), **kw)

    def ok(self, *args: str, env: Mapping[str, str] | None = None, timeout: float | None = None,
           input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``minikube ARGS``; assert it exits 0 without a traceback."""
        __tracebackhide__ = True
        p = self(*args, env=env, timeout=timeout, input=input)
        if p.returncode != 0:
            raise AssertionError(f"minikube {' '.join(args)} exited {p.returncode}, want 0\n{_output(p)}")
        if "Traceback" in p.stderr:
            raise AssertionError(f"minikube {' '.join(args)} printed a traceback\n{_output(p)}")
        return p

    def json(self, *args: str, env: Mapping[str, str] | None = None, timeout: float | None = None) -> Any:
        """The parsed stdout of ``minikube ARGS`` (with ``-o json``), which must succeed."""
        __tracebackhide__ = True
        return _json.loads(self.ok(*args, env=env, timeout=timeout).stdout)

    def drivers(self, *args: str, env: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
        """``minikube drivers list -o json ARGS`` as rows by driver name."""
        __tracebackhide__ = True
        return {row["name"]: row for row in self.json("drivers", "list", "-o", "json", *args, env=env)}

    def fails(self, args: Sequence[str], reason_id: str, exit_code: int, *, env: Mapping[str, str] | None = None,
              timeout: float | None = None, input: str | None = None) -> subprocess.CompletedProcess[str]:
        """Run ``minikube ARGS``; assert minikube's one-line error with ``reason_id`` and ``exit_code``
        (see :func:`assert_error_line`).  Returns the process: ``parse_error_line(p.stderr)`` is the line."""
        __tracebackhide__ = True
        if isinstance(args, str):
            raise TypeError("fails() takes the arguments as a list: fails(['start', '--driver', 'foo'], ...)")
        p = self(*args, env=env, timeout=timeout, input=input)
        assert_error_line(p, reason_id, exit_code)
        return p
