"""Choosing the forwarded loopback ports, and keeping them while they are free."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from minikube_driver_qemu2._ports import free_ports, is_free, keep_or_choose


@pytest.fixture
def taken() -> Iterator[int]:
    """A port another process listens on."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield s.getsockname()[1]


def test_free_ports_are_distinct_and_free() -> None:
    for _ in range(20):
        a, b = free_ports(2)
        assert a != b and is_free(a) and is_free(b)


def test_free_ports_avoid(taken: int) -> None:
    assert taken not in free_ports(5, avoid=[taken])


def test_a_taken_port_is_not_free(taken: int) -> None:
    assert not is_free(taken)
    assert not is_free(0) and not is_free(70000)


def test_keep_free_ports() -> None:
    ports = free_ports(2)
    assert keep_or_choose(ports) == ports


def test_replace_only_the_taken_one(taken: int) -> None:
    (other,) = free_ports(1, avoid=[taken])
    new = keep_or_choose([taken, other])
    assert new[1] == other and new[0] != taken and new[0] != other and is_free(new[0])


def test_unset_ports_are_chosen() -> None:
    a, b = keep_or_choose([0, 0])
    assert a and b and a != b
