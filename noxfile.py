"""Sessions for every distribution in the repo, found by reading each */pyproject.toml.

    nox                 # every test session, lint and type check (what CI runs)
    nox -s bench        # the benchmarks (not part of the default run)
    nox -l              # list sessions
"""

from __future__ import annotations

import sys
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).parent
TEST_DEPS = ["hatchling>=1.18", "pytest>=8", "hypothesis>=6", "trustme>=1", "cookiecutter>=2.5", "build>=1", "twine>=5", "pypiserver>=2", "asyncssh>=2.14"]

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = False
nox.options.error_on_missing_interpreters = True


def distributions() -> dict[str, tuple[Path, str]]:
    """Folder -> (path, distribution name) for every top-level folder with a pyproject.toml."""
    found = {}
    for pyproject in sorted(ROOT.glob("*/pyproject.toml")):
        data = tomllib.loads(pyproject.read_text())
        name = data.get("project", {}).get("name")
        if name:
            found[pyproject.parent.name] = (pyproject.parent, name)
    return found


DISTS = distributions()


def _install_with_core(session: nox.Session, *paths: Path) -> None:
    session.install(*TEST_DEPS)
    session.install("-e", str(ROOT / "core"))
    for p in paths:
        if p != ROOT / "core":
            session.install("-e", str(p))


def _pytest(session: nox.Session, tests: Path) -> None:
    session.run("python", "-m", "pytest", str(tests), "-ra", *session.posargs)


for _folder, (_path, _dist) in DISTS.items():

    def _tests(session: nox.Session, path: Path = _path) -> None:
        _install_with_core(session, path)
        _pytest(session, path / "tests")

    nox.session(name=f"tests-{_folder}")(_tests)


@nox.session
def template(session: nox.Session) -> None:
    """Bake cookiecutter-driver, install the result beside the core, run its tests and lifecycle."""
    _install_with_core(session)
    _pytest(session, ROOT / "cookiecutter-driver" / "tests")


@nox.session
def index(session: nox.Session) -> None:
    """Build every distribution, serve them from a local pypiserver, install by name from it."""
    _install_with_core(session)
    _pytest(session, ROOT / "index-tests")


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.5")
    template = ROOT / "cookiecutter-driver"
    session.run("ruff", "check", *[str(p) for p, _ in DISTS.values()], "noxfile.py", "benchmarks", "index-tests",
                str(template / "hooks"), str(template / "tests"), str(template / "local_extensions.py"))


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("mypy>=1.10")
    _install_with_core(session, *(p for p, _ in DISTS.values()))
    for path, _ in DISTS.values():
        session.run("mypy", str(path / "src"))


@nox.session
def iso(session: nox.Session) -> None:
    """Build (or reuse) the tiny offline boot ISO; prints its path."""
    session.run("bash", str(ROOT / "driver-kvm2" / "iso" / "build-tiny-iso.sh"), external=True)


@nox.session(default=False)
def bench(session: nox.Session) -> None:
    """Every benchmark, side by side ratios; writes benchmarks/README.md."""
    _install_with_core(session, *(p for p, _ in DISTS.values()))
    session.install("stevedore>=5")  # the discovery benchmark's baseline
    session.install("pytest>=8")  # the shared-folder benchmark reuses qemu2's VM-test host set-up
    # Byte-code caching as users have it (some shells export PYTHONDONTWRITEBYTECODE, which would
    # make the editable installs here recompile on every command and time the compiler).
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs, env={"PYTHONDONTWRITEBYTECODE": ""})
