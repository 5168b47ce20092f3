"""The size and count parsers and the resource checks in-process, on made-up hosts: what the real
console script cannot show on this computer (a host with one CPU, or 1 GB of memory)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from minikube import MinikubeError, UsageError
from minikube.cli import _resources
from minikube.cli._resources import MAX_MB, check, parse_cpus, parse_memory, parse_size_mb, suggested_memory_mb
from minikube.cli._settings import Resolved


@pytest.mark.parametrize(("text", "mb"), [("1.5g", 1536), ("0.5gib", 512), ("1p", 1 << 30), ("3072k", 3),
                                          ("1048576b", 1), ("2048 MB", 2048), ("99999999999999999999999g",
                                                                               99999999999999999999999 * 1024)])
def test_sizes_are_exact(text: str, mb: int) -> None:
    """A float once turned 99999999999999999999999g into 102399999999999991410065408."""
    assert parse_size_mb(text) == mb


@pytest.mark.parametrize("text", ["2048b", "1e3", "٣٠٠٠", "1_000", "max", "no-limit", "1" * 41, "4 g b"])
def test_not_sizes(text: str) -> None:
    """``b`` is bytes (2048 bytes is no MB), and only ASCII digits, as minikube reads them."""
    with pytest.raises(ValueError):
        parse_size_mb(text)


SIZE_LIKE = st.from_regex(r"[0-9]{1,400}(\.[0-9]{1,5})?[kKmMgGtTpP]?[iI]?[bB]?", fullmatch=True)


@given(st.one_of(SIZE_LIKE, st.text(max_size=50), st.integers(), st.floats(), st.booleans(), st.lists(st.integers())))
def test_any_value_is_a_size_or_a_value_error(raw: object) -> None:
    """Never another exception (a 400-digit size overflowed a float into the catch-all), never zero
    or negative, never more than the text says."""
    try:
        mb = parse_size_mb(raw)
    except ValueError:
        return
    assert isinstance(mb, int) and 1 <= mb <= (int(str(raw).split(".")[0].rstrip("kKmMgGtTpPiIbB") or 0) + 1) << 30


@given(st.integers(min_value=0, max_value=10**30), st.sampled_from(["", "b", "k", "mb", "g", "TiB", "p"]))
def test_whole_sizes_are_exact(n: int, unit: str) -> None:
    shift = {"": 20, "b": 0, "k": 10, "mb": 20, "g": 30, "TiB": 40, "p": 50}[unit]
    want = (n << shift) >> 20
    if want < 1:
        with pytest.raises(ValueError):
            parse_size_mb(f"{n}{unit}")
    else:
        assert parse_size_mb(f"{n}{unit}") == want


def test_max_and_the_suggested_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_resources._host, "memory_mb", lambda: 16000)
    monkeypatch.setattr(_resources._host, "cpus", lambda: 8)
    assert (parse_memory("max"), parse_cpus(" MAX "), _resources.default_memory_mb()) == (14976, 8, 4000)
    assert [suggested_memory_mb(h) for h in (None, 2000, 8000, 64000)] == [3072, 2000, 3072, 6144]
    with pytest.raises(ValueError, match="no-limit"):
        parse_cpus("no-limit")


def wanted(cpus: int = 2, memory: int = 4000, disk: int = 20000, disk_source: str = "default") -> dict[str, Resolved]:
    return {"cpus": Resolved(cpus, "--cpus"), "memory": Resolved(memory, "--memory"),
            "disk-size": Resolved(disk, disk_source)}


def test_a_small_host_is_refused_unless_forced(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
                                               ) -> None:
    monkeypatch.setattr(_resources._host, "cpus", lambda: 1)
    monkeypatch.setattr(_resources._host, "memory_mb", lambda: 1500)
    with pytest.raises(MinikubeError, match="kvm2 has less than 2 CPUs available") as e:
        check(wanted(memory=1000), force=False, driver="kvm2")
    assert (e.value.reason_id, e.value.exit_code) == ("RSRC_INSUFFICIENT_CORES", 29)
    monkeypatch.setattr(_resources._host, "cpus", lambda: 4)
    with pytest.raises(MinikubeError, match="System only has 1500MiB available") as e:
        check(wanted(memory=1000), force=False, driver="kvm2")
    assert (e.value.reason_id, e.value.exit_code) == ("RSRC_INSUFFICIENT_SYS_MEMORY", 23)
    check(wanted(memory=1000), force=True, driver="kvm2")
    assert "RSRC_INSUFFICIENT_SYS_MEMORY: System only has 1500MiB" in capsys.readouterr().err


def test_what_no_machine_has_is_refused_even_when_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_resources._host, "memory_mb", lambda: None)  # a system that does not say
    check(wanted(memory=MAX_MB), force=True, driver=None)
    with pytest.raises(MinikubeError, match="more than your system limit"):
        check(wanted(memory=MAX_MB + 1), force=True, driver=None)
    with pytest.raises(UsageError, match="more than the maximum"):
        check(wanted(disk=MAX_MB + 1, disk_source="--disk-size"), force=True, driver=None)
