"""virtiofs ownership: --mount-uid/--mount-gid as numbers, the JSON a driver keeps, and the
namespace prefix run for real (``id`` inside it shows what a virtiofsd would be)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from minikube import UsageError
from minikube.machine import Share, parse_mount_string, userns_argv
from minikube.machine._idmap import check_userns, guest_id, inner_argv, probe


def test_virtiofs_owner_defaults_to_docker_and_takes_numbers(tmp_path: Path) -> None:
    share = parse_mount_string(f"{tmp_path}:/x", "virtiofs")
    assert (share.uid, share.gid, share.guest_owner, share.options) == (1000, 1000, (1000, 1000), ())
    share = parse_mount_string(f"{tmp_path}:/x", "virtiofs", uid="0", gid="4242")
    assert share.guest_owner == (0, 4242)
    assert parse_mount_string(f"{tmp_path}:/x", "9p", uid="root").uid is None  # 9p: named in the guest
    assert guest_id(" 1001 ", "uid") == 1001


@pytest.mark.parametrize(("uid", "gid", "what"), [("root", "docker", "uid"), ("1000", "wheel", "gid"),
                                                   ("-1", "1000", "uid"), ("4294967295", "1000", "uid"),
                                                   ("", "1000", "uid"), ("1e3", "1000", "uid")])
def test_virtiofs_owner_names_the_guest_would_resolve_are_refused_in_one_line(tmp_path: Path, uid: str, gid: str,
                                                                             what: str) -> None:
    with pytest.raises(UsageError) as e:
        parse_mount_string(f"{tmp_path}:/x", "virtiofs", uid=uid, gid=gid)
    assert e.value.reason.id == "MK_USAGE" and e.value.exit_code == 14
    assert "\n" not in e.value.message and f"its {what} must be a number" in e.value.message
    assert f"id -{what[0]}" in e.value.fix


def test_owner_round_trips_through_json_and_old_json_means_docker(tmp_path: Path) -> None:
    share = parse_mount_string(f"{tmp_path}:/x", "virtiofs", uid="1001", gid="1002")
    doc = share.to_json()
    assert (doc["UID"], doc["GID"]) == (1001, 1002) and Share.from_json(doc) == share
    old = {k: v for k, v in doc.items() if k not in ("UID", "GID")}  # a profile made before owners
    assert Share.from_json(old).guest_owner == (1000, 1000)
    assert "UID" not in parse_mount_string(f"{tmp_path}:/x", "9p").to_json()  # 9p JSON as before
    for bad in (-1, "1000", True, 1.5):
        with pytest.raises(ValueError, match="UID"):
            Share.from_json({**doc, "UID": bad})


def test_prefix_for_root_drops_to_the_user_then_maps_only_it() -> None:
    argv = userns_argv((1000, 1000), host=(1234, 5678), launcher_uid=0)
    assert [os.path.basename(argv[0]), *argv[1:5]] == ["setpriv", "--reuid=1234", "--regid=5678", "--clear-groups",
                                                       "--"]
    assert argv[5:] == inner_argv((1000, 1000))
    assert argv[6:] == ["--user", "--map-user=1000", "--map-group=1000", "--keep-caps", "--"]


def test_prefix_for_an_ordinary_user_clears_groups_in_an_outer_namespace() -> None:
    argv = userns_argv((7, 8), host=(1234, 5678), launcher_uid=1234)
    assert "--map-users=auto" in argv and "--setgroups=allow" in argv and "--clear-groups" in argv
    assert argv[-6:] == inner_argv((7, 8))
    with pytest.raises(ValueError):
        userns_argv((7, 8), host=(1234, 5678), launcher_uid=999)


@pytest.mark.skipif(os.geteuid() != 0, reason="root runs the prefix as another user")
def test_the_prefix_run_by_root_shows_only_the_guest_owner(tmp_path: Path) -> None:
    """What a virtiofsd started this way is: the host user as 1000, no groups, root unmapped."""
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    script = "id -u; id -g; id -G; cat /proc/self/uid_map; stat -c %u {0}; stat -c %u /; grep CapEff /proc/self/status"
    p = subprocess.run([*userns_argv((1000, 1000)), "sh", "-c", script.format(mine)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    uid, gid, groups, uid_map, owner_mine, owner_root, caps = p.stdout.splitlines()
    assert (uid, gid, groups) == ("1000", "1000", "1000")
    assert uid_map.split() == ["1000", "0", "1"]  # root's files are the user's (minikube run by root)...
    assert owner_mine == "1000" and owner_root == "1000"
    assert int(caps.split()[1], 16) != 0  # ...and virtiofsd keeps its capabilities in the namespace


def test_probe_and_check() -> None:
    assert probe(["true"]) is None
    assert probe(["sh", "-c", "echo why >&2; exit 3"]) == "why"
    check_userns((1000, 1000))  # this host can (the VM tests rely on it)
