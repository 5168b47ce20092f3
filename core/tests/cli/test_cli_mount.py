"""Shared folders through the console script: every bad ``--mount-string``, ``--mount-type`` and
``minikube mount`` is one line with minikube's reason and exit code, before anything is made.
(The folders themselves are shared with real VMs in the kvm2 and qemu2 tests.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._helpers import Mk, assert_error


def assert_nothing_made(home: Path) -> None:
    assert not (home / "profiles").exists() and not (home / "machines").exists(), \
        sorted(str(p.relative_to(home)) for p in home.rglob("*"))


@pytest.fixture
def src(tmp_path: Path) -> Path:
    d = tmp_path / "shared"
    d.mkdir()
    (d / "keep.txt").write_text("the user's file\n")
    return d


@pytest.mark.parametrize(("string", "extra", "reason", "code", "says"), [
    ("{tmp}/missing:/data", [], "HOST_PATH_MISSING", 35, "Cannot find directory {tmp}/missing for mount"),
    ("{src}/keep.txt:/data", [], "HOST_PATH_MISSING", 35, "for mount (it is not a directory)"),
    ("{src}:data", [], "MK_USAGE", 14, 'mount target "data" must be an absolute path in the guest'),
    ("{src}:/data/../etc", [], "MK_USAGE", 14, 'must not contain ".."'),
    ("{src}", [], "MK_USAGE", 14, "expected SRC:DST"),
    ("{src}:/data", ["--mount-type", "nfs"], "MK_USAGE", 14, 'unknown mount type "nfs"'),
    ("{src}:/da,ta", [], "MK_USAGE", 14, "contains ','"),
    ("{src}:/data", ["--mount-msize", "0"], "MK_USAGE", 14, "the 9p msize must be a positive number"),
    ("{src}:/data", ["--mount-options", "a,b"], "MK_USAGE", 14, "invalid mount option 'a,b'"),
    # the fake driver declares no shared folders: the capability rule refuses them by name
    ("{src}:/data", [], "MK_USAGE", 14, "The fake driver does not support 9p shared folders"),
    ("{src}:/data", ["--mount-type", "virtiofs"], "MK_USAGE", 14, "does not support virtiofs shared folders"),
])
def test_bad_mounts_are_refused_in_one_line_and_nothing_is_made(mk: Mk, tmp_path: Path, src: Path, string: str,
                                                                extra: list[str], reason: str, code: int,
                                                                says: str) -> None:
    mount = string.format(tmp=tmp_path, src=src)
    err = assert_error(mk("start", "--driver", "fake", "-p", "shared", "--mount-string", mount, *extra), reason, code)
    assert says.format(tmp=tmp_path) in err and "* Suggestion: " in err, err
    assert_nothing_made(mk.home)
    assert (src / "keep.txt").read_text() == "the user's file\n"


def test_mount_needs_an_existing_running_profile_and_a_declared_kind(mk: Mk, src: Path) -> None:
    err = assert_error(mk("mount", f"{src}:/data", "-p", "ghost"), "GUEST_NOT_FOUND", 85)
    assert 'Profile "ghost" not found' in err
    assert_error(mk("mount", "-p", "ghost"), "MK_USAGE", 14)  # no SRC:DST
    mk.ok("start", "--driver", "fake", "-p", "plain")
    err = assert_error(mk("mount", f"{src}:/data", "-p", "plain", "--type", "9p"), "MK_USAGE", 14)
    assert "The fake driver does not support 9p shared folders" in err
    assert_error(mk("mount", f"{src}/nope:/data", "-p", "plain"), "HOST_PATH_MISSING", 35)
    assert_error(mk("mount", f"{src}:relative", "-p", "plain"), "MK_USAGE", 14)
    assert "No mount processes to kill" in mk.ok("mount", "--kill", "-p", "plain").stderr


def test_a_new_mount_string_for_an_existing_profile_is_a_warning_with_the_way_to_share_now(mk: Mk, src: Path) -> None:
    mk.ok("start", "--driver", "fake", "-p", "made")
    p = mk.ok("start", "-p", "made", "--mount-string", f"{src}:/data")
    assert "--mount-string is ignored" in p.stderr and f"minikube mount {src}:/data -p made" in p.stderr
