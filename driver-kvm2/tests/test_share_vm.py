"""Shared folders on a real VM: virtio-fs on the real libvirtd, through the driver API, mounted in the
guest over SSH with the core's own mount command (``Share.mount_command``), as the core runs it.

The guest is the tiny ISO ($MINIKUBE_TINY_ISO, else built from iso/).  Where its kernel has no
virtiofs the host side is still checked (the device in the running domain, virtiofsd serving the
folder) and the test is skipped with the reason for the guest side.  The tiny ISO may have no
sudo: its root takes the same SSH key, so the mount command then runs as root with ``sudo``
standing for itself; with sudo it runs as the SSH user, as the core runs it.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Leftovers, LibvirtHost, virsh
from minikube import ClusterConfig
from minikube.machine import Share, State, parse_mount_string
from minikube_driver_kvm2 import KVMDriver, configure
from minikube_driver_kvm2._shares import has_cgroup
from minikube_driver_kvm2._xml import read_domain

pytestmark = pytest.mark.libvirt

SSH_OPTS = ("-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
            "-o", "ConnectTimeout=5", "-o", "BatchMode=yes")


class Guest:
    """Shell commands in the machine over real SSH, inside the test network namespace."""

    def __init__(self, host: LibvirtHost, d: KVMDriver) -> None:
        self.host, self.d = host, d
        self.user = "docker"

    def run(self, script: str, user: str = "", timeout: float = 60) -> subprocess.CompletedProcess[str]:
        argv = ["ssh", "-i", self.d.get_ssh_key_path(), *SSH_OPTS, f"{user or self.user}@{self.d.ip_address}", script]
        return subprocess.run(self.host.in_netns(argv), capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL)

    def ok(self, script: str) -> str:
        p = self.run(script)
        assert p.returncode == 0, f"{script!r} in the guest: exit {p.returncode}: {p.stdout}{p.stderr}"
        return p.stdout

    def wait(self, timeout: float = 120) -> None:
        """Until SSH answers; then whom the core's ``sudo`` commands run as (see the module doc)."""
        deadline = time.monotonic() + timeout
        while (p := self.run("true", user="docker", timeout=20)).returncode != 0:
            assert time.monotonic() < deadline, f"SSH never answered: {p.stderr}"
            time.sleep(1)
        if self.run("command -v sudo", user="docker").returncode != 0:
            self.user = "root"

    def sudo(self, command: str) -> str:
        """A command of the core's (written with sudo), as the core runs it."""
        return self.ok(command if self.user != "root" else 'sudo() { "$@"; }; ' + command)

    def has_virtiofs(self) -> bool:
        return self.run("grep -qw virtiofs /proc/filesystems || { modprobe virtiofs 2>/dev/null; "
                        "grep -qw virtiofs /proc/filesystems; }", user="root").returncode == 0


def virtiofsd_serving(host_dir: Path) -> list[int]:
    """Pids of the virtiofsd processes libvirt runs for ``host_dir``."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and argv[0].endswith(b"virtiofsd") and f"source={host_dir}".encode() in b" ".join(argv):
            pids.append(int(proc.name))
    return pids


def libvirtd_sees_cgroups() -> bool:
    """Whether libvirtd has a cgroup filesystem (not under ``ip netns exec``, which mounts a fresh /sys)."""
    pid = Path("/run/libvirtd.pid").read_text().strip()
    return " cgroup" in Path(f"/proc/{pid}/mounts").read_text()


def libvirtd_alive() -> bool:
    return subprocess.run(["virsh", "-c", "qemu:///system", "version"], capture_output=True).returncode == 0


@pytest.fixture
def machine(libvirt_host: LibvirtHost, tiny_iso: Path, leftovers: Leftovers, tmp_path: Path) -> Iterator[
        tuple[str, Path]]:
    name = leftovers.profile("mkshare")
    home = tmp_path / "mkhome"
    yield name, home
    # leftovers removes the domain and network whatever happened; the driver's own remove is tested


def new_driver(name: str, home: Path, iso: Path, *shares: Share) -> KVMDriver:
    cc = ClusterConfig(name=name, driver="kvm2", cpus=1, memory=1024, disk_size=2000, minikube_iso=iso.as_uri(),
                       store_path=str(home), mounts=[s.to_json() for s in shares])
    d = configure(cc)
    d.virt_type = "qemu"
    return d


def test_a_share_made_with_the_machine(libvirt_host: LibvirtHost, tiny_iso: Path, machine: tuple[str, Path],
                                       tmp_path: Path) -> None:
    name, home = machine
    src = tmp_path / "src"
    src.mkdir()
    (src / "host.txt").write_text("written on the host\n")
    share = parse_mount_string(f"{src}:/mnt/src", "virtiofs")
    d = new_driver(name, home, tiny_iso, share)
    d.pre_create_check()
    d.create()
    try:
        facts = read_domain(virsh("dumpxml", name).stdout)
        assert facts.shared_memory and facts.filesystems == {share.tag: str(src)}
        assert virtiofsd_serving(src), "libvirt started no virtiofsd for the share"
        guest = Guest(libvirt_host, d)
        guest.wait()
        if not guest.has_virtiofs():
            pytest.skip("the guest kernel has no virtiofs (the tiny ISO needs the virtiofs module): the device "
                        "and virtiofsd were checked, the mount in the guest was not")

        guest.sudo(share.mount_command())
        assert guest.ok("cat /mnt/src/host.txt") == "written on the host\n"
        guest.sudo("sudo sh -c 'echo written in the guest > /mnt/src/guest.txt'")
        assert (src / "guest.txt").read_text() == "written in the guest\n"

        d.stop()
        assert d.get_state() is State.STOPPED
        assert not virtiofsd_serving(src)  # it goes with the domain...
        d.start()
        assert virtiofsd_serving(src)  # ...and comes back with it
        guest.wait()
        guest.sudo(share.mount_command())  # the core mounts it again after every boot
        assert guest.ok("cat /mnt/src/guest.txt /mnt/src/host.txt") == "written in the guest\nwritten on the host\n"
    finally:
        d.remove()
        d.close()
    assert name not in virsh("list", "--all", "--name").stdout.split()
    assert sorted(p.name for p in src.iterdir()) == ["guest.txt", "host.txt"]  # delete leaves SRC alone
    assert (src / "host.txt").read_text() == "written on the host\n"
    assert not virtiofsd_serving(src)


@pytest.mark.skipif(not Path("/run/libvirtd.pid").exists() or libvirtd_sees_cgroups(),
                    reason="libvirtd has cgroups here: hot attach is allowed (test_hot_attach_and_detach)")
def test_hot_attach_is_refused_where_libvirt_would_crash(libvirt_host: LibvirtHost, tiny_iso: Path,
                                                         machine: tuple[str, Path], tmp_path: Path) -> None:
    """libvirtd without cgroups (the test namespace's): libvirt 9.0 would crash on the hot-plug, so kvm2
    says it cannot (NotImplementedError: the core tells the user to give the folder at creation)."""
    name, home = machine
    d = new_driver(name, home, tiny_iso)
    d.pre_create_check()
    d.create()
    try:
        src = tmp_path / "hot"
        src.mkdir()
        share = parse_mount_string(f"{src}:/mnt/hot", "virtiofs")
        dom = d._domain(d._connect())
        assert not has_cgroup(dom)
        with pytest.raises(NotImplementedError, match="without a cgroup"):
            d.attach_share(share)
        assert libvirtd_alive()
        assert read_domain(virsh("dumpxml", name).stdout).filesystems == {}
        assert not virtiofsd_serving(src)
        d.detach_share(share)  # nothing attached: nothing to do
    finally:
        d.remove()
        d.close()


@pytest.mark.skipif(not Path("/run/libvirtd.pid").exists() or not libvirtd_sees_cgroups(),
                    reason="libvirtd runs without cgroups here (as under ip netns exec), where libvirt 9.0 crashes "
                           "on a virtiofs hot-plug: kvm2 refuses it (test_hot_attach_is_refused_where_libvirt_would_crash)")
def test_hot_attach_and_detach(libvirt_host: LibvirtHost, tiny_iso: Path, machine: tuple[str, Path],
                               tmp_path: Path) -> None:
    """``minikube mount`` on a running machine: attach live, mount, use, unmount, detach."""
    name, home = machine
    d = new_driver(name, home, tiny_iso)
    d.pre_create_check()
    d.create()
    try:
        src = tmp_path / "hot"
        src.mkdir()
        (src / "host.txt").write_text("hot from the host\n")
        share = parse_mount_string(f"{src}:/mnt/hot", "virtiofs")
        d.attach_share(share)
        assert read_domain(virsh("dumpxml", name).stdout).filesystems == {share.tag: str(src)}
        assert read_domain(virsh("dumpxml", "--inactive", name).stdout).filesystems == {}  # live only
        assert virtiofsd_serving(src)
        guest = Guest(libvirt_host, d)
        guest.wait()
        if guest.has_virtiofs():
            guest.sudo(share.mount_command())
            assert guest.ok("cat /mnt/hot/host.txt") == "hot from the host\n"
            guest.sudo("sudo sh -c 'echo hot from the guest > /mnt/hot/guest.txt'")
            assert (src / "guest.txt").read_text() == "hot from the guest\n"
            guest.sudo(share.unmount_command())
        d.detach_share(share)
        assert read_domain(virsh("dumpxml", name).stdout).filesystems == {}
        assert not virtiofsd_serving(src)
        assert libvirtd_alive()
    finally:
        d.remove()
        d.close()
