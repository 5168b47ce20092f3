"""Which ACL entries kvm2 added for QEMU's user, and for which machines, so delete can take them back.

Why: the search-only entry kvm2 adds for libvirt's QEMU user on each directory down to a root
machine's (``_disk.open_path_for``) lets that user reach whatever is world-readable below, so it
must not outlive the last machine that needed it.  A directory's entry is often needed by
several machines (root's home, for every machine of every profile; one ``MINIKUBE_HOME`` or
several), so the record is one per host: each directory kvm2 added an entry to, the uid and
permission bits it added (nothing that was there before), and the machine directories that need
it.  A machine's delete drops it from every directory; a directory no machine needs any more
gets back exactly what was added.  An entry kvm2 did not add is never recorded nor removed.

The record and the ACL changes that go with it are made under one host-wide lock (``flock``),
beside each machine's own lock the core holds, so two machines made and deleted at once
neither lose an entry the other needs nor leave one behind.  Entries are only added as root
(QEMU never runs as root, and only then is it another user), so the record is root's, in
``/var/lib/minikube-driver-kvm2`` (``$MINIKUBE_KVM2_ACL_RECORD`` moves it; as another user it is
kept in ``$MINIKUBE_HOME``).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from minikube.localpath import minikube_home

from . import _acl

ENV_RECORD = "MINIKUBE_KVM2_ACL_RECORD"


def record_path() -> Path:
    override = os.environ.get(ENV_RECORD)
    if override:
        return Path(override)
    if os.geteuid() == 0:
        return Path("/var/lib/minikube-driver-kvm2/acl-entries.json")
    return minikube_home() / "kvm2-acl-entries.json"


Record = dict[str, dict]  # directory -> {"uid": int, "perm": int, "machines": [machine directory, ...]}


class Grants:
    """The record, held under the host-wide lock (use :func:`held`)."""

    def __init__(self, path: Path, entries: Record) -> None:
        self.path = path
        self.entries = entries

    def keep(self, machine: Path) -> None:
        """Every directory above ``machine`` that carries an entry kvm2 added: needed by it too."""
        for d in (machine, *machine.parents):
            entry = self.entries.get(str(d))
            if entry is not None and str(machine) not in entry["machines"]:
                entry["machines"].append(str(machine))

    def grant(self, d: Path, uid: int, perm: int, machine: Path) -> None:
        """Give ``uid`` ``perm`` on ``d`` for ``machine``, recording only what was not there."""
        entry = self.entries.get(str(d))
        if entry is None:
            had = _acl.user_perm(d, uid)
            added = perm & ~had
            if added:
                self.entries[str(d)] = {"uid": uid, "perm": added, "machines": [str(machine)]}
        elif str(machine) not in entry["machines"]:
            entry["machines"].append(str(machine))
        _acl.grant(d, uid, perm)

    def release(self, machine: Path) -> list[Path]:
        """``machine`` is gone: give back what no machine needs any more; returns those directories."""
        freed = []
        for d, entry in list(self.entries.items()):
            if str(machine) in entry["machines"]:
                entry["machines"].remove(str(machine))
            if not entry["machines"]:
                del self.entries[d]
                with contextlib.suppress(FileNotFoundError):
                    _acl.revoke(Path(d), entry["uid"], entry["perm"])
                freed.append(Path(d))
        return freed


@contextlib.contextmanager
def held() -> Iterator[Grants]:
    """The record under the host-wide lock; written back (atomically) when the block ends."""
    from minikube._files import write_atomic

    path = record_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            entries = json.loads(path.read_text())["entries"]
            if not isinstance(entries, dict):
                entries = {}
        except (OSError, ValueError, KeyError, TypeError):
            entries = {}
        before = json.dumps(entries, sort_keys=True)
        grants = Grants(path, entries)
        try:
            yield grants
        finally:
            if json.dumps(grants.entries, sort_keys=True) != before:
                write_atomic(path, json.dumps({"version": 1, "entries": grants.entries}, indent=1) + "\n")
    finally:
        os.close(fd)
