"""Boot images (minikube's LocalISOResource): ``--iso-url`` as a path, file://, http:// or https://.

Downloads land in ``$MINIKUBE_HOME/cache/iso/<file name>``.  They are verified against
``?checksum=sha256:<hex>`` on the URL or, failing that, a ``<url>.sha256`` file beside the image,
written to a temp file in the same directory and renamed into place only once complete and
verified, so no half file is ever used.  A ``<file name>.json`` record beside it (URL, size,
sha256) is written last: an image without a matching record is not trusted and is fetched again.
404s, checksum mismatches and cut-off downloads are clear errors that leave nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from .. import localpath
from .._errors import MinikubeError, UsageError
from .._files import ensure_dir, write_atomic
from . import _ui

log = logging.getLogger("minikube.cli")

CHUNK = 1 << 16
TIMEOUT_S = 60.0
_HEX = re.compile(r"^[0-9a-fA-F]{64}$")
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def iso_cache_dir() -> Path:
    return localpath.cache_dir() / "iso"


@dataclass(frozen=True)
class Source:
    url: str  # without the checksum parameter
    checksum: str | None  # lower-case sha256 hex from ?checksum=sha256:<hex>


def parse_url(raw: str) -> Source:
    """Split off ``checksum=sha256:<hex>``; any other checksum form is a usage error."""
    parts = urlsplit(raw)
    query = parse_qsl(parts.query, keep_blank_values=True)
    checksum = None
    kept = []
    for k, v in query:
        if k != "checksum":
            kept.append((k, v))
            continue
        kind, _, digest = v.partition(":")
        if kind.lower() != "sha256" or not _HEX.match(digest):
            raise UsageError(f"invalid checksum {v!r} in --iso-url: use ?checksum=sha256:<64 hex digits>")
        checksum = digest.lower()
    url = urlunsplit(parts._replace(query=urlencode(kept))) if checksum else raw
    return Source(url, checksum)


def resolve_iso(raw: str | None) -> str:
    """The boot image as a local ``file://`` URL: local ones checked, remote ones downloaded to the cache."""
    if not raw:
        return ""
    src = parse_url(raw)
    scheme = urlsplit(src.url).scheme.lower()
    if scheme in ("http", "https"):
        return fetch(src).as_uri()
    if scheme == "file":
        path = Path(unquote(urlsplit(src.url).path))
    elif scheme == "" or (len(scheme) == 1 and os.name == "nt"):
        path = Path(src.url.split("?", 1)[0] if src.checksum else src.url)
    else:
        raise UsageError(f"unsupported --iso-url {raw!r}: use a path, file://, http:// or https://")
    path = path.expanduser().resolve()
    if not path.is_file():
        raise UsageError(f"invalid --iso-url: the boot image {path} does not exist",
                         fix="Check the path, or use an http(s):// URL")
    if src.checksum:
        digest = _sha256_file(path)
        if digest != src.checksum:
            raise MinikubeError(f"the boot image {path} has sha256 {digest}, but --iso-url asks for {src.checksum}",
                                reason_id="INET_CHECKSUM")
    return path.as_uri()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def cache_name(url: str) -> str:
    name = Path(unquote(urlsplit(url).path)).name
    name = _SAFE.sub("_", name).lstrip(".")
    return name or "boot.iso"


def _record_path(image: Path) -> Path:
    return image.with_name(image.name + ".json")


def cached(src: Source) -> Path | None:
    """The cached image for this URL, if a complete, recorded, matching download is there."""
    image = iso_cache_dir() / cache_name(src.url)
    try:
        record = json.loads(_record_path(image).read_text())
        size = image.stat().st_size
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("url") != src.url or record.get("size") != size:
        return None
    if src.checksum and record.get("sha256") != src.checksum:
        return None
    return image


def fetch(src: Source) -> Path:
    """Download once into the cache (under a lock, so two starts do not race), verified and atomic."""
    hit = cached(src)
    if hit is not None:
        _ui.info(f"* Using the cached boot image {hit}")
        return hit
    from filelock import FileLock

    directory = ensure_dir(iso_cache_dir(), 0o755)
    image = directory / cache_name(src.url)
    with FileLock(str(directory / f".{image.name}.lock")):
        hit = cached(src)  # another minikube may have fetched it while we waited
        if hit is not None:
            return hit
        expected = src.checksum or _sha256_beside(src.url)
        size, digest = _download(src.url, image, expected)
        write_atomic(_record_path(image), json.dumps(
            {"url": src.url, "size": size, "sha256": digest, "verified": expected is not None}, indent=2) + "\n",
            mode=0o644)
    return image


def _open(url: str) -> Any:
    import urllib.request

    req = urllib.request.Request(url, headers={"User-Agent": "minikube (python)"})
    return urllib.request.urlopen(req, timeout=TIMEOUT_S)  # noqa: S310 - the scheme is checked


def _download_error(url: str, e: BaseException) -> MinikubeError:
    import urllib.error

    if isinstance(e, urllib.error.HTTPError):
        what = f"the server answered {e.code} {e.reason}"
    elif isinstance(e, urllib.error.URLError):
        what = str(e.reason)
    else:
        what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return MinikubeError(f"downloading the boot image {url} failed: {what}", reason_id="INET_DOWNLOAD",
                         fix="Check the --iso-url and your network, then run minikube start again")


def _cut_off(url: str, got: int, total: int | None) -> MinikubeError:
    of = f" of {total}" if total is not None else ""
    return MinikubeError(f"the download of {url} was cut off after {got}{of} bytes", reason_id="INET_DOWNLOAD",
                         fix="Run minikube start again to retry")


def _sha256_beside(url: str) -> str | None:
    """``<url>.sha256`` ("<hex>" or "<hex>  <name>"); its absence means the image is not verified."""
    import urllib.error

    side = url.split("?", 1)[0] + ".sha256"
    try:
        with _open(side) as resp:
            text = resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        log.info("no checksum beside the boot image (%s: %s); it will not be verified", side, e.code)
        return None
    except (urllib.error.URLError, OSError) as e:
        raise _download_error(side, e) from None
    token = text.split()[0] if text.split() else ""
    if not _HEX.match(token):
        raise MinikubeError(f"{side} does not hold a sha256 checksum", reason_id="INET_CHECKSUM",
                            fix="Fix the .sha256 file, or give ?checksum=sha256:<hex> in --iso-url")
    return token.lower()


def _download(url: str, image: Path, expected: str | None) -> tuple[int, str]:
    """Stream into a temp file beside ``image``, check length and checksum, then rename into place."""
    import http.client

    fd, tmp_name = tempfile.mkstemp(dir=image.parent, prefix=f".{image.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            total: int | None = None
            try:
                with _open(url) as resp:
                    total = int(resp.headers.get("Content-Length") or 0) or None
                    size, digest = _copy(resp, out, total, image.name, url)
            except http.client.IncompleteRead as e:
                raise _cut_off(url, out.tell() + len(e.partial), total) from None
            except (OSError, http.client.HTTPException) as e:
                raise _download_error(url, e) from None
            if total is not None and size != total:
                raise _cut_off(url, size, total)
            if expected is not None and digest != expected:
                raise MinikubeError(f"the boot image {url} has sha256 {digest}, expected {expected}",
                                    reason_id="INET_CHECKSUM",
                                    fix="Check the checksum in --iso-url (or the .sha256 file beside the image)")
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        _record_path(image).unlink(missing_ok=True)  # the old record must not vouch for the new file
        os.replace(tmp, image)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    log.info("downloaded %s to %s (%d bytes, sha256 %s)", url, image, size, digest)
    return size, digest


def _copy(resp: IO[bytes], out: IO[bytes], total: int | None, label: str, url: str) -> tuple[int, str]:
    h = hashlib.sha256()
    size = 0
    if not _ui.fancy():
        _ui.info(f"* Downloading the boot image {url} ...")
        for chunk in iter(lambda: resp.read(CHUNK), b""):
            out.write(chunk)
            h.update(chunk)
            size += len(chunk)
        return size, h.hexdigest()
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (TextColumn("* Downloading {task.description}"), BarColumn(), DownloadColumn(),
               TransferSpeedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=_ui.console()) as bar:
        task = bar.add_task(label, total=total)
        for chunk in iter(lambda: resp.read(CHUNK), b""):
            out.write(chunk)
            h.update(chunk)
            size += len(chunk)
            bar.update(task, advance=len(chunk))
    return size, h.hexdigest()
