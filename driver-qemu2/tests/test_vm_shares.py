"""Shared folders on real VMs: the tiny ISO booted under software emulation by the ordinary user
``mk-qemu-test`` in the loopback-only namespace (as test_vm.py), with a 9p share and with a
virtiofs share, all through the real ``minikube`` (``start --mount-string SRC:DST --mount-type
KIND``, which mounts the folder in the guest after create and after every start).

Checked: QEMU (the user's process) has the device with the share's tag, a virtiofs share's
virtiofsd runs as the user in a namespace that knows the user only (as the guest's ``docker``,
1000), the folder is mounted in the guest, the user's 0700 folder is read and written there by
``docker`` through virtiofs, shown as docker's own (9p shows host owners, so there the folder is
opened to others first), a guest-written file appears on the host owned by
the user, ``chown`` in the guest cannot make a host file root's, all again after stop and start,
and delete leaves the folder untouched.  Bad input through the same path: a kind nobody knows,
no virtiofsd, a virtiofs owner given by a name the host cannot know.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest
import vmhost
from minikube.machine import Share
from test_vm import SMALL, driver_config, files_left, ok
from vmhost import NETNS, USER, VMHost

pytestmark = pytest.mark.vm

#: The virtio device IDs the guest sees (linux/virtio_ids.h).
VIRTIO_ID = {"9p": "0x0009", "virtiofs": "0x001a"}
GUEST_DIR = "/mnt/share"


def create(host: VMHost, home: Path, kind: str, mount: str, *more: str, **env: str
           ) -> subprocess.CompletedProcess[str]:
    """``minikube start --mount-string MOUNT --mount-type KIND``, as the test user in the namespace."""
    return subprocess.run(host.argv(home, str(host.venv / "bin" / "minikube"), "start", "--driver", "qemu2",
                                    "--qemu-virt-type", "tcg", "--iso-url", str(host.iso), *SMALL,
                                    "--mount-string", mount, "--mount-type", kind, *more, **env),
                          capture_output=True, text=True, cwd=home, stdin=subprocess.DEVNULL, timeout=600)


def guest(host: VMHost, home: Path, command: str, user: str = "root") -> subprocess.CompletedProcess[str]:
    """``command`` in the guest over the machine's own key and forwarded port (root: the tiny ISO
    takes the key for root too), run by the test user in the namespace."""
    machine = home / ".minikube/machines/minikube"
    port = str(driver_config(home)["SSHPort"])
    return subprocess.run(host.argv(home, "ssh", "-i", str(machine / "id_rsa"), "-p", port, "-o", "BatchMode=yes",
                                    "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                                    "-o", "LogLevel=ERROR", f"{user}@127.0.0.1", command),
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120)


def assert_mounted(host: VMHost, home: Path, share: Share) -> None:
    assert f" {GUEST_DIR} {share.kind} " in ok(guest(host, home, "cat /proc/mounts")).stdout


def cmdline(pid: int) -> list[str]:
    return [a.decode() for a in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if a]


def virtiofsds(uid: int, source: str) -> list[int]:
    """Live virtiofsd processes of ``uid`` serving ``source``."""
    found = []
    for p in Path("/proc").iterdir():
        try:
            if not p.name.isdigit() or p.stat().st_uid != uid or " Z " in (p / "stat").read_text():
                continue
            argv = cmdline(int(p.name))
        except OSError:
            continue
        if argv and Path(argv[0]).name == "virtiofsd" and any(a.endswith(source) for a in argv):
            found.append(int(p.name))
    return found


def user_gid(host: VMHost) -> int:
    import pwd

    return pwd.getpwuid(host.uid).pw_gid


def as_user(host: VMHost, path: Path) -> None:
    os.chown(path, host.uid, user_gid(host))


@pytest.mark.parametrize("kind", ["9p", "virtiofs"])
def test_shared_folder_as_an_ordinary_user(host: VMHost, home: Path, kind: str) -> None:
    src = home / "share"
    src.mkdir(mode=0o700)  # the user's private folder
    (src / "from-host.txt").write_text("made on the host\n")
    (src / "from-host.txt").chmod(0o600)
    for p in (src, src / "from-host.txt"):
        as_user(host, p)
    if kind == "9p":  # QEMU's 9p shows host owners (dfltuid does not change them): docker needs the modes
        src.chmod(0o777)
        (src / "from-host.txt").chmod(0o644)
    made = ok(create(host, home, kind, f"{src}:{GUEST_DIR}"))
    assert f"Creating mount {src}:{GUEST_DIR} ..." in made.stderr
    said = "a 9p share shows the host's owners in the guest"  # the one kind that cannot map them: said
    assert (said in made.stderr) == (kind == "9p"), made.stderr
    profile = json.loads((home / ".minikube/profiles/minikube/config.json").read_text())
    (share,) = (Share.from_json(m) for m in profile["Mounts"])
    assert (share.kind, share.host_path, share.guest_path) == (kind, str(src), GUEST_DIR)
    assert driver_config(home)["Shares"] == [share.to_json()]

    # QEMU, the user's process, has the device with the share's tag
    (qemu,) = vmhost.qemu_pids(host.uid)
    argv = " ".join(cmdline(qemu))
    daemons = virtiofsds(host.uid, str(src))
    if kind == "9p":
        assert f"-virtfs local,path={src},mount_tag={share.tag},security_model=none,id=fs0" in argv
        assert daemons == []
    else:
        assert f"vhost-user-fs-pci,chardev=vfs0,tag={share.tag}" in argv and "share=on" in argv
        assert daemons, "no virtiofsd of the user serves the share"
        for pid in daemons:  # only the user is known to it, as the guest's docker (1000): no other host id
            assert Path(f"/proc/{pid}/uid_map").read_text().split() == ["1000", str(host.uid), "1"]
            assert Path(f"/proc/{pid}/gid_map").read_text().split() == ["1000", str(user_gid(host)), "1"]
    devices = ok(guest(host, home, "cat /sys/bus/virtio/devices/*/device")).stdout.split()
    assert VIRTIO_ID[kind] in devices, devices

    assert_mounted(host, home, share)  # by minikube start
    if kind == "9p":  # QEMU cannot add a 9p device to a running machine: minikube mount says how instead
        p = host.minikube(home, "mount", f"{src}:/mnt/later")
        assert p.returncode == 80, p.stderr
        assert one_line_error(p) == ("GUEST_MOUNT", "The qemu2 driver cannot add a shared folder to a running machine")
        assert f"--mount-string {src}:/mnt/later" in p.stderr
    docker = {"user": "docker"}
    if kind == "virtiofs":  # the user's folder is docker's own in the guest
        owners = ok(guest(host, home, f"stat -c %u:%g:%a {GUEST_DIR} {GUEST_DIR}/from-host.txt", **docker)).stdout
        assert owners.split() == ["1000:1000:700", "1000:1000:600"], owners
    assert ok(guest(host, home, f"cat {GUEST_DIR}/from-host.txt", **docker)).stdout == "made on the host\n"
    ok(guest(host, home, f"echo made in the guest > {GUEST_DIR}/from-guest.txt", **docker))
    made_by_guest = src / "from-guest.txt"
    assert made_by_guest.read_text() == "made in the guest\n"
    assert (made_by_guest.stat().st_uid, made_by_guest.stat().st_gid) == (host.uid, user_gid(host))  # the user's
    chown = guest(host, home, f"sudo chown 0:0 {GUEST_DIR}/from-guest.txt")
    assert made_by_guest.stat().st_uid == host.uid  # guest root cannot make a host file root's
    if kind == "virtiofs":  # refused outright: no host id stands for guest root
        assert chown.returncode != 0, chown.stdout
        made = guest(host, home, f"sudo touch {GUEST_DIR}/by-root.txt")
        assert made.returncode != 0 and not (src / "by-root.txt").exists(), made.stderr

    ok(host.minikube(home, "stop"))
    assert not vmhost.qemu_pids(host.uid) and not virtiofsds(host.uid, str(src))
    machine = home / ".minikube/machines/minikube"
    assert not list(machine.glob("virtiofsd-*.pid")) and not list(machine.glob("virtiofsd-*.sock"))
    (src / "while-stopped.txt").write_text("made while the machine was stopped\n")
    as_user(host, src / "while-stopped.txt")

    ok(host.minikube(home, "start"))
    (qemu,) = vmhost.qemu_pids(host.uid)
    assert share.tag in " ".join(cmdline(qemu))  # exposed again, with the same tag
    assert bool(virtiofsds(host.uid, str(src))) == (kind == "virtiofs")
    assert_mounted(host, home, share)  # again: a reboot forgets mounts
    out = ok(guest(host, home, f"cat {GUEST_DIR}/while-stopped.txt {GUEST_DIR}/from-guest.txt")).stdout
    assert out == "made while the machine was stopped\nmade in the guest\n"
    ok(guest(host, home, f"echo after the restart > {GUEST_DIR}/after-restart.txt", user="docker"))
    assert (src / "after-restart.txt").read_text() == "after the restart\n"
    before = {p.name: p.read_bytes() for p in src.iterdir()}

    ok(host.minikube(home, "delete"))
    assert not vmhost.qemu_pids(host.uid) and not virtiofsds(host.uid, str(src))
    assert files_left(home) == []
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before  # the folder is the user's, untouched
    assert src.stat().st_uid == host.uid


def one_line_error(p: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    m = re.search(r"^X Exiting due to (\w+): (.*)$", p.stderr, re.M)
    assert m, p.stderr
    return m.group(1), m.group(2)


def test_a_kind_qemu2_does_not_know(host: VMHost, home: Path) -> None:
    src = home / "share"
    src.mkdir()
    p = create(host, home, "nfs", f"{src}:{GUEST_DIR}")
    assert p.returncode == 14, p.stderr
    reason, message = one_line_error(p)
    assert reason == "MK_USAGE" and 'unknown mount type "nfs"' in message
    assert files_left(home) == [] and not vmhost.qemu_pids(host.uid)


def test_virtiofsd_missing(host: VMHost, home: Path) -> None:
    src = home / "share"
    src.mkdir()
    p = create(host, home, "virtiofs", f"{src}:{GUEST_DIR}", MINIKUBE_VIRTIOFSD="/nonexistent")
    assert p.returncode == 36, p.stderr
    reason, message = one_line_error(p)
    assert reason == "HOST_UNSUPPORTED" and "/nonexistent" in message
    assert "--mount-type 9p" in p.stderr
    assert files_left(home) == [] and not vmhost.qemu_pids(host.uid)


def test_a_virtiofs_owner_by_name_is_refused_before_anything_is_made(host: VMHost, home: Path) -> None:
    src = home / "share"
    src.mkdir()
    p = create(host, home, "virtiofs", f"{src}:{GUEST_DIR}", "--mount-uid", "root")
    assert p.returncode == 14, p.stderr
    reason, message = one_line_error(p)
    assert reason == "MK_USAGE" and 'its uid must be a number or "docker", not "root"' in message
    assert files_left(home) == [] and not vmhost.qemu_pids(host.uid)


def test_the_user_namespace_is_the_users(host: VMHost, home: Path) -> None:
    """What qemu2 runs a virtiofsd in, tried as the test user: the user alone, seen as 1000, without
    supplementary groups (QEMU's C virtiofsd would call setgroups), its capabilities kept."""
    from minikube.machine import userns_argv

    gid = user_gid(host)
    prefix = userns_argv((1000, 1000), host=(host.uid, gid), launcher_uid=host.uid)
    script = f"id -u; id -G; cat /proc/self/uid_map; stat -c %u {home}; grep CapEff /proc/self/status"
    command = " ".join(shlex.quote(a) for a in (*prefix, "sh", "-c", script))
    p = subprocess.run(["ip", "netns", "exec", NETNS, "runuser", "-u", USER, "--", "sh", "-c", command],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    uid, groups, uid_map, owner, caps = p.stdout.splitlines()
    assert (uid, groups, uid_map.split()[:2], owner) == ("1000", "1000", ["1000", "0"], "1000"), p.stdout
    assert int(caps.split()[1], 16) != 0
