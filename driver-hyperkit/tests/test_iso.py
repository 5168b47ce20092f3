"""Kernel and initrd out of real ISO9660 images (made by xorriso), read with pycdlib."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest
from minikube_driver_hyperkit import KERNEL_FILES, ISOError, extract_files

FIXTURES = Path(__file__).parent / "fixtures"


def unpack(name: str, dest: Path) -> Path:
    with gzip.open(FIXTURES / name) as src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out)
    return dest


@pytest.mark.parametrize("fixture", ["tiny-rr-joliet.iso.gz", "tiny-iso9660.iso.gz"])
def test_bzimage_and_initrd_are_extracted(tmp_path: Path, fixture: str) -> None:
    iso = unpack(fixture, tmp_path / "boot2docker.iso")
    wanted = {src: tmp_path / dest for src, dest in KERNEL_FILES.items()}
    extract_files(iso, wanted)
    kernel = (tmp_path / "bzimage").read_text()
    assert kernel.startswith("stand-in kernel: not a real bzImage\n") and kernel.count("\n") == 50
    initrd = (tmp_path / "initrd").read_text()
    assert initrd == "stand-in initrd\n" * 30
    assert not list(tmp_path.glob(".*.tmp"))


def test_a_missing_file_names_the_iso_and_the_path(tmp_path: Path) -> None:
    iso = unpack("tiny-rr-joliet.iso.gz", tmp_path / "b.iso")
    with pytest.raises(ISOError, match=r"b\.iso: unable to find file /boot/vmlinuz"):
        extract_files(iso, {"/boot/vmlinuz": tmp_path / "k"})
    assert not (tmp_path / "k").exists()


def test_a_file_that_is_not_an_iso(tmp_path: Path) -> None:
    bad = tmp_path / "not.iso"
    bad.write_bytes(b"\0" * 40000)
    with pytest.raises(ISOError, match="is not a readable ISO image"):
        extract_files(bad, {"/boot/bzimage": tmp_path / "k"})


def test_a_missing_iso(tmp_path: Path) -> None:
    with pytest.raises(ISOError, match="is not a readable ISO image"):
        extract_files(tmp_path / "absent.iso", {"/boot/bzimage": tmp_path / "k"})
