"""The health check: QEMU's system emulator and qemu-img, with versions; what is missing comes
with its install command."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import HERE
from minikube.registry import Health
from minikube.testing import install_standin
from minikube_driver_qemu2._health import health, tool_version
from minikube_driver_qemu2._host import qemu_system


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "bin"
    d.mkdir()
    monkeypatch.setenv("PATH", str(d))
    return d


def test_nothing_installed(bin_dir: Path) -> None:
    h = health()
    assert isinstance(h, Health) and not h.installed and not h.healthy
    assert f'"{qemu_system()}" and "qemu-img"' in h.error
    assert "apt-get install qemu-system-x86 qemu-utils" in h.fix
    assert h.doc.startswith("https://minikube.sigs.k8s.io/docs/reference/drivers/qemu")


def test_qemu_img_missing(bin_dir: Path) -> None:
    install_standin(bin_dir, qemu_system(), HERE / "standins" / "qemu-system.py")
    h = health()
    assert not h.installed and '"qemu-img"' in h.error and qemu_system() not in h.error
    assert "qemu-utils" in h.fix


def test_versions(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install_standin(bin_dir, qemu_system(), HERE / "standins" / "qemu-system.py")
    install_standin(bin_dir, "qemu-img", HERE / "standins" / "qemu-img.py")
    monkeypatch.setattr("minikube_driver_qemu2._health.choose_accel",
                        lambda _r: __import__("minikube_driver_qemu2").Accel("kvm"))
    h = health()
    assert h.installed and h.healthy and h.running and not h.needs_improvement
    assert h.version == f"{qemu_system()} 7.2.22, qemu-img 7.2.22"


def test_software_emulation_needs_improvement(bin_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from minikube_driver_qemu2 import Accel

    install_standin(bin_dir, qemu_system(), HERE / "standins" / "qemu-system.py")
    install_standin(bin_dir, "qemu-img", HERE / "standins" / "qemu-img.py")
    monkeypatch.setattr("minikube_driver_qemu2._health.choose_accel",
                        lambda _r: Accel("tcg", "there is no /dev/kvm", "load kvm"))
    h = health()
    assert h.healthy and h.needs_improvement and h.fix == "load kvm (now: there is no /dev/kvm)"


def test_a_binary_that_does_not_run(bin_dir: Path) -> None:
    bad = bin_dir / qemu_system()
    bad.write_text("#!/bin/sh\nexit 3\n")
    bad.chmod(0o755)
    install_standin(bin_dir, "qemu-img", HERE / "standins" / "qemu-img.py")
    h = health()
    assert h.installed and not h.healthy and "does not run" in h.error
    assert tool_version(str(bad)) is None


def test_real_host() -> None:
    """On this machine, whatever it has: a Health, never an exception."""
    assert isinstance(health(), Health)
