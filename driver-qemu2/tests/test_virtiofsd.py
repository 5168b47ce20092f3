"""virtiofsd: which one the host has, how it runs as an ordinary user, what is missing and the
fix; and real ones (QEMU's C virtiofsd) started, served to a real QEMU and stopped."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import HERE, need_qemu
from minikube import MinikubeError
from minikube.machine._idmap import inner_argv
from minikube.testing import install_standin
from minikube_driver_qemu2 import _virtiofsd
from minikube_driver_qemu2._virtiofsd import Virtiofsd

C_VIRTIOFSD = "/usr/lib/qemu/virtiofsd"


@pytest.fixture
def standin(tmp_path: Path) -> Path:
    return install_standin(tmp_path / "bin", "virtiofsd", HERE / "standins" / "virtiofsd.py")


@pytest.mark.parametrize(("kind", "rust", "version"), [
    ("rust", True, "virtiofsd 1.10.1"),
    ("c", False, "virtiofsd version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)"),
    ("c-user", False, ""),  # QEMU's, run by an ordinary user: it cannot even say its version
])
def test_identify(standin: Path, monkeypatch: pytest.MonkeyPatch, kind: str, rust: bool, version: str) -> None:
    monkeypatch.setenv("STANDIN_VIRTIOFSD", kind)
    v = _virtiofsd.identify(str(standin))
    assert (v.path, v.rust, v.version) == (str(standin), rust, version)


def test_find_takes_qemus_virtiofsd_that_refuses_an_ordinary_user(standin: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The core's find_virtiofsd wants --version to succeed; QEMU's fails it unless run by root."""
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", str(standin))
    monkeypatch.setenv("STANDIN_VIRTIOFSD", "c-user")
    assert _virtiofsd.find() == Virtiofsd(str(standin), rust=False, version="")
    monkeypatch.setenv("STANDIN_VIRTIOFSD", "rust")
    assert _virtiofsd.find().rust


@pytest.mark.parametrize("missing", ["/nonexistent", "/etc/hostname"])
def test_no_virtiofsd(monkeypatch: pytest.MonkeyPatch, missing: str) -> None:
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", missing)
    with pytest.raises(MinikubeError) as e:
        _virtiofsd.check_host()
    assert e.value.reason_id == "HOST_UNSUPPORTED" and missing in e.value.message
    assert "\n" not in e.value.message and "--mount-type 9p" in e.value.fix


def test_command_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """Either virtiofsd runs in the one-id namespace, seeing the user as the guest owner; an
    ordinary user clears its groups in an outer namespace of its subordinate ids first."""
    c, rust = Virtiofsd("/usr/lib/qemu/virtiofsd", rust=False), Virtiofsd("/usr/libexec/virtiofsd", rust=True)
    monkeypatch.setattr(os, "geteuid", lambda: os.getuid())
    monkeypatch.setattr(os, "getuid", lambda: 1000)
    argv = c.argv(5, "/src", (1001, 1002))
    assert argv[-4:] == ["/usr/lib/qemu/virtiofsd", "--fd=5", "-o", "source=/src"]
    assert argv[-10:-4] == inner_argv((1001, 1002)) and "--map-users=auto" in argv and "--clear-groups" in argv
    assert rust.argv(5, "/src", (1000, 1000))[-4:] == ["/usr/libexec/virtiofsd", "--fd=5", "--shared-dir=/src",
                                                       "--sandbox=none"]
    monkeypatch.setattr(os, "geteuid", lambda: 0)  # root: setpriv to root without groups, then the same
    monkeypatch.setattr(os, "getuid", lambda: 0)
    argv = c.argv(5, "/src", (1000, 1000))
    assert os.path.basename(argv[0]) == "setpriv" and "--map-users=auto" not in argv
    assert argv[-10:-4] == inner_argv((1000, 1000))
    assert rust.argv(5, "/src", (1000, 1000))[-3:] == ["/usr/libexec/virtiofsd", "--fd=5", "--shared-dir=/src"]


def test_subordinate_ids(tmp_path: Path) -> None:
    f = tmp_path / "subuid"
    f.write_text("alice:100000:65536\n1001:200000:65536\nbob:300000:1000\n# junk\ncarol:x:y\n")
    assert _virtiofsd.has_subids(str(f), "alice", 1000)
    assert _virtiofsd.has_subids(str(f), "dave", 1001)  # by uid
    assert not _virtiofsd.has_subids(str(f), "bob", 1002)  # too few: guest uid 1000 would have no owner
    assert not _virtiofsd.has_subids(str(f), "carol", 1003)
    assert not _virtiofsd.has_subids(str(tmp_path / "none"), "alice", 1000)


C = Virtiofsd("/usr/lib/qemu/virtiofsd", rust=False, version="virtiofsd version 7.2.22")


@pytest.fixture
def ordinary(monkeypatch: pytest.MonkeyPatch) -> None:
    """minikube run by an ordinary user (root's namespace needs no newuidmap nor subordinate ids)."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)


def test_userns_problem_no_uidmap(ordinary: None, monkeypatch: pytest.MonkeyPatch) -> None:
    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda t: None if t in ("newuidmap", "newgidmap") else real(t))
    e = _virtiofsd.userns_problem(C, "alice", "unshare: failed to execute newuidmap: No such file or directory")
    assert e.reason_id == "HOST_UNSUPPORTED" and "needs newuidmap and newgidmap" in e.message
    assert "apt-get install uidmap" in e.fix and "--mount-type 9p" in e.fix


def test_userns_problem_no_subids(ordinary: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda t: f"/usr/bin/{t}")
    (tmp_path / "subuid").write_text("alice:100000:65536\n")
    (tmp_path / "subgid").write_text("")
    monkeypatch.setattr(_virtiofsd, "SUBID_FILES", (str(tmp_path / "subuid"), str(tmp_path / "subgid")))
    e = _virtiofsd.userns_problem(C, "alice", "newgidmap: gid range [1-65536) -> [100000-165536) not allowed")
    assert e.reason_id == "HOST_UNSUPPORTED" and f"{tmp_path}/subgid" in e.message and "subuid" not in e.message
    assert "sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 alice" in e.fix
    assert "\n" not in e.message + e.fix


def test_userns_problem_old_unshare_and_otherwise(ordinary: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(shutil, "which", lambda t: f"/usr/bin/{t}")
    (tmp_path / "subid").write_text("alice:100000:65536\n")
    monkeypatch.setattr(_virtiofsd, "SUBID_FILES", (str(tmp_path / "subid"),) * 2)
    e = _virtiofsd.userns_problem(C, "alice", "unshare: unrecognized option '--map-users=auto'")
    assert "util-linux >= 2.38" in e.message
    e = _virtiofsd.userns_problem(C, "alice", "unshare: unshare failed: Operation not permitted")
    assert "unshare failed" in e.message and "unprivileged_userns_clone" in e.fix


# --- real virtiofsd processes ----------------------------------------------------------------

@pytest.fixture
def real_c() -> Virtiofsd:
    if not os.access(C_VIRTIOFSD, os.X_OK):
        pytest.skip(f"needs QEMU's virtiofsd at {C_VIRTIOFSD} (Debian 12: qemu-system-common)")
    if os.geteuid() != 0:
        pytest.skip("run by root here; as an ordinary user in test_vm.py (a user namespace)")
    v = _virtiofsd.identify(C_VIRTIOFSD)
    assert not v.rust and v.version.startswith("virtiofsd version"), v
    return v


@pytest.fixture
def mdir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / ("deep-" + "d" * 90) / "m"  # too long for a Unix socket's path: bound through /proc/self/fd
    d.mkdir(parents=True)
    (tmp_path / "src").mkdir()
    yield d
    for pidfile in d.glob("*.pid"):
        try:
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
        except (OSError, ValueError):
            pass


def cheap_qemu_with_share(mdir: Path) -> subprocess.CompletedProcess[str]:
    """A paused QEMU (no guest runs) with one vhost-user-fs device on virtiofsd-0.sock."""
    return subprocess.run([need_qemu(), "-display", "none", "-nodefaults", "-S", "-m", "64",
                           "-object", "memory-backend-memfd,id=mem,size=64M,share=on", "-machine", "memory-backend=mem",
                           "-chardev", "socket,id=vfs0,path=virtiofsd-0.sock",
                           "-device", "vhost-user-fs-pci,chardev=vfs0,tag=mk-test", "-pidfile", str(mdir / "qemu.pid"),
                           "-daemonize"], cwd=mdir, capture_output=True, text=True, timeout=60)


def test_served_to_qemu_then_gone_with_it(real_c: Virtiofsd, mdir: Path) -> None:
    src = str(mdir.parent.parent / "src")
    assert len(str(mdir / "virtiofsd-0.sock")) > 108
    pid = _virtiofsd.start(real_c, mdir, 0, src, "virtiofsd-0.sock")
    assert (mdir / "virtiofsd-0.pid").read_text().strip() == str(pid)
    assert _virtiofsd.running(mdir, 0, src) == pid
    assert not _virtiofsd.owns(pid, "/elsewhere")  # not this share's: not believed
    q = cheap_qemu_with_share(mdir)
    assert q.returncode == 0, q.stderr
    assert _virtiofsd.owns(pid, src)
    deadline = time.monotonic() + 10
    while "Received vhost-user socket connection" not in (mdir / "virtiofsd-0.log").read_text():
        assert time.monotonic() < deadline, (mdir / "virtiofsd-0.log").read_text()
        time.sleep(0.1)
    os.kill(int((mdir / "qemu.pid").read_text()), signal.SIGTERM)  # QEMU goes: virtiofsd follows by itself
    t = time.monotonic()
    _virtiofsd.stop(mdir, 0, src, "virtiofsd-0.sock")
    assert time.monotonic() - t < _virtiofsd.EXIT_GRACE
    assert not _virtiofsd.owns(pid, src)
    assert not (mdir / "virtiofsd-0.pid").exists() and not (mdir / "virtiofsd-0.sock").exists()


def test_stop_terminates_one_no_qemu_hung_up(real_c: Virtiofsd, mdir: Path) -> None:
    src = str(mdir.parent.parent / "src")
    pid = _virtiofsd.start(real_c, mdir, 3, src, "virtiofsd-3.sock")
    _virtiofsd.stop(mdir, 3, src, "virtiofsd-3.sock", grace=0.0)
    assert not _virtiofsd.owns(pid, src)
    assert list(mdir.iterdir()) == [mdir / "virtiofsd-3.log"]


def test_stale_pidfile(mdir: Path) -> None:
    (mdir / "virtiofsd-0.pid").write_text(f"{os.getpid()}\n")  # alive, but not a virtiofsd
    assert _virtiofsd.running(mdir, 0, "/src") is None
    assert not (mdir / "virtiofsd-0.pid").exists()
    _virtiofsd.stop(mdir, 0, "/src", "virtiofsd-0.sock")  # nothing to stop
