"""Shares: the mount string as minikube reads it, the JSON a driver keeps, and the guest command,
run by a real shell with stand-ins for sudo and mountpoint so every argument can be seen."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from minikube import MinikubeError, UsageError
from minikube.config import ClusterConfig
from minikube.machine import Share, find_virtiofsd, parse_mount_string, shares_of


def test_the_mount_string_splits_at_the_last_colon_and_the_source_becomes_absolute(tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch
                                                                                    ) -> None:
    odd = tmp_path / "a:b"
    odd.mkdir()
    monkeypatch.chdir(tmp_path)
    share = parse_mount_string("a:b:/mnt/data/", "virtiofs")
    assert (share.host_path, share.guest_path, share.kind, share.options) == (str(odd), "/mnt/data", "virtiofs", ())
    assert share.tag.startswith("mk-") and len(share.tag) <= 36  # a virtio-fs tag holds 36 bytes
    assert parse_mount_string(f"{odd}:/x", "virtiofs").tag != share.tag


def test_9p_options_are_minikubes_sorted_defaults_then_the_users(tmp_path: Path) -> None:
    share = parse_mount_string(f"{tmp_path}:/x", "9p", options=["cache=loose"], msize=524288, uid="1000")
    assert share.options == ("dfltgid=docker", "dfltuid=1000", "msize=524288", "trans=virtio", "version=9p2000.L",
                             "cache=loose")


@pytest.mark.parametrize(("text", "error"), [
    ("/nonexistent/dir:/x", MinikubeError), ("{tmp}:x", UsageError), ("{tmp}:/a/../b", UsageError),
    ("{tmp}", UsageError), (":/x", UsageError), ("{tmp}:", UsageError), ("{tmp}:/a\nb", UsageError),
])
def test_bad_strings_are_refused(tmp_path: Path, text: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_mount_string(text.format(tmp=tmp_path), "9p")


def test_a_share_round_trips_through_json_and_the_cluster_config(tmp_path: Path) -> None:
    share = parse_mount_string(f"{tmp_path}:/x", "9p")
    cfg = ClusterConfig(name="p", mounts=[share.to_json()], mount_string=share.spec, mount_type="9p")
    assert shares_of(ClusterConfig.from_json(cfg.to_json())) == (share,)
    with pytest.raises(MinikubeError, match='"Tag" must be a non-empty string'):
        ClusterConfig.from_json('{"Mounts": [{"Kind": "9p", "HostPath": "/a", "GuestPath": "/b"}]}')
    with pytest.raises(MinikubeError, match="an array"):
        ClusterConfig.from_json('{"Mounts": {}}')


def _run_in_stand_in_guest(tmp_path: Path, command: str, mounted: bool = False) -> list[list[str]]:
    """Run ``command`` with sudo and mountpoint replaced by scripts that log their arguments."""
    bin_dir, log = tmp_path / "bin", tmp_path / "log"
    bin_dir.mkdir(exist_ok=True)
    log.write_text("")
    record = f'for a in "$@"; do printf "%s\\0" "$a" >> {log}; done; printf "\\n" >> {log}'
    (bin_dir / "sudo").write_text(f"#!/bin/sh\n{record}\n")
    (bin_dir / "mountpoint").write_text(f"#!/bin/sh\n{'exit 0' if mounted else 'exit 1'}\n")
    for f in bin_dir.iterdir():
        f.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    subprocess.run(["sh", "-c", command], check=True, env=env)
    return [line.split("\0")[:-1] for line in log.read_bytes().decode().split("\n")[:-1]]


@settings(max_examples=40, deadline=None)
@given(st.text(st.characters(blacklist_characters="\0\n,/", blacklist_categories=("Cs",)), min_size=1, max_size=12))
def test_the_guest_command_passes_any_guest_path_as_one_argument(tmp_path_factory: pytest.TempPathFactory,
                                                                 name: str) -> None:
    if name in (".", ".."):
        return
    tmp = tmp_path_factory.mktemp("guest")
    share = Share("9p", "/host", f"/mnt/{name}", "mk-tag", ("dfltuid=0", "msize=262144", "trans=virtio"))
    calls = _run_in_stand_in_guest(tmp, share.mount_command())
    assert calls == [["mkdir", "-p", f"/mnt/{name}"],
                     ["mount", "-t", "9p", "-o", "dfltuid=0,msize=262144,trans=virtio", "mk-tag", f"/mnt/{name}"]]


def test_a_mounted_target_is_unmounted_first_and_names_are_resolved_in_the_guest(tmp_path: Path) -> None:
    share = Share("9p", "/host", "/data", "t", ("dfltuid=root", "dfltgid=root"))
    calls = _run_in_stand_in_guest(tmp_path, share.mount_command(), mounted=True)
    assert calls[0] == ["umount", "-f", "-l", "/data"]
    assert calls[2] == ["mount", "-t", "9p", "-o", "dfltuid=0,dfltgid=0", "t", "/data"]  # this host's root
    assert _run_in_stand_in_guest(tmp_path, Share("virtiofs", "/h", "/d", "t").mount_command())[1] == \
        ["mount", "-t", "virtiofs", "t", "/d"]


def test_virtiofsd_is_found_or_refused_with_the_install_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", "/nonexistent/virtiofsd")
    with pytest.raises(MinikubeError) as e:
        find_virtiofsd()
    assert e.value.reason.id == "HOST_UNSUPPORTED" and "/nonexistent/virtiofsd: not found" in e.value.message
    assert "apt-get install" in (e.value.fix or "")
    monkeypatch.setenv("MINIKUBE_VIRTIOFSD", "/bin/false")
    with pytest.raises(MinikubeError, match="exit 1"):
        find_virtiofsd()


def test_user_options_reach_mount_as_written(tmp_path: Path) -> None:
    """No shell expansion and no stray quotes: ``x=$HOME`` and ``it's`` arrive as given."""
    share = Share("virtiofs", "/h", "/d", "t", ("x=$HOME", "it's", "dfltuid=root"))
    calls = _run_in_stand_in_guest(tmp_path, share.mount_command())
    assert calls[1] == ["mount", "-t", "virtiofs", "-o", "x=$HOME,it's,dfltuid=0", "t", "/d"]
