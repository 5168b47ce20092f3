"""Where the VM tests run: an ordinary user (``mk-qemu-test``) with a venv made from Debian's
``/usr/bin/python3`` in a directory it can read, in a network namespace with only loopback, so
every packet of every guest stays on this machine.  Set up by root, idempotently.

The user has subordinate ids (/etc/subuid, /etc/subgid), as ``useradd`` gives an ordinary user:
QEMU's C virtiofsd runs as root of a user namespace made from them (virtiofs shares).
``MINIKUBE_QEMU2_TEST_ISO`` names another boot image than the tiny ISO built from the recipe.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from conftest import HERE, ISO_RECIPE, PROJECT, ROOT

USER = "mk-qemu-test"
NETNS = "mk-qemu2-test"
BASE = Path("/var/tmp/mk-qemu2-test")
SYSTEM_PYTHON = "/usr/bin/python3"


#: What the VM tests need on the host, and the Debian packages that give it.
TOOLS = {"ip": "iproute2", "runuser": "util-linux", "useradd": "passwd", "qemu-system-x86_64": "qemu-system-x86",
         "qemu-img": "qemu-utils", "ssh": "openssh-client", "pgrep": "procps", "newuidmap": "uidmap",
         "newgidmap": "uidmap", "usermod": "passwd"}
#: The test user's subordinate ids: guest uid N of a virtiofs share is host uid SUBID_START + N - 1.
SUBID_START, SUBID_COUNT = 300000, 65536
ISO_ENV = "MINIKUBE_QEMU2_TEST_ISO"


def cannot_run() -> str:
    """Why the VM tests cannot run here ("" when they can); as root, missing tools are installed first."""
    import platform
    import sys

    if not sys.platform.startswith("linux") or platform.machine() not in ("x86_64", "amd64"):
        return f"the VM tests use useradd, runuser and network namespaces on linux/amd64; this is {sys.platform}"
    if os.geteuid() != 0:
        return "the VM tests need root to create their user and network namespace; run them as root"
    missing = sorted({pkg for tool, pkg in TOOLS.items() if shutil.which(tool) is None})
    if missing or not Path(SYSTEM_PYTHON).exists():
        _apt_install(*missing, "python3", "python3-venv")
    still = sorted(tool for tool in TOOLS if shutil.which(tool) is None)
    if still or not Path(SYSTEM_PYTHON).exists():
        return f"the VM tests need {', '.join(still) or SYSTEM_PYTHON}, and apt-get could not install them"
    return ""


def _apt_install(*packages: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if shutil.which("apt-get") is None:
        return
    p = subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, env=env, timeout=900)
    if p.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env, timeout=900)
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], capture_output=True, env=env, timeout=900)


def _run(*argv: str, **kw: object) -> subprocess.CompletedProcess[str]:
    p = subprocess.run(list(argv), capture_output=True, text=True, **kw)  # type: ignore[call-overload]
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({p.returncode}):\n{p.stdout}\n{p.stderr}")
    return p


def _ensure_user() -> int:
    try:
        uid = pwd.getpwnam(USER).pw_uid
    except KeyError:
        _run("useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
             "--shell", "/usr/sbin/nologin", USER)
        uid = pwd.getpwnam(USER).pw_uid
    _ensure_subids()
    return uid


def subid_start(path: str = "/etc/subuid") -> int | None:
    """Where the test user's subordinate range starts (None: it has none)."""
    try:
        lines = Path(path).read_text().splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        name, _, rest = line.partition(":")
        if name == USER:
            return int(rest.split(":")[0])
    return None


def _ensure_subids() -> None:
    """A --system user gets no subordinate ids from useradd: give it the range an ordinary user gets."""
    last = SUBID_START + SUBID_COUNT - 1
    if subid_start("/etc/subuid") is None:
        _run("usermod", "--add-subuids", f"{SUBID_START}-{last}", USER)
    if subid_start("/etc/subgid") is None:
        _run("usermod", "--add-subgids", f"{SUBID_START}-{last}", USER)


def _ensure_netns() -> None:
    if NETNS not in subprocess.run(["ip", "netns", "list"], capture_output=True, text=True).stdout.split():
        _run("ip", "netns", "add", NETNS)
    _run("ip", "netns", "exec", NETNS, "ip", "link", "set", "lo", "up")
    links = _run("ip", "netns", "exec", NETNS, "ip", "-o", "link").stdout
    assert [line.split(":")[1].strip() for line in links.splitlines()] == ["lo"], links


def _source_hash() -> str:
    """Of everything installed into the user's venv: a change makes it installed again."""
    import hashlib

    h = hashlib.sha256()
    for project in (ROOT / "core", PROJECT):
        for f in sorted([project / "pyproject.toml", *(project / "src").rglob("*")]):
            if f.is_file() and "__pycache__" not in f.parts:
                h.update(str(f.relative_to(ROOT)).encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def _ensure_venv() -> Path:
    """Core and driver installed as real (non-editable) packages, with pytest: the user reads nothing
    of the checkout, which may sit in a directory only root can enter (a CI clone under /root)."""
    venv = BASE / "venv"
    py = venv / "bin" / "python"
    stamp = venv / "source.sha256"
    want = _source_hash()
    if py.exists() and stamp.exists() and stamp.read_text() == want:
        return venv
    if subprocess.run([SYSTEM_PYTHON, "-c", "import ensurepip, venv"], capture_output=True).returncode != 0:
        _apt_install("python3-venv")
    shutil.rmtree(venv, ignore_errors=True)
    _run(SYSTEM_PYTHON, "-m", "venv", str(venv))
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    _run(*pip, "hatchling>=1.18", "pytest>=8", "hypothesis>=6")
    _run(*pip, "--no-build-isolation", str(ROOT / "core"), str(PROJECT))
    stamp.write_text(want)
    return venv


def conformance_tests() -> Path:
    """test_conformance.py where the user can read it (without this folder's conftest.py)."""
    d = BASE / "conformance"
    d.mkdir(exist_ok=True)
    d.chmod(0o755)
    dst = d / "test_conformance.py"
    shutil.copyfile(HERE / "test_conformance.py", dst)
    dst.chmod(0o644)
    return dst


def _ensure_iso() -> Path:
    given = os.environ.get(ISO_ENV, "")
    iso = Path(given) if given else Path(_run("bash", str(ISO_RECIPE)).stdout.strip().splitlines()[-1])
    dst = BASE / iso.name
    if not dst.exists() or dst.stat().st_size != iso.stat().st_size:
        tmp = dst.with_suffix(".tmp")
        shutil.copyfile(iso, tmp)
        tmp.chmod(0o644)
        os.replace(tmp, dst)
    return dst


@dataclass
class VMHost:
    uid: int
    venv: Path
    iso: Path

    def home(self) -> Path:
        """A fresh directory of the user's (HOME and MINIKUBE_HOME under it)."""
        d = Path(tempfile.mkdtemp(prefix="home-", dir=BASE))
        os.chown(d, self.uid, -1)
        return d

    def env(self, home: Path, **extra: str) -> dict[str, str]:
        return {"PATH": f"{self.venv}/bin:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8",
                "MINIKUBE_HOME": str(home / ".minikube"), "XDG_CACHE_HOME": str(home / ".cache"),
                "MINIKUBE_ISO_MIRRORS": "http://127.0.0.1:9/", "PYTHONDONTWRITEBYTECODE": "1", **extra}

    def argv(self, home: Path, *args: str, **extra: str) -> list[str]:
        """``args`` run as the test user, in the namespace, with only the environment given."""
        return ["ip", "netns", "exec", NETNS, "runuser", "-u", USER, "--", "/usr/bin/env", "-i",
                *(f"{k}={v}" for k, v in self.env(home, **extra).items()), *args]

    def minikube(self, home: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.argv(home, str(self.venv / "bin" / "minikube"), *args), capture_output=True,
                              text=True, cwd=home, stdin=subprocess.DEVNULL, timeout=timeout)


def prepare() -> VMHost:
    BASE.mkdir(parents=True, exist_ok=True)
    BASE.chmod(0o755)
    uid = _ensure_user()
    _ensure_netns()
    return VMHost(uid, _ensure_venv(), _ensure_iso())


def qemu_pids(uid: int | None = None) -> dict[int, int]:
    """Every live QEMU system emulator (pid -> uid), optionally only one user's."""
    out = subprocess.run(["ps", "-eo", "pid=,uid=,stat=,comm="], capture_output=True, text=True).stdout
    found = {}
    for line in out.splitlines():
        parts = line.split(None, 3)
        if len(parts) == 4 and parts[3].startswith("qemu-system") and not parts[2].startswith("Z"):
            if uid is None or int(parts[1]) == uid:
                found[int(parts[0])] = int(parts[1])
    return found
