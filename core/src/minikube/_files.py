"""Files in ``$MINIKUBE_HOME``: atomic writes, and private modes however the home was made.

Why: the home holds the user's settings, profiles, machines' SSH keys and what each command
did, for the user alone.  Every file the core writes there goes through :func:`write_atomic`
(temp file, fsync, rename; 0600) or :func:`open_private` (appended logs, lock files; 0600),
and every directory through :func:`ensure_dir`, which first makes the home 0700, or tightens
one made by an older version (0755: its directories were made with the umask's mode) the
first time this process writes there.  Tightening clears the bits for others, and the group
bits too unless the home carries an ACL: then the group bits are the ACL's mask, which a
driver's entry (kvm2 lets libvirt's QEMU user search root's home) depends on.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

_checked: set[Path] = set()


def _has_acl(path: Path) -> bool:
    try:
        return bool(os.getxattr(path, "system.posix_acl_access"))
    except (OSError, AttributeError):  # none, no ACL support, or no xattrs on this platform
        return False


def private_home(home: Path) -> None:
    """Make ``home`` (the user's MINIKUBE_HOME) 0700, or take group and other bits off an existing one."""
    if home in _checked and home.is_dir():
        return
    try:
        home.mkdir(parents=True, mode=0o700)
    except FileExistsError:
        st = home.stat()
        mode = stat.S_IMODE(st.st_mode)
        tight = mode & ~(0o007 if _has_acl(home) else 0o077)
        if tight != mode and st.st_uid == os.geteuid():
            os.chmod(home, tight)
    _checked.add(home)


def _in_home(path: Path) -> Path | None:
    from . import localpath

    home = localpath.minikube_home()
    path = Path(os.path.abspath(path))
    home = Path(os.path.abspath(home))
    return home if path == home or home in path.parents else None


def ensure_dir(path: Path, mode: int = 0o700) -> Path:
    home = _in_home(path)
    if home is not None:
        private_home(home)
    path.mkdir(parents=True, exist_ok=True, mode=mode)
    return path


def _too_open(st: os.stat_result) -> bool:
    """A file of ours that others (group or world) may read: one an older version made 0644."""
    return bool(stat.S_IMODE(st.st_mode) & 0o077) and st.st_uid == os.geteuid()


def open_private(path: Path, flags: int) -> int:
    """``os.open`` for a file of the user's (0600, and made so if an older version left it 0644)."""
    fd = os.open(path, flags | os.O_CLOEXEC, 0o600)
    try:
        if _too_open(os.fstat(fd)):
            os.fchmod(fd, 0o600)
    except BaseException:
        os.close(fd)
        raise
    return fd


def make_private(path: Path) -> None:
    """Take group and other bits off a file of ours (a lock file an older version made 0644)."""
    with contextlib.suppress(OSError):
        if _too_open(os.stat(path)):
            os.chmod(path, 0o600)


def write_atomic(path: Path, data: bytes | str, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` so that readers see the old file or the new one, never half."""
    if isinstance(data, str):
        data = data.encode()
    ensure_dir(path.parent)
    import tempfile

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
