"""Bad input against the real libvirtd through the real CLI: one clear error with a reason ID and
a fix, the right exit code, and ``minikube delete`` afterwards leaves nothing behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import Leftovers, Minikube, assert_error, virsh
from test_integration import SMALL, assert_nothing_left

pytestmark = pytest.mark.libvirt


def start(minikube: Minikube, name: str, iso: Path | str, *extra: str, env: dict[str, str] | None = None
          ) -> subprocess.CompletedProcess[str]:
    return minikube("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--iso-url", str(iso),
                    *SMALL, *extra, env=env)


def delete_leaves_nothing(minikube: Minikube, name: str) -> None:
    p = minikube("delete", "-p", name)
    assert p.returncode == 0, p.stderr
    assert "Traceback" not in p.stderr
    assert_nothing_left(minikube, name)


def test_no_libvirtd(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile()
    gone = {"LIBVIRT_DEFAULT_URI": "qemu:///system?socket=/run/no-libvirtd-here/libvirt-sock"}
    err = assert_error(start(minikube, name, tiny_iso, env=gone), "PROVIDER_KVM2_NOT_RUNNING", 63)
    assert "libvirtd is not running" in err and "libvirtd -d" in err and "minikube-kvm2-setup-host" in err
    delete_leaves_nothing(minikube, name)


def test_the_commands_the_fixes_name_are_installed_with_the_wheel(minikube: Minikube) -> None:
    """A pip user has no checkout: the host set-up and the tiny ISO recipe come in the wheel, run
    by console scripts of the venv (their --help reads no script; the recipes must be inside)."""
    venv_bin = Path(minikube.executable).parent
    for command, recipe in (("minikube-kvm2-setup-host", "scripts/setup-host.sh"),
                            ("minikube-tiny-iso", "iso/build-tiny-iso.sh")):
        p = subprocess.run([str(venv_bin / command), "--help"], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0 and command in p.stdout, p.stdout + p.stderr
        found = subprocess.run([str(venv_bin / "python"), "-c", "from minikube_driver_kvm2._shipped import find; "
                                f"print(find({recipe!r}))"], capture_output=True, text=True, timeout=60)
        assert "site-packages/minikube_driver_kvm2/" + recipe in found.stdout, found.stdout + found.stderr


def test_wrong_uri(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile()
    err = assert_error(start(minikube, name, tiny_iso, "--kvm-qemu-uri", "qemu:///bogus"), "PR_KVM_URI", 68)
    assert "qemu:///bogus" in err
    delete_leaves_nothing(minikube, name)


def test_missing_network(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile()
    err = assert_error(start(minikube, name, tiny_iso, "--kvm-network", "no-such-net"), "PR_KVM_NETWORK", 65)
    assert "'no-such-net' does not exist" in err and "--kvm-network" in err
    delete_leaves_nothing(minikube, name)


def test_missing_iso(minikube: Minikube, leftovers: Leftovers, tmp_path: Path) -> None:
    name = leftovers.profile()
    err = assert_error(start(minikube, name, tmp_path / "nowhere.iso"), "MK_USAGE", 14)
    assert "nowhere.iso does not exist" in err
    delete_leaves_nothing(minikube, name)


def test_disk_smaller_than_the_image(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile()
    err = assert_error(minikube("start", "-p", name, "--driver", "kvm2", "--iso-url", str(tiny_iso),
                                "--disk-size", "2mb", "--force"), "MK_USAGE", 14)  # past minikube's 2000 MB
    assert "2 MB is smaller than the boot image" in err
    delete_leaves_nothing(minikube, name)


def test_foreign_domain_with_the_same_name(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers,
                                           tmp_path: Path) -> None:
    name = leftovers.profile()
    xml = tmp_path / "foreign.xml"
    xml.write_text(f"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><vcpu>1</vcpu>"
                   "<os><type>hvm</type></os></domain>")
    assert virsh("define", str(xml)).returncode == 0
    err = assert_error(start(minikube, name, tiny_iso), "PR_KVM_DOMAIN_EXISTS", 61)
    assert "not made by minikube" in err
    p = minikube("delete", "-p", name)  # removes what is ours, and nothing else
    assert p.returncode == 0, p.stderr
    assert name in virsh("list", "--all", "--name").stdout.split()  # the foreign domain: untouched
    assert f"mk-{name}" not in virsh("net-list", "--all", "--name").stdout.split()
    assert not (minikube.home / "machines" / name).exists()


def test_no_dhcp_lease(minikube: Minikube, blank_iso: Path, leftovers: Leftovers) -> None:
    """A guest that boots nothing never asks for a lease: DRV_NO_IP after --kvm-ip-timeout."""
    name = leftovers.profile()
    t = time.monotonic()
    err = assert_error(start(minikube, name, blank_iso, "--kvm-ip-timeout", "4"), "DRV_NO_IP", 52)
    assert time.monotonic() - t < 60
    assert "didn't return an IP after 4 seconds" in err and "console.log" in err
    assert name in virsh("list", "--name").stdout.split()  # left running for a look, until delete
    delete_leaves_nothing(minikube, name)


def test_kill_9_mid_create_then_delete(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile()
    argv = minikube.argv("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu",
                         "--iso-url", str(tiny_iso), *SMALL)
    proc = subprocess.Popen(argv, env=minikube.venv.env(minikube.env), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        # The test picks its moment to kill (the domain defined and booting: half-way), as a user
        # pressing kill -9 at some point would; it waits for no result of the product.
        while name not in virsh("list", "--name").stdout.split():
            assert proc.poll() is None, "minikube start ended before the domain was running"
            assert time.monotonic() < deadline, "the domain never started"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert f"mk-{name}" in virsh("net-list", "--all", "--name").stdout.split()
    delete_leaves_nothing(minikube, name)


@pytest.mark.parametrize(("extra", "env", "reason", "code", "says"), [
    (["--mount-type", "9p"], {}, "MK_USAGE", 14, "The kvm2 driver does not support 9p shared folders"),
    ([], {"MINIKUBE_VIRTIOFSD": "/nonexistent/virtiofsd"}, "HOST_UNSUPPORTED", 36, "/nonexistent/virtiofsd: not found"),
])
def test_bad_shared_folders_are_refused_before_anything_is_made(minikube: Minikube, tiny_iso: Path,
                                                                leftovers: Leftovers, tmp_path: Path,
                                                                extra: list[str], env: dict[str, str], reason: str,
                                                                code: int, says: str) -> None:
    name = leftovers.profile()
    src = tmp_path / "src"
    src.mkdir()
    err = assert_error(start(minikube, name, tiny_iso, "--mount-string", f"{src}:/data", *extra, env=env), reason,
                       code)
    assert says in err, err
    assert_nothing_left(minikube, name)
    assert list(src.iterdir()) == []
