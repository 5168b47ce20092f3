"""NFS shares for the guest: entries in ``/etc/exports`` between markers, nfsd reloads.

The same file format as the Go library minikube uses (johanneswuerbach/nfsexports)::

    # BEGIN: minikube-hyperkit minikube-/Users
    /Users 192.168.64.3 -alldirs -mapall=alice
    # END: minikube-hyperkit minikube-/Users

so shares made by either can be removed by the other.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path


class NFSError(RuntimeError):
    """An exports change was refused or nfsd failed; the message says which."""


def _entry(identifier: str, export: str) -> str:
    return f"# BEGIN: {identifier}\n{export}\n# END: {identifier}\n"


def _write(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.minikube.tmp")
    tmp.write_text(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def exists(exports_file: Path, identifier: str) -> bool:
    try:
        text = exports_file.read_text()
    except FileNotFoundError:
        return False
    return f"# BEGIN: {identifier}\n" in text


def add(exports_file: Path, identifier: str, export: str, nfsd: str) -> bool:
    """Add an export unless present (False then); nfsd checks the new file before it is written."""
    try:
        text = exports_file.read_text()
    except FileNotFoundError:
        text = ""
    if f"# BEGIN: {identifier}\n" in text:
        return False
    if text and not text.endswith("\n"):
        text += "\n"
    new = text + _entry(identifier, export)
    _check(new, nfsd)
    _write(exports_file, new)
    return True


def remove(exports_file: Path, identifier: str) -> bool:
    """Remove an export; False if it was not there."""
    try:
        text = exports_file.read_text()
    except FileNotFoundError:
        return False
    begin = text.find(f"# BEGIN: {identifier}\n")
    end_mark = f"# END: {identifier}\n"
    end = text.find(end_mark, begin)
    if begin == -1 or end == -1:
        return False
    new = (text[:begin] + text[end + len(end_mark):]).strip()
    _write(exports_file, new + "\n" if new else "")
    return True


def _check(text: str, nfsd: str) -> None:
    with tempfile.NamedTemporaryFile("w", prefix="exports", delete=False) as f:
        f.write(text)
    try:
        proc = _run([nfsd, "-F", f.name, "checkexports"])
    finally:
        os.unlink(f.name)
    if proc.returncode != 0:
        raise NFSError(f"Export verification failed:\n{proc.stderr.strip()}")


def reload_daemon(nfsd: str) -> None:
    proc = _run([nfsd, "restart"])
    if proc.returncode != 0:
        raise NFSError(f"Reloading nfsd failed: {proc.stderr.strip() or f'exit {proc.returncode}'}")


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise NFSError(f"could not run {' '.join(argv)}: {e}") from None
