"""The discovery index: every ``minikube.drivers`` entry point on ``sys.path``, read without
importing any driver, with each driver's ``minikube-driver.toml`` table beside it.

The index is cached per interpreter, keyed on the modification times of the ``sys.path``
entries: installing or removing a distribution adds or removes a ``.dist-info`` directory, which
changes its directory's mtime.  So a warm listing costs one stat per path entry and one small
JSON read, whatever the number of installed distributions (stevedore's own cache stats every
``entry_points.txt`` and does not write for interpreters under /tmp).  Only the current entry is
kept: a cache file of another key is removed when a new one is written.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .._files import write_atomic
from .._version import DRIVER_API_VERSION, __version__
from ._compat import api_admits
from ._declaration import METADATA_FILE, read_table

GROUP = "minikube.drivers"
PLUGIN_PREFIX = "docker-machine-driver-"
_INDEX_FORMAT = 4


@dataclass
class EntryRecord:
    """One ``minikube.drivers`` entry point of one installed distribution."""

    name: str
    value: str
    distribution: str
    version: str
    path: str
    declared: dict[str, Any] | None = None  # this driver's raw table from minikube-driver.toml
    declared_error: str = ""
    api_ok: bool | None = None  # the API verdict for this core, cached with the index


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "minikube" / "drivers"


def _digest(text: str) -> str:
    """64 bits of checksum (CRC-32 and Adler-32): a cache key, not a security boundary, and zlib
    is already loaded where hashlib would cost an OpenSSL start-up on every command."""
    data = text.encode()
    return f"{zlib.crc32(data):08x}{zlib.adler32(data):08x}"


def _cache_key() -> str:
    parts = [f"{_INDEX_FORMAT}\0{__version__}\0{sys.executable}\0{sys.prefix}"]
    for entry in sys.path:
        try:
            mtime = os.stat(entry or ".").st_mtime_ns
        except OSError:
            mtime = -1
        parts.append(f"{entry}\0{mtime}")
    return _digest("\0".join(parts))


def _interpreter_tag() -> str:
    """Cache files of one interpreter share this prefix, so a rewrite can drop the stale ones."""
    return _digest(f"{sys.executable}\0{sys.prefix}")[:8]


def _declared(dist: Any, value: str, name: str) -> tuple[dict[str, Any] | None, str]:
    """This driver's table of minikube-driver.toml, located without importing the package."""
    package = value.split(":")[0].split(".")[0].strip()
    candidates = [Path(str(dist.locate_file(f"{package}/{METADATA_FILE}")))]
    if not candidates[0].is_file():
        import importlib.util

        try:
            spec = importlib.util.find_spec(package)
        except (ImportError, ValueError):
            spec = None
        for loc in (spec.submodule_search_locations or []) if spec else []:
            candidates.append(Path(loc) / METADATA_FILE)
    for path in candidates:
        if path.is_file():
            try:
                return read_table(path, name), ""
            except ValueError as e:
                return None, str(e)
    return None, ""


def scan() -> list[EntryRecord]:
    """Every ``minikube.drivers`` entry point on sys.path, in sys.path order."""
    import importlib_metadata

    records: list[EntryRecord] = []
    for dist in importlib_metadata.distributions():
        try:
            eps = [ep for ep in dist.entry_points if ep.group == GROUP]
        except Exception:  # noqa: BLE001 - a broken distribution must not hide the others
            continue
        if not eps:
            continue
        meta = dist.metadata
        path = str(getattr(dist, "_path", "")) and str(Path(str(dist._path)).parent)  # type: ignore[attr-defined]
        for ep in eps:
            declared, err = _declared(dist, ep.value, ep.name)
            rec = EntryRecord(ep.name, ep.value, meta["Name"] or "?", meta["Version"] or "?", path, declared, err)
            api = (declared or {}).get("api")
            if isinstance(api, str) and api:
                rec.api_ok = api_admits(api, DRIVER_API_VERSION)
            records.append(rec)
    return records


def load_index(refresh: bool = False) -> list[EntryRecord]:
    """The scan, from the per-interpreter cache when nothing on sys.path changed."""
    use_cache = not os.environ.get("MINIKUBE_NO_DRIVER_CACHE")
    tag = _interpreter_tag()
    cache = _cache_dir() / f"{tag}-{_cache_key()}.json" if use_cache else None
    if cache is not None and not refresh:
        try:
            doc = json.loads(cache.read_text())
            return [EntryRecord(**r) for r in doc["records"]]
        except (OSError, ValueError, KeyError, TypeError):
            pass
    records = scan()
    if cache is not None:
        try:
            write_atomic(cache, json.dumps({"records": [asdict(r) for r in records]}), mode=0o644)
            for stale in cache.parent.glob(f"{tag}-*.json"):
                if stale != cache:
                    stale.unlink(missing_ok=True)
        except OSError:
            pass
    return records


def path_plugins() -> dict[str, str]:
    """Bare ``docker-machine-driver-<name>`` executables: PATH, then this interpreter's bin."""
    found: dict[str, str] = {}
    dirs = os.environ.get("PATH", "").split(os.pathsep) + [os.path.dirname(sys.executable)]
    for d in dirs:
        try:
            names = os.listdir(d or ".")
        except OSError:
            continue
        for n in names:
            if n.startswith(PLUGIN_PREFIX) and len(n) > len(PLUGIN_PREFIX):
                full = os.path.join(d, n)
                if os.access(full, os.X_OK):
                    found.setdefault(n[len(PLUGIN_PREFIX):], full)
    return found
