"""Kernel and initrd out of the boot ISO, read with pycdlib (pure Python ISO9660).

minikube's Go driver reads the ISO9660 names with hooklift/iso9660, which lower-cases them
and leaves a trailing ``.`` (``BZIMAGE.;1`` -> ``bzimage.``).  We match the same way, and
also accept the Rock Ridge name (``bzImage``) that buildroot's ISOs carry.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

#: Where the boot2docker/minikube ISO keeps them, and the names in the machine directory.
KERNEL_FILES = {"/boot/bzimage": "bzimage", "/boot/initrd": "initrd"}


class ISOError(RuntimeError):
    """The ISO cannot be read, or lacks a file we need; the message names both."""


def _iso9660_name(record: Any) -> str:
    name = bytes(record.file_identifier()).decode("ascii", "replace")
    return name.split(";", 1)[0].rstrip(".").lower()


def _names(record: Any) -> set[str]:
    names = {_iso9660_name(record)}
    rr = getattr(record, "rock_ridge", None)
    if rr is not None:
        with contextlib.suppress(Exception):  # a record without an NM entry
            names.add(bytes(rr.name()).decode("utf-8", "replace").lower())
    return names


def _find(iso: Any, path: str) -> str:
    """The ISO9660 path of ``path`` (case-insensitive, version and trailing dot ignored)."""
    current = "/"
    for part in [p for p in path.lower().split("/") if p]:
        for child in iso.list_children(iso_path=current):
            if child.is_dot() or child.is_dotdot():
                continue
            if part in _names(child):
                ident = bytes(child.file_identifier()).decode("ascii", "replace")
                current = current.rstrip("/") + "/" + ident
                break
        else:
            raise ISOError(f"unable to find file {path}")
    return current


def extract_files(iso_path: Path | str, wanted: Mapping[str, Path | str]) -> None:
    """Copy each ISO path in ``wanted`` to its destination (written whole, then renamed)."""
    import pycdlib
    from pycdlib.pycdlibexception import PyCdlibException

    iso = pycdlib.PyCdlib()
    try:
        iso.open(str(iso_path))
    except (OSError, PyCdlibException) as e:
        raise ISOError(f"{iso_path} is not a readable ISO image: {e}") from None
    try:
        for src, dest in wanted.items():
            try:
                record_path = _find(iso, src)
            except ISOError as e:
                raise ISOError(f"{iso_path}: {e}") from None
            dest = Path(dest)
            tmp = dest.with_name(f".{dest.name}.tmp")
            with open(tmp, "wb") as out:
                iso.get_file_from_iso_fp(out, iso_path=record_path)
            os.replace(tmp, dest)
    except PyCdlibException as e:
        raise ISOError(f"{iso_path}: {e}") from None
    finally:
        iso.close()
