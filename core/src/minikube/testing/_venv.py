"""Real virtual environments for tests: real pip installs, real console scripts.

Building every venv from the package index is slow, so a session builds one wheelhouse
(the core and its dependencies, plus hatchling) and each venv installs from it offline::

    wh = Wheelhouse.build(tmp / "wh", core_dir)
    venv = Venv.create(tmp / "venv", wh)
    venv.install("minikube")                          # from the wheelhouse
    venv.install(path_to_driver_project)              # a real pip install of a driver
    venv.minikube("drivers", "list", "-o", "json")   # the real console script
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv as _venv
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _run(argv: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(argv, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, argv))} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    return proc


def _pip_wheel(path: Path, *args: str) -> None:
    """``pip wheel -w path ARGS``; from the shared wheelhouse when there is one.

    ``MINIKUBE_TEST_WHEELHOUSE`` names a directory of wheels made once for a whole test run (this
    repository's noxfile sets it). Third-party wheels are then taken from there, offline: nothing
    is downloaded, nothing (libvirt-python) is compiled again. When it lacks something, the package
    index is asked as well, with a warning that says so.
    """
    argv = [sys.executable, "-m", "pip", "wheel", "-q", "-w", str(path), *args]
    shared = os.environ.get("MINIKUBE_TEST_WHEELHOUSE")
    if not shared:
        _run(argv)
        return
    try:
        _run([*argv, "--no-index", "--find-links", shared])
        return
    except RuntimeError as e:
        warnings.warn(f"the wheelhouse {shared} (MINIKUBE_TEST_WHEELHOUSE) lacks what pip wheel {' '.join(args)} "
                      f"needs, so the package index was asked too: {str(e).strip().splitlines()[-1]}", stacklevel=3)
    _run([*argv, "--find-links", shared])


@dataclass
class Wheelhouse:
    path: Path

    @classmethod
    def build(cls, path: Path, *projects: Path, extra: tuple[str, ...] = ("hatchling",)) -> Wheelhouse:
        """Wheels for ``projects`` and everything they need (see ``_pip_wheel`` for where they come from)."""
        path.mkdir(parents=True, exist_ok=True)
        _pip_wheel(path, *map(str, projects), *extra)
        return cls(path)

    def add(self, *projects: Path) -> None:
        _pip_wheel(self.path, "--no-deps", *map(str, projects))


class Venv:
    """A virtual environment whose console scripts are run as real processes."""

    def __init__(self, path: Path, wheelhouse: Wheelhouse | None = None) -> None:
        self.path = Path(path)
        self.wheelhouse = wheelhouse

    @classmethod
    def create(cls, path: Path, wheelhouse: Wheelhouse | None = None) -> Venv:
        _venv.EnvBuilder(with_pip=True, clear=True).create(path)
        v = cls(path, wheelhouse)
        if wheelhouse is not None:
            v.pip("install", "hatchling")
        return v

    @property
    def bin(self) -> Path:
        return self.path / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> Path:
        return self.bin / "python"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["VIRTUAL_ENV"] = str(self.path)
        env.update(extra or {})
        return env

    def pip(self, *args: str) -> subprocess.CompletedProcess[str]:
        offline = ["--no-index", "--find-links", str(self.wheelhouse.path)] if self.wheelhouse else []
        cmd = args[0]
        extra = offline if cmd in ("install", "download", "wheel") else []
        if cmd == "install" and self.wheelhouse is not None:
            extra = [*extra, "--no-build-isolation"]
        return _run([str(self.python), "-m", "pip", cmd, "-q", "--disable-pip-version-check",
                     *extra, *args[1:]], env=self.env())

    def install(self, *reqs: str | Path, editable: bool = False, no_deps: bool = False) -> None:
        args = ["install"]
        if no_deps:
            args.append("--no-deps")
        for r in reqs:
            args += ["-e", str(r)] if editable else [str(r)]
        self.pip(*args)

    def uninstall(self, *names: str) -> None:
        _run([str(self.python), "-m", "pip", "uninstall", "-y", "-q", *names], env=self.env())

    def run(self, *argv: str, env: dict[str, str] | None = None, timeout: float = 300,
            input: str | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
        exe = self.bin / argv[0]
        cmd = [str(exe) if exe.exists() else argv[0], *argv[1:]]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env(env), timeout=timeout,
                              input=input, stdin=None if input is not None else subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    def minikube(self, *args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
        return self.run("minikube", *args, **kw)
