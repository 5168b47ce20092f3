"""bootpd's lease file: parsing, byte-wise MAC matching, DUIDs, duplicates, garbage."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from minikube_driver_hyperkit import find_ip, ip_from_leases_file, parse_leases, trim_mac

FIXTURES = Path(__file__).parent / "fixtures"


def leases() -> str:
    return (FIXTURES / "dhcpd_leases").read_text()


def test_every_block_is_read_with_its_fields() -> None:
    parsed = parse_leases(leases())
    assert parsed.problems == []
    assert [e.name for e in parsed.entries] == ["minikube", "ubuntu-vm", "minikube", "docker-desktop",
                                                "duid-six-bytes", "foo"]
    first = parsed.entries[0]
    assert (first.ip_address, first.hw_type, first.hw_address, first.lease) == (
        "192.168.64.7", "1", "8e:1:99:2a:5:b", "0x5f4b0e2d")
    assert first.expiry == 0x5F4B0E2D


@pytest.mark.parametrize("mac", ["8e:01:99:2a:05:0b", "8E:1:99:2A:5:B", "8e-01-99-2a-05-0b"])
def test_macs_compare_as_bytes_whatever_the_spelling(mac: str) -> None:
    assert find_ip(parse_leases(leases()), mac) == "192.168.64.7"


def test_with_several_leases_for_one_mac_the_latest_expiry_wins() -> None:
    text = leases()
    assert find_ip(parse_leases(text), "8e:1:99:2a:5:b") == "192.168.64.7"
    # order does not matter: put the older lease first
    blocks = text.split("}\n")
    reordered = "}\n".join([blocks[2], blocks[1], blocks[0], *blocks[3:]])
    assert find_ip(parse_leases(reordered), "8e:1:99:2a:5:b") == "192.168.64.7"


def test_duid_entries_never_match_even_when_their_bytes_look_like_a_mac() -> None:
    parsed = parse_leases(leases())
    duids = [e for e in parsed.entries if e.hw_type == "ff"]
    assert len(duids) == 2 and all(e.mac_bytes() is None for e in duids)
    assert find_ip(parsed, "a2:b3:c4:d5:e6:f7") is None


def test_minikubes_own_test_entry() -> None:
    assert find_ip(parse_leases(leases()), "a1:b2:c3:d4:e5:f6") == "1.2.3.4"
    assert find_ip(parse_leases(leases()), "2:50:0:0:0:1") == "192.168.64.4"


def test_a_garbage_block_is_skipped_and_described_the_rest_still_found(tmp_path: Path) -> None:
    text = (FIXTURES / "dhcpd_leases_garbage").read_text()
    parsed = parse_leases(text)
    assert [e.name for e in parsed.entries] == ["minikube"]
    assert len(parsed.problems) == 2
    assert "line 4: not a key=value line" in parsed.problems[0]
    assert "not closed at end of file" in parsed.problems[1]
    path = tmp_path / "leases"
    path.write_text(text)
    assert ip_from_leases_file(path, "8e:01:99:2a:05:0b") == "192.168.64.12"


def test_not_found_names_the_file_the_count_and_what_was_skipped(tmp_path: Path) -> None:
    path = tmp_path / "leases"
    path.write_text((FIXTURES / "dhcpd_leases_garbage").read_text())
    with pytest.raises(LookupError) as e:
        ip_from_leases_file(path, "02:00:00:00:00:01")
    msg = str(e.value)
    assert f"could not find an IP address for 02:00:00:00:00:01 in {path} (1 leases)" in msg
    assert "skipped unreadable blocks: line 4" in msg


def test_a_missing_file_says_no_lease_was_given_yet(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="does not exist yet"):
        ip_from_leases_file(tmp_path / "nope", "02:00:00:00:00:01")


def test_trim_mac_writes_macs_the_way_bootpd_does() -> None:
    assert trim_mac("08:00:27:0a:00:01") == "8:0:27:a:0:1"
    assert trim_mac("8e:01:99:2a:05:0b") == "8e:1:99:2a:5:b"


@given(st.binary(min_size=6, max_size=6))
def test_a_trimmed_mac_is_found_by_its_full_form(raw: bytes) -> None:
    full = ":".join(f"{b:02x}" for b in raw)
    text = "{\n\tname=x\n\tip_address=10.0.0.2\n\thw_address=1," + trim_mac(full) + "\n\tlease=0x1\n}\n"
    assert find_ip(parse_leases(text), full) == "10.0.0.2"
