"""One boot image download over http(s): its checksum, the stream, and the atomic rename.

A download is written to a temp file beside its destination and renamed into place only once it
is complete and verified, so no half file is ever used; anything that goes wrong (a 404, a bad
certificate, a cut-off stream, a checksum mismatch, Ctrl-C) removes the temp file.  Each failure
is a :class:`Failed` that says what happened without the URL: the caller names the URL, and may
try the next one.  HTTPS uses Python's default context, so ``SSL_CERT_FILE``/``SSL_CERT_DIR`` and
the ``*_PROXY`` variables work as they do for other tools.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import IO, Any

from . import _ui

CHUNK = 1 << 16
TIMEOUT_S = 60.0
HEX = re.compile(r"^[0-9a-fA-F]{64}$")


class Failed(Exception):
    """Why one URL gave no image; ``reason_id`` is what a single URL's failure exits with."""

    def __init__(self, what: str, reason_id: str = "INET_DOWNLOAD", fix: str = "") -> None:
        super().__init__(what)
        self.what, self.reason_id, self.fix = what, reason_id, fix


def _open(url: str) -> Any:
    import urllib.request

    req = urllib.request.Request(url, headers={"User-Agent": "minikube (python)"})
    return urllib.request.urlopen(req, timeout=TIMEOUT_S)  # noqa: S310 - the scheme is checked


def failure(e: BaseException) -> Failed:
    """A network error as one clause: the HTTP status, the certificate problem, the refusal."""
    import ssl
    import urllib.error

    if isinstance(e, urllib.error.HTTPError):
        return Failed(f"the server answered {e.code} {e.reason}")
    reason = e.reason if isinstance(e, urllib.error.URLError) else e
    if isinstance(reason, ssl.SSLCertVerificationError):
        return Failed(f"certificate verify failed: {reason.verify_message}", "INET_DOWNLOAD_BLOCKED",
                      "If the server uses a private CA, trust it with SSL_CERT_FILE=<CA bundle>")
    if isinstance(reason, BaseException):
        what = str(reason) or type(reason).__name__
        if isinstance(reason, OSError) and reason.strerror:
            what = reason.strerror
        return Failed(what, "INET_DOWNLOAD_BLOCKED")
    return Failed(str(reason), "INET_DOWNLOAD_BLOCKED")


def checksum_beside(url: str, required: bool) -> str | None:
    """``<url>.sha256`` ("<hex>" or "<hex>  <name>").  Its absence is a failure when ``required``
    (minikube's own images always publish one); otherwise the image is used unverified, with a warning."""
    import urllib.error

    side = url.split("?", 1)[0] + ".sha256"
    try:
        with _open(side) as resp:
            text = resp.read(4096).decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        if required:
            raise Failed(f"its checksum {side} is not there (the server answered {e.code} {e.reason})",
                         "INET_CHECKSUM") from None
        _ui.warn(f"the boot image {url} is not verified: the server has no {side} ({e.code}); "
                 "add ?checksum=sha256:<hex> to the URL to verify it")
        return None
    except (urllib.error.URLError, OSError) as e:
        raise failure(e) from None
    token = text.split()[0] if text.split() else ""
    if not HEX.match(token):
        raise Failed(f"{side} does not hold a sha256 checksum", "INET_CHECKSUM",
                     "Fix the .sha256 file, or give ?checksum=sha256:<hex> in --iso-url")
    return token.lower()


def download(url: str, image: Path, expected: str | None) -> tuple[int, str]:
    """Stream ``url`` into a temp file beside ``image``, check length and checksum, rename into place."""
    import http.client

    from .._files import ensure_dir

    try:
        resp = _open(url)
    except (OSError, http.client.HTTPException) as e:
        raise failure(e) from None
    with resp:
        total = int(resp.headers.get("Content-Length") or 0) or None
        ensure_dir(image.parent, 0o755)
        fd, tmp_name = tempfile.mkstemp(dir=image.parent, prefix=f".{image.name}.", suffix=".part")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                try:
                    size, digest = _copy(resp, out, total, image.name, url)
                except http.client.IncompleteRead as e:
                    raise _cut_off(out.tell() + len(e.partial), total) from None
                except (OSError, http.client.HTTPException) as e:
                    raise failure(e) from None
                if total is not None and size != total:
                    raise _cut_off(size, total)
                if expected is not None and digest != expected:
                    raise Failed(f"the image has sha256 {digest}, expected {expected}", "INET_CHECKSUM",
                                 "Check the checksum in --iso-url (or the .sha256 file beside the image)")
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, 0o644)
            image.with_name(image.name + ".json").unlink(missing_ok=True)  # the old record must not vouch for it
            os.replace(tmp, image)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
    return size, digest


def _cut_off(got: int, total: int | None) -> Failed:
    of = f" of {total}" if total is not None else ""
    return Failed(f"the download was cut off after {got}{of} bytes", "INET_DOWNLOAD",
                  "Run minikube start again to retry")


def _copy(resp: IO[bytes], out: IO[bytes], total: int | None, label: str, url: str) -> tuple[int, str]:
    """Copy and hash, showing progress the way the CLI shows downloads (a bar, a line, or events)."""
    h = hashlib.sha256()
    size = 0
    with _ui.download(url, label, total) as advance:
        for chunk in iter(lambda: resp.read(CHUNK), b""):
            out.write(chunk)
            h.update(chunk)
            size += len(chunk)
            advance(len(chunk))
    return size, h.hexdigest()
