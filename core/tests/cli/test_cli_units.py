"""Small in-process checks of the CLI's parsers; everything else runs the real console script."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from minikube import UsageError
from minikube.cli._entry import split_global_flags
from minikube.cli._flags import parse_cli, resolve
from minikube.cli._iso import cache_name, parse_url
from minikube.cli._settings import KEYS, parse_count, parse_size_mb
from minikube.machine import BoolFlag, IntFlag, StringFlag, StringSliceFlag


@pytest.mark.parametrize(("text", "mb"), [("2048", 2048), ("2048mb", 2048), ("2g", 2048), ("2GB", 2048),
                                          ("1.5g", 1536), ("1t", 1048576), ("4096MiB", 4096), (" 8g ", 8192)])
def test_sizes(text: str, mb: int) -> None:
    assert parse_size_mb(text) == mb


@pytest.mark.parametrize("text", ["10x", "-1", "0", "0g", "", "g", "1kb", "1..2g", "true"])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(ValueError):
        parse_size_mb(text)


@given(st.integers(min_value=1, max_value=10**7))
def test_any_positive_whole_number_of_mb_round_trips(n: int) -> None:
    assert parse_size_mb(str(n)) == n and parse_size_mb(f"{n}mb") == n and parse_count(str(n)) == n


def test_every_key_has_flag_env_and_help() -> None:
    assert sorted(KEYS) == ["cpus", "disk-size", "driver", "iso-url", "memory", "profile"]
    assert KEYS["disk-size"].env_var == "MINIKUBE_DISK_SIZE" and KEYS["iso-url"].flag == "--iso-url"
    assert all(k.help for k in KEYS.values())


@pytest.mark.parametrize(("argv", "rest", "v", "also"), [
    (["start", "--alsologtostderr"], ["start"], 0, True),
    (["-v", "2", "status"], ["status"], 2, False),
    (["status", "--v=1", "-p", "x"], ["status", "-p", "x"], 1, False),
    (["ip", "-v3"], ["ip"], 3, False),
    (["ssh", "--", "ls", "-v", "1", "--alsologtostderr"], ["ssh", "--", "ls", "-v", "1", "--alsologtostderr"], 0, False),
])
def test_global_flags_anywhere_before_double_dash(argv: list[str], rest: list[str], v: int, also: bool) -> None:
    assert split_global_flags(argv) == (rest, v, also)


def test_bad_verbosity_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        split_global_flags(["-v", "loud"])


FLAGS = [StringFlag("label", "", "LABEL", "dflt"), StringSliceFlag("tag", "", "", ("a",)), IntFlag("n", "", "N", 1),
         BoolFlag("on", "", "ON")]


def test_driver_flag_parsing_and_precedence() -> None:
    cli = parse_cli(["--label=x", "--tag", "p,q", "--tag=r", "--on", "--n", "5"], FLAGS, "d")
    assert cli == {"label": "x", "tag": ["p", "q", "r"], "on": True, "n": 5}
    values, sources = resolve(FLAGS, {"label": "x"}, {"n": 3, "tag": ["t"]}, "config.toml", "d",
                              {"LABEL": "env", "ON": "yes"})
    assert values["label"] == "x" and sources["label"] == "--label"
    assert values["on"] is True and sources["on"] == "ON"
    assert (values["n"], values["tag"], sources["n"]) == (3, ["t"], "config.toml")
    values, sources = resolve(FLAGS, {}, {}, "config.toml", "d", {})
    assert (values["label"], values["tag"], values["n"], values["on"]) == ("dflt", ["a"], 1, False)
    assert values["swarm-master"] is False  # libmachine's standard flags are always there


def test_iso_urls() -> None:
    sha = "ab" * 32
    src = parse_url(f"https://example.com/v1/minikube.iso?x=1&checksum=sha256:{sha.upper()}")
    assert src.url == "https://example.com/v1/minikube.iso?x=1" and src.checksum == sha
    assert parse_url("https://example.com/a.iso").checksum is None
    with pytest.raises(UsageError):
        parse_url("https://example.com/a.iso?checksum=md5:abc")
    assert cache_name("https://example.com/dir/minikube-v1.iso?x=1") == "minikube-v1.iso"
    assert cache_name("https://example.com/") == "boot.iso"
    assert cache_name("https://example.com/..%2F..%2Fetc%2Fpasswd") == "passwd"
