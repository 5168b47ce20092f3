"""Real VMs on the real libvirtd, through the real ``minikube`` console script of a throwaway venv."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import Leftovers, Minikube, virsh
from minikube_driver_kvm2._host import Identity, choose_virt_type
from minikube_driver_kvm2._xml import read_domain

pytestmark = pytest.mark.libvirt

#: minikube's smallest machine without --force (which would also skip the health checks some tests
#: expect to fail): the disk is sparse and QEMU maps guest memory only as the tiny guest touches it.
SMALL = ("--memory", "1900mb", "--disk-size", "2000mb")


def domain_type(name: str) -> tuple[str, bool]:
    """The domain's type, and whether its CPU mode is host-passthrough."""
    root = ET.fromstring(virsh("dumpxml", name).stdout)
    cpu = root.find("cpu")
    return root.get("type", ""), cpu is not None and cpu.get("mode") == "host-passthrough"


def lease_ips(network: str) -> list[str]:
    return re.findall(r"(\d+\.\d+\.\d+\.\d+)/\d+", virsh("net-dhcp-leases", network).stdout)


def ssh_once(minikube: Minikube, name: str, *command: str, node: str = "") -> str:
    """One ``minikube ssh`` (to ``-n node`` if given), no retry: whatever command came before it
    (``start``, ``node add``) said the machine is ready, so it must answer the first time."""
    to_node = ("-n", node) if node else ()
    p = minikube("ssh", "-p", name, *to_node, "--", *command, timeout=120)
    assert p.returncode == 0, f"minikube ssh {' '.join(command)} right after it was ready: {p.stdout}{p.stderr}"
    return p.stdout


def virtiofsd_serving(host_dir: Path) -> list[int]:
    """Pids of the virtiofsd processes libvirt runs for ``host_dir``."""
    pids = []
    for proc in Path("/proc").iterdir():
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0") if proc.name.isdigit() else []
        except OSError:
            continue
        if argv and argv[0].endswith(b"virtiofsd") and f"source={host_dir}".encode() in b" ".join(argv):
            pids.append(int(proc.name))
    return pids


def assert_nothing_left(minikube: Minikube, name: str) -> None:
    assert name not in virsh("list", "--all", "--name").stdout.split()
    assert f"mk-{name}" not in virsh("net-list", "--all", "--name").stdout.split()
    assert not (minikube.home / "machines" / name).exists()
    assert not (minikube.home / "profiles" / name).exists()


def test_lifecycle_qemu(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile()
    p = minikube("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--iso-url", str(tiny_iso), *SMALL)
    assert p.returncode == 0, p.stderr
    out = ssh_once(minikube, name, "cat", "/proc/cmdline")  # right after start: ready means ready
    assert "host=minikube" in out and "console=ttyS0" in out
    assert domain_type(name) == ("qemu", False)  # software emulation: no host-passthrough

    p = minikube("status", "-p", name)
    assert p.returncode == 0 and "host: Running" in p.stdout, p.stdout + p.stderr
    p = minikube("ip", "-p", name)
    ip = p.stdout.strip()
    assert p.returncode == 0 and ip in lease_ips(f"mk-{name}"), (ip, p.stderr)
    assert f"running at {ip}" in minikube("start", "-p", name).stderr  # already running: says where

    assert ssh_once(minikube, name, "id", "-un").strip() == "docker"
    machine = minikube.home / "machines" / name
    assert (machine / "boot2docker.iso").stat().st_size == tiny_iso.stat().st_size
    assert "tiny-minikube" in (machine / "console.log").read_text(errors="replace")

    p = minikube("stop", "-p", name)
    assert p.returncode == 0, p.stderr
    p = minikube("status", "-p", name)
    assert p.returncode == 7 and "host: Stopped" in p.stdout, p.stdout + p.stderr
    assert virsh("domstate", name).stdout.strip() == "shut off"

    p = minikube("start", "-p", name)
    assert p.returncode == 0, p.stderr
    assert "host=minikube" in ssh_once(minikube, name, "cat", "/proc/cmdline")  # right after the restart
    assert minikube("ip", "-p", name).stdout.strip() == ip  # the static DHCP reservation

    p = minikube("delete", "-p", name)
    assert p.returncode == 0, p.stderr
    assert_nothing_left(minikube, name)


def test_auto_selection_and_auto_virt_type(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    name = leftovers.profile()
    p = minikube("start", "-p", name, "--iso-url", str(tiny_iso), *SMALL)
    assert p.returncode == 0, p.stderr
    assert "Automatically selected the kvm2 driver" in p.stderr
    choice = choose_virt_type("auto", Identity.current())
    assert domain_type(name) == (choice.virt_type, choice.virt_type == "kvm")
    assert ("For improved kvm2 performance" in p.stderr) is choice.software
    assert minikube("status", "-p", name).returncode == 0
    p = minikube("delete", "-p", name)
    assert p.returncode == 0, p.stderr
    assert_nothing_left(minikube, name)


def test_a_vanished_vm_is_nonexistent_and_start_makes_it_again(minikube: Minikube, tiny_iso: Path,
                                                                 leftovers: Leftovers) -> None:
    """``virsh undefine`` behind minikube's back: status says Nonexistent (7), and start makes the
    VM again from the saved options instead of failing with "Host does not exist"."""
    name = leftovers.profile()
    p = minikube("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--iso-url", str(tiny_iso), *SMALL)
    assert p.returncode == 0, p.stderr
    assert virsh("destroy", name).returncode == 0 and virsh("undefine", name).returncode == 0

    p = minikube("status", "-p", name)
    assert p.returncode == 7 and "host: Nonexistent" in p.stdout, p.stdout + p.stderr

    p = minikube("start", "-p", name)
    assert p.returncode == 0, p.stderr
    assert f'kvm2 "{name}" machine is missing, will recreate.' in p.stderr
    assert "Host does not exist" not in p.stderr
    assert domain_type(name) == ("qemu", False)  # the saved --kvm-virt-type, not auto
    assert minikube("status", "-p", name).returncode == 0
    ip = minikube("ip", "-p", name).stdout.strip()
    assert ip in lease_ips(f"mk-{name}") and f"running at {ip}" in p.stderr

    p = minikube("delete", "-p", name)
    assert p.returncode == 0, p.stderr
    assert_nothing_left(minikube, name)


def qemu_user(name: str) -> str:
    """The user the domain's QEMU process runs as, as ``ps`` shows it."""
    pid = Path(f"/run/libvirt/qemu/{name}.pid").read_text().strip()
    return subprocess.run(["ps", "-o", "user=", "-p", pid], capture_output=True, text=True, check=True).stdout.strip()


@pytest.mark.skipif(os.geteuid() != 0, reason="the case of minikube run by root")
def test_qemu_never_runs_as_root(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers) -> None:
    """minikube run by root (the README's main path, CI): QEMU runs as libvirt's unprivileged user,
    which can reach the machine's ISO and disks under a 0700 home but not its SSH key."""
    name = leftovers.profile()
    home = minikube.home.parent
    os.chmod(home, 0o700)  # as /root is
    p = minikube("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--iso-url", str(tiny_iso), *SMALL)
    assert p.returncode == 0, p.stderr
    user = qemu_user(name)
    assert user not in ("", "root") and user == libvirt_qemu_user(), user
    assert minikube("ip", "-p", name).stdout.strip() in lease_ips(f"mk-{name}")
    key = minikube.home / "machines" / name / "id_rsa"
    assert subprocess.run(["runuser", "-u", user, "--", "test", "-r", str(key)]).returncode != 0
    assert stat.S_IMODE(home.stat().st_mode) & 0o007 == 0  # the home is not opened to everybody

    assert minikube("stop", "-p", name).returncode == 0  # and again after a reboot
    assert minikube("start", "-p", name).returncode == 0
    assert qemu_user(name) == user

    p = minikube("delete", "-p", name)
    assert p.returncode == 0, p.stderr
    assert_nothing_left(minikube, name)
    import pwd

    from minikube_driver_kvm2 import _acl

    uid = pwd.getpwnam(user).pw_uid  # the way in is closed again: the last machine's delete took it back
    assert [d for d in (home, *home.parents) if _acl.user_perm(d, uid)] == []


def libvirt_qemu_user() -> str:
    """libvirt's QEMU user (its DAC base label)."""
    import pwd

    caps = ET.fromstring(virsh("capabilities").stdout)
    label = caps.findtext("./host/secmodel/baselabel") or ""
    return pwd.getpwuid(int(label.split(":")[0].lstrip("+"))).pw_name


def test_shared_folders_through_the_console_script(minikube: Minikube, tiny_iso: Path, leftovers: Leftovers,
                                                   tmp_path: Path) -> None:
    """``start --mount-string`` (virtiofs, kvm2's kind) and ``minikube mount`` on the running machine, as a
    user runs them; start runs in the test namespace, because minikube mounts over SSH to the guest."""
    import signal

    name = leftovers.profile()
    src = tmp_path / "src"
    src.mkdir(mode=0o700)  # private to the user who runs minikube (root here)
    (src / "host.txt").write_text("from the host\n")
    (src / "host.txt").chmod(0o600)
    p = minikube("start", "-p", name, "--driver", "kvm2", "--kvm-virt-type", "qemu", "--iso-url",
                          str(tiny_iso), *SMALL, "--mount-string", f"{src}:/data", timeout=400)
    assert p.returncode == 0, p.stderr
    assert f"Creating mount {src}:/data ..." in p.stderr
    profile = json.loads((minikube.home / "profiles" / name / "config.json").read_text())
    assert profile["MountType"] == "virtiofs" and profile["MountString"] == f"{src}:/data"
    (tag,) = (m["Tag"] for m in profile["Mounts"])
    facts = read_domain(virsh("dumpxml", name).stdout)
    assert facts.shared_memory and facts.filesystems == {tag: str(src)}  # a virtio-fs device, shared memory
    assert virtiofsd_serving(src), "libvirt runs no virtiofsd for the share"
    for pid in virtiofsd_serving(src):  # not root: the invoking user alone, as the guest's docker
        assert Path(f"/proc/{pid}/uid_map").read_text().split() == ["1000", str(os.getuid()), "1"]
    # minikube ssh is docker: the user's 0700 folder is docker's own
    assert ssh_once(minikube, name, "stat", "-c", "%u:%g:%a", "/data", "/data/host.txt").split() == [
        "1000:1000:700", "1000:1000:600"]
    assert ssh_once(minikube, name, "cat", "/data/host.txt") == "from the host\n"
    ssh_once(minikube, name, "echo from the guest > /data/guest.txt")
    assert (src / "guest.txt").read_text() == "from the guest\n"
    assert (src / "guest.txt").stat().st_uid == os.getuid()  # the invoking user's
    # guest root never acts as host root: no host id stands for it
    p = minikube("ssh", "-p", name, "--", "sudo touch /data/by-root; sudo chown 0:0 /data/guest.txt")
    assert p.returncode != 0 and not (src / "by-root").exists(), p.stdout + p.stderr
    assert ssh_once(minikube, name, "stat", "-c", "%u", "/data/guest.txt").strip() == "1000"

    assert minikube("stop", "-p", name).returncode == 0
    assert not virtiofsd_serving(src)  # it goes with the domain...
    p = minikube("start", "-p", name, timeout=400)
    assert p.returncode == 0 and f"Creating mount {src}:/data" in p.stderr, p.stderr
    assert virtiofsd_serving(src)  # ...and comes back with it
    assert ssh_once(minikube, name, "cat", "/data/guest.txt") == "from the guest\n"

    hot = tmp_path / "hot"
    hot.mkdir()
    (hot / "live.txt").write_text("shared while it runs\n")
    mount = subprocess.Popen(minikube.argv("mount", f"{hot}:/hot", "-p", name, "--uid", "1001", "--gid", "1002"),
                             env=minikube.full_env(), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    try:
        said = []
        assert mount.stderr is not None
        for line in mount.stderr:
            said.append(line)
            if "Successfully mounted" in line or "Exiting due to" in line:
                break
        assert f"Successfully mounted {hot} to /hot" in "".join(said), "".join(said)
        assert ssh_once(minikube, name, "cat", "/hot/live.txt") == "shared while it runs\n"
        assert ssh_once(minikube, name, "stat", "-c", "%u:%g", "/hot/live.txt").strip() == "1001:1002"  # --uid/--gid
        live = read_domain(virsh("dumpxml", name).stdout).filesystems
        assert len(live) == 2 and str(hot) in live.values() and virtiofsd_serving(hot)
        assert read_domain(virsh("dumpxml", "--inactive", name).stdout).filesystems == {tag: str(src)}  # live only
        assert str(mount.pid) in (minikube.home / "profiles" / name / ".mount-process").read_text()
        mount.send_signal(signal.SIGINT)
        rest = mount.communicate(timeout=120)[1]
    finally:
        mount.kill()
    assert mount.returncode == 11 and "Unmounting /hot ..." in rest and "Exiting due to MK_INTERRUPTED" in rest, rest
    p = minikube("ssh", "-p", name, "--", "mountpoint -q /hot || echo gone")
    assert "gone" in p.stdout, p.stdout + p.stderr
    assert not (minikube.home / "profiles" / name / ".mount-process").exists()
    assert read_domain(virsh("dumpxml", name).stdout).filesystems == {tag: str(src)}  # the device went away
    assert not virtiofsd_serving(hot)

    assert minikube("delete", "-p", name).returncode == 0
    assert_nothing_left(minikube, name)
    assert sorted(f.name for f in src.iterdir()) == ["guest.txt", "host.txt"]
    assert not virtiofsd_serving(src)
    assert (hot / "live.txt").read_text() == "shared while it runs\n"
