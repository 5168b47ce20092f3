"""Boot images through ``--iso-url``: paths, file://, and http:// from a real local HTTP server.

The server (127.0.0.1 only, started here) serves good images, ``.sha256`` files beside them, a
404, a download cut off halfway, and one that stalls; it logs every request so the tests can
tell a cached image from a fresh download.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ._helpers import ANSI, Mk, assert_error, run_in_pty
from ._server import LocalServer, local_server, send_headers

IMAGE = b"MINIKUBE-TEST-BOOT-IMAGE\n" * 20_000  # ~0.5 MB: big enough to stream in many chunks
OTHER = b"ANOTHER-IMAGE\n" * 10_000
SHA = hashlib.sha256(IMAGE).hexdigest()


Server = LocalServer


def _cut_off(h: http.server.BaseHTTPRequestHandler) -> None:
    """Promises the whole image, sends half, hangs up."""
    send_headers(h, len(IMAGE))
    h.wfile.write(IMAGE[: len(IMAGE) // 2])
    h.wfile.flush()
    h.close_connection = True


def _stall(h: http.server.BaseHTTPRequestHandler) -> None:
    """Sends a little, then nothing for a long time."""
    send_headers(h, len(IMAGE))
    h.wfile.write(IMAGE[:1000])
    h.wfile.flush()
    time.sleep(60)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    with local_server({
        "/good/boot.iso": IMAGE,
        "/side/boot.iso": IMAGE,
        "/side/boot.iso.sha256": f"{SHA}  boot.iso\n".encode(),
        "/badside/boot.iso": IMAGE,
        "/badside/boot.iso.sha256": (hashlib.sha256(b"x").hexdigest() + "\n").encode(),
        "/other/boot.iso": OTHER,
        "/cut/boot.iso": _cut_off,
        "/stall/boot.iso": _stall,
    }) as srv:
        yield srv


def iso_dir(mk: Mk) -> Path:
    """Downloads are cached per architecture, as minikube does."""
    from minikube.registry import current_platform

    return mk.home / "cache" / "iso" / current_platform().partition("/")[2]


def cache_files(mk: Mk) -> list[str]:
    d = iso_dir(mk)
    return sorted(p.name for p in d.iterdir() if not p.name.endswith(".lock")) if d.is_dir() else []


def test_download_with_checksum_is_cached_and_reused(mk: Mk, server: Server) -> None:
    url = f"{server.url}/good/boot.iso?checksum=sha256:{SHA}"
    before = server.gets("/good/boot.iso")
    p = mk.ok("start", "--driver", "fake", "-p", "i1", "--iso-url", url)
    assert "* Downloading the boot image" in p.stderr
    image = iso_dir(mk) / "boot.iso"
    assert image.read_bytes() == IMAGE and cache_files(mk) == ["boot.iso", "boot.iso.json"]
    assert mk.machine_config("i1")["Driver"]["Boot2DockerURL"] == image.as_uri()
    assert mk.profile_config("i1")["MinikubeISO"] == url  # the profile names the source; the driver boots the copy
    p = mk.ok("start", "--driver", "fake", "-p", "i2", "--iso-url", url)
    assert "* Using the cached boot image" in p.stderr
    assert server.gets("/good/boot.iso") == before + 1  # the second start did not download


def test_progress_bar_on_a_terminal_only(mk: Mk, server: Server) -> None:
    url = f"{server.url}/good/boot.iso?checksum=sha256:{SHA}"
    code, screen = run_in_pty([str(mk.venv.bin / "minikube"), "start", "--driver", "fake", "--iso-url", url],
                              mk.full_env({"TERM": "xterm-256color", "COLUMNS": "120"}))
    assert code == 0, screen
    assert "Downloading boot.iso" in screen and "━" in screen and ANSI.search(screen), screen
    piped = mk.ok("start", "--driver", "fake", "-p", "piped", "--iso-url", f"{server.url}/side/boot.iso")
    assert "━" not in piped.stderr and not ANSI.search(piped.stderr)


def test_sha256_file_beside_the_image_verifies_it(mk: Mk, server: Server) -> None:
    mk.ok("start", "--driver", "fake", "--iso-url", f"{server.url}/side/boot.iso")
    assert server.gets("/side/boot.iso.sha256") >= 1
    assert (iso_dir(mk) / "boot.iso").read_bytes() == IMAGE


def test_checksum_mismatch_leaves_nothing_behind(mk: Mk, server: Server) -> None:
    wrong = hashlib.sha256(b"not the image").hexdigest()
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", f"{server.url}/good/boot.iso?checksum=sha256:{wrong}"),
                       "INET_CHECKSUM", 40)
    assert f"has sha256 {SHA}, expected {wrong}" in err
    assert cache_files(mk) == []
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", f"{server.url}/badside/boot.iso"), "INET_CHECKSUM", 40)
    assert cache_files(mk) == [] and not (mk.home / "machines" / "minikube").exists()
    assert not (mk.home / "profiles" / "minikube").exists()


def test_404_is_a_clear_error(mk: Mk, server: Server) -> None:
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", f"{server.url}/missing/boot.iso"), "INET_DOWNLOAD", 40)
    assert f"{server.url}/missing/boot.iso" in err and "404" in err
    assert cache_files(mk) == []


def test_cut_off_download_is_not_trusted_and_a_later_start_fetches_it_whole(mk: Mk, server: Server) -> None:
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", f"{server.url}/cut/boot.iso"), "INET_DOWNLOAD", 40)
    assert f"was cut off after {len(IMAGE) // 2} of {len(IMAGE)} bytes" in err
    assert cache_files(mk) == []
    mk.ok("start", "--driver", "fake", "--iso-url", f"{server.url}/good/boot.iso?checksum=sha256:{SHA}")
    assert (iso_dir(mk) / "boot.iso").read_bytes() == IMAGE


def test_an_image_without_its_record_is_fetched_again(mk: Mk, server: Server) -> None:
    iso_dir(mk).mkdir(parents=True)
    (iso_dir(mk) / "boot.iso").write_bytes(IMAGE[:100])  # e.g. copied in by hand, or a crash before the record
    before = server.gets("/good/boot.iso")
    mk.ok("start", "--driver", "fake", "--iso-url", f"{server.url}/good/boot.iso")
    assert server.gets("/good/boot.iso") == before + 1
    assert (iso_dir(mk) / "boot.iso").read_bytes() == IMAGE
    # The same file name from another URL is not mistaken for it.
    mk.ok("start", "--driver", "fake", "-p", "oo", "--iso-url", f"{server.url}/other/boot.iso")
    assert (iso_dir(mk) / "boot.iso").read_bytes() == OTHER


def test_ctrl_c_during_a_download_leaves_no_partial_file(mk: Mk, server: Server) -> None:
    proc = subprocess.Popen([str(mk.venv.bin / "minikube"), "start", "--driver", "fake", "--iso-url",
                             f"{server.url}/stall/boot.iso"], env=mk.full_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.name.endswith(".part") for p in
                                                  (iso_dir(mk).iterdir() if iso_dir(mk).is_dir() else [])):
        time.sleep(0.1)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 11, err
    assert "Traceback" not in err and "X Exiting due to MK_INTERRUPTED" in err
    assert cache_files(mk) == []


def test_local_paths_and_file_urls(mk: Mk, tmp_path: Path) -> None:
    image = tmp_path / "my image.iso"
    image.write_bytes(IMAGE)
    mk.ok("start", "--driver", "fake", "-p", "p1", "--iso-url", str(image))
    mk.ok("start", "--driver", "fake", "-p", "p2", "--iso-url", f"{image.as_uri()}?checksum=sha256:{SHA}")
    for p in ("p1", "p2"):
        assert mk.machine_config(p)["Driver"]["Boot2DockerURL"] == image.as_uri()
    assert cache_files(mk) == []  # local images are used where they are
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", str(tmp_path / "nope.iso")), "MK_USAGE", 14)
    assert "does not exist" in err
    wrong = "0" * 64
    assert_error(mk("start", "--driver", "fake", "--iso-url", f"{image.as_uri()}?checksum=sha256:{wrong}"),
                 "INET_CHECKSUM", 40)
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", "ftp://example.invalid/x.iso"), "MK_USAGE", 14)
    assert "--iso-url" in err
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", f"{image}?checksum=md5:abc"), "MK_USAGE", 14)
    assert "checksum" in err


def test_iso_url_from_config_and_environment(mk: Mk, tmp_path: Path) -> None:
    a, b = tmp_path / "a.iso", tmp_path / "b.iso"
    a.write_bytes(IMAGE)
    b.write_bytes(OTHER)
    mk.ok("config", "set", "iso-url", str(a))
    mk.ok("start", "--driver", "fake", "-p", "cc")
    mk.ok("start", "--driver", "fake", "-p", "ee", env={"MINIKUBE_ISO_URL": str(b)})
    assert mk.profile_config("cc")["MinikubeISO"] == a.as_uri()
    assert mk.profile_config("ee")["MinikubeISO"] == b.as_uri()
    assert os.path.exists(a)


def test_a_list_of_urls_is_tried_in_order_and_the_profile_records_the_one_that_worked(mk: Mk, server: Server) -> None:
    missing, good = f"{server.url}/missing/boot.iso", f"{server.url}/side/boot.iso"
    p = mk.ok("start", "--driver", "fake", "-p", "commas", "--iso-url", f"{missing},{good}")
    assert "Traceback" not in p.stderr
    assert mk.profile_config("commas")["MinikubeISO"] == good
    assert mk.machine_config("commas")["Driver"]["Boot2DockerURL"] == (iso_dir(mk) / "boot.iso").as_uri()
    mk.ok("start", "--driver", "fake", "-p", "repeated", "--iso-url", missing, "--iso-url", good)
    mk.ok("start", "--driver", "fake", "-p", "env", env={"MINIKUBE_ISO_URL": f" {missing} , {good} "})
    mk.ok("config", "set", "iso-url", f"{missing},{good}")
    mk.ok("start", "--driver", "fake", "-p", "fromconfig")
    for name in ("repeated", "env", "fromconfig"):
        assert mk.profile_config(name)["MinikubeISO"] == good


def test_when_every_url_fails_one_line_names_each_in_order(mk: Mk, server: Server) -> None:
    first, second = f"{server.url}/missing/boot.iso", f"{server.url}/badside/boot.iso"
    err = assert_error(mk("start", "--driver", "fake", "--iso-url", f"{first},{second}"), "INET_DOWNLOAD_BLOCKED", 42)
    line = next(ln for ln in err.splitlines() if ln.startswith("X "))
    assert line.index(f"{first}: the server answered 404") < line.index(f"{second}: the image has sha256 {SHA}")
    assert "--iso-url PATH" in err
    assert cache_files(mk) == [] and not (mk.home / "profiles" / "minikube").exists()


def test_an_image_with_no_checksum_is_used_with_a_warning(mk: Mk, server: Server) -> None:
    url = f"{server.url}/good/boot.iso"
    p = mk.ok("start", "--driver", "fake", "--iso-url", url)
    assert f"! the boot image {url} is not verified: the server has no {url}.sha256 (404)" in p.stderr


@pytest.mark.parametrize("bad", ["http://[::1/x.iso", "https://", "http://127.0.0.1:99999/x.iso", "https://a..b/x.iso",
                                 "http://[::1]:80/ok.iso,ftp://host/x.iso"])
def test_a_malformed_iso_url_is_a_usage_error_before_anything_is_made(mk: Mk, bad: str) -> None:
    for args, env in ((["--iso-url", bad], {}), ([], {"MINIKUBE_ISO_URL": bad})):
        err = assert_error(mk("start", "--driver", "fake", *args, env=env), "MK_USAGE", 14)
        assert "* Suggestion: Give a path, or a file://, http:// or https:// URL" in err
        assert ("--iso-url" if args else "MINIKUBE_ISO_URL") in err
    err = assert_error(mk("config", "set", "iso-url", bad), "MK_USAGE", 14)
    assert not (mk.home / "config.toml").exists()
    assert not any((mk.home / d).exists() for d in ("profiles", "machines", "cache"))
