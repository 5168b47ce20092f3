"""Fixtures of the index session: build everything once, serve it from pypiserver, install by name.

Session-wide, in this order: every distribution of the repo (plus the baked template and the
small driver distributions this session makes) is built with ``python -m build``; the wheels of
their third-party dependencies are added (cached per requirement set); a pypiserver serves the
lot on 127.0.0.1; a fresh venv installs the repo's drivers by name through it.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from indexkit import (
    REPO,
    Built,
    FreshVenv,
    IndexServer,
    Project,
    bake_template,
    build_all,
    dependency_wheels,
    libvirt_missing,
    literal,
    make_driver_project,
    repo_projects,
    third_party_requirements,
)
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

CORE_VERSION_FILE = REPO / "core" / "src" / "minikube" / "_version.py"
LIBVIRT = "libvirt-python"

# --- the driver distributions this session makes ---------------------------------------------------

_FAKE_BASED = '''\
"""{doc}"""
import os
from dataclasses import replace

from minikube.testing import FAKE_DEF

__version__ = "{version}"

if os.environ.get("INDEX_TEST_IMPORT_LOG"):  # which copy the core really imported
    with open(os.environ["INDEX_TEST_IMPORT_LOG"], "a") as log:
        log.write(f"{{__version__}} {{__file__}}\\n")

DRIVER = replace(FAKE_DEF, name="{name}", default=False)
'''

_TOML = '''\
[drivers.{name}]
aliases = []
builtin = true
default = false
priority = "Fallback"
platforms = []
api = "{api}"
summary = "{summary}"
'''


def made_projects(root: Path) -> dict[str, Project]:
    """Drivers for the bad-input cases, each a real distribution served by the index."""
    return {
        # Built for driver API 2: must be refused before import, so importing it fails loudly.
        "nextapi": make_driver_project(
            root, "nextapi", "2.0.0", description="Test driver built for driver API 2",
            init='"""Built for driver API 2."""\nraise ImportError("minikube-driver-nextapi was imported '
                 'although its driver API range excludes this minikube")\n',
            toml=_TOML.format(name="nextapi", api=">=2.0,<3", summary="built for driver API 2")),
        # Built for a driver API older than this core's: the driver is the one to upgrade.
        "pastapi": make_driver_project(
            root, "pastapi", "0.5.0", description="Test driver built for driver API 0.x",
            init='"""Built for driver API 0.x."""\nraise ImportError("minikube-driver-pastapi was imported '
                 'although its driver API range excludes this minikube")\n',
            toml=_TOML.format(name="pastapi", api=">=0.1,<1.0", summary="built for driver API 0.x")),
        # An older driver: no minikube-driver.toml, so no API range.
        "oldapi": make_driver_project(
            root, "oldapi", "0.9.0", description="Test driver without a driver API range",
            init=_FAKE_BASED.format(doc="An older driver: it declares no API range.", version="0.9.0",
                                    name="oldapi"),
            toml=None),
        # The entry point names a module the distribution does not ship.
        "ghost": make_driver_project(
            root, "ghost", "1.0.0", description="Test driver whose entry point names a missing module",
            init='"""The package exists; the module its entry point names does not."""\n',
            toml=_TOML.format(name="ghost", api=">=1.0,<2", summary="entry point to a missing module"),
            entry_point="minikube_driver_ghost.gone:DRIVER"),
        # Two versions of one driver, for two sys.path entries.
        **{f"twin-{v}": make_driver_project(
            root / v, "twin", v, description=f"Test driver twin {v}",
            init=_FAKE_BASED.format(doc=f"twin {v}", version=v, name="twin"),
            toml=_TOML.format(name="twin", api=">=1.0,<2", summary=f"twin {v}"))
           for v in ("1.0.0", "1.1.0")},
    }


# --- everything built and served -----------------------------------------------------------------

@dataclass
class Artifacts:
    repo: dict[str, Built]  # distribution name -> build
    template: Built | None
    made: dict[str, Built]  # key in made_projects -> build
    served: Path
    core_version: str
    driver_api: str
    not_installable: dict[str, str] = field(default_factory=dict)  # distribution -> why (a skip reason)
    dependency_errors: dict[str, str] = field(default_factory=dict)  # distribution -> pip wheel failure

    @property
    def repo_drivers(self) -> list[Built]:
        return [b for b in self.repo.values() if b.project.is_driver]


def _cache_root(request: pytest.FixtureRequest, tmp: Path) -> Path:
    cache = getattr(request.config, "cache", None)
    return Path(cache.mkdir("index-dependency-wheels")) if cache is not None else tmp / "dependency-wheels"


@pytest.fixture(scope="session")
def artifacts(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Artifacts:
    tmp = tmp_path_factory.mktemp("index")
    repo = repo_projects()
    template = bake_template(tmp / "baked")
    made = made_projects(tmp / "made")
    everything = [*repo, *([template] if template else []), *made.values()]
    builds = dict(zip(everything, build_all(everything, tmp / "build"), strict=True))

    served = tmp / "served"
    served.mkdir()
    for b in builds.values():
        for f in b.files:
            shutil.copy2(f, served / f.name)

    core_version = literal(CORE_VERSION_FILE)
    driver_api = literal(CORE_VERSION_FILE, "DRIVER_API_VERSION")
    assert core_version and driver_api, f"{CORE_VERSION_FILE} must state __version__ and DRIVER_API_VERSION"
    arts = Artifacts(
        repo={p.name: builds[p] for p in repo},
        template=builds[template] if template else None,
        made={k: builds[p] for k, p in made.items()},
        served=served, core_version=core_version, driver_api=driver_api)

    own = {str(canonicalize_name(p.name)) for p in everything}
    ok = [b for b in builds.values() if b.wheel is not None]
    reqs = third_party_requirements([b.wheel_metadata() for b in ok], own)
    needs_libvirt = [b.project.name for b in ok
                     if any(canonicalize_name(Requirement(r).name) == LIBVIRT
                            for r in b.wheel_metadata().get_all("Requires-Dist") or [])]
    common = [r for r in reqs if canonicalize_name(Requirement(r).name) != LIBVIRT]
    groups = [(common, [b.project.name for b in ok])]
    libvirt_reqs = [r for r in reqs if canonicalize_name(Requirement(r).name) == LIBVIRT]
    if libvirt_reqs:
        why = libvirt_missing()
        if why:
            arts.not_installable.update(dict.fromkeys(needs_libvirt, why))
        else:
            groups.append((libvirt_reqs, needs_libvirt))
    cache_root = _cache_root(request, tmp)
    for group, users in groups:
        try:
            folder = dependency_wheels(group, cache_root)
        except RuntimeError as e:
            arts.dependency_errors.update(dict.fromkeys(users, str(e)))
            continue
        for whl in folder.glob("*.whl"):
            shutil.copy2(whl, served / whl.name)
    return arts


@pytest.fixture(scope="session")
def index(artifacts: Artifacts, tmp_path_factory: pytest.TempPathFactory) -> Iterator[IndexServer]:
    """A pypiserver on 127.0.0.1 serving the built files, started and stopped by this session."""
    log = tmp_path_factory.mktemp("pypiserver") / "pypiserver.log"
    server = IndexServer(artifacts.served, log).start()
    try:
        yield server
    finally:
        server.stop()


@dataclass
class Installed:
    venv: FreshVenv
    names: list[str]  # what was asked for, by name
    output: str  # pip's output


@pytest.fixture(scope="session")
def installed(artifacts: Artifacts, index: IndexServer, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """A fresh venv with every installable driver of the repo, installed by name through the index."""
    for b in artifacts.repo_drivers:
        assert not b.error, b.error
        assert b.project.name not in artifacts.dependency_errors, artifacts.dependency_errors[b.project.name]
    names = [b.project.name for b in artifacts.repo_drivers if b.project.name not in artifacts.not_installable]
    assert names, "no driver distribution in the repo can be installed"
    venv = FreshVenv.create(tmp_path_factory.mktemp("venv") / "venv", index.url)
    p = venv.install(*names)
    return Installed(venv, names, p.stdout + p.stderr)
