"""Facts about this host that decide how kvm2 runs QEMU: the libvirt URI, who QEMU runs as,
whether it may use /dev/kvm, whether the CPU has hardware virtualization.

Nothing here imports libvirt: the health check uses these without a libvirt connection.
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from minikube.machine import cpu_has_hw_virt, read_cpuinfo

DEFAULT_URI = "qemu:///system"
DEV_KVM = "/dev/kvm"
VIRT_TYPES = ("auto", "kvm", "qemu")
DEV_KVM_FIX = "Run: chgrp kvm /dev/kvm && chmod 0660 /dev/kvm"
DOC = "https://minikube.sigs.k8s.io/docs/reference/drivers/kvm2/"


def default_uri() -> str:
    """libvirt's own rule: ``LIBVIRT_DEFAULT_URI``, else the system instance (as minikube does)."""
    return os.environ.get("LIBVIRT_DEFAULT_URI") or DEFAULT_URI


def is_local_system_uri(uri: str) -> bool:
    """``qemu:///system`` (any local transport, any query): the root libvirtd on this host."""
    parts = urlsplit(uri)
    return parts.scheme in ("qemu", "qemu+unix") and not parts.hostname and parts.path == "/system"


@dataclass(frozen=True)
class Identity:
    """A Unix user with the groups its processes get (primary and supplementary)."""

    name: str
    uid: int
    gid: int
    groups: frozenset[int]

    @classmethod
    def current(cls) -> Identity:
        uid = os.geteuid()
        try:
            name = pwd.getpwuid(uid).pw_name
        except KeyError:
            name = str(uid)
        return cls(name, uid, os.getegid(), frozenset(os.getgroups()) | {os.getegid()})

    @classmethod
    def of_label(cls, uid: int, gid: int) -> Identity:
        """Whom a process started with a libvirt DAC label ``+uid:+gid`` runs as: libvirt adds the
        user's groups (those of its passwd entry's primary group) to ``gid``."""
        try:
            pw = pwd.getpwuid(uid)
        except KeyError:
            return cls(str(uid), uid, gid, frozenset({gid}))
        return cls(pw.pw_name, uid, gid, frozenset({gid, *os.getgrouplist(pw.pw_name, pw.pw_gid)}))

    @classmethod
    def of_user(cls, name: str) -> Identity:
        pw = pwd.getpwnam(name)
        groups = {pw.pw_gid, *(g.gr_gid for g in grp.getgrall() if name in g.gr_mem)}
        return cls(name, pw.pw_uid, pw.pw_gid, frozenset(groups))

    def may(self, st: os.stat_result, want: int, path: Path | str | None = None) -> bool:
        """Whether this identity has the ``want`` bits (4 read, 2 write, 1 search/exec) on a file
        (its access ACL decides when ``path`` has one)."""
        if self.uid == 0:
            return True  # CAP_DAC_OVERRIDE (root's search on directories, read/write on files)
        if path is not None:
            from . import _acl

            try:
                entries = _acl.read(path)
            except OSError:
                entries = None
            if entries is not None:
                return _acl.allows(entries, st, self.uid, self.groups, want)
        if st.st_uid == self.uid:
            bits = (st.st_mode >> 6) & 7
        elif st.st_gid in self.groups:
            bits = (st.st_mode >> 3) & 7
        else:
            bits = st.st_mode & 7
        return bits & want == want

    def group_names(self) -> list[str]:
        names = []
        for gid in sorted(self.groups):
            try:
                names.append(grp.getgrgid(gid).gr_name)
            except KeyError:
                continue
        return names


def blocking_directory(path: Path, who: Identity) -> Path | None:
    """The first directory on the way to ``path`` that ``who`` cannot search, if any.

    QEMU opens the disk and the ISO by name, so every directory above them must be searchable
    by the user QEMU runs as: the "ISO unreadable by the qemu user" complaint of minikube users
    whose home directory is 0700.
    """
    path = Path(os.path.abspath(path))
    for d in reversed(path.parents):
        try:
            st = os.stat(d)
        except FileNotFoundError:
            return None  # made later, by minikube, for the user QEMU runs as
        except OSError:
            return d
        if not who.may(st, 1, d):
            return d
    return None


def dev_kvm_problem(who: Identity, dev: str = DEV_KVM) -> str:
    """Why ``who`` cannot open /dev/kvm read-write ("" when it can, or when there is no /dev/kvm)."""
    try:
        st = os.stat(dev)
    except FileNotFoundError:
        return ""
    except OSError as e:
        return f"{dev}: {e.strerror}"
    if not stat.S_ISCHR(st.st_mode):
        return f"{dev} is not a character device"
    if who.may(st, 6):
        return ""
    try:
        owner = pwd.getpwuid(st.st_uid).pw_name
    except KeyError:
        owner = str(st.st_uid)
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    return (f"{dev} ({stat.filemode(st.st_mode)} {owner}:{group}) cannot be opened read-write by "
            f"{who.name}, the user QEMU runs as")


def dev_kvm_fix(who: Identity) -> str:
    if who.uid == 0:
        return DEV_KVM_FIX
    return f"{DEV_KVM_FIX}, then add {who.name} to the kvm group: sudo usermod --append --groups kvm {who.name}"






@dataclass(frozen=True)
class VirtChoice:
    """The libvirt domain type kvm2 uses, and why (``why`` is empty when KVM is used as asked)."""

    virt_type: str
    why: str = ""
    fix: str = ""

    @property
    def software(self) -> bool:
        return self.virt_type == "qemu"


SOFTWARE_FIX = ("enable hardware virtualization (VT-x/AMD-V in the firmware, or nested virtualization "
                "in the outer hypervisor) so that /proc/cpuinfo shows vmx or svm and /dev/kvm is usable; "
                "until then kvm2 runs VMs under software emulation (--kvm-virt-type qemu), which is slower")


def choose_virt_type(requested: str, who: Identity, dev: str = DEV_KVM, cpuinfo: str | None = None) -> VirtChoice:
    """``auto``: kvm only where /dev/kvm is usable by QEMU's user AND the CPU shows vmx/svm.

    On nested hosts (PVM) /dev/kvm exists but the CPU flags do not, and type='kvm' hangs a stock
    kernel: there software emulation is the one that works.  ``kvm``/``qemu`` are taken as asked.
    """
    if requested != "auto":
        return VirtChoice(requested)
    if not os.path.exists(dev):
        return VirtChoice("qemu", f"there is no {dev}", SOFTWARE_FIX)
    problem = dev_kvm_problem(who, dev)
    if problem:
        return VirtChoice("qemu", problem, dev_kvm_fix(who))
    if not cpu_has_hw_virt(read_cpuinfo() if cpuinfo is None else cpuinfo):
        return VirtChoice("qemu", "the CPU does not advertise hardware virtualization (no vmx or svm "
                                  "in /proc/cpuinfo)", SOFTWARE_FIX)
    return VirtChoice("kvm")
