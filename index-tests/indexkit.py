"""Helpers for the index session: find, bake and build distributions, serve them, install by name.

Plain functions and small classes; the fixtures that wire them together are in conftest.py.
Everything is real: ``python -m build`` in isolated build environments, ``twine check``, a
pypiserver process on 127.0.0.1, ``python -m venv`` and pip talking HTTP to that server only.
"""

from __future__ import annotations

import ast
import email.parser
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import sysconfig
import tarfile
import time
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Any

from minikube.testing import MinikubeCLI
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name, parse_sdist_filename, parse_wheel_filename

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the core supports 3.10, where tomli is its dependency
    import tomli as tomllib

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "cookiecutter-driver"
DRIVER_GROUP = "minikube.drivers"
DRIVER_TOML = "minikube-driver.toml"


# --- what there is to build ---------------------------------------------------------------------

@dataclass(frozen=True)
class Project:
    """A buildable distribution: its folder, its name, and where it comes from."""

    path: Path
    name: str
    origin: str  # "repo", "template" or "test" (made by this session)
    sdist: bool = True  # repo and template projects: sdist, then the wheel built from it

    @property
    def pyproject(self) -> dict[str, Any]:
        return tomllib.loads((self.path / "pyproject.toml").read_text())

    @property
    def driver_entry_points(self) -> dict[str, str]:
        return dict(self.pyproject.get("project", {}).get("entry-points", {}).get(DRIVER_GROUP, {}))

    @property
    def is_driver(self) -> bool:
        return bool(self.driver_entry_points)


def _project_name(folder: Path) -> str | None:
    try:
        data = tomllib.loads((folder / "pyproject.toml").read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return None
    name = data.get("project", {}).get("name")
    return str(name) if name else None


def repo_projects() -> list[Project]:
    """Every top-level folder with a pyproject.toml that names a project (as the noxfile finds them)."""
    found = []
    for pyproject in sorted(REPO.glob("*/pyproject.toml")):
        name = _project_name(pyproject.parent)
        if name:
            found.append(Project(pyproject.parent, name, "repo"))
    return found


def bake_template(out: Path) -> Project | None:
    """The cookiecutter template baked with its defaults, or None while the template is not in the repo."""
    if not (TEMPLATE / "cookiecutter.json").is_file():
        return None
    from cookiecutter.main import cookiecutter

    baked = Path(cookiecutter(str(TEMPLATE), no_input=True, output_dir=str(out)))
    name = _project_name(baked)
    if name is None:
        raise AssertionError(f"the baked template {baked} has no pyproject.toml with a project name")
    return Project(baked, name, "template")


# --- distributions this session makes --------------------------------------------------------

_PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.18"]
build-backend = "hatchling.build"

[project]
name = "{dist}"
version = "{version}"
description = "{description}"
requires-python = ">=3.10"
license = "Apache-2.0"
# Deliberately loose: pip cannot know the driver API, so the core's own check is what protects users.
dependencies = ["minikube"]

[project.entry-points."minikube.drivers"]
{name} = "{entry_point}"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]
"""


def make_driver_project(root: Path, name: str, version: str, *, description: str, init: str,
                        toml: str | None, entry_point: str | None = None) -> Project:
    """A small real driver distribution ``minikube-driver-<name>`` written to ``root``."""
    dist = f"minikube-driver-{name}"
    package = f"minikube_driver_{name}"
    folder = root / f"{dist}-{version}"
    pkg = folder / "src" / package
    pkg.mkdir(parents=True)
    (folder / "pyproject.toml").write_text(_PYPROJECT.format(
        dist=dist, version=version, description=description, name=name, package=package,
        entry_point=entry_point or f"{package}:DRIVER"))
    (pkg / "__init__.py").write_text(init)
    if toml is not None:
        (pkg / DRIVER_TOML).write_text(toml)
    return Project(folder, dist, "test", sdist=False)


# --- building -------------------------------------------------------------------------------

@dataclass
class Built:
    """What ``python -m build`` made of one project (or why it could not)."""

    project: Project
    wheel: Path | None = None
    sdist: Path | None = None
    log: str = ""
    error: str = ""

    @property
    def files(self) -> list[Path]:
        return [p for p in (self.sdist, self.wheel) if p is not None]

    def wheel_metadata(self) -> Message:
        assert self.wheel is not None, self.error
        with zipfile.ZipFile(self.wheel) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            return email.parser.Parser().parsestr(zf.read(name).decode())

    def sdist_metadata(self) -> Message:
        assert self.sdist is not None, self.error
        with tarfile.open(self.sdist) as tf:
            member = next(m for m in tf.getmembers() if m.name.count("/") == 1 and m.name.endswith("/PKG-INFO"))
            data = tf.extractfile(member)
            assert data is not None
            return email.parser.Parser().parsestr(data.read().decode())

    def wheel_names(self) -> list[str]:
        assert self.wheel is not None, self.error
        with zipfile.ZipFile(self.wheel) as zf:
            return zf.namelist()

    def wheel_text(self, suffix: str) -> str | None:
        assert self.wheel is not None, self.error
        with zipfile.ZipFile(self.wheel) as zf:
            for n in zf.namelist():
                if n.endswith(suffix):
                    return zf.read(n).decode()
        return None

    def sdist_names(self) -> list[str]:
        assert self.sdist is not None, self.error
        with tarfile.open(self.sdist) as tf:
            return [m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name]


def build_one(project: Project, outdir: Path) -> Built:
    outdir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "build", "--outdir", str(outdir)]
    if not project.sdist:
        cmd.append("--wheel")
    proc = subprocess.run([*cmd, str(project.path)], capture_output=True, text=True, timeout=900)
    built = Built(project, log=proc.stdout + proc.stderr)
    if proc.returncode != 0:
        built.error = f"{' '.join(cmd)} {project.path} failed ({proc.returncode}):\n{built.log[-4000:]}"
        return built
    built.wheel = next(iter(sorted(outdir.glob("*.whl"))), None)
    built.sdist = next(iter(sorted(outdir.glob("*.tar.gz"))), None) if project.sdist else None
    if built.wheel is None or (project.sdist and built.sdist is None):
        built.error = f"python -m build left {sorted(p.name for p in outdir.iterdir())} in {outdir}"
    return built


def build_all(projects: list[Project], outdir: Path, workers: int = 4) -> list[Built]:
    """Every project at once (each build is mostly waiting for its isolated build environment)."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(build_one, p, outdir / f"{i:02d}-{p.name}") for i, p in enumerate(projects)]
        return [j.result() for j in jobs]


# --- third-party dependencies, as wheels the index can serve ------------------------------------

def third_party_requirements(metadata: list[Message], own: set[str]) -> list[str]:
    """Requires-Dist of these distributions that are not one of ``own`` (nor extras-only)."""
    reqs: set[str] = set()
    for msg in metadata:
        for text in msg.get_all("Requires-Dist") or []:
            req = Requirement(text)
            if canonicalize_name(req.name) in own:
                continue
            if req.marker is not None and not req.marker.evaluate({"extra": ""}):
                continue
            req.marker = None
            reqs.add(str(req))
    return sorted(reqs)


def libvirt_missing() -> str:
    """Why libvirt-python cannot be built here ("" when libvirt's development files are present)."""
    if shutil.which("pkg-config") is None:
        return "pkg-config is not installed, so libvirt-python (a source distribution) cannot be built"
    if subprocess.run(["pkg-config", "--exists", "libvirt"], capture_output=True).returncode != 0:
        return "libvirt's development files (libvirt-dev) are not installed, so libvirt-python cannot be built"
    return ""


def dependency_wheels(reqs: list[str], cache_root: Path) -> Path:
    """Wheels of ``reqs`` and everything they need, built once per requirement set and interpreter."""
    key = hashlib.sha256("\n".join([sys.version, sysconfig.get_platform(), *sorted(reqs)]).encode())
    folder = cache_root / key.hexdigest()[:20]
    done = folder / ".complete"
    if done.is_file():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "-q",
                           "--wheel-dir", str(folder), *reqs], capture_output=True, text=True, timeout=1200)
    if proc.returncode != 0:
        raise RuntimeError(f"pip wheel {' '.join(reqs)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    done.write_text("\n".join(reqs) + "\n")
    return folder


# --- the index server -----------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class IndexServer:
    """A real pypiserver on 127.0.0.1 serving one directory, with no fallback to any other index."""

    def __init__(self, root: Path, log: Path) -> None:
        self.root = root
        self.log = log
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/simple/"

    def start(self, timeout: float = 60) -> IndexServer:
        last = ""
        for _ in range(3):  # a free port can be taken between the probe and the bind: try another
            self.port = free_port()
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(self.port),
                     "--disable-fallback", "-v", "--log-stream", "stderr", str(self.root)],
                    stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with _NO_PROXY.open(f"http://127.0.0.1:{self.port}/health", timeout=2) as r:
                        if r.status == 200:
                            return self
                except (urllib.error.URLError, OSError) as e:
                    last = str(e)
                time.sleep(0.1)
            self.stop()
        raise RuntimeError(f"pypiserver did not come up ({last}):\n{self.log_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def page(self, name: str) -> str:
        """The index's simple page for one project, over HTTP."""
        with _NO_PROXY.open(f"{self.url}{canonicalize_name(name)}/", timeout=30) as r:
            return str(r.read().decode())

    def downloads(self) -> set[str]:
        """File names of every package file a client fetched so far."""
        out = set()
        for line in self.log_text().splitlines():
            if '"GET /packages/' in line and '" 200 ' in line:
                out.add(line.split('"GET /packages/', 1)[1].split(" ", 1)[0].split("#", 1)[0])
        return out


def dist_of(filename: str) -> tuple[str, str]:
    """(canonical name, version) of a wheel or sdist file name."""
    if filename.endswith(".whl"):
        name, version, _, _ = parse_wheel_filename(filename)
    else:
        name, version = parse_sdist_filename(filename)
    return str(name), str(version)


# --- a fresh venv that installs through the index only --------------------------------------------

@dataclass
class FreshVenv:
    """``python -m venv``, pip pointed at one index and no pip configuration, minikube with its own home."""

    path: Path
    index_url: str
    home: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, path: Path, index_url: str) -> FreshVenv:
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True, capture_output=True, timeout=300)
        return cls(path, index_url, path.parent / f"{path.name}-home")

    @property
    def bin(self) -> Path:
        return self.path / "bin"

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "MINIKUBE_HOME", "MINIKUBE_DRIVER")
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") and k not in drop}
        env.update({
            "PIP_CONFIG_FILE": os.devnull,  # no find-links, no extra index from any pip.conf
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
            "PATH": f"{self.bin}{os.pathsep}{os.environ.get('PATH', '')}",
            "VIRTUAL_ENV": str(self.path),
            "MINIKUBE_IN_STYLE": "false",
        })
        env.update(self.extra_env)
        env.update(extra or {})
        return env

    def run(self, *argv: str, env: dict[str, str] | None = None, timeout: float = 300,
            check: bool = False) -> subprocess.CompletedProcess[str]:
        exe = self.bin / argv[0]
        cmd = [str(exe) if exe.exists() else argv[0], *argv[1:]]
        proc = subprocess.run(cmd, capture_output=True, text=True, env=self.env(env), timeout=timeout,
                              stdin=subprocess.DEVNULL)
        if check and proc.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
        return proc

    def pip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("python", "-m", "pip", *args, check=check)

    def install(self, *names: str, target: Path | None = None, no_deps: bool = False,
                check: bool = True) -> subprocess.CompletedProcess[str]:
        """``pip install --index-url <ours> NAME...``: by name, through our index only, no cache."""
        extra = (["--target", str(target)] if target else []) + (["--no-deps"] if no_deps else [])
        return self.pip("install", "--no-cache-dir", "--index-url", self.index_url, *extra, *names, check=check)

    def python(self, code: str, env: dict[str, str] | None = None) -> str:
        return self.run("python", "-c", code, env=env, check=True).stdout

    def installed(self) -> dict[str, str]:
        rows = json.loads(self.pip("list", "--format", "json").stdout)
        return {str(canonicalize_name(r["name"])): r["version"] for r in rows}

    @property
    def cli(self) -> MinikubeCLI:
        """This venv's ``minikube`` with its own MINIKUBE_HOME (``home``) and cache: minikube.testing's harness."""
        return MinikubeCLI(self, self.home)

    def minikube(self, *args: str, env: dict[str, str] | None = None,
                 timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return self.cli(*args, env=env, timeout=timeout)

    def drivers(self, *extra: str, env: dict[str, str] | None = None) -> dict[str, dict[str, Any]]:
        return self.cli.drivers(*extra, env=env)


# --- reading versions without importing -------------------------------------------------------

def literal(path: Path, name: str = "__version__") -> str | None:
    """The string assigned to ``name`` at the top of a Python file, read with ast (nothing imported)."""
    tree = ast.parse(path.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    return None


def top_packages(project: Project) -> list[str]:
    """The import packages a hatch project ships (``tool.hatch.build.targets.wheel.packages``)."""
    wheel = project.pyproject.get("tool", {}).get("hatch", {}).get("build", {}).get("targets", {}).get("wheel", {})
    pkgs = [Path(p).name for p in wheel.get("packages", [])]
    if pkgs:
        return pkgs
    src = project.path / "src"
    return sorted(p.name for p in src.iterdir() if (p / "__init__.py").is_file()) if src.is_dir() else []
