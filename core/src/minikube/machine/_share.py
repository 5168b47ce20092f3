"""Shared folders: a host directory the guest mounts (``--mount-string``, ``minikube mount``).

The split of work, as in minikube's vfkit driver: the driver exposes each share to the guest as a
device with a tag (a virtiofs tag, a 9p ``mount_tag``), fixed when the machine is made; the core
mounts it in the guest over SSH after every boot (``sudo mkdir -p DST && sudo mount -t KIND TAG
DST``).  A driver reads its shares with :func:`shares_of`; a driver that can also add a device to
a running machine implements ``attach_share``/``detach_share`` (driver API 1.3).

Who owns the files: a 9p share names its guest owner in the guest's mount options (``dfltuid``,
``dfltgid``, resolved in the guest); a virtiofs share carries it as numbers (``Share.uid/gid``),
which the driver's virtiofsd maps the host user to (``_idmap``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from .._errors import MinikubeError, UsageError


class _WithMounts(Protocol):
    """What :func:`shares_of` reads: a ``ClusterConfig`` (not imported: the config imports this)."""

    mounts: list[Any]

#: minikube's defaults for a 9p mount (``--mount-9p-version``, ``--mount-msize``, ``--mount-uid/gid``).
DEFAULT_9P_VERSION = "9p2000.L"
DEFAULT_MSIZE = 262144
DEFAULT_OWNER = "docker"


@dataclass(frozen=True)
class Share:
    """One host folder the guest mounts: what the driver exposes and what the guest runs."""

    kind: str  # "virtiofs" or "9p"
    host_path: str  # absolute path of an existing host directory
    guest_path: str  # absolute path in the guest
    tag: str  # the device's tag, which the guest's mount names as its source
    #: Guest ``mount -o`` options (9p: ``trans=virtio``, ``version=``, ``msize=``...; values the
    #: guest resolves, such as ``dfltuid=docker``, are resolved there).
    options: tuple[str, ...] = ()
    #: virtiofs: the guest uid and gid the host user's files appear as (None: ``docker``'s 1000).
    uid: int | None = None
    gid: int | None = None

    _JSON = {"kind": "Kind", "host_path": "HostPath", "guest_path": "GuestPath", "tag": "Tag", "options": "Options"}
    _IDS = {"uid": "UID", "gid": "GID"}

    def to_json(self) -> dict[str, Any]:
        doc = {j: list(getattr(self, k)) if k == "options" else getattr(self, k) for k, j in self._JSON.items()}
        doc.update({j: getattr(self, k) for k, j in self._IDS.items() if getattr(self, k) is not None})
        return doc

    @property
    def guest_owner(self) -> tuple[int, int]:
        """virtiofs: (uid, gid) in the guest of the host user's files."""
        from ._idmap import DEFAULT_GUEST_OWNER

        return (DEFAULT_GUEST_OWNER[0] if self.uid is None else self.uid,
                DEFAULT_GUEST_OWNER[1] if self.gid is None else self.gid)

    @classmethod
    def from_json(cls, doc: Any) -> Share:
        """A share as :meth:`to_json` wrote it; anything else is a ValueError."""
        if not isinstance(doc, Mapping):
            raise ValueError(f"a mount must be an object, not {doc!r}")
        values: dict[str, Any] = {}
        for key, name in cls._JSON.items():
            v = doc.get(name, [] if key == "options" else None)
            if key == "options":
                if not isinstance(v, list) or not all(isinstance(o, str) for o in v):
                    raise ValueError(f'mount "{name}" must be a list of strings, not {v!r}')
                v = tuple(v)
            elif not isinstance(v, str) or not v:
                raise ValueError(f'mount "{name}" must be a non-empty string, not {v!r}')
            values[key] = v
        for key, name in cls._IDS.items():
            v = doc.get(name)
            if v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0):
                raise ValueError(f'mount "{name}" must be a non-negative integer, not {v!r}')
            values[key] = v
        return cls(**values)

    @property
    def spec(self) -> str:
        """``SRC:DST`` as the user wrote it (minikube's mount string)."""
        return f"{self.host_path}:{self.guest_path}"

    def mount_command(self) -> str:
        """The guest shell command that mounts it (run as the SSH user, who has passwordless sudo);
        something already mounted there is unmounted first, as minikube does."""
        dst = shlex.quote(self.guest_path)
        opts = ",".join(_guest_option(o) for o in self.options)
        how = f"-t {shlex.quote(self.kind)}" + (f" -o {opts}" if opts else "")  # quoted parts make one word
        return (f"if mountpoint -q {dst} 2>/dev/null; then sudo umount -f -l {dst}; fi; "
                f"sudo mkdir -p {dst} && sudo mount {how} {shlex.quote(self.tag)} {dst}")

    def unmount_command(self) -> str:
        dst = shlex.quote(self.guest_path)
        return f"if mountpoint -q {dst} 2>/dev/null; then sudo umount -f -l {dst}; fi"


def _guest_option(option: str) -> str:
    """One ``-o`` option for the guest shell; a ``dfltuid``/``dfltgid`` given by name is resolved
    in the guest (``docker`` is the guest's user and group), as minikube resolves it there."""
    key, sep, value = option.partition("=")
    if key in ("dfltuid", "dfltgid") and sep and not value.isdigit():
        name = shlex.quote(value)
        if key == "dfltuid":
            return f'{key}="$(id -u {name})"'
        return key + '="$(awk -F: -v g=' + name + " '$1==g {print $3}' /etc/group)\""
    return shlex.quote(option)


def shares_of(cluster: _WithMounts) -> tuple[Share, ...]:
    """The shares a cluster asked for, for a driver's ``configure(cc)``: the primary node's only
    (minikube's ``--mount-string`` mounts into the first node), so a worker's config has none."""
    node = getattr(cluster, "node", None)
    if node is not None and node.name:
        return ()
    return tuple(Share.from_json(m) for m in cluster.mounts)


def new_tag() -> str:
    """A device tag: unique, as minikube's random UUIDs are, and short enough for every kind
    (a virtio-fs tag holds 36 bytes)."""
    return "mk-" + uuid.uuid4().hex[:20]


def parse_mount_string(text: str, kind: str, *, options: Sequence[str] = (), version: str = DEFAULT_9P_VERSION,
                       msize: int = DEFAULT_MSIZE, uid: str = DEFAULT_OWNER, gid: str = DEFAULT_OWNER) -> Share:
    """``SRC:DST`` (split at the last ``:``, as minikube does) as a share, checked before anything
    is made: SRC an existing directory (made absolute), DST an absolute guest path without ``..``.

    A bad string or target is MK_USAGE; a missing source directory is HOST_PATH_MISSING.  For
    virtiofs ``uid``/``gid`` become numbers (``docker`` is 1000; another name is MK_USAGE).
    """
    src, sep, dst = text.rpartition(":")
    if not sep or not src or not dst:
        raise UsageError(f'invalid mount string "{text}": expected SRC:DST (a host directory and a guest path)',
                         fix="Use: --mount-string /host/dir:/guest/dir")
    for what, path in (("source", src), ("target", dst)):
        bad = next((c for c in path if c == "," or ord(c) < 32 or ord(c) == 127), None)
        if bad is not None:
            raise UsageError(f"mount {what} {path!r} contains {bad!r}, which a mount cannot carry",
                             fix="Choose a path without commas or control characters")
    if not dst.startswith("/"):
        raise UsageError(f'mount target "{dst}" must be an absolute path in the guest',
                         fix=f"Use an absolute guest path, e.g. {src}:/mnt/{Path(dst).name or 'share'}")
    if ".." in dst.split("/"):
        raise UsageError(f'mount target "{dst}" must not contain ".."', fix="Name the guest directory directly")
    host = Path(os.path.abspath(os.path.expanduser(src)))
    _require_dir(str(host), "Create the directory, or give an existing one as the mount source")
    ids: dict[str, int] = {}
    if kind == "9p":
        opts = [f"dfltgid={gid}", f"dfltuid={uid}", f"msize={msize}", "trans=virtio", f"version={version}"]
    else:
        from ._idmap import guest_id

        opts = []
        ids = {"uid": guest_id(uid, "uid"), "gid": guest_id(gid, "gid")}
    for o in options:
        if not o or any(c in o for c in ",\n\0"):
            raise UsageError(f"invalid mount option {o!r}: one key=value or key per --mount-options",
                             fix="Use e.g. --mount-options cache=loose")
    return Share(kind=kind, host_path=str(host), guest_path=os.path.normpath(dst), tag=new_tag(),
                 options=(*opts, *options), **ids)


def _require_dir(path: str, fix: str) -> None:
    if not os.path.isdir(path):
        detail = " (it is not a directory)" if os.path.exists(path) else ""
        raise MinikubeError(f"Cannot find directory {path} for mount{detail}", reason_id="HOST_PATH_MISSING", fix=fix)


def require_host_dirs(shares: Sequence[Share], machine: str) -> None:
    """Each share's host folder is still there (a driver checks before every start: virtiofsd or
    QEMU would otherwise fail at boot, saying less); else HOST_PATH_MISSING."""
    for s in shares:
        _require_dir(s.host_path, f"Create it again, or delete the machine (minikube delete -p {machine}) and "
                                  f"start it without --mount-string {s.spec}")


#: Where virtiofsd is looked for when it is not on PATH: the Rust virtiofsd package
#: (``/usr/libexec``) and the one QEMU's Debian package ships (``/usr/lib/qemu``).
VIRTIOFSD_PLACES = ("/usr/libexec/virtiofsd", "/usr/lib/qemu/virtiofsd", "/usr/lib/virtiofsd")


def find_virtiofsd() -> str:
    """The host's virtiofsd (``MINIKUBE_VIRTIOFSD`` names one), checked to run (QEMU's C one run by
    an ordinary user is taken too: see below); if there is none: HOST_UNSUPPORTED with the fix."""
    wanted = os.environ.get("MINIKUBE_VIRTIOFSD", "")
    candidates = [wanted] if wanted else [p for p in (shutil.which("virtiofsd"), *VIRTIOFSD_PLACES) if p]
    tried = []
    for path in candidates:
        if not os.access(path, os.X_OK):
            tried.append(f"{path}: not found")
            continue
        try:
            proc = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired) as e:
            tried.append(f"{path}: {e}")
            continue
        # QEMU's C virtiofsd drops supplementary groups before it reads its arguments, so run by an
        # ordinary user even --version fails with setgroups EPERM: it is there, and runs as root or
        # as root of a user namespace (which the driver that runs it checks).
        if proc.returncode == 0 or "setgroups" in proc.stderr + proc.stdout:
            return path
        tried.append(f"{path}: exit {proc.returncode}")
    raise MinikubeError(f"virtiofsd is needed for virtiofs shared folders but none runs here ({'; '.join(tried)})",
                        reason_id="HOST_UNSUPPORTED",
                        fix="Install it (Debian/Ubuntu: apt-get install qemu-system-common, or the virtiofsd "
                            "package; Fedora: dnf install virtiofsd), or set MINIKUBE_VIRTIOFSD to its path, "
                            "or use --mount-type 9p where the driver offers it")
