"""The boot2docker disk: a raw disk whose start is a tar stream the guest formats on first boot.

The guest (boot2docker, the minikube ISO, our tiny ISO) looks for the marker file at the start
of the disk, extracts the tar (the SSH key), then formats the disk.
"""

from __future__ import annotations

import io
import os
import shutil
import tarfile
import time
from pathlib import Path

MAGIC = "boot2docker, please format-me"


def _add(tar: tarfile.TarFile, name: str, data: bytes | None, mode: int) -> None:
    info = tarfile.TarInfo(name)
    info.mtime = int(time.time())
    info.mode = mode
    if data is None:
        info.type = tarfile.DIRTYPE
        tar.addfile(info)
    else:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))


def disk_tar(public_key: bytes) -> bytes:
    """The tar stream: the marker file, ``.ssh/`` (0700) and both authorized_keys files (0644)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        _add(tar, MAGIC, MAGIC.encode(), 0o644)
        _add(tar, ".ssh", None, 0o700)
        _add(tar, ".ssh/authorized_keys", public_key, 0o644)
        _add(tar, ".ssh/authorized_keys2", public_key, 0o644)
    return buf.getvalue()


def write_raw_disk(path: Path, public_key: bytes, size_mb: int) -> None:
    """Write the tar stream, then grow the file (sparse) to ``size_mb`` MB."""
    data = disk_tar(public_key)
    if size_mb * 1024 * 1024 < len(data):
        raise ValueError(f"disk size {size_mb} MB is smaller than the boot2docker image ({len(data)} bytes)")
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        f.write(data)
        f.truncate(size_mb * 1024 * 1024)
    os.replace(tmp, path)


def boot_image_source(url: str, driver: str, offline_fix: str = "") -> Path:
    """The local boot image a driver copies: Boot2DockerURL as a ``file://`` URL or a path.

    ``minikube start`` always gives one (minikube's default ISO unless --iso-url, downloaded into
    the cache first); only a caller of the driver API that sets none, or a remote URL, gets here
    with the usage error every VM driver gives.  ``offline_fix`` is the driver's own hint.
    """
    from urllib.parse import unquote, urlsplit

    from .._errors import UsageError

    if not url:
        raise UsageError(f"the {driver} driver needs a boot image, and none was given",
                         fix="Use minikube start (it downloads minikube's ISO), or pass --iso-url PATH"
                             + (f"; {offline_fix}" if offline_fix else ""))
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(unquote(parts.path))
    if parts.scheme == "":
        return Path(url).expanduser()
    raise UsageError(f"the {driver} driver boots a local image, not {url}",
                     fix="Let minikube start download it (--iso-url https://...), or pass a local path")


def copy_boot_image(url: str, dest: Path) -> Path:
    """Place the boot image (a local path or ``file://`` URL) at ``dest``, atomically.

    The CLI downloads remote images into its cache first, so a driver only ever copies a local
    file; with no URL, an image already in place is reused.
    """
    from .._errors import DriverError

    if not url:
        if dest.is_file():
            return dest
        raise DriverError(f"no boot image: Boot2DockerURL is empty and there is no {dest}",
                          fix="Start with --iso-url pointing at a minikube ISO")
    if "://" in url and not url.startswith("file://"):
        raise DriverError(f"boot image {url} is not a local file")
    src = Path(url[len("file://"):]) if url.startswith("file://") else Path(url)
    if dest.exists() and src.resolve() == dest.resolve():
        return dest
    tmp = dest.with_name(f".{dest.name}.tmp")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dest)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise DriverError(f"cannot copy the boot image {src} to {dest}: {e.strerror or e}") from None
    return dest
