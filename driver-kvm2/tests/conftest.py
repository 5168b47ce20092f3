"""Fixtures for kvm2's tests.

Unit tests use libvirt's built-in ``test:///default`` driver where they need a connection.
Tests marked ``libvirt`` use the real libvirtd on qemu:///system: as root they run
``scripts/setup-host.sh`` when libvirtd is not up or runs in another network namespace (after
``scripts/main.sh``, say: the script moves it), with libvirtd in the network namespace
``$MINIKUBE_TEST_NETNS`` (default ``mk-test``) so that every packet to a guest stays inside a
namespace the tests made; commands that talk to a guest over IP run under ``ip netns exec``.
Where libvirt cannot run (not root, not Linux/amd64) they are skipped with the reason.
Every domain and network they make is removed at teardown, whatever happened.
"""

from __future__ import annotations

import os
import platform
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from minikube.testing import MinikubeCLI, assert_error_line

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
ROOT = PROJECT.parent
CORE = ROOT / "core"
SETUP = PROJECT / "scripts" / "setup-host.sh"
ISO_RECIPE = PROJECT / "iso" / "build-tiny-iso.sh"
URI = "qemu:///system"


def libvirt_conn(uri: str) -> Any:
    import libvirt

    libvirt.registerErrorHandler(lambda _c, _e: None, None)
    return libvirt.open(uri)


@pytest.fixture
def test_conn() -> Iterator[Any]:
    """libvirt's in-memory test driver: a running domain "test" and a network "default"."""
    conn = libvirt_conn("test:///default")
    yield conn
    conn.close()


# --- the real host ----------------------------------------------------------------------------

def _cannot_run_libvirt() -> str:
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "amd64"):
        return f"libvirt integration tests need linux/amd64, this is {sys.platform}/{platform.machine()}"
    if os.geteuid() != 0:
        return ("libvirt integration tests need root (to install and start libvirtd with "
                "scripts/setup-host.sh); run them as root")
    if shutil.which("ip") is None and shutil.which("apt-get") is None:
        return "libvirt integration tests need iproute2 (ip netns) or apt-get to install it"
    return ""


def _libvirtd_pid() -> int | None:
    try:
        pid = int(Path("/run/libvirtd.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if Path(f"/proc/{pid}").exists() else None


def _netns_of(pid: int) -> str:
    p = subprocess.run(["ip", "netns", "identify", str(pid)], capture_output=True, text=True)
    return p.stdout.strip()


@dataclass
class LibvirtHost:
    """The real libvirtd the integration tests use, and the namespace its networks live in."""

    netns: str
    uri: str = URI

    def in_netns(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.netns, *argv] if self.netns else argv


@pytest.fixture(scope="session")
def libvirt_host() -> LibvirtHost:
    reason = _cannot_run_libvirt()
    if reason:
        if os.environ.get("MINIKUBE_REQUIRE_VMS"):  # CI (scripts/test-all.sh as root): real VMs or a failure
            pytest.fail(f"MINIKUBE_REQUIRE_VMS is set, but {reason}", pytrace=False)
        pytest.skip(reason)
    want = os.environ.get("MINIKUBE_TEST_NETNS", "mk-test")
    root_ok = bool(os.environ.get("MINIKUBE_KVM2_TESTS_ROOT_NETNS"))
    pid = _libvirtd_pid()
    up = subprocess.run(["virsh", "-c", URI, "version"], capture_output=True).returncode == 0 if shutil.which("virsh") else False
    elsewhere = pid is not None and _netns_of(pid) not in ({want, ""} if root_ok else {want})
    if pid is None or not up or elsewhere:  # setup-host.sh starts it, or moves it into the test namespace
        env = {**os.environ, "MINIKUBE_TEST_NETNS": want}
        p = subprocess.run(["bash", str(SETUP)], capture_output=True, text=True, env=env, timeout=600)
        if p.returncode != 0:
            pytest.fail(f"scripts/setup-host.sh failed ({p.returncode}):\n{p.stderr[-3000:]}", pytrace=False)
        pid = _libvirtd_pid()
        assert pid is not None, "setup-host.sh succeeded but libvirtd has no pid file"
    netns = _netns_of(pid)
    if not netns and not os.environ.get("MINIKUBE_KVM2_TESTS_ROOT_NETNS"):
        pytest.fail(f"libvirtd (pid {pid}) runs in the root network namespace: the tests keep guest traffic "
                    f"inside a test namespace. Stop it (kill {pid}) and run again (scripts/setup-host.sh starts "
                    "it in $MINIKUBE_TEST_NETNS), or set MINIKUBE_KVM2_TESTS_ROOT_NETNS=1 on your own machine",
                    pytrace=False)
    return LibvirtHost(netns)


@pytest.fixture(scope="session")
def tiny_iso(libvirt_host: LibvirtHost) -> Path:
    """The tiny boot ISO: $MINIKUBE_TINY_ISO, or built (cached) by iso/build-tiny-iso.sh."""
    given = os.environ.get("MINIKUBE_TINY_ISO")
    if given:
        path = Path(given)
        assert path.is_file(), f"MINIKUBE_TINY_ISO={given} does not exist"
        return path
    p = subprocess.run(["bash", str(ISO_RECIPE)], capture_output=True, text=True, timeout=900)
    if p.returncode != 0:
        pytest.fail(f"iso/build-tiny-iso.sh failed ({p.returncode}):\n{p.stderr[-3000:]}", pytrace=False)
    return Path(p.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="session")
def blank_iso(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A boot image that boots nothing: the guest never runs DHCP (the no-lease case)."""
    path = tmp_path_factory.mktemp("blank") / "blank.iso"
    with open(path, "wb") as f:
        f.truncate(2 * 1024 * 1024)
    return path


@dataclass
class Leftovers:
    """Every domain and network a test may have made, removed at teardown whatever happened."""

    uri: str
    domains: set[str] = field(default_factory=set)
    networks: set[str] = field(default_factory=set)

    def profile(self, prefix: str = "mkt") -> str:
        name = f"{prefix}-{secrets.token_hex(3)}"
        self.domains.add(name)
        self.networks.add(f"mk-{name}")
        return name

    def clean(self) -> list[str]:
        import libvirt

        conn = libvirt_conn(self.uri)
        found = []
        try:
            for name in self.domains:
                try:
                    dom = conn.lookupByName(name)
                except libvirt.libvirtError:
                    continue
                found.append(f"domain {name}")
                if dom.isActive():
                    dom.destroy()
                dom.undefineFlags(libvirt.VIR_DOMAIN_UNDEFINE_NVRAM | libvirt.VIR_DOMAIN_UNDEFINE_MANAGED_SAVE)
            for name in self.networks:
                try:
                    net = conn.networkLookupByName(name)
                except libvirt.libvirtError:
                    continue
                found.append(f"network {name}")
                if net.isActive():
                    net.destroy()
                net.undefine()
        finally:
            conn.close()
        return found


@pytest.fixture
def leftovers(libvirt_host: LibvirtHost) -> Iterator[Leftovers]:
    lo = Leftovers(libvirt_host.uri)
    yield lo
    lo.clean()


@pytest.fixture(scope="session")
def kvm2_venv(tmp_path_factory: pytest.TempPathFactory, libvirt_host: LibvirtHost) -> Any:
    """A throwaway venv with the core and this driver installed by real pip installs.

    The wheelhouse holds the core, this driver and libvirt-python (under nox, taken from the run's
    wheelhouse, where it was built once; otherwise built from source against libvirt-dev by pip,
    and cached by pip's wheel cache).
    """
    from minikube.testing import Venv, Wheelhouse

    wh = Wheelhouse.build(tmp_path_factory.mktemp("wheelhouse"), CORE, PROJECT)
    venv = Venv.create(tmp_path_factory.mktemp("venv"), wh)
    venv.install("minikube-driver-kvm2")
    return venv


class Minikube(MinikubeCLI):
    """The real ``minikube`` console script of the test venv, with a MINIKUBE_HOME under /tmp, run
    inside the test namespace: ``start`` reaches its guests over SSH before it returns, and every
    packet to a guest stays in the namespace the tests made."""

    def __init__(self, venv: Any, home: Path, host: LibvirtHost) -> None:
        super().__init__(venv, home, env={"LIBVIRT_DEFAULT_URI": host.uri}, timeout=300)
        self.host = host

    def argv(self, *args: str) -> list[str]:
        return self.host.in_netns(super().argv(*args))


@pytest.fixture
def minikube(kvm2_venv: Any, tmp_path: Path, libvirt_host: LibvirtHost) -> Minikube:
    home = tmp_path / "mkhome"
    assert str(home).startswith("/tmp/"), f"MINIKUBE_HOME must be under /tmp, not {home}"
    return Minikube(kvm2_venv, home, libvirt_host)


def virsh(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["virsh", "-c", URI, *args], capture_output=True, text=True, timeout=60)


def assert_error(p: subprocess.CompletedProcess[str], reason: str, code: int) -> str:
    """minikube's one-line error with a reason ID, a suggestion, the right exit code, no traceback."""
    assert_error_line(p, reason, code)
    assert "* Suggestion:" in p.stderr, p.stdout + p.stderr
    return p.stderr
