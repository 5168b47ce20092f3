"""The host store: ``$MINIKUBE_HOME/machines/<name>/config.json``, as libmachine lays it out."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import localpath
from .._errors import ConfigError, ConfigVersionError, LockedError, MachineNotFoundError, UsageError
from .._files import ensure_dir, make_private, write_atomic

CONFIG_VERSION = 3


@dataclass
class Host:
    """One machine as saved: its name, driver name and the driver's own raw JSON."""

    name: str
    driver_name: str
    driver_raw: bytes = b"{}"
    host_options: dict[str, Any] = field(default_factory=dict)
    config_version: int = CONFIG_VERSION

    def to_json(self) -> str:
        try:
            driver = json.loads(self.driver_raw or b"{}")
        except ValueError as e:
            raise ConfigError(f"driver {self.driver_name!r} produced invalid JSON: {e}") from None
        doc = {"ConfigVersion": self.config_version, "Driver": driver,
               "DriverName": self.driver_name, "HostOptions": self.host_options, "Name": self.name}
        return json.dumps(doc, indent=4) + "\n"


def default_host_options(machine_dir: Path) -> dict[str, Any]:
    return {"Driver": "", "Memory": 0, "Disk": 0,
            "EngineOptions": None, "SwarmOptions": None,
            "AuthOptions": {"StorePath": str(machine_dir), "CertDir": str(machine_dir.parent.parent / "certs")}}


class HostStore:
    """Reads and writes host configs atomically, under a per-machine lock."""

    def __init__(self, home: Path | None = None) -> None:
        self.home = home or localpath.minikube_home()

    @property
    def machines_dir(self) -> Path:
        return self.home / "machines"

    def machine_dir(self, name: str) -> Path:
        return self.machines_dir / localpath.validate_name(name, "machine")

    def config_path(self, name: str) -> Path:
        return self.machine_dir(name) / "config.json"

    def exists(self, name: str) -> bool:
        return self.config_path(name).is_file()

    def list(self) -> list[str]:
        if not self.machines_dir.is_dir():
            return []
        return sorted(p.name for p in self.machines_dir.iterdir()
                      if (p / "config.json").is_file() and localpath.NAME_RE.match(p.name))

    def load(self, name: str) -> Host:
        path = self.config_path(name)
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise MachineNotFoundError(f'machine "{name}" does not exist',
                                       fix=f"Create it with: minikube start -p {name}") from None
        recover = f"Delete it with 'minikube delete -p {name}' and start again"
        try:
            doc = json.loads(text)
            if not isinstance(doc, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            raise ConfigError(f"{path} is corrupt: {e}", fix=recover) from None
        version = doc.get("ConfigVersion", 0)
        if not isinstance(version, int) or isinstance(version, bool):
            raise ConfigError(f"{path} is corrupt: \"ConfigVersion\" is {json.dumps(version)}, not a number",
                              fix=recover)
        if version > CONFIG_VERSION:
            raise ConfigVersionError(
                f"{path} has ConfigVersion {version}, newer than this minikube understands ({CONFIG_VERSION})")
        driver_name = doc.get("DriverName")
        if not isinstance(driver_name, str) or not driver_name:
            raise ConfigError(f"{path} is corrupt: no DriverName", fix=recover)
        for key, kind, what in (("Driver", dict, "an object"), ("HostOptions", dict, "an object"),
                                ("Name", str, "a string")):
            if doc.get(key) is not None and not isinstance(doc[key], kind):
                raise ConfigError(f"{path} is corrupt: \"{key}\" is {json.dumps(doc[key])}, not {what}", fix=recover)
        return Host(name=doc.get("Name") or name, driver_name=driver_name,
                    driver_raw=json.dumps(doc.get("Driver") or {}).encode(),
                    host_options=doc.get("HostOptions") or {}, config_version=CONFIG_VERSION)

    def save(self, host: Host) -> None:
        mdir = self.machine_dir(host.name)  # validates the name before anything is created
        ensure_dir(self.machines_dir)
        ensure_dir(mdir)
        os.chmod(mdir, 0o700)
        write_atomic(self.config_path(host.name), host.to_json(), mode=0o600)

    def remove(self, name: str) -> None:
        import shutil

        shutil.rmtree(self.machine_dir(name), ignore_errors=True)

    def lock_path(self, name: str) -> Path:
        return self.home / "locks" / f"{localpath.validate_name(name, 'machine')}.lock"

    @contextmanager
    def lock(self, name: str, timeout: float | None = None,
             on_wait: Callable[[], None] | None = None) -> Iterator[None]:
        """Serialise work on one machine across processes (filelock).  ``on_wait`` is called once
        if another command holds the lock, before waiting for it (to say so).

        A machine that does not exist when the work is done (deleted, or never made) leaves no
        lock file behind: it is unlinked while still held, as the last step.  A waiter that got
        the unlinked file's lock sees that and takes the lock again on the new file."""
        from filelock import FileLock, Timeout

        if timeout is None:
            timeout = lock_timeout()
        path = self.lock_path(name)
        ensure_dir(path.parent)
        lock = FileLock(str(path), mode=0o600)
        deadline = time.monotonic() + timeout
        try:
            try:
                lock.acquire(timeout=0 if on_wait is not None else timeout)
            except Timeout:
                if on_wait is None:
                    raise
                on_wait()
                lock.acquire(timeout=timeout)
            while not _holds_current_file(lock, path):
                lock.release()
                lock.acquire(timeout=max(0.0, deadline - time.monotonic()))
        except Timeout:
            raise LockedError(f'another minikube command is working on "{name}" '
                              f"(waited {timeout:g}s for {lock.lock_file})") from None
        make_private(path)
        try:
            yield
        finally:
            try:
                if not self.machine_dir(name).exists():
                    path.unlink(missing_ok=True)
            finally:
                lock.release()


def lock_timeout() -> float:
    """``MINIKUBE_LOCK_TIMEOUT``: seconds to wait for another command on the same machine (600)."""
    raw = os.environ.get("MINIKUBE_LOCK_TIMEOUT", "") or "600"
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):
        raise UsageError(f"invalid value {raw!r} for MINIKUBE_LOCK_TIMEOUT: use a number of seconds",
                         fix="Set MINIKUBE_LOCK_TIMEOUT to a number such as 600, or unset it")
    return seconds


def _holds_current_file(lock: Any, path: Path) -> bool:
    """Whether the held lock is on the file now at ``path``, not on one unlinked by a command that
    deleted the machine meanwhile (newer filelocks check this themselves; older ones do not)."""
    fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    if not isinstance(fd, int):
        return True  # this filelock keeps no descriptor we can see: trust it
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False
