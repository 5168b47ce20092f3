"""Fixtures for the conformance kit's tests: a private sys.path entry that drivers are 'installed' into."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit_sites import Site
from ssh_guests import Guests, use


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    path = tmp_path / "site"
    path.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    monkeypatch.syspath_prepend(str(path))
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("MINIKUBE_NO_DRIVER_CACHE", "1")
    monkeypatch.setenv("MINIKUBE_HOME", str(tmp_path / "home"))
    before = set(sys.modules)
    yield Site(path, bin_dir)
    for mod in set(sys.modules) - before:
        if mod.startswith("minikube_driver_"):
            del sys.modules[mod]


@pytest.fixture
def ssh_guests() -> Iterator[Guests]:
    """SSH guests on 127.0.0.1 for SSHGuestDriver machines (ssh_guests.py), all gone after the test."""
    guests = Guests()
    use(guests)
    try:
        yield guests
    finally:
        use(None)
        guests.close()
