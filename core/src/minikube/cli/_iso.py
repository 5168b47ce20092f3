"""Boot images (the seed's LocalISOResource): a path or URL -> a local file:// URL."""

from __future__ import annotations

from pathlib import Path

from .._errors import MinikubeError


def resolve_iso(url: str | None) -> str:
    """A local path or file:// URL, checked to exist; downloads are handled by the CLI issue."""
    if not url:
        return ""
    if url.startswith("file://"):
        path = Path(url[len("file://"):])
    elif "://" in url:
        raise MinikubeError(f"downloading boot images is not supported yet: {url}", reason_id="INET_DOWNLOAD")
    else:
        path = Path(url)
    path = path.expanduser().resolve()
    if not path.is_file():
        raise MinikubeError(f"boot image {path} does not exist", reason_id="INET_DOWNLOAD",
                            fix="Check the --iso-url path")
    return path.as_uri()
