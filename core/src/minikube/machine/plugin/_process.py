"""Finding, starting, watching and reaping a plugin process (libmachine's ``localbinary``).

A plugin whose driver declares ``needs_root`` runs as root: directly when minikube is root or
the binary is a setuid-root executable (not a script: the kernel ignores the bit on those), else
through ``sudo -n``, which must be allowed without a password (``_sudoers`` gives the entry).  sudo
resets the environment, so only the plugin's own variables are passed (``--preserve-env``), and
it relays SIGTERM, not SIGKILL: a plugin behind sudo is stopped with SIGTERM first.
"""

from __future__ import annotations

import collections
import logging
import os
import queue
import re
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from ..._errors import PluginError
from ._proto import ENV_DRIVER_NAME, ENV_TOKEN, TOKEN
from ._sudoers import SUDO_ENV
from ._sudoers import sudoers_line as sudoers_line  # its old home: kept importable

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


class SudoRefused(PluginError):
    """sudo did not start a plugin that must run as root (``missing``: there is no sudo)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


def _setuid_root_executable(executable: str) -> bool:
    try:
        st = os.stat(executable)
    except OSError:
        return False
    if st.st_uid != 0 or not st.st_mode & stat.S_ISUID:
        return False
    try:
        with open(executable, "rb") as f:
            return f.read(2) != b"#!"
    except OSError:  # execute-only: not a script (the interpreter could not read it either)
        return True


def elevation(executable: str) -> str:
    """How a plugin that needs root gets it: ``"root"`` (minikube is root), ``"setuid"`` (a
    setuid-root binary), or ``"sudo"``."""
    if os.geteuid() == 0:
        return "root"
    return "setuid" if _setuid_root_executable(executable) else "sudo"


def plugin_argv(executable: str, as_root: bool = False) -> list[str]:
    """The command line that starts the plugin: itself, or through ``sudo -n`` (see :func:`elevation`)."""
    if not as_root or elevation(executable) != "sudo":
        return [executable]
    sudo = shutil.which("sudo")
    if sudo is None:
        raise SudoRefused(f"{executable} must run as root, and sudo is not installed", missing=True)
    return [sudo, "-n", f"--preserve-env={','.join(SUDO_ENV)}", "--", os.path.abspath(executable)]


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

    def __init__(self, executable: str, driver_name: str, machine_name: str = "", *,
                 as_root: bool = False) -> None:
        self.executable = executable
        self.driver_name = driver_name
        self.machine_name = machine_name
        argv = plugin_argv(executable, as_root)
        self.via_sudo = argv[0] != executable
        self._address: queue.Queue[str | None] = queue.Queue()
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        env = dict(os.environ)
        env[ENV_TOKEN] = TOKEN
        env[ENV_DRIVER_NAME] = driver_name
        try:
            self.popen = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
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
            state = self.status(wait=2.0)
            said = [x for x in self._stderr_tail if x.startswith("sudo: ")]
            if self.via_sudo and said:  # sudo's own refusal (a password is required, ...)
                raise SudoRefused(f"{self.executable} must run as root, and sudo -n refused to start it "
                                  f"({said[-1]})")
            raise PluginError(f"Plugin {exe} exited before printing its address ({state})")
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
                    code = p.wait(5.0 if self.via_sudo else 2.0)
                except subprocess.TimeoutExpired:
                    p.kill()
                    code = p.wait()
        finally:
            if p.returncode is None:  # interrupted while waiting: never leave it behind
                self._stop_now()
            for t in self._threads:
                t.join(2.0)
        return code

    def _stop_now(self) -> None:
        """SIGKILL; behind sudo, SIGTERM first: sudo relays it to the root plugin, and a SIGKILL
        of sudo would orphan it (it then exits only when it misses the client)."""
        p = self.popen
        if self.via_sudo:
            try:
                p.terminate()
                p.wait(5.0)
                return
            except subprocess.TimeoutExpired:
                pass
            except OSError:
                return
        try:
            p.kill()
        except OSError:
            pass
        p.wait()

    def kill(self) -> None:
        """Stop it now (Ctrl-C, failed launch, interpreter exit)."""
        if self.popen.returncode is None:
            self._stop_now()
        self.reap(grace=0)
