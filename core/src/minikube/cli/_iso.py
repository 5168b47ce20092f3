"""Boot images (minikube's ``--iso-url``): a list of paths, file://, http:// or https:// URLs.

The list is tried in order and the first that gives an image wins: the profile records that URL,
and the driver boots ``file://<local path>``.  Without ``--iso-url`` (flag, ``MINIKUBE_ISO_URL``,
``iso-url`` in config.toml), a driver with the ``boot_image`` capability gets minikube's own image
for this host's architecture from its mirrors (:mod:`._iso_default`); other drivers get none.

Downloads land in ``$MINIKUBE_HOME/cache/iso/<arch>/<file name>``, verified against
``?checksum=sha256:<hex>`` on the URL or a ``<url>.sha256`` beside the image (required for the
default images; for a URL the user gives, its absence is a warning).  A ``<file name>.json``
record beside the image (URL, size, sha256) is written last: an image without a matching record
is not trusted and is fetched again.  When every URL fails, one error names each URL with its
failure, in list order, and nothing is left behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from .. import localpath
from .._errors import MinikubeError, UsageError
from .._files import ensure_dir, make_private, write_atomic
from . import _ui
from ._download import HEX, Failed, checksum_beside, download

log = logging.getLogger("minikube.cli")

_SAFE = re.compile(r"[^A-Za-z0-9._-]")


def iso_cache_dir(arch: str | None = None) -> Path:
    from ._iso_default import host_arch

    return localpath.cache_dir() / "iso" / (arch or host_arch())


@dataclass(frozen=True)
class Source:
    url: str  # without the checksum parameter
    checksum: str | None  # lower-case sha256 hex from ?checksum=sha256:<hex>
    raw: str = ""  # as the user wrote it

    @property
    def remote(self) -> bool:
        return urlsplit(self.url).scheme.lower() in ("http", "https")


def parse_url(raw: str) -> Source:
    """One entry, checked: a UsageError (a ValueError) says what is wrong; the settings name where
    the value came from (flag, environment variable, config.toml)."""
    text = raw.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as e:
        raise UsageError(f"{text!r} is not a valid URL ({e})") from None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https"):
        host = parts.hostname or ""
        try:
            ok = bool(host) and not any(c.isspace() for c in host) and bool(host.encode("idna"))
        except UnicodeError:
            ok = False
        if not ok:
            raise UsageError(f"{text!r} has no valid host name")
        if port == 0:
            raise UsageError(f"{text!r} has no valid port")
    elif scheme == "file":
        if not unquote(parts.path):
            raise UsageError(f"{text!r} names no file")
    elif scheme and not (len(scheme) == 1 and os.name == "nt"):
        raise UsageError(f"unsupported URL scheme {scheme}:// in {text!r}")
    checksum = None
    kept = []
    for k, v in parse_qsl(parts.query, keep_blank_values=True):
        if k != "checksum":
            kept.append((k, v))
            continue
        kind, _, digest = v.partition(":")
        if kind.lower() != "sha256" or not HEX.match(digest):
            raise UsageError(f"invalid checksum {v!r}: use ?checksum=sha256:<64 hex digits>")
        checksum = digest.lower()
    url = urlunsplit(parts._replace(query=urlencode(kept))) if checksum else text
    return Source(url, checksum, text)


def parse_urls(raw: Any) -> tuple[str, ...]:
    """The ``iso-url`` setting: comma-separated text, or a list (repeated flags, a TOML list)."""
    items: Iterable[Any] = raw if isinstance(raw, (list, tuple)) else [raw]
    urls = []
    for item in items:
        if isinstance(item, (bool, dict, list)) or item is None:
            raise ValueError("use a path or URL, or several separated by commas")
        for part in str(item).split(","):
            if part.strip():
                urls.append(parse_url(part).raw)
    if not urls:
        raise ValueError("use a path or URL, or several separated by commas")
    return tuple(urls)


@dataclass(frozen=True)
class BootImage:
    source: str  # the entry that worked, recorded in the profile
    local: str  # file:// URI of the image the driver boots


def boot_image(urls: tuple[str, ...] | None, *, boots_iso: bool, offline_fix: str = "") -> BootImage | None:
    """The boot image for a new machine: the user's list, else minikube's default for an ISO-booting
    driver, else none.  ``offline_fix`` is the driver's declared way to get an image offline."""
    default = urls is None
    if urls is None:
        if not boots_iso:
            return None
        from ._iso_default import ARCHES, default_urls, host_arch

        if host_arch() not in ARCHES:
            raise UsageError(f"minikube publishes no boot image for {host_arch()} hosts",
                             fix=" ".join(filter(None, ["Boot a local image: minikube start --iso-url PATH.",
                                                        offline_fix])))
        urls = tuple(default_urls())
    sources = [parse_url(u) for u in urls]
    for src in sources:  # a cached download of any entry wins before any network is used
        hit = cached(src) if src.remote else None
        if hit is not None:
            _ui.info(f"* Using the cached boot image {hit}")
            return BootImage(src.raw, hit.as_uri())
    failures: list[tuple[Source, Failed]] = []
    for src in sources:
        try:
            local = fetch(src, required=default) if src.remote else _local(src)
        except Failed as e:
            failures.append((src, e))
            continue
        return BootImage(src.raw if src.remote else local.as_uri(), local.as_uri())
    raise _all_failed(failures, offline_fix)


def _all_failed(failures: list[tuple[Source, Failed]], offline_fix: str) -> MinikubeError:
    local_image = " ".join(filter(None, ["Or boot a local image: minikube start --iso-url PATH.", offline_fix]))
    if len(failures) == 1:
        src, f = failures[0]
        message = f"{'Failed to cache ISO' if src.remote else 'Cannot use the boot image'}: {src.raw}: {f.what}"
        advice = f.fix or "Check the URL and your network, then try again."
        fix = " ".join([advice, local_image]) if src.remote else f.fix
        if f.reason_id == "MK_USAGE":
            return UsageError(message, fix=fix)
        return MinikubeError(message, reason_id=f.reason_id, fix=fix)
    listing = "; ".join(f"{src.raw}: {f.what}" for src, f in failures)
    hints = list(dict.fromkeys(f.fix for _, f in failures if f.fix and f.reason_id == "INET_DOWNLOAD_BLOCKED"))
    fix = " ".join(["Check your network and proxy (HTTPS_PROXY), then try again.", *hints, local_image])
    return MinikubeError(f"Failed to cache ISO from any of its {len(failures)} URLs: {listing}",
                         reason_id="INET_DOWNLOAD_BLOCKED", fix=fix)


def _local(src: Source) -> Path:
    """A path or file:// URL, used where it is (checked against ``?checksum=`` when given)."""
    raw = src.url
    path = Path(unquote(urlsplit(raw).path)) if urlsplit(raw).scheme.lower() == "file" else Path(raw)
    path = path.expanduser().resolve()
    if not path.is_file():
        raise Failed(f"the file {path} does not exist", "MK_USAGE", "Check the path, or use an http(s):// URL.")
    if path.stat().st_size == 0:  # no image boots from nothing (an interrupted copy, a placeholder)
        raise Failed(f"the file {path} is empty", "MK_USAGE", "Give the path of a boot image (an .iso file).")
    if src.checksum:
        digest = _sha256_file(path)
        if digest != src.checksum:
            raise Failed(f"{path} has sha256 {digest}, expected {src.checksum}", "INET_CHECKSUM",
                         "Check the checksum in --iso-url.")
    return path


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


def fetch(src: Source, *, required: bool) -> Path:
    """Download once into the cache, verified and atomic, under a lock so two starts do not race.

    The lock lives in ``$MINIKUBE_HOME/locks/iso/``, so a failed download leaves the cache as it was."""
    from filelock import FileLock

    image = iso_cache_dir() / cache_name(src.url)
    lock = ensure_dir(localpath.minikube_home() / "locks" / "iso") / f"{image.parent.name}-{image.name}.lock"
    with FileLock(str(lock), mode=0o600):
        make_private(lock)
        hit = cached(src)  # another minikube may have fetched it while we waited
        if hit is not None:
            return hit
        expected = src.checksum or checksum_beside(src.url, required)
        size, digest = download(src.url, image, expected)
        write_atomic(_record_path(image), json.dumps(
            {"url": src.url, "size": size, "sha256": digest, "verified": expected is not None}, indent=2) + "\n",
            mode=0o644)
    log.info("saved the boot image %s as %s (%d bytes, sha256 %s)", src.url, image, size, digest)
    return image
