"""minikube's default boot image, for drivers that declare ``boot_image``, over real HTTPS.

Two local HTTPS servers (127.0.0.1 only): one with a certificate from a test CA that minikube is
told to trust through ``SSL_CERT_FILE`` (Python's default context reads it), one with a
certificate from another CA.  ``MINIKUBE_ISO_MIRRORS`` points the default mirror list at them, so
nothing here reaches the real mirrors.  The driver is ``vmfake``: the fake driver with the
``boot_image`` capability, whose create refuses anything but an existing ``file://`` image.
"""

from __future__ import annotations

import hashlib
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from minikube.registry import current_platform
from minikube.testing import Venv, Wheelhouse

from ._helpers import Mk, assert_error, dist
from ._server import LocalServer, local_server

ARCH = current_platform().partition("/")[2]
NAME = f"minikube-v1.38.0-{ARCH}.iso"
IMAGE = b"MINIKUBE-DEFAULT-ISO\n" * 30_000
SHA = hashlib.sha256(IMAGE).hexdigest()


@dataclass
class Servers:
    trusted: LocalServer  # certificate from the CA in ca_file
    foreign: LocalServer  # certificate from another CA
    ca_file: Path


def _tls(cert: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    return ctx


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Servers]:
    ca, other_ca = trustme.CA(), trustme.CA()
    ca_file = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    routes = {
        f"/good/{NAME}": IMAGE, f"/good/{NAME}.sha256": f"{SHA}\n".encode(),
        f"/bad/{NAME}": IMAGE, f"/bad/{NAME}.sha256": (hashlib.sha256(b"x").hexdigest() + "\n").encode(),
        f"/nosum/{NAME}": IMAGE,
    }
    with local_server(routes, tls=_tls(ca.issue_cert("127.0.0.1", "localhost"))) as trusted, \
            local_server(routes, tls=_tls(other_ca.issue_cert("127.0.0.1", "localhost"))) as foreign:
        yield Servers(trusted, foreign, ca_file)


@pytest.fixture(scope="module")
def vm_venv(tmp_path_factory: pytest.TempPathFactory, wheelhouse: Wheelhouse) -> Venv:
    v = Venv.create(tmp_path_factory.mktemp("cli-venv-vm"), wheelhouse)
    v.install("minikube")
    v.install(dist("vmfake"), dist("fake"))
    return v


@pytest.fixture
def mk(vm_venv: Venv, tmp_path: Path, servers: Servers) -> Mk:
    m = Mk(vm_venv, tmp_path / "mkhome")
    # Never the real mirrors: a test that forgets to choose its mirrors gets a refused connection.
    m.env.update({"SSL_CERT_FILE": str(servers.ca_file), "MINIKUBE_ISO_MIRRORS": closed_urls(1)[0]})
    return m


def closed_urls(n: int) -> list[str]:
    """https:// URL prefixes on local ports that nothing listens on (an offline host)."""
    out = []
    for _ in range(n):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            out.append(f"https://127.0.0.1:{s.getsockname()[1]}/minikube/iso")
    return out


def mirrors(*prefixes: str) -> dict[str, str]:
    return {"MINIKUBE_ISO_MIRRORS": ",".join(prefixes)}


def cached(mk: Mk) -> Path:
    return mk.home / "cache" / "iso" / ARCH / NAME


def leftovers(mk: Mk) -> list[str]:
    """What a failed first start must not leave: a profile, a machine, any file in the ISO cache."""
    found = [str(p) for d in ("profiles", "machines") for p in (mk.home / d).glob("*")]
    found += [str(p) for p in (mk.home / "cache").rglob("*") if p.is_file()]
    return found


def test_the_default_list_is_minikubes_mirrors_for_the_iso_version(monkeypatch: pytest.MonkeyPatch) -> None:
    from minikube.cli._iso_default import MIRRORS_ENV, default_urls

    monkeypatch.delenv(MIRRORS_ENV, raising=False)  # the test plugin points it at loopback

    for arch in ("amd64", "arm64"):
        name = f"minikube-v1.38.0-{arch}.iso"
        assert default_urls(arch) == [
            f"https://storage.googleapis.com/minikube/iso/{name}",
            f"https://github.com/kubernetes/minikube/releases/download/v1.38.0/{name}",
            f"https://kubernetes.oss-cn-hangzhou.aliyuncs.com/minikube/iso/{name}",
        ]


def test_plain_start_downloads_the_default_iso_over_https_from_the_first_mirror_that_works(
        mk: Mk, servers: Servers) -> None:
    t = servers.trusted
    env = mirrors(f"{t.url}/missing", f"{t.url}/good")
    p = mk.ok("start", env=env)  # no --driver, no --iso-url: the quick start
    good = f"{t.url}/good/{NAME}"
    assert f"* Downloading the boot image {good} ..." in p.stderr
    assert cached(mk).read_bytes() == IMAGE
    assert mk.profile_config("minikube")["MinikubeISO"] == good
    assert mk.machine_config("minikube")["Driver"]["Boot2DockerURL"] == cached(mk).as_uri()
    assert t.log.count(f"/missing/{NAME}.sha256") == 1 and f"/good/{NAME}.sha256" in t.log
    # A second machine uses the cache: no request at all.
    before = len(t.log)
    p = mk.ok("start", "-p", "second", env=env)
    assert "* Using the cached boot image" in p.stderr and len(t.log) == before
    # A driver that boots no ISO gets none, and nothing is fetched for it.
    mk.ok("start", "--driver", "fake", "-p", "plain", env=env)
    assert mk.profile_config("plain")["MinikubeISO"] == "" and len(t.log) == before
    assert mk.drivers()["vmfake"]["capabilities"]["boot_image"] is True


def test_a_certificate_from_another_ca_is_a_one_line_error(mk: Mk, servers: Servers) -> None:
    foreign = f"{servers.foreign.url}/good"
    err = assert_error(mk("start", env=mirrors(foreign)), "INET_DOWNLOAD_BLOCKED", 42)
    assert f"{foreign}/{NAME}: certificate verify failed" in err and "SSL_CERT_FILE" in err
    assert leftovers(mk) == []
    # Without SSL_CERT_FILE the test CA is not trusted either: the trust came from it.
    err = assert_error(mk("start", env={**mirrors(f"{servers.trusted.url}/good"), "SSL_CERT_FILE": ""}),
                       "INET_DOWNLOAD_BLOCKED", 42)
    assert "certificate verify failed" in err and leftovers(mk) == []
    # The next mirror is tried.
    mk.ok("start", env=mirrors(foreign, f"{servers.trusted.url}/good"))
    assert mk.profile_config("minikube")["MinikubeISO"] == f"{servers.trusted.url}/good/{NAME}"


def test_a_checksum_mismatch_leaves_nothing_and_the_next_mirror_is_tried(mk: Mk, servers: Servers) -> None:
    t = servers.trusted
    err = assert_error(mk("start", env=mirrors(f"{t.url}/bad")), "INET_CHECKSUM", 40)
    assert f"the image has sha256 {SHA}, expected {hashlib.sha256(b'x').hexdigest()}" in err
    assert leftovers(mk) == []
    # The default image must be verified: a mirror without a .sha256 is not used.
    err = assert_error(mk("start", env=mirrors(f"{t.url}/nosum")), "INET_CHECKSUM", 40)
    assert f"{t.url}/nosum/{NAME}.sha256 is not there" in err and leftovers(mk) == []
    mk.ok("start", env=mirrors(f"{t.url}/bad", f"{t.url}/nosum", f"{t.url}/good"))
    assert cached(mk).read_bytes() == IMAGE


def test_offline_every_mirror_fails_in_one_line_and_nothing_is_left(mk: Mk) -> None:
    offline = closed_urls(3)
    p = mk("start", env=mirrors(*offline))
    err = assert_error(p, "INET_DOWNLOAD_BLOCKED", 42)
    line = next(ln for ln in err.splitlines() if ln.startswith("X Exiting due to"))
    places = [line.index(f"{prefix}/{NAME}: Connection refused") for prefix in offline]
    assert places == sorted(places), line  # in list order
    suggestion = next(ln for ln in err.splitlines() if ln.startswith("* Suggestion:"))
    assert "minikube start --iso-url PATH" in suggestion and "vmfake-tiny-iso" in suggestion
    assert leftovers(mk) == [] and "Traceback" not in err


def test_an_explicit_url_is_verified_when_its_sha256_exists_and_otherwise_warned_about(mk: Mk, servers: Servers) -> None:
    t = servers.trusted
    assert_error(mk("start", "--iso-url", f"{t.url}/bad/{NAME}"), "INET_CHECKSUM", 40)
    assert leftovers(mk) == []
    p = mk.ok("start", "-p", "nosum", "--iso-url", f"{t.url}/nosum/{NAME}")
    assert f"! the boot image {t.url}/nosum/{NAME} is not verified" in p.stderr
    mk.ok("start", "-p", "good", "--iso-url", f"{t.url}/good/{NAME}")
    assert f"/good/{NAME}.sha256" in t.log
