"""Sessions for every distribution in the repo, found by reading each */pyproject.toml.

    nox                 # every test session, lint and type check (what CI runs)
    nox -s tests-core   # one session; `nox -s tests-core -- -n 0 -x` passes options to pytest
    nox -s bench        # the benchmarks (not part of the default run)
    nox -l              # list sessions

Third-party packages are installed once per run, not once per session:

- the wheelhouse (``.nox/_wheelhouse/<key>``): a wheel of every third-party package any session
  or test venv installs (libvirt-python compiled here, once), built by the first session that
  needs it and reused while the requirements and the interpreter stay the same (the key);
- the shared venv (``.nox/_shared-<python>``): the test dependencies and the core's, installed
  from the wheelhouse, also keyed;
- each pytest session's own venv holds only this repository's distributions (the core, and the
  session's driver), installed editable with no dependencies, and sees the shared venv's
  packages through a ``.pth`` file. A driver session thus still has no other driver installed.

Every pip run in a session (nox's, and the venvs the tests make) finds the wheelhouse through
``PIP_FIND_LINKS``; ``minikube.testing.Wheelhouse`` builds its wheelhouses offline from it
(``MINIKUBE_TEST_WHEELHOUSE``).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).parent
TEST_DEPS = ["hatchling>=1.18", "pytest>=8", "pytest-xdist>=3", "hypothesis>=6", "trustme>=1", "cookiecutter>=2.5",
             "build>=1", "twine>=5", "pypiserver>=2", "asyncssh>=2.14"]
#: hatchling's editable installs need it (pip install -e without build isolation)
BUILD_DEPS = ["editables>=0.3"]
TYPECHECK_DEPS = ["mypy>=1.10"]
LINT_DEPS = ["ruff>=0.5"]
BENCH_DEPS = ["stevedore>=5"]  # the discovery benchmark's baseline

#: Sessions whose tests run in pytest-xdist workers (one per CPU), and how they are handed out:
#: chosen by timing each session with and without on 2 cores. The core's by module (``loadfile``):
#: a worker then makes each module's venvs once (and test_sudo_launch.py's tests, which share the
#: host's sudoers file, stay together; they also take turns through a lock). Not here: index (its
#: session-wide build of every distribution would be made once per worker: slower), kvm2 and
#: qemu2 (one libvirtd, one network namespace, real VMs). ``nox -s NAME -- -n 0`` runs without.
XDIST = {"tests-core": "loadfile", "tests-driver-hyperkit": "load", "tests-driver-vmwarefusion": "load",
         "template": "load"}

nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = False
nox.options.error_on_missing_interpreters = True


def distributions() -> dict[str, tuple[Path, str, list[str]]]:
    """Folder -> (path, distribution name, dependencies) for every top-level folder with a pyproject.toml."""
    found = {}
    for pyproject in sorted(ROOT.glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text()).get("project", {})
        if project.get("name"):
            found[pyproject.parent.name] = (pyproject.parent, project["name"], project.get("dependencies", []))
    return found


DISTS = distributions()
OWN = {name for _, name, _ in DISTS.values()}


def third_party(*folders: str) -> list[str]:
    """The requirements of these distributions that are not one of this repository's."""
    reqs = []
    for folder in folders:
        for req in DISTS[folder][2]:
            name = req.split(";")[0].strip()
            for sep in "<>=!~[ (":
                name = name.split(sep)[0]
            if name.lower().replace("_", "-") not in OWN:
                reqs.append(req)
    return reqs


#: What the shared venv holds: the test dependencies and the core's.
SHARED = sorted({*TEST_DEPS, *BUILD_DEPS, *third_party("core")})
#: What the wheelhouse holds: everything any session installs, and the drivers' own dependencies.
WHEELS = sorted({*SHARED, *third_party(*DISTS), *TYPECHECK_DEPS, *LINT_DEPS, *BENCH_DEPS})

PYTHON_INFO = "import sys, sysconfig; print(getattr(sys, '_base_executable', sys.executable)); print(sys.version); " \
              "print(sysconfig.get_platform()); print(sysconfig.get_paths()['purelib']); print('%d.%d' % sys.version_info[:2])"


def _python_info(python: str | Path) -> list[str]:
    """PYTHON_INFO's lines for this interpreter (run directly: also under --install-only / --no-install)."""
    return subprocess.run([str(python), "-c", PYTHON_INFO], check=True, capture_output=True, text=True).stdout.splitlines()


def _key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _pip_env(wheelhouse: Path) -> dict[str, str]:
    """pip everywhere in the session (nox's, the tests' venvs) finds the wheelhouse first."""
    links = " ".join(filter(None, [str(wheelhouse), os.environ.get("PIP_FIND_LINKS", "")]))
    return {"PIP_FIND_LINKS": links, "MINIKUBE_TEST_WHEELHOUSE": str(wheelhouse)}


def _shared(session: nox.Session) -> tuple[Path, Path]:
    """(wheelhouse, the shared venv's site-packages), each made once for this session's interpreter."""
    base_python, version, platform, _, short = _python_info(Path(session.bin) / "python")
    nox_dir = ROOT / ".nox"
    nox_dir.mkdir(exist_ok=True)
    with open(nox_dir / "_shared.lock", "a") as lock:  # two nox runs at once (test-all.sh's, yours) take turns
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _make_shared(session, nox_dir, base_python, version, platform, short)


def _make_shared(session: nox.Session, nox_dir: Path, base_python: str, version: str, platform: str,
                 short: str) -> tuple[Path, Path]:
    wheelhouse = nox_dir / "_wheelhouse" / _key(version, platform, *WHEELS)
    venv = nox_dir / f"_shared-py{short}"
    bin_python = venv / "bin" / "python"
    installed = venv / ".installed"
    venv_key = _key(version, platform, str(wheelhouse), *SHARED)
    if not (installed.is_file() and installed.read_text() == venv_key and bin_python.exists()):
        session.log(f"Creating the shared venv {venv.relative_to(ROOT)} (test dependencies, from the wheelhouse)")
        session.run_install(base_python, "-m", "venv", "--clear", str(venv), external=True, silent=True)
    if not (wheelhouse / ".complete").is_file():
        session.log(f"Building the wheelhouse {wheelhouse.relative_to(ROOT)}")
        partial = wheelhouse.with_name(wheelhouse.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        # (run_install gives None when it skips: --no-install with a reused venv)
        if session.run_install(str(bin_python), "-m", "pip", "wheel", "-q", "--disable-pip-version-check", "-w",
                               str(partial), *WHEELS, external=True) is not None:
            (partial / ".complete").write_text("\n".join(WHEELS) + "\n")
            shutil.rmtree(wheelhouse, ignore_errors=True)
            partial.rename(wheelhouse)
    if not (installed.is_file() and installed.read_text() == venv_key):
        if session.run_install(str(bin_python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                               "--no-index", "--find-links", str(wheelhouse), *SHARED, external=True) is not None:
            installed.write_text(venv_key)
    return wheelhouse, Path(_python_info(bin_python)[3])


def _install(session: nox.Session, *folders: str, deps: tuple[str, ...] = ()) -> Path:
    """This session's venv: the shared venv's packages, and these distributions installed editable."""
    wheelhouse, shared_site = _shared(session)
    site = Path(_python_info(Path(session.bin) / "python")[3])
    # Processed after the editable installs' .pth files (sorted by name): sys.path has this
    # venv's site-packages, the distributions' sources, then the shared packages.
    (site / "zz_nox_shared_venv.pth").write_text(f"import site; site.addsitedir({str(shared_site)!r})\n")
    session.env.update(_pip_env(wheelhouse))
    offline = ("--no-index", "--find-links", str(wheelhouse))
    # The distributions' own third-party requirements (libvirt-python for kvm2) that the shared
    # venv lacks come from the wheelhouse; the core's are satisfied by the shared venv.
    extra = [*deps, *(r for r in third_party(*folders) if r not in SHARED)]
    if extra:
        session.install(*offline, *extra)
    session.install(*offline, "--no-build-isolation", "--no-deps",
                    *(a for f in dict.fromkeys(("core", *folders)) for a in ("-e", str(DISTS[f][0]))))
    return wheelhouse


#: Sessions whose pytest gets a base directory of its own under /tmp: kvm2's VMs open files below
#: it as libvirt's QEMU user, through ACL entries that a chmod of pytest's shared
#: /tmp/pytest-of-<user> (any other pytest run starting meanwhile, as under test-all.sh) would void.
OWN_BASETEMP = {"tests-driver-kvm2"}


def _pytest(session: nox.Session, tests: Path) -> None:
    dist = XDIST.get(session.name)
    parallel = ["-n", "auto", "--dist", dist] if dist else []
    if session.name in OWN_BASETEMP and not any(a.startswith("--basetemp") for a in session.posargs):
        import tempfile

        parallel += [f"--basetemp={tempfile.mkdtemp(prefix=f'pytest-{session.name}-', dir='/tmp')}"]
    session.run("python", "-m", "pytest", str(tests), "-ra", *parallel, *session.posargs)


# Each session installs with pip run by the shared venv's Python (through the .pth file), so its
# own venv needs no pip of its own.
VENV = {"venv_params": ["--without-pip"]}


@nox.session(**VENV)
def wheelhouse(session: nox.Session) -> None:
    """Build (or reuse) the wheelhouse and the shared venv every other session uses."""
    _shared(session)


for _folder, (_path, _dist, _) in DISTS.items():

    def _tests(session: nox.Session, folder: str = _folder, path: Path = _path) -> None:
        _install(session, folder)
        _pytest(session, path / "tests")

    nox.session(name=f"tests-{_folder}", **VENV)(_tests)


@nox.session(**VENV)
def template(session: nox.Session) -> None:
    """Bake cookiecutter-driver, install the result beside the core, run its tests and lifecycle."""
    _install(session, "core")
    _pytest(session, ROOT / "cookiecutter-driver" / "tests")


@nox.session(**VENV)
def index(session: nox.Session) -> None:
    """Build every distribution, serve them from a local pypiserver, install by name from it."""
    _install(session, "core")
    _pytest(session, ROOT / "index-tests")


@nox.session
def lint(session: nox.Session) -> None:
    session.install(*LINT_DEPS)
    template = ROOT / "cookiecutter-driver"
    session.run("ruff", "check", *[str(p) for p, _, _ in DISTS.values()], "noxfile.py", "benchmarks", "index-tests",
                str(template / "hooks"), str(template / "tests"), str(template / "local_extensions.py"))


@nox.session(**VENV)
def typecheck(session: nox.Session) -> None:
    """One mypy run over every distribution's src/ (the core is checked once, not once per driver)."""
    _install(session, *DISTS, deps=tuple(TYPECHECK_DEPS))
    session.run("python", "-m", "mypy", *[str(p / "src") for p, _, _ in DISTS.values()])


@nox.session
def iso(session: nox.Session) -> None:
    """Build (or reuse) the tiny offline boot ISO; prints its path."""
    session.run("bash", str(ROOT / "driver-kvm2" / "iso" / "build-tiny-iso.sh"), external=True)


@nox.session(default=False, **VENV)
def bench(session: nox.Session) -> None:
    """Every benchmark, side by side ratios; writes benchmarks/README.md."""
    # stevedore: the discovery benchmark's baseline; pytest (shared): the shared-folder benchmark
    # reuses qemu2's VM-test host set-up.
    _install(session, *DISTS, deps=tuple(BENCH_DEPS))
    # Byte-code caching as users have it (some shells export PYTHONDONTWRITEBYTECODE, which would
    # make the editable installs here recompile on every command and time the compiler).
    session.run("python", str(ROOT / "benchmarks" / "run.py"), *session.posargs, env={"PYTHONDONTWRITEBYTECODE": ""})
