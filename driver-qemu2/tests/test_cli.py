"""qemu2 through the real ``minikube`` command, without booting a guest: listing, auto-selection,
and bad input (qemu missing, QEMU exiting at once, bad options), each one line in minikube's form
with the reason's exit code, and nothing left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import HERE
from minikube.testing import MinikubeCLI, install_standin, parse_error_line
from minikube_driver_qemu2._host import qemu_system

SMALL = ("--memory", "1900mb", "--cpus", "2", "--disk-size", "2000mb")


@pytest.fixture
def iso(tmp_path: Path) -> Path:
    f = tmp_path / "fake.iso"
    f.write_bytes(b"\0" * 65536)
    return f


@pytest.fixture
def mk(tmp_path: Path) -> Iterator[MinikubeCLI]:
    cli = MinikubeCLI(Path(sys.executable).with_name("minikube"), tmp_path / "home", timeout=120)
    yield cli
    for line in qemu_processes(cli.home):  # whatever a failed test left running
        os.kill(int(line.split()[0]), signal.SIGKILL)


def standin_path(tmp_path: Path, *, qemu_img: bool = True) -> str:
    """A PATH whose qemu-system is the stand-in (fails at once); qemu-img the real one (or none)."""
    bin_dir = tmp_path / "standin-bin"
    install_standin(bin_dir, qemu_system(), HERE / "standins" / "qemu-system.py")
    if qemu_img:
        real = shutil.which("qemu-img")
        if real is None:
            pytest.skip("needs qemu-img (Debian: apt-get install qemu-utils)")
        (bin_dir / "qemu-img").symlink_to(real)
    return f"{bin_dir}:/usr/bin:/bin"


def assert_nothing_left(mk: MinikubeCLI, name: str) -> None:
    assert not (mk.home / "machines" / name).exists()
    assert not (mk.home / "profiles" / name).exists()
    assert not qemu_processes(mk.home)


def qemu_processes(home: Path) -> list[str]:
    p = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True)
    return [line for line in p.stdout.splitlines() if "qemu-system" in line and str(home) in line]


def test_listed_without_import(mk: MinikubeCLI) -> None:
    row = mk.drivers()["qemu2"]
    assert row["distribution"] == "minikube-driver-qemu2"
    assert row["aliases"] == ["qemu"] and row["type"] == "builtin"
    assert row["capabilities"]["parallel"] and row["capabilities"]["boot_image"]
    assert row["platforms"] == ["linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64"]
    assert row["priority"] == "Default"


def test_ranked_below_kvm2() -> None:
    """On Linux a healthy kvm2 (Preferred) wins auto-selection; qemu2 (Default) is next."""
    from minikube.registry import Priority

    here = Path(__file__).resolve().parents[2]
    kvm2 = (here / "driver-kvm2/src/minikube_driver_kvm2/minikube-driver.toml").read_text()
    qemu2 = (here / "driver-qemu2/src/minikube_driver_qemu2/minikube-driver.toml").read_text()
    import tomllib

    pk = Priority[tomllib.loads(kvm2)["drivers"]["kvm2"]["priority"].upper()]
    pq = Priority[tomllib.loads(qemu2)["drivers"]["qemu2"]["priority"].upper()]
    assert pk > pq > Priority.DISCOURAGED  # both may be auto-selected; kvm2 first


def test_qemu_missing(mk: MinikubeCLI, iso: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for driver in ("qemu2", "qemu"):
        p = mk.fails(["start", "--driver", driver, "--iso-url", str(iso), *SMALL], "PROVIDER_QEMU2_NOT_FOUND", 65,
                     env={"PATH": str(empty)})
        assert "apt-get install qemu-system-x86 qemu-utils" in p.stderr, p.stderr
    assert_nothing_left(mk, "minikube")


def test_qemu_img_missing(mk: MinikubeCLI, iso: Path, tmp_path: Path) -> None:
    p = mk.fails(["start", "--driver", "qemu2", "--iso-url", str(iso), *SMALL], "PROVIDER_QEMU2_NOT_FOUND", 65,
                 env={"PATH": str(tmp_path / "standin-bin")} if standin_path(tmp_path, qemu_img=False) else {})
    assert '"qemu-img"' in parse_error_line(p.stderr).message and "qemu-utils" in p.stderr
    assert_nothing_left(mk, "minikube")


def test_qemu_exits_at_once(mk: MinikubeCLI, iso: Path, tmp_path: Path) -> None:
    """Auto-selected (no kvm2 here, or an unhealthy one), then QEMU fails: one line with its stderr."""
    env = {"PATH": standin_path(tmp_path)}
    if "kvm2" in mk.drivers(env=env):
        args = ["start", "--driver", "qemu2"]
    else:
        args = ["start"]
    p = mk.fails([*args, "--iso-url", str(iso), *SMALL], "PR_QEMU_EXITED", 69, env=env)
    line = parse_error_line(p.stderr)
    assert "QEMU exited at start" in line.message and "Permission denied" in line.message
    if args == ["start"]:
        assert "Automatically selected the qemu2 driver" in p.stderr
    machine = mk.home / "machines" / "minikube"
    assert sorted(os.listdir(machine)) == ["config.json"]  # the driver's files are gone; the record is minikube's
    mk.ok("delete")
    assert_nothing_left(mk, "minikube")


@pytest.mark.parametrize(("flag", "value", "reason", "code", "says"), [
    ("--qemu-virt-type", "xen", "MK_USAGE", 14, "use auto, kvm, hvf or tcg"),
    ("--qemu-network", "socket_vmnet", "MK_USAGE", 14, "must be 'builtin'"),
    ("--qemu-ssh-timeout", "-5", "MK_USAGE", 14, "positive"),
    ("--qemu-virt-type", "hvf", "PR_QEMU_ACCEL", 69, "HVF is macOS only"),
])
def test_bad_options(mk: MinikubeCLI, iso: Path, tmp_path: Path, flag: str, value: str, reason: str, code: int,
                     says: str) -> None:
    p = mk.fails(["start", "--driver", "qemu2", "--iso-url", str(iso), *SMALL, flag, value], reason, code,
                 env={"PATH": standin_path(tmp_path)})
    assert says in p.stderr
    assert_nothing_left(mk, "minikube")


def test_several_nodes_are_refused(mk: MinikubeCLI, iso: Path, tmp_path: Path) -> None:
    """qemu2 does not declare ``multinode`` (its user-mode network keeps machines apart): refused
    by the capability rule before anything is made, named by flag or by MINIKUBE_DRIVER."""
    path = standin_path(tmp_path)
    for how in (["--driver", "qemu2"], []):
        p = mk.fails(["start", *how, "--nodes", "2", "--iso-url", str(iso), *SMALL], "MK_USAGE", 14,
                     env={"PATH": path, "MINIKUBE_DRIVER": "qemu2"})
        assert "The qemu2 driver does not support more than one node (--nodes 2)" in p.stderr
        assert_nothing_left(mk, "minikube")


def test_missing_iso(mk: MinikubeCLI, tmp_path: Path) -> None:
    p = mk.fails(["start", "--driver", "qemu2", "--iso-url", str(tmp_path / "nowhere.iso"), *SMALL],
                 "MK_USAGE", 14, env={"PATH": standin_path(tmp_path)})
    assert "nowhere.iso" in p.stderr
    assert_nothing_left(mk, "minikube")


def test_delete_of_nothing(mk: MinikubeCLI) -> None:
    mk.ok("delete", "-p", "never-made")


def test_machine_dir_in_the_way(mk: MinikubeCLI, iso: Path, tmp_path: Path) -> None:
    """The template's reason: a file where the machine's directory goes."""
    (mk.home / "machines").mkdir(parents=True)
    (mk.home / "machines" / "minikube").write_text("in the way")
    p = mk.fails(["start", "--driver", "qemu2", "--iso-url", str(iso), *SMALL], "PR_QEMU2_MACHINE_DIR", 67,
                 env={"PATH": standin_path(tmp_path)})
    assert "is not a directory" in p.stderr
    assert (mk.home / "machines" / "minikube").read_text() == "in the way"  # left alone


def test_health_shows_the_versions(mk: MinikubeCLI, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    install_standin(bin_dir, qemu_system(), HERE / "standins" / "qemu-system.py")
    install_standin(bin_dir, "qemu-img", HERE / "standins" / "qemu-img.py")
    p = mk.ok("drivers", "list", "--health", env={"PATH": str(bin_dir)})
    (line,) = [x for x in p.stdout.splitlines() if x.startswith("qemu2 ")]
    assert f"healthy [{qemu_system()} 7.2.22, qemu-img 7.2.22]" in line, line
