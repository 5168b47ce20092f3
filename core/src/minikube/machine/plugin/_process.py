"""Finding, starting, watching and reaping a plugin process (libmachine's ``localbinary``)."""

from __future__ import annotations

import collections
import logging
import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from ..._errors import PluginError
from ._proto import ENV_DRIVER_NAME, ENV_TOKEN, TOKEN

log = logging.getLogger("minikube.plugin")
_VERSION_LINE = re.compile(r"^version:\s*v?(\S+)", re.MULTILINE)


def binary_name(driver_name: str) -> str:
    return f"docker-machine-driver-{driver_name}"


def find_plugin_binary(name: str) -> str:
    """``docker-machine-driver-<name>`` on PATH, else beside the running interpreter.

    The second place finds plugins pip installed into a venv that is not activated.
    """
    exe = binary_name(name)
    found = shutil.which(exe)
    if found:
        return found
    local = Path(sys.executable).parent / exe
    if local.is_file() and os.access(local, os.X_OK):
        return str(local)
    raise PluginError(f'Driver "{name}" not found. Do you have the plugin binary "{exe}" '
                      "accessible in your PATH?", reason_id="DRV_PLUGIN_NOT_FOUND")


def plugin_version(executable: str, timeout: float = 10.0) -> str:
    """The version a plugin binary reports for ``<binary> version`` (``X.Y.Z``, without the v)."""
    env = {k: v for k, v in os.environ.items() if k != ENV_TOKEN}
    try:
        proc = subprocess.run([executable, "version"], capture_output=True, text=True, env=env,
                              timeout=timeout, stdin=subprocess.DEVNULL, errors="replace")
    except subprocess.TimeoutExpired:
        raise PluginError(f"{executable} version did not answer in {timeout:g}s") from None
    except OSError as e:
        raise PluginError(f"cannot run {executable} version: {e}") from None
    m = _VERSION_LINE.search(proc.stdout)
    if m is None:
        said = (proc.stdout.strip() or proc.stderr.strip())[:200]
        raise PluginError(f"{executable} version printed no 'version: vX.Y.Z' line "
                          f"(exit code {proc.returncode}): {said!r}")
    return m.group(1)


class PluginProcess:
    """A started plugin: its address line, its log lines, and a guaranteed end."""

    def __init__(self, executable: str, driver_name: str, machine_name: str = "") -> None:
        self.executable = executable
        self.driver_name = driver_name
        self.machine_name = machine_name
        self._address: queue.Queue[str | None] = queue.Queue()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        env = dict(os.environ)
        env[ENV_TOKEN] = TOKEN
        env[ENV_DRIVER_NAME] = driver_name
        try:
            self.popen = subprocess.Popen(
                [executable], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=env, close_fds=True,
                start_new_session=True)  # our Ctrl-C is ours to handle: we reap the plugin
        except OSError as e:
            raise PluginError(f"cannot start plugin {executable}: {e}") from None
        assert self.popen.stdout is not None and self.popen.stderr is not None
        self._threads = [
            threading.Thread(target=self._read_stdout, args=(self.popen.stdout,), daemon=True,
                             name=f"plugin-{driver_name}-stdout"),
            threading.Thread(target=self._read_stderr, args=(self.popen.stderr,), daemon=True,
                             name=f"plugin-{driver_name}-stderr"),
        ]
        for t in self._threads:
            t.start()

    @property
    def pid(self) -> int:
        return self.popen.pid

    def _read_stdout(self, stream: IO[bytes]) -> None:
        first = True
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if first:
                first = False
                self._address.put(line)
            else:
                log.info("(%s) %s", self.machine_name, line)
        if first:
            self._address.put(None)
        stream.close()

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in stream:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            self._stderr_tail.append(line)
            log.debug("(%s) DBG | %s", self.machine_name, line)
        stream.close()

    def stderr_tail(self, lines: int = 5) -> str:
        tail = [x for x in list(self._stderr_tail)[-lines:] if x.strip()]
        return " | ".join(tail)

    def status(self, wait: float = 0.0) -> str:
        """``exit code N; stderr: ...`` (or ``still running``), for error messages."""
        try:
            code: int | None = self.popen.wait(wait) if wait else self.popen.poll()
        except subprocess.TimeoutExpired:
            code = None
        if code is not None:
            for t in self._threads:  # let the readers drain what the plugin last said
                t.join(1.0)
        said = self.stderr_tail()
        state = "still running" if code is None else f"exit code {code}"
        return f"{state}; stderr: {said}" if said else state

    def wait_address(self, timeout: float) -> str:
        """The first stdout line, within ``timeout``; PluginError says what went wrong."""
        exe = binary_name(self.driver_name)
        try:
            line = self._address.get(timeout=timeout)
        except queue.Empty:
            raise PluginError(f"Failed to dial the plugin server in {timeout:g}s "
                              f"({exe}: {self.status()})") from None
        if line is None:
            raise PluginError(f"Plugin {exe} exited before printing its address "
                              f"({self.status(wait=2.0)})")
        return line

    def reap(self, grace: float = 5.0) -> int:
        """Wait up to ``grace`` for the plugin to exit, then terminate, then kill."""
        p = self.popen
        try:
            try:
                code = p.wait(grace) if grace > 0 else p.poll()
                if code is None:
                    raise subprocess.TimeoutExpired(p.args, grace)
            except subprocess.TimeoutExpired:
                p.terminate()
                try:
                    code = p.wait(2.0)
                except subprocess.TimeoutExpired:
                    p.kill()
                    code = p.wait()
        finally:
            if p.returncode is None:  # interrupted while waiting: never leave it behind
                p.kill()
                p.wait()
            for t in self._threads:
                t.join(2.0)
        return code

    def kill(self) -> None:
        """Stop it now (Ctrl-C, failed launch, interpreter exit)."""
        if self.popen.returncode is None:
            try:
                self.popen.kill()
            except OSError:
                pass
        self.reap(grace=0)
