"""Host facts: who may enter a directory or open /dev/kvm, the CPU flags, auto virt type, states."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from minikube.machine import State
from minikube_driver_kvm2 import choose_virt_type, cpu_has_hw_virt, machine_state
from minikube_driver_kvm2._host import Identity, blocking_directory, dev_kvm_fix, dev_kvm_problem, is_local_system_uri

NOBODY = Identity("someone", 54321, 54321, frozenset({54321}))
ROOT = Identity("root", 0, 0, frozenset({0}))
INTEL = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr vmx ept\n"
AMD = "processor\t: 0\nflags\t\t: fpu svm npt\n"
NESTED = "processor\t: 0\nflags\t\t: fpu vme de pse tsc msr hypervisor\n"


def test_cpu_flags() -> None:
    assert cpu_has_hw_virt(INTEL) and cpu_has_hw_virt(AMD)
    assert not cpu_has_hw_virt(NESTED)
    assert not cpu_has_hw_virt("model name\t: vmx-lookalike svm-ish\n")
    assert not cpu_has_hw_virt("")


def test_permission_bits(tmp_path: Path) -> None:
    f = tmp_path / "f"
    f.write_text("x")
    os.chmod(f, 0o640)
    st = os.stat(f)
    owner = Identity("o", st.st_uid, st.st_gid, frozenset({st.st_gid}))
    group = Identity("g", st.st_uid + 1, st.st_gid + 1, frozenset({st.st_gid}))
    assert owner.may(st, 6) and group.may(st, 4) and not group.may(st, 2)
    assert not NOBODY.may(st, 4)
    assert ROOT.may(st, 7)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A directory under /tmp that anyone may enter (pytest's tmp_path root is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="kvm2-test-", dir="/tmp"))
    os.chmod(path, 0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


def test_blocking_directory_finds_the_0700_one(open_dir: Path) -> None:
    tmp_path = open_dir
    home = tmp_path / "home"
    (home / "machines" / "m").mkdir(parents=True)
    os.chmod(home, 0o700)
    target = home / "machines" / "m" / "boot2docker.iso"
    assert blocking_directory(target, NOBODY) == home
    assert blocking_directory(target, ROOT) is None
    os.chmod(home, 0o711)
    os.chmod(home / "machines", 0o711)
    os.chmod(home / "machines" / "m", 0o711)
    assert blocking_directory(target, NOBODY) is None
    # directories that do not exist yet are made later, for QEMU's user
    assert blocking_directory(tmp_path / "new" / "machines" / "m" / "x.iso", NOBODY) is None


def test_dev_kvm_problem(tmp_path: Path) -> None:
    assert dev_kvm_problem(NOBODY, str(tmp_path / "absent")) == ""
    plain = tmp_path / "kvm"
    plain.write_text("")
    assert "not a character device" in dev_kvm_problem(NOBODY, str(plain))
    assert dev_kvm_problem(NOBODY, "/dev/null") == ""  # crw-rw-rw-
    if os.path.exists("/dev/kvm"):
        st = os.stat("/dev/kvm")
        outsider = Identity("outsider", 54321, 54321, frozenset({54321}))
        member = Identity("member", 54321, 54321, frozenset({st.st_gid}))
        if st.st_mode & 0o006 != 0o006:
            assert "cannot be opened read-write by outsider" in dev_kvm_problem(outsider)
        if st.st_mode & 0o060 == 0o060:
            assert dev_kvm_problem(member) == ""


def test_dev_kvm_fix_names_the_group_for_users() -> None:
    assert dev_kvm_fix(ROOT) == "Run: chgrp kvm /dev/kvm && chmod 0660 /dev/kvm"
    assert "usermod --append --groups kvm someone" in dev_kvm_fix(NOBODY)


def test_auto_picks_kvm_only_with_a_usable_dev_kvm_and_cpu_flags(tmp_path: Path) -> None:
    usable = "/dev/null"  # a character device anyone may open: stands for a usable /dev/kvm
    assert choose_virt_type("auto", NOBODY, usable, INTEL).virt_type == "kvm"
    nested = choose_virt_type("auto", NOBODY, usable, NESTED)
    assert nested.virt_type == "qemu" and "vmx or svm" in nested.why and nested.software
    missing = choose_virt_type("auto", NOBODY, str(tmp_path / "kvm"), INTEL)
    assert missing.virt_type == "qemu" and "no " in missing.why
    plain = tmp_path / "plainkvm"
    plain.write_text("")
    assert choose_virt_type("auto", NOBODY, str(plain), INTEL).virt_type == "qemu"
    for asked in ("kvm", "qemu"):
        assert choose_virt_type(asked, NOBODY, str(tmp_path / "kvm"), NESTED).virt_type == asked


def test_auto_on_this_host() -> None:
    """The real /dev/kvm and /proc/cpuinfo: kvm exactly when both allow it."""
    choice = choose_virt_type("auto", Identity.current())
    cpu = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    kvm_ok = os.path.exists("/dev/kvm") and dev_kvm_problem(Identity.current()) == ""
    assert choice.virt_type == ("kvm" if kvm_ok and cpu_has_hw_virt(cpu) else "qemu")


@pytest.mark.parametrize("code, state", [
    (0, State.NONE), (1, State.RUNNING), (2, State.ERROR), (3, State.PAUSED), (4, State.STOPPING),
    (5, State.STOPPED), (6, State.ERROR), (7, State.SAVED), (99, State.NONE)])
def test_state_mapping(code: int, state: State) -> None:
    assert machine_state(code) is state


def test_local_system_uri() -> None:
    assert is_local_system_uri("qemu:///system")
    assert is_local_system_uri("qemu:///system?socket=/run/x.sock")
    assert is_local_system_uri("qemu+unix:///system")
    assert not is_local_system_uri("qemu:///session")
    assert not is_local_system_uri("qemu+ssh://host/system")
    assert not is_local_system_uri("test:///default")


# --- root's machines: QEMU runs as libvirt's user, let through by ACL entries --------------------

def test_acl_check_follows_the_kernel_order(tmp_path: Path) -> None:
    from minikube_driver_kvm2 import _acl

    st = os.stat(tmp_path)  # owner root (or us), group: ours
    qemu, other = 64055, 54321
    base = [(_acl.USER_OBJ, 7, _acl.UNDEFINED_ID), (_acl.GROUP_OBJ, 0, _acl.UNDEFINED_ID),
            (_acl.OTHER, 0, _acl.UNDEFINED_ID)]
    named = [*base, (_acl.USER, 1, qemu), (_acl.MASK, 1, _acl.UNDEFINED_ID)]
    assert _acl.allows(named, st, qemu, frozenset({qemu}), 1)
    assert not _acl.allows(named, st, qemu, frozenset({qemu}), 4)  # search only, no listing
    assert not _acl.allows(named, st, other, frozenset({other}), 1)
    masked = [*base, (_acl.USER, 1, qemu), (_acl.MASK, 0, _acl.UNDEFINED_ID)]  # after a chmod 0700
    assert not _acl.allows(masked, st, qemu, frozenset({qemu}), 1)


def test_unprivileged_qemu_user_comes_from_libvirts_base_label() -> None:
    from minikube_driver_kvm2._libvirt import unprivileged_qemu_user

    assert unprivileged_qemu_user(["+64055:+64055"]) == (64055, 64055)
    assert unprivileged_qemu_user(["+107:+107", "+0:+0"]) == (107, 107)
    import pwd

    from minikube import DriverError
    from minikube_driver_kvm2._libvirt import QEMU_USERS

    users = [pw for pw in pwd.getpwall() if pw.pw_name in QEMU_USERS]
    if users:  # libvirt told to run QEMU as root: one of the users its packages make, never root
        assert unprivileged_qemu_user(["+0:+0"])[0] in {pw.pw_uid for pw in users}
    else:
        with pytest.raises(DriverError) as e:
            unprivileged_qemu_user(["+0:+0"])
        assert e.value.reason.id == "PR_KVM_USER_PERMISSION"


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root and runuser")
def test_open_path_lets_only_qemus_user_through_a_private_home(open_dir: Path) -> None:
    import pwd

    from minikube_driver_kvm2 import _acl
    from minikube_driver_kvm2._disk import open_path_for

    user = pwd.getpwnam("nobody")
    who = Identity.of_label(user.pw_uid, user.pw_gid)
    home = open_dir / "root-home"
    mdir = home / ".minikube" / "machines" / "m"
    mdir.mkdir(parents=True)
    for d in (home, home / ".minikube", home / ".minikube" / "machines", mdir):
        os.chmod(d, 0o700)
    iso, key = mdir / "boot2docker.iso", mdir / "id_rsa"
    iso.write_text("iso")
    key.write_text("secret")
    os.chmod(iso, 0o644)
    os.chmod(key, 0o600)

    def can(flag: str, path: Path) -> bool:
        return subprocess.run(["runuser", "-u", "nobody", "--", "test", flag, str(path)]).returncode == 0

    assert blocking_directory(iso, who) == home and not can("-r", iso)
    open_path_for(mdir, who)
    assert blocking_directory(iso, who) is None
    assert can("-r", iso) and not can("-r", key)  # the way in, and nothing more
    assert not can("-r", home)  # search, not listing
    assert all(stat.S_IMODE(d.stat().st_mode) & 0o007 == 0 for d in (home, mdir))  # not opened to others
    assert _acl.read(open_dir) is None  # an open directory is left as it was


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("runuser") is None, reason="needs root and runuser")
def test_the_last_machines_delete_takes_back_only_the_entries_kvm2_added(open_dir: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Two machines under one 0700 home share its entry; the first delete leaves it (the second still
    boots through it), the second takes it away; an entry someone else gave is never touched."""
    import pwd

    from minikube_driver_kvm2 import _acl
    from minikube_driver_kvm2._disk import open_path_for, release_path_for

    monkeypatch.setenv("MINIKUBE_KVM2_ACL_RECORD", str(open_dir / "record" / "acl.json"))
    user = pwd.getpwnam("nobody")
    who = Identity.of_label(user.pw_uid, user.pw_gid)
    home = open_dir / "root-home"
    machines = home / ".minikube" / "machines"
    theirs = home / "theirs"  # a directory whose entry for that user an administrator gave
    a, b = machines / "a", machines / "b"
    for m in (a, b):
        m.mkdir(parents=True)
        (m / "boot2docker.iso").write_text("iso")
    theirs.mkdir()
    for d in (home, home / ".minikube", machines, a, b, theirs):
        os.chmod(d, 0o700)
    _acl.grant(theirs, user.pw_uid, 1)
    c = theirs / "c"
    c.mkdir(mode=0o700)
    (c / "boot2docker.iso").write_text("iso")

    def can_reach(m: Path) -> bool:
        return subprocess.run(["runuser", "-u", "nobody", "--", "test", "-r", str(m / "boot2docker.iso")]).returncode == 0

    open_path_for(a, who)
    open_path_for(b, who)
    open_path_for(c, who)
    assert can_reach(a) and can_reach(b) and can_reach(c)
    release_path_for(a)
    assert _acl.user_perm(a, user.pw_uid) == 0 and can_reach(b)  # a's own entry went, the shared ones stay
    release_path_for(b)
    release_path_for(c)
    for d in (home, home / ".minikube", machines, b, c):
        assert _acl.read(d) is None and stat.S_IMODE(d.stat().st_mode) == 0o700, d  # as they were
    assert _acl.user_perm(theirs, user.pw_uid) == 1  # not kvm2's to take
    assert not can_reach(b)
