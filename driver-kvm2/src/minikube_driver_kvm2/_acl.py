"""POSIX access ACLs, read and written through their extended attribute (no ``setfacl`` needed).

When minikube runs as root, QEMU runs as libvirt's unprivileged user, and root's machine
directories (``/root/.minikube/machines/<name>``, 0700 under a 0700 home) are closed to it.
Rather than opening them to everybody (``chmod o+x``), kvm2 gives that one user search
permission with an ACL entry, as virt-manager does for disk images under a private home.  The
kernel's format is small enough to handle here, so the driver needs no ``acl`` package.
"""

from __future__ import annotations

import errno
import os
import struct
from pathlib import Path

XATTR = "system.posix_acl_access"
VERSION = 2
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
UNDEFINED_ID = 0xFFFFFFFF

Entry = tuple[int, int, int]  # (tag, permission bits, uid or gid)


def read(path: Path | str) -> list[Entry] | None:
    """The file's access ACL entries, or None when it has none (its mode bits decide)."""
    try:
        raw = os.getxattr(path, XATTR)
    except OSError as e:
        if e.errno in (errno.ENODATA, errno.EOPNOTSUPP):
            return None
        raise
    if len(raw) < 4 or (len(raw) - 4) % 8 or struct.unpack_from("<I", raw)[0] != VERSION:
        return None
    return [struct.unpack_from("<HHI", raw, 4 + 8 * i) for i in range((len(raw) - 4) // 8)]


def _from_mode(mode: int) -> list[Entry]:
    return [(USER_OBJ, (mode >> 6) & 7, UNDEFINED_ID), (GROUP_OBJ, (mode >> 3) & 7, UNDEFINED_ID),
            (OTHER, mode & 7, UNDEFINED_ID)]


def allows(entries: list[Entry], st: os.stat_result, uid: int, groups: frozenset[int], want: int) -> bool:
    """The kernel's ACL check (acl(5) "Access check algorithm") for a non-root ``uid``."""
    by_tag: dict[int, list[Entry]] = {}
    for e in entries:
        by_tag.setdefault(e[0], []).append(e)
    mask = by_tag[MASK][0][1] if MASK in by_tag else 7
    if st.st_uid == uid:
        return by_tag.get(USER_OBJ, [(0, 0, 0)])[0][1] & want == want
    for _, perm, who in by_tag.get(USER, []):
        if who == uid:
            return perm & mask & want == want
    matched = [perm for _, perm, _ in by_tag.get(GROUP_OBJ, []) if st.st_gid in groups]
    matched += [perm for _, perm, gid in by_tag.get(GROUP, []) if gid in groups]
    if matched:
        return any(perm & mask & want == want for perm in matched)
    return by_tag.get(OTHER, [(0, 0, 0)])[0][1] & want == want


def grant(path: Path | str, uid: int, perm: int) -> None:
    """Add ``perm`` for the user ``uid`` to the file's ACL (``setfacl -m u:UID:...``): the mask
    is recomputed, as setfacl does, and every other entry is kept."""
    entries = read(path) or _from_mode(os.stat(path).st_mode)
    users = {who: p for tag, p, who in entries if tag == USER}
    users[uid] = users.get(uid, 0) | perm
    kept = [e for e in entries if e[0] not in (USER, MASK)]
    _write(path, kept + [(USER, p, who) for who, p in users.items()], masked=True)


def user_perm(path: Path | str, uid: int) -> int:
    """The permission bits the ACL's entry for the user ``uid`` holds (0 when it has none)."""
    return next((p for tag, p, who in read(path) or [] if tag == USER and who == uid), 0)


def revoke(path: Path | str, uid: int, perm: int) -> None:
    """Take ``perm`` off the user ``uid``'s entry (the entry goes when nothing is left), the mask
    recomputed; with no named entry left the ACL is the mode bits alone again (the kernel then
    drops the attribute, and the group bits are the group entry's, not the mask's)."""
    entries = read(path)
    if entries is None:
        return
    kept: list[Entry] = []
    for tag, p, who in entries:
        if tag == USER and who == uid:
            p &= ~perm
            if not p:
                continue
        if tag != MASK:
            kept.append((tag, p, who))
    _write(path, kept, masked=any(e[0] in (USER, GROUP) for e in kept))


def _write(path: Path | str, entries: list[Entry], *, masked: bool) -> None:
    """Store ``entries`` (no mask among them) as the file's ACL, with the mask setfacl would
    compute when ``masked`` (an ACL with named entries needs one; one without must have none)."""
    entries = list(entries)
    if masked:
        mask = 0
        for tag, p, _ in entries:
            if tag in (USER, GROUP_OBJ, GROUP):
                mask |= p
        entries.append((MASK, mask, UNDEFINED_ID))
    entries.sort(key=lambda e: (e[0], e[2]))
    os.setxattr(path, XATTR, struct.pack("<I", VERSION) + b"".join(struct.pack("<HHI", *e) for e in entries))
